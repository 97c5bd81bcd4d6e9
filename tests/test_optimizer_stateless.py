"""Keras 3's list API of optimizers: ``variables``, ``build``, ``stateless_apply``,
``apply``/``apply_gradients``, ``scale_loss``, and the conversions between Keras's flat
list and our pytree ``OptimizerState``.

The parity tests build a Keras optimizer and ours on the same weights, run the same
three gradients through ``stateless_apply`` (ours jitted, traced once), and compare the
new weights and every optimizer variable (name, path, shape, dtype, value).
"""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from kerasish import optimizers
from kerasish.optimizers import (SGD, Adagrad, Adam, AdamW, LossScaleOptimizer, OptaxOptimizer,
                                 OptimizerState, RMSprop)
from kerasish.variables import Variable

TOL = 1e-6
SHAPES = {"dense/kernel": (4, 3), "dense/bias": (3,), "out/kernel": (3, 1)}


def make_problem(seed=0, n_steps=3, grad_scale=1.0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=s).astype(np.float32) for s in SHAPES.values()]
    grads = [[(rng.normal(size=s) * grad_scale * f).astype(np.float32) for s in SHAPES.values()]
             for f in (2.0, 0.3, 1.5)[:n_steps]]
    return weights, grads


def our_variables(weights):
    return [Variable(w, name=p.split("/")[1], path=p) for p, w in zip(SHAPES, weights)]


def keras_variables(keras, weights):
    out = []
    for p, w in zip(SHAPES, weights):
        with keras.name_scope(p.split("/")[0]):
            out.append(keras.Variable(w, name=p.split("/")[1]))
    return out


def keras_schedule(keras):
    return keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=2, decay_rate=0.5)


# (id, our optimizer, Keras optimizer); both get name="opt" so that paths compare.
KINDS = [
    ("sgd", lambda: SGD(0.1, name="opt"), lambda k: k.optimizers.SGD(0.1, name="opt")),
    ("sgd_momentum", lambda: SGD(0.1, momentum=0.9, name="opt"),
     lambda k: k.optimizers.SGD(0.1, momentum=0.9, name="opt")),
    ("sgd_nesterov_clipnorm", lambda: SGD(0.1, momentum=0.5, nesterov=True, clipnorm=1.0, name="opt"),
     lambda k: k.optimizers.SGD(0.1, momentum=0.5, nesterov=True, clipnorm=1.0, name="opt")),
    ("rmsprop", lambda: RMSprop(0.01, name="opt"), lambda k: k.optimizers.RMSprop(0.01, name="opt")),
    ("rmsprop_centered_momentum", lambda: RMSprop(0.01, momentum=0.5, centered=True, name="opt"),
     lambda k: k.optimizers.RMSprop(0.01, momentum=0.5, centered=True, name="opt")),
    ("adam", lambda: Adam(0.01, name="opt"), lambda k: k.optimizers.Adam(0.01, name="opt")),
    ("adam_amsgrad_global_clipnorm", lambda: Adam(0.01, amsgrad=True, global_clipnorm=0.5, name="opt"),
     lambda k: k.optimizers.Adam(0.01, amsgrad=True, global_clipnorm=0.5, name="opt")),
    ("adam_schedule",
     lambda: Adam(optimizers.schedules.ExponentialDecay(0.05, decay_steps=2, decay_rate=0.5), name="opt"),
     lambda k: k.optimizers.Adam(keras_schedule(k), name="opt")),
    ("adamw", lambda: AdamW(0.01, weight_decay=0.1, name="opt"),
     lambda k: k.optimizers.AdamW(0.01, weight_decay=0.1, name="opt")),
    ("adagrad", lambda: Adagrad(0.1, name="opt"), lambda k: k.optimizers.Adagrad(0.1, name="opt")),
    ("loss_scale_sgd_momentum",
     lambda: LossScaleOptimizer(SGD(0.1, momentum=0.9, name="inner"), initial_scale=2.0**10,
                                dynamic_growth_steps=2, name="opt"),
     lambda k: k.optimizers.LossScaleOptimizer(k.optimizers.SGD(0.1, momentum=0.9, name="inner"),
                                               initial_scale=2.0**10, dynamic_growth_steps=2,
                                               name="opt")),
    ("loss_scale_adam",
     lambda: LossScaleOptimizer(Adam(0.01, name="inner"), initial_scale=8.0,
                                dynamic_growth_steps=2, name="opt"),
     lambda k: k.optimizers.LossScaleOptimizer(k.optimizers.Adam(0.01, name="inner"),
                                               initial_scale=8.0, dynamic_growth_steps=2,
                                               name="opt")),
]
IDS = [k[0] for k in KINDS]


