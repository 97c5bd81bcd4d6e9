"""The layer side of Keras 3's extension contract, against real Keras 3 on the same
weights: ``add_loss`` and ``layer.losses``, ``activity_regularizer``, masks
(``Embedding(mask_zero=True)``, ``Masking``, ``compute_mask``, the ``mask=`` argument),
layers called with several tensors (the keras.io Endpoint pattern), and
``make_apply(layer, with_aux=True)`` under ``jax.jit``, ``lax.scan`` and ``vmap``."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish import layers
from kerasish.layers import base
from kerasish.layers.base import get_keras_mask, make_apply


def _close(ours, theirs, tol=1e-6):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=tol)


def _values(losses):
    return sorted(float(v) for v in losses)


def _keras_mask(x):
    """Keras's mask of ``x`` (on JAX, Keras keeps it beside the array, by id)."""
    from keras.src.backend import get_keras_mask as keras_get_mask

    return keras_get_mask(x)


# -- add_loss -----------------------------------------------------------------------------
def _activity_sum_layer(module, np_like):
    """A user layer that adds ``rate * sum(x**2)`` and passes x on (Keras docs' shape)."""

    class ActivitySum(module.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * np_like.sum(inputs ** 2))
            return inputs

    return ActivitySum


def _loss_model(module, np_like):
    activity_sum = _activity_sum_layer(module, np_like)
    x = module.Input((4,), name="x")
    h = module.layers.Dense(5, kernel_regularizer=module.regularizers.L2(0.05),
                            name="hidden")(x)
    h = activity_sum(0.01, name="act1")(h)
    y = module.layers.Dense(2, name="out")(h)
    y = activity_sum(0.002, name="act2")(y)
    return module.Model(x, y)


@pytest.fixture(scope="module")
def loss_models(keras):
    keras.utils.set_random_seed(1)
    theirs = _loss_model(keras, keras.ops)
    ours = _loss_model(kerasish, jnp)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    return ours, theirs, x


def test_add_loss_eager_losses_match_keras(loss_models):
    ours, theirs, x = loss_models
    _close(ours(x, training=True), theirs(x, training=True))
    assert len(ours.losses) == len(theirs.losses) == 3  # two add_loss, one L2 penalty
    _close(_values(ours.losses), _values(theirs.losses))
    # A sub-layer shows its own losses of the last call, as in Keras.
    _close(_values(ours.get_layer("act2").losses), _values(theirs.get_layer("act2").losses))
    # The next call replaces them (Keras clears at each outermost call).
    _ = ours(2 * x, training=True), theirs(2 * x, training=True)
    _close(_values(ours.losses), _values(theirs.losses))


def test_add_loss_eager_inference_path(loss_models):
    ours, theirs, x = loss_models
    ours(x), theirs(x)
    _close(_values(ours.losses), _values(theirs.losses))


def test_stateless_call_returns_the_losses_of_keras(loss_models):
    ours, theirs, x = loss_models
    scale = [np.asarray(v) * 1.5 for v in theirs.trainable_variables]  # not the stored ones
    y_k, _, l_k = theirs.stateless_call(scale, [], x, return_losses=True)
    y_o, _, l_o = ours.stateless_call(scale, [], x, return_losses=True)
    _close(y_o, y_k)
    assert len(l_o) == len(l_k) == 3
    _close(_values(l_o), _values(l_k))
    # Nothing stayed on the layers: the stored-weight losses are unchanged.
    ours(x, training=True)
    assert all(not isinstance(v, jax.core.Tracer) for v in ours.losses)


def test_make_apply_with_aux_losses_under_jit(loss_models):
    ours, theirs, x = loss_models
    _, _, l_k = theirs.stateless_call(theirs.trainable_variables, [], x, return_losses=True)
    penalty = 0.05 * float(np.sum(np.asarray(theirs.get_layer("hidden").kernel) ** 2))
    params, state = ours.current_params()
    y, new_state, aux = jax.jit(make_apply(ours, with_aux=True))(params, state, x)
    _close(y, theirs(x))
    assert set(aux) == {"losses", "mask"} and aux["mask"] is None
    assert [a.shape for a in aux["losses"]] == [(), ()]
    # aux["losses"] holds add_loss values only; weight penalties are the engine's.
    _close(sum(aux["losses"]), sum(float(v) for v in l_k) - penalty, tol=1e-5)
    # Nothing traced stayed behind, on a layer or among the eager masks.
    kept = [v for layer in ours._flatten_layers() for v in layer.__dict__["_losses"]]
    kept += [m for _, m in base._EAGER_MASKS.values()]
    assert not any(isinstance(v, jax.core.Tracer) for v in kept)
    # The two-value form is unchanged.
    y2, _ = make_apply(ours)(params, state, x)
    _close(y2, y)


