"""``JaxLayer``: a model written as plain JAX functions, used as a layer.

The model is a pure ``call_fn(params, inputs)`` (optionally also ``state``, ``rng``,
``training``) and, optionally, an ``init_fn(rng, inputs)`` that makes its params. The
layer turns every array of ``params`` into a trainable weight and every array of
``state`` into a non-trainable one, so ``fit``, ``get_weights`` and saving see them as
they see ``Dense``'s kernel.

>>> import jax, jax.numpy as jnp, numpy as np
>>> def init(rng, inputs):
...     return {"w": jax.random.normal(rng, (inputs.shape[-1], 2)), "b": jnp.zeros(2)}
>>> def apply(params, inputs):
...     return inputs @ params["w"] + params["b"]
>>> layer = JaxLayer(apply, init_fn=init)
>>> layer(np.ones((3, 4))).shape
(3, 2)
>>> [(w.name, w.shape) for w in layer.weights]  # leaves in jax.tree_util order: b, w
[('variable', (2,)), ('variable_1', (4, 2))]
"""

import inspect

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import random as random_module
from kerasish.layers.base import Layer
from kerasish.variables import Variable

_CALL_ARGS = ("params", "state", "rng", "inputs", "training")
_INIT_ARGS = ("rng", "inputs", "training")


def _signature(fn, fn_name, allowed):
    """``[(name, keyword_only)]`` of ``fn``'s parameters, in order, checked against
    Keras's rules: each name is one of ``allowed`` and ``inputs`` is among them."""
    if not callable(fn):
        raise TypeError(f"`{fn_name}` must be a callable. Received: {fn_name}={fn!r} of type "
                        f"{type(fn).__name__}")
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError) as e:
        raise ValueError(f"Cannot read the parameters of `{fn_name}` ({e}). Wrap it in a "
                         f"Python function that takes {', '.join(allowed)} by name.") from None
    names = [p.name for p in parameters]
    if "inputs" not in names:
        raise ValueError(
            f"Missing required argument in `{fn_name}`: `inputs`. The model's inputs are "
            f"passed to the parameter named `inputs` (one array or a pytree of arrays). "
            f"Received: {fn_name} with parameters {names}. Rename the inputs parameter "
            "to `inputs`.")
    for p in parameters:
        if p.name not in allowed or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise ValueError(
                f"Unsupported argument in `{fn_name}`: `{p.name}`, supported arguments are "
                f"`{'`, `'.join(allowed)}` (recognised by name). Received: {fn_name} with "
                f"parameters {names}. Wrap the function to take only those names.")
    return [(p.name, p.kind == p.KEYWORD_ONLY) for p in parameters]


def _invoke(fn, signature, values):
    args = [values[name] for name, keyword_only in signature if not keyword_only]
    kwargs = {name: values[name] for name, keyword_only in signature if keyword_only}
    return fn(*args, **kwargs)


def _as_jax_key(key):
    # Keras hands the functions a raw uint32[2] key (jax.random.PRNGKey's form), which
    # every jax.random function and Haiku/Flax accept; kerasish's step keys are typed.
    if key is not None and jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        return jax.random.key_data(key)
    return key


def _values(tree):
    """The arrays a call sees: each weight's value (the bound one inside a step)."""
    return jax.tree_util.tree_map(lambda v: v.value if isinstance(v, Variable) else v, tree)


def _example_inputs(input_shape):
    """Keras's example input for ``init_fn``: ones of the input shape (unknown sizes 1)."""
    def ones(shape):
        return jnp.ones(tuple(1 if d is None else d for d in shape))

    is_shape = lambda s: isinstance(s, (tuple, list)) and all(  # noqa: E731
        d is None or isinstance(d, (int, np.integer)) for d in s)
    if is_shape(input_shape):
        return ones(input_shape)
    return jax.tree_util.tree_map(ones, input_shape, is_leaf=is_shape)


