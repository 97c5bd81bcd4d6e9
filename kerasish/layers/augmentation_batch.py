"""Augmentation across the batch: ``MixUp`` and ``CutMix`` blend each image (and, when
the layer is given ``{"images": ..., "labels": ...}``, its one-hot label) with another
image of the same batch, chosen by a random permutation.

Each call draws its numbers (the permutation, the mixing weights, the boxes) and then
applies a deterministic transform, :func:`mix_up` or :func:`cut_mix`, which can be
called directly. Inside a model the layers mix images only (the labels do not pass
through the model); call them on a dict in the input pipeline to mix the labels too.

>>> import numpy as np, kerasish
>>> images = np.random.default_rng(0).random((4, 8, 8, 3)).astype("float32")
>>> labels = np.eye(4, dtype="float32")
>>> out = kerasish.layers.MixUp(alpha=0.2, seed=1)({"images": images, "labels": labels})
>>> out["images"].shape, out["labels"].shape
((4, 8, 8, 3), (4, 4))
>>> np.allclose(np.asarray(out["labels"]).sum(axis=1), 1.0)
True
"""

import jax.numpy as jnp

from kerasish import random as random_module
from kerasish.layers.augmentation import base_factor
from kerasish.layers.image_preprocessing import ImageLayer


def _row_weights(weights, ndim):
    """One weight per example, shaped to broadcast against a rank-``ndim`` batch."""
    return jnp.reshape(weights, (-1,) + (1,) * (ndim - 1))


def _mix_labels(labels, weights, permutation):
    labels = jnp.asarray(labels)
    w = _row_weights(weights, labels.ndim)
    return w * labels + (1.0 - w) * jnp.take(labels, permutation, axis=0)


def mix_up(images, mix_weight, permutation, labels=None):
    """MixUp's transform: ``w * x + (1 - w) * x[permutation]`` per example (labels the
    same way), ``w = mix_weight[i]``.

    Args:
        images: a batch ``(N, H, W, C)`` or ``(N, C, H, W)`` (the layout does not matter).
        mix_weight: ``(N,)`` weights of the images themselves.
        permutation: ``(N,)`` integer indices of the partner images.
        labels: optional ``(N, classes)`` one-hot (or soft) labels.

    Returns:
        The mixed images, or ``(images, labels)`` when labels are given.

    >>> import numpy as np
    >>> x = np.array([0.0, 10.0]).reshape(2, 1, 1, 1)
    >>> np.asarray(mix_up(x, np.array([0.75, 0.5]), np.array([1, 0]))).ravel().tolist()
    [2.5, 5.0]
    """
    images = jnp.asarray(images)
    w = _row_weights(jnp.asarray(mix_weight, images.dtype), images.ndim)
    mixed = w * images + (1.0 - w) * jnp.take(images, permutation, axis=0)
    if labels is None:
        return mixed
    return mixed, _mix_labels(labels, mix_weight, permutation)


def cut_mix_boxes(height, width, mix_weight, x_start, y_start):
    """CutMix's boxes, as Keras computes them: a box of sides ``sqrt(1 - w) * (W, H)``
    (not rounded) whose top-left corner is ``(x_start, y_start)`` (fractions of the room
    left, in ``[0, 1]``). Returns ``(x0, x1, y0, y1)`` in pixels, each ``(N,)``.

    >>> import numpy as np
    >>> box = cut_mix_boxes(4, 4, np.array([0.75]), np.array([0.0]), np.array([1.0]))
    >>> [float(v[0]) for v in box]  # sides 2 x 2, at the left, at the bottom
    [0.0, 2.0, 2.0, 4.0]
    """
    ratio = jnp.sqrt(1.0 - mix_weight)
    crop_w, crop_h = ratio * width, ratio * height
    x0 = x_start * (width - crop_w)
    y0 = y_start * (height - crop_h)
    return x0, x0 + crop_w, y0, y0 + crop_h