def test_make_apply_with_aux_under_scan_and_vmap(loss_models):
    ours, _, x = loss_models
    params, state = ours.current_params()
    apply = make_apply(ours, with_aux=True)
    batches = np.stack([x, 2 * x, -x])

    def step(total, xb):
        _, _, aux = apply(params, state, xb)
        return total + sum(aux["losses"]), sum(aux["losses"])

    total, each = jax.jit(lambda b: jax.lax.scan(step, jnp.zeros(()), b))(batches)
    direct = [float(sum(apply(params, state, xb)[2]["losses"])) for xb in batches]
    _close(each, direct, tol=1e-5)
    _close(total, sum(direct), tol=1e-5)
    vmapped = jax.vmap(lambda xb: sum(apply(params, state, xb[None])[2]["losses"]))(x)
    _close(vmapped, [float(sum(apply(params, state, r[None])[2]["losses"])) for r in x],
           tol=1e-5)


def test_add_loss_under_a_users_jit_leaks_no_tracer():
    layer = _activity_sum_layer(kerasish, jnp)(0.5)
    out = jax.jit(lambda v: layer(v))(np.ones((2, 3), "float32"))
    assert out.shape == (2, 3)
    assert layer.losses == []  # the traced loss had nowhere safe to stay
    layer(np.ones((2, 3), "float32"))
    _close(layer.losses, [3.0])


def test_add_loss_refuses_a_non_tensor():
    class Bad(layers.Layer):
        def call(self, x):
            self.add_loss(0.5)
            return x

    with pytest.raises(ValueError, match=r"`add_loss\(\)` can only be called from inside "
                                         r"`build\(\)` or `call\(\)`, on a tensor input\. "
                                         r"Received invalid value: 0\.5"):
        Bad()(np.ones((2, 2)))


# -- activity_regularizer -------------------------------------------------------------------
@pytest.mark.parametrize("reg", ["l1", "l2", ("l1_l2", 0.3)])
def test_activity_regularizer_matches_keras(keras, reg):
    def make(module):
        r = module.regularizers.L1L2(l1=reg[1], l2=reg[1]) if isinstance(reg, tuple) else reg
        return module.Sequential([module.Input((3,)),
                                  module.layers.Dense(4, activity_regularizer=r, name="d"),
                                  module.layers.Dense(1, name="o")])

    keras.utils.set_random_seed(2)
    theirs, ours = make(keras), make(kerasish)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    _, _, l_k = theirs.stateless_call(theirs.trainable_variables, [], x, return_losses=True)
    _, _, l_o = ours.stateless_call([v.value for v in ours.trainable_variables], [], x,
                                    return_losses=True)
    assert len(l_o) == len(l_k) == 1
    _close(l_o, l_k)  # regularizer(output) / batch size
    dense = ours.get_layer("d")
    dense(x)
    _close(dense.losses, l_k)
    params, state = ours.current_params()
    _close(jax.jit(make_apply(ours, with_aux=True))(params, state, x)[2]["losses"], l_k)
    ours_config = dense.get_config()["activity_regularizer"]
    theirs_config = theirs.get_layer("d").get_config()["activity_regularizer"]
    assert ours_config["class_name"] == theirs_config["class_name"]
    _close(list(ours_config["config"].values()), list(theirs_config["config"].values()))


def test_activity_regularizer_on_any_layer_and_in_config():
    layer = layers.Layer(activity_regularizer="l2")
    assert layer.get_config()["activity_regularizer"]["class_name"] == "L2"
    assert "activity_regularizer" not in layers.Layer().get_config()
    again = layers.Dense.from_config(layers.Dense(2, activity_regularizer="l1").get_config())
    assert type(again.activity_regularizer).__name__ == "L1"


