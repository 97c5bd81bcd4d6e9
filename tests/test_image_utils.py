"""Image files and image datasets: ``load_img``/``img_to_array``/``array_to_img``/
``save_img``/``smart_resize`` against Keras 3's own functions (which need no
TensorFlow), and ``image_dataset_from_directory`` against Keras's indexing code and
its per-image loader (the grain path, which resizes with ``keras.ops.image.resize``)."""

import io
import os
import sys

import numpy as np
import pytest

import kerasish
from kerasish import utils

PIL = pytest.importorskip("PIL.Image", reason="Pillow (the image extra) is not installed")


def _write_folder(root, sizes, classes=("cat", "dog"), per_class=3, seed=0, ext="png"):
    """``root/<class>/<i>.<ext>`` RGB images of the given (h, w) sizes, cycled."""
    rng = np.random.default_rng(seed)
    k = 0
    for cls in classes:
        os.makedirs(root / cls, exist_ok=True)
        for i in range(per_class):
            h, w = sizes[k % len(sizes)]
            k += 1
            pixels = rng.integers(0, 256, size=(h, w, 3)).astype("uint8")
            PIL.fromarray(pixels, "RGB").save(root / cls / f"img_{i}.{ext}")
    return root


@pytest.fixture
def picture(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "p.png"
    PIL.fromarray(rng.integers(0, 256, size=(9, 14, 4)).astype("uint8"), "RGBA").save(path)
    return path


# ------------------------------------------------------------------ files and arrays


@pytest.mark.parametrize("color_mode", ["rgb", "rgba", "grayscale"])
@pytest.mark.parametrize("target_size,interpolation,keep", [
    (None, "nearest", False), ((5, 7), "nearest", False), ((5, 7), "bilinear", False),
    ((4, 4), "bicubic", True), ((6, 3), "lanczos", True), ((5, 5), "box", False),
    ((3, 8), "hamming", True)])
def test_load_img_equals_keras(keras, picture, color_mode, target_size, interpolation, keep):
    kw = dict(color_mode=color_mode, target_size=target_size, interpolation=interpolation,
              keep_aspect_ratio=keep)
    ours = utils.load_img(picture, **kw)
    theirs = keras.utils.load_img(picture, **kw)
    assert ours.mode == theirs.mode and ours.size == theirs.size
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_load_img_reads_bytesio_and_str_paths(keras, picture):
    buffer = io.BytesIO(picture.read_bytes())
    np.testing.assert_array_equal(np.asarray(utils.load_img(buffer)),
                                  np.asarray(keras.utils.load_img(str(picture))))
    with pytest.raises(TypeError, match="path-like"):
        utils.load_img(123)
    with pytest.raises(ValueError, match="Invalid interpolation method 'cubic'"):
        utils.load_img(picture, target_size=(2, 2), interpolation="cubic")
    with pytest.raises(ValueError, match="color_mode must be"):
        utils.load_img(picture, color_mode="cmyk")


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("scale", [True, False])
def test_array_to_img_and_back_equal_keras(keras, rng, channels, data_format, scale):
    shape = (5, 6, channels) if data_format == "channels_last" else (channels, 5, 6)
    x = rng.uniform(-3, 200, size=shape).astype("float32")
    ours = utils.array_to_img(x, data_format=data_format, scale=scale)
    theirs = keras.utils.array_to_img(x, data_format=data_format, scale=scale)
    assert ours.mode == theirs.mode
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    for fmt in ("channels_last", "channels_first"):
        a = utils.img_to_array(ours, data_format=fmt, dtype="float64")
        b = keras.utils.img_to_array(theirs, data_format=fmt, dtype="float64")
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def test_array_to_img_dtype_and_save_img_data_format(keras, tmp_path):
    x = np.array([[[0.0], [2040.0]], [[1.0], [2049.0]]])  # float16 rounds 2049 to 2048
    for dtype in ("float16", "float64"):  # the arithmetic's dtype changes the pixels
        ours = utils.array_to_img(x, dtype=dtype, scale=True)
        theirs = keras.utils.array_to_img(x, dtype=dtype, scale=True)
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    assert not np.array_equal(np.asarray(utils.array_to_img(x, dtype="float16")),
                              np.asarray(utils.array_to_img(x, dtype="float64")))
    chw = np.arange(24, dtype="float32").reshape(3, 2, 4) * 10
    utils.save_img(tmp_path / "a.png", chw, data_format="channels_first", scale=False)
    keras.utils.save_img(tmp_path / "b.png", chw, data_format="channels_first", scale=False)
    with PIL.open(tmp_path / "a.png") as a, PIL.open(tmp_path / "b.png") as b:
        assert a.size == (4, 2)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_array_to_img_32_bit_grayscale_and_errors(keras):
    x = np.arange(12, dtype="float32").reshape(3, 4, 1) * 100  # above 255: mode 'I'
    ours, theirs = utils.array_to_img(x, scale=False), keras.utils.array_to_img(x, scale=False)
    assert ours.mode == theirs.mode == "I"
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        utils.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="Unsupported image shape"):
        utils.img_to_array(np.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="data_format"):
        utils.img_to_array(np.zeros((2, 2)), data_format="NHWC")


