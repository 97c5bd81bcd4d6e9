"""Models that take text: ``Input(dtype="string")`` followed by host layers
(``TextVectorization``, ``StringLookup``, ``Hashing``), which ``fit``/``evaluate``/
``predict`` run on the data before the compiled step (``kerasish.models.host_inputs``).
The device part of such a model computes exactly what the same model without the host
layers computes on the host layers' output."""

import numpy as np
import pytest

import kerasish
from kerasish import layers

TEXTS = np.array([["the cat sat"], ["a dog ran far away"], ["the dog"], ["cat and dog"]] * 4)
LABELS = np.array([0, 1, 1, 0] * 4, "float32")


def vectorizer():
    tv = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    tv.adapt(TEXTS)
    return tv


def text_model(functional):
    kerasish.utils.set_random_seed(3)
    tv = vectorizer()
    body = [layers.Embedding(20, 4, mask_zero=True), layers.LSTM(3),
            layers.Dense(1, activation="sigmoid")]
    if not functional:
        model = kerasish.Sequential([kerasish.Input((1,), dtype="string"), tv] + body)
    else:
        inp = kerasish.Input((1,), dtype="string")
        x = tv(inp)
        for layer in body:
            x = layer(x)
        model = kerasish.Model(inp, x)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model, tv, body


@pytest.mark.parametrize("functional", [False, True], ids=["sequential", "functional"])
def test_text_model_trains_like_the_model_on_vectorized_data(functional):
    model, tv, body = text_model(functional)
    tokens = np.asarray(tv(TEXTS))
    twin = kerasish.Sequential([kerasish.Input((5,), dtype="int32")] + [
        type(la).from_config(la.get_config()) for la in body])
    twin.set_weights(model.get_weights())
    twin.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    h1 = model.fit(TEXTS, LABELS, epochs=3, batch_size=4, shuffle=False, verbose=0,
                   validation_data=(TEXTS, LABELS))
    h2 = twin.fit(tokens, LABELS, epochs=3, batch_size=4, shuffle=False, verbose=0,
                  validation_data=(tokens, LABELS))
    for key in h2.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-6)
    np.testing.assert_allclose(model.predict(TEXTS, verbose=0), twin.predict(tokens, verbose=0),
                               atol=1e-6)
    np.testing.assert_allclose(model.evaluate(TEXTS, LABELS, verbose=0),
                               twin.evaluate(tokens, LABELS, verbose=0), rtol=1e-6)
    # The vectorized tokens are accepted too (the host layers' output).
    np.testing.assert_allclose(model.predict(tokens, verbose=0),
                               model.predict(TEXTS, verbose=0), atol=1e-7)
    # Eager calls on strings run every layer.
    np.testing.assert_allclose(np.asarray(model(TEXTS[:2])), model.predict(TEXTS[:2], verbose=0),
                               atol=1e-6)


@pytest.mark.parametrize("functional", [False, True], ids=["sequential", "functional"])
def test_text_model_saves_and_loads(tmp_path, functional):
    model, _, _ = text_model(functional)
    model.fit(TEXTS, LABELS, epochs=1, verbose=0)
    model.save(tmp_path / "text.keras")
    again = kerasish.models.load_model(tmp_path / "text.keras")
    np.testing.assert_array_equal(again.predict(TEXTS, verbose=0), model.predict(TEXTS, verbose=0))
    vocabulary = [la.get_vocabulary() for m in (model, again) for la in m.layers
                  if isinstance(la, layers.TextVectorization)]
    assert vocabulary[0] == vocabulary[1] and len(vocabulary[0]) == 11


