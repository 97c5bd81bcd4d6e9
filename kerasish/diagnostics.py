"""Warnings that teach: mistakes that train without error but train wrong.

``fit`` calls :func:`before_fit` once its data passed the hard checks, and
:func:`after_first_epoch` with the first epoch's logs. Each warning is given once per
model, says what is wrong and what to change, and names a code to silence it with.
Only what can be told for sure from the model's structure, the compiled loss and
metrics, the labels, and the first epoch is checked:

============================  ===========================================================
code                          when
============================  ===========================================================
``logits_after_activation``   ``from_logits=True`` with a sigmoid/softmax output layer
``probabilities_expected``    a cross-entropy with ``from_logits=False`` after a linear
                              (no activation) output layer
``softmax_binary``            a multi-unit softmax output with ``BinaryCrossentropy``
``multilabel_accuracy``       ``'accuracy'`` with a multi-unit sigmoid output and labels
                              with several 1s per row (``'accuracy'`` means categorical
                              accuracy there)
``linear_hidden_layers``      a stack of ``Dense`` layers whose hidden layers all have no
                              activation (the network collapses to one linear map)
``nan_loss``                  the loss is NaN or infinite after the first epoch
============================  ===========================================================

>>> import warnings, numpy as np, kerasish
>>> from kerasish.layers import Dense
>>> model = kerasish.Sequential([kerasish.Input(shape=(2,)), Dense(1, activation="sigmoid")])
>>> model.compile(loss=kerasish.losses.BinaryCrossentropy(from_logits=True), optimizer="sgd")
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     _ = model.fit(np.zeros((4, 2)), np.zeros(4), verbose=0)
>>> [w.category.__name__ for w in caught]
['DiagnosticWarning']

Silence one kind with ``kerasish.diagnostics.silence("nan_loss")``, all of them with
``silence()``, or with the standard ``warnings`` filters on :class:`DiagnosticWarning`.
"""

import math
import sys
import warnings

import numpy as np

CODES = ("logits_after_activation", "probabilities_expected", "softmax_binary",
         "multilabel_accuracy", "linear_hidden_layers", "nan_loss")

_silenced = set()


class DiagnosticWarning(UserWarning):
    """A likely mistake in how a model is set up or trained (see the module docs)."""


def silence(*codes):
    """Stop the given diagnostics (all of them when no code is given).

    >>> silence("nan_loss"); "nan_loss" in _silenced
    True
    >>> unsilence()
    """
    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise ValueError(f"Unknown diagnostic code(s) {unknown}. Known codes: {list(CODES)}.")
    _silenced.update(codes or CODES)


def unsilence(*codes):
    """Turn the given diagnostics (all when no code is given) back on."""
    if codes:
        _silenced.difference_update(codes)
    else:
        _silenced.clear()


def _user_stacklevel():
    """The ``warnings`` stacklevel of the first frame outside kerasish: the user's
    ``fit`` call."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "kerasish":
        frame, level = frame.f_back, level + 1
    return level


def _warn_once(model, code, message):
    if code in _silenced:
        return
    seen = model.__dict__.setdefault("_diagnostics_seen", set())
    if code in seen:
        return
    seen.add(code)
    warnings.warn(f"{message} (To silence: kerasish.diagnostics.silence({code!r}).)",
                  DiagnosticWarning, stacklevel=_user_stacklevel())


# ------------------------------------------------------------------ what we look at


def _layers(model):
    """The model's layers in order, for a Sequential stack only (else None)."""
    if not (hasattr(model, "add") and hasattr(model, "pop")):  # Sequential's surface
        return None
    return list(model.layers) or None


def _activation_name(layer):
    """'sigmoid', 'softmax', 'linear' for a layer with a built-in activation, else None."""
    from kerasish import activations

    fn = getattr(layer, "activation", None)
    for name in ("sigmoid", "softmax", "linear"):
        if fn is getattr(activations, name):
            return name
    return None


def _loss_kind(loss):
    from kerasish.engine.checks import loss_kind

    return loss_kind(loss)


def _metric_strings(model):
    out = []
    config = model.get_compile_config() or {}
    for group in (config.get("metrics"), config.get("weighted_metrics")):
        if isinstance(group, str):
            group = [group]
        if isinstance(group, (list, tuple)):
            out += [m.lower() for m in group if isinstance(m, str)]
    return out


def _single(data):
    """The one array of ``x``/``y``, or None for several inputs/outputs."""
    if isinstance(data, (list, tuple)):
        return data[0] if len(data) == 1 else None
    return None if isinstance(data, dict) else data


# ------------------------------------------------------------------ the checks


