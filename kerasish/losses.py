"""Losses with Keras 3's names, defaults and numbers, as plain functions of arrays.

Each function returns one value per sample (it reduces the last axis only) and is
jittable and differentiable. Each class wraps one function with a `reduction`, so that
``loss(y_true, y_pred, sample_weight)`` gives Keras's scalar while ``loss.call`` gives
the per-sample values that the training step reduces itself.

>>> import numpy as np
>>> from kerasish import losses
>>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
>>> y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
>>> losses.binary_crossentropy(y_true, y_pred).shape
(2,)
>>> round(float(losses.BinaryCrossentropy()(y_true, y_pred)), 4)
0.8149
"""

import difflib
import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# ---------------------------------------------------------------- shape helpers


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make ranks equal when they differ by a trailing axis of size 1, as Keras does.

    A rank-1 array is expanded (labels ``(N,)`` against predictions ``(N, 1)``);
    otherwise the trailing 1 is squeezed.

    >>> a, b = squeeze_or_expand_to_same_rank(np.zeros(3), np.zeros((3, 1)))
    >>> a.shape, b.shape
    ((3, 1), (3, 1))
    """
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = jnp.squeeze(x1, -1)
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


def is_binary_or_sparse_categorical(y_true_shape, y_pred_shape):
    """Keras's guess, from shapes alone, of what ``'accuracy'`` or ``'crossentropy'`` mean.

    Returns ``(is_binary, is_sparse_categorical)``; binary wins when both hold.

    >>> is_binary_or_sparse_categorical((8,), (8, 1))
    (True, True)
    >>> is_binary_or_sparse_categorical((8, 1), (8, 10))
    (False, True)
    >>> is_binary_or_sparse_categorical((8, 10), (8, 10))
    (False, False)
    """
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    classes = y_pred_shape[-1]
    is_binary = classes == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (
        y_true_shape[-1] == 1 and classes is not None and classes > 1
    )
    return is_binary, is_sparse


def _float_pair(y_true, y_pred):
    """Predictions as floats (floatx if they came as ints), labels cast to their dtype."""
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(config.floatx())
    return jnp.asarray(y_true).astype(y_pred.dtype), y_pred


def _concrete(x):
    """``x`` as a NumPy array, or None while tracing (values are unknown under jit)."""
    return None if isinstance(x, jax.core.Tracer) else np.asarray(x)


def _warn_if_not_probabilities(fn_name, y_pred, upper=1.0):
    values = _concrete(y_pred)
    if values is not None and values.size and (values.min() < 0 or values.max() > upper):
        warnings.warn(
            f"`{fn_name}` expects probabilities when `from_logits=False`, but `y_pred` "
            f"holds values that cannot be (min={values.min():.4g}, max={values.max():.4g}); "
            "they get clipped and the loss is wrong. If the model outputs logits (no "
            "sigmoid/softmax on its last layer), pass `from_logits=True`.",
            stacklevel=3,
        )


def _check_same_shape(fn_name, y_true, y_pred, hint=""):
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"`{fn_name}` expects `y_true` and `y_pred` of the same shape. Received: "
            f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}.{hint}"
        )


# ------------------------------------------------------------- function forms


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis``: one value per sample.

    Labels ``(N,)`` against predictions ``(N, 1)`` are accepted (Keras's function form
    rejects them; its class form accepts them).

    >>> binary_crossentropy([[0.0, 1.0]], [[0.6, 0.4]]).shape
    (1,)
    >>> float(binary_crossentropy([0.0], [[1e4]], from_logits=True)[0])
    10000.0
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # log(sigmoid(x)) rounds to log(0) = -inf once |x| > ~17 in float32;
        # log_sigmoid(x) and log_sigmoid(-x) stay exact, and so do their gradients.
        per_entry = -y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(
            -y_pred
        )
    else:
        _warn_if_not_probabilities("binary_crossentropy", y_pred)
        # Keras clips probabilities to [eps, 1 - eps] so log never sees 0.
        eps = config.epsilon()
        p = jnp.clip(y_pred, eps, 1.0 - eps)
        per_entry = -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))
    return jnp.mean(per_entry, axis=axis)


def _log_probabilities(y_pred, from_logits, axis, fn_name):
    if from_logits:
        # log_softmax subtracts the max before exponentiating: exact for logits of 1e4.
        return jax.nn.log_softmax(y_pred, axis=axis)
    # Keras renormalises the outputs, so only negative values betray logits here.
    _warn_if_not_probabilities(fn_name, y_pred, upper=np.inf)
    # Keras renormalises the outputs to sum to 1, then clips to [eps, 1 - eps].
    eps = config.epsilon()
    p = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    return jnp.log(jnp.clip(p, eps, 1.0 - eps))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy against one-hot (or soft) labels of the same shape as ``y_pred``.

    >>> categorical_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    Array([0.05129331, 2.3025851 ], dtype=float32)
    """
    _check_axis(axis)
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_same_shape(
        "categorical_crossentropy",
        y_true,
        y_pred,
        " If `y_true` holds integer class ids, use `sparse_categorical_crossentropy`.",
    )
    if y_pred.shape[axis] == 1:
        warnings.warn(
            "`categorical_crossentropy` over a single class is always 0: "
            f"y_pred.shape={y_pred.shape}. For two classes with one output, use "
            "`binary_crossentropy`.",
            stacklevel=2,
        )
    if label_smoothing:
        # Keras counts classes on the last axis; we count them on `axis` (same when -1).
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[axis]
    log_prob = _log_probabilities(y_pred, from_logits, axis, "categorical_crossentropy")
    return -jnp.sum(y_true * log_prob, axis=axis)


