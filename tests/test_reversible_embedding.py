"""``layers.ReversibleEmbedding`` against Keras 3's: the same weights give the same
forward and reverse outputs (tied, untied, soft cap, reverse dtype, mixed precision),
the same training, the same configs, and ``.keras`` files move both ways."""

import numpy as np
import pytest

import kerasish
from kerasish.layers.reversible_embedding import ReversibleEmbedding

VOCAB, DIM, STEPS = 12, 4, 5
OPTIONS = [
    dict(),
    dict(tie_weights=False),
    dict(logit_soft_cap=2.0),
    dict(tie_weights=False, logit_soft_cap=1.5, reverse_dtype="bfloat16"),
]


@pytest.fixture
def exported(monkeypatch):
    """Loading a file finds the class by its Keras name in ``kerasish.layers``."""
    monkeypatch.setattr(kerasish.layers, "ReversibleEmbedding", ReversibleEmbedding,
                        raising=False)


def _pair(keras, **options):
    theirs = keras.layers.ReversibleEmbedding(VOCAB, DIM, **options)
    theirs.build()
    ours = ReversibleEmbedding(VOCAB, DIM, **options)
    ours.build()
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _data():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, VOCAB, (16, STEPS))
    hidden = rng.normal(size=(3, STEPS, DIM)).astype("float32")
    return ids, hidden


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_outputs_equal_keras(keras, options):
    ours, theirs = _pair(keras, **options)
    ids, hidden = _data()
    np.testing.assert_array_equal(np.asarray(ours(ids)), np.asarray(theirs(ids)))
    mine, keras_logits = ours(hidden, reverse=True), theirs(hidden, reverse=True)
    assert mine.dtype == keras_logits.dtype and mine.shape == (3, STEPS, VOCAB)
    np.testing.assert_array_equal(np.asarray(mine, "float32"),
                                  np.asarray(keras_logits, "float32"))
    if "logit_soft_cap" in options:
        assert float(np.abs(np.asarray(mine, "float32")).max()) <= options["logit_soft_cap"]


@pytest.mark.parametrize("tie_weights", [True, False])
def test_weights_and_config_equal_keras(keras, tie_weights):
    ours, theirs = _pair(keras, tie_weights=tie_weights, mask_zero=True,
                         embeddings_initializer="glorot_uniform", logit_soft_cap=30.0,
                         reverse_dtype="float32", embeddings_regularizer="l2",
                         embeddings_constraint="unit_norm")
    assert [(w.name, tuple(w.shape), w.trainable) for w in ours.weights] == \
        [(w.name, tuple(w.shape), w.trainable) for w in theirs.weights]
    expected = {k: v for k, v in theirs.get_config().items() if k not in ("name", "dtype")}
    config = {k: v for k, v in ours.get_config().items() if k not in ("name", "dtype")}
    assert config == expected
    clone = ReversibleEmbedding.from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()


def test_mixed_precision_equals_keras(keras):
    ids, hidden = _data()
    for dtype in ("float32", "float16"):  # float inputs keep their dtype (autocast=False)
        ours, theirs = _pair(keras, dtype="mixed_float16", tie_weights=False)
        for mine, keras_out in ((ours(ids), theirs(ids)),
                                (ours(hidden.astype(dtype), reverse=True),
                                 theirs(hidden.astype(dtype), reverse=True))):
            assert mine.dtype == keras_out.dtype
            np.testing.assert_array_equal(np.asarray(mine, "float32"),
                                          np.asarray(keras_out, "float32"))


def test_forward_mask_only(keras):
    layer = ReversibleEmbedding(VOCAB, DIM, mask_zero=True)
    inputs = kerasish.Input((STEPS,), dtype="int32")
    pooled = kerasish.layers.GlobalAveragePooling1D()(layer(inputs))
    ids = np.array([[3, 4, 0, 0, 0]])
    table = np.asarray(layer.embeddings.value)
    np.testing.assert_allclose(kerasish.Model(inputs, pooled).predict(ids, verbose=0)[0],
                               table[[3, 4]].mean(0), rtol=1e-6)
    assert layer.compute_mask(ids) is None  # the mask comes from the forward call
    assert kerasish.layers.base.get_keras_mask(
        layer(np.ones((1, DIM), "float32"), reverse=True)) is None


