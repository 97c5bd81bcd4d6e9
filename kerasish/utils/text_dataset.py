"""``text_dataset_from_directory``: a folder of ``.txt`` files (one subfolder per class)
as batches of strings, read one batch at a time."""

import functools
import os

import numpy as np

from kerasish.utils import dataset_utils


def _read_text(path, max_length):
    with open(path, "r") as f:
        text = f.read()
    return text if max_length is None else text[:max_length]


def _stack_strings(texts):
    return np.array(texts, dtype=np.str_)


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    max_length=None,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    format="tf",
    verbose=True,
):
    """Batches of texts (and labels) from a folder of ``.txt`` files.

    The folder conventions, file order, shuffle and split are those of
    ``image_dataset_from_directory`` (and Keras's). A batch is ``(texts, labels)``:
    ``texts`` a numpy array of Python strings ``(batch,)``, labels as in
    ``image_dataset_from_directory``. The result is a ``kerasish.utils.PyDataset``
    with ``.class_names``; Keras returns a ``tf.data.Dataset`` (``format`` 'tf' or
    'grain' both give this dataset).

    Args:
        directory: the folder.
        labels: ``'inferred'``, a list/tuple of integer labels (one per file, in the
            sorted order of the paths), or ``None``.
        label_mode: ``'int'``, ``'categorical'``, ``'binary'`` or ``None``.
        class_names: with ``labels='inferred'``, the subfolders to use, in label order.
        batch_size: texts per batch; ``None`` yields single texts.
        max_length: keep at most this many characters of each text.
        shuffle: shuffle the files (else alphanumerical order).
        seed: the shuffle's seed (required with ``validation_split`` and shuffling).
        validation_split: fraction of the files kept for validation.
        subset: ``'training'``, ``'validation'`` or ``'both'``.
        follow_links: follow symbolic links to subfolders.
        format: Keras's output kind, ``'tf'`` or ``'grain'`` (both give this dataset).
        verbose: print how many files and classes were found.

    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> for cls, text in (("neg", "bad film"), ("pos", "great film")):
    ...     os.makedirs(os.path.join(root, cls))
    ...     with open(os.path.join(root, cls, "a.txt"), "w") as f:
    ...         _ = f.write(text)
    >>> ds = text_dataset_from_directory(root, shuffle=False, max_length=5)
    Found 2 files belonging to 2 classes.
    >>> texts, labels = ds[0]
    >>> texts.tolist(), labels.tolist()
    (['bad f', 'great'], [0, 1])
    """
    dataset_utils.check_labels_arg(labels, class_names, label_mode, "text")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: '
                         f"format={format!r}")
    if max_length is not None and (isinstance(max_length, bool) or
                                   not isinstance(max_length, (int, np.integer))
                                   or max_length < 0):
        raise ValueError("`max_length` must be None or a non-negative integer. Received: "
                         f"max_length={max_length!r}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, formats=(".txt",), class_names=class_names, shuffle=shuffle,
        seed=seed, follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    load = functools.partial(_read_text, max_length=max_length)
    num_classes = len(class_names) if class_names else 0

    def make(part_paths, part_labels, part_shuffle, what):
        if not part_paths:
            raise ValueError(f"No {what}text files found in directory "
                             f"{os.fspath(directory)}. Allowed format: .txt")
        encoded = None if label_mode is None else \
            dataset_utils.encode_labels(part_labels, label_mode, num_classes)
        ds = dataset_utils.FileDataset(part_paths, encoded, load, batch_size, part_shuffle,
                                       seed, stack=_stack_strings)
        ds.class_names = class_names
        ds.file_paths = list(part_paths)
        return ds

    if subset == "both":
        train = dataset_utils.training_or_validation_split(
            paths, labels, validation_split, "training", verbose)
        val = dataset_utils.training_or_validation_split(
            paths, labels, validation_split, "validation", verbose)
        return [make(*train, shuffle, "training "), make(*val, False, "validation ")]
    paths, labels = dataset_utils.training_or_validation_split(
        paths, labels, validation_split, subset, verbose)
    return make(paths, labels, shuffle, "")
