"""``OptaxOptimizer``: any ``optax.GradientTransformation`` behind the Optimizer contract.

``optimizers.get(optax.lion(1e-4))`` returns one, so ``model.compile(optimizer=...)``
takes optax directly. Its state is ``OptimizerState(iterations, nan, inner_state)``.

Its Keras-style :attr:`variables` are ``iteration``, then, once built, every leaf of
the optax state in ``jax.tree.leaves`` order (dict keys sorted), each named by its
path in that state (``0_mu_dense_kernel`` for ``optax.adam``'s first moment of
``dense/kernel``). There is no ``learning_rate`` variable.

Its learning rate lives inside the optax transform, out of our reach: reading or
setting ``learning_rate`` raises an ``AttributeError`` that says so (``hasattr(opt,
"learning_rate")`` is therefore False, and callbacks can test for it). To control the
rate, build the optax transform with ``optax.inject_hyperparams`` or a schedule.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax

from kerasish.optimizers.base import Optimizer, OptimizerState, _key_path_str
from kerasish.utils.naming import uniquify
from kerasish.variables import Variable


class OptaxOptimizer(Optimizer):
    """Wrap an optax transformation; counts ``iterations`` like a Keras optimizer.

    >>> import jax.numpy as jnp, optax
    >>> opt = OptaxOptimizer(optax.sgd(0.1))
    >>> params = {"w": jnp.ones((2,))}
    >>> state = opt.init(params)
    >>> updates, state = opt.update({"w": jnp.ones((2,))}, state, params)
    >>> optax.apply_updates(params, updates)["w"].tolist(), int(state.iterations)
    ([0.8999999761581421, 0.8999999761581421], 1)
    >>> from kerasish.variables import Variable
    >>> opt = OptaxOptimizer(optax.adam(1e-3))
    >>> opt.build([Variable(jnp.ones(2), name="w")])
    >>> [v.name for v in opt.variables]
    ['iteration', '0_count', '0_mu_w', '0_nu_w']
    """

    def __init__(self, transformation, name=None):
        if not isinstance(transformation, optax.GradientTransformation):
            raise TypeError(
                "OptaxOptimizer wraps an optax.GradientTransformation (e.g. optax.adam(1e-3)). "
                f"Received: {transformation!r} of type {type(transformation).__name__}"
            )
        # No super().__init__: there is no learning rate, clipping or decay to configure.
        self.transformation = transformation
        self.name = name or uniquify("optax_optimizer")
        self.weight_decay = self.clipnorm = self.clipvalue = self.global_clipnorm = None
        self._schedule = None
        self._iterations = Variable(
            0, dtype="int32", trainable=False, name="iteration", path=f"{self.name}/iteration"
        )

    def _no_learning_rate(self):
        return AttributeError(
            "This optimizer wraps an optax transformation, whose learning rate is internal "
            "to it, so `learning_rate` can be neither read nor set. Build the transformation "
            "with a schedule or `optax.inject_hyperparams`, or use a kerasish optimizer "
            "(e.g. `kerasish.optimizers.Adam`)."
        )

    @property
    def learning_rate(self):
        raise self._no_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value):
        raise self._no_learning_rate()

    def init(self, params):
        iterations = jnp.array(self._iterations.value, dtype=jnp.int32)
        return OptimizerState(iterations, jnp.array(np.nan, jnp.float32), self.transformation.init(params))

    def update(self, grads, state, params=None):
        updates, inner = self.transformation.update(grads, state.slots, params)
        return updates, OptimizerState(state.iterations + 1, state.learning_rate, inner)

    def _counter_variables(self):
        return [self._iterations]

    def _counter_values(self, state):
        return [state.iterations]

    def _counters_from(self, values):
        return jnp.asarray(values[0], jnp.int32), jnp.array(np.nan, jnp.float32), 1

    def _variable_layout(self, slots, variables, keys):
        paths = jax.tree_util.tree_flatten_with_path(slots)[0]
        return [(leaf, _weight_of(path, keys), _key_path_str(path).replace("/", "_"))
                for leaf, (path, _) in enumerate(paths)]

    def finalize_variable_values(self, var_list):
        """Nothing to do: a wrapped optax transform keeps no weight average (Keras's
        ``fit`` calls this hook at its end for ``use_ema``)."""
        del var_list

    def sync_from_state(self, state, slots=True):
        self._iterations.assign(np.asarray(state.iterations))
        if slots:
            self._sync_slots(state)

    def sync_to_state(self, state):
        return state

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        raise NotImplementedError(
            "An optax transformation owns its weight decay: use its `mask` argument "
            "(e.g. optax.adamw(1e-3, mask=...))."
        )

    def get_config(self):
        raise NotImplementedError(
            "An optax transformation has no Keras config (it is a pair of functions), so "
            "this optimizer cannot be serialized. Save the weights only, or use a "
            "kerasish optimizer such as `kerasish.optimizers.Adam`."
        )

    @classmethod
    def from_config(cls, config):
        raise NotImplementedError("OptaxOptimizer cannot be rebuilt from a config; see get_config.")

    def __repr__(self):
        return f"<OptaxOptimizer name={self.name}>"


def _weight_of(path, keys):
    """The index of the weight whose slot the leaf at ``path`` is (its path ends with
    the weight's key), or None."""
    for i, key in sorted(enumerate(keys), key=lambda item: -len(item[1])):  # longest first
        tail = path[-len(key):]
        if len(path) > len(key) and all(isinstance(k, jax.tree_util.DictKey) for k in tail) \
                and tuple(k.key for k in tail) == key:
            return i
    return None
