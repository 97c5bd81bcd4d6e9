"""``Lamb``: Adam's step rescaled per weight by a trust ratio (Keras's form)::

    m = m + (g - m) * (1 - beta_1);  v = v + (g**2 - v) * (1 - beta_2)
    r = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)     # t = iterations + 1
    ratio = ||w|| / ||r||   (1 when either norm is 0)
    w = w - ratio * learning_rate * r

Epsilon is added after bias correction (not Adam's "epsilon hat"). The rule reads the
weight, so weight decay (when set) is applied before it, as in Keras.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, base_arguments, check_float


class LambSlots(NamedTuple):
    momentums: Any
    velocities: Any


def lamb_step(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras's Lamb rule as an optax transform (needs ``params``; extra arguments:
    ``learning_rate``, ``iterations``).

    >>> import jax.numpy as jnp
    >>> step = lamb_step()
    >>> w, g = {"w": jnp.array([3.0, 4.0])}, {"w": jnp.ones(2)}
    >>> u, _ = step.update(g, step.init(w), w, learning_rate=jnp.float32(0.1),
    ...                    iterations=jnp.int32(0))
    >>> [round(x, 4) for x in u["w"].tolist()]  # each step is 0.1 * 5 / sqrt(2)
    [-0.3536, -0.3536]
    """

    def init(params):
        zeros = lambda: jax.tree.map(slot_init.zeros_like, params)  # noqa: E731
        return LambSlots(zeros(), zeros())

    def update(grads, state, params=None, *, learning_rate, iterations, **extra_args):
        del extra_args
        if params is None:
            raise ValueError("Lamb needs the current weights: call `update(grads, state, params)`.")

        def step(g, w, m, v):
            dtype = w.dtype
            t = (iterations + 1).astype(dtype)
            beta_1_power = jnp.power(jnp.asarray(beta_1, dtype), t)
            beta_2_power = jnp.power(jnp.asarray(beta_2, dtype), t)
            m = m + (g - m) * (1 - beta_1)
            v = v + (jnp.square(g) - v) * (1 - beta_2)
            r = (m / (1.0 - beta_1_power)) / (jnp.sqrt(v / (1.0 - beta_2_power)) + epsilon)
            w_norm = jnp.sqrt(jnp.sum(jnp.power(w, 2)))
            r_norm = jnp.sqrt(jnp.sum(jnp.power(r, 2)))
            ratio = jnp.where(w_norm > 0, jnp.where(r_norm > 0, w_norm / r_norm, 1.0), 1.0)
            return -(ratio * learning_rate.astype(dtype) * r), m, v

        out = jax.tree.map(step, grads, params, state.momentums, state.velocities)
        pick = lambda i: jax.tree.map(lambda _, o: o[i], grads, out)  # noqa: E731
        return pick(0), LambSlots(pick(1), pick(2))

    return optax.GradientTransformationExtraArgs(init, update)


class Lamb(Optimizer):
    """LAMB (layer-wise adaptive moments), as ``keras.optimizers.Lamb``.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        beta_1: decay of the first-moment average, in [0, 1). Defaults to 0.9.
        beta_2: decay of the second-moment average, in [0, 1). Defaults to 0.999.
        epsilon: added to the bias-corrected ``sqrt(v)``. Defaults to 1e-7.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp, optax
    >>> opt = Lamb(learning_rate=0.1)
    >>> params = {"w": jnp.array([3.0, 4.0])}
    >>> updates, _ = opt.update({"w": jnp.ones(2)}, opt.init(params), params)
    >>> [round(x, 4) for x in optax.apply_updates(params, updates)["w"].tolist()]
    [2.6464, 3.6464]
    """

    reads_weights = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, **base_arguments(locals()))
        self.beta_1 = check_float("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = check_float("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = check_float("epsilon", epsilon)

    slot_order = ((("momentums", "momentum"), ("velocities", "velocity")),)

    def transform(self):
        return lamb_step(self.beta_1, self.beta_2, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
