"""Text and categorical preprocessing layers.

CategoryEncoding and Discretization need no TensorFlow in Keras: real Keras 3 is
their oracle (outputs, adapted boundaries, configs, .keras files both ways).
StringLookup, IntegerLookup and TextVectorization need TensorFlow in Keras, which is
not installed here: their expected values are Keras's documented ones (the examples
of Keras's own docstrings) and hand-computed ones from Keras's documented rules
(index 0 = mask/padding, then ``num_oov_indices`` OOV ids, then the vocabulary by
count, ties in descending token order; idf = log(1 + documents / (1 + df)))."""

import json

import numpy as np
import pytest

import kerasish
from kerasish import layers as klayers
from kerasish.layers import string_hashes
from kerasish.saving import deserialize_keras_object, serialize_keras_object

VOCAB = ["a", "b", "c", "d"]
DATA = [["a", "c", "d"], ["d", "z", "b"]]


def _np(x):
    return np.asarray(x)


# -- CategoryEncoding, Discretization: against Keras ----------------------------------------
@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_category_encoding_matches_keras(keras, mode):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 6, size=(4, 5))
    for x in (ids, ids[:, :1], ids[0], np.int32(3), ids[:, :, None] if mode == "one_hot"
              else ids):
        expected = _np(keras.layers.CategoryEncoding(6, output_mode=mode)(x))
        got = _np(klayers.CategoryEncoding(6, output_mode=mode)(x))
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    if mode == "count":
        weights = rng.normal(size=(4, 5)).astype("float32")
        np.testing.assert_allclose(
            _np(klayers.CategoryEncoding(6, output_mode=mode)(ids, count_weights=weights)),
            _np(keras.layers.CategoryEncoding(6, output_mode=mode)(ids, count_weights=weights)),
            atol=1e-6)


def _keras_adapt(layer, batches):
    # Keras's Discretization.adapt checks for tf.data first (TensorFlow is not here);
    # these are the steps it then takes for arrays and lists of batches.
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()


@pytest.mark.parametrize("num_bins,epsilon", [(4, 0.01), (7, 0.1), (3, 0.001)])
def test_discretization_adapt_matches_keras(keras, num_bins, epsilon):
    data = np.random.default_rng(1).normal(size=(500, 3))
    # Named alike: default names count the layers made before, in each library.
    theirs = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon, name="disc")
    ours = klayers.Discretization(num_bins=num_bins, epsilon=epsilon, name="disc")
    _keras_adapt(theirs, [data])
    ours.adapt(data)
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=0, atol=0)
    assert len(ours.bin_boundaries) == num_bins - 1
    assert ours.get_config() == theirs.get_config()
    _keras_adapt(theirs, [data[:200], data[200:]])  # batches: Keras's merged summaries
    ours.adapt([data[:200], data[200:], data[:10]], steps=2)
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=0, atol=0)


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_outputs_match_keras(keras, mode):
    x = np.random.default_rng(2).normal(size=(4, 3)).astype("float32")
    x[0, 0] = 0.0  # on a boundary: the bucket to its right, as np.digitize
    theirs = keras.layers.Discretization(bin_boundaries=[-1.0, 0.0, 0.5], output_mode=mode)
    ours = klayers.Discretization(bin_boundaries=[-1.0, 0.0, 0.5], output_mode=mode)
    expected, got = _np(theirs(x)), _np(ours(x))
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_categorical_layers_files_move_both_ways(keras, tmp_path):
    """A model with CategoryEncoding and Discretization (one adapted: its boundaries
    live in the config, as Keras saves them): kerasish -> Keras -> kerasish."""
    def build(lib, adapted):
        ids, x = lib.Input((5,), dtype="int32", name="ids"), lib.Input((3,), name="x")
        a = lib.layers.CategoryEncoding(8, output_mode="count")(ids)
        b = adapted(lib.layers.Discretization(num_bins=4))(x)
        b = lib.layers.CategoryEncoding(4, output_mode="multi_hot")(b)
        return lib.Model([ids, x], lib.layers.Concatenate()([a, b]))

    data = np.random.default_rng(3).normal(size=(50, 3)).astype("float32")

    def adapt_ours(layer):
        layer.adapt(data)
        return layer

    ours = build(kerasish, adapt_ours)
    feeds = [np.random.default_rng(4).integers(0, 8, size=(6, 5)).astype("int32"), data[:6]]
    expected = ours.predict(feeds, verbose=0)
    ours.save(tmp_path / "o.keras")
    theirs = keras.saving.load_model(tmp_path / "o.keras")
    np.testing.assert_array_equal(theirs.predict(feeds, verbose=0), expected)
    theirs.save(tmp_path / "k.keras")
    again = kerasish.models.load_model(tmp_path / "k.keras")
    np.testing.assert_array_equal(again.predict(feeds, verbose=0), expected)


