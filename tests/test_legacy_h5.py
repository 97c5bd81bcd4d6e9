"""The legacy HDF5 format (``model.save("m.h5")``): files written by Keras 3's legacy
writer load in kerasish and the other way round, with the same predictions, compile
arguments and optimizer state; ``load_weights`` / ``save_weights`` with ``.h5`` names
both ways; tf.keras 2 files (written here as tf.keras 2.15 wrote them) load; damaged
and unsupported files fail with clear errors."""

import json
import warnings

import h5py
import numpy as np
import pytest

import kerasish
from kerasish.saving import legacy_h5

L = kerasish.layers


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    return {
        "img": rng.normal(size=(24, 8, 8, 3)).astype("float32"),
        "cls": rng.integers(0, 3, size=24),
        "tok": rng.integers(0, 12, size=(24, 6)).astype("int32"),
        "aux": rng.normal(size=(24, 3)).astype("float32"),
        "bin": rng.integers(0, 2, size=(24, 1)).astype("float32"),
    }


def seq_model(lib):
    """Conv2D, BatchNormalization, MaxPooling2D, Flatten, Dropout, Dense, in ``lib``
    (kerasish or keras), with fixed names so that layouts can be compared."""
    ly = lib.layers
    return lib.Sequential([
        lib.Input((8, 8, 3)), ly.Conv2D(4, 3, activation="relu", name="conv"),
        ly.BatchNormalization(name="bn"), ly.MaxPooling2D(name="pool"), ly.Flatten(name="flat"),
        ly.Dropout(0.25, name="drop"), ly.Dense(3, activation="softmax", name="out")],
        name="seq")


def fun_model(lib):
    """Two inputs: Embedding + pooling, Dense + LayerNormalization, Concatenate."""
    ly = lib.layers
    tok = lib.Input((6,), dtype="int32", name="tok")
    aux = lib.Input((3,), name="aux")
    a = ly.GlobalAveragePooling1D(name="gap")(ly.Embedding(12, 4, name="emb")(tok))
    b = ly.LayerNormalization(name="ln")(ly.Dense(5, activation="relu", name="hid")(aux))
    out = ly.Dense(1, activation="sigmoid", name="out")(ly.Concatenate(name="cat")([a, b]))
    return lib.Model([tok, aux], out, name="fun")


def inputs(kind, data):
    return (data["img"], data["cls"]) if kind == "seq" else \
        ([data["tok"], data["aux"]], data["bin"])


def compiled(lib, kind):
    model = seq_model(lib) if kind == "seq" else fun_model(lib)
    model.compile(optimizer=lib.optimizers.Adam(0.005, beta_1=0.8), metrics=["accuracy"],
                  loss="sparse_categorical_crossentropy" if kind == "seq"
                  else "binary_crossentropy")
    return model


