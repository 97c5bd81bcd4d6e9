"""Data adapters: every kind of input Keras accepts becomes one kind of batch source.

``fit``, ``evaluate`` and ``predict`` never look at the user's data themselves. They
ask :func:`make_adapter` for an adapter and the epoch loop asks the adapter, epoch
after epoch, for :class:`Chunk`s: device data plus the index and mask tables of one
compiled call (see ``kerasish.engine.steps``). Two adapters cover everything:

* :class:`ArrayAdapter` — numpy/JAX arrays, lists and dicts of them, pandas frames:
  checked once on the host, copied to the device once, and gathered batch by batch
  *on the device* from a shuffled index table, many steps per compiled call;
* :class:`StreamAdapter` — ``PyDataset``, Python generators and iterators,
  re-iterable datasets (``tf.data.Dataset``, ``torch.utils.data.DataLoader``, grain),
  and arrays too large for the device: batch by batch, each checked on the host, padded
  to the first batch's size (one compiled program for every batch) and sent to the
  device while the previous step still runs (JAX dispatches asynchronously).

``steps`` (``steps_per_epoch``, ``validation_steps``, ``evaluate(steps=)``,
``predict(steps=)``) cuts any of them, so an infinite generator is fine.

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

import math
import os
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kerasish.engine import checks, steps as steps_module

# Arrays above this many bytes (x, y and sample weights together) are streamed from the
# host in batches instead of being copied to the device whole.
DEVICE_DATA_BYTES = int(os.environ.get("KERASISH_DEVICE_DATA_BYTES", 2 * 1024**3))


class PyDataset:
    """Keras's ``PyDataset``: subclass it with ``__len__`` (batches per epoch) and
    ``__getitem__(i)`` returning ``(x, y)`` or ``(x, y, sample_weight)`` for batch ``i``.

    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are Keras's knobs for
    parallel batch loading. kerasish produces batches in the calling thread while the
    device runs the previous step; a value other than the defaults is refused rather
    than silently ignored.

    >>> import numpy as np, kerasish
    >>> class Batches(kerasish.utils.PyDataset):
    ...     def __len__(self):
    ...         return 2
    ...     def __getitem__(self, i):
    ...         x = np.full((4, 1), float(i))
    ...         return x, 2 * x
    >>> model = kerasish.Sequential([kerasish.Input((1,)), kerasish.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> history = model.fit(Batches(), epochs=2, verbose=0)
    >>> len(history.history["loss"])
    2
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        if workers not in (1, None) or use_multiprocessing:
            raise ValueError(
                "PyDataset: kerasish loads batches in the training thread (overlapped with "
                "the device's work), so `workers` > 1 and `use_multiprocessing=True` are "
                f"not supported. Received: workers={workers!r}, "
                f"use_multiprocessing={use_multiprocessing!r}. Remove these arguments."
            )
        if max_queue_size != 10:
            raise ValueError(
                "PyDataset: batches are produced one ahead of the device in the training "
                "thread, so there is no queue to size. Received: max_queue_size="
                f"{max_queue_size!r}. Remove the argument (the default, 10, is accepted).")
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self):
        raise NotImplementedError("A PyDataset must define __len__ (the number of batches).")

    def __getitem__(self, index):
        raise NotImplementedError("A PyDataset must define __getitem__(index) -> a batch.")

    @property
    def num_batches(self):
        return len(self)

    def on_epoch_begin(self):
        """Called before every epoch."""

    def on_epoch_end(self):
        """Called after every epoch (e.g. to reshuffle)."""


class Chunk(NamedTuple):
    """One compiled call's worth of work."""

    data: Any        # (x, y, sample_weight) on the device
    idx: Any         # (steps, batch) row indices into data
    mask: Any        # (steps, batch) 1 for real rows, 0 for padding
    start: int       # first row of the tables this call runs
    n_steps: int     # how many rows of the tables (steps) this call runs
    may_skip: bool   # whether a step may be all padding
    first: int       # index of this call's first batch in the epoch
    last: int        # index of its last real batch


# ------------------------------------------------------------------ what is what

def is_stream(x):
    """True for data that is fed batch by batch (not arrays, lists, dicts or frames)."""
    if x is None or isinstance(x, (np.ndarray, jax.Array, list, tuple, dict, str, bytes)):
        return False
    if hasattr(x, "shape") or hasattr(x, "dtypes"):  # array-likes, pandas
        return False
    return isinstance(x, PyDataset) or hasattr(x, "__next__") or hasattr(x, "__iter__") \
        or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))


