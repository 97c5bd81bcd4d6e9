"""The metrics added after the first set, inside ``model.fit`` and ``evaluate`` against
Keras 3 (the same History, weights and evaluate dict: relative 1e-4 after training),
and compiled models with them saved to .keras files that load in Keras and back.

Each model is 4 -> 6 (tanh) -> units, starts from Keras's initial weights, and trains
3 epochs on 50 samples in batches of 16 (a short last batch: padded rows in kerasish's
compiled step, which every metric must ignore), without shuffling.
"""

import json
import zipfile

import numpy as np
import pytest

import kerasish

N, N_IN, BATCH, EPOCHS = 50, 4, 16, 3


def _close(ours, theirs, msg="", rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=atol,
                               err_msg=msg)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(N, N_IN)).astype("float32")
    cls = np.digitize(x[:, 0] - 0.5 * x[:, 2], [-0.6, 0.6]).astype("int32")
    regression = (x @ np.array([[0.5, -1.0], [1.0, 0.2], [0.0, 0.3], [-0.7, 0.0]])
                  ).astype("float32")
    ys = {
        "binary": (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32"),
        "onehot": np.eye(3, dtype="float32")[cls],
        "sparse": cls,
        "regression": regression,
        "counts": np.round(np.exp(0.5 * regression)).astype("float32"),
    }
    sw = rng.uniform(0.1, 2.0, size=(N,)).astype("float32")
    return x, ys, sw


def _case(target, units, activation, loss, metrics, sample_weight=False,
          weighted_metrics=(), case_id=""):
    case = dict(target=target, units=units, activation=activation, loss=loss,
                metrics=metrics, weighted_metrics=list(weighted_metrics),
                sample_weight=sample_weight)
    return pytest.param(case, id=case_id or target)


# Explicit names: Keras numbers default names per process (true_positives_1, ...).
CASES = [
    _case("binary", 1, "sigmoid", "binary_crossentropy", [
        ("TruePositives", {"name": "tp"}), ("TrueNegatives", {"name": "tn"}),
        ("FalsePositives", {"name": "fp", "thresholds": [0.3, 0.7]}),
        ("FalseNegatives", {"name": "fn"}),
        ("PrecisionAtRecall", {"recall": 0.5, "name": "p_at_r"}),
        ("RecallAtPrecision", {"precision": 0.6, "name": "r_at_p", "num_thresholds": 50}),
        ("SensitivityAtSpecificity", {"specificity": 0.5, "name": "sens"}),
        ("SpecificityAtSensitivity", {"sensitivity": 0.5, "name": "spec"}),
        ("BinaryIoU", {"name": "biou"}),
        ("F1Score", {"average": "micro", "threshold": 0.5, "name": "f1"}),
        ("Hinge", {"name": "hinge"}), ("SquaredHinge", {"name": "sq_hinge"}),
    ], sample_weight=True, weighted_metrics=[
        ("TruePositives", {"name": "w_tp"}),
        ("BinaryIoU", {"name": "w_biou", "dtype": "float32", "threshold": 0.4}),
        ("FBetaScore", {"beta": 2.0, "average": "weighted", "threshold": 0.5,
                        "name": "w_fbeta"}),
    ]),
    _case("onehot", 3, "softmax", "categorical_crossentropy", [
        ("F1Score", {"average": "macro", "name": "f1"}),
        ("FBetaScore", {"beta": 0.5, "average": "weighted", "name": "fbeta"}),
        ("OneHotIoU", {"num_classes": 3, "target_class_ids": [0, 2], "name": "iou"}),
        ("OneHotMeanIoU", {"num_classes": 3, "name": "miou"}),
        ("CategoricalHinge", {"name": "cat_hinge"}), ("KLDivergence", {"name": "kld"}),
        ("PrecisionAtRecall", {"recall": 0.6, "class_id": 1, "name": "p_at_r1"}),
    ]),
    _case("sparse", 3, "softmax", "sparse_categorical_crossentropy", [
        ("IoU", {"num_classes": 3, "target_class_ids": [0, 1], "sparse_y_pred": False,
                 "name": "iou"}),
        ("MeanIoU", {"num_classes": 3, "sparse_y_pred": False, "name": "miou"}),
    ], sample_weight=True, weighted_metrics=[
        ("MeanIoU", {"num_classes": 3, "sparse_y_pred": False, "dtype": "float32",
                     "name": "w_miou"}),
    ]),
    _case("regression", 2, "linear", "mean_squared_error", [
        ("R2Score", {"name": "r2"}),
        # (num_regressors: Keras's adjusted R2 fails inside its own compiled step.)
        ("R2Score", {"class_aggregation": "variance_weighted_average", "name": "r2_vw"}),
        ("PearsonCorrelation", {"name": "pearson"}),
        ("ConcordanceCorrelation", {"name": "ccc"}),
        ("CosineSimilarity", {"name": "cos"}), ("LogCoshError", {"name": "logcosh"}),
        ("MeanAbsolutePercentageError", {"name": "mape"}),
        ("MeanSquaredLogarithmicError", {"name": "msle"}),
    ], sample_weight=True, weighted_metrics=[("R2Score", {"name": "w_r2"})]),
    _case("counts", 2, "softplus", "poisson", [
        ("Poisson", {"name": "poisson"}), ("R2Score", {"name": "r2"}),
    ]),
]


def _model(ns, case):
    def build(specs):
        return [getattr(ns.metrics, name)(**kwargs) for name, kwargs in specs] or None

    model = ns.Sequential([
        ns.Input(shape=(N_IN,)),
        ns.layers.Dense(6, activation="tanh"),
        ns.layers.Dense(case["units"], activation=case["activation"]),
    ])
    model.compile(loss=case["loss"], optimizer=ns.optimizers.Adam(0.01),
                  metrics=build(case["metrics"]),
                  weighted_metrics=build(case["weighted_metrics"]))
    return model


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_fit_with_new_metrics_matches_keras(keras, data, case):
    x, ys, sw = data
    y = ys[case["target"]]
    keras.utils.set_random_seed(0)
    km, om = _model(keras, case), _model(kerasish, case)
    om.set_weights(km.get_weights())
    kwargs = dict(batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                  sample_weight=sw if case["sample_weight"] else None)
    kh, oh = km.fit(x, y, **kwargs), om.fit(x, y, **kwargs)
    assert sorted(oh.history) == sorted(kh.history)
    for key in kh.history:
        _close(oh.history[key], kh.history[key], f"History[{key!r}]")
    for ow, kw in zip(om.get_weights(), km.get_weights(), strict=True):
        _close(ow, kw, "weights after fit")
    k_eval = km.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    o_eval = om.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    assert sorted(o_eval) == sorted(k_eval)
    for key in k_eval:
        _close(o_eval[key], k_eval[key], f"evaluate(sample_weight=...)[{key!r}]")


def _compiled_metrics(path):
    """{name: (class name, config)} of the compiled metrics saved in a .keras file."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))["compile_config"]
    found = {}
    for group in ("metrics", "weighted_metrics"):
        for entry in config.get(group) or []:
            found[entry["config"]["name"]] = (entry["class_name"], entry["config"])
    return found


@pytest.mark.slow
def test_models_with_new_metrics_move_between_kerasish_and_keras(keras, data, tmp_path):
    """A model compiled with several new metrics, saved by each library and loaded by
    the other: the same metric classes and configs come back, and evaluate agrees."""
    x, ys, _ = data
    case = dict(units=3, activation="softmax", loss="categorical_crossentropy",
                metrics=[("F1Score", {"average": "macro", "name": "f1"}),
                         ("FBetaScore", {"beta": 2.0, "threshold": 0.4, "name": "fb"}),
                         ("OneHotMeanIoU", {"num_classes": 3, "name": "miou"}),
                         ("IoU", {"num_classes": 3, "target_class_ids": [1, 2],
                                  "sparse_y_true": False, "sparse_y_pred": False,
                                  "ignore_class": 0, "name": "iou"}),
                         ("PrecisionAtRecall", {"recall": 0.4, "num_thresholds": 20,
                                                "class_id": 2, "name": "par"}),
                         ("TruePositives", {"thresholds": [0.2, 0.6], "name": "tp"}),
                         ("KLDivergence", {"name": "kld"}),
                         ("CosineSimilarity", {"axis": -1, "name": "cos"})],
                weighted_metrics=[("R2Score", {"class_aggregation": None, "name": "r2"})])
    y = ys["onehot"]
    keras.utils.set_random_seed(1)
    km, om = _model(keras, case), _model(kerasish, case)
    om.set_weights(km.get_weights())
    km.fit(x, y, epochs=1, batch_size=BATCH, shuffle=False, verbose=0)
    om.fit(x, y, epochs=1, batch_size=BATCH, shuffle=False, verbose=0)

    om.save(tmp_path / "ours.keras")
    km.save(tmp_path / "theirs.keras")
    in_keras = keras.models.load_model(tmp_path / "ours.keras")
    in_ours = kerasish.models.load_model(tmp_path / "theirs.keras")
    in_keras.save(tmp_path / "ours_by_keras.keras")
    in_ours.save(tmp_path / "theirs_by_ours.keras")
    for original, again in (("ours", "ours_by_keras"), ("theirs", "theirs_by_ours")):
        before = _compiled_metrics(tmp_path / f"{original}.keras")
        after = _compiled_metrics(tmp_path / f"{again}.keras")
        assert sorted(before) == sorted(n for _, spec in case["metrics"]
                                        + case["weighted_metrics"] for n in [spec["name"]])
        assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
        for name, (_, config) in before.items():
            # Keras drops CosineSimilarity's axis from its config; kerasish keeps it.
            common = set(config) & set(after[name][1])
            assert set(config) ^ set(after[name][1]) <= ({"axis"} if name == "cos" else set())
            assert {k: after[name][1][k] for k in common} == {k: config[k] for k in common}
    # The loaded models compute what the originals compute.
    k_eval = in_keras.evaluate(x, y, verbose=0, return_dict=True)
    o_eval = in_ours.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(k_eval) == sorted(o_eval)
    for key in k_eval:
        _close(o_eval[key], k_eval[key], f"evaluate after loading [{key!r}]")


STRING_METRICS = ["true_positives", "false_positives", "f1_score", "f_beta_score",
                  "r2_score", "hinge", "squared_hinge", "categorical_hinge", "kl_divergence",
                  "poisson", "cosine_similarity", "log_cosh_error", "mape", "msle",
                  "pearson_correlation", "concordance_correlation"]


@pytest.mark.slow
@pytest.mark.parametrize("names", [STRING_METRICS])
def test_metric_names_in_compile_evaluate_as_keras(keras, data, names):
    """``compile(metrics=[name, ...])`` for every new name Keras resolves: the same
    metrics, named by the strings, with the same values in evaluate and fit."""
    x, ys, sw = data
    y = ys["onehot"]

    def model(ns):
        m = ns.Sequential([ns.Input(shape=(N_IN,)), ns.layers.Dense(3, activation="softmax")])
        m.compile(loss="categorical_crossentropy", optimizer=ns.optimizers.SGD(0.1),
                  metrics=list(names))
        return m

    keras.utils.set_random_seed(2)
    km, om = model(keras), model(kerasish)
    om.set_weights(km.get_weights())
    kh = km.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    oh = om.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    assert list(oh.history) == list(kh.history)
    for key in kh.history:
        _close(oh.history[key], kh.history[key], f"History[{key!r}]")
    k_eval = km.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    o_eval = om.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    assert list(o_eval) == list(k_eval)
    for key in k_eval:
        _close(o_eval[key], k_eval[key], f"evaluate[{key!r}]")
