"""Every public class and function has a runnable ``>>>`` example in its docstring
(tests/test_doctests.py runs them), as issue 21 asks of the API reference."""

import importlib
import inspect

MODULES = ["kerasish"] + [f"kerasish.{m}" for m in (
    "activations applications callbacks constraints datasets distribution initializers "
    "layers losses metrics mixed_precision models ops ops.nn ops.numpy ops.linalg ops.core "
    "ops.image optimizers optimizers.schedules random regularizers saving tree utils").split()]

# Names that are other libraries' objects re-exported under Keras's name.
NOT_OURS = {"PartitionSpec"}  # jax.sharding.PartitionSpec (kerasish.distribution)


def public_objects():
    seen = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", [a for a in dir(module) if not a.startswith("_")]):
            obj = getattr(module, attr, None)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and attr not in NOT_OURS:
                seen.setdefault(id(obj), (f"{name}.{attr}", obj))
    return list(seen.values())


def test_every_public_name_has_a_runnable_example():
    objects = public_objects()
    assert len(objects) > 800
    missing = sorted(name for name, obj in objects if ">>>" not in (inspect.getdoc(obj) or ""))
    assert not missing, f"public names without a `>>>` example in their docstring: {missing}"
