"""Layer calls with several outputs in functional models: ``LSTM(return_state=True)``
(the encoder of Keras's seq2seq examples), ``Bidirectional(..., return_state=True)`` and
``merge_mode=None``, ``MultiHeadAttention``/``Attention`` with
``return_attention_scores=True``. Each output tensor is one output of one graph node, as
in Keras: same predictions as Keras 3 with the same weights, ``.keras`` files both ways,
training, ``clone_model``, ``summary`` and a node's tensor index in the saved config."""

import numpy as np
import pytest

import kerasish

RNG = np.random.default_rng(0)
X_ENC = RNG.normal(size=(3, 6, 3)).astype("float32")
X_DEC = RNG.normal(size=(3, 5, 4)).astype("float32")


def seq2seq(fw):
    """Encoder states feed the decoder; attention scores and a bidirectional layer's
    states are outputs too."""
    layers = fw.layers
    enc_in, dec_in = fw.Input((6, 3), name="enc_in"), fw.Input((5, 4), name="dec_in")
    _, h, c = layers.LSTM(8, return_state=True, name="enc")(enc_in)
    seq = layers.LSTM(8, return_sequences=True, name="dec")(dec_in, initial_state=[h, c])
    q = layers.Dense(8, name="q")(seq)
    att, scores = layers.MultiHeadAttention(2, 4, name="mha")(
        q, q, return_attention_scores=True)
    both, fw_h, bw_h = layers.Bidirectional(layers.GRU(3, return_state=True), name="bi")(att)
    merged = layers.Concatenate(name="cat")([both, fw_h, bw_h])
    return fw.Model([enc_in, dec_in], [layers.Dense(2, name="out")(merged), scores])


def pair(keras):
    keras.utils.set_random_seed(1)
    theirs = seq2seq(keras)
    ours = seq2seq(kerasish)
    ours.set_weights(theirs.get_weights())
    return theirs, ours


def assert_same(a, b, tol=1e-5):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=tol, rtol=tol)


def test_symbolic_call_with_several_outputs_gives_keras_shapes(keras):
    x = kerasish.Input((6, 3))
    out, h, c = kerasish.layers.LSTM(4, return_state=True)(x)
    assert [t.shape for t in (out, h, c)] == [(None, 4)] * 3
    seq, *states = kerasish.layers.Bidirectional(
        kerasish.layers.LSTM(4, return_sequences=True, return_state=True))(x)
    theirs = keras.layers.Bidirectional(
        keras.layers.LSTM(4, return_sequences=True, return_state=True))(keras.Input((6, 3)))
    assert [seq.shape] + [s.shape for s in states] == [tuple(t.shape) for t in theirs]
    fwd, bwd = kerasish.layers.Bidirectional(kerasish.layers.GRU(2), merge_mode=None)(x)
    assert (fwd.shape, bwd.shape) == ((None, 2), (None, 2))
    q = kerasish.Input((4, 6))
    att, scores = kerasish.layers.Attention()([q, q], return_attention_scores=True)
    assert (att.shape, scores.shape) == ((None, 4, 6), (None, 4, 4))


def test_predictions_equal_keras(keras):
    theirs, ours = pair(keras)
    assert_same(theirs.predict([X_ENC, X_DEC], verbose=0), ours.predict([X_ENC, X_DEC], verbose=0))
    assert_same(theirs([X_ENC, X_DEC]), ours([X_ENC, X_DEC]))


def test_keras_files_move_both_ways(keras, tmp_path):
    theirs, ours = pair(keras)
    expected = theirs.predict([X_ENC, X_DEC], verbose=0)
    ours.save(tmp_path / "ours.keras")
    assert_same(expected, keras.models.load_model(tmp_path / "ours.keras").predict(
        [X_ENC, X_DEC], verbose=0))
    theirs.save(tmp_path / "theirs.keras")
    assert_same(expected, kerasish.models.load_model(tmp_path / "theirs.keras").predict(
        [X_ENC, X_DEC], verbose=0))


def test_saved_config_numbers_each_output_of_a_node(keras):
    theirs, ours = pair(keras)

    def inbound(model, name):
        entry = next(e for e in model.get_config()["layers"] if e["name"] == name)
        return [t["config"]["keras_history"] for t in entry["inbound_nodes"][0]["args"][0]]

    assert inbound(ours, "cat") == inbound(theirs, "cat") == [
        ["bi", 0, 0], ["bi", 0, 1], ["bi", 0, 2]]
    assert ours.get_config()["output_layers"] == theirs.get_config()["output_layers"] == [
        ["out", 0, 0], ["mha", 0, 1]]


def test_trains_and_clones(keras):
    _, ours = pair(keras)
    model = kerasish.Model(ours.inputs, ours.outputs[0])
    model.compile(optimizer="adam", loss="mse")
    y = np.ones((3, 2), "float32")
    before = model.evaluate([X_ENC, X_DEC], y, verbose=0)
    model.fit([X_ENC, X_DEC], y, epochs=5, verbose=0)
    assert model.evaluate([X_ENC, X_DEC], y, verbose=0) < before
    twin = kerasish.models.clone_model(ours, clone_function=lambda layer: layer)
    assert_same(ours.predict([X_ENC, X_DEC], verbose=0), twin.predict([X_ENC, X_DEC], verbose=0))


def test_summary_lists_every_output_and_tensor_index(keras):
    _, ours = pair(keras)
    lines = []
    ours.summary(print_fn=lines.append, line_length=200)
    text = "\n".join(lines)
    assert "[(None, 8), (None, 8), (None, 8)]" in text  # the encoder's three outputs
    assert "enc[0][1], enc[0][2]" in text


def test_masks_follow_each_output(keras):
    x = kerasish.Input((5,), dtype="int32")
    emb = kerasish.layers.Embedding(10, 3, mask_zero=True)(x)
    seq, h, c = kerasish.layers.LSTM(4, return_sequences=True, return_state=True)(emb)
    assert seq._keras_mask is not None and h._keras_mask is None and c._keras_mask is None
    k_x = keras.Input((5,), dtype="int32")
    k_emb = keras.layers.Embedding(10, 3, mask_zero=True)(k_x)
    k_seq, k_h, _ = keras.layers.LSTM(4, return_sequences=True, return_state=True)(k_emb)
    keras.utils.set_random_seed(2)
    theirs = keras.Model(k_x, keras.layers.GlobalAveragePooling1D()(k_seq) + k_h)
    ours = kerasish.Model(x, kerasish.layers.GlobalAveragePooling1D()(seq) + h)
    ours.set_weights(theirs.get_weights())
    tokens = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 0]], "int32")
    assert_same([theirs.predict(tokens, verbose=0)], [ours.predict(tokens, verbose=0)])


def test_a_layer_returning_no_tensor_is_refused_clearly():
    class Broken(kerasish.layers.Layer):
        def call(self, x, y):
            return None

    x = kerasish.Input((2,))
    with pytest.raises(NotImplementedError, match="returned NoneType on symbolic inputs"):
        Broken()(x, x)
