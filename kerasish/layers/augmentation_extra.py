"""More image layers: ``RandomErasing``, ``RandomPerspective`` (random, active only
while training) and ``Equalization`` (histogram equalization).

They follow Keras 3.15's formulas and draw order, so with the same ``seed`` an eager
call gives Keras's numbers; inside ``fit`` the draws come from the step's key.

>>> import numpy as np, kerasish
>>> x = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
>>> aug = kerasish.Sequential([kerasish.layers.RandomErasing(value_range=(0, 1), seed=1),
...                           kerasish.layers.RandomPerspective(scale=0.3, seed=2)])
>>> aug(x, training=True).shape
(2, 8, 8, 3)
>>> bool((np.asarray(aug(x, training=False)) == x).all())
True
"""

import numbers

import jax.numpy as jnp
import numpy as np

from kerasish import random as random_module
from kerasish.layers.augmentation import INTERPOLATIONS, base_factor
from kerasish.layers.augmentation_color import check_value_range
from kerasish.layers.image_preprocessing import ImageLayer, check_choice
from kerasish.ops import image as image_ops


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_fill_value(fill_value):
    if fill_value is None or _is_number(fill_value):
        return fill_value
    if isinstance(fill_value, (tuple, list)) and len(fill_value) == 3 \
            and all(_is_number(v) for v in fill_value):
        return list(fill_value)
    raise ValueError("The `fill_value` argument should be a number (or a list of three "
                     "numbers, one per channel), or None for random noise. Received: "
                     f"fill_value={fill_value!r}")


class RandomErasing(ImageLayer):
    """Erase a random rectangle of each image (replace it with ``fill_value`` or
    noise), each image with a probability drawn from ``factor``.

    The rectangle's width and height are ``sqrt(s) * W`` and ``sqrt(t) * H`` with
    ``s``, ``t`` drawn from ``scale``; its corner is uniform over the positions where
    it fits. As in Keras, the erasing probability of each image is drawn from
    ``factor``, then the image is erased when a uniform draw falls below it (so the
    default ``factor=1.0`` erases half of the images).

    Args:
        factor: a number ``f`` (probabilities in ``[0, f]``) or a pair, in ``[0, 1]``.
        scale: a number ``s`` (``[0, s]``) or a pair in ``[0, 1]``: the range of the
            squared side fractions of the rectangle.
        fill_value: a number, three numbers (one per channel) or None (default):
            Gaussian noise times ``value_range[1]``. Clipped to ``value_range``.
        value_range: the range of the pixel values.
        seed: an int, for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.ones((1, 4, 4, 1), "float32")
    >>> y = np.asarray(RandomErasing((1.0, 1.0), scale=(0.25, 0.25), fill_value=0.0,
    ...                              value_range=(0, 1), seed=0)(x))
    >>> int((y == 0).sum())  # a 2x2 rectangle
    4
    """

    _random = True

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = base_factor(factor, (0, 1))
        self.scale = base_factor(scale, (0, 1), name="scale")
        self.fill_value = _check_fill_value(fill_value)
        check_value_range(value_range)
        self.value_range = list(value_range)  # as given (Keras does not sort it here)

    def _bounds(self, ratio, length, dtype):
        size = (ratio * length).astype(dtype)
        start = self._draw_uniform((ratio.shape[0],), dtype=dtype) * (length - size)
        return start, start + size

    def _fill(self, images):
        if self.fill_value is None:
            noise = random_module.normal(images.shape, dtype=self.compute_dtype,
                                         seed=self.generator)
            fill = noise * self.value_range[1]
        elif isinstance(self.fill_value, list):
            shape = [1, 1, 1, 3] if self.data_format == "channels_last" else [1, 3, 1, 1]
            fill = jnp.broadcast_to(jnp.asarray(self.fill_value, images.dtype).reshape(shape),
                                    images.shape)
        else:
            fill = jnp.full(images.shape, self.fill_value, images.dtype)
        return jnp.clip(fill, self.value_range[0], self.value_range[1])

    def _transform(self, images, training):
        images = self._as_compute(images)
        if not training:
            return images
        n, dtype = images.shape[0], self.compute_dtype
        height, width = self._hw(images)
        ratios = jnp.sqrt(self._draw_uniform((n, 2), self.scale[0], self.scale[1], dtype))
        x0, x1 = self._bounds(ratios[:, 0], width, dtype)
        y0, y1 = self._bounds(ratios[:, 1], height, dtype)
        rows = jnp.arange(height, dtype=dtype)[None, :, None]
        cols = jnp.arange(width, dtype=dtype)[None, None, :]
        inside = ((cols >= x0[:, None, None]) & (cols < x1[:, None, None])
                  & (rows >= y0[:, None, None]) & (rows < y1[:, None, None]))
        inside = inside[..., None] if self.data_format == "channels_last" else inside[:, None]
        probability = self._draw_uniform((n,), self.factor[0], self.factor[1])
        apply = self._draw_uniform((n,)) < probability
        erased = jnp.where(inside, self._fill(images), images)
        return jnp.where(apply[:, None, None, None], erased, images)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, scale=self.scale, fill_value=self.fill_value,
                      value_range=self.value_range)
        return config


