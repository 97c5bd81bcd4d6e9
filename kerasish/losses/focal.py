"""Focal cross-entropies: binary and categorical cross-entropy scaled by
``(1 - p) ** gamma`` so that easy, confident examples weigh little.

>>> float(binary_focal_crossentropy([[1.0]], [[0.5]], gamma=0.0)[0]) == float(
...     binary_crossentropy([[1.0]], [[0.5]])[0])
True
"""

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.losses import registry
from kerasish.losses.base import (
    Loss,
    LossFunctionWrapper,
    _check_axis,
    _check_from_logits,
    _check_label_smoothing,
    _check_same_shape,
    _float_pair,
    _warn_if_not_probabilities,
    squeeze_or_expand_to_same_rank,
)
from kerasish.losses.crossentropy import binary_crossentropy  # noqa: F401  (docstring)



def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Binary cross-entropy scaled by ``(1 - p_t) ** gamma``, averaged over ``axis``.

    ``p_t`` is the probability given to the true label, so confident right answers
    weigh little. With ``apply_class_balancing``, entries of class 1 are also scaled by
    ``alpha`` and those of class 0 by ``1 - alpha``.

    Args:
        y_true: 0/1 labels.
        y_pred: probabilities, or logits with ``from_logits=True``.
        apply_class_balancing: weigh the classes by ``alpha`` / ``1 - alpha``.
        alpha: the weight of class 1 under class balancing.
        gamma: the focusing exponent; 0 gives plain binary cross-entropy.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: moves labels towards 0.5 by this fraction.
        axis: the axis to average over.

    >>> binary_focal_crossentropy([[0.0, 1.0]], [[0.6, 0.4]], gamma=2.0)
    Array([0.32986468], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_same_shape("binary_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # Keras takes log(clip(sigmoid(x))) here; log_sigmoid is the same number for
        # moderate logits and stays exact (with a gradient) where sigmoid saturates.
        p = jax.nn.sigmoid(y_pred)
        bce = -y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(
            -y_pred
        )
    else:
        _warn_if_not_probabilities("binary_focal_crossentropy", y_pred)
        p = y_pred
        eps = config.epsilon()
        clipped = jnp.clip(y_pred, eps, 1.0 - eps)
        bce = -(y_true * jnp.log(clipped) + (1.0 - y_true) * jnp.log(1.0 - clipped))
    p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
    focal = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return jnp.mean(focal, axis=axis)


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Categorical cross-entropy with each class's term scaled by
    ``alpha * (1 - p) ** gamma``, summed over ``axis``.

    Args:
        y_true: one-hot (or soft) labels, the shape of ``y_pred``.
        y_pred: probabilities (renormalised to sum to 1), or logits with
            ``from_logits=True``.
        alpha: the weighting factor: a float, or one float per class.
        gamma: the focusing exponent.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: mixes the labels with the uniform distribution by this fraction.
        axis: the class axis.

    >>> categorical_focal_crossentropy([[0, 1, 0]], [[0.05, 0.9, 0.05]])
    Array([0.0002634], dtype=float32)
    """
    _check_axis(axis)
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_same_shape(
        "categorical_focal_crossentropy",
        y_true,
        y_pred,
        " If `y_true` holds integer class ids, one-hot encode them first.",
    )
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "`categorical_focal_crossentropy` over a single class is always 0: "
            f"y_pred.shape={y_pred.shape}. For two classes with one output, use "
            "`binary_focal_crossentropy`.",
            stacklevel=2,
        )
    if label_smoothing:
        # Keras counts the classes on the last axis, whatever `axis` is.
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    eps = config.epsilon()
    if from_logits:
        # log_softmax rather than Keras's log(clip(softmax)): equal for moderate logits,
        # exact beyond; the focal factor uses the clipped probabilities, as Keras's.
        log_p = jax.nn.log_softmax(y_pred, axis=axis)
        p = jnp.clip(jnp.exp(log_p), eps, 1.0 - eps)
    else:
        _warn_if_not_probabilities("categorical_focal_crossentropy", y_pred, upper=np.inf)
        p = jnp.clip(y_pred / jnp.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
        log_p = jnp.log(p)
    alpha = jnp.asarray(alpha, y_pred.dtype)
    focal = alpha * jnp.power(1.0 - p, gamma) * (-y_true * log_p)
    return jnp.sum(focal, axis=axis)



def _check_number(name, value, low=None, what="a float"):
    is_number = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    if not is_number or (low is not None and value < low):
        bound = f" >= {low}" if low is not None else ""
        raise ValueError(
            f"Received an invalid value for `{name}`, expected {what}{bound}. "
            f"Received: {name}={value!r}"
        )


def _check_alpha(alpha, per_class=False):
    values = alpha if per_class and isinstance(alpha, (list, tuple)) else [alpha]
    for value in values:
        _check_number(
            "alpha", value, what="a float (or a list of floats, one per class)"
            if per_class else "a float"
        )


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(
            f"Received an invalid value for `{name}`, expected True or False. "
            f"Received: {name}={value!r}"
        )


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy that down-weighs easy examples by ``(1 - p_t) ** gamma``.

    Args:
        apply_class_balancing: weigh class 1 by ``alpha`` and class 0 by ``1 - alpha``.
        alpha: the weight of class 1 when balancing.
        gamma: the focusing exponent (0 gives `BinaryCrossentropy`).
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: moves labels towards 0.5 by this fraction.
        axis: the axis the per-sample mean runs over.
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> loss = BinaryFocalCrossentropy(gamma=2.0, from_logits=True)
    >>> round(float(loss(np.array([[0.0, 1.0]]), np.array([[-1.0, 2.0]]))), 4)
    0.0122
    """

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        _check_bool("apply_class_balancing", apply_class_balancing)
        _check_alpha(alpha)
        _check_number("gamma", gamma, low=0)
        _check_from_logits(from_logits)
        _check_label_smoothing(label_smoothing)
        _check_axis(axis)
        super().__init__(
            binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
            "apply_class_balancing": self.apply_class_balancing,
            "alpha": self.alpha,
            "gamma": self.gamma,
        }


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy with each class's term scaled by
    ``alpha * (1 - p) ** gamma``, for imbalanced classes.

    Args:
        alpha: the weighting factor: a float, or a list of one float per class.
        gamma: the focusing exponent.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: mixes the labels with the uniform distribution by this fraction.
        axis: the class axis.
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> loss = CategoricalFocalCrossentropy()
    >>> round(float(loss(np.array([[0, 1, 0], [0, 0, 1]]),
    ...                  np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))), 4)
    0.2332
    """

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        _check_alpha(alpha, per_class=True)
        _check_number("gamma", gamma, low=0)
        _check_from_logits(from_logits)
        _check_label_smoothing(label_smoothing)
        _check_axis(axis)
        super().__init__(
            categorical_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
            "alpha": self.alpha,
            "gamma": self.gamma,
        }


for _fn, _cls in (
    (binary_focal_crossentropy, BinaryFocalCrossentropy),
    (categorical_focal_crossentropy, CategoricalFocalCrossentropy),
):
    registry.register_class(_cls)
    registry.register_function(_fn, _cls)
