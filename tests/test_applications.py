"""``kerasish.applications`` against Keras 3's: the same architecture built by both,
Keras's weights written in Keras's published format (the legacy HDF5 weight file of
``keras-applications``), loaded by kerasish — from a path, and as ``weights="imagenet"``
fetched by ``get_file`` from a server on 127.0.0.1 — then the same predictions.

Inputs are small (the real networks at 224x224 take seconds each on CPU); the
layer names, weight order and numerics do not depend on the size.
"""

import hashlib
import http.server
import json
import re
import threading

import h5py
import numpy as np
import pytest

import kerasish
from kerasish import applications
from kerasish.saving import legacy_h5

# (architecture, module, constructor arguments) — each run by both libraries.
# The parity grid is slow-tier (CI runs it) except one case per architecture family.
_slow = pytest.mark.slow
CASES = [
    pytest.param("VGG16", "vgg16", dict(include_top=True, input_shape=(32, 32, 3), classes=7),
                 marks=_slow),
    ("VGG16", "vgg16", dict(include_top=False, input_shape=(32, 32, 3), pooling="avg")),
    pytest.param("VGG19", "vgg19", dict(include_top=False, input_shape=(40, 40, 3),
                                        pooling="max"), marks=_slow),
    pytest.param("VGG19", "vgg19", dict(include_top=False, input_shape=(32, 32, 3)),
                 marks=_slow),
    ("ResNet50", "resnet", dict(include_top=False, input_shape=(32, 32, 3), pooling="avg")),
    pytest.param("ResNet50", "resnet50", dict(include_top=True, input_shape=(32, 32, 3),
                                              classes=5), marks=_slow),
    pytest.param("ResNet101", "resnet", dict(include_top=False, input_shape=(32, 32, 3)),
                 marks=_slow),
    pytest.param("ResNet152", "resnet", dict(include_top=False, input_shape=(32, 32, 3),
                                             pooling="max"), marks=_slow),
    ("ResNet50V2", "resnet_v2", dict(include_top=False, input_shape=(32, 32, 3),
                                     pooling="max")),
    pytest.param("ResNet101V2", "resnet_v2", dict(include_top=True, input_shape=(32, 32, 3),
                                                  classes=3), marks=_slow),
    pytest.param("ResNet152V2", "resnet_v2", dict(include_top=False, input_shape=(32, 32, 3),
                                                  pooling="avg"), marks=_slow),
    ("MobileNetV2", "mobilenet_v2", dict(include_top=False, input_shape=(32, 32, 3),
                                         pooling="avg")),
    pytest.param("MobileNetV2", "mobilenet_v2", dict(include_top=True, input_shape=(33, 33, 3),
                                                     alpha=0.35, classes=4), marks=_slow),
    pytest.param("MobileNetV2", "mobilenet_v2", dict(include_top=False, alpha=1.4,
                                                     input_shape=(40, 48, 3)), marks=_slow),
    # Keras alone takes 20-130 s to build one of the networks below on a loaded CPU:
    # all slow-tier but MobileNet's row (the fast tier keeps under a minute).
    pytest.param("EfficientNetB0", "efficientnet", dict(include_top=False, pooling="avg",
                                                        input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("EfficientNetB1", "efficientnet", dict(include_top=True, classes=6,
                                                        input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("EfficientNetB3", "efficientnet", dict(include_top=False, pooling="max",
                                                        input_shape=(40, 36, 3)), marks=_slow),
    pytest.param("EfficientNetB7", "efficientnet", dict(include_top=False,
                                                        input_shape=(32, 32, 3)), marks=_slow),
    ("MobileNet", "mobilenet", dict(include_top=False, input_shape=(32, 32, 3), pooling="avg")),
    pytest.param("MobileNet", "mobilenet", dict(include_top=True, alpha=0.5, classes=4,
                                                input_shape=(32, 40, 3)), marks=_slow),
    pytest.param("MobileNet", "mobilenet", dict(include_top=False, alpha=0.75,
                                                depth_multiplier=2, pooling="max",
                                                input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("DenseNet121", "densenet", dict(include_top=False, pooling="max",
                                                 input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("DenseNet169", "densenet", dict(include_top=True, classes=3,
                                                 input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("DenseNet201", "densenet", dict(include_top=False, pooling="avg",
                                                 input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("InceptionV3", "inception_v3", dict(include_top=False, pooling="avg",
                                                     input_shape=(75, 75, 3)), marks=_slow),
    pytest.param("InceptionV3", "inception_v3", dict(include_top=True, classes=5,
                                                     input_shape=(80, 75, 3)), marks=_slow),
    pytest.param("Xception", "xception", dict(include_top=False, pooling="avg",
                                              input_shape=(71, 71, 3)), marks=_slow),
    pytest.param("Xception", "xception", dict(include_top=True, classes=5,
                                              input_shape=(71, 80, 3)), marks=_slow),
    pytest.param("MobileNetV3Small", "mobilenet_v3", dict(include_top=True, classes=5,
                                                          input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("MobileNetV3Large", "mobilenet_v3", dict(
        include_top=False, pooling="avg", minimalistic=True, input_shape=(32, 32, 3)),
        marks=_slow),
    pytest.param("MobileNetV3Large", "mobilenet_v3", dict(
        include_top=True, alpha=1.25, dropout_rate=0.0, include_preprocessing=False,
        classes=3, input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("MobileNetV3Small", "mobilenet_v3", dict(
        include_top=False, pooling="max", alpha=0.75, input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("EfficientNetV2B0", "efficientnet_v2", dict(
        include_top=False, pooling="avg", input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("EfficientNetV2B2", "efficientnet_v2", dict(
        include_top=True, classes=4, input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("EfficientNetV2S", "efficientnet_v2", dict(
        include_top=False, pooling="max", input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("EfficientNetV2B1", "efficientnet_v2", dict(
        include_top=False, include_preprocessing=False, input_shape=(32, 32, 3)),
        marks=_slow),
    pytest.param("InceptionResNetV2", "inception_resnet_v2", dict(
        include_top=False, pooling="max", input_shape=(75, 75, 3)), marks=_slow),
    pytest.param("InceptionResNetV2", "inception_resnet_v2", dict(
        include_top=True, classes=3, input_shape=(75, 80, 3)), marks=_slow),
    pytest.param("ConvNeXtTiny", "convnext", dict(include_top=False, pooling="avg",
                                                  input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("ConvNeXtSmall", "convnext", dict(include_top=True, classes=3,
                                                   input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("ConvNeXtBase", "convnext", dict(
        include_top=False, pooling="max", include_preprocessing=False,
        input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("NASNetMobile", "nasnet", dict(include_top=False, pooling="avg",
                                                input_shape=(32, 32, 3)), marks=_slow),
    pytest.param("NASNetMobile", "nasnet", dict(include_top=True, classes=3,
                                                input_shape=(40, 40, 3)), marks=_slow),
    pytest.param("NASNetLarge", "nasnet", dict(include_top=False, pooling="max",
                                               input_shape=(32, 32, 3)), marks=_slow),
]


def _ids(cases):
    rows = [c.values if hasattr(c, "values") else c for c in cases]
    return [f"{arch}-{'top' if kw.get('include_top', True) else kw.get('pooling')}"
            for arch, _, kw in rows]


def _keras_weights_file(keras, arch, kwargs, path):
    """Keras's model (random weights) and its weights in the keras-applications
    format (what ``load_weights`` reads from ~/.keras/models)."""
    from keras.src.legacy.saving import legacy_h5_format

    keras.utils.set_random_seed(1)
    kmodel = getattr(keras.applications, arch)(weights=None, **kwargs)
    # Random BatchNormalization statistics, so that they are checked too.
    rng = np.random.default_rng(2)
    for layer in kmodel.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.1, layer.moving_mean.shape))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape))
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, kmodel)
    return kmodel


def _images(kwargs, n=2):
    shape = kwargs.get("input_shape") or (224, 224, 3)
    return np.random.default_rng(0).uniform(0, 255, size=(n, *shape)).astype("float32")


_AUTO_NAME = re.compile(r"^(conv2d|batch_normalization|dense|separable_conv2d|"
                        r"depthwise_conv2d|layer_normalization)_[0-9]+$")


@pytest.mark.parametrize("arch, module, kwargs", CASES, ids=_ids(CASES))
def test_predictions_equal_keras_with_keras_weight_files(keras, tmp_path, arch, module,
                                                         kwargs):
    kmodel = _keras_weights_file(keras, arch, kwargs, tmp_path / "w.h5")
    model = getattr(applications, arch)(weights=str(tmp_path / "w.h5"), **kwargs)
    # Keras's weight files are matched layer by layer, in order: the same layers with
    # weights, under the same names (unnamed layers get counters that vary: their
    # names are compared without the counter).
    # (Ours through legacy_weights: a Normalization given its statistics holds them as
    # weights in kerasish, as constants in Keras, and the file has none for it.)
    def weighted(m, weights_of):
        return [(_AUTO_NAME.sub(r"\1", layer.name), [tuple(w.shape) for w in weights_of(layer)])
                for layer in m.layers if weights_of(layer)]

    assert (weighted(model, legacy_h5.legacy_weights)
            == weighted(kmodel, lambda layer: layer.weights))
    assert model.output_shape == kmodel.output_shape
    x = _images(kwargs)
    ours = getattr(applications, module).preprocess_input(x.copy())
    theirs = getattr(keras.applications, module).preprocess_input(x.copy())
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(model.predict(ours, verbose=0), kmodel.predict(theirs, verbose=0),
                               rtol=1e-4, atol=1e-4)


@pytest.fixture
def served(tmp_path):
    """A server on 127.0.0.1 for the files in ``tmp_path / 'www'``."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_imagenet_weights_are_downloaded_checked_and_cached(keras, served, tmp_path,
                                                             monkeypatch):
    root, url = served
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    kwargs = dict(include_top=False, input_shape=(32, 32, 3), pooling="avg")
    kmodel = _keras_weights_file(keras, "VGG16", kwargs, root / "vgg16_notop.h5")
    fname = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    files = dict(applications.vgg16._FILES)
    files[False] = (fname, url + "vgg16_notop.h5", _md5(root / "vgg16_notop.h5"))
    monkeypatch.setattr(applications.vgg16, "_FILES", files)

    model = applications.VGG16(weights="imagenet", **kwargs)
    x = applications.vgg16.preprocess_input(_images(kwargs))
    np.testing.assert_allclose(model.predict(x, verbose=0), kmodel.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-4)
    cached = tmp_path / "keras_home" / "models" / fname  # Keras's cache folder
    assert cached.exists()
    (root / "vgg16_notop.h5").unlink()  # a second model needs no server
    applications.VGG16(weights="imagenet", **kwargs)

    # A file whose hash is not the published one is refused, and not kept.
    cached.unlink()
    (root / "vgg16_notop.h5").write_bytes(b"truncated")
    with pytest.raises(ValueError, match="hash"):
        applications.VGG16(weights="imagenet", **kwargs)
    assert not cached.exists()


def test_decode_predictions_reads_keras_class_index(served, tmp_path, monkeypatch):
    root, url = served
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (root / "imagenet_class_index.json").write_text(json.dumps(index))
    monkeypatch.setattr(applications.imagenet_utils, "CLASS_INDEX_PATH",
                        url + "imagenet_class_index.json")
    monkeypatch.setattr(applications.imagenet_utils, "CLASS_INDEX_HASH",
                        _md5(root / "imagenet_class_index.json"))
    monkeypatch.setattr(applications.imagenet_utils, "_CLASS_INDEX", None)
    preds = np.zeros((2, 1000), "float32")
    preds[0, [5, 7, 9]] = [0.2, 0.5, 0.3]
    preds[1, 999] = 1.0
    top = applications.vgg16.decode_predictions(preds, top=3)
    assert [name for _, name, _ in top[0]] == ["class_7", "class_9", "class_5"]
    assert top[1][0][:2] == ("n00000999", "class_999")
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        applications.vgg16.decode_predictions(np.zeros((2, 10)))


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_preprocess_input_matches_keras(keras, mode, data_format):
    x = np.random.default_rng(0).uniform(0, 255, size=(2, 3, 4, 3)).astype("float32")
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1)
    want = keras.applications.imagenet_utils.preprocess_input(x.copy(), data_format, mode)
    got = applications.imagenet_utils.preprocess_input(x.copy(), data_format, mode)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5)
    # Arrays of another kind (JAX) give the same numbers, without changing the input.
    import jax.numpy as jnp

    got = applications.imagenet_utils.preprocess_input(jnp.asarray(x), data_format, mode)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, atol=1e-5)
    # Integer images are converted to float first, as in Keras.
    ints = np.full((1, 2, 2, 3), 255, "uint8")
    np.testing.assert_allclose(
        applications.imagenet_utils.preprocess_input(ints, mode=mode),
        keras.applications.imagenet_utils.preprocess_input(ints, mode=mode), rtol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    (dict(weights="imagenet", classes=10), "classes"),
    (dict(weights="no/such/file.h5"), "weights"),
    (dict(weights="imagenet", input_shape=(64, 64, 3)), "input_shape"),
    (dict(weights=None, input_shape=(16, 16, 3)), "at least 32x32"),
    (dict(weights=None, include_top=False, pooling="mean"), "pooling"),
    (dict(weights="imagenet", classifier_activation="relu"), "classifier_activation"),
])
def test_bad_arguments_get_keras_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        applications.VGG16(**kwargs)


def test_a_corrupt_weight_file_is_refused_and_the_model_is_untouched(tmp_path):
    (tmp_path / "bad.h5").write_bytes(b"\x89HDF\r\n\x1a\n truncated")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        applications.VGG16(weights=str(tmp_path / "bad.h5"), include_top=False,
                           input_shape=(32, 32, 3))


def test_input_tensor_chains_onto_another_graph():
    inp = kerasish.Input((32, 32, 3))
    scaled = kerasish.layers.Rescaling(1.0)(inp)
    model = applications.VGG16(weights=None, include_top=False, input_tensor=scaled,
                               pooling="avg")
    assert model.inputs[0] is inp and model.output_shape == (None, 512)


def test_name_and_classifier_activation_are_used():
    model = applications.VGG16(weights=None, input_shape=(32, 32, 3), classes=3,
                               classifier_activation=None, name="my_vgg")
    assert model.name == "my_vgg"
    out = model.predict(np.ones((1, 32, 32, 3), "float32"), verbose=0)
    assert not np.allclose(out.sum(), 1.0)  # logits: no softmax at the end


def test_dropout_arguments_set_the_dropout_layers():
    model = applications.MobileNet(weights=None, input_shape=(32, 32, 3), classes=3,
                                   dropout=0.25)
    assert model.get_layer("dropout").rate == 0.25
    model = applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=3,
                                          dropout_rate=0.0)
    assert not any(isinstance(layer, kerasish.layers.Dropout) for layer in model.layers)
