"""MkDocs hook: render the pages' LaTeX to MathML at build time, so no page needs a
script from another host (or any script) to show its formulas.

``pymdownx.arithmatex`` (``generic: true``) leaves each formula as
``<span class="arithmatex">\\(...\\)</span>`` (inline) or
``<div class="arithmatex">\\[...\\]</div>`` (display); this hook replaces each with the
``<math>`` element ``latex2mathml`` makes of it. Browsers render MathML natively.
A heading's formula shows as plain text in the table of contents (``-log a_y``), which
holds text, not markup.
A formula ``latex2mathml`` cannot read fails the build with its page and source.

Loaded by ``mkdocs.yml`` (``hooks:``).
"""

import html
import re

from latex2mathml.converter import convert

_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.DOTALL)
_DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.DOTALL)
_TOC_MATH = re.compile(r"\\\((.*?)\\\)", re.DOTALL)


def to_mathml(latex, display, where="?"):
    """The MathML ``<math>`` element for ``latex`` (HTML-escaped, as in the page)."""
    source = html.unescape(latex).strip()
    try:
        return convert(source, display="block" if display else "inline")
    except Exception as err:  # latex2mathml raises several unrelated types
        raise ValueError(f"{where}: cannot render the formula {source!r} as MathML "
                         f"({type(err).__name__}: {err}); rewrite it with commands "
                         "latex2mathml supports") from err


def plain(latex):
    """``latex`` as readable text for the table of contents: ``-\\log a_y`` -> ``-log a_y``."""
    return re.sub(r"\\([A-Za-z]+)", r"\1", latex).replace("{", "").replace("}", "")


def _plain_toc(items):
    for item in items:
        item.title = _TOC_MATH.sub(lambda m: plain(m[1]), item.title)
        _plain_toc(item.children)


def on_page_content(content, page, **kwargs):
    where = page.file.src_uri
    _plain_toc(page.toc)
    content = _DISPLAY.sub(
        lambda m: f'<div class="arithmatex">{to_mathml(m[1], True, where)}</div>', content)
    return _INLINE.sub(
        lambda m: f'<span class="arithmatex">{to_mathml(m[1], False, where)}</span>', content)
