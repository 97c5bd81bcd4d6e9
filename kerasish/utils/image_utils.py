"""Image files and arrays, with Keras 3's names: ``load_img``, ``img_to_array``,
``array_to_img``, ``save_img``, ``smart_resize``.

Pillow is imported when one of these functions is first called (``pip install
kerasish[image]``); ``import kerasish`` does not need it.

>>> import numpy as np
>>> img = array_to_img(np.zeros((4, 6, 3)), scale=False)
>>> img.size, img_to_array(img).shape
((6, 4), (4, 6, 3))
"""

import io
import pathlib
import warnings

import numpy as np

from kerasish import config

# Pillow's resampling filters by Keras's names (``load_img(interpolation=)``).
PIL_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
# The methods of ``jax.image.resize``, which Keras's JAX backend resizes with.
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
COLOR_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}


def pil_image():
    """``PIL.Image``, or an ImportError that says how to install it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Image files need Pillow, which is not installed. Install it with "
            "`pip install kerasish[image]` (or `pip install Pillow`).") from None
    return Image


def _dtype(dtype):
    return config.floatx() if dtype is None else dtype


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Convert a 3-D array (one image) to a ``PIL.Image``.

    With ``scale=True`` the values are shifted and scaled to ``[0, 255]`` first, as
    Keras does; otherwise they are cast to ``uint8`` as they are. One channel gives a
    grayscale (``'L'``) image (``'I'``, 32-bit, if a value exceeds 255), three ``'RGB'``,
    four ``'RGBA'``.

    Args:
        x: array of shape ``(height, width, channels)`` (or ``(channels, height,
            width)`` with ``data_format='channels_first'``).
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None`` reads
            ``kerasish.config.image_data_format()``.
        scale: rescale the values to ``[0, 255]``.
        dtype: the float dtype used for the arithmetic; ``None`` is ``floatx()``.

    >>> import numpy as np
    >>> array_to_img(np.ones((2, 3, 1))).mode
    'L'
    """
    data_format = config.standardize_data_format(data_format)
    image = pil_image()
    x = np.array(x, dtype=_dtype(dtype))
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). "
                         f"Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x /= top
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # a 32-bit integer grayscale image
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}. Expected 1, 3 or 4 channels.")


