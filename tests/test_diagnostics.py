"""Diagnostics: each warning fires (once per model, with its fix and its code) on the
mistake it is about, never on the correct setups next to it, and can be silenced."""

import re
import warnings

import numpy as np
import pytest

import kerasish
from kerasish import diagnostics, losses
from kerasish.diagnostics import DiagnosticWarning
from kerasish.layers import Dense, Normalization

X = np.random.default_rng(0).normal(size=(24, 4)).astype("float32")
Y_BIN = (X[:, 0] > 0).astype("float32")
Y_INT = (X[:, 0] > 0).astype("int32") + (X[:, 1] > 0).astype("int32")  # 3 classes
Y_ONE_HOT = np.eye(3, dtype="float32")[Y_INT]
Y_MULTI = (X[:, :3] > 0).astype("float32")  # several labels per row


def model_of(*layers, loss, metrics=None):
    model = kerasish.Sequential([kerasish.Input(shape=(4,)), *layers])
    model.compile(loss=loss, optimizer="sgd", metrics=metrics)
    return model


def codes(model, y, x=X):
    """The diagnostics ``fit`` would give for this model and data (without training)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        diagnostics.before_fit(model, x, y)
    found = [str(w.message) for w in caught if issubclass(w.category, DiagnosticWarning)]
    return [m.split("silence('")[1].split("'")[0] for m in found], found


MISTAKES = [
    ("logits_after_activation", lambda: model_of(
        Dense(1, activation="sigmoid"), loss=losses.BinaryCrossentropy(from_logits=True)),
     Y_BIN, r"applies sigmoid a second time.*remove the activation"),
    ("logits_after_activation", lambda: model_of(
        Dense(3, activation="softmax"),
        loss=losses.SparseCategoricalCrossentropy(from_logits=True)),
     Y_INT, r"already applies softmax"),
    ("probabilities_expected", lambda: model_of(Dense(1), loss="binary_crossentropy"),
     Y_BIN, r"BinaryCrossentropy\(from_logits=False\) expects probabilities.*"
            r"loss=BinaryCrossentropy\(from_logits=True\).*activation='sigmoid'"),
    ("probabilities_expected", lambda: model_of(Dense(3), loss="categorical_crossentropy"),
     Y_ONE_HOT, r"activation='softmax'"),
    ("softmax_binary", lambda: model_of(
        Dense(3, activation="softmax"), loss="binary_crossentropy"),
     Y_ONE_HOT, r"softmax.*compete.*categorical_crossentropy"),
    ("multilabel_accuracy", lambda: model_of(
        Dense(3, activation="sigmoid"), loss="binary_crossentropy", metrics=["accuracy"]),
     Y_MULTI, r"metrics=\['binary_accuracy'\]"),
    ("linear_hidden_layers", lambda: model_of(
        Dense(8), Dense(8), Dense(1, activation="sigmoid"), loss="binary_crossentropy"),
     Y_BIN, r"'dense(_\d+)?', 'dense_\d+' have no activation.*logistic regression"),
]


@pytest.mark.parametrize("code,make,y,match", MISTAKES,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MISTAKES)])
def test_each_mistake_is_reported_with_its_fix(code, make, y, match):
    model = make()
    found, messages = codes(model, y)
    assert found == [code]
    assert re.search(match, messages[0]), messages[0]
    assert codes(model, y)[0] == []  # once per model


CORRECT = [
    (lambda: model_of(Dense(8, activation="relu"), Dense(1, activation="sigmoid"),
                      loss="binary_crossentropy", metrics=["accuracy"]), Y_BIN),
    (lambda: model_of(Dense(8, activation="relu"), Dense(1),
                      loss=losses.BinaryCrossentropy(from_logits=True)), Y_BIN),
    (lambda: model_of(Dense(8, activation="relu"), Dense(3, activation="softmax"),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"]), Y_INT),
    (lambda: model_of(Dense(3), loss=losses.SparseCategoricalCrossentropy(from_logits=True)),
     Y_INT),
    (lambda: model_of(Dense(3, activation="softmax"), loss="categorical_crossentropy",
                      metrics=["accuracy"]), Y_ONE_HOT),
    (lambda: model_of(Dense(3, activation="sigmoid"), loss="binary_crossentropy",
                      metrics=["binary_accuracy"]), Y_MULTI),
    # one-hot labels: there categorical accuracy is the right reading of 'accuracy'
    (lambda: model_of(Dense(3, activation="sigmoid"), loss="binary_crossentropy",
                      metrics=["accuracy"]), Y_ONE_HOT),
    (lambda: model_of(Normalization(), Dense(1), loss="mse"), Y_BIN),  # linear regression
    (lambda: model_of(Dense(1, activation="sigmoid"), loss="binary_crossentropy"), Y_BIN),
]


@pytest.mark.parametrize("make,y", CORRECT, ids=range(len(CORRECT)))
def test_correct_setups_are_quiet(make, y):
    assert codes(make(), y) == ([], [])


def test_fit_warns_at_the_users_line_and_nan_after_first_epoch():
    model = model_of(Dense(1, activation="sigmoid"),
                     loss=losses.BinaryCrossentropy(from_logits=True))
    with pytest.warns(DiagnosticWarning, match="second time") as record:
        model.fit(X, Y_BIN, epochs=1, verbose=0)
    assert record[0].filename == __file__

    model = model_of(Dense(8, activation="relu"), Dense(1), loss="mse")
    model.compile(loss="mse", optimizer=kerasish.optimizers.SGD(1e3))
    with pytest.warns(DiagnosticWarning, match=r"The loss is (nan|inf) after the first epoch"
                                               r".*TerminateOnNaN"):
        model.fit(X * 100, Y_BIN, batch_size=2, epochs=1, verbose=0)


def test_silence_and_unsilence():
    make = MISTAKES[2][1]
    diagnostics.silence("probabilities_expected")
    try:
        assert codes(make(), Y_BIN) == ([], [])
        diagnostics.silence()
        assert codes(MISTAKES[0][1](), Y_BIN) == ([], [])
    finally:
        diagnostics.unsilence()
    assert codes(make(), Y_BIN)[0] == ["probabilities_expected"]
    with pytest.raises(ValueError, match=r"Unknown diagnostic code\(s\) \['nan'\]"):
        diagnostics.silence("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiagnosticWarning)  # the standard way works too
        model = make()
        with warnings.catch_warnings(record=True) as caught:
            diagnostics.before_fit(model, X, Y_BIN)
        assert caught == []
