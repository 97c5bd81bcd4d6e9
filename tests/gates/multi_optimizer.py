"""Gate tables of the MultiOptimizer area (tests/gates/README.md): ``MultiOptimizer``
and ``OptimizerMap`` (kerasish/optimizers/multi.py), tested in
tests/test_multi_optimizer.py."""

from kerasish import optimizers


def _sgd_for_every_variable(variable):
    """A callable optimizer_map (stateless: a fresh optimizer per variable)."""
    return optimizers.SGD(learning_rate=0.1)


def _adam_for_every_variable(variable):
    return optimizers.Adam(learning_rate=0.1)


BASE = {"MultiOptimizer": dict(optimizer_map=_sgd_for_every_variable)}
VALUES_BY_CLASS = {("MultiOptimizer", "optimizer_map"): _adam_for_every_variable}

_TESTS = "tests/test_multi_optimizer.py::"
ELSEWHERE = {
    ("optimizers.multi.OptimizerMap", "default_optimizer"):
        _TESTS + "test_map_lookup_matches_keras_for_every_key",
    ("optimizers.multi.OptimizerMap", "optimizer_map"): _TESTS + "test_steps_match_keras",
    ("optimizers.multi.OptimizerMap.from_config", "custom_objects"):
        _TESTS + "test_from_config_takes_custom_objects",
    ("optimizers.multi.MultiOptimizer.from_config", "custom_objects"):
        _TESTS + "test_from_config_takes_custom_objects",
    ("optimizers.multi.MultiOptimizer.sync_from_state", "slots"):
        _TESTS + "test_pure_init_and_update_on_a_params_tree",
    ("optimizers.multi.MultiOptimizer.update", "params"):
        _TESTS + "test_pure_init_and_update_on_a_params_tree",
}

NOT_APPLICABLE = {
    ("optimizers.multi.MultiOptimizer.exclude_from_weight_decay", arg):
        "the method is refused as a whole (a MultiOptimizer has no weight decay; the inner "
        "optimizers' own exclude_from_weight_decay applies): "
        + _TESTS + "test_bad_arguments_are_refused"
    for arg in ("var_list", "var_names")
}

PARITY_SOURCES = {
    ("optimizers", "value"): [
        ("test_multi_optimizer", "test_steps_match_keras", "cls_name"),
        ("test_multi_optimizer", "test_map_lookup_matches_keras_for_every_key", "cls_name"),
    ],
    ("optimizers", "fit"): [
        ("test_multi_optimizer", "test_fit_matches_keras", "cls_name"),
    ],
}

PARITY_EXEMPT = {
    ("optimizers", "OptimizerMap"): (
        {"fit"}, "a mapping from variable paths to optimizers, not an optimizer: it trains "
                 "only inside a MultiOptimizer (whose fit case it takes part in)"),
}
