"""kerasish.initializers: exact parity with Keras for the deterministic ones (and for
the random ones given an int seed), statistics for the random ones given keys,
key handling, configs, lookup and messages."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerasish import initializers, random

RANDOM = [
    "RandomUniform", "RandomNormal", "TruncatedNormal", "VarianceScaling",
    "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
    "LecunNormal", "Orthogonal",
]
ALL = ["Zeros", "Ones", "Constant", "Identity"] + RANDOM
# jax.random compiles once per (shape, dtype, distribution): the tests share a few
# shapes to keep the file fast. BIG is a conv kernel with fan_in 576, fan_out 1152.
SMALL = (6, 5)
BIG = (3, 3, 64, 128)


def _key(i=0):
    return jax.random.key(i)


@pytest.mark.parametrize(
    "name, kwargs, shape, dtype",
    [
        ("Zeros", {}, (6, 5), None),
        ("Ones", {}, (6, 5), "float16"),
        ("Ones", {}, (6, 5), "int32"),
        ("Constant", {"value": 0.25}, (6, 5), None),
        ("Constant", {"value": -7}, (6, 5), "int32"),
        ("Identity", {}, (5, 5), None),
        ("Identity", {"gain": 2.5}, (6, 5), None),
        ("Identity", {"gain": 0.5}, (5, 6), "float16"),
    ],
)
def test_deterministic_initializers_match_keras_exactly(keras, name, kwargs, shape, dtype):
    ours = getattr(initializers, name)(**kwargs)(shape, dtype=dtype)
    theirs = getattr(keras.initializers, name)(**kwargs)(shape, dtype=dtype)
    assert isinstance(ours, jax.Array)
    assert ours.dtype == theirs.dtype and ours.shape == shape
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", RANDOM)
def test_int_seed_gives_keras_weights_bit_for_bit(keras, name):
    # Not promised by Keras, but free: we derive the key from the seed as its JAX
    # backend does, so a seeded Keras model and a seeded kerasish model start equal.
    ours = getattr(initializers, name)(seed=42)(SMALL)
    theirs = getattr(keras.initializers, name)(seed=42)(SMALL)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "shape", [(), (5,), (3, 4), (3, 5, 7), (3, 3, 4, 8), (2, 3, 3, 4, 8), (0, 4)]
)
def test_fans_match_keras(shape):
    from keras.src.initializers.random_initializers import compute_fans

    assert initializers._compute_fans(shape) == compute_fans(shape)
    assert initializers._compute_fans((2, 3, 4), [0, 1], [2]) == (6, 4)


def test_glorot_uniform_bounds_and_std_on_a_conv_kernel():
    limit = math.sqrt(6 / (576 + 1152))
    w = np.asarray(initializers.GlorotUniform()(BIG, key=_key()))
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)
    assert abs(w.mean()) < 0.01 * limit


@pytest.mark.parametrize(
    "name, scale, n",
    [
        ("GlorotNormal", 1.0, (576 + 1152) / 2),
        ("HeNormal", 2.0, 576),
        ("LecunNormal", 1.0, 576),
        ("HeUniform", 2.0, 576),
        ("LecunUniform", 1.0, 576),
    ],
)
def test_named_variance_scaling_hits_the_target_std(name, scale, n):
    w = np.asarray(getattr(initializers, name)()(BIG, key=_key(1)))
    target = math.sqrt(scale / n)
    assert w.std() == pytest.approx(target, rel=0.02)
    if name.endswith("Normal"):  # truncated at two std of the untruncated normal
        assert np.abs(w).max() <= 2 * target / initializers._TRUNCATED_STD


@pytest.mark.parametrize(
    "mode, distribution, n",
    [("fan_out", "untruncated_normal", 1152), ("fan_avg", "uniform", 864),
     ("fan_in", "normal", 576)],
)
def test_variance_scaling_modes_and_distributions(mode, distribution, n):
    init = initializers.VarianceScaling(scale=3.0, mode=mode, distribution=distribution)
    w = np.asarray(init(BIG, key=_key(2)))
    assert w.std() == pytest.approx(math.sqrt(3.0 / n), rel=0.02)


def test_random_normal_uniform_and_truncated_statistics():
    w = np.asarray(initializers.RandomNormal(mean=1.0, stddev=2.0)(BIG, key=_key()))
    assert (w.mean(), w.std()) == (pytest.approx(1.0, abs=0.03), pytest.approx(2.0, rel=0.01))
    w = np.asarray(initializers.RandomUniform(-1.0, 3.0)(BIG, key=_key()))
    assert w.min() >= -1.0 and w.max() < 3.0 and w.mean() == pytest.approx(1.0, abs=0.03)
    w = np.asarray(initializers.TruncatedNormal(mean=0.5, stddev=0.1)(BIG, key=_key()))
    assert w.min() >= 0.3 and w.max() <= 0.7
    assert w.std() == pytest.approx(0.1 * initializers._TRUNCATED_STD, rel=0.01)


@pytest.mark.parametrize("shape", [(6, 5), (5, 6), (3, 2, 5)])
def test_orthogonal_is_orthogonal(shape):
    w = initializers.Orthogonal(gain=1.5)(shape, key=_key(3))
    assert w.shape == shape
    m = np.asarray(w).reshape(-1, shape[-1])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(len(gram)), atol=1e-5)


def test_orthogonal_in_half_precision():
    w = np.asarray(initializers.Orthogonal()(SMALL, dtype="bfloat16", key=_key()))
    assert w.dtype == jnp.bfloat16
    np.testing.assert_allclose(w.astype("float32").T @ w.astype("float32"), np.eye(5),
                               atol=0.05)


@pytest.mark.parametrize("name", RANDOM)
def test_keys_decide_the_values(name):
    init = getattr(initializers, name)()
    a, b, c = (init(SMALL, key=k) for k in (_key(0), _key(0), _key(1)))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # Without a key or a seed, each call draws fresh values from the global stream.
    assert not np.array_equal(init(SMALL), init(SMALL))


def test_seed_repeats_and_key_overrides_seed():
    init = initializers.GlorotUniform(seed=7)
    np.testing.assert_array_equal(init(SMALL), init(SMALL))
    assert not np.array_equal(init(SMALL), init(SMALL, key=_key(7)))


def test_global_seed_reproduces_unseeded_draws():
    random.set_seed(123)
    first = initializers.HeNormal()(SMALL)
    random.set_seed(123)
    np.testing.assert_array_equal(initializers.HeNormal()(SMALL), first)


def test_works_under_jit_with_a_traced_key():
    init = initializers.HeUniform()
    jitted = jax.jit(lambda k: init(SMALL, key=k))(_key(5))
    np.testing.assert_array_equal(jitted, init(SMALL, key=_key(5)))


@pytest.mark.parametrize("name", ALL)
def test_dtype_defaults_to_floatx_and_is_honoured(name):
    init = getattr(initializers, name)()
    assert init(SMALL, key=_key()).dtype == jnp.float32
    if name in ("Zeros", "Constant", "Identity", "GlorotUniform"):  # compiles are slow
        assert init(SMALL, dtype="float16", key=_key()).dtype == jnp.float16


@pytest.mark.parametrize("name", ALL)
def test_config_round_trips_and_loads_into_keras(keras, name):
    init = getattr(initializers, name)()
    clone = type(init).from_config(init.get_config())
    np.testing.assert_array_equal(clone(SMALL, key=_key()), init(SMALL, key=_key()))
    # Configs are interchangeable with Keras's in both directions.
    keras_init = getattr(keras.initializers, name)
    keras_init.from_config(init.get_config())
    type(init).from_config(keras_init().get_config())
    assert init.clone().get_config() == init.get_config()


def test_configs_equal_keras_configs(keras):
    for name in ALL:
        if name == "Identity":  # Keras's Identity forgets its gain; ours keeps it
            continue
        ours = initializers.serialize(getattr(initializers, name)())
        theirs = keras.initializers.serialize(getattr(keras.initializers, name)())
        assert ours == theirs, name
    assert initializers.Identity(gain=2.0).get_config() == {"gain": 2.0}


def test_constant_with_an_array_value_round_trips(keras):
    init = initializers.Constant(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(init((2, 3)), [[1, 2, 3], [1, 2, 3]])
    keras_config = keras.initializers.Constant(np.array([1.0, 2.0, 3.0])).get_config()
    np.testing.assert_array_equal(initializers.Constant.from_config(keras_config)((3,)), [1, 2, 3])
    np.testing.assert_array_equal(
        initializers.Constant.from_config(init.get_config())((3,)), [1, 2, 3]
    )


def test_snake_case_names_are_the_classes(keras):
    for name in dir(keras.initializers):
        if name.startswith("_") or name in ("STFT", "stft", "STFTInitializer", "serialize",
                                            "deserialize", "get"):
            continue
        assert getattr(initializers, name).__name__ == getattr(keras.initializers, name).__name__


def test_get_resolves_every_kind_of_identifier():
    assert initializers.get(None) is None
    assert type(initializers.get("glorot_uniform")) is initializers.GlorotUniform
    assert type(initializers.get("GlorotUniform")) is initializers.GlorotUniform
    assert type(initializers.get("normal")) is initializers.RandomNormal
    assert type(initializers.get(initializers.Zeros)) is initializers.Zeros
    init = initializers.HeNormal(seed=1)
    assert initializers.get(init) is init

    def fn(shape, dtype=None):
        return jnp.zeros(shape, dtype)

    assert initializers.get(fn) is fn
    config = {"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_out"}}
    got = initializers.get(config)
    assert (got.scale, got.mode) == (2.0, "fan_out")
    fixed = initializers.get(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(fixed((2, 3)), np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*Received: shape=\(3, 2\)"):
        fixed((3, 2))


def test_none_and_functions_in_serialization():
    assert initializers.serialize(None) is None and initializers.deserialize(None) is None
    with pytest.raises(ValueError, match=r"`get_config\(\)`.*subclass Initializer"):
        initializers.serialize(lambda shape, dtype=None: jnp.zeros(shape))


def test_unknown_name_suggests_close_names():
    with pytest.raises(ValueError, match=r"Did you mean 'glorot_uniform'.*Expected one of \["
                       r".*Received: initializer='glorot_unifrom'"):
        initializers.get("glorot_unifrom")
    with pytest.raises(ValueError, match=r"Could not interpret.*Received: 3 of type int"):
        initializers.get(3)
    with pytest.raises(ValueError, match=r"dict with 'class_name'"):
        initializers.deserialize({"config": {}})


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: initializers.VarianceScaling(scale=0.0),
         r"`scale`. Expected a positive number.*Received: scale=0.0"),
        (lambda: initializers.VarianceScaling(mode="fan_average"),
         r"Invalid value for `mode`. Did you mean 'fan_avg'.*Received: mode='fan_average'"),
        (lambda: initializers.VarianceScaling(distribution="unifrom"),
         r"Did you mean 'uniform'.*Received: distribution='unifrom'"),
        (lambda: initializers.VarianceScaling(input_axes=[0]),
         r"pass both.*Received: input_axes=\[0\], output_axes=None"),
        (lambda: initializers.RandomNormal(seed="7"),
         r"Invalid `seed` for RandomNormal. Expected an int or None. Received: seed='7'"),
        (lambda: initializers.GlorotUniform(seed=1.5), r"Received: seed=1.5"),
    ],
)
def test_bad_constructor_arguments_are_explained(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: initializers.Orthogonal()((5,)), r"rank 2 or more.*shape=\(5,\) of rank 1"),
        (lambda: initializers.Identity()((3, 3, 3)), r"only initialise 2D.*of rank 3"),
        (lambda: initializers.Constant([1.0, 2.0])((3,)),
         r"cannot fill a weight of shape \(3,\)"),
        (lambda: initializers.GlorotUniform()((3, 4), dtype="int32"),
         r"GlorotUniform draws random floats.*Received: dtype=int32"),
        (lambda: initializers.Zeros()((3, -1)),
         r"non-negative integers.*Received: shape=\(3, -1\)"),
        (lambda: initializers.Ones()((2.5, 2)), r"Received: shape=\(2.5, 2\)"),
        (lambda: initializers.Initializer()((3,)), r"must implement `__call__"),
    ],
)
def test_bad_calls_are_explained(call, match):
    with pytest.raises((ValueError, NotImplementedError), match=match):
        call()
