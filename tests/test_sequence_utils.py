"""Sequences and text: ``pad_sequences`` against Keras 3's (which needs no TensorFlow),
``timeseries_dataset_from_array`` against hand-computed windows and Keras's documented
semantics, ``text_dataset_from_directory`` against Keras's indexing code, and
``split_dataset`` against Keras's size rules and shuffle."""

import os
import random

import numpy as np
import pytest

import kerasish
from kerasish import utils

# ------------------------------------------------------------------ pad_sequences

SEQUENCES = [[1, 2, 3, 4, 5], [6], [], [7, 8, 9]]


@pytest.mark.parametrize("maxlen", [None, 0, 2, 4, 7])
@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_pad_sequences_equals_keras(keras, maxlen, padding, truncating):
    kw = dict(maxlen=maxlen, padding=padding, truncating=truncating)
    if maxlen == 0:  # Keras fails on maxlen=0 (s[-0:] is the whole sequence)
        out = utils.pad_sequences(SEQUENCES, **kw)
        assert out.shape == (4, 0) and out.dtype == np.int32
        return
    ours, theirs = utils.pad_sequences(SEQUENCES, **kw), keras.utils.pad_sequences(SEQUENCES, **kw)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("kw", [
    dict(dtype="float32", value=-1.5),
    dict(dtype="float64", value=np.nan, padding="post"),
    dict(dtype=object, value="<pad>"),
    dict(dtype="<U5", value="x", maxlen=3),
    dict(dtype="int64", value=9, maxlen=2, truncating="post"),
])
def test_pad_sequences_dtypes_and_values_equal_keras(keras, kw):
    seqs = [["a", "b"], ["c"]] if kw["dtype"] in (object, "<U5") else SEQUENCES
    ours, theirs = utils.pad_sequences(seqs, **kw), keras.utils.pad_sequences(seqs, **kw)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_pad_sequences_of_vectors_and_arrays_equal_keras(keras, rng):
    seqs = [rng.normal(size=(n, 3)).astype("float32") for n in (4, 1, 6)]
    for kw in (dict(dtype="float32"), dict(dtype="float32", maxlen=3, padding="post")):
        np.testing.assert_array_equal(utils.pad_sequences(seqs, **kw),
                                      keras.utils.pad_sequences(seqs, **kw))
    assert kerasish.preprocessing.sequence.pad_sequences is utils.pad_sequences


@pytest.mark.parametrize("call,match", [
    (lambda: utils.pad_sequences(5), "must be iterable"),
    (lambda: utils.pad_sequences([[1], 2]), "list of iterables"),
    (lambda: utils.pad_sequences([[1]], padding="middle"), 'Padding type "middle"'),
    (lambda: utils.pad_sequences([[1]], truncating="middle"), 'Truncating type "middle"'),
    (lambda: utils.pad_sequences([["a"]], value="x"), "not compatible with `value`"),
    (lambda: utils.pad_sequences([[[1, 2]], [[1, 2, 3]]], dtype="int32"), "different from expected"),
    (lambda: utils.pad_sequences([[1]], maxlen=-1), "`maxlen` must be None"),
])
def test_pad_sequences_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------ timeseries


def _hand_windows(n, length, stride, rate, start, end, with_targets=True):
    """Keras's documented semantics, written out with plain loops."""
    data = np.arange(n) * 10
    targets = np.arange(n) + 1000
    end = n if end is None else end
    start = start or 0
    xs, ys = [], []
    s = 0
    while start + s + (length - 1) * rate < end and (not with_targets or s < n):
        xs.append([data[start + s + k * rate] for k in range(length)])
        ys.append(targets[start + s])
        s += stride
    return data, targets, np.array(xs), np.array(ys)


@pytest.mark.parametrize("length,stride,rate,start,end,batch", [
    (3, 1, 1, None, None, 4), (4, 2, 1, None, None, 3), (2, 1, 3, None, None, 5),
    (3, 3, 2, 2, 18, 2), (1, 1, 1, 5, 9, None), (5, 4, 2, None, 19, 100)])