def test_categorical_refusals():
    with pytest.raises(ValueError, match=r"num_tokens must be set"):
        klayers.CategoryEncoding()
    with pytest.raises(ValueError, match=r"Unknown arg for output_mode: int"):
        klayers.CategoryEncoding(3, output_mode="int")
    with pytest.raises(ValueError, match=r"`sparse=True` cannot be used"):
        klayers.CategoryEncoding(3, sparse=True)
    with pytest.raises(ValueError, match=r"`count_weights` is not used"):
        klayers.CategoryEncoding(3)([0, 1], count_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"Both `num_bins` and `bin_boundaries`"):
        klayers.Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match=r"either `num_bins` or `bin_boundaries`"):
        klayers.Discretization()
    with pytest.raises(ValueError, match=r"Cannot adapt a Discretization layer"):
        klayers.Discretization(bin_boundaries=[0.0]).adapt(np.ones(3))
    with pytest.raises(ValueError, match=r"call `adapt\(dataset\)` before"):
        klayers.Discretization(num_bins=3)(np.ones(3))
    with pytest.raises(ValueError, match=r"`epsilon` must be in \(0, 1\)"):
        klayers.Discretization(num_bins=3, epsilon=0)


# -- StringLookup: Keras's documented examples -----------------------------------------------
def test_string_lookup_follows_keras_documented_examples():
    assert _np(klayers.StringLookup(vocabulary=VOCAB)(DATA)).tolist() == [[1, 3, 4], [4, 0, 2]]
    layer = klayers.StringLookup()
    layer.adapt(DATA)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert _np(layer(DATA)).tolist() == [[5, 3, 1], [1, 2, 4]]
    assert _np(klayers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(
        ["a", "b", "c", "d", "z"])).tolist() == np.eye(5)[[1, 2, 3, 4, 0]].tolist()
    data = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    multi = klayers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(data)
    assert _np(multi).tolist() == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    count = klayers.StringLookup(vocabulary=VOCAB, output_mode="count")(data)
    assert _np(count).tolist() == [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]
    tfidf = klayers.StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(_np(tfidf(data)), [[0, 0.25, 0, 0.6, 0.8],
                                                  [1.0, 0, 0.75, 0, 0.4]], atol=1e-6)
    tfidf = klayers.StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(_np(tfidf(data)), [[0, 0.25, 0, 0.6, 0.8],
                                                  [1.8, 0, 0.75, 0, 0.4]], atol=1e-6)
    inverse = klayers.StringLookup(vocabulary=VOCAB, invert=True)
    assert inverse([[1, 3, 4], [4, 0, 2]]).tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    assert inverse(klayers.StringLookup(vocabulary=VOCAB)(DATA)).tolist() == \
        [["a", "c", "d"], ["d", "[UNK]", "b"]]


