"""``LossScaleOptimizer``: dynamic loss scaling for float16 training (Keras 3's rule).

The engine multiplies the loss by the current scale before differentiating; this
optimizer divides the gradients by it, skips the step (and halves the scale) when any
gradient is not finite, and doubles the scale after ``dynamic_growth_steps`` finite
steps in a row.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from kerasish.optimizers.registry import get as get_optimizer
from kerasish.optimizers.base import OptimizerState


class LossScaleSlots(NamedTuple):
    inner: Any        # the wrapped optimizer's slots
    scale: Any        # float32 scalar: the current loss scale
    good_steps: Any   # int32: finite steps since the scale last changed


class LossScaleOptimizer:
    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if kwargs:
            raise TypeError(f"LossScaleOptimizer() got unexpected arguments {sorted(kwargs)}")
        self.inner_optimizer = get_optimizer(inner_optimizer)
        if not initial_scale > 0:
            raise ValueError(f"`initial_scale` must be > 0. Received: {initial_scale}")
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.name = name or "loss_scale_optimizer"

    def __getattr__(self, item):  # learning_rate, iterations, get_config ... of the inner
        return getattr(self.__dict__["inner_optimizer"], item)

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    def get_config(self):
        from kerasish.optimizers.registry import serialize

        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(get_optimizer(config.pop("inner_optimizer")), **config)

    def init(self, params):
        inner = self.inner_optimizer.init(params)
        return OptimizerState(inner.iterations, inner.learning_rate, LossScaleSlots(
            inner.slots, jnp.array(self.initial_scale, jnp.float32), jnp.array(0, jnp.int32)))

    def scale_of(self, state):
        return state.slots.scale

    def update(self, grads, state, params=None):
        slots = state.slots
        grads = jax.tree.map(lambda g: g / slots.scale, grads)
        finite = jnp.all(jnp.array([jnp.all(jnp.isfinite(g)) for g in jax.tree.leaves(grads)]))
        inner_state = OptimizerState(state.iterations, state.learning_rate, slots.inner)
        updates, new_inner = self.inner_optimizer.update(grads, inner_state, params)
        keep = lambda new, old: jnp.where(finite, new, old)  # noqa: E731
        updates = jax.tree.map(lambda u: jnp.where(finite, u, jnp.zeros_like(u)), updates)
        new_inner = jax.tree.map(keep, new_inner, inner_state)
        grow = finite & (slots.good_steps + 1 >= self.dynamic_growth_steps)
        scale = jnp.where(finite, jnp.where(grow, slots.scale * 2.0, slots.scale),
                          jnp.maximum(slots.scale / 2.0, 1.0))
        good = jnp.where(finite & ~grow, slots.good_steps + 1, 0)
        return updates, OptimizerState(new_inner.iterations, new_inner.learning_rate,
                                       LossScaleSlots(new_inner.slots, scale, good))

    def sync_from_state(self, state):
        self.inner_optimizer.sync_from_state(
            OptimizerState(state.iterations, state.learning_rate, state.slots.inner))

    def sync_to_state(self, state):
        inner = self.inner_optimizer.sync_to_state(
            OptimizerState(state.iterations, state.learning_rate, state.slots.inner))
        return OptimizerState(inner.iterations, inner.learning_rate,
                              state.slots._replace(inner=inner.slots))