def cut_mix(images, boxes, permutation, labels=None, data_format="channels_last"):
    """CutMix's transform: inside each example's box the pixels come from the partner
    image ``images[permutation[i]]``; labels are mixed by the share of the image left
    outside the box, ``1 - box area / (H W)``.

    A pixel ``(row, col)`` is in the box ``(x0, x1, y0, y1)`` when ``x0 <= col < x1``
    and ``y0 <= row < y1``.

    Args:
        images: a batch, ``(N, H, W, C)`` (``channels_last``) or ``(N, C, H, W)``.
        boxes: ``(x0, x1, y0, y1)``, each ``(N,)`` (see :func:`cut_mix_boxes`).
        permutation: ``(N,)`` integer indices of the partner images.
        labels: optional ``(N, classes)`` labels.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Returns:
        The mixed images, or ``(images, labels)`` when labels are given.

    >>> import numpy as np
    >>> x = np.stack([np.zeros((2, 2, 1)), np.ones((2, 2, 1))])
    >>> box = tuple(np.array([v, v]) for v in (0.0, 1.0, 0.0, 2.0))  # the first column
    >>> np.asarray(cut_mix(x, box, np.array([1, 0])))[0, ..., 0].tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    images = jnp.asarray(images)
    h_axis, w_axis = (1, 2) if data_format == "channels_last" else (2, 3)
    height, width = images.shape[h_axis], images.shape[w_axis]
    x0, x1, y0, y1 = (_row_weights(jnp.asarray(b, images.dtype), 4) for b in boxes)
    shape = [1, 1, 1, 1]
    shape[h_axis], rows = height, jnp.arange(height, dtype=images.dtype)
    rows = rows.reshape(shape)
    shape = [1, 1, 1, 1]
    shape[w_axis], cols = width, jnp.arange(width, dtype=images.dtype)
    cols = cols.reshape(shape)
    inside = (cols >= x0) & (cols < x1) & (rows >= y0) & (rows < y1)
    mixed = jnp.where(inside, jnp.take(images, permutation, axis=0), images)
    if labels is None:
        return mixed
    area = (x1 - x0) * (y1 - y0)
    weights = (1.0 - area / (width * height)).reshape(-1)
    return mixed, _mix_labels(labels, weights, permutation)


def check_image_dict(layer, inputs):
    """Keras's dict input, ``{"images": ..., "labels": ...}`` ("labels" optional)."""
    if set(inputs) - {"images", "labels"} or "images" not in inputs:
        raise ValueError(
            f"{type(layer).__name__} takes an image batch or a dict with the keys "
            f"'images' and (optionally) 'labels'. Received a dict with keys "
            f"{sorted(inputs)}. Bounding boxes and segmentation masks are not "
            "supported by kerasish: pass them separately.")


class _BatchMix(ImageLayer):
    """Takes an image batch, or a dict ``{"images": ..., "labels": ...}``."""

    _random = True

    def call(self, inputs, training=True):
        training = True if training is None else bool(training)
        if not isinstance(inputs, dict):
            return self._mix(self._images(inputs), None, training)[0]
        check_image_dict(self, inputs)
        images = self._images(inputs["images"])
        labels = inputs.get("labels")
        if labels is not None:
            labels = jnp.asarray(labels)
            rows = 1 if images.ndim == 3 else images.shape[0]
            if labels.ndim != (1 if images.ndim == 3 else 2) or (
                    images.ndim == 4 and labels.shape[0] != rows):
                raise ValueError(
                    f"{type(self).__name__} mixes one-hot (or soft) labels of shape "
                    f"(batch, classes), one row per image. Received: labels.shape="
                    f"{labels.shape} for images.shape={images.shape}. One-hot encode "
                    "integer labels first (`kerasish.ops.one_hot(labels, num_classes)`).")
        out = dict(inputs)
        out["images"], mixed_labels = self._mix(images, labels, training)
        if labels is not None:
            out["labels"] = mixed_labels
        return out

    def _images(self, images):
        images = jnp.asarray(images)
        if jnp.issubdtype(images.dtype, jnp.floating):
            images = images.astype(self.compute_dtype)
        if images.ndim not in (3, 4):
            raise ValueError("Expected image tensor to have rank 3 (single image) or 4 "
                             f"(batch of images). Received: data.shape={images.shape}")
        return images

    def _mix(self, images, labels, training):
        if images.ndim == 3:  # one image: a batch of one
            mixed, labels = self._mix(images[None], None if labels is None else labels[None],
                                      training)
            return mixed[0], None if labels is None else labels[0]
        return self._batch(images, labels, training)


