"""The package's shape, checked: no import circle between kerasish's modules (every
import counted, those inside functions too), the engine imports no Keras-shaped object,
and models/model.py stays a thin shell."""

import ast
import pathlib

import kerasish

ROOT = pathlib.Path(kerasish.__file__).parent


def module_name(path):
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path):
    """Every kerasish module ``path`` imports (``from a import b`` counts ``a.b`` when
    that is a module, else ``a``)."""
    tree = ast.parse(path.read_text())
    found = set()
    package = module_name(path) if path.name == "__init__.py" else \
        module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("kerasish"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if not base.startswith("kerasish"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if (ROOT.parent / (sub.replace(".", "/") + ".py")).exists()
                          or (ROOT.parent / sub.replace(".", "/")).is_dir() else base)
    return found


def graph():
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    edges = {}
    for name, path in modules.items():
        targets = set()
        for target in imports_of(path):
            # importing a.b.c runs a and a.b too (their __init__), but those are parents,
            # not dependencies of this module's code: keep the module itself.
            if target in modules and target != name:
                targets.add(target)
        edges[name] = targets
    return edges


def find_cycle(edges):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_circle():
    edges = graph()
    # A package's __init__ re-exports its children: its edges to them are the export,
    # not a dependency of the children on the package.
    for name in list(edges):
        edges[name] = {t for t in edges[name] if not t.startswith(name + ".")
                       or not (ROOT.parent / name.replace(".", "/") / "__init__.py").exists()}
    for name in list(edges):
        edges[name] = {t for t in edges[name]
                       if not (ROOT.parent / t.replace(".", "/") / "__init__.py").exists()
                       or t == "kerasish"}
    edges.pop("kerasish", None)
    for targets in edges.values():
        targets.discard("kerasish")
    cycle = find_cycle(edges)
    assert cycle is None, " -> ".join(cycle)


def test_the_engine_imports_no_keras_shaped_object():
    edges = graph()
    for name, targets in edges.items():
        if name.startswith("kerasish.engine"):
            upward = sorted(t for t in targets if t.startswith(("kerasish.models",
                                                                "kerasish.callbacks",
                                                                "kerasish.saving",
                                                                "kerasish.functional")))
            assert not upward, f"{name} imports {upward}"


def test_model_is_a_thin_shell():
    lines = (ROOT / "models" / "model.py").read_text().count("\n")
    assert lines < 600, f"models/model.py has {lines} lines"