def test_streams_of_text_batches(tmp_path):
    for label, words in (("neg", "bad awful poor "), ("pos", "good great fine ")):
        (tmp_path / label).mkdir()
        for i in range(6):
            (tmp_path / label / f"{i}.txt").write_text(words * (i + 1))
    data = kerasish.utils.text_dataset_from_directory(tmp_path, batch_size=4, seed=1)
    tv = layers.TextVectorization(max_tokens=20, output_sequence_length=8)
    tv.adapt(np.array(["good great fine bad awful poor"]))
    model = kerasish.Sequential([kerasish.Input((), dtype="string"), tv,
                                 layers.Embedding(20, 4), layers.GlobalAveragePooling1D(),
                                 layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=kerasish.optimizers.Adam(0.05), loss="binary_crossentropy")
    losses = model.fit(data, epochs=8, verbose=0).history["loss"]
    assert losses[-1] < losses[0] * 0.8

    def batches():
        for start in range(0, 16, 4):
            yield TEXTS[start:start + 4, 0], LABELS[start:start + 4]

    assert np.isfinite(model.evaluate(batches(), verbose=0))


def test_string_lookup_and_hashing_inputs():
    inp = kerasish.Input((2,), dtype="string")
    ids = layers.StringLookup(vocabulary=["red", "green", "blue"])(inp)
    hashed = layers.Hashing(num_bins=8)(kerasish.Input((2,), dtype="string"))
    assert (ids.dtype, hashed.dtype) == ("int32", "int32")
    model = kerasish.Model(inp, layers.Flatten()(layers.Embedding(4, 2)(ids)))
    out = model.predict(np.array([["red", "blue"], ["pink", "green"]]), verbose=0)
    table = model.layers[2].embeddings.numpy()
    np.testing.assert_array_equal(out, table[[[1, 3], [0, 2]]].reshape(2, 4))


def test_bad_text_input_gets_clear_errors():
    numeric = kerasish.Sequential([kerasish.Input((3,)), layers.Dense(2)])
    numeric.compile(optimizer="adam", loss="mse")
    before = numeric.get_weights()
    with pytest.raises(TypeError, match="must be numeric.*TextVectorization"):
        numeric.fit(np.array([["a", "b", "c"]]), np.zeros((1, 2)), verbose=0)
    for a, b in zip(before, numeric.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(NotImplementedError, match=r"only on text.*dtype float32"):
        kerasish.Sequential([kerasish.Input((3,)), layers.Dense(2),
                             layers.StringLookup(vocabulary=["a"])])
    a, b = kerasish.Input((1,), dtype="string"), kerasish.Input((1,), dtype="string")
    crossed = layers.HashedCrossing(num_bins=4)((a, b))
    with pytest.raises(ValueError, match="input must be one model input"):
        kerasish.Model([a, b], crossed).predict([np.array([["x"]]), np.array([["y"]])])


def test_bad_sequence_input_gets_clear_errors_and_keeps_the_model():
    """Issue 15's bad inputs: ragged token lists, a vocabulary larger than the
    Embedding (directly, and behind a TextVectorization), masks of the wrong shape."""
    model = kerasish.Sequential([kerasish.Input((5,), dtype="int32"),
                                 layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3),
                                 layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"rectangular.*pad_sequences"):
        model.fit([[1, 2, 3], [4, 5]], np.zeros((2, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"received id 30.*input_dim=10"):
        model.fit(np.array([[1, 2, 30, 0, 0]]), np.zeros((1, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = \(2, 5\)"):
        layers.LSTM(3)(np.ones((2, 5, 4), "float32"), mask=np.ones((2, 4), bool))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    tv = layers.TextVectorization(max_tokens=50, output_sequence_length=5)
    tv.adapt(np.array([[" ".join(f"w{i}" for i in range(40))]]))
    inp = kerasish.Input((1,), dtype="string")
    text_model = kerasish.Model(inp, layers.Dense(1)(layers.GlobalAveragePooling1D()(
        layers.Embedding(10, 4)(tv(inp)))))
    text_model.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match=r"\(Embedding\) received id .*input_dim=10"):
        text_model.fit(np.array([["w1 w39 w2"]]), np.zeros((1, 1)), verbose=0)