def _sparse_labels(y_true, y_pred, axis):
    """Integer labels with the shape of ``y_pred`` minus its class axis."""
    if y_pred.ndim < 1:
        raise ValueError(
            "`sparse_categorical_crossentropy` expects `y_pred` with a class axis (rank >= 1). "
            f"Received: y_pred.shape={y_pred.shape}"
        )
    y_true = jnp.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = jnp.squeeze(y_true, axis)
    expected = y_pred.shape[:axis % y_pred.ndim] + y_pred.shape[axis % y_pred.ndim + 1 :]
    if y_true.shape != expected:
        raise ValueError(
            "`sparse_categorical_crossentropy` expects integer class ids of shape "
            f"{expected} (or {expected + (1,)}) for y_pred.shape={y_pred.shape}. "
            f"Received: y_true.shape={y_true.shape}. If `y_true` is one-hot, use "
            "`categorical_crossentropy`."
        )
    return y_true


def _check_label_range(labels, num_classes, ignore_class):
    values = _concrete(labels)
    if values is None or not values.size:
        return
    if ignore_class is not None:
        values = values[values != ignore_class]
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(
            f"`sparse_categorical_crossentropy` expects class ids in [0, {num_classes}) for "
            f"{num_classes} classes. Received: min={values.min()}, max={values.max()}. Check "
            "the labels, the number of output units, or pass `ignore_class` for a void label."
        )


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy against integer class ids; labels ``(N,)`` or ``(N, 1)``.

    Entries whose label equals ``ignore_class`` get a loss of 0.

    >>> sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    Array([0.05129331, 2.3025851 ], dtype=float32)
    >>> sparse_categorical_crossentropy([[1], [-1]], [[9.0, 0.0], [0.0, 9.0]], True, -1)
    Array([9.000123, 0.      ], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(config.floatx())
    y_true = _sparse_labels(y_true, y_pred, axis)
    num_classes = y_pred.shape[axis]
    _check_label_range(y_true, num_classes, ignore_class)
    labels = y_true.astype(jnp.int32)
    if ignore_class is not None:
        valid = y_true != ignore_class
        labels = jnp.where(valid, labels, 0)
    # Negative ids would wrap around to the last classes; send them out of range
    # instead, where the gather below fills NaN: a loud result under jit.
    labels = jnp.where(labels < 0, num_classes, labels)
    log_prob = _log_probabilities(y_pred, from_logits, axis, "sparse_categorical_crossentropy")
    picked = jnp.take_along_axis(log_prob, jnp.expand_dims(labels, axis), axis=axis)
    nll = -jnp.squeeze(picked, axis)
    if ignore_class is not None:
        nll = jnp.where(valid, nll, 0.0)
    return nll


def mean_squared_error(y_true, y_pred):
    """Mean of squared errors over the last axis.

    >>> mean_squared_error([[1.0, 0.0]], [[0.5, 0.5]])
    Array([0.25], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean of absolute errors over the last axis.

    >>> mean_absolute_error([[1.0, 0.0]], [[0.5, 0.5]])
    Array([0.5], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Squared error below ``delta``, linear above it, averaged over the last axis.

    >>> huber([[0.0, 0.0]], [[0.5, 3.0]])
    Array([1.3125], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    error = y_pred - y_true
    abs_error = jnp.abs(error)
    per_entry = jnp.where(
        abs_error <= delta, 0.5 * jnp.square(error), delta * abs_error - 0.5 * delta**2
    )
    return jnp.mean(per_entry, axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
bce = BCE = binary_crossentropy


# ------------------------------------------------------------------ reduction


def _standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {REDUCTIONS}. "
            f"Received: reduction={reduction!r}"
        )
    return reduction


def _divide_no_nan(x, y):
    safe = jnp.where(y == 0, 1, y)
    return jnp.where(y == 0, jnp.zeros_like(x), x / safe)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size", mask=None):
    """Weight per-sample ``values`` and reduce them the way Keras's ``Loss.__call__`` does.

    - ``'sum_over_batch_size'`` / ``'mean'``: ``sum(values * w) / values.size``. The
      denominator counts every entry, whatever the weights (a weight of 0 still counts).
    - ``'mean_with_sample_weight'``: ``sum(values * w) / sum(w)`` (``/ values.size``
      without weights).
    - ``'sum'``: ``sum(values * w)``;  ``'none'`` / None: ``values * w``.

    ``mask`` (booleans, shape of ``values``) drops entries; under the two mean reductions
    the result is then averaged over the kept entries only. Weights of shape ``(N,)`` are
    broadcast over the trailing axes of ``values`` (Keras raises there).

    >>> values = np.array([1.0, 2.0, 3.0])
    >>> float(reduce_values(values, sample_weight=[1.0, 1.0, 0.0]))
    1.0
    >>> float(reduce_values(values, [1.0, 1.0, 0.0], "mean_with_sample_weight"))
    1.5
    """
    reduction = _standardize_reduction(reduction)
    values = jnp.asarray(values)
    if not jnp.issubdtype(values.dtype, jnp.floating):
        values = values.astype(config.floatx())
    if mask is not None:
        mask = jnp.asarray(mask).astype(values.dtype)
        if reduction in ("sum_over_batch_size", "mean"):
            # Scale kept entries by total/kept so dividing by the total count
            # gives the mean over the kept entries.
            mask = mask * _divide_no_nan(jnp.asarray(mask.size, values.dtype), jnp.sum(mask))
        if sample_weight is None:
            sample_weight = mask
        else:
            mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
            sample_weight = jnp.asarray(sample_weight, values.dtype) * mask
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight).astype(values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        if 0 < sample_weight.ndim < values.ndim:
            sample_weight = sample_weight.reshape(
                sample_weight.shape + (1,) * (values.ndim - sample_weight.ndim)
            )
        # A zero weight (a padded sample) contributes 0 even if its value is inf/NaN.
        values = jnp.where(sample_weight == 0, 0.0, values * sample_weight).astype(values.dtype)
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    total = jnp.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = jnp.sum(sample_weight)
    else:
        divisor = jnp.asarray(values.size, values.dtype)
    return _divide_no_nan(total, divisor)


# -------------------------------------------------------------------- classes


def _snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _check_from_logits(from_logits):
    if not isinstance(from_logits, (bool, np.bool_)):
        raise ValueError(
            "Received an invalid value for `from_logits`, expected True or False. "
            f"Received: from_logits={from_logits!r}"
        )


def _check_label_smoothing(label_smoothing):
    if isinstance(label_smoothing, bool) or not (
        isinstance(label_smoothing, (int, float, np.number)) and 0 <= label_smoothing <= 1
    ):
        raise ValueError(
            "Received an invalid value for `label_smoothing`, expected a float in [0, 1] "
            f"(0 means no smoothing). Received: label_smoothing={label_smoothing!r}"
        )


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(
            f"Received an invalid value for `axis`, expected an int. Received: axis={axis!r}"
        )


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` -> per-sample values.

    ``loss(y_true, y_pred, sample_weight)`` casts both to ``dtype``, runs ``call`` and
    reduces with `reduce_values`. ``compute_mask`` names entries to leave out (None here).

    >>> class Squared(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return jnp.square(y_pred - y_true)
    >>> float(Squared()(np.array([0.0, 0.0]), np.array([1.0, 3.0])))
    5.0
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if name is not None and not isinstance(name, str):
            raise ValueError(f"`name` must be a string or None. Received: name={name!r}")
        self.name = name or _snake_case(type(self).__name__)
        self.reduction = _standardize_reduction(reduction)
        self.dtype = str(jnp.dtype(dtype or config.floatx()))
        self._dtype_given = dtype is not None

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement `call(y_true, y_pred)`.")

    def compute_mask(self, y_true, y_pred):
        """Booleans (shape of ``call``'s output) for entries to keep, or None for all."""
        return None

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true).astype(self.dtype)
        y_pred = jnp.asarray(y_pred).astype(self.dtype)
        values = self.call(y_true, y_pred)
        mask = self.compute_mask(y_true, y_pred)
        return reduce_values(values, sample_weight, self.reduction, mask=mask)

    def get_config(self):
        config_ = {"name": self.name, "reduction": self.reduction}
        if self._dtype_given:
            # Keras leaves `dtype` out, so its round trip resets it to floatx; we keep a
            # dtype that was given (Keras's Loss accepts it back).
            config_["dtype"] = self.dtype
        return config_

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A `Loss` around a function ``fn(y_true, y_pred, **kwargs)`` of per-sample values.

    Ranks are aligned first (labels ``(N,)`` against predictions ``(N, 1)``).

    >>> loss = LossFunctionWrapper(huber, name="huber", delta=2.0)
    >>> loss.call(np.zeros((4, 1)), np.ones((4, 1))).shape
    (4,)
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise ValueError(
                f"`fn` must be a callable `fn(y_true, y_pred)`. Received: fn={fn!r}"
            )
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), "fn": serialize(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:  # subclasses fix their own function
            config["fn"] = deserialize(config["fn"])
        return cls(**config)


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy for 0/1 labels; ``y_pred`` are probabilities or, with
    ``from_logits=True``, logits.

    >>> bce = BinaryCrossentropy(from_logits=True)
    >>> round(float(bce(np.array([[0, 1], [0, 0]]), np.array([[-18.6, 0.51], [2.94, -12.8]]))), 4)
    0.8655
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        _check_from_logits(from_logits)
        _check_label_smoothing(label_smoothing)
        _check_axis(axis)
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy against one-hot labels of shape ``(N, num_classes)``.

    >>> cce = CategoricalCrossentropy()
    >>> round(float(cce(np.array([[0, 1, 0], [0, 0, 1]]),
    ...                 np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))), 4)
    1.1769
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        _check_from_logits(from_logits)
        _check_label_smoothing(label_smoothing)
        _check_axis(axis)
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy against integer class ids of shape ``(N,)`` or ``(N, 1)``.

    With ``ignore_class``, those entries are masked: the mean reductions average over
    the other entries only.

    >>> scce = SparseCategoricalCrossentropy(ignore_class=-1)
    >>> y_pred = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    >>> round(float(scce(np.array([0, -1, 2]), y_pred)), 4)
    1.2629
    """

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        axis=-1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        _check_from_logits(from_logits)
        _check_axis(axis)
        if ignore_class is not None and (
            isinstance(ignore_class, bool) or not isinstance(ignore_class, (int, np.integer))
        ):
            raise ValueError(
                "Received an invalid value for `ignore_class`, expected an int class id or "
                f"None. Received: ignore_class={ignore_class!r}"
            )
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def compute_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return _sparse_labels(y_true, jnp.asarray(y_pred), self.axis) != self.ignore_class

    def get_config(self):
        config_ = {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
        }
        if self.axis != -1:  # Keras drops `axis` (its round trip resets it); we keep it
            config_["axis"] = self.axis
        return config_


class MeanSquaredError(LossFunctionWrapper):
    """``mean((y_true - y_pred) ** 2)`` per sample, then reduced.

    >>> round(float(MeanSquaredError()(np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.1, 0.8]))), 4)
    0.02
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """``mean(|y_true - y_pred|)`` per sample, then reduced.

    >>> round(float(MeanAbsoluteError()(np.array([1.0, 0.3, 1.0]), np.array([1.9, 0.3, 1.8]))), 4)
    0.5667
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class Huber(LossFunctionWrapper):
    """Quadratic for errors up to ``delta``, linear beyond it.

    >>> round(float(Huber()(np.array([[0.0, 1.0], [0.0, 0.0]]),
    ...                     np.array([[0.6, 0.4], [0.4, 0.6]]))), 4)
    0.155
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        is_number = isinstance(delta, (int, float, np.number)) and not isinstance(delta, bool)
        if not (is_number and delta > 0):
            raise ValueError(
                "Received an invalid value for `delta`, expected a positive float (the error "
                f"at which the loss turns from quadratic to linear). Received: delta={delta!r}"
            )
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)
        self.delta = delta

    def get_config(self):
        # Keras leaves `delta` out of the config; we keep it so a round trip is exact.
        return {**Loss.get_config(self), "delta": self.delta}


