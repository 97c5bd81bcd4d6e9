"""Every public loss, activation, metric, optimizer and regularizer has a parity case.

The public names are discovered from the kerasish modules (not listed here), so a new
``kerasish.metrics.F1Score`` makes these tests fail until a differential test against
real Keras names it. A *parity case* is one parametrize value of one of the tests in
``SOURCES`` below: each takes the ``keras`` fixture and compares numbers with Keras 3.

Two tiers:

* ``value``: the object itself against Keras's (activation values, loss values with and
  without sample weights, metric results over batches, optimizer steps, penalties);
* ``fit``: the class inside ``model.fit`` against Keras's ``fit`` (loss, metric,
  optimizer and regularizer classes; function forms and activations have no fit tier).

Public means: every public class of ``kerasish.losses``, ``metrics``, ``optimizers`` and
``regularizers``, and every public function whose leading parameters are ``(x)``
(activations) or ``(y_true, y_pred)`` (losses, metrics). To cover a new name: add it to
the parametrize list of one of these tests (or add a new differential test and list it
in ``SOURCES``). Objects with no Keras counterpart, or that cannot take part in a tier,
are listed in ``EXEMPT`` with the reason.

Aliases (``mse`` and ``mean_squared_error``, ``l2`` and ``L2``) are one object: a case
for either covers both.
"""

import importlib
import importlib.util
import inspect
import pathlib
import sys

import pytest

import gates
import kerasish
from kerasish import activations, losses, metrics, optimizers, regularizers

TESTS = pathlib.Path(__file__).resolve().parent
MODULES = {"activations": activations, "losses": losses, "metrics": metrics,
           "optimizers": optimizers, "regularizers": regularizers}
# The leading parameters that make a plain function a public member of its module
# (``get``, ``serialize``, ``reduce_values`` ... do not have them).
FUNCTION_SIGNATURES = {"activations": ("x",), "losses": ("y_true", "y_pred"),
                       "metrics": ("y_true", "y_pred")}

# (category, tier) -> [(test module, test function, how to read names off one
# parametrize value: an argument name, or a function of the test's arguments)].
_fit = lambda field: lambda args: _fit_names(args["case"], field)  # noqa: E731
SOURCES = {
    ("activations", "value"): [
        ("test_activations", "test_values_match_keras", "name"),
    ],
    ("losses", "value"): [
        ("test_losses", "test_classes_match_keras_for_every_reduction_and_weighting", "cls_name"),
        ("test_losses", "test_function_forms_match_keras", "fn_name"),
        ("test_parity_gaps", "test_loss_wrapper_matches_keras", "loss_name"),
    ],
    ("metrics", "value"): [
        ("test_metrics", "test_stateful_metrics_match_keras_over_batches", "cls_name"),
        ("test_metrics", "test_function_forms_match_keras_values_and_shapes", "fn_name"),
        ("test_parity_gaps", "test_metric_values_match_keras_over_batches", "metric_name"),
        ("test_parity_gaps", "test_mean_and_sum_match_keras_over_batches", "metric_name"),
        ("test_parity_gaps", "test_metric_functions_match_keras", "metric_name"),
        ("test_parity_gaps", "test_confusion_counts_match_keras_confusion_metrics",
         "metric_name"),
    ],
    ("optimizers", "value"): [
        ("test_optimizers", "test_matches_keras", "cls_name"),
        ("test_parity_gaps", "test_loss_scale_optimizer_matches_keras", "optimizer_name"),
    ],
    ("regularizers", "value"): [
        ("test_regularizers", "test_penalties_match_keras", "name"),
        ("test_parity_gaps", "test_base_regularizer_penalty_matches_keras", "regularizer_name"),
    ],
    ("losses", "fit"): [
        ("test_parity_gaps", "test_fit_evaluate_and_history_match_keras", _fit("loss")),
    ],
    ("metrics", "fit"): [
        ("test_parity_gaps", "test_fit_evaluate_and_history_match_keras", _fit("metrics")),
    ],
    ("optimizers", "fit"): [
        ("test_training", "test_fit_matches_keras",
         lambda args: {args["opt"][0] if args["opt"] else "RMSprop"}),  # None: the default
        ("test_parity_gaps", "test_fit_evaluate_and_history_match_keras", _fit("optimizer")),
    ],
    ("regularizers", "fit"): [
        ("test_parity_gaps", "test_fit_evaluate_and_history_match_keras", _fit("regularizer")),
    ],
}
PARITY_SOURCES, PARITY_EXEMPT = SOURCES, {}