@pytest.mark.parametrize("name,fmt", [("a.png", None), ("b.jpg", None), ("c.bmp", None),
                                      ("d.img", "png")])
def test_save_img_writes_what_keras_writes(keras, tmp_path, rng, name, fmt):
    x = rng.uniform(0, 255, size=(6, 5, 3)).astype("float32")
    ours, theirs = tmp_path / ("ours_" + name), tmp_path / ("keras_" + name)
    utils.save_img(ours, x, file_format=fmt, scale=False)
    keras.utils.save_img(theirs, x, file_format=fmt, scale=False)
    with PIL.open(ours) as a, PIL.open(theirs) as b:
        assert a.format == b.format
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_save_img_rgba_as_jpeg_warns_and_keeps_kwargs(tmp_path, rng):
    x = rng.uniform(0, 255, size=(4, 4, 4))
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        utils.save_img(tmp_path / "x.jpg", x, quality=20)
    with PIL.open(tmp_path / "x.jpg") as img:
        assert img.mode == "RGB" and img.format == "JPEG"
    utils.save_img(tmp_path / "hi.jpg", x[..., :3], quality=95)
    utils.save_img(tmp_path / "lo.jpg", x[..., :3], quality=5)
    assert (tmp_path / "hi.jpg").stat().st_size > (tmp_path / "lo.jpg").stat().st_size


@pytest.mark.parametrize("size,interpolation", [
    ((4, 4), "bilinear"),
    pytest.param((3, 9), "nearest", marks=pytest.mark.slow),
    pytest.param((12, 5), "bicubic", marks=pytest.mark.slow),
    pytest.param((3, 9), "lanczos3", marks=pytest.mark.slow),
    pytest.param((12, 5), "bilinear", marks=pytest.mark.slow),
    pytest.param((4, 4), "lanczos5", marks=pytest.mark.slow),
    pytest.param((12, 5), "nearest", marks=pytest.mark.slow)])
def test_smart_resize_equals_keras(keras, rng, size, interpolation):
    x = rng.uniform(0, 1, size=(10, 7, 2)).astype("float32")
    ours = kerasish.preprocessing.image.smart_resize(x, size, interpolation=interpolation)
    theirs = keras.preprocessing.image.smart_resize(x, size, interpolation=interpolation)
    assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    batch = np.stack([x, x[::-1]]).transpose(0, 3, 1, 2)
    ours = utils.image_utils.smart_resize(batch, size, data_format="channels_first")
    theirs = keras.preprocessing.image.smart_resize(batch, size, data_format="channels_first")
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_missing_pillow_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"pip install kerasish\[image\]"):
        utils.load_img(tmp_path / "x.png")
    with pytest.raises(ImportError, match=r"pip install kerasish\[image\]"):
        utils.array_to_img(np.zeros((2, 2, 3)))


def test_keras_names_are_exported(keras):
    for name in ("load_img", "img_to_array", "array_to_img", "save_img", "smart_resize"):
        assert getattr(kerasish.preprocessing.image, name) is getattr(utils.image_utils, name)
        assert hasattr(keras.preprocessing.image, name)
    assert kerasish.preprocessing.image_dataset_from_directory is \
        utils.image_dataset_from_directory


# ------------------------------------------------------------------ the dataset


