"""``compile()``'s arguments: resolved and checked when given, not at ``fit``."""

from kerasish import metrics as metrics_module


def check_metrics(metrics, what):
    if metrics is None:
        return []
    if isinstance(metrics, (str, metrics_module.Metric)) or callable(metrics):
        metrics = [metrics]
    if not isinstance(metrics, (list, tuple)):
        raise TypeError(
            f"`{what}` must be a list of metric names, Metric objects or functions. "
            f"Received: {what}={metrics!r}"
        )
    for m in metrics:
        if isinstance(m, str) and m.lower() in ("accuracy", "acc"):
            continue
        metrics_module.get(m)  # raises with suggestions for an unknown name
    return list(metrics)


def map_spec(spec, fn):
    """Apply ``fn`` to each leaf of a loss spec (one, a list, or a dict per output)."""
    if isinstance(spec, dict):
        return {k: fn(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [fn(v) for v in spec]
    return fn(spec)


def map_metric_spec(spec, check):
    """Check a metrics spec: a list, a list of lists (per output) or a dict per output."""
    if spec is None:
        return []
    if isinstance(spec, dict):
        return {k: check(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)) and any(isinstance(m, (list, tuple)) for m in spec):
        return [check(m) for m in spec]
    return check(spec)


def check_execution(run_eagerly, jit_compile):
    if not isinstance(run_eagerly, bool):
        raise ValueError(f"`run_eagerly` must be True or False. Received: "
                         f"run_eagerly={run_eagerly!r}")
    if jit_compile not in ("auto", True, False):
        raise ValueError("`jit_compile` must be 'auto', True or False. Received: "
                         f"jit_compile={jit_compile!r}")
    if run_eagerly and jit_compile is True:
        raise ValueError("`jit_compile=True` and `run_eagerly=True` contradict each "
                         "other: pick one (run_eagerly=True runs without compiling).")


def per_output(spec, what, names, model_name, default=None):
    """A compile argument given once, as a list, or as a dict -> one entry per output."""
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(
                f"`{what}` has keys {unknown} that are not outputs of model "
                f"{model_name!r}. Its outputs are {names}."
            )
        return [spec.get(n, default) for n in names]
    if len(names) == 1:
        if what == "loss_weights" and isinstance(spec, (list, tuple)):
            return list(spec[:1])
        return [spec]  # e.g. a list of metrics, all for the one output
    if isinstance(spec, (list, tuple)):
        if what == "metrics" and not any(isinstance(m, (list, tuple)) for m in spec):
            return [list(spec)] * len(names)  # a flat metric list: for every output
        if len(spec) != len(names):
            raise ValueError(
                f"`{what}` has {len(spec)} entries but model {model_name!r} has "
                f"{len(names)} outputs {names}. Give one entry per output (or a dict)."
            )
        return list(spec)
    return [spec] * len(names)
