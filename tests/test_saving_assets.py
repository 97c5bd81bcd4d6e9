"""Keras 3's ``assets/`` folder in ``.keras`` files: text layers' vocabularies (and
custom layers' files) move both ways between kerasish and Keras.

Keras on JAX needs TensorFlow to build TextVectorization/StringLookup/IntegerLookup,
and TensorFlow is not installed here. So Keras's side is played by stand-in Keras
layers of the same class names (``make_standins``) that do for files exactly what
Keras 3.15's IndexLookup and TextVectorization do (``save_assets``/``load_assets``:
``vocabulary.txt``, special tokens first, joined by newlines; ``save_own_variables``/
``load_own_variables``: ``idf_weights`` in tf_idf mode; the lookup layer of a
TextVectorization at ``_lookup_layer``). Keras's own ``saving_lib`` writes and reads
the archives: its object walk chooses the asset folders, its H5 store the weights.
Only config.json is retargeted between the stand-ins and ``keras.layers`` (``retarget``);
every other member is copied byte for byte.
"""

import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import kerasish
from kerasish import layers

STANDIN = "StandIn"
NAMES = ("StringLookup", "IntegerLookup", "TextVectorization")


def make_standins(keras):
    """Keras layers named like Keras's text layers, with their file behaviour."""

    class _Lookup(keras.layers.Layer):
        integer = False

        def __init__(self, **config):
            self.saved_config = dict(config)
            super().__init__(name=config.get("name"))
            self.vocab, self.idf, self.seen_dirs = None, None, []

        def get_config(self):
            return dict(self.saved_config)

        def build(self, input_shape):
            pass

        def compute_output_spec(self, x):
            return keras.KerasTensor(x.shape, "int64")

        def call(self, x):
            return x

        def save_own_variables(self, store):
            if self.saved_config.get("output_mode") == "tf_idf":
                store["idf_weights"] = np.asarray(self.idf, "float32")

        def load_own_variables(self, store):
            if self.saved_config.get("output_mode") == "tf_idf":
                self.idf = np.asarray(store["idf_weights"])

        def save_assets(self, dir_path):
            if self.saved_config.get("vocabulary") is not None:
                return
            with open(os.path.join(dir_path, "vocabulary.txt"), "w") as f:
                f.write("\n".join([str(w) for w in self.vocab]))

        def load_assets(self, dir_path):
            self.seen_dirs.append(dir_path)
            if self.saved_config.get("vocabulary") is not None:
                return
            with open(os.path.join(dir_path, "vocabulary.txt")) as f:
                lines = f.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            self.vocab = [int(v) for v in lines] if self.integer else lines

    string_lookup = type("StringLookup", (_Lookup,), {})
    integer_lookup = type("IntegerLookup", (_Lookup,), {"integer": True})

    class TextVectorization(_Lookup):
        def __init__(self, **config):
            super().__init__(**config)
            self._lookup_layer = string_lookup(output_mode=config.get("output_mode"),
                                               vocabulary=config.get("vocabulary"))

        def save_own_variables(self, store):
            self._lookup_layer.save_own_variables(store)

        def load_own_variables(self, store):
            self._lookup_layer.load_own_variables(store)

        def save_assets(self, dir_path):
            self._lookup_layer.save_assets(dir_path)

        def load_assets(self, dir_path):
            self.seen_dirs.append(dir_path)
            self._lookup_layer.load_assets(dir_path)

    classes = {"StringLookup": string_lookup, "IntegerLookup": integer_lookup,
               "TextVectorization": TextVectorization}
    return {f"{STANDIN}>{name}": cls for name, cls in classes.items()}


def retarget(src, dst, to_standin):
    """Copy ``src`` to ``dst``; in config.json the text layers name the stand-ins
    (``to_standin``) or Keras's own classes. Every other member is copied as is."""
    def fix(node):
        if isinstance(node, dict):
            if node.get("class_name") in NAMES and "config" in node:
                node["module"] = None if to_standin else "keras.layers"
                node["registered_name"] = f"{STANDIN}>{node['class_name']}" \
                    if to_standin else None
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "config.json":
                config = json.loads(data)
                fix(config)
                data = json.dumps(config).encode()
            zout.writestr(info, data)


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {info.filename: (zf.read(info.filename), info.compress_type)
                for info in zf.infolist()}


