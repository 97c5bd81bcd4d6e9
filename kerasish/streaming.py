"""Data that is not a set of in-memory arrays on the device: ``PyDataset``s, Python
generators, and arrays too large to copy to the device at once.

Such data is fed one batch at a time: each batch is checked on the host, padded to the
first batch's size (so one compiled program serves every batch, as for in-memory data)
and sent to the device while the previous step still runs — JAX dispatches
asynchronously, so preparing batch k+1 overlaps step k. Nothing holds a second copy of
the dataset.

>>> import numpy as np, kerasish
>>> class Squares(kerasish.utils.PyDataset):
...     def __len__(self):
...         return 4
...     def __getitem__(self, i):
...         x = np.arange(8, dtype="float32").reshape(8, 1) + 8 * i
...         return x, x ** 2
>>> model = kerasish.Sequential([kerasish.Input((1,)), kerasish.layers.Dense(1)])
>>> model.compile(loss="mse", optimizer="sgd")
>>> len(model.fit(Squares(), epochs=2, verbose=0).history["loss"])
2
"""

import os

import numpy as np

# Arrays above this many bytes (x, y and sample weights together) are streamed from the
# host in batches instead of being copied to the device whole.
DEVICE_DATA_BYTES = int(os.environ.get("KERASISH_DEVICE_DATA_BYTES", 2 * 1024**3))


class PyDataset:
    """Keras's ``PyDataset``: subclass it with ``__len__`` (batches per epoch) and
    ``__getitem__(i)`` returning ``(x, y)`` or ``(x, y, sample_weight)`` for batch ``i``.

    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted for Keras
    compatibility; batches are produced in the calling thread (while the device runs
    the previous step).
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self):
        raise NotImplementedError("A PyDataset must define __len__ (the number of batches).")

    def __getitem__(self, index):
        raise NotImplementedError("A PyDataset must define __getitem__(index) -> a batch.")

    def on_epoch_end(self):
        """Called after every epoch (e.g. to reshuffle)."""


class ArrayBatches(PyDataset):
    """In-memory arrays served batch by batch (for arrays too large for the device)."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle, seed):
        super().__init__()
        self.x, self.y, self.sw = x, y, sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._n = len(x[0] if isinstance(x, list) else x)
        self._order = np.arange(self._n)
        self.on_epoch_end()

    def __len__(self):
        return -(-self._n // self.batch_size)

    def __getitem__(self, i):
        rows = np.sort(self._order[i * self.batch_size:(i + 1) * self.batch_size])
        take = lambda a: None if a is None else (  # noqa: E731
            [b[rows] for b in a] if isinstance(a, list) else a[rows])
        return take(self.x), take(self.y), take(self.sw)

    def on_epoch_end(self):
        if self.shuffle:
            self._order = self._rng.permutation(self._n)


def is_stream(x):
    """True for data that must be fed batch by batch (not arrays, lists or dicts)."""
    if isinstance(x, (np.ndarray, list, tuple, dict)) or x is None:
        return False
    if isinstance(x, PyDataset) or hasattr(x, "__next__"):
        return True
    return hasattr(x, "__getitem__") and hasattr(x, "__len__") and not hasattr(x, "shape") \
        and not hasattr(x, "dtypes")


def too_big(arrays):
    total = 0
    for a in arrays:
        for leaf in (a if isinstance(a, list) else [a]):
            if leaf is not None:
                total += np.asarray(leaf).nbytes
    return total > DEVICE_DATA_BYTES


def epoch_batches(source, steps=None):
    """Yield ``(x, y, sample_weight)`` batches of one epoch from a PyDataset or iterator.

    An iterator (generator) is consumed across epochs: with ``steps`` it gives that many
    batches per epoch, without it the epoch ends when it is exhausted.
    """
    if hasattr(source, "__getitem__") and hasattr(source, "__len__") \
            and not hasattr(source, "__next__"):
        n = len(source) if steps is None else min(steps, len(source))
        for i in range(n):
            yield unpack(source[i])
        return
    for i, batch in enumerate(source):
        yield unpack(batch)
        if steps is not None and i + 1 >= steps:
            return


def unpack(batch):
    if not isinstance(batch, (tuple, list)) or len(batch) not in (1, 2, 3):
        raise ValueError(
            "Each batch must be a tuple (x,), (x, y) or (x, y, sample_weight). Received "
            f"{type(batch).__name__}" + (f" of length {len(batch)}" if hasattr(batch, "__len__")
                                         else "") + ".")
    batch = tuple(batch) + (None,) * (3 - len(batch))
    return batch


def pad_rows(arrays, rows):
    """Pad each array (or list of arrays) with zero rows up to ``rows``."""
    def pad(a):
        if a is None:
            return None
        if isinstance(a, list):
            return [pad(b) for b in a]
        extra = rows - len(a)
        if extra == 0:
            return a
        return np.concatenate([a, np.zeros((extra,) + a.shape[1:], a.dtype)])

    return [pad(a) for a in arrays]
