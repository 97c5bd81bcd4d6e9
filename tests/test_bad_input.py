"""Bad input: a clear error before any training step, and nothing lost.

One table of cases; each names the call, the exception and the words the message must
contain. Every case runs against a model that was already trained for one epoch, and
afterwards checks that its weights and its optimizer state are bit-identical to what
they were, and that a good ``fit`` still trains (Keras 3 on JAX can leave a model
unusable after a shape error inside ``fit``; kerasish must not).

Models are compiled once per module (a fresh model costs a compilation of its train
step): each case snapshots the state it must leave untouched just before its bad call.
"""

from typing import Any, Callable, NamedTuple

import jax
import numpy as np
import pytest

import kerasish
from kerasish.layers import Dense
from kerasish.losses import SparseCategoricalCrossentropy

N, FEATURES, CLASSES, BATCH = 48, 4, 3, 16
STEPS = N // BATCH  # optimizer steps per good epoch


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, FEATURES)).astype(np.float32)
    labels = (np.abs(x[:, 0]) * 2).astype(np.int64) % CLASSES
    return {
        "x": x,
        "binary": (x[:, 0] > 0).astype(np.float32),
        "sparse": labels,
        "sparse_fn": labels,
        "categorical": np.eye(CLASSES, dtype=np.float32)[labels],
    }


def _build(kind):
    out = {
        "binary": (Dense(1, activation="sigmoid"), "binary_crossentropy"),
        "sparse": (Dense(CLASSES), SparseCategoricalCrossentropy(from_logits=True)),
        # the function form: label checks must not depend on the loss being a class
        "sparse_fn": (Dense(CLASSES, activation="softmax"),
                      kerasish.losses.sparse_categorical_crossentropy),
        "categorical": (Dense(CLASSES, activation="softmax"), "categorical_crossentropy"),
    }[kind]
    model = kerasish.Sequential([kerasish.Input(shape=(FEATURES,)),
                                 Dense(5, activation="relu"), out[0]])
    return model, out[1]


@pytest.fixture(scope="module")
def trained(data):
    """kind -> a model compiled with Adam and trained one epoch (built lazily, once)."""
    models = {}

    def get(kind):
        if kind not in models:
            model, loss = _build(kind)
            model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
            model.fit(data["x"], data[kind], epochs=1, batch_size=BATCH, verbose=0)
            models[kind] = model
        return models[kind]

    return get


def snapshot(model):
    opt = model.get_optimizer_state()
    return (
        [np.array(w) for w in model.get_weights()],
        None if opt is None else jax.tree_util.tree_structure(opt),
        None if opt is None else [np.array(a) for a in jax.tree_util.tree_leaves(opt)],
    )


def assert_unchanged(model, before):
    weights, treedef, leaves = snapshot(model)
    assert len(weights) == len(before[0])
    for i, (a, b) in enumerate(zip(weights, before[0])):
        assert a.dtype == b.dtype and np.array_equal(a, b), f"weight {i} changed"
    assert treedef == before[1], "optimizer state structure changed"
    if leaves is not None:
        assert len(leaves) == len(before[2]) > 0
        for i, (a, b) in enumerate(zip(leaves, before[2])):
            assert a.dtype == b.dtype and np.array_equal(a, b), f"optimizer leaf {i} changed"