def randomized(model, seed=5):
    """Every weight drawn at random (BN statistics too): loads are checked on weights
    no initializer would give."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        value = rng.normal(size=v.shape).astype(v.dtype)
        v.assign(np.abs(value) + 0.5 if "variance" in v.path else value)
    return model


def quiet_save(model, path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path, **kwargs)


@pytest.fixture(scope="module")
def keras_files(keras, data, tmp_path_factory):
    """Keras 3 models trained for one epoch (3 steps) and saved with its legacy writer."""
    folder, found = tmp_path_factory.mktemp("keras_h5"), {}
    for kind in ("seq", "fun"):
        model = compiled(keras, kind)
        x, y = inputs(kind, data)
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
        quiet_save(model, folder / f"{kind}.h5")
        found[kind] = model, folder / f"{kind}.h5"
    return found


@pytest.fixture(scope="module")
def trained_ours(data, tmp_path_factory):
    """A kerasish model trained for one epoch, saved by ModelCheckpoint('best.h5')."""
    folder = tmp_path_factory.mktemp("ours_h5")
    model = kerasish.Sequential([kerasish.Input((3,)), L.Dense(4, activation="relu"),
                                 L.BatchNormalization(), L.Dense(1)], name="tiny")
    # (Keras 3 cannot load its own legacy files compiled with loss="mse": spelled out.)
    model.compile(optimizer=kerasish.optimizers.Adam(0.01), loss="mean_squared_error",
                  metrics=["mae"])
    ckpt = kerasish.callbacks.ModelCheckpoint(str(folder / "best.h5"), monitor="loss",
                                              save_best_only=True)
    with pytest.warns(UserWarning, match="This file format is considered legacy"):
        model.fit(data["aux"], data["bin"], epochs=1, batch_size=8, verbose=0,
                  callbacks=[ckpt])
    return model, folder / "best.h5"


# ------------------------------------------------------------ Keras 3 <-> kerasish

@pytest.mark.parametrize("kind", ["seq", "fun"])
def test_keras_h5_loads_compiled_with_its_optimizer_state(keras_files, data, kind):
    theirs, path = keras_files[kind]
    x, y = inputs(kind, data)
    ours = kerasish.models.load_model(path)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert [la.name for la in legacy_h5.model_layers(ours)] == [la.name for la in theirs.layers]
    assert ours.compiled and type(ours.optimizer).__name__ == "Adam"
    config = ours.optimizer.get_config()
    assert config["learning_rate"] == pytest.approx(0.005) and config["beta_1"] == pytest.approx(0.8)
    assert ours.get_compile_config()["loss"] == theirs.loss
    assert ours.get_compile_config()["metrics"] == ["accuracy"]
    # Optimizer state: Keras's variables (iteration, learning rate, every slot), in order.
    state = [np.asarray(v) for v in theirs.optimizer.variables]
    mine = [np.asarray(v.numpy()) for v in ours.optimizer.variables]
    assert len(mine) == len(state) and int(mine[0]) == int(state[0]) == 3
    for a, b in zip(mine, state):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    if kind == "seq":
        assert np.isfinite(ours.evaluate(x, y, verbose=0)[0])


@pytest.mark.parametrize("kind", ["seq", "fun"])
def test_kerasish_h5_loads_in_keras_compiled(keras, tmp_path, data, kind):
    ours = randomized(compiled(kerasish, kind))
    x, _ = inputs(kind, data)
    path = tmp_path / "m.h5"
    with pytest.warns(UserWarning, match="This file format is considered legacy"):
        ours.save(path)
    theirs = keras.models.load_model(path)
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert theirs.compiled and type(theirs.optimizer).__name__ == "Adam"
    assert float(theirs.optimizer.learning_rate) == pytest.approx(0.005)
    assert float(theirs.optimizer.beta_1) == pytest.approx(0.8)
    assert theirs.loss.__name__ == ours.loss  # Keras 3 loads a named loss as its function


def test_trained_kerasish_h5_keeps_its_optimizer_state(keras, trained_ours, data):
    ours, path = trained_ours  # written by ModelCheckpoint("best.h5")
    x = data["aux"]
    again = kerasish.models.load_model(path)
    np.testing.assert_array_equal(again.predict(x, verbose=0), ours.predict(x, verbose=0))
    assert len(again.optimizer.variables) == 2 + 2 * 6  # iteration, rate, Adam's 2 per weight
    for a, b in zip(again.optimizer.variables, ours.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    theirs = keras.models.load_model(path)
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert theirs.compiled and int(theirs.optimizer.iterations) == 3
    with h5py.File(path, "r") as f:
        assert f.attrs["keras_version"] == legacy_h5.KERAS_VERSION
        assert f.attrs["backend"] == "jax"
        names = legacy_h5.load_attribute_list(f["optimizer_weights"], "weight_names")
    opt, dense = ours.optimizer.name, ours.layers[0].name
    assert names[:4] == [f"{opt}/iteration", f"{opt}/learning_rate",  # Keras's names
                         f"{opt}/{dense}_kernel_momentum", f"{opt}/{dense}_kernel_velocity"]


@pytest.mark.parametrize("kind", ["seq", "fun"])
def test_layout_matches_keras(keras, tmp_path, kind):
    """Root attributes, layer order, groups and per-layer weight counts and shapes are
    those Keras 3's legacy writer gives the same architecture."""
    for lib, name in ((keras, "k.h5"), (kerasish, "o.h5")):
        quiet_save(compiled(lib, kind), tmp_path / name)

    def layout(path):
        with h5py.File(path, "r") as f:
            groups = f["model_weights"]
            layers = legacy_h5.load_attribute_list(groups, "layer_names")
            weights = {n: [groups[n][w].shape for w in
                           legacy_h5.load_attribute_list(groups[n], "weight_names")]
                       for n in layers}
            config = json.loads(f.attrs["model_config"])
            entries = [(e["class_name"], sorted(e)) for e in config["config"]["layers"]]
            return (sorted(f.attrs), sorted(groups.attrs), sorted(f), layers, weights,
                    config["class_name"], entries, sorted(json.loads(f.attrs["training_config"])))

    assert layout(tmp_path / "o.h5") == layout(tmp_path / "k.h5")