def _keras_order(keras_dataset_utils, root, seed, shuffle=True, labels="inferred",
                 class_names=None, validation_split=None, subset=None):
    formats = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
    paths, labs, names = keras_dataset_utils.index_directory(
        str(root), labels, formats=formats, class_names=class_names, shuffle=shuffle,
        seed=seed, verbose=False)
    if validation_split:
        paths, labs = keras_dataset_utils.get_training_or_validation_split(
            paths, labs, validation_split, subset)
    return paths, labs, names


@pytest.fixture
def keras_dataset_utils(keras):
    from keras.src.utils import dataset_utils
    return dataset_utils


@pytest.fixture
def keras_load_image(keras):
    from keras.src.utils import image_dataset_utils
    return image_dataset_utils._load_image_grain


@pytest.mark.parametrize("seed", [0, 7, 1234])
@pytest.mark.parametrize("split", [None, ("training", 0.3), ("validation", 0.3),
                                   ("training", 0.5), ("validation", 0.2)])
def test_file_order_and_split_equal_keras(tmp_path, keras_dataset_utils, seed, split):
    root = _write_folder(tmp_path / "d", [(5, 5)], classes=("b", "a", "c"), per_class=4)
    os.makedirs(root / "a" / "nested")
    PIL.fromarray(np.zeros((5, 5, 3), "uint8")).save(root / "a" / "nested" / "deep.PNG")
    (root / "a" / "notes.txt").write_text("not an image")
    kw = {} if split is None else dict(validation_split=split[1], subset=split[0])
    ds = utils.image_dataset_from_directory(root, image_size=(5, 5), seed=seed,
                                            verbose=False, **kw)
    paths, labels, names = _keras_order(keras_dataset_utils, root, seed, **kw)
    assert ds.file_paths == paths and ds.class_names == names == ["a", "b", "c"]
    assert len(paths) == {None: 13, "training": 13 - int(13 * (split or (0, 0))[1]),
                          "validation": int(13 * (split or (0, 0))[1])}[(split or [None])[0]]
    # labels travel with their files; one pass yields every file once
    np.testing.assert_array_equal(ds._labels, np.asarray(labels, "int32"))
    ys = np.concatenate([ds[i][1] for i in range(len(ds))])
    assert sorted(ys.tolist()) == sorted(np.asarray(labels).tolist())


def test_hand_checked_order_without_shuffle(tmp_path):
    root = _write_folder(tmp_path / "d", [(3, 3)], classes=("zebra", "ant"), per_class=2)
    ds = utils.image_dataset_from_directory(root, image_size=(3, 3), shuffle=False,
                                            verbose=False, batch_size=3)
    rel = [os.path.relpath(p, root) for p in ds.file_paths]
    assert rel == ["ant/img_0.png", "ant/img_1.png", "zebra/img_0.png", "zebra/img_1.png"]
    assert [y.tolist() for _, y in ds] == [[0, 0, 1], [1]]
    # class_names picks the folders and their label order
    ds = utils.image_dataset_from_directory(root, image_size=(3, 3), shuffle=False,
                                            class_names=["zebra", "ant"], verbose=False)
    assert ds.class_names == ["zebra", "ant"]
    assert ds[0][1].tolist() == [0, 0, 1, 1]
    # a shuffled split: numpy's RandomState(seed) permutes paths and labels alike
    ds = utils.image_dataset_from_directory(root, image_size=(3, 3), seed=5, verbose=False)
    expected = [os.path.join(str(root), r) for r in rel]
    np.random.RandomState(5).shuffle(expected)
    assert ds.file_paths == expected


SLOW = pytest.mark.slow  # each new image shape compiles Keras's resize once


