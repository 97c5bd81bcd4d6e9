"""``kerasish.ops.image``: Keras 3's image ops (resizing, affine and perspective warps,
crops and pads, colour-space conversions, blurs, patches), on ``jax.image`` and
``jax.scipy.ndimage``.

Images are rank 3 (one image) or rank 4 (a batch), ``channels_last`` unless
``data_format="channels_first"``; numbers match Keras 3 on its JAX backend.

>>> import numpy as np
>>> from kerasish.ops import image
>>> x = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
>>> image.resize(x, (4, 6)).shape
(2, 4, 6, 3)
>>> image.rgb_to_grayscale(x).shape
(2, 8, 8, 1)
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import random as _random
from kerasish.variables import Variable

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
WARP_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
SCALE_AND_TRANSLATE_METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic",
                               "tricubic", "lanczos3", "lanczos5")


def _tensor(x, dtype=None):
    if isinstance(x, Variable):
        x = x.value
    return jnp.asarray(x, dtype=dtype)


def data_format_of(data_format):
    """``None`` -> ``"channels_last"`` (Keras's ``image_data_format()`` default)."""
    if data_format is None:
        return "channels_last"
    value = data_format.lower() if isinstance(data_format, str) else data_format
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}")
    return value


def _images(images, name="images"):
    images = _tensor(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"Invalid {name} rank: expected rank 3 (single image) or rank 4 (batch of "
            f"images). Received input with shape: {name}.shape={images.shape}")
    return images


def _hw_axes(ndim, data_format):
    return (ndim - 3, ndim - 2) if data_format == "channels_last" else (ndim - 2, ndim - 1)


def _channel_axis(data_format):
    return -1 if data_format == "channels_last" else -3


def _choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected one of {tuple(allowed)}. "
            f"Received: {name}={value!r}")


# ------------------------------------------------------------------- colour spaces

def rgb_to_grayscale(images, data_format=None):
    """RGB to one grey channel, ``0.2989 R + 0.5870 G + 0.1140 B`` (as ``tf.image``);
    a 1-channel input is returned as it is, and the dtype is kept.

    Args:
        images: rank 3 or 4, with 3 (or 1) channels.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> round(float(rgb_to_grayscale(np.ones((2, 2, 3)))[0, 0, 0]), 4)
    0.9999
    """
    images = _images(images)
    axis = _channel_axis(data_format_of(data_format))
    if images.shape[axis] not in (1, 3):
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received "
                         f"input with shape: images.shape={images.shape}")
    if images.shape[axis] == 1:
        return images
    dtype = images.dtype
    compute = jnp.result_type(dtype, float)
    weights = jnp.asarray([0.2989, 0.5870, 0.1140], compute)
    grey = jnp.tensordot(images.astype(compute), weights, axes=([axis], [0]))
    return jnp.expand_dims(grey, axis).astype(dtype)


def _float_images(images):
    images = _images(images)
    if not jnp.issubdtype(images.dtype, jnp.floating):
        raise ValueError("Invalid images dtype: expected float dtype. Received: "
                         f"images.dtype={images.dtype}")
    return images


def rgb_to_hsv(images, data_format=None):
    """RGB (values in ``[0, 1]``) to HSV, every channel in ``[0, 1]`` (hue 0 for greys).

    Args:
        images: float images, rank 3 or 4, 3 channels.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> rgb_to_hsv(np.array([[[1.0, 0.0, 0.0]]], "float32")).tolist()
    [[[0.0, 1.0, 1.0]]]
    """
    images = _float_images(images)
    axis = _channel_axis(data_format_of(data_format))
    images = jnp.where(jnp.abs(images) < jnp.finfo(images.dtype).eps, 0.0, images)
    r, g, b = (jnp.take(images, i, axis=axis) for i in range(3))
    value = jnp.maximum(jnp.maximum(r, g), b)
    spread = value - jnp.minimum(jnp.minimum(r, g), b)
    saturation = jnp.where(value > 0, spread / jnp.where(value > 0, value, 1.0), 0.0)
    scale = 1.0 / (6.0 * jnp.where(spread > 0, spread, 1.0))
    hue = jnp.where(value == g, scale * (b - r) + 2.0 / 6.0, scale * (r - g) + 4.0 / 6.0)
    hue = jnp.where(value == r, scale * (g - b), hue)
    hue = jnp.where(spread > 0, hue, 0.0) + (hue < 0.0).astype(hue.dtype)
    return jnp.stack([hue, saturation, value], axis=axis)


