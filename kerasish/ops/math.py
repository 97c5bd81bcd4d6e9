"""Keras 3's math ops (``keras.src.ops.math``) and ``rearrange``: Keras exports them
only flat, as ``keras.ops.top_k`` ..., so their public home is ``kerasish.ops``.

>>> import numpy as np
>>> from kerasish import ops
>>> values, indices = ops.top_k(np.array([1.0, 5.0, 3.0]), 2)
>>> values.tolist(), indices.tolist()
([5.0, 3.0], [1, 2])
>>> ops.segment_sum(np.array([1.0, 2.0, 3.0]), np.array([0, 0, 1]), num_segments=2).tolist()
[3.0, 3.0]
"""

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np

from kerasish.ops._dispatch import keras_op, thin
from kerasish.ops._numpy_math import floating, tensor

_G = globals()

__all__ = ["cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2",
           "in_top_k", "irfft", "istft", "logdet", "logsumexp", "rearrange", "rfft", "rsqrt",
           "segment_max", "segment_min", "segment_prod", "segment_sum", "stft", "top_k",
           "view_as_complex", "view_as_real"]

# name: (jax function, what it is, more about it, example call, its output). The examples
# round with np.round: in this namespace ``round`` is the op ``kerasish.ops.round``.
_SPECIAL = {
    "erf": (jss.erf, "the error function",
            "``erf(x) = 2 / sqrt(pi) * integral of exp(-t**2) from 0 to x``, in (-1, 1); "
            "``gelu`` and the normal distribution's CDF are built on it.",
            "np.round(erf(np.array([-1.0, 0.0, 0.5])).tolist(), 4).tolist()",
            "[-0.8427, 0.0, 0.5205]"),
    "erfc": (jss.erfc, "the complementary error function, 1 - erf",
             "Computed directly, so it stays accurate for large ``x`` where ``1 - erf(x)`` "
             "would round to 0.",
             "np.round(erfc(np.array([-1.0, 0.0, 0.5])).tolist(), 4).tolist()",
             "[1.8427, 1.0, 0.4795]"),
    "erfinv": (jss.erfinv, "the inverse error function",
               "Defined on (-1, 1) (``-inf`` and ``inf`` at -1 and 1); ``sqrt(2) * "
               "erfinv(2p - 1)`` is the standard normal quantile of ``p``.",
               "np.round(erfinv(np.array([-0.5, 0.0, 0.9])).tolist(), 4).tolist()",
               "[-0.4769, 0.0, 1.1631]"),
    "rsqrt": (jax.lax.rsqrt, "1 / sqrt(x)",
              "The reciprocal square root in one op, as normalisation layers use it; "
              "``inf`` at 0 and NaN below.",
              "rsqrt(np.array([1.0, 4.0, 16.0])).tolist()",
              "[1.0, 0.5, 0.25]"),
}
for _name, (_fn, _what, _about, _call, _shown) in _SPECIAL.items():
    thin(_G, "math", _name, "(x)", lambda x, _fn=_fn: _fn(floating(x)),
         f"{_what[0].upper()}{_what[1:]}, element-wise.\n\n{_about} Integer input is "
         "computed in ``floatx`` (float32).\n\nArgs:\n    x: input tensor.\n\n"
         f">>> {_call}\n{_shown}\n")


@keras_op("math")
def top_k(x, k, sorted=True):  # noqa: A002 - Keras's name
    """``(values, indices)`` of the ``k`` largest entries along the last axis, largest
    first (``sorted=False`` allows any order; this returns them sorted, as Keras's JAX
    backend does).

    Args:
        x: input tensor.
        k: how many.
        sorted: the order is required.
    """
    return jax.lax.top_k(tensor(x), k)


