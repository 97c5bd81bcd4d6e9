"""Saving and loading in Keras 3's formats: the exact layout Keras writes, round trips,
resumed training, interop with real Keras 3 both ways, atomic writes and refusals."""

import inspect
import io
import json
import pathlib
import os
import zipfile

import h5py
import numpy as np
import pytest

import gates
import kerasish
from kerasish import saving
from kerasish.layers import Dense, Normalization


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(50, 3)).astype("float32")  # 50 = 32 + 18: a short last batch
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    return x, y


def small_model(x, optimizer=None, seed=0, name=None):
    kerasish.utils.set_random_seed(seed)
    norm = Normalization()
    norm.adapt(x)
    model = kerasish.Sequential([kerasish.Input((x.shape[1],)), norm,
                                 Dense(4, activation="relu", kernel_regularizer="l2"),
                                 Dense(1, activation="sigmoid")], name=name)
    model.compile(optimizer=optimizer or kerasish.optimizers.Adam(0.01),
                  loss="binary_crossentropy",
                  metrics=["accuracy", kerasish.metrics.BinaryAccuracy(threshold=0.3)])
    return model


def h5_layout(source):
    """{dataset path: (shape, dtype)} and {group path: name attribute}."""
    datasets, names = {}, {}

    def visit(path, item):
        if isinstance(item, h5py.Dataset):
            datasets[path] = (item.shape, item.dtype.name)
        elif "name" in item.attrs:
            names[path] = item.attrs["name"]

    with h5py.File(source, "r") as f:
        f.visititems(visit)
        names["vars"] = f["vars"].attrs["name"]
        root_vars = len(f["vars"])
    return datasets, names, root_vars


def archive_weights(path):
    with zipfile.ZipFile(path) as zf:
        return io.BytesIO(zf.read("model.weights.h5"))


# ---------------------------------------------------------------- the format

def test_archive_has_keras_members_config_and_weights_layout(tmp_path, data):
    x, y = data
    model = small_model(x)
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)

    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["metadata.json", "config.json",
                                               "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)  # as Keras
        metadata = json.loads(zf.read("metadata.json"))
        config = json.loads(zf.read("config.json"))
    assert set(metadata) >= {"keras_version", "date_saved"}
    assert {k: config[k] for k in ("module", "class_name", "registered_name")} == \
        {"module": "keras", "class_name": "Sequential", "registered_name": None}
    assert config["build_config"] == {"input_shape": [None, 3]}
    assert config["config"]["build_input_shape"] == [None, 3]
    layers = config["config"]["layers"]
    assert [(c["module"], c["class_name"]) for c in layers] == [
        ("keras.layers", "InputLayer"), ("keras.layers", "Normalization"),
        ("keras.layers", "Dense"), ("keras.layers", "Dense")]
    assert layers[2]["build_config"] == {"input_shape": [None, 3]}
    assert layers[2]["config"]["kernel_regularizer"]["module"] == "keras.regularizers"
    compile_config = config["compile_config"]
    assert compile_config["optimizer"]["module"] == "keras.optimizers"
    assert compile_config["loss"] == "binary_crossentropy"
    assert compile_config["metrics"][0] == "accuracy"
    assert compile_config["metrics"][1]["class_name"] == "BinaryAccuracy"

    datasets, names, root_vars = h5_layout(archive_weights(path))
    assert root_vars == 0 and names["vars"] == model.name  # the empty root group
    assert datasets == {
        "layers/normalization/vars/0": ((3,), "float32"),   # mean, variance, count
        "layers/normalization/vars/1": ((3,), "float32"),
        "layers/normalization/vars/2": ((), "int32"),
        "layers/dense/vars/0": ((3, 4), "float32"),
        "layers/dense/vars/1": ((4,), "float32"),
        "layers/dense_1/vars/0": ((4, 1), "float32"),
        "layers/dense_1/vars/1": ((1,), "float32"),
        "optimizer/vars/0": ((), "int32"),                  # iteration
        "optimizer/vars/1": ((), "float32"),                # learning rate
        # Adam: momentum and velocity of each weight in turn (Keras's creation order)
        "optimizer/vars/2": ((3, 4), "float32"), "optimizer/vars/3": ((3, 4), "float32"),
        "optimizer/vars/4": ((4,), "float32"), "optimizer/vars/5": ((4,), "float32"),
        "optimizer/vars/6": ((4, 1), "float32"), "optimizer/vars/7": ((4, 1), "float32"),
        "optimizer/vars/8": ((1,), "float32"), "optimizer/vars/9": ((1,), "float32"),
    }
    assert names["layers/dense_1/vars"] == model.layers[2].name
    assert names["optimizer/vars"] == model.optimizer.name


def test_layout_matches_the_file_keras_writes(keras, tmp_path, data):
    x, y = data
    keras.utils.set_random_seed(0)
    norm = keras.layers.Normalization()
    norm.adapt(x)
    kmodel = keras.Sequential([keras.Input((3,)), norm, keras.layers.Dense(4, activation="relu"),
                               keras.layers.Dense(1, activation="sigmoid")])
    kmodel.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    kmodel.fit(x, y, epochs=1, verbose=0)
    kmodel.save(tmp_path / "keras.keras")
    model = small_model(x)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "ours.keras")

    theirs = h5_layout(archive_weights(tmp_path / "keras.keras"))
    ours = h5_layout(archive_weights(tmp_path / "ours.keras"))
    assert ours[0] == theirs[0]
    assert set(ours[1]) == set(theirs[1]) and ours[2] == theirs[2] == 0


