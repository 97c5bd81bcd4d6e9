"""The pieces every loss shares: rank alignment, Keras's reductions, the `Loss` base
class and `LossFunctionWrapper`, and the argument checks the loss classes use.

>>> reduce_values(np.array([1.0, 3.0]), sample_weight=[1.0, 0.0]).item()
0.5
"""

import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.losses import registry
from kerasish.losses.registry import _snake_case, is_binary_or_sparse_categorical  # noqa: F401

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

    >>> from kerasish.losses import huber
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
        return {**super().get_config(), "fn": registry.serialize(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:  # subclasses fix their own function
            config["fn"] = registry.deserialize(config["fn"])
        return cls(**config)



registry.register_class(Loss, abstract=True)
registry.register_class(LossFunctionWrapper, abstract=True)