def test_string_lookup_options():
    # mask_token: id 0, OOV ids after it; the vocabulary shows both
    layer = klayers.StringLookup(vocabulary=VOCAB, mask_token="", oov_token="?")
    assert layer.get_vocabulary() == ["", "?", "a", "b", "c", "d"]
    assert layer.get_vocabulary(include_special_tokens=False) == VOCAB
    assert _np(layer([["a", "", "q"]])).tolist() == [[2, 0, 1]]
    assert layer.vocabulary_size() == 6
    # num_oov_indices=0: every token must be known
    strict = klayers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)
    assert _np(strict(["d", "a"])).tolist() == [3, 0]
    with pytest.raises(ValueError, match=r"When `num_oov_indices=0` all inputs should be in "
                                         r"vocabulary, found OOV values \['z'\]"):
        strict(["z"])
    # max_tokens bounds adapt (special tokens included); pad_to_max_tokens the columns
    bounded = klayers.StringLookup(max_tokens=3, pad_to_max_tokens=True, output_mode="count")
    bounded.adapt(DATA)
    assert bounded.get_vocabulary() == ["[UNK]", "d", "z"]
    bounded = klayers.StringLookup(max_tokens=6, pad_to_max_tokens=True, output_mode="count")
    bounded.adapt(DATA)
    assert _np(bounded([["d", "d", "q"]])).tolist() == [[1, 2, 0, 0, 0, 0]]
    # bytes inputs are decoded with `encoding`
    latin = klayers.StringLookup(vocabulary=["é"], encoding="latin-1")
    assert _np(latin(np.array(["é".encode("latin-1")], dtype=object))).tolist() == [1]
    # a vocabulary file, one token a line
    scalar = klayers.StringLookup(vocabulary=VOCAB)("c")
    assert _np(scalar).shape == () and int(scalar) == 3


def test_vocabulary_file_and_adapt_by_batches(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(VOCAB) + "\n")
    assert klayers.StringLookup(vocabulary=str(path)).get_vocabulary() == ["[UNK]"] + VOCAB
    layer = klayers.StringLookup()
    layer.adapt(iter([np.array(DATA[:1]), np.array(DATA[1:]), np.array([["q", "q", "q"]])]),
                steps=2)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]


def test_tf_idf_weights_learned_by_adapt():
    docs = [["a", "b", "c"], ["a", "b"], ["a"]]
    layer = klayers.StringLookup(output_mode="tf_idf")
    layer.adapt(docs)
    idf = np.log(1 + 3 / (1 + np.array([3, 2, 1])))  # a, b, c
    np.testing.assert_allclose(layer.idf_weights, [idf.mean(), *idf], rtol=1e-6)
    np.testing.assert_allclose(_np(layer([["a", "a", "z"]])),
                               [[idf.mean(), 2 * idf[0], 0, 0]], rtol=1e-6)


def test_integer_lookup_follows_keras_documented_examples():
    vocab = [12, 36, 1138, 42]
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    assert _np(klayers.IntegerLookup(vocabulary=vocab)(data)).tolist() == [[1, 3, 4], [4, 0, 2]]
    layer = klayers.IntegerLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    assert _np(layer(data)).tolist() == [[5, 2, 1], [1, 3, 4]]
    two = klayers.IntegerLookup(vocabulary=vocab, num_oov_indices=2)
    assert _np(two(np.array([[12, 1138, 42], [37, 1000, 36]]))).tolist() == \
        [[2, 4, 5], [1, 0, 3]]
    assert _np(klayers.IntegerLookup(vocabulary=vocab, output_mode="one_hot")(
        np.array([12, 36, 1138, 42, 7]))).tolist() == np.eye(5)[[1, 2, 3, 4, 0]].tolist()
    masked = klayers.IntegerLookup(vocabulary=vocab, mask_token=0)
    assert _np(masked(np.array([[12, 0, 7]]))).tolist() == [[2, 0, 1]]
    inverse = klayers.IntegerLookup(vocabulary=vocab, invert=True, oov_token=-7)
    assert inverse(np.array([[1, 3, 4], [4, 0, 2]])).tolist() == [[12, 1138, 42],
                                                                  [42, -7, 36]]


