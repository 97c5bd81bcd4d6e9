"""What the ``*_dataset_from_directory`` functions share: listing a folder of files with
their labels in Keras's order, the training/validation split, and the batch source
that ``model.fit`` streams (a ``PyDataset``: one batch is read from disk at a time).

Keras's order, reproduced exactly: class folders sorted by name (or in the order of
``class_names``), the files of each folder walked in sorted order, then — with
``shuffle=True`` — the paths and the labels each shuffled in place by
``np.random.RandomState(seed).shuffle``. The last ``int(validation_split * n)`` files
are the validation subset, the others the training subset.

>>> import numpy as np
>>> left, right = split_dataset(np.arange(10), left_size=0.8)
>>> left.tolist(), right.tolist()
([0, 1, 2, 3, 4, 5, 6, 7], [8, 9])
"""

import os
import random

import numpy as np

from kerasish.engine.adapters import PyDataset
from kerasish.utils import io_utils


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Keras's checks of ``validation_split``/``subset``, with its messages."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError("`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely. "
                         f"Received: validation_split={validation_split!r}, "
                         f"subset={subset!r}")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or "both", '
                         f"received: {subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` "
            "argument, to make sure that there is no overlap between the training and "
            "validation subset.")


def check_labels_arg(labels, class_names, label_mode, what):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                f"`labels` argument should be a list/tuple of integer labels, of the same "
                f"size as the number of {what} files in the target directory. If you wish "
                "to infer the labels from the subdirectory names in the target directory, "
                'pass `labels="inferred"`. If you wish to get a dataset that only contains '
                f"{what}s (no labels), pass `labels=None`. Received: labels={labels!r}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. '
                             f"Received: labels={labels!r}, and class_names={class_names!r}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", '
                         f'"binary", or None. Received: label_mode={label_mode!r}')


