"""Weight initializers, with Keras 3's names, defaults and scaling rules.

An initializer is a small config object (never holding arrays) whose call
``init(shape, dtype=None, key=None)`` returns a jax array of ``dtype or floatx()``.

Where the randomness comes from, in order:

1. ``key``, when given: this is how the engine initialises a model reproducibly,
   splitting one key per weight;
2. the initializer's int ``seed``, when it was built with one: every call then
   returns the same values, and they are Keras's values bit for bit, because the
   key is made from the seed the way Keras's JAX backend makes it;
3. otherwise a fresh key from :func:`kerasish.random.next_key` (the global stream).

>>> init = GlorotUniform(seed=0)
>>> w = init((784, 64))
>>> w.shape, str(w.dtype)
((784, 64), 'float32')
>>> bool(abs(w).max() <= (6 / (784 + 64)) ** 0.5)
True
>>> get("zeros")((2,))
Array([0., 0.], dtype=float32)
"""

import difflib
import math
import numbers
import operator

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import _sampling, config
from kerasish import random as kerasish_random

# The std of a standard normal truncated to [-2, 2]. Keras divides by it so that a
# truncated draw has the variance the scaling rule asked for.
_TRUNCATED_STD = 0.87962566103423978


def _standardize_shape(shape, who):
    dims = (shape,) if isinstance(shape, numbers.Integral) else shape
    try:
        # operator.index refuses floats such as 2.5, which int() would truncate.
        dims = tuple(operator.index(d) for d in dims)
    except TypeError:
        dims = None
    if dims is None or any(d < 0 for d in dims):
        raise ValueError(
            f"Invalid `shape` for {who}. Expected a tuple of non-negative integers, "
            f"such as (784, 64). Received: shape={shape!r}"
        )
    return dims


def _standardize_dtype(dtype):
    return jnp.dtype(dtype or config.floatx())


def _float_dtype(dtype, who):
    dtype = _standardize_dtype(dtype)
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(
            f"{who} draws random floats, so it needs a floating dtype. Received: "
            f"dtype={dtype.name}. Pass dtype='float32' (or leave it as None), or use "
            "Zeros, Ones or Constant for integer weights."
        )
    return dtype


def _key_from_seed(seed):
    # Keras's JAX backend turns an int seed into the raw threefry key [seed, 0];
    # using the same key bits makes `GlorotUniform(seed=3)` give Keras's exact weights.
    return jax.random.wrap_key_data(jnp.array([seed & 0xFFFFFFFF, 0], dtype=jnp.uint32))


def _compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) as Keras computes them: a conv kernel
    ``(*spatial, in_channels, out_channels)`` counts its receptive field size times
    its channels; a vector counts its length as both; a scalar counts 1."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (
            int(math.prod(shape[a] for a in input_axes)),
            int(math.prod(shape[a] for a in output_axes)),
        )
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class. Subclasses implement ``__call__(shape, dtype=None, key=None)``
    and, when they take arguments, ``get_config()``.

    >>> class Halves(Initializer):
    ...     def __call__(self, shape, dtype=None, key=None):
    ...         return jnp.full(shape, 0.5, dtype or "float32")
    >>> Halves()((2,))
    Array([0.5, 0.5], dtype=float32)
    """

    def __call__(self, shape, dtype=None, key=None):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__call__(self, shape, dtype=None, "
            "key=None)` returning an array of that shape and dtype."
        )

    def get_config(self):
        """The constructor arguments, as a JSON-serialisable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuild an initializer from the output of ``get_config()``."""
        return cls(**config)

    def clone(self):
        return type(self).from_config(self.get_config())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros.

    >>> Zeros()((2, 3)).sum()
    Array(0., dtype=float32)
    """

    def __call__(self, shape, dtype=None, key=None):
        # Built with numpy and transferred with device_put: no compiled program per shape
        # at model build (jnp.asarray compiles a small one per shape).
        return jax.device_put(np.zeros(_standardize_shape(shape, "Zeros"),
                                       _standardize_dtype(dtype)))


class Ones(Initializer):
    """All ones.

    >>> Ones()((2,), dtype="int32")
    Array([1, 1], dtype=int32)
    """

    def __call__(self, shape, dtype=None, key=None):
        return jax.device_put(np.ones(_standardize_shape(shape, "Ones"),
                                      _standardize_dtype(dtype)))


