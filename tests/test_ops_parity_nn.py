"""kerasish.ops.nn against keras.ops.nn (JAX backend): every op, from a table (see
tests/test_ops_parity_numpy.py for the conventions)."""

import numpy as np
import pytest

from ops_harness import A, c, run

# Keras warns that its `rms_scaling=True` (a row below) is deprecated.
pytestmark = pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")

FAST = {"binary_crossentropy", "conv", "normalize", "one_hot", "relu", "softmax"}

def _soft_capped(query, key, value, attn_logits_soft_cap):
    """Attention with ``cap * tanh(logits / cap)``, in numpy (one key/value head)."""
    q, k, v = (np.asarray(t, "float64") for t in (query, key, value))
    k, v = np.repeat(k, q.shape[2], axis=2), np.repeat(v, q.shape[2], axis=2)
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    logits = attn_logits_soft_cap * np.tanh(logits / attn_logits_soft_cap)
    w = np.exp(logits - logits.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", w, v).astype("float32")


_ACT = ["relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "log_sigmoid",
        "selu", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "sparse_plus",
        "sparse_sigmoid", "tanh_shrink"]

CASES = {
    # (Keras refuses integer input of sigmoid and silu: jax.nn's logistic does)
    **{n: [c(A.F, _grad=True)] + [c(A.I)] * (n not in ("sigmoid", "silu", "swish"))
       for n in _ACT},
    "elu": [c(A.F, _grad=True), c(A.F, alpha=0.5)],
    "celu": [c(A.F, _grad=True), c(A.F, alpha=0.5)],
    "gelu": [c(A.F, _grad=True), c(A.F, approximate=False, _grad=True)],
    "leaky_relu": [c(A.F, _grad=True), c(A.F, negative_slope=0.5)],
    "glu": [c(A.T, _grad=True), c(A.T2, axis=1)],
    "squareplus": [c(A.F, _grad=True), c(A.F, b=1)],
    "hard_shrink": [c(A.F), c(A.F, threshold=1.0)],
    "soft_shrink": [c(A.F), c(A.F, threshold=1.0)],
    "threshold": [c(A.F, 0.4, -1.0)],
    "softmax": [c(A.F, _grad=True), c(A.T, axis=1), c(A.I)],
    "log_softmax": [c(A.F, _grad=True), c(A.T, axis=0)],
    "sparsemax": [c(A.F), c(A.T, axis=1)],
    "normalize": [c(A.F, _grad=True), c(A.T, axis=1, order=1),
                  c(np.zeros((2, 3), "float32"), epsilon=1e-3), c(A.F, order=3)],
    "one_hot": [c(A.LABELS, 3), c(A.IDX, 4, axis=0, dtype="int32")],
    "multi_hot": [c(A.IDX, 4), c(A.VI, num_classes=6, axis=0, dtype="int32"),
                  c(A.IDX, num_tokens=5)],
    "moments": [c(A.T, [0, 1], _grad=True), c(A.T, (2,), keepdims=True)],
    "batch_normalization": [
        c(A.F, A.V3, A.P[0], -1, _grad=True),
        c(A.F, A.V3, A.P[0], 1, offset=A.W3, scale=A.V3, epsilon=0.1)],
    "layer_normalization": [c(A.T, _grad=True), c(A.T, gamma=np.ones(4, "float32") * 2,
                                                    beta=np.ones(4, "float32"), axis=-1,
                                                    epsilon=0.1),
                            c(A.T, axis=[1, 2]), c(A.T, rms_scaling=True)],
    "rms_normalization": [c(A.T, _grad=True), c(A.T, scale=np.ones(4, "float32") * 2,
                                                  axis=-1, epsilon=0.1)],
    "binary_crossentropy": [c(A.BIN, A.PROBS, _grad=True), c(A.BIN, A.F, from_logits=True)],
    "categorical_crossentropy": [c(A.ONEHOT, A.PROBS, _grad=True),
                                 c(A.ONEHOT.T, A.F.T, from_logits=True, axis=0)],
    "sparse_categorical_crossentropy": [
        c(A.LABELS, A.PROBS, _grad=True), c(A.LABELS, A.F, from_logits=True, axis=1)],
    "psnr": [c(A.P, A.P * 0.9, 4.0)],
    "polar": [c(A.P, A.F)],
    # convolutions and pooling
    "conv": [c(A.IMG, A.K, _grad=True), c(A.IMG, A.K, strides=2, padding="same"),
             c(A.CHW, np.ones((3, 3, 2, 3), "float32"), data_format="channels_first",
               dilation_rate=2, padding="same"),
             c(A.IMG1, A.K1)],
    "depthwise_conv": [c(A.IMG, A.DK), c(A.IMG, A.DK, strides=2, padding="same"),
                       c(A.CHW, A.DK, data_format="channels_first", dilation_rate=2)],
    "separable_conv": [c(A.IMG, A.DK, A.PK),
                       c(A.IMG, A.DK, A.PK, strides=2, padding="same", dilation_rate=1),
                       c(A.CHW, A.DK, A.PK, data_format="channels_first", dilation_rate=2)],
    "conv_transpose": [c(A.IMG, A.KT), c(A.IMG, A.KT, strides=2, padding="same"),
                       c(A.IMG, A.KT, strides=2, output_padding=1),
                       c(A.CHW, A.KT, data_format="channels_first", dilation_rate=2)],
    # (explicit strides: Keras 3.15's JAX pools fail with strides=None; ours default to
    # pool_size, as documented: tests/test_ops_signatures.py)
    "max_pool": [c(A.IMG, 2, strides=2), c(A.IMG, 3, strides=2, padding="same"),
                 c(A.CHW, (2, 1), strides=(2, 1), data_format="channels_first")],
    "average_pool": [c(A.IMG, 2, strides=2), c(A.IMG, 3, strides=2, padding="same"),
                     c(A.CHW, (2, 1), strides=1, data_format="channels_first")],
    "adaptive_average_pool": [c(A.IMG, 4), c(A.CHW, (3, 2), data_format="channels_first")],
    "adaptive_max_pool": [c(A.IMG, 4), c(A.CHW, (3, 2), data_format="channels_first")],
    "depth_to_space": [c(np.arange(32.0, dtype="float32").reshape(1, 2, 2, 8), 2),
                       c(np.arange(32.0, dtype="float32").reshape(1, 8, 2, 2), 2,
                         data_format="channels_first")],
    "space_to_depth": [c(A.IMG, 2), c(A.CHW, 2, data_format="channels_first")],
    "unfold": [c(A.CHW, 2), c(A.CHW, 2, dilation=2, padding=1, stride=2)],
    "fold": [c(A.COLS, (4, 4), 2),
             c(np.ones((1, 8, 9), "float32"), (4, 4), 2, dilation=1, padding=1, stride=2)],
    "ctc_loss": [c(A.CTC_T, A.CTC_O, A.CTC_TL, A.CTC_OL, _tol=1e-4),
                 c(A.CTC_T, A.CTC_O, A.CTC_TL, A.CTC_OL, mask_index=4, _tol=1e-4)],
    "ctc_decode": [c(A.CTC_O, A.CTC_OL),
                   c(A.CTC_O, A.CTC_OL, strategy="greedy", beam_width=3, top_paths=1,
                     merge_repeated=False, mask_index=4)],
    "dot_product_attention": [
        c(A.Q, A.KV, A.KV, _grad=True),
        c(A.Q, A.KV, A.KV, bias=A.ABIAS, mask=A.AMASK, scale=0.5),
        c(A.Q, A.Q, A.Q, is_causal=True, flash_attention=False),
        # Keras computes the soft cap on TPUs only: the oracle is written out here.
        c(A.Q, A.KV1, A.KV1, attn_logits_soft_cap=2.0, _oracle=_soft_capped)],
}


def _params():
    return [pytest.param(name, i, id=f"{name}-{i}",
                         marks=[] if name in FAST and i == 0 else [pytest.mark.slow])
            for name, calls in sorted(CASES.items()) for i in range(len(calls))]


@pytest.mark.parametrize("name,i", _params())
def test_nn_op_matches_keras(keras, name, i):
    """CASES: each call of each op equals Keras's (values, dtypes, gradients)."""
    assert run(keras, name, CASES[name][i]) <= CASES[name][i].tol
