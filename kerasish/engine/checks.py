"""Host-side checks of user data, run before anything is dispatched to the device.

Everything here is cheap numpy: shapes, dtypes, lengths, finiteness and label ranges.
A refused input raises here, so the model's weights and optimizer state are never
touched by a call that was going to fail. :func:`prepare` is the one entry point: the
data adapters call it on the whole arrays, or on every batch of a stream.
"""

from typing import Any, NamedTuple

import numpy as np

from kerasish import losses as losses_module


class DataSpec(NamedTuple):
    """What the checks need to know about a built model (made by the model)."""

    name: str
    input_names: list     # [None] for one input, else the input layers' names
    input_shapes: list    # (None, ...) per input
    output_names: list    # [None] for one output, else the output names
    output_shapes: list
    losses: list          # the compiled loss object per output (or None)
    dtype: str            # floatx: what float inputs become
    pack: Any             # list of input arrays -> what `call` takes
    needs_y: bool         # False when the model trains without labels (add_loss only)


def as_list(data, names, what, model_name):
    """User data (array, list or dict keyed by input/output names) -> list of arrays."""
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing or len(names) == 1 and names[0] is None:
            raise ValueError(
                f"`{what}` is a dict with keys {sorted(data)}, but model {model_name!r} "
                f"expects {'keys ' + str(names) if names[0] is not None else 'an array'}."
            )
        data = [data[n] for n in names]
    elif isinstance(data, (list, tuple)) and len(names) > 1:
        if len(data) != len(names):
            kind = "inputs" if what == "x" else "outputs"
            raise ValueError(
                f"Model {model_name!r} has {len(names)} {kind} {names} but `{what}` has "
                f"{len(data)} arrays."
            )
        data = list(data)
    else:
        data = [data]
    suffix = (lambda i: f"[{names[i]!r}]") if len(names) > 1 else (lambda i: "")
    return [as_array(d, f"{what}{suffix(i)}") for i, d in enumerate(data)]


def prepare(spec, x, y, sample_weight, what):
    """Check ``x``, ``y`` and ``sample_weight`` against the model: numpy lists out."""
    xs = as_list(x, spec.input_names, "x", spec.name)
    if y is None and not spec.needs_y:
        ys = None
    else:
        if y is None:
            raise ValueError(
                f"{what}: `y` is required: the model was compiled with a loss, which "
                "compares targets with predictions. Pass y=..., or batches of (x, y)."
            )
        ys = as_list(y, spec.output_names, "y", spec.name)
    sw = None if sample_weight is None else as_array(sample_weight, "sample_weight")
    check_lengths(**{f"x{i or ''}": a for i, a in enumerate(xs)},
                  **{f"y{i or ''}": a for i, a in enumerate(ys or [])}, sample_weight=sw)
    for xi, shape in zip(xs, spec.input_shapes):
        check_features(xi, shape, spec.name)
    if ys is not None:
        ys = [check_targets(yi, shape, fn)
              for yi, shape, fn in zip(ys, spec.output_shapes, spec.losses)]
    return xs, ys, sw


def row_weights(ys, sw, class_weight, n):
    """Per-row weights (numpy): ``sample_weight`` times ``class_weight[label]``."""
    if sw is None:
        sw = np.ones(n, np.float32)
    else:
        sw = np.asarray(sw, np.float32).reshape(n, -1)[:, 0] if sw.ndim > 1 else sw
    if class_weight is not None:
        if not ys:
            raise ValueError("`class_weight` needs targets `y` to look up each row's class.")
        y = ys[0]
        labels = y.argmax(-1) if (y.ndim > 1 and y.shape[-1] > 1) else y.reshape(len(y))
        labels = np.round(labels).astype(np.int64)
        missing = sorted(set(np.unique(labels).tolist()) - set(class_weight))
        if missing:
            raise ValueError(
                f"`class_weight` has no entry for classes {missing}. Expected a dict "
                f"with a weight for every class label. Received keys {sorted(class_weight)}."
            )
        sw = sw * np.array([class_weight[int(c)] for c in labels], np.float32)
    return np.asarray(sw, np.float32)


