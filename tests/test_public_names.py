"""Every public name of Keras 3 exists in kerasish, module by module, or
docs/compat.md says why not.

Keras's names are read from the installed Keras (the test extra's oracle), so a new
Keras release that adds names makes this fail until they are built or listed. The
list in compat.md must also stay current: a name listed there that kerasish now has
fails too.
"""

import importlib
import pathlib
import re

import pytest

COMPAT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "compat.md"
MODULES = ["", "activations", "applications", "backend", "callbacks", "config",
           "constraints", "datasets", "distribution", "initializers", "layers", "losses",
           "metrics", "mixed_precision", "models", "ops", "ops.image", "ops.linalg",
           "ops.nn", "ops.numpy", "optimizers", "optimizers.schedules", "preprocessing",
           "random", "regularizers", "saving", "tree", "utils"]
SECTION = "## Keras names not in kerasish"


def _public(module):
    return {n for n in dir(module) if not n.startswith("_")}


def _listed():
    """{"keras.layers.ConvLSTM2D", ...}: the first cell of each row of the section."""
    text = COMPAT.read_text(encoding="utf-8")
    assert SECTION in text, f"docs/compat.md has no '{SECTION}' section"
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    names = set()
    for cell in re.findall(r"^\| *([^|]+?) *\|", body, re.MULTILINE):
        names.update(re.findall(r"`(keras(?:\.\w+)*)`", cell))
    return names


def _missing(keras):
    import kerasish

    missing = set()
    for name in MODULES:
        theirs = importlib.import_module("keras" + (f".{name}" if name else ""))
        try:
            ours = importlib.import_module("kerasish" + (f".{name}" if name else ""))
        except ImportError:
            ours = None
        ours_names = _public(ours) | set(getattr(ours, "__all__", [])) if ours is not None \
            else set()
        if not name:  # the top level: kerasish.__getattr__ loads some modules lazily
            ours_names |= set(getattr(kerasish, "__all__", []))
        prefix = "keras" + (f".{name}" if name else "")
        missing |= {f"{prefix}.{n}" for n in _public(theirs) - ours_names}
    return missing


def test_every_keras_name_exists_or_is_explained(keras):
    unexplained = sorted(_missing(keras) - _listed())
    assert not unexplained, (
        f"{len(unexplained)} public Keras names have no kerasish counterpart and no "
        f"reason in docs/compat.md ('{SECTION}'): {unexplained}")


def test_the_list_of_missing_names_is_current(keras):
    stale = sorted(_listed() - _missing(keras))
    assert not stale, f"docs/compat.md lists names kerasish now has (remove them): {stale}"
