"""``Lambda``: wrap a function of tensors as a layer.

>>> import numpy as np, kerasish
>>> square = Lambda(lambda x: x ** 2)
>>> np.asarray(square(np.array([[1.0, 2.0]]))).tolist()
[[1.0, 4.0]]
>>> inputs = kerasish.Input((3,))
>>> Lambda(lambda x, k: x[:, :k], arguments={"k": 2})(inputs).shape
(None, 2)
"""

import binascii
import codecs
import inspect
import marshal
import types

from kerasish.layers.base import Layer


def _is_lambda(fn):
    return isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>"


def _func_dump(fn):
    """Keras's ``python_utils.func_dump``: (base64 bytecode, defaults, closure)."""
    code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def _func_load(code, defaults=None, closure=None):
    """Keras's ``python_utils.func_load``; its globals are this module's, as Keras's
    are its own module's (a loaded lambda sees builtins, not the names of the module
    it was written in)."""
    if isinstance(defaults, list):
        defaults = tuple(defaults)

    def cell(value):
        return (lambda: value).__closure__[0]

    if closure is not None:
        closure = tuple(cell(v) for v in closure)
    try:
        raw = codecs.decode(code.encode("ascii"), "base64")
    except (UnicodeEncodeError, binascii.Error):
        raw = code.encode("raw_unicode_escape")
    code = marshal.loads(raw)
    return types.FunctionType(code, globals(), name=code.co_name, argdefs=defaults,
                              closure=closure)


_UNSAFE_LAMBDA = (
    "Requested the deserialization of a `Lambda` layer whose `{what}` is a Python lambda. "
    "This carries a potential risk of arbitrary code execution and thus it is disallowed "
    "by default. If you trust the source of the artifact, you can override this error by "
    "passing `safe_mode=False` to `Lambda.from_config`. Better: define a named function, "
    "register it with @kerasish.saving.register_keras_serializable(), and re-create the "
    "layer with it."
)


class Lambda(Layer):
    """A layer that computes ``function(inputs, **arguments)``.

    Args:
        function: the function; takes the input tensor first. If it has a ``mask`` or
            ``training`` parameter, the layer passes the input mask / training flag.
        output_shape: the output shape without the batch axis (the batch axis is
            copied from the input), or a function ``input_shape -> output_shape``.
            By default it is inferred by tracing ``function`` abstractly.
        mask: None (no masking), a function ``(inputs, mask) -> output mask`` (as
            ``compute_mask``), or a tensor returned as the mask of every output.
        arguments: keyword arguments passed to ``function``.

    Saving, as Keras: a named function is saved by name (register it with
    ``register_keras_serializable`` to load it back); a Python lambda is saved as
    bytecode, which loading refuses unless ``safe_mode=False`` (running code from a
    file is unsafe, and bytecode only loads in the same Python version).

    >>> import numpy as np
    >>> Lambda(lambda x, k: x * k, arguments={"k": 2.0})(np.array([[1.0, 2.0]])).tolist()
    [[2.0, 4.0]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        if not callable(function):
            raise TypeError(
                "Invalid value for argument `function`: expected a callable (e.g. "
                f"`lambda x: x ** 2`). Received: function={function!r} of type "
                f"{type(function).__name__}")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(
                "Invalid value for argument `arguments`: expected a dict of keyword "
                f"arguments for `function`, or None. Received: arguments={arguments!r}")
        super().__init__(**kwargs)
        self.arguments = arguments or {}
        self.function = function
        self.supports_masking = mask is not None
        self.mask = mask
        self._output_shape = output_shape
        try:
            names = inspect.getfullargspec(function).args
        except TypeError:  # some builtins (numpy ufuncs) have no inspectable signature
            names = []
        self._fn_expects_training_arg = "training" in names
        self._fn_expects_mask_arg = "mask" in names

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        first = input_shape
        while isinstance(first, (list, tuple)) and first and isinstance(first[0], (list, tuple)):
            first = first[0]
        batch = first[0] if first else None
        return (batch,) + tuple(self._output_shape)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    # -- saving ------------------------------------------------------------------------
    @staticmethod
    def _function_config(fn):
        if _is_lambda(fn):
            code, defaults, closure = _func_dump(fn)
            return {"class_name": "__lambda__",
                    "config": {"code": code, "defaults": defaults, "closure": closure}}
        from kerasish.saving.serialization import serialize_keras_object

        return serialize_keras_object(fn)

    def get_config(self):
        from kerasish.saving.serialization import serialize_keras_object

        config = {"function": self._function_config(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (self._function_config(self._output_shape)
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            config["mask"] = (self._function_config(self.mask) if callable(self.mask)
                              else serialize_keras_object(self.mask))
        config["arguments"] = serialize_keras_object(self.arguments)
        return {**super().get_config(), **config}

    @staticmethod
    def _function_from_config(value, what, custom_objects, safe_mode):
        if isinstance(value, dict) and value.get("class_name") == "__lambda__":
            if safe_mode:
                raise ValueError(_UNSAFE_LAMBDA.format(what=what))
            inner = value["config"]
            return _func_load(inner["code"], defaults=inner.get("defaults"),
                              closure=inner.get("closure"))
        if isinstance(value, dict) and "class_name" in value:
            from kerasish.saving.serialization import deserialize_keras_object

            return deserialize_keras_object(value, custom_objects=custom_objects)
        return value  # already an object (the model loader deserializes arguments first)

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild from :meth:`get_config` (kerasish's or Keras's). A lambda's bytecode
        is refused unless ``safe_mode=False`` (None counts as safe, as in Keras outside
        a loading call)."""
        config = dict(config)
        safe = safe_mode is not False
        config["function"] = cls._function_from_config(config["function"], "function",
                                                       custom_objects, safe)
        if "output_shape" in config:
            shape = cls._function_from_config(config["output_shape"], "output_shape",
                                              custom_objects, safe)
            if isinstance(shape, list) and all(isinstance(d, (int, type(None))) for d in shape):
                shape = tuple(shape)
            config["output_shape"] = shape
        if "mask" in config:
            config["mask"] = cls._function_from_config(config["mask"], "mask", custom_objects,
                                                       safe)
        from kerasish.saving.serialization import deserialize_keras_object

        if "arguments" in config:
            config["arguments"] = deserialize_keras_object(config["arguments"],
                                                           custom_objects=custom_objects)
        if isinstance(config.get("dtype"), dict):  # Keras's DTypePolicy entry -> its name
            config["dtype"] = deserialize_keras_object(config["dtype"])
        return cls(**config)