def test_lookup_configs_have_keras_keys_and_round_trip():
    """Keras 3.15's get_config keys (from its source: IndexLookup, StringLookup,
    IntegerLookup, TextVectorization); an adapted vocabulary travels in the config."""
    base = {"name", "trainable", "dtype", "invert", "max_tokens", "num_oov_indices",
            "oov_token", "mask_token", "output_mode", "sparse", "pad_to_max_tokens",
            "idf_weights", "vocabulary", "vocabulary_size", "oov_method", "salt"}
    text = {"name", "trainable", "dtype", "max_tokens", "standardize", "split", "ngrams",
            "output_mode", "output_sequence_length", "pad_to_max_tokens", "sparse", "ragged",
            "vocabulary", "idf_weights", "encoding", "vocabulary_size"}
    string = klayers.StringLookup(output_mode="tf_idf", mask_token="[M]")
    string.adapt(DATA)
    integer = klayers.IntegerLookup(num_oov_indices=2, oov_token=-2)
    integer.adapt(np.array([[3, 4, 4]]))
    vectorizer = klayers.TextVectorization(ngrams=(1, 2), output_sequence_length=3)
    vectorizer.adapt(["x y", "y z"])
    for layer, keys, data in ((string, base | {"encoding"}, DATA),
                              (integer, base | {"vocabulary_dtype"}, np.array([[4, 9, 3]])),
                              (vectorizer, text, ["x y q"])):
        assert set(layer.get_config()) == keys
        saved = json.loads(json.dumps(serialize_keras_object(layer)))
        again = deserialize_keras_object(saved)
        assert type(again) is type(layer) and again.get_config() == layer.get_config()
        np.testing.assert_allclose(_np(again(data)), _np(layer(data)))
    assert integer.get_config()["vocabulary"] == [-2, -2, 4, 3]


def test_several_oov_ids_are_hashed_like_keras():
    """Keras's documented examples: FarmHash64 of the token (of an integer's decimal
    text with oov_method="farmhash"), or floormod; keyed SipHash with a salt."""
    two = klayers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    assert _np(two([["a", "c", "d"], ["m", "z", "b"]])).tolist() == [[2, 4, 5], [0, 1, 3]]
    oov = np.array([100, 300, 700, 1100, 1700, 2000])
    floormod = klayers.IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=4,
                                     oov_method="floormod")
    assert _np(floormod(oov)).tolist() == [0] * 6
    farm = klayers.IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=4,
                                 oov_method="farmhash")
    assert _np(farm(oov)).tolist() == [3, 3, 2, 2, 0, 1]
    salted = klayers.StringLookup(vocabulary=VOCAB, num_oov_indices=3, salt=[133, 137],
                                  mask_token="")
    expected = [1 + string_hashes.siphash64([133, 137], t.encode()) % 3 for t in "ABCDE"]
    assert _np(salted(list("ABCDE"))).tolist() == expected
    assert _np(salted(["", "a"])).tolist() == [0, 4]  # mask 0, OOV 1-3, then "a"
    assert salted.get_config()["salt"] == [133, 137]
    assert klayers.IntegerLookup(oov_method="farmhash", salt=5).get_config()["salt"] == [5, 5]


def test_lookup_refusals_name_the_argument():
    with pytest.raises(ValueError, match=r"`salt` can only be used when `oov_method='farm"):
        klayers.IntegerLookup(salt=3)
    with pytest.raises(ValueError, match=r"`salt` argument for `IndexLookup` can only be"):
        klayers.StringLookup(salt="x")
    with pytest.raises(ValueError, match=r"Unknown value for `oov_method`"):
        klayers.IntegerLookup(oov_method="mod")
    with pytest.raises(ValueError, match=r"`sparse=True` can only be used"):
        klayers.IntegerLookup(sparse=True, output_mode="count")
    with pytest.raises(ValueError, match=r"`output_mode` must be `'int'` when `invert`"):
        klayers.StringLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match=r"`max_tokens` must be greater than 1"):
        klayers.StringLookup(max_tokens=1)
    with pytest.raises(ValueError, match=r"repeated term.*\['a'\]"):
        klayers.StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"vocabulary_dtype='int64'"):
        klayers.IntegerLookup(vocabulary_dtype="int32")
    with pytest.raises(ValueError, match=r"Cannot adapt layer"):
        klayers.StringLookup(vocabulary=VOCAB).adapt(DATA)
    with pytest.raises(RuntimeError, match=r"you must set the layer's vocabulary"):
        klayers.StringLookup(output_mode="multi_hot")(DATA)
    with pytest.raises(ValueError, match=r"`idf_weights` should only be set"):
        klayers.StringLookup(vocabulary=VOCAB, idf_weights=[1.0] * 4)
    with pytest.raises(TypeError, match=r"takes strings"):
        klayers.StringLookup(vocabulary=VOCAB)([[1, 2]])
    ids = kerasish.Input((3,), dtype="int32")
    with pytest.raises(NotImplementedError, match=r"only on text.*dtype int32.*to the data"):
        klayers.IntegerLookup(vocabulary=[1, 2])(ids)