class MixUp(_BatchMix):
    """MixUp (Zhang et al., 2018): each image becomes ``w x + (1 - w) x'``, with ``x'``
    another image of the batch (a random permutation) and ``w ~ Beta(alpha, alpha)``
    drawn per image; labels given in a dict are mixed with the same weights.

    Active only when training; at inference the input is returned unchanged.

    Args:
        alpha: the Beta distribution's parameter, above 0: small values mix little
            (most weights near 0 or 1). Defaults to 0.2.
        data_format: ``"channels_last"`` (default) or ``"channels_first"`` (stored; the
            mix is the same in both layouts).
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((4, 6, 6, 3)).astype("float32")
    >>> MixUp(alpha=0.4, seed=2)(x).shape
    (4, 6, 6, 3)
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError("`alpha` must be a positive number (the parameter of the Beta "
                             f"distribution of the mixing weights). Received: alpha={alpha!r}")
        self.alpha = alpha

    def _batch(self, images, labels, training):
        if not training:
            return images, labels
        n = images.shape[0]
        # Keras's order of draws: the permutation, then the weights.
        permutation = random_module.shuffle(jnp.arange(n), seed=self.generator)
        weights = random_module.beta((n,), self.alpha, self.alpha, seed=self.generator)
        images = self._as_compute(images)
        if labels is None:
            return mix_up(images, weights, permutation), None
        return mix_up(images, weights, permutation, labels)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class CutMix(_BatchMix):
    """CutMix (Yun et al., 2019): a random box of each image is replaced by the same box
    of another image of the batch (a random permutation); labels given in a dict are
    mixed by the share of each image left outside its box.

    Per call ``a`` is drawn from ``factor`` (plus 1e-6), then per image ``w ~ Beta(a,
    a)``: the box has sides ``sqrt(1 - w)`` times the image's, at a uniform random
    position. Active only when training (and on a batch; one image is returned as is).

    Args:
        factor: a number ``f`` (``a`` in ``[0, f]``) or a pair in ``[0, 1]``. Defaults
            to 1.0.
        seed: an int, for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((4, 6, 6, 3)).astype("float32")
    >>> CutMix(seed=2)(x).shape
    (4, 6, 6, 3)
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = base_factor(factor, (0, 1))

    def _mix(self, images, labels, training):
        if images.ndim == 3:  # Keras leaves a single image as it is
            return self._as_compute(images), labels
        return super()._mix(images, labels, training)

    def _batch(self, images, labels, training):
        images = self._as_compute(images)
        if not training:
            return images, labels
        n = images.shape[0]
        height, width = self._hw(images)
        dtype = self.compute_dtype
        # Keras's order of draws: a, the weights, x, y, then the permutation.
        alpha = random_module.uniform((), self.factor[0], self.factor[1], dtype,
                                      seed=self.generator) + 1e-6
        weights = random_module.beta((n,), alpha, alpha, dtype, seed=self.generator)
        x_start = random_module.uniform((n,), dtype=dtype, seed=self.generator)
        y_start = random_module.uniform((n,), dtype=dtype, seed=self.generator)
        permutation = random_module.shuffle(jnp.arange(n, dtype="int32"), seed=self.generator)
        boxes = cut_mix_boxes(height, width, weights, x_start, y_start)
        if labels is None:
            return cut_mix(images, boxes, permutation, data_format=self.data_format), None
        return cut_mix(images, boxes, permutation, labels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


__all__ = ["CutMix", "MixUp"]