def test_subclassed_model_paths_follow_keras_attribute_walk(keras, tmp_path):
    """Subclassed models: attribute names, sorted, private ones last; lists give
    snake_case class names; Keras's `Model.layers` reaches what sorts after it."""

    def build(lib, base_layer):
        class Block(base_layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.inner = lib.layers.Dense(2)

            def build(self, input_shape):
                self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
                self.frozen = self.add_weight(shape=(), initializer="ones", trainable=False,
                                              name="frozen")

            def call(self, x):
                return self.inner(x) * self.scale

        class Net(lib.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.zlast = lib.layers.Dense(1)
                self.afirst = lib.layers.Dense(3)
                self.blocks = [lib.layers.Dense(3), Block()]
                self._hidden = lib.layers.Dense(3)

            def call(self, x):
                x = self._hidden(self.afirst(x))
                for block in self.blocks:
                    x = block(x)
                return self.zlast(x)

        net = Net()
        net.compile(optimizer="sgd", loss="mse")
        net.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)
        return net

    build(keras, keras.layers.Layer).save_weights(tmp_path / "k.weights.h5")
    build(kerasish, kerasish.layers.Layer).save_weights(tmp_path / "o.weights.h5")
    theirs, ours = h5_layout(tmp_path / "k.weights.h5"), h5_layout(tmp_path / "o.weights.h5")
    assert ours[0] == theirs[0]
    assert "layers/dense/vars/0" in ours[0] and "blocks/block/inner/vars/1" in ours[0]


# ---------------------------------------------------------- kerasish round trips

def test_round_trip_restores_model_compile_and_optimizer_state(tmp_path, data):
    x, y = data
    model = small_model(x)
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = kerasish.models.load_model(tmp_path / "m.keras")

    assert type(loaded) is kerasish.Sequential and loaded.name == model.name
    assert [la.name for la in loaded.layers] == [la.name for la in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.compiled and loaded.loss == "binary_crossentropy"
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert int(loaded.optimizer.iterations.numpy()) == 4
    for a, b in zip(optimizer_values(loaded), optimizer_values(model)):
        np.testing.assert_array_equal(a, b)
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    assert kerasish.models.load_model(tmp_path / "m.keras", compile=False).compiled is False
    model.save(tmp_path / "lean.keras", include_optimizer=False)
    assert "optimizer/vars/0" not in h5_layout(archive_weights(tmp_path / "lean.keras"))[0]
    lean = kerasish.models.load_model(tmp_path / "lean.keras")
    assert lean.compiled and int(lean.optimizer.iterations.numpy()) == 0


def optimizer_values(model):
    """The optimizer's state in Keras's variable order (independent of layer names,
    which differ between a model and its reloaded copy in one process)."""
    state = model.get_optimizer_state()
    return [np.asarray(v) for v in model.optimizer.state_to_variables(state)]


@pytest.mark.slow
@pytest.mark.parametrize("make_optimizer", [
    lambda: kerasish.optimizers.Adam(0.01, amsgrad=True),
    lambda: kerasish.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    lambda: kerasish.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: kerasish.optimizers.Adagrad(0.1),
], ids=["adam_amsgrad", "sgd_nesterov", "rmsprop_centered", "adagrad"])
def test_resumed_training_is_bit_identical(tmp_path, data, make_optimizer):
    """2 epochs, save, load in a new model, 1 more epoch == 3 epochs straight."""
    x, y = data
    straight = small_model(x, make_optimizer())
    straight.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)

    first = small_model(x, make_optimizer())
    first.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    first.save(tmp_path / "m.keras")
    resumed = kerasish.models.load_model(tmp_path / "m.keras")
    resumed.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)

    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(optimizer_values(resumed), optimizer_values(straight)):
        np.testing.assert_array_equal(a, b)