# -- masks --------------------------------------------------------------------------------
def _masked_pool_model(module, functional, mask_zero=True):
    if functional:
        ids = module.Input((None,), dtype="int32", name="ids")
        h = module.layers.Embedding(12, 4, mask_zero=mask_zero, name="emb")(ids)
        h = module.layers.Dense(3, activation="tanh", name="per_step")(h)
        h = module.layers.GlobalAveragePooling1D(name="pool")(h)
        return module.Model(ids, module.layers.Dense(2, name="out")(h))
    return module.Sequential([module.Input((6,), dtype="int32"),
                              module.layers.Embedding(12, 4, mask_zero=mask_zero, name="emb"),
                              module.layers.GlobalAveragePooling1D(name="pool"),
                              module.layers.Dense(2, name="out")])


@pytest.mark.parametrize("functional", [True, False], ids=["functional", "sequential"])
def test_embedding_mask_zero_into_pooling_matches_keras(keras, functional):
    keras.utils.set_random_seed(3)
    theirs = _masked_pool_model(keras, functional)
    ours = _masked_pool_model(kerasish, functional)
    ours.set_weights(theirs.get_weights())
    ids = np.array([[3, 5, 0, 0, 0, 0], [1, 2, 7, 9, 11, 0], [4, 0, 0, 0, 0, 0]], "int32")
    expected = np.asarray(theirs(ids))
    _close(ours(ids), expected)
    _close(ours.predict(ids, verbose=0), expected)
    params, state = ours.current_params()
    y, _, aux = jax.jit(make_apply(ours, with_aux=True))(params, state, ids)
    _close(y, expected)
    assert aux == {"losses": [], "mask": None}  # the pooling consumed the mask
    # The mask matters: unmasked, the padding steps would enter the mean.
    plain = _masked_pool_model(kerasish, functional, mask_zero=False)
    plain.set_weights(ours.get_weights())
    assert not np.allclose(plain(ids), expected, atol=1e-4)


def test_masked_output_reaches_make_apply_aux_and_matches_keras(keras):
    def make(module):
        ids = module.Input((None,), dtype="int32")
        h = module.layers.Embedding(10, 3, mask_zero=True)(ids)
        return module.Model(ids, module.layers.Dense(2, name="dense_out")(h))

    keras.utils.set_random_seed(4)
    theirs, ours = make(keras), make(kerasish)
    ours.set_weights(theirs.get_weights())
    # Symbolic: the output KerasTensor knows it is masked, as Keras's does.
    assert theirs.outputs[0]._keras_mask is not None
    assert ours.outputs[0]._keras_mask.shape == tuple(theirs.outputs[0]._keras_mask.shape) \
        == (None, None)
    assert ours.outputs[0]._keras_mask.dtype == "bool"
    ids = np.array([[1, 2, 0], [0, 4, 5]], "int32")
    y_k = theirs(ids)
    params, state = ours.current_params()
    y, _, aux = jax.jit(make_apply(ours, with_aux=True))(params, state, ids)
    _close(y, y_k)
    np.testing.assert_array_equal(aux["mask"], _keras_mask(y_k))
    np.testing.assert_array_equal(aux["mask"], ids != 0)


def test_several_outputs_give_a_mask_per_output():
    ids = kerasish.Input((4,), dtype="int32")
    emb = layers.Embedding(6, 2, mask_zero=True)(ids)
    pooled = layers.GlobalAveragePooling1D()(emb)
    model = kerasish.Model(ids, {"steps": layers.Dense(1)(emb), "pooled": pooled})
    params, state = model.current_params()
    x = np.array([[1, 0, 2, 0]], "int32")
    _, _, aux = jax.jit(make_apply(model, with_aux=True))(params, state, x)
    assert set(aux["mask"]) == {"steps", "pooled"} and aux["mask"]["pooled"] is None
    np.testing.assert_array_equal(aux["mask"]["steps"], x != 0)
    listed = kerasish.Model(ids, [pooled, layers.Dense(1)(emb)])
    _, _, aux = make_apply(listed, with_aux=True)(*listed.current_params(), x)
    assert isinstance(aux["mask"], list) and aux["mask"][0] is None
    np.testing.assert_array_equal(aux["mask"][1], x != 0)