def _text_model():
    tv = layers.TextVectorization(output_sequence_length=4)
    tv.adapt(["the cat sat", "the dog", "a cat"])
    tfidf = layers.StringLookup(output_mode="tf_idf")
    tfidf.adapt([["x", "y"], ["x"], ["z", "x"]])
    ints = layers.IntegerLookup(mask_token=0)
    ints.adapt(np.array([[7, 3, 7], [9, 7, 0]]))
    text = kerasish.Input((1,), dtype="string", name="text")
    return kerasish.Model(text, [tv(text), tfidf(text)]), tv, tfidf, ints


def test_text_layers_write_keras_assets_layout(tmp_path):
    """kerasish's file holds the adapted vocabularies where Keras 3.15 puts them (the
    folder of each layer's weights path; the lookup inside a TextVectorization has
    its own), tf_idf weights under 'idf_weights', and configs without them."""
    model, tv, tfidf, _ = _text_model()
    model.save(tmp_path / "m.keras")
    members = _members(tmp_path / "m.keras")
    assert list(members)[3:] == [
        "assets/layers/string_lookup/vocabulary.txt",
        "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt",
        "assets/layers/text_vectorization/vocabulary.txt"]
    assert all(kind == zipfile.ZIP_STORED for _, kind in members.values())
    assert members["assets/layers/text_vectorization/vocabulary.txt"][0] == \
        b"\n[UNK]\nthe\ncat\nsat\ndog\na"
    assert members["assets/layers/string_lookup/vocabulary.txt"][0] == b"[UNK]\nx\nz\ny"
    config = json.loads(members["config.json"][0])
    entries = {e["class_name"]: e["config"] for e in config["config"]["layers"]}
    assert entries["TextVectorization"]["vocabulary"] is None
    assert entries["StringLookup"]["vocabulary"] is None
    assert entries["StringLookup"]["idf_weights"] is None
    with h5py.File(io.BytesIO(members["model.weights.h5"][0]), "r") as h5:
        idf = h5["layers/string_lookup/vars/idf_weights"][()]
        assert list(h5["layers/text_vectorization/vars"]) == []
    # Keras's formula: log(1 + documents / (1 + document count)), the mean in front.
    expected = np.log(1 + 3 / (1 + np.array([3.0, 1.0, 1.0])))
    np.testing.assert_allclose(idf, np.concatenate([[expected.mean()], expected]), rtol=1e-6)
    again = kerasish.models.load_model(tmp_path / "m.keras")
    assert again.layers[1].get_vocabulary() == tv.get_vocabulary()
    np.testing.assert_array_equal(again.layers[2].idf_weights, tfidf.idf_weights)
    x = np.array([["the dog sat"], ["x z q"]])
    for ours, theirs in zip(again.layers[1:], model.layers[1:]):
        np.testing.assert_array_equal(np.asarray(ours(x)), np.asarray(theirs(x)))
    ours = again.layers[1](x)
    assert np.asarray(ours).tolist() == [[2, 5, 4, 0], [1, 1, 1, 0]]


