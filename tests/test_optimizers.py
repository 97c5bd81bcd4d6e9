"""Optimizers: differential tests against real Keras 3, the jit contract, and messages.

Each parity test starts Keras and kerasish from the same weights, feeds both the same
five gradients (Keras through ``apply_gradients`` on ``keras.Variable``s, ours through
a jitted ``update`` + ``optax.apply_updates``) and compares the weights.
"""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from kerasish import optimizers
from kerasish.optimizers import SGD, Adagrad, Adam, AdamW, OptaxOptimizer, OptimizerState, RMSprop

N_STEPS = 5
# Weights are O(1); one float32 rounding of the decay term and the step being added
# in a different order than Keras's (w - decay) - step costs ~1 ulp. atol covers
# weights that pass near zero, where a relative tolerance means nothing.
RTOL, ATOL = 1e-6, 1e-7


def make_problem(seed=0, grad_scale=1.0):
    """Weights {layer: {weight: array}} and N_STEPS gradient pytrees of the same shape."""
    rng = np.random.default_rng(seed)

    def tree(scale):
        return {
            "dense": {"bias": rng.normal(size=(3,)) * scale, "kernel": rng.normal(size=(4, 3)) * scale},
            "out": {"kernel": rng.normal(size=(3, 1)) * scale},
        }

    as_f32 = lambda t: jax.tree.map(lambda x: np.asarray(x, np.float32), t)
    params = as_f32(tree(1.0))
    # Steps of different sizes, so that the clipping options clip some steps and not others.
    grads = [as_f32(tree(grad_scale * s)) for s in (2.0, 0.3, 1.0, 0.05, 3.0)]
    return params, grads


def path_names(params):
    return [str(path[-1].key) for path, _ in jax.tree_util.tree_flatten_with_path(params)[0]]


def run_keras(keras, opt, params, grads, between_steps=None):
    """Apply ``grads`` with a Keras optimizer; returns the weights as our pytree."""
    leaves, treedef = jax.tree.flatten(params)
    variables = [keras.Variable(np.array(x), name=n) for x, n in zip(leaves, path_names(params))]
    for i, g in enumerate(grads):
        if between_steps:
            between_steps(i, opt)
        opt.apply_gradients(zip([jnp.asarray(x) for x in jax.tree.leaves(g)], variables))
    return jax.tree.unflatten(treedef, [v.numpy() for v in variables])


def run_ours(opt, params, grads, between_steps=None):
    """Apply ``grads`` with a jitted ``update``; returns (weights, state, trace count)."""
    traces = []

    @jax.jit
    def step(params, state, g):
        traces.append(1)  # runs only while tracing
        updates, state = opt.update(g, state, params)
        return optax.apply_updates(params, updates), state

    params = jax.tree.map(jnp.asarray, params)
    state = opt.init(params)
    for i, g in enumerate(grads):
        if between_steps:
            state = between_steps(i, opt, state)
        params, state = step(params, state, g)
    return params, state, len(traces)


def assert_trees_close(ours, theirs, rtol=RTOL, atol=ATOL):
    jax.tree.map(lambda a, b: np.testing.assert_allclose(np.asarray(a), b, rtol=rtol, atol=atol), ours, theirs)


PARITY_CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.01}),
    ("SGD", {"momentum": 0.5, "clipnorm": 1.0}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5, "centered": True}),
    ("RMSprop", {"clipvalue": 0.5}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True}),
    ("Adam", {"learning_rate": 0.01, "global_clipnorm": 1.0}),
    ("Adam", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("Adam", {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}),
    ("AdamW", {}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"clipnorm": 0.5}),
    ("Adagrad", {}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-3}),
    ("Adagrad", {"global_clipnorm": 2.0, "weight_decay": 0.05}),
]


