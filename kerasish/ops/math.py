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

    Works on any rank (one result per row of the last axis); ties keep the lower index
    first.

    Args:
        x: input tensor.
        k: how many.
        sorted: the order is required.

    >>> values, indices = top_k(np.array([[1.0, 5.0, 3.0, 4.0]]), k=2)
    >>> values.tolist(), indices.tolist()
    ([[5.0, 4.0]], [[1, 3]])
    """
    return jax.lax.top_k(tensor(x), k)


@keras_op("math")
def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the ``k`` largest (ties count for
    the target; NaN never does).

    The building block of top-k accuracy: a target's rank is 1 plus the number of
    entries strictly larger than its own.

    Args:
        targets: ``(batch,)`` integer labels.
        predictions: ``(batch, classes)`` scores.
        k: how many top entries count.

    >>> scores = np.array([[0.1, 0.6, 0.3], [0.2, 0.3, 0.5]])
    >>> in_top_k(np.array([1, 0]), scores, k=2).tolist()
    [True, False]
    """
    predictions = tensor(predictions)
    at_label = jnp.take_along_axis(predictions, tensor(targets)[:, None].astype("int32"),
                                   axis=-1)
    at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
    return 1 + jnp.sum(predictions > at_label, axis=-1) <= k


@keras_op("math")
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` along ``axis``, without overflow.

    The maximum is subtracted before ``exp`` and added back, so large inputs do not
    overflow; integer input is computed in ``floatx``.

    Args:
        x: input tensor.
        axis: axis or axes (None: all).
        keepdims: keep the reduced axes with size 1.

    >>> print(f"{float(logsumexp(np.array([1000.0, 1000.0]))):.2f}")  # 1000 + log 2
    1000.69
    >>> np.round(logsumexp(np.array([[0.0, 0.0], [1.0, 1.0]]), axis=1).tolist(), 4).tolist()
    [0.6931, 1.6931]
    """
    return jax.nn.logsumexp(floating(x), axis=axis, keepdims=keepdims)


def _segment(reduce, name, empty, shown):
    def op(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        if num_segments is None:
            raise ValueError("Argument `num_segments` must be set when using the JAX "
                             "backend. Received: num_segments=None")
        return reduce(tensor(data), tensor(segment_ids), num_segments,
                      indices_are_sorted=sorted)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The {name[8:]} of ``data`` per segment (``segment_ids[i]`` names the "
                  "segment of ``data[i]``).\n\nThe result has ``num_segments`` entries along "
                  "its first axis; a segment no entry names gets the reduction's identity "
                  f"({empty}).\n\nArgs:\n    data: the values.\n"
                  "    segment_ids: one segment id per leading entry of ``data``.\n"
                  "    num_segments: the number of segments (required on JAX).\n"
                  "    sorted: ``segment_ids`` are sorted (a speed hint).\n\n"
                  ">>> data, ids = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 0, 1, 1])\n"
                  f">>> {name}(data, ids, num_segments=2).tolist()\n{shown}\n")
    op.__module__ = __name__
    _G[name] = keras_op("math")(op)


# name: (reduction, what an empty segment gets, the example's output)
for _name, (_reduce, _empty, _shown) in {
        "segment_sum": (jax.ops.segment_sum, "0", "[3.0, 7.0]"),
        "segment_max": (jax.ops.segment_max, "the dtype's lowest value, -inf for floats",
                        "[2.0, 4.0]"),
        "segment_min": (jax.ops.segment_min, "the dtype's highest value, inf for floats",
                        "[1.0, 3.0]"),
        "segment_prod": (jax.ops.segment_prod, "1", "[2.0, 12.0]")}.items():
    _segment(_reduce, _name, _empty, _shown)


@keras_op("math")
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` taken every ``sequence_stride`` along the last
    axis: ``(..., frames, sequence_length)``.

    Frames may overlap (``sequence_stride < sequence_length``); the last samples that do
    not fill a frame are dropped. ``stft`` frames a signal with it.

    Args:
        x: ``(..., length)``.
        sequence_length: frame length.
        sequence_stride: hop.

    >>> extract_sequences(np.arange(6.0), sequence_length=3, sequence_stride=2).tolist()
    [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]]
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

    Keras's FFT ops take and return complex numbers as a pair of float tensors, which
    every backend supports; ``view_as_complex`` converts.

    Args:
        x: a tuple ``(real, imag)`` of float tensors.

    >>> real, imag = fft((np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(4)))
    >>> real.tolist(), imag.tolist()
    ([10.0, -2.0, -2.0, -2.0], [0.0, 2.0, 0.0, -2.0])
    """
    return _pair(jnp.fft.fft(_complex(x, "x")))


@keras_op("math")
def fft2(x):
    """2-D FFT over the last two axes; ``x`` and the result are ``(real, imag)``.

    The transform of the last two axes of each image of a batch; the two parts must have
    one shape.

    Args:
        x: a tuple ``(real, imag)``.

    >>> real, imag = fft2((np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))))
    >>> real.tolist(), imag.tolist()
    ([[10.0, -2.0], [-4.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]])
    """
    return _pair(jnp.fft.fft2(_complex(x, "x")))


@keras_op("math")
def ifft2(x):
    """Inverse 2-D FFT over the last two axes; ``(real, imag)`` in and out.

    Normalised by the number of entries, so ``ifft2(fft2(x))`` gives ``x`` back.

    Args:
        x: a tuple ``(real, imag)``.

    >>> real, imag = ifft2((np.array([[4.0, 0.0], [0.0, 0.0]]), np.zeros((2, 2))))
    >>> real.tolist(), imag.tolist()
    ([[1.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]])
    """
    return _pair(jnp.fft.ifft2(_complex(x, "x")))


@keras_op("math")
def rfft(x, fft_length=None):
    """FFT of a real signal along the last axis: ``(real, imag)`` of the
    ``fft_length // 2 + 1`` non-negative frequencies.

    For a real signal the negative frequencies mirror the positive ones, so only these
    are returned. The signal is cut or zero-padded to ``fft_length``.

    Args:
        x: real tensor.
        fft_length: FFT size (default: the last axis's length).

    >>> real, imag = rfft(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> real.tolist(), imag.tolist()
    ([10.0, -2.0, -2.0], [0.0, 2.0, 0.0])
    """
    return _pair(jnp.fft.rfft(floating(x), n=fft_length, axis=-1))


@keras_op("math")
def irfft(x, fft_length=None):
    """Inverse of ``rfft``: the real signal from ``(real, imag)``.

    Give ``fft_length`` to recover an odd-length signal (the default length is even).

    Args:
        x: a tuple ``(real, imag)``.
        fft_length: output length (default ``2 * (n - 1)``).

    >>> irfft((np.array([10.0, -2.0, -2.0]), np.array([0.0, 2.0, 0.0]))).tolist()
    [1.0, 2.0, 3.0, 4.0]
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

    The frames are ``sequence_stride`` apart; each is windowed (``window`` of
    ``sequence_length`` samples, centred in ``fft_length``) and transformed with
    ``rfft``. Keras's audio layers compute spectrograms with it.

    Args:
        x: real signal ``(..., length)``.
        sequence_length: window length.
        sequence_stride: hop.
        fft_length: FFT size (>= ``sequence_length``).
        window: 'hann', 'hamming', a tensor, or None.
        center: pad the signal by ``fft_length // 2`` on both sides (reflect).

    >>> signal = np.sin(np.arange(64) / 3.0)
    >>> real, imag = stft(signal, sequence_length=16, sequence_stride=8, fft_length=16)
    >>> real.shape  # 64 / 8 + 1 frames with centring, 16 // 2 + 1 frequencies
    (9, 9)
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

    With the same arguments as ``stft`` it reconstructs the signal (given ``length``) up
    to float error, where the windows overlap enough to cover it.

    Args:
        x: ``(real, imag)`` of shape ``(..., frames, fft_length // 2 + 1)``.
        sequence_length: window length.
        sequence_stride: hop.
        fft_length: FFT size.
        length: trim or pad the output to this length.
        window: 'hann', 'hamming', a tensor, or None.
        center: the signal was padded by ``fft_length // 2`` (it is cut off again).

    >>> signal = np.sin(np.arange(64) / 3.0)
    >>> pair = stft(signal, 16, 8, 16)
    >>> np.allclose(istft(pair, 16, 8, 16, length=64), signal, atol=1e-5)
    True
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

    More accurate than ``log(det(x))``, whose determinant may under- or overflow for
    large matrices. The sign is dropped: ``x`` should be positive-definite (a covariance
    matrix).

    Args:
        x: ``(..., n, n)``.

    >>> print(f"{float(logdet(np.array([[2.0, 0.0], [0.0, 3.0]]))):.4f}")  # log 6
    1.7918
    """
    return jnp.linalg.slogdet(floating(x))[1]


@keras_op("math")
def cdist(x, y):
    """Euclidean distances between the rows of ``x`` and ``y`` (batched).

    The result has shape ``(..., m, n)``: entry ``[i, j]`` is ``||x[i] - y[j]||``.
    Integer input is computed in ``floatx``.

    Args:
        x: ``(..., m, d)``.
        y: ``(..., n, d)``.

    >>> cdist(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.0, 4.0], [5.0, 3.0]]
    """
    x, y = floating(x), floating(y)
    diff = x[..., :, None, :] - y[..., None, :, :]
    return jnp.sqrt(jnp.sum(jnp.square(diff), axis=-1))


@keras_op("math")
def view_as_complex(x):
    """A complex tensor from ``x`` whose last axis (size 2) holds real and imaginary.

    The inverse of ``view_as_real``; float32 pairs give ``complex64``.

    Args:
        x: ``(..., 2)`` floats.

    >>> view_as_complex(np.array([[1.0, 2.0], [3.0, -1.0]])).tolist()
    [(1+2j), (3-1j)]
    """
    x = floating(x)
    if x.shape[-1] != 2:
        raise ValueError(f"The last axis of `x` must have size 2 (real, imaginary). "
                         f"Received: x.shape={x.shape}")
    return jax.lax.complex(x[..., 0], x[..., 1])


@keras_op("math")
def view_as_real(x):
    """The real and imaginary parts of complex ``x`` stacked on a new last axis.

    The inverse of ``view_as_complex``: ``(...)`` complex becomes ``(..., 2)`` real.

    Args:
        x: complex tensor.

    >>> view_as_real(np.array([1 + 2j, 3 - 1j])).tolist()
    [[1.0, 2.0], [3.0, -1.0]]
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

    A readable alternative to chains of ``reshape`` and ``transpose`` (einops's
    ``rearrange``, ``keras.ops.rearrange``): every axis is named once on each side, and
    a group in parentheses is one axis of the product of its sizes.

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

