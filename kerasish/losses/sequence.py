"""Connectionist temporal classification (CTC), for unsegmented sequence labelling.

>>> logits = np.zeros((1, 4, 3), "float32")
>>> ctc(np.array([[1, 2]]), logits).shape
(1,)
"""

import jax.numpy as jnp
import numpy as np
import optax

from kerasish.losses import registry
from kerasish.losses.base import Loss, LossFunctionWrapper


def ctc(y_true, y_pred):
    """The CTC negative log-likelihood of each label sequence under the per-step logits.

    Class 0 is the blank and pads the labels: a row's length is its number of non-zero
    entries (as in Keras). Every row uses all ``max_length`` time steps of ``y_pred``.

    Args:
        y_true: integer labels, shape ``(batch_size, max_label_length)``, 0-padded.
        y_pred: logits, shape ``(batch_size, max_length, num_classes)`` (softmax is
            applied inside).

    >>> logits = np.log(np.array([[[0.5, 0.5], [0.5, 0.5]]], "float32"))
    >>> ctc(np.array([[1]]), logits)  # paths 1-1, 1-blank, blank-1: p = 3/4
    Array([0.2876821], dtype=float32)
    """
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    if y_true.ndim != 2:
        raise ValueError(
            "`ctc` expects `y_true` of shape (batch_size, max_label_length): integer labels, "
            f"0 for padding. Received: y_true.shape={y_true.shape}"
        )
    if y_pred.ndim != 3:
        raise ValueError(
            "`ctc` expects `y_pred` of shape (batch_size, max_length, num_classes): logits "
            f"per time step. Received: y_pred.shape={y_pred.shape}"
        )
    dtype = jnp.result_type(y_pred.dtype, jnp.float32)
    labels = y_true.astype(jnp.int32)
    lengths = jnp.sum(labels != 0, axis=-1)
    label_paddings = (jnp.arange(labels.shape[1])[None] >= lengths[:, None]).astype(dtype)
    logit_paddings = jnp.zeros(y_pred.shape[:2], dtype)
    # optax's forward algorithm is the one Keras's JAX backend runs (same log_epsilon).
    return optax.ctc_loss(y_pred.astype(dtype), logit_paddings, labels, label_paddings,
                          blank_id=0, log_epsilon=-1e5)


class CTC(LossFunctionWrapper):
    """`ctc` per sequence, then reduced.

    Args:
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> logits = np.log(np.array([[[0.5, 0.5], [0.5, 0.5]]], "float32"))
    >>> round(float(CTC()(np.array([[1]]), logits)), 4)
    0.2877
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


registry.register_class(CTC)
registry.register_function(ctc, CTC)