def test_save_weights_and_load_weights_round_trip(tmp_path, data):
    x, y = data
    model = small_model(x)
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    other = small_model(x, seed=1)
    assert not np.array_equal(other.get_weights()[3], model.get_weights()[3])
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(other.optimizer.iterations.numpy()) == 2
    other.load_weights(tmp_path / "w.weights.h5")  # and from a whole .keras archive:
    model.save(tmp_path / "m.keras")
    third = small_model(x, seed=2)
    third.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(third.predict(x, verbose=0), model.predict(x, verbose=0))


def test_shape_mismatch_names_the_weight_and_assigns_nothing(tmp_path, data):
    x, _ = data
    small_model(x).save_weights(tmp_path / "w.weights.h5")
    kerasish.utils.set_random_seed(3)
    other = kerasish.Sequential([kerasish.Input((3,)), Normalization(), Dense(5), Dense(1)])
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"weight 'dense(_\d+)?/kernel' has shape \(3, 4\) in "
                                         r"the file \('layers/dense/vars/0'\) but \(3, 5\)"):
        other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(other.get_weights(), before):
        np.testing.assert_array_equal(a, b)  # the Normalization layer was not loaded either

    with pytest.warns(UserWarning, match="Skipping layer"):
        other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_allclose(other.layers[0].adapt_mean.numpy(), x.mean(0), rtol=1e-6)


def test_sequential_and_objects_from_config():
    model = kerasish.Sequential([kerasish.Input((3,)), Dense(2, activation="tanh")], name="s")
    rebuilt = kerasish.Sequential.from_config(model.get_config())  # Keras's shape
    assert rebuilt.layers[0].get_config() == model.layers[0].get_config()
    assert rebuilt.input_shape == (None, 3) and rebuilt.name == "s"
    legacy = {"name": "t", "layers": [{"class_name": "Dense", "config": {"units": 4}}]}
    assert kerasish.Sequential.from_config(legacy).layers[0].units == 4
    rebuilt = saving.deserialize_keras_object(saving.serialize_keras_object(model))
    assert rebuilt.built and rebuilt.input_shape == (None, 3)

    checked = 0
    for module_name in ("losses", "metrics", "optimizers", "initializers", "regularizers"):
        module = getattr(kerasish, module_name)
        for name, cls in vars(module).items():
            if not inspect.isclass(cls) or name.startswith("_") or name != cls.__name__:
                continue
            try:
                obj = cls()
                config = obj.get_config()
            except (TypeError, NotImplementedError):
                continue  # bases and wrappers that need arguments
            config_json = json.loads(json.dumps(saving.serialize_keras_object(obj)))
            again = saving.deserialize_keras_object(config_json)
            assert type(again) is cls and again.get_config() == config, name
            checked += 1
    assert checked >= 30


def test_overwrite_false_and_extensions(tmp_path, data):
    x, _ = data
    model = small_model(x)
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(tmp_path / "m.keras", overwrite=False)
    with pytest.raises(ValueError, match=r"needs a `\.keras` extension"):
        model.save(tmp_path / "m.zip")
    with pytest.raises(ValueError, match=r"model.save\(\) writes a whole model"):
        model.save(tmp_path / "m.weights.h5")  # .h5 is the legacy format: test_legacy_h5.py
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "w.npz")
    with pytest.raises(TypeError, match="Did you mean `include_optimizer`"):
        model.save(tmp_path / "m.keras", include_optimiser=False)
    with pytest.raises(NotImplementedError, match="zipped=False"):
        model.save(tmp_path / "m.keras", zipped=False)
    with pytest.raises(ValueError, match="`save_format` is deprecated"):
        model.save(tmp_path / "m.keras", save_format="h5")
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="a weights file: load it with model.load_weights"):
        kerasish.models.load_model(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="File not found: filepath=.*missing.keras"):
        kerasish.models.load_model(tmp_path / "missing.keras")
    with pytest.raises(FileNotFoundError, match="missing.weights.h5"):
        model.load_weights(tmp_path / "missing.weights.h5")

    unbuilt = kerasish.Sequential([Dense(2)])
    with pytest.raises(ValueError, match="has no weights yet: it has not been built"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")
    with pytest.raises(ValueError, match="has not been built, so it has no weights to load"):
        unbuilt.load_weights(tmp_path / "w.weights.h5")
    with pytest.warns(UserWarning, match="has not been built yet: the file holds no weights"):
        unbuilt.save(tmp_path / "u.keras")
    assert not kerasish.models.load_model(tmp_path / "u.keras").built


# ------------------------------------------------------------ atomic writing

def _fail_on_weights(monkeypatch):
    real = zipfile.ZipFile.writestr

    def writestr(self, name, data, *args, **kwargs):
        if name == "model.weights.h5":
            raise OSError(28, "No space left on device")
        return real(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)


def test_failed_save_keeps_the_existing_file(tmp_path, data, monkeypatch):
    x, y = data
    model = small_model(x)
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "w.weights.h5")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    model.fit(x, y, epochs=1, verbose=0)

    with monkeypatch.context() as m:
        _fail_on_weights(m)  # the archive is half written when the disk "fills up"
        with pytest.raises(OSError, match="No space left"):
            model.save(tmp_path / "m.keras")
    with monkeypatch.context() as m:
        m.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(5, "I/O error")))
        with pytest.raises(OSError, match="I/O error"):
            model.save_weights(tmp_path / "w.weights.h5")
        with pytest.raises(OSError, match="I/O error"):
            model.save(tmp_path / "new.keras")
    model.compile(loss=lambda y_true, y_pred: (y_true - y_pred) ** 2)
    with pytest.raises(ValueError, match="Cannot save a Python lambda"):
        model.save(tmp_path / "m.keras")

    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp files
    kerasish.models.load_model(tmp_path / "m.keras")


