"""Files written by real tf.keras 2 (TensorFlow 2.15.1) load in kerasish and give
tf.keras's numbers: ``load_model`` on ``model.save("x.h5")`` and ``ModelCheckpoint``
outputs (predictions, ``evaluate()``, the compile arguments and the optimizer's
slots, so that one more epoch of ``fit`` equals tf.keras's), ``load_weights`` on
``save_weights("x.h5")`` files (``by_name`` / ``skip_mismatch`` too) and
``to_json()`` strings. The files and tf.keras's numbers are in ``tests/data/tf_keras2``
(``tests/data/README.md``: provenance, versions, checksums); TensorFlow is not needed
here."""

import hashlib
import json
import pathlib
import re
import warnings

import h5py
import numpy as np
import pytest

import kerasish
from kerasish.saving import legacy_config, legacy_optimizer

DATA = pathlib.Path(__file__).parent / "data"
FILES = DATA / "tf_keras2"
# file stem -> (input keys, target keys) in its .npz
CASES = {
    "mlp_adam": (["x"], "y"),
    "mlp_legacy_adam": (["x"], "y"),
    "conv_sgd": (["image", "aux"], ["cls", "reg"]),
    "text_rmsprop": (["tokens"], "label"),
    "best": (["x"], "y"),
    "zoo_adamw": (["left", "right", "seq"], "label"),
}
FAST = ["mlp_adam", "best", "text_rmsprop"]


