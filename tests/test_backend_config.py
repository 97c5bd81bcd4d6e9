"""``kerasish.backend``, ``kerasish.config`` and the small ``kerasish.utils`` helpers
(``Progbar``, ``Config``, ``normalize``, ``get_source_inputs``, the serialization
re-exports, interactive logging) against Keras 3 where Keras needs no TensorFlow."""

import itertools
import logging

import numpy as np
import pytest

import kerasish
from kerasish import backend, config, utils

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "bfloat16", "float16", "float32", "float64", int, float, bool, None]


def test_backend_names_cover_keras(keras):
    theirs = {n for n in dir(keras.backend) if not n.startswith("_")}
    assert theirs <= set(dir(backend)), theirs - set(dir(backend))
    assert kerasish.backend is backend and backend.backend() == "jax"
    wanted = {n for n in dir(keras.utils) if not n.startswith("_")} - {
        "FeatureSpace", "bounding_boxes", "legacy",
        "model_to_dot", "plot_model"}
    assert wanted <= set(dir(utils)), wanted - set(dir(utils))
    assert {"image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
            "timeseries_dataset_from_array"} <= set(dir(kerasish.preprocessing))


def test_result_type_equals_keras_on_every_pair(keras):
    mismatches = []
    for a, b in itertools.product(DTYPES, DTYPES):
        try:
            expected = keras.backend.result_type(a, b)
        except ValueError:
            with pytest.raises(ValueError):
                backend.result_type(a, b)
            continue
        if backend.result_type(a, b) != expected:
            mismatches.append((a, b, backend.result_type(a, b), expected))
    assert not mismatches, mismatches
    assert backend.result_type() == keras.backend.result_type() == "float32"
    assert backend.result_type("int8", "uint8", float) == \
        keras.backend.result_type("int8", "uint8", float)
    with pytest.raises(ValueError, match="no implicit conversions from float8"):
        backend.result_type("float8_e4m3fn", "float32")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int8", "uint32", "bool", "string",
                                   "complex64", np.float32, np.dtype("int64"), int, float,
                                   bool, str, complex, "int", None])
def test_standardize_and_kind_of_dtypes_equal_keras(keras, dtype):
    assert backend.standardize_dtype(dtype) == keras.backend.standardize_dtype(dtype)
    assert utils.standardize_dtype is backend.standardize_dtype
    if dtype not in ("string", str, "complex64", complex):
        assert backend.is_float_dtype(dtype) == keras.backend.is_float_dtype(dtype)
        assert backend.is_int_dtype(dtype) == keras.backend.is_int_dtype(dtype)


def test_standardize_dtype_refuses_unknown(keras):
    import jax.numpy as jnp
    assert backend.standardize_dtype(jnp.float32) == keras.backend.standardize_dtype(jnp.float32)
    for bad in ("float", "float128x", "tensor"):
        with pytest.raises(ValueError, match="Invalid dtype"):
            backend.standardize_dtype(bad)


def test_settings_round_trip_and_refuse_bad_values():
    assert backend.epsilon() == 1e-7 and config.image_data_format() == "channels_last"
    try:
        backend.set_epsilon(1e-4)
        assert config.epsilon() == 1e-4
        backend.set_image_data_format("CHANNELS_FIRST")
        assert config.image_data_format() == "channels_first"
        assert config.standardize_data_format(None) == "channels_first"
        backend.set_floatx("float16")
        assert config.floatx() == backend.floatx() == "float16"
        assert backend.standardize_dtype(None) == "float16"
    finally:
        backend.set_epsilon(1e-7)
        backend.set_image_data_format("channels_last")
        backend.set_floatx("float32")
    with pytest.raises(ValueError, match="data_format"):
        config.set_image_data_format("NCHW")
    with pytest.raises(ValueError, match="`epsilon` must be a number"):
        config.set_epsilon("small")
    with pytest.raises(ValueError, match="Unknown `floatx`"):
        config.set_floatx("float8")
    with pytest.raises(ValueError, match="runs on JAX only"):
        config.set_backend("torch")
    config.set_backend("jax")
    assert config.is_nnx_enabled() is False


def test_dtype_policy_is_the_mixed_precision_policy():
    try:
        config.set_dtype_policy("mixed_float16")
        assert config.dtype_policy().name == "mixed_float16"
        assert kerasish.mixed_precision.global_policy().name == "mixed_float16"
        assert kerasish.layers.Dense(2).compute_dtype == "float16"
    finally:
        config.set_dtype_policy("float32")
    assert kerasish.layers.Dense(2).compute_dtype == "float32"