@pytest.mark.parametrize("kw", [
    dict(image_size=(6, 6)),
    pytest.param(dict(image_size=(4, 9), interpolation="nearest"), marks=SLOW),
    pytest.param(dict(image_size=(5, 5), interpolation="bicubic", crop_to_aspect_ratio=True),
                 marks=SLOW),
    pytest.param(dict(image_size=(4, 8), crop_to_aspect_ratio=True), marks=SLOW),
    pytest.param(dict(image_size=(4, 8), pad_to_aspect_ratio=True), marks=SLOW),
    pytest.param(dict(image_size=(8, 3), pad_to_aspect_ratio=True, interpolation="lanczos3"),
                 marks=SLOW),
    pytest.param(dict(image_size=(5, 6), data_format="channels_first"), marks=SLOW),
    dict(image_size=(5, 6), data_format="channels_first", pad_to_aspect_ratio=True),
    pytest.param(dict(image_size=(5, 6), color_mode="grayscale"), marks=SLOW),
    pytest.param(dict(image_size=(5, 6), color_mode="rgba", crop_to_aspect_ratio=True),
                 marks=SLOW),
    pytest.param(dict(image_size=(5, 6), interpolation="lanczos5"), marks=SLOW),
])
def test_images_equal_keras_loader(tmp_path, keras_load_image, kw):
    root = _write_folder(tmp_path / "d", [(7, 10), (12, 5), (9, 9)], per_class=3)
    ds = utils.image_dataset_from_directory(root, batch_size=None, shuffle=False,
                                            verbose=False, **kw)
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[kw.get("color_mode", "rgb")]
    fmt = kw.get("data_format", "channels_last")
    worst = 0.0
    for i, path in enumerate(ds.file_paths):
        x, y = ds[i]
        expected = np.asarray(keras_load_image(
            path, kw["image_size"], channels, kw.get("interpolation", "bilinear"), fmt,
            kw.get("crop_to_aspect_ratio", False), kw.get("pad_to_aspect_ratio", False)))
        assert x.shape == expected.shape and x.dtype == np.float32
        worst = max(worst, float(np.max(np.abs(x - expected))))
    assert worst <= 255 * 2e-6, worst  # pixel values are 0..255: float32 rounding only


@pytest.mark.parametrize("label_mode", ["int", "categorical", "binary", None])
def test_label_modes(tmp_path, label_mode):
    root = _write_folder(tmp_path / "d", [(4, 4)], per_class=3)
    ds = utils.image_dataset_from_directory(root, image_size=(4, 4), label_mode=label_mode,
                                            shuffle=False, verbose=False, batch_size=4)
    first = ds[0]
    if label_mode is None:
        assert isinstance(first, np.ndarray) and first.shape == (4, 4, 4, 3)
        return
    y = first[1]
    expected = {"int": (np.array([0, 0, 0, 1], "int32"), "int32"),
                "categorical": (np.array([[1, 0], [1, 0], [1, 0], [0, 1]], "float32"), "float32"),
                "binary": (np.array([[0], [0], [0], [1]], "float32"), "float32")}[label_mode]
    assert y.dtype == expected[1]
    np.testing.assert_array_equal(y, expected[0])


def test_explicit_labels_and_no_labels(tmp_path, keras_dataset_utils):
    root = _write_folder(tmp_path / "d", [(4, 4)], per_class=2)
    labels = [3, 1, 0, 2]
    ds = utils.image_dataset_from_directory(root, labels=labels, image_size=(4, 4), seed=9,
                                            verbose=False, shuffle=True)
    assert labels == [3, 1, 0, 2]  # not shuffled in place (Keras's index_directory does)
    paths, labs, names = _keras_order(keras_dataset_utils, root, 9, labels=list(labels))
    assert ds.file_paths == paths and ds.class_names == names == ["0", "1", "2", "3"]
    np.testing.assert_array_equal(ds._labels, np.asarray(labs, "int32"))
    ds = utils.image_dataset_from_directory(root, labels=None, image_size=(4, 4),
                                            verbose=False)
    assert ds.class_names is None and ds[0].shape == (4, 4, 4, 3)


def test_unbatched_same_size_native_and_verbose(tmp_path, capsys):
    root = _write_folder(tmp_path / "d", [(3, 5)], per_class=2)
    ds = utils.image_dataset_from_directory(root, image_size=None, batch_size=None, seed=1,
                                            validation_split=0.25, subset="training")
    out = capsys.readouterr().out
    assert "Found 4 files belonging to 2 classes." in out and "Using 3 files for training." in out
    assert len(ds) == 3
    x, y = ds[0]
    assert x.shape == (3, 5, 3) and y.shape == () and y.dtype == np.int32
    assert len(list(ds)) == 3
    utils.image_dataset_from_directory(root, image_size=None, seed=1, verbose=False,
                                       validation_split=0.25, subset="validation")
    assert capsys.readouterr().out == ""