# ------------------------------------------------------------- name lookup

_FUNCTIONS = {
    fn.__name__: fn
    for fn in (
        binary_crossentropy,
        categorical_crossentropy,
        sparse_categorical_crossentropy,
        mean_squared_error,
        mean_absolute_error,
        huber,
    )
}
_ALIASES = {
    "bce": "binary_crossentropy",
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
}
_ALIASES.update({alias.upper(): name for alias, name in _ALIASES.items()})
_CLASSES = {
    cls.__name__: cls
    for cls in (
        Loss,
        LossFunctionWrapper,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        MeanSquaredError,
        MeanAbsoluteError,
        Huber,
    )
}
# The class each function name stands for: same numbers, plus `from_logits` etc. as
# attributes the engine can read.
_CLASS_OF = {
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "huber": Huber,
}
_SHAPE_DEPENDENT = ("crossentropy", "ce")
_VALID_NAMES = sorted(
    [*_FUNCTIONS, *_ALIASES, *(n for n in _CLASSES if n not in ("Loss", "LossFunctionWrapper"))]
)


def _unknown(kind, identifier, valid, extra=""):
    close = difflib.get_close_matches(str(identifier), valid, n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}.{hint}{extra} Expected a "
        f"{kind} name, a {kind.capitalize()} instance, a callable `fn(y_true, y_pred)` or a "
        f"config dict. Valid names: {valid}"
    )


