"""``callbacks.TensorBoard``: the event files are read back with TensorBoard's own reader
(the ``tensorboard`` package, installed by the test extra), which checks every record's
CRC. The tags, folders and steps are Keras's (its TensorBoard needs TensorFlow, so it
cannot run here: the expectations below follow Keras 3's callback source)."""

import io
import json
import os
import pathlib

import numpy as np
import pytest

import kerasish
from kerasish import callbacks, layers
from kerasish.callbacks import event_file

EventAccumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator").EventAccumulator
tensor_util = pytest.importorskip("tensorboard.util.tensor_util")


def _read(folder):
    """{tag: [(step, array)]} of every tensor summary in ``folder``, plus the plugin
    name of each tag."""
    acc = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    acc.Reload()
    tags = acc.Tags()["tensors"]
    values = {t: [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(t)]
              for t in tags}
    plugins = {t: acc.SummaryMetadata(t).plugin_data.plugin_name for t in tags}
    return values, plugins


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One fit with every kind of log: 3 epochs of 3 batches, validation, per-2-batch
    scalars, histograms and images."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x.sum(1, keepdims=True) > 0).astype("float32")
    kerasish.utils.set_random_seed(0)
    # Named: default names count the layers made before (dense_57 in a full run).
    model = kerasish.Sequential([kerasish.Input((3,)),
                                 layers.Dense(4, activation="relu", name="dense"),
                                 layers.Dense(1, activation="sigmoid", name="dense_1")])
    model.compile(optimizer=kerasish.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    log_dir = tmp_path_factory.mktemp("logs")
    tb = callbacks.TensorBoard(log_dir, histogram_freq=2, write_images=True, update_freq=2)
    batch_logs = []
    spy = callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batch_logs.append(logs))
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0,
                        callbacks=[tb, spy])
    return model, history.history, log_dir, batch_logs


def test_epoch_scalars_equal_the_history(run):
    model, history, log_dir, _ = run
    assert sorted(os.listdir(log_dir)) == ["train", "validation"]
    train, plugins = _read(log_dir / "train")
    val, _ = _read(log_dir / "validation")
    for name in ("loss", "accuracy"):
        assert [s for s, _ in train[f"epoch_{name}"]] == [0, 1, 2]
        np.testing.assert_allclose([v for _, v in train[f"epoch_{name}"]], history[name],
                                   rtol=1e-6)
        # Validation metrics go to validation/ without their "val_" prefix.
        np.testing.assert_allclose([v for _, v in val[f"epoch_{name}"]],
                                   history[f"val_{name}"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in train["epoch_learning_rate"]], [0.01] * 3,
                               rtol=1e-6)
    assert plugins["epoch_loss"] == "scalars"
    assert train["epoch_loss"][0][1].dtype == np.float32 and train["epoch_loss"][0][1].shape == ()


def test_batch_scalars_every_update_freq_batches(run):
    _, _, log_dir, batch_logs = run
    train, _ = _read(log_dir / "train")
    # Global batch numbers 1..9 (3 epochs of 3 batches); update_freq=2 keeps the even ones.
    assert [s for s, _ in train["batch_loss"]] == [2, 4, 6, 8]
    expected = [batch_logs[s - 1]["loss"] for s in (2, 4, 6, 8)]
    np.testing.assert_allclose([v for _, v in train["batch_loss"]], expected, rtol=1e-6)


def test_evaluation_scalars_against_iterations(run):
    _, history, log_dir, _ = run
    val, _ = _read(log_dir / "validation")
    # After each epoch's validation: the optimizer has taken 3, 6, 9 steps.
    assert [s for s, _ in val["evaluation_loss_vs_iterations"]] == [3, 6, 9]
    np.testing.assert_allclose([v for _, v in val["evaluation_loss_vs_iterations"]],
                               history["val_loss"], rtol=1e-6)


