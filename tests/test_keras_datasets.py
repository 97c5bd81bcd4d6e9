"""`kerasish.datasets.<name>.load_data()` for Keras's downloaded datasets, from tiny files
of the real formats served on 127.0.0.1: shapes, dtypes, splits, options (hand-computed
expectations), the cache folder Keras uses, and Keras 3's own loaders, run on the same
files, as the oracle."""

import collections
import gzip
import hashlib
import http.server
import io
import json
import os
import pickle
import struct
import tarfile
import threading

import numpy as np
import pytest

from kerasish import datasets
from kerasish.datasets import (boston_housing, california_housing, cifar10, cifar100,
                               fashion_mnist, imdb, mnist, reuters)
from kerasish.utils import file_utils


# -- a local server and the cache folder ---------------------------------------------------

class Server:
    def __init__(self):
        self.files, self.requests = {}, collections.Counter()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests[self.path] += 1
                body = outer.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"


@pytest.fixture
def server(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(file_utils, "_BACKOFF_S", 0.0)
    monkeypatch.setattr(file_utils, "_FALLBACK_ROOT", str(tmp_path / "fallback"))
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def serve(server, monkeypatch, module, data, origin="ORIGIN", hash_name="FILE_HASH"):
    """Point `module`'s origin at the local server, serving `data` with its sha256."""
    path = "/tf-keras-datasets/" + os.path.basename(getattr(module, origin))
    server.files[path] = data
    monkeypatch.setattr(module, origin, server.url(path))
    if hash_name:
        monkeypatch.setattr(module, hash_name, hashlib.sha256(data).hexdigest())
    return path


def cache(tmp_path, *parts):
    return os.path.join(tmp_path, "keras_home", "datasets", *parts)


# -- tiny files of the real formats ----------------------------------------------------------

def npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def ragged(*sequences):
    out = np.empty(len(sequences), dtype=object)
    out[:] = [list(s) for s in sequences]
    return out


class Py2Pickler(pickle._Pickler):
    """Writes str and bytes as Python 2 strings, as cPickle did for the CIFAR batches."""
    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_string(self, obj):
        obj = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)

    dispatch[bytes] = save_py2_string
    dispatch[str] = save_py2_string


def py2_pickle(obj):
    buf = io.BytesIO()
    Py2Pickler(buf, protocol=2).dump(obj)
    # numpy 1 named its core module numpy.core, as in the real files.
    return buf.getvalue().replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")