@keras_op("math")
def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the ``k`` largest (ties count for
    the target; NaN never does).

    Args:
        targets: ``(batch,)`` integer labels.
        predictions: ``(batch, classes)`` scores.
        k: how many top entries count.
    """
    predictions = tensor(predictions)
    at_label = jnp.take_along_axis(predictions, tensor(targets)[:, None].astype("int32"),
                                   axis=-1)
    at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
    return 1 + jnp.sum(predictions > at_label, axis=-1) <= k


@keras_op("math")
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` along ``axis``, without overflow.

    Args:
        x: input tensor.
        axis: axis or axes (None: all).
        keepdims: keep the reduced axes with size 1.
    """
    return jax.nn.logsumexp(floating(x), axis=axis, keepdims=keepdims)


def _segment(reduce, name):
    def op(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        if num_segments is None:
            raise ValueError("Argument `num_segments` must be set when using the JAX "
                             "backend. Received: num_segments=None")
        return reduce(tensor(data), tensor(segment_ids), num_segments,
                      indices_are_sorted=sorted)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The {name[8:]} of ``data`` per segment (``segment_ids[i]`` names the "
                  "segment of ``data[i]``).\n\nArgs:\n    data: the values.\n"
                  "    segment_ids: one segment id per leading entry of ``data``.\n"
                  "    num_segments: the number of segments (required on JAX).\n"
                  "    sorted: ``segment_ids`` are sorted (a speed hint).\n")
    op.__module__ = __name__
    _G[name] = keras_op("math")(op)


for _name, _reduce in (("segment_sum", jax.ops.segment_sum),
                       ("segment_max", jax.ops.segment_max),
                       ("segment_min", jax.ops.segment_min),
                       ("segment_prod", jax.ops.segment_prod)):
    _segment(_reduce, _name)


@keras_op("math")
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` taken every ``sequence_stride`` along the last
    axis: ``(..., frames, sequence_length)``.

    Args:
        x: ``(..., length)``.
        sequence_length: frame length.
        sequence_stride: hop.
    """
    x = tensor(x)
    *batch, length = x.shape
    frames = 1 + (length - sequence_length) // sequence_stride
    index = (np.arange(frames)[:, None] * sequence_stride + np.arange(sequence_length))
    return x[..., index].reshape(*batch, frames, sequence_length)


def _complex(pair, name):
    real, imag = (floating(v) for v in pair)
    if real.shape != imag.shape:
        raise ValueError(f"The real and imaginary parts of `{name}` must have the same shape. "
                         f"Received: {real.shape} and {imag.shape}")
    return jax.lax.complex(real, imag)


def _pair(z):
    return jnp.real(z), jnp.imag(z)


@keras_op("math")
def fft(x):
    """FFT along the last axis of the complex tensor given as ``(real, imag)``.

    Args:
        x: a tuple ``(real, imag)`` of float tensors.
    """
    return _pair(jnp.fft.fft(_complex(x, "x")))


@keras_op("math")
def fft2(x):
    """2-D FFT over the last two axes; ``x`` and the result are ``(real, imag)``.

    Args:
        x: a tuple ``(real, imag)``.
    """
    return _pair(jnp.fft.fft2(_complex(x, "x")))


@keras_op("math")
def ifft2(x):
    """Inverse 2-D FFT over the last two axes; ``(real, imag)`` in and out.

    Args:
        x: a tuple ``(real, imag)``.
    """
    return _pair(jnp.fft.ifft2(_complex(x, "x")))


@keras_op("math")
def rfft(x, fft_length=None):
    """FFT of a real signal along the last axis: ``(real, imag)`` of the
    ``fft_length // 2 + 1`` non-negative frequencies.

    Args:
        x: real tensor.
        fft_length: FFT size (default: the last axis's length).
    """
    return _pair(jnp.fft.rfft(floating(x), n=fft_length, axis=-1))


@keras_op("math")
def irfft(x, fft_length=None):
    """Inverse of ``rfft``: the real signal from ``(real, imag)``.

    Args:
        x: a tuple ``(real, imag)``.
        fft_length: output length (default ``2 * (n - 1)``).
    """
    return jnp.fft.irfft(_complex(x, "x"), n=fft_length, axis=-1)


def _window(window, length, dtype):
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError("If a string is passed to `window`, it must be one of "
                             f"'hann', 'hamming'. Received: window={window}")
        n = np.arange(length)
        coef = 0.5 if window == "hann" else 0.54
        return jnp.asarray(coef - (1 - coef) * np.cos(2 * np.pi * n / length), dtype)
    return tensor(window).astype(dtype)


@keras_op("math")
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis: ``(real, imag)`` of shape
    ``(..., frames, fft_length // 2 + 1)``.

    Args:
        x: real signal ``(..., length)``.
        sequence_length: window length.
        sequence_stride: hop.
        fft_length: FFT size (>= ``sequence_length``).
        window: 'hann', 'hamming', a tensor, or None.
        center: pad the signal by ``fft_length // 2`` on both sides (reflect).
    """
    x = floating(x)
    if center:
        pad = [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)]
        x = jnp.pad(x, pad, mode="reflect")
    left = (fft_length - sequence_length) // 2
    frames = extract_sequences(x, fft_length, sequence_stride)
    win = _window(window, sequence_length, x.dtype)
    if win is not None:
        win = jnp.pad(win, (left, fft_length - sequence_length - left))
        frames = frames * win
    elif sequence_length < fft_length:
        mask = np.zeros(fft_length)
        mask[left:left + sequence_length] = 1
        frames = frames * jnp.asarray(mask, x.dtype)
    return _pair(jnp.fft.rfft(frames, n=fft_length, axis=-1))


@keras_op("math")
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """Inverse of ``stft`` by weighted overlap-add.

    Args:
        x: ``(real, imag)`` of shape ``(..., frames, fft_length // 2 + 1)``.
        sequence_length: window length.
        sequence_stride: hop.
        fft_length: FFT size.
        length: trim or pad the output to this length.
        window: 'hann', 'hamming', a tensor, or None.
        center: the signal was padded by ``fft_length // 2`` (it is cut off again).
    """
    frames = jnp.fft.irfft(_complex(x, "x"), n=fft_length, axis=-1)
    dtype = frames.dtype
    left = (fft_length - sequence_length) // 2
    frames = frames[..., left:left + sequence_length]
    win = _window(window, sequence_length, dtype)
    count = frames.shape[-2]
    total = (count - 1) * sequence_stride + sequence_length
    starts = np.arange(count) * sequence_stride
    index = (starts[:, None] + np.arange(sequence_length)).reshape(-1)
    weighted = frames if win is None else frames * win
    out = jnp.zeros(frames.shape[:-2] + (total,), dtype).at[..., index].add(
        weighted.reshape(*frames.shape[:-2], -1))
    norm = np.zeros(total)
    np.add.at(norm, index, np.tile(np.ones(sequence_length) if win is None else
                                   np.asarray(win) ** 2, count))
    out = out / jnp.asarray(np.where(norm > 1e-10, norm, 1.0), dtype)
    start = fft_length // 2 if center else 0
    out = out[..., start:]
    if length is not None:
        out = out[..., :length] if out.shape[-1] >= length else jnp.pad(
            out, [(0, 0)] * (out.ndim - 1) + [(0, length - out.shape[-1])])
    elif center:
        out = out[..., :out.shape[-1] - fft_length // 2]
    return out


@keras_op("math")
def logdet(x):
    """``log(det(x))`` of positive-definite matrices (via ``slogdet``).

    Args:
        x: ``(..., n, n)``.
    """
    return jnp.linalg.slogdet(floating(x))[1]


@keras_op("math")
def cdist(x, y):
    """Euclidean distances between the rows of ``x`` and ``y`` (batched).

    Args:
        x: ``(..., m, d)``.
        y: ``(..., n, d)``.
    """
    x, y = floating(x), floating(y)
    diff = x[..., :, None, :] - y[..., None, :, :]
    return jnp.sqrt(jnp.sum(jnp.square(diff), axis=-1))


@keras_op("math")
def view_as_complex(x):
    """A complex tensor from ``x`` whose last axis (size 2) holds real and imaginary.

    Args:
        x: ``(..., 2)`` floats.
    """
    x = floating(x)
    if x.shape[-1] != 2:
        raise ValueError(f"The last axis of `x` must have size 2 (real, imaginary). "
                         f"Received: x.shape={x.shape}")
    return jax.lax.complex(x[..., 0], x[..., 1])


@keras_op("math")
def view_as_real(x):
    """The real and imaginary parts of complex ``x`` stacked on a new last axis.

    Args:
        x: complex tensor.
    """
    x = tensor(x)
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)


def _groups(side):
    """'b (h w) c' -> [['b'], ['h', 'w'], ['c']]."""
    groups, current = [], None
    for token in side.replace("(", " ( ").replace(")", " ) ").split():
        if token == "(":
            if current is not None:
                raise ValueError(f"Nested parentheses in rearrange pattern: {side!r}")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError(f"Unbalanced parentheses in rearrange pattern: {side!r}")
            groups.append(current)
            current = None
        elif current is not None:
            current.append(token)
        else:
            groups.append([token])
    if current is not None:
        raise ValueError(f"Unbalanced parentheses in rearrange pattern: {side!r}")
    for name in (n for g in groups for n in g):
        if not name.isidentifier():
            raise ValueError(f"rearrange supports named axes and parentheses only; "
                             f"received the axis {name!r} in pattern {side!r}")
    return groups


@keras_op("einops")
def rearrange(tensor, pattern, **axes_lengths):
    """Reorder, split and merge axes with an einops pattern,
    ``"b (h w) c -> b h w c"`` (split sizes given as ``axes_lengths``).

    Args:
        tensor: input tensor.
        pattern: ``"<input axes> -> <output axes>"``; parentheses group axes.
        **axes_lengths: sizes of the axes a split cannot infer (``h=2``).

    >>> rearrange(np.zeros((2, 6, 3)), "b (h w) c -> b c h w", h=2).shape
    (2, 3, 2, 3)
    """
    x = jnp.asarray(tensor)
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"`pattern` must read '<input axes> -> <output axes>'. "
                         f"Received: pattern={pattern!r}")
    left, right = (_groups(side) for side in pattern.split("->"))
    if len(left) != x.ndim:
        raise ValueError(f"The pattern's input side has {len(left)} axes, the tensor "
                         f"{x.ndim} (shape {x.shape}). Received: pattern={pattern!r}")
    names_in = [n for g in left for n in g]
    names_out = [n for g in right for n in g]
    unknown = sorted(set(axes_lengths) - set(names_in))
    if unknown:
        raise ValueError(f"Axis lengths given for axes the pattern does not name: {unknown}. "
                         f"Received: pattern={pattern!r}, axes_lengths={axes_lengths}")
    if sorted(names_in) != sorted(names_out) or len(set(names_in)) != len(names_in):
        raise ValueError(f"Both sides of `pattern` must name the same axes, once each. "
                         f"Received: pattern={pattern!r}")
    sizes = {}
    for group, size in zip(left, x.shape):
        known = [int(axes_lengths[n]) for n in group if n in axes_lengths]
        unknown = [n for n in group if n not in axes_lengths]
        product = int(np.prod(known)) if known else 1
        if len(unknown) > 1:
            raise ValueError(f"Cannot infer the sizes of {unknown} in pattern {pattern!r}: "
                             "give all but one as keyword arguments.")
        if size % product or (not unknown and product != size):
            raise ValueError(f"Axis sizes {group} of pattern {pattern!r} do not divide "
                             f"the tensor's axis of size {size}.")
        for n in group:
            sizes[n] = int(axes_lengths[n]) if n in axes_lengths else size // product
    x = x.reshape([sizes[n] for n in names_in])
    x = jnp.transpose(x, [names_in.index(n) for n in names_out])
    return x.reshape([int(np.prod([sizes[n] for n in g])) for g in right])