# ------------------------------------------------------------------ refusals

def _rewrite_config(src, dst, change):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "config.json":
                config = json.loads(data)
                change(config)
                data = json.dumps(config)
            zout.writestr(name, data)


def test_code_in_a_file_is_never_run(tmp_path, data):
    x, _ = data
    small_model(x).save(tmp_path / "m.keras")

    def add_lambda(config):
        config["config"]["layers"][2]["config"]["activation"] = {
            "class_name": "__lambda__", "config": {"value": ["gAN9cQA=", None, None]}}

    _rewrite_config(tmp_path / "m.keras", tmp_path / "lambda.keras", add_lambda)
    for safe_mode in (True, False):
        with pytest.raises(ValueError, match=r"Python code \(a lambda\) at config.json\.config"
                                             r"\.layers\[2\]\.config\.activation.*safe_mode"):
            kerasish.models.load_model(tmp_path / "lambda.keras", safe_mode=safe_mode)

    def import_something(config):
        config["config"]["layers"][2] = {"module": "os", "class_name": "system",
                                         "config": {"command": "echo pwned"},
                                         "registered_name": None}

    _rewrite_config(tmp_path / "m.keras", tmp_path / "os.keras", import_something)
    with pytest.raises(ValueError, match=r"Could not locate class 'system' \(module 'os'"):
        kerasish.models.load_model(tmp_path / "os.keras")

    def unknown_function(config):
        config["compile_config"]["loss"] = {"module": "builtins", "class_name": "function",
                                            "config": "eval", "registered_name": "function"}

    _rewrite_config(tmp_path / "m.keras", tmp_path / "fn.keras", unknown_function)
    with pytest.raises(ValueError, match="Could not locate function 'eval'"):
        kerasish.models.load_model(tmp_path / "fn.keras")


def _replace_member(name, data):
    def damage(blob):
        src, out = zipfile.ZipFile(io.BytesIO(blob)), io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for member in src.namelist():
                dst.writestr(member, data if member == name else src.read(member))
        return out.getvalue()
    return damage


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[: len(b) // 2], "not a complete zip file"),
    (lambda b: b"not a model at all", "not a complete zip file"),
    (lambda b: b.replace(b"model.weights.h5", b"model.weights.xx"), "has no 'model.weights.h5'"),
    (lambda b: b.replace(b"\x89HDF", b"\x89XXX"), "'model.weights.h5' cannot be read; the "
                                                   "archive is corrupt"),  # fails its CRC
    (_replace_member("config.json", b'{"module": "keras", '), "'config.json' is not valid JSON"),
    (_replace_member("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 100),
     "not a readable HDF5 weights file"),
    (_replace_member("config.json", b'{"class_name": "Dense", "config": {"units": 2}, '
                                    b'"module": "keras.layers"}'), "does not describe a model"),
], ids=["truncated", "garbage", "no_weights", "bad_crc", "bad_json", "bad_hdf5", "not_model"])
def test_corrupt_archives_fail_with_a_clear_value_error(tmp_path, data, damage, message):
    x, _ = data
    small_model(x).save(tmp_path / "m.keras")
    (tmp_path / "bad.keras").write_bytes(damage((tmp_path / "m.keras").read_bytes()))
    with pytest.raises(ValueError, match=message) as info:
        kerasish.models.load_model(tmp_path / "bad.keras")
    assert "bad.keras" in str(info.value)


