"""``Adam`` and ``AdamW``, in Keras's "epsilon-hat" form::

    t = iterations + 1
    m = m + (g - m) * (1 - beta_1)
    v = v + (g**2 - v) * (1 - beta_2)
    v_hat = max(v_hat, v)                               # amsgrad=True only
    w = w - learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)

This is *not* ``optax.adam``, which adds epsilon to the bias-corrected ``sqrt(v_hat)``:
with gradients near ``epsilon`` the two differ by a large factor (a test shows it).
``AdamW`` is the same rule with Keras's decoupled weight decay on by default.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, check_float


class AdamSlots(NamedTuple):
    momentums: Any
    velocities: Any
    velocity_hats: Any  # None unless amsgrad


def adam_step(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    """Keras's Adam rule as an optax transform (extra arguments: ``learning_rate``,
    ``iterations``, the count *before* this step).

    >>> import jax.numpy as jnp
    >>> step = adam_step()
    >>> grads = {"w": jnp.full((2,), 3.0)}
    >>> u, _ = step.update(grads, step.init(grads), learning_rate=jnp.float32(0.01),
    ...                    iterations=jnp.int32(0))
    >>> [round(x, 6) for x in u["w"].tolist()]  # the first step is -learning_rate * sign(g)
    [-0.01, -0.01]
    """

    def init(params):
        zeros = lambda: jax.tree.map(slot_init.zeros_like, params)
        return AdamSlots(zeros(), zeros(), zeros() if amsgrad else None)

    def update(grads, state, params=None, *, learning_rate, iterations, **extra_args):
        del params, extra_args

        def alpha(dtype):
            t = (iterations + 1).astype(dtype)
            beta_1_power = jnp.power(jnp.asarray(beta_1, dtype), t)
            beta_2_power = jnp.power(jnp.asarray(beta_2, dtype), t)
            return learning_rate.astype(dtype) * jnp.sqrt(1 - beta_2_power) / (1 - beta_1_power)

        momentums = jax.tree.map(lambda g, m: m + (g - m) * (1 - beta_1), grads, state.momentums)
        velocities = jax.tree.map(
            lambda g, v: v + (jnp.square(g) - v) * (1 - beta_2), grads, state.velocities
        )
        if amsgrad:
            velocity_hats = jax.tree.map(jnp.maximum, state.velocity_hats, velocities)
            denominators = velocity_hats
        else:
            velocity_hats = None
            denominators = velocities
        updates = jax.tree.map(
            lambda m, v: -((m * alpha(m.dtype)) / (jnp.sqrt(v) + epsilon)), momentums, denominators
        )
        return updates, AdamSlots(momentums, velocities, velocity_hats)

    return optax.GradientTransformationExtraArgs(init, update)


class Adam(Optimizer):
    """Adam, as ``keras.optimizers.Adam``.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        beta_1: decay of the first-moment average, in [0, 1). Defaults to 0.9.
        beta_2: decay of the second-moment average, in [0, 1). Defaults to 0.999.
        epsilon: "epsilon hat", added to ``sqrt(v)`` before bias correction. Defaults to 1e-7.
        amsgrad: use the running maximum of ``v`` (AMSGrad). Defaults to False.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax, jax.numpy as jnp, optax
    >>> opt = Adam(learning_rate=0.01)
    >>> params = {"w": jnp.zeros((3,))}
    >>> state = opt.init(params)
    >>> step = jax.jit(opt.update)
    >>> for _ in range(3):
    ...     updates, state = step({"w": jnp.ones((3,))}, state, params)
    ...     params = optax.apply_updates(params, updates)
    >>> params["w"].shape, int(state.iterations), round(float(params["w"][0]), 4)
    ((3,), 3, -0.03)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
        self.beta_1 = check_float("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = check_float("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = check_float("epsilon", epsilon)
        self.amsgrad = bool(amsgrad)

    # Keras: add_optimizer_variables(vars, ["momentum", "velocity"]), then "velocity_hat".
    slot_order = ((("momentums", "momentum"), ("velocities", "velocity")),
                  (("velocity_hats", "velocity_hat"),))

    def transform(self):
        return adam_step(self.beta_1, self.beta_2, self.epsilon, self.amsgrad)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``keras.optimizers.AdamW``.

    Each step also does ``w -= w * weight_decay * learning_rate`` (biases included,
    unless excluded with :meth:`~kerasish.optimizers.base.Optimizer.exclude_from_weight_decay`).

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        weight_decay: float >= 0 (required, not None). Defaults to 0.004.
        beta_1, beta_2, epsilon, amsgrad: as :class:`Adam`.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp, optax
    >>> opt = AdamW(learning_rate=0.1, weight_decay=0.5)
    >>> params = {"w": jnp.full((2,), 2.0)}
    >>> updates, _ = opt.update({"w": jnp.zeros((2,))}, opt.init(params), params)
    >>> optax.apply_updates(params, updates)["w"].tolist()  # 2 - 2 * 0.5 * 0.1
    [1.899999976158142, 1.899999976158142]
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        if weight_decay is None:
            raise ValueError(
                "Argument `weight_decay` of AdamW must be a float. Received: weight_decay=None. "
                "Use `Adam` for no weight decay."
            )
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
