"""Colour augmentation: ``RandomContrast``, ``RandomBrightness``, ``RandomGrayscale``,
``RandomInvert``, ``Solarization``, and the deterministic ``AutoContrast``.

``value_range`` is the range the pixel values live in (``(0, 255)`` by default, as in
Keras; pass ``(0, 1)`` after ``Rescaling(1 / 255)``). The random layers act only when
``training`` is True.

>>> import numpy as np, kerasish
>>> x = np.full((1, 2, 2, 3), 100.0, "float32")
>>> y = kerasish.layers.RandomBrightness((0.1, 0.1))(x)  # + 0.1 * 255
>>> float(np.asarray(y)[0, 0, 0, 0])
125.5
"""

import jax.numpy as jnp

from kerasish.layers.augmentation import base_factor
from kerasish.layers.image_preprocessing import ImageLayer
from kerasish.ops import image as image_ops


def check_value_range(value_range):
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError("The `value_range` argument should be a list of two numbers. "
                         f"Received: value_range={value_range!r}")
    return sorted(value_range)


def to_range(images, source, target):
    """Map ``images`` linearly from the ``source`` range onto the ``target`` range."""
    if source[0] == target[0] and source[1] == target[1]:
        return images
    unit = (images - source[0]) / (source[1] - source[0])
    return unit * (target[1] - target[0]) + target[0]


class RandomContrast(ImageLayer):
    """Scale each image's deviation from its per-channel mean by a random factor,
    then clip to ``value_range``.

    Args:
        factor: a number ``f`` or a pair in ``[0, 1]``, as Keras reads it: the factor is
            drawn from ``[1 - lower, 1 + upper]`` (a number gives ``(0, f)``).
        value_range: the range of the pixel values, the clip bounds.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> x = np.array([[[[0.0], [100.0]]]], "float32")
    >>> np.asarray(RandomContrast((0.5, 0.5))(x)).ravel().tolist()
    [25.0, 75.0]
    """

    _random = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = base_factor(factor, (0, 1))
        check_value_range(value_range)
        self.value_range = list(value_range)  # as given (Keras does not sort it here)

    def _transform(self, images, training):
        if not training:
            return images
        images = self._as_compute(images)
        factor = self._draw_uniform((images.shape[0], 1, 1, 1), 1.0 - self.factor[0],
                                   1.0 + self.factor[1], dtype=self.compute_dtype)
        mean = jnp.mean(images, axis=self._hw_axes(), keepdims=True)
        out = (images - mean) * factor + mean
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range)
        return config


class RandomBrightness(ImageLayer):
    """Add a random ``delta * (value_range[1] - value_range[0])`` to each image, then
    clip to ``value_range``.

    Args:
        factor: a number ``f`` (deltas in ``[-f, f]``) or a pair, in ``[-1, 1]``.
        value_range: the range of the pixel values, the clip bounds.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> RandomBrightness(0.2, seed=1)(np.zeros((2, 4, 4, 3))).shape
    (2, 4, 4, 3)
    """

    _random = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = base_factor(factor)
        self.value_range = check_value_range(value_range)

    def _transform(self, images, training):
        if not training:
            return images
        images = self._as_compute(images)
        delta = self._draw_uniform((images.shape[0], 1, 1, 1), self.factor[0], self.factor[1])
        images = images + (delta * (self.value_range[1] - self.value_range[0])).astype(
            images.dtype)
        return jnp.clip(images, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range)
        return config


class RandomGrayscale(ImageLayer):
    """Turn each image grey (all channels equal) with probability ``factor``.

    Args:
        factor: the probability, in ``[0, 1]``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((1, 2, 2, 3)).astype("float32")
    >>> y = np.asarray(RandomGrayscale(1.0)(x))
    >>> bool(np.allclose(y[..., 0], y[..., 1]))
    True
    """

    _random = True

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) \
                or not 0 <= factor <= 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor

    def _transform(self, images, training):
        if not training:
            return images
        apply = self._draw_uniform((images.shape[0],)) < self.factor
        grey = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        return jnp.where(apply[:, None, None, None], grey, images)

    def get_config(self):
        config = super().get_config()
        config.pop("seed")  # as Keras: RandomGrayscale's config has no seed
        config["factor"] = self.factor
        return config