@pytest.mark.parametrize("cls_name, kwargs", PARITY_CASES, ids=[f"{c}-{k}" for c, k in PARITY_CASES])
def test_matches_keras(keras, cls_name, kwargs):
    params, grads = make_problem()
    expected = run_keras(keras, getattr(keras.optimizers, cls_name)(**kwargs), params, grads)
    opt = getattr(optimizers, cls_name)(**kwargs)
    got, state, traces = run_ours(opt, params, grads)
    assert_trees_close(got, expected)
    assert traces == 1
    assert state.iterations.dtype == jnp.int32 and int(state.iterations) == N_STEPS


def test_weight_decay_exclusions_match_keras(keras):
    params, grads = make_problem(1)
    kopt = keras.optimizers.AdamW(learning_rate=0.05, weight_decay=0.2)
    kopt.exclude_from_weight_decay(var_names=["bias"])
    expected = run_keras(keras, kopt, params, grads)
    opt = AdamW(learning_rate=0.05, weight_decay=0.2)
    opt.exclude_from_weight_decay(var_names=["bias"])
    got, _, _ = run_ours(opt, params, grads)
    assert_trees_close(got, expected)
    # and the exclusion did something: without it the biases end elsewhere
    plain, _, _ = run_ours(AdamW(learning_rate=0.05, weight_decay=0.2), params, grads)
    assert not np.allclose(plain["dense"]["bias"], got["dense"]["bias"])


def test_weight_decay_exclusion_by_variable_path():
    from kerasish.variables import Variable

    params, grads = make_problem(1)
    bias = Variable(np.zeros(3), name="bias", path="dense/bias")
    by_path, by_name = AdamW(weight_decay=0.5), AdamW(weight_decay=0.5)
    by_path.exclude_from_weight_decay(var_list=[bias])
    by_name.exclude_from_weight_decay(var_names=["dense/bias$"])
    assert_trees_close(run_ours(by_path, params, grads)[0], run_ours(by_name, params, grads)[0], 0, 0)


@pytest.mark.parametrize("cls_name", ["Adam", "SGD"])
def test_restored_iterations_enter_bias_correction_like_keras(keras, cls_name):
    params, grads = make_problem(2)
    kopt = getattr(keras.optimizers, cls_name)(learning_rate=0.01)
    kopt.iterations.assign(10)
    expected = run_keras(keras, kopt, params, grads)
    opt = getattr(optimizers, cls_name)(learning_rate=0.01)
    opt.iterations.assign(10)
    got, state, _ = run_ours(opt, params, grads)
    assert_trees_close(got, expected)
    assert int(state.iterations) == int(kopt.iterations.numpy()) == 10 + N_STEPS


def test_optax_adam_does_not_match_keras_adam(keras):
    # Gradients near epsilon: Keras adds epsilon to sqrt(v) *before* bias correction
    # ("epsilon hat"), optax after it, and the two steps differ by a large factor.
    params, grads = make_problem(3, grad_scale=1e-7)
    expected = run_keras(keras, keras.optimizers.Adam(learning_rate=0.01), params, grads[:3])
    ours, _, _ = run_ours(Adam(learning_rate=0.01), params, grads[:3])
    assert_trees_close(ours, expected)
    theirs, _, _ = run_ours(OptaxOptimizer(optax.adam(0.01, eps=1e-7)), params, grads[:3])
    drift = max(jax.tree.leaves(jax.tree.map(lambda a, b: float(np.max(np.abs(a - b))), theirs, expected)))
    assert drift > 1e-2


@pytest.mark.parametrize("cls_name, kwargs", [("SGD", {"momentum": 0.9}), ("RMSprop", {"momentum": 0.5}),
                                              ("Adam", {"weight_decay": 0.1})])
def test_learning_rate_change_between_steps_matches_keras_without_retracing(keras, cls_name, kwargs):
    params, grads = make_problem(4)
    rates = {2: 0.05, 4: 0.002}

    def keras_change(i, opt):
        if i in rates:
            opt.learning_rate = rates[i]

    def our_change(i, opt, state):
        if i in rates:
            opt.learning_rate = rates[i]  # what a Keras callback does
            state = opt.sync_to_state(state)
        return state

    expected = run_keras(keras, getattr(keras.optimizers, cls_name)(learning_rate=0.01, **kwargs),
                         params, grads, keras_change)
    opt = getattr(optimizers, cls_name)(learning_rate=0.01, **kwargs)
    got, state, traces = run_ours(opt, params, grads, our_change)
    assert_trees_close(got, expected)
    assert traces == 1
    assert float(state.learning_rate) == np.float32(0.002)


