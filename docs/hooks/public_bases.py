"""MkDocs hook: the API reference names public base classes only.

mkdocstrings writes ``Bases: _Merge`` for ``class Add(_Merge)``; ``_Merge`` is an
implementation detail with no page. Each private base is replaced by the nearest public
classes of its own ancestry (``_Merge`` -> ``Layer``), linked like the others; a base
already listed is not repeated. Rewriting the HTML, not griffe's model, keeps what
griffe infers through the private base (an ``__init__`` signature it defines).

Loaded by ``mkdocs.yml`` (``hooks:``).
"""

import importlib
import pathlib
import re
import sys

_BASES = re.compile(r'(<p class="doc doc-class-bases">\s*Bases: )(.*?)(</p>)', re.DOTALL)
_ITEM = re.compile(r"<code>.*?</code>", re.DOTALL)
_PATH = re.compile(r'identifier="([\w.]+)"')


def _resolve(path):
    """The class at dotted ``path`` (``kerasish.layers.merging._Merge``)."""
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as err:
        raise ValueError(f"the API reference names the private base {path}, which does "
                         f"not import ({err}); docs/hooks/public_bases.py cannot replace "
                         "it by its public ancestors") from err


def public_ancestors(cls):
    """The nearest public classes above ``cls``: each private base replaced by its own."""
    out = []
    for base in cls.__bases__:
        if base is object:
            continue
        for found in (public_ancestors(base) if base.__name__.startswith("_") else [base]):
            if found not in out:
                out.append(found)
    return out


def _code(cls):
    path = f"{cls.__module__}.{cls.__qualname__}"
    return f'<code><autoref identifier="{path}" optional>{cls.__name__}</autoref></code>'


def _rewrite(match):
    items, seen = [], set()
    for item in _ITEM.findall(match[2]):
        path = _PATH.search(item)
        name = path[1].rsplit(".", 1)[-1] if path else re.sub(r"<[^>]+>", "", item)
        if not name.startswith("_"):
            items.append(item)
            seen.add(name)
            continue
        if not path:
            raise ValueError(f"no dotted path for the private base in {match[0]!r}")
        for base in public_ancestors(_resolve(path[1])):
            if base.__name__ not in seen:
                items.append(_code(base))
                seen.add(base.__name__)
    if not items:
        return ""
    return f"{match[1]}{', '.join(items)}{match[3]}"


def on_config(config, **kwargs):
    # The classes are imported from the checkout the site documents, installed or not.
    root = str(pathlib.Path(config.config_file_path).resolve().parent)
    if root not in sys.path:
        sys.path.insert(0, root)


def on_page_content(content, **kwargs):
    return _BASES.sub(_rewrite, content)
