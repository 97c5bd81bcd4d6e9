"""``image_dataset_from_directory``: a folder of image files (one subfolder per class)
as batches that ``model.fit`` streams, one batch read from disk at a time."""

import functools
import os

import numpy as np

from kerasish import config
from kerasish.utils import dataset_utils, image_utils

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
# Keras lists TensorFlow's eight methods; JAX (which Keras's JAX backend resizes with)
# has five of them. The other three are refused by name.
TF_ONLY_INTERPOLATIONS = ("area", "gaussian", "mitchellcubic")


def _load_image(path, image_size, color_mode, interpolation, data_format,
                crop_to_aspect_ratio, pad_to_aspect_ratio):
    """One file as a float32 array, resized as Keras's JAX backend resizes it."""
    img = np.asarray(image_utils.open_image(path, color_mode), dtype="float32")
    if img.ndim == 2:
        img = img[:, :, None]
    if data_format == "channels_first":
        img = img.transpose(2, 0, 1)
    if image_size is None:
        return img
    out = image_utils.resize(img, image_size, interpolation=interpolation,
                             crop_to_aspect_ratio=crop_to_aspect_ratio,
                             pad_to_aspect_ratio=pad_to_aspect_ratio, data_format=data_format)
    return np.asarray(out, dtype="float32")


