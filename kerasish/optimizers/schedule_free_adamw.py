"""``ScheduleFreeAdamW``: Schedule-Free AdamW (Defazio et al., 2024) in Keras's form.

The weights are ``y``, an interpolation between the gradient sequence ``z`` (Keras's
``momentum`` slot, which starts at the weights) and its running average ``x`` (not
stored: recovered from ``y`` and the old ``z``)::

    t = iterations + 1;  rate = learning_rate * min(t / warmup_steps, 1)   # if warmup_steps
    v = v + (g**2 - v) * (1 - beta_2)
    z_new = z - rate * g / (sqrt(v / (1 - beta_2**t)) + epsilon)
    x = (y - (1 - beta_1) * z) / beta_1
    x_new = (1 - 1/t) * x + (1/t) * z_new
    y = (1 - beta_1) * z_new + beta_1 * x_new

The rule reads the weight, so weight decay (when set) is applied before it, as in Keras.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, base_arguments, check_float


class ScheduleFreeSlots(NamedTuple):
    momentums: Any   # z, the sequence the gradient steps move (starts at the weights)
    velocities: Any


def schedule_free_adamw_step(beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0):
    """Keras's Schedule-Free AdamW rule as an optax transform (needs ``params``; extra
    arguments: ``learning_rate``, ``iterations``). The update is the new weight minus
    the old one.

    >>> import jax.numpy as jnp
    >>> step = schedule_free_adamw_step()
    >>> w = {"w": jnp.ones(2)}
    >>> step.init(w).momentums["w"].tolist()  # z starts at the weights
    [1.0, 1.0]
    """

    def init(params):
        return ScheduleFreeSlots(jax.tree.map(jnp.array, params),
                                 jax.tree.map(slot_init.zeros_like, params))

    def update(grads, state, params=None, *, learning_rate, iterations, **extra_args):
        del extra_args
        if params is None:
            raise ValueError(
                "ScheduleFreeAdamW needs the current weights: call "
                "`update(grads, state, params)`.")

        def step(g, y, z, v):
            dtype = y.dtype
            lr = learning_rate.astype(dtype)
            t = (iterations + 1).astype(dtype)
            b1, b2 = jnp.asarray(beta_1, dtype), jnp.asarray(beta_2, dtype)
            if warmup_steps > 0:
                lr = lr * jnp.minimum(t / jnp.asarray(warmup_steps, dtype), 1.0)
            v = v + (jnp.square(g) - v) * (1 - b2)
            denom = jnp.sqrt(v / (1 - jnp.power(b2, t))) + jnp.asarray(epsilon, dtype)
            z_new = z - (lr * g) / denom
            weight = 1.0 / t
            x = (y - (1 - b1) * z) / b1
            x_new = (1 - weight) * x + weight * z_new
            return (1 - b1) * z_new + b1 * x_new - y, z_new, v

        out = jax.tree.map(step, grads, params, state.momentums, state.velocities)
        pick = lambda i: jax.tree.map(lambda _, o: o[i], grads, out)  # noqa: E731
        return pick(0), ScheduleFreeSlots(pick(1), pick(2))

    return optax.GradientTransformationExtraArgs(init, update)


class ScheduleFreeAdamW(Optimizer):
    """Schedule-Free AdamW, as ``keras.optimizers.ScheduleFreeAdamW``: no learning-rate
    schedule needed; the weights interpolate between the steps and their average.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.0025.
        beta_1: interpolation between the step sequence and its average, in (0, 1).
            Defaults to 0.9.
        beta_2: decay of the second-moment average, in [0, 1). Defaults to 0.999.
        epsilon: added to the bias-corrected ``sqrt(v)``. Defaults to 1e-8.
        warmup_steps: int >= 0; the rate grows linearly over this many steps.
            Defaults to 0.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp, optax
    >>> opt = ScheduleFreeAdamW(learning_rate=0.1)
    >>> params = {"w": jnp.zeros(2)}
    >>> updates, _ = opt.update({"w": jnp.ones(2)}, opt.init(params), params)
    >>> [round(x, 4) for x in optax.apply_updates(params, updates)["w"].tolist()]
    [-0.1, -0.1]
    """

    reads_weights = True

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, **base_arguments(locals()))
        # x = (y - (1 - beta_1) z) / beta_1 divides by beta_1.
        self.beta_1 = check_float("beta_1", beta_1, 0.0, 1.0, low_open=True, high_open=True)
        self.beta_2 = check_float("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = check_float("epsilon", epsilon)
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) \
                or warmup_steps < 0:
            raise ValueError(
                "Received an invalid value for `warmup_steps`, expected an integer >= 0. "
                f"Received: warmup_steps={warmup_steps!r}")
        self.warmup_steps = warmup_steps

    slot_order = ((("momentums", "momentum"), ("velocities", "velocity")),)

    def transform(self):
        return schedule_free_adamw_step(self.beta_1, self.beta_2, self.epsilon,
                                        self.warmup_steps)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "warmup_steps": self.warmup_steps}
