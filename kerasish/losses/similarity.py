"""Metric-learning losses over the pairs of a batch: the Circle loss.

>>> emb = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]])
>>> circle(np.array([0, 0, 1, 1]), emb).shape
(4,)
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish.losses import registry
from kerasish.losses.base import Loss, LossFunctionWrapper, squeeze_or_expand_to_same_rank


def _pos_neg_masks(query_labels, key_labels, remove_diagonal):
    same = query_labels.reshape(-1, 1) == key_labels.reshape(1, -1)
    positive = same
    if remove_diagonal:
        positive = same & ~jnp.eye(same.shape[0], same.shape[1], dtype=bool)
    return positive, ~same


def circle(
    y_true,
    y_pred,
    ref_labels=None,
    ref_embeddings=None,
    remove_diagonal=True,
    gamma=80,
    margin=0.4,
):
    """The Circle loss of each embedding against the reference embeddings (the batch
    itself by default): pairs of the same label are pulled together, others apart, each
    pair weighted by how far it is from its optimum.

    ``y_pred`` should be L2-normalised embeddings (cosine distance is ``1 - x . y``).
    A row without positive pairs gets 0.

    Args:
        y_true: integer labels, shape ``(N,)``.
        y_pred: embeddings, shape ``(N, D)``.
        ref_labels: labels of the reference embeddings (default ``y_true``).
        ref_embeddings: reference embeddings, shape ``(M, D)`` (default ``y_pred``).
        remove_diagonal: leave out each embedding's pair with itself.
        gamma: the scale factor.
        margin: the relaxation margin.

    >>> emb = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]])
    >>> circle(np.array([0, 0, 1, 1]), emb, gamma=2.0)
    Array([0.85774463, 1.0096791 , 1.0096791 , 0.85774463], dtype=float32)
    """
    return _circle(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma,
                   margin)


def _circle(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma, margin,
            ref_rows=None):
    """`circle`; ``ref_rows`` (0/1 per reference row) leaves rows out of every pair (the
    padding of a short batch in ``fit``)."""
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype("float32")
    y_true = jnp.asarray(y_true).astype(jnp.int32)
    ref_embeddings = y_pred if ref_embeddings is None else jnp.asarray(ref_embeddings)
    ref_labels = y_true if ref_labels is None else jnp.asarray(ref_labels).astype(jnp.int32)
    distances = jnp.maximum(1.0 - y_pred @ ref_embeddings.T, 0.0)
    positive, negative = _pos_neg_masks(y_true, ref_labels, remove_diagonal)
    if ref_rows is not None:
        present = ref_rows.reshape(1, -1) > 0
        positive, negative = positive & present, negative & present
    positive = positive.astype(distances.dtype)
    negative = negative.astype(distances.dtype)
    # Optima O_p = margin, O_n = 1 + margin; decision margins D_p = margin, D_n = 1 - margin.
    pos_weights = jnp.maximum((margin + distances) * positive, 0.0)
    neg_weights = jnp.maximum((1.0 + margin - distances) * negative, 0.0)
    pos_terms = -gamma * pos_weights * (margin - distances)
    neg_terms = gamma * neg_weights * (1.0 - margin - distances)
    p_loss = jax.nn.logsumexp(jnp.where(positive > 0, pos_terms, -jnp.inf), axis=1)
    n_loss = jax.nn.logsumexp(jnp.where(negative > 0, neg_terms, -jnp.inf), axis=1)
    return jax.nn.softplus(p_loss + n_loss)


class Circle(LossFunctionWrapper):
    """The Circle loss over the pairs of each batch, averaged over the rows with a
    positive loss (rows without positive pairs are left out, as in Keras).

    Args:
        gamma: the scale factor.
        margin: the relaxation margin.
        remove_diagonal: leave out each embedding's pair with itself.
        reduction: how the values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> emb = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]])
    >>> round(float(Circle(gamma=2.0)(np.array([0, 0, 1, 2]), emb)), 4)
    0.9337
    """

    def __init__(
        self,
        gamma=80.0,
        margin=0.4,
        remove_diagonal=True,
        reduction="sum_over_batch_size",
        name="circle",
        dtype=None,
    ):
        for arg, value in (("gamma", gamma), ("margin", margin)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise ValueError(
                    f"Received an invalid value for `{arg}`, expected a float. "
                    f"Received: {arg}={value!r}"
                )
        if not isinstance(remove_diagonal, (bool, np.bool_)):
            raise ValueError(
                "Received an invalid value for `remove_diagonal`, expected True or False. "
                f"Received: remove_diagonal={remove_diagonal!r}"
            )
        super().__init__(
            circle, reduction=reduction, name=name, dtype=dtype, gamma=gamma, margin=margin,
            remove_diagonal=remove_diagonal,
        )
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def _call_on_rows(self, y_true, y_pred, rows):
        """The engine's hook (``LossTerm.rows``): values and kept rows over the batch's
        real rows only, the padded ones left out of every pair."""
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        values = _circle(y_true, y_pred, None, None, self.remove_diagonal, self.gamma,
                         self.margin, ref_rows=rows)
        return values, values > 0

    def compute_mask(self, y_true, y_pred):
        # Keras masks the rows whose loss is 0 (no positive pair): they leave the mean.
        return self.call(y_true, y_pred) > 0

    def get_config(self):
        return {**Loss.get_config(self), "gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}


registry.register_class(Circle)
registry.register_function(circle, Circle)
