"""kerasish.ops has every op of keras.ops with Keras's signature; the parity tables
cover every op and exercise every defaulted argument; bad input gets Keras's error
type with a message naming the argument."""

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish import ops
from ops_harness import all_names, variable_sample
from test_ops_parity_core import CASES as CORE
from test_ops_parity_nn import CASES as NN
from test_ops_parity_numpy import CASES as NUMPY

TABLES = {"numpy": NUMPY, "nn": NN, "core": CORE}


def _public(keras):
    return all_names(keras)


def test_every_keras_op_exists_with_kerass_signature(keras):
    names = _public(keras)
    assert len(names) >= 337
    missing = [n for n in names if not callable(getattr(ops, n, None))]
    assert not missing, f"keras.ops names missing from kerasish.ops: {missing}"
    differ = []
    for name in names:
        theirs = inspect.signature(getattr(keras.ops, name))
        ours = inspect.signature(getattr(ops, name))
        shape = lambda s: [(p.name, p.kind, p.default) for p in s.parameters.values()]  # noqa
        if shape(ours) != shape(theirs):
            differ.append(f"{name}{ours} != Keras {name}{theirs}")
    assert not differ, "\n".join(differ)


def test_submodules_hold_kerass_groups(keras):
    for group in ("numpy", "nn", "linalg"):
        theirs = {n for n in dir(getattr(keras.ops, group)) if not n.startswith("_")}
        ours = set(getattr(ops, group).__all__)
        assert theirs == ours, (group, sorted(theirs ^ ours))
        for name in ours:
            assert getattr(getattr(ops, group), name) is getattr(ops, name)


def test_every_op_has_a_parity_row(keras):
    covered = set(NUMPY) | set(NN) | set(CORE)
    assert not set(_public(keras)) - covered, sorted(set(_public(keras)) - covered)
    assert not covered - set(_public(keras)), sorted(covered - set(_public(keras)))


def exercised(name):
    """The arguments of ``name`` that some row of its table passes."""
    calls = next(table[name] for table in TABLES.values() if name in table)
    sig = inspect.signature(getattr(ops, name))
    params = list(sig.parameters.values())
    seen = set()
    for call in calls:
        seen |= set(call.kwargs)
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                      p.POSITIONAL_OR_KEYWORD)]
        seen |= {p.name for p in positional[:len(call.args)]}
    return seen


# Arguments refused (a ValueError naming them): what they ask has no JAX form here.
REFUSED = {
    ("bincount", "sparse"): lambda: ops.bincount(np.array([0, 1]), sparse=True),
    ("one_hot", "sparse"): lambda: ops.one_hot(np.array([0, 1]), 2, sparse=True),
    ("multi_hot", "sparse"): lambda: ops.multi_hot(np.array([[0, 1]]), 2, sparse=True),
    ("moments", "synchronized"): lambda: ops.moments(np.ones((2, 2)), [0],
                                                     synchronized=True),
}


@pytest.mark.parametrize("key", sorted(REFUSED), ids=lambda k: f"{k[0]}({k[1]})")
def test_refused_arguments_name_themselves(key):
    with pytest.raises(ValueError, match=key[1]):
        REFUSED[key]()


def test_every_defaulted_argument_is_exercised():
    """Each argument with a default is given (a non-default value) in some row: the
    gate of tests/test_arguments_honoured.py counts these tables as its probe
    (tests/gates/ops.py)."""
    missing = []
    for table in TABLES.values():
        for name in table:
            sig = inspect.signature(getattr(ops, name))
            wanted = {p.name for p in sig.parameters.values()
                      if p.default is not p.empty and p.kind != p.VAR_KEYWORD}
            missing += [f"{name}({arg})" for arg in sorted(wanted - exercised(name))
                        if (name, arg) not in REFUSED]
    assert not missing, missing


def test_variables_are_read_as_their_value():
    v = variable_sample()
    assert ops.sum(v).tolist() == 5.0
    assert ops.concatenate([v, v]).shape == (4,)
    assert ops.numpy.add(v, 1.0).tolist() == [2.0, 5.0]