def test_masking_layer_matches_keras(keras):
    def make(module):
        return module.Sequential([module.Input((5, 3)), module.layers.Masking(mask_value=-1.0),
                                  module.layers.Dense(4, name="per_step"),
                                  module.layers.GlobalAveragePooling1D(),
                                  module.layers.Dense(1, name="o")])

    keras.utils.set_random_seed(5)
    theirs, ours = make(keras), make(kerasish)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(2).normal(size=(3, 5, 3)).astype("float32")
    x[0, 3:] = -1.0
    x[1, 1] = -1.0
    x[2, 0, 0] = -1.0  # one feature only: not masked
    _close(ours(x), theirs(x))
    k_mask = keras.layers.Masking(-1.0)
    o_mask = layers.Masking(-1.0)
    np.testing.assert_array_equal(o_mask.compute_mask(x), k_mask.compute_mask(x))
    _close(o_mask(x), k_mask(x))
    np.testing.assert_array_equal(get_keras_mask(o_mask(x)),
                                  _keras_mask(k_mask(x)))
    assert o_mask.get_config() == {k: v for k, v in k_mask.get_config().items()
                                   if k != "dtype"} | {"dtype": "float32",
                                                       "name": o_mask.name}
    with pytest.raises(ValueError, match=r"`mask_value` must be a number.*Received: "
                                         r"mask_value='pad'"):
        layers.Masking("pad")


def test_compute_mask_matches_keras_on_arrays_and_keras_tensors(keras):
    ids = np.array([[0, 3, 1], [2, 0, 0]], "int32")
    for mask_zero in (True, False):
        theirs = keras.layers.Embedding(5, 2, mask_zero=mask_zero)
        ours = layers.Embedding(5, 2, mask_zero=mask_zero)
        assert ours.supports_masking == theirs.supports_masking == mask_zero
        got, want = ours.compute_mask(ids), theirs.compute_mask(ids)
        if want is None:
            assert got is None
        else:
            np.testing.assert_array_equal(got, want)
    sym_o = layers.Embedding(5, 2, mask_zero=True).compute_mask(
        kerasish.Input((None,), dtype="int32"))
    sym_k = keras.layers.Embedding(5, 2, mask_zero=True).compute_mask(
        keras.Input((None,), dtype="int32"))
    assert isinstance(sym_o, layers.KerasTensor)
    assert sym_o.shape == tuple(sym_k.shape) and sym_o.dtype == sym_k.dtype
    seq = layers.Masking().compute_mask(kerasish.Input((7, 3)))
    assert seq.shape == tuple(keras.layers.Masking().compute_mask(keras.Input((7, 3))).shape)
    # The base layer passes the previous mask on; pooling ends it.
    prev = np.array([[True, False]])
    assert layers.Dense(2).compute_mask(np.ones((1, 2, 3)), prev) is prev
    assert layers.GlobalAveragePooling1D().compute_mask(np.ones((1, 2, 3)), prev) is None


@pytest.mark.parametrize("name,args", [
    ("Dense", (2,)), ("GlobalAveragePooling1D", ()), ("GlobalMaxPooling1D", ()),
    ("GlobalAveragePooling2D", ()), ("MaxPooling1D", ()), ("Masking", ()),
    ("Rescaling", (0.5,)), ("Layer", ()),
])
def test_supports_masking_defaults_match_keras(keras, name, args):
    assert getattr(layers, name)(*args).supports_masking == \
        getattr(keras.layers, name)(*args).supports_masking


def test_supports_masking_follows_compute_mask_override_as_in_keras(keras):
    def make(module):
        class Own(module.layers.Layer):
            def compute_mask(self, inputs, mask=None):
                return mask

        class Plain(module.layers.Layer):
            pass

        return Own().supports_masking, Plain().supports_masking

    assert make(kerasish) == make(keras) == (True, False)
    layer = layers.Layer()
    layer.supports_masking = True
    assert layer.supports_masking


