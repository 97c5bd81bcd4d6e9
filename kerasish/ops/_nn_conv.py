"""Convolutions, pooling, patches, CTC and attention of ``kerasish.ops.nn``.

Layouts are Keras's: inputs ``channels_last`` unless ``data_format="channels_first"``;
kernels ``(*spatial, in_channels, out_channels)`` (``conv_transpose``:
``(*spatial, out, in)``; ``depthwise_conv``: ``(*spatial, in, multiplier)``).

>>> import numpy as np
>>> from kerasish.ops import nn
>>> x = np.ones((1, 5, 5, 2), "float32")
>>> nn.conv(x, np.ones((3, 3, 2, 4), "float32"), padding="same").shape
(1, 5, 5, 4)
>>> nn.max_pool(x, 2).shape
(1, 2, 2, 2)
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax

from kerasish.ops._dispatch import keras_op
from kerasish.ops._numpy_math import floating, tensor

__all__ = ["adaptive_average_pool", "adaptive_max_pool", "average_pool", "conv",
           "conv_transpose", "ctc_decode", "ctc_loss", "depth_to_space", "depthwise_conv",
           "dot_product_attention", "fold", "max_pool", "separable_conv", "space_to_depth",
           "unfold"]


def _format(data_format):
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("`data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format}")
    return data_format


def _padding(padding):
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding}")
    return padding.upper()


def _tuple(value, n, name):
    value = (value,) * n if isinstance(value, int) else tuple(value)
    if len(value) != n:
        raise ValueError(f"`{name}` must have {n} entries, one per spatial axis. "
                         f"Received: {name}={value}")
    return value


def _numbers(n, data_format):
    spatial = "DHW"[3 - n:] if n <= 3 else None
    if spatial is None:
        raise ValueError(f"Convolutions take 1 to 3 spatial axes; received {n}.")
    lhs = "N" + spatial + "C" if data_format == "channels_last" else "NC" + spatial
    return (lhs, spatial + "IO", lhs)


def _check_channels(inputs, kernel, data_format, at=-2):
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    if channels % kernel.shape[at]:
        raise ValueError(
            "The number of input channels must be evenly divisible by kernel.shape[-2]. "
            f"Received: inputs.shape={inputs.shape}, kernel.shape={kernel.shape}")
    return channels


@keras_op("nn")
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (cross-correlation, as Keras's layers); grouped when the kernel
    has fewer input channels than ``inputs``.

    The rank (1-D, 2-D or 3-D) follows from ``inputs``. ``'valid'`` keeps only full
    windows; ``'same'`` pads with zeros so that the output has ``ceil(size / stride)``
    positions. Integer input is computed in ``floatx``.

    Args:
        inputs: ``(batch, *spatial, channels)`` (channels first with
            ``data_format="channels_first"``).
        kernel: ``(*spatial, in_channels / groups, out_channels)``.
        strides: an int or one per spatial axis.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: an int or one per spatial axis.

    >>> conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 8))).shape
    (1, 3, 3, 8)
    >>> conv(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), padding="same")[0, :, :, 0].tolist()
    [[4.0, 6.0, 6.0, 4.0], [6.0, 9.0, 9.0, 6.0], [6.0, 9.0, 9.0, 6.0], [4.0, 6.0, 6.0, 4.0]]
    """
    inputs, kernel = floating(inputs), floating(kernel)
    fmt, n = _format(data_format), inputs.ndim - 2
    groups = _check_channels(inputs, kernel, fmt) // kernel.shape[-2]
    return jax.lax.conv_general_dilated(
        inputs, kernel, _tuple(strides, n, "strides"), _padding(padding),
        rhs_dilation=_tuple(dilation_rate, n, "dilation_rate"),
        dimension_numbers=_numbers(n, fmt), feature_group_count=groups)


