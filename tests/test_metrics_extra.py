"""Precision, Recall, AUC and the top-k accuracies against Keras 3's stateful metrics;
their pure form under jit with padded rows; and in ``fit`` (same History as Keras)."""

import jax
import numpy as np
import pytest

import kerasish
from kerasish import metrics
from kerasish.layers import Dense


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(0)
    y = (rng.random(240) > 0.5).astype("float32")
    p = rng.random((240, 1)).astype("float32")
    p[:5], p[5:10], p[10:15] = 0.0, 1.0, 0.5  # scores exactly on the thresholds
    w = rng.random(240).astype("float32")
    return y, p, w


@pytest.fixture(scope="module")
def multi():
    rng = np.random.default_rng(1)
    y = (rng.random((240, 4)) > 0.5).astype("float32")
    p = rng.random((240, 4)).astype("float32")
    w = rng.random(240).astype("float32")
    return y, p, w


def run_both(keras, name, kwargs, y, p, w, batches=2):
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    for part in np.array_split(np.arange(len(y)), batches):
        args = (y[part], p[part]) + (() if w is None else (w[part],))
        ours.update_state(*args)
        theirs.update_state(*args)
    return np.asarray(ours.result()), np.asarray(theirs.result())


BINARY_CASES = [
    ("Precision", {}), ("Recall", {}),
    ("Precision", {"thresholds": [0.3, 0.6]}),
    ("Recall", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}),  # evenly spaced: bucket path
    ("AUC", {}), ("AUC", {"curve": "PR"}), ("AUC", {"curve": "PRGAIN"}),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}),
    ("AUC", {"summation_method": "majoring", "num_thresholds": 7}),
    ("AUC", {"thresholds": [0.1, 0.5, 0.7]}),
]


@pytest.mark.parametrize("i", range(len(BINARY_CASES)),
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(BINARY_CASES)])
def test_binary_metrics_match_keras(keras, binary, i):
    name, kwargs = BINARY_CASES[i]
    y, p, w = binary
    ours, theirs = run_both(keras, name, kwargs, y, p, w if i % 2 else None)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


MULTI_CASES = [
    ("AUC", {"multi_label": True}),
    ("AUC", {"multi_label": True, "label_weights": [1.0, 2.0, 3.0, 4.0]}),
    ("AUC", {"multi_label": True, "num_labels": 4, "thresholds": [0.2, 0.5, 0.7]}),
    ("AUC", {"label_weights": [1.0, 2.0, 3.0, 4.0], "from_logits": True}),
    ("Recall", {"top_k": 2}),
    ("Precision", {"top_k": 2, "class_id": 3, "thresholds": [0.2, 0.6]}),
]


@pytest.mark.parametrize("name,kwargs", MULTI_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(MULTI_CASES)])
def test_multi_column_metrics_match_keras(keras, multi, name, kwargs):
    y, p, w = multi
    if kwargs.get("from_logits"):
        p = p * 8 - 4
    ours, theirs = run_both(keras, name, kwargs, y, p, w)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