def test_a_layer_without_masking_drops_the_mask_with_keras_warning():
    ids = kerasish.Input((4,), dtype="int32")
    emb = layers.Embedding(6, 2, mask_zero=True)(ids)
    with pytest.warns(UserWarning, match=r"Layer 'flat' \(of type Flatten\) was passed an "
                                         r"input with a mask attached to it"):
        flat = layers.Flatten(name="flat")(emb)
    assert flat._keras_mask is None
    model = kerasish.Model(ids, layers.Dense(1)(flat))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, _, aux = make_apply(model, with_aux=True)(*model.current_params(),
                                                     np.array([[1, 0, 2, 0]]))
    assert aux["mask"] is None


def test_mask_argument_is_filled_from_the_input_and_explicit_mask_wins():
    seen = {}

    class Probe(layers.Layer):
        def call(self, inputs, mask=None):
            seen["mask"] = mask
            return inputs

    emb = layers.Embedding(6, 2, mask_zero=True)
    ids = np.array([[1, 0, 3]])
    with pytest.warns(UserWarning, match="does not support masking"):  # as Keras
        Probe()(emb(ids))  # eager: the mask travels with the eager output
    np.testing.assert_array_equal(seen["mask"], ids != 0)
    Probe()(np.ones((1, 3, 2)))
    assert seen["mask"] is None
    explicit = np.array([[True, True, False]])
    pool = layers.GlobalAveragePooling1D()
    _close(pool(emb(ids), mask=explicit), np.mean(np.asarray(emb(ids))[:, :2], axis=1))


def test_several_tensor_arguments_get_their_own_masks_as_in_keras(keras):
    def make(module, np_like):
        class Pair(module.layers.Layer):
            def call(self, a, b, a_mask=None, b_mask=None):
                out = a + b
                if a_mask is not None:
                    out = out * np_like.expand_dims(np_like.cast(a_mask, "float32"), -1)
                return out

        return Pair

    ids = np.array([[1, 0, 2]], "int32")
    values = {}
    for module, np_like, key in ((keras, keras.ops, "k"), (kerasish, kerasish.ops, "o")):
        emb = module.layers.Embedding(4, 2, mask_zero=True,
                                      embeddings_initializer="ones")
        pair = make(module, np_like)()
        with pytest.warns(UserWarning, match="does not support masking"):  # both warn
            values[key] = np.asarray(pair(emb(ids), np.ones((1, 3, 2), "float32")))
    _close(values["o"], values["k"])
    _close(values["o"][0, 1], [0.0, 0.0])