def before_fit(model, x, y, stack=None):
    """Checks on the compiled model and the data, before the first step.

    ``stack``: the layers of a plain stack (Sequential), where the output layer and
    the hidden layers can be told apart; by default found from ``model``.
    """
    _check_first_embedding(model, x, stack)
    layers = list(stack) if stack is not None else _layers(model)
    losses_ = model.compiled_losses() if getattr(model, "compiled", False) else [None]
    loss = losses_[0] if len(losses_) == 1 else None
    if layers is None:
        return
    last = layers[-1]
    activation = _activation_name(last)
    units = getattr(last, "units", None)
    kind = _loss_kind(loss)
    loss_name = type(loss).__name__
    fixed = {"binary": ("sigmoid", "Dense(1)"), "categorical": ("softmax", "Dense(n_classes)"),
             "sparse": ("softmax", "Dense(n_classes)")}

    if kind and loss.from_logits and activation in ("sigmoid", "softmax"):
        _warn_once(model, "logits_after_activation", (
            f"The loss is {loss_name}(from_logits=True), which expects raw scores (logits), "
            f"but the output layer {last.name!r} already applies {activation}: the loss "
            f"applies {activation} a second time, so it is computed on the wrong values. "
            f"Fix: remove the activation from the last layer ({fixed[kind][1]} with no "
            "activation) and keep from_logits=True (the numerically stable choice), or keep "
            "the activation and use from_logits=False."))
    if kind and not loss.from_logits and activation == "linear":
        want = fixed[kind][0]
        _warn_once(model, "probabilities_expected", (
            f"The output layer {last.name!r} has no activation, so it outputs unbounded "
            f"scores, but {loss_name}(from_logits=False) expects probabilities: values are "
            "clipped to [1e-7, 1 - 1e-7], the loss is wrong and the gradient vanishes "
            f"outside that range. Fix: loss={loss_name}(from_logits=True) (recommended; "
            f"predict() then returns logits, apply {want} to get probabilities), or add "
            f"activation='{want}' to the last layer."))
    if kind == "binary" and activation == "softmax" and units and units > 1:
        _warn_once(model, "softmax_binary", (
            f"The output layer {last.name!r} uses softmax, which makes its {units} outputs "
            "compete (they sum to 1), but BinaryCrossentropy scores each output as an "
            "independent yes/no. Fix: for one class per sample use "
            "loss='categorical_crossentropy' (one-hot labels) or "
            "'sparse_categorical_crossentropy' (integer labels); for several labels per "
            "sample use activation='sigmoid'."))
    if activation == "sigmoid" and units and units > 1 and \
            any(m in ("accuracy", "acc") for m in _metric_strings(model)):
        labels = _single(y)
        labels = None if labels is None else np.asarray(labels)
        if labels is not None and labels.ndim == 2 and labels.shape[1] == units \
                and np.any((labels > 0.5).sum(axis=1) != 1):
            _warn_once(model, "multilabel_accuracy", (
                f"metrics=['accuracy'] with a {units}-unit sigmoid output and labels with "
                "several (or no) positives per row: Keras resolves 'accuracy' here to "
                "categorical accuracy (arg-max of the outputs vs arg-max of the labels), "
                "which ignores all but one label per sample. For multi-label outputs use "
                "metrics=['binary_accuracy'] (every label thresholded at 0.5)."))
    _check_linear_stack(model, layers)


def _check_first_embedding(model, x, stack):
    """An error, not a warning: ids beyond an ``Embedding`` that reads the model's input
    (a vocabulary larger than ``input_dim``) would train on nothing, silently."""
    x = _single(x) if isinstance(x, (list, tuple, dict)) else x
    finder = getattr(model, "_layers_reading_input", None)
    if x is None or finder is None:
        return
    for layer in finder():
        if hasattr(layer, "check_ids"):
            layer.check_ids(x)


def _check_linear_stack(model, layers):
    from kerasish.layers import Dense, InputLayer, Normalization

    dense = [la for la in layers if isinstance(la, Dense)]
    # Only plain stacks: any other layer type could be the non-linearity.
    if len(dense) < 2 or any(not isinstance(la, (Dense, InputLayer, Normalization))
                             for la in layers):
        return
    hidden = dense[:-1]
    if all(_activation_name(la) == "linear" for la in hidden):
        names = ", ".join(repr(la.name) for la in hidden)
        what = {"sigmoid": "logistic regression", "softmax": "softmax regression"}.get(
            _activation_name(dense[-1]), "linear regression")
        _warn_once(model, "linear_hidden_layers", (
            f"The hidden layer(s) {names} have no activation, so the whole network is one "
            "linear map (a product of matrices is a matrix): it can learn nothing that "
            f"{what} cannot, however many layers or units it has. Fix: give the hidden "
            "layers a non-linear activation, e.g. Dense(25, activation='relu')."))


def after_first_epoch(model, logs):
    """Checks on how the first epoch went."""
    loss = (logs or {}).get("loss")
    try:
        finite = loss is None or math.isfinite(float(loss))
    except (TypeError, ValueError):
        return
    if not finite:
        _warn_once(model, "nan_loss", (
            f"The loss is {float(loss)} after the first epoch: training has diverged (the "
            "inputs were checked and are finite). Usual causes: a learning rate too large "
            "(try 10x smaller), unscaled inputs (standardize them, e.g. with "
            "layers.Normalization), or a custom loss taking log of 0. Add "
            "callbacks=[kerasish.callbacks.TerminateOnNaN()] to stop at the first NaN and "
            "keep the last finite weights."))