@pytest.mark.parametrize("cls_name, kwargs", [("SGD", {"momentum": 0.9}), ("AdamW", {})])
def test_schedule_evaluated_at_iterations_like_keras(keras, cls_name, kwargs):
    params, grads = make_problem(5)
    schedule = lambda step: jnp.float32(0.1) * jnp.power(jnp.float32(0.5), step.astype(jnp.float32) / 2.0)
    kschedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    kopt = getattr(keras.optimizers, cls_name)(learning_rate=kschedule, **kwargs)
    expected = run_keras(keras, kopt, params, grads)
    opt = getattr(optimizers, cls_name)(learning_rate=schedule, **kwargs)
    got, state, traces = run_ours(opt, params, grads)
    assert_trees_close(got, expected)
    assert traces == 1
    opt.sync_from_state(state)
    np.testing.assert_allclose(float(opt.learning_rate), float(kopt.learning_rate), rtol=1e-6)
    assert float(state.learning_rate) == float(opt.learning_rate)


def test_state_is_a_stable_scan_carry():
    # The engine scans the step and wraps it in lax.cond: the state's dtypes and weak
    # types must come out exactly as they went in.
    params, grads = make_problem(6)
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *grads)
    for opt in (Adam(clipnorm=1.0, weight_decay=0.01), SGD(learning_rate=optax.cosine_decay_schedule(0.1, 10)),
                OptaxOptimizer(optax.adam(1e-3))):
        state = opt.init(params)

        def body(carry, g):
            p, s = carry
            u, s2 = opt.update(g, s, p)
            return jax.lax.cond(True, lambda: (optax.apply_updates(p, u), s2), lambda: (p, s)), None

        (p_scan, s_scan), _ = jax.lax.scan(body, (params, state), stacked)
        p_loop, s_loop, _ = run_ours(opt, params, grads)
        assert_trees_close(p_scan, p_loop, 1e-6, 1e-7)
        assert int(s_scan.iterations) == N_STEPS


def test_sync_from_state_and_reinit_pick_up_variables():
    params, grads = make_problem(7)
    opt = RMSprop(learning_rate=0.01)
    _, state, _ = run_ours(opt, params, grads)
    assert int(opt.iterations) == 0  # the Variables move only when the engine syncs
    opt.sync_from_state(state)
    assert int(opt.iterations) == N_STEPS and opt.iterations.numpy().dtype == np.int32
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5 and opt.learning_rate.numpy().dtype == np.float32
    fresh = opt.init(params)
    assert int(fresh.iterations) == N_STEPS and float(fresh.learning_rate) == 0.5


