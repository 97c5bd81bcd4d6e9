"""``extract_patches_3d``: every ``(depth, height, width)`` patch of a volume, flattened
into the channel axis, as Keras 3's ``keras.ops.image.extract_patches_3d``.

Keras convolves with an identity kernel; here each patch offset is one strided slice,
so the values are copied, not summed: they are exact for every dtype and device (a
float32 convolution may run in TF32 on a GPU), and a NaN or inf stays in its own
feature instead of turning the patch's other features into NaN (``0 * inf``).

>>> import numpy as np
>>> extract_patches_3d(np.ones((2, 8, 8, 8, 3), "float32"), 4).shape
(2, 2, 2, 2, 192)
"""

import functools
import inspect
import itertools
import math
import numbers

import jax
import jax.numpy as jnp

from kerasish import config
from kerasish.ops._registry import REGISTRY, is_symbolic, unwrap

_PADDINGS = ("valid", "same")


def _triple(name, value, example):
    """An int or a sequence of 3 positive ints, as a 3-tuple of ints."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,) * 3
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"Invalid `{name}` argument: expected an int or a tuple of 3 ints "
            f"(depth, height, width), e.g. {name}={example}. Received: {name}={value!r} "
            f"of type {type(value).__name__}")
    if len(value) != 3:
        raise TypeError(
            f"Invalid `{name}` argument: expected an int or a tuple of 3 ints "
            f"(depth, height, width); for 2D patches use `extract_patches`. Received: "
            f"{name}={tuple(value)!r} of length {len(value)}")
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
               for v in value):
        raise ValueError(
            f"Invalid `{name}` argument: every entry must be a positive integer. "
            f"Received: {name}={tuple(value)!r}")
    return tuple(int(v) for v in value)


def _spatial(shape, data_format):
    return tuple(shape[-4:-1] if data_format == "channels_last" else shape[-3:])


def _counts(volumes, size, strides, dilation, mode, data_format):
    """The patch grid's shape; XLA's (and so Keras's) "same" gives ``ceil(n / stride)``."""
    spatial = _spatial(volumes.shape, data_format)
    if mode == "same":
        return [-(-n // s) for n, s in zip(spatial, strides)]
    spans = [(k - 1) * d + 1 for k, d in zip(size, dilation)]
    return [max((n - w) // s + 1, 0) for n, w, s in zip(spatial, spans, strides)]


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4, 5))  # one program, not 100 eager ops
def _patches(volumes, size, strides, dilation, mode, data_format):
    counts = _counts(volumes, size, strides, dilation, mode, data_format)
    single = volumes.ndim == 4
    x = volumes[None] if single else volumes
    if data_format == "channels_first":
        x = jnp.transpose(x, (0, 2, 3, 4, 1))
    if mode == "same":  # zeros, the extra one (if any) at the end, as XLA pads
        spans = [(k - 1) * d + 1 for k, d in zip(size, dilation)]
        totals = [max((c - 1) * s + w - n, 0)
                  for c, s, w, n in zip(counts, strides, spans, x.shape[1:4])]
        x = jnp.pad(x, [(0, 0), *[(t // 2, t - t // 2) for t in totals], (0, 0)])
    batch, channels = x.shape[0], x.shape[-1]
    if min(counts) == 0:  # an empty volume
        out = jnp.zeros((batch, *counts, math.prod(size) * channels), x.dtype)
    else:
        # One strided slice per offset, in Keras's (depth, row, column, channel) order.
        pieces = []
        for offset in itertools.product(*(range(k) for k in size)):
            start = [o * d for o, d in zip(offset, dilation)]
            limit = [b + (c - 1) * s + 1 for b, c, s in zip(start, counts, strides)]
            pieces.append(jax.lax.slice(x, (0, *start, 0), (batch, *limit, channels),
                                        (1, *strides, 1)))
        out = jnp.stack(pieces, axis=-2).reshape(batch, *counts, len(pieces) * channels)
    if data_format == "channels_first":
        out = jnp.transpose(out, (0, 4, 1, 2, 3))
    return out[0] if single else out


def _impl(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    data_format = config.standardize_data_format(data_format)
    size = _triple("size", size, "(3, 3, 3)")
    strides = size if strides is None else _triple("strides", strides, "(1, 1, 1)")
    dilation = _triple("dilation_rate", dilation_rate, "(1, 1, 1)")
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in _PADDINGS:
        raise ValueError(
            f"Invalid `padding` argument: expected one of {_PADDINGS}. Received: "
            f"padding={padding!r}")
    volumes = jnp.asarray(volumes)
    if volumes.ndim not in (4, 5):
        raise ValueError(
            "Invalid `volumes` rank: expected rank 4 (one volume) or rank 5 (a batch of "
            f"volumes). Received input with shape: volumes.shape={volumes.shape}")
    if volumes.size and min(_counts(volumes, size, strides, dilation, mode, data_format)) == 0:
        raise ValueError(  # Keras's error too: a convolution with an empty output
            f"extract_patches_3d found no patch: the volume's spatial shape "
            f"{_spatial(volumes.shape, data_format)} (padding={padding!r}) is smaller than "
            f"one patch (size={size}, dilation_rate={dilation}). Use a smaller `size` or "
            "`dilation_rate`, or padding='same'.")
    return _patches(volumes, size, strides, dilation, mode, data_format)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """Every ``size`` patch of the volume(s), flattened into the channel axis in
    ``(depth, row, column, channel)`` order, as Keras.

    Args:
        volumes: rank 4 ``(depth, height, width, channels)`` or rank 5 (a batch);
            channels first with ``data_format="channels_first"``.
        size: patch size, an int or ``(depth, height, width)``.
        strides: step between patches (default: ``size``, no overlap).
        dilation_rate: spacing of the sampled voxels inside a patch.
        padding: ``"valid"`` or ``"same"`` (zeros, as a convolution pads).
        data_format: ``"channels_last"``, ``"channels_first"`` or None (the global
            ``kerasish.config.image_data_format()``).

    Returns:
        Rank 4 (one volume) or rank 5 (a batch): the patch grid's three axes and
        ``prod(size) * channels`` features.

    >>> import numpy as np
    >>> volumes = np.random.default_rng(0).random((2, 10, 10, 10, 3)).astype("float32")
    >>> extract_patches_3d(volumes, (3, 3, 3)).shape
    (2, 3, 3, 3, 81)
    >>> extract_patches_3d(volumes[0], 2, strides=1, padding="same").shape
    (10, 10, 10, 24)
    """
    if is_symbolic(volumes):
        from kerasish.ops import node  # imports the layers: only on the symbolic path

        return node.symbolic_call("extract_patches_3d", _SIGNATURE,
                                  (volumes, size, strides, dilation_rate, padding,
                                   data_format), {})
    return _impl(unwrap(volumes), size, strides, dilation_rate, padding, data_format)


_SIGNATURE = inspect.signature(extract_patches_3d)
# A functional graph's node looks the op up by name (kerasish.ops.node).
extract_patches_3d._impl = _impl
REGISTRY["extract_patches_3d"] = extract_patches_3d