class Constant(Initializer):
    """Every entry equal to ``value`` (a number, or an array broadcastable to the shape).

    >>> Constant(0.1)((3,))
    Array([0.1, 0.1, 0.1], dtype=float32)
    """

    def __init__(self, value=0.0):
        if isinstance(value, dict) and value.get("class_name") == "__numpy__":
            # An array value as Keras saves it.
            value = np.asarray(value["config"]["value"], value["config"]["dtype"])
        self.value = value

    def __call__(self, shape, dtype=None, key=None):
        shape = _standardize_shape(shape, "Constant")
        value = jnp.asarray(self.value, _standardize_dtype(dtype))
        try:
            return jnp.broadcast_to(value, shape)
        except ValueError:
            raise ValueError(
                f"Constant's value of shape {value.shape} cannot fill a weight of "
                f"shape {shape}. Expected a scalar or an array broadcastable to "
                f"{shape}. Received: value with shape {value.shape}"
            ) from None

    def get_config(self):
        value = self.value
        if isinstance(value, (np.ndarray, np.generic, jax.Array)):
            value = np.asarray(value).tolist()
        return {"value": value}


class Identity(Initializer):
    """``gain`` times the identity matrix; 2D shapes only (rectangular is fine).

    >>> Identity(gain=2.0)((2, 3))
    Array([[2., 0., 0.],
           [0., 2., 0.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None, key=None):
        shape = _standardize_shape(shape, "Identity")
        if len(shape) != 2:
            raise ValueError(
                "Identity can only initialise 2D weights (a matrix). Received: "
                f"shape={shape} of rank {len(shape)}. For a conv kernel, use "
                "Orthogonal or VarianceScaling instead."
            )
        dtype = _standardize_dtype(dtype)
        # Keras returns float32 for an int dtype here; we honour the dtype asked for.
        return (self.gain * jnp.eye(*shape, dtype=dtype)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


class _RandomInitializer(Initializer):
    """Shared seed handling: see the module docstring for where keys come from."""

    def __init__(self, seed=None):
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
        ):
            raise ValueError(
                f"Invalid `seed` for {type(self).__name__}. Expected an int or None. "
                f"Received: seed={seed!r}. To control randomness per call, pass "
                "`key=` (a jax.random key) when calling the initializer."
            )
        self.seed = None if seed is None else int(seed)

    def _key(self, key):
        if key is not None:
            return key
        if self.seed is not None:
            return _key_from_seed(self.seed)
        return kerasish_random.next_key()

    def get_config(self):
        return {"seed": self.seed}


class RandomUniform(_RandomInitializer):
    """Uniform on ``[minval, maxval)``.

    >>> w = RandomUniform(-1.0, 1.0, seed=0)((1000,))
    >>> bool(w.min() >= -1.0), bool(w.max() < 1.0)
    (True, True)
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None, key=None):
        shape = _standardize_shape(shape, "RandomUniform")
        dtype = _float_dtype(dtype, "RandomUniform")
        return _sampling.uniform(self._key(key), shape, dtype, self.minval, self.maxval)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class RandomNormal(_RandomInitializer):
    """Normal with the given ``mean`` and ``stddev``.

    >>> RandomNormal(mean=1.0, stddev=0.0, seed=0)((2,))
    Array([1., 1.], dtype=float32)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None, key=None):
        shape = _standardize_shape(shape, "RandomNormal")
        dtype = _float_dtype(dtype, "RandomNormal")
        return _sampling.normal(self._key(key), shape, dtype) * self.stddev + self.mean

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(_RandomInitializer):
    """Normal with ``mean`` and ``stddev``, redrawn beyond two ``stddev``s, so every
    value lies within ``mean ± 2 * stddev``. (``stddev`` is that of the normal before
    truncation, as in Keras.)

    >>> w = TruncatedNormal(stddev=1.0, seed=0)((10000,))
    >>> bool(abs(w).max() <= 2.0)
    True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None, key=None):
        shape = _standardize_shape(shape, "TruncatedNormal")
        dtype = _float_dtype(dtype, "TruncatedNormal")
        sample = _sampling.truncated_normal(self._key(key), -2.0, 2.0, shape, dtype)
        return sample * self.stddev + self.mean

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


def _check_choice(name, value, allowed):
    if value not in allowed:
        close = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Invalid value for `{name}`.{hint} Expected one of {allowed}. "
            f"Received: {name}={value!r}"
        )