# -- several tensor arguments: the Endpoint pattern ----------------------------------------
def _endpoint_model(module, style, softmax):
    class LogisticEndpoint(module.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = module.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            # The training loss of this layer, added with add_loss (keras.io example).
            loss = self.loss_fn(targets, logits, sample_weights)
            self.add_loss(loss)
            return softmax(logits)

    inputs = module.Input(shape=(3,), name="inputs")
    targets = module.Input(shape=(10,), name="targets")
    logits = module.layers.Dense(10, name="logits")(inputs)
    predictions = LogisticEndpoint(name="predictions")(logits=logits, targets=targets) \
        if style == "kw" else LogisticEndpoint(name="predictions")(targets, logits)
    return module.Model(inputs=[inputs, targets], outputs=predictions)


@pytest.fixture(scope="module")
def endpoint_data():
    rng = np.random.default_rng(7)
    return (rng.normal(size=(8, 3)).astype("float32"),
            rng.integers(0, 2, size=(8, 10)).astype("float32"))


@pytest.mark.parametrize("style", ["positional", "kw"])
def test_endpoint_pattern_matches_keras(keras, endpoint_data, style):
    x, t = endpoint_data
    keras.utils.set_random_seed(8)
    theirs = _endpoint_model(keras, style, keras.ops.softmax)
    ours = _endpoint_model(kerasish, style, jax.nn.softmax)
    ours.set_weights(theirs.get_weights())
    y_k = theirs([x, t])
    _close(ours([x, t]), y_k)
    assert len(ours.losses) == len(theirs.losses) == 1
    _close(ours.losses, theirs.losses)
    _, _, l_k = theirs.stateless_call(theirs.trainable_variables, [], [x, t], return_losses=True)
    y_o, _, l_o = ours.stateless_call([v.value for v in ours.trainable_variables], [], [x, t],
                                      return_losses=True)
    _close(y_o, y_k)
    _close(l_o, l_k)
    params, state = ours.current_params()
    y, _, aux = jax.jit(make_apply(ours, with_aux=True))(params, state, [x, t])
    _close(y, y_k)
    _close(aux["losses"], l_k)
    assert aux["mask"] is None
    # The graph recorded both tensor arguments as the layer's inbound tensors.
    _, inbound = ours.get_layer("predictions").output._keras_history
    assert {id(tt) for tt in base._flatten_struct(inbound)} == \
        {id(ours.inputs[1]), id(ours.get_layer("logits").output)}


def test_endpoint_keyword_tensor_and_eager_multi_argument_call(keras, endpoint_data):
    x, t = endpoint_data
    w = np.linspace(0.1, 1.0, 8).astype("float32")

    def make(module):
        class Weighted(module.layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.loss_fn = module.losses.BinaryCrossentropy(from_logits=True)

            def call(self, targets, logits, sample_weights=None):
                self.add_loss(self.loss_fn(targets, logits, sample_weights))
                return logits * 1.0

        a = module.Input((3,), name="a")
        tt = module.Input((10,), name="t")
        sw = module.Input((), name="sw")
        logits = module.layers.Dense(10, name="dl")(a)
        out = Weighted(name="weighted")(tt, logits, sample_weights=sw)
        return module.Model([a, tt, sw], out), Weighted

    keras.utils.set_random_seed(9)
    (theirs, k_cls), (ours, o_cls) = make(keras), make(kerasish)
    ours.set_weights(theirs.get_weights())
    _close(ours([x, t, w]), theirs([x, t, w]))
    _close(ours.losses, theirs.losses)
    params, state = ours.current_params()
    _close(jax.jit(make_apply(ours, with_aux=True))(params, state, [x, t, w])[2]["losses"],
           theirs.losses)
    # Eager, on arrays: two positional tensors and a keyword tensor.
    eager_o, eager_k = o_cls(), k_cls()
    logits = np.asarray(theirs.get_layer("dl")(x))
    _close(eager_o(t, logits, sample_weights=w), eager_k(t, logits, sample_weights=w))
    _close(eager_o.losses, eager_k.losses)


def test_recorded_keyword_arguments_are_replayed():
    class Scale(layers.Layer):
        def call(self, x, factor=1.0):
            return x * factor

    inp = kerasish.Input((2,))
    model = kerasish.Model(inp, Scale()(inp, factor=3.0))
    _close(model(np.ones((1, 2))), [[3.0, 3.0]])
    _close(model.predict(np.ones((1, 2)), verbose=0), [[3.0, 3.0]])


def test_eager_masks_do_not_outlive_their_arrays():
    emb = layers.Embedding(6, 2, mask_zero=True)
    out = emb(np.array([[1, 0]]))
    key = id(out)
    assert key in base._EAGER_MASKS
    del out
    assert key not in base._EAGER_MASKS


def test_call_by_keyword_build_by_argument_names_and_unknown_keywords():
    class Gate(layers.Layer):
        def build(self, x_shape, gate_shape):
            self.w = self.add_weight(shape=(x_shape[-1],), initializer="ones", name="w")

        def call(self, x, gate):
            return x * self.w * gate

    x, g = kerasish.Input((3,)), kerasish.Input((1,))
    model = kerasish.Model([x, g], Gate(name="gate")(x, gate=g))
    assert model.get_layer("gate").w.shape == (3,)
    _close(model([np.ones((2, 3)), np.full((2, 1), 2.0)]), np.full((2, 3), 2.0))
    _close(layers.Dense(2, kernel_initializer="ones")(inputs=np.ones((1, 3))), [[3.0, 3.0]])
    with pytest.raises(TypeError, match=r"Layer 'd' \(Dense\) got keyword argument\(s\) "
                                        r"\['scale'\] that its `call\(\)` does not take"):
        layers.Dense(2, name="d")(kerasish.Input((3,)), scale=2.0)