def hsv_to_rgb(images, data_format=None):
    """HSV (every channel in ``[0, 1]``) back to RGB; the inverse of :func:`rgb_to_hsv`.

    Args:
        images: float images, rank 3 or 4, 3 channels.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> hsv_to_rgb(np.array([[[0.0, 1.0, 1.0]]], "float32")).tolist()
    [[[1.0, 0.0, 0.0]]]
    """
    images = _float_images(images)
    axis = _channel_axis(data_format_of(data_format))
    h, s, v = (jnp.take(images, i, axis=axis) for i in range(3))
    sector = jnp.mod(h, 1.0) * 6.0
    r = jnp.clip(jnp.abs(sector - 3.0) - 1.0, 0.0, 1.0)
    g = jnp.clip(2.0 - jnp.abs(sector - 2.0), 0.0, 1.0)
    b = jnp.clip(2.0 - jnp.abs(sector - 4.0), 0.0, 1.0)
    grey = 1.0 - s
    return jnp.stack([v * (grey + s * c) for c in (r, g, b)], axis=axis)


# -------------------------------------------------------------------------- resize

def _saturate_cast(x, dtype):
    dtype = jnp.dtype(dtype)
    if jnp.issubdtype(dtype, jnp.integer):
        info = jnp.iinfo(dtype)
        x = jnp.clip(jnp.round(x), info.min, info.max)
    return x.astype(dtype)