def test_text_layers_move_between_kerasish_and_keras(keras, tmp_path):
    """kerasish's file read by Keras's saving_lib (the stand-ins receive every
    vocabulary and idf weight), saved again by Keras, read back by kerasish."""
    model, tv, tfidf, _ = _text_model()
    model.save(tmp_path / "ours.keras")
    retarget(tmp_path / "ours.keras", tmp_path / "for_keras.keras", to_standin=True)
    theirs = keras.saving.load_model(tmp_path / "for_keras.keras",
                                     custom_objects=make_standins(keras))
    found = {type(la).__name__: la for la in theirs.layers}
    assert found["TextVectorization"]._lookup_layer.vocab == tv.get_vocabulary()
    assert found["TextVectorization"].seen_dirs[0].endswith("assets/layers/text_vectorization")
    assert found["StringLookup"].vocab == tfidf.get_vocabulary()
    np.testing.assert_array_equal(found["StringLookup"].idf, tfidf.idf_weights)
    theirs.save(tmp_path / "theirs.keras")
    retarget(tmp_path / "theirs.keras", tmp_path / "back.keras", to_standin=False)
    again = kerasish.models.load_model(tmp_path / "back.keras")
    got = {type(la).__name__: la for la in again.layers}
    assert got["TextVectorization"].get_vocabulary() == tv.get_vocabulary()
    np.testing.assert_array_equal(got["StringLookup"].idf_weights, tfidf.idf_weights)
    x = np.array([["x y"], ["q x x"]])
    np.testing.assert_allclose(np.asarray(got["StringLookup"](x)), np.asarray(tfidf(x)),
                               rtol=0, atol=0)



def test_integer_lookup_assets_as_keras(tmp_path):
    """IntegerLookup (which starts no kerasish model: its input is numeric) writes and
    reads Keras's vocabulary.txt: decimal ids, mask and OOV first."""
    _, _, _, ints = _text_model()
    ints.save_assets(str(tmp_path))
    assert (tmp_path / "vocabulary.txt").read_bytes() == b"0\n-1\n7\n9\n3"
    fresh = layers.IntegerLookup(mask_token=0)
    fresh.load_assets(str(tmp_path))
    assert fresh.get_vocabulary() == [0, -1, 7, 9, 3] == ints.get_vocabulary()
    assert np.asarray(fresh(np.array([[9, 4, 0]]))).tolist() == [[3, 1, 0]]
    given = layers.IntegerLookup(vocabulary=[5, 6])
    given.save_assets(str(tmp_path / "none"))  # a given vocabulary stays in the config
    assert not (tmp_path / "none").exists()
    store = {}
    tfidf = layers.IntegerLookup(output_mode="tf_idf", vocabulary=[5, 6],
                                 idf_weights=[0.25, 0.75])
    tfidf.save_own_variables(store)
    np.testing.assert_array_equal(store["idf_weights"], np.float32([0.5, 0.25, 0.75]))


def test_keras_written_file_with_keras_configs_loads(keras, tmp_path):
    """A file written by Keras's saving_lib with Keras 3.15's configs of adapted layers
    (vocabulary None, the vocabulary in assets; ids computed by hand)."""
    standins = make_standins(keras)
    lookup = standins[f"{STANDIN}>StringLookup"](
        name="colors", trainable=True, dtype="float32", invert=False, max_tokens=None,
        num_oov_indices=1, oov_token="[UNK]", mask_token="[MASK]", output_mode="int",
        sparse=False, pad_to_max_tokens=False, idf_weights=None, vocabulary=None,
        vocabulary_size=5, oov_method="floormod", salt=None, encoding="utf-8")
    lookup.vocab = ["[MASK]", "[UNK]", "red", "blue", "green"]
    vectorizer = standins[f"{STANDIN}>TextVectorization"](
        name="words", trainable=True, dtype="float32", max_tokens=6,
        standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
        output_mode="tf_idf", output_sequence_length=None, pad_to_max_tokens=True,
        sparse=False, ragged=False, vocabulary=None, idf_weights=None, encoding="utf-8",
        vocabulary_size=4)
    vectorizer._lookup_layer.vocab = ["[UNK]", "hi", "yo", "ok"]
    vectorizer._lookup_layer.idf = np.array([0.5, 1.0, 2.0, 3.0, 0.0, 0.0], "float32")
    text = keras.Input((1,), dtype="string")
    theirs = keras.Model(text, [lookup(text), vectorizer(text)])
    theirs.save(tmp_path / "keras.keras")
    retarget(tmp_path / "keras.keras", tmp_path / "k.keras", to_standin=False)
    ours = kerasish.models.load_model(tmp_path / "k.keras")
    colors, words = ours.get_layer("colors"), ours.get_layer("words")
    assert colors.get_vocabulary() == ["[MASK]", "[UNK]", "red", "blue", "green"]
    assert np.asarray(colors(np.array([["blue", "[MASK]", "pink"]]))).tolist() == [[3, 0, 1]]
    assert words.get_vocabulary() == ["[UNK]", "hi", "yo", "ok"]
    # tf_idf over max_tokens=6 columns: counts times the saved idf weights.
    out = np.asarray(words(np.array(["Hi hi, OK? what"])))
    np.testing.assert_allclose(out, [[0.5, 2.0, 0.0, 3.0, 0.0, 0.0]], rtol=0, atol=0)
    words.adapt(["new words"])  # adaptable again, as in Keras
    assert words.get_vocabulary() == ["[UNK]", "words", "new"]