def test_load_weights_and_save_weights_with_h5_names_both_ways(keras, keras_files, tmp_path,
                                                                data):
    x = data["img"]
    theirs, path = keras_files["seq"]
    ours = seq_model(kerasish)  # same architecture, fresh weights
    ours.load_weights(path)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)

    ours = randomized(seq_model(kerasish))
    with pytest.warns(UserWarning, match="legacy HDF5 layout"):
        ours.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:  # tf.keras 2's save_weights layout
        assert "model_config" not in f.attrs and "layer_names" in f.attrs
    fresh = seq_model(keras)
    fresh.load_weights(tmp_path / "w.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), ours.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    # Layers pair up in order, as in Keras: other layer names load the same weights.
    renamed = kerasish.Sequential([kerasish.Input((8, 8, 3)), L.Conv2D(4, 3, activation="relu"),
                                   L.BatchNormalization(), L.MaxPooling2D(), L.Flatten(),
                                   L.Dropout(0.25), L.Dense(3, activation="softmax")])
    renamed.load_weights(tmp_path / "w.h5")
    np.testing.assert_array_equal(renamed.predict(x, verbose=0), ours.predict(x, verbose=0))
    with pytest.raises(ValueError, match="is a legacy weights-only file: load it with"):
        kerasish.models.load_model(tmp_path / "w.h5")
    with pytest.raises(ValueError, match=r"must end in `\.keras` .* or `\.h5`"):
        kerasish.callbacks.ModelCheckpoint(str(tmp_path / "best.hdf"))


# ----------------------------------------------------------------- tf.keras 2 files

def _init(name, **config):
    return {"class_name": name, "config": {"seed": None, **config}} if name != "Zeros" \
        else {"class_name": "Zeros", "config": {}}


def _dense(name, units, activation, **extra):
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "dtype": "float32", "units": units,
        "activation": activation, "use_bias": True,
        "kernel_initializer": _init("GlorotUniform"), "bias_initializer": _init("Zeros"),
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None, **extra}}


def _input(name, shape, dtype="float32"):
    return {"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, *shape], "dtype": dtype, "sparse": False,
        "ragged": False, "name": name}}


def _node(*sources):
    return [[[s, n, 0, {}] for s, n in sources]]