def serialize(loss):
    """A JSON-ready dict for a `Loss` or a built-in loss function (Keras's layout).

    >>> serialize(Huber())["class_name"]
    'Huber'
    >>> serialize(mean_squared_error)["config"]
    'mean_squared_error'
    """
    if isinstance(loss, Loss):
        return {
            "module": type(loss).__module__,
            "class_name": type(loss).__name__,
            "config": loss.get_config(),
            "registered_name": None,
        }
    if callable(loss) and hasattr(loss, "__name__"):
        return {
            "module": "builtins",
            "class_name": "function",
            "config": loss.__name__,
            "registered_name": "function",
        }
    raise ValueError(
        f"`serialize` expects a Loss instance or a loss function. Received: {loss!r}"
    )


def deserialize(config, custom_objects=None):
    """The `Loss` or function that `serialize` described.

    >>> deserialize(serialize(Huber(delta=2.0))).delta
    2.0
    """
    objects = {**_CLASSES, **_FUNCTIONS, **{a: _FUNCTIONS[n] for a, n in _ALIASES.items()}}
    objects.update(custom_objects or {})
    if isinstance(config, str):
        if config not in objects:
            raise _unknown("loss", config, sorted(objects))
        obj = objects[config]
        return obj() if isinstance(obj, type) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "`deserialize` expects a name or a dict with 'class_name' and 'config'. "
            f"Received: {config!r}"
        )
    if config["class_name"] == "function":
        return deserialize(config["config"], custom_objects)
    cls = objects.get(config["class_name"])
    if not isinstance(cls, type):
        raise _unknown("loss", config["class_name"], sorted(_CLASSES))
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """Resolve a loss name, instance, callable or config dict to a `Loss` object.

    Function names ('mse', 'binary_crossentropy', ...) give the matching class named after
    the identifier, as Keras's ``compile`` does; class names give the class's defaults.

    >>> get("mse").name, get("MeanSquaredError").name
    ('mse', 'mean_squared_error')
    >>> get({"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}).from_logits
    True
    >>> get(lambda y_true, y_pred: (y_pred - y_true) ** 2).name
    'lambda'
    """
    if identifier is None:
        return None
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        identifier = deserialize(identifier)
        if isinstance(identifier, Loss):
            return identifier
    if isinstance(identifier, str):
        if identifier.lower() in _SHAPE_DEPENDENT:
            raise ValueError(
                f"The loss {identifier!r} means binary, categorical or sparse categorical "
                "cross-entropy depending on the shapes of y_true and y_pred. Use "
                "`losses.resolve(identifier, y_true_shape, y_pred_shape)` (compile() does), "
                "or name the loss, e.g. 'binary_crossentropy'."
            )
        name = _ALIASES.get(identifier, identifier)
        if name in _CLASS_OF:
            return _CLASS_OF[name](name=identifier)
        if name in _CLASSES and name not in ("Loss", "LossFunctionWrapper"):
            return _CLASSES[name]()
        raise _unknown("loss", identifier, _VALID_NAMES)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        for name, fn in _FUNCTIONS.items():
            if identifier is fn:
                return _CLASS_OF[name](name=name)
        return LossFunctionWrapper(identifier, name=_snake_case(identifier.__name__))
    raise _unknown("loss", identifier, _VALID_NAMES)


def resolve(identifier, y_true_shape, y_pred_shape):
    """`get`, plus Keras's shape-based meaning of 'crossentropy' / 'ce'.

    >>> resolve("crossentropy", (8,), (8, 1))
    <BinaryCrossentropy name=crossentropy>
    >>> resolve("ce", (8,), (8, 10))
    <SparseCategoricalCrossentropy name=ce>
    """
    if isinstance(identifier, str) and identifier.lower() in _SHAPE_DEPENDENT:
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true_shape, y_pred_shape)
        if is_binary:
            return BinaryCrossentropy(name=identifier)
        if is_sparse:
            return SparseCategoricalCrossentropy(name=identifier)
        return CategoricalCrossentropy(name=identifier)
    return get(identifier)


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))