def assert_good_fit_works(model, data, kind):
    weights_before = model.get_weights()
    iterations = int(model.get_optimizer_state().iterations)
    history = model.fit(data["x"], data[kind], epochs=1, batch_size=BATCH, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert int(model.get_optimizer_state().iterations) == iterations + STEPS
    assert any(not np.array_equal(a, b) for a, b in zip(model.get_weights(), weights_before))
    assert all(np.isfinite(w).all() for w in model.get_weights())


# -- the data each case corrupts ---------------------------------------------------------
def with_value(arr, value, index=(5,)):
    out = np.array(arr, dtype=np.result_type(arr, type(value)))
    out[index] = value
    return out


def strings(shape):
    return np.full(shape, "a", dtype="<U1")


RAGGED = [[0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0]]


class Case(NamedTuple):
    id: str
    kind: str
    call: Callable[[Any, dict], Any]
    exc: type
    match: str


def fit(m, x, y, **kw):
    return m.fit(x, y, epochs=kw.pop("epochs", 1), batch_size=kw.pop("batch_size", BATCH),
                 verbose=0, **kw)


CASES = [
    # mismatched feature count
    Case("fit-too-few-features", "binary", lambda m, d: fit(m, d["x"][:, :3], d["binary"]),
         ValueError, r"expected samples of shape \(4,\).*\(48, 3\)"),
    Case("fit-too-many-features", "binary",
         lambda m, d: fit(m, np.hstack([d["x"], d["x"][:, :1]]), d["binary"]),
         ValueError, r"expected samples of shape \(4,\).*\(48, 5\)"),
    Case("fit-extra-axis", "binary", lambda m, d: fit(m, d["x"][:, :, None], d["binary"]),
         ValueError, r"expected samples of shape \(4,\)"),
    Case("evaluate-wrong-features", "binary",
         lambda m, d: m.evaluate(d["x"][:, :2], d["binary"], verbose=0),
         ValueError, r"expected samples of shape \(4,\)"),
    Case("predict-wrong-features", "binary", lambda m, d: m.predict(d["x"][:, :2], verbose=0),
         ValueError, r"expected samples of shape \(4,\)"),
    Case("fit-validation-wrong-features", "binary",
         lambda m, d: fit(m, d["x"], d["binary"], validation_data=(d["x"][:, :3], d["binary"])),
         ValueError, r"expected samples of shape \(4,\)"),
    # x / y length mismatch
    Case("fit-length-mismatch", "binary", lambda m, d: fit(m, d["x"], d["binary"][:-1]),
         ValueError, r"cardinality.*x: 48, y: 47"),
    Case("evaluate-length-mismatch", "sparse",
         lambda m, d: m.evaluate(d["x"][:10], d["sparse"], verbose=0),
         ValueError, r"cardinality.*x: 10, y: 48"),
    Case("fit-sample-weight-length", "binary",
         lambda m, d: fit(m, d["x"], d["binary"], sample_weight=np.ones(7)),
         ValueError, r"cardinality.*sample_weight: 7"),
    # sparse labels outside [0, n_classes)
    Case("fit-sparse-label-too-high", "sparse",
         lambda m, d: fit(m, d["x"], with_value(d["sparse"], CLASSES)),
         ValueError, r"Labels must be in \[0, 3\).*from 0 to 3"),
    Case("fit-sparse-label-negative", "sparse",
         lambda m, d: fit(m, d["x"], with_value(d["sparse"], -1)),
         ValueError, r"Labels must be in \[0, 3\).*from -1"),
    Case("fit-sparse-label-not-integer", "sparse",
         lambda m, d: fit(m, d["x"], with_value(d["sparse"], 0.5)),
         ValueError, r"integer class labels.*0\.5"),
    Case("evaluate-sparse-label-too-high", "sparse",
         lambda m, d: m.evaluate(d["x"], with_value(d["sparse"], 7), verbose=0),
         ValueError, r"Labels must be in \[0, 3\)"),
    Case("fit-sparse-validation-label-too-high", "sparse",
         lambda m, d: fit(m, d["x"], d["sparse"],
                          validation_data=(d["x"], with_value(d["sparse"], 3))),
         ValueError, r"Labels must be in \[0, 3\)"),
    Case("fit-sparse-function-form-label-too-high", "sparse_fn",
         lambda m, d: fit(m, d["x"], with_value(d["sparse"], 3)),
         ValueError, r"Labels must be in \[0, 3\)"),
    # binary labels outside [0, 1]
    Case("fit-binary-label-2", "binary", lambda m, d: fit(m, d["x"], with_value(d["binary"], 2.0)),
         ValueError, r"labels in \[0, 1\].*from 0 to 2"),
    Case("fit-binary-label-negative", "binary",
         lambda m, d: fit(m, d["x"], with_value(d["binary"], -1.0)),
         ValueError, r"labels in \[0, 1\]"),
    Case("evaluate-binary-label-out", "binary",
         lambda m, d: m.evaluate(d["x"], with_value(d["binary"], 3.0), verbose=0),
         ValueError, r"labels in \[0, 1\]"),
    # NaN or inf in x or y (or weights, or validation data)
    Case("fit-nan-x", "binary", lambda m, d: fit(m, with_value(d["x"], np.nan, (3, 2)), d["binary"]),
         ValueError, r"`x` contains non-finite values \(1 NaN, 0 inf.*\(3, 2\)"),
    Case("fit-inf-x", "binary", lambda m, d: fit(m, with_value(d["x"], np.inf, (0, 0)), d["binary"]),
         ValueError, r"`x` contains non-finite values \(0 NaN, 1 inf"),
    Case("fit-neg-inf-x", "sparse",
         lambda m, d: fit(m, with_value(d["x"], -np.inf, (1, 1)), d["sparse"]),
         ValueError, r"`x` contains non-finite"),
    Case("fit-nan-y", "binary", lambda m, d: fit(m, d["x"], with_value(d["binary"], np.nan)),
         ValueError, r"`y` contains non-finite values \(1 NaN"),
    Case("fit-inf-y", "categorical",
         lambda m, d: fit(m, d["x"], with_value(d["categorical"], np.inf, (2, 1))),
         ValueError, r"`y` contains non-finite values \(0 NaN, 1 inf"),
    Case("fit-nan-sample-weight", "binary",
         lambda m, d: fit(m, d["x"], d["binary"], sample_weight=with_value(np.ones(N), np.nan)),
         ValueError, r"`sample_weight` contains non-finite"),
    Case("fit-nan-validation-x", "binary",
         lambda m, d: fit(m, d["x"], d["binary"],
                          validation_data=(with_value(d["x"], np.nan, (0, 0)), d["binary"])),
         ValueError, r"`x` contains non-finite"),
    Case("evaluate-nan-x", "binary",
         lambda m, d: m.evaluate(with_value(d["x"], np.nan, (0, 0)), d["binary"], verbose=0),
         ValueError, r"`x` contains non-finite"),
    Case("predict-nan-x-float32", "binary",
         lambda m, d: m.predict(with_value(d["x"], np.nan, (0, 0)), verbose=0),
         ValueError, r"`x` contains non-finite"),
    Case("predict-inf-x-float64", "binary",
         lambda m, d: m.predict(with_value(d["x"].astype(np.float64), np.inf, (0, 0)), verbose=0),
         ValueError, r"`x` contains non-finite"),
    # non-numeric arrays
    Case("fit-string-x", "binary", lambda m, d: fit(m, strings((N, FEATURES)), d["binary"]),
         TypeError, r"`x` must be numeric"),
    Case("fit-string-y", "binary", lambda m, d: fit(m, d["x"], strings((N,))),
         TypeError, r"`y` must be numeric"),
    Case("fit-mixed-object-x", "binary",
         lambda m, d: fit(m, np.array([[1.0, "a", None, 2.0]] * N, dtype=object), d["binary"]),
         TypeError, r"`x` must be numeric"),
    Case("evaluate-string-y", "sparse",
         lambda m, d: m.evaluate(d["x"], strings((N,)), verbose=0),
         TypeError, r"`y` must be numeric"),
    Case("predict-string-x", "binary", lambda m, d: m.predict(strings((3, FEATURES)), verbose=0),
         TypeError, r"`x` must be numeric"),
    Case("fit-none-x", "binary", lambda m, d: fit(m, None, d["binary"]),
         ValueError, r"`x` is required"),
    Case("fit-none-y", "binary", lambda m, d: fit(m, d["x"], None),
         ValueError, r"`y` is required"),
    # ragged Python lists
    Case("fit-ragged-x", "binary", lambda m, d: fit(m, RAGGED, [0.0, 1.0]),
         ValueError, r"`x` could not be converted.*rectangular"),
    Case("fit-ragged-y", "categorical",
         lambda m, d: fit(m, d["x"][:2], [[0.0, 1.0, 0.0], [1.0, 0.0]]),
         ValueError, r"`y` could not be converted.*rectangular"),
    Case("predict-ragged-x", "binary", lambda m, d: m.predict(RAGGED, verbose=0),
         ValueError, r"`x` could not be converted.*rectangular"),
    # empty data
    Case("fit-empty", "binary", lambda m, d: fit(m, d["x"][:0], d["binary"][:0]),
         ValueError, r"`x` is empty \(0 samples\)"),
    Case("fit-empty-y", "binary", lambda m, d: fit(m, d["x"], d["binary"][:0]),
         ValueError, r"`y` is empty"),
    Case("evaluate-empty", "sparse", lambda m, d: m.evaluate(d["x"][:0], d["sparse"][:0], verbose=0),
         ValueError, r"`x` is empty"),
    Case("predict-empty-float64", "binary",
         lambda m, d: m.predict(np.zeros((0, FEATURES)), verbose=0),
         ValueError, r"`x` is empty"),
    Case("predict-empty-float32", "binary", lambda m, d: m.predict(d["x"][:0], verbose=0),
         ValueError, r"`x` is empty"),
    # epochs / batch_size / other fit arguments
    Case("fit-epochs-negative", "binary", lambda m, d: fit(m, d["x"], d["binary"], epochs=-1),
         ValueError, r"`epochs` must be an integer >= 0\. Received: epochs=-1"),
    Case("fit-epochs-float", "binary", lambda m, d: fit(m, d["x"], d["binary"], epochs=2.5),
         ValueError, r"Received: epochs=2\.5"),
    Case("fit-batch-size-zero", "binary", lambda m, d: fit(m, d["x"], d["binary"], batch_size=0),
         ValueError, r"`batch_size` must be an integer >= 1\. Received: batch_size=0"),
    Case("fit-batch-size-negative", "sparse",
         lambda m, d: fit(m, d["x"], d["sparse"], batch_size=-4),
         ValueError, r"Received: batch_size=-4"),
    Case("evaluate-batch-size-zero", "binary",
         lambda m, d: m.evaluate(d["x"], d["binary"], batch_size=0, verbose=0),
         ValueError, r"Received: batch_size=0"),
    Case("predict-batch-size-zero", "binary",
         lambda m, d: m.predict(d["x"], batch_size=0, verbose=0),
         ValueError, r"Received: batch_size=0"),
    Case("fit-verbose-3", "binary", lambda m, d: m.fit(d["x"], d["binary"], verbose=3),
         ValueError, r"`verbose` must be .*Received: verbose=3"),
    Case("fit-validation-split-too-big", "binary",
         lambda m, d: fit(m, d["x"], d["binary"], validation_split=1.5),
         ValueError, r"`validation_split` must be in \[0, 1\)"),
    Case("fit-validation-data-one-element", "binary",
         lambda m, d: fit(m, d["x"], d["binary"], validation_data=(d["x"],)),
         ValueError, r"`validation_data` must be a tuple"),
    Case("fit-class-weight-missing-class", "sparse",
         lambda m, d: fit(m, d["x"], d["sparse"], class_weight={0: 1.0, 1: 2.0}),
         ValueError, r"`class_weight` has no entry for classes \[2\]"),
    # Dense(...)
    Case("dense-units-0", "binary", lambda m, d: Dense(units=0),
         ValueError, r"invalid value for `units`, expected a positive integer\. "
                     r"Received: units=0"),
    Case("dense-units-negative", "binary", lambda m, d: Dense(units=-3),
         ValueError, r"expected a positive integer\. Received: units=-3"),
    Case("dense-units-fraction", "binary", lambda m, d: Dense(units=2.5),
         ValueError, r"Received: units=2\.5"),
    Case("dense-unknown-activation", "binary", lambda m, d: Dense(3, activation="rleu"),
         ValueError, r"Did you mean 'relu'"),
    Case("dense-misspelled-activation-kwarg", "binary",
         lambda m, d: Dense(3, activaton="relu"),
         TypeError, r"`activaton`.*Did you mean `activation`"),
    # compile(): unknown names, with the closest valid name suggested
    Case("compile-unknown-loss", "binary",
         lambda m, d: m.compile(optimizer="adam", loss="binary_crossentropyy"),
         ValueError, r"'binary_crossentropyy'.*Did you mean 'binary_crossentropy'"),
    Case("compile-unknown-loss-msee", "binary",
         lambda m, d: m.compile(optimizer="adam", loss="msee"),
         ValueError, r"'msee'.*Did you mean .*'mse'"),
    Case("compile-unknown-optimizer", "binary",
         lambda m, d: m.compile(optimizer="adma", loss="binary_crossentropy"),
         ValueError, r"'adma'.*Did you mean 'adam"),
    Case("compile-unknown-optimizer-rmsprp", "binary",
         lambda m, d: m.compile(optimizer="rmsprp", loss="binary_crossentropy"),
         ValueError, r"Did you mean 'rmsprop'"),
    Case("compile-unknown-metric", "binary",
         lambda m, d: m.compile(optimizer="adam", loss="binary_crossentropy",
                                metrics=["acuracy"]),
         ValueError, r"'acuracy'.*Did you mean 'accuracy'"),
    Case("compile-unknown-metric-in-list", "binary",
         lambda m, d: m.compile(optimizer="adam", loss="binary_crossentropy",
                                metrics=["accuracy", "mean_squared_eror"]),
         ValueError, r"Did you mean 'mean_squared_error'"),
    Case("compile-misspelled-kwarg", "binary",
         lambda m, d: m.compile(optimiser="adam", loss="binary_crossentropy"),
         TypeError, r"optimiser.*`optimizer`"),
    # misspelled keyword arguments
    Case("fit-epoch-kwarg", "binary", lambda m, d: m.fit(d["x"], d["binary"], epoch=100),
         TypeError, r"unexpected keyword argument `epoch`\. Did you mean `epochs`\?"),
    Case("fit-batchsize-kwarg", "binary", lambda m, d: m.fit(d["x"], d["binary"], batchsize=8),
         TypeError, r"Did you mean `batch_size`\?"),
    Case("evaluate-batchsize-kwarg", "binary",
         lambda m, d: m.evaluate(d["x"], d["binary"], batchsize=8),
         TypeError, r"Did you mean `batch_size`\?"),
    Case("predict-batchsize-kwarg", "binary", lambda m, d: m.predict(d["x"], batchsize=8),
         TypeError, r"batchsize.*`batch_size`"),
    # labels of the wrong encoding for the loss
    Case("sparse-ce-with-one-hot-labels", "sparse",
         lambda m, d: fit(m, d["x"], d["categorical"]),
         ValueError, r"SparseCategoricalCrossentropy.*one-hot.*CategoricalCrossentropy"),
    Case("categorical-ce-with-integer-labels", "categorical",
         lambda m, d: fit(m, d["x"], d["sparse"]),
         ValueError, r"CategoricalCrossentropy expects one-hot labels.*to_categorical"),
    Case("categorical-ce-evaluate-integer-labels", "categorical",
         lambda m, d: m.evaluate(d["x"], d["sparse"], verbose=0),
         ValueError, r"CategoricalCrossentropy expects one-hot labels"),
    Case("binary-target-shape-mismatch", "binary",
         lambda m, d: fit(m, d["x"], np.zeros((N, 2), np.float32)),
         ValueError, r"Target shape does not match.*\(2,\).*\(1,\)"),
    # set_weights
    Case("set-weights-too-few", "binary",
         lambda m, d: m.set_weights([np.zeros_like(w) for w in m.get_weights()][:-1]),
         ValueError, r"expected 4 weight arrays.*received 3"),
    Case("set-weights-too-many", "binary",
         lambda m, d: m.set_weights([np.zeros_like(w) for w in m.get_weights()] + [np.zeros(1)]),
         ValueError, r"expected 4 weight arrays.*received 5"),
    Case("set-weights-last-shape-wrong", "binary",
         lambda m, d: m.set_weights([np.zeros_like(w) for w in m.get_weights()][:-1]
                                    + [np.zeros(3, np.float32)]),
         ValueError, r"/bias' expects shape \(1,\)\. Received an array of shape \(3,\)"),
    Case("set-weights-transposed-kernel", "sparse",
         lambda m, d: m.set_weights([w.T for w in m.get_weights()]),
         ValueError, r"/kernel' expects shape \(4, 5\).*\(5, 4\)"),
    Case("set-weights-strings", "binary",
         lambda m, d: m.set_weights([strings(w.shape) for w in m.get_weights()]),
         TypeError, r"expects numeric values"),
    Case("layer-set-weights-wrong-shape", "binary",
         lambda m, d: m.layers[0].set_weights([np.zeros((5, 4)), np.zeros(5)]),
         ValueError, r"/kernel' expects shape \(4, 5\)"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_and_changes_nothing(case, trained, data):
    model = trained(case.kind)
    before = snapshot(model)
    loss, optimizer = model.loss, model.optimizer
    with pytest.raises(case.exc, match=case.match):
        case.call(model, data)
    assert_unchanged(model, before)
    assert model.loss is loss and model.optimizer is optimizer
    assert_good_fit_works(model, data, case.kind)


def test_case_ids_are_unique():
    assert len({c.id for c in CASES}) == len(CASES)


# -- calls on a model that was never compiled ------------------------------------------------
@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_before_compile(method, data):
    model, loss = _build("binary")
    before = model.get_weights()
    # Keras 3 raises ValueError("You must call `compile()` before using the model.")
    with pytest.raises(ValueError, match=r"must call `compile\(\)` before"):
        getattr(model, method)(data["x"], data["binary"], verbose=0)
    for a, b in zip(model.get_weights(), before):
        assert np.array_equal(a, b)
    assert model.get_optimizer_state() is None
    model.compile(optimizer="adam", loss=loss)
    model.fit(data["x"], data["binary"], epochs=1, batch_size=BATCH, verbose=0)
    assert int(model.get_optimizer_state().iterations) == STEPS


def test_predict_before_compile_is_fine(data):
    model, _ = _build("binary")
    assert model.predict(data["x"], verbose=0).shape == (N, 1)


# -- a refused compile() must leave the previous configuration in place ------------------
@pytest.mark.parametrize("bad", [
    {"optimizer": "adma"},
    {"optimizer": "adam", "metrics": ["acuracy"]},
], ids=["bad-optimizer", "bad-metric"])
def test_refused_compile_keeps_previous_compile(bad, data):
    model, loss = _build("binary")
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    model.fit(data["x"], data["binary"], epochs=1, batch_size=BATCH, verbose=0)
    before = snapshot(model)
    old_loss, old_optimizer = model.loss, model.optimizer
    evaluated = model.evaluate(data["x"], data["binary"], verbose=0)
    # A valid but different loss next to the bad name: nothing of it may stick.
    with pytest.raises(ValueError, match="Did you mean"):
        model.compile(loss="sparse_categorical_crossentropy", **bad)
    assert model.loss is old_loss and model.optimizer is old_optimizer
    assert_unchanged(model, before)
    assert model.evaluate(data["x"], data["binary"], verbose=0) == evaluated
    assert_good_fit_works(model, data, "binary")


def test_fit_without_any_loss_is_refused_and_changes_nothing(data):
    """Keras 3 accepts compile() without a loss (the model may add its own with
    add_loss, or override train_step); with neither, fit refuses before any step."""
    model = kerasish.Sequential([kerasish.Input((data["x"].shape[1],)),
                                 kerasish.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam")
    before = model.get_weights()
    with pytest.raises(ValueError, match="No loss to compute.*compile"):
        model.fit(data["x"], data["binary"], epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