def test_legacy_and_linked_hdf5_files_are_refused(tmp_path, data):
    x, _ = data
    model = small_model(x)
    with h5py.File(tmp_path / "legacy.h5", "w") as f:
        f.attrs["layer_names"] = [b"dense"]
        f.create_group("model_weights")
    # Legacy files load now (tests/test_legacy_h5.py); this one is weights-only and damaged.
    with pytest.raises(ValueError, match="legacy weights-only file: load it with model.load_"):
        kerasish.models.load_model(tmp_path / "legacy.h5")
    with pytest.raises(ValueError, match="lists 'dense', but '/' has no such group"):
        model.load_weights(tmp_path / "legacy.h5")

    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense_1/vars/0")
    with pytest.raises(ValueError, match="not a plain dataset"):
        model.load_weights(tmp_path / "w.weights.h5")


# ------------------------------------------------------- registered user objects

@saving.register_keras_serializable(package="tests")
class Scale(kerasish.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gain")

    def call(self, x):
        return x * self.gain * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@saving.register_keras_serializable(package="tests")
def halved_mse(y_true, y_pred):
    return 0.5 * kerasish.losses.mean_squared_error(y_true, y_pred)


class Unregistered(Scale):
    pass


def test_registered_and_custom_objects(tmp_path, data):
    x, y = data
    model = kerasish.Sequential([kerasish.Input((3,)), Scale(3.0), Dense(1)])
    model.compile(optimizer="sgd", loss=halved_mse)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))
    assert config["config"]["layers"][1]["registered_name"] == "tests>Scale"
    assert config["compile_config"]["loss"]["config"] == "tests>halved_mse"
    loaded = kerasish.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].factor == 3.0 and loaded.loss is halved_mse
    assert type(kerasish.Sequential.from_config(model.get_config()).layers[0]) is Scale
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))

    other = kerasish.Sequential([kerasish.Input((3,)), Unregistered(), Dense(1)])
    other.save(tmp_path / "u.keras")
    with pytest.raises(ValueError, match=r"register_keras_serializable.*custom_objects="
                                         r"\{'Unregistered': Unregistered\}"):
        kerasish.models.load_model(tmp_path / "u.keras")
    loaded = kerasish.models.load_model(tmp_path / "u.keras",
                                        custom_objects={"Unregistered": Unregistered})
    assert type(loaded.layers[0]) is Unregistered


# ------------------------------------------------------ interop with Keras 3

def test_kerasish_file_loads_in_keras_with_optimizer_state(keras, tmp_path, data):
    x, y = data
    model = small_model(x)
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    kmodel = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(kmodel.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-5)
    assert [type(la).__name__ for la in kmodel.layers] == ["Normalization", "Dense", "Dense"]
    assert kmodel.loss == "binary_crossentropy"
    ours = saving.weights.optimizer_arrays(model)
    theirs = [np.asarray(v) for v in kmodel.optimizer.variables]
    assert len(ours) == len(theirs) == 10
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_keras_file_loads_in_kerasish_and_trains_on_like_keras(keras, tmp_path, data):
    x, y = data
    keras.utils.set_random_seed(1)
    norm = keras.layers.Normalization()
    norm.adapt(x)
    kmodel = keras.Sequential([keras.Input((3,)), norm, keras.layers.Dense(4, activation="relu"),
                               keras.layers.Dense(1, activation="sigmoid")])
    kmodel.compile(optimizer=keras.optimizers.RMSprop(0.01, momentum=0.5),
                   loss=keras.losses.BinaryCrossentropy(label_smoothing=0.1),
                   metrics=["mae", keras.metrics.BinaryAccuracy(threshold=0.3, name="acc_03"),
                            keras.metrics.binary_accuracy])
    kmodel.fit(x, y, epochs=1, shuffle=False, verbose=0)
    kmodel.save(tmp_path / "k.keras")
    kmodel.save_weights(tmp_path / "k.weights.h5")
    k_predictions = kmodel.predict(x, verbose=0)

    model = kerasish.models.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(model.predict(x, verbose=0), kmodel.predict(x, verbose=0),
                               atol=1e-5)
    assert model._loss_fn.label_smoothing == 0.1
    assert type(model.optimizer).__name__ == "RMSprop" and model.optimizer.momentum == 0.5
    k_hist = kmodel.fit(x, y, epochs=1, shuffle=False, verbose=0).history
    o_hist = model.fit(x, y, epochs=1, shuffle=False, verbose=0).history
    assert sorted(o_hist) == sorted(k_hist)
    for key in k_hist:
        np.testing.assert_allclose(o_hist[key], k_hist[key], rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(model.predict(x, verbose=0), kmodel.predict(x, verbose=0),
                               atol=1e-5)

    fresh = kerasish.Sequential([kerasish.Input((3,)), Normalization(), Dense(4, activation="relu"),
                                 Dense(1, activation="sigmoid")])
    fresh.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), k_predictions, atol=1e-5)