TF2_SEQUENTIAL = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
    _input("conv2d_input", (8, 8, 3)),
    {"class_name": "Conv2D", "config": {
        "name": "conv2d", "trainable": True, "batch_input_shape": [None, 8, 8, 3],
        "dtype": "float32", "filters": 4, "kernel_size": [3, 3], "strides": [1, 1],
        "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
        "groups": 1, "activation": "linear", "use_bias": True,
        "kernel_initializer": _init("GlorotUniform"), "bias_initializer": _init("Zeros"),
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None}},
    {"class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "trainable": True,
                                           "dtype": "float32", "alpha": 0.2}},
    {"class_name": "BatchNormalization", "config": {
        "name": "batch_normalization", "trainable": True, "dtype": "float32", "axis": [3],
        "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
        "beta_initializer": _init("Zeros"), "gamma_initializer": {"class_name": "Ones",
                                                                  "config": {}},
        "moving_mean_initializer": _init("Zeros"),
        "moving_variance_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
        "gamma_constraint": None}},
    {"class_name": "MaxPooling2D", "config": {
        "name": "max_pooling2d", "trainable": True, "dtype": "float32", "pool_size": [2, 2],
        "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}},
    {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True,
                                         "dtype": "float32", "data_format": "channels_last"}},
    {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True,
                                         "dtype": "float32", "rate": 0.25,
                                         "noise_shape": None, "seed": None}},
    _dense("dense", 3, "softmax")]}}

TF2_TRAINING = {
    "loss": "sparse_categorical_crossentropy",
    "metrics": [[{"class_name": "MeanMetricWrapper", "config": {
        "name": "accuracy", "dtype": "float32", "fn": "sparse_categorical_accuracy"}}]],
    "weighted_metrics": None, "loss_weights": None,
    "optimizer_config": {"class_name": "Custom>Adam", "config": {
        "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
        "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "jit_compile": False, "is_legacy_optimizer": False,
        "learning_rate": 0.0005, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07,
        "amsgrad": False}}}

_BASE = {"class_name": "Functional", "name": "base", "config": {
    "name": "base", "trainable": True, "layers": [
        {**_input("base_in", (4,)), "name": "base_in", "inbound_nodes": []},
        {**_dense("base_dense", 6, "relu"), "name": "base_dense",
         "inbound_nodes": _node(("base_in", 0))}],
    "input_layers": [["base_in", 0, 0]], "output_layers": [["base_dense", 0, 0]]},
    "inbound_nodes": _node(("input_1", 0))}

TF2_FUNCTIONAL = {"class_name": "Model", "config": {"name": "model", "layers": [
    {**_input("input_1", (4,)), "name": "input_1", "inbound_nodes": []},
    {**_input("input_2", (5,), "int32"), "name": "input_2", "inbound_nodes": []},
    _BASE,  # a nested model: tf.keras 2 numbers its calls from 1
    {"class_name": "Embedding", "name": "embedding", "inbound_nodes": _node(("input_2", 0)),
     "config": {"name": "embedding", "trainable": True, "batch_input_shape": [None, 5],
                "dtype": {"class_name": "Policy", "config": {"name": "float32"}},
                "input_dim": 10, "output_dim": 3, "embeddings_initializer": _init(
                    "RandomUniform", minval=-0.05, maxval=0.05),
                "embeddings_regularizer": None, "activity_regularizer": None,
                "embeddings_constraint": None, "mask_zero": False, "input_length": 5}},
    {"class_name": "Flatten", "name": "flatten", "inbound_nodes": _node(("embedding", 0)),
     "config": {"name": "flatten", "trainable": True, "dtype": "float32",
                "data_format": "channels_last"}},
    {"class_name": "Concatenate", "name": "concatenate",
     "inbound_nodes": _node(("base", 1), ("flatten", 0)),
     "config": {"name": "concatenate", "trainable": True, "dtype": "float32", "axis": -1}},
    {**_dense("dense_1", 2, "softmax"), "name": "dense_1",
     "inbound_nodes": _node(("concatenate", 0))}],
    "input_layers": [["input_1", 0, 0], ["input_2", 0, 0]],
    "output_layers": [["dense_1", 0, 0]]}}


