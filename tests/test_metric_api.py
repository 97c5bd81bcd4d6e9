"""Keras 3's metric extension API on kerasish.metrics.Metric: Keras-style subclasses
(add_variable + update_state/result), the stateless API on every metric, and the pure
init_state/update/compute bridge the engine jits. Numbers are checked against real Keras 3."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish import metrics, ops


def _close(a, b, msg=""):
    np.testing.assert_allclose(np.asarray(a, "float64"), np.asarray(b, "float64"),
                               rtol=1e-5, atol=1e-6, err_msg=msg)


def categorical_true_positives(base, ops):
    """The subclass from Keras's guide, written once against either library."""

    class CategoricalTruePositives(base):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
            values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
            values = ops.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = ops.cast(sample_weight, "float32")
                values = ops.multiply(values, sample_weight)
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives

        def reset_state(self):
            self.true_positives.assign(0.0)

    return CategoricalTruePositives


def weighted_error_stats(base, ops, mean_cls):
    """A subclass with a vector variable, a default reset_state, a sub-metric and an
    extra __init__ argument (in its config)."""

    class WeightedErrorStats(base):
        def __init__(self, scale=1.0, name="weighted_error_stats", **kwargs):
            super().__init__(name=name, **kwargs)
            self.scale = scale
            self.per_class = self.add_weight(shape=(3,), initializer="zeros", name="per_class")
            self.mean_error = mean_cls(name="mean_error")

        def update_state(self, y_true, y_pred, sample_weight=None):
            errors = self.scale * ops.abs(ops.cast(y_pred, "float32") - ops.cast(y_true, "float32"))
            weights = ops.ones_like(errors[:, :1]) if sample_weight is None \
                else ops.reshape(ops.cast(sample_weight, "float32"), (-1, 1))
            self.per_class.assign(self.per_class + ops.sum(errors * weights, axis=0))
            self.mean_error.update_state(errors, sample_weight)

        def result(self):
            return ops.sum(self.per_class) + self.mean_error.result()

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    return WeightedErrorStats


def _ctp_batches(n_batches=3, n=8, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, 3, (n, 1)), rng.random((n, 3)).astype("float32"),
             rng.random((n, 1)).astype("float32")) for _ in range(n_batches)]


def _regression_batches(n_batches=3, n=6, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.random((n, 3)).astype("float32"), rng.random((n, 3)).astype("float32"),
             rng.random(n).astype("float32")) for _ in range(n_batches)]


# ------------------------------------------------------------- Keras-style subclasses


def test_keras_style_subclass_gives_keras_results(keras):
    ours = categorical_true_positives(metrics.Metric, ops)()
    theirs = categorical_true_positives(keras.metrics.Metric, keras.ops)()
    for y_true, y_pred, w in _ctp_batches():
        ours.update_state(y_true, y_pred, sample_weight=w)
        theirs.update_state(y_true, y_pred, sample_weight=w)
        _close(ours.result(), theirs.result())
    assert [v.path for v in ours.variables] == [v.path for v in theirs.variables] \
        == ["categorical_true_positives/ctp"]
    _close(ours(*_ctp_batches(1, seed=5)[0][:2]), theirs(*_ctp_batches(1, seed=5)[0][:2]))
    ours.reset_state()
    assert float(ours.result()) == 0.0


def test_sub_metrics_and_default_reset_follow_keras(keras):
    ours = weighted_error_stats(metrics.Metric, ops, metrics.Mean)(scale=2.0)
    theirs = weighted_error_stats(keras.metrics.Metric, keras.ops, keras.metrics.Mean)(scale=2.0)
    # Keras's order: own variables, then the sub-metric's.
    assert [(v.path, v.shape) for v in ours.variables] == \
        [(v.path, tuple(v.shape)) for v in theirs.variables]
    update, state = jax.jit(ours.update), ours.init_state()
    for y_true, y_pred, w in _regression_batches():
        ours.update_state(y_true, y_pred, w)
        theirs.update_state(y_true, y_pred, w)
        state = update(state, y_true, y_pred, w)  # the sub-metric's variables are bound too
    _close(ours.result(), theirs.result())
    _close(jax.jit(ours.compute)(state), theirs.result())
    for a, b in zip(ours.variables, theirs.variables):
        _close(a.numpy(), b.numpy(), a.path)
    # Keras's default reset_state zeroes every variable, the sub-metric's included.
    for a, b in zip(ours.stateless_reset_state(), theirs.stateless_reset_state()):
        _close(a, b)
    ours.reset_state()
    assert all(float(jnp.sum(jnp.abs(v.value))) == 0.0 for v in ours.variables)


def test_subclass_of_a_builtin_overriding_update_state_is_what_the_engine_runs(keras):
    def clipped_mean(base, ops):
        class ClippedMean(base):
            def update_state(self, values, sample_weight=None):
                super().update_state(ops.minimum(values, 1.0), sample_weight)

        return ClippedMean

    ours, theirs = clipped_mean(metrics.Mean, ops)(), clipped_mean(keras.metrics.Mean, keras.ops)()
    values, w = np.array([0.5, 3.0, 2.0, 0.25]), np.array([1.0, 1.0, 0.0, 2.0])
    theirs.update_state(values, w)
    state = jax.jit(ours.update)(ours.init_state(), values, w)
    _close(jax.jit(ours.compute)(state), theirs.result())
    ours.update_state(values, w)
    _close(ours.result(), theirs.result())