def as_array(value, what):
    """Convert ``x``/``y``/``sample_weight`` to a numeric numpy array, or explain why not."""
    if value is None:
        raise ValueError(f"`{what}` is required. Received: {what}=None")
    if hasattr(value, "__next__") or type(value).__name__ in ("DatasetV2", "_PrefetchDataset",
                                                              "PyDataset", "DataLoader"):
        raise TypeError(
            f"`{what}` is a {type(value).__name__} (a generator or dataset object) where an "
            "array was expected. Pass it as `x` alone (its batches carry their labels), "
            "or collect it into arrays first."
        )
    if hasattr(value, "dtypes") and hasattr(value, "to_numpy"):  # pandas
        bad = [str(c) for c, d in value.dtypes.items()
               if getattr(d, "kind", "O") not in "biufc"] if hasattr(value.dtypes, "items") else []
        if bad:
            raise TypeError(
                f"`{what}` has non-numeric columns {bad}. Expected only numeric columns; "
                "encode or drop them before training."
            )
        value = value.to_numpy()
    try:
        arr = np.asarray(value)
    except ValueError as err:  # ragged nested lists
        raise ValueError(
            f"`{what}` could not be converted to an array: {err}. Expected a rectangular "
            "array (all rows the same length). Sequences of different lengths: pad them to "
            "one length first, e.g. `kerasish.utils.pad_sequences(sequences)` (and "
            "`Embedding(..., mask_zero=True)` to mask the padding)."
        ) from None
    if arr.dtype == object:
        raise TypeError(
            f"`{what}` must be numeric. Received an array of Python objects (ragged lists "
            f"or mixed types), shape {arr.shape}. Pass a rectangular numeric array."
        )
    if arr.dtype == bool:
        arr = arr.astype(np.float32)
    if not np.issubdtype(arr.dtype, np.number):
        hint = (" To train on text, start the model with `Input(shape=(1,), "
                "dtype='string')` and a `TextVectorization` (or `StringLookup`) layer, which "
                "run on the host, or apply such a layer to the data first."
                if arr.dtype.kind in "US" else "")
        raise TypeError(f"`{what}` must be numeric. Received dtype {arr.dtype}.{hint}")
    if arr.ndim == 0:
        raise ValueError(f"`{what}` must have a batch dimension. Received a scalar: {arr!r}")
    if arr.shape[0] == 0:
        raise ValueError(f"`{what}` is empty (0 samples). Expected at least one sample.")
    if np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.complexfloating):
        if not np.all(np.isfinite(arr)):
            bad = np.argwhere(~np.isfinite(arr))[0]
            n_nan, n_inf = int(np.isnan(arr).sum()), int(np.isinf(arr).sum())
            raise ValueError(
                f"`{what}` contains non-finite values ({n_nan} NaN, {n_inf} inf; the first "
                f"at index {tuple(int(i) for i in bad)}). Training on them gives NaN weights. "
                "Remove or impute these values first."
            )
    return arr


def check_lengths(**arrays):
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k}: {n}" for k, n in lengths.items())
        raise ValueError(
            f"Data cardinality is ambiguous: every array must have the same number of "
            f"samples. Received {desc}."
        )


def check_features(x, input_shape, model_name):
    """``x.shape[1:]`` must match the model's input shape (None matches anything)."""
    expected = tuple(input_shape[1:])
    got = tuple(x.shape[1:])
    if len(expected) != len(got) or any(e is not None and e != g for e, g in zip(expected, got)):
        raise ValueError(
            f"Input has the wrong shape for model {model_name!r}: expected samples of "
            f"shape {expected} (input shape {tuple(input_shape)}), received x with shape "
            f"{x.shape}, i.e. samples of shape {got}."
        )


def loss_kind(loss):
    """'sparse', 'binary', 'categorical' or None (for the label checks and the
    diagnostics)."""
    if isinstance(loss, losses_module.SparseCategoricalCrossentropy):
        return "sparse"
    if isinstance(loss, losses_module.BinaryCrossentropy):
        return "binary"
    if isinstance(loss, losses_module.CategoricalCrossentropy):
        return "categorical"
    return None


def _label_rule(loss):
    """How a loss whose labels are not shaped like the output takes them: 'ids' (one
    integer class id per sample, CategoricalGeneralizedCrossEntropy), 'groups' (one
    integer group label per sample, Circle) or 'sequences' (0-padded integer label
    sequences, CTC); None for losses that compare labels with outputs entry by entry."""
    fn = getattr(loss, "fn", None)
    for rule, cls, function in (
            ("ids", losses_module.CategoricalGeneralizedCrossEntropy,
             losses_module.categorical_generalized_cross_entropy),
            ("groups", losses_module.Circle, losses_module.circle),
            ("sequences", losses_module.CTC, losses_module.ctc)):
        if isinstance(loss, cls) or fn is function:
            return rule
    return None


def _check_integer_labels(labels, loss_name, what):
    if np.issubdtype(labels.dtype, np.floating) and not np.all(labels == np.round(labels)):
        raise ValueError(
            f"{loss_name} expects integer {what}. Received non-integer values such as "
            f"{labels[labels != np.round(labels)][0]!r}."
        )


