"""``Adagrad``: divide by the root of the sum of all squared gradients so far::

    accumulator = accumulator + g**2          # starts at initial_accumulator_value
    w = w - learning_rate * g / sqrt(accumulator + epsilon)
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, check_float


class AdagradSlots(NamedTuple):
    accumulators: Any


def adagrad_step(initial_accumulator_value=0.1, epsilon=1e-7):
    """Keras's Adagrad rule as an optax transform (extra argument: ``learning_rate``).

    >>> import jax.numpy as jnp
    >>> step = adagrad_step(initial_accumulator_value=0.0, epsilon=0.0)
    >>> grads = {"w": jnp.full(2, 2.0)}
    >>> u, _ = step.update(grads, step.init(grads), learning_rate=jnp.float32(0.5))
    >>> u["w"].tolist()
    [-0.5, -0.5]
    """

    def init(params):
        return AdagradSlots(jax.tree.map(lambda p: slot_init.full_like(p, initial_accumulator_value), params))

    def update(grads, state, params=None, *, learning_rate, **extra_args):
        del params, extra_args
        accumulators = jax.tree.map(lambda g, a: a + jnp.square(g), grads, state.accumulators)
        updates = jax.tree.map(
            lambda g, a: -((learning_rate.astype(g.dtype) * g) / jnp.sqrt(a + epsilon)),
            grads, accumulators,
        )
        return updates, AdagradSlots(accumulators)

    return optax.GradientTransformationExtraArgs(init, update)


class Adagrad(Optimizer):
    """Adagrad, as ``keras.optimizers.Adagrad``.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        initial_accumulator_value: starting value of each sum of squares, >= 0.
            Defaults to 0.1.
        epsilon: added inside the square root. Defaults to 1e-7.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp
    >>> opt = Adagrad()
    >>> state = opt.init({"w": jnp.zeros((2, 5))})
    >>> state.slots[0].accumulators["w"].shape, round(float(state.slots[0].accumulators["w"][0, 0]), 4)
    ((2, 5), 0.1)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
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
        self.initial_accumulator_value = check_float("initial_accumulator_value", initial_accumulator_value)
        self.epsilon = check_float("epsilon", epsilon)

    slot_order = ((("accumulators", "accumulator"),),)

    def transform(self):
        return adagrad_step(self.initial_accumulator_value, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
