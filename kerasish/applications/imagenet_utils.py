"""What every ImageNet application shares: input-shape checks, ``preprocess_input``
in Keras's three modes, ``decode_predictions``, and fetching Keras's weight files.

>>> import numpy as np
>>> x = np.full((1, 2, 2, 3), 127.5, "float32")
>>> float(preprocess_input(x.copy(), mode="tf")[0, 0, 0, 0])
0.0
"""

import json
import warnings

import numpy as np

from kerasish import activations, config
from kerasish.utils.file_utils import get_file

CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"
_CLASS_INDEX = None

# Per-channel statistics of ImageNet, in the order each mode expects the channels.
_CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # RGB


def _check_data_format(data_format):
    if data_format is None:
        return config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format}")
    return data_format


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch of RGB images (values 0-255) the way a network was trained.

    Args:
        x: images, 3-D or 4-D, with 3 colour channels. A float numpy array is changed
            in place (as in Keras; pass ``x.copy()`` to keep it), other inputs are not.
        data_format: ``"channels_last"`` or ``"channels_first"``; None: the global
            ``kerasish.config.image_data_format()``.
        mode: ``"caffe"`` (RGB to BGR, then minus ImageNet's mean per channel),
            ``"tf"`` (to [-1, 1]) or ``"torch"`` (to [0, 1], then ImageNet's mean and
            standard deviation per channel).

    Returns:
        The preprocessed images (float).

    >>> import numpy as np
    >>> pixel = np.array([[[[255.0, 128.0, 0.0]]]])
    >>> preprocess_input(pixel.copy(), mode="tf").round(3).tolist()
    [[[[1.0, 0.004, -1.0]]]]
    >>> preprocess_input(pixel.copy(), mode="caffe").round(3).tolist()
    [[[[-103.939, 11.221, 131.32]]]]
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError("Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    data_format = _check_data_format(data_format)
    axis = -1 if data_format == "channels_last" else (0 if len(x.shape) == 3 else 1)
    shape = [1] * len(x.shape)
    shape[axis] = 3
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, mode, axis, shape)
    # Arrays, Variables and symbolic tensors (a model's first step): kerasish.ops.
    from kerasish import ops

    x = getattr(x, "value", x) if not ops.is_tensor(x) else x
    if not str(x.dtype).startswith(("float", "bfloat")):
        x = ops.cast(x, config.floatx())
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        mean, std = _TORCH_MEAN, _TORCH_STD
        x = x / 255.0
    else:
        mean, std = _CAFFE_MEAN, None
        x = ops.flip(x, axis=axis)  # RGB -> BGR
    x = x - np.asarray(mean, dtype=x.dtype).reshape(shape)
    return x if std is None else x / np.asarray(std, dtype=x.dtype).reshape(shape)


def _preprocess_numpy(x, mode, axis, shape):
    """Keras's numpy path: a float array is changed in place."""
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(config.floatx())
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = np.flip(x, axis=axis)  # RGB -> BGR (a view: the caller's array changes)
        mean, std = _CAFFE_MEAN, None
    x -= np.asarray(mean, dtype=x.dtype).reshape(shape)
    if std is not None:
        x /= np.asarray(std, dtype=x.dtype).reshape(shape)
    return x


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction, as
    ``(class_name, description, score)`` tuples, best first.

    The class names come from Keras's ``imagenet_class_index.json``, fetched once
    with ``utils.get_file`` into ``~/.keras/models`` (the same file Keras uses).

    Args:
        preds: a batch of ImageNet predictions, shape ``(samples, 1000)``.
        top: how many classes to return per sample.

    Returns:
        One list per sample of ``(class_name, description, score)``, e.g.
        ``[("n02123045", "tabby", score), ...]`` for a cat picture.

    The shape is checked before the class file is read:

    >>> import numpy as np
    >>> decode_predictions(np.zeros((1, 10)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `decode_predictions` expects a batch of predictions (i.e. a 2D array of ...
    """
    global _CLASS_INDEX
    preds = np.asarray(getattr(preds, "value", preds))
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D "
                         f"array of shape (samples, 1000)). Received array with shape: "
                         f"{preds.shape}")
    if _CLASS_INDEX is None:
        path = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                        file_hash=CLASS_INDEX_HASH)
        with open(path) as f:
            _CLASS_INDEX = json.load(f)
    results = []
    for pred in preds:
        best = pred.argsort()[-top:][::-1]
        row = [tuple(_CLASS_INDEX[str(i)]) + (pred[i],) for i in best]
        row.sort(key=lambda r: r[2], reverse=True)
        results.append(row)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """The network's input shape: ``input_shape`` checked against what the
    architecture and the weights need, or the default."""
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if data_format == "channels_first" else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn("This model usually expects 1 or 3 input channels. However, it "
                          f"was passed an input_shape with {channels} input channels.",
                          stacklevel=3)
        default_shape = ((input_shape[0], default_size, default_size)
                         if data_format == "channels_first"
                         else (default_size, default_size, input_shape[-1]))
    else:
        default_shape = ((3, default_size, default_size) if data_format == "channels_first"
                         else (default_size, default_size, 3))
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` "
                             f"weights, `input_shape` should be {default_shape}.  "
                             f"Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels, spatial = ((input_shape[0], input_shape[1:])
                             if data_format == "channels_first"
                             else (input_shape[-1], input_shape[:2]))
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received "
                             f"`input_shape={input_shape}`")
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; "
                             f"Received: input_shape={input_shape}")
        input_shape = tuple(input_shape)
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if data_format == "channels_first" else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return input_shape


def validate_activation(classifier_activation, weights):
    """Pretrained classifiers end in softmax (or nothing): refuse another activation."""
    if weights is None:
        return
    fn = activations.get(classifier_activation)
    if fn not in (activations.get("softmax"), activations.get(None)):
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, "
                         f"with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def check_weights(weights, include_top, classes):
    """Keras's checks of ``weights``/``classes``, before anything is built."""
    import os

    if not (weights in ("imagenet", None) or (isinstance(weights, (str, os.PathLike))
                                             and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the "
                         f"path to the weights file to be loaded.  Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` "
                         f"should be 1000.  Received classes={classes}")


def load_weights(model, weights, files):
    """Load ``weights`` into ``model``: a path, or 'imagenet' (``files``:
    ``(file name, URL, md5 hash)``, fetched with ``get_file`` into Keras's
    ``~/.keras/models`` cache, where files Keras downloaded are reused)."""
    if weights == "imagenet":
        fname, url, file_hash = files
        weights = get_file(fname, url, cache_subdir="models", file_hash=file_hash)
    if weights is not None:
        model.load_weights(weights)
    return model


def correct_pad(inputs, kernel_size):
    """``ZeroPadding2D`` padding that makes a strided "valid" convolution of
    ``kernel_size`` cover the input as TensorFlow's "same" padding does."""
    img_dim = 2 if config.image_data_format() == "channels_first" else 1
    size = inputs.shape[img_dim:img_dim + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def input_tensor_or_new(input_tensor, input_shape):
    """The network's input: ``input_tensor`` (a symbolic tensor, e.g. from another
    model) or a new ``Input``; and the model's inputs (``input_tensor``'s sources)."""
    from kerasish.layers import Input
    from kerasish.utils import get_source_inputs, is_keras_tensor

    if input_tensor is None:
        img = Input(shape=input_shape)
        return img, img
    if not is_keras_tensor(input_tensor):
        raise ValueError("`input_tensor` must be a symbolic tensor (from `kerasish.Input` "
                         f"or a layer called on one). Received: {type(input_tensor).__name__}")
    return input_tensor, get_source_inputs(input_tensor)


def pool_or_flatten(x, include_top, pooling, names=(None, None)):
    """No head: ``pooling`` None (the 4-D feature map), ``"avg"`` or ``"max"``
    (``names``: the two pooling layers' names, where Keras names them)."""
    from kerasish import layers

    if pooling not in (None, "avg", "max"):
        raise ValueError("`pooling` must be None, 'avg' or 'max'. Received: "
                         f"pooling={pooling!r}")
    if include_top or pooling is None:
        return x
    return (layers.GlobalAveragePooling2D(name=names[0]) if pooling == "avg"
            else layers.GlobalMaxPooling2D(name=names[1]))(x)

_APPLICATION_DOC = """{name} ({paper}), with Keras's layer names, so Keras's ImageNet
    weights load.

    Args:
        include_top: with the classifier (global pooling and a ``Dense``).
        weights: ``"imagenet"`` (Keras's file, downloaded once into
            ``~/.keras/models``), None (random), or the path of a weights file.
        input_tensor: a symbolic tensor to use as the input.
        input_shape: ``(height, width, 3)``, at least {min_size}x{min_size} (default
            {size}x{size}x3).
        pooling: without the top: None (the 4-D feature map), ``"avg"`` or ``"max"``.
        classes: number of classes (1000 with ImageNet weights and the top).
        classifier_activation: the classifier's activation (``"softmax"`` or None with
            pretrained weights).
        name: the model's name.{extra}

    Returns:
        A functional ``Model``; its inputs: {preprocessing}.
{example}"""

_EXAMPLE = """
    >>> import kerasish
    >>> model = kerasish.applications.{name}(weights=None, include_top=False,
    ...     input_shape=({min_size}, {min_size}, 3), pooling="avg"{kwargs})
    >>> model.output_shape
    (None, {features})
"""
# One example that builds a network per family (its first variant): building every
# variant of a family in the docstring tests would take minutes and show nothing new.
# The other variants show what their inputs become: one RGB pixel (255, 128, 0) through
# the family's ``preprocess_input`` (values written out, as Keras computes them).
_FAMILY_EXAMPLE = {}
_PREPROCESSED = {
    "convnext": "[[[[255.0, 128.0, 0.0]]]]",  # the model normalises its inputs itself
    "densenet": "[[[[2.249, 0.205, -1.804]]]]",  # "torch": / 255, - mean, / std
    "efficientnet": "[[[[255.0, 128.0, 0.0]]]]",
    "efficientnet_v2": "[[[[255.0, 128.0, 0.0]]]]",
    "mobilenet_v3": "[[[[255.0, 128.0, 0.0]]]]",
    "nasnet": "[[[[1.0, 0.004, -1.0]]]]",  # "tf": / 127.5 - 1
    "resnet": "[[[[-103.939, 11.221, 131.32]]]]",  # "caffe": BGR, - mean
    "resnet_v2": "[[[[1.0, 0.004, -1.0]]]]",
}
_PREPROCESS_EXAMPLE = """
    What ``{module}.preprocess_input`` makes of one RGB pixel:

    >>> import numpy as np
    >>> from kerasish.applications import {module}
    >>> pixel = np.array([[[[255.0, 128.0, 0.0]]]])
    >>> {module}.preprocess_input(pixel).round(3).tolist()
    {out}
"""


def preprocess_example(module):
    """The docstring example of ``module``'s ``preprocess_input`` on one pixel."""
    return _PREPROCESS_EXAMPLE.format(module=module, out=_PREPROCESSED[module])


def application_doc(name, paper, size, preprocessing, features, min_size=32, extra="",
                    kwargs="", module=None):
    """The docstring of one application builder (the arguments all builders share);
    ``module``: the family's module, whose preprocessing the other variants show."""
    first = _FAMILY_EXAMPLE.setdefault(paper, name)
    example = (_EXAMPLE.format(name=name, min_size=min_size, kwargs=kwargs, features=features)
               if first == name else
               f"\n    Used like ``{first}`` (see its example); the output has {features} "
               "features.\n" + (preprocess_example(module) if module else ""))
    return _APPLICATION_DOC.format(name=name, paper=paper, size=size, min_size=min_size,
                                   preprocessing=preprocessing, features=features,
                                   extra=extra, example=example)


# Keras's public names (the builders and blocks above are internals).
__all__ = ["decode_predictions", "preprocess_input"]
