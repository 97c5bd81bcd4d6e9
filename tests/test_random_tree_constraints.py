"""kerasish.random, kerasish.tree and kerasish.constraints against Keras 3 (JAX backend).

* random: with an int seed or a fresh SeedGenerator the values equal Keras's bit for
  bit (Keras's key on JAX is the uint32 pair [seed, 0], which we use too); moments and
  ranges match Keras's over many draws; SeedGenerator inside a jitted ``fit`` gives fresh
  values every step and bit-identical runs under ``set_random_seed``.
* tree: every function against ``keras.tree`` on the same structures (values, order,
  container types, error types).
* constraints: exact values and configs.
"""

import collections
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish import constraints as kc
from kerasish import random as kr
from kerasish import tree as kt

# ====================================================================== random

N = 4096
LOGITS = np.log([[0.2, 0.3, 0.5]])
# name -> (f(module, seed): the same call on keras.random and kerasish.random,
#          (mean, std, min, max) of its values).
SAMPLERS = {
    "normal": (lambda m, s: m.normal((N,), mean=1.5, stddev=0.5, seed=s), (1.5, 0.5, None, None)),
    "uniform": (lambda m, s: m.uniform((N,), minval=-2.0, maxval=3.0, seed=s),
                (0.5, 5 / 12 ** 0.5, -2.0, 3.0)),
    "randint": (lambda m, s: m.randint((N,), 2, 9, seed=s), (5.0, 2.0, 2, 8)),
    "truncated_normal": (lambda m, s: m.truncated_normal((N,), mean=-1.0, stddev=2.0, seed=s),
                         (-1.0, 2.0 * 0.8796, -5.0, 3.0)),
    "gamma": (lambda m, s: m.gamma((N,), 3.0, seed=s), (3.0, 3 ** 0.5, 0.0, None)),
    "binomial": (lambda m, s: m.binomial((N,), 10, 0.25, seed=s),
                 (2.5, (10 * 0.25 * 0.75) ** 0.5, 0.0, 10.0)),
    "beta": (lambda m, s: m.beta((N,), 2.0, 5.0, seed=s), (2 / 7, (10 / (49 * 8)) ** 0.5, 0, 1)),
    "categorical": (lambda m, s: m.categorical(LOGITS, N, seed=s),
                    (1.3, (2.3 - 1.3 ** 2) ** 0.5, 0, 2)),
    "dropout": (lambda m, s: m.dropout(np.ones((1024, 4)), 0.25, noise_shape=(None, 1), seed=s),
                (1.0, (0.75 * (4 / 3) ** 2 - 1) ** 0.5, 0.0, 4 / 3)),
    "shuffle": (lambda m, s: m.shuffle(np.arange(N, dtype="float32").reshape(64, 64), axis=1,
                                       seed=s), ((N - 1) / 2, (N ** 2 / 12) ** 0.5, 0, N - 1)),
}


def test_every_keras_sampler_is_here(keras):
    public = {n for n in dir(keras.random) if not n.startswith("_")}
    assert public <= set(kr.__all__), public - set(kr.__all__)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_samplers_give_keras_values_bit_for_bit_and_keras_moments(keras, name):
    """An int seed or a SeedGenerator: Keras's values exactly (same dtype, shape, bits),
    hence its moments and ranges, which are checked against the distribution's too."""
    f, (mean, std, lo, hi) = SAMPLERS[name]
    ours, theirs = np.asarray(f(kr, 123)), np.asarray(f(keras.random, 123))
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(np.asarray(f(kr, 123)), ours)  # int seed: stateless
    tol = 0.05
    for x in (ours, theirs):
        assert abs(x.mean() - mean) < tol * max(std, 1), (x.mean(), mean)
        assert abs(x.std() - std) < tol * std, (x.std(), std)
        assert lo is None or x.min() >= lo - 1e-6
        assert hi is None or x.max() <= hi + 1e-6
    if name == "dropout":
        np.testing.assert_allclose(np.unique(ours), [0.0, 4 / 3], rtol=1e-6)
        assert (ours == ours[:, :1]).all()  # noise_shape (None, 1): one decision per row
    if name == "shuffle":
        assert (np.sort(ours, axis=1) == np.arange(N).reshape(64, 64)).all()
    g_ours, g_theirs = kr.SeedGenerator(5), keras.random.SeedGenerator(5)
    draws = [np.asarray(f(kr, g_ours)) for _ in range(2)]
    for d in draws:
        np.testing.assert_array_equal(d, np.asarray(f(keras.random, g_theirs)))
    np.testing.assert_array_equal(np.asarray(g_ours.state), np.asarray(g_theirs.state.value))
    assert not np.array_equal(draws[0], draws[1])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_float_dtypes_as_keras(keras, dtype):
    for name in ("normal", "uniform"):
        a = getattr(kr, name)((8,), dtype=dtype, seed=1)
        b = getattr(keras.random, name)((8,), dtype=dtype, seed=1)
        assert str(a.dtype) == str(b.dtype) == dtype
        np.testing.assert_array_equal(np.asarray(a, "float32"), np.asarray(b, "float32"))