# -- TextVectorization ------------------------------------------------------------------------
def test_text_vectorization_int_sequences():
    layer = klayers.TextVectorization(max_tokens=6, output_sequence_length=4)
    layer.adapt(["The cat sat.", "The dog sat on the cat!"])
    # counts: the 3, sat 2, cat 2, on 1, dog 1; ties in descending order; max_tokens=6
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "sat", "cat", "on"]
    assert _np(layer(["the CAT ate, quickly", "dog"])).tolist() == [[2, 4, 1, 1], [1, 0, 0, 0]]
    free = klayers.TextVectorization(vocabulary=["a", "b"])  # padded to the longest row
    assert _np(free(["a b a", "b"])).tolist() == [[2, 3, 2], [3, 0, 0]]
    assert _np(free(np.array([["b a"], ["a"]]))).tolist() == [[3, 2], [2, 0]]


def test_text_vectorization_standardize_split_ngrams():
    raw = klayers.TextVectorization(standardize=None, vocabulary=["A", "b."])
    assert _np(raw(["A b. a"])).tolist() == [[2, 3, 1]]
    lower = klayers.TextVectorization(standardize="lower", vocabulary=["a", "b."])
    assert _np(lower(["A b."])).tolist() == [[2, 3]]
    strip = klayers.TextVectorization(standardize="strip_punctuation", vocabulary=["A", "b"])
    assert _np(strip(["A b."])).tolist() == [[2, 3]]
    upper = klayers.TextVectorization(standardize=lambda t: np.char.upper(t.astype(str)),
                                      vocabulary=["AB"])
    assert _np(upper(["ab cd"])).tolist() == [[2, 1]]
    chars = klayers.TextVectorization(split="character", vocabulary=["a", "b"])
    assert _np(chars(["abca"])).tolist() == [[2, 3, 1, 2]]
    whole = klayers.TextVectorization(split=None, vocabulary=["a b"])
    assert _np(whole(["a b", "c"])).tolist() == [[2], [1]]
    commas = klayers.TextVectorization(split=lambda t: [s.split(",") for s in t],
                                       standardize=None, vocabulary=["x", "y z"])
    assert _np(commas(["x,y z,q"])).tolist() == [[2, 3, 1]]
    grams = klayers.TextVectorization(ngrams=2)
    grams.adapt(["a b c", "a b"])
    # 1-grams a 2, b 2, c 1; 2-grams "a b" 2, "b c" 1
    assert grams.get_vocabulary() == ["", "[UNK]", "b", "a b", "a", "c", "b c"]
    assert _np(grams(["a b c"])).tolist() == [[4, 2, 5, 3, 6]]
    only_pairs = klayers.TextVectorization(ngrams=(2,), vocabulary=["a b"])
    assert _np(only_pairs(["a b c"])).tolist() == [[2, 1]]