def describe(variables):
    return [(v.name, v.path, tuple(v.shape), str(v.dtype)) for v in variables]


def assert_lists_close(ours, theirs, what):
    assert len(ours) == len(theirs), what
    for i, (a, b) in enumerate(zip(ours, theirs)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, f"{what}[{i}]"
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, err_msg=f"{what}[{i}]")


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_stateless_apply_matches_keras(keras, kind):
    _, make_ours, make_keras = kind
    weights, grads = make_problem()
    if "loss_scale" in kind[0]:  # gradients of a scaled loss; the middle step overflows
        grads = [[g * 8.0 for g in step] for step in grads]
        grads[1][0] = grads[1][0].copy()
        grads[1][0][0, 0] = np.inf

    ours, theirs = make_ours(), make_keras(keras)
    assert describe(ours.variables) == describe(theirs.variables)  # before build
    our_vars, their_vars = our_variables(weights), keras_variables(keras, weights)
    ours.build(our_vars)
    theirs.build(their_vars)
    assert describe(ours.variables) == describe(theirs.variables)
    assert_lists_close([v.value for v in ours.variables], [v.value for v in theirs.variables],
                       "built variables")

    traces = []

    def step(opt_values, g, values):
        traces.append(1)
        return ours.stateless_apply(opt_values, g, values)

    step = jax.jit(step)
    our_opt, their_opt = [v.value for v in ours.variables], [v.value for v in theirs.variables]
    our_w, their_w = [v.value for v in our_vars], [v.value for v in their_vars]
    for i, g in enumerate(grads):
        our_w, our_opt = step(our_opt, [jnp.asarray(x) for x in g], our_w)
        their_w, their_opt = theirs.stateless_apply(their_opt, [jnp.asarray(x) for x in g], their_w)
        assert_lists_close(our_w, their_w, f"weights after step {i + 1}")
        assert_lists_close(our_opt, their_opt, f"optimizer variables after step {i + 1}")
        assert [np.asarray(x).dtype for x in our_opt] == [np.asarray(x).dtype for x in their_opt]
    assert len(traces) == 1
    # The state really moved (guards against comparing two copies of the start).
    assert not np.allclose(np.asarray(our_w[0]), weights[0])


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_stateless_apply_is_update_on_the_pytree(kind):
    _, make_ours, _ = kind
    weights, grads = make_problem(seed=1)
    opt = make_ours()
    variables = our_variables(weights)
    opt.build(variables)
    tree = lambda values: {p: v for p, v in zip(SHAPES, values)}  # free Variables: key (path,)

    @jax.jit
    def by_update(params, state, g):
        updates, state = opt.update(g, state, params)
        return optax.apply_updates(params, updates), state

    params, state = tree([jnp.asarray(w) for w in weights]), opt.init(tree(weights))
    values, opt_values = [jnp.asarray(w) for w in weights], [v.value for v in opt.variables]
    assert_lists_close(opt.state_to_variables(state), opt_values, "initial state")
    step = jax.jit(opt.stateless_apply)
    for g in grads:
        params, state = by_update(params, state, tree(g))
        values, opt_values = step(opt_values, g, values)
        assert_lists_close(values, [params[p] for p in SHAPES], "weights")
        assert_lists_close(opt_values, opt.state_to_variables(state), "optimizer variables")
        back = opt.variables_to_state(opt_values)
        assert jax.tree.structure(back) == jax.tree.structure(state)
        jax.tree.map(lambda a, b: np.testing.assert_array_equal(np.asarray(a), np.asarray(b)),
                     back, state)


def test_conversions_use_the_models_params_keys():
    """Built on a layer's weights, the state is keyed like ``current_params()``, as the
    engine's; ``sync_from_state`` then shows it in ``variables``."""
    from kerasish import layers

    dense = layers.Dense(3, name="d")
    dense.build((None, 4))
    opt = RMSprop(0.01, momentum=0.9, centered=True)
    opt.build(dense.trainable_variables)
    params = dense.current_params()[0]
    state = opt.init(params)
    names = [v.name for v in opt.variables]
    assert names == ["iteration", "learning_rate", "d_kernel_velocity", "d_bias_velocity",
                     "d_kernel_momentum", "d_bias_momentum", "d_kernel_average_gradient",
                     "d_bias_average_gradient"]
    grads = jax.tree.map(jnp.ones_like, params)
    for _ in range(2):
        updates, state = jax.jit(opt.update)(grads, state, params)
        params = optax.apply_updates(params, updates)
    values = jax.jit(opt.state_to_variables)(state)
    np.testing.assert_array_equal(values[3], state.slots[0].velocities["d"]["bias"])
    back = jax.jit(opt.variables_to_state)(values)
    assert jax.tree.structure(back) == jax.tree.structure(state)

    opt.sync_from_state(state, slots=False)
    assert int(opt.iterations) == 2 and float(opt.variables[2].numpy().sum()) == 0.0
    opt.sync_from_state(state)
    assert_lists_close([v.value for v in opt.variables], values, "synced variables")