def nbytes(arrays):
    total = 0
    for leaf in jax.tree_util.tree_leaves(arrays):
        total += leaf.nbytes if hasattr(leaf, "nbytes") else np.asarray(leaf).nbytes
    return total


def _to_numpy(leaf):
    """A batch entry from any library as numpy (torch and TF tensors have ``.numpy``)."""
    if leaf is None or isinstance(leaf, np.ndarray):
        return leaf
    if hasattr(leaf, "detach"):  # torch: off the autograd graph and the GPU first
        leaf = leaf.detach()
        leaf = leaf.cpu() if hasattr(leaf, "cpu") else leaf
    if hasattr(leaf, "numpy") and not isinstance(leaf, jax.Array):
        return leaf.numpy()
    return leaf


def unpack(batch):
    """A batch as ``(x, y, sample_weight)``: Keras's tuple forms, or x alone."""
    if isinstance(batch, (tuple, list)):
        if len(batch) not in (1, 2, 3):
            raise ValueError(
                "Each batch must be x, or a tuple (x,), (x, y) or (x, y, sample_weight). "
                f"Received a {type(batch).__name__} of length {len(batch)}.")
        batch = tuple(batch) + (None,) * (3 - len(batch))
    else:  # an array or a dict of inputs: x only
        batch = (batch, None, None)
    return tuple(jax.tree_util.tree_map(_to_numpy, b) for b in batch)


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Keras's ``utils.pack_x_y_sample_weight``: the shortest tuple that holds them.

    The inverse of ``unpack_x_y_sample_weight``; a ``train_step`` or a ``PyDataset``
    uses it to return one batch.

    Args:
        x: the inputs.
        y: the targets, or None.
        sample_weight: the sample weights, or None (dropped when ``y`` is None).

    >>> pack_x_y_sample_weight(1, 2), pack_x_y_sample_weight(1, 2, 3)
    ((1, 2), (1, 2, 3))
    >>> pack_x_y_sample_weight((1, 2))  # a tuple of inputs stays one element
    ((1, 2),)
    >>> pack_x_y_sample_weight(1)  # inputs alone come back as they are, as in Keras
    1
    """
    if y is None:
        # A tuple or list of inputs is wrapped so that unpacking cannot mistake it for
        # (x, y); anything else is returned unchanged (Keras 3 does the same).
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """Keras's ``utils.unpack_x_y_sample_weight``: ``(x, y, sample_weight)`` with
    ``None`` for what ``data`` does not hold.

    >>> unpack_x_y_sample_weight((1, 2))
    (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`."
        f" Received: {data!r}"
    )


# ------------------------------------------------------------------ device placement

def to_device(spec, xs, ys, sw, dist):
    """Host arrays -> ``(x, y, sample_weight)`` on the device(s).

    Under a distribution the data is replicated; each step's batch is then split over
    the batch axis inside the program (``steps.Pieces.shard_batch``).
    """
    if dist is None:
        put = lambda a, dtype: jnp.asarray(a, dtype=dtype)  # noqa: E731
    else:
        from kerasish import distribution as distribution_module

        put = lambda a, dtype: jax.device_put(  # noqa: E731
            np.asarray(a, dtype=dtype), distribution_module.replicated(dist))
    x = spec.pack([put(a, spec.dtype) for a in xs])
    y = None if ys is None else tuple(
        put(a, np.int32 if np.issubdtype(a.dtype, np.integer) else spec.dtype) for a in ys)
    return x, y, put(sw, np.float32)


# ------------------------------------------------------------------ the adapters

class ArrayAdapter:
    """Arrays held on the device for the whole call; batches gathered on the device.

    ``exact=True`` (a user's ``train_step`` sees real batches, never padding) runs the
    short last batch as its own call of its own shape, as Keras does.
    """

    def __init__(self, spec, xs, ys, sw, *, batch_size, steps=None, shuffle=False,
                 class_weight=None, seed=0, dist=None, exact=False):
        self.spec, self.xs, self.ys = spec, xs, ys
        self.sw = checks.row_weights(ys, sw, class_weight, len(xs[0]))
        self.has_sample_weight = sw is not None or class_weight is not None
        self.n = len(xs[0])
        self.batch_size = batch_size
        self.num_batches = math.ceil(self.n / batch_size)
        if steps is not None:
            self.num_batches = min(self.num_batches, steps)
        self.shuffle = shuffle
        self.exact = exact
        self._seed, self._epoch = seed, 0
        self._dist = dist
        self._data = None

    @property
    def y_shapes(self):
        return None if self.ys is None else [y.shape for y in self.ys]

    def data(self):
        if self._data is None:
            self._data = to_device(self.spec, self.xs, self.ys, self.sw, self._dist)
        return self._data

    def epoch(self, chunk_size):
        """The chunks of one epoch (each ``chunk_size`` steps, the last maybe fewer)."""
        perm = _permutation(epoch_rng(self._seed, self._epoch), self.n, self.batch_size,
                            self.shuffle)
        steps, bs = self.num_batches, self.batch_size
        chunk_size = min(chunk_size or steps, steps)
        short = self.n - (steps - 1) * bs if steps * bs > self.n else bs
        if self.exact and short < bs:
            yield from self._exact_epoch(perm, chunk_size, steps, short)
            return
        n_chunks = math.ceil(steps / chunk_size)
        idx, mask = steps_module.batch_tables(self.n, bs, n_chunks * chunk_size, perm)
        mask[steps:] = 0.0  # steps_per_epoch below the number of batches
        may_skip = n_chunks * chunk_size > steps
        for c in range(n_chunks):
            yield Chunk(self.data(), idx, mask, c * chunk_size, chunk_size, may_skip,
                        c * chunk_size, min((c + 1) * chunk_size, steps) - 1)

    def _exact_epoch(self, perm, chunk_size, steps, short):
        order = np.arange(self.n, dtype=np.int32) if perm is None else perm.astype(np.int32)
        full = steps - 1
        if full:
            idx = order[:full * self.batch_size].reshape(full, self.batch_size)
            mask = np.ones(idx.shape, np.float32)
            for start in range(0, full, chunk_size):
                k = min(chunk_size, full - start)
                yield Chunk(self.data(), idx, mask, start, k, False, start, start + k - 1)
        last = order[full * self.batch_size:full * self.batch_size + short][None]
        yield Chunk(self.data(), last, np.ones(last.shape, np.float32), 0, 1, False, full, full)

    def set_epoch(self, epoch):
        """Shuffle as epoch ``epoch`` of this fit does (a resumed fit starts past 0)."""
        self._epoch = epoch

    def on_epoch_end(self):
        self._epoch += 1

    def host_arrays(self):
        return self.xs, self.ys, self.sw


class PredictArrays:
    """``x`` arrays for ``predict``: row blocks of the host arrays, padded to buckets.

    Row counts are padded to powers of two (rows up to ``batch_size``, then steps of
    ``batch_size``), so predicting on any number of rows compiles a handful of programs,
    not one per count. A chunk's ``data`` is the padded list of input arrays, ``start``
    the number of real rows and ``n_steps`` the number of batches (0: a single batch).
    """

    def __init__(self, xs, batch_size, steps=None):
        self.xs, self.batch_size = xs, batch_size
        self.n = len(xs[0])
        if steps is not None:
            self.n = min(self.n, steps * batch_size)
        self.num_batches = math.ceil(self.n / batch_size)

    def epoch(self, chunk_size):
        bs = self.batch_size
        if chunk_size == 1:  # per-batch hooks: one batch per call
            for i in range(self.num_batches):
                rows = min(bs, self.n - i * bs)
                yield self._block(i * bs, rows, 0, i, i)
            return
        if self.n <= bs:
            yield self._block(0, self.n, 0, 0, 0)
            return
        n_steps = 1 << (self.num_batches - 1).bit_length()
        yield self._block(0, self.n, n_steps, 0, self.num_batches - 1)

    def _block(self, start, rows, n_steps, first, last):
        total = n_steps * self.batch_size if n_steps else 1 << (rows - 1).bit_length()
        out = []
        for a in self.xs:
            if start or rows != len(a):
                a = a[start:start + rows]
            if total != rows:
                a = np.concatenate([a, np.zeros((total - rows,) + a.shape[1:], a.dtype)])
            out.append(a)
        return Chunk(out, None, None, rows, n_steps, False, first, last)

    def on_epoch_end(self):
        pass


class ArraySource(PyDataset):
    """In-memory arrays served batch by batch (arrays too large for the device)."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle, seed):
        super().__init__()
        self.x, self.y, self.sw = x, y, sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._seed, self._epoch = seed, -1
        self._n = len(jax.tree_util.tree_leaves(x)[0])
        self._order = np.arange(self._n)
        self.on_epoch_end()

    def __len__(self):
        return -(-self._n // self.batch_size)

    def __getitem__(self, i):
        rows = np.sort(self._order[i * self.batch_size:(i + 1) * self.batch_size])
        take = lambda a: None if a is None else jax.tree_util.tree_map(  # noqa: E731
            lambda b: np.asarray(b)[rows], a)
        return take(self.x), take(self.y), take(self.sw)

    def set_epoch(self, epoch):
        self._epoch = epoch - 1
        self.on_epoch_end()

    def on_epoch_end(self):
        self._epoch += 1
        if self.shuffle:
            self._order = _permutation(epoch_rng(self._seed, self._epoch), self._n,
                                       self.batch_size, self.shuffle)


class StreamAdapter:
    """Batches from a PyDataset, an iterator, or a re-iterable dataset, one per call.

    An iterator (a generator) is consumed across epochs: with ``steps`` it gives that
    many batches per epoch, without it the epoch ends when it is exhausted. A
    re-iterable (``tf.data``, a torch ``DataLoader``, grain, a PyDataset) starts over
    every epoch.
    """

    def __init__(self, source, spec_for, *, steps=None, class_weight=None, dist=None,
                 exact=False, what="fit", predict=False):
        self.source = source
        self.predict = predict  # x only: targets in the batches are ignored, as Keras
        self.spec_for = spec_for  # first x batch -> DataSpec (builds the model if needed)
        self.steps = steps
        self.class_weight = class_weight
        self.exact = exact
        self.what = what
        self._dist = dist
        self._rows = None
        self._first = None  # a batch read to learn shapes, replayed first
        self._iterator = None
        if isinstance(source, PyDataset) or (
                hasattr(source, "__getitem__") and hasattr(source, "__len__")
                and not hasattr(source, "__next__")):
            n = len(source)
            self.num_batches = n if steps is None else min(steps, n)
            self._indexed = True
        else:
            self._indexed = False
            if hasattr(source, "__len__") and not hasattr(source, "__next__"):
                n = len(source)
                self.num_batches = n if steps is None else min(steps, n)
            else:
                self.num_batches = steps
        self.has_sample_weight = class_weight is not None
        self.spec = None
        self.y_shapes = None

    def _raw_batches(self):
        if self._indexed:
            if hasattr(self.source, "on_epoch_begin"):
                self.source.on_epoch_begin()
            for i in range(self.num_batches):
                yield self.source[i]
            return
        if hasattr(self.source, "__next__"):
            iterator = self.source
        else:  # re-iterable: a fresh pass each epoch
            iterable = self.source.as_numpy_iterator() \
                if hasattr(self.source, "as_numpy_iterator") else self.source
            iterator = iter(iterable)
        for i, batch in enumerate(iterator):
            yield batch
            if self.steps is not None and i + 1 >= self.steps:
                return

    def peek(self):
        """Check the first batch (building the model if needed); replayed by ``epoch``."""
        if self._first is None:
            raw = self._raw_batches()
            try:
                first = next(raw)
            except StopIteration:
                raise ValueError(f"{self.what}: the data gave no batches.") from None
            self._first = (first, raw)
            self._host(first)
        return self.y_shapes

    def _host(self, batch):
        bx, by, bsw = unpack(batch)
        if self.spec is None:
            self.spec = self.spec_for(bx)
            if callable(self.exact):
                self.exact = self.exact()
            if self.predict:
                self.spec = self.spec._replace(needs_y=False)
        if self.predict:
            by = bsw = None
        xs, ys, sw = checks.prepare(self.spec, bx, by, bsw, self.what)
        if by is None and self.spec.needs_y:
            raise ValueError(f"{self.what}: every batch must carry labels, as (x, y) or "
                             "(x, y, sample_weight).")
        self.has_sample_weight = self.has_sample_weight or sw is not None
        if self.y_shapes is None:
            self.y_shapes = None if ys is None else [y.shape for y in ys]
        return xs, ys, sw

    def epoch(self, chunk_size):
        del chunk_size  # one batch per compiled call
        if self._first is not None:
            first, raw = self._first
            self._first = None
            batches = _chain(first, raw)
        else:
            batches = self._raw_batches()
        for i, batch in enumerate(batches):
            xs, ys, sw = self._host(batch)
            n = len(xs[0])
            sw = checks.row_weights(ys, sw, self.class_weight, n)
            if self.exact:
                rows = n
            else:
                if self._rows is None:
                    self._rows = n
                if n > self._rows:
                    raise ValueError(
                        f"{self.what}: batch {i} has {n} rows after a first batch of "
                        f"{self._rows}. Batches may be shorter than the first one, never "
                        "longer.")
                rows = self._rows
                xs, ys, sw = _pad(xs, rows), _pad(ys, rows), _pad([sw], rows)[0]
            data = to_device(self.spec, xs, ys, sw, self._dist)
            idx = np.arange(rows, dtype=np.int32)[None]
            mask = (np.arange(rows) < n).astype(np.float32)[None]
            yield Chunk(data, idx, mask, 0, 1, False, i, i)

    def set_epoch(self, epoch):
        if isinstance(self.source, ArraySource):  # a user's dataset keeps its own order
            self.source.set_epoch(epoch)

    def on_epoch_end(self):
        if hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()


def epoch_rng(seed, epoch):
    """The shuffle generator of one epoch: a function of (fit seed, epoch), so that a
    fit resumed at epoch k (``BackupAndRestore``) shuffles epoch k as the uninterrupted
    run did."""
    return np.random.default_rng([seed, epoch])


def _permutation(rng, n, batch_size, shuffle):
    """The epoch's row order: None (in order), a permutation (``shuffle=True``), or, for
    Keras's ``shuffle="batch"``, batches in order with the rows shuffled inside each."""
    if not shuffle:
        return None
    if shuffle == "batch":
        return np.concatenate([start + rng.permutation(min(batch_size, n - start))
                               for start in range(0, n, batch_size)])
    return rng.permutation(n)


def _chain(first, rest):
    yield first
    yield from rest


def _pad(arrays, rows):
    """Pad each array with zero rows up to ``rows``."""
    if arrays is None:
        return None
    out = []
    for a in arrays:
        extra = rows - len(a)
        out.append(a if extra == 0 else
                   np.concatenate([a, np.zeros((extra,) + a.shape[1:], a.dtype)]))
    return out


# ------------------------------------------------------------------ the one entry point

def make_adapter(x, y, sample_weight, *, spec_for, batch_size, steps=None, shuffle=False,
                 class_weight=None, seed=0, dist=None, exact=False, what="fit"):
    """The adapter for whatever the user passed (see the module docs).

    ``exact`` (a bool, or a function called once the model is built): never pad a
    batch; the short last batch gets a call of its own shape.
    """
    if is_stream(x):
        if y is not None or sample_weight is not None:
            raise ValueError(
                f"`y` and `sample_weight` must not be passed when `x` is a "
                f"{type(x).__name__}: its batches carry them, as (x, y) or (x, y, "
                "sample_weight) tuples.")
        return StreamAdapter(x, spec_for, steps=steps, class_weight=class_weight, dist=dist,
                             exact=exact, what=what)
    if x is None:
        raise ValueError(f"{what}: `x` is required. Received: x=None")
    spec = spec_for(x)
    if callable(exact):  # decided once the model is built (it may depend on its layers)
        exact = exact()
    xs, ys, sw = checks.prepare(spec, x, y, sample_weight, what)
    if nbytes([xs, ys, sw]) > DEVICE_DATA_BYTES:
        pack = lambda a: None if a is None else a[0] if len(a) == 1 else a  # noqa: E731
        source = ArraySource(pack(xs), pack(ys), sw, batch_size, shuffle, seed)
        adapter = StreamAdapter(source, lambda _: spec, steps=steps, class_weight=class_weight,
                                dist=dist, exact=exact, what=what)
        adapter.spec = spec
        return adapter
    return ArrayAdapter(spec, xs, ys, sw, batch_size=batch_size, steps=steps, shuffle=shuffle,
                        class_weight=class_weight, seed=seed, dist=dist, exact=exact)