def test_follow_links(tmp_path, keras_dataset_utils):
    real = _write_folder(tmp_path / "real", [(4, 4)], classes=("x",), per_class=2)
    root = tmp_path / "d"
    os.makedirs(root / "a")
    PIL.fromarray(np.zeros((4, 4, 3), "uint8")).save(root / "a" / "own.png")
    os.symlink(real / "x", root / "a" / "linked")
    kw = dict(image_size=(4, 4), verbose=False, shuffle=False)
    assert len(utils.image_dataset_from_directory(root, **kw).file_paths) == 1
    linked = utils.image_dataset_from_directory(root, follow_links=True, **kw)
    assert linked.file_paths == keras_dataset_utils.index_directory(
        str(root), "inferred", (".png",), shuffle=False, follow_links=True, verbose=False)[0]
    # Keras walks the folders sorted by path: "a" before "a/linked"
    assert [os.path.relpath(p, root) for p in linked.file_paths] == \
        ["a/own.png", "a/linked/img_0.png", "a/linked/img_1.png"]


def test_formats_and_reading_one_batch_at_a_time(tmp_path, keras_load_image, monkeypatch):
    root = tmp_path / "d"
    os.makedirs(root / "a")
    rng = np.random.default_rng(3)
    for i, ext in enumerate(("jpg", "jpeg", "bmp", "gif", "png", "tiff")):
        pixels = rng.integers(0, 256, size=(5, 6, 3)).astype("uint8")
        PIL.fromarray(pixels).save(root / "a" / f"{i}.{ext}")
    ds = utils.image_dataset_from_directory(root, image_size=(5, 6), batch_size=2,
                                            shuffle=False, verbose=False)
    assert [p.rsplit(".", 1)[1] for p in ds.file_paths] == ["jpg", "jpeg", "bmp", "gif", "png"]
    batches = [ds[i][0] for i in range(len(ds))]
    for path, image in zip(ds.file_paths, np.concatenate(batches)):
        expected = keras_load_image(path, (5, 6), 3, "bilinear", "channels_last")
        np.testing.assert_allclose(image, np.asarray(expected), atol=255 * 2e-6)
    # files are read when their batch is asked for, not when the dataset is made
    opened = []
    real = utils.image_utils.open_image
    monkeypatch.setattr(utils.image_utils, "open_image",
                        lambda path, mode: opened.append(path) or real(path, mode))
    ds = utils.image_dataset_from_directory(root, image_size=(5, 6), batch_size=2,
                                            shuffle=False, verbose=False)
    assert opened == []
    ds[1]
    assert opened == ds.file_paths[2:4]


def test_each_pass_reshuffles_from_the_seed(tmp_path):
    root = _write_folder(tmp_path / "d", [(2, 2)], per_class=6)
    make = lambda: utils.image_dataset_from_directory(  # noqa: E731
        root, image_size=(2, 2), batch_size=4, seed=3, verbose=False)
    a, b = make(), make()
    first = [y.tolist() for _, y in a]
    assert first == [y.tolist() for _, y in b]  # same seed, same passes
    second = [y.tolist() for _, y in a]
    assert sorted(sum(first, [])) == sorted(sum(second, [])) and first != second
    unshuffled = utils.image_dataset_from_directory(root, image_size=(2, 2), shuffle=False,
                                                    verbose=False)
    assert [y.tolist() for _, y in unshuffled] == [y.tolist() for _, y in unshuffled]


