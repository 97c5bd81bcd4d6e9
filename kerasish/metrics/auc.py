"""`AUC`: the area under the ROC or precision-recall curve from confusion counts."""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.metrics.base import Metric, _divide_no_nan
from kerasish.metrics.confusion import _check_thresholds, _evenly_spaced, confusion_counts


class AUC(Metric):
    """Area under the ROC (or precision-recall) curve, approximated by a Riemann sum
    over ``num_thresholds`` evenly spaced thresholds, as ``keras.metrics.AUC``.

    Args:
        num_thresholds: thresholds in [0, 1] to count at (> 1). Defaults to 200.
        curve: ``'ROC'`` (default), ``'PR'`` or ``'PRGAIN'``.
        summation_method: ``'interpolation'`` (default), ``'minoring'`` or
            ``'majoring'``.
        thresholds: explicit thresholds instead of ``num_thresholds``.
        multi_label: one curve per label column, averaged (else all columns pool).
        num_labels: the number of label columns (only with ``multi_label=True``).
        label_weights: weights of the label columns.
        from_logits: apply a sigmoid to ``y_pred`` first.

    >>> m = AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> round(float(m.result()), 4)
    0.75
    """

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        self.curve = _choice("curve", curve, {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"})
        self.summation_method = _choice(
            "summation_method", summation_method,
            {"interpolation": "interpolation", "majoring": "majoring", "minoring": "minoring"})
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_check_thresholds(thresholds))
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_spaced([0.0] + inner + [1.0])
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) \
                    or num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds!r}"
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        # The end thresholds lie just outside [0, 1] so that scores of exactly 0 and 1
        # still count as positive at the first and negative at the last.
        self._thresholds = np.array([0.0 - config.epsilon()] + inner + [1.0 + config.epsilon()])
        self.multi_label = bool(multi_label)
        if num_labels is not None and not self.multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None \
            else tuple(float(w) for w in np.asarray(label_weights).reshape(-1))
        self.from_logits = bool(from_logits)
        self._num_labels = num_labels

    @property
    def thresholds(self):
        return [float(t) for t in self._thresholds]

    def _build_for_shapes(self, y_true_shape, y_pred_shape):
        """Learn the number of label columns from the output shape (multi-label only)."""
        if self.multi_label and self._num_labels is None:
            if len(y_pred_shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{len(y_pred_shape)}. Full shape received for `y_pred`: {y_pred_shape}"
                )
            self._num_labels = int(y_pred_shape[-1])

    def init_state(self):
        if self.multi_label:
            if self._num_labels is None:
                raise ValueError(
                    "AUC(multi_label=True) does not know its number of labels yet. Pass "
                    "`num_labels=...`, or call `update_state` (or `compile`) first."
                )
            shape = (self.num_thresholds, self._num_labels)
        else:
            shape = (self.num_thresholds,)
        zeros = lambda: jnp.zeros(shape, self.dtype)  # noqa: E731
        return {"true_positives": zeros(), "false_positives": zeros(),
                "true_negatives": zeros(), "false_negatives": zeros()}

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._state_vars is None:
            self._build_for_shapes(None, np.shape(y_pred))
        super().update_state(y_true, y_pred, sample_weight)

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_pred = jnp.asarray(y_pred)
        if self.from_logits:
            y_pred = jax.nn.sigmoid(y_pred)
        counts = confusion_counts(
            y_true, y_pred, self._thresholds, sample_weight, evenly=self._evenly,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights, dtype=self.dtype)
        return {"true_positives": state["true_positives"] + counts["tp"],
                "false_positives": state["false_positives"] + counts["fp"],
                "true_negatives": state["true_negatives"] + counts["tn"],
                "false_negatives": state["false_negatives"] + counts["fn"]}

    def _average(self, by_label):
        if not self.multi_label:
            return by_label
        if self.label_weights is None:
            return jnp.mean(by_label)
        w = jnp.asarray(self.label_weights, self.dtype)
        return _divide_no_nan(jnp.sum(by_label * w), jnp.sum(w))

    def _interpolated_pr_auc(self, tp, fp, fn):
        # Davis & Goadrich (2006): precision interpolated along each recall step.
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, jnp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = jnp.where(both, _divide_no_nan(p[:-1], jnp.maximum(p[1:], 0)),
                          jnp.ones_like(p[1:]))
        terms = _divide_no_nan(slope * (dtp + intercept * jnp.log(ratio)),
                               jnp.maximum(tp[1:] + fn[1:], 0))
        return self._average(jnp.sum(terms, axis=0))

    def compute(self, state):
        tp, fp = state["true_positives"], state["false_positives"]
        tn, fn = state["true_negatives"], state["false_negatives"]
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr_auc(tp, fp, fn)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = _divide_no_nan(tp + fn, tn + fp)
            recall_gain = jnp.where(tp == 0, 0.0, 1.0 - scale * _divide_no_nan(fn, tp))
            precision_gain = jnp.where(tp == 0, 1.0, 1.0 - scale * _divide_no_nan(fp, tp))
            x, y = jnp.maximum(recall_gain, 0.0), precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = jnp.minimum(y[:-1], y[1:])
        else:
            heights = jnp.maximum(y[:-1], y[1:])
        return self._average(jnp.sum((x[:-1] - x[1:]) * heights, axis=0))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None
                  else list(self.label_weights),
                  "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


def _choice(name, value, options):
    key = str(value).lower()
    if key not in options:
        raise ValueError(
            f"Invalid `{name}` argument value {value!r}. Expected one of: "
            f"{sorted(set(options.values()))}"
        )
    return options[key]


