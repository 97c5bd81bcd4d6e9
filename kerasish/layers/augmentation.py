"""Random geometric augmentation: ``RandomFlip``, ``RandomRotation``, ``RandomZoom``,
``RandomTranslation``, ``RandomCrop``, ``RandomShear``.

Each is active only when ``training`` is True (a direct call, or ``fit``); with
``training=False`` (``predict``, ``evaluate``) it returns its input unchanged. Put them
first in a model to augment on the accelerator, inside the compiled training step.

>>> import numpy as np, kerasish
>>> x = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
>>> aug = kerasish.Sequential([kerasish.layers.RandomFlip("horizontal", seed=1),
...                           kerasish.layers.RandomRotation(0.1, seed=2)])
>>> aug(x, training=True).shape
(2, 8, 8, 3)
>>> bool((np.asarray(aug(x, training=False)) == x).all())
True
"""

import math

import jax
import jax.numpy as jnp

from kerasish.layers.image_preprocessing import (ImageLayer, check_choice, check_size,
                                                 crop_or_resize, with_hw)
from kerasish.ops import image as image_ops

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def base_factor(factor, bounds=(-1, 1), name="factor"):
    """Keras's factor rule: a number ``f`` means ``[max(-|f|, low), |f|]``; a pair is
    sorted; every value within ``bounds``."""
    message = (f"The `{name}` argument should be a number (or a list of two numbers) in the "
               f"range [{bounds[0]}, {bounds[1]}]. Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, bool) or not isinstance(factor, (int, float)):
        raise ValueError(message)
    if not bounds[0] <= factor <= bounds[1]:
        raise ValueError(message)
    factor = abs(factor)
    return (max(-factor, bounds[0]), factor)


def symmetric_factor(factor, name, open_low=False):
    """RandomZoom/RandomTranslation's rule: values in [-1, 1] ((-1, 1] for zoom)."""
    interval = "(-1.0, 1.0]" if open_low else "[-1.0, 1.0]"
    message = (f"The `{name}` argument should be a number (or a list of two numbers) in "
               f"the range {interval}. Received: {name}={factor!r}")

    def check(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v > 1.0 or v < -1.0 \
                or (open_low and v == -1.0):
            raise ValueError(message)

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message)
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    check(factor)
    return (-abs(factor), abs(factor))


def _as_list(factor):
    """A pair as a list (its JSON form), so that a config survives a file round trip."""
    return list(factor) if isinstance(factor, (tuple, list)) else factor


def affine_matrix(angle, translate_x, translate_y, scale, shear_x, shear_y, height, width,
                  center_x=0.5, center_y=0.5):
    """(N, 8) transforms: rotation by ``angle`` degrees and shears (degrees) about the
    centre, then scale and translation (Keras's ``_compute_affine_matrix``)."""
    rad = math.pi / 180.0
    angle, shear_x, shear_y = angle * rad, jnp.tan(shear_x * rad), jnp.tan(shear_y * rad)
    cx, cy = center_x * (width - 1.0), center_y * (height - 1.0)
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    a0 = scale * (cos + shear_x * sin)
    a1 = scale * (-sin + shear_x * cos)
    a2 = translate_x + cx - cx * a0 - cy * a1
    b0 = scale * (shear_y * cos + sin)
    b1 = scale * (shear_y * -sin + cos)
    b2 = translate_y + cy - cx * b0 - cy * b1
    zeros = jnp.zeros_like(a0)
    return jnp.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


class _Warp(ImageLayer):
    """A random affine warp with ``fill_mode``, ``interpolation`` and ``fill_value``."""

    _random = True

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        name = type(self).__name__
        self.fill_mode = check_choice(name, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = check_choice(name, "interpolation", interpolation,
                                          INTERPOLATIONS)
        self.fill_value = fill_value

    def _matrices(self, images):
        raise NotImplementedError

    def _transform(self, images, training):
        images = self._as_compute(images)
        if not training:
            return images
        return image_ops.affine_transform(images, self._matrices(images),
                                          interpolation=self.interpolation,
                                          fill_mode=self.fill_mode,
                                          fill_value=self.fill_value,
                                          data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(fill_mode=self.fill_mode, fill_value=self.fill_value,
                      interpolation=self.interpolation)
        return config


class RandomFlip(ImageLayer):
    """Flip each image with probability 1/2 while training.

    Args:
        mode: ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"`` (one draw
            flips both axes, as Keras).
        seed: an int, for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.arange(4.0).reshape(1, 1, 4, 1)
    >>> np.asarray(RandomFlip("horizontal", seed=0)(x, training=False))[0, 0, :, 0].tolist()
    [0.0, 1.0, 2.0, 3.0]
    """

    _random = True
    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if mode not in self.MODES:
            raise ValueError(f"RandomFlip: `mode` must be one of {self.MODES}. Received: "
                             f"mode={mode!r}")
        self.mode = mode

    def _transform(self, images, training):
        images = self._as_compute(images)
        if not training:
            return images
        flips = self._draw_uniform((images.shape[0], 1, 1, 1)) <= 0.5
        h_axis, w_axis = self._hw_axes()
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            images = jnp.where(flips, jnp.flip(images, axis=w_axis), images)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            images = jnp.where(flips, jnp.flip(images, axis=h_axis), images)
        return images

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


class RandomRotation(_Warp):
    """Rotate each image by a random angle ``factor * 360`` degrees about its centre.

    Args:
        factor: a number ``f`` (angles in ``[-f, f] * 360°``) or a pair ``(low, high)``,
            in ``[-1, 1]``.
        fill_mode: how the corners are filled: ``"reflect"`` (default), ``"wrap"``,
            ``"constant"`` (``fill_value``), ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: an int, for reproducible draws.
        fill_value: the value for ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> y = RandomRotation((0.25, 0.25))(x)  # a quarter turn
    >>> np.round(np.asarray(y)[0, ..., 0]).tolist()
    [[2.0, 5.0, 8.0], [1.0, 4.0, 7.0], [0.0, 3.0, 6.0]]
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = base_factor(factor)

    def _matrices(self, images):
        n = images.shape[0]
        height, width = self._hw(images)
        angle = self._draw_uniform((n,), self.factor[0] * 360.0, self.factor[1] * 360.0)
        zeros = jnp.zeros((n,))
        return affine_matrix(angle, zeros, zeros, jnp.ones((n,)), zeros, zeros,
                             float(height), float(width))

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomShear(_Warp):
    """Shear each image by random amounts along x and y.

    Output pixel ``(x, y)`` reads input point ``(x + sx y, sy x + y)``, with ``sx``, ``sy``
    drawn from the factor ranges and one random sign per image.

    Args:
        x_factor, y_factor: a number ``f`` in ``[0, 1]`` (amounts in ``[-f, f]``) or a
            pair of such numbers. The config keeps them as given (Keras stores
            ``(-f, f)``, which Keras itself cannot load back; both forms load here).
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"``, ``"nearest"``.
        fill_value: the value for ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> RandomShear(x_factor=0.2, seed=1)(np.ones((2, 6, 6, 1))).shape
    (2, 6, 6, 1)
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        # Stored as given: Keras stores the range (-f, f), which its own from_config
        # then refuses (negative); the range as a pair is accepted here on loading.
        self.x_factor, self.y_factor = _as_list(x_factor), _as_list(y_factor)
        self._x = _unit_factor(x_factor, "x_factor")
        self._y = _unit_factor(y_factor, "y_factor")

    def _matrices(self, images):
        n = images.shape[0]
        dtype = self.compute_dtype
        sign = jnp.where(self._draw_uniform((n, 1), dtype=dtype) > 0.5, -1.0, 1.0)
        shear_y = self._draw_uniform((n, 1), self._y[0], self._y[1], dtype) * sign
        shear_x = self._draw_uniform((n, 1), self._x[0], self._x[1], dtype) * sign
        ones, zeros = jnp.ones((n,)), jnp.zeros((n,))
        return jnp.stack([ones, shear_x[:, 0], zeros, shear_y[:, 0], ones, zeros, zeros,
                          zeros], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(x_factor=self.x_factor, y_factor=self.y_factor)
        return config


def _unit_factor(factor, name):
    message = (f"The `factor` argument should be a number (or a list of two numbers) in "
               f"the range [0, 1.0]. Received: {name}={factor!r}")
    pair = isinstance(factor, (tuple, list))
    if pair and len(factor) != 2:
        raise ValueError(message)
    low = -1.0 if pair and factor[0] == -factor[1] else 0.0  # Keras's saved (-f, f)
    for v in (factor if pair else [factor]):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not low <= v <= 1.0:
            raise ValueError(message)
    if pair:
        return tuple(sorted(factor))
    return (-abs(factor), abs(factor))


class RandomZoom(_Warp):
    """Zoom each image in or out by a random amount about its centre.

    Args:
        height_factor: a number ``f`` or a pair in ``(-1, 1]``: the vertical zoom is
            ``1 + u`` with ``u`` drawn in ``[-f, f]`` (positive values zoom *out*).
        width_factor: the same for the width; None (default) keeps the aspect ratio
            (the height's draw is used).
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"``, ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: an int, for reproducible draws.
        fill_value: the value for ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> RandomZoom(0.2, seed=1)(np.ones((2, 6, 6, 1))).shape
    (2, 6, 6, 1)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = _as_list(height_factor), _as_list(width_factor)
        self._height = symmetric_factor(height_factor, "height_factor", open_low=True)
        self._width = None if width_factor is None else symmetric_factor(
            width_factor, "width_factor", open_low=True)

    def _matrices(self, images):
        n = images.shape[0]
        height, width = self._hw(images)
        zoom_h = self._draw_uniform((n, 1), 1.0 + self._height[0], 1.0 + self._height[1])
        zoom_w = zoom_h if self._width is None else self._draw_uniform(
            (n, 1), 1.0 + self._width[0], 1.0 + self._width[1])
        zeros = jnp.zeros((n, 1))
        return jnp.concatenate([zoom_w, zeros, (width - 1.0) / 2.0 * (1.0 - zoom_w), zeros,
                                zoom_h, (height - 1.0) / 2.0 * (1.0 - zoom_h), zeros, zeros],
                               axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


class RandomTranslation(_Warp):
    """Shift each image by a random fraction of its height and width.

    Args:
        height_factor: a number ``f`` or a pair in ``[-1, 1]``: the vertical shift is
            drawn in ``[-f, f] * height`` (positive moves the content down).
        width_factor: the same for the horizontal shift.
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"``, ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: an int, for reproducible draws.
        fill_value: the value for ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.arange(4.0).reshape(1, 1, 4, 1)
    >>> y = RandomTranslation(0, (0.25, 0.25), fill_mode="constant")(x)
    >>> np.asarray(y)[0, 0, :, 0].tolist()
    [0.0, 0.0, 1.0, 2.0]
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = _as_list(height_factor), _as_list(width_factor)
        self._height = symmetric_factor(height_factor, "height_factor")
        self._width = symmetric_factor(width_factor, "width_factor")

    def _matrices(self, images):
        n = images.shape[0]
        height, width = self._hw(images)
        dy = self._draw_uniform((n, 1), self._height[0], self._height[1]) * height
        dx = self._draw_uniform((n, 1), self._width[0], self._width[1]) * width
        ones, zeros = jnp.ones((n, 1)), jnp.zeros((n, 1))
        return jnp.concatenate([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


class RandomCrop(ImageLayer):
    """Crop a random ``(height, width)`` box (one position for the whole batch, as
    Keras) while training; an image not larger than the box on both sides is centre-
    cropped to the box's aspect ratio and resized instead.

    At inference (``training=False``) the input is returned unchanged, as Keras 3 does
    (so a model's ``predict`` sees the full image).

    Args:
        height, width: the crop size.
        seed: an int, for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> RandomCrop(4, 4, seed=1)(np.ones((2, 8, 8, 3))).shape
    (2, 4, 4, 3)
    """

    _random = True

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, name=name, **kwargs)
        self.height, self.width = check_size("height", height), check_size("width", width)
        if self.seed is None:  # Keras keeps the default seed it drew in the config
            self.seed = int(self.generator.state.value[0])

    def _transform(self, images, training):
        if not training:
            return images
        images = self._as_compute(images)
        in_h, in_w = self._hw(images)
        if not (in_h > self.height and in_w > self.width):
            return crop_or_resize(images, self.height, self.width, self.data_format)
        top = self._draw_uniform((), 0, float(in_h - self.height + 1)).astype("int32")
        left = self._draw_uniform((), 0, float(in_w - self.width + 1)).astype("int32")
        h_axis, w_axis = self._hw_axes()
        images = jax.lax.dynamic_slice_in_dim(images, top, self.height, axis=h_axis)
        return jax.lax.dynamic_slice_in_dim(images, left, self.width, axis=w_axis)

    def compute_output_shape(self, input_shape):
        return with_hw(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config