def targz(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def idx(array):
    """A gzip-compressed IDX file: magic 0x0000080<ndim>, big-endian sizes, uint8 data."""
    header = struct.pack(">I", 0x0800 + array.ndim) + b"".join(
        struct.pack(">I", n) for n in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def images(n, shape, seed):
    return np.random.default_rng(seed).integers(0, 256, (n, *shape), dtype=np.uint8)


def cifar_batch(x, labels, label_keys=("labels",)):
    d = {b"batch_label": b"batch", b"data": x.reshape(len(x), -1),
         b"filenames": [b"img_%d.png" % i for i in range(len(x))]}
    for key in label_keys:
        d[key.encode()] = [int(v) for v in labels[key]] if isinstance(labels, dict) else \
            [int(v) for v in labels]
    return py2_pickle(d)


# -- image datasets ------------------------------------------------------------------------

def test_mnist(server, monkeypatch, tmp_path):
    xtr, xte = images(5, (28, 28), 0), images(3, (28, 28), 1)
    ytr, yte = np.array([0, 1, 2, 3, 9], np.uint8), np.array([4, 5, 6], np.uint8)
    path = serve(server, monkeypatch, mnist, npz(x_train=xtr, y_train=ytr, x_test=xte, y_test=yte))
    (a, b), (c, d) = mnist.load_data()
    for got, want in ((a, xtr), (b, ytr), (c, xte), (d, yte)):
        assert got.dtype == np.uint8 and np.array_equal(got, want)
    assert os.path.isfile(cache(tmp_path, "mnist.npz"))
    mnist.load_data()  # from the cache
    assert server.requests[path] == 1


def test_a_file_keras_downloaded_is_reused_without_a_request(server, monkeypatch, tmp_path):
    data = npz(x_train=images(2, (28, 28), 0), y_train=np.zeros(2, np.uint8),
               x_test=images(1, (28, 28), 1), y_test=np.zeros(1, np.uint8))
    os.makedirs(cache(tmp_path))
    with open(cache(tmp_path, "mnist.npz"), "wb") as f:
        f.write(data)
    monkeypatch.setattr(mnist, "FILE_HASH", hashlib.sha256(data).hexdigest())
    monkeypatch.setattr(mnist, "ORIGIN", server.url("/mnist.npz"))
    (x, _), _ = mnist.load_data()
    assert x.shape == (2, 28, 28) and sum(server.requests.values()) == 0


def test_load_data_checks_keras_hash(server, monkeypatch, tmp_path):
    """With the real FILE_HASH, a file that is not Keras's mnist.npz is refused."""
    assert mnist.FILE_HASH == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
    serve(server, monkeypatch, mnist, npz(x_train=np.zeros(1)), hash_name=None)
    with pytest.raises(ValueError, match="expected sha256: 731c5ac6"):
        mnist.load_data()
    assert not os.path.exists(cache(tmp_path, "mnist.npz"))


def test_fashion_mnist(server, monkeypatch, tmp_path):
    xtr, xte = images(4, (28, 28), 2), images(2, (28, 28), 3)
    ytr, yte = np.array([9, 0, 1, 2], np.uint8), np.array([3, 8], np.uint8)
    for name, arr in zip(fashion_mnist.FILES, (ytr, xtr, yte, xte)):
        server.files["/fm/" + name] = idx(arr)
    monkeypatch.setattr(fashion_mnist, "ORIGIN_FOLDER", server.url("/fm/"))
    (a, b), (c, d) = fashion_mnist.load_data()
    for got, want in ((a, xtr), (b, ytr), (c, xte), (d, yte)):
        assert got.dtype == np.uint8 and got.shape == want.shape and np.array_equal(got, want)
    assert sorted(os.listdir(cache(tmp_path, "fashion-mnist"))) == sorted(fashion_mnist.FILES)


def test_fashion_mnist_corrupt_file(server, monkeypatch):
    for name in fashion_mnist.FILES:
        server.files["/fm/" + name] = gzip.compress(b"\x00\x00\x08\x03" + b"\x00" * 20)
    monkeypatch.setattr(fashion_mnist, "ORIGIN_FOLDER", server.url("/fm/"))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.gz is not a gzip-compressed "
                                         r"IDX file of 1-d uint8 data: expected the magic "
                                         r"number 0x00000801, found 0x00000803"):
        fashion_mnist.load_data()


def cifar10_archive():
    batches = [(images(2, (3, 32, 32), i), np.array([i, 9 - i])) for i in range(6)]
    files = {f"cifar-10-batches-py/data_batch_{i + 1}": cifar_batch(x, y)
             for i, (x, y) in enumerate(batches[:5])}
    files["cifar-10-batches-py/test_batch"] = cifar_batch(*batches[5])
    files["cifar-10-batches-py/batches.meta"] = py2_pickle({b"label_names": [b"airplane"]})
    files["cifar-10-batches-py/readme.html"] = b"<html></html>"
    return targz(files), batches


def test_cifar10(server, monkeypatch, tmp_path):
    data, batches = cifar10_archive()
    serve(server, monkeypatch, cifar10, data)
    (xtr, ytr), (xte, yte) = cifar10.load_data()
    assert xtr.shape == (10, 32, 32, 3) and ytr.shape == (10, 1)
    assert xte.shape == (2, 32, 32, 3) and yte.shape == (2, 1)
    for a in (xtr, ytr, xte, yte):
        assert a.dtype == np.uint8
    # The files store channels first; row 3 is the second image of data_batch_2.
    assert np.array_equal(xtr[3], batches[1][0][1].transpose(1, 2, 0))
    assert ytr[:, 0].tolist() == [0, 9, 1, 8, 2, 7, 3, 6, 4, 5] and yte[:, 0].tolist() == [5, 4]
    # Keras's names: the archive beside the folder it was extracted to.
    assert os.path.isfile(cache(tmp_path, "cifar-10-batches-py-target_archive"))
    assert os.path.isfile(cache(tmp_path, "cifar-10-batches-py-target", "cifar-10-batches-py",
                                "test_batch"))


def cifar100_archive():
    x_train, x_test = images(3, (3, 32, 32), 7), images(2, (3, 32, 32), 8)
    labels = {"fine_labels": [99, 0, 42], "coarse_labels": [19, 0, 7]}
    test_labels = {"fine_labels": [1, 2], "coarse_labels": [3, 4]}
    keys = ("fine_labels", "coarse_labels")
    files = {"cifar-100-python/train": cifar_batch(x_train, labels, keys),
             "cifar-100-python/test": cifar_batch(x_test, test_labels, keys),
             "cifar-100-python/meta": py2_pickle({b"fine_label_names": [b"apple"]})}
    return targz(files), x_train, x_test


@pytest.mark.parametrize("label_mode, train, test", [
    ("fine", [99, 0, 42], [1, 2]), ("coarse", [19, 0, 7], [3, 4])])
def test_cifar100(server, monkeypatch, label_mode, train, test):
    data, x_train, x_test = cifar100_archive()
    serve(server, monkeypatch, cifar100, data)
    (xtr, ytr), (xte, yte) = cifar100.load_data(label_mode)
    assert xtr.dtype == np.uint8 and xtr.shape == (3, 32, 32, 3)
    assert np.array_equal(xte, x_test.transpose(0, 2, 3, 1))
    assert ytr.dtype == np.int64 and ytr.shape == (3, 1) and ytr[:, 0].tolist() == train
    assert yte.shape == (2, 1) and yte[:, 0].tolist() == test


def test_cifar100_label_mode_checked_before_download(server):
    with pytest.raises(ValueError, match=r'`label_mode` must be one of `"fine"`, `"coarse"`. '
                                         r"Received: label_mode=fin."):
        cifar100.load_data("fin")
    assert sum(server.requests.values()) == 0


def test_a_pickle_that_would_run_code_is_refused(server, monkeypatch):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo owned",))

    files = {f"cifar-10-batches-py/data_batch_{i}": pickle.dumps({b"data": Evil()})
             for i in range(1, 6)}
    serve(server, monkeypatch, cifar10, targz(files))
    with pytest.raises(pickle.UnpicklingError, match=r"Refusing to load `posix.system` from a "
                                                     r"dataset file"):
        cifar10.load_data()


# -- word-index datasets -------------------------------------------------------------------
# Labels double as row ids, so each row's expected words can be written down by hand
# whatever order the seeded shuffle puts the rows in.

IMDB_TRAIN = {0: [1, 2, 5], 1: [4], 2: [3, 3, 6, 1, 2]}
IMDB_TEST = {3: [3, 7], 4: [2, 2, 2, 2]}


def imdb_file():
    return npz(x_train=ragged(*IMDB_TRAIN.values()), y_train=np.array(list(IMDB_TRAIN)),
               x_test=ragged(*IMDB_TEST.values()), y_test=np.array(list(IMDB_TEST)))


def by_label(x, y):
    assert x.dtype == object and x.ndim == 1 and len(x) == len(y)
    return {int(label): list(seq) for seq, label in zip(x, y)}


@pytest.mark.parametrize("kwargs, train, test", [
    # Defaults: start 1, words shifted by 3; with num_words=None the bound is the largest
    # index (10), which is itself out (Keras does the same), so 10 -> oov 2.
    ({}, {0: [1, 4, 5, 8], 1: [1, 7], 2: [1, 6, 6, 9, 4, 5]},
     {3: [1, 6, 2], 4: [1, 5, 5, 5, 5]}),
    ({"num_words": 6}, {0: [1, 4, 5, 2], 1: [1, 2], 2: [1, 2, 2, 2, 4, 5]},
     {3: [1, 2, 2], 4: [1, 5, 5, 5, 5]}),
    # skip_top compares shifted indices, so it also hits start_char.
    ({"skip_top": 5}, {0: [2, 2, 5, 8], 1: [2, 7], 2: [2, 6, 6, 9, 2, 5]},
     {3: [2, 6, 2], 4: [2, 5, 5, 5, 5]}),
    ({"num_words": 6, "oov_char": None}, {0: [1, 4, 5], 1: [1], 2: [1, 4, 5]},
     {3: [1], 4: [1, 5, 5, 5, 5]}),
    ({"start_char": None, "index_from": 0, "num_words": 100},
     {0: [1, 2, 5], 1: [4], 2: [3, 3, 6, 1, 2]}, {3: [3, 7], 4: [2, 2, 2, 2]}),
    ({"start_char": 9, "oov_char": 0, "index_from": 10, "num_words": 14},
     {0: [9, 11, 12, 0], 1: [9, 0], 2: [9, 13, 13, 0, 11, 12]},
     {3: [9, 13, 0], 4: [9, 12, 12, 12, 12]}),
    # maxlen drops (does not truncate) rows of maxlen or more indices, start_char included.
    ({"maxlen": 5}, {0: [1, 4, 5, 8], 1: [1, 7]}, {3: [1, 6, 2]}),
])
def test_imdb_options(server, monkeypatch, kwargs, train, test):
    serve(server, monkeypatch, imdb, imdb_file())
    (xtr, ytr), (xte, yte) = imdb.load_data(**kwargs)
    assert by_label(xtr, ytr) == train and by_label(xte, yte) == test
    assert ytr.dtype == np.int64


def test_imdb_seed_orders_rows(server, monkeypatch):
    serve(server, monkeypatch, imdb, imdb_file())
    orders = {tuple(imdb.load_data(seed=s)[0][1]) for s in range(8)}
    assert len(orders) > 1 and all(sorted(o) == [0, 1, 2] for o in orders)
    assert imdb.load_data(seed=3)[0][1].tolist() == imdb.load_data(seed=3)[0][1].tolist()


def test_imdb_errors(server, monkeypatch):
    serve(server, monkeypatch, imdb, imdb_file())
    with pytest.raises(ValueError, match="After filtering for sequences shorter than maxlen=3, "
                                         "no sequence was kept. Increase maxlen."):
        imdb.load_data(maxlen=3)
    with pytest.raises(TypeError, match=r"Unrecognized keyword arguments: \['num_word'\]"):
        imdb.load_data(num_word=10)
    with pytest.warns(UserWarning, match="renamed `num_words`"):
        (x, y), _ = imdb.load_data(nb_words=6)
    assert by_label(x, y)[1] == [1, 2]


REUTERS = {0: [1, 2], 1: [3], 2: [4, 5, 6], 3: [7, 8, 9, 1], 4: [2, 2, 2, 2, 2]}


def reuters_file():
    return npz(x=ragged(*REUTERS.values()), y=np.array(list(REUTERS)))


@pytest.mark.parametrize("kwargs, rows, n_train", [
    ({}, {0: [1, 4, 5], 1: [1, 6], 2: [1, 7, 8, 9], 3: [1, 10, 11, 2, 4],
          4: [1, 5, 5, 5, 5, 5]}, 4),
    ({"num_words": 7, "skip_top": 2, "test_split": 0.4},
     {0: [2, 4, 5], 1: [2, 6], 2: [2, 2, 2, 2], 3: [2, 2, 2, 2, 4],
      4: [2, 5, 5, 5, 5, 5]}, 3),
    ({"maxlen": 5, "oov_char": None}, {0: [1, 4, 5], 1: [1, 6], 2: [1, 7, 8]}, 2),
    ({"test_split": 0.0}, {0: [1, 4, 5], 1: [1, 6], 2: [1, 7, 8, 9], 3: [1, 10, 11, 2, 4],
                           4: [1, 5, 5, 5, 5, 5]}, 5),
])
def test_reuters_options(server, monkeypatch, kwargs, rows, n_train):
    serve(server, monkeypatch, reuters, reuters_file())
    (xtr, ytr), (xte, yte) = reuters.load_data(**kwargs)
    assert len(xtr) == n_train and len(xtr) + len(xte) == len(rows)
    assert {**by_label(xtr, ytr), **by_label(xte, yte)} == rows


def test_word_indices_and_label_names(server, monkeypatch):
    assert (imdb.WORD_INDEX_HASH, reuters.WORD_INDEX_HASH) == (  # md5s, as in Keras
        "bfafd718b763782e994055a2d397834f", "4d44cc38712099c9e383dc6e5f11a921")
    index = {"the": 1, "and": 2, "a": 3}
    data = json.dumps(index).encode()
    for module in (imdb, reuters):
        path = serve(server, monkeypatch, module, data, "WORD_INDEX_ORIGIN", None)
        monkeypatch.setattr(module, "WORD_INDEX_HASH", hashlib.md5(data).hexdigest())
        assert module.get_word_index() == index
        assert server.requests[path] == 1
    names = reuters.get_label_names()
    assert len(names) == 46 and names[:3] == ("cocoa", "grain", "veg-oil") and names[-1] == "lead"


# -- regression datasets -------------------------------------------------------------------

def test_boston_housing(server, monkeypatch):
    x = np.arange(10 * 13, dtype=np.float64).reshape(10, 13)
    y = np.arange(10, dtype=np.float64) * 13  # y[i] == x[i, 0]: rows stay paired
    serve(server, monkeypatch, boston_housing, npz(x=x, y=y))
    (xtr, ytr), (xte, yte) = boston_housing.load_data()
    assert xtr.shape == (8, 13) and xte.shape == (2, 13) and ytr.shape == (8,)
    assert xtr.dtype == ytr.dtype == np.float64
    assert np.array_equal(xtr[:, 0], ytr) and np.array_equal(xte[:, 0], yte)
    assert sorted(np.concatenate([ytr, yte]).tolist()) == y.tolist()
    (a, _), _ = boston_housing.load_data(test_split=0.5, seed=1)
    assert a.shape == (5, 13) and not np.array_equal(a, xtr[:5])


@pytest.mark.parametrize("version, n, n_train", [("large", 700, 560), ("small", 600, 480)])
def test_california_housing(server, monkeypatch, version, n, n_train):
    x = np.arange(700 * 8, dtype=np.float32).reshape(700, 8)
    y = x[:, 0] * 2
    serve(server, monkeypatch, california_housing, npz(x=x, y=y))
    (xtr, ytr), (xte, yte) = california_housing.load_data(version=version)
    assert xtr.shape == (n_train, 8) and xte.shape == (n - n_train, 8)
    assert xtr.dtype == np.float32 and np.array_equal(xtr[:, 0] * 2, ytr)
    assert sorted(np.concatenate([ytr, yte]).tolist()) == sorted(y[:n].tolist())


@pytest.mark.parametrize("call, message", [
    (lambda: boston_housing.load_data(test_split=1.0), "Invalid `test_split` argument: 1.0"),
    (lambda: california_housing.load_data(test_split=-0.1), "Invalid `test_split` argument"),
    (lambda: reuters.load_data(test_split=2), "Invalid `test_split` argument: 2"),
    (lambda: california_housing.load_data(version="medium"),
     "Argument `version` must be one of 'small', 'large'. Received: version=medium"),
])
def test_bad_arguments_fail_before_any_download(server, call, message):
    with pytest.raises(ValueError, match=message):
        call()
    assert sum(server.requests.values()) == 0


# -- Keras 3 as the oracle: its loaders on the same files ---------------------------------

def keras_on_our_files(keras, monkeypatch, name, paths):
    """Run Keras's `load_data` for `name` with its get_file answering from `paths`
    (fname -> path), so it reads the files we downloaded and never the network."""
    module = __import__(f"keras.src.datasets.{name}", fromlist=["get_file"])

    def fake_get_file(fname=None, origin=None, **kwargs):
        return paths[fname]

    monkeypatch.setattr(module, "get_file", fake_get_file)
    return module


def flat(result):
    (a, b), (c, d) = result
    return [a, b, c, d]


@pytest.mark.parametrize("kwargs", [
    {}, {"seed": 7, "num_words": 6, "skip_top": 4}, {"maxlen": 5, "oov_char": None},
    {"start_char": None, "index_from": 0}, {"start_char": None, "index_from": 2},
])
def test_imdb_and_reuters_equal_keras(keras, server, monkeypatch, tmp_path, kwargs):
    serve(server, monkeypatch, imdb, imdb_file())
    serve(server, monkeypatch, reuters, reuters_file())
    ours_imdb, ours_reuters = flat(imdb.load_data(**kwargs)), flat(reuters.load_data(**kwargs))
    k_imdb = keras_on_our_files(keras, monkeypatch, "imdb", {"imdb.npz": cache(tmp_path, "imdb.npz")})
    k_reuters = keras_on_our_files(keras, monkeypatch, "reuters",
                                   {"reuters.npz": cache(tmp_path, "reuters.npz")})
    for ours, theirs in ((ours_imdb, flat(k_imdb.load_data(**kwargs))),
                         (ours_reuters, flat(k_reuters.load_data(**kwargs)))):
        for a, b in zip(ours, theirs):
            if a.dtype == object:
                assert [list(s) for s in a] == [list(s) for s in b]
            else:
                assert a.dtype == b.dtype and np.array_equal(a, b)


def test_image_and_regression_datasets_equal_keras(keras, server, monkeypatch, tmp_path):
    labels = np.arange(3, dtype=np.uint8)
    serve(server, monkeypatch, mnist, npz(x_train=images(3, (28, 28), 0), y_train=labels,
                                          x_test=images(2, (28, 28), 1), y_test=labels[:2]))
    for name, arr in zip(fashion_mnist.FILES, (np.arange(3), images(3, (28, 28), 2), np.arange(2),
                                               images(2, (28, 28), 3))):
        server.files["/fm/" + name] = idx(arr)
    monkeypatch.setattr(fashion_mnist, "ORIGIN_FOLDER", server.url("/fm/"))
    serve(server, monkeypatch, cifar100, cifar100_archive()[0])
    x = np.random.default_rng(0).normal(size=(50, 13))
    serve(server, monkeypatch, boston_housing, npz(x=x, y=x[:, 0]))
    serve(server, monkeypatch, california_housing, npz(x=x[:, :8].astype(np.float32),
                                                       y=x[:, 1].astype(np.float32)))
    cases = [
        ("mnist", {"mnist.npz": cache(tmp_path, "mnist.npz")}, mnist.load_data, {}),
        ("fashion_mnist", {n: cache(tmp_path, "fashion-mnist", n) for n in fashion_mnist.FILES},
         fashion_mnist.load_data, {}),
        ("cifar100", {"cifar-100-python-target": cache(tmp_path, "cifar-100-python-target")},
         cifar100.load_data, {"label_mode": "coarse"}),
        ("boston_housing", {"boston_housing.npz": cache(tmp_path, "boston_housing.npz")},
         boston_housing.load_data, {"test_split": 0.3, "seed": 5}),
        ("california_housing", {"california_housing.npz": cache(tmp_path, "california_housing.npz")},
         california_housing.load_data, {"version": "small", "seed": 1}),
    ]
    for name, paths, ours, kwargs in cases:
        ours_result = flat(ours(**kwargs))
        theirs = flat(keras_on_our_files(keras, monkeypatch, name, paths).load_data(**kwargs))
        for a, b in zip(ours_result, theirs):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), name