def test_timeseries_windows_equal_hand_computed(length, stride, rate, start, end, batch):
    data, targets, xs, ys = _hand_windows(20, length, stride, rate, start, end)
    ds = utils.timeseries_dataset_from_array(
        data, targets, sequence_length=length, sequence_stride=stride, sampling_rate=rate,
        batch_size=batch, start_index=start, end_index=end)
    got = list(ds)
    if batch is None:
        np.testing.assert_array_equal(np.stack([x for x, _ in got]), xs)
        np.testing.assert_array_equal(np.array([y for _, y in got]), ys)
        assert len(ds) == len(xs)
    else:
        assert [len(y) for _, y in got] == [min(batch, len(xs) - i) for i in range(0, len(xs), batch)]
        np.testing.assert_array_equal(np.concatenate([x for x, _ in got]), xs)
        np.testing.assert_array_equal(np.concatenate([y for _, y in got]), ys)


def test_timeseries_the_documented_example():
    """Keras's docstring example 1: windows of 10 steps sampled every 2, target = the
    value 10 steps ahead of each window's first sample."""
    steps = 20
    data = np.arange(100)
    ds = utils.timeseries_dataset_from_array(data[:-steps], data[steps:], sequence_length=10,
                                             sampling_rate=2, batch_size=4)
    x, y = ds[0]
    assert x[0].tolist() == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18] and y[0] == 20
    assert x[1].tolist() == [1, 3, 5, 7, 9, 11, 13, 15, 17, 19] and y[1] == 21
    # without targets: only windows; with targets shorter than the data, stop early
    only_x = utils.timeseries_dataset_from_array(data, None, sequence_length=5, batch_size=None)
    assert isinstance(only_x[0], np.ndarray) and len(only_x) == 96


def test_timeseries_shuffle_is_keras_permutation():
    data, targets, xs, ys = _hand_windows(30, 4, 2, 1, None, None)
    ds = utils.timeseries_dataset_from_array(data, targets, sequence_length=4,
                                             sequence_stride=2, batch_size=5, shuffle=True,
                                             seed=11)
    order = np.arange(len(xs))
    np.random.RandomState(11).shuffle(order)  # Keras shuffles the window starts so
    first = [b for b in ds]
    np.testing.assert_array_equal(np.concatenate([x for x, _ in first]), xs[order])
    np.testing.assert_array_equal(np.concatenate([y for _, y in first]), ys[order])
    second = np.concatenate([y for _, y in ds])
    assert sorted(second.tolist()) == sorted(ys.tolist()) and not np.array_equal(second, ys[order])


@pytest.mark.parametrize("kw,match", [
    (dict(start_index=-1), "`start_index` must be 0 or greater"),
    (dict(start_index=20), "`start_index` must be lower than the length"),
    (dict(start_index=5, end_index=5), "`end_index` must be higher than `start_index`"),
    (dict(end_index=20), "`end_index` must be lower than the length"),
    (dict(end_index=-3), "`end_index` must be higher than 0"),
    (dict(sampling_rate=0), "`sampling_rate` must be higher than 0"),
    (dict(sampling_rate=20), "`sampling_rate` must be lower than the length"),
    (dict(sequence_stride=0), "`sequence_stride` must be higher than 0"),
    (dict(sequence_stride=25), "`sequence_stride` must be lower than the length"),
    (dict(sequence_length=30), "No window fits"),
    (dict(sequence_length=0), "`sequence_length` must be a positive integer"),
    (dict(batch_size=0), "`batch_size` must be a positive integer"),
    (dict(format="numpy"), '`format` should be either "tf" or "grain"'),
])
def test_timeseries_errors_match_keras(keras, kw, match):
    args = dict(sequence_length=3)
    args.update(kw)
    data = np.arange(20)
    with pytest.raises(ValueError, match=match):
        utils.timeseries_dataset_from_array(data, None, **args)
    keras_checks = ("start_index", "end_index", "sampling_rate", "sequence_stride", "format")
    if any(k in kw for k in keras_checks) and "sequence_length" not in kw:
        with pytest.raises(ValueError, match=match):  # Keras checks these before TF
            keras.utils.timeseries_dataset_from_array(data, None, **args)
    short = utils.timeseries_dataset_from_array(data, data[:5] * 10, sequence_length=3,
                                                batch_size=None)
    assert len(short) == 5 and [int(y) for _, y in short] == [0, 10, 20, 30, 40]


def test_timeseries_trains_like_the_same_windows_as_arrays():
    rng = np.random.default_rng(0)
    series = rng.normal(size=(40, 2)).astype("float32")
    target = series[:, 0].copy()
    ds = utils.timeseries_dataset_from_array(series, target, sequence_length=5, batch_size=8)
    x = np.concatenate([b[0] for b in ds])
    y = np.concatenate([b[1] for b in ds])

    def model():
        kerasish.utils.set_random_seed(1)
        m = kerasish.Sequential([kerasish.Input((5, 2)), kerasish.layers.Flatten(),
                                 kerasish.layers.Dense(1)])
        m.compile(loss="mse", optimizer=kerasish.optimizers.SGD(0.05))
        return m

    streamed = model().fit(ds, epochs=3, verbose=0).history["loss"]
    arrays = model().fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False).history["loss"]
    np.testing.assert_allclose(streamed, arrays, rtol=1e-5)
    assert kerasish.preprocessing.timeseries_dataset_from_array is \
        utils.timeseries_dataset_from_array