def test_top_k_accuracies_match_keras(keras, k=3):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 10, 150)
    scores = rng.random((150, 10)).astype("float32")
    scores[:3] = np.nan  # Keras on JAX never counts a NaN score as a hit
    scores[3:6, :4] = 0.5  # ties
    w = rng.random(150).astype("float32")
    one_hot = np.eye(10, dtype="float32")[labels]
    for name, y, weights in (("TopKCategoricalAccuracy", one_hot, w),
                             ("SparseTopKCategoricalAccuracy", labels, w),
                             ("SparseTopKCategoricalAccuracy", labels[:, None], None)):
        ours, theirs = run_both(keras, name, {"k": k}, y, scores, weights)
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    ids = np.argsort(-np.nan_to_num(scores), axis=1).astype("float32")
    ours, theirs = run_both(keras, "SparseTopKCategoricalAccuracy",
                            {"k": k, "from_sorted_ids": True}, labels, ids, None)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("metric", [
    metrics.Precision(), metrics.Recall(thresholds=[0.3, 0.7]), metrics.AUC(),
    metrics.AUC(curve="PR", thresholds=[0.2, 0.4, 0.9]), metrics.TopKCategoricalAccuracy(k=2),
], ids=["precision", "recall", "auc", "pr_auc", "top2"])
def test_pure_update_under_jit_ignores_padded_rows(metric):
    rng = np.random.default_rng(3)
    n_classes = 5 if isinstance(metric, metrics.TopKCategoricalAccuracy) else 1
    y = (rng.random((20, n_classes)) > 0.5).astype("float32") if n_classes == 1 \
        else np.eye(n_classes, dtype="float32")[rng.integers(0, n_classes, 20)]
    p = rng.random((20, n_classes)).astype("float32")
    mask = np.ones(20, "float32")
    # the engine pads a short batch with weight-0 rows; they may even hold NaN scores
    y_pad = np.concatenate([y, y[:12]])
    p_pad = np.concatenate([p, np.full_like(p[:12], np.nan)])
    mask_pad = np.concatenate([mask, np.zeros(12, "float32")])
    update = jax.jit(metric.update)
    state = update(metric.init_state(), y[:10], p[:10], mask[:10])
    state = update(state, y[10:], p[10:], mask[10:])
    padded = update(metric.init_state(), y_pad, p_pad, mask_pad)
    plain = metric.update(metric.init_state(), y, p, None)
    for a, b in ((state, plain), (padded, plain)):
        np.testing.assert_allclose(np.asarray(metric.compute(a)), np.asarray(metric.compute(b)),
                                   rtol=1e-6)


def _twins(keras, n_in, units, activation):
    keras.utils.set_random_seed(3)
    km = keras.Sequential([keras.Input(shape=(n_in,)), keras.layers.Dense(8, activation="relu"),
                           keras.layers.Dense(units, activation=activation)])
    om = kerasish.Sequential([kerasish.Input(shape=(n_in,)), Dense(8, activation="relu"),
                              Dense(units, activation=activation)])
    om.set_weights(km.get_weights())
    return km, om


@pytest.mark.slow
def test_fit_history_with_precision_recall_auc_matches_keras(keras):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(90, 5)).astype("float32")  # 90 = 2 * 40 + 10: a short last batch
    y = (x[:, 0] - x[:, 1] + 0.5 * rng.normal(size=90) > 0).astype("float32")
    km, om = _twins(keras, 5, 1, "sigmoid")
    names = ["precision", "recall", "auc"]
    km.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(0.1),
               metrics=names + [keras.metrics.AUC(curve="PR", name="pr_auc")])
    om.compile(loss="binary_crossentropy", optimizer=kerasish.optimizers.SGD(0.1),
               metrics=names + [metrics.AUC(curve="PR", name="pr_auc")])
    kw = dict(batch_size=40, epochs=3, shuffle=False, verbose=0, validation_split=0.2)
    kh, oh = km.fit(x, y, **kw).history, om.fit(x, y, **kw).history
    assert list(oh) == list(kh)
    assert {"precision", "recall", "auc", "val_auc"} <= set(oh)
    for key in kh:
        np.testing.assert_allclose(oh[key], kh[key], rtol=1e-4, atol=1e-6, err_msg=key)
    ke = km.evaluate(x, y, verbose=0, return_dict=True)
    oe = om.evaluate(x, y, verbose=0, return_dict=True)
    for key in ke:
        np.testing.assert_allclose(oe[key], ke[key], rtol=1e-4, atol=1e-6, err_msg=key)