@keras_op("nn")
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution: each input channel convolved with its own
    ``multiplier`` filters.

    The output has ``channels * multiplier`` channels, in the order channel-major
    (channel ``c``'s filters are outputs ``c * multiplier`` onward), as Keras's
    ``DepthwiseConv2D``.

    Args:
        inputs: ``(batch, *spatial, channels)``.
        kernel: ``(*spatial, channels, multiplier)``.
        strides, padding, data_format, dilation_rate: as in ``conv``.

    >>> depthwise_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2))).shape
    (1, 3, 3, 6)
    """
    inputs, kernel = floating(inputs), floating(kernel)
    fmt, n = _format(data_format), inputs.ndim - 2
    channels = inputs.shape[-1] if fmt == "channels_last" else inputs.shape[1]
    kernel = jnp.reshape(kernel, kernel.shape[:-2] + (1, channels * kernel.shape[-1]))
    return jax.lax.conv_general_dilated(
        inputs, kernel, _tuple(strides, n, "strides"), _padding(padding),
        rhs_dilation=_tuple(dilation_rate, n, "dilation_rate"),
        dimension_numbers=_numbers(n, fmt), feature_group_count=channels)


@keras_op("nn")
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution.

    Far fewer weights than one ``conv`` with the same receptive field (Xception,
    MobileNet); Keras's ``SeparableConv2D`` computes this.

    Args:
        inputs: ``(batch, *spatial, channels)``.
        depthwise_kernel: ``(*spatial, channels, multiplier)``.
        pointwise_kernel: ``(*ones, channels * multiplier, out_channels)``.
        strides, padding, data_format, dilation_rate: of the depthwise step.

    >>> separable_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2)),
    ...                np.ones((1, 1, 6, 8))).shape
    (1, 3, 3, 8)
    """
    out = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                         dilation_rate)
    return conv(out, pointwise_kernel, 1, "valid", data_format, 1)


def _transpose_pads(kernel, stride, dilation, padding, output_padding):
    """(left, right) padding of jax's conv_transpose for Keras's padding rule."""
    size = (kernel - 1) * dilation + 1
    if padding == "VALID":
        extra = max(size, stride) - size if output_padding is None else output_padding
        return size - 1, size - 1 + extra
    total = stride + size - 2 if output_padding is None else \
        size + size % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, size - 1)
    return left, total - left


@keras_op("nn")
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the gradient of ``conv``), Keras's output sizes.

    Upsamples: with ``padding='same'`` each spatial size is multiplied by the stride,
    with ``'valid'`` it becomes ``(size - 1) * stride + max(kernel, stride)``, as
    Keras's ``Conv2DTranspose``.

    Args:
        inputs: ``(batch, *spatial, channels)``.
        kernel: ``(*spatial, out_channels, in_channels)``.
        strides: an int or one per spatial axis.
        padding: 'valid' or 'same'.
        output_padding: extra size on the right of each spatial axis (None: Keras's
            default).
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: an int or one per spatial axis.

    >>> x, k = np.ones((1, 4, 4, 3)), np.ones((3, 3, 8, 3))
    >>> conv_transpose(x, k, strides=2, padding="same").shape
    (1, 8, 8, 8)
    >>> conv_transpose(x, k, strides=2).shape
    (1, 9, 9, 8)
    """
    inputs, kernel = floating(inputs), floating(kernel)
    fmt, n = _format(data_format), inputs.ndim - 2
    _check_channels(inputs, kernel, fmt, at=-1)
    strides = _tuple(strides, n, "strides")
    dilation = _tuple(dilation_rate, n, "dilation_rate")
    outpad = (None,) * n if output_padding is None else _tuple(output_padding, n,
                                                               "output_padding")
    pad = _padding(padding)
    pads = [_transpose_pads(kernel.shape[i], strides[i], dilation[i], pad, outpad[i])
            for i in range(n)]
    return jax.lax.conv_transpose(inputs, kernel, strides, pads, rhs_dilation=dilation,
                                  dimension_numbers=_numbers(n, fmt), transpose_kernel=True)


def _window(inputs, pool_size, strides, data_format):
    fmt, n = _format(data_format), inputs.ndim - 2
    pool = _tuple(pool_size, n, "pool_size")
    strides = pool if strides is None else _tuple(strides, n, "strides")
    if fmt == "channels_last":
        return (1,) + pool + (1,), (1,) + strides + (1,)
    return (1, 1) + pool, (1, 1) + strides


@keras_op("nn")
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over windows of ``pool_size``.

    The rank follows from ``inputs``; integer input keeps its dtype. With ``'same'``
    padding the padded entries never win.

    Args:
        inputs: ``(batch, *spatial, channels)``.
        pool_size: an int or one per spatial axis.
        strides: default ``pool_size``.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> max_pool(x, 2, strides=2)[..., 0].tolist()
    [[[5.0, 7.0], [13.0, 15.0]]]
    """
    inputs = tensor(inputs)
    window, strides = _window(inputs, pool_size, strides, data_format)
    init = -jnp.inf if jnp.issubdtype(inputs.dtype, jnp.floating) else \
        jnp.iinfo(inputs.dtype).min
    return jax.lax.reduce_window(inputs, jnp.asarray(init, inputs.dtype), jax.lax.max,
                                 window, strides, _padding(padding))