def _valid_files(directory, follow_links, formats):
    walk = os.walk(directory, followlinks=follow_links)
    for root, _, files in sorted(walk, key=lambda entry: entry[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """``(file_paths, labels, class_names)`` in Keras's order (see the module docs)."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"`directory` must be an existing folder. Received: "
                         f"directory={directory!r}")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories "
                    f"of the target directory. Expected: {subdirs} (or a subset of it), but "
                    f"received: class_names={class_names}")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError("When `labels=None` (no labels), argument `class_names` cannot "
                             "be specified." if labels is None else
                             "When argument `labels` is specified, argument `class_names` "
                             "cannot be specified (the `class_names` will be the sorted list "
                             "of labels).")
        subdirs = [""]
    filenames, found = [], []
    for index, subdir in enumerate(subdirs):
        root_dir = os.path.join(directory, subdir)
        dirname = os.path.basename(root_dir)
        for root, fname in _valid_files(root_dir, follow_links, formats):
            relative = os.path.relpath(os.path.join(root, fname), root_dir)
            filenames.append(os.path.join(dirname, relative))
            found.append(index)
    if labels == "inferred":
        labels = np.asarray(found, dtype="int32")
        class_names = subdirs
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in the "
                f"target directory. len(labels) is {len(labels)} while we found "
                f"{len(filenames)} files in directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
    if verbose:
        if labels is None:
            io_utils.print_msg(f"Found {len(filenames)} files.")
        else:
            io_utils.print_msg(f"Found {len(filenames)} files belonging to "
                               f"{len(class_names)} classes.")
    file_paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            labels = np.array(labels)  # a copy: the user's list is left as it was
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def training_or_validation_split(samples, labels, validation_split, subset, verbose=True):
    """The training or validation part of ``samples``/``labels``: the validation part
    is the last ``int(validation_split * len(samples))`` of them."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if num_val == 0:
        # Keras would give an empty training subset here (``samples[:-0]``).
        raise ValueError(
            f"`validation_split={validation_split}` of {len(samples)} files leaves no file "
            "for validation. Use a larger `validation_split` or more files.")
    if subset == "training":
        if verbose:
            io_utils.print_msg(f"Using {len(samples) - num_val} files for training.")
        return samples[:-num_val], None if labels is None else labels[:-num_val]
    if subset == "validation":
        if verbose:
            io_utils.print_msg(f"Using {num_val} files for validation.")
        return samples[-num_val:], None if labels is None else labels[-num_val:]
    raise ValueError(f'`subset` must be either "training" or "validation", received: '
                     f"{subset!r}")


def encode_labels(labels, label_mode, num_classes):
    """Labels as Keras's datasets yield them: int32, float32 one-hot, or float32 (n, 1)."""
    labels = np.asarray(labels)
    if label_mode in ("binary", "categorical") and labels.size and (
            labels.min() < 0 or labels.max() >= max(num_classes, 2)):
        # tf.one_hot would give all-zero rows for these, silently.
        raise ValueError(
            f"With label_mode={label_mode!r}, labels must be class indices in "
            f"[0, {max(num_classes, 2)}). Received labels from {labels.min()} to "
            f"{labels.max()}. Pass labels numbered 0, 1, ... or use label_mode='int'.")
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels.astype("int64")]
    return labels.astype("int32")


class FileDataset(PyDataset):
    """Batches of files read one batch at a time: ``len()`` batches per pass, ``ds[i]``
    batch ``i``, and a plain ``for batch in ds`` loop. With ``batch_size=None`` the items
    come one by one, unbatched.

    With ``shuffle=True`` each pass (each epoch of ``fit``) visits the files in a new
    order drawn from ``seed`` (Keras shuffles through a ``tf.data`` buffer instead: the
    set of files and ``file_paths`` are the same, the within-epoch order differs).
    """

    def __init__(self, items, labels, load, batch_size, shuffle, seed, stack=np.stack):
        super().__init__()
        self._items = list(items)
        self._labels = labels
        self._load = load
        self._stack = stack
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self._seed = 0 if seed is None else int(seed)
        self._pass = 0
        self._order = self._new_order()

    def _new_order(self):
        n = len(self._items)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self._seed, self._pass]).permutation(n)

    def __len__(self):
        n = len(self._items)
        return n if self.batch_size is None else -(-n // self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch index {index} out of range for {len(self)} batches.")
        index %= len(self)
        if self.batch_size is None:
            rows = self._order[index:index + 1]
        else:
            rows = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        x = [self._load(self._items[i]) for i in rows]
        x = x[0] if self.batch_size is None else self._stack(x)
        if self._labels is None:
            return x
        y = self._labels[rows]
        return x, (y[0] if self.batch_size is None else y)

    def on_epoch_end(self):
        self._pass += 1
        self._order = self._new_order()

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
        self.on_epoch_end()

    def cardinality(self):
        """The number of batches (items when unbatched) per pass."""
        return len(self)


def _rescale_split_sizes(left_size, right_size, total):
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, "
                            f"Received: type({name})={type(size)}.")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the "
                         "split sizes must be non-zero.")
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if (type(size) is int and not 0 < size < total) or \
                (type(size) is float and not 0 < size < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{name}={size}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must "
                         "be less than or equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError("The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split "
                             "will be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Split an array, or a tuple/list/dict of arrays with the same first dimension,
    into two parts: Keras's sizes and order (``shuffle=True`` shuffles the samples
    with Python's ``random`` seeded by ``seed``, as Keras does).

    Keras returns two ``tf.data`` datasets of samples; kerasish returns the two parts
    in the structure of ``dataset`` (arrays), which ``fit`` takes directly.

    Args:
        dataset: an array, or a tuple, list or dict of arrays.
        left_size: float in ``(0, 1)`` (a fraction, rounded) or int (a count) for the
            first part; ``None`` is the rest after ``right_size``.
        right_size: the same for the second part (the last samples).
        shuffle: shuffle the samples before splitting.
        seed: the shuffle's seed (``None``: a random one).
        preferred_backend: Keras's choice of output type (tf.data or torch); kerasish
            returns arrays, so only ``None`` is accepted.

    >>> import numpy as np
    >>> (x1, y1), (x2, y2) = split_dataset((np.zeros((5, 2)), np.arange(5)), right_size=2)
    >>> x1.shape, y2.tolist()
    ((3, 2), [3, 4])
    """
    if preferred_backend is not None:
        raise ValueError("kerasish's split_dataset returns arrays, not tf.data or torch "
                         "datasets: `preferred_backend` must be None. Received: "
                         f"preferred_backend={preferred_backend!r}")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    if isinstance(dataset, dict):
        leaves = [np.asarray(v) for v in dataset.values()]
    elif isinstance(dataset, (tuple, list)):
        leaves = [np.asarray(v) for v in dataset]
    elif hasattr(dataset, "shape") or hasattr(dataset, "__array__"):
        leaves = [np.asarray(dataset)]
    else:
        raise TypeError("The `dataset` argument must be an array or a tuple/list/dict of "
                        f"arrays. Received: dataset of type {type(dataset)}")
    total = len(leaves[0]) if leaves and leaves[0].ndim else 0
    if any(leaf.ndim == 0 or len(leaf) != total for leaf in leaves):
        raise ValueError("All arrays of `dataset` must have the same first dimension. "
                         f"Received shapes: {[leaf.shape for leaf in leaves]}")
    order = list(range(total))
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(order)  # the order Keras's random.seed + shuffle gives
    left, right = _rescale_split_sizes(left_size, right_size, total)
    order = np.asarray(order, dtype=np.int64)
    parts = []
    for rows in (order[:left], order[total - right:]):
        taken = [leaf[rows] for leaf in leaves]
        if isinstance(dataset, dict):
            parts.append(dict(zip(dataset.keys(), taken)))
        elif isinstance(dataset, (tuple, list)):
            parts.append(type(dataset)(taken))
        else:
            parts.append(taken[0])
    return tuple(parts)