def test_text_vectorization_bag_of_words_modes():
    docs = ["a b c", "a b", "a"]
    multi = klayers.TextVectorization(output_mode="multi_hot")
    multi.adapt(docs)
    assert multi.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    assert multi.get_vocabulary(include_special_tokens=False) == ["a", "b", "c"]
    assert _np(multi(["c c z"])).tolist() == [[1, 0, 0, 1]]
    count = klayers.TextVectorization(output_mode="count", max_tokens=6, pad_to_max_tokens=True,
                                      vocabulary=["a", "b"])
    assert _np(count(["b b a q", ""])).tolist() == [[1, 1, 2, 0, 0, 0], [0] * 6]
    tfidf = klayers.TextVectorization(output_mode="tf_idf")
    tfidf.adapt(docs)
    idf = np.log(1 + 3 / (1 + np.array([3, 2, 1])))
    np.testing.assert_allclose(_np(tfidf(["a b z z"])),
                               [[2 * idf.mean(), idf[0], idf[1], 0]], rtol=1e-6)
    given = klayers.TextVectorization(output_mode="tf_idf", vocabulary=["a"], idf_weights=[0.5])
    np.testing.assert_allclose(_np(given(["a a q"])), [[0.5, 1.0]])  # OOV: the mean idf
    later = klayers.TextVectorization(output_mode="tf_idf")
    later.set_vocabulary(["[UNK]", "a"], idf_weights=[0.1, 0.5])
    np.testing.assert_allclose(_np(later(["a a q"])), [[0.1, 1.0]])


def test_text_vectorization_adapt_batches_and_refusals():
    layer = klayers.TextVectorization()
    layer.adapt(np.array(["x y", "y", "z z z"]), batch_size=2, steps=1)
    assert layer.get_vocabulary() == ["", "[UNK]", "y", "x"]
    layer.set_vocabulary(["p"])
    assert layer.vocabulary_size() == 3
    with pytest.raises(ValueError, match=r"`ragged=True` can only be used"):
        klayers.TextVectorization(ragged=True)
    with pytest.raises(ValueError, match=r"`sparse=True` can only be used"):
        klayers.TextVectorization(sparse=True, output_mode="count")
    with pytest.raises(ValueError, match=r"`output_sequence_length` must not be set"):
        klayers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match=r"Unknown value for `standardize`.*standardize='upper'"):
        klayers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match=r"`ngrams` must be None, an integer"):
        klayers.TextVectorization(ngrams=[1, 2])
    with pytest.raises(ValueError, match=r"input rank must be 1 or the last shape dimension"):
        klayers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))


# -- Hashing and the hashes ---------------------------------------------------------------
# FarmHash Fingerprint64 values from Google's C++ FarmHash (through pyfarmhash), one per
# code path of the hash: 0, 1-3, 4-7, 8-16, 17-32, 33-64 and over 64 bytes.
FINGERPRINTS = {
    "": 11160318154034397263, "a": 12917804110809363939, "abc": 2640714258260161385,
    "abcdefg": 4341691227789030229, "kerasish!": 4613449652308346163,
    "sixteen-bytes-xx": 5817212992709932424, "seventeen-bytes-x": 10891307262064274696,
    "a text of thirty-two bytes, yes.": 7427228393019122699,
    "a longer text of between thirty-three and sixty-four bytes": 1339969597582127511,
    "a text longer than sixty-four bytes, so that FarmHash runs its main loop twice or "
    "more: " * 2: 12841219418062946635,
}


def test_fingerprint64_equals_farmhash():
    for text, expected in FINGERPRINTS.items():
        assert string_hashes.fingerprint64(text.encode()) == expected, len(text)


def test_hashing_follows_keras_documented_examples():
    inputs = [["A"], ["B"], ["C"], ["D"], ["E"]]
    assert _np(klayers.Hashing(num_bins=3)(inputs)).ravel().tolist() == [1, 0, 1, 1, 2]
    masked = klayers.Hashing(num_bins=3, mask_value="")
    assert _np(masked([["A"], ["B"], [""], ["C"], ["D"]])).ravel().tolist() == [1, 1, 0, 2, 2]
    assert _np(klayers.Hashing(num_bins=3, salt=[133, 137])(inputs)).ravel().tolist() == \
        [1, 2, 1, 0, 2]
    assert _np(klayers.Hashing(num_bins=3, salt=133)(inputs)).ravel().tolist() == \
        [0, 0, 2, 1, 0]
    # integers hash as their decimal text (and floats are truncated first)
    ints = _np(klayers.Hashing(num_bins=4)(np.array([100, 300, 700, 1100, 1700, 2000])))
    assert ints.tolist() == [3, 3, 2, 2, 0, 1]
    assert _np(klayers.Hashing(num_bins=4)(np.array([100.7]))).tolist() == [3]