def img_to_array(img, data_format=None, dtype=None):
    """Convert a ``PIL.Image`` (or anything ``np.asarray`` reads) to a 3-D float array.

    Args:
        img: the image.
        data_format: ``'channels_last'`` gives ``(height, width, channels)``,
            ``'channels_first'`` ``(channels, height, width)``; ``None`` reads
            ``kerasish.config.image_data_format()``.
        dtype: the array's dtype; ``None`` is ``floatx()``.

    >>> import numpy as np
    >>> img_to_array(np.zeros((2, 3)), data_format="channels_first").shape
    (1, 2, 3)
    """
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(img, dtype=_dtype(dtype))
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"Unsupported image shape: {x.shape}. Expected a 2-D (grayscale) or "
                     "3-D image.")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save a 3-D array as an image file (through :func:`array_to_img`).

    Args:
        path: a path or a file object.
        x: the image array.
        data_format: the layout of ``x``; ``None`` reads ``image_data_format()``.
        file_format: ``'png'``, ``'jpeg'``...; ``None`` takes it from the file name's
            extension (``'jpg'`` means ``'jpeg'``). An RGBA image saved as JPEG is
            converted to RGB, with a warning.
        scale: rescale the values to ``[0, 255]`` first.
        **kwargs: passed to ``PIL.Image.save`` (e.g. ``quality=90``).

    >>> import io, numpy as np
    >>> buffer = io.BytesIO()
    >>> save_img(buffer, np.zeros((2, 2, 3)), file_format="png")
    >>> buffer.getvalue()[:4]
    b'\\x89PNG'
    """
    data_format = config.standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def open_image(path, color_mode="rgb"):
    """Open ``path`` with Pillow and convert it to ``color_mode`` (Keras's rules:
    a 16- or 32-bit grayscale image stays as it is in ``'grayscale'`` mode)."""
    image = pil_image()
    if isinstance(path, io.BytesIO):
        source = path
    elif isinstance(path, (pathlib.Path, bytes, str)):
        with open(path, "rb") as f:
            source = io.BytesIO(f.read())
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    try:
        img = image.open(source)
        img.load()
    except Exception as err:  # Pillow raises several types for a bad file
        raise ValueError(f"Could not read the image file {path!r}: {err}. Remove or replace "
                         "the file, or check that it is an image Pillow can decode.") from err
    if color_mode not in COLOR_MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba". '
                         f"Received: color_mode={color_mode!r}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    return img


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Load an image file as a ``PIL.Image``, optionally resized.

    Args:
        path: a path (``str`` or ``pathlib.Path``) or an ``io.BytesIO``.
        color_mode: ``'rgb'``, ``'rgba'`` or ``'grayscale'``.
        target_size: ``None`` (the file's size) or ``(height, width)``.
        interpolation: Pillow's resampling filter for the resize: ``'nearest'``,
            ``'bilinear'``, ``'bicubic'``, ``'hamming'``, ``'box'`` or ``'lanczos'``.
        keep_aspect_ratio: crop the centre of the image to the target's aspect ratio
            before resizing, instead of stretching it.

    >>> import io, numpy as np
    >>> buffer = io.BytesIO()
    >>> save_img(buffer, np.zeros((4, 8, 3)), file_format="png")
    >>> load_img(buffer, color_mode="grayscale", target_size=(2, 2)).size
    (2, 2)
    """
    img = open_image(path, color_mode)
    if target_size is None:
        return img
    width_height = (int(target_size[1]), int(target_size[0]))
    if img.size == width_height:
        return img
    if interpolation not in PIL_INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation!r} specified. "
                         f"Supported methods are {', '.join(PIL_INTERPOLATIONS)}")
    resample = getattr(pil_image().Resampling, interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize(width_height, resample)
    width, height = img.size
    target_width, target_height = width_height
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    top = (height - crop_height) // 2
    left = (width - crop_width) // 2
    return img.resize(width_height, resample,
                      box=[left, top, left + crop_width, top + crop_height])


def _crop_box(height, width, target_height, target_width):
    """Keras's centred crop to the target aspect ratio: (top, left, height, width)."""
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return (int(float(height - crop_height) / 2), int(float(width - crop_width) / 2),
            crop_height, crop_width)


def _kernel(method, x):
    """The interpolation kernels of ``jax.image.resize``, evaluated in float32."""
    if method == "bilinear":
        return np.maximum(0, 1 - np.abs(x))
    if method == "bicubic":  # Keys, a = -0.5
        out = ((1.5 * x - 2.5) * x) * x + 1.0
        out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
        return np.where(x >= 2.0, 0.0, out)
    radius = 3 if method == "lanczos3" else 5
    with np.errstate(divide="ignore", invalid="ignore"):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        out = np.where(x > 1e-3, y / np.where(x != 0, np.pi ** 2 * x ** 2, 1), 1)
    return np.where(x > radius, 0.0, out)


def _weights(size_in, size_out, method):
    """The (in, out) interpolation matrix of one axis, as ``jax.image.resize`` builds
    it without antialiasing (float32 arithmetic, edge samples renormalised)."""
    f32 = np.float32
    inv_scale = f32(1.0 / (size_out / size_in))
    sample = (np.arange(size_out, dtype=f32) + f32(0.5)) * inv_scale - f32(0.5)
    x = np.abs(sample[None, :] - np.arange(size_in, dtype=f32)[:, None])
    w = _kernel(method, x).astype(f32)
    total = w.sum(axis=0, keepdims=True)
    w = np.where(np.abs(total) > 1000.0 * float(np.finfo(f32).eps),
                 w / np.where(total != 0, total, 1), 0).astype(f32)
    inside = (sample >= -0.5) & (sample <= size_in - 0.5)
    return np.where(inside[None, :], w, 0).astype(f32)


def _resize_axis(x, axis, size_out, method):
    size_in = x.shape[axis]
    if size_in == size_out:
        return x
    if method == "nearest":
        f32 = np.float32
        offsets = (np.arange(size_out, dtype=f32) + f32(0.5)) * f32(size_in) / f32(size_out)
        return np.take(x, np.floor(offsets).astype(np.int64), axis=axis)
    w = _weights(size_in, size_out, method)
    return np.moveaxis(np.tensordot(x, w, axes=([axis], [0])), -1, axis)


def resize(image, size, interpolation="bilinear", crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_value=0.0, data_format=None):
    """Resize one image (3-D) or a batch (4-D) on the host, with numpy, to the numbers
    of Keras's JAX backend (``keras.ops.image.resize``: ``jax.image.resize`` without
    antialiasing, after an optional centred crop or symmetric constant padding to the
    target aspect ratio)."""
    data_format = config.standardize_data_format(data_format)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected one of "
                         f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                         "`True`.")
    image = np.asarray(image)
    if image.ndim not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 "
                         f"(batch of images). Received input with shape: {image.shape}")
    if interpolation != "nearest" and not np.issubdtype(image.dtype, np.floating):
        image = image.astype(np.float32)
    h_axis = image.ndim - 3 if data_format == "channels_last" else image.ndim - 2
    height, width = image.shape[h_axis], image.shape[h_axis + 1]
    target_height, target_width = (int(s) for s in size)
    if crop_to_aspect_ratio:
        top, left, ch, cw = _crop_box(height, width, target_height, target_width)
        index = [slice(None)] * image.ndim
        index[h_axis], index[h_axis + 1] = slice(top, top + ch), slice(left, left + cw)
        image = image[tuple(index)]
    elif pad_to_aspect_ratio:
        pad_height = max(height, int(float(width * target_height) / target_width))
        pad_width = max(width, int(float(height * target_width) / target_height))
        top = int(float(pad_height - height) / 2)
        left = int(float(pad_width - width) / 2)
        # Keras pads the same amount on both sides (so one row may be lost to rounding).
        widths = [(0, 0)] * image.ndim
        if top > 0:
            widths[h_axis] = (top, top)
        elif left > 0:
            widths[h_axis + 1] = (left, left)
        image = np.pad(image, widths, constant_values=fill_value)
    image = _resize_axis(image, h_axis, target_height, interpolation)
    return _resize_axis(image, h_axis + 1, target_width, interpolation)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resize an image to ``size`` without distorting it: crop the largest centred
    window with the target's aspect ratio, then resize it (Keras's ``smart_resize``).

    Args:
        x: an image ``(height, width, channels)`` or a batch of them.
        size: ``(height, width)``.
        interpolation: ``'bilinear'``, ``'nearest'``, ``'bicubic'``, ``'lanczos3'``
            or ``'lanczos5'``.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    >>> import numpy as np
    >>> smart_resize(np.ones((10, 20, 3)), (5, 5)).shape
    (5, 5, 3)
    """
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    out = resize(np.asarray(x), size, interpolation=interpolation, crop_to_aspect_ratio=True,
                 data_format=data_format)
    if isinstance(x, np.ndarray):
        return out
    import jax.numpy as jnp

    return jnp.asarray(out)