# --------------------------------------------------------------- the stateless API


@pytest.mark.parametrize("cls_name, kwargs, kind", [
    ("Mean", {}, "values"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("MeanSquaredError", {}, "regression"),
    ("Precision", {"thresholds": [0.3, 0.6]}, "binary"),
])
def test_stateless_api_gives_keras_values(keras, cls_name, kwargs, kind):
    rng = np.random.default_rng(3)
    n = 7
    w = rng.random(n).astype("float32")
    args = {
        "values": (rng.random((n, 2)).astype("float32"),),
        "sparse": (rng.integers(0, 4, (n, 1)), rng.random((n, 4)).astype("float32")),
        "regression": (rng.random((n, 3)).astype("float32"), rng.random((n, 3)).astype("float32")),
        "binary": (rng.integers(0, 2, (n, 1)), rng.random((n, 1)).astype("float32")),
    }[kind]
    ours, theirs = getattr(metrics, cls_name)(**kwargs), getattr(keras.metrics, cls_name)(**kwargs)
    assert len(ours.variables) == len(theirs.variables)
    # As the keras.io JAX guide uses it: values in, values out, the metric left unchanged.
    ours_vars, their_vars = ours.stateless_reset_state(), theirs.stateless_reset_state()
    update = jax.jit(ours.stateless_update_state)
    for _ in range(2):
        ours_vars = update(ours_vars, *args, sample_weight=w)
        their_vars = theirs.stateless_update_state(their_vars, *args, sample_weight=w)
        for a, b in zip(ours_vars, their_vars):
            _close(a, b, cls_name)
    _close(jax.jit(ours.stateless_result)(ours_vars), theirs.stateless_result(their_vars))
    assert all(float(jnp.sum(v.value)) == 0.0 for v in ours.variables)
    # The stateful path reaches the same values.
    ours.update_state(*args, sample_weight=w)
    ours.update_state(*args, sample_weight=w)
    for v, value in zip(ours.variables, ours_vars):
        _close(v.numpy(), value)


def test_loss_tracker_as_in_the_jax_fit_guide(keras):
    tracker, their_tracker = metrics.Mean(name="loss"), keras.metrics.Mean(name="loss")
    values, their_values = tracker.stateless_reset_state(), their_tracker.stateless_reset_state()
    for loss in (0.5, 1.5, 4.0):
        values = tracker.stateless_update_state(values, loss)
        their_values = their_tracker.stateless_update_state(their_values, loss)
    _close(tracker.stateless_result(values), their_tracker.stateless_result(their_values))
    assert float(tracker.stateless_result(values)) == 2.0


@pytest.mark.parametrize("cls_name, kwargs", [
    ("Mean", {}), ("Sum", {}), ("Accuracy", {}), ("BinaryAccuracy", {}),
    ("SparseCategoricalAccuracy", {}), ("MeanSquaredError", {}), ("RootMeanSquaredError", {}),
    ("CategoricalCrossentropy", {}), ("SparseTopKCategoricalAccuracy", {}),
    ("Precision", {}), ("Recall", {"thresholds": [0.2, 0.5, 0.9]}), ("AUC", {"num_thresholds": 7}),
])
def test_variables_match_keras_names_shapes_and_order(keras, cls_name, kwargs):
    ours, theirs = getattr(metrics, cls_name)(**kwargs), getattr(keras.metrics, cls_name)(**kwargs)
    assert [(v.name, v.shape, v.dtype) for v in ours.variables] == \
        [(v.name, tuple(v.shape), v.dtype) for v in theirs.variables]


def test_variables_order_is_the_order_of_the_pure_state():
    mean = metrics.Mean()
    assert [v.name for v in mean.variables] == list(mean.init_state()) == ["total", "count"]
    ctp = categorical_true_positives(metrics.Metric, ops)()
    ctp.true_positives.assign(3.0)
    # For a Keras-style metric the pure state is the list of values, reset as reset_state.
    assert [float(x) for x in ctp.init_state()] == [float(x) for x in ctp.stateless_reset_state()] \
        == [0.0]


# ---------------------------------------------------------------------- the bridge


def test_bridge_under_jit_equals_the_eager_path_and_leaks_nothing():
    eager = categorical_true_positives(metrics.Metric, ops)()
    pure = categorical_true_positives(metrics.Metric, ops)()
    pure.true_positives.assign(7.0)  # not the pure path's business
    update, compute = jax.jit(pure.update), jax.jit(pure.compute)
    state = pure.init_state()
    for y_true, y_pred, w in _ctp_batches():
        eager.update_state(y_true, y_pred, w)
        # The engine pads a short batch with weight-0 rows.
        pad_y, pad_p = np.zeros((2, 1), "int64"), np.full((2, 3), 0.3, "float32")
        state = update(state, np.concatenate([y_true, pad_y]), np.concatenate([y_pred, pad_p]),
                       np.concatenate([w, np.zeros((2, 1), "float32")]))
    assert isinstance(state, list) and len(state) == 1
    _close(compute(state), eager.result())
    value = pure.true_positives.value
    assert not isinstance(value, jax.core.Tracer) and float(value) == 7.0


def test_builtin_pure_functions_are_unchanged():
    m = metrics.Precision()
    state = jax.jit(m.update)(m.init_state(), np.array([0, 1, 1, 1]), np.array([1, 0, 1, 1.0]))
    assert sorted(state) == ["false_positives", "true_positives"]
    _close(m.compute(state), 2 / 3)


# -------------------------------------------------------------- compile and config


def test_compile_resolves_keras_style_instances_and_configs_round_trip():
    cls = weighted_error_stats(metrics.Metric, ops, metrics.Mean)
    m = cls(scale=3.0, name="stats")
    assert metrics.get(m) is m
    assert metrics.resolve(m, (None, 3), (None, 3)) is m
    assert m.get_config() == {"name": "stats", "dtype": "float32", "scale": 3.0}
    clone = metrics.deserialize(metrics.serialize(m), custom_objects={cls.__name__: cls})
    assert (type(clone), clone.name, clone.scale) == (cls, "stats", 3.0)


def test_evaluate_runs_a_keras_style_metric_through_the_engine():
    class TruePositiveRows(metrics.Metric):  # weights are per row, as the engine passes them
        def __init__(self, name="tp_rows", **kwargs):
            super().__init__(name=name, **kwargs)
            self.hits = self.add_variable(shape=(), initializer="zeros", name="hits")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = ops.cast(ops.reshape(y_true, (-1,)) == ops.argmax(y_pred, axis=-1), "float32")
            if sample_weight is not None:
                hits = hits * ops.reshape(sample_weight, (-1,))
            self.hits.assign_add(ops.sum(hits))

        def result(self):
            return self.hits

    rng = np.random.default_rng(4)
    x, y = rng.random((10, 4)).astype("float32"), rng.integers(0, 3, (10, 1))
    model = kerasish.Sequential([kerasish.Input(shape=(4,)),
                                 kerasish.layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", metrics=[TruePositiveRows()])
    logs = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)  # 4 + 4 + 2 rows
    expected = TruePositiveRows()
    expected.update_state(y, model.predict(x, verbose=0))
    _close(logs["tp_rows"], expected.result())


# ------------------------------------------------------------------------- errors


def test_add_variable_after_the_layout_was_used_says_how_to_fix():
    m = categorical_true_positives(metrics.Metric, ops)()
    m.init_state()
    with pytest.raises(RuntimeError, match=r"add_variable\(name='late'\) after the metric's "
                                           r"variables were fixed.*Move the `add_variable` call"):
        m.add_variable(shape=(), initializer="zeros", name="late")

    class Lazy(metrics.Metric):
        def update_state(self, values, sample_weight=None):
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")

        def result(self):
            return 0.0

    with pytest.raises(RuntimeError, match="inside one"):
        jax.jit(Lazy().stateless_update_state)([], np.ones(2))


def test_a_metric_with_neither_update_state_nor_update_is_refused():
    class Empty(metrics.Metric):
        def result(self):
            return 0.0

    expected = r"Empty implements neither `update_state` nor `update`.*must define `update_state`"
    with pytest.raises(NotImplementedError, match=expected):
        metrics.get(Empty())
    with pytest.raises(NotImplementedError, match=expected):
        Empty().update_state(np.ones(2))


def test_wrong_number_of_variables_is_refused_with_the_expected_list():
    m = metrics.Mean()
    with pytest.raises(ValueError, match=r"Mean.stateless_update_state` expects `metric_variables`.*"
                                         r"expected 2: \['total', 'count'\]\). Received: a list "
                                         r"of length 1"):
        m.stateless_update_state([0.0], [1.0])
    with pytest.raises(ValueError, match=r"stateless_result.*Received: float"):
        m.stateless_result(0.0)


def test_other_misuse_is_explained():
    class NoSuper(metrics.Metric):
        def __init__(self):
            self.v = self.add_variable(shape=(), initializer="zeros")

    with pytest.raises(RuntimeError, match=r"Call `super\(\).__init__\(name=name, \*\*kwargs\)`"):
        NoSuper()

    class BadAggregation(metrics.Metric):
        def __init__(self):
            super().__init__()
            self.v = self.add_variable(shape=(), initializer="zeros", aggregation="max")

    with pytest.raises(ValueError, match=r"invalid value for `aggregation`.*Received: "
                                         r"aggregation='max'"):
        BadAggregation()

    class WrongShape(metrics.Metric):
        def __init__(self):
            super().__init__()
            self.v = self.add_variable(shape=(2,), initializer="zeros", name="v")

        def update_state(self, values):
            self.v.assign(jnp.sum(values))

        def result(self):
            return self.v

    with pytest.raises(ValueError, match=r"assigned a value of shape \(\) to variable "
                                         r"'wrong_shape/v' of shape \(2,\)"):
        WrongShape().stateless_update_state([np.zeros(2)], np.ones(3))