def test_older_files_and_vocabulary_files_still_load(tmp_path):
    """A vocabulary in the config (kerasish's earlier files) still loads; a vocabulary
    given as a text file travels in the assets, so the file need not exist later."""
    lookup = layers.StringLookup()
    lookup.adapt([["b", "a", "b"]])
    model = kerasish.Sequential([kerasish.Input((1,), dtype="string"), lookup])
    config = json.dumps(kerasish.saving.serialize_keras_object(model))
    assert '"vocabulary": ["[UNK]", "b", "a"]' in config
    model.save(tmp_path / "m.keras")
    members = _members(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "old.keras", "w") as zf:
        for name in ("metadata.json", "model.weights.h5"):
            zf.writestr(name, members[name][0])
        zf.writestr("config.json", config)
    old = kerasish.models.load_model(tmp_path / "old.keras")
    assert old.layers[0].get_vocabulary() == ["[UNK]", "b", "a"]
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("cat\ndog\n", encoding="utf-8")
    from_file = layers.StringLookup(vocabulary=str(vocab))
    assert from_file.get_config()["vocabulary"] == ["[UNK]", "cat", "dog"]
    kerasish.Sequential([kerasish.Input((1,), dtype="string"), from_file]).save(
        tmp_path / "f.keras")
    vocab.unlink()
    assert _members(tmp_path / "f.keras")["assets/layers/string_lookup/vocabulary.txt"][0] \
        == b"[UNK]\ncat\ndog"
    loaded = kerasish.models.load_model(tmp_path / "f.keras").layers[0]
    assert np.asarray(loaded(np.array([["dog", "cow"]]))).tolist() == [[2, 0]]


@kerasish.saving.register_keras_serializable(package="AssetsTest")
class Table(layers.Layer):
    """A custom layer that keeps a lookup table in a file of its assets."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.table = {}
        self.loaded_from = "never"

    def call(self, x):
        return x

    def save_assets(self, dir_path):
        with open(os.path.join(dir_path, "table.json"), "w") as f:
            json.dump(self.table, f)

    def load_assets(self, dir_path):
        self.loaded_from = dir_path
        if dir_path is not None:
            with open(os.path.join(dir_path, "table.json")) as f:
                self.table = json.load(f)


def test_custom_layers_assets_move_both_ways(keras, tmp_path):
    """A custom layer's save_assets/load_assets: kerasish -> Keras -> kerasish, at
    the path Keras's walk gives it (nested under a model attribute too)."""
    first, second = Table(), Table()
    first.table, second.table = {"a": 1}, {"b": [2, 3]}
    model = kerasish.Sequential([kerasish.Input((2,)), first, layers.Dense(1), second])
    model.save(tmp_path / "ours.keras")
    members = _members(tmp_path / "ours.keras")
    assert list(members)[3:] == ["assets/layers/table/table.json",
                                 "assets/layers/table_1/table.json"]

    @keras.saving.register_keras_serializable(package="AssetsTest", name="Table")
    class KerasTable(keras.layers.Layer):
        def call(self, x):
            return x

        def get_config(self):  # kerasish's Layer does not take `autocast` (yet)
            return {k: v for k, v in super().get_config().items() if k != "autocast"}

        def save_assets(self, dir_path):
            with open(os.path.join(dir_path, "table.json"), "w") as f:
                json.dump(self.table, f)

        def load_assets(self, dir_path):
            with open(os.path.join(dir_path, "table.json")) as f:
                self.table = json.load(f)

    KerasTable.__name__ = "Table"  # Keras's asset path is the class name in snake case
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    assert [la.table for la in theirs.layers if isinstance(la, KerasTable)] == \
        [{"a": 1}, {"b": [2, 3]}]
    theirs.layers[0].table = {"c": 4}
    theirs.save(tmp_path / "theirs.keras")
    again = kerasish.models.load_model(tmp_path / "theirs.keras")
    assert [la.table for la in again.layers if isinstance(la, Table)] == \
        [{"c": 4}, {"b": [2, 3]}]
    # Assets are read only when the archive has more than its three members (Keras).
    plain = kerasish.Sequential([kerasish.Input((2,)), layers.Dense(1)])
    plain.save(tmp_path / "plain.keras")
    with zipfile.ZipFile(tmp_path / "plain.keras") as zf:
        assert len(zf.namelist()) == 3


