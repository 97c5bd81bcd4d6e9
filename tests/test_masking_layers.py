"""Masks through the everyday layers, against real Keras 3 on the same weights, and the
saving of layer calls with several tensor arguments (the keras.io Endpoint pattern).

* Element-wise layers (``Dropout``, ``Activation``, ``ReLU``, ``LeakyReLU``,
  ``LayerNormalization``, ``Normalization``, ``BatchNormalization`` at inference) pass
  the mask of ``Embedding(mask_zero=True)`` on to a masked ``GlobalAveragePooling1D``.
* ``BatchNormalization`` leaves masked steps out of its batch statistics (Keras's
  ``call(..., mask=)``); ``Softmax`` masks its logits (Keras's ``call(..., mask=)``).
* Merge layers combine their inputs' masks (OR; ``Concatenate`` along its axis), and
  ``Maximum``/``Minimum``/``Multiply`` also mask values, as Keras's do.
* ``Flatten`` and ``Reshape`` drop the mask with Keras's warning, as Keras's do.
* A functional node records the call's real ``args`` and ``kwargs``: files move
  kerasish <-> Keras with them.
"""

import contextlib
import json
import warnings

import jax
import numpy as np
import pytest

import kerasish
from kerasish import layers
from kerasish.layers.base import get_keras_mask, make_apply

IDS = np.array([[3, 5, 0, 0, 0], [1, 2, 7, 9, 0], [4, 0, 0, 0, 0]], "int32")
IDS_B = np.array([[0, 6, 2, 0, 0], [1, 0, 0, 3, 0], [0, 0, 0, 0, 0]], "int32")


def _close(ours, theirs, tol=1e-5):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=tol, atol=tol)


def _keras_mask(x):
    from keras.src.backend import get_keras_mask as keras_get_mask

    return keras_get_mask(x)


