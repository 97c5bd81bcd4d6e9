"""Attention layers against real Keras 3 on the same weights: MultiHeadAttention
(value_dim, output_shape, attention_axes, use_gate, sliding_window, use_bias, causal
and explicit masks, Embedding masks, returned scores, both of Keras's kernels),
Attention (dot/concat, use_scale), AdditiveAttention, GroupQueryAttention; outputs
and gradients under jit; a Transformer block trained with fit; weight files and
``.keras`` files both ways; the refusals."""

import jax
import numpy as np
import pytest

import kerasish
from kerasish import layers as klayers

RNG = np.random.default_rng(0)
Q = RNG.normal(size=(2, 4, 6)).astype("float32")
V = RNG.normal(size=(2, 5, 6)).astype("float32")
K_ = RNG.normal(size=(2, 5, 6)).astype("float32")
Q_MASK = np.array([[1, 1, 1, 0], [1, 0, 1, 1]], bool)
V_MASK = np.array([[1, 1, 0, 0, 1], [1, 1, 1, 1, 0]], bool)
ATT_MASK = RNG.integers(0, 2, size=(2, 4, 5)).astype(bool)
IDS = np.array([[3, 5, 2, 0, 0], [1, 2, 7, 9, 4], [4, 6, 1, 8, 0]], "int32")


def _leaves(x):
    return [np.asarray(a) for a in jax.tree_util.tree_leaves(x)]


