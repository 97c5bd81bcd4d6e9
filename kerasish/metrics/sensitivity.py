"""Metrics at a constraint on the curve: the best sensitivity at a given specificity,
specificity at sensitivity, precision at recall and recall at precision, read off
confusion counts at ``num_thresholds`` evenly spaced thresholds."""

import jax.numpy as jnp

from kerasish.metrics.base import Metric, _divide_no_nan
from kerasish.metrics.confusion import confusion_counts


def _check_value(arg, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0.0 <= value <= 1.0:
        raise ValueError(f"Argument `{arg}` must be in the range [0, 1]. "
                         f"Received: {arg}={value!r}")
    return value


class _AtConstraint(Metric):
    """Counts at ``num_thresholds`` thresholds ``0, 1/(n-1), ..., 1`` (0.5 alone when
    ``num_thresholds=1``); the result is the largest ``dependent`` value among the
    thresholds where ``constrained`` reaches the target value (0 if none does)."""

    _direction = "up"
    _target = ""  # the constructor argument that holds the target value
    _rates = ("", "")  # (constrained, dependent): "sensitivity", "specificity", ...

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        setattr(self, self._target, _check_value(self._target, value))
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) \
                or num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds!r}")
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly = [0.0] + inner + [1.0], True

    def init_state(self):
        zeros = lambda: jnp.zeros((len(self.thresholds),), self.dtype)  # noqa: E731
        return {"true_positives": zeros(), "false_positives": zeros(),
                "true_negatives": zeros(), "false_negatives": zeros()}

    def update(self, state, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight,
                                  evenly=self._evenly, class_id=self.class_id,
                                  dtype=self.dtype)
        return {"true_positives": state["true_positives"] + counts["tp"],
                "false_positives": state["false_positives"] + counts["fp"],
                "true_negatives": state["true_negatives"] + counts["tn"],
                "false_negatives": state["false_negatives"] + counts["fn"]}

    def compute(self, state):
        tp, fp = state["true_positives"], state["false_positives"]
        tn, fn = state["true_negatives"], state["false_negatives"]
        rates = {"sensitivity": _divide_no_nan(tp, tp + fn),  # = recall
                 "specificity": _divide_no_nan(tn, tn + fp),
                 "precision": _divide_no_nan(tp, tp + fp)}
        rates["recall"] = rates["sensitivity"]
        constrained, dependent = (rates[r] for r in self._rates)
        feasible = constrained >= self.value
        return jnp.max(jnp.where(feasible, dependent, 0.0), initial=0.0)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._target: self.value}


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall, ``tp / (tp + fn)``) over the thresholds where the
    specificity (``tn / (tn + fp)``) is at least ``specificity``.

    Args:
        specificity: the target specificity, in [0, 1].
        num_thresholds: the number of evenly spaced thresholds in [0, 1] to count
            at. Defaults to 200.
        class_id: the column of a multi-class output to look at (None: all entries
            count as one binary problem).
        name: the metric's name. Defaults to ``"sensitivity_at_specificity"``.
        dtype: the dtype of the counts and the result.

    >>> m = SensitivityAtSpecificity(0.5, num_thresholds=5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(m.result())
    0.5
    """

    _target, _rates = "specificity", ("specificity", "sensitivity")

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity (``tn / (tn + fp)``) over the thresholds where the
    sensitivity (recall) is at least ``sensitivity``.

    Args:
        sensitivity: the target sensitivity, in [0, 1].
        num_thresholds: the number of evenly spaced thresholds in [0, 1] to count
            at. Defaults to 200.
        class_id: the column of a multi-class output to look at.
        name: the metric's name. Defaults to ``"specificity_at_sensitivity"``.
        dtype: the dtype of the counts and the result.

    >>> m = SpecificityAtSensitivity(0.5, num_thresholds=5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _target, _rates = "sensitivity", ("sensitivity", "specificity")

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtConstraint):
    """The best precision (``tp / (tp + fp)``) over the thresholds where the recall is
    at least ``recall``.

    Args:
        recall: the target recall, in [0, 1].
        num_thresholds: the number of evenly spaced thresholds in [0, 1] to count
            at. Defaults to 200.
        class_id: the column of a multi-class output to look at.
        name: the metric's name. Defaults to ``"precision_at_recall"``.
        dtype: the dtype of the counts and the result.

    >>> m = PrecisionAtRecall(0.5, num_thresholds=5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(m.result())
    0.5
    """

    _target, _rates = "recall", ("recall", "precision")

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtConstraint):
    """The best recall (``tp / (tp + fn)``) over the thresholds where the precision is
    at least ``precision``.

    Args:
        precision: the target precision, in [0, 1].
        num_thresholds: the number of evenly spaced thresholds in [0, 1] to count
            at. Defaults to 200.
        class_id: the column of a multi-class output to look at.
        name: the metric's name. Defaults to ``"recall_at_precision"``.
        dtype: the dtype of the counts and the result.

    >>> m = RecallAtPrecision(0.8, num_thresholds=5)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.5
    """

    _target, _rates = "precision", ("precision", "recall")

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
