"""The documentation cannot rot: every ```python block of the guide, the home page and
the tf.keras page runs, and the site builds with ``mkdocs build --strict``.

Blocks of one page run in order in one namespace, as a reader would paste them. Blocks
fenced as ```py (or ```text, ```bash) are shown but not run. To keep the suite fast,
every literal ``epochs=N`` is lowered to ``epochs=min(N, KERASISH_DOCS_EPOCHS)`` (2 by
default); the pages' exact claims (equal weights, equal gradients, round-off) hold at any
number of epochs, and the accuracies they quote are for the full count. Set
``KERASISH_DOCS_EPOCHS=1000`` to run the pages exactly as written.
"""

import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [DOCS / "index.md", DOCS / "tf_keras.md", *sorted((DOCS / "guide").glob("*.md"))]
EPOCHS = int(os.environ.get("KERASISH_DOCS_EPOCHS", "2"))

_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_EPOCHS = re.compile(r"\bepochs=(\d+)")


def python_blocks(page):
    """The source of each ```python block of ``page``, in order."""
    return _BLOCK.findall(page.read_text(encoding="utf-8"))


def fewer_epochs(source, cap=EPOCHS):
    """``source`` with each literal ``epochs=N`` replaced by ``epochs=min(N, cap)``."""
    return _EPOCHS.sub(lambda m: f"epochs={min(int(m.group(1)), cap)}", source)


def test_fewer_epochs_rewrites_only_literal_epoch_counts():
    assert fewer_epochs("fit(X, y, epochs=100)", cap=3) == "fit(X, y, epochs=3)"
    assert fewer_epochs("fit(X, y, epochs=2)", cap=3) == "fit(X, y, epochs=2)"
    assert fewer_epochs("fit(X, y, epochs=n)", cap=3) == "fit(X, y, epochs=n)"
    assert fewer_epochs("initial_epochs=100", cap=3) == "initial_epochs=100"


def test_every_tested_page_has_code():
    for page in PAGES:
        assert python_blocks(page), f"{page.relative_to(ROOT)} has no ```python block"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_code_runs(page, tmp_path, monkeypatch, keras_home):
    monkeypatch.chdir(tmp_path)  # a block that writes a file writes it here
    # Pretrained weights come from a ~/.keras that already holds them (no network).
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    namespace = {"__name__": "__docs__"}
    for i, block in enumerate(python_blocks(page), 1):
        # Only the side-by-side comparison with real Keras needs it (the test extra has it).
        if re.search(r"^import keras\b", block, re.MULTILINE) and not _installed("keras"):
            pytest.skip(f"{page.name} block {i} compares with real Keras 3, not installed")
        code = compile(fewer_epochs(block), f"{page.relative_to(ROOT)} [block {i}]", "exec")
        exec(code, namespace)


def _installed(module):
    return importlib.util.find_spec(module) is not None


