"""Griffe extension for the API reference: make kerasish docstrings read well as Markdown.

1. kerasish docstrings show runnable ``>>>`` examples in the running text (the test
   suite runs them with ``doctest``). Griffe's Google parser only recognises them inside
   an ``Examples:`` section; elsewhere Markdown would read ``>>>`` as three nested block
   quotes. Each unindented run of doctest lines (up to the next blank line) is fenced as
   a ``pycon`` block.
2. A few docstrings use Sphinx roles (``:class:`Adam```, ``:meth:`~a.b.transform```),
   which Markdown shows literally; they become inline code (``Adam``, ``transform``).

Nothing else changes. Loaded by ``mkdocs.yml`` (mkdocstrings ``extensions``).
"""

import re

import griffe

_ROLE = re.compile(r":(?:func|meth|class|attr|mod|data|obj|exc):`(~?)([^`]+)`")


def fence_doctests(text):
    """``text`` with every column-0 doctest block fenced; idempotent."""
    out, in_fence, in_doctest = [], False, False
    for line in text.split("\n"):
        if in_doctest and not line.strip():
            out.append("```")
            in_doctest = False
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and not in_doctest and line.startswith(">>>"):
            out.append("```pycon")
            in_doctest = True
        out.append(line)
    if in_doctest:
        out.append("```")
    return "\n".join(out)


def plain_roles(text):
    """Sphinx roles as inline code: ``:meth:`~a.B.f``` -> ```f```, ``:class:`B``` -> ```B```."""
    return _ROLE.sub(lambda m: f"`{m[2].rsplit('.', 1)[-1] if m[1] else m[2]}`", text)


class FenceDoctests(griffe.Extension):
    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = plain_roles(fence_doctests(obj.docstring.value))