def test_ops_trace_under_jit_and_grad():
    f = jax.jit(lambda x: ops.sum(ops.normalize(x) * ops.softmax(x)))
    x = jnp.array([[1.0, 2.0, 3.0]])
    assert np.isfinite(float(f(x)))
    g = jax.grad(lambda x: ops.mean(ops.square(x)))(x)
    np.testing.assert_allclose(g, 2 * x / 3, rtol=1e-6)


# -- bad input: Keras's error type, and a message naming the argument

def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return e
    raise AssertionError("no error raised")


BAD = [
    ("invalid axis", lambda o: o.mean(np.ones((2, 3), "float32"), axis=2), "axis"),
    ("invalid axis", lambda o: o.sum(np.ones((2, 3), "float32"), axis=-3), "axis"),
    ("normalize order", lambda o: o.normalize(np.ones((2, 3), "float32"), order=0), "order"),
    ("pad constant_values", lambda o: o.pad(np.ones(3), 1, mode="edge", constant_values=1),
     "constant_values"),
    ("where x1 without x2", lambda o: o.where(np.ones(3) > 0, np.ones(3)), "x2"),
    ("squeeze a big axis", lambda o: o.squeeze(np.ones((2, 3)), axis=1), "axis"),
    ("segment_sum needs num_segments",
     lambda o: o.segment_sum(np.ones(3), np.array([0, 0, 1])), "num_segments"),
    ("scan unroll", lambda o: o.scan(lambda c, x: (c, x), 0.0, np.ones(3), unroll=0),
     "unroll"),
    ("psnr shapes", lambda o: o.psnr(np.ones((2, 2)), np.ones((2, 3)), 1.0), "shape"),
    ("binary_crossentropy shapes",
     lambda o: o.binary_crossentropy(np.ones((2, 1)), np.ones((2, 3)) * 0.5), "shape"),
    ("qr mode", lambda o: o.qr(np.eye(2), mode="full"), "mode"),
]


@pytest.mark.parametrize("what,call,arg", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_kerass_error_type(keras, what, call, arg):
    theirs, ours = _error(lambda: call(keras.ops)), _error(lambda: call(ops))
    assert isinstance(ours, type(theirs)) or type(ours) is type(theirs), \
        f"{what}: {type(ours).__name__}: {ours} (Keras: {type(theirs).__name__}: {theirs})"
    assert arg in str(ours), f"{what}: the message does not name `{arg}`: {ours}"


def test_non_broadcasting_shapes_are_refused_as_keras_does(keras):
    a, b = np.ones((2, 3), "float32"), np.ones((4,), "float32")
    theirs, ours = _error(lambda: keras.ops.add(a, b)), _error(lambda: ops.add(a, b))
    assert type(ours) is type(theirs)
    assert "(2, 3)" in str(ours) and "(4,)" in str(ours)
    bad = _error(lambda: ops.matmul(np.ones((2, 3)), np.ones((4, 2))))
    assert isinstance(bad, ValueError) and "x1.shape" in str(bad)


def test_symbolic_bad_input_fails_when_the_graph_is_built():
    x = kerasish.Input((4, 3))
    with pytest.raises(ValueError, match="axis"):
        ops.mean(x, axis=3)
    with pytest.raises((TypeError, ValueError), match=r"\(5, 4, 3\)|4, 3|incompatible"):
        ops.add(x, np.ones((2, 2), "float32"))


def test_pools_default_strides_to_pool_size():
    """Keras documents ``strides=None`` as ``pool_size`` (its 3.15 JAX pools fail on
    it; ours follow the documentation)."""
    x = np.random.default_rng(0).normal(size=(1, 6, 6, 2)).astype("float32")
    for pool in (ops.max_pool, ops.average_pool):
        np.testing.assert_array_equal(pool(x, 2), pool(x, 2, strides=2))
        assert pool(x, 3).shape == (1, 2, 2, 2)