def test_histograms_and_images_of_every_weight(run):
    model, _, log_dir, _ = run
    train, plugins = _read(log_dir / "train")
    paths = [w.path for layer in model.layers for w in layer.weights]
    assert paths == ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]
    for path in paths:
        tag = f"{path}/histogram"
        assert [s for s, _ in train[tag]] == [0, 2] and plugins[tag] == "histograms"
    # The last histogram (epoch 2) is of the final weights: buckets cover [min, max]
    # and count every value.
    kernel = np.asarray(model.layers[0].kernel.value)
    buckets = train["dense/kernel/histogram"][-1][1]
    assert buckets.shape == (30, 3)
    np.testing.assert_allclose([buckets[0, 0], buckets[-1, 1]], [kernel.min(), kernel.max()],
                               rtol=1e-6)
    assert buckets[:, 2].sum() == kernel.size
    np.testing.assert_array_equal(buckets[:, 2], np.histogram(kernel, bins=30)[0])
    # Images: the (3, 4) kernel (rows <= columns: not transposed) as one 3x4 picture ([width, height, png]).
    PIL = pytest.importorskip("PIL.Image")
    width, height, png = train["dense/kernel/image"][-1][1]
    assert (int(width), int(height)) == (4, 3) and plugins["dense/kernel/image"] == "images"
    pixels = np.asarray(PIL.open(io.BytesIO(png)))
    expected = np.clip(kernel * 255.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(pixels.reshape(3, 4), expected)
    assert "dense_1/bias/image" not in train  # a (1,) bias squeezes to a scalar: no image


def test_model_config_for_the_graph_page(run):
    model, _, log_dir, _ = run
    train, plugins = _read(log_dir / "train")
    (step, config), = train["keras"]
    assert step == 0 and plugins["keras"] == "graph_keras_model"
    assert json.loads(config.item()) == json.loads(model.to_json())


def test_epoch_logging_keeps_fused_steps_per_batch_logging_does_not():
    assert not callbacks.wants_batch_hooks(callbacks.TensorBoard())
    assert callbacks.wants_batch_hooks(callbacks.TensorBoard(update_freq="batch"))
    assert callbacks.wants_batch_hooks(callbacks.TensorBoard(update_freq=5))


def test_evaluate_alone_writes_the_validation_folder(tmp_path):
    model = kerasish.Sequential([kerasish.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    loss = model.evaluate(np.ones((4, 2)), np.zeros((4, 1)), verbose=0,
                          callbacks=[callbacks.TensorBoard(log_dir=tmp_path, write_graph=False)])
    val, _ = _read(tmp_path / "validation")
    assert val["evaluation_loss_vs_iterations"][0][0] == 0
    np.testing.assert_allclose(val["evaluation_loss_vs_iterations"][0][1], loss, rtol=1e-6)
    assert not (tmp_path / "train").exists()


def test_write_steps_per_second(tmp_path):
    model = kerasish.Sequential([kerasish.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    tb = callbacks.TensorBoard(tmp_path, write_steps_per_second=True, update_freq="batch")
    model.fit(np.ones((8, 2)), np.zeros((8, 1)), batch_size=4, epochs=2, verbose=0,
              callbacks=[tb])
    train, _ = _read(tmp_path / "train")
    assert [s for s, _ in train["batch_steps_per_second"]] == [1, 2, 3, 4]
    assert [s for s, _ in train["epoch_steps_per_second"]] == [0, 1]
    assert all(v > 0 for _, v in train["epoch_steps_per_second"])
    assert "batch_steps_per_second" not in _read_default(tmp_path / "plain")


def _read_default(folder):
    """The train tags of a default TensorBoard run (no steps-per-second)."""
    model = kerasish.Sequential([kerasish.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 2)), np.zeros((8, 1)), batch_size=4, epochs=1, verbose=0,
              callbacks=[callbacks.TensorBoard(folder, update_freq="batch")])
    return _read(folder / "train")[0]


def test_profile_batch_writes_a_jax_trace(tmp_path):
    model = kerasish.Sequential([kerasish.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 2)), np.zeros((8, 1)), batch_size=2, epochs=1, verbose=0,
              callbacks=[callbacks.TensorBoard(tmp_path, profile_batch=(2, 3))])
    traces = list((tmp_path / "train" / "plugins" / "profile").glob("*/*.xplane.pb"))
    assert traces, "no JAX profiler trace under train/plugins/profile"


def test_records_are_framed_and_checksummed_like_tensorflow(tmp_path):
    # Known CRC-32C value (RFC 3720's test vector) and a corrupted record detected.
    assert event_file.crc32c(b"123456789") == 0xE3069283
    with event_file.EventFileWriter(tmp_path) as writer:
        writer.scalar("x", 1.5, step=3)
    path, = tmp_path.iterdir()
    data = bytearray(path.read_bytes())
    from tensorboard.backend.event_processing import event_file_loader
    events = list(event_file_loader.RawEventFileLoader(str(path)).Load())
    assert len(events) == 2  # the file-version event, then the scalar
    data[-6] ^= 0xFF  # flip a byte inside the last record's payload
    path.write_bytes(bytes(data))
    assert len(list(event_file_loader.RawEventFileLoader(str(path)).Load())) == 1


@pytest.mark.parametrize("kwargs, match", [
    (dict(update_freq="often"), "update_freq"),
    (dict(update_freq=0), "update_freq"),
    (dict(histogram_freq=-1), "histogram_freq"),
    (dict(profile_batch=(5, 2)), "profile_batch"),
    (dict(profile_batch="a,b"), "profile_batch"),
    (dict(embeddings_freq=1), "embeddings_freq"),
    (dict(embeddings_metadata="meta.tsv"), "embeddings_metadata"),
])
def test_bad_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        callbacks.TensorBoard(**kwargs)


def test_png_encoder_round_trips_through_pillow():
    PIL = pytest.importorskip("PIL.Image")
    image = np.random.default_rng(0).integers(0, 256, size=(5, 7, 3)).astype(np.uint8)
    decoded = np.asarray(PIL.open(io.BytesIO(event_file.encode_png(image))))
    np.testing.assert_array_equal(decoded, image)
    with pytest.raises(ValueError, match="uint8"):
        event_file.encode_png(image.astype("float32"))


def test_writer_makes_the_folder(tmp_path):
    folder = pathlib.Path(tmp_path) / "a" / "b"
    with event_file.EventFileWriter(folder) as writer:
        writer.histogram("h", np.full(4, 2.0), step=0)
    values, _ = _read(folder)
    np.testing.assert_array_equal(values["h"][0][1], [[2.0, 2.0, 4.0]])


@pytest.mark.slow
def test_tensorboard_itself_serves_the_logs(run):
    """TensorBoard's own server (on 127.0.0.1) lists the runs and serves the curves,
    the histograms and the Keras graph view from a kerasish log folder."""
    import time
    import urllib.request

    from tensorboard import program

    _, history, log_dir, _ = run
    board = program.TensorBoard()
    board.configure(argv=[None, "--logdir", str(log_dir), "--host", "127.0.0.1",
                          "--port", "0", "--load_fast", "false", "--reload_interval", "1"])
    url = board.launch()

    def get(query):
        return json.loads(urllib.request.urlopen(url + query, timeout=30).read())

    deadline = time.time() + 60
    while get("data/runs") != ["train", "validation"] and time.time() < deadline:
        time.sleep(0.5)
    assert get("data/runs") == ["train", "validation"]
    curve = get("data/plugin/scalars/scalars?run=validation&tag=epoch_loss")
    assert [step for _, step, _ in curve] == [0, 1, 2]
    np.testing.assert_allclose([v for _, _, v in curve], history["val_loss"], rtol=1e-6)
    assert "dense/kernel/histogram" in get("data/plugin/histograms/tags")["train"]
    graphs = get("data/plugin/graphs/info")["train"]["tags"]
    assert graphs["keras"]["conceptual_graph"] is True