def _check_same_size(paths):
    """With ``image_size=None`` every image keeps its size: they must all agree."""
    image = image_utils.pil_image()
    first = None
    for path in paths:
        try:
            with image.open(path) as img:
                size = img.size
        except Exception as err:
            raise ValueError(f"Could not read the image file {path!r}: {err}. Remove or "
                             "replace the file.") from err
        if first is None:
            first = (path, size)
        elif size != first[1]:
            raise ValueError(
                "With `image_size=None` every image keeps its own size, so all images must "
                f"have the same size. Found {first[1][1]}x{first[1][0]} (height x width) for "
                f"{first[0]!r} and {size[1]}x{size[0]} for {path!r}. Pass "
                "`image_size=(height, width)` to resize them.")


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    color_mode="rgb",
    batch_size=32,
    image_size=(256, 256),
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    interpolation="bilinear",
    follow_links=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    data_format=None,
    format="tf",
    verbose=True,
):
    """Batches of images (and labels) from a folder of image files.

    With ``labels="inferred"`` each subfolder of ``directory`` is a class (sorted by
    name, so ``class_a`` is label 0). Files ending in .bmp, .gif, .jpeg, .jpg or .png
    are read (animated GIFs: the first frame). The file order, the shuffle and the
    training/validation split equal Keras's for the same ``seed``; images are resized
    as Keras's JAX backend resizes them. Batches are ``(images, labels)`` with images
    float32 ``(batch, height, width, channels)`` and labels int32 ``(batch,)``
    (``'int'``), float32 ``(batch, classes)`` (``'categorical'``) or float32
    ``(batch, 1)`` (``'binary'``); only images when there are no labels.

    The result is a ``kerasish.utils.PyDataset`` (``len()``, indexing, ``for`` loops,
    ``.class_names``, ``.file_paths``): ``model.fit`` reads one batch from disk at a
    time. Keras returns a ``tf.data.Dataset``; ``format`` (Keras's ``'tf'`` or
    ``'grain'``) gives this same dataset either way.

    Args:
        directory: the folder.
        labels: ``'inferred'`` (from subfolders), a list/tuple of integer labels (one
            per file, in the sorted order of the file paths), or ``None``.
        label_mode: ``'int'``, ``'categorical'``, ``'binary'`` (exactly two classes) or
            ``None`` (no labels).
        class_names: with ``labels='inferred'``, the subfolders to use, in label order.
        color_mode: ``'grayscale'``, ``'rgb'`` or ``'rgba'`` (1, 3, 4 channels).
        batch_size: images per batch; ``None`` yields single images.
        image_size: ``(height, width)`` (an int: a square) every image is resized to;
            ``None`` keeps the files' size (they must all agree).
        shuffle: shuffle the files (else alphanumerical order).
        seed: the shuffle's seed (required with ``validation_split`` and shuffling).
        validation_split: fraction of the files kept for validation.
        subset: ``'training'``, ``'validation'`` or ``'both'`` (returns both datasets).
        interpolation: ``'bilinear'``, ``'nearest'``, ``'bicubic'``, ``'lanczos3'`` or
            ``'lanczos5'``.
        follow_links: follow symbolic links to subfolders.
        crop_to_aspect_ratio: crop the centre to the target aspect ratio, then resize.
        pad_to_aspect_ratio: pad with zeros to the target aspect ratio, then resize.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None`` reads
            ``kerasish.config.image_data_format()``.
        format: Keras's output kind, ``'tf'`` or ``'grain'`` (both give this dataset).
        verbose: print how many files and classes were found.

    >>> import os, tempfile, numpy as np
    >>> from kerasish.utils import save_img
    >>> root = tempfile.mkdtemp()
    >>> for cls in ("cat", "dog"):
    ...     os.makedirs(os.path.join(root, cls))
    ...     for i in range(3):
    ...         save_img(os.path.join(root, cls, f"{i}.png"), np.full((8, 8, 3), i * 50.0),
    ...                  scale=False)
    >>> ds = image_dataset_from_directory(root, image_size=(4, 4), batch_size=4, seed=1)
    Found 6 files belonging to 2 classes.
    >>> x, y = ds[0]
    >>> ds.class_names, x.shape, y.dtype, len(ds)
    (['cat', 'dog'], (4, 4, 4, 3), dtype('int32'), 2)
    """
    dataset_utils.check_labels_arg(labels, class_names, label_mode, "image")
    if labels is None or label_mode is None:
        labels = label_mode = None
    if color_mode not in image_utils.COLOR_MODES:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode!r}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif image_size is not None and (not isinstance(image_size, (list, tuple))
                                     or len(image_size) != 2):
        raise ValueError("Invalid `image_size` value. Expected a tuple of 2 integers. "
                         f"Received: image_size={image_size!r}")
    if image_size is not None:
        image_size = tuple(int(s) for s in image_size)
    interpolation = str(interpolation).lower()
    if interpolation in TF_ONLY_INTERPOLATIONS:
        raise ValueError(
            f"`interpolation={interpolation!r}` is a TensorFlow resize method; kerasish "
            f"resizes with JAX, as Keras's JAX backend does. Use one of "
            f"{image_utils.RESIZE_INTERPOLATIONS}.")
    if interpolation not in image_utils.RESIZE_INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of "
                         f"{image_utils.RESIZE_INTERPOLATIONS}. Received: "
                         f"interpolation={interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set "
                         "to `True`.")
    if image_size is None and (crop_to_aspect_ratio or pad_to_aspect_ratio):
        raise ValueError("`crop_to_aspect_ratio` and `pad_to_aspect_ratio` need a target "
                         "`image_size`. Received: image_size=None")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: '
                         f"format={format!r}")
    data_format = config.standardize_data_format(data_format)
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, formats=ALLOWLIST_FORMATS, class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    load = functools.partial(
        _load_image, image_size=image_size, color_mode=color_mode,
        interpolation=interpolation, data_format=data_format,
        crop_to_aspect_ratio=crop_to_aspect_ratio, pad_to_aspect_ratio=pad_to_aspect_ratio)
    num_classes = len(class_names) if class_names else 0

    def make(part_paths, part_labels, part_shuffle, what):
        if not part_paths:
            raise ValueError(
                f"No {what}images found in directory {os.fspath(directory)}. Allowed "
                f"formats: {ALLOWLIST_FORMATS}")
        if image_size is None:
            _check_same_size(part_paths)
        encoded = None if label_mode is None else \
            dataset_utils.encode_labels(part_labels, label_mode, num_classes)
        ds = dataset_utils.FileDataset(part_paths, encoded, load, batch_size, part_shuffle,
                                       seed)
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
