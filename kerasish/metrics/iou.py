"""Intersection-over-union metrics for segmentation and classification: a
``(num_classes, num_classes)`` confusion matrix accumulated over batches, and the IoU
``tp / (tp + fp + fn)`` of chosen classes, averaged over the classes present."""

import warnings

import jax.numpy as jnp

from kerasish import config
from kerasish.metrics.base import Metric


def _int_dtype(dtype):
    # Keras defaults these metrics to "int": exact counts (and float weights truncated).
    return "int32" if dtype in (None, "int") else dtype


class _IoUBase(Metric):
    """The confusion-matrix state and update shared by the IoU metrics."""

    _direction = "up"

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=_int_dtype(dtype))
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) \
                or num_classes < 1:
            raise ValueError("Argument `num_classes` must be an integer >= 1. "
                             f"Received: num_classes={num_classes!r}")
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis

    def init_state(self):
        shape = (self.num_classes, self.num_classes)
        return {"total_confusion_matrix": jnp.zeros(shape, self.dtype)}

    def update_state(self, y_true, y_pred, sample_weight=None):
        weight_dtype = getattr(sample_weight, "dtype", None)
        if weight_dtype is not None and "float" in str(weight_dtype) \
                and "int" in self.dtype:
            warnings.warn(
                "You are passing weight as `float`, but dtype is `int`. This may result "
                "in an incorrect weight due to type casting Consider using integer "
                "weights.", stacklevel=2)
        super().update_state(y_true, y_pred, sample_weight)

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
        if not self.sparse_y_true:
            y_true = jnp.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = jnp.argmax(y_pred, axis=self.axis)
        y_true, y_pred = y_true.astype(self.dtype), y_pred.astype(self.dtype)
        shape = y_true.shape
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
        if sample_weight is None:
            weight = jnp.ones(y_true.shape, self.dtype)
        else:
            weight = jnp.asarray(sample_weight).astype(self.dtype)
            if 0 < weight.ndim < len(shape) and weight.shape == shape[:weight.ndim]:
                # One weight per sample of a segmentation map: spread over its pixels
                # (Keras fails here; kerasish's compiled step passes such weights).
                weight = weight.reshape(weight.shape + (1,) * (len(shape) - weight.ndim))
                weight = jnp.broadcast_to(weight, shape)
            weight = jnp.broadcast_to(weight.reshape(-1) if weight.ndim > 1 else weight,
                                      y_true.shape)
        # Out-of-range class ids (and the ignored class) never reach the matrix.
        keep = (y_true >= 0) & (y_true < self.num_classes) & \
            (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            keep = keep & (y_true != self.ignore_class)
        y_true = jnp.where(keep, y_true, 0).astype(jnp.int32)
        y_pred = jnp.where(keep, y_pred, 0).astype(jnp.int32)
        weight = jnp.where(keep, weight, 0).astype(self.dtype)
        matrix = state["total_confusion_matrix"]
        return {"total_confusion_matrix": matrix.at[y_true, y_pred].add(weight)}

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class IoU(_IoUBase):
    """Intersection over union ``tp / (tp + fp + fn)`` of the classes
    ``target_class_ids``, averaged over those that occur, as ``keras.metrics.IoU``.

    The counts are a confusion matrix over all batches; with ``sample_weight`` each
    entry counts with its weight (cast to ``dtype``: integers by default, as Keras).

    Args:
        num_classes: the number of classes (the matrix is ``num_classes`` square).
        target_class_ids: the class ids whose IoU is averaged.
        name: the metric's name. Defaults to ``"io_u"`` (Keras's).
        dtype: the dtype of the matrix. Defaults to ``"int32"``.
        ignore_class: a label id whose entries are not counted (e.g. a void class).
        sparse_y_true: labels are class ids (True) or one-hot / scores (False: the
            arg-max along ``axis`` is taken).
        sparse_y_pred: the same for the predictions.
        axis: the class axis of one-hot labels or score predictions.

    >>> m = IoU(num_classes=2, target_class_ids=[0])
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred,
                         axis=axis)
        ids = list(target_class_ids)
        if not ids or max(ids) >= num_classes or min(ids) < 0:
            raise ValueError(
                f"Target class ids must be in [0, {num_classes}). Received: "
                f"target_class_ids={target_class_ids!r}"
            )
        self.target_class_ids = ids

    def compute(self, state):
        matrix = state["total_confusion_matrix"]
        tp = jnp.diagonal(matrix)
        # row sums + column sums = 2 tp + fp + fn
        union = jnp.sum(matrix, axis=0) + jnp.sum(matrix, axis=1) - tp
        ids = jnp.asarray(self.target_class_ids, jnp.int32)
        tp = jnp.take(tp, ids).astype("float32")
        union = jnp.take(union, ids).astype("float32")
        present = union > 1e-9  # a class that never occurs is left out of the mean
        iou = jnp.where(present, tp / (union + config.epsilon()), 0.0)
        return jnp.sum(iou, axis=self.axis) / (jnp.sum(present.astype("float32"))
                                              + config.epsilon())

    def get_config(self):
        config = super().get_config()
        config = {"name": config.pop("name"), "dtype": config.pop("dtype"),
                  "num_classes": config.pop("num_classes"),
                  "target_class_ids": self.target_class_ids, **config}
        return config


class BinaryIoU(IoU):
    """IoU of a binary task: predictions ``>= threshold`` are class 1, the rest class
    0; the IoU of ``target_class_ids`` (both classes by default) is averaged.

    Args:
        target_class_ids: the classes (0 and/or 1) whose IoU is averaged.
        threshold: predictions at or above it are class 1. Defaults to 0.5.
        name: the metric's name. Defaults to ``"binary_io_u"``.
        dtype: the dtype of the matrix. Defaults to ``"int32"``.

    >>> m = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ValueError("Argument `threshold` must be a float. "
                             f"Received: threshold={threshold!r}")
        self.threshold = threshold

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_pred = (jnp.asarray(y_pred, "float32") >= self.threshold).astype(self.dtype)
        return super().update(state, y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """The mean IoU over all ``num_classes`` classes (those that occur), as
    ``keras.metrics.MeanIoU``.

    Args:
        num_classes: the number of classes.
        name: the metric's name. Defaults to ``"mean_io_u"``.
        dtype: the dtype of the matrix. Defaults to ``"int32"``.
        ignore_class: a label id whose entries are not counted.
        sparse_y_true: labels are class ids (True) or one-hot (False).
        sparse_y_pred: predictions are class ids (True) or scores (False).
        axis: the class axis of one-hot labels or scores.

    >>> m = MeanIoU(num_classes=2)
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """`IoU` for one-hot labels (and, by default, score predictions): the arg-max along
    ``axis`` gives the class ids.

    Args:
        num_classes: the number of classes.
        target_class_ids: the class ids whose IoU is averaged.
        name: the metric's name. Defaults to ``"one_hot_io_u"``.
        dtype: the dtype of the matrix. Defaults to ``"int32"``.
        ignore_class: a class id whose entries are not counted.
        sparse_y_pred: predictions are class ids (True) or scores (False, default).
        axis: the class axis.

    >>> m = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    >>> m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
    ...                [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
    >>> round(float(m.result()), 4)
    0.1667
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels (and, by default, score predictions).

    Args:
        num_classes: the number of classes.
        name: the metric's name. Defaults to ``"one_hot_mean_io_u"``.
        dtype: the dtype of the matrix. Defaults to ``"int32"``.
        ignore_class: a class id whose entries are not counted.
        sparse_y_pred: predictions are class ids (True) or scores (False, default).
        axis: the class axis.

    >>> m = OneHotMeanIoU(num_classes=3)
    >>> m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
    ...                [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
    >>> round(float(m.result()), 4)
    0.1111
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config

