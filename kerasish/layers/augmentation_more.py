"""More colour augmentation: ``RandomHue``, ``RandomSaturation``, ``RandomSharpness``,
``RandomPosterization`` (Keras 3's formulas, including their quirks, noted per class).

>>> import numpy as np, kerasish
>>> x = np.random.default_rng(0).random((2, 4, 4, 3)).astype("float32") * 255
>>> kerasish.layers.RandomHue(0.5, seed=1)(x).shape
(2, 4, 4, 3)
"""

import jax
import jax.numpy as jnp

from kerasish import config as config_module
from kerasish.layers.augmentation import base_factor
from kerasish.layers.augmentation_color import check_value_range, to_range
from kerasish.layers.image_preprocessing import ImageLayer
from kerasish.ops import image as image_ops


class _ColorLayer(ImageLayer):
    """``factor`` (Keras's base rule within ``_BOUNDS``), ``value_range``, ``seed``."""

    _random = True
    _BOUNDS = (-1, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = base_factor(factor, self._BOUNDS)
        self.value_range = check_value_range(value_range)

    def _channels(self, images):
        axis = -1 if self.data_format == "channels_last" else -3
        return [jnp.take(images, i, axis=axis) for i in range(3)], axis

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range)
        return config


class RandomHue(_ColorLayer):
    """Rotate each image's hue by a random amount ``± u / 2`` turns, ``u`` drawn from
    ``factor``.

    Args:
        factor: a number ``f`` or a pair in ``[0, 1]`` (a number reads as ``(0, f)``).
        value_range: the range of the pixel values.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> RandomHue(0.2, value_range=(0, 1), seed=1)(np.ones((1, 2, 2, 3))).shape
    (1, 2, 2, 3)
    """

    _BOUNDS = (0, 1)

    def _transform(self, images, training):
        images = self._as_compute(images)
        if not training:
            return images
        n = images.shape[0]
        sign = jnp.where(self._draw_uniform((n,)) > 0.5, -1.0, 1.0)
        shift = sign * self._draw_uniform((n,), self.factor[0], self.factor[1]) * 0.5
        shift = shift.astype(images.dtype)[:, None, None]
        images = to_range(images, self.value_range, (0, 1))
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        (h, s, v), axis = self._channels(hsv)
        h = h + shift
        h = jnp.where(h > 1.0, h - 1.0, h)
        h = jnp.where(h < 0.0, h + 1.0, h)
        rgb = image_ops.hsv_to_rgb(jnp.stack([h, s, v], axis=axis),
                                   data_format=self.data_format)
        out = to_range(jnp.clip(rgb, 0, 1), (0, 1), self.value_range)
        return out.astype(self.compute_dtype)


class RandomSaturation(_ColorLayer):
    """Scale each image's saturation by ``u / (1 - u)``, ``u`` drawn from ``factor``
    (0.5 keeps it; 0 makes grey).

    As Keras 3.15: the images are converted with ``rgb_to_hsv`` as they are (values in
    ``[0, 1]`` expected), and the new saturation is clipped to ``value_range``.

    Args:
        factor: a number ``f`` (``[-f, f]``) or a pair, in ``[-1, 1]``.
        value_range: the clip range of the saturation (see above).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> x = np.array([[[[1.0, 0.5, 0.0]]]], "float32")
    >>> np.round(np.asarray(RandomSaturation((0.0, 0.0))(x)), 4).tolist()  # grey
    [[[[1.0, 1.0, 1.0]]]]
    """

    def _transform(self, images, training):
        if not training:
            return images
        n = images.shape[0]
        u = self._draw_uniform((n,), self.factor[0], self.factor[1])
        scale = (u / (1 - u + config_module.epsilon())).astype(self.compute_dtype)
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        (h, s, v), axis = self._channels(hsv)
        s = jnp.clip(s * scale[:, None, None], self.value_range[0], self.value_range[1])
        return image_ops.hsv_to_rgb(jnp.stack([h, s, v], axis=axis),
                                    data_format=self.data_format)


class RandomSharpness(_ColorLayer):
    """Blend each image with a smoothed copy (3x3 kernel, centre 5/13, others 1/13):
    ``x + (1 - 2u) (smooth - x)``, ``u`` drawn from ``factor`` (above 0.5 sharpens),
    clipped to ``value_range``.

    Args:
        factor: a number ``f`` or a pair in ``[0, 1]`` (a number reads as ``(0, f)``).
        value_range: the range of the pixel values.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> RandomSharpness(0.5, seed=1)(np.ones((1, 4, 4, 3))).shape
    (1, 4, 4, 3)
    """

    _BOUNDS = (0, 1)

    def _transform(self, images, training):
        images = self._as_compute(images)
        if not training:
            return images
        u = self._draw_uniform((images.shape[0],), self.factor[0], self.factor[1])
        amount = (u * 2).astype(self.compute_dtype).reshape(-1, 1, 1, 1)
        nhwc = images if self.data_format == "channels_last" else \
            jnp.transpose(images, (0, 2, 3, 1))
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = jnp.asarray([[a, a, a], [a, b, a], [a, a, a]], self.compute_dtype)
        channels = nhwc.shape[-1]
        kernel = jnp.tile(kernel[:, :, None, None], (1, 1, 1, channels))
        smooth = jax.lax.conv_general_dilated(
            nhwc, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"),
            feature_group_count=channels)
        if self.data_format == "channels_first":
            smooth = jnp.transpose(smooth, (0, 3, 1, 2))
        out = images + (1.0 - amount) * (smooth - images)
        return jnp.clip(out, self.value_range[0], self.value_range[1])


class RandomPosterization(_ColorLayer):
    """Keep only the top ``b`` bits of each 8-bit value, ``b`` drawn as an integer from
    ``factor`` (``[low, high)``, as Keras's ``randint``; a fixed ``b`` when the two
    are equal).

    Args:
        factor: a number ``b`` in ``[1, 8]`` (reads as ``(1, b)``) or a pair.
        value_range: the range of the pixel values (mapped to 0-255 for the bit cut).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> x = np.array([[[[200.0]]]], "float32")
    >>> np.asarray(RandomPosterization((2, 2))(x)).ravel().tolist()  # top 2 bits
    [192.0]
    """

    _BOUNDS = (1, 8)

    def _transform(self, images, training):
        if not training:
            return images
        n = images.shape[0]
        if self.factor[0] != self.factor[1]:
            from kerasish import random as random_module

            bits = random_module.randint((n,), self.factor[0], self.factor[1],
                                         dtype="uint8", seed=self.generator)
        else:
            bits = jnp.full((n,), self.factor[0], "uint8")
        shift = (8 - bits).reshape(-1, 1, 1, 1)
        images = to_range(images.astype(self.compute_dtype), self.value_range, (0, 255))
        cut = jnp.left_shift(jnp.right_shift(images.astype("uint8"), shift), shift)
        return to_range(cut.astype(self.compute_dtype), (0, 255), self.value_range)