def test_uids_and_clear_session_follow_layer_names(keras):
    backend.clear_session()
    keras.backend.clear_session()
    ours = [kerasish.layers.Dense(1).name, backend.get_uid("dense"),
            kerasish.layers.Dense(1).name, backend.get_uid("other"), backend.get_uid("")]
    theirs = [keras.layers.Dense(1).name, keras.backend.get_uid("dense"),
              keras.layers.Dense(1).name, keras.backend.get_uid("other"),
              keras.backend.get_uid("")]
    assert ours == theirs == ["dense", 2, "dense_2", 1, 1]
    assert backend.get_uid(prefix="other") == 2
    utils.clear_session(free_memory=False)
    assert kerasish.layers.Dense(1).name == "dense"
    backend.clear_session()


def test_clear_session_free_memory_collects_garbage(monkeypatch):
    import gc
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(1) or 0)
    backend.clear_session(free_memory=False)
    assert calls == []
    backend.clear_session(free_memory=True)
    assert calls == [1]


def test_is_keras_tensor_and_source_inputs(keras):
    a, b = kerasish.Input((3,)), kerasish.Input((3,))
    h = kerasish.layers.Dense(3)(a)
    out = kerasish.layers.concatenate([kerasish.layers.add([h, b]), h])
    assert backend.is_keras_tensor(out) and utils.is_keras_tensor(a)
    assert not backend.is_keras_tensor(np.ones(3))
    sources = utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert utils.get_source_inputs(a) == [a]
    marker = object()
    assert utils.get_source_inputs(marker) is marker
    ka, kb = keras.Input((3,)), keras.Input((3,))
    kh = keras.layers.Dense(3)(ka)
    kout = keras.layers.concatenate([keras.layers.add([kh, kb]), kh])
    theirs = keras.utils.get_source_inputs(kout)
    assert [t is ka for t in theirs] == [s is a for s in sources]


def test_normalize_by_hand():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x, axis=0),  # Keras's axis=0 uses -1
                               [[1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x, order=1), [[3 / 7, 4 / 7], [0.0, 0.0]])


@pytest.mark.parametrize("axis,order", [(-1, 2), (1, 1), (-1, np.inf)])
def test_normalize_equals_keras(keras, rng, axis, order):
    x = rng.normal(size=(4, 3))
    x[1] = 0.0
    np.testing.assert_allclose(utils.normalize(x, axis=axis, order=order),
                               keras.utils.normalize(x, axis=axis, order=order), atol=1e-12)
    y = utils.normalize(x.astype("float32").tolist(), axis=axis, order=order)
    np.testing.assert_allclose(np.asarray(y), keras.utils.normalize(x, axis, order), atol=1e-6)


def test_config_behaves_like_keras(keras):
    for cls in (utils.Config, keras.utils.Config):
        c = cls(units=3, name="x")
        c.rate = 0.5
        c["extra"] = [1]
        assert (c.units, c["rate"], list(c), len(c), "name" in c) == \
            (3, 0.5, ["extra", "name", "rate", "units"], 4, True)
        assert c.as_dict() == {"units": 3, "name": "x", "rate": 0.5, "extra": [1]}
        assert c.to_json() == '{"units": 3, "name": "x", "rate": 0.5, "extra": [1]}'
        with pytest.raises(AttributeError, match="Did you mean 'units'"):
            c.unitz
        c.freeze()
        assert c.frozen
        for mutate in (lambda: setattr(c, "units", 1), lambda: c.update(a=1),
                       lambda: c.pop("name"), lambda: c.__delitem__("name")):
            with pytest.raises(ValueError, match="frozen"):
                mutate()
        c.unfreeze()
        del c["extra"]
        assert c.get("extra", "gone") == "gone" and repr(c).startswith("<Config {")


def _strip_times(text):
    import re
    return re.sub(r"\d+(\.\d+)?(s|ms|us)(/step)?", "T", text)


@pytest.mark.parametrize("stateful", [None, ["acc"]])
def test_progbar_verbose2_prints_keras_line(keras, capsys, stateful):
    steps = [(1, [("loss", 1.0), ("acc", 0.5)]), (2, [("loss", 0.25), ("acc", 0.75)]),
             (4, [("loss", 0.125), ("acc", 1e-4)])]
    outputs = []
    for cls in (utils.Progbar, keras.utils.Progbar):
        bar = cls(4, verbose=2, stateful_metrics=stateful)
        for current, values in steps:
            bar.update(current, values)
        bar.add(0)
        outputs.append(capsys.readouterr().out)
    assert _strip_times(outputs[0]) == _strip_times(outputs[1])
    assert "4/4" in outputs[0] and "loss:" in outputs[0]