# ------------------------------------------------------------------ text folders


@pytest.fixture
def text_root(tmp_path):
    root = tmp_path / "reviews"
    texts = {"pos": ["great fun", "loved it", "wonderful acting"],
             "neg": ["dull", "too long by far"], "meh": ["fine I guess"]}
    for cls, items in texts.items():
        os.makedirs(root / cls)
        for i, text in enumerate(items):
            (root / cls / f"r{i}.txt").write_text(text)
    (root / "pos" / "cover.jpg").write_bytes(b"not text")
    return root


@pytest.mark.parametrize("seed", [0, 42])
@pytest.mark.parametrize("split", [None, ("training", 0.4), ("validation", 0.4)])
def test_text_files_and_labels_equal_keras(keras, text_root, seed, split):
    from keras.src.utils import dataset_utils
    kw = {} if split is None else dict(validation_split=split[1], subset=split[0])
    ds = utils.text_dataset_from_directory(text_root, seed=seed, verbose=False, **kw)
    paths, labels, names = dataset_utils.index_directory(
        str(text_root), "inferred", formats=(".txt",), shuffle=True, seed=seed, verbose=False)
    if split:
        paths, labels = dataset_utils.get_training_or_validation_split(
            paths, labels, split[1], split[0])
    assert ds.file_paths == paths and ds.class_names == names == ["meh", "neg", "pos"]
    texts, ys = ds[0]
    by_path = {p: open(p).read() for p in paths}
    pairs = sorted(zip(texts.tolist(), ys.tolist()))
    assert pairs == sorted((by_path[p], int(label)) for p, label in zip(paths, labels))


def test_text_max_length_modes_and_unbatched(text_root):
    ds = utils.text_dataset_from_directory(text_root, shuffle=False, max_length=4,
                                           label_mode="categorical", batch_size=None,
                                           verbose=False)
    text, y = ds[0]
    assert text == "fine" and y.tolist() == [1.0, 0.0, 0.0]
    assert [t for t, _ in ds] == ["fine", "dull", "too ", "grea", "love", "wond"]
    unlabelled = utils.text_dataset_from_directory(text_root, labels=None, shuffle=False,
                                                   verbose=False)
    assert unlabelled[0].tolist()[:2] == ["fine I guess", "dull"]
    train, val = utils.text_dataset_from_directory(
        text_root, validation_split=0.5, subset="both", seed=3, verbose=False,
        class_names=["neg", "pos"], label_mode="binary")
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    assert train[0][1].shape == (3, 1) and train[0][1].dtype == np.float32


def test_text_follow_links_and_verbose(keras, text_root, tmp_path, capsys):
    from keras.src.utils import dataset_utils
    extra = tmp_path / "extra"
    os.makedirs(extra)
    (extra / "z.txt").write_text("linked review")
    os.symlink(extra, text_root / "pos" / "more")
    plain = utils.text_dataset_from_directory(text_root, shuffle=False)
    assert capsys.readouterr().out == "Found 6 files belonging to 3 classes.\n"
    linked = utils.text_dataset_from_directory(text_root, shuffle=False, follow_links=True,
                                               verbose=False)
    assert capsys.readouterr().out == ""
    assert len(plain.file_paths) == 6 and len(linked.file_paths) == 7
    assert linked.file_paths == dataset_utils.index_directory(
        str(text_root), "inferred", (".txt",), shuffle=False, follow_links=True,
        verbose=False)[0]
    assert "linked review" in linked[0][0].tolist()


@pytest.mark.parametrize("kw,match", [
    (dict(max_length=-1), "`max_length` must be None"),
    (dict(label_mode="binary"), "exactly 2"),
    (dict(validation_split=0.3), "If `subset` is set"),
    (dict(format="torch"), '`format` should be either'),
    (dict(labels="yes"), "should be a list/tuple of integer labels"),
])
def test_text_errors(text_root, kw, match):
    with pytest.raises(ValueError, match=match):
        utils.text_dataset_from_directory(text_root, verbose=False, **kw)
    empty = text_root.parent / "empty"
    os.makedirs(empty / "a", exist_ok=True)
    with pytest.raises(ValueError, match="No text files found"):
        utils.text_dataset_from_directory(empty, verbose=False)


