"""``Layer``: Keras's object on the outside, pure functions on the inside.

A user (or a built-in layer) writes Keras code: ``build(input_shape)`` creates weights
with ``add_weight``, ``call(inputs, training=None)`` computes with ``self.kernel``.
The training engine never runs that code on mutable state. It uses the pure pair

* ``init(key, input_shape) -> (params, state)``: build, then draw fresh values;
* ``apply(params, state, x, training=False, rng=None) -> (y, new_state)``: bind the
  weights from the pytrees inside a :class:`~kerasish.variables.StatelessScope`, run
  ``call``, and return what it assigned to non-trainable weights as the new state.

``params`` and ``state`` are dicts keyed by layer name, then weight name
(``{"dense": {"kernel": ..., "bias": ...}}``), trainable weights in ``params`` and
non-trainable ones in ``state``. The same pair serves a single layer, a model, or a
user layer that owns other layers: only the list of variables differs.
"""

import inspect

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config, initializers, random, regularizers
from kerasish.utils.naming import check_kwargs, to_snake_case, uniquify
from kerasish.variables import (StatelessScope, Variable, autocast, current_scope,
                                standardize_dtype)


class KerasTensor:
    """A symbolic tensor: a shape (batch dim ``None``) and a dtype, no values.

    Returned by ``kerasish.Input`` and by layers called on symbolic tensors, so that
    ``layer.output.shape`` and ``model.summary()`` know every shape before any data.
    """

    def __init__(self, shape, dtype=None, name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = standardize_dtype(dtype)
        self.name = name
        self._keras_history = history  # (layer, input KerasTensors) for functional models

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


# Bumped whenever any layer gains a weight or a sub-layer or changes `trainable`: the
# cached variable layouts of every layer are then recomputed on next use. Reading the
# layout is on the path of every `predict` call, so it must not walk the layer tree.
_structure_version = [0]


def _bump():
    _structure_version[0] += 1


def _init_arg_names(cls):
    """Every named ``__init__`` argument along the class's MRO (for 'did you mean')."""
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names.update(p for p in inspect.signature(init).parameters
                         if p not in ("self", "args", "kwargs"))
    return names


def _concrete_shape(shape):
    """Stand-in sizes for unknown dims, to trace shapes with ``jax.eval_shape``."""
    return tuple(1 if d is None else d for d in shape)


class Layer:
    """Base class of all layers (and of models).

    Subclass it as in Keras::

        class Linear(kerasish.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                         initializer="glorot_uniform", name="w")

            def call(self, inputs):
                return inputs @ self.w

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.Dense(2)
    >>> layer(np.ones((3, 4))).shape
    (3, 2)
    """

    _autocast_inputs = True  # float layers take numpy input as floatx; Embedding won't
    _allowed_kwargs = {"input_shape", "input_dim", "batch_size", "batch_input_shape"}

    def __init__(self, *, name=None, trainable=True, dtype=None, **kwargs):
        check_kwargs(kwargs, self._allowed_kwargs | {"name", "trainable", "dtype"},
                     f"{type(self).__name__}()", suggestions=_init_arg_names(type(self)))
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Layer `name` must be a string. Received: name={name!r}")
        if "_layers" not in self.__dict__:
            object.__setattr__(self, "_layers", [])
        object.__setattr__(self, "_own_variables", [])
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        from kerasish import mixed_precision

        # None: follow floatx (or a global mixed policy set before this layer was made).
        self._dtype_policy = mixed_precision.explicit_global_policy() if dtype is None \
            else mixed_precision.DTypePolicy(dtype)
        self.built = False
        self.input_spec = None
        self._build_shapes = None
        self._output_tensor = None
        # Keras accepts `input_shape=` on the first layer of a Sequential model.
        input_shape = kwargs.get("input_shape")
        if input_shape is None and kwargs.get("input_dim") is not None:
            input_shape = (kwargs["input_dim"],)
        self._declared_input_shape = (
            None if input_shape is None else (kwargs.get("batch_size"),) + tuple(input_shape)
        )
        self._call_has_training = "training" in inspect.signature(self.call).parameters

    # -- tracking ------------------------------------------------------------
    def __setattr__(self, key, value):
        # Sub-layers assigned as attributes become part of this layer (Keras tracking).
        layers = self.__dict__.get("_layers")
        if layers is None:
            layers = []
            object.__setattr__(self, "_layers", layers)
        candidates = value if isinstance(value, (list, tuple)) else [value]
        for v in candidates:
            if isinstance(v, Layer) and v is not self and all(v is not x for x in layers):
                layers.append(v)
                _bump()
        object.__setattr__(self, key, value)

    @property
    def dtype(self):
        """The dtype of this layer's weights and computations."""
        policy = self._dtype_policy
        return policy.variable_dtype if policy is not None else config.floatx()

    @property
    def compute_dtype(self):
        """The dtype ``call`` computes in (float16/bfloat16 under a mixed policy)."""
        policy = self._dtype_policy
        return policy.compute_dtype if policy is not None else config.floatx()

    @property
    def dtype_policy(self):
        from kerasish import mixed_precision

        return self._dtype_policy or mixed_precision.DTypePolicy(config.floatx())

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        _bump()
        for layer in self._layers:
            layer.trainable = value

    # -- weights -------------------------------------------------------------
    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        regularizer=None,
        constraint=None,
        name=None,
        **kwargs,
    ):
        """Create a weight of this layer (call it from ``build``)."""
        check_kwargs(kwargs, {"autocast", "aggregation", "overwrite_with_gradient"},
                     f"{type(self).__name__}.add_weight()")
        if constraint is not None:
            raise NotImplementedError("Weight constraints are not supported yet by kerasish.")
        shape = () if shape is None else tuple(shape)
        dtype = standardize_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if jnp.issubdtype(dtype, jnp.floating) else "zeros"
        initializer = initializers.get(initializer)
        taken = {v.name for v in self._own_variables}
        base = name or "variable"
        name, i = base, 0
        while name in taken:  # weight names key the params pytree: keep them unique
            i += 1
            name = f"{base}_{i}"
        var = Variable(
            initializer=initializer,
            shape=shape,
            dtype=dtype,
            trainable=trainable,
            name=name,
            regularizer=regularizers.get(regularizer),
            path=f"{self.name}/{name}",
        )
        var.initialize(random.next_key())
        var._owner = self
        self._own_variables.append(var)
        _bump()
        return var

    def _flatten_layers(self):
        """This layer and every layer inside it, depth first, each once."""
        seen, out = set(), []

        def visit(layer):
            if id(layer) in seen:
                return
            seen.add(id(layer))
            out.append(layer)
            for sub in layer._layers:
                visit(sub)

        visit(self)
        return out

    def _variables_split(self):
        """(trainable, non_trainable) variables, in Keras's per-layer order."""
        cached = self.__dict__.get("_split_cache")
        if cached is not None and cached[0] == _structure_version[0]:
            return cached[1]
        trainable, non_trainable = [], []

        def visit(layer, parent_trainable, seen):
            if id(layer) in seen:
                return
            seen.add(id(layer))
            on = parent_trainable and layer._trainable
            for v in layer._own_variables:
                (trainable if (on and v.trainable) else non_trainable).append(v)
            for sub in layer._layers:
                visit(sub, on, seen)

        visit(self, True, set())
        object.__setattr__(self, "_split_cache", (_structure_version[0], (trainable, non_trainable)))
        return trainable, non_trainable

    @property
    def weights(self):
        """All weights, layer by layer: each layer's trainable, then non-trainable."""
        out = []
        for layer in self._flatten_layers():
            own = layer._own_variables
            out.extend([v for v in own if v.trainable] + [v for v in own if not v.trainable])
        return out

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_weights(self):
        return self._variables_split()[0]

    @property
    def non_trainable_weights(self):
        return self._variables_split()[1]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """The weights as a list of numpy arrays (``[]`` before the layer is built)."""
        return [np.array(v.value) for v in self.weights]

    def set_weights(self, weights):
        """Set all weights from a list of arrays, checking the count and every shape.

        Values are cast to each weight's dtype; nothing is changed unless every array
        fits.
        """
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(
                f"Layer {self.name!r} expected {len(params)} weight arrays "
                f"({[v.path for v in params]}) but received {len(weights)}. "
                "Pass a list with one array per weight, in the order of `get_weights()`."
            )
        converted = []
        for var, w in zip(params, weights):
            arr = np.asarray(w)
            if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
                raise TypeError(
                    f"Weight {var.path!r} expects numeric values. Received dtype {arr.dtype}."
                )
            if tuple(arr.shape) != var.shape:
                raise ValueError(
                    f"Weight {var.path!r} expects shape {var.shape}. Received an array of "
                    f"shape {tuple(arr.shape)}."
                )
            converted.append(arr.astype(var.dtype))
        for var, arr in zip(params, converted):  # only once every array is known good
            var.assign(arr)

    def count_params(self):
        """Total number of scalars in all weights."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name!r}, but the layer "
                "isn't built. Build it first, e.g. by calling it on data or with `build()`."
            )
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # -- Keras's build/call protocol ----------------------------------------------
    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not define `call()`. Subclasses of "
            "kerasish.layers.Layer must implement `call(self, inputs)`."
        )

    def _maybe_build(self, input_shape):
        if not self.built:
            shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else input_shape
            self.build(shape)
            self.built = True
            self._build_shapes = shape

    def __call__(self, inputs, *args, training=None, **kwargs):
        if isinstance(inputs, (list, tuple)) and not all(
                isinstance(i, (KerasTensor, Variable, jax.Array, np.ndarray)) for i in inputs):
            inputs = _to_array(inputs, self.compute_dtype)  # nested Python lists: one array
        leaves = jax.tree_util.tree_leaves(inputs, is_leaf=_is_input_leaf)
        if any(isinstance(leaf, KerasTensor) for leaf in leaves):
            return self._symbolic_call(inputs, *args, training=training, **kwargs)
        if self._autocast_inputs:
            inputs = jax.tree_util.tree_map(lambda a: _convert(a, self.compute_dtype), inputs,
                                            is_leaf=_is_input_leaf)
        else:
            inputs = jax.tree_util.tree_map(
                lambda a: a.value if isinstance(a, Variable) else jnp.asarray(a), inputs,
                is_leaf=_is_input_leaf)
        if not self.built:
            self._maybe_build(_shape_of(inputs))
        if self._call_has_training:
            kwargs["training"] = training
        if self.compute_dtype != self.dtype:  # mixed precision: weights read in compute dtype
            with autocast(self.compute_dtype):
                return self.call(inputs, *args, **kwargs)
        return self.call(inputs, *args, **kwargs)

    def _symbolic_call(self, inputs, *args, training=None, **kwargs):
        in_shapes = _shape_of(inputs)
        self._maybe_build(in_shapes)
        out_shape = self.compute_output_shape(in_shapes)
        out = KerasTensor(out_shape, dtype=self.dtype, name=f"{self.name}_output",
                          history=(self, inputs))
        self._output_tensor = out
        self._input_tensor = inputs
        self._inbound_calls = getattr(self, "_inbound_calls", 0) + 1
        return out

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape`` (batch dim may be ``None``).

        The default traces ``call`` abstractly with ``jax.eval_shape``: no FLOPs run.
        A list of shapes (merge layers) gives a list of inputs.
        """
        self._maybe_build(input_shape)
        is_shape = lambda s: isinstance(s, tuple) and all(  # noqa: E731
            d is None or isinstance(d, int) for d in s)
        shapes = input_shape if not is_shape(tuple(input_shape)) else tuple(input_shape)
        first = jax.tree_util.tree_leaves(shapes, is_leaf=is_shape)[0]
        batch_unknown = len(first) > 0 and first[0] is None
        spec = jax.tree_util.tree_map(
            lambda s: jax.ShapeDtypeStruct(_concrete_shape(s), self.dtype), shapes,
            is_leaf=is_shape)
        trainable, non_trainable = self._variables_split()
        bindings = {v: v.value for v in trainable + non_trainable}

        def run(x):
            with StatelessScope(bindings, rng=jax.random.key(0)):
                return self(x, training=False)

        out = jax.eval_shape(run, spec)
        shape = tuple(out.shape)
        if batch_unknown and shape:
            shape = (None,) + shape[1:]
        return shape

    def get_config(self):
        """The constructor arguments that recreate this layer (no weights)."""
        return {"name": self.name, "trainable": self.trainable,
                "dtype": self.dtype_policy.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @property
    def output(self):
        if self._output_tensor is None:
            raise AttributeError(
                f"Layer {self.name!r} has no defined output yet: it has not been called on "
                "a symbolic input. Build the model with an `Input` first."
            )
        return self._output_tensor

    # -- the pure pair ---------------------------------------------------------
    def init(self, key, input_shape=None):
        """Build (if needed) and draw fresh weights: returns ``(params, state)``.

        Pure in its result: the same key gives the same values.
        """
        if input_shape is not None:
            self._maybe_build(tuple(input_shape))
        trainable, non_trainable = self._variables_split()
        values = {}
        for i, v in enumerate(trainable + non_trainable):
            values[v] = v.draw(jax.random.fold_in(key, i)) \
                if v.initializer is not None else v.value
        return (_tree(trainable, values), _tree(non_trainable, values))

    def current_params(self):
        """The current weights as ``(params, state)`` pytrees."""
        trainable, non_trainable = self._variables_split()
        values = {v: v.value for v in trainable + non_trainable}
        return _tree(trainable, values), _tree(non_trainable, values)

    def apply(self, params, state, x, training=False, rng=None):
        """Run the layer as a pure function: ``(y, new_state)``."""
        return make_apply(self)(params, state, x, training, rng)

    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """Keras 3's pure call: values for ``self.trainable_variables`` and
        ``self.non_trainable_variables`` (lists, in that order) in, ``(outputs,
        new_non_trainable_values)`` out. Nothing on the layer changes."""
        trainable, non_trainable = self._variables_split()
        for what, given, expected in (("trainable_variables", trainable_variables, trainable),
                                      ("non_trainable_variables", non_trainable_variables,
                                       non_trainable)):
            if len(given) != len(expected):
                raise ValueError(
                    f"stateless_call: `{what}` has {len(given)} values; layer {self.name!r} "
                    f"has {len(expected)} ({[v.path for v in expected]})."
                )
        bindings = dict(zip(trainable, trainable_variables))
        bindings.update(zip(non_trainable, non_trainable_variables))
        with StatelessScope(bindings, rng=kwargs.pop("rng", None)) as scope:
            outputs = self(*args, **kwargs)
        assigned = scope.assigned()
        new_state = [assigned.get(v, val) for v, val in zip(non_trainable, non_trainable_variables)]
        if return_losses:
            return outputs, new_state, []
        return outputs, new_state

    def as_jax_function(self, training=False):
        """``(apply_fn, params)`` for plain JAX: ``apply_fn(params, x) -> y``.

        ``params`` is the trainable pytree (``{layer: {weight: array}}``); the
        non-trainable weights are captured as they are now. Differentiate, ``vmap`` or
        hand it to your own optax loop; write trained values back with
        ``model.set_params(params)``.

        >>> import jax, numpy as np, kerasish
        >>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
        >>> apply_fn, params = model.as_jax_function()
        >>> jax.jit(apply_fn)(params, np.ones((4, 3))).shape
        (4, 2)
        """
        apply = make_apply(self)
        params, state = self.current_params()

        def apply_fn(params, x, rng=None):
            return apply(params, state, x, training, rng)[0]

        return apply_fn, params

    def set_params(self, params, state=None):
        """Write a ``{layer: {weight: array}}`` pytree back into the weights.

        Every entry is checked (presence, shape) before any weight changes.
        """
        trainable, non_trainable = self._variables_split()
        pairs = [(v, params) for v in trainable]
        if state is not None:
            pairs += [(v, state) for v in non_trainable]
        values = []
        for var, tree in pairs:
            layer_name, weight_name = _key(var)
            try:
                value = tree[layer_name][weight_name]
            except (KeyError, TypeError):
                raise ValueError(
                    f"set_params: no value for {layer_name!r}/{weight_name!r}. Expected the "
                    "layout of `current_params()`: {layer_name: {weight_name: array}}."
                ) from None
            if tuple(np.shape(value)) != var.shape:
                raise ValueError(
                    f"set_params: {var.path!r} expects shape {var.shape}, received "
                    f"{tuple(np.shape(value))}."
                )
            values.append((var, value))
        for var, value in values:
            var.assign(value)


def make_apply(layer):
    """The pure forward function of a built layer or model.

    The variable layout is read once here, not on every call, so the returned
    function is cheap to trace.
    """
    trainable, non_trainable = layer._variables_split()
    t_keys = [_key(v) for v in trainable]
    n_keys = [_key(v) for v in non_trainable]

    def apply(params, state, x, training=False, rng=None, sample_mask=None):
        bindings = {}
        for v, (ln, wn) in zip(trainable, t_keys):
            bindings[v] = params[ln][wn]
        for v, (ln, wn) in zip(non_trainable, n_keys):
            bindings[v] = state[ln][wn]
        with StatelessScope(bindings, rng=rng) as scope:
            # 1 for real rows, 0 for the padding of a short last batch: layers that
            # compute batch statistics (BatchNormalization) must leave padding out.
            scope.sample_mask = sample_mask
            y = layer(x, training=training)
        assigned = scope.assigned()
        new_state = {ln: dict(ws) for ln, ws in state.items()}
        for v, (ln, wn) in zip(non_trainable, n_keys):
            if v in assigned:
                new_state[ln][wn] = assigned[v]
        return y, new_state

    return apply


def assign_tree(layer, params, state):
    """Write ``params``/``state`` pytrees back into the layer's variables."""
    trainable, non_trainable = layer._variables_split()
    for v in trainable:
        ln, wn = _key(v)
        v._value = params[ln][wn]
    for v in non_trainable:
        ln, wn = _key(v)
        v._value = state[ln][wn]


def _key(var):
    return var._owner.name, var.name


def _tree(variables, values):
    tree = {}
    for v in variables:
        ln, wn = _key(v)
        tree.setdefault(ln, {})[wn] = values[v]
    return tree


def _is_input_leaf(x):
    return isinstance(x, (KerasTensor, Variable)) or hasattr(x, "__array__") \
        or isinstance(x, (int, float, bool))


def _convert(a, dtype):
    if isinstance(a, Variable):
        a = a.value
    if isinstance(a, jax.Array):
        # Floating inputs follow the layer's compute dtype (Keras's autocasting).
        if jnp.issubdtype(a.dtype, jnp.floating) and a.dtype != dtype:
            return a.astype(dtype)
        return a
    return _to_array(a, dtype)


def _shape_of(inputs):
    if isinstance(inputs, (list, tuple)):
        return [tuple(i.shape) if isinstance(i, KerasTensor) else tuple(np.shape(i))
                for i in inputs]
    if isinstance(inputs, dict):
        return {k: tuple(v.shape) if isinstance(v, KerasTensor) else tuple(np.shape(v))
                for k, v in inputs.items()}
    return tuple(inputs.shape)


def _to_array(x, dtype):
    """Convert user input (numpy, lists, scalars) to a jax array of the layer's dtype."""
    arr = np.asarray(x)
    if arr.dtype == object:
        raise TypeError(
            "Expected a numeric array as layer input. Received an object array (ragged "
            "lists or mixed types?). Convert it with np.asarray(x, dtype='float32') first."
        )
    if np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer) \
            or arr.dtype == bool:
        return jnp.asarray(arr, dtype=dtype)
    raise TypeError(f"Expected numeric layer input. Received dtype {arr.dtype}.")


def is_inside_scope():
    return current_scope() is not None
