"""Helpers of the metrics whose state or arguments depend on the data's shape: the
state sized by the number of output columns (F1Score, R2Score), and the refusal of a
batch-axis reduction inside compiled steps (correlations, CosineSimilarity)."""

import jax.numpy as jnp

from kerasish.metrics.base import Metric


class _ShapedByData(Metric):
    """A metric whose state has one entry per output column, a number known from the
    first batch or from ``compile`` (Keras builds these variables at the first
    ``update_state``; before it, ``variables`` is empty)."""

    _n_columns = None
    _needs = "2D inputs with shape (batch_size, output_dim)"

    def _state_ready(self):
        return self._n_columns is not None

    def _build_for_shapes(self, y_true_shape, y_pred_shape):
        shapes = [s for s in (y_true_shape, y_pred_shape) if s is not None]
        if any(len(s) != 2 for s in shapes) or any(s[-1] is None for s in shapes):
            raise ValueError(
                f"{type(self).__name__} expects {self._needs}, with output_dim known. "
                f"Received input shapes: y_pred.shape={y_pred_shape} and "
                f"y_true.shape={y_true_shape}."
            )
        if self._n_columns is None:
            self._n_columns = int(y_pred_shape[-1])

    def _not_built(self):
        return ValueError(
            f"{type(self).__name__} does not know its number of output columns yet: call "
            "`update_state` (or `compile` a model with it) first."
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self._state_ready():
            self._build_for_shapes(*self._shapes_for_build(y_true, y_pred))
        super().update_state(y_true, y_pred, sample_weight)

    def _shapes_for_build(self, y_true, y_pred):
        return jnp.shape(y_true), jnp.shape(y_pred)

    def reset_state(self):
        if self._state_ready():
            super().reset_state()


def _refuse_batch_axis(metric, y_pred_shape):
    """Compiled steps pad the last batch and pass row weights: a metric whose ``axis``
    runs over the batch (axis 0) would mix the padding in. Refused
    when the compiled step is built, with the way out (Keras accepts it, unweighted)."""
    rank = len(y_pred_shape) if y_pred_shape is not None else None
    if metric.axis == 0 or (rank is not None and metric.axis == -rank):
        raise ValueError(
            f"{type(metric).__name__}(axis={metric.axis}) reduces over the batch axis, which "
            "a compiled training step pads and weights by rows; it cannot be a compiled "
            "metric in kerasish. Use axis=-1 (per sample), or call the metric on whole "
            "arrays (update_state / result) after predict."
        )