# ------------------------------------------------------------------ split_dataset


@pytest.mark.parametrize("left,right", [(0.8, None), (None, 0.25), (3, None), (None, 4),
                                        (0.5, 0.3), (2, 5), (0.35, None)])
def test_split_sizes_equal_keras(keras, left, right):
    from keras.src.utils.dataset_utils import _rescale_dataset_split_sizes
    expected = _rescale_dataset_split_sizes(left, right, 10)
    a, b = utils.split_dataset(np.arange(10), left_size=left, right_size=right)
    assert (len(a), len(b)) == expected
    assert a.tolist() == list(range(expected[0]))
    assert b.tolist() == list(range(10 - expected[1], 10))


def test_split_shuffle_is_keras_python_random_order():
    x, y = np.arange(12) * 2, np.arange(12)
    (xa, ya), (xb, yb) = utils.split_dataset((x, y), left_size=0.75, shuffle=True, seed=5)
    order = list(range(12))
    random.seed(5)
    random.shuffle(order)  # what Keras does to its list of samples
    assert ya.tolist() == order[:9] and yb.tolist() == order[9:]
    np.testing.assert_array_equal(xa, 2 * ya)
    parts = utils.split_dataset({"a": x, "b": [[v] for v in y]}, right_size=2)
    assert parts[0]["a"].shape == (10,) and parts[1]["b"].tolist() == [[10], [11]]
    assert isinstance(utils.split_dataset([x, y], left_size=1)[0], list)


@pytest.mark.parametrize("kw,err,match", [
    (dict(), ValueError, "At least one of the `left_size` or `right_size`"),
    (dict(left_size=0, right_size=0), ValueError, "Both `left_size` and `right_size` are zero"),
    (dict(left_size=1.5), ValueError, "`left_size` should be either a positive integer"),
    (dict(right_size=10), ValueError, "`right_size` should be either a positive integer"),
    (dict(left_size=0.7, right_size=0.6), ValueError, "greater than 1"),
    (dict(left_size=6, right_size=6), ValueError, "should be smaller than the 10"),
    (dict(left_size=0.01), ValueError, "split will be empty"),
    (dict(left_size="half"), TypeError, "Invalid `left_size` Type"),
    (dict(left_size=0.5, preferred_backend="torch"), ValueError, "preferred_backend"),
])
def test_split_errors_match_keras(keras, kw, err, match):
    with pytest.raises(err, match=match):
        utils.split_dataset(np.arange(10), **kw)
    if "preferred_backend" not in kw and kw:
        from keras.src.utils.dataset_utils import _rescale_dataset_split_sizes
        with pytest.raises(err, match=match):
            _rescale_dataset_split_sizes(kw.get("left_size"), kw.get("right_size"), 10)
    with pytest.raises(ValueError, match="same first dimension"):
        utils.split_dataset((np.arange(3), np.arange(4)), left_size=1)
    with pytest.raises(TypeError, match="must be an array"):
        utils.split_dataset(object(), left_size=1)


# ------------------------------------------------------------------ audio folders


def _write_wav(path, samples, channels=1, width=2, rate=8000):
    import wave
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        dtype = {1: "u1", 2: "<i2", 4: "<i4"}[width]
        f.writeframes(np.asarray(samples, dtype).tobytes())


@pytest.fixture
def audio_root(tmp_path):
    root = tmp_path / "sounds"
    lengths = {"bark": [4, 7], "meow": [5], "tweet": [3, 6]}
    k = 0
    for cls, ns in lengths.items():
        os.makedirs(root / cls)
        for i, n in enumerate(ns):
            k += 1
            _write_wav(root / cls / f"s{i}.wav", (np.arange(2 * n) * 1000 * k - 30000)
                       .clip(-32768, 32767).reshape(n, 2), channels=2)
    return root