def scale_layer(base):
    """The user layer of ``zoo_adamw.h5``, as its author wrote it, on ``base`` (kerasish's
    or Keras 3's Layer)."""

    class Scale(base):
        def __init__(self, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    return Scale


Scale = kerasish.saving.register_keras_serializable(package="demo")(
    scale_layer(kerasish.layers.Layer))


def reference(stem):
    """The .npz beside a file: arrays, with ``key/i`` entries as lists and ``key/name``
    entries as dicts."""
    out = {}
    with np.load(FILES / f"{stem}.npz") as data:
        for key in data.files:
            head, _, tail = key.partition("/")
            if not tail:
                out[key] = data[key]
            elif tail.isdigit():
                out.setdefault(head, []).append(data[key])
            else:
                out.setdefault(head, {})[tail] = data[key]
    return out


def batch(stem, ref):
    inputs, targets = CASES[stem]
    x = [ref[k] for k in inputs]
    y = {k: ref[k] for k in targets} if isinstance(targets, list) else ref[targets]
    return (x[0] if len(x) == 1 else x), y


def weighting(ref):
    return {"sample_weight": ref["weight"]} if "weight" in ref else {}


def as_list(p):
    return list(p) if isinstance(p, (list, tuple)) else [p]


def load(stem, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "optimizer state not restored", nothing else
        return kerasish.models.load_model(FILES / f"{stem}.h5", **kwargs)


_LOADED = {}


def loaded(stem):
    """One load per file for the read-only tests (the fit tests load their own)."""
    if stem not in _LOADED:
        _LOADED[stem] = load(stem)
    return _LOADED[stem]


def slow_unless_fast(stems):
    return [s if s in FAST else pytest.param(s, marks=pytest.mark.slow) for s in stems]


# ------------------------------------------------------------------- provenance

def test_files_are_the_ones_the_readme_lists():
    """Every file is listed in the README with its sha256 and is small."""
    readme = (DATA / "README.md").read_text()
    listed = dict(re.findall(r"\| `([\w.]+)` \| [\d,]+ \| `([0-9a-f]{64})` \|", readme))
    present = sorted(p.name for p in FILES.iterdir())
    assert sorted(listed) == present
    total = 0
    for name in present:
        data = (FILES / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == listed[name], name
        assert len(data) < 200_000, name
        total += len(data)
    assert total < 1_500_000
    with h5py.File(FILES / "mlp_adam.h5", "r") as f:
        assert (f.attrs["keras_version"], f.attrs["backend"]) == ("2.15.0", "tensorflow")


# ---------------------------------------------------------------- load_model

@pytest.mark.parametrize("stem", slow_unless_fast(CASES))
def test_load_model_predicts_and_evaluates_as_tf_keras(stem):
    ref = reference(stem)
    model = loaded(stem)
    x, y = batch(stem, ref)
    for ours, theirs in zip(as_list(model.predict(x, verbose=0)), as_list(ref["predictions"])):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True, **weighting(ref))
    assert sorted(logs) == sorted(ref["evaluate"])  # tf.keras's names, output prefixes too
    for key, value in ref["evaluate"].items():
        assert logs[key] == pytest.approx(float(value), rel=1e-5, abs=1e-6), key


def _slot(model, weight_path, slot):
    """The optimizer variable Keras 3 names ``{weight path}_{slot}``."""
    opt = model.optimizer
    opt.build(model._variables_split()[0])
    values = opt.state_to_variables(model.get_optimizer_state())
    suffix = f"/{weight_path.replace('/', '_')}_{slot}"
    [k] = [k for k, v in enumerate(opt.variables) if v.path.endswith(suffix)]
    return np.asarray(values[k])


def test_compile_state_comes_back_from_a_tf_keras_file():
    model = loaded("mlp_adam")
    assert model.loss == "sparse_categorical_crossentropy"
    opt = model.optimizer
    assert type(opt).__name__ == "Adam"
    assert (float(opt.learning_rate), opt.beta_1, opt.beta_2, opt.epsilon) == pytest.approx(
        (0.01, 0.85, 0.999, 1e-7))
    [top_k] = [m for m in model.metrics if type(m).__name__ == "SparseTopKCategoricalAccuracy"]
    assert top_k.get_config()["k"] == 2
    logs = model.evaluate(*batch("mlp_adam", reference("mlp_adam")), verbose=0,
                          return_dict=True)
    assert sorted(logs) == ["accuracy", "loss", "sparse_top_k_categorical_accuracy"]
    # The slots are the file's arrays: 3 epochs of 4 batches.
    assert int(opt.iterations) == 12
    with h5py.File(FILES / "mlp_adam.h5", "r") as f:
        group = f["optimizer_weights"]
        for weight, file_slot, slot in [("hidden_1/kernel", "m", "momentum"),
                                        ("probs/bias", "v", "velocity")]:
            stored = group[f"Adam/{file_slot}/{weight}:0"][()]
            assert np.abs(stored).max() > 0
            np.testing.assert_array_equal(_slot(model, weight, slot), stored)


def test_multi_output_compile_state():
    model = loaded("conv_sgd")
    assert model.loss["cls"] == "sparse_categorical_crossentropy"
    huber = model.loss["reg"]
    assert type(huber).__name__ == "Huber" and huber.get_config()["delta"] == 0.5
    assert huber.reduction == "sum_over_batch_size"  # tf.keras 2's "auto"
    opt = model.optimizer
    assert type(opt).__name__ == "SGD" and opt.nesterov and opt.momentum == pytest.approx(0.9)
    with h5py.File(FILES / "conv_sgd.h5", "r") as f:
        np.testing.assert_array_equal(_slot(model, "bn_a/gamma", "momentum"),
                                      f["optimizer_weights"]["SGD/m/bn_a/gamma:0"][()])


def without_dropout(model):
    # tf.keras's reference epoch ran with every dropout rate at 0: random masks are
    # the one thing two frameworks cannot share.
    for layer in model.layers:
        if isinstance(layer, kerasish.layers.Dropout):
            layer.rate = 0.0
    return model


@pytest.mark.parametrize("stem", slow_unless_fast(["mlp_adam", "mlp_legacy_adam", "conv_sgd",
                                                   "text_rmsprop", "zoo_adamw"]))
def test_training_continues_as_in_tf_keras(stem):
    """One more epoch from the loaded state equals tf.keras's; from a fresh optimizer
    state it does not (so the restored slots are what makes it equal)."""
    ref = reference(stem)
    x, y = batch(stem, ref)
    results = {}
    for fresh in (False, True):
        model = without_dropout(load(stem))
        if fresh:
            model.set_optimizer_state(model.optimizer.init(model.current_params()[0]))
        history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0,
                            **weighting(ref))
        results[fresh] = as_list(model.predict(x, verbose=0))
        if not fresh:
            assert sorted(history.history) == sorted(k[4:] for k in ref["fit"])
            for key, value in ref["fit"].items():
                assert history.history[key[4:]][-1] == pytest.approx(float(value), rel=1e-4,
                                                                     abs=1e-5), key
    for ours, theirs in zip(results[False], as_list(ref["after_fit"])):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    drift = max(float(np.abs(a - b).max()) for a, b in zip(results[True], as_list(ref["after_fit"])))
    assert drift > 1e-3


@pytest.mark.parametrize("stem", [
    pytest.param("mlp_adam", marks=pytest.mark.slow), pytest.param("conv_sgd", marks=pytest.mark.slow),
    pytest.param("zoo_adamw", marks=pytest.mark.slow), "text_rmsprop"])
def test_a_tf_keras_file_saved_again_as_keras_trains_on_in_keras_3(keras, tmp_path, stem):
    """tf.keras 2 ``.h5`` -> kerasish -> ``.keras`` -> Keras 3 (which cannot read this
    text model's ``.h5`` itself: it refuses LSTM's ``time_major``): the optimizer state
    travels too, so Keras 3's next epoch is tf.keras's."""
    ref = reference(stem)
    x, y = batch(stem, ref)
    load(stem).save(tmp_path / "m.keras")
    model = keras.models.load_model(  # the user layer's author has it in Keras 3 too
        tmp_path / "m.keras", custom_objects={"demo>Scale": scale_layer(keras.layers.Layer)})
    assert int(model.optimizer.iterations) > 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0
    history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0,
                        **weighting(ref))
    assert history.history["loss"][-1] == pytest.approx(float(ref["fit"]["fit_loss"]), rel=1e-4)
    for ours, theirs in zip(as_list(model.predict(x, verbose=0)), as_list(ref["after_fit"])):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


