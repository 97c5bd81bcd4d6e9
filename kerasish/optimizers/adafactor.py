"""``Adafactor``: factored second moments, relative step sizes (Keras's form)::

    t = iterations + 1
    rate = min(learning_rate, 1 / sqrt(t)) if relative_step (and not a schedule) else learning_rate
    alpha = max(epsilon_2, rms(w)) * min(rate, 1 / sqrt(t))
    g2 = g**2 + epsilon_1;  decay = 1 - t**beta_2_decay
    rank >= 2:  r = decay * r + (1 - decay) * mean(g2, -1)       # rows
                c = decay * c + (1 - decay) * mean(g2, -2)       # columns
                v = (r / mean(r, -1))[..., None] * c[..., None, :]
    rank < 2:   v = decay * v + (1 - decay) * g2
    u = g / sqrt(v);  w = w - alpha * u / max(1, rms(u) / clip_threshold)

For a weight of rank < 2 Keras still keeps ``r`` and ``c``: int32 scalars that never
change. The rule reads the weight, so weight decay (when set) is applied before it.
"""

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, base_arguments, check_float


class AdafactorSlots(NamedTuple):
    rows: Any        # shape[:-1] (int32 scalar placeholder below rank 2)
    cols: Any        # shape[:-2] + shape[-1:] (same placeholder)
    velocities: Any


def adafactor_step(beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                   relative_step=True):
    """Keras's Adafactor rule as an optax transform (needs ``params``; extra arguments:
    ``learning_rate``, ``iterations``). ``relative_step`` is applied by the caller's
    choice: pass False when the rate is a schedule (Keras skips it then).

    >>> import jax.numpy as jnp
    >>> step = adafactor_step()
    >>> w = {"k": jnp.ones((2, 3)), "b": jnp.ones(3)}
    >>> state = step.init(w)
    >>> state.rows["k"].shape, state.cols["k"].shape, state.rows["b"].dtype.name
    ((2,), (3,), 'int32')
    """

    def init(params):
        def factor(p, shape):
            return jnp.zeros(shape, p.dtype) if p.ndim >= 2 else jnp.zeros((), jnp.int32)

        return AdafactorSlots(
            jax.tree.map(lambda p: factor(p, p.shape[:-1]), params),
            jax.tree.map(lambda p: factor(p, p.shape[:-2] + p.shape[-1:]), params),
            jax.tree.map(slot_init.zeros_like, params))

    rms = lambda x: jnp.sqrt(jnp.mean(jnp.square(x)))  # noqa: E731

    def update(grads, state, params=None, *, learning_rate, iterations, **extra_args):
        del extra_args
        if params is None:
            raise ValueError(
                "Adafactor needs the current weights: call `update(grads, state, params)`.")

        def step(g, w, r, c, v):
            dtype = w.dtype
            lr = learning_rate.astype(dtype)
            t = (iterations + 1).astype(dtype)
            if relative_step:
                lr = jnp.minimum(lr, 1 / jnp.sqrt(t))
            rho_t = jnp.minimum(lr, 1 / jnp.sqrt(t))
            alpha_t = jnp.maximum(jnp.asarray(epsilon_2, dtype), rms(w)) * rho_t
            g2 = jnp.square(g) + epsilon_1
            decay = 1 - jnp.power(t, beta_2_decay)
            if w.ndim >= 2:
                r = decay * r + (1 - decay) * jnp.mean(g2, axis=-1)
                c = decay * c + (1 - decay) * jnp.mean(g2, axis=-2)
                v = jnp.expand_dims(r / jnp.mean(r, axis=-1, keepdims=True), -1) \
                    * jnp.expand_dims(c, -2)
            else:
                v = decay * v + (1 - decay) * g2
            u = g / jnp.sqrt(v)
            u_hat = u / jnp.maximum(jnp.asarray(1.0, dtype), rms(u) / clip_threshold)
            return -(alpha_t * u_hat), r, c, v

        out = jax.tree.map(step, grads, params, state.rows, state.cols, state.velocities)
        pick = lambda i: jax.tree.map(lambda _, o: o[i], grads, out)  # noqa: E731
        return pick(0), AdafactorSlots(pick(1), pick(2), pick(3))

    return optax.GradientTransformationExtraArgs(init, update)


class Adafactor(Optimizer):
    """Adafactor, as ``keras.optimizers.Adafactor``.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        beta_2_decay: exponent of the second-moment decay ``1 - t**beta_2_decay``.
            Defaults to -0.8.
        epsilon_1: added to the squared gradients. Defaults to 1e-30.
        epsilon_2: the smallest weight RMS the step is scaled by. Defaults to 1e-3.
        clip_threshold: the largest RMS of the normalised step. Defaults to 1.0.
        relative_step: cap a float learning rate at ``1 / sqrt(t)``. Defaults to True.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp
    >>> from kerasish.variables import Variable
    >>> opt = Adafactor(name="af")
    >>> opt.build([Variable(jnp.ones((2, 3)), name="k"), Variable(jnp.ones(3), name="b")])
    >>> [(v.path, v.shape) for v in opt.variables[2:]]
    [('af/k', (2,)), ('af/k', (3,)), ('af/k_velocity', (2, 3)), ('af/b', ()), ('af/b', ()), ('af/b_velocity', (3,))]
    """

    reads_weights = True

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, **base_arguments(locals()))
        self.beta_2_decay = check_float("beta_2_decay", beta_2_decay, -math.inf)
        self.epsilon_1 = check_float("epsilon_1", epsilon_1)
        self.epsilon_2 = check_float("epsilon_2", epsilon_2)
        self.clip_threshold = check_float("clip_threshold", clip_threshold, low_open=True)
        self.relative_step = bool(relative_step)

    # Keras: per weight, its row moment, column moment (both named after the weight)
    # and velocity.
    slot_order = ((("rows", ""), ("cols", ""), ("velocities", "velocity")),)

    def transform(self):
        return adafactor_step(self.beta_2_decay, self.epsilon_1, self.epsilon_2,
                              self.clip_threshold, self.relative_step and self._schedule is None)

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}
