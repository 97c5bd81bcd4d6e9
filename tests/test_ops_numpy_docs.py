"""Every op of ``kerasish.ops.numpy`` shows a runnable example, and the API reference
lists each one (tests/test_doctests.py runs the examples; tests/test_docs.py builds the
site)."""

import inspect
import pathlib
import sys

import pytest

from kerasish.ops import numpy as knp

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_every_numpy_op_has_an_example():
    missing = [name for name in knp.__all__
               if ">>>" not in (inspect.getdoc(getattr(knp, name)) or "")]
    assert not missing, f"add a `>>>` example to the docstring of: {missing}"


def test_every_numpy_op_example_calls_its_op():
    """An example shows the op it documents, not only a neighbour of it."""
    odd = [name for name in knp.__all__
           if not any(f"{name}(" in line for line in inspect.getdoc(getattr(knp, name))
                      .splitlines() if line.lstrip().startswith(">>>"))]
    assert not odd, f"these ops' examples do not call them: {odd}"


def test_api_reference_lists_every_numpy_op_with_its_example():
    griffe = pytest.importorskip("griffe", reason="the docs extra is not installed")
    extension = griffe.load_extensions(
        str(ROOT / "docs" / "_griffe_dynamic_ops.py") + ":InspectDynamicModules")
    module = griffe.load("kerasish.ops.numpy", extensions=extension,
                         search_paths=[str(ROOT), *sys.path])
    assert list(module.exports) == list(knp.__all__)
    for name in knp.__all__:
        member = module.members[name]
        assert member.kind is griffe.Kind.FUNCTION and not member.is_alias, name
        assert member.docstring.value == inspect.getdoc(getattr(knp, name)), name
        expected = list(inspect.signature(getattr(knp, name)).parameters)
        assert [p.name for p in member.parameters] == expected, name
    defaults = {p.name: p.default for p in module.members["linspace"].parameters}
    assert defaults["num"] == "50" and defaults["endpoint"] == "True"