def _check_rule_targets(y, out, rule, loss):
    """Labels of the losses of :func:`_label_rule`; returns them as int32."""
    loss_name = type(loss).__name__
    if rule in ("ids", "groups"):
        labels = y[..., 0] if (y.ndim == 2 and y.shape[-1] == 1) else y
        if labels.ndim != 1:
            raise ValueError(
                f"{loss_name} expects one integer label per sample, shape (n,) or (n, 1). "
                f"Received y with shape {y.shape}."
                + (" It looks one-hot encoded: pass y.argmax(-1)." if rule == "ids" else ""))
        _check_integer_labels(labels, loss_name, "labels")
        n_classes = out[-1] if out else None
        if rule == "ids" and n_classes is not None and (labels.min() < 0
                                                        or labels.max() >= n_classes):
            raise ValueError(
                f"{loss_name} expects class ids in [0, {n_classes}) for a model with "
                f"{n_classes} outputs. Received labels from {labels.min():g} to "
                f"{labels.max():g}. Re-encode the labels as 0..{n_classes - 1}, or give "
                f"the last layer {int(labels.max()) + 1} units."
            )
        return y.astype(np.int32)
    # CTC: (n, max_label_length) class ids, 0 (the blank) pads; outputs (n, T, classes).
    if y.ndim != 2:
        raise ValueError(
            f"{loss_name} expects label sequences of shape (n, max_label_length): integer "
            f"class ids, padded with 0 (the blank). Received y with shape {y.shape}."
        )
    _check_integer_labels(y, loss_name, "class ids")
    if len(out) != 2:
        raise ValueError(
            f"{loss_name} expects the model to output logits of shape (n, time_steps, "
            f"classes). The model outputs samples of shape {out}."
        )
    n_classes = out[-1]
    if n_classes is not None and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"{loss_name} expects class ids in [0, {n_classes}) (0 is the blank) for a "
            f"model with {n_classes} classes per step. Received ids from {y.min():g} to "
            f"{y.max():g}."
        )
    return y.astype(np.int32)


def check_targets(y, output_shape, loss):
    """Check labels against the model's output and the loss; return y as sent to device."""
    kind = loss_kind(loss)
    out = tuple(output_shape[1:])
    rule = _label_rule(loss)
    if rule is not None:
        return _check_rule_targets(y, out, rule, loss)
    if kind == "sparse":
        n_classes = out[-1] if out else None
        labels = y[..., 0] if (y.ndim >= 2 and y.shape[-1] == 1) else y
        if y.ndim >= 2 and y.shape[-1] == n_classes and n_classes and n_classes > 1 \
                and y.shape[-1] != 1:
            raise ValueError(
                f"SparseCategoricalCrossentropy expects integer class labels of shape "
                f"(n,) but received y with shape {y.shape}, which looks one-hot encoded. "
                "Use CategoricalCrossentropy for one-hot labels, or pass y.argmax(-1)."
            )
        if np.issubdtype(labels.dtype, np.floating) and not np.all(labels == np.round(labels)):
            raise ValueError(
                "SparseCategoricalCrossentropy expects integer class labels. Received "
                f"non-integer values such as {labels[labels != np.round(labels)][0]!r}."
            )
        if n_classes is not None:
            lo, hi = labels.min(), labels.max()
            if lo < 0 or hi >= n_classes:
                raise ValueError(
                    f"Labels must be in [0, {n_classes}) for a model with {n_classes} "
                    f"outputs. Received labels from {lo:g} to {hi:g}. Either the labels "
                    f"need re-encoding (0..{n_classes - 1}) or the last layer needs "
                    f"{int(hi) + 1} units."
                )
        return y.astype(np.int32)
    if kind == "binary":
        lo, hi = y.min(), y.max()
        if lo < 0 or hi > 1:
            raise ValueError(
                f"BinaryCrossentropy expects labels in [0, 1]. Received labels from "
                f"{lo:g} to {hi:g}. For more than two classes use "
                "SparseCategoricalCrossentropy with a softmax (or linear) output layer."
            )
    if kind == "categorical" and (y.ndim < 2 or tuple(y.shape[1:]) != out):
        raise ValueError(
            f"CategoricalCrossentropy expects one-hot labels shaped like the output "
            f"{(None,) + out}. Received y with shape {y.shape}. For integer labels use "
            "SparseCategoricalCrossentropy, or one-hot encode with "
            "kerasish.utils.to_categorical(y)."
        )
    if kind != "sparse":
        yt = tuple(d for d in y.shape[1:])
        squeeze = lambda s: tuple(d for d in s if d != 1)  # noqa: E731  (Keras's rank fix)
        if out and None not in out and squeeze(yt) != squeeze(out):
            raise ValueError(
                f"Target shape does not match the model output: y has samples of shape "
                f"{yt}, the model outputs samples of shape {out}. Check the last layer's "
                "units or reshape y."
            )
    return y


def split_validation(arrays, validation_split):
    """Keras's rule: the *last* fraction of the samples, taken before any shuffling."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(
            f"`validation_split` must be in [0, 1). Received: validation_split={validation_split}"
        )
    n = len(arrays[0])
    n_train = int(np.floor(n * (1.0 - validation_split)))
    if n_train == 0 or n_train == n:
        raise ValueError(
            f"validation_split={validation_split} leaves no samples for "
            f"{'training' if n_train == 0 else 'validation'} with {n} samples."
        )
    train = tuple(None if a is None else a[:n_train] for a in arrays)
    val = tuple(None if a is None else a[n_train:] for a in arrays)
    return train, val