def test_public_names():
    assert set(datasets.__all__) >= {"mnist", "fashion_mnist", "cifar10", "cifar100", "imdb",
                                     "reuters", "boston_housing", "california_housing", "digits"}


def test_urls_and_hashes_are_keras_own(keras):
    """Each origin and hash appears in Keras 3's source of the same dataset."""
    import inspect
    import keras.src.datasets as kd

    for module, constants in [
        (mnist, ("ORIGIN", "FILE_HASH")), (cifar10, ("ORIGIN", "FILE_HASH")),
        (cifar100, ("ORIGIN", "FILE_HASH")), (boston_housing, ("ORIGIN", "FILE_HASH")),
        (california_housing, ("ORIGIN", "FILE_HASH")),
        (imdb, ("ORIGIN", "FILE_HASH", "WORD_INDEX_ORIGIN", "WORD_INDEX_HASH")),
        (reuters, ("ORIGIN", "FILE_HASH", "WORD_INDEX_ORIGIN", "WORD_INDEX_HASH")),
        (fashion_mnist, ("ORIGIN_FOLDER",)),
    ]:
        name = module.__name__.rsplit(".", 1)[1]
        source = inspect.getsource(getattr(kd, name)).replace('"\n        "', "")
        for constant in constants:
            value = getattr(module, constant)
            folder, _, base = value.rpartition("/")
            assert (value in source) or (folder + "/" in source and base in source), (name, constant)
    source = inspect.getsource(kd.fashion_mnist)
    assert all(f'"{n}"' in source for n in fashion_mnist.FILES)