def test_audio_decoding_padding_and_order(keras, audio_root):
    from keras.src.utils import dataset_utils
    ds = utils.audio_dataset_from_directory(audio_root, batch_size=3, seed=4, verbose=False)
    paths, labels, names = dataset_utils.index_directory(
        str(audio_root), "inferred", formats=(".wav",), shuffle=True, seed=4, verbose=False)
    assert ds.file_paths == paths and ds.class_names == names == ["bark", "meow", "tweet"]
    np.testing.assert_array_equal(ds._labels, np.asarray(labels, "int32"))
    for x, y in ds:
        assert x.dtype == np.float32 and x.ndim == 3 and x.shape[2] == 2
    # by hand: int16 / 32768, zero-padded to the longest waveform of the batch
    plain = utils.audio_dataset_from_directory(audio_root, shuffle=False, batch_size=2,
                                               verbose=False)
    x, y = plain[0]
    first = (np.arange(8) * 1000 - 30000).reshape(4, 2) / 32768.0
    assert x.shape == (2, 7, 2) and y.tolist() == [0, 0]
    np.testing.assert_array_equal(x[0, :4], first.astype("float32"))
    assert not x[0, 4:].any()
    fixed = utils.audio_dataset_from_directory(audio_root, shuffle=False, batch_size=None,
                                               output_sequence_length=5, verbose=False,
                                               label_mode="categorical")
    shapes = [w.shape for w, _ in fixed]
    assert shapes == [(5, 2)] * 5 and fixed[0][1].tolist() == [1.0, 0.0, 0.0]
    np.testing.assert_array_equal(fixed[1][0], plain[0][0][1, :5])  # cut to 5 samples
    train, val = utils.audio_dataset_from_directory(
        audio_root, validation_split=0.4, subset="both", seed=1, verbose=False,
        labels=None, follow_links=True, class_names=None)
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2 and val[0].ndim == 3


def test_audio_class_names_follow_links_and_verbose(audio_root, tmp_path, capsys):
    ds = utils.audio_dataset_from_directory(audio_root, class_names=["tweet", "bark"],
                                            shuffle=False)
    assert capsys.readouterr().out == "Found 4 files belonging to 2 classes.\n"
    assert ds.class_names == ["tweet", "bark"] and ds[0][1].tolist() == [0, 0, 1, 1]
    extra = tmp_path / "extra"
    os.makedirs(extra)
    _write_wav(extra / "z.wav", np.zeros((2, 1)))
    os.symlink(extra, audio_root / "meow" / "more")
    kw = dict(shuffle=False, verbose=False)
    assert len(utils.audio_dataset_from_directory(audio_root, **kw).file_paths) == 5
    linked = utils.audio_dataset_from_directory(audio_root, follow_links=True, **kw)
    assert len(linked.file_paths) == 6 and capsys.readouterr().out == ""


def test_audio_trains_a_model(audio_root):
    ds = utils.audio_dataset_from_directory(audio_root, output_sequence_length=6,
                                            batch_size=2, seed=0, verbose=False)
    model = kerasish.Sequential([kerasish.Input((6, 2)), kerasish.layers.Flatten(),
                                 kerasish.layers.Dense(3)])
    model.compile(loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam")
    history = model.fit(ds, epochs=2, verbose=0).history
    assert len(history["loss"]) == 2 and np.isfinite(history["loss"]).all()


@pytest.mark.parametrize("kw,match", [
    (dict(ragged=True), "`ragged=True`"),
    (dict(ragged=True, output_sequence_length=4), "Cannot set both `ragged`"),
    (dict(sampling_rate=16000), "only `sampling_rate=None`"),
    (dict(sampling_rate=1.5), "`sampling_rate` should have an integer value"),
    (dict(sampling_rate=0), "`sampling_rate` should be higher than 0"),
    (dict(output_sequence_length=0), "`output_sequence_length` must be None"),
    (dict(label_mode="binary"), "exactly 2"),
    (dict(validation_split=0.5), "If `subset` is set"),
])
def test_audio_errors(audio_root, kw, match):
    with pytest.raises(ValueError, match=match):
        utils.audio_dataset_from_directory(audio_root, verbose=False, **kw)


def test_audio_unreadable_files(tmp_path):
    root = tmp_path / "bad"
    os.makedirs(root / "a")
    (root / "a" / "noise.wav").write_bytes(b"RIFF0000garbage")
    ds = utils.audio_dataset_from_directory(root, verbose=False)
    with pytest.raises(ValueError, match=r"Could not read the WAV file .*noise\.wav"):
        ds[0]
    _write_wav(root / "a" / "noise.wav", np.arange(4), width=1)
    with pytest.raises(ValueError, match="8-bit samples.*16-bit PCM"):
        ds[0]
    os.makedirs(tmp_path / "empty" / "a")
    with pytest.raises(ValueError, match="No audio files found"):
        utils.audio_dataset_from_directory(tmp_path / "empty", verbose=False)
