"""``RandomGaussianBlur``, ``RandomColorJitter`` (brightness, contrast, saturation, hue
in one layer, one seed) and ``Pipeline`` (layers applied in turn, as one layer).

>>> import numpy as np, kerasish
>>> x = np.random.default_rng(0).random((2, 6, 6, 3)).astype("float32")
>>> pipe = kerasish.layers.Pipeline([kerasish.layers.RandomFlip(seed=1),
...                                  kerasish.layers.RandomGaussianBlur(seed=2)])
>>> pipe(x).shape
(2, 6, 6, 3)
"""

import jax.numpy as jnp

from kerasish.layers.augmentation import base_factor
from kerasish.layers.augmentation_color import (RandomBrightness, RandomContrast,
                                                check_value_range)
from kerasish.layers.augmentation_more import RandomHue, RandomSaturation
from kerasish.layers.base import Layer, get_keras_mask
from kerasish.layers.image_preprocessing import ImageLayer
from kerasish.layers.rnn_cells import _serialization, deserialize_layer, keras_names
from kerasish.ops import image as image_ops


def _odd_sizes(value, name):
    message = f"{name} must be an odd number. Received: {name}={value!r}"
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"The `{name}` argument should be a number (or a list of two "
                             f"numbers) Received: {name}={value!r}")
        if value[0] % 2 == 0 or value[1] % 2 == 0:
            raise ValueError(message)
        return tuple(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value % 2 == 0:
        raise ValueError(message)
    return (value, value)


class RandomGaussianBlur(ImageLayer):
    """Blur each image with probability drawn from ``factor``, with a Gaussian kernel of
    ``kernel_size`` whose two standard deviations are drawn from ``sigma`` (one pair per
    batch, as Keras), then clip to ``value_range``.

    Args:
        factor: the blur probability: a number ``f`` (``[0, f]``) or a pair in ``[0, 1]``.
        kernel_size: an odd int, or a pair of odd ints ``(kx, ky)``.
        sigma: a number ``s`` (``[0, s]``) or a pair in ``[0, 1]``.
        value_range: the range of the pixel values.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> RandomGaussianBlur(seed=1)(np.ones((2, 5, 5, 3))).shape
    (2, 5, 5, 3)
    """

    _random = True

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = base_factor(factor, (0, 1))
        self.kernel_size = _odd_sizes(kernel_size, "kernel_size")
        self.sigma = base_factor(sigma, (0, 1), "sigma")
        check_value_range(value_range)
        self.value_range = list(value_range)

    def _transform(self, images, training):
        images = self._as_compute(images)
        if not training:
            return images
        n = images.shape[0]
        probability = self._draw_uniform((n,), self.factor[0], self.factor[1])
        apply = self._draw_uniform((n,)) < probability
        sigma = self._draw_uniform((2,), self.sigma[0], self.sigma[1], self.compute_dtype)
        sigma = sigma + 1e-6
        blurred = image_ops.gaussian_blur(images, self.kernel_size, (sigma[0], sigma[1]),
                                          data_format=self.data_format)
        out = jnp.where(apply[:, None, None, None], blurred, images)
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, kernel_size=self.kernel_size, sigma=self.sigma,
                      value_range=self.value_range)
        return config


class RandomColorJitter(ImageLayer):
    """Brightness, contrast, saturation and hue changes in turn (each only when its
    factor is given), all drawn from this layer's one seed, with the rules of
    ``RandomBrightness``, ``RandomContrast``, ``RandomSaturation`` and ``RandomHue``.

    Args:
        value_range: the range of the pixel values.
        brightness_factor, contrast_factor, saturation_factor, hue_factor: each
            sub-layer's ``factor``, or None to skip it.
        seed: an int, for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> jitter = RandomColorJitter(value_range=(0, 1), brightness_factor=0.2,
    ...                            contrast_factor=0.2, seed=1)
    >>> jitter(np.full((2, 4, 4, 3), 0.5, "float32")).shape
    (2, 4, 4, 3)
    """

    _random = True

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        check_value_range(value_range)
        self.value_range = list(value_range)
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        steps = []
        for cls, factor in ((RandomBrightness, brightness_factor),
                            (RandomContrast, contrast_factor),
                            (RandomSaturation, saturation_factor), (RandomHue, hue_factor)):
            if factor is None:
                continue
            extra = {} if cls in (RandomBrightness, RandomContrast) else {
                "data_format": self.data_format}
            step = cls(factor=factor, value_range=value_range, seed=seed, **extra)
            step.generator = self.generator  # Keras draws every step from this layer's
            steps.append(step)
        object.__setattr__(self, "_steps", steps)  # helpers, not sub-layers (no weights)

    def _transform(self, images, training):
        images = self._as_compute(images)
        if not training:
            return images
        for step in self._steps:
            images = step._transform(images, True)
        return images.astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(value_range=self.value_range, brightness_factor=self.brightness_factor,
                      contrast_factor=self.contrast_factor,
                      saturation_factor=self.saturation_factor, hue_factor=self.hue_factor)
        return config


class Pipeline(Layer):
    """Apply ``layers`` one after the other, as one layer (for augmentation pipelines).

    ``training`` is passed to every layer that takes it (True by default, as Keras); a
    mask is passed to the layers that take one.

    Args:
        layers: a list of layers.
        name: the layer's name.

    >>> import numpy as np
    >>> from kerasish.layers.augmentation import RandomFlip
    >>> pipe = Pipeline([RandomFlip("horizontal", seed=1)])
    >>> x = np.arange(4.0).reshape(1, 1, 4, 1)
    >>> bool((np.asarray(pipe(x, training=False)) == x).all())
    True
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(
                isinstance(la, Layer) for la in layers):
            raise ValueError("`layers` must be a list of layers. Received: "
                             f"layers={layers!r}")
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True, mask=None):
        training = True if training is None else training
        for layer in self._pipeline_layers:
            kwargs = {}
            if "mask" in layer._call_params:
                kwargs["mask"] = mask
            if layer._call_has_training:
                kwargs["training"] = training
            inputs = layer(inputs, **kwargs)
            mask = get_keras_mask(inputs)
        return inputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        serialize = _serialization().serialize_keras_object
        return {"layers": [keras_names(serialize(la)) for la in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "`Pipeline` config must contain a `layers` key mapping to a list of "
                f"serialized layers. Received config with layers={layers}.")
        config = dict(config, layers=[deserialize_layer(la) for la in layers])
        return cls(**config)