@keras_op("nn")
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling; with 'same' padding the padded entries are not counted.

    The rank follows from ``inputs``. Integer input is computed in ``floatx``.

    Args:
        inputs: ``(batch, *spatial, channels)``.
        pool_size: an int or one per spatial axis.
        strides: default ``pool_size``.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> average_pool(np.arange(16.0).reshape(1, 4, 4, 1), 2, strides=2)[..., 0].tolist()
    [[[2.5, 4.5], [10.5, 12.5]]]
    >>> x = np.array([[[1.0], [2.0], [3.0]]])  # (batch, steps, channels)
    >>> average_pool(x, 2, strides=2, padding="same").tolist()
    [[[1.5], [3.0]]]
    """
    inputs = floating(inputs)
    window, strides = _window(inputs, pool_size, strides, data_format)
    pad = _padding(padding)
    zero = jnp.asarray(0, inputs.dtype)
    total = jax.lax.reduce_window(inputs, zero, jax.lax.add, window, strides, pad)
    if pad == "VALID":
        return total / math.prod(window)
    counts = jax.lax.reduce_window(jnp.ones(inputs.shape, inputs.dtype), zero, jax.lax.add,
                                   window, strides, pad)
    return total / counts


def _adaptive(inputs, output_size, data_format, reduce):
    inputs = tensor(inputs)
    fmt, n = _format(data_format), inputs.ndim - 2
    sizes = _tuple(output_size, n, "output_size")
    x = inputs if fmt == "channels_first" else jnp.moveaxis(inputs, -1, 1)
    for i, out in enumerate(sizes):
        axis, length = 2 + i, x.shape[2 + i]
        pieces = [reduce(jax.lax.slice_in_dim(x, (j * length) // out,
                                              -((-(j + 1) * length) // out), axis=axis),
                         axis=axis, keepdims=True) for j in range(out)]
        x = jnp.concatenate(pieces, axis=axis)
    return x if fmt == "channels_first" else jnp.moveaxis(x, 1, -1)


@keras_op("nn")
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed ``output_size``: window ``j`` of ``n`` covers
    ``[floor(j L / n), ceil((j + 1) L / n))``.

    The windows may overlap or differ in size by one when ``output_size`` does not
    divide the input size (torch's ``AdaptiveAvgPool``); the rank follows from
    ``inputs``.

    Args:
        inputs: ``(batch, *spatial, channels)``.
        output_size: an int or one per spatial axis.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> x = np.array([0.0, 1.0, 2.0, 3.0, 4.0]).reshape(1, 5, 1)
    >>> adaptive_average_pool(x, 2)[..., 0].tolist()  # [0:3], [2:5]
    [[1.0, 3.0]]
    """
    return _adaptive(floating(inputs), output_size, data_format, jnp.mean)


