"""Learning-rate schedules against Keras 3's: the same values at many steps, the same
configs, and the same training when an optimizer uses one."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish.layers import Dense
from kerasish.optimizers import schedules

STEPS = sorted(set(range(0, 400, 7)) | {0, 1, 9, 10, 11, 99, 100, 101, 150, 200, 201, 1000})

CASES = [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=100, decay_rate=0.96)),
    ("ExponentialDecay", dict(initial_learning_rate=0.5, decay_steps=10, decay_rate=0.5,
                              staircase=True)),
    ("PiecewiseConstantDecay", dict(boundaries=[10, 100, 200], values=[1.0, 0.5, 0.1, 0.01])),
    ("PiecewiseConstantDecay", dict(boundaries=[100.7], values=[0.3, 0.2])),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=150)),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=60, end_learning_rate=0.01,
                             power=0.5, cycle=True)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=20, decay_rate=0.5)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=20, decay_rate=0.5,
                              staircase=True)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=200)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=200, alpha=0.1)),
    ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=150, warmup_target=0.2,
                         warmup_steps=50, alpha=0.05)),
    ("CosineDecay", dict(initial_learning_rate=0.01, decay_steps=100, warmup_target=0.1,
                         warmup_steps=0)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=30)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=25, t_mul=1.0,
                                 m_mul=0.8, alpha=0.1)),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_values_match_keras(keras, name, kwargs):
    ours = getattr(schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    steps = jnp.asarray(STEPS, jnp.int32)  # the optimizer's int32 counter
    # Compiled, as inside a training step (Keras's own ops under the same jit + vmap).
    expected = np.asarray(jax.jit(jax.vmap(theirs))(steps))
    np.testing.assert_allclose(np.asarray(jax.jit(jax.vmap(ours))(steps)), expected,
                               rtol=1e-6, atol=1e-9)
    # Eager, as `optimizer.learning_rate` reads it (XLA's fused cos/log may differ from
    # the eager ones in the last bits, hence the looser tolerance).
    for i in (0, 17, len(STEPS) - 1):
        np.testing.assert_allclose(float(ours(STEPS[i])), expected[i], rtol=1e-5, atol=1e-8)
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize("name,kwargs", CASES[:1] + CASES[2:3] + CASES[10:11],
                         ids=["exp", "piecewise", "cosine"])
def test_config_round_trip_and_keras_serialized_form(keras, name, kwargs):
    ours = getattr(schedules, name)(**kwargs)
    again = schedules.deserialize(schedules.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    # what Keras writes into its files loads here
    from_keras = schedules.deserialize(keras.optimizers.schedules.serialize(
        getattr(keras.optimizers.schedules, name)(**kwargs)))
    assert from_keras.get_config() == ours.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()


def test_optimizer_from_config_rebuilds_a_serialized_schedule():
    opt = kerasish.optimizers.SGD.from_config(
        {"learning_rate": schedules.serialize(schedules.InverseTimeDecay(0.1, 10, 1.0))})
    assert isinstance(opt._schedule, schedules.InverseTimeDecay)


@pytest.mark.parametrize("cls,kwargs,match", [
    (schedules.ExponentialDecay, dict(initial_learning_rate=0.1, decay_steps=0, decay_rate=0.9),
     r"`decay_steps` must be > 0. Received: decay_steps=0"),
    (schedules.CosineDecayRestarts, dict(initial_learning_rate=0.1, first_decay_steps=-1),
     r"`first_decay_steps` must be > 0"),
    (schedules.PiecewiseConstantDecay, dict(boundaries=[1, 2], values=[1.0, 0.5]),
     r"length of boundaries should be 1 less than the length of values"),
    (schedules.PiecewiseConstantDecay, dict(boundaries=[5, 2], values=[1.0, 0.5, 0.1]),
     r"strictly increasing"),
    (schedules.InverseTimeDecay, dict(initial_learning_rate="0.1", decay_steps=1, decay_rate=1),
     r"invalid value for `initial_learning_rate`.*Received: initial_learning_rate='0.1'"),
])
def test_invalid_arguments_are_refused(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def test_deserialize_unknown_name_suggests():
    with pytest.raises(ValueError, match="Did you mean 'CosineDecay'"):
        schedules.deserialize({"class_name": "CosineDecy", "config": {}})


def test_optimizer_uses_schedule_at_iterations_and_training_matches_keras(keras):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
    kwargs = dict(initial_learning_rate=0.05, decay_steps=3, decay_rate=0.5)
    keras.utils.set_random_seed(0)
    km = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    om = kerasish.Sequential([kerasish.Input(shape=(3,)), Dense(1)])
    om.set_weights(km.get_weights())
    km.compile(loss="mse", optimizer=keras.optimizers.Adam(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(**kwargs)))
    schedule = schedules.ExponentialDecay(**kwargs)
    om.compile(loss="mse", optimizer=kerasish.optimizers.Adam(learning_rate=schedule))
    kh = km.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    oh = om.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(oh.history["loss"], kh.history["loss"], rtol=1e-5)
    for kw, ow in zip(km.get_weights(), om.get_weights()):
        np.testing.assert_allclose(ow, kw, rtol=1e-5, atol=1e-7)
    # 3 epochs of 4 steps: the rate now is the schedule at iterations == 12
    assert int(om.optimizer.iterations) == 12
    np.testing.assert_allclose(float(om.optimizer.learning_rate), float(schedule(12)), rtol=1e-7)
    np.testing.assert_allclose(float(om.optimizer.learning_rate),
                               float(km.optimizer.learning_rate), rtol=1e-6)
    with pytest.raises(TypeError, match="learning rate is a schedule"):
        om.optimizer.learning_rate = 0.1


def test_user_schedule_subclass():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.4 * 0.5 ** (step // 10)

    opt = kerasish.optimizers.SGD(learning_rate=Halving())
    assert float(opt.learning_rate) == pytest.approx(0.4)
    with pytest.raises(NotImplementedError, match="must override `get_config\\(\\)`"):
        Halving().get_config()