def test_optimizer_variables_that_do_not_fit_warn_and_load_the_rest(tmp_path):
    """A slot missing from the file, or slots of other weights: the model loads (and
    predicts as tf.keras) with a fresh optimizer state and a warning that says why."""
    path = tmp_path / "damaged.h5"
    path.write_bytes((FILES / "mlp_adam.h5").read_bytes())
    with h5py.File(path, "r+") as f:
        group = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        group.attrs["weight_names"] = [n.encode() for n in names if n != "Adam/v/probs/bias:0"]
    with pytest.warns(UserWarning, match=r"Keras 2.15.0 is not restored \(it holds 'velocity' "
                                         r"for 5 weights, the model has 6 trainable weights\)"):
        model = kerasish.models.load_model(path)
    assert int(model.optimizer.iterations) == 0
    ref = reference("mlp_adam")
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["predictions"],
                               rtol=1e-5, atol=1e-6)
    with h5py.File(path, "r+") as f:  # every slot there, one of another shape
        group = f["optimizer_weights"]
        group.attrs["weight_names"] = [n.encode() for n in names]
        del group["Adam/v/probs/bias:0"]
        group["Adam/v/probs/bias:0"] = np.zeros(4, "float32")
    with pytest.warns(UserWarning, match=r"not restored \(.*velocity.* has shape \(4,\) in "
                                         r"the file"):
        model = kerasish.models.load_model(path)
    assert int(model.optimizer.iterations) == 0
    swapped = [names[0]] + [names[3], names[4], names[1], names[2]] + names[5:]
    with pytest.raises(legacy_optimizer.NotRestored,
                       match=r"'Adam/m/hidden_1/bias:0' does not belong to the weight "
                             r"'hidden_1/kernel'"):
        legacy_optimizer.state_arrays(swapped, None, model)


def test_nadam_product_is_rebuilt_as_tf_keras_ran_it():
    """tf.keras 2.11+ kept Nadam's product of momentum factors outside its variables
    and (in a tf.function) multiplied it once per weight each step: after 3 steps on
    2 weights it is the product of u(t)^2, u(t) = beta_1 (1 - 0.5 * 0.96^t)."""
    model = kerasish.Sequential([kerasish.Input((2,)), kerasish.layers.Dense(1, name="d")])
    model.compile(optimizer=kerasish.optimizers.Nadam(0.01, beta_1=0.8), loss="mse")
    saved = {"iteration:0": np.int64(3),
             "Nadam/m/d/kernel:0": np.full((2, 1), 0.1, "float32"),
             "Nadam/v/d/kernel:0": np.full((2, 1), 0.2, "float32"),
             "Nadam/m/d/bias:0": np.full((1,), 0.3, "float32"),
             "Nadam/v/d/bias:0": np.full((1,), 0.4, "float32")}
    arrays = legacy_optimizer.state_arrays(list(saved), saved.__getitem__, model)
    u = [0.8 * (1 - 0.5 * 0.96 ** t) for t in (1, 2, 3)]
    assert float(arrays[-1]) == pytest.approx((u[0] * u[1] * u[2]) ** 2, rel=1e-6)
    assert [float(np.ravel(a)[0]) for a in arrays[2:6]] == pytest.approx([0.1, 0.2, 0.3, 0.4])