def test_asset_refusals(tmp_path):
    """Asset paths that leave the folder, a missing vocabulary or idf weights: clear
    errors naming what is wrong."""
    lookup = layers.StringLookup(output_mode="tf_idf")
    lookup.adapt([["a", "b"]])
    model = kerasish.Sequential([kerasish.Input((1,), dtype="string"), lookup])
    model.save(tmp_path / "m.keras")
    members = _members(tmp_path / "m.keras")

    def rewrite(name, change):
        with zipfile.ZipFile(tmp_path / name, "w") as zf:
            for member, (data, _) in members.items():
                for new_name, new_data in change(member, data):
                    zf.writestr(new_name, new_data)
        return tmp_path / name

    evil = rewrite("evil.keras", lambda n, d: [(n, d)] + (
        [("assets/../../evil.txt", b"x")] if n == "config.json" else []))
    with pytest.raises(ValueError, match=r"refusing the asset 'assets/\.\./\.\./evil\.txt'"):
        kerasish.models.load_model(evil)
    renamed = rewrite("renamed.keras", lambda n, d: [(n.replace("vocabulary", "vocab"), d)])
    with pytest.raises(ValueError, match=r"assets folder without 'vocabulary\.txt'.*vocab\.txt"):
        kerasish.models.load_model(renamed)

    def drop_idf(name, data):
        if name != "model.weights.h5":
            return [(name, data)]
        buffer = io.BytesIO(data)
        with h5py.File(buffer, "a") as h5:
            del h5["layers/string_lookup/vars/idf_weights"]
        return [(name, buffer.getvalue())]

    with pytest.raises(ValueError, match=r"expects an 'idf_weights' array"):
        kerasish.models.load_model(rewrite("no_idf.keras", drop_idf))


def test_group_query_attention_is_saved_under_keras_name(keras, tmp_path):
    """Keras 3.15 writes GroupQueryAttention (its public name) and cannot read
    GroupedQueryAttention: kerasish writes the former, reads both."""
    q = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")

    def build(lib):
        x = lib.Input((3, 4))
        return lib.Model(x, lib.layers.GroupQueryAttention(2, 4, 2, name="gqa")(x, x))

    ours = build(kerasish)
    expected = ours.predict(q, verbose=0)
    ours.save(tmp_path / "ours.keras")
    config = json.loads(_members(tmp_path / "ours.keras")["config.json"][0])
    entry = [e for e in config["config"]["layers"] if e["name"] == "gqa"][0]
    assert (entry["module"], entry["class_name"]) == ("keras.layers", "GroupQueryAttention")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(theirs.predict(q, verbose=0), expected, rtol=1e-5, atol=1e-6)
    entry["class_name"] = "GroupedQueryAttention"  # what earlier kerasish files say
    members = _members(tmp_path / "ours.keras")
    with zipfile.ZipFile(tmp_path / "older.keras", "w") as zf:
        for name, (data, _) in members.items():
            zf.writestr(name, json.dumps(config) if name == "config.json" else data)
    older = kerasish.models.load_model(tmp_path / "older.keras")
    np.testing.assert_allclose(older.predict(q, verbose=0), expected, rtol=0, atol=0)