# (category, name) -> (tiers it is exempt from, why).
EXEMPT = {
    ("losses", "Loss"): ({"value", "fit"}, "abstract base: `call` raises NotImplementedError"),
    ("metrics", "Metric"): ({"value", "fit"}, "abstract base: `update` raises NotImplementedError"),
    ("metrics", "Mean"): ({"fit"}, "averages one array of values, not (y_true, y_pred)"),
    ("metrics", "Sum"): ({"fit"}, "sums one array of values, not (y_true, y_pred)"),
    ("optimizers", "Optimizer"): ({"value", "fit"}, "abstract base: `transform` is abstract"),
    ("optimizers", "OptimizerState"): ({"value", "fit"}, "the state pytree, not an optimizer"),
    ("optimizers", "LossScaleOptimizer"): (
        {"fit"}, "scales float16 losses: needs a mixed_float16 model, whose float16 "
                 "rounding differs from Keras's (tests/test_mixed_precision.py trains it)"),
    ("optimizers", "OptaxOptimizer"): (
        {"value", "fit"}, "wraps a raw optax transform; Keras has no counterpart "
                          "(test_optimizers.test_get_wraps_optax compares it with SGD)"),
    ("regularizers", "Regularizer"): ({"fit"}, "the base penalty is 0: nothing to train"),
}


def _merge_areas():
    """Each area's parity sources and exemptions (tests/gates/README.md)."""
    for module in gates.modules():
        for key, sources in getattr(module, "PARITY_SOURCES", {}).items():
            SOURCES.setdefault(key, []).extend(sources)
    gates.merge(globals(), ["PARITY_EXEMPT"])
    EXEMPT.update(PARITY_EXEMPT)


_merge_areas()
TIERS = sorted(SOURCES)


def _fit_names(case, field):
    value = case[field]
    if value is None:
        return set()
    if field == "metrics":
        return {name for name, _ in [*case["metrics"], *case["weighted_metrics"]]}
    return {value[0]}


# ---------------------------------------------------------------------- discovery


def public_objects(category):
    """{name: object} of the public members of ``kerasish.<category>``."""
    module = MODULES[category]
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    out = {}
    for name in names:
        obj = getattr(module, name)
        if inspect.isclass(obj):
            # Every public class counts, subclass of the base or not (Keras's
            # LossScaleOptimizer is an Optimizer; ours wraps one): a class that is no
            # loss/metric/optimizer/regularizer must say so in EXEMPT.
            out[name] = obj
        elif inspect.isfunction(obj) and category in FUNCTION_SIGNATURES:
            params = list(inspect.signature(obj).parameters)
            lead = FUNCTION_SIGNATURES[category]
            if tuple(params[:len(lead)]) == lead:
                out[name] = obj
    return out


