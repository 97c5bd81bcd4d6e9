"""Image preprocessing layers: the shared base of every image layer, ``Resizing`` and
``CenterCrop``.

They take one image (rank 3) or a batch (rank 4), ``channels_last`` unless
``data_format="channels_first"``, and have no weights. The random layers built on the
same base (``RandomFlip`` ...) live in ``augmentation.py`` and ``augmentation_color.py``.

>>> import numpy as np, kerasish
>>> x = np.random.default_rng(0).random((2, 10, 12, 3)).astype("float32")
>>> kerasish.layers.Resizing(5, 6)(x).shape
(2, 5, 6, 3)
>>> kerasish.layers.CenterCrop(4, 4)(x).shape
(2, 4, 4, 3)
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import random as random_module
from kerasish.layers.base import Layer
from kerasish.ops import image as image_ops


class NotSupportedValue(ValueError, NotImplementedError):
    """Keras raises NotImplementedError for these values; a ValueError handler (this
    project's rule) catches it too."""


class ImageLayer(Layer):
    """The base of the image layers: input checks, ``data_format``, the ``training``
    rule, and the seed generator of the random ones.

    ``training`` defaults to True, as in Keras: a direct call (``layer(x)``) or a
    model called without ``training`` transforms; ``predict``/``evaluate`` pass False.
    A random layer draws its numbers from ``self.generator``, a
    :class:`kerasish.random.SeedGenerator`: inside ``fit`` from the step's key (with the
    layer's seed folded in: reproducible under ``kerasish.utils.set_random_seed``), in
    eager calls from the generator's own state (the same draws as Keras's layer with
    the same ``seed``).
    """

    _autocast_inputs = False  # Keras keeps integer images for Resizing; others cast below
    _random = False

    def __init__(self, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = image_ops.data_format_of(data_format)
        if self._random:
            if seed is not None and (isinstance(seed, bool) or not isinstance(
                    seed, (int, np.integer))):
                raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
            self.seed = seed
            self.generator = random_module.SeedGenerator(seed)
        elif seed is not None:
            raise ValueError(f"Layer {type(self).__name__} does not take a `seed` argument. "
                             f"Received: seed={seed!r}")

    # -- what subclasses write -------------------------------------------------
    def _transform(self, images, training):
        """``images`` is always a batch (N, ...); return the transformed batch."""
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------
    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            raise ValueError(
                f"{type(self).__name__} takes an image tensor. Dictionaries of images, "
                "labels, bounding boxes or segmentation masks are not supported by "
                f"kerasish. Received a dict with keys {sorted(inputs)}.")
        inputs = jnp.asarray(inputs)
        if jnp.issubdtype(inputs.dtype, jnp.floating):  # Keras casts float inputs only
            inputs = inputs.astype(self.compute_dtype)
        if inputs.ndim not in (3, 4):
            raise ValueError("Expected image tensor to have rank 3 (single image) or 4 "
                             f"(batch of images). Received: data.shape={inputs.shape}")
        training = True if training is None else bool(training)
        single = inputs.ndim == 3
        out = self._transform(inputs[None] if single else inputs, training)
        return out[0] if single else out

    def _draw_uniform(self, shape, minval=0.0, maxval=1.0, dtype=None):
        return random_module.uniform(shape, minval=minval, maxval=maxval, dtype=dtype,
                                     seed=self.generator)

    def _as_compute(self, images):
        return images.astype(self.compute_dtype)

    def _hw_axes(self, ndim=4):
        return (ndim - 3, ndim - 2) if self.data_format == "channels_last" else \
            (ndim - 2, ndim - 1)

    def _hw(self, images):
        h, w = self._hw_axes(images.ndim)
        return images.shape[h], images.shape[w]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        if self._random:
            config["seed"] = self.seed
        return config


def check_choice(layer, name, value, allowed):
    if value not in allowed:
        raise NotSupportedValue(
            f"{layer}: unknown `{name}` {value!r}. Expected one of {tuple(allowed)}. "
            f"Received: {name}={value!r}")
    return value


def check_size(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def with_hw(input_shape, height, width, data_format):
    shape = list(input_shape)
    n = len(shape)
    h, w = (n - 3, n - 2) if data_format == "channels_last" else (n - 2, n - 1)
    shape[h], shape[w] = height, width
    return tuple(shape)


class Resizing(ImageLayer):
    """Resize images to ``(height, width)`` (``kerasish.ops.image.resize``).

    Args:
        height, width: the output size.
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``,
            ``"lanczos3"``, ``"lanczos5"``.
        crop_to_aspect_ratio: crop the largest centred box of the target aspect ratio
            first, so that the image is not distorted.
        pad_to_aspect_ratio: pad (with ``fill_value``) to the target aspect ratio first.
        fill_mode: only ``"constant"``.
        fill_value: the padding value.
        antialias: low-pass filter when downsampling.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Integer images stay integers (rounded, clipped to the dtype), as in Keras.

    >>> import numpy as np
    >>> Resizing(2, 3, interpolation="nearest")(np.ones((4, 6, 1))).shape
    (2, 3, 1)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = check_size("height", height), check_size("width", width)
        self.interpolation = check_choice("Resizing", "interpolation", interpolation,
                                          image_ops.RESIZE_INTERPOLATIONS)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` "
                             "can be `True`.")
        if fill_mode != "constant":
            raise ValueError("Invalid value for argument `fill_mode`. Only 'constant' is "
                             f"supported. Received: fill_mode={fill_mode!r}")
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode, self.fill_value = fill_mode, fill_value
        self.antialias = bool(antialias)

    def _transform(self, images, training):
        return image_ops.resize(
            images, (self.height, self.width), interpolation=self.interpolation,
            antialias=self.antialias, crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
            fill_value=self.fill_value, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return with_hw(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                      pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                      fill_value=self.fill_value, antialias=self.antialias)
        return config


def crop_or_resize(images, height, width, data_format):
    """The centred ``(height, width)`` crop; an image smaller than that on some side is
    resized instead, after cropping to the target's aspect ratio (Keras's
    ``smart_resize``)."""
    n = images.ndim
    h_axis, w_axis = (n - 3, n - 2) if data_format == "channels_last" else (n - 2, n - 1)
    in_h, in_w = images.shape[h_axis], images.shape[w_axis]
    if in_h >= height and in_w >= width:
        top, left = (in_h - height) // 2, (in_w - width) // 2
        images = jax.lax.slice_in_dim(images, top, top + height, axis=h_axis)
        return jax.lax.slice_in_dim(images, left, left + width, axis=w_axis)
    return image_ops.resize(images, (height, width), crop_to_aspect_ratio=True,
                            data_format=data_format)


class CenterCrop(ImageLayer):
    """Crop the centre ``(height, width)`` of each image; an image smaller than that is
    resized to it (after cropping to the target's aspect ratio), as Keras does.

    Args:
        height, width: the output size.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> CenterCrop(2, 2)(x)[0, ..., 0].tolist()
    [[5.0, 6.0], [9.0, 10.0]]
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = check_size("height", height), check_size("width", width)

    def _transform(self, images, training):
        return crop_or_resize(self._as_compute(images), self.height, self.width,
                              self.data_format)

    def compute_output_shape(self, input_shape):
        return with_hw(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config