def test_optax_optimizer_variables_are_the_flattened_state():
    weights, grads = make_problem(seed=2)
    opt = OptaxOptimizer(optax.adam(0.01))
    assert [v.name for v in opt.variables] == ["iteration"]
    opt.build(our_variables(weights))
    names = [v.name for v in opt.variables]
    # Leaves in jax.tree.leaves order: dict keys sorted ("dense/bias" < "dense/kernel").
    assert names == ["iteration", "0_count", "0_mu_dense_bias", "0_mu_dense_kernel",
                     "0_mu_out_kernel", "0_nu_dense_bias", "0_nu_dense_kernel", "0_nu_out_kernel"]
    reference = optax.adam(0.01)
    params = {p: jnp.asarray(w) for p, w in zip(SHAPES, weights)}
    ref_state = reference.init(params)
    values, opt_values = list(params.values()), [v.value for v in opt.variables]
    step = jax.jit(opt.stateless_apply)
    for g in grads:
        updates, ref_state = reference.update({p: x for p, x in zip(SHAPES, g)}, ref_state, params)
        params = optax.apply_updates(params, updates)
        values, opt_values = step(opt_values, g, values)
    assert_lists_close(values, [params[p] for p in SHAPES], "weights")
    assert int(opt_values[0]) == 3
    assert_lists_close(opt_values[1:], jax.tree.leaves(ref_state), "optax state")