class VarianceScaling(_RandomInitializer):
    """Draws with variance ``scale / n``, where ``n`` is the fan-in, the fan-out or
    their mean (``mode``), from a ``distribution`` of ``"truncated_normal"``
    (``"normal"`` is read as this, as in Keras), ``"untruncated_normal"`` or
    ``"uniform"`` (on ``±sqrt(3 * scale / n)``).

    For a conv kernel ``(kh, kw, in, out)`` the fans are ``kh * kw * in`` and
    ``kh * kw * out``. ``input_axes``/``output_axes`` (both or neither) name the
    axes whose sizes multiply into the fans instead.

    >>> w = VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=0)
    >>> bool(abs(w((3, 3, 16, 32))).max() <= (3 * 2.0 / (3 * 3 * 16)) ** 0.5)
    True
    """

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not scale > 0:
            raise ValueError(
                "Invalid value for `scale`. Expected a positive number (1.0 for "
                f"Lecun/Glorot, 2.0 for He). Received: scale={scale!r}"
            )
        _check_choice("mode", mode, _MODES)
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        _check_choice("distribution", distribution, _DISTRIBUTIONS)
        if (input_axes is None) != (output_axes is None):
            raise ValueError(
                "`input_axes` and `output_axes` go together: pass both (the axes "
                "whose sizes multiply into fan-in and fan-out) or neither. Received: "
                f"input_axes={input_axes!r}, output_axes={output_axes!r}"
            )
        self.scale = float(scale)
        self.mode = mode
        self.distribution = distribution
        self.input_axes = None if input_axes is None else list(input_axes)
        self.output_axes = None if output_axes is None else list(output_axes)
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None, key=None):
        who = type(self).__name__
        shape = _standardize_shape(shape, who)
        dtype = _float_dtype(dtype, who)
        fan_in, fan_out = _compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        # max(1, n) keeps zero-size weights from dividing by zero.
        variance = self.scale / max(1.0, n[self.mode])
        key = self._key(key)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return _sampling.uniform(key, shape, dtype, -limit, limit)
        if self.distribution == "untruncated_normal":
            return _sampling.normal(key, shape, dtype) * math.sqrt(variance)
        stddev = math.sqrt(variance) / _TRUNCATED_STD
        return _sampling.truncated_normal(key, -2.0, 2.0, shape, dtype) * stddev

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _NamedVarianceScaling(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution; only the seed
    (and the fan axes) are configurable."""

    _SCALE, _MODE, _DISTRIBUTION = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(
            scale=self._SCALE,
            mode=self._MODE,
            distribution=self._DISTRIBUTION,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class GlorotUniform(_NamedVarianceScaling):
    """Uniform on ``±sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio, 2010). The
    default kernel initializer of Dense and Conv layers.

    >>> GlorotUniform(seed=0)((3, 3, 8, 16)).shape
    (3, 3, 8, 16)
    """

    _SCALE, _MODE, _DISTRIBUTION = 1.0, "fan_avg", "uniform"


class GlorotNormal(_NamedVarianceScaling):
    """Truncated normal with std ``sqrt(2 / (fan_in + fan_out))``.

    >>> GlorotNormal(seed=0)((4, 4)).shape
    (4, 4)
    """

    _SCALE, _MODE, _DISTRIBUTION = 1.0, "fan_avg", "truncated_normal"


class HeUniform(_NamedVarianceScaling):
    """Uniform on ``±sqrt(6 / fan_in)``; suits ReLU layers.

    >>> HeUniform(seed=0)((4, 4)).shape
    (4, 4)
    """

    _SCALE, _MODE, _DISTRIBUTION = 2.0, "fan_in", "uniform"


class HeNormal(_NamedVarianceScaling):
    """Truncated normal with std ``sqrt(2 / fan_in)``; suits ReLU layers.

    >>> HeNormal(seed=0)((4, 4)).shape
    (4, 4)
    """

    _SCALE, _MODE, _DISTRIBUTION = 2.0, "fan_in", "truncated_normal"


class LecunUniform(_NamedVarianceScaling):
    """Uniform on ``±sqrt(3 / fan_in)``.

    >>> LecunUniform(seed=0)((4, 4)).shape
    (4, 4)
    """

    _SCALE, _MODE, _DISTRIBUTION = 1.0, "fan_in", "uniform"


class LecunNormal(_NamedVarianceScaling):
    """Truncated normal with std ``sqrt(1 / fan_in)``; pair it with ``selu``.

    >>> LecunNormal(seed=0)((4, 4)).shape
    (4, 4)
    """

    _SCALE, _MODE, _DISTRIBUTION = 1.0, "fan_in", "truncated_normal"


class Orthogonal(_RandomInitializer):
    """``gain`` times a random orthogonal matrix (Saxe et al., 2014), for shapes of
    rank >= 2: the shape is flattened to ``(prod(shape[:-1]), shape[-1])``, whose
    rows (if fewer) or columns are orthonormal.

    >>> q = Orthogonal(seed=0)((3, 5))
    >>> bool(jnp.allclose(q @ q.T, jnp.eye(3), atol=1e-5))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None, key=None):
        shape = _standardize_shape(shape, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(
                "Orthogonal needs a weight of rank 2 or more. Received: "
                f"shape={shape} of rank {len(shape)}. For a bias vector, use Zeros."
            )
        dtype = _float_dtype(dtype, "Orthogonal")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = _sampling.normal(self._key(key), (max(rows, cols), min(rows, cols)), dtype)
        # QR is not implemented for half precision; factorise in float32 at least.
        q, r = jnp.linalg.qr(a.astype(jnp.promote_types(dtype, jnp.float32)))
        # Multiplying by sign(diag(r)) makes Q uniformly (Haar) distributed rather
        # than biased by the QR convention.
        q = q * jnp.sign(jnp.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


# Keras's snake_case names are the same classes.
zeros = Zeros
ones = Ones
constant = Constant
identity = IdentityInitializer = Identity
random_uniform = RandomUniform
random_normal = RandomNormal
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
orthogonal = OrthogonalInitializer = Orthogonal

_BY_NAME = {
    cls.__name__: cls
    for cls in (Zeros, Ones, Constant, Identity, RandomUniform, RandomNormal,
                TruncatedNormal, VarianceScaling, GlorotUniform, GlorotNormal,
                HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal)
}
_BY_NAME.update(
    zeros=zeros, ones=ones, constant=constant, identity=identity,
    IdentityInitializer=IdentityInitializer, random_uniform=random_uniform,
    random_normal=random_normal, truncated_normal=truncated_normal,
    variance_scaling=variance_scaling, glorot_uniform=glorot_uniform,
    glorot_normal=glorot_normal, he_uniform=he_uniform, he_normal=he_normal,
    lecun_uniform=lecun_uniform, lecun_normal=lecun_normal, orthogonal=orthogonal,
    OrthogonalInitializer=OrthogonalInitializer,
    # Older Keras names that saved configs may still use.
    normal=RandomNormal, uniform=RandomUniform, one=Ones, zero=Zeros,
)


def _lookup(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name not in _BY_NAME:
        valid = sorted(_BY_NAME)
        close = difflib.get_close_matches(name, valid, n=3)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"Unknown initializer name.{hint} Expected one of {valid}. "
            f"Received: initializer={name!r}"
        )
    return _BY_NAME[name]


def serialize(initializer):
    """The Keras-format config dict of an initializer.

    >>> serialize(Constant(2.0))["config"]
    {'value': 2.0}
    """
    if initializer is None:
        return None
    if not callable(getattr(initializer, "get_config", None)):
        raise ValueError(
            "Only objects with a `get_config()` method can be saved. Expected a "
            f"Initializer instance. Received: initializer={initializer!r}. "
            "To save a custom function, subclass Initializer and implement `get_config()`."
        )
    return {
        "module": "keras.initializers",
        "class_name": type(initializer).__name__,
        "config": initializer.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    """An initializer from :func:`serialize`'s dict (or a Keras-saved one), or a name.

    >>> deserialize({"class_name": "RandomNormal", "config": {"stddev": 1.0}})
    RandomNormal(seed=None, mean=0.0, stddev=1.0)
    """
    if config is None:
        return None
    if isinstance(config, str):
        return _lookup(config, custom_objects)()
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Expected an initializer config: a dict with 'class_name' and 'config' "
            f"keys, as `serialize` makes. Received: config={config!r}"
        )
    cls = _lookup(config["class_name"], custom_objects)
    return cls.from_config(dict(config.get("config") or {}))


def _from_array(array):
    array = jnp.asarray(array)

    def initialize(shape, dtype=None, key=None):
        if tuple(shape) != array.shape:
            raise ValueError(
                f"This initializer holds fixed values of shape {array.shape}, so it "
                f"can only fill a weight of that shape. Received: shape={tuple(shape)}"
            )
        return array.astype(_standardize_dtype(dtype))

    return initialize


def get(identifier):
    """Resolve an initializer identifier.

    ``None`` gives None; a name (``"glorot_uniform"``, ``"GlorotUniform"``) or a
    class gives a fresh instance with default arguments; a config dict
    is deserialized; an instance or other callable is returned as is; an array
    gives an initializer that returns those values (for weights of its shape).

    >>> get("he_normal")
    HeNormal(seed=None, input_axes=None, output_axes=None)
    >>> get({"class_name": "Constant", "config": {"value": 3.0}})((2,))
    Array([3., 3.], dtype=float32)
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type):
        return identifier()
    if isinstance(identifier, (np.ndarray, np.generic, jax.Array)):
        return _from_array(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(
        "Could not interpret the initializer identifier. Expected a name such as "
        "'glorot_uniform', a config dict, an Initializer, a callable "
        f"`(shape, dtype=None)`, an array, or None. Received: {identifier!r} of type "
        f"{type(identifier).__name__}"
    )


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))
