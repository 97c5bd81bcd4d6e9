"""Confusion-matrix metrics: the weighted counts of true/false positives/negatives at
thresholds (`confusion_counts`), and what is computed from them."""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.losses import squeeze_or_expand_to_same_rank
from kerasish.metrics.accuracy import _check_k
from kerasish.metrics.base import Metric, _divide_no_nan

# ------------------------------------------------------- confusion-matrix metrics
#
# Precision, Recall and AUC accumulate weighted counts of true/false positives and
# negatives at a list of thresholds: a prediction counts as positive at threshold t when
# it is > t. The counts are sums of sample weights, so padded rows (weight 0) add nothing.

_NEG_INF = -1e10  # Keras's stand-in score for classes outside the top k


def _check_thresholds(thresholds):
    values = [thresholds] if not isinstance(thresholds, (list, tuple, np.ndarray)) \
        else list(np.asarray(thresholds, dtype=np.float64).reshape(-1))
    bad = [t for t in values if isinstance(t, bool) or not 0.0 <= float(t) <= 1.0]
    if bad:
        raise ValueError(
            f"Threshold values must be in [0, 1]. Received: {bad} in thresholds={thresholds!r}"
        )
    return [float(t) for t in values]


def _evenly_spaced(thresholds):
    """Whether ``thresholds`` are ``i / (n - 1)``: then a bucket count replaces the
    ``(thresholds x predictions)`` comparison, as in Keras."""
    n = len(thresholds)
    if n < 3:
        return False
    return bool(np.allclose(thresholds, np.arange(n, dtype=np.float32) / (n - 1),
                            atol=config.epsilon()))


def _filter_top_k(y_pred, k):
    _, idx = jax.lax.top_k(y_pred, k)
    keep = jnp.sum(jax.nn.one_hot(idx, y_pred.shape[-1], dtype=y_pred.dtype), axis=-2)
    return y_pred * keep + _NEG_INF * (1 - keep)


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, *, evenly=None,
                     multi_label=False, label_weights=None, top_k=None, class_id=None,
                     dtype="float32"):
    """Weighted ``tp, fp, tn, fn`` counts of one batch at each threshold (pure, jittable).

    Returns a dict of arrays of shape ``(len(thresholds),)``, or
    ``(len(thresholds), n_labels)`` with ``multi_label=True``. Labels count as positive
    when non-zero. ``top_k`` keeps only the k highest scores per sample; ``class_id``
    looks at one column only.

    >>> c = confusion_counts([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1], [0.5])
    >>> [float(c[k][0]) for k in ("tp", "fp", "tn", "fn")]
    [1.0, 1.0, 1.0, 1.0]
    """
    thresholds = np.asarray(thresholds, np.float64)
    if evenly is None:
        evenly = _evenly_spaced(thresholds)
    n_thresholds = len(thresholds)
    y_true = jnp.asarray(y_true).astype(dtype)
    y_pred = jnp.asarray(y_pred).astype(dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight).astype(dtype)[..., None]
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {y_pred.shape}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]

    weights = jnp.ones(y_pred.shape, dtype) if sample_weight is None \
        else jnp.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None:
        weights = weights * jnp.broadcast_to(jnp.asarray(label_weights, dtype), y_pred.shape)
    positive = y_true != 0
    if not multi_label:
        weights, positive, y_pred = weights.reshape(-1), positive.reshape(-1), y_pred.reshape(-1)
    else:
        weights, positive, y_pred = (a.reshape(-1, a.shape[-1])
                                     for a in (weights, positive, y_pred))
    true_w = jnp.where(positive, weights, 0.0)
    false_w = jnp.where(positive, 0.0, weights)

    if evenly:
        # Bucket i holds the predictions in (t[i], t[i + 1]]; a reversed cumulative sum
        # then counts those above each threshold. Same arithmetic as Keras, so a score
        # exactly on a threshold lands in the same bucket.
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        buckets = jnp.ceil(jnp.clip(y_pred, 0.0, 1.0) * (n_thresholds - 1)) - 1
        if with_epsilon:
            buckets = jnp.maximum(buckets, 0)
        buckets = buckets.astype(jnp.int32)

        def above(w, b):
            per_bucket = jax.ops.segment_sum(w, b, num_segments=n_thresholds)
            return jnp.flip(jnp.cumsum(jnp.flip(per_bucket)))

        if multi_label:
            tp = jax.vmap(above, in_axes=1, out_axes=1)(true_w, buckets)
            fp = jax.vmap(above, in_axes=1, out_axes=1)(false_w, buckets)
        else:
            tp, fp = above(true_w, buckets), above(false_w, buckets)
    else:
        t = jnp.asarray(thresholds, dtype).reshape((n_thresholds,) + (1,) * y_pred.ndim)
        predicted = y_pred[None] > t  # (thresholds, samples[, labels])
        tp = jnp.sum(jnp.where(predicted, true_w[None], 0.0), axis=1)
        fp = jnp.sum(jnp.where(predicted, false_w[None], 0.0), axis=1)
    total_true = jnp.sum(true_w, axis=0)
    total_false = jnp.sum(false_w, axis=0)
    return {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}


class _ThresholdMetric(Metric):
    """Precision and Recall: counts at ``thresholds`` (default 0.5), optionally only
    over the ``top_k`` scores of each sample or the ``class_id`` column."""

    _direction = "up"
    _counts = ()  # the two counts this metric keeps, e.g. ("tp", "fp")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if top_k is not None:
            _check_k(top_k)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else _NEG_INF
        self.thresholds = [default] if thresholds is None else _check_thresholds(thresholds)
        self._evenly = _evenly_spaced(self.thresholds)

    _names = {"tp": "true_positives", "fp": "false_positives", "fn": "false_negatives"}

    def init_state(self):
        return {self._names[c]: jnp.zeros((len(self.thresholds),), self.dtype)
                for c in self._counts}

    def update(self, state, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight,
                                  evenly=self._evenly, top_k=self.top_k,
                                  class_id=self.class_id, dtype=self.dtype)
        return {self._names[c]: state[self._names[c]] + counts[c] for c in self._counts}

    def compute(self, state):
        tp, other = (state[self._names[c]] for c in self._counts)
        result = _divide_no_nan(tp, tp + other)
        return result[0] if len(self.thresholds) == 1 else result

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ThresholdMetric):
    """Of the samples predicted positive (score > threshold), the fraction that are.

    ``tp / (tp + fp)``, over all batches seen; one value per threshold when
    ``thresholds`` is a list.

    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _counts = ("tp", "fp")


class Recall(_ThresholdMetric):
    """Of the positive samples, the fraction predicted positive (score > threshold).

    ``tp / (tp + fn)``, over all batches seen.

    >>> m = Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _counts = ("tp", "fn")