def _language_model(lib, layer_cls, **options):
    inputs = lib.Input((STEPS,), dtype="int32")
    embedding = layer_cls(VOCAB, DIM, name="tokens", **options)
    hidden = lib.layers.Dense(DIM, activation="tanh")(embedding(inputs))
    model = lib.Model(inputs, embedding(hidden, reverse=True))
    # Plain SGD: the weights then move by the gradients alone (Adam's m / sqrt(v) would
    # blow a last-bit difference of the optimizers' own arithmetic up to 1e-6).
    model.compile(optimizer=lib.optimizers.SGD(0.5),
                  loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@pytest.mark.parametrize("options", OPTIONS[:3] + [
    dict(tie_weights=False, embeddings_constraint="non_neg", embeddings_regularizer="l2")],
    ids=str)
def test_training_equals_keras(keras, options):
    theirs = _language_model(keras, keras.layers.ReversibleEmbedding, **options)
    ours = _language_model(kerasish, ReversibleEmbedding, **options)
    start = theirs.get_weights()
    ours.set_weights(start)
    ids, _ = _data()
    targets = np.roll(ids, -1, axis=1)
    fit = dict(batch_size=8, epochs=2, shuffle=False, verbose=0)
    history_theirs = theirs.fit(ids, targets, **fit).history["loss"]
    history_ours = ours.fit(ids, targets, **fit).history["loss"]
    np.testing.assert_allclose(history_ours, history_theirs, rtol=1e-6)
    for mine, keras_weight in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, keras_weight, atol=1e-6)
    assert np.abs(ours.get_weights()[0] - start[0]).max() > 1e-3  # it trained


@pytest.mark.parametrize("options", [OPTIONS[1], OPTIONS[2]], ids=str)
def test_keras_files_both_ways(keras, exported, tmp_path, options):
    ids, _ = _data()
    theirs = _language_model(keras, keras.layers.ReversibleEmbedding, mask_zero=True,
                             **options)
    theirs.save(tmp_path / "keras.keras")
    ours = kerasish.models.load_model(tmp_path / "keras.keras")
    assert isinstance(ours.get_layer("tokens"), ReversibleEmbedding)
    np.testing.assert_array_equal(ours.predict(ids, verbose=0),
                                  theirs.predict(ids, verbose=0))
    ours.save(tmp_path / "ours.keras")
    back = keras.models.load_model(tmp_path / "ours.keras")
    assert type(back.get_layer("tokens")).__name__ == "ReversibleEmbedding"
    np.testing.assert_array_equal(back.predict(ids, verbose=0), ours.predict(ids, verbose=0))


def test_symbolic_shapes():
    layer = ReversibleEmbedding(VOCAB, DIM)
    hidden = layer(kerasish.Input((STEPS,), dtype="int32"))
    assert hidden.shape == (None, STEPS, DIM)
    assert layer(hidden, reverse=True).shape == (None, STEPS, VOCAB)
    assert layer.compute_output_shape((None, STEPS, DIM), reverse=True) == (None, STEPS, VOCAB)


def test_weights_argument_untied():
    rng = np.random.default_rng(1)
    table, back = rng.normal(size=(VOCAB, DIM)), rng.normal(size=(DIM, VOCAB))
    layer = ReversibleEmbedding(VOCAB, DIM, tie_weights=False, weights=[table, back])
    np.testing.assert_allclose(layer.get_weights()[1], back, rtol=1e-6)


@pytest.mark.parametrize("kwargs,match", [
    (dict(quantization_config={"mode": "int8"}), r"`quantization_config` \(LoRA / quant"),
    (dict(lora_rank=4), r"`lora_rank`.*Leave it at None. Received: lora_rank=4"),
    (dict(lora_alpha=2.0), r"`lora_alpha`"),
    (dict(logit_soft_cap=0.0), r"`logit_soft_cap`.*positive finite.*logit_soft_cap=0.0"),
    (dict(logit_soft_cap="30"), r"`logit_soft_cap`"),
    (dict(tie_weights="no"), r"`tie_weights` must be True or False"),
    (dict(reverse_dtype="float31"), r"float31"),
])
def test_bad_arguments_are_refused(kwargs, match):
    error = TypeError if kwargs.get("reverse_dtype") else ValueError
    with pytest.raises(error, match=match):
        ReversibleEmbedding(VOCAB, DIM, **kwargs)


def test_wrong_reverse_input_is_refused():
    layer = ReversibleEmbedding(VOCAB, DIM, name="head")
    with pytest.raises(ValueError, match=r"'head'.*output_dim=4.*shape \(2, 3\)"):
        layer(np.ones((2, 3), "float32"), reverse=True)


def test_input_dim_output_dim_and_initializer_shape_the_weights():
    layer = ReversibleEmbedding(input_dim=7, output_dim=5, tie_weights=False,
                                embeddings_initializer="ones")
    layer.build()
    assert [tuple(w.shape) for w in layer.weights] == [(7, 5), (5, 7)]
    np.testing.assert_array_equal(layer.weights[0].numpy(), np.ones((7, 5)))
    assert layer(np.array([[1, 0]]), reverse=False).shape == (1, 2, 5)
    assert layer(np.ones((1, 2, 5), "float32"), reverse=True).shape == (1, 2, 7)
    masked = ReversibleEmbedding(input_dim=7, output_dim=5, mask_zero=True)
    masked.build()
    out = masked(np.array([[3, 0]]))
    assert np.asarray(kerasish.layers.base.get_keras_mask(out)).tolist() == [[True, False]]
