"""``LossScaleOptimizer``: dynamic loss scaling for float16 training (Keras 3's rule).

The engine multiplies the loss by the current scale before differentiating; this
optimizer divides the gradients by it, skips the step (and halves the scale) when any
gradient is not finite, and doubles the scale after ``dynamic_growth_steps`` finite
steps in a row.

Its Keras-style :attr:`~LossScaleOptimizer.variables` are Keras's: its own
``iteration`` and ``learning_rate`` (never changed, as in Keras), ``step_counter`` and
``dynamic_scale`` (once built), then the inner optimizer's variables.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.optimizers.registry import get as get_optimizer
from kerasish.optimizers.base import OptimizerState, VariableListAPI, _check_list
from kerasish.variables import Variable, unwrap


class LossScaleSlots(NamedTuple):
    inner: Any        # the wrapped optimizer's slots
    scale: Any        # float32 scalar: the current loss scale
    good_steps: Any   # int32: finite steps since the scale last changed


class LossScaleOptimizer(VariableListAPI):
    """Dynamic loss scaling around ``inner_optimizer``, as ``keras.optimizers.LossScaleOptimizer``.

    Args:
        inner_optimizer: the optimizer that takes the unscaled gradients.
        initial_scale: the first loss scale, > 0. Defaults to 2**15.
        dynamic_growth_steps: double the scale after this many finite steps in a row.
        name: defaults to ``"loss_scale_optimizer"``.

    >>> import jax.numpy as jnp
    >>> from kerasish.optimizers import SGD
    >>> from kerasish.variables import Variable
    >>> w = Variable(jnp.ones(2), name="w")
    >>> opt = LossScaleOptimizer(SGD(learning_rate=0.5), initial_scale=4.0)
    >>> float(opt.scale_loss(jnp.float32(1.0)))
    4.0
    >>> opt.apply([jnp.full(2, 4.0)], [w])  # gradients of the scaled loss
    >>> w.numpy().tolist(), [v.name for v in opt.variables]
    ([0.5, 0.5], ['iteration', 'learning_rate', 'step_counter', 'dynamic_scale', 'iteration', 'learning_rate'])
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if kwargs:
            raise TypeError(f"LossScaleOptimizer() got unexpected arguments {sorted(kwargs)}")
        self.inner_optimizer = get_optimizer(inner_optimizer)
        if getattr(self.inner_optimizer, "loss_scale_factor", None) is not None:
            # As Keras: the dynamic scale replaces the inner one (no double scaling).
            self.inner_optimizer.loss_scale_factor = None
        if not initial_scale > 0:
            raise ValueError(f"`initial_scale` must be > 0. Received: {initial_scale}")
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.name = name or "loss_scale_optimizer"
        # Keras's LossScaleOptimizer is an Optimizer with a learning rate of 0 that
        # never steps: its own two counters stay 0 (and are saved so).
        self._own_counters = [
            Variable(0, dtype="int32", trainable=False, name="iteration",
                     path=f"{self.name}/iteration"),
            Variable(0.0, dtype=config.floatx(), trainable=False, name="learning_rate",
                     path=f"{self.name}/learning_rate"),
        ]
        self._scale_variables = []  # step_counter, dynamic_scale: made by `build`

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

    def sync_from_state(self, state, slots=True):
        """Write ``state`` into the Variables (see ``Optimizer.sync_from_state``)."""
        self.inner_optimizer.sync_from_state(
            OptimizerState(state.iterations, state.learning_rate, state.slots.inner), slots)
        if self._scale_variables:
            self._scale_variables[0].assign(np.asarray(state.slots.good_steps))
            self._scale_variables[1].assign(np.asarray(state.slots.scale))

    def sync_to_state(self, state):
        inner = self.inner_optimizer.sync_to_state(
            OptimizerState(state.iterations, state.learning_rate, state.slots.inner))
        return OptimizerState(inner.iterations, inner.learning_rate,
                              state.slots._replace(inner=inner.slots))

    # -- Keras 3's variable lists ----------------------------------------------
    @property
    def built(self):
        return bool(self._scale_variables) and self.inner_optimizer.built

    @property
    def _layout(self):
        return self.inner_optimizer._layout

    @property
    def variables(self):
        """Keras's list: ``iteration``, ``learning_rate`` (both unused, 0),
        ``step_counter``, ``dynamic_scale``, then ``inner_optimizer.variables``."""
        return self._own_counters + self._scale_variables + self.inner_optimizer.variables

    def build(self, var_list):
        """Create ``step_counter`` and ``dynamic_scale``, and build the inner optimizer."""
        if not self._scale_variables:
            self._scale_variables = [
                Variable(0, dtype="int32", trainable=False, name="step_counter",
                         path=f"{self.name}/step_counter"),
                Variable(self.initial_scale, dtype="float32", trainable=False,
                         name="dynamic_scale", path=f"{self.name}/dynamic_scale"),
            ]
        self.inner_optimizer.build(var_list)

    def _slot_positions(self, i):
        return [4 + p for p in self.inner_optimizer._slot_positions(i)]

    def state_to_variables(self, state):
        """The values of :attr:`variables` held in ``state``; pure, jittable."""
        self._require_built("state_to_variables")
        inner = self.inner_optimizer.state_to_variables(_inner_state(state))
        own = [v.value for v in self._own_counters]
        return own + [state.slots.good_steps, state.slots.scale] + inner

    def variables_to_state(self, optimizer_variables):
        """The OptimizerState held in a list of :attr:`variables` values; pure, jittable."""
        self._require_built("variables_to_state")
        _check_list("optimizer_variables", optimizer_variables, self.variables,
                    "entry of `LossScaleOptimizer.variables`")
        inner = self.inner_optimizer.variables_to_state(list(optimizer_variables[4:]))
        slots = LossScaleSlots(inner.slots,
                               jnp.asarray(unwrap(optimizer_variables[3]), jnp.float32),
                               jnp.asarray(unwrap(optimizer_variables[2]), jnp.int32))
        return OptimizerState(inner.iterations, inner.learning_rate, slots)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """Keras 3's ``stateless_apply``: unscale, skip non-finite steps, step the inner
        optimizer; its own ``iteration`` and ``learning_rate`` pass through unchanged."""
        new_values, new_optimizer_values = super().stateless_apply(
            optimizer_variables, grads, trainable_variables)
        return new_values, [jnp.asarray(unwrap(x)) for x in optimizer_variables[:2]] \
            + new_optimizer_values[2:]

    def scale_loss(self, loss):
        """``loss * dynamic_scale`` (the initial scale before ``build``), as Keras.

        Inside a jitted step, use :meth:`scale_of` on the state instead (or bind the
        variables with a StatelessScope): a Variable read under ``jit`` is a constant.
        """
        scale = self._scale_variables[1].value if self._scale_variables else self.initial_scale
        return loss * scale


def _inner_state(state):
    return OptimizerState(state.iterations, state.learning_rate, state.slots.inner)
