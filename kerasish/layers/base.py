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

Keras's extension contract lives here too: ``add_loss`` and ``activity_regularizer``
(losses recorded on the call's scope, returned by ``make_apply(layer, with_aux=True)``),
masks (``supports_masking``, ``compute_mask``, the ``mask=`` argument of ``call``),
and calls with several tensor arguments (``Endpoint()(targets, logits)``).
"""

import functools
import inspect
import warnings
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config, initializers, random, regularizers
from kerasish.layers.input_spec import assert_input_compatibility
from kerasish.layers.own_variables import OwnVariables
from kerasish.layers.remat import current_remat_mode, rematerialized
from kerasish.utils.naming import check_kwargs, to_snake_case, uniquify
from kerasish.variables import (StatelessScope, Variable, autocast, autocasting, current_scope,
                                standardize_dtype)


class KerasTensor:
    """A symbolic tensor: a shape (batch dim ``None``) and a dtype, no values.

    Returned by ``kerasish.Input`` and by layers called on symbolic tensors, so that
    ``layer.output.shape`` and ``model.summary()`` know every shape before any data.

    >>> import kerasish
    >>> x = kerasish.Input(shape=(3,))
    >>> x.shape, x.dtype
    ((None, 3), 'float32')
    >>> kerasish.layers.Dense(5)(x).shape
    (None, 5)
    """

    _keras_mask = None  # a KerasTensor when the layer that made this one masks its output
    _keras_call = None  # (args, kwargs) of the layer call that made it, to replay
    # A call with several outputs (``LSTM(return_state=True)``): its output structure
    # and this tensor's index among its leaves; one-output calls keep the defaults.
    _keras_node_outputs = None
    _keras_output_index = 0

    def __init__(self, shape, dtype=None, name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = standardize_dtype(dtype)
        self.name = name
        # (layer, its input KerasTensors): the first argument of a one-argument call,
        # else a list of every tensor argument. Walked to find a functional graph.
        self._keras_history = history

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __iter__(self):  # as Keras: `__getitem__` alone would make it iterable
        raise NotImplementedError(
            "Iterating over a symbolic KerasTensor is not supported. Index it (x[:, 0]) "
            "or use ops.unstack inside a layer's call.")


# Operators of symbolic tensors (`x + y`, `x[:, 0]`) become op nodes, as in Keras:
# kerasish.ops registers them here (it imports this module, so this one cannot).
OPERATORS = {}


def _operator(name):
    def method(self, *args):
        return OPERATORS[name](self, *args)

    method.__name__ = name
    return method


for _name in ("add", "radd", "sub", "rsub", "mul", "rmul", "matmul", "rmatmul", "truediv",
              "rtruediv", "div", "rdiv", "floordiv", "rfloordiv", "mod", "rmod", "pow",
              "rpow", "lt", "le", "gt", "ge", "ne", "and", "rand", "or", "ror", "xor",
              "rxor", "getitem", "neg", "abs", "invert", "round"):
    setattr(KerasTensor, f"__{_name}__", _operator(f"__{_name}__"))


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


class Layer(OwnVariables):
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

    def __init__(self, *, activity_regularizer=None, name=None, trainable=True, dtype=None,
                 autocast=True, **kwargs):
        check_kwargs(kwargs, self._allowed_kwargs | {"name", "trainable", "dtype"},
                     f"{type(self).__name__}()", suggestions=_init_arg_names(type(self)))
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Layer `name` must be a string. Received: name={name!r}")
        if "_layers" not in self.__dict__:
            object.__setattr__(self, "_layers", [])
        object.__setattr__(self, "_own_variables", [])
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        # autocast=False (Keras): floating inputs keep their dtype, and variables read
        # in their own dtype inside another layer's mixed-precision call.
        self.autocast = bool(autocast)
        # Keras: the rematerialisation mode of the RematScope the layer is created in.
        self.remat_mode = current_remat_mode()
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
        self._call_signature = inspect.signature(self.call)
        self._call_params = dict(self._call_signature.parameters)
        self._call_has_training = "training" in self._call_params
        # Keras: `activity_regularizer(output) / batch_size` is added with `add_loss`.
        self.activity_regularizer = regularizers.get(activity_regularizer)
        object.__setattr__(self, "_losses", [])  # eager calls only; see `losses`

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Keras's ops take KerasTensors, so its `compute_mask(keras_tensor)` works
        # unchanged; ours compute with jnp: let every override accept them.
        own = cls.__dict__.get("compute_mask")
        if own is not None and not getattr(own, "_accepts_keras_tensors", False):
            cls.compute_mask = _accepting_keras_tensors(own)

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
        for arg, default in (("aggregation", "none"), ("overwrite_with_gradient", False)):
            value = kwargs.get(arg, default)
            if arg == "aggregation" and value in ("none", "mean", "sum",
                                                  "only_first_replica", None):
                continue  # how replicas combine a variable: one program here, all the same
            if value != default:
                raise ValueError(
                    f"{type(self).__name__}.add_weight(): `{arg}` other than {default!r} is "
                    f"not supported by kerasish. Received: {arg}={value!r}.")
        from kerasish import constraints as constraints_module

        constraint = constraints_module.get(constraint)
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
            constraint=constraint,
        )
        # autocast=False: read in its own dtype under a mixed-precision policy (Keras).
        var.autocast = bool(kwargs.get("autocast", True))
        var.initialize(random.next_key())
        var._owner = self
        self._own_variables.append(var)
        _bump()
        return var

    def _add_carried_state(self, value, name):
        """A variable that the compiled steps carry from batch to batch (in the
        ``state`` pytree, like a non-trainable weight) but that is no weight: it is not
        in ``weights``, ``get_weights()`` or ``non_trainable_weights`` and is not saved
        (Keras's untracked ``rnn_state`` variables of a stateful RNN)."""
        carried = self.__dict__.setdefault("_carried_state", [])
        taken = {v.name for v in self._own_variables + carried}
        unique, i = name, 0
        while unique in taken:  # names key the state pytree
            i += 1
            unique = f"{name}_{i}"
        var = Variable(initializer=value, dtype=self.dtype, trainable=False, name=unique,
                       path=f"{self.name}/{name}")
        var._owner, var._carried = self, True
        carried.append(var)
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
            non_trainable.extend(layer.__dict__.get("_carried_state", ()))
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
        return [v for v in self._variables_split()[1] if not is_carried_state(v)]

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

    def __call__(self, *args, training=None, **kwargs):
        if not args:
            args = self._first_argument_from(kwargs)
        first = args[0]
        if isinstance(first, (list, tuple)) and not all(
                i is None or isinstance(i, (KerasTensor, Variable, jax.Array, np.ndarray))
                for i in first):  # (None: an optional input left out)
            args = (_to_array(first, self.compute_dtype),) + args[1:]  # nested lists: one array
        if self.input_spec:  # before building: a wrong input fails with the layer's name
            assert_input_compatibility(self.input_spec, args[0], self.name, self._seen_dtype)
        if any(isinstance(leaf, KerasTensor) for leaf in _leaves((args, kwargs))):
            return self._symbolic_call(args, kwargs, training)
        scope = current_scope()
        if scope is None:
            return self._eager_call(args, kwargs, training)
        return self._scoped_call(scope, args, kwargs, training)

    def _seen_dtype(self, x):
        """The dtype ``call`` will see for the input ``x`` (floats cast when autocasting)."""
        dtype = jnp.dtype(x.dtype)
        if jnp.issubdtype(dtype, jnp.floating) and self._autocast_inputs and self.autocast:
            return jnp.dtype(self.compute_dtype).name
        return jax.dtypes.canonicalize_dtype(dtype).name

    def _first_argument_from(self, kwargs):
        """Keras also accepts ``layer(inputs=x)``: the first argument of ``call`` by name."""
        names = [n for n, p in self._call_params.items()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if not names or names[0] not in kwargs:
            raise TypeError(
                f"Layer {self.name!r} was called without inputs. Pass the input tensor as "
                f"the first argument, e.g. `layer(x)`. Received keyword arguments "
                f"{sorted(kwargs)}."
            )
        return (kwargs.pop(names[0]),)

    def _eager_call(self, args, kwargs, training):
        """An outermost call outside any scope: run it in a scope of its own (it binds
        nothing, so variables read and assign as usual) that collects the losses and
        masks, then keep them the way Keras does: ``layer.losses`` shows the losses of
        the last eager call; the outputs keep their masks for the next eager call."""
        for layer in self._flatten_layers():
            object.__setattr__(layer, "_losses", [])
        with StatelessScope() as scope:
            outputs = self._scoped_call(scope, args, kwargs, training)
            masks = [get_keras_mask(o) for o in _flatten_struct(outputs)]
        if not any(isinstance(v, jax.core.Tracer) for _, v in scope.losses):
            # (Under a user's own jax.jit there is nothing concrete to keep.)
            for layer, value in scope.losses:
                layer.__dict__.setdefault("_losses", []).append(value)
        for out, mask in zip(_flatten_struct(outputs), masks):
            if mask is not None:
                set_keras_mask(out, mask)  # no scope now: the eager (weak) registry
        return outputs

    def _scoped_call(self, scope, args, kwargs, training):
        if scope.call_depth == 0 and scope.losses:
            # Keras: an outermost call starts with its layers' losses cleared.
            mine = {id(layer) for layer in self._flatten_layers()}
            scope.losses[:] = [(la, v) for la, v in scope.losses if id(la) not in mine]
        first = _map_input(args[0], self._convert_first)
        args = (first,) + tuple(_map_input(a, self._convert_other) for a in args[1:])
        kwargs = {k: _map_input(v, self._convert_other) for k, v in kwargs.items()}
        if not self.built:
            self._maybe_build(_shape_of(first))
        if self._call_has_training:
            kwargs["training"] = training
        previous_mask = self._fill_mask_arguments(args, kwargs)
        scope.call_depth += 1
        try:
            call = self.call if self.remat_mode is None else \
                rematerialized(self, self.call, args, kwargs)
            kw = kwargs if self.remat_mode is None else {}  # (closed over by remat)
            if not self.autocast and autocasting():
                with autocast(None):  # an outer layer's scope does not apply (Keras)
                    outputs = call(*args, **kw)
            elif self.compute_dtype != self.dtype:  # mixed: weights read in compute dtype
                # (Keras opens this scope even for autocast=False when no scope is open.)
                with autocast(self.compute_dtype):
                    outputs = call(*args, **kw)
            else:
                outputs = call(*args, **kw)
        finally:
            scope.call_depth -= 1
        if self.activity_regularizer is not None:
            for out in _flatten_struct(outputs):
                if isinstance(out, jax.Array):
                    self.add_loss(self._activity_loss(out))
        self._set_output_masks(first, outputs, previous_mask)
        return outputs

    def _convert_first(self, a):
        if self._autocast_inputs and self.autocast:
            return _convert(a, self.compute_dtype)
        return a.value if isinstance(a, Variable) else jnp.asarray(a)

    def _convert_other(self, a):
        """Further tensor arguments, as Keras converts them: arrays become jax arrays,
        floating ones in the compute dtype; integers, booleans and Python values stay."""
        if isinstance(a, Variable):
            a = a.value
        if not isinstance(a, (jax.Array, np.ndarray, np.generic)):
            return a
        a = jnp.asarray(a)
        if self._autocast_inputs and self.autocast and jnp.issubdtype(a.dtype, jnp.floating) \
                and a.dtype != self.compute_dtype:
            a = a.astype(self.compute_dtype)
        return a

    def _activity_loss(self, output):
        loss = self.activity_regularizer(output)
        if output.ndim == 0:
            return loss
        # Keras divides by the batch size (0 for an empty batch: divide_no_nan).
        batch = output.shape[0]
        return jnp.zeros_like(loss) if batch == 0 else loss / jnp.asarray(batch, loss.dtype)

    def _fill_mask_arguments(self, args, kwargs):
        """Pass input masks to ``call`` as Keras does, and return the previous mask:
        with one tensor argument, its mask goes to a ``mask`` parameter; with several,
        each one's goes to a ``<name>_mask`` parameter."""
        params = self._call_params
        if "mask" in params or any(n.endswith("_mask") for n in params):
            try:
                given = self._call_signature.bind(*args, **kwargs).arguments
            except TypeError:
                given = None  # `call` itself will say what is wrong
            if given is not None:
                tensors = {n: v for n, v in given.items() if _is_tensor_struct(v)}
                if len(tensors) == 1 and "mask" in params:
                    targets = {"mask": next(iter(tensors.values()))}
                else:
                    targets = {f"{n}_mask": v for n, v in tensors.items()} \
                        if len(tensors) > 1 else {}
                for name, value in targets.items():
                    if name in params and (name not in given or
                                           (name in kwargs and kwargs[name] is None)):
                        kwargs[name] = _map_structure(get_keras_mask, value)
        if kwargs.get("mask") is not None:
            return kwargs["mask"]
        return _map_structure(get_keras_mask, args[0])

    def _set_output_masks(self, first, outputs, previous_mask):
        """Keras's ``_set_mask_metadata``: a masking layer gives its outputs
        ``compute_mask(first_input, previous_mask)`` (unless ``call`` set them); any
        other layer drops the mask, with Keras's warning."""
        flat = _flatten_struct(outputs)
        if self.supports_masking:
            if all(get_keras_mask(o) is not None for o in flat):
                return
            masks = self.compute_mask(first, previous_mask)
            if masks is None:
                return
            for out, mask in zip(flat, _flatten_struct(masks)):
                if mask is not None and get_keras_mask(out) is None:
                    set_keras_mask(out, mask)
        elif any(m is not None for m in _flatten_struct(previous_mask)):
            warnings.warn(
                f"Layer '{self.name}' (of type {type(self).__name__}) was passed an input "
                "with a mask attached to it. However, this layer does not support masking "
                "and will therefore destroy the mask information. Downstream layers will "
                "not see the mask.", stacklevel=3)

    def _symbolic_call(self, args, kwargs, training):
        kwargs = self._recordable_kwargs(kwargs)
        first = args[0]
        tensor_kwargs = {k: v for k, v in kwargs.items()
                         if any(isinstance(t, KerasTensor) for t in _leaves(v))}
        out = None
        if len(args) == 1 and not tensor_kwargs:
            self._maybe_build(_shape_of(first))
            shape = None if self._output_structure_depends_on(kwargs) else \
                self.compute_output_shape(_shape_of(first))
            if _is_shape(shape):
                out = KerasTensor(shape, dtype=self.dtype, name=f"{self.name}_output")
            inputs = first
        else:
            self._maybe_build_for(args, kwargs)
            inputs = list(args) + ([tensor_kwargs] if tensor_kwargs else [])
        if out is None:  # several tensors, or a layer without a plain output shape
            out = self._symbolic_outputs(args, kwargs, training)
        # Every output tensor of the call points at the same node: the same `inputs`
        # object and call record, and the call's output structure (`_keras_node_outputs`)
        # with its own position in it, which the replay and the saved configs use.
        outputs = _flatten_struct(out)
        call = (tuple(args), dict(kwargs, **({} if training is None else {"training": training})))
        for i, tensor in enumerate(outputs):
            tensor._keras_history = (self, inputs)
            tensor._keras_call = call
            if len(outputs) > 1:
                tensor._keras_node_outputs, tensor._keras_output_index = out, i
        mask = kwargs.get("mask")
        previous_mask = mask if mask is not None else _map_structure(get_keras_mask, first)
        if self.supports_masking:
            masks = self.compute_mask(first, previous_mask)
            flat_masks = _flatten_struct(masks)
            if len(outputs) > 1 and len(flat_masks) == len(outputs):
                for tensor, m in zip(outputs, flat_masks):
                    tensor._keras_mask = m
            else:
                for tensor in outputs:
                    tensor._keras_mask = masks
        elif any(m is not None for m in _flatten_struct(previous_mask)):
            warnings.warn(
                f"Layer '{self.name}' (of type {type(self).__name__}) was passed an input "
                "with a mask attached to it. However, this layer does not support masking "
                "and will therefore destroy the mask information. Downstream layers will "
                "not see the mask.", stacklevel=3)
        self._output_tensor = out
        self._input_tensor = inputs
        return out

    def _output_structure_depends_on(self, kwargs):
        """Whether this call's keyword arguments change what it returns (e.g.
        ``return_attention_scores=True``), which ``compute_output_shape`` cannot see:
        the symbolic call then traces the layer instead."""
        return False

    def _recordable_kwargs(self, kwargs):
        """The keyword arguments a functional node records and replays. Keras's configs
        record ``mask=None`` and the like for arguments its own ``call`` has: a None
        that our ``call`` does not take is left out; any other unknown one is refused
        here, at build time, rather than at the first replay."""
        params = self._call_params
        if any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return kwargs
        unknown = [k for k, v in kwargs.items() if k not in params and v is not None]
        if unknown:
            raise TypeError(
                f"Layer {self.name!r} ({type(self).__name__}) got keyword argument(s) "
                f"{unknown} that its `call()` does not take. `call()` takes "
                f"{[n for n in params]}. Remove them, or add them to `call()`."
            )
        return {k: v for k, v in kwargs.items() if k in params}

    def _maybe_build_for(self, args, kwargs):
        """Build for a call with several tensor arguments, as Keras does: a
        ``build(input_shape)`` gets the first one's shape; a ``build(a_shape, b_shape)``
        gets each by the name of its ``call`` argument."""
        if self.built:
            return
        build_params = [n for n, p in inspect.signature(self.build).parameters.items()
                        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                      p.KEYWORD_ONLY)]
        if len(build_params) <= 1:
            self._maybe_build(_shape_of(args[0]))
            return
        given = self._call_signature.bind(*args, **kwargs)
        shapes = {f"{n}_shape": _shape_of(v) for n, v in given.arguments.items()
                  if _is_tensor_struct(v)}
        missing = [n for n in build_params if n not in shapes]
        if missing:
            raise ValueError(
                f"Layer {self.name!r}: `build{tuple(build_params)}` expects one "
                "`<call argument>_shape` per parameter; no tensor argument gives "
                f"{missing}. Tensor arguments of this call: "
                f"{sorted(s[:-6] for s in shapes)}. Name build's parameters after them, or "
                "take one `input_shape`."
            )
        self.build(**{n: shapes[n] for n in build_params})
        self.built = True

    def _symbolic_outputs(self, args, kwargs, training):
        """The output KerasTensor of a call with several tensor arguments: the call is
        traced abstractly (no FLOPs), with the weights bound so nothing is assigned."""
        trainable, non_trainable = self._variables_split()
        bindings = {v: v.value for v in trainable + non_trainable}

        def run(*a, **k):
            with StatelessScope(bindings, rng=jax.random.key(0)):
                return self(*a, training=training, **k)

        out = _eval_symbolic(run, args, kwargs)
        outputs = _flatten_struct(out)
        if not outputs or not all(isinstance(t, KerasTensor) for t in outputs):
            raise NotImplementedError(
                f"Layer {self.name!r} returned {type(out).__name__} on symbolic inputs; "
                "kerasish functional models take layers that return a tensor or a "
                "list/tuple/dict of tensors.")
        for i, tensor in enumerate(outputs):
            tensor.name = f"{self.name}_output" + (f"_{i}" if len(outputs) > 1 else "")
        return out

    # -- losses and masks (Keras's extension contract) ---------------------------------
    def add_loss(self, loss):
        """Add a loss (a tensor, or a list of them) from inside ``call``.

        Inside a stateless scope (every training step, ``stateless_call``,
        ``make_apply``) the loss is recorded on the scope, never on the layer, so it
        traces under ``jax.jit``; eagerly it shows in ``layer.losses`` until the next
        call. The training loss adds ``sum(loss)`` of each.

        >>> import jax.numpy as jnp, numpy as np, kerasish
        >>> class L1Activity(kerasish.layers.Layer):
        ...     def call(self, x):
        ...         self.add_loss(0.1 * jnp.sum(jnp.abs(x)))
        ...         return x
        >>> layer = L1Activity()
        >>> _ = layer(np.array([[1.0, -2.0]]))
        >>> [round(float(v), 4) for v in layer.losses]
        [0.3]
        """
        values = _flatten_struct(loss)
        for value in values:
            if not isinstance(value, jax.Array):
                raise ValueError(
                    "`add_loss()` can only be called from inside `build()` or `call()`, on "
                    f"a tensor input. Received invalid value: {value!r} (of type "
                    f"{type(value).__name__}). Compute the loss with jax.numpy from the "
                    "call's tensors, e.g. `self.add_loss(jnp.sum(x ** 2))`."
                )
        scope = current_scope()
        if scope is not None:
            scope.losses.extend((self, v) for v in values)
        else:
            self.__dict__.setdefault("_losses", []).extend(values)

    @property
    def losses(self):
        """Keras's ``layer.losses``: the ``add_loss`` values of this layer and its
        sub-layers (from the current scope inside one, else from the last eager call),
        then the weight regularization penalties of its trainable weights."""
        override = self.__dict__.get("_losses_override")
        if override is not None:  # the default train/test steps' forward pass (Keras's)
            return list(override)
        layers = self._flatten_layers()
        scope = current_scope()
        if scope is not None:
            mine = {id(layer) for layer in layers}
            out = [v for layer, v in scope.losses if id(layer) in mine]
        else:
            out = [v for layer in layers for v in layer.__dict__.get("_losses", [])]
        out.extend(v.regularizer(v.value) for v in self.trainable_weights
                   if v.regularizer is not None)
        return out

    @property
    def supports_masking(self):
        """Whether the layer passes a mask on (through ``compute_mask``). Keras's
        default: True exactly when the class overrides ``compute_mask``."""
        value = self.__dict__.get("_supports_masking")
        if value is None:
            return not getattr(type(self).compute_mask, "_keras_default", False)
        return value

    @supports_masking.setter
    def supports_masking(self, value):
        object.__setattr__(self, "_supports_masking", bool(value))

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the output for ``inputs`` whose mask is ``previous_mask``
        (None: no mask). The default passes the previous mask on. Takes arrays or
        KerasTensors."""
        return previous_mask

    compute_mask._keras_default = True
    compute_mask._accepts_keras_tensors = True

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
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": self.dtype_policy.name}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

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
        new_non_trainable_values)`` out. Nothing on the layer changes.

        With ``return_losses=True``: ``(outputs, new_non_trainable_values, losses)``,
        ``losses`` as Keras's ``layer.losses`` inside the call: the ``add_loss``
        values, then the weight regularization penalties of the given values."""
        trainable, non_trainable = self._variables_split()
        # Carried states (a stateful RNN's) are not Keras's variables: bound to their
        # current values, their updates are dropped, as Keras's untracked assignments.
        carried = [v for v in non_trainable if is_carried_state(v)]
        non_trainable = [v for v in non_trainable if not is_carried_state(v)]
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
        bindings.update((v, v.value) for v in carried)
        with StatelessScope(bindings, rng=kwargs.pop("rng", None)) as scope:
            outputs = self(*args, **kwargs)
            losses = self.losses if return_losses else None
        assigned = scope.assigned()
        new_state = [assigned.get(v, val) for v, val in zip(non_trainable, non_trainable_variables)]
        if return_losses:
            return outputs, new_state, losses
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


def make_apply(layer, with_aux=False):
    """The pure forward function of a built layer or model.

    ``apply(params, state, x, training=False, rng=None, sample_mask=None)`` returns
    ``(y, new_state)``; with ``with_aux=True``, ``(y, new_state, aux)`` where

    * ``aux["losses"]``: one scalar per ``add_loss`` value of this call (activity
      regularization included), each summed as Keras's trainer does
      (``sum(aux["losses"])`` is the term to add to the loss; weight regularization
      is not in it);
    * ``aux["mask"]``: the mask of ``y`` (None when unmasked), or, for several
      outputs, the same structure as ``y`` (list, tuple or dict) holding each
      output's mask or None.

    The variable layout is read once here, not on every call, so the returned
    function is cheap to trace. It traces under ``jax.jit``, ``lax.scan`` and ``vmap``:
    losses and masks live only on the call's scope.
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
            mask = _map_structure(get_keras_mask, y) if with_aux else None
        assigned = scope.assigned()
        new_state = {ln: dict(ws) for ln, ws in state.items()}
        for v, (ln, wn) in zip(non_trainable, n_keys):
            if v in assigned:
                new_state[ln][wn] = assigned[v]
        if not with_aux:
            return y, new_state
        return y, new_state, {"losses": [_summed(v) for _, v in scope.losses], "mask": mask}

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


def is_carried_state(var):
    """Whether ``var`` is a carried state (``Layer._add_carried_state``), not a weight."""
    return getattr(var, "_carried", False)


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


# -- masks on arrays ------------------------------------------------------------------
# Keras hangs a mask on its tensor (`x._keras_mask`). JAX arrays and tracers take no
# attributes, so a mask is kept beside its array, by id: on the call's scope while a
# call runs (every engine step, and every eager call, runs in one), where it dies with
# the trace; and, for the concrete outputs of an eager call, in a weak registry that
# forgets an entry when its array is freed (`pool(embedding(ids))` eagerly).
_EAGER_MASKS = {}  # id(array) -> (weakref to the array, mask)


def get_keras_mask(x):
    """The mask Keras would find on ``x`` (``x._keras_mask``), or None."""
    if isinstance(x, KerasTensor):
        return x._keras_mask
    if not isinstance(x, (jax.Array, np.ndarray)):
        return None
    scope = current_scope()
    if scope is not None:
        hit = scope.masks.get(id(x))
        if hit is not None and hit[0] is x:
            return hit[1]
    hit = _EAGER_MASKS.get(id(x))
    if hit is not None and hit[0]() is x:
        return hit[1]
    return None


def set_keras_mask(x, mask):
    """Attach ``mask`` to ``x`` (None removes it), as Keras's ``set_keras_mask``."""
    if isinstance(x, KerasTensor):
        x._keras_mask = mask
        return
    if not isinstance(x, (jax.Array, np.ndarray)):
        return
    key = id(x)
    scope = current_scope()
    if scope is not None:
        if mask is None:
            scope.masks.pop(key, None)
        else:
            scope.masks[key] = (x, mask)
        return
    if mask is None:
        _EAGER_MASKS.pop(key, None)
    elif not any(isinstance(t, jax.core.Tracer) for t in _leaves((x, mask))):
        # (A tracer outside any scope has nowhere safe to keep its mask: it is dropped.)
        _EAGER_MASKS[key] = (weakref.ref(x, lambda _, key=key: _forget_mask(key)), mask)


def _forget_mask(key):
    hit = _EAGER_MASKS.get(key)
    if hit is not None and hit[0]() is None:
        del _EAGER_MASKS[key]


def _accepting_keras_tensors(fn):
    """``fn`` (a ``compute_mask``) that also takes KerasTensors, by tracing it abstractly."""
    @functools.wraps(fn)
    def compute_mask(self, *args, **kwargs):
        if any(isinstance(t, KerasTensor) for t in _leaves((args, kwargs))):
            return _eval_symbolic(functools.partial(fn, self), args, kwargs)
        return fn(self, *args, **kwargs)

    compute_mask._accepts_keras_tensors = True
    return compute_mask


def _eval_symbolic(fn, args, kwargs):
    """``fn(*args, **kwargs)`` with KerasTensors among the arguments, traced with
    ``jax.eval_shape`` (no FLOPs): its tensors come back as KerasTensors (None kept).
    Unknown dims are traced at two sizes; an output dim that follows them is unknown."""
    leaves, treedef = jax.tree_util.tree_flatten(
        (args, kwargs), is_leaf=lambda t: t is None or isinstance(t, KerasTensor))
    where = [i for i, t in enumerate(leaves) if isinstance(t, KerasTensor)]

    def run(*tensors):
        filled = list(leaves)
        for i, t in zip(where, tensors):
            filled[i] = t
        a, k = jax.tree_util.tree_unflatten(treedef, filled)
        return fn(*a, **k)

    def specs(size):
        return [jax.ShapeDtypeStruct(tuple(size if d is None else d for d in leaves[i].shape),
                                     leaves[i].dtype) for i in where]

    small, large = (jax.eval_shape(run, *specs(n)) for n in (2, 3))
    return jax.tree_util.tree_map(
        lambda a, b: KerasTensor(tuple(x if x == y else None for x, y in zip(a.shape, b.shape)),
                                 dtype=a.dtype), small, large)


# -- small structure helpers (Keras's `tree`: dicts by sorted key, None is a leaf) ------
def _leaves(struct):
    return jax.tree_util.tree_leaves(struct)


def _is_shape(value):
    """Whether ``value`` is one shape (a tuple/list of ints and Nones), not several."""
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value)


def flatten_outputs(struct):
    """The leaves of a (nested) list/tuple/dict in Keras's order: lists in order, dicts
    by sorted key. A layer call with several outputs numbers its tensors this way.

    >>> flatten_outputs({"b": 2, "a": [1, (3, 4)]})
    [1, 3, 4, 2]
    """
    return _flatten_struct(struct)


def _flatten_struct(struct):
    if isinstance(struct, (list, tuple)):
        return [x for item in struct for x in _flatten_struct(item)]
    if isinstance(struct, dict):
        return [x for key in sorted(struct) for x in _flatten_struct(struct[key])]
    return [struct]


def _map_structure(fn, struct):
    if isinstance(struct, (list, tuple)):
        return type(struct)(_map_structure(fn, item) for item in struct)
    if isinstance(struct, dict):
        return {key: _map_structure(fn, value) for key, value in struct.items()}
    return fn(struct)


def _map_input(struct, convert):
    """Convert each array of a call argument, keeping its mask on the converted one."""
    def one(a):
        mask = get_keras_mask(a)
        b = convert(a)
        if mask is not None and b is not a:
            set_keras_mask(b, mask)
        return b

    return jax.tree_util.tree_map(one, struct, is_leaf=_is_input_leaf)


def _is_tensor_struct(value):
    """Keras's test for a tensor argument: a tensor, or a non-empty nest of them."""
    kinds = (jax.Array, KerasTensor)
    if isinstance(value, kinds):
        return True
    if isinstance(value, (list, tuple, dict)) and len(value):
        flat = _flatten_struct(value)
        return all(f is None or isinstance(f, kinds) for f in flat) \
            and any(f is not None for f in flat)
    return False


def _summed(value):
    # Keras's trainer adds `sum(loss)` of each added loss, in floatx when not floating.
    if not jnp.issubdtype(value.dtype, jnp.floating):
        value = value.astype(config.floatx())
    return jnp.sum(value)
