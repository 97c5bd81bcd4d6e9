"""``timeseries_dataset_from_array``: sliding windows over an array, as batches that
``model.fit`` streams (each batch gathered when it is asked for)."""

import numpy as np

from kerasish.engine.adapters import PyDataset


class TimeseriesDataset(PyDataset):
    """Windows of ``data`` (and their targets), ``batch_size`` windows per item."""

    def __init__(self, data, targets, starts, offsets, batch_size, shuffle, seed):
        super().__init__()
        self._data, self._targets = data, targets
        self._starts, self._offsets = starts, offsets
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._seed = seed
        self._pass = 0
        self._order = starts

    def __len__(self):
        n = len(self._starts)
        return n if self.batch_size is None else -(-n // self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch index {index} out of range for {len(self)} batches.")
        index %= len(self)
        size = 1 if self.batch_size is None else self.batch_size
        starts = self._order[index * size:(index + 1) * size]
        x = self._data[starts[:, None] + self._offsets[None, :]]
        y = None if self._targets is None else self._targets[starts]
        if self.batch_size is None:
            x, y = x[0], None if y is None else y[0]
        return x if y is None else (x, y)

    def on_epoch_end(self):
        # Later passes draw new orders from the seed (Keras reshuffles through tf.data).
        if self.shuffle:
            self._pass += 1
            perm = np.random.default_rng([self._seed, self._pass]).permutation(len(self._starts))
            self._order = self._starts[perm]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
        self.on_epoch_end()


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """Sliding windows over a time series, in batches (Keras's semantics).

    Window ``i`` starts at ``data[start_index + s_i]`` with ``s_i = i * sequence_stride``
    and takes ``sequence_length`` steps ``sampling_rate`` apart; its target is
    ``targets[start_index + s_i]``. Windows stop before ``end_index`` (and after the
    last target: ``targets`` may be shorter than ``data``). With ``shuffle=True`` the window order is
    ``np.random.RandomState(seed).shuffle`` of the starts, as in Keras; later passes
    (epochs) draw new orders from the seed. The result is a ``kerasish.utils.PyDataset``
    that ``fit`` streams; Keras returns a ``tf.data.Dataset`` (``format`` 'tf' or
    'grain' both give this dataset).

    Args:
        data: array (or list) of timesteps, axis 0 is time.
        targets: targets per timestep (same length as ``data``), or ``None``.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: steps between consecutive samples of a window.
        batch_size: windows per batch; ``None`` yields single windows.
        shuffle: shuffle the windows.
        seed: the shuffle's seed.
        start_index: first timestep used (inclusive).
        end_index: last timestep used (exclusive).
        format: Keras's output kind, ``'tf'`` or ``'grain'`` (both give this dataset).

    >>> import numpy as np
    >>> ds = timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10,
    ...                                    sequence_length=3, sampling_rate=2, batch_size=2)
    >>> x, y = ds[0]
    >>> x.tolist(), y.tolist(), len(ds)
    ([[0, 2, 4], [1, 3, 5]], [0, 10], 3)
    """
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= n:
            raise ValueError(f"`{name}` must be lower than the length of the data. "
                             f"Received: {name}={value}, for data of length {n}")
    if isinstance(sequence_length, bool) or not isinstance(sequence_length, (int, np.integer)) \
            or sequence_length < 1:
        raise ValueError("`sequence_length` must be a positive integer. Received: "
                         f"sequence_length={sequence_length!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or batch_size < 1):
        raise ValueError(f"`batch_size` must be a positive integer or None. Received: "
                         f"batch_size={batch_size!r}")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: '
                         f"format={format!r}")
    start = 0 if start_index is None else int(start_index)
    end = n if end_index is None else int(end_index)
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        # Keras stops at len(targets) windows; counted from start_index here, so that
        # every window has a target (Keras would index past the end of shorter targets).
        num_seqs = min(num_seqs, len(targets) - start)
    if num_seqs <= 0:
        raise ValueError(
            f"No window fits: a window spans {(sequence_length - 1) * sampling_rate + 1} "
            f"timesteps but only {end - start} are available between start_index={start} "
            f"and end_index={end}. Use a shorter `sequence_length` or `sampling_rate`.")
    starts = np.arange(0, num_seqs, sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    data = np.asarray(data)[start:end]
    targets = None if targets is None else np.asarray(targets)[start:end]
    offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
    return TimeseriesDataset(data, targets, starts, offsets, batch_size, bool(shuffle),
                             0 if seed is None else int(seed))
