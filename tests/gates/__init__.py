"""Merge the per-area gate tables of ``tests/gates/*.py`` into a gate test's own.

See README.md here. Loaded by path (tests/ is not a package).
"""

import importlib.util
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent


def modules():
    """The area modules, loaded once each, in name order."""
    out = []
    for path in sorted(HERE.glob("[a-z]*.py")):
        name = f"_gates_{path.stem}"
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        out.append(sys.modules[name])
    return out


def merge(namespace, names):
    """Extend ``namespace[name]`` (a dict, set or list) with every area's ``name``."""
    for module in modules():
        for name in names:
            extra = getattr(module, name, None)
            if extra is None:
                continue
            table = namespace[name]
            if isinstance(table, dict):
                twice = sorted(map(str, set(table) & set(extra)))
                assert not twice, f"tests/gates/{module.__name__[7:]}.py redefines {name}{twice}"
                table.update(extra)
            elif isinstance(table, set):
                table |= set(extra)
            else:
                table.extend(extra)


def call(hook, *args):
    """Run every area's ``hook(*args)`` (e.g. ``probes(h)``)."""
    for module in modules():
        fn = getattr(module, hook, None)
        if fn is not None:
            fn(*args)