def test_seed_generator_state_and_config_as_keras(keras):
    g, k = kr.SeedGenerator(42), keras.random.SeedGenerator(42)
    assert isinstance(g.state, kerasish.Variable)
    assert g.state.dtype == "uint32" and g.state.shape == (2,) and not g.state.trainable
    assert np.asarray(g.state).tolist() == np.asarray(k.state.value).tolist() == [42, 0]
    np.testing.assert_array_equal(np.asarray(g.next()), np.asarray(k.next()))
    np.testing.assert_array_equal(np.asarray(g.next(ordered=False)),
                                  np.asarray(k.next(ordered=False)))
    np.testing.assert_array_equal(np.asarray(g.state), np.asarray(k.state.value))
    assert g.get_config() == {"seed": 42, "name": g.name}
    again = kr.SeedGenerator.from_config(g.get_config())
    assert np.asarray(again.state).tolist() == [42, 0]
    assert kr.SeedGenerator().get_config()["seed"] is None  # as Keras: the given seed


def test_bad_seeds_and_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match=r"Argument `seed` must be either an integer or an "
                                         r"instance of `SeedGenerator`. Received: seed=1.5"):
        kr.normal((2,), seed=1.5)
    with pytest.raises(ValueError, match="SeedGenerator"):
        kr.normal((2,), seed=np.array([1, 0], "uint32"))
    for bad in (-1, 2**32):
        with pytest.raises(OverflowError, match=r"in \[0, 2\*\*32\).*% 2\*\*32"):
            kr.normal((2,), seed=bad)
        with pytest.raises(ValueError, match=r"`seed` must be an integer in \[0, 2\*\*32\)"):
            kr.SeedGenerator(bad)
    with pytest.raises(ValueError, match=r"Argument `seed` must be an integer. Received: "
                                         r"seed=1.5"):
        kr.SeedGenerator(1.5)
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments: \{'foo': 2\}"):
        kr.SeedGenerator(1, foo=2)
    with pytest.raises(ValueError, match="JAX only"):
        kr.SeedGenerator(1, backend="numpy")
    with pytest.raises(ValueError, match=r"`kerasish.random.uniform` requires a floating "
                                         r"point `dtype`. Received: dtype=int32"):
        kr.uniform((2,), dtype="int32", seed=1)
    with pytest.raises(ValueError, match=r"requires an integer `dtype`. Received: "
                                         r"dtype=float32"):
        kr.randint((2,), 0, 3, dtype="float32", seed=1)
    with pytest.raises(ValueError, match=r"`logits` should be a 2-D tensor"):
        kr.categorical(np.zeros(3), 2, seed=1)
    with pytest.raises(ValueError, match=r"Expected a float value between 0 and 1. "
                                         r"Received: rate=1.5"):
        kr.dropout(np.ones(3), 1.5, seed=1)
    with pytest.raises(ValueError, match=r"`noise_shape` needs one entry per input axis"):
        kr.dropout(np.ones((2, 3)), 0.5, noise_shape=(None,), seed=1)
    with pytest.raises(ValueError, match=r"`shape` must be a tuple of integers"):
        kr.normal((None, 2), seed=1)


def test_seed_none_follows_set_random_seed_and_refuses_to_be_traced():
    kerasish.utils.set_random_seed(3)
    a, b = kr.normal((4,)), kr.normal((4,))
    g1 = kr.SeedGenerator()
    kerasish.utils.set_random_seed(3)
    np.testing.assert_array_equal(kr.normal((4,)), a)
    np.testing.assert_array_equal(kr.normal((4,)), b)
    assert g1.get_config()["seed"] is None
    assert np.array_equal(np.asarray(kr.SeedGenerator().state), np.asarray(g1.state))
    assert not np.array_equal(a, b)
    with pytest.raises(ValueError, match=r"\[JAX RNG\] When tracing a JAX function"):
        jax.jit(lambda x: x + kr.normal((2,)))(jnp.zeros(2))
    # an int seed or an explicit key traces fine
    out = jax.jit(lambda k: kr.uniform((2,), seed=k))(jax.random.key(0))
    assert out.shape == (2,)
    np.testing.assert_array_equal(jax.jit(lambda x: x + kr.normal((2,), seed=7))(jnp.zeros(2)),
                                  kr.normal((2,), seed=7))