@contextlib.contextmanager
def _no_mask_warning():
    """A dropped mask is an error here: these layers must pass it on."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*does not support masking.*")
        yield


# -- layers that pass the mask on ----------------------------------------------------------
MEAN, VAR = [0.1, -0.2, 0.3, 0.0], [1.5, 0.5, 2.0, 1.0]
PASSING = {
    "Dropout": (lambda m: m.layers.Dropout(0.5, name="mid")),
    "Activation": (lambda m: m.layers.Activation("tanh", name="mid")),
    "ReLU": (lambda m: m.layers.ReLU(max_value=1.0, threshold=0.1, name="mid")),
    "LeakyReLU": (lambda m: m.layers.LeakyReLU(negative_slope=0.2, name="mid")),
    "LayerNormalization": (lambda m: m.layers.LayerNormalization(name="mid")),
    "Normalization": (lambda m: m.layers.Normalization(mean=MEAN, variance=VAR, name="mid")),
    "BatchNormalization": (lambda m: m.layers.BatchNormalization(name="mid")),
    "Dense": (lambda m: m.layers.Dense(3, name="mid")),
}


def _through(module, make_mid):
    ids = module.Input((None,), dtype="int32", name="ids")
    h = module.layers.Embedding(12, 4, mask_zero=True, name="emb")(ids)
    mid = make_mid(module)(h)
    out = module.layers.GlobalAveragePooling1D(name="pool")(mid)
    return module.Model(ids, out), mid


def _twins(keras, make_mid, seed=0):
    keras.utils.set_random_seed(seed)
    theirs, k_mid = _through(keras, make_mid)
    ours, o_mid = _through(kerasish, make_mid)
    rng = np.random.default_rng(seed)
    for layer in theirs.layers:  # layer by layer: Keras's Normalization(mean=...) has none
        weights = [np.abs(rng.normal(size=w.shape)) + 0.5 if "variance" in w.path
                   else rng.normal(size=w.shape) for w in layer.weights]
        if weights:
            layer.set_weights(weights)
            ours.get_layer(layer.name).set_weights(weights)
    return ours, theirs, o_mid, k_mid


@pytest.mark.parametrize("name", sorted(PASSING))
def test_layer_passes_the_mask_like_keras(keras, name):
    ours, theirs, o_mid, k_mid = _twins(keras, PASSING[name])
    assert ours.get_layer("mid").supports_masking is theirs.get_layer("mid").supports_masking \
        is True
    # Symbolic: the layer's output KerasTensor is masked, as Keras's is.
    assert o_mid._keras_mask is not None and k_mid._keras_mask is not None
    assert o_mid._keras_mask.shape == tuple(k_mid._keras_mask.shape) == (None, None)
    expected = np.asarray(theirs(IDS))
    with _no_mask_warning():
        _close(ours(IDS), expected)
        _close(ours.predict(IDS, verbose=0), expected)
        y, _, aux = jax.jit(make_apply(ours, with_aux=True))(*ours.current_params(), IDS)
    _close(y, expected)
    assert aux["mask"] is None  # consumed by the pooling
    # The mask mattered: the mean over every step differs.
    flat = np.asarray(theirs.get_layer("pool")(
        theirs.get_layer("mid")(theirs.get_layer("emb")(IDS)), mask=np.ones(IDS.shape, bool)))
    assert not np.allclose(flat, expected, atol=1e-4)
    # Eager, layer by layer: the output carries Keras's mask.
    o_out = ours.get_layer("mid")(ours.get_layer("emb")(IDS))
    k_out = theirs.get_layer("mid")(theirs.get_layer("emb")(IDS))
    np.testing.assert_array_equal(get_keras_mask(o_out), _keras_mask(k_out))


def test_dropout_passes_the_mask_while_training(keras):
    emb, drop = layers.Embedding(12, 4, mask_zero=True), layers.Dropout(0.5, seed=1)
    out = drop(emb(IDS), training=True)
    k_out = keras.layers.Dropout(0.5, seed=1)(
        keras.layers.Embedding(12, 4, mask_zero=True)(IDS), training=True)
    np.testing.assert_array_equal(get_keras_mask(out), _keras_mask(k_out))
    ids = kerasish.Input((None,), dtype="int32")
    model = kerasish.Model(ids, layers.Dropout(0.5)(layers.Embedding(12, 4, mask_zero=True)(ids)))
    params, state = model.current_params()
    _, _, aux = jax.jit(make_apply(model, with_aux=True), static_argnums=3)(
        params, state, IDS, True, jax.random.key(0))
    np.testing.assert_array_equal(aux["mask"], IDS != 0)


# -- BatchNormalization: masked steps stay out of the batch statistics ----------------------
def _bn_stats(model):
    bn = model.get_layer("mid")
    return np.asarray(bn.moving_mean), np.asarray(bn.moving_variance)


def test_batch_normalization_leaves_masked_steps_out_of_its_statistics(keras):
    ours, theirs, _, _ = _twins(keras, lambda m: m.layers.BatchNormalization(
        momentum=0.5, name="mid"), seed=1)
    before = _bn_stats(ours)
    expected = np.asarray(theirs(IDS, training=True))
    _close(ours(IDS, training=True), expected)
    for got, want in zip(_bn_stats(ours), _bn_stats(theirs)):
        _close(got, want)
    # Left out: the statistics of the real steps only, not of every step.
    emb = np.asarray(ours.get_layer("emb")(IDS))
    real = emb[IDS != 0]
    _close(_bn_stats(ours)[0], 0.5 * before[0] + 0.5 * real.mean(axis=0))
    _close(_bn_stats(ours)[1], 0.5 * before[1] + 0.5 * real.var(axis=0))

    # The pure step (what `fit` runs) gives the same new state under jit.
    ours.set_weights(theirs.get_weights())  # both hold the updated statistics now
    params, state = ours.current_params()
    y, new_state, _ = jax.jit(make_apply(ours, with_aux=True), static_argnums=3)(
        params, state, IDS, True)
    expected = np.asarray(theirs(IDS, training=True))
    _close(y, expected)
    for key, want in zip(("moving_mean", "moving_variance"), _bn_stats(theirs)):
        _close(new_state["mid"][key], want)


def test_batch_normalization_mask_and_padded_rows_together(keras):
    """The step pads a short last batch and marks real rows (``sample_mask``): with a
    step mask too, only real steps of real rows count, as Keras on the real rows."""
    ours, theirs, _, _ = _twins(keras, lambda m: m.layers.BatchNormalization(
        momentum=0.0, name="mid"), seed=2)
    padded = np.concatenate([IDS[:2], np.array([[5, 5, 5, 5, 5]], "int32")])
    rows = np.array([1.0, 1.0, 0.0], "float32")
    params, state = ours.current_params()
    y, new_state = jax.jit(make_apply(ours), static_argnums=3)(
        params, state, padded, True, None, rows)
    expected = np.asarray(theirs(IDS[:2], training=True))
    _close(np.asarray(y)[:2], expected)
    for key, want in zip(("moving_mean", "moving_variance"), _bn_stats(theirs)):
        _close(new_state["mid"][key], want)


def test_batch_normalization_refuses_a_mask_of_the_wrong_rank(keras):
    x = np.ones((2, 3, 4), "float32")
    with pytest.raises(ValueError, match=r"mask provided should be one dimension less than "
                                         r"the inputs.*mask.shape=\(2, 3, 4\), "
                                         r"inputs.shape=\(2, 3, 4\)"):
        layers.BatchNormalization()(x, training=True, mask=np.ones((2, 3, 4), bool))
    with pytest.raises(ValueError, match="one dimension less"):
        keras.layers.BatchNormalization()(x, training=True, mask=np.ones((2, 3, 4), bool))


# -- Softmax uses the mask --------------------------------------------------------------------
SCORES = np.random.default_rng(3).normal(size=(2, 3, 4)).astype("float32")


@pytest.mark.parametrize("mask,axis", [
    (np.array([[[1, 1, 0, 0]], [[1, 0, 1, 1]]], bool), -1),        # (2, 1, 4): broadcast
    ((np.random.default_rng(4).random((2, 3, 4)) > 0.4), -1),      # full rank
    (np.array([[0.3, 0.7, 0.9, 0.2]], "float32"), -1),             # float: > 0.5 keeps
    (np.array([[[0, 0, 0, 0]], [[1, 1, 1, 1]]], bool), -1),        # a fully masked row: 0s
    (np.array([[[1, 0, 1, 1]], [[0, 1, 1, 0]]], bool), (1, 2)),    # several axes
    (np.array([[[1], [0], [1]], [[0], [1], [1]]], bool), 1),
], ids=["broadcast", "full", "float", "all_masked", "two_axes", "axis1"])
def test_softmax_with_a_mask_matches_keras(keras, mask, axis):
    ours = np.asarray(layers.Softmax(axis=axis)(SCORES, mask=mask))
    theirs = np.asarray(keras.layers.Softmax(axis=axis)(SCORES, mask=mask))
    _close(ours, theirs, tol=1e-6)
    assert np.all(ours[~np.broadcast_to(np.asarray(mask) > 0.5, SCORES.shape)] == 0)


def test_softmax_mask_in_half_precision_and_in_a_functional_model(keras):
    mask = np.array([[[1, 1, 0, 0]], [[1, 0, 1, 1]]], bool)
    _close(layers.Softmax(dtype="float16")(SCORES, mask=mask),
           keras.layers.Softmax(dtype="float16")(SCORES, mask=mask), tol=1e-3)

    def make(module):
        scores = module.Input((3, 4), name="scores")
        keep = module.Input((1, 4), dtype="bool", name="keep")
        return module.Model([scores, keep], module.layers.Softmax(name="sm")(scores, mask=keep))

    ours, theirs = make(kerasish), make(keras)
    expected = np.asarray(theirs([SCORES, mask]))
    _close(ours([SCORES, mask]), expected, tol=1e-6)
    _close(ours.predict([SCORES, mask], verbose=0), expected, tol=1e-6)


def test_softmax_after_a_sequence_mask_fails_as_in_keras(keras):
    """Keras's Softmax takes a mask of the logits' rank: after Embedding(mask_zero=True)
    ((batch, steps) mask, (batch, steps, features) logits) both refuse the call."""
    message = r"The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1"
    for module in (kerasish, keras):
        model, mid = _through(module, lambda m: m.layers.Softmax(name="mid"))
        assert mid._keras_mask is not None  # symbolic: passed on
        with pytest.raises(ValueError, match=message):
            model(IDS)
    with pytest.raises(ValueError, match=r"must not have more dimensions"):
        layers.Softmax()(SCORES[0], mask=np.ones((2, 3, 4), bool))


# -- layers that drop the mask, as Keras's do ---------------------------------------------------
@pytest.mark.parametrize("name,make", [
    ("Flatten", lambda m: m.layers.Flatten(name="mid")),
    ("Reshape", lambda m: m.layers.Reshape((4, 5), name="mid")),
])
def test_flatten_and_reshape_drop_the_mask_with_keras_warning(keras, name, make):
    def model(module):
        ids = module.Input((5,), dtype="int32")
        h = module.layers.Embedding(12, 4, mask_zero=True, name="emb")(ids)
        with pytest.warns(UserWarning, match=rf"\(of type {name}\) was passed an input with a "
                                             r"mask attached to it"):
            mid = make(module)(h)
        out = module.layers.Dense(2, name="out")(mid)
        if name == "Reshape":
            out = module.layers.GlobalAveragePooling1D()(out)
        return module.Model(ids, out), mid

    (ours, o_mid), (theirs, k_mid) = model(kerasish), model(keras)
    assert o_mid._keras_mask is None and getattr(k_mid, "_keras_mask", None) is None
    assert ours.get_layer("mid").supports_masking is theirs.get_layer("mid").supports_masking \
        is False
    ours.set_weights(theirs.get_weights())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _close(ours(IDS), theirs(IDS))


# -- merge layers -------------------------------------------------------------------------------
MERGES = {
    "Add": lambda m: m.layers.Add(name="merge"),
    "Subtract": lambda m: m.layers.Subtract(name="merge"),
    "Multiply": lambda m: m.layers.Multiply(name="merge"),
    "Average": lambda m: m.layers.Average(name="merge"),
    "Maximum": lambda m: m.layers.Maximum(name="merge"),
    "Minimum": lambda m: m.layers.Minimum(name="merge"),
    "Concatenate": lambda m: m.layers.Concatenate(name="merge"),
    "Concatenate_steps": lambda m: m.layers.Concatenate(axis=1, name="merge"),
}


def _merge_model(module, make, b_masked=True):
    a = module.Input((None,), dtype="int32", name="a")
    b = module.Input((None,), dtype="int32", name="b")
    ea = module.layers.Embedding(12, 3, mask_zero=True, name="ea")(a)
    eb = module.layers.Embedding(12, 3, mask_zero=b_masked, name="eb")(b)
    merged = make(module)([ea, eb])
    return module.Model([a, b], module.layers.GlobalAveragePooling1D(name="pool")(merged)), merged


@pytest.mark.parametrize("b_masked", [True, False], ids=["both_masked", "one_masked"])
@pytest.mark.parametrize("name", sorted(MERGES))
def test_merge_layers_combine_masks_like_keras(keras, name, b_masked):
    keras.utils.set_random_seed(5)
    theirs, k_merged = _merge_model(keras, MERGES[name], b_masked)
    ours, o_merged = _merge_model(kerasish, MERGES[name], b_masked)
    ours.set_weights(theirs.get_weights())
    assert ours.get_layer("merge").supports_masking is \
        theirs.get_layer("merge").supports_masking is True
    k_sym = getattr(k_merged, "_keras_mask", None)
    assert (o_merged._keras_mask is None) == (k_sym is None)
    if k_sym is not None:
        assert o_merged._keras_mask.shape == tuple(k_sym.shape)
    feeds = [IDS, IDS_B]
    expected = np.asarray(theirs(feeds))  # nan where a sample is masked everywhere
    with _no_mask_warning():
        np.testing.assert_allclose(ours(feeds), expected, rtol=1e-5, atol=1e-6)
        y, _, _ = jax.jit(make_apply(ours, with_aux=True))(*ours.current_params(), feeds)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    # Eager, layer by layer: the merged values and their mask.
    o_in = [ours.get_layer("ea")(IDS), ours.get_layer("eb")(IDS_B)]
    k_in = [theirs.get_layer("ea")(IDS), theirs.get_layer("eb")(IDS_B)]
    o_out, k_out = ours.get_layer("merge")(o_in), theirs.get_layer("merge")(k_in)
    _close(o_out, k_out, tol=1e-6)
    k_mask = _keras_mask(k_out)
    if k_mask is None:
        assert get_keras_mask(o_out) is None
    else:
        np.testing.assert_array_equal(get_keras_mask(o_out), k_mask)


@pytest.mark.parametrize("name", sorted(MERGES))
def test_merge_compute_mask_matches_keras(keras, name):
    rng = np.random.default_rng(6)
    xs = [rng.normal(size=(2, 5, 3)).astype("float32") for _ in range(2)]
    ma, mb = IDS[:2] != 0, IDS_B[:2] != 0
    ours, theirs = MERGES[name](kerasish), MERGES[name](keras)
    for masks in ([ma, mb], [ma, None], [None, None], None):
        got, want = ours.compute_mask(xs, masks), theirs.compute_mask(xs, masks)
        if want is None:
            assert got is None, masks
        else:
            np.testing.assert_array_equal(got, want)
    # Symbolic tensors give symbolic masks of Keras's shape.
    o_in = [kerasish.Input((None, 3)), kerasish.Input((None, 3))]
    k_in = [keras.Input((None, 3)), keras.Input((None, 3))]
    o_m = [kerasish.Input((None,), dtype="bool") for _ in range(2)]
    k_m = [keras.Input((None,), dtype="bool") for _ in range(2)]
    got, want = ours.compute_mask(o_in, o_m), theirs.compute_mask(k_in, k_m)
    assert isinstance(got, layers.KerasTensor) and got.shape == tuple(want.shape)
    assert got.dtype == "bool"
    with pytest.raises(ValueError, match=r"`mask` should be a list. Received: mask="):
        ours.compute_mask(xs, ma)
    with pytest.raises(ValueError, match=r"The lists `inputs` and `mask` should have the "
                                         r"same length"):
        ours.compute_mask(xs, [ma])


def test_concatenate_mask_of_the_inputs_rank_matches_keras(keras):
    xs = [np.ones((2, 3, 2), "float32"), np.ones((2, 3, 4), "float32")]
    full = np.random.default_rng(7).random((2, 3, 2)) > 0.5
    steps = np.array([[True, False, True], [False, False, True]])
    for axis in (-1, 1):
        args = ([xs[0], xs[0]] if axis == 1 else xs), [full, steps]
        got = layers.Concatenate(axis=axis).compute_mask(*args)
        np.testing.assert_array_equal(got, keras.layers.Concatenate(axis=axis).compute_mask(*args))


# -- saving: every node's real call arguments ------------------------------------------------
@pytest.fixture(scope="module")
def endpoint_classes(keras):
    """The keras.io Endpoint pattern, in both libraries, registered under one name."""
    def make(module, softmax):
        class MaskEndpoint(module.layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.loss_fn = module.losses.BinaryCrossentropy(from_logits=True)

            def call(self, targets, logits, sample_weights=None):
                self.add_loss(self.loss_fn(targets, logits, sample_weights))
                return softmax(logits)

        return module.saving.register_keras_serializable(package="masking_tests")(MaskEndpoint)

    return {kerasish: make(kerasish, jax.nn.softmax), keras: make(keras, keras.ops.softmax)}


def _endpoint_model(module, endpoint, style):
    inputs = module.Input(shape=(3,), name="inputs")
    targets = module.Input(shape=(4,), name="targets")
    weights = module.Input(shape=(), name="weights")
    logits = module.layers.Dense(4, name="logits")(inputs)
    logits = module.layers.Dropout(0.5, name="drop")(logits, training=False)
    if style == "positional":
        out = endpoint(name="predictions")(targets, logits)
    elif style == "keywords":
        out = endpoint(name="predictions")(logits=logits, targets=targets)
    else:  # a keyword tensor beside two positional ones
        out = endpoint(name="predictions")(targets, logits, sample_weights=weights)
    return module.Model([inputs, targets, weights], out)


@pytest.fixture(scope="module")
def endpoint_feeds():
    rng = np.random.default_rng(8)
    return [rng.normal(size=(6, 3)).astype("float32"),
            rng.integers(0, 2, size=(6, 4)).astype("float32"),
            np.linspace(0.2, 1.0, 6).astype("float32")]


STYLES = ["positional", "keywords", "sample_weights"]


@pytest.mark.parametrize("style", STYLES)
def test_endpoint_model_saves_and_loads_both_ways(keras, tmp_path, endpoint_feeds,
                                                  endpoint_classes, style):
    classes = endpoint_classes
    keras.utils.set_random_seed(9)
    theirs = _endpoint_model(keras, classes[keras], style)
    ours = _endpoint_model(kerasish, classes[kerasish], style)
    ours.set_weights(theirs.get_weights())
    feeds = endpoint_feeds
    expected = np.asarray(theirs(feeds))
    _close(ours(feeds), expected)
    _close(ours.losses, theirs.losses)

    ours.save(tmp_path / "ours.keras")
    again = kerasish.saving.load_model(tmp_path / "ours.keras")  # kerasish -> kerasish
    _close(again(feeds), expected)
    _close(again.losses, theirs.losses)
    k_again = keras.saving.load_model(tmp_path / "ours.keras")  # kerasish -> Keras
    _close(k_again(feeds), expected)
    _close(k_again.losses, theirs.losses)

    theirs.save(tmp_path / "theirs.keras")  # Keras -> kerasish
    loaded = kerasish.saving.load_model(tmp_path / "theirs.keras")
    _close(loaded(feeds), expected)
    _close(loaded.losses, theirs.losses)
    _close(loaded.predict(feeds, verbose=0), expected)
    params, state = loaded.current_params()
    y, _, aux = jax.jit(make_apply(loaded, with_aux=True))(params, state, feeds)
    _close(y, expected)
    _close(aux["losses"], theirs.losses)


@pytest.mark.parametrize("style", ["positional", "sample_weights"])
def test_inbound_nodes_are_written_as_keras_writes_them(keras, endpoint_classes, style):
    def config(module):  # as written to config.json
        model = _endpoint_model(module, endpoint_classes[module], style)
        return json.loads(json.dumps(model.get_config()))

    ours, theirs = config(kerasish), config(keras)
    nodes = {entry["name"]: entry["inbound_nodes"] for entry in theirs["layers"]}
    for entry in ours["layers"]:
        assert entry["inbound_nodes"] == nodes[entry["name"]], entry["name"]
    endpoint = next(e for e in ours["layers"] if e["name"] == "predictions")
    assert [a["config"]["keras_history"] for a in endpoint["inbound_nodes"][0]["args"]] == \
        [["targets", 0, 0], ["drop", 0, 0]]
    drop = next(e for e in ours["layers"] if e["name"] == "drop")
    assert drop["inbound_nodes"][0]["kwargs"] == {"training": False}


def test_masked_merge_model_saves_and_loads_both_ways(keras, tmp_path):
    """A shared layer (two nodes), a merge of masked inputs and a BatchNormalization
    that uses the mask: the graph and its masks survive the file, both ways."""
    def make(module):
        a = module.Input((None,), dtype="int32", name="a")
        b = module.Input((None,), dtype="int32", name="b")
        emb = module.layers.Embedding(12, 3, mask_zero=True, name="emb")
        merged = module.layers.Maximum(name="max")([emb(a), emb(b)])
        h = module.layers.BatchNormalization(name="bn")(merged, training=True)
        h = module.layers.Activation("relu", name="act")(h)
        return module.Model([a, b], module.layers.GlobalAveragePooling1D(name="pool")(h))

    keras.utils.set_random_seed(10)
    theirs, ours = make(keras), make(kerasish)
    ours.set_weights(theirs.get_weights())
    feeds = [IDS, np.where(IDS_B[:, :1] == 0, 1, IDS_B)]  # no sample masked everywhere
    for path, source in ((tmp_path / "o.keras", ours), (tmp_path / "k.keras", theirs)):
        source.save(path)
        loaded_o = kerasish.saving.load_model(path)
        loaded_k = keras.saving.load_model(path)
        expected = np.asarray(loaded_k(feeds))
        with _no_mask_warning():
            _close(loaded_o(feeds), expected)
        bn = loaded_o.get_layer("bn")
        for got, want in ((bn.moving_mean, loaded_k.get_layer("bn").moving_mean),
                          (bn.moving_variance, loaded_k.get_layer("bn").moving_variance)):
            _close(got, want)


# Keras records a layer's automatic mask as a `mask=` keyword computed by op nodes
# (NotEqual, LogicalOr, Any): kerasish recomputes those masks itself.
KERAS_MASK_GRAPHS = {
    "masking": lambda k: _seq_graph(k, lambda x: k.layers.Masking(0.0)(x), k.Input((5, 3))),
    "embedding_dense": lambda k: _seq_graph(
        k, lambda x: k.layers.Dense(3)(k.layers.Embedding(12, 4, mask_zero=True)(x)),
        k.Input((None,), dtype="int32")),
    "batch_norm": lambda k: _seq_graph(
        k, lambda x: k.layers.BatchNormalization()(k.layers.Embedding(12, 4, mask_zero=True)(x)),
        k.Input((None,), dtype="int32")),
}


def _seq_graph(keras, body, inp):
    return keras.Model(inp, keras.layers.GlobalAveragePooling1D()(body(inp)))


@pytest.mark.parametrize("name", sorted(KERAS_MASK_GRAPHS))
def test_keras_files_with_mask_op_nodes_load(keras, tmp_path, name):
    keras.utils.set_random_seed(11)
    theirs = KERAS_MASK_GRAPHS[name](keras)
    config = json.dumps(theirs.get_config())
    assert "keras.src.ops.numpy" in config and '"mask"' in config  # what Keras writes
    x = IDS if "embedding" in name or name == "batch_norm" else \
        np.where(np.random.default_rng(0).random((3, 5, 1)) > 0.4,
                 np.random.default_rng(1).normal(size=(3, 5, 3)), 0.0).astype("float32")
    theirs.save(tmp_path / "k.keras")
    ours = kerasish.saving.load_model(tmp_path / "k.keras")
    assert [la.name for la in ours.layers] == [la.name for la in theirs.layers]
    with _no_mask_warning():
        _close(ours(x), theirs(x))
    ours.save(tmp_path / "o.keras")  # and back, without op nodes: Keras adds its own
    _close(keras.saving.load_model(tmp_path / "o.keras")(x), theirs(x))


def test_keras_op_nodes_kerasish_cannot_replay_are_refused(keras, tmp_path):
    x = keras.Input((4, 3))
    shifted = keras.ops.add(x, 1.0)  # a Keras op on symbolic tensors: replayed now
    model = keras.Model(x, keras.layers.Dense(2)(shifted))
    model.save(tmp_path / "op.keras")
    data = np.ones((2, 4, 3), "float32")
    np.testing.assert_allclose(kerasish.saving.load_model(tmp_path / "op.keras").predict(
        data, verbose=0), model.predict(data, verbose=0), rtol=1e-5, atol=1e-6)
    # An explicit mask computed with ops where kerasish would find none: refused.
    keep = keras.ops.greater(keras.ops.sum(x, axis=-1), 0.0)
    pooled = keras.layers.GlobalAveragePooling1D()(x, mask=keep)
    keras.Model(x, pooled).save(tmp_path / "mask.keras")
    with pytest.raises(ValueError, match=r"takes `mask` from the Keras op node 'Greater'"):
        kerasish.saving.load_model(tmp_path / "mask.keras")