def resize(images, size, interpolation="bilinear", antialias=False,
           crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode="constant",
           fill_value=0.0, data_format=None):
    """Resize images to ``size = (height, width)``, as ``keras.ops.image.resize``.

    Args:
        images: rank 3 or 4.
        size: ``(height, width)`` of the output.
        interpolation: ``"bilinear"``, ``"nearest"``, ``"bicubic"``, ``"lanczos3"``,
            ``"lanczos5"`` (``jax.image.resize``'s kernels, as Keras on JAX; ``"area"``
            is refused there too).
        antialias: low-pass filter when downsampling.
        crop_to_aspect_ratio: first crop the largest centred box of the target's aspect
            ratio (no distortion).
        pad_to_aspect_ratio: first pad (with ``fill_value``) to the target's aspect ratio.
        fill_mode: only ``"constant"``.
        fill_value: the padding value for ``pad_to_aspect_ratio``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Integer images come back in their dtype, rounded and clipped to its range.

    >>> import numpy as np
    >>> resize(np.ones((1, 4, 4, 3)), (2, 8), interpolation="nearest").shape
    (1, 2, 8, 3)
    """
    data_format = data_format_of(data_format)
    _choice("interpolation", interpolation, RESIZE_INTERPOLATIONS)
    if fill_mode != "constant":
        raise ValueError("Invalid value for argument `fill_mode`. Only 'constant' is "
                         f"supported. Received: fill_mode={fill_mode!r}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                         "`True`.")
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError("Argument `size` must be a tuple of two elements (height, width). "
                         f"Received: size={size!r}")
    images = _images(images)
    target_h, target_w = (int(s) for s in size)
    h_axis, w_axis = _hw_axes(images.ndim, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
        crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
        top, left = int(float(height - crop_h) / 2), int(float(width - crop_w) / 2)
        images = jax.lax.slice_in_dim(images, top, top + crop_h, axis=h_axis)
        images = jax.lax.slice_in_dim(images, left, left + crop_w, axis=w_axis)
    elif pad_to_aspect_ratio:
        pad_h = int(float(max(height, int(float(width * target_h) / target_w)) - height) / 2)
        pad_w = int(float(max(width, int(float(height * target_w) / target_h)) - width) / 2)
        widths = [(0, 0)] * images.ndim
        if pad_h > 0:
            widths[h_axis] = (pad_h, pad_h)
        elif pad_w > 0:
            widths[w_axis] = (pad_w, pad_w)
        images = jnp.pad(images, widths, constant_values=fill_value)
    shape = list(images.shape)
    shape[h_axis], shape[w_axis] = target_h, target_w
    out = jax.image.resize(images, tuple(shape), method=interpolation, antialias=antialias)
    return out if out.dtype == images.dtype else _saturate_cast(out, images.dtype)


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """``jax.image.scale_and_translate`` with Keras's argument order: resample
    ``images`` to ``output_shape``, mapping input point ``x`` of each axis in
    ``spatial_dims`` to ``x * scale + translation``.

    Args:
        images: any rank.
        output_shape: the full output shape.
        scale, translation: one value per axis in ``spatial_dims``.
        spatial_dims: the axes to resample.
        method: ``"linear"``/``"bilinear"``/``"trilinear"``, ``"cubic"``/``"bicubic"``/
            ``"tricubic"``, ``"lanczos3"``, ``"lanczos5"``.
        antialias: low-pass filter when downsampling.

    >>> import numpy as np
    >>> scale_and_translate(np.ones((4, 4)), (8, 8), np.array([2.0, 2.0]),
    ...                     np.zeros(2), (0, 1), "linear").shape
    (8, 8)
    """
    _choice("method", method, SCALE_AND_TRANSLATE_METHODS)
    return jax.image.scale_and_translate(_tensor(images), tuple(output_shape),
                                         tuple(spatial_dims), _tensor(scale),
                                         _tensor(translation), method, antialias)


# --------------------------------------------------------------------- crop and pad

def _two_of(names, values):
    if list(values).count(None) != 1:
        raise ValueError(
            f"Must specify exactly two of {', '.join(names)}. Received: "
            + ", ".join(f"{n}={v}" for n, v in zip(names, values)))
    for name, value in zip(names, values):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Pad images with zeros; give two of (top, bottom, target height) and two of
    (left, right, target width).

    Args:
        images: rank 3 or 4.
        top_padding, bottom_padding, target_height: rows added above, below, or the
            output height.
        left_padding, right_padding, target_width: likewise for columns.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> pad_images(np.ones((4, 4, 1)), 1, 2, target_height=6, target_width=8).shape
    (6, 8, 1)
    """
    images = _images(images)
    data_format = data_format_of(data_format)
    _two_of(("top_padding", "bottom_padding", "target_height"),
            (top_padding, bottom_padding, target_height))
    _two_of(("left_padding", "right_padding", "target_width"),
            (left_padding, right_padding, target_width))
    h_axis, w_axis = _hw_axes(images.ndim, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    if top_padding is None:
        top_padding = target_height - bottom_padding - height
    if bottom_padding is None:
        bottom_padding = target_height - top_padding - height
    if left_padding is None:
        left_padding = target_width - right_padding - width
    if right_padding is None:
        right_padding = target_width - left_padding - width
    for name, value in (("top_padding", top_padding), ("left_padding", left_padding),
                        ("right_padding", right_padding), ("bottom_padding", bottom_padding)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    widths = [(0, 0)] * images.ndim
    widths[h_axis], widths[w_axis] = (top_padding, bottom_padding), (left_padding,
                                                                     right_padding)
    return jnp.pad(images, widths)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None,
                data_format=None):
    """Crop images; give two of (top, bottom, target height) and two of (left, right,
    target width).

    Args:
        images: rank 3 or 4.
        top_cropping, bottom_cropping, target_height: rows cut above, below, or the
            output height.
        left_cropping, right_cropping, target_width: likewise for columns.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> crop_images(np.ones((6, 8, 1)), 1, 2, target_height=4, target_width=4).shape
    (4, 4, 1)
    """
    images = _images(images)
    data_format = data_format_of(data_format)
    _two_of(("top_cropping", "bottom_cropping", "target_height"),
            (top_cropping, bottom_cropping, target_height))
    _two_of(("left_cropping", "right_cropping", "target_width"),
            (left_cropping, right_cropping, target_width))
    h_axis, w_axis = _hw_axes(images.ndim, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    if top_cropping is None:
        top_cropping = height - target_height - bottom_cropping
    if target_height is None:
        target_height = height - bottom_cropping - top_cropping
    if left_cropping is None:
        left_cropping = width - target_width - right_cropping
    if target_width is None:
        target_width = width - right_cropping - left_cropping
    for name, value in (("top_cropping", top_cropping), ("target_height", target_height),
                        ("left_cropping", left_cropping), ("target_width", target_width)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    images = jax.lax.slice_in_dim(images, top_cropping, top_cropping + target_height,
                                  axis=h_axis)
    return jax.lax.slice_in_dim(images, left_cropping, left_cropping + target_width,
                                axis=w_axis)


# ------------------------------------------------------------------------- warping

def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Sample ``inputs`` at ``coordinates`` (``jax.scipy.ndimage.map_coordinates``).

    Args:
        inputs: an array of rank N.
        coordinates: N arrays (or one array with leading size N) of positions to read.
        order: 0 (nearest) or 1 (linear) interpolation.
        fill_mode: outside the input: ``"constant"`` (``fill_value``), ``"nearest"``,
            ``"wrap"``, ``"mirror"``, ``"reflect"``.
        fill_value: the value for ``fill_mode="constant"``.

    >>> import numpy as np
    >>> x = np.arange(4.0).reshape(2, 2)
    >>> map_coordinates(x, np.array([[0.5], [0.5]]), order=1).tolist()
    [1.5]
    """
    inputs = _tensor(inputs)
    coordinates = _tensor(coordinates)
    if coordinates.ndim < 2:
        raise ValueError("Invalid coordinates rank: expected at least rank 2. Received "
                         f"input with shape: {coordinates.shape}")
    if coordinates.shape[0] != inputs.ndim:
        raise ValueError(
            "First dim of `coordinates` must be the same as the rank of `inputs`. Received "
            f"inputs with shape: {inputs.shape} and coordinate leading dim of "
            f"{coordinates.shape[0]}")
    _choice("fill_mode", fill_mode, FILL_MODES)
    if order not in (0, 1):
        raise ValueError(f"Invalid value for argument `order`. Expected one of [0, 1]. "
                         f"Received: order={order!r}")
    return jax.scipy.ndimage.map_coordinates(inputs, list(coordinates), order, fill_mode,
                                             fill_value)


def _warp(images, rows, cols, order, fill_mode, fill_value):
    """Sample each channel of ``images`` (N, H, W, C) at per-image (rows, cols) maps."""
    def one(image, r, c):
        def channel(plane):
            return jax.scipy.ndimage.map_coordinates(plane, [r, c], order, fill_mode,
                                                     fill_value)
        return jax.vmap(channel, in_axes=-1, out_axes=-1)(image)

    return jax.vmap(one)(images, rows, cols)


def _as_nhwc(images, data_format):
    single = images.ndim == 3
    if single:
        images = images[None]
    if data_format == "channels_first":
        images = jnp.transpose(images, (0, 2, 3, 1))
    return images, single


def _from_nhwc(images, data_format, single):
    if data_format == "channels_first":
        images = jnp.transpose(images, (0, 3, 1, 2))
    return images[0] if single else images


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Warp images by projective transforms ``[a0, a1, a2, b0, b1, b2, c0, c1]``: output
    pixel ``(x, y)`` reads input point ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``
    with ``k = c0 x + c1 y + 1``.

    Args:
        images: rank 3 or 4.
        transform: 8 numbers, or one row of 8 per image.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: points outside the input: ``"constant"``, ``"nearest"``, ``"wrap"``,
            ``"mirror"``, ``"reflect"``.
        fill_value: the value for ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Keras's JAX backend drops ``c0, c1`` (affine only); here they divide as documented,
    so the two agree whenever ``c0 = c1 = 0``.

    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(3, 3, 1)
    >>> shift = np.array([1, 0, 1, 0, 1, 0, 0, 0])  # read one column to the right
    >>> affine_transform(x, shift)[..., 0].tolist()
    [[1.0, 2.0, 0.0], [4.0, 5.0, 0.0], [7.0, 8.0, 0.0]]
    """
    data_format = data_format_of(data_format)
    _choice("interpolation", interpolation, tuple(WARP_INTERPOLATIONS))
    _choice("fill_mode", fill_mode, FILL_MODES)
    images = _images(images)
    transform = _tensor(transform)
    if transform.ndim not in (1, 2) or transform.shape[-1] != 8:
        raise ValueError(
            "Invalid transform shape: expected (8,) (single transform) or (batch, 8) "
            f"(batch of transforms). Received input with shape: transform.shape="
            f"{transform.shape}")
    images, single = _as_nhwc(images, data_format)
    if transform.ndim == 1:
        transform = transform[None]
    transform = jnp.broadcast_to(transform, (images.shape[0], 8))
    height, width = images.shape[1:3]
    y, x = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")
    x, y = x.astype(transform.dtype), y.astype(transform.dtype)
    t = [transform[:, i, None, None] for i in range(8)]
    k = t[6] * x + t[7] * y + 1.0
    cols = (t[0] * x + t[1] * y + t[2]) / k
    rows = (t[3] * x + t[4] * y + t[5]) / k
    out = _warp(images, rows, cols, WARP_INTERPOLATIONS[interpolation], fill_mode,
                fill_value)
    return _from_nhwc(out, data_format, single)


def _homography(start, end):
    """The 8 projective coefficients mapping ``end`` points back to ``start`` points."""
    sx, sy, ex, ey = start[..., 0], start[..., 1], end[..., 0], end[..., 1]
    zero, one = jnp.zeros_like(ex), jnp.ones_like(ex)
    rows_x = jnp.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], axis=-1)
    rows_y = jnp.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], axis=-1)
    system = jnp.concatenate([rows_x, rows_y], axis=1)
    target = jnp.concatenate([sx, sy], axis=-1)[..., None]
    return jnp.linalg.solve(system, target)[..., 0]


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warp images so that the 4 ``start_points`` (x, y) land on ``end_points``.

    Args:
        images: rank 3 or 4.
        start_points, end_points: ``(4, 2)`` or ``(batch, 4, 2)`` corner positions.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_value: the value of points that fall outside the input.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> corners = np.array([[0, 0], [3, 0], [0, 3], [3, 3]], "float32")
    >>> x = np.arange(16.0).reshape(4, 4, 1)
    >>> bool((perspective_transform(x, corners, corners) == x).all())
    True
    """
    data_format = data_format_of(data_format)
    _choice("interpolation", interpolation, tuple(WARP_INTERPOLATIONS))
    images = _images(images)
    start = _tensor(start_points, "float32")
    end = _tensor(end_points, "float32")
    for name, points in (("start_points", start), ("end_points", end)):
        if points.shape[-2:] != (4, 2) or points.ndim not in (2, 3):
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image or "
                             f"(N,4,2) for a batch. Received shape: {points.shape}")
    if start.shape != end.shape:
        raise ValueError("start_points and end_points must have the same shape. Received "
                         f"start_points.shape={start.shape}, end_points.shape={end.shape}")
    images, single = _as_nhwc(images, data_format)
    if start.ndim == 2:
        start, end = start[None], end[None]
    coef = _homography(start, end)
    coef = jnp.broadcast_to(coef, (images.shape[0], 8))
    height, width = images.shape[1:3]
    y, x = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")
    x, y = x.astype(coef.dtype), y.astype(coef.dtype)
    c = [coef[:, i, None, None] for i in range(8)]
    k = c[6] * x + c[7] * y + 1.0
    cols = (c[0] * x + c[1] * y + c[2]) / k
    rows = (c[3] * x + c[4] * y + c[5]) / k
    out = _warp(images, rows, cols, WARP_INTERPOLATIONS[interpolation], "constant",
                fill_value)
    return _from_nhwc(out, data_format, single)


# ------------------------------------------------------------------ filters, patches

def _depthwise(images_nchw, kernel_hw, padding):
    channels = images_nchw.shape[1]
    kernel = jnp.tile(kernel_hw[None, None], (channels, 1, 1, 1))
    return jax.lax.conv_general_dilated(
        images_nchw, kernel, window_strides=(1, 1), padding=padding,
        dimension_numbers=("NCHW", "OIHW", "NCHW"), feature_group_count=channels)


def _gaussian_1d(size, sigma, dtype):
    x = jnp.arange(size, dtype=dtype) - jnp.asarray((size - 1) / 2, dtype)
    kernel = jnp.exp(-0.5 * (x / sigma) ** 2)
    return kernel / jnp.sum(kernel)


def _pair(name, value):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"`{name}` must be a number or a pair of numbers. Received: "
                             f"{name}={value!r}")
        return tuple(value)
    return (value, value)


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur each channel with a Gaussian kernel (zero padding, output the input's size).

    Args:
        images: float images, rank 3 or 4.
        kernel_size: ``(kx, ky)``: the kernel spans ``ky`` rows and ``kx`` columns (Keras's
            order).
        sigma: ``(sx, sy)``, the standard deviations along columns and rows.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> gaussian_blur(np.ones((1, 5, 5, 2), "float32")).shape
    (1, 5, 5, 2)
    """
    data_format = data_format_of(data_format)
    images = _images(images)
    kernel_size = _pair("kernel_size", kernel_size)
    sigma = _pair("sigma", sigma)
    dtype = images.dtype
    single = images.ndim == 3
    if single:
        images = images[None]
    if data_format == "channels_last":
        images = jnp.transpose(images, (0, 3, 1, 2))
    kernel = jnp.outer(_gaussian_1d(kernel_size[1], _tensor(sigma[1], dtype), dtype),
                       _gaussian_1d(kernel_size[0], _tensor(sigma[0], dtype), dtype))
    out = _depthwise(images, kernel, "SAME")
    if data_format == "channels_last":
        out = jnp.transpose(out, (0, 2, 3, 1))
    return out[0] if single else out


def sobel_edges(images, data_format=None):
    """Sobel gradients of each channel: ``(..., 2)`` with ``[dy, dx]`` last.

    Args:
        images: a batch of images (rank 4).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> sobel_edges(np.ones((1, 4, 4, 3), "float32")).shape
    (1, 4, 4, 3, 2)
    """
    data_format = data_format_of(data_format)
    images = _tensor(images)
    if images.ndim != 4:
        raise ValueError("Invalid images rank: expected rank 4 (batch of images). Received "
                         f"input with shape: images.shape={images.shape}")
    if data_format == "channels_last":
        images = jnp.transpose(images, (0, 3, 1, 2))
    kx = jnp.asarray([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], images.dtype)
    dx, dy = _depthwise(images, kx, "SAME"), _depthwise(images, kx.T, "SAME")
    if data_format == "channels_last":
        dx, dy = jnp.transpose(dx, (0, 2, 3, 1)), jnp.transpose(dy, (0, 2, 3, 1))
    return jnp.stack([dy, dx], axis=-1)


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Every ``size`` patch of the images, flattened into the channel axis (in
    ``(row, column, channel)`` order, as Keras).

    Args:
        images: rank 3 or 4.
        size: patch size, an int or ``(height, width)``.
        strides: step between patches (default: ``size``, no overlap).
        dilation_rate: spacing of the sampled pixels inside a patch.
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> extract_patches(np.ones((2, 8, 8, 3)), 4).shape
    (2, 2, 2, 48)
    """
    data_format = data_format_of(data_format)
    if isinstance(size, int):
        size = (size, size)
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError("Invalid `size` argument for 2D patches: expected an int or a "
                         f"tuple of length 2 (use extract_patches_3d for volumes). Received: "
                         f"size={size!r}")
    padding_ = padding.upper() if isinstance(padding, str) else padding
    _choice("padding", padding_, ("VALID", "SAME"))
    images = _images(images)
    strides = tuple(size) if not strides else (
        (strides, strides) if isinstance(strides, int) else tuple(strides))
    dilation = (dilation_rate, dilation_rate) if isinstance(dilation_rate, int) \
        else tuple(dilation_rate)
    single = images.ndim == 3
    if single:
        images = images[None]
    spec = ("NHWC", "HWIO", "NHWC") if data_format == "channels_last" else \
        ("NCHW", "OIHW", "NCHW")
    patches = jax.lax.conv_general_dilated_patches(
        images, tuple(size), strides, padding_, rhs_dilation=dilation,
        dimension_numbers=spec, precision=jax.lax.Precision.HIGHEST)
    # jax orders the features (channel, row, column); Keras (row, column, channel).
    channels = images.shape[-1] if data_format == "channels_last" else images.shape[1]
    axis = 3 if data_format == "channels_last" else 1
    shape = list(patches.shape)
    split = shape[:axis] + [channels, size[0] * size[1]] + shape[axis + 1:]
    patches = jnp.swapaxes(patches.reshape(split), axis, axis + 1).reshape(shape)
    return patches[0] if single else patches


# ---------------------------------------------------------------- random and metric

def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Displace every pixel by a smooth random field: Gaussian noise blurred with
    ``sigma`` and scaled by ``alpha`` (Keras's JAX backend draws one noise field for
    both axes, and so does this).

    Args:
        images: float images, rank 3 or 4.
        alpha: displacement scale, in pixels.
        sigma: the noise's blur (and the kernel size ``int(6 sigma) | 1``).
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: ``"constant"``, ``"nearest"``, ``"wrap"``, ``"mirror"``, ``"reflect"``.
        fill_value: the value for ``fill_mode="constant"``.
        seed: an int, a ``SeedGenerator``, a JAX key, or None (the global stream).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> elastic_transform(np.ones((1, 8, 8, 3), "float32"), seed=1).shape
    (1, 8, 8, 3)
    """
    data_format = data_format_of(data_format)
    _choice("interpolation", interpolation, tuple(WARP_INTERPOLATIONS))
    _choice("fill_mode", fill_mode, FILL_MODES)
    images = _images(images)
    dtype = images.dtype
    images, single = _as_nhwc(images, data_format)
    batch, height, width, _ = images.shape
    key = _random.draw_seed(seed)
    size = int(6 * float(sigma)) | 1
    noise = jax.random.normal(key, (batch, height, width, 1), dtype=dtype) * sigma
    field = gaussian_blur(noise, (size, size), (sigma, sigma))[..., 0]
    y, x = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")
    out = _warp(images, y + alpha * field, x + alpha * field,
                WARP_INTERPOLATIONS[interpolation], fill_mode, fill_value)
    return _from_nhwc(out.astype(dtype), data_format, single)


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity of two images (or batches), averaged over channels; a
    Gaussian window of ``filter_size`` with ``filter_sigma``, ``valid`` padding.

    Args:
        image1, image2: rank 3 or 4, same shape.
        max_val: the dynamic range of the values (1.0 for ``[0, 1]``, 255 for bytes).
        filter_size, filter_sigma: the Gaussian window.
        k1, k2: the stabilising constants ``(k max_val)^2``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((16, 16, 1)).astype("float32")
    >>> round(float(ssim(x, x)), 4)
    1.0
    """
    data_format = data_format_of(data_format)
    a, b = _images(image1, "image1"), _images(image2, "image2")
    dtype = a.dtype
    compute = jnp.result_type(dtype, float)
    a, b = a.astype(compute), b.astype(compute)
    single = a.ndim == 3
    if single:
        a, b = a[None], b[None]
    if data_format == "channels_last":
        a, b = jnp.transpose(a, (0, 3, 1, 2)), jnp.transpose(b, (0, 3, 1, 2))
    g = _gaussian_1d(filter_size, jnp.asarray(filter_sigma, compute), compute)
    window = jnp.outer(g, g)

    def mean(x):
        return _depthwise(x, window, "VALID")

    mu1, mu2 = mean(a), mean(b)
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    var1, var2 = mean(a * a) - mu1 * mu1, mean(b * b) - mu2 * mu2
    cov = mean(a * b) - mu1 * mu2
    value = ((2.0 * mu1 * mu2 + c1) * (2.0 * cov + c2)) / (
        (mu1 * mu1 + mu2 * mu2 + c1) * (var1 + var2 + c2))
    out = jnp.mean(value, axis=(1, 2, 3))
    return (out[0] if single else out).astype(dtype)


__all__ = ["affine_transform", "crop_images", "elastic_transform", "extract_patches",
           "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
           "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv",
           "scale_and_translate", "sobel_edges", "ssim"]

from kerasish.ops._image_patches3d import extract_patches_3d  # noqa: E402

extract_patches_3d.__module__ = __name__  # listed, documented and probed as ops.image's

__all__ += ["extract_patches_3d"]