def keras_twin(keras, which):
    """The same model built in Keras 3, with random weights (BN statistics too)."""
    ly = keras.layers
    if which == "seq":
        model = keras.Sequential([
            keras.Input((8, 8, 3)), ly.Conv2D(4, 3, name="conv2d"),
            ly.LeakyReLU(0.2, name="leaky_re_lu"), ly.BatchNormalization(name="batch_normalization"),
            ly.MaxPooling2D(name="max_pooling2d"), ly.Flatten(name="flatten"),
            ly.Dropout(0.25, name="dropout"), ly.Dense(3, activation="softmax", name="dense")])
    else:
        b_in = keras.Input((4,), name="base_in")
        base = keras.Model(b_in, ly.Dense(6, activation="relu", name="base_dense")(b_in),
                           name="base")
        i1, i2 = keras.Input((4,), name="input_1"), keras.Input((5,), dtype="int32",
                                                              name="input_2")
        h = ly.Concatenate(name="concatenate")(
            [base(i1), ly.Flatten(name="flatten")(ly.Embedding(10, 3, name="embedding")(i2))])
        model = keras.Model([i1, i2], ly.Dense(2, activation="softmax", name="dense_1")(h))
    rng = np.random.default_rng(11)
    for v in model.weights:
        value = rng.normal(size=v.shape).astype("float32")
        v.assign(np.abs(value) + 0.5 if "variance" in v.path else value)
    return model


def write_tf2_file(path, keras_model, config, training=None, weights_only=False):
    """A file laid out as tf.keras 2.15's ``model.save("m.h5")`` (or ``save_weights``)
    wrote it: string attributes, ``name:0`` weight names, nested weight paths."""
    with h5py.File(path, "w") as f:
        if not weights_only:
            f.attrs["keras_version"] = "2.15.0"
            f.attrs["backend"] = "tensorflow"
            f.attrs["model_config"] = json.dumps(config).encode("utf8")
            if training is not None:
                f.attrs["training_config"] = json.dumps(training).encode("utf8")
        group = f if weights_only else f.create_group("model_weights")
        layers = keras_model.layers
        group.attrs["layer_names"] = [la.name.encode("utf8") for la in layers]
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = b"2.15.0"
        for layer in layers:
            sub = group.create_group(layer.name)
            weights = layer.trainable_weights + layer.non_trainable_weights
            names = [f"{v.path.split('/')[-2]}/{v.name}:0" for v in weights]
            sub.attrs["weight_names"] = [n.encode("utf8") for n in names]
            for n, v in zip(names, weights):
                sub.create_dataset(n, data=np.asarray(v))
        if training is not None:  # tf.keras 2's optimizer variables: not Keras 3's layout
            opt = f.create_group("optimizer_weights")
            opt.attrs["weight_names"] = [b"iteration:0"]
            opt.create_dataset("iteration:0", data=np.int64(7))