def test_hashing_output_modes_and_config():
    bins = _np(klayers.Hashing(num_bins=4)([["a", "b", "a"]]))
    multi = _np(klayers.Hashing(num_bins=4, output_mode="multi_hot")([["a", "b", "a"]]))
    count = _np(klayers.Hashing(num_bins=4, output_mode="count")([["a", "b", "a"]]))
    one = _np(klayers.Hashing(num_bins=4, output_mode="one_hot")([["a"], ["b"]]))
    assert multi.tolist() == [np.isin(np.arange(4), bins).astype(int).tolist()]
    assert count.tolist() == [np.bincount(bins.ravel(), minlength=4).tolist()]
    assert one.tolist() == np.eye(4)[bins.ravel()[:2]].tolist()
    assert multi.dtype == np.float32 and bins.dtype == np.int32
    layer = klayers.Hashing(num_bins=5, mask_value="-", salt=(1, 2), output_mode="count",
                            name="h")
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype", "num_bins", "salt", "mask_value",
                           "output_mode", "sparse"}
    again = deserialize_keras_object(json.loads(json.dumps(serialize_keras_object(layer))))
    np.testing.assert_array_equal(_np(again([["x", "-"]])), _np(layer([["x", "-"]])))
    assert config["salt"] == [1, 2]
    with pytest.raises(ValueError, match=r"`num_bins` for `Hashing` cannot be"):
        klayers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match=r"`sparse=True` can only be used"):
        klayers.Hashing(num_bins=2, sparse=True, output_mode="count")
    with pytest.raises(ValueError, match=r"`dtype` should be an integer type"):
        klayers.Hashing(num_bins=2, dtype="float32")
    with pytest.raises(ValueError, match=r"`salt` argument for `Hashing`"):
        klayers.Hashing(num_bins=2, salt=[1, 2, 3])


def test_hashed_crossing_follows_keras_documented_examples():
    feat1 = np.array(["A", "B", "A", "B", "A"])
    feat2 = np.array([101, 101, 101, 102, 102])
    assert _np(klayers.HashedCrossing(num_bins=5)((feat1, feat2))).tolist() == [1, 4, 1, 1, 3]
    one_hot = klayers.HashedCrossing(num_bins=5, output_mode="one_hot")((feat1, feat2))
    assert _np(one_hot).tolist() == np.eye(5)[[1, 4, 1, 1, 3]].tolist()
    column = klayers.HashedCrossing(num_bins=5)((feat1[:, None], feat2[:, None]))
    assert _np(column).tolist() == [[1], [4], [1], [1], [3]]
    assert int(klayers.HashedCrossing(num_bins=5)(("A", 101))) == 1
    layer = klayers.HashedCrossing(num_bins=7, output_mode="one_hot", name="cross",
                                   dtype="float32")
    assert layer.get_config() == {"num_bins": 7, "output_mode": "one_hot", "sparse": False,
                                  "name": "cross", "dtype": "float32"}
    again = deserialize_keras_object(json.loads(json.dumps(serialize_keras_object(layer))))
    np.testing.assert_array_equal(_np(again((feat1, feat2))), _np(layer((feat1, feat2))))
    with pytest.raises(ValueError, match=r"`sparse=True` can only be used"):
        klayers.HashedCrossing(num_bins=2, sparse=True)
    with pytest.raises(ValueError, match=r"output_mode=multi_hot"):
        klayers.HashedCrossing(num_bins=2, output_mode="multi_hot")
    with pytest.raises(ValueError, match=r"at least two inputs"):
        klayers.HashedCrossing(num_bins=2)(feat1)
    with pytest.raises(ValueError, match=r"only supports integer and string inputs"):
        klayers.HashedCrossing(num_bins=2)((feat1, feat2 * 0.5))