# One sample per public layer class: constructor arguments and the input shape (no
# batch dimension); a list of shapes for layers that take several inputs.
LAYER_SAMPLES = {
    "Dense": [({"units": 3, "activation": "tanh", "bias_initializer": "ones"}, (5,))],
    "Normalization": [({}, (5,)), ({"axis": None}, (5,)), ({"invert": True}, (5,)),
                      ({"mean": [1.0, 2.0, 3.0, 4.0, 5.0], "variance": [1.0, 4.0, 9.0, 1.0, 2.0]},
                       (5,))],
    "Activation": [({"activation": "softplus"}, (5,))],
    "LeakyReLU": [({"negative_slope": 0.2}, (5,))],
    "ReLU": [({"max_value": 1.0, "threshold": 0.1}, (5,))],
    "Softmax": [({"axis": -1}, (5,))],
    "Conv1D": [({"filters": 2, "kernel_size": 3, "padding": "same"}, (8, 3))],
    "Conv2D": [({"filters": 2, "kernel_size": 3, "strides": 2, "activation": "relu"}, (8, 8, 3))],
    "Conv2DTranspose": [({"filters": 2, "kernel_size": 3, "strides": 2}, (4, 4, 3))],
    "DepthwiseConv2D": [({"kernel_size": 3, "depth_multiplier": 2}, (6, 6, 3))],
    "SeparableConv2D": [({"filters": 4, "kernel_size": 3}, (6, 6, 3))],
    "AveragePooling1D": [({"pool_size": 2}, (8, 3))],
    "AveragePooling2D": [({"pool_size": 2, "padding": "same"}, (5, 5, 3))],
    "MaxPooling1D": [({"pool_size": 3, "strides": 1}, (8, 3))],
    "MaxPooling2D": [({}, (6, 6, 3))],
    "GlobalAveragePooling1D": [({}, (8, 3))],
    "GlobalAveragePooling2D": [({"keepdims": True}, (6, 6, 3))],
    "GlobalMaxPooling1D": [({}, (8, 3))],
    "GlobalMaxPooling2D": [({}, (6, 6, 3))],
    "BatchNormalization": [({"momentum": 0.9}, (5,))],
    "LayerNormalization": [({"epsilon": 1e-4}, (5,))],
    "Dropout": [({"rate": 0.5}, (5,))],
    "Embedding": [({"input_dim": 10, "output_dim": 3}, (4,), "int32")],
    "Rescaling": [({"scale": 0.5, "offset": 1.0}, (5,))],
    "Flatten": [({}, (4, 3))],
    "Reshape": [({"target_shape": (5, 1)}, (5,))],
    "Add": [({}, [(5,), (5,)])],
    "Average": [({}, [(5,), (5,)])],
    "Maximum": [({}, [(5,), (5,)])],
    "Minimum": [({}, [(5,), (5,)])],
    "Multiply": [({}, [(5,), (5,)])],
    "Subtract": [({}, [(5,), (5,)])],
    "Concatenate": [({"axis": -1}, [(5,), (3,)])],
    "Masking": [({"mask_value": 0.0}, (4, 3))],
    "SimpleRNN": [({"units": 3, "return_sequences": True}, (4, 2))],
    "LSTM": [({"units": 3}, (4, 2))],
    "GRU": [({"units": 3, "reset_after": False}, (4, 2))],
    "Dot": [({"axes": 1}, [(5,), (5,)])],
}
NOT_LAYERS = {"Layer", "InputLayer"}
# Layers whose constructor takes another layer, a cell or a Python function: their
# saving and Keras interop are tested beside them, in the named tests.
SAVED_ELSEWHERE = {
    "Bidirectional": "tests/test_recurrent.py::test_keras_files_load_both_ways",
    "TimeDistributed": "tests/test_recurrent.py::test_keras_files_load_both_ways",
    "RNN": "tests/test_recurrent.py::test_get_config_round_trips_with_keras",
    "GRUCell": "tests/test_recurrent.py::test_get_config_round_trips_with_keras",
    "LSTMCell": "tests/test_recurrent.py::test_get_config_round_trips_with_keras",
    "SimpleRNNCell": "tests/test_recurrent.py::test_get_config_round_trips_with_keras",
    "StackedRNNCells": "tests/test_recurrent.py::test_get_config_round_trips_with_keras",
    "Lambda": "tests/test_lambda_merge.py",
    "JaxLayer": "tests/test_jax_layer.py::test_saved_files_load_in_both_libraries",
    "ReversibleEmbedding": "tests/test_reversible_embedding.py::test_keras_files_both_ways",
    "Wrapper": "tests/test_wrapper_base.py::test_from_config_and_keras_file_round_trip",
}
gates.merge(globals(), ["LAYER_SAMPLES", "SAVED_ELSEWHERE"])  # tests/gates/README.md