def test_tf_keras_2_sequential_file_loads_compiled(keras, tmp_path, data):
    twin = keras_twin(keras, "seq")
    path = tmp_path / "tf2.h5"
    write_tf2_file(path, twin, TF2_SEQUENTIAL, TF2_TRAINING)
    with pytest.warns(UserWarning, match="optimizer state saved by Keras 2.15.0 is not restored"):
        ours = kerasish.models.load_model(path)
    x = data["img"]
    np.testing.assert_allclose(ours.predict(x, verbose=0), twin.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert [la.name for la in ours.layers] == [la.name for la in twin.layers]
    assert ours.layers[2].axis == 3 and ours.layers[1].negative_slope == pytest.approx(0.2)
    assert type(ours.optimizer).__name__ == "Adam"
    assert ours.optimizer.get_config()["learning_rate"] == pytest.approx(0.0005)
    logs = ours.evaluate(x, data["cls"], verbose=0, return_dict=True)
    assert sorted(logs) == ["accuracy", "loss"]
    acc = float(np.mean(np.argmax(twin.predict(x, verbose=0), -1) == data["cls"]))
    assert logs["accuracy"] == pytest.approx(acc)


def test_tf_keras_2_functional_file_with_a_nested_model_loads(keras, tmp_path, data):
    twin = keras_twin(keras, "fun")
    path = tmp_path / "tf2_fun.h5"
    write_tf2_file(path, twin, TF2_FUNCTIONAL)
    with pytest.warns(UserWarning, match="No training configuration"):
        ours = kerasish.models.load_model(path)
    x = [data["aux"][:, :1].repeat(4, 1), data["tok"][:, :5] % 10]
    np.testing.assert_allclose(ours.predict(x, verbose=0), twin.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    # A weights-only tf.keras 2 file loads into a model built in code.
    write_tf2_file(tmp_path / "w.h5", twin, None, weights_only=True)
    fresh = kerasish.models.load_model(path, compile=False)
    for v in fresh.weights:
        v.assign(np.zeros(v.shape, v.dtype))
    fresh.load_weights(tmp_path / "w.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), twin.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_keras3_config_upgrade_maps_tf_keras_2_forms():
    config = legacy_h5.keras3_model_config(TF2_FUNCTIONAL)["config"]
    emb = next(e for e in config["layers"] if e["name"] == "embedding")
    assert "input_length" not in emb["config"] and emb["config"]["dtype"] == "float32"
    cat = next(e for e in config["layers"] if e["name"] == "concatenate")
    refs = [a["config"]["keras_history"] for a in cat["inbound_nodes"][0]["args"][0]]
    assert refs == [["base", 0, 0], ["flatten", 0, 0]]  # the nested model's call renumbered
    assert config["output_layers"] == ["dense_1", 0, 0]


# ------------------------------------------------------------------ refusals

def _model_file(path, config, **attrs):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        for k, v in attrs.items():
            f.attrs[k] = v
        f.create_group("model_weights").attrs["layer_names"] = []


def _with_layer(entry):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        _input("in", (4,)), entry]}}


@pytest.mark.parametrize("entry, match", [
    ({"class_name": "TFOpLambda", "config": {"name": "tf.math.add", "function": "math.add"}},
     r"layer 'tf.math.add' is a TensorFlow function .*\(TFOpLambda\), which kerasish cannot"),
    ({"class_name": "Lambda", "config": {"name": "lam", "function": ["4wEAAA==", None, None],
                                         "function_type": "lambda"}},
     r"layer 'lam' is a Lambda layer, whose Python code the file stores as bytecode"),
    ({"class_name": "LocallyConnected1D", "config": {"name": "lc", "filters": 2}},
     r"layer 'lc' is a LocallyConnected1D, which kerasish does not implement.*"
     r"register_keras_serializable"),
    (_dense("d", 2, "my_secret_activation"), r"Could not locate function 'my_secret_activation'"),
])
def test_unsupported_layers_are_refused_by_name(tmp_path, entry, match):
    path = tmp_path / "m.h5"
    _model_file(path, _with_layer(entry))
    with pytest.raises(ValueError, match=match):
        kerasish.models.load_model(path)


