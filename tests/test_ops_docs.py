"""Every op of ``kerasish.ops.nn``, ``.core``, ``.linalg`` and the flat-only math ops of
``kerasish.ops`` shows a runnable example that calls it, and the API reference lists each
one with its docstring (tests/test_doctests.py runs the examples; tests/test_docs.py builds
the site; tests/test_ops_numpy_docs.py does the same for ``kerasish.ops.numpy``)."""

import builtins
import contextlib
import doctest
import inspect
import io
import pathlib
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerasish import ops
from kerasish.ops import core, linalg, math, nn

ROOT = pathlib.Path(__file__).resolve().parent.parent
GROUPS = {"kerasish.ops.nn": nn, "kerasish.ops.core": core, "kerasish.ops.linalg": linalg,
          "kerasish.ops": math}


def _ops(module):
    return [(name, getattr(module, name)) for name in module.__all__]


@pytest.mark.parametrize("path", GROUPS)
def test_every_op_has_an_example_that_calls_it(path):
    missing, odd = [], []
    for name, fn in _ops(GROUPS[path]):
        lines = [line.lstrip()[4:] for line in (inspect.getdoc(fn) or "").splitlines()
                 if line.lstrip().startswith((">>> ", "... "))]
        if not lines:
            missing.append(name)
        elif not any(f"{name}(" in line or line.startswith(f"@{name}") for line in lines):
            odd.append(name)
    assert not missing, f"add a `>>>` example to the docstring of: {missing}"
    assert not odd, f"these ops' examples do not call them: {odd}"


def test_every_documented_op_has_a_description_beyond_one_line():
    """A summary line, then at least one more paragraph before the Args."""
    short = [f"{module.__name__}.{name}" for module in GROUPS.values()
             for name, fn in _ops(module)
             if len(inspect.getdoc(fn).split("Args:")[0].strip().split("\n\n")) < 2]
    assert not short, f"add a paragraph after the summary line of: {short}"


@pytest.fixture(scope="module")
def reference():
    """``kerasish.ops`` as the API reference reads it (griffe and our extension)."""
    griffe = pytest.importorskip("griffe", reason="the docs extra is not installed")
    extension = griffe.load_extensions(
        str(ROOT / "docs" / "_griffe_dynamic_ops.py") + ":InspectDynamicModules")
    return griffe, griffe.load("kerasish.ops", extensions=extension,
                               search_paths=[str(ROOT), *sys.path])


@pytest.mark.parametrize("path", GROUPS)
def test_api_reference_lists_every_op_with_its_example(reference, path):
    griffe, package = reference
    module = package[path.removeprefix("kerasish.ops.")] if path != "kerasish.ops" else package
    for name, fn in _ops(GROUPS[path]):
        member = module.members[name]
        assert member.kind is griffe.Kind.FUNCTION and not member.is_alias, name
        assert member.docstring.value == inspect.getdoc(fn), name
        assert [p.name for p in member.parameters] == list(inspect.signature(fn).parameters)


def test_flat_math_ops_are_listed_on_the_api_page():
    """``docs/api/ops.md`` names every op that is only flat (``keras.ops.top_k``)."""
    page = (ROOT / "docs" / "api" / "ops.md").read_text(encoding="utf-8")
    flat = page.split("## Everything, flat", 1)[1]
    missing = [name for name in math.__all__ if name not in flat]
    assert not missing, f"list these in the flat section's members of ops.md: {missing}"
    assert all(getattr(ops, name) is getattr(math, name) for name in math.__all__)


def _run(source, namespace):
    """What the doctest line ``source`` prints in ``namespace``, or its error."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, "<example>", "single"), namespace)  # noqa: S102
    except Exception as error:  # noqa: BLE001 - the error is the result compared
        return f"{type(error).__name__}: {error}"
    return out.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize("path", GROUPS)
def test_examples_show_what_keras_computes(keras, path):
    """Each example, run with ``keras.ops`` in place of kerasish's ops, prints what the
    docstring shows: the documented values are Keras's (sparsemax's example keeps to a
    row where Keras 3.15's threshold is right, see its docstring)."""
    module = GROUPS[path]
    group = {"kerasish.ops.nn": keras.ops.nn, "kerasish.ops.linalg": keras.ops.linalg}.get(
        path, keras.ops)
    parser = doctest.DocTestParser()
    differ = []
    for name in module.__all__:
        namespace = {"np": np, "jax": jax, "jnp": jnp}
        namespace.update({n: getattr(keras.ops, n) for n in dir(keras.ops)
                          if not n.startswith("_")})
        namespace.update({n: getattr(group, n) for n in dir(group) if not n.startswith("_")})
        if module is not math:  # only kerasish.ops shadows these builtins, as keras.ops does
            namespace["round"] = builtins.round
            if module is not core:
                namespace["map"], namespace["slice"] = builtins.map, builtins.slice
        for example in parser.get_examples(inspect.getdoc(getattr(module, name))):
            got = _run(example.source, namespace)
            if example.want and got.split() != example.want.split():
                differ.append(f"{name}: {example.source.strip()} -> Keras {got.strip()!r}, "
                              f"docstring {example.want.strip()!r}")
    assert not differ, "\n".join(differ)