@pytest.mark.slow
def test_fit_history_with_top_k_and_multilabel_auc_matches_keras(keras):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(64, 6)).astype("float32")
    labels = rng.integers(0, 4, 64)
    km, om = _twins(keras, 6, 4, "softmax")
    km.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.01),
               metrics=["sparse_top_k_categorical_accuracy",
                        keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    om.compile(loss="sparse_categorical_crossentropy", optimizer=kerasish.optimizers.Adam(0.01),
               metrics=["sparse_top_k_categorical_accuracy",
                        metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    kh = km.fit(x, labels, batch_size=20, epochs=2, shuffle=False, verbose=0).history
    oh = om.fit(x, labels, batch_size=20, epochs=2, shuffle=False, verbose=0).history
    assert list(oh) == list(kh) == ["loss", "sparse_top_k_categorical_accuracy", "top2"]
    for key in kh:
        np.testing.assert_allclose(oh[key], kh[key], rtol=1e-4, err_msg=key)

    # AUC(multi_label=True) learns its number of labels from the compiled output
    y_multi = (rng.random((64, 4)) > 0.5).astype("float32")
    km, om = _twins(keras, 6, 4, "sigmoid")
    km.compile(loss="binary_crossentropy", optimizer="sgd",
               metrics=[keras.metrics.AUC(multi_label=True, name="auc")])
    om.compile(loss="binary_crossentropy", optimizer="sgd",
               metrics=[metrics.AUC(multi_label=True)])
    kh = km.fit(x, y_multi, batch_size=20, epochs=2, shuffle=False, verbose=0).history
    oh = om.fit(x, y_multi, batch_size=20, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(oh["auc"], kh["auc"], rtol=1e-4)


@pytest.mark.parametrize("name,kwargs", [
    ("Precision", {"thresholds": [0.2, 0.4], "top_k": 2, "class_id": 1}),
    ("Recall", {}),
    ("AUC", {"curve": "PR", "summation_method": "minoring", "num_thresholds": 50,
             "from_logits": True}),
    ("AUC", {"thresholds": [0.2, 0.4], "multi_label": True, "num_labels": 3}),
    ("TopKCategoricalAccuracy", {"k": 3}),
    ("SparseTopKCategoricalAccuracy", {"k": 2, "from_sorted_ids": True}),
])
def test_configs_match_keras(keras, name, kwargs):
    ours = getattr(metrics, name)(**kwargs).get_config()
    theirs = getattr(keras.metrics, name)(**kwargs).get_config()
    ours.pop("name"), theirs.pop("name")  # Keras numbers unnamed instances: auc_3, ...
    assert ours == theirs
    again = metrics.deserialize(metrics.serialize(getattr(metrics, name)(**kwargs)))
    assert again.get_config() == getattr(metrics, name)(**kwargs).get_config()


def test_names_and_lookup():
    assert [metrics.get(n).name for n in ("precision", "recall", "auc", "AUC")] == \
        ["precision", "recall", "auc", "auc"]
    assert metrics.AUC().name == metrics.AUC().name == "auc"  # no auc_1, auc_2, ...
    assert metrics.get("top_k_categorical_accuracy").k == 5
    assert metrics.resolve("sparse_top_k_categorical_accuracy", (None,), (None, 10)).name == \
        "sparse_top_k_categorical_accuracy"


@pytest.mark.parametrize("make,match", [
    (lambda: metrics.Precision(thresholds=[0.5, 1.5]), r"Threshold values must be in \[0, 1\]"),
    (lambda: metrics.AUC(num_thresholds=1), r"`num_thresholds` must be an integer > 1"),
    (lambda: metrics.AUC(curve="ROCK"), r"Invalid `curve` argument value 'ROCK'"),
    (lambda: metrics.AUC(num_labels=3), r"`num_labels` is needed only when `multi_label`"),
    (lambda: metrics.TopKCategoricalAccuracy(k=0), r"expected an integer >= 1. Received: k=0"),
    (lambda: metrics.AUC(multi_label=True).init_state(), r"Pass `num_labels=...`"),
])
def test_bad_arguments_explain(make, match):
    with pytest.raises(ValueError, match=match):
        make()