def test_damaged_and_wrong_files_fail_clearly(tmp_path):
    model = randomized(compiled(kerasish, "seq"))
    quiet_save(model, tmp_path / "good.h5")
    raw = (tmp_path / "good.h5").read_bytes()

    (tmp_path / "text.h5").write_text("not a model")
    with pytest.raises(ValueError, match="is not an HDF5 file"):
        kerasish.models.load_model(tmp_path / "text.h5")
    (tmp_path / "cut.h5").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        kerasish.models.load_model(tmp_path / "cut.h5")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        model.load_weights(tmp_path / "cut.h5")

    _model_file(tmp_path / "json.h5", {})
    with h5py.File(tmp_path / "json.h5", "a") as f:
        f.attrs["model_config"] = b"{not json"
    with pytest.raises(ValueError, match="'model_config' attribute is not valid JSON"):
        kerasish.models.load_model(tmp_path / "json.h5")

    model.save_weights(tmp_path / "k3.weights.h5")
    with pytest.raises(ValueError, match="is a weights file: load it with model.load_weights"):
        kerasish.models.load_model(tmp_path / "k3.weights.h5")

    other = kerasish.Sequential([kerasish.Input((8, 8, 3)), L.Flatten(), L.Dense(3)])
    with pytest.raises(ValueError, match=r"layer count mismatch. The model has 1 layers with "
                                         r"weights \['dense.*'\]; the file has 3"):
        other.load_weights(tmp_path / "good.h5")
    wider = kerasish.Sequential([kerasish.Input((8, 8, 3)), L.Conv2D(5, 3), L.BatchNormalization(),
                                 L.MaxPooling2D(), L.Flatten(), L.Dense(3)])
    before = [v.numpy().copy() for v in wider.weights]
    with pytest.raises(ValueError, match=r"has shape \(3, 3, 3, 4\) in the file .* but "
                                         r"\(3, 3, 3, 5\) in the model"):
        wider.load_weights(tmp_path / "good.h5")
    for v, b in zip(wider.weights, before):  # nothing assigned
        np.testing.assert_array_equal(v.numpy(), b)
    with pytest.warns(UserWarning, match="Skipping layer"):
        wider.load_weights(tmp_path / "good.h5", skip_mismatch=True)

    with h5py.File(tmp_path / "good.h5", "a") as f:
        training = json.loads(f.attrs["training_config"])
        training["optimizer_config"]["config"]["decay"] = 0.01
        f.attrs["training_config"] = json.dumps(training).encode("utf8")
    with pytest.raises(ValueError, match="cannot compile the model as its training_config "
                                        "says .*decay.*compile=False"):
        kerasish.models.load_model(tmp_path / "good.h5")
    assert not kerasish.models.load_model(tmp_path / "good.h5", compile=False).compiled


def test_load_weights_by_name_loads_the_layers_named_in_the_file(keras, tmp_path):
    """A legacy file from one architecture into another: the layers whose names match
    get the file's weights, the others keep theirs (Keras's by_name=True)."""
    from keras.src.legacy.saving import legacy_h5_format

    def source(lib):
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, name="shared1"),
                               lib.layers.Dense(5, name="dropped"),
                               lib.layers.Dense(2, name="shared2")])

    def target(lib):
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, name="shared1"),
                               lib.layers.Dense(5, name="new", use_bias=False),
                               lib.layers.Dense(2, name="shared2")])

    keras.utils.set_random_seed(0)
    with h5py.File(tmp_path / "w.h5", "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, source(keras))
    kmodel = target(keras)
    kmodel.load_weights(tmp_path / "w.h5", by_name=True)
    model = target(kerasish)
    kept = model.get_layer("new").get_weights()
    model.load_weights(tmp_path / "w.h5", by_name=True)
    for name in ("shared1", "shared2"):
        for ours, theirs in zip(model.get_layer(name).get_weights(),
                                kmodel.get_layer(name).get_weights()):
            np.testing.assert_array_equal(ours, theirs)
    for ours, before in zip(model.get_layer("new").get_weights(), kept):
        np.testing.assert_array_equal(ours, before)
    # In order (the default), the architectures do not match: refused, nothing changes.
    with pytest.raises(ValueError, match="different architecture"):
        model.load_weights(tmp_path / "w.h5")
    model.save_weights(tmp_path / "ours.weights.h5")
    with pytest.raises(ValueError, match="`by_name` only supports loading legacy"):
        model.load_weights(tmp_path / "ours.weights.h5", by_name=True)
    with pytest.raises(ValueError, match="Invalid keyword arguments"):
        model.load_weights(tmp_path / "w.h5", by_nme=True)