def test_every_page_under_docs_is_in_the_nav():
    """A page that is not in the nav builds, but nobody finds it: add it to mkdocs.yml."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")]
    missing = [p for p in pages if not re.search(rf"^\s*-\s*(.+:\s*)?{re.escape(p)}\s*$",
                                                    nav, re.MULTILINE)]
    assert not missing, f"add these pages to the nav in mkdocs.yml: {missing}"


def test_home_page_links_every_top_level_page():
    """Each page beside index.md is reachable from the home page, not only the nav."""
    home = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([\w/]+\.md)(?:#[\w-]*)?\)", home))
    missing = [p.name for p in sorted(DOCS.glob("*.md"))
               if p.name != "index.md" and p.name not in linked]
    assert not missing, f"link these pages from docs/index.md: {missing}"


def test_figures_linked_from_pages_exist():
    for page in [*DOCS.glob("*.md"), *DOCS.glob("*/*.md")]:
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", page.read_text("utf-8")):
            assert (page.parent / target).is_file(), f"{page.name} links a missing {target}"


def test_diagnostics_table_lists_every_code():
    from kerasish import diagnostics

    table = (DOCS / "api" / "utils.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)) == set(diagnostics.CODES)


def test_every_public_module_has_an_api_page():
    import types

    import kerasish

    directives = "\n".join(p.read_text("utf-8") for p in (DOCS / "api").glob("*.md"))
    modules = [name for name in kerasish.__all__
               if isinstance(getattr(kerasish, name), types.ModuleType)
               and getattr(kerasish, name).__name__ == f"kerasish.{name}"]  # not aliases
    missing = [m for m in modules if not re.search(rf"^::: kerasish\.{m}\b", directives,
                                                   re.MULTILINE)]
    assert not missing, f"no `::: kerasish.<module>` under docs/api/ for {missing}"


def test_code_blocks_fit_88_columns():
    """Code a reader copies (python, py, pycon, bash) fits the site's 88 columns without a
    sideways scroll (docs/stylesheets/extra.css widens the page to fit 88); program
    output (text) is shown as printed."""
    fence = re.compile(r"^```(python|py|pycon|bash|sh)\b[^\n]*\n(.*?)^```[ \t]*$",
                       re.MULTILINE | re.DOTALL)
    long = [f"{page.relative_to(DOCS)}: {line[:60]}..."
            for page in DOCS.rglob("*.md")
            for _, body in fence.findall(page.read_text("utf-8"))
            for line in body.splitlines() if len(line) > 88]
    assert not long, f"code lines over 88 columns: {long}"


@pytest.mark.slow
def test_figure_script_runs(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib (the docs extra) is not installed")
    env = dict(os.environ, KERASISH_FIGURE_EPOCHS="2")
    proc = subprocess.run(
        [sys.executable, str(DOCS / "figures" / "make_figures.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    made = sorted(p.name for p in tmp_path.glob("*.png"))
    assert made == sorted(p.name for p in (DOCS / "figures").glob("*.png"))


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """The site built once with ``mkdocs build --strict``: (the process, the site folder)."""
    missing = [m for m in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers",
                           "latex2mathml") if not _installed(m)]
    if missing:
        pytest.skip(f"the docs extra is not installed (missing {missing}); "
                    "pip install '.[docs]' to build the site")
    site = tmp_path_factory.mktemp("docs") / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=env,
    )
    return proc, site


def _html(site):
    """{page path: HTML} for every page of the built site."""
    return {p.relative_to(site).as_posix(): p.read_text("utf-8") for p in site.rglob("*.html")}


@pytest.mark.slow
def test_mkdocs_build_strict(built_site):
    proc, _ = built_site
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]


@pytest.mark.slow
def test_site_renders_math_without_another_host(built_site):
    """Formulas are MathML in the HTML (docs/hooks/mathml.py), not LaTeX for a script."""
    proc, site = built_site
    assert proc.returncode == 0, proc.stderr[-3000:]
    pages = _html(site)
    raw = sorted(p for p, text in pages.items() if re.search(r"\\[(\[]", text))
    assert not raw, f"raw LaTeX delimiters \\( or \\[ left in {raw}"
    remote = sorted({m for text in pages.values()
                     for m in re.findall(r'<(?:script|img|iframe)[^>]*\ssrc="(?:https?:)?//[^"]*"',
                                         text)})
    remote += sorted({m for text in pages.values()
                      for m in re.findall(r'<link[^>]*\shref="(?:https?:)?//[^"]*"', text)})
    assert not remote, f"the pages load from another host: {remote[:5]}"
    assert not any("cdn." in m for text in pages.values()
                   for m in re.findall(r'\ssrc="[^"]*"', text))
    with_math = [p.relative_to(DOCS).with_suffix("").as_posix() for p in PAGES
                 if re.search(r"\$[^$\n]+\$|\\\(|\\\[", p.read_text("utf-8"))]
    assert "guide/losses" in with_math
    for page in with_math:
        html_page = "index.html" if page == "index" else f"{page}/index.html"
        assert "<math" in pages[html_page], f"{html_page} has formulas but no <math> element"


@pytest.mark.slow
def test_api_reference_shows_no_private_base(built_site):
    proc, site = built_site
    assert proc.returncode == 0, proc.stderr[-3000:]
    for page, text in _html(site).items():
        plain = re.sub(r"<[^>]+>", "", text)
        private = re.findall(r"Bases: [^\n]*?\b_\w+", plain)
        assert not private, f"{page} shows private base classes: {private[:3]}"


@pytest.mark.slow
def test_api_reference_documents_the_public_modules(built_site):
    """Every public name of tree, constraints, random and the datasets, the recurrent
    layers, get_file and fit_many has an entry (an anchor) in the API reference."""
    import kerasish
    from kerasish import constraints, datasets, random, tree

    proc, site = built_site
    assert proc.returncode == 0, proc.stderr[-3000:]
    anchors = {m for text in _html(site).values() for m in re.findall(r'\sid="([\w.]+)"', text)}
    # Keras's lower-case aliases (constraints.max_norm is MaxNorm) share the class's entry.
    expected = {f"kerasish.{module.__name__.rsplit('.', 1)[-1]}.{name}"
                for module in (constraints, random, tree) for name in module.__all__
                if getattr(getattr(module, name), "__name__", name) == name}
    expected |= {f"kerasish.datasets.{name}.load_data" for name in datasets.__all__}
    expected |= {f"kerasish.layers.{name}" for name in (
        "RNN", "SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell",
        "StackedRNNCells", "Bidirectional", "TimeDistributed")}
    expected |= {"kerasish.utils.get_file", "kerasish.fit_many", "kerasish.results_table"}
    assert all(hasattr(kerasish.layers, n.rsplit(".", 1)[-1]) for n in expected
               if n.startswith("kerasish.layers."))
    missing = sorted(expected - anchors)
    assert not missing, f"add these to the pages under docs/api/: {missing}"