OPTIMIZER_FILES = [
    "opt_adam_amsgrad", "opt_adam_ema", "opt_adagrad", "opt_adadelta", "opt_adamax", "opt_nadam",
    "opt_ftrl", "opt_lion", "opt_rmsprop_centered", "opt_legacy_sgd", "opt_legacy_rmsprop",
    "opt_legacy_adagrad", "opt_legacy_adadelta", "opt_legacy_adamax", "opt_legacy_ftrl"]


@pytest.mark.parametrize("stem", [s if s in ("opt_nadam", "opt_legacy_rmsprop") else
                                  pytest.param(s, marks=pytest.mark.slow)
                                  for s in OPTIMIZER_FILES])
def test_every_tf_keras_optimizer_continues_where_it_stopped(stem):
    """Each optimizer's slots (both layouts) come back: one more epoch after loading
    equals tf.keras's uninterrupted training (Nadam's product recomputed)."""
    ref = reference(stem)
    model = load(stem)
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["predictions"],
                               rtol=1e-5, atol=1e-6)
    assert int(model.optimizer.iterations) == 4
    history = model.fit(ref["x"], ref["y"], batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"][-1] == pytest.approx(float(ref["fit"]["fit_loss"]), rel=1e-4)
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["after_fit"],
                               rtol=1e-4, atol=1e-5)


def test_a_legacy_nadam_file_is_refused_clearly_and_loads_uncompiled():
    """tf.keras's legacy Nadam: its ``decay`` (a momentum schedule of another formula
    than Keras 3's Nadam) is refused, not ignored; ``compile=False`` loads the model,
    and its momentum cache is not taken for Keras 3 state."""
    path = FILES / "opt_legacy_nadam.h5"
    with pytest.raises(ValueError, match=r"sets `decay=0.004`.*Load it with compile=False"):
        kerasish.models.load_model(path)
    model = kerasish.models.load_model(path, compile=False)
    ref = reference("opt_legacy_nadam")
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["predictions"],
                               rtol=1e-5, atol=1e-6)
    model.compile(optimizer="nadam", loss="mse")
    with h5py.File(path, "r") as f:
        group = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        with pytest.raises(legacy_optimizer.NotRestored,
                           match=r"its variables \['Nadam/momentum_cache:0'"):
            legacy_optimizer.state_arrays(names, lambda n: group[n][()], model)


def test_a_mixed_precision_file_loads_with_its_loss_scale_optimizer():
    """``mixed_float16`` layers and tf.keras's LossScaleOptimizerV3: Keras 3's
    LossScaleOptimizer around the restored Adam, its scale at initial_scale (not in the
    file; tf.keras's was still there); one more epoch equals tf.keras's uninterrupted
    run (float16 numbers: float16 tolerance)."""
    ref = reference("mixed_adam")
    model = load("mixed_adam")
    opt = model.optimizer
    assert type(opt).__name__ == "LossScaleOptimizer"
    assert type(opt.inner_optimizer).__name__ == "Adam" and int(opt.iterations) == 4
    assert [la.dtype_policy.name for la in model.layers] == ["mixed_float16", "mixed_float16",
                                                             "float32"]
    assert float(model.get_optimizer_state().slots.scale) == float(ref["loss_scale"]) == 32768.0
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["predictions"],
                               rtol=1e-3, atol=1e-3)
    history = model.fit(ref["x"], ref["y"], batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"][-1] == pytest.approx(float(ref["fit"]["fit_loss"]), rel=1e-3)
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["after_fit"],
                               rtol=1e-3, atol=1e-3)
    with h5py.File(FILES / "mixed_adam.h5", "r") as f:
        training = json.loads(f.attrs["training_config"])
    training["optimizer_config"]["config"]["dynamic"] = False
    with pytest.raises(ValueError, match=r"fixed loss scale \(dynamic=False\)"):
        legacy_config.compile_config(training, model)


def test_model_checkpoint_file_loads_with_its_optimizer_state():
    ref = reference("best")
    model = loaded("best")
    assert int(model.optimizer.iterations) == int(ref["iterations"]) > 0
    assert [type(la).__name__ for la in model.layers] == ["Dense", "BatchNormalization",
                                                           "Dense"]
    with h5py.File(FILES / "best.h5", "r") as f:
        np.testing.assert_array_equal(model.get_layer("bn").moving_variance.numpy(),
                                      f["model_weights/bn/bn/moving_variance:0"][()])