def test_progbar_verbose1_values_match_keras(keras, capsys):
    import re
    lines = []
    for cls in (utils.Progbar, keras.utils.Progbar):
        bar = cls(3, verbose=1, interval=0)
        bar._dynamic_display = True  # as in a terminal (ours prints only final lines else)
        bar.update(1, [("loss", 2.0)])
        bar.update(2, [("loss", 1.0)])
        capsys.readouterr()
        bar.update(3, [("loss", 0.5)], finalize=False)
        text = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
        lines.append(re.findall(r"loss: [0-9.e+-]+", text)[-1])
    assert lines[0] == lines[1] == "loss: 1.1667"
    bar = utils.Progbar(None, verbose=1)
    bar.update(5, finalize=True)
    assert "5/Unknown" in capsys.readouterr().out
    with pytest.raises(ValueError, match="Only one of `stateful_metrics`"):
        utils.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])
    silent = utils.Progbar(2, verbose=0)
    silent.update(2, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_interactive_logging_switch_sends_messages_to_logging(capsys, caplog):
    assert utils.is_interactive_logging_enabled()
    utils.disable_interactive_logging()
    try:
        assert not config.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="kerasish"):
            utils.io_utils.print_msg("quiet please")
            bar = utils.Progbar(1, verbose=2)
            bar.update(1, [("loss", 1.0)])
        assert capsys.readouterr().out == ""
        assert "quiet please" in caplog.text and "loss: 1.0000" in caplog.text
    finally:
        utils.enable_interactive_logging()
    utils.io_utils.print_msg("loud")
    assert capsys.readouterr().out == "loud\n"


def test_serialization_names_are_kerasish_saving_objects():
    import kerasish.saving as saving
    for name in ("CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
                 "get_custom_objects", "get_registered_name", "get_registered_object",
                 "register_keras_serializable", "serialize_keras_object"):
        assert getattr(utils, name) is getattr(saving, name)
        assert name in dir(utils)
    assert utils.Sequence is utils.PyDataset
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        utils.nope
    with pytest.raises(AttributeError, match="Did you mean 'load_img'"):
        utils.load_imge

    @utils.register_keras_serializable(package="test_utils")
    def twice(x):
        return 2 * x

    assert utils.get_registered_name(twice) == "test_utils>twice"
    assert utils.get_registered_object("test_utils>twice") is twice
    config_ = utils.serialize_keras_object(kerasish.layers.Dense(2, name="d"))
    assert utils.deserialize_keras_object(config_).units == 2


def test_progbar_options(capsys):
    """Each constructor and update option changes the printed line."""
    import re

    def run(target=4, steps=((2, [("loss", 1.0), ("acc", 0.5)]), (4, [("loss", 3.0), ("acc", 1.0)])),
            finalize=None, **kw):
        kw.setdefault("interval", 0)
        bar = utils.Progbar(target, **kw)
        bar._dynamic_display = True
        for current, values in steps:
            bar.update(current, values, finalize=finalize if current == 4 else None)
        return re.sub(r"\d+(ms|us|s)", "T", capsys.readouterr().out)

    base = run(verbose=1)
    assert "4/4 " + "━" * 20 in base
    assert "2/4 " + "━" * 10 + " " * 10 in base
    narrow = run(verbose=1, width=6)
    assert "2/4 " + "━" * 3 + " " * 3 in narrow and "━" * 7 not in narrow
    # finalize=False at the target: an ETA instead of the elapsed time, no newline
    assert run(verbose=1, finalize=False).count("\n") == 0 and base.count("\n") == 1
    assert "/batch" in run(verbose=1, unit_name="batch") and "/step" in base
    assert run(target=8, verbose=1).count("/8") == 2
    two = run(verbose=2)
    assert two.count("\n") == 1 and two.startswith("4/4 - ")
    # stateful names print the last value; stateless ones average (by steps)
    assert "acc: 1.0000" in run(verbose=2, stateful_metrics=["acc"])
    assert "loss: 3.0000" in run(verbose=2, stateless_metrics=["acc"])
    # interval: updates closer than it are skipped (only the final one prints)
    slow = utils.Progbar(4, verbose=1, interval=3600)
    slow._dynamic_display = True
    slow.update(1)
    slow.update(2)
    assert capsys.readouterr().out.count("\r") == 1  # the first update, then nothing
    slow.add(2, values=[("loss", 0.25)])
    assert "4/4" in capsys.readouterr().out


def test_clear_session_frees_jax_compiled_programs():
    """Keras on JAX keeps every compiled program; a loop building models grows until
    XLA runs out of memory mappings. clear_session() frees JAX's caches too."""
    import jax
    import jax.numpy as jnp

    square = jax.jit(lambda v: v * v)
    square(jnp.ones(3))
    assert square._cache_size() == 1
    backend.clear_session(free_memory=False)
    assert square._cache_size() == 1
    backend.clear_session()
    assert square._cache_size() == 0
    np.testing.assert_array_equal(square(jnp.full(3, 2.0)), [4.0, 4.0, 4.0])
