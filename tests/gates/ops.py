"""Gate tables of ``kerasish.ops`` (issue 17): every op's defaulted arguments are
exercised by the parity tables of tests/test_ops_parity_*.py (each row passes them
with non-default values, checked by tests/test_ops_signatures.py), so the entries
here are generated from those tables rather than listed by hand."""

import ast
import importlib
import inspect
import pathlib

TESTS = pathlib.Path(__file__).resolve().parents[1]

MODULES = ["kerasish.ops.numpy", "kerasish.ops.nn", "kerasish.ops.linalg",
           "kerasish.ops.core"]

# Keywords Keras's ops take through **kwargs.
HIDDEN = {"ops.nn.multi_hot": ["num_tokens"], "ops.nn.layer_normalization": ["rms_scaling"]}

_TABLES = {"test_ops_parity_numpy.py": "test_numpy_op_matches_keras",
           "test_ops_parity_nn.py": "test_nn_op_matches_keras",
           "test_ops_parity_core.py": "test_core_op_matches_keras"}

# Accounted for in the shared tables of tests/test_arguments_honoured.py already.
_SHARED = {("ops.top_k", "sorted")}
# Refused with a ValueError naming them: probes() below.
_REFUSED = {("ops.numpy.bincount", "sparse"), ("ops.nn.one_hot", "sparse"),
            ("ops.nn.multi_hot", "sparse"), ("ops.nn.moments", "synchronized")}


def _rows():
    """{op name: test reference} from the CASES dicts of the parity files (read with
    ast: importing them would import Keras)."""
    rows = {}
    for filename, test in _TABLES.items():
        tree = ast.parse((TESTS / filename).read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "CASES" for t in node.targets):
                names = _case_names(node.value, tree)
                rows.update({n: f"tests/{filename}::{test}" for n in names})
    return rows


def _case_names(node, tree):
    """Op names of a CASES dict literal: string keys, and ``**{n: ... for n in LIST}``
    over module-level lists of strings (or tuples of strings)."""
    lists = {t.id: ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
             for t in n.targets if isinstance(t, ast.Name)
             and isinstance(n.value, (ast.List, ast.Tuple))
             and all(isinstance(e, ast.Constant) for e in n.value.elts)}
    names = []
    for key, value in zip(node.keys, node.values):
        if key is not None:
            names.append(ast.literal_eval(key))
            continue
        comp = value.generators[0] if isinstance(value, ast.DictComp) else None
        source = comp.iter if comp is not None else None
        if isinstance(source, ast.Name):
            names += lists[source.id]
        elif source is not None:
            names += list(ast.literal_eval(source))
    return names


def _elsewhere():
    from kerasish import ops

    rows, out = _rows(), {}
    for name in ops.__all__:
        fn = getattr(ops, name)
        if inspect.ismodule(fn):
            continue
        key = f"{fn.__module__[len('kerasish.'):]}.{fn.__qualname__}"
        params = inspect.signature(fn).parameters.values()
        args = [p.name for p in params if p.default is not p.empty
                and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        args += HIDDEN.get(key, [])
        for arg in args:
            if (key, arg) not in _SHARED | _REFUSED and name in rows:
                out[(key, arg)] = rows[name]
    return out


ELSEWHERE = _elsewhere()


def probes(h):
    """``**kwargs`` of the ops that take keywords through it: unknown ones refused."""
    ops = importlib.import_module("kerasish.ops")
    x = [[1.0, 2.0], [3.0, 4.0]]
    calls = {
        "ops.numpy.einsum": lambda **kw: ops.einsum("ij->ji", x, **kw),
        "ops.nn.multi_hot": lambda **kw: ops.multi_hot([[0, 1]], 3, **kw),
        "ops.nn.layer_normalization": lambda **kw: ops.layer_normalization(x, **kw),
        "ops.rearrange": lambda **kw: ops.rearrange(x, "a b -> b a", **kw),
    }
    def refusing(call, name):
        return lambda arg: h._refuses(call, name)

    for key, call in calls.items():
        h.probe(key, "**kwargs")(
            refusing(lambda call=call: call(not_an_argument=1), "not_an_argument"))
    # Refused (no sparse tensors in kerasish; no cross-device statistics on JAX).
    refused = {
        ("ops.numpy.bincount", "sparse"): lambda: ops.bincount([0, 1], sparse=True),
        ("ops.nn.one_hot", "sparse"): lambda: ops.one_hot([0, 1], 2, sparse=True),
        ("ops.nn.multi_hot", "sparse"): lambda: ops.multi_hot([[0, 1]], 2, sparse=True),
        ("ops.nn.moments", "synchronized"): lambda: ops.moments([[1.0]], [0],
                                                                synchronized=True),
    }
    for (key, arg), call in refused.items():
        h.probe(key, arg)(refusing(call, arg))