class RandomInvert(ImageLayer):
    """Invert each image (``value_range[1] - x``) with a random probability drawn from
    ``factor``.

    Args:
        factor: the inversion probability: a number ``f`` (``[0, f]``) or a pair, in
            ``[0, 1]``.
        value_range: the range of the pixel values.
        seed: an int, for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.array([[[[0.0], [55.0]]]], "float32")
    >>> np.asarray(RandomInvert((1.0, 1.0))(x)).ravel().tolist()
    [255.0, 200.0]
    """

    _random = True

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = base_factor(factor, (0, 1))
        check_value_range(value_range)
        self.value_range = list(value_range)  # as given (Keras does not sort it here)

    def _transform(self, images, training):
        if not training:
            return images
        images = self._as_compute(images)
        n = images.shape[0]
        probability = self._draw_uniform((n,), self.factor[0], self.factor[1])
        apply = self._draw_uniform((n,)) < probability
        return jnp.where(apply[:, None, None, None], self.value_range[1] - images, images)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range)
        return config


def _solarize_factor(factor, name):
    message = (f"The `addition_factor` and `threshold_factor` arguments should be a number "
               f"(or a list of two numbers) in the range [0, 1]. Received: {name}={factor!r}")
    values = factor if isinstance(factor, (tuple, list)) else [factor]
    if isinstance(factor, (tuple, list)) and len(factor) != 2:
        raise ValueError(message)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise ValueError(message)
    return tuple(sorted(factor)) if isinstance(factor, (tuple, list)) else (0, factor)


class Solarization(ImageLayer):
    """Invert the pixels above a random threshold (after adding a random amount), in a
    0-255 scale: ``x' = x + a``; ``x' if x' < t else 255 - x'``.

    Args:
        addition_factor: a number ``f`` or a pair in ``[0, 1]``: ``a`` is drawn from
            ``[lower, upper * 255]``, as Keras.
        threshold_factor: the same for the threshold ``t``.
        value_range: the range of the pixel values.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> x = np.array([[[[10.0], [200.0]]]], "float32")
    >>> np.asarray(Solarization(threshold_factor=(0, 0))(x)).ravel().tolist()
    [245.0, 55.0]
    """

    _random = True

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = _solarize_factor(addition_factor, "addition_factor")
        self.threshold_factor = _solarize_factor(threshold_factor, "threshold_factor")
        self.value_range = check_value_range(value_range)

    def _transform(self, images, training):
        images = self._as_compute(images)
        if not training:
            return images
        shape, dtype = (images.shape[0], 1, 1, 1), self.compute_dtype
        additions = self._draw_uniform(shape, self.addition_factor[0],
                                      self.addition_factor[1] * 255, dtype)
        thresholds = self._draw_uniform(shape, self.threshold_factor[0],
                                       self.threshold_factor[1] * 255, dtype)
        images = to_range(images, self.value_range, (0, 255))
        out = jnp.clip(images + additions, 0, 255)
        out = jnp.where(out < thresholds, out, 255 - out)
        return to_range(out, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update(value_range=self.value_range, addition_factor=self.addition_factor,
                      threshold_factor=self.threshold_factor)
        return config


class AutoContrast(ImageLayer):
    """Stretch each channel of each image to the full ``value_range`` (its minimum to
    the range's low end, its maximum to the high end). Deterministic: applied at
    inference too, as in Keras.

    Args:
        value_range: the range of the pixel values.

    >>> import numpy as np
    >>> x = np.array([[[[50.0], [100.0]]]], "float32")
    >>> np.asarray(AutoContrast()(x)).ravel().tolist()
    [0.0, 255.0]
    """

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = check_value_range(value_range)

    def _transform(self, images, training):
        original = images
        images = to_range(images, self.value_range, (0, 255)).astype(self.compute_dtype)
        low = jnp.min(images, axis=self._hw_axes(), keepdims=True)
        high = jnp.max(images, axis=self._hw_axes(), keepdims=True)
        scale = 255.0 / (high - low)
        out = jnp.clip(images * scale - low * scale, 0.0, 255.0)
        out = to_range(out, (0, 255), self.value_range)
        out = jnp.where(jnp.isnan(out), original, out)  # a flat channel stays as it was
        return out.astype(images.dtype)

    def get_config(self):
        config = super().get_config()
        config["value_range"] = self.value_range
        return config