def _close(ours, theirs, tol=1e-5):
    ours, theirs = _leaves(ours), _leaves(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _twins(theirs, ours, args, seed=1, **kwargs):
    """Build both on ``args``, give them the same random weights (checking Keras's
    weight paths and shapes), return them."""
    theirs(*args, **kwargs)
    ours(*args, **kwargs)
    assert [w.path for w in ours.weights] == [w.path.replace(theirs.name, ours.name, 1)
                                              for w in theirs.weights]
    rng = np.random.default_rng(seed)
    weights = [(0.5 * rng.normal(size=w.shape)).astype("float32") for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return ours, theirs


def _grads(layer, args, kwargs, stateless):
    """d sum(output)/d weights, through each library's stateless call, under jit."""
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]

    def loss(t):
        out = stateless(layer, t, non_trainable, args, kwargs)
        out = out[0] if isinstance(out, tuple) else out
        return (out ** 2).sum()

    return jax.jit(jax.grad(loss))(trainable)


def _ours_stateless(layer, t, n, args, kwargs):
    return layer.stateless_call(t, n, *args, **kwargs)[0]


def _keras_stateless(layer, t, n, args, kwargs):
    return layer.stateless_call(t, n, *args, **kwargs)[0]


MHA_CASES = {  # (constructor kwargs, call kwargs); several options per case
    "plain": ({}, {}),
    "value_dim_output_shape_scores": ({"value_dim": 4, "output_shape": 3},
                                      {"return_attention_scores": True}),
    "value_mask_dot_product_kernel": ({}, {"value_mask": V_MASK}),
    "value_mask_softmax_path": ({}, {"value_mask": V_MASK, "return_attention_scores": True}),
    "key_and_attention_mask_no_bias": ({"use_bias": False},
                                       {"key": K_, "key_mask": V_MASK,
                                        "attention_mask": ATT_MASK}),
    "gate_sliding_window": ({"use_gate": True, "sliding_window": 2}, {}),
    "causal_self": ({}, {"use_causal_mask": True, "self": True}),
    "causal_self_scores_masked": ({}, {"use_causal_mask": True, "self": True,
                                       "value_mask": Q_MASK,
                                       "return_attention_scores": True}),
}


def _tiered(names, fast):
    """Every case; those not in ``fast`` in the slow tier (CI runs them)."""
    return [n if n in fast else pytest.param(n, marks=pytest.mark.slow) for n in names]


@pytest.mark.parametrize("case", _tiered(sorted(MHA_CASES), {
    "plain", "key_and_attention_mask_no_bias"}))
def test_multi_head_attention_matches_keras(keras, case, request):
    ctor, call = MHA_CASES[case]
    call = dict(call)
    value = Q if call.pop("self", False) else V
    ours, theirs = _twins(keras.layers.MultiHeadAttention(2, 3, **ctor),
                          klayers.MultiHeadAttention(2, 3, **ctor), (Q, value),
                          return_attention_scores=True)
    _close(ours(Q, value, **call), theirs(Q, value, **call))
    if ctor.get("value_dim") and call.get("return_attention_scores"):
        # Keras 3.15 on JAX fails without scores here (its fused kernel wants equal
        # head sizes); kerasish takes the explicit softmax: the same output.
        _close(ours(Q, value), ours(Q, value, **call)[0])
    # Gradients, under jit, as the engine takes them (every case in the slow tier).
    if case == "plain" or request.node.get_closest_marker("slow"):
        _close(_grads(ours, (Q, value), call, _ours_stateless),
               _grads(theirs, (Q, value), call, _keras_stateless), tol=1e-4)


@pytest.mark.parametrize("scores", [pytest.param(False, marks=pytest.mark.slow), True])
def test_query_mask_from_the_tensor_matches_keras(keras, scores):
    """Keras reads the query's mask off the tensor (here from Masking): masked query
    rows; fully masked rows follow Keras's kernel choice (the fused kernel averages
    the values, the explicit softmax gives zeros)."""
    q = np.where(Q_MASK[..., None], Q, 0.0).astype("float32")
    v = np.where(V_MASK[..., None], V, 0.0).astype("float32")
    ours, theirs = _twins(keras.layers.MultiHeadAttention(2, 3),
                          klayers.MultiHeadAttention(2, 3), (q, v))
    masking = keras.layers.Masking()
    expected = theirs(masking(q), masking(v), return_attention_scores=scores)
    ours_masking = klayers.Masking()
    got = ours(ours_masking(q), ours_masking(v), return_attention_scores=scores)
    _close(got, expected)
    # An explicit `query_mask` gives the same numbers (Keras 3.15 ignores it).
    _close(ours(q, v, query_mask=Q_MASK, value_mask=V_MASK, return_attention_scores=scores),
           expected)
    out = got[0] if scores else got
    assert np.array_equal(np.asarray(kerasish.layers.base.get_keras_mask(out)), Q_MASK)


@pytest.mark.slow
def test_multi_head_attention_over_two_axes_matches_keras(keras):
    x = RNG.normal(size=(2, 3, 4, 5)).astype("float32")
    ours, theirs = _twins(keras.layers.MultiHeadAttention(2, 3, attention_axes=(1, 2)),
                          klayers.MultiHeadAttention(2, 3, attention_axes=(1, 2)), (x, x))
    _close(ours(x, x, return_attention_scores=True),
           theirs(x, x, return_attention_scores=True))
    _close(ours(x, x), theirs(x, x))
    assert ours.get_config()["attention_axes"] == (1, 2)


@pytest.mark.slow
def test_embedding_masks_flow_through_attention_like_keras(keras):
    """Embedding(mask_zero=True) -> self-attention -> masked average: the query and
    value masks are taken from the inputs, and the output keeps the query's mask."""
    def build(lib):
        ids = lib.Input((5,), dtype="int32")
        x = lib.layers.Embedding(10, 6, mask_zero=True)(ids)
        x = lib.layers.MultiHeadAttention(2, 3)(x, x)
        y = lib.layers.Attention(use_scale=True)([x, x])
        return lib.Model(ids, lib.layers.GlobalAveragePooling1D()(y))

    theirs, ours = build(keras), build(kerasish)
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected = theirs.predict(IDS, verbose=0)
    _close(ours.predict(IDS, verbose=0), expected)
    # The masks matter: without them the numbers differ.
    unmasked = ours.predict(np.where(IDS == 0, 1, IDS), verbose=0)
    assert np.abs(unmasked - expected).max() > 1e-3
    # Eagerly too: the layer reads the mask Embedding left on its output.
    emb = klayers.Embedding(10, 6, mask_zero=True)
    mha = klayers.MultiHeadAttention(2, 3)
    out = mha(emb(IDS), emb(IDS))
    assert np.array_equal(np.asarray(kerasish.layers.base.get_keras_mask(out)), IDS != 0)


ATT_CASES = {
    "dot": ("Attention", {}),
    "dot_scaled": ("Attention", {"use_scale": True}),
    "concat_scaled": ("Attention", {"score_mode": "concat", "use_scale": True}),
    "additive": ("AdditiveAttention", {}),
    "additive_unscaled": ("AdditiveAttention", {"use_scale": False}),
}
ATT_CALLS = {
    "plain": {},
    "masks_key": {"mask": [Q_MASK, V_MASK], "key": True},
    "causal_scores": {"use_causal_mask": True, "return_attention_scores": True},
}


@pytest.mark.parametrize("case_call", _tiered(
    [f"{case}-{call}" for case in sorted(ATT_CASES) for call in sorted(ATT_CALLS)],
    {"dot_scaled-masks_key"}))
def test_attention_layers_match_keras(keras, case_call):
    case, call = case_call.split("-")
    cls, ctor = ATT_CASES[case]
    call = dict(ATT_CALLS[call])
    inputs = [Q, V, K_] if call.pop("key", False) else [Q, V]
    if call.get("use_causal_mask"):
        inputs = [Q, Q]
    ours, theirs = _twins(getattr(keras.layers, cls)(**ctor), getattr(klayers, cls)(**ctor),
                          ([Q, V],))
    _close(ours(inputs, **call), theirs(inputs, **call))
    if ours.trainable_variables:
        _close(_grads(ours, (inputs,), call, _ours_stateless),
               _grads(theirs, (inputs,), call, _keras_stateless), tol=1e-4)


@pytest.mark.parametrize("ctor,call", [
    pytest.param({"use_gate": True}, {"return_attention_scores": True, "value_mask": V_MASK},
                 marks=pytest.mark.slow),
    pytest.param({}, {}, marks=pytest.mark.slow),
    pytest.param({"sliding_window": 2, "use_bias": False},
                 {"use_causal_mask": True, "self": True}, marks=pytest.mark.slow),
])
def test_group_query_attention_matches_keras(keras, ctor, call):
    call = dict(call)
    value = Q if call.pop("self", False) else V
    ours, theirs = _twins(keras.layers.GroupQueryAttention(3, 4, 2, **ctor),
                          klayers.GroupQueryAttention(3, 4, 2, **ctor), (Q, value))
    _close(ours(Q, value, **call), theirs(Q, value, **call))
    _close(_grads(ours, (Q, value), call, _ours_stateless),
           _grads(theirs, (Q, value), call, _keras_stateless), tol=1e-4)
    theirs_config = theirs.get_config()
    ours_config = ours.get_config()
    assert sorted(ours_config) == sorted(theirs_config)
    assert {k: v for k, v in ours_config.items() if k not in ("dtype", "name")} == \
        {k: v for k, v in theirs_config.items() if k not in ("dtype", "name")}


def test_configs_have_keras_keys(keras):
    for make in (lambda m: m.MultiHeadAttention(2, 3, value_dim=4, dropout=0.1, seed=3),
                 lambda m: m.Attention(use_scale=True, score_mode="concat", dropout=0.2),
                 lambda m: m.AdditiveAttention(use_scale=False)):
        theirs, ours = make(keras.layers), make(klayers)
        a, b = ours.get_config(), theirs.get_config()
        assert sorted(a) == sorted(b)
        assert {k: v for k, v in a.items() if k not in ("dtype", "name")} == \
            {k: v for k, v in b.items() if k not in ("dtype", "name")}
        again = type(ours).from_config(a)
        assert again.get_config() == a


def _block(lib, seed=0):
    """A small Transformer encoder block (self-attention, residual, LayerNormalization,
    feed-forward) on token ids, then a classifier."""
    ids = lib.Input((5,), dtype="int32")
    x = lib.layers.Embedding(10, 8, mask_zero=True)(ids)
    h = lib.layers.MultiHeadAttention(2, 4)(x, x)
    x = lib.layers.LayerNormalization()(lib.layers.Add()([x, h]))
    f = lib.layers.Dense(8)(lib.layers.Dense(16, activation="relu")(x))
    x = lib.layers.LayerNormalization()(lib.layers.Add()([x, f]))
    out = lib.layers.Dense(1, activation="sigmoid")(lib.layers.GlobalAveragePooling1D()(x))
    return lib.Model(ids, out)


@pytest.mark.slow
def test_transformer_block_trains_with_fit_like_keras(keras):
    theirs, ours = _block(keras), _block(kerasish)
    rng = np.random.default_rng(4)
    weights = [(0.3 * rng.normal(size=w.shape)).astype("float32") for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    x = rng.integers(0, 10, size=(24, 5)).astype("int32")
    x[:, 3:] *= rng.integers(0, 2, size=(24, 2))  # some padding
    y = (x.sum(axis=1) > 22).astype("float32")[:, None]
    for model, lib in ((theirs, keras), (ours, kerasish)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="binary_crossentropy")
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    h_ours = ours.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h_ours["loss"], h_theirs["loss"], rtol=1e-4, atol=1e-5)
    assert h_ours["loss"][-1] < h_ours["loss"][0]  # it learns
    _close(ours.get_weights(), theirs.get_weights(), tol=1e-4)


def _attention_model(lib, gqa=False):
    q, v = lib.Input((4, 6), name="q"), lib.Input((5, 6), name="v")
    if gqa:
        return lib.Model([q, v], lib.layers.GroupQueryAttention(3, 4, 2, use_gate=True)(q, v))
    a = lib.layers.MultiHeadAttention(2, 3, output_shape=5, use_gate=True)(q, v)
    c = lib.layers.Attention(use_scale=True, score_mode="concat")([q, v])
    d = lib.layers.AdditiveAttention()([q, v])
    return lib.Model([q, v], lib.layers.Concatenate()([a, c, d]))


def test_attention_files_load_both_ways(keras, tmp_path):
    """MultiHeadAttention, Attention and AdditiveAttention in one model: kerasish ->
    Keras (.keras and .weights.h5) -> kerasish, the same numbers at every hop."""
    ours = _attention_model(kerasish)
    rng = np.random.default_rng(5)
    ours.set_weights([rng.normal(size=w.shape).astype("float32") for w in ours.weights])
    expected = ours.predict([Q, V], verbose=0)
    ours.save(tmp_path / "o.keras")
    theirs = keras.saving.load_model(tmp_path / "o.keras")
    _close(theirs.predict([Q, V], verbose=0), expected)
    theirs.save(tmp_path / "k.keras")
    theirs.save_weights(tmp_path / "k.weights.h5")
    again = kerasish.models.load_model(tmp_path / "k.keras")
    _close(again.predict([Q, V], verbose=0), expected)
    twin = _attention_model(kerasish)
    twin.load_weights(tmp_path / "k.weights.h5")
    _close(twin.predict([Q, V], verbose=0), expected)


def test_group_query_attention_files(keras, tmp_path):
    """.keras files and weight files move both ways between Keras and kerasish (the
    class is saved under Keras's name, GroupQueryAttention)."""
    theirs = _attention_model(keras, gqa=True)
    rng = np.random.default_rng(6)
    theirs.set_weights([rng.normal(size=w.shape).astype("float32") for w in theirs.weights])
    expected = theirs.predict([Q, V], verbose=0)
    theirs.save(tmp_path / "k.keras")
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours = kerasish.models.load_model(tmp_path / "k.keras")
    _close(ours.predict([Q, V], verbose=0), expected)
    twin = _attention_model(kerasish, gqa=True)
    twin.load_weights(tmp_path / "k.weights.h5")
    _close(twin.predict([Q, V], verbose=0), expected)
    twin.save_weights(tmp_path / "o.weights.h5")
    fresh = _attention_model(keras, gqa=True)
    fresh.load_weights(tmp_path / "o.weights.h5")
    _close(fresh.predict([Q, V], verbose=0), expected)
    twin.save(tmp_path / "o.keras")
    _close(keras.models.load_model(tmp_path / "o.keras").predict([Q, V], verbose=0), expected)


@pytest.mark.slow
def test_weight_constraints_act_in_fit_like_keras(keras):
    """kernel_constraint and bias_constraint of MultiHeadAttention and
    GroupQueryAttention are applied after every optimizer step, as in Keras."""
    def build(lib):
        x = lib.Input((4, 6))
        c = dict(kernel_constraint="non_neg", bias_constraint="non_neg")
        a = lib.layers.MultiHeadAttention(2, 3, **c)(x, x)
        b = lib.layers.GroupQueryAttention(3, 2, 1, **c)(x, x)
        pooled = lib.layers.GlobalAveragePooling1D()(lib.layers.Add()([a, b]))
        model = lib.Model(x, lib.layers.Dense(1)(pooled))
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        return model

    theirs, ours = build(keras), build(kerasish)
    rng = np.random.default_rng(7)
    weights = [(0.3 * rng.normal(size=w.shape)).astype("float32") for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    x = rng.normal(size=(8, 4, 6)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    theirs.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    ours.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    _close(ours.get_weights(), theirs.get_weights(), tol=1e-4)
    attention = [w for layer in ours.layers[1:3] for w in layer.get_weights()]
    assert len(attention) == 16 and all((w >= 0).all() for w in attention)


def test_flash_attention_is_asked_of_the_cudnn_kernel():
    """flash_attention=True runs cuDNN's fused kernel (a GPU with cuDNN); where there is
    none, a clear error; with dropout or returned scores, Keras's refusals."""
    flash = klayers.MultiHeadAttention(2, 3, flash_attention=True)
    plain = klayers.MultiHeadAttention(2, 3)
    plain(Q, V)
    if jax.devices()[0].platform == "gpu":
        flash(Q, V)
        flash.set_weights(plain.get_weights())
        _close(flash(Q, V), plain(Q, V), tol=1e-2)  # cuDNN computes in half precision
    else:
        with pytest.raises(RuntimeError, match=r"flash_attention=True asks for cuDNN"):
            flash(Q, V)
    with pytest.raises(ValueError, match=r"Dropout is not supported when flash"):
        klayers.MultiHeadAttention(2, 3, dropout=0.1, flash_attention=True)
    with pytest.raises(ValueError, match=r"Dropout is not supported when flash"):
        klayers.GroupQueryAttention(3, 2, 1, dropout=0.1, flash_attention=True)
    with pytest.raises(ValueError, match=r"flash_attention` must be None, True or False"):
        klayers.MultiHeadAttention(2, 3, flash_attention="yes")


def test_dropout_acts_in_training_only():
    for layer, call in ((klayers.MultiHeadAttention(2, 3, dropout=0.5, seed=1), (Q, V)),
                        (klayers.Attention(dropout=0.5, seed=1), ([Q, V],)),
                        (klayers.GroupQueryAttention(3, 2, 1, dropout=0.5, seed=1), (Q, V))):
        inference = np.asarray(layer(*call))
        np.testing.assert_allclose(np.asarray(layer(*call, training=False)), inference)
        assert np.abs(np.asarray(layer(*call, training=True)) - inference).max() > 1e-3


def test_refusals_name_the_argument():
    with pytest.raises(ValueError, match=r"argument `num_heads`.*num_heads=0"):
        klayers.MultiHeadAttention(0, 3)
    with pytest.raises(ValueError, match=r"argument `key_dim`.*key_dim='3'"):
        klayers.MultiHeadAttention(2, "3")
    with pytest.raises(ValueError, match=r"Dropout is not supported when flash attention"):
        klayers.MultiHeadAttention(2, 3, dropout=0.1, flash_attention=True)
    with pytest.raises(ValueError, match=r"score_mode.*Received: score_mode=sum"):
        klayers.Attention(score_mode="sum")
    with pytest.raises(ValueError, match=r"must be called on a list of inputs"):
        klayers.Attention()(Q)
    with pytest.raises(ValueError, match=r"divisible by `num_key_value_heads`"):
        klayers.GroupQueryAttention(2, 3, 2)
    with pytest.raises(ValueError, match=r"`sliding_window`.*sliding_window=0"):
        klayers.MultiHeadAttention(2, 3, sliding_window=0)
    with pytest.raises(ValueError, match=r"scores is not supported when flash attention"):
        klayers.MultiHeadAttention(2, 3, flash_attention=True)(Q, V, return_attention_scores=True)