def _public_layer_classes():
    names = getattr(kerasish.layers, "__all__", dir(kerasish.layers))
    return sorted(n for n in names if inspect.isclass(getattr(kerasish.layers, n))
                  and issubclass(getattr(kerasish.layers, n), kerasish.layers.Layer)
                  and n not in NOT_LAYERS)


def test_every_public_layer_has_a_saving_sample():
    for name, where in SAVED_ELSEWHERE.items():
        path, _, test = where.partition("::")
        text = (pathlib.Path(__file__).parent.parent / path).read_text()
        assert name in text and (not test or f"def {test}(" in text), (name, where)
    missing = [n for n in _public_layer_classes()
               if n not in LAYER_SAMPLES and n not in SAVED_ELSEWHERE]
    assert not missing, (
        f"kerasish.layers has {missing} with no entry in LAYER_SAMPLES (tests/test_saving.py): "
        "add constructor arguments and an input shape so that saving and Keras interop "
        "are tested for it.")


def _all_layers_model(rng):
    """One functional model with a branch per sample: every layer type in one file."""
    inputs, outputs, feeds = [], {}, []
    for name in _public_layer_classes():
        for i, (kwargs, shape, *dtype) in enumerate(LAYER_SAMPLES.get(name, [])):
            dtype = dtype[0] if dtype else "float32"
            shapes = shape if isinstance(shape, list) else [shape]
            branch = [kerasish.Input(s, dtype=dtype, name=f"{name.lower()}_{i}_in{j}")
                      for j, s in enumerate(shapes)]
            layer = getattr(kerasish.layers, name)(**kwargs)
            outputs[f"{name}_{i}"] = layer(branch if isinstance(shape, list) else branch[0])
            inputs += branch
            feeds += [rng.integers(0, 10, size=(4, *s)).astype(dtype) if dtype == "int32"
                      else rng.normal(size=(4, *s)).astype(dtype) for s in shapes]
    return kerasish.Model(inputs, outputs), feeds


def _random_weights(model, rng):
    for layer in model.layers:
        for var in saving.weights.saved_variables(layer):
            if np.issubdtype(np.dtype(var.dtype), np.floating):
                values = rng.normal(size=var.shape)
                if "variance" in var.name:
                    values = np.abs(values) + 0.5
                var.assign(values.astype(var.dtype))


def test_every_layer_type_moves_between_kerasish_and_keras(keras, tmp_path):
    """kerasish -> Keras (load, predict) -> Keras re-saves in its own config shape ->
    kerasish (load, predict; and load_weights into a fresh twin): the same numbers at
    every hop, for every public layer class."""
    model, feeds = _all_layers_model(np.random.default_rng(0))
    _random_weights(model, np.random.default_rng(1))
    expected = model.predict(feeds, verbose=0)
    model.save(tmp_path / "ours.keras")

    kmodel = keras.saving.load_model(tmp_path / "ours.keras")
    got = kmodel.predict(feeds, verbose=0)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], atol=1e-5, rtol=1e-5, err_msg=key)
    kmodel.save(tmp_path / "theirs.keras")
    kmodel.save_weights(tmp_path / "theirs.weights.h5")

    loaded = kerasish.models.load_model(tmp_path / "theirs.keras")
    for ours, again in zip(model.layers, loaded.layers):
        assert type(again) is type(ours) and again.get_config() == ours.get_config(), ours.name
    got = loaded.predict(feeds, verbose=0)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], atol=1e-5, rtol=1e-5, err_msg=key)

    twin, _ = _all_layers_model(np.random.default_rng(0))
    twin.load_weights(tmp_path / "theirs.weights.h5")
    got = twin.predict(feeds, verbose=0)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], atol=1e-5, rtol=1e-5, err_msg=key)


def _functional(lib, x_dim=4):
    a, b = lib.Input((x_dim,), name="a"), lib.Input((3,), name="b")
    h = lib.layers.Concatenate()([lib.layers.Dense(5, activation="relu")(a), b])
    shared = lib.layers.Dense(2, name="shared")
    first = shared(h)
    second = lib.layers.Dense(1, name="o2")(shared(lib.layers.Dense(8)(h)))
    model = lib.Model([a, b], {"o2": second, "o1": first})
    model.compile(optimizer=lib.optimizers.Adam(0.01), loss={"o1": "mse", "o2": "mae"},
                  loss_weights={"o1": 1.0, "o2": 0.5}, metrics={"o1": ["mae"]})
    return model