def test_variables_survive_a_donated_state():
    # init and sync_from_state copy: the engine donates the state, which must not
    # delete the Variables' own buffers.
    params, grads = make_problem(8)
    opt = Adam()
    step = jax.jit(lambda s, g, p: opt.update(g, s, p)[1], donate_argnums=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "donated buffers were not usable" on some backends
        state = step(opt.init(params), grads[0], params)
        opt.sync_from_state(state)
        step(state, grads[1], params)
    assert int(opt.iterations) == 1 and float(opt.learning_rate) == np.float32(0.001)


def test_to_optax_is_the_same_transform():
    params, grads = make_problem(9)
    tx = SGD(learning_rate=0.1, momentum=0.9).to_optax()
    state = tx.init(params)
    for g in grads:
        updates, state = tx.update(g, state, params)
        params_tx = params = optax.apply_updates(params, updates)
    expected, _, _ = run_ours(SGD(learning_rate=0.1, momentum=0.9), make_problem(9)[0], grads)
    assert_trees_close(params_tx, expected)


# -- get / config --------------------------------------------------------------------


@pytest.mark.parametrize("cls_name, kwargs", [
    ("SGD", {"momentum": 0.9, "nesterov": True, "clipnorm": 1.0}),
    ("RMSprop", {"centered": True, "learning_rate": 0.01}),
    ("Adam", {"amsgrad": True, "global_clipnorm": 2.0}),
    ("AdamW", {"weight_decay": 0.1}),
    ("Adagrad", {"clipvalue": 0.5}),
])
def test_config_matches_keras_and_round_trips(keras, cls_name, kwargs):
    kopt = getattr(keras.optimizers, cls_name)(name="opt", **kwargs)
    opt = getattr(optimizers, cls_name)(name="opt", **kwargs)
    assert opt.get_config() == kopt.get_config()
    rebuilt = optimizers.get(keras.optimizers.serialize(kopt))
    assert type(rebuilt) is type(opt) and rebuilt.get_config() == opt.get_config()
    assert optimizers.deserialize(optimizers.serialize(opt)).get_config() == opt.get_config()


def test_default_names_follow_keras(keras):
    assert [optimizers.get(n).name.split("_")[0] for n in ("sgd", "rmsprop", "adamw")] == ["sgd", "rm", "adam"]
    assert AdamW().name.startswith("adam_w") and RMSprop().name.startswith("rm_sprop")


def test_get():
    assert isinstance(optimizers.get("adam"), Adam)
    assert isinstance(optimizers.get("ADAM"), Adam) and isinstance(optimizers.get("RMSprop"), RMSprop)
    assert isinstance(optimizers.get("adagrad"), Adagrad) and isinstance(optimizers.get("adamw"), AdamW)
    opt = SGD()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    assert float(optimizers.get("sgd").learning_rate) == np.float32(0.01)
    assert float(optimizers.get("rmsprop").learning_rate) == np.float32(0.001)


def test_get_wraps_optax():
    params, grads = make_problem(10)
    opt = optimizers.get(optax.sgd(0.1))
    assert isinstance(opt, OptaxOptimizer)
    got, state, _ = run_ours(opt, params, grads)
    expected, _, _ = run_ours(SGD(learning_rate=0.1), params, grads)
    assert_trees_close(got, expected)
    assert int(state.iterations) == N_STEPS and np.isnan(float(state.learning_rate))
    opt.sync_from_state(state)
    assert int(opt.iterations) == N_STEPS
    assert not hasattr(opt, "learning_rate")
    with pytest.raises(AttributeError, match="wraps an optax transformation.*inject_hyperparams"):
        opt.learning_rate = 0.1
    with pytest.raises(NotImplementedError, match="cannot be serialized"):
        opt.get_config()


@pytest.mark.parametrize("identifier, match", [
    ("adamm", r"Unknown optimizer: 'adamm'\. Did you mean 'adam'\?.*'sgd'"),
    ("adamx", r"Unknown optimizer: 'adamx'\. Did you mean 'adamax'\?"),
    ("multioptimizer", r"MultiOptimizer cannot be made from its name 'multioptimizer'"),
    (42, r"Could not interpret optimizer identifier: 42"),
    (Adam, r"received the class Adam\. Call it: Adam\(\)"),
    ({"config": {}}, r"must be a dict with a 'class_name'"),
])
def test_get_errors(identifier, match):
    with pytest.raises(ValueError, match=match):
        optimizers.get(identifier)


# -- arguments -------------------------------------------------------------------------


def test_positional_learning_rate_and_lr_alias():
    assert float(Adam(0.01).learning_rate) == np.float32(0.01)
    with pytest.warns(UserWarning, match=r"`lr` is a deprecated name.*use `learning_rate` instead: "
                                         r"Adam\(learning_rate=0.1\)") as record:
        opt = Adam(lr=0.1)
    assert record[0].filename == __file__  # the warning points at the caller's line
    assert float(opt.learning_rate) == np.float32(0.1)
    with pytest.raises(TypeError, match="both `learning_rate` and its old name `lr`"):
        Adam(0.01, lr=0.1)


@pytest.mark.parametrize("make, error, match", [
    (lambda: Adam(beta1=0.9), TypeError, r"Adam\(\) got an unexpected keyword argument `beta1`\. Did you mean `beta_1`\?"),
    (lambda: SGD(momentun=0.9), TypeError, r"Did you mean `momentum`\?"),
    (lambda: SGD(decay=0.1), TypeError, r"no longer takes `decay`.*schedule"),
    (lambda: Adam(learning_rate=-0.1), ValueError,
     r"invalid value for `learning_rate`, expected a finite number in \[0, inf\)\. Received: learning_rate=-0\.1"),
    (lambda: Adam(learning_rate="fast"), ValueError, r"Received: learning_rate='fast'"),
    (lambda: Adam(learning_rate=float("nan")), ValueError, r"learning_rate=nan"),
    (lambda: Adam(beta_1=1.0), ValueError, r"`beta_1`, expected a finite number in \[0, 1\)\. Received: beta_1=1\.0"),
    (lambda: Adam(beta_2=-0.5), ValueError, r"`beta_2`.*\[0, 1\)"),
    (lambda: Adam(epsilon=-1e-7), ValueError, r"`epsilon`.*Received: epsilon=-1e-07"),
    (lambda: SGD(momentum=1.5), ValueError, r"`momentum`.*\[0, 1\]\. Received: momentum=1\.5"),
    (lambda: RMSprop(rho=1.0), ValueError, r"`rho`.*\[0, 1\)"),
    (lambda: Adagrad(initial_accumulator_value=-1), ValueError, r"`initial_accumulator_value`"),
    (lambda: SGD(clipnorm=0.0), ValueError, r"`clipnorm`, expected a finite number in \(0, inf\)"),
    (lambda: SGD(weight_decay=-0.1), ValueError, r"`weight_decay`"),
    (lambda: SGD(clipnorm=1.0, clipvalue=1.0), ValueError,
     r"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set\. Received: clipnorm=1\.0, clipvalue=1\.0"),
    (lambda: AdamW(weight_decay=None), ValueError, r"`weight_decay` of AdamW must be a float\. Received: weight_decay=None"),
    (lambda: Adam(use_ema=True, ema_momentum=1.5), ValueError,
     r"`ema_momentum`, expected a finite number in \[0, 1\]\. Received: ema_momentum=1\.5"),
    (lambda: Adam(use_ema=True, ema_overwrite_frequency=2.5), ValueError,
     r"`ema_overwrite_frequency`, expected an integer >= 1 or None\. Received: ema_overwrite_frequency=2\.5"),
    (lambda: Adam(gradient_accumulation_steps=1), ValueError,
     r"`gradient_accumulation_steps`, expected an integer >= 2 or None\. Received: gradient_accumulation_steps=1"),
    (lambda: Adam(loss_scale_factor=-2.0), ValueError, r"`loss_scale_factor`.*\(0, inf\)"),
    (lambda: OptaxOptimizer("adam"), TypeError, r"wraps an optax.GradientTransformation"),
])
def test_argument_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_learning_rate_setter_and_schedule_errors():
    opt = SGD(learning_rate=lambda step: 0.1 / (1.0 + step))
    assert float(opt.learning_rate) == np.float32(0.1)
    with pytest.raises(TypeError, match="learning rate is a schedule.*cannot be set to a number"):
        opt.learning_rate = 0.5
    plain = SGD()
    with pytest.raises(ValueError, match="Received: learning_rate=-1"):
        plain.learning_rate = -1
    plain.learning_rate = 1  # ints are fine (Keras insists on floats)
    assert float(plain.learning_rate) == 1.0


def test_update_errors():
    params, grads = make_problem()
    opt = AdamW()
    with pytest.raises(TypeError, match=r"expects the OptimizerState made by `AdamW.init\(params\)`"):
        opt.update(grads[0], optax.adam(1e-3).init(params), params)
    with pytest.raises(ValueError, match=r"Weight decay needs the current weights.*params=None"):
        opt.update(grads[0], opt.init(params))
    assert isinstance(opt.init(params), OptimizerState)