def test_fit_streams_the_folder(tmp_path):
    """fit on the dataset equals fit on the same images loaded as arrays."""
    root = _write_folder(tmp_path / "d", [(6, 6), (8, 5)], classes=("a", "b", "c"),
                         per_class=4)
    ds = utils.image_dataset_from_directory(root, image_size=(4, 4), batch_size=5,
                                            shuffle=False, verbose=False)
    x = np.concatenate([b[0] for b in ds]) / 255.0
    y = np.concatenate([b[1] for b in ds])

    def model():
        kerasish.utils.set_random_seed(0)
        m = kerasish.Sequential([kerasish.Input((4, 4, 3)), kerasish.layers.Rescaling(1 / 255),
                                 kerasish.layers.Flatten(), kerasish.layers.Dense(3)])
        m.compile(optimizer=kerasish.optimizers.SGD(0.1), metrics=["accuracy"],
                  loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True))
        return m

    streamed = model().fit(ds, epochs=3, verbose=0).history
    m = model()
    m.layers[0].scale = 1.0
    arrays = m.fit(x, y, batch_size=5, epochs=3, verbose=0, shuffle=False).history
    np.testing.assert_allclose(streamed["loss"], arrays["loss"], rtol=1e-5)
    train, val = utils.image_dataset_from_directory(
        root, image_size=(4, 4), batch_size=4, seed=2, validation_split=0.25, subset="both",
        verbose=False)
    assert len(train.file_paths) == 9 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    history = m.fit(train, validation_data=val, epochs=2, verbose=0).history
    assert len(history["val_loss"]) == 2 and np.isfinite(history["val_loss"]).all()
    assert m.predict(utils.image_dataset_from_directory(
        root, image_size=(4, 4), labels=None, verbose=False), verbose=0).shape == (12, 3)


# ------------------------------------------------------------------ bad input


def test_bad_folders_say_what_is_wrong(tmp_path):
    empty = tmp_path / "empty"
    os.makedirs(empty / "a")
    with pytest.raises(ValueError, match="No images found in directory"):
        utils.image_dataset_from_directory(empty, verbose=False)
    with pytest.raises(ValueError, match="must be an existing folder"):
        utils.image_dataset_from_directory(tmp_path / "missing")
    broken = _write_folder(tmp_path / "broken", [(4, 4)], per_class=1)
    (broken / "cat" / "bad.png").write_bytes(b"this is not a png")
    ds = utils.image_dataset_from_directory(broken, image_size=(4, 4), shuffle=False,
                                            verbose=False)
    with pytest.raises(ValueError, match=r"Could not read the image file .*bad\.png"):
        ds[0]
    mixed = _write_folder(tmp_path / "mixed", [(4, 4), (5, 4)], per_class=1)
    with pytest.raises(ValueError, match=r"same size.*image_size=\(height, width\)"):
        utils.image_dataset_from_directory(mixed, image_size=None, verbose=False)


@pytest.mark.parametrize("kw,match", [
    (dict(validation_split=1.5, subset="training", seed=1), "between 0 and 1"),
    (dict(validation_split=0.2), "If `subset` is set, `validation_split` must be set"),
    (dict(subset="training"), "If `subset` is set, `validation_split` must be set"),
    (dict(validation_split=0.2, subset="test", seed=1), '`subset` must be either'),
    (dict(validation_split=0.2, subset="training"), "you must provide a `seed`"),
    (dict(validation_split=0.1, subset="training", seed=1), "leaves no file for validation"),
    (dict(label_mode="binary", class_names=["a", "b", "c"]), "exactly 2"),
    (dict(label_mode="sparse"), "`label_mode` argument must be one of"),
    (dict(labels="folders"), "should be a list/tuple of integer labels"),
    (dict(labels=[0, 1], class_names=["a"]), "only pass `class_names`"),
    (dict(labels=[0, 1]), "lengths of `labels` to match"),
    (dict(labels=[0, 5, 0, 5, 0, 5], label_mode="categorical"), r"class indices in \[0, 2\)"),
    (dict(class_names=["a", "zz"]), "did not match the names of the subdirectories"),
    (dict(color_mode="cmyk"), "`color_mode` must be one of"),
    (dict(image_size=(1, 2, 3)), "Expected a tuple of 2 integers"),
    (dict(interpolation="area"), "TensorFlow resize method"),
    (dict(interpolation="cubic"), "should be one of"),
    (dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "Only one of"),
    (dict(format="torch"), '`format` should be either "tf" or "grain"'),
    (dict(data_format="NHWC"), "data_format"),
])
def test_bad_arguments(tmp_path, kw, match):
    root = _write_folder(tmp_path / "d", [(4, 4)], classes=("a", "b", "c"), per_class=2)
    with pytest.raises(ValueError, match=match):
        utils.image_dataset_from_directory(root, verbose=False, **kw)