class JaxLayer(Layer):
    """A layer that runs a plain-JAX model function, Keras's ``JaxLayer``.

    ``call_fn``'s parameters are recognised by name, and must be among ``params``
    (trainable parameters, a pytree), ``state`` (non-trainable state, a pytree),
    ``rng`` (a raw ``uint32[2]`` JAX key while training, None otherwise), ``inputs``
    (required: the inputs, one array or a pytree) and ``training``. Without ``state``
    it returns the outputs; with ``state`` it returns ``(outputs, new_state)``, and the
    new state is written to the state weights (inside ``fit``, as part of the step, the
    way ``BatchNormalization`` updates its moving statistics). A model holding such a
    layer runs a short last batch at its own size, as Keras does, rather than padded:
    ``call_fn`` would count padding rows in its state. (``predict``/``evaluate`` keep
    no state updates in kerasish; Keras keeps those a ``call_fn`` makes at inference.)

    The weights come from ``params``/``state`` given here, or else from
    ``init_fn(rng, inputs[, training])`` (parameters by name as well), called once
    at build with an example input of ones shaped like the input (``training=True``).
    It returns the params, or ``(params, state)`` when ``call_fn`` takes ``state``.
    Arrays (and Python numbers) in these pytrees become weights, floating ones in the
    layer's dtype; other leaves are passed to the functions unchanged. Weights are in
    Keras's order (params leaves in ``jax.tree_util`` order, then state leaves), named
    ``variable``, ``variable_1``, ... within the layer (Keras numbers unnamed variables
    across the whole process).

    Args:
        call_fn: the model function, see above.
        init_fn: the function that makes the params (and state), see above.
        params: the initial trainable parameters (a pytree of arrays).
        state: the initial non-trainable state (a pytree of arrays).
        seed: an int seed for the keys passed as ``rng`` when called outside ``fit``
            (the same keys as Keras's); inside ``fit`` they come from the step's key,
            with the seed folded in. Only for a ``call_fn`` that takes ``rng``.
        native_serialization_platforms: only for Keras's TensorFlow backend; must be
            None here.

    Saving stores ``call_fn`` and ``init_fn`` by name, as Keras does: register them
    with ``@kerasish.saving.register_keras_serializable()`` so loading can find them.
    The weights are re-created by ``init_fn`` and then overwritten with the saved
    values, so a layer made from ``params`` without ``init_fn`` cannot be saved
    (``get_config`` says so; Keras saves it and then fails to load it).

    >>> import jax.numpy as jnp, numpy as np
    >>> def counting_call(params, state, inputs, training):
    ...     new_state = {"calls": state["calls"] + 1} if training else state
    ...     return inputs * params["scale"], new_state
    >>> layer = JaxLayer(counting_call, params={"scale": jnp.full((3,), 2.0)},
    ...                  state={"calls": jnp.zeros((), "int32")})
    >>> layer(np.ones((1, 3)), training=True).tolist()
    [[2.0, 2.0, 2.0]]
    >>> [w.name for w in layer.trainable_weights], int(layer.state["calls"].numpy())
    (['variable'], 1)
    """

    def __init__(self, call_fn, init_fn=None, params=None, state=None, seed=None,
                 native_serialization_platforms=None, **kwargs):
        if native_serialization_platforms is not None:
            raise ValueError(
                "`native_serialization_platforms` is used only by Keras's TensorFlow "
                "backend (jax2tf); kerasish runs the functions in JAX directly. Remove "
                "it. Received: native_serialization_platforms="
                f"{native_serialization_platforms!r}")
        self._call_signature_fn = _signature(call_fn, "call_fn", _CALL_ARGS)
        self._init_signature_fn = None if init_fn is None else \
            _signature(init_fn, "init_fn", _INIT_ARGS)
        names = [name for name, _ in self._call_signature_fn]
        if seed is not None and "rng" not in names:
            raise ValueError(
                "`seed` seeds the keys passed to `call_fn` as `rng`, and this `call_fn` "
                f"takes no `rng` (its parameters: {names}). Remove `seed`, or add an "
                f"`rng` parameter. Received: seed={seed!r}")
        self.call_fn_has_params = "params" in names
        self.call_fn_has_state = "state" in names
        if init_fn is None and params is None and state is None and (
                self.call_fn_has_params or self.call_fn_has_state):
            raise ValueError(
                "`init_fn`, `params` and `state` cannot all be `None` when `call_fn` takes "
                "a `params` or a `state` argument. Pass `params=` (and `state=`) with the "
                "initial values, or `init_fn=` to make them at build. Received: call_fn "
                f"with parameters {names}, init_fn=None, params=None, state=None.")
        super().__init__(**kwargs)
        self.call_fn, self.init_fn, self.seed = call_fn, init_fn, seed
        self.seed_generator = random_module.SeedGenerator(seed) if "rng" in names else None
        self.params = self._make_weights(params, trainable=True)
        self.state = self._make_weights(state, trainable=False)
        if self.call_fn_has_state:
            # kerasish pads a short last batch with zero rows; `call_fn` is opaque and
            # would fold them into its new state. A carried state (not a weight, never
            # saved) makes the engine run that batch at its own size, as Keras does.
            self._add_carried_state(jnp.zeros(()), "unpadded_batches")

    # -- weights -----------------------------------------------------------------------
    def _make_weights(self, values, trainable):
        """The pytree ``values`` with a weight in place of each array or number."""
        def make(value):
            if isinstance(value, jax.core.Tracer):
                self._refuse_tracing()
            if isinstance(value, (jax.Array, np.ndarray, np.generic)):
                dtype = value.dtype
            elif isinstance(value, (bool, int, float)):  # Keras: Python numbers too
                dtype = {bool: "bool", int: "int32", float: "float32"}[type(value)]
            else:
                return value  # configuration for the functions, not a weight
            # Floating weights take the layer's dtype (its policy), as in Keras.
            dtype = None if jnp.issubdtype(dtype, jnp.floating) else dtype
            array = np.asarray(value)
            return self.add_weight(shape=array.shape, initializer=array, dtype=dtype,
                                   trainable=trainable)

        return jax.tree_util.tree_map(make, values)

    def _refuse_tracing(self):
        raise ValueError(
            f"JaxLayer {self.name!r} cannot be built inside a traced function (jax.jit, "
            "jax.grad, ...): its weights would hold tracers. Build it first, e.g. call it "
            "once on example data, or call `layer.build(input_shape)`.")

    def _get_init_rng(self):
        """The ``rng`` given to ``init_fn`` (Keras's hook: override to pass a dict of
        keys, as FlaxLayer does)."""
        return _as_jax_key(random_module.draw_seed(None))

    def _get_call_rng(self, training):
        """The ``rng`` given to ``call_fn``: a fresh key while training, else None
        (Keras's hook: override to pass keys at inference too)."""
        return _as_jax_key(self.seed_generator.next()) if training else None

    def build(self, input_shape):
        if self.params is None and self.state is None and (
                self.call_fn_has_params or self.call_fn_has_state):
            if isinstance(jnp.zeros(()), jax.core.Tracer):  # under jit, new arrays trace
                self._refuse_tracing()
            inputs = _example_inputs(input_shape)
            values = {"rng": self._get_init_rng(), "inputs": inputs, "training": True}
            result = _invoke(self.init_fn, self._init_signature_fn, values)
            if self.call_fn_has_state:
                if not (isinstance(result, (tuple, list)) and len(result) == 2):
                    raise ValueError(
                        f"JaxLayer {self.name!r}: `call_fn` takes `state`, so `init_fn` "
                        "must return a tuple `(params, state)`. Received a "
                        f"{type(result).__name__}. Return `(params, state)` (params may "
                        "be None).")
                params, state = result
            else:
                params, state = result, None
            self.params = self._make_weights(params, trainable=True)
            self.state = self._make_weights(state, trainable=False)
        self.built = True

    # -- the call ----------------------------------------------------------------------
    def call(self, inputs, training=False):
        training = False if training is None else training  # Keras's default
        values = {"inputs": inputs, "training": training}
        if self.call_fn_has_params:
            values["params"] = _values(self.params)
        if self.call_fn_has_state:
            values["state"] = _values(self.state)
        if self.seed_generator is not None:
            values["rng"] = self._get_call_rng(training)
        result = _invoke(self.call_fn, self._call_signature_fn, values)
        if not self.call_fn_has_state:
            return result
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise ValueError(
                f"JaxLayer {self.name!r}: `call_fn` takes `state`, so it must return a "
                f"tuple `(outputs, new_state)`. Received a {type(result).__name__}.")
        outputs, new_state = result
        self._assign_state(new_state)
        return outputs

    def _assign_state(self, new_state):
        """Write ``new_state`` to the state weights: inside a step this records the
        update in the step's scope (it becomes the step's new non-trainable state)."""
        is_var = lambda v: isinstance(v, Variable)  # noqa: E731
        expected = jax.tree_util.tree_structure(self.state, is_leaf=is_var)
        received = jax.tree_util.tree_structure(new_state, is_leaf=is_var)
        if expected != received:
            raise ValueError(
                f"Structure mismatch: the state returned by `call_fn` of JaxLayer "
                f"{self.name!r} does not have the structure of the state at "
                f"initialization. Expected: {expected}. Received: {received}. Return "
                "the new state with the same keys and nesting.")
        new_leaves = jax.tree_util.tree_leaves(new_state, is_leaf=is_var)
        for var, value in zip(jax.tree_util.tree_leaves(self.state, is_leaf=is_var),
                              new_leaves):
            if not isinstance(var, Variable):
                if value is not var:
                    raise ValueError(
                        f"Structure mismatch: JaxLayer {self.name!r}'s state holds "
                        f"{var!r} (not an array, so not a weight) and `call_fn` returned "
                        f"{value!r} in its place. Such leaves cannot change.")
                continue
            if tuple(jnp.shape(value)) != var.shape:
                raise ValueError(
                    f"JaxLayer {self.name!r}: `call_fn` returned a new state value of "
                    f"shape {tuple(jnp.shape(value))} for weight {var.path!r} of shape "
                    f"{var.shape}. A state entry keeps its shape.")
            var.assign(value)

    # -- saving ------------------------------------------------------------------------
    def get_config(self):
        from kerasish.saving.serialization import serialize_keras_object

        if self.init_fn is None and (self.call_fn_has_params or self.call_fn_has_state):
            raise ValueError(
                f"JaxLayer {self.name!r} cannot be serialized: it was made from `params`/"
                "`state` without `init_fn`, and a config holds no arrays, so loading "
                "could not re-create its weights (Keras saves such a layer, then fails to "
                "load it). Pass an `init_fn` (a named function registered with "
                "@kerasish.saving.register_keras_serializable()) that returns params of "
                "the same structure (the saved values then replace them), or save the "
                "weights alone with `model.save_weights(...)`.")
        config = super().get_config()
        for key, fn in (("call_fn", self.call_fn), ("init_fn", self.init_fn)):
            try:
                config[key] = serialize_keras_object(fn)
            except (TypeError, ValueError) as e:
                raise type(e)(f"JaxLayer {self.name!r}: cannot serialize `{key}`: {e}") \
                    from None
        # Keras writes this key (its TensorFlow backend's option); `seed` is ours, so
        # a loaded layer draws the same keys.
        config.update(native_serialization_platforms=None, seed=self.seed)
        return config

    @classmethod
    def from_config(cls, config):
        from kerasish.saving.serialization import deserialize_keras_object

        config = dict(config)
        for key in ("call_fn", "init_fn", "dtype"):
            if isinstance(config.get(key), dict):  # not yet resolved by the loader
                config[key] = deserialize_keras_object(config[key])
        return cls(**config)
