"""`FBetaScore` and `F1Score`: the weighted harmonic mean of precision and recall, per
class or averaged, from counts accumulated over batches."""

import jax.numpy as jnp

from kerasish import config
from kerasish.metrics.shapes import _ShapedByData

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(_ShapedByData):
    """F-beta score: ``(1 + beta^2) * precision * recall / (beta^2 * precision + recall)``
    per class, over all batches seen, as ``keras.metrics.FBetaScore``.

    A prediction counts as positive where it is the row's highest score (and not 0)
    when ``threshold`` is None, else where it exceeds ``threshold``. The counts (true
    positives, false positives, false negatives and the label weights) are kept per
    class, or summed over classes with ``average="micro"``.

    Args:
        average: None (one score per class), ``"micro"`` (from the counts summed over
            classes), ``"macro"`` (the mean of the per-class scores) or ``"weighted"``
            (their mean weighted by each class's number of true labels).
        beta: the weight of recall against precision (a float > 0). Defaults to 1.0.
        threshold: a float in (0, 1], or None for the arg-max rule above.
        name: the metric's name. Defaults to ``"fbeta_score"``.
        dtype: the dtype of the counts and the result.

    >>> m = FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
    ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> [round(float(v), 4) for v in m.result()]
    [0.3846, 0.9091, 0.8333]
    """

    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError(
                "Invalid `average` argument value. Expected one of: {None, 'micro', "
                f"'macro', 'weighted'}}. Received: average={average!r}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                "Invalid `beta` argument value. It should be a Python float (e.g. 2.0). "
                f"Received: beta={beta!r} of type {type(beta).__name__!r}"
            )
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. "
                             f"Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float "
                    f"(e.g. 0.5). Received: threshold={threshold!r} of type "
                    f"{type(threshold).__name__!r}"
                )
            if not 0.0 < threshold <= 1.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0

    def init_state(self):
        if not self._state_ready():
            raise self._not_built()
        shape = () if self.average == "micro" else (self._n_columns,)
        zeros = lambda: jnp.zeros(shape, self.dtype)  # noqa: E731
        return {"true_positives": zeros(), "false_positives": zeros(),
                "false_negatives": zeros(), "intermediate_weights": zeros()}

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true).astype(self.dtype)
        y_pred = jnp.asarray(y_pred).astype(self.dtype)
        if self.threshold is None:
            top = jnp.max(y_pred, axis=-1, keepdims=True)
            # A row of zeros predicts nothing (not every class).
            predicted = (y_pred >= top) & (jnp.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(self.dtype)
        if sample_weight is not None:
            sample_weight = jnp.asarray(sample_weight).astype(self.dtype)

        def weighted_sum(values):
            if sample_weight is not None:
                values = values * jnp.expand_dims(sample_weight, 1)
            return jnp.sum(values, axis=self.axis)

        return {
            "true_positives": state["true_positives"] + weighted_sum(predicted * y_true),
            "false_positives": state["false_positives"]
            + weighted_sum(predicted * (1 - y_true)),
            "false_negatives": state["false_negatives"]
            + weighted_sum((1 - predicted) * y_true),
            "intermediate_weights": state["intermediate_weights"] + weighted_sum(y_true),
        }

    def compute(self, state):
        eps = config.epsilon()
        tp = state["true_positives"]
        precision = tp / (tp + state["false_positives"] + eps)
        recall = tp / (tp + state["false_negatives"] + eps)
        beta2 = self.beta ** 2
        score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            weights = state["intermediate_weights"]
            return jnp.sum(score * (weights / (jnp.sum(weights) + eps)))
        if self.average is not None:
            return jnp.mean(score)
        return score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall (`FBetaScore` with
    ``beta=1.0``), as ``keras.metrics.F1Score``.

    Args:
        average: None (one score per class), ``"micro"``, ``"macro"`` or
            ``"weighted"``: see `FBetaScore`.
        threshold: a float in (0, 1], or None: a prediction is positive where it is
            the row's highest score.
        name: the metric's name. Defaults to ``"f1_score"``.
        dtype: the dtype of the counts and the result.

    >>> m = F1Score(average="micro", threshold=0.5)
    >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
    ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> round(float(m.result()), 4)
    0.6667
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