def test_functional_model_round_trip_and_interop(keras, tmp_path):
    """Several inputs, dict outputs, a layer shared by two calls, per-output losses."""
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(20, 4)).astype("float32"), rng.normal(size=(20, 3)).astype("float32")]
    ys = {"o1": rng.normal(size=(20, 2)).astype("float32"),
          "o2": rng.normal(size=(20, 1)).astype("float32")}
    keras.utils.set_random_seed(0)
    kmodel = _functional(keras)
    kmodel.fit(xs, ys, epochs=1, shuffle=False, verbose=0)
    kmodel.save(tmp_path / "k.keras")
    expected = kmodel.predict(xs, verbose=0)

    model = kerasish.models.load_model(tmp_path / "k.keras")
    assert type(model).__name__ == "Functional"
    assert [la.name for la in model.layers if la.name in ("a", "b", "shared", "o2")] == \
        ["a", "b", "shared", "o2"]
    got = model.predict(xs, verbose=0)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], atol=1e-5, err_msg=key)
    k_hist = kmodel.fit(xs, ys, epochs=1, shuffle=False, verbose=0).history
    o_hist = model.fit(xs, ys, epochs=1, shuffle=False, verbose=0).history
    for key in k_hist:
        np.testing.assert_allclose(o_hist[key], k_hist[key], rtol=1e-5, err_msg=key)

    twin = type(model).from_config(model.get_config())
    for key, value in twin.predict(xs, verbose=0).items():
        np.testing.assert_array_equal(value.shape, expected[key].shape)
    model.save(tmp_path / "o.keras")  # and back: Keras reads kerasish's functional file
    assert h5_layout(archive_weights(tmp_path / "o.keras"))[0] == \
        h5_layout(archive_weights(tmp_path / "k.keras"))[0]
    again = keras.saving.load_model(tmp_path / "o.keras")
    got, expected = again.predict(xs, verbose=0), model.predict(xs, verbose=0)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], atol=1e-5, err_msg=key)
    resumed = kerasish.models.load_model(tmp_path / "o.keras")
    for a, b in zip(optimizer_values(resumed), optimizer_values(model)):
        np.testing.assert_array_equal(a, b)


def test_loss_scale_optimizer_and_schedule_state_match_keras(keras, tmp_path):
    """Mixed precision wraps the optimizer in a LossScaleOptimizer: Keras keeps the
    wrapper's counters in optimizer/vars and the inner state in optimizer/inner_optimizer."""
    mixed = getattr(kerasish, "mixed_precision", None)
    if mixed is None or not hasattr(kerasish.optimizers, "LossScaleOptimizer"):
        pytest.skip("kerasish has no mixed precision / LossScaleOptimizer")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 2), "float32")
    kmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    kmodel.compile(keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(
        keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))), "mse")
    kmodel.fit(x, y, verbose=0)
    kmodel.save(tmp_path / "k.keras")
    mixed.set_global_policy("mixed_float16")
    try:
        model = kerasish.Sequential([kerasish.Input((3,)), Dense(2)])
        model.compile(kerasish.optimizers.Adam(
            kerasish.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)), "mse")
        model.fit(x, y, verbose=0)
    finally:
        mixed.set_global_policy(None)
    model.save(tmp_path / "o.keras")
    assert h5_layout(archive_weights(tmp_path / "o.keras"))[0] == \
        h5_layout(archive_weights(tmp_path / "k.keras"))[0]
    ours = saving.weights.optimizer_arrays(model)
    theirs = keras.saving.load_model(tmp_path / "o.keras").optimizer.variables
    assert len(ours) == len(theirs) == 9
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, np.asarray(b))
    loaded = kerasish.models.load_model(tmp_path / "o.keras")
    assert type(loaded.optimizer).__name__ == "LossScaleOptimizer"
    for a, b in zip(optimizer_values(loaded), optimizer_values(model)):
        np.testing.assert_array_equal(a, b)
    loaded = kerasish.models.load_model(tmp_path / "k.keras")
    for a, b in zip(saving.weights.optimizer_arrays(loaded), kmodel.optimizer.variables):
        np.testing.assert_array_equal(a, np.asarray(b))


def test_a_loss_function_used_as_a_metric_saves_and_loads(tmp_path):
    """keras.metrics re-exports loss functions (metrics.hinge is losses.hinge)."""
    model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=[kerasish.metrics.hinge])
    model.save(tmp_path / "m.keras")
    loaded = kerasish.models.load_model(tmp_path / "m.keras")
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0),
                               model.evaluate(x, y, verbose=0), rtol=1e-6)
