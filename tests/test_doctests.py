"""Every docstring example in kerasish runs and prints what it shows."""

import doctest
import importlib
import pkgutil

import pytest

import kerasish

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(kerasish.__path__, prefix="kerasish.")
)


@pytest.mark.slow
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