@keras_op("nn")
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed ``output_size`` (windows as ``adaptive_average_pool``).

    Integer input keeps its dtype; the rank follows from ``inputs``.

    Args:
        inputs: ``(batch, *spatial, channels)``.
        output_size: an int or one per spatial axis.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> x = np.array([0.0, 1.0, 2.0, 3.0, 4.0]).reshape(1, 5, 1)
    >>> adaptive_max_pool(x, 2)[..., 0].tolist()  # [0:3], [2:5]
    [[2.0, 4.0]]
    """
    return _adaptive(inputs, output_size, data_format, jnp.max)


@keras_op("nn")
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into ``block_size x block_size`` spatial blocks (4-D).

    The inverse of ``space_to_depth`` (pixel shuffle, as ``tf.nn.depth_to_space``):
    ``(n, h, w, c)`` becomes ``(n, h * b, w * b, c / b**2)``; ``channels`` must be
    divisible by ``block_size**2``.

    Args:
        x: ``(batch, height, width, channels)``.
        block_size: the block side.
        data_format: 'channels_last' or 'channels_first'.

    >>> depth_to_space(np.arange(4.0).reshape(1, 1, 1, 4), 2)[..., 0].tolist()
    [[[0.0, 1.0], [2.0, 3.0]]]
    """
    x, b = tensor(x), block_size
    if _format(data_format) == "channels_last":
        n, h, w, c = x.shape
        x = jnp.reshape(x, (n, h, w, b, b, c // b ** 2)).transpose(0, 1, 3, 2, 4, 5)
        return jnp.reshape(x, (n, h * b, w * b, c // b ** 2))
    n, c, h, w = x.shape
    x = jnp.reshape(x, (n, c // b ** 2, b, b, h, w)).transpose(0, 1, 4, 2, 5, 3)
    return jnp.reshape(x, (n, c // b ** 2, h * b, w * b))


@keras_op("nn")
def space_to_depth(x, block_size, data_format="channels_last"):
    """Move ``block_size x block_size`` spatial blocks into channels (4-D).

    ``(n, h, w, c)`` becomes ``(n, h / b, w / b, c * b**2)``, as
    ``tf.nn.space_to_depth``; ``height`` and ``width`` must be divisible by
    ``block_size``.

    Args:
        x: ``(batch, height, width, channels)``.
        block_size: the block side.
        data_format: 'channels_last' or 'channels_first'.

    >>> space_to_depth(np.arange(4.0).reshape(1, 2, 2, 1), 2).tolist()
    [[[[0.0, 1.0, 2.0, 3.0]]]]
    """
    x, b = tensor(x), block_size
    if _format(data_format) == "channels_last":
        n, h, w, c = x.shape
        x = jnp.reshape(x, (n, h // b, b, w // b, b, c)).transpose(0, 1, 3, 2, 4, 5)
        return jnp.reshape(x, (n, h // b, w // b, c * b * b))
    n, c, h, w = x.shape
    x = jnp.reshape(x, (n, c, h // b, b, w // b, b)).transpose(0, 1, 3, 5, 2, 4)
    return jnp.reshape(x, (n, c * b * b, h // b, w // b))


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


@keras_op("nn")
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding patches of a ``(N, C, H, W)`` image as columns ``(N, C*kh*kw, L)``
    (torch's ``unfold``).

    ``L`` is the number of patch positions; each column holds one patch, channel by
    channel, row-major inside the patch. The input is channels-first whatever the image
    data format.

    Args:
        x: ``(batch, channels, height, width)``.
        kernel_size: patch size.
        dilation: spacing inside a patch.
        padding: zero padding on each side.
        stride: step between patches.

    >>> unfold(np.arange(9.0).reshape(1, 1, 3, 3), 2).tolist()
    [[[0.0, 1.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0], [3.0, 4.0, 6.0, 7.0], [4.0, 5.0, 7.0, 8.0]]]
    """
    x = tensor(x)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (kernel_size, dilation, padding,
                                                         stride))
    n, c = x.shape[:2]
    patches = jax.lax.conv_general_dilated_patches(
        x, (kh, kw), (sh, sw), ((ph, ph), (pw, pw)), rhs_dilation=(dh, dw),
        dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return jnp.reshape(patches, (n, c * kh * kw, -1))


@keras_op("nn")
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns ``(N, C*kh*kw, L)`` of patches back into an image of
    ``output_size`` (torch's ``fold``, the adjoint of ``unfold``).

    Where patches overlap their entries are summed, so ``fold(unfold(x))`` counts each
    pixel once per patch that covers it.

    Args:
        x: ``(batch, channels * kh * kw, patches)``.
        output_size: ``(height, width)``.
        kernel_size: patch size.
        dilation: spacing inside a patch.
        padding: zero padding on each side.
        stride: step between patches.

    >>> cols = unfold(np.ones((1, 1, 3, 3)), 2)
    >>> fold(cols, (3, 3), 2)[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    x = tensor(x)
    (oh, ow), (kh, kw) = _pair(output_size), _pair(kernel_size)
    (dh, dw), (ph, pw), (sh, sw) = map(_pair, (dilation, padding, stride))
    n, c = x.shape[0], x.shape[1] // (kh * kw)
    probe = jnp.zeros((n, c, oh, ow), x.dtype)
    _, pull = jax.vjp(lambda img: unfold(img, (kh, kw), (dh, dw), (ph, pw), (sh, sw)), probe)
    return pull(x)[0]


@keras_op("nn")
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Connectionist temporal classification loss per sample.

    The negative log-likelihood of ``target`` summed over every alignment (blanks and
    repeats) of it to the first ``output_length`` steps (``optax.ctc_loss``); ``output``
    holds logits, normalised here.

    Args:
        target: ``(batch, max_label_length)`` integer labels.
        output: ``(batch, max_time, num_classes)`` logits.
        target_length: ``(batch,)`` label lengths.
        output_length: ``(batch,)`` output lengths.
        mask_index: the blank class.

    >>> loss = ctc_loss(np.array([[1, 2]]), np.zeros((1, 4, 3)), np.array([2]),
    ...                 np.array([4]))
    >>> round(float(loss[0]), 4)  # -log(15 / 3**4): 15 alignments
    1.6864
    """
    target, output = tensor(target).astype("int32"), floating(output)
    time, labels = output.shape[1], target.shape[1]
    logit_pad = (jnp.arange(time)[None, :] >= tensor(output_length)[:, None]).astype(
        output.dtype)
    label_pad = (jnp.arange(labels)[None, :] >= tensor(target_length)[:, None]).astype(
        output.dtype)
    return optax.ctc_loss(output, logit_pad, target, label_pad, blank_id=mask_index)


@keras_op("nn")
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC outputs greedily: the best class per step, repeats merged, blanks
    dropped.

    Returns ``(decoded, scores)``: ``decoded`` of shape ``(top_paths, batch,
    max_time)`` padded with -1, ``scores`` of shape ``(batch, top_paths)`` (minus the
    sum over valid steps of the best entry of ``inputs``, as Keras).

    Args:
        inputs: ``(batch, max_time, num_classes)`` logits or probabilities.
        sequence_lengths: ``(batch,)`` lengths.
        strategy: 'greedy'; kerasish has no beam search ('beam_search' is refused).
        beam_width: of beam search (refused above).
        top_paths: paths returned; greedy gives 1.
        merge_repeated: merge repeated classes.
        mask_index: the blank class.

    >>> probs = np.array([[[.1, .8, .1], [.1, .8, .1], [.8, .1, .1], [.1, .1, .8]]])
    >>> decoded, scores = ctc_decode(probs, np.array([4]))
    >>> decoded.tolist()  # 1, 1 merged; the blank (0) dropped
    [[[1, 2, -1, -1]]]
    """
    if strategy != "greedy":
        raise ValueError("kerasish implements strategy='greedy' only (no beam search). "
                         f"Received: strategy={strategy!r}")
    if top_paths != 1:
        raise ValueError(f"Greedy decoding gives one path: `top_paths` must be 1. "
                         f"Received: top_paths={top_paths}")
    del beam_width  # a beam-search argument; greedy decoding (the only one here) has none
    inputs = floating(inputs)
    time = inputs.shape[1]
    lengths = tensor(sequence_lengths)
    best = jnp.argmax(inputs, axis=-1).astype("int32")
    scores = jnp.max(inputs, axis=-1)
    valid = jnp.arange(time)[None, :] < lengths[:, None]
    scores = -jnp.sum(jnp.where(valid, scores, 0.0), axis=1, keepdims=True)
    keep = valid & (best != mask_index)
    if merge_repeated:
        previous = jnp.pad(best, ((0, 0), (1, 0)), constant_values=-1)[:, :-1]
        keep = keep & (best != previous)
    order = jnp.argsort(~keep, axis=1, stable=True)
    decoded = jnp.where(jnp.take_along_axis(keep, order, axis=1),
                        jnp.take_along_axis(best, order, axis=1), -1)
    return decoded[None], scores


@keras_op("nn")
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on ``(batch, length, heads, head_dim)`` tensors
    (key/value heads may divide query heads: grouped-query attention).

    Computes ``softmax(q k^T * scale + bias) v`` per head, the logits in float32; masked
    logits get the dtype's minimum.

    Args:
        query, key, value: the inputs.
        bias: added to the logits (broadcast to ``(batch, heads, T, S)``).
        mask: boolean, False where attention is not allowed.
        scale: logit scale (default ``1 / sqrt(head_dim)``).
        is_causal: a query attends to keys at or before its position.
        flash_attention: the fused kernel; kerasish computes the plain XLA form
            (True is refused).
        attn_logits_soft_cap: ``cap * tanh(logits / cap)`` before the softmax.

    >>> q = np.ones((1, 3, 2, 4))  # (batch, length, heads, head_dim)
    >>> dot_product_attention(q, q, q).shape
    (1, 3, 2, 4)
    >>> v = np.array([0.0, 1.0, 2.0]).reshape(1, 3, 1, 1)
    >>> z = np.zeros((1, 3, 1, 1))
    >>> dot_product_attention(z, z, v, is_causal=True)[0, :, 0, 0].tolist()
    [0.0, 0.5, 1.0]
    """
    if flash_attention:
        raise ValueError("kerasish computes attention with XLA; `flash_attention=True` "
                         "is not supported. Received: flash_attention=True")
    q, k, v = floating(query), floating(key), floating(value)
    if q.ndim != 4:
        raise ValueError("`dot_product_attention` takes rank-4 tensors (batch, length, "
                         f"heads, head_dim). Received: query.shape={q.shape}")
    heads, kv_heads = q.shape[2], k.shape[2]
    if heads % kv_heads:
        raise ValueError(f"The query heads ({heads}) must be a multiple of the key heads "
                         f"({kv_heads}).")
    k = jnp.repeat(k, heads // kv_heads, axis=2)
    v = jnp.repeat(v, heads // kv_heads, axis=2)
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    logits = jnp.einsum("btnh,bsnh->bnts", q, k).astype("float32") * scale
    if attn_logits_soft_cap is not None:
        logits = attn_logits_soft_cap * jnp.tanh(logits / attn_logits_soft_cap)
    if bias is not None:
        logits = logits + tensor(bias).astype(logits.dtype)
    allowed = None if mask is None else tensor(mask).astype(bool)
    if is_causal:
        t, s = logits.shape[-2:]
        causal = jnp.tril(jnp.ones((t, s), bool))
        allowed = causal if allowed is None else allowed & causal
    if allowed is not None:
        logits = jnp.where(allowed, logits, jnp.finfo(logits.dtype).min)
    weights = jax.nn.softmax(logits, axis=-1).astype(v.dtype)
    return jnp.einsum("bnts,bsnh->btnh", weights, v)