def _load(stem):
    """The test module ``stem``, the one pytest imported if it did."""
    path = TESTS / f"{stem}.py"
    for module in list(sys.modules.values()):
        if pathlib.Path(getattr(module, "__file__", None) or "").resolve() == path:
            return module
    spec = importlib.util.spec_from_file_location(f"_parity_source_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parametrize_rows(fn):
    """Every combination of ``fn``'s parametrize marks, as {argname: value} dicts."""
    rows = [{}]
    for mark in getattr(fn, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        argnames, argvalues = mark.args[0], mark.args[1]
        if isinstance(argnames, str):
            argnames = [a.strip() for a in argnames.split(",") if a.strip()]
        values = []
        for v in argvalues:
            if isinstance(v, type(pytest.param(None))):  # pytest.param(...): values is a tuple
                v = v.values
            elif len(argnames) == 1:
                v = (v,)
            values.append(dict(zip(argnames, v)))
        rows = [{**r, **v} for r in rows for v in values]
    return rows


def _names(reader, row):
    if callable(reader):
        return set(reader(row))
    value = row[reader]
    return {value} if isinstance(value, str) else set(value)


def covered(category, tier):
    """{name: [test ids]} of the names the tier's parity tests take."""
    out = {}
    for stem, test_name, reader in SOURCES[(category, tier)]:
        fn = getattr(_load(stem), test_name, None)
        assert fn is not None, f"{stem}.{test_name} is listed in SOURCES but does not exist"
        assert "keras" in inspect.signature(fn).parameters, (
            f"{stem}.{test_name} does not take the `keras` fixture: it is not a parity test")
        rows = _parametrize_rows(fn)
        assert rows != [{}], f"{stem}.{test_name} is not parametrized"
        for row in rows:
            for name in _names(reader, row):
                out.setdefault(name, []).append(f"{stem}.{test_name}")
    return out


# -------------------------------------------------------------------------- tests


@pytest.mark.parametrize("category, tier", TIERS, ids=[f"{c}-{t}" for c, t in TIERS])
def test_every_public_name_has_a_parity_case(category, tier):
    public = public_objects(category)
    assert public, f"found no public {category}: the discovery rule is broken"
    cases = covered(category, tier)
    # A case names an object: any of its aliases covers it.
    covered_ids = {id(public[n]) for n in cases if n in public}
    missing = sorted(
        name for name, obj in public.items()
        if id(obj) not in covered_ids
        and (tier == "value" or inspect.isclass(obj))
        and tier not in EXEMPT.get((category, name), (set(), ""))[0])
    where = ", ".join(f"{s}.{t}" for s, t, _ in SOURCES[(category, tier)])
    assert not missing, (
        f"Public kerasish.{category} without a {tier}-parity case against Keras: {missing}. "
        f"Add each to the parametrize list of one of: {where} "
        f"(or list a new differential test in SOURCES of {pathlib.Path(__file__).name}).")


@pytest.mark.parametrize("category, tier", TIERS, ids=[f"{c}-{t}" for c, t in TIERS])
def test_parity_cases_name_real_objects(category, tier):
    """A typo in a parity list would cover nothing; names not in kerasish must be ones
    the gaps module expects soon (their cases skip until they exist)."""
    gaps = _load("test_parity_gaps")
    anticipated = gaps.ANTICIPATED.get(category, set())
    public = public_objects(category)
    unknown = sorted(n for n in covered(category, tier) if n not in public and n not in anticipated)
    assert not unknown, f"parity cases name no public kerasish.{category} object: {unknown}"


def test_exemptions_are_current():
    for (category, name), (tiers, reason) in EXEMPT.items():
        assert name in public_objects(category), f"EXEMPT lists a name that is gone: {name}"
        assert tiers <= {"value", "fit"} and reason


def test_discovery_finds_the_known_names():
    """The discovery rule itself: it sees classes and function forms, not helpers."""
    assert {"sigmoid", "relu", "softmax", "swish"} <= set(public_objects("activations"))
    assert not {"get", "serialize", "deserialize"} & set(public_objects("activations"))
    loss_names = set(public_objects("losses"))
    assert {"BinaryCrossentropy", "binary_crossentropy", "mse", "Huber"} <= loss_names
    assert not {"get", "reduce_values", "resolve", "squeeze_or_expand_to_same_rank"} & loss_names
    assert {"BinaryAccuracy", "Mean", "binary_accuracy"} <= set(public_objects("metrics"))
    assert {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"} <= set(public_objects("optimizers"))
    assert not {"get", "serialize", "schedules"} & set(public_objects("optimizers"))
    assert {"L1", "L2", "L1L2", "l2", "OrthogonalRegularizer"} <= set(
        public_objects("regularizers"))
    assert kerasish.losses.mse is kerasish.losses.mean_squared_error
