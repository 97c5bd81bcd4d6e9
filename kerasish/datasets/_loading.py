"""Readers for the file formats of Keras's downloaded datasets, and the shuffling,
splitting and word-index encoding that Keras applies after reading.

Nothing here executes code from a file: pickles (CIFAR batches, the ragged sequences of
IMDB and Reuters) are read by an unpickler that rebuilds numpy arrays and nothing else.
"""

import gzip
import io
import pickle
import zipfile

import numpy as np

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct

# The CIFAR and IMDB/Reuters files were written by Python 2 / numpy 1 pickles; rebuilding
# their arrays needs these globals and no others. Both spellings of numpy's core module
# are mapped to the installed one, so old files load without numpy's deprecation warning.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
}


class _ArraysOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Refusing to load `{module}.{name}` from a dataset file: only numpy arrays "
                "may be rebuilt. The file is corrupted or was tampered with; delete it from "
                "the cache folder and load the data again."
            ) from None


def load_pickle(path):
    """A CIFAR batch: a pickled dict, its byte-string keys decoded to str."""
    with open(path, "rb") as f:
        d = _ArraysOnlyUnpickler(f, encoding="bytes").load()
    if not isinstance(d, dict):
        raise ValueError(f"{path} is not a CIFAR batch: expected a pickled dict, "
                         f"found {type(d).__name__}.")
    return {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}


def load_npz(path, keys):
    """The arrays `keys` of an .npz file; object arrays go through the restricted
    unpickler (numpy's own loader would need allow_pickle=True)."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        members = {n[: -len(".npy")]: n for n in archive.namelist() if n.endswith(".npy")}
        missing = [k for k in keys if k not in members]
        if missing:
            raise ValueError(
                f"{path} does not hold the arrays this dataset needs. Expected arrays: "
                f"{list(keys)}. Found: {sorted(members)}. Delete the file so that it is "
                "downloaded again."
            )
        for key in keys:
            with archive.open(members[key]) as raw:
                out[key] = _read_npy(io.BytesIO(raw.read()))
    return out


def _read_npy(fp):
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:  # an object array, stored as a pickle after the header
        fp.seek(0)
        major, _ = np.lib.format.read_magic(fp)
        if major == 1:
            np.lib.format.read_array_header_1_0(fp)
        else:  # 2.0 and 3.0 headers have the same 4-byte length field
            np.lib.format.read_array_header_2_0(fp)
        return _ArraysOnlyUnpickler(fp, encoding="latin1").load()


def read_idx(path, ndim):
    """An IDX file (the MNIST format), gzip-compressed: a big-endian header, uint8 data."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[:4], "big")
    if len(data) < 4 + 4 * ndim or magic != 0x0800 + ndim:
        raise ValueError(
            f"{path} is not a gzip-compressed IDX file of {ndim}-d uint8 data: expected the "
            f"magic number {0x0800 + ndim:#010x}, found {magic:#010x}. Delete the file so "
            "that it is downloaded again."
        )
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    return np.frombuffer(bytearray(data[offset:]), np.uint8).reshape(shape)


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(
            f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
            "(exclusive of 1)."
        )


def shuffle_split(x, y, test_split, seed):
    """Keras's regression split: one RandomState(seed) shuffle, the first
    int(n * (1 - test_split)) rows for training."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))


def shift_words(sequences, start_char, index_from):
    """Prefix `start_char` and add `index_from` to each word index, as Keras does."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    return [[w + index_from for w in x] for x in sequences]


def drop_long(maxlen, sequences, labels):
    """Keep the sequences strictly shorter than `maxlen` (Keras's `remove_long_seq`:
    it filters, it does not truncate; the length counts `start_char`)."""
    keep = np.array([len(x) < maxlen for x in sequences], dtype=bool)
    return [x for x, k in zip(sequences, keep) if k], np.asarray(labels)[keep]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Words outside [skip_top, num_words) become `oov_char` (or are dropped if it is None).

    As in Keras, with `num_words=None` the bound is the largest index present, which is
    itself excluded, and `skip_top` compares shifted indices (so it can hit start_char):
    the arrays stay identical to Keras's.
    """
    if not num_words:
        num_words = max((max(x) for x in sequences if len(x)), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def object_array(sequences):
    """A 1-d object array of lists, even when all lists have the same length (where
    np.array(..., dtype=object) would build a 2-d array)."""
    out = np.empty(len(sequences), dtype=object)
    for i, x in enumerate(sequences):
        out[i] = x
    return out