def test_eager_apply_matches_keras_with_subsets_and_missing_gradients(keras):
    weights, grads = make_problem(seed=3)
    ours, theirs = Adam(0.02, name="opt"), keras.optimizers.Adam(0.02, name="opt")
    our_vars, their_vars = our_variables(weights), keras_variables(keras, weights)
    ours.apply(grads[0], our_vars)  # builds
    theirs.apply(grads[0], their_vars)
    # A subset of the variables, then a step where one gradient does not exist.
    ours.apply_gradients(zip(grads[1][:2], our_vars[:2]))
    theirs.apply_gradients(zip(grads[1][:2], their_vars[:2]))
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['out/kernel'\]"):
        ours.apply(grads[2][:2] + [None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.apply(grads[2][:2] + [None])
    assert_lists_close([v.value for v in our_vars], [v.value for v in their_vars], "weights")
    assert describe(ours.variables) == describe(theirs.variables)
    assert_lists_close([v.value for v in ours.variables], [v.value for v in theirs.variables],
                       "optimizer variables")
    assert int(ours.iterations) == 3


def test_stateless_apply_with_a_missing_gradient_matches_keras(keras):
    weights, grads = make_problem(seed=4, n_steps=1)
    ours, theirs = SGD(0.1, momentum=0.9, name="opt"), keras.optimizers.SGD(0.1, momentum=0.9, name="opt")
    ours.build(our_variables(weights))
    theirs.build(keras_variables(keras, weights))
    g = [jnp.asarray(grads[0][0]), None, jnp.asarray(grads[0][2])]
    with pytest.warns(UserWarning, match="dense/bias"):
        our_w, our_opt = ours.stateless_apply([v.value for v in ours.variables], g, weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        their_w, their_opt = theirs.stateless_apply([v.value for v in theirs.variables], g, weights)
    assert_lists_close(our_w, their_w, "weights")
    assert_lists_close(our_opt, their_opt, "optimizer variables")


def test_scale_loss(keras):
    loss = jnp.float32(0.5)
    assert SGD().scale_loss(loss) is loss
    ours = LossScaleOptimizer(SGD(0.1), initial_scale=64.0)
    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=64.0)
    assert float(ours.scale_loss(loss)) == float(theirs.scale_loss(loss)) == 32.0  # not built
    weights, _ = make_problem()
    ours.build(our_variables(weights))
    values = [v.value for v in ours.variables]
    bad = [jnp.full(s, jnp.inf) for s in SHAPES.values()]
    _, values = ours.stateless_apply(values, bad, weights)  # overflow: halve the scale
    ours.sync_from_state(ours.variables_to_state(values))
    assert float(ours.scale_loss(loss)) == 16.0


def test_variables_follow_a_learning_rate_set_to_a_schedule():
    opt = SGD(0.1)
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate"]
    opt.learning_rate = optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    assert [v.name for v in opt.variables] == ["iteration"]


def test_build_again(keras):
    weights, _ = make_problem()
    variables = our_variables(weights)
    opt = Adagrad()
    opt.build(variables)
    first = opt.variables
    opt.build(variables)  # the same list: nothing changes
    assert all(a is b for a, b in zip(first, opt.variables))
    opt.build(variables[:1])
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate",
                                               "dense_kernel_accumulator"]


def test_free_variables_with_the_same_path_get_distinct_slots():
    a, b = Variable(np.ones(2, np.float32)), Variable(np.zeros(2, np.float32))
    opt = SGD(0.5, momentum=0.5)
    opt.build([a, b])
    assert [v.name for v in opt.variables[2:]] == ["variable_momentum", "variable_momentum"]
    values, _ = opt.stateless_apply([v.value for v in opt.variables],
                                    [jnp.ones(2), -jnp.ones(2)], [a.value, b.value])
    assert values[0].tolist() == [0.5, 0.5] and values[1].tolist() == [0.5, 0.5]


# -- messages ---------------------------------------------------------------------

@pytest.fixture
def built():
    weights, grads = make_problem(n_steps=1)
    opt = Adam(name="adam_for_errors")
    opt.build(our_variables(weights))
    return opt, weights, grads[0]


def test_stateless_apply_before_build_says_how_to_build():
    with pytest.raises(ValueError, match=r"To call `stateless_apply`, Adam must be built .* "
                                         r"Call `optimizer.build\(trainable_variables\)` first"):
        Adam().stateless_apply([], [], [])
    with pytest.raises(ValueError, match="To call `stateless_apply`, LossScaleOptimizer must be built"):
        LossScaleOptimizer(SGD()).stateless_apply([], [], [])
    with pytest.raises(ValueError, match="To call `state_to_variables`, SGD must be built"):
        SGD().state_to_variables(SGD().init({}))


def test_wrong_lists_are_named(built):
    opt, weights, grads = built
    values = [v.value for v in opt.variables]
    with pytest.raises(ValueError, match=r"`optimizer_variables`, expected a list of 8 arrays, one per "
                                         r"entry of `Adam.variables` .* Received a list of 2"):
        opt.stateless_apply(values[:2], grads, weights)
    with pytest.raises(ValueError, match=r"`trainable_variables`, expected a list of 3 arrays, one per "
                                         r"variable the optimizer was built with \(\['dense/kernel', "
                                         r"'dense/bias', 'out/kernel'\]\).* Received a list of 2"):
        opt.stateless_apply(values, grads, weights[:2])
    with pytest.raises(ValueError, match=r"`grads\[1\]`, expected shape \(3,\) \(the shape of "
                                         r"'dense/bias'\). Received: shape \(4,\)"):
        opt.stateless_apply(values, [grads[0], np.ones(4), grads[2]], weights)
    with pytest.raises(ValueError, match=r"`optimizer_variables`, expected a list of 8 arrays. "
                                         r"Received: optimizer_variables=dict"):
        opt.stateless_apply({}, grads, weights)
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.stateless_apply(values, [None, None, None], weights)


def test_state_of_other_weights_is_refused(built):
    opt = built[0]
    with pytest.raises(ValueError, match=r"slots do not match the weights this optimizer was built "
                                         r"for .* `optimizer.build\(model.trainable_variables\)`"):
        opt.state_to_variables(opt.init({"w": jnp.ones(2)}))
    with pytest.raises(TypeError, match="expects an OptimizerState .* Received: tuple"):
        opt.state_to_variables((1, 2))


def test_build_and_apply_messages(built):
    opt, weights, grads = built
    with pytest.raises(TypeError, match=r"Adam.build expects a list of kerasish Variables .* "
                                        r"Received items of type \['ndarray'\].*`kerasish.Variable\(array\)`"):
        Adam().build(weights)
    with pytest.raises(ValueError, match=r"Unknown variables \['w'\]: this optimizer can only update "
                                         r"the variables it was built with"):
        opt.apply([jnp.ones(2)], [Variable(np.ones(2, np.float32), name="w")])
    with pytest.raises(ValueError, match=r"must already be built .* `optimizer.apply\(grads, "
                                         r"trainable_variables\)`"):
        SGD().apply([jnp.ones(2)])
    with pytest.raises(ValueError, match="Received 2 gradients for 3 variables"):
        opt.apply(grads[:2])
    assert isinstance(opt.variables_to_state([v.value for v in opt.variables]), OptimizerState)