class RandomPerspective(ImageLayer):
    """Warp each image by a random perspective: each corner moves by up to
    ``scale / 2`` of its own coordinates, each image with a probability drawn from
    ``factor``.

    Corner ``p`` (of ``(0, 0)``, ``(W-1, 0)``, ``(0, H-1)``, ``(W-1, H-1)``) goes to
    ``p * (1 + u)``, ``u`` uniform in ``[-scale/2, scale/2]`` per coordinate; points
    that fall outside the input read ``fill_value``. As in Keras, the probability of
    each image is drawn from ``factor``, then compared with a uniform draw.

    Args:
        factor: a number ``f`` (probabilities in ``[0, f]``) or a pair, in ``[0, 1]``.
        scale: the amount of corner displacement, in ``[0, 1]``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_value: the value of the points outside the input.
        seed: an int, for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> y = RandomPerspective((1.0, 1.0), scale=0.0)(x)  # no displacement
    >>> bool(np.allclose(np.asarray(y), x))
    True
    """

    _random = True

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = base_factor(factor, (0, 1))
        if not _is_number(scale) or not 0.0 <= scale <= 1.0:
            raise ValueError("The `scale` argument should be a number in the range [0,1]. "
                             f"Received: scale={scale!r}")
        self.scale = scale
        self.interpolation = check_choice("RandomPerspective", "interpolation", interpolation,
                                          INTERPOLATIONS)
        if not _is_number(fill_value):
            raise ValueError("The `fill_value` argument should be a number. Received: "
                             f"fill_value={fill_value!r}")
        self.fill_value = fill_value

    def _transform(self, images, training):
        images = self._as_compute(images)
        if not training:
            return images
        n, dtype = images.shape[0], self.compute_dtype
        height, width = self._hw(images)
        probability = self._draw_uniform((n,), self.factor[0], self.factor[1])
        apply = self._draw_uniform((n,)) < probability
        shift = self._draw_uniform((n, 4, 2), -0.5 * self.scale, 0.5 * self.scale, dtype)
        corners = jnp.asarray([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                               [width - 1, height - 1]], dtype)
        start = jnp.broadcast_to(corners, (n, 4, 2))
        end = start + start * shift
        warped = image_ops.perspective_transform(
            images, start, end, interpolation=self.interpolation,
            fill_value=self.fill_value, data_format=self.data_format)
        return jnp.where(apply[:, None, None, None], warped.astype(images.dtype), images)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, scale=self.scale, interpolation=self.interpolation,
                      fill_value=self.fill_value)
        return config


class Equalization(ImageLayer):
    """Histogram equalization of each channel: the values are spread so that their
    cumulative histogram (``bins`` bins over ``value_range``) becomes linear.

    As Keras 3.15: the histogram of a channel is taken over the whole batch (one
    lookup table per channel, shared by the images of a call); a channel whose values
    all fall in one bin is left as it is; the layer acts while training (a direct call
    included) and is the identity with ``training=False`` (``predict``).

    Args:
        value_range: the range of the pixel values (mapped to 0-255 for the
            histogram, and back).
        bins: the number of histogram bins (a positive integer).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.array([[[[10.0], [10.0], [20.0], [30.0]]]], "float32")
    >>> np.asarray(Equalization()(x)).ravel().tolist()
    [0.0, 0.0, 128.0, 255.0]
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
            raise ValueError(f"`bins` must be a positive integer. Received: bins={bins!r}")
        self.bins = int(bins)
        self.value_range = check_value_range(value_range)

    def _equalize(self, channel):
        """One channel ``(N, H, W)`` in the 0-255 scale."""
        bins = self.bins
        low, high = jnp.float32(0.0), jnp.float32(255.0)
        scaled = (channel.astype("float32") - low) * (bins - 1) / (high - low)
        index = jnp.clip(scaled.astype("int32"), 0, bins - 1)
        hist = jnp.bincount(index.ravel(), length=bins).astype("int32")
        cdf = jnp.cumsum(hist)
        cdf_min = cdf[jnp.argmax(cdf > 0)]
        denominator = cdf[-1] - cdf_min
        denominator = jnp.where(denominator == 0, 1, denominator)
        table = jnp.clip(jnp.round(((cdf - cdf_min) * 255) / denominator), 0, 255)
        lookup = jnp.clip((channel / 255.0) * (bins - 1), 0, bins - 1).astype("int32")
        equalized = jnp.take(table, lookup)
        return jnp.where(jnp.count_nonzero(hist) <= 1, channel, equalized)

    def _transform(self, images, training):
        if not training:
            return images
        images = self._as_compute(images)
        low, high = self.value_range
        to_255, back = 255.0 / (high - low), (high - low) / 255.0
        axis = -1 if self.data_format == "channels_last" else -3
        channels = []
        for i in range(images.shape[axis]):
            channel = jnp.take(images, i, axis=axis) * to_255 + (0.0 - low * to_255)
            channels.append(self._equalize(channel) * back + low)
        return jnp.stack(channels, axis=axis).astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(bins=self.bins, value_range=self.value_range)
        return config


__all__ = ["Equalization", "RandomErasing", "RandomPerspective"]