# --------------------------------------------------------------- load_weights

def _zeroed(model):
    for v in model.weights:
        v.assign(np.zeros(v.shape, v.dtype))
    return model


@pytest.mark.parametrize("stem, weights", [
    ("mlp_adam", "mlp_weights"),
    pytest.param("conv_sgd", "conv_weights", marks=pytest.mark.slow),
    pytest.param("text_rmsprop", "text_weights", marks=pytest.mark.slow)])
def test_save_weights_files_load_into_a_model_built_again(stem, weights):
    ref = reference(stem)
    model = _zeroed(kerasish.models.load_model(FILES / f"{stem}.h5", compile=False))
    model.load_weights(FILES / f"{weights}.h5")
    x, _ = batch(stem, ref)
    for ours, theirs in zip(as_list(model.predict(x, verbose=0)), as_list(ref["predictions"])):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_load_weights_by_name_skip_mismatch_as_tf_keras():
    """The variant file shares ``hidden_1`` (loaded), has ``renamed`` (ignored) and a
    5-unit ``probs`` (skipped with a warning): tf.keras's predictions after the same
    call, from the same starting weights."""
    ref = reference("mlp_variant_weights")
    path = FILES / "mlp_variant_weights.h5"
    model = kerasish.models.load_model(FILES / "mlp_adam.h5", compile=False)
    model.set_weights(ref["start"])
    with pytest.raises(ValueError, match=r"shape \(16, 5\) in the file .* but \(16, 3\)"):
        model.load_weights(path, by_name=True)
    np.testing.assert_array_equal(model.get_weights()[0], ref["start"][0])  # nothing loaded
    with pytest.warns(UserWarning, match="Skipping layer 'probs'"):
        model.load_weights(path, by_name=True, skip_mismatch=True)
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["predictions"],
                               rtol=1e-5, atol=1e-6)
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(model.get_layer("hidden_1").kernel.numpy(),
                                      f["hidden_1/hidden_1/kernel:0"][()])
    np.testing.assert_array_equal(model.get_layer("hidden_2").kernel.numpy(), ref["start"][2])
    with pytest.raises(ValueError, match=r"shape \(16, 5\) in the file"):
        model.load_weights(path)  # by position, as tf.keras: the third layers differ


# ------------------------------------------------------------------ to_json

@pytest.mark.parametrize("stem, json_name, weights", [
    ("mlp_adam", "mlp", "mlp_weights"),
    pytest.param("conv_sgd", "conv_net", "conv_weights", marks=pytest.mark.slow),
    pytest.param("text_rmsprop", "text_net", "text_weights", marks=pytest.mark.slow)])
def test_to_json_output_rebuilds_the_model(stem, json_name, weights):
    model = kerasish.models.model_from_json((FILES / f"{json_name}.json").read_text())
    model.load_weights(FILES / f"{weights}.h5")
    ref = reference(stem)
    x, _ = batch(stem, ref)
    for ours, theirs in zip(as_list(model.predict(x, verbose=0)), as_list(ref["predictions"])):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_rnn_implementation_is_dropped_only_where_it_changes_nothing():
    """tf.keras 2 wrote LSTM/GRU's ``implementation`` (2 by default): 1 and 2 differ in
    dropout masks only, so the key goes at 2 or without dropout, and stays (for the
    layer to honour or refuse) with dropout."""
    text = json.loads((FILES / "text_net.json").read_text())
    bilstm = next(e for e in text["config"]["layers"] if e["class_name"] == "Bidirectional")
    lstm = bilstm["config"]["layer"]["config"]
    assert lstm["implementation"] == 2

    def upgraded(**changes):
        lstm.update(changes)
        config = legacy_config.keras3_model_config(text)
        [entry] = [e for e in config["config"]["layers"] if e["class_name"] == "Bidirectional"]
        return entry["config"]["layer"]["config"]

    assert "implementation" not in upgraded()
    assert "implementation" not in upgraded(implementation=1)
    assert upgraded(implementation=1, dropout=0.2)["implementation"] == 1
    assert "implementation" not in upgraded(implementation=2, dropout=0.2)


def test_model_from_json_reads_a_tf_keras_sequential():
    model = kerasish.models.model_from_json((FILES / "mlp.json").read_text())
    assert [la.name for la in model.layers] == ["hidden_1", "dropout", "hidden_2", "probs"]
    assert model.input_shape == (None, 8)