class _Noisy(kerasish.layers.Layer):
    """Adds seeded noise while training and keeps the last noise drawn as a weight."""

    def __init__(self, seed=3, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = kr.SeedGenerator(seed)

    def build(self, input_shape):
        self.last = self.add_weight(shape=(2, input_shape[-1]), initializer="zeros",
                                    trainable=False, name="last")

    def call(self, x, training=False):
        if not training:
            return x
        noise = kr.normal((2, x.shape[-1]), seed=self.seed_generator)
        self.last.assign(noise)
        return x + 0.1 * noise[:1] + 0.01 * kr.uniform((1, x.shape[-1]), seed=self.seed_generator)


def _fit_noisy(seed):
    kerasish.utils.set_random_seed(seed)
    layer = _Noisy()
    model = kerasish.Sequential([kerasish.Input((3,)), layer, kerasish.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")
    noises = []
    for _ in range(2):
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        noises.append(np.asarray(layer.last.value))
    return noises, model.get_weights()


def test_seed_generator_in_jitted_fit_is_fresh_each_step_and_reproducible():
    (n1, n2), w = _fit_noisy(1)
    (m1, m2), v = _fit_noisy(1)
    assert not np.array_equal(n1, n2)          # two epochs (steps) draw different noise
    assert not np.array_equal(n1[0], n1[1])    # two draws in one step differ too
    np.testing.assert_array_equal(n1, m1)      # the same seed: bit-identical runs
    np.testing.assert_array_equal(n2, m2)
    for a, b in zip(w, v):
        np.testing.assert_array_equal(a, b)


def test_seed_generator_in_stateless_calls():
    layer = _Noisy()
    x = np.ones((2, 3), "float32")
    layer(x)
    params, state = layer.current_params()
    y1, _ = layer.apply(params, state, x, training=True, rng=jax.random.key(0))
    y2, _ = layer.apply(params, state, x, training=True, rng=jax.random.key(0))
    y3, _ = layer.apply(params, state, x, training=True, rng=jax.random.key(1))
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(y1, y3)
    other = _Noisy(seed=4)  # the generator's own seed counts too
    other(x)
    y4, _ = other.apply(*other.current_params(), x, training=True, rng=jax.random.key(0))
    assert not np.array_equal(y1, y4)
    # eagerly, the generator's own state advances: Keras's sequence
    before = np.asarray(layer.seed_generator.state).tolist()
    layer(x, training=True)
    assert np.asarray(layer.seed_generator.state).tolist() == [before[0], before[1] + 2]


def test_a_traced_draw_without_a_step_key_warns_that_it_is_fixed():
    gen = kr.SeedGenerator(9)

    def f(x):
        return x + kr.normal((2,), seed=gen), kr.normal((2,), seed=gen)

    with pytest.warns(UserWarning, match=r"SeedGenerator .* no step key .* fixed when the "
                                         r"function is compiled"):
        a, b = jax.jit(f)(jnp.zeros(2))
    assert not np.array_equal(a, b)  # draws within one trace still differ
    assert np.asarray(gen.state).tolist() == [9, 0]  # nothing traced leaked into the state


# ======================================================================== tree

NT = collections.namedtuple("NT", "a b")
NT2 = collections.namedtuple("NT", "a b")
OD, DD, DQ = collections.OrderedDict, collections.defaultdict, collections.deque


class _MyList(list):
    pass


STRUCTURES = [
    1, None, "ab", [], (), {}, [[]], [1], [[1]], ([1],), [None, [], {}, ()],
    [[1, 2, 3], [4, [5], [[6]]]], {100: "world!", 6: "Hello"},
    {"b": 1, "a": {"d": 2, "c": 3}}, {"b": 2, 1: "a", 0: "z", "a": 3},
    NT(1, [2, None]), time.gmtime(0), DQ([1, [2]], maxlen=3), OD([("b", 1), ("a", 2)]),
    DD(int, {"b": 1, "a": [2, 3]}), _MyList([1, 2]), {1, 2}, np.arange(3),
    [(1, 2), [3], {"a": 4}], {(1, 2): 1, (0, 5): 2},
]


def _same(a, b):
    """Equal values *and* container types, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a) and \
            getattr(a, "default_factory", None) == getattr(b, "default_factory", None)
    if isinstance(a, (list, tuple, DQ)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b)) and \
            getattr(a, "maxlen", None) == getattr(b, "maxlen", None)
    return a == b


def _outcome(f):
    try:
        return "ok", f()
    except Exception as e:  # noqa: BLE001 - the exception type is what is compared
        return "error", type(e)


def _assert_like_keras(ours, theirs):
    (kind_a, a), (kind_b, b) = _outcome(ours), _outcome(theirs)
    assert kind_a == kind_b, (a, b)
    if kind_a == "error":
        assert issubclass(a, b) or a is b, (a, b)
    else:
        assert _same(a, b), (a, b)


@pytest.mark.parametrize("s", STRUCTURES, ids=lambda s: type(s).__name__)
def test_tree_single_structure_functions_match_keras(keras, s):
    kt_, KT = kt, keras.tree
    for fn in ("is_nested", "flatten", "flatten_with_path", "lists_to_tuples"):
        _assert_like_keras(lambda: getattr(kt_, fn)(s), lambda: getattr(KT, fn)(s))
    _assert_like_keras(lambda: kt_.map_structure(lambda x: ("x", x), s),
                       lambda: KT.map_structure(lambda x: ("x", x), s))
    _assert_like_keras(lambda: kt_.map_structure(lambda x: ("x", x), s, none_is_leaf=False),
                       lambda: KT.map_structure(lambda x: ("x", x), s, none_is_leaf=False))
    _assert_like_keras(lambda: kt_.pack_sequence_as(s, list(range(len(kt_.flatten(s))))),
                       lambda: KT.pack_sequence_as(s, list(range(len(KT.flatten(s))))))
    _assert_like_keras(lambda: kt_.map_shape_structure(lambda x: ("s", x), s),
                       lambda: KT.map_shape_structure(lambda x: ("s", x), s))
    for top_down in (True, False):
        seen_a, seen_b = [], []

        def visit(seen):
            def fn(x):
                seen.append(x)
                if isinstance(x, list) and len(x) == 1:
                    return kt.MAP_TO_NONE
                return ("leaf", x) if isinstance(x, int) else None
            return fn

        _assert_like_keras(lambda: kt_.traverse(visit(seen_a), s, top_down=top_down),
                           lambda: KT.traverse(visit(seen_b), s, top_down=top_down))
        assert len(seen_a) == len(seen_b) and all(_same(x, y) for x, y in zip(seen_a, seen_b))


PAIRS = [
    ([1, [2]], [3, [4]]), ([1, [2]], [3, 4]), ([1, 2], [3, [4]]), ([1, 2], (3, 4)),
    ([1, 2], [1, 2, 3]), ({"a": 1}, OD(a=3)), (OD(a=1, b=2), {"b": 3, "a": 4}),
    ({"a": 1}, {"b": 1}), (NT(1, 2), NT2(1, 2)), (NT(1, 2), NT(3, 4)), (NT(1, 2), (1, 2)),
    (None, 1), (1, None), ([None, 1], [None, 2]), ([None, 1], [3, 2]), ([None], [[1]]),
    ([[], 1], [[], 2]), ([[], 1], [(), 2]), (DQ([1, 2]), DQ([3, 4])), (DQ([1]), [1]),
    (DD(list, {"x": 1}), {"x": 2}), ({"x": [1, 2]}, {"x": [1, (2, 3)]}),
]


@pytest.mark.parametrize("a,b", PAIRS, ids=lambda s: type(s).__name__)
def test_tree_two_structure_functions_match_keras(keras, a, b):
    KT = keras.tree
    _assert_like_keras(lambda: kt.assert_same_structure(a, b),
                       lambda: KT.assert_same_structure(a, b))
    _assert_like_keras(lambda: kt.assert_same_paths(a, b), lambda: KT.assert_same_paths(a, b))
    _assert_like_keras(lambda: kt.map_structure(lambda x, y: (x, y), a, b),
                       lambda: KT.map_structure(lambda x, y: (x, y), a, b))
    _assert_like_keras(lambda: kt.map_structure(lambda x, y: (x, y), a, b, none_is_leaf=False),
                       lambda: KT.map_structure(lambda x, y: (x, y), a, b, none_is_leaf=False))
    if None not in kt.flatten(a):  # see test_map_structure_up_to_takes_none_leaves
        _assert_like_keras(lambda: kt.map_structure_up_to(a, lambda y: ("u", y), b),
                           lambda: KT.map_structure_up_to(a, lambda y: ("u", y), b))


def test_map_structure_up_to_matches_keras_and_takes_none_leaves(keras):
    structure = [[1, 1], [2, 2]]
    for shallow, fn in (([1, 2], len), ([1, [2, 3]], str), (OD(b=1, a=2), str)):
        s = structure if not isinstance(shallow, dict) else {"a": [1, 2], "b": 3}
        assert _same(kt.map_structure_up_to(shallow, fn, s),
                     keras.tree.map_structure_up_to(shallow, fn, s))
    assert _same(kt.map_structure_up_to([1, [2, 3]], lambda a, b: (a, b), structure, [5, [6, 7]]),
                 keras.tree.map_structure_up_to([1, [2, 3]], lambda a, b: (a, b), structure,
                                                [5, [6, 7]]))
    # Keras's documented example; its optree backend raises on None leaves, we don't.
    assert kt.map_structure_up_to([None, None], len, structure) == [2, 2]
    assert kt.map_structure_up_to([None, [None, None]], str, structure) == ["[1, 1]", ["2", "2"]]


def test_tree_errors_and_warnings_as_keras(keras):
    assert _same(kt.MAP_TO_NONE.__name__, keras.tree.MAP_TO_NONE.__name__)
    # keras.tree.MAP_TO_NONE works in our traverse (matched by name, as Keras does)
    assert kt.traverse(lambda x: keras.tree.MAP_TO_NONE if x == 3 else None, [1, 3]) == [1, None]
    with pytest.raises(ValueError, match="Must provide at least one structure"):
        kt.map_structure(lambda x: x)
    with pytest.raises(TypeError, match=r"`func` must be callable. Received: func=1"):
        kt.traverse(1, [1])
    with pytest.raises(TypeError, match=r"`flat_sequence` must be an iterable"):
        kt.pack_sequence_as(1, 4)
    with pytest.raises(ValueError, match=r"Too few leaves to pack: `structure` has 3, "
                                         r"`flat_sequence` has 2"):
        kt.pack_sequence_as([1, [2, 3]], [4, 5])
    with pytest.raises(ValueError, match=r"Too many leaves"):
        kt.pack_sequence_as([1, [2, 3]], [4, 5, 6, 7])
    with pytest.raises(ValueError, match=r"at path \(1,\): expected an instance of list, "
                                         r"received 4"):
        kt.assert_same_structure([1, [2]], [3, 4])
    with pytest.raises(ValueError, match=r"expected an instance of namedtuple NT"):
        kt.assert_same_structure(NT(1, 2), NT2(1, 2))
    with pytest.raises(ValueError, match=r"dictionary keys differ"):
        kt.map_structure(lambda a, b: a, {"a": 1}, {"b": 1})
    with pytest.raises(ValueError, match=r"Paths in `a` missing in `b`:\n\{\('a',\)\}"):
        kt.assert_same_paths({"a": 1}, {"b": 1})
    with pytest.warns(DeprecationWarning, match="`check_types` argument is deprecated"):
        kt.assert_same_structure([1], [2], check_types=True)


def test_tree_public_names_match_keras(keras):
    theirs = {n for n in dir(keras.tree) if not n.startswith("_")}
    assert theirs == set(kt.__all__)


# ================================================================= constraints

WEIGHTS = {
    "dense_f64": np.random.default_rng(0).normal(size=(4, 3)) * [[0.1], [1.0], [10.0], [40.0]],
    "conv_f32": np.random.default_rng(1).normal(size=(3, 3, 2, 4)).astype("float32"),
    "ints": np.arange(6).reshape(2, 3),
    "zeros": np.zeros((3, 2), "float32"),
}
CONSTRAINTS = [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 1.5, "axis": 1}),
    ("MaxNorm", {"max_value": 1.0, "axis": [0, 1]}), ("UnitNorm", {}),
    ("UnitNorm", {"axis": [0, 1]}), ("NonNeg", {}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.2, "rate": 0.7}),
    ("MinMaxNorm", {"min_value": 1.0, "max_value": 2.0, "rate": 1.0, "axis": 1}),
    ("Constraint", {}),
]


@pytest.mark.parametrize("name,kwargs", CONSTRAINTS, ids=lambda v: str(v))
def test_constraints_match_keras_exactly(keras, name, kwargs):
    ours, theirs = getattr(kc, name)(**kwargs), getattr(keras.constraints, name)(**kwargs)
    for w_name, w in WEIGHTS.items():
        # Eagerly on the first weight; jitted on all of them (one compile per weight).
        if w_name == "dense_f64":
            a, b = np.asarray(ours(w)), np.asarray(theirs(w))
            assert a.dtype == b.dtype, w_name
            np.testing.assert_array_equal(a, b, err_msg=w_name)
        a, b = np.asarray(jax.jit(ours)(w)), np.asarray(jax.jit(theirs)(w))
        assert a.dtype == b.dtype, w_name
        np.testing.assert_array_equal(a, b, err_msg=w_name)
    assert ours.get_config() == theirs.get_config()
    assert kc.serialize(ours) == keras.constraints.serialize(theirs)
    again = kc.deserialize(keras.constraints.serialize(theirs))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()


def test_constraint_of_a_variable_and_under_jit():
    v = kerasish.Variable(np.array([[3.0, -1.0], [4.0, 0.0]], "float32"))
    np.testing.assert_allclose(kc.MaxNorm(1.0)(v), jax.jit(kc.MaxNorm(1.0))(v.value))
    np.testing.assert_allclose(np.asarray(kc.NonNeg()(v)), [[3.0, 0.0], [4.0, 0.0]])


def test_constraint_lookup_as_keras(keras):
    for name in ("max_norm", "MaxNorm", "min_max_norm", "MinMaxNorm", "non_neg", "NonNeg",
                 "unit_norm", "UnitNorm", "constraint", "Constraint"):
        ours, theirs = kc.get(name), keras.constraints.get(name)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.get_config() == theirs.get_config()
    assert kc.max_norm is kc.MaxNorm and kc.min_max_norm is kc.MinMaxNorm
    assert kc.non_neg is kc.NonNeg and kc.unit_norm is kc.UnitNorm
    assert kc.get(None) is None
    assert isinstance(kc.get(kc.UnitNorm), kc.UnitNorm)
    fn = lambda w: w  # noqa: E731
    assert kc.get(fn) is fn
    c = kc.MaxNorm(3)
    assert kc.get(c) is c
    assert kc.get({"class_name": "MaxNorm", "config": {"max_value": 4, "axis": 1}}) \
        .get_config() == {"max_value": 4, "axis": 1}
    public = {n for n in dir(keras.constraints) if not n.startswith("_")}
    assert public <= set(kc.__all__), public - set(kc.__all__)


def test_custom_constraint_round_trip():
    class Clip(kc.Constraint):
        def __init__(self, bound=1.0):
            self.bound = bound

        def __call__(self, w):
            return jnp.clip(w, -self.bound, self.bound)

        def get_config(self):
            return {"bound": self.bound}

    config = kc.serialize(Clip(0.5))
    assert config["class_name"] == "Clip" and config["config"] == {"bound": 0.5}
    again = kc.deserialize(config, custom_objects={"Clip": Clip})
    assert isinstance(again, Clip) and again.bound == 0.5
    with pytest.raises(ValueError, match=r"Could not interpret constraint identifier: 'Clip'.*"
                                         r"custom_objects="):
        kc.deserialize(config)


def test_constraint_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"Could not interpret constraint identifier: "
                                         r"'max_nrom'. Did you mean 'max_norm'"):
        kc.get("max_nrom")
    with pytest.raises(ValueError, match=r"Could not interpret constraint identifier: 3"):
        kc.get(3)
    with pytest.raises(ValueError, match=r"`max_value`: expected a number >= 0.0. Received: "
                                         r"max_value=-1"):
        kc.MaxNorm(-1)
    with pytest.raises(ValueError, match=r"`rate`: expected a number between 0.0 and 1.0"):
        kc.MinMaxNorm(rate=2.0)
    with pytest.raises(ValueError, match=r"expected min_value <= max_value"):
        kc.MinMaxNorm(2.0, 1.0)
    with pytest.raises(ValueError, match=r"`axis`: expected an integer or a list of integers"):
        kc.UnitNorm(axis="rows")
    with pytest.raises(ValueError, match=r"Expected a constraint config"):
        kc.deserialize({"config": {}})


def test_warnings_stay_quiet_for_seeded_eager_draws():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kr.normal((2,), seed=kr.SeedGenerator(1))
