"""The vision layers and the sequence glue (issues 15, 16) against real Keras 3 (JAX
backend): with Keras's weights copied in by ``set_weights``, the same outputs (under
``jax.jit``) and the same gradients with respect to the inputs and every weight; the
same output shapes, weight names and configs; masks passed on exactly where Keras
passes them; constraints applied in ``fit``; clear errors for bad arguments."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish import layers

C1, C2, C3 = (2, 7, 3), (2, 6, 5, 3), (2, 4, 5, 4, 2)  # (batch, ..., channels)
F2, F3 = (2, 3, 6, 5), (2, 2, 4, 5, 4)                 # channels_first
CF = dict(data_format="channels_first")

CASES = [
    # the most used first
    ("UpSampling2D", dict(), C2),
    ("UpSampling2D", dict(size=(2, 3), interpolation="bilinear"), C2),
    ("UpSampling2D", dict(size=2, interpolation="bicubic", **CF), F2),
    ("UpSampling1D", dict(size=3), C1),
    ("UpSampling3D", dict(size=(1, 2, 2)), C3),
    ("ZeroPadding2D", dict(padding=((1, 0), (2, 3))), C2),
    ("ZeroPadding2D", dict(padding=2, **CF), F2),
    ("ZeroPadding1D", dict(padding=(0, 2)), C1),
    ("ZeroPadding3D", dict(padding=(1, 0, 2)), C3),
    ("Cropping2D", dict(cropping=((1, 0), (2, 1))), C2),
    ("Cropping2D", dict(cropping=1, **CF), F2),
    ("Cropping1D", dict(cropping=(2, 1)), C1),
    ("Cropping3D", dict(cropping=((1, 1), (0, 2), (1, 0))), C3),
    ("Conv3D", dict(filters=3, kernel_size=2), C3),
    ("Conv3D", dict(filters=4, kernel_size=(1, 3, 2), strides=2, padding="same", groups=2,
                    activation="relu"), C3),
    ("Conv3D", dict(filters=2, kernel_size=2, dilation_rate=(1, 2, 1), **CF), F3),
    ("Conv2D", dict(filters=4, kernel_size=3, strides=2, padding="same", **CF), F2),
    ("Conv1D", dict(filters=3, kernel_size=3, padding="causal", data_format="channels_first"),
     (2, 3, 7)),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2), C1),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same",
                             output_padding=1), C1),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same", **CF), F2),
    ("Conv3DTranspose", dict(filters=2, kernel_size=2, strides=2), C3),
    ("Conv3DTranspose", dict(filters=3, kernel_size=(3, 2, 2), strides=(1, 2, 1),
                             padding="same"), C3),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2), C1),
    ("DepthwiseConv1D", dict(kernel_size=2, strides=2, padding="same", dilation_rate=2), C1),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2, **CF), F2),
    ("SeparableConv1D", dict(filters=4, kernel_size=3, depth_multiplier=2), C1),
    ("SeparableConv1D", dict(filters=2, kernel_size=2, padding="same", use_bias=False), C1),
    ("SeparableConv2D", dict(filters=4, kernel_size=3, padding="same", **CF), F2),
    ("MaxPooling3D", dict(), C3),
    ("MaxPooling3D", dict(pool_size=(2, 3, 2), strides=1, padding="same"), C3),
    ("AveragePooling3D", dict(pool_size=2, strides=(1, 2, 1), padding="same"), C3),
    ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same", **CF), F2),
    ("MaxPooling1D", dict(pool_size=2, data_format="channels_first"), (2, 3, 7)),
    ("GlobalAveragePooling3D", dict(), C3),
    ("GlobalMaxPooling3D", dict(keepdims=True), C3),
    ("GlobalAveragePooling2D", dict(keepdims=True, **CF), F2),
    ("GlobalMaxPooling1D", dict(data_format="channels_first"), (2, 3, 7)),
    ("GroupNormalization", dict(groups=3), (2, 4, 6)),
    ("GroupNormalization", dict(groups=2, axis=1, epsilon=0.1), (2, 4, 3, 5)),
    ("GroupNormalization", dict(groups=-1, center=False), C2),
    ("PReLU", dict(alpha_initializer="random_normal"), C2),
    ("PReLU", dict(alpha_initializer="random_normal", shared_axes=[1, 2]), C2),
    ("ELU", dict(alpha=0.7), C2),
    ("RepeatVector", dict(n=3), (2, 5)),
    ("Permute", dict(dims=(2, 1)), C1),
    ("Permute", dict(dims=(3, 1, 2)), C2),
    ("EinsumDense", dict(equation="ab,bc->ac", output_shape=4, bias_axes="c"), (3, 5)),
    ("EinsumDense", dict(equation="abc,cde->abde", output_shape=(None, 2, 3), bias_axes="e",
                         activation="tanh"), C1),
    ("EinsumDense", dict(equation="...b,bc->...c", output_shape=4, bias_axes="c"), C1),
    ("EinsumDense", dict(equation="abc...,bd->adc...", output_shape=(4, 5)), C2),
    ("UnitNormalization", dict(), C1),
    ("UnitNormalization", dict(axis=[1, 2]), C2),
    ("RMSNormalization", dict(), C1),
    ("RMSNormalization", dict(axis=[1, 2], epsilon=0.1), C1),
    ("Identity", dict(), C1),
    ("ActivityRegularization", dict(l1=0.1, l2=0.2), C1),
    ("AdaptiveAveragePooling1D", dict(output_size=3), C1),
    ("AdaptiveAveragePooling2D", dict(output_size=(4, 2)), C2),
    ("AdaptiveAveragePooling3D", dict(output_size=(3, 2, 3), **CF), F3),
    ("AdaptiveMaxPooling1D", dict(output_size=4), C1),
    ("AdaptiveMaxPooling2D", dict(output_size=(4, 3), **CF), F2),
    ("AdaptiveMaxPooling3D", dict(output_size=2), C3),
    # the random layers are the identity outside training
    ("SpatialDropout2D", dict(rate=0.5), C2),
    ("GaussianNoise", dict(stddev=0.5), C1),
    ("AlphaDropout", dict(rate=0.3), C1),
]


def _ids(case):
    name, kwargs, _ = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def twins(keras, name, kwargs, shape):
    """The Keras layer and ours, built on ``shape``, ours holding Keras's weights."""
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(layers, name)(**kwargs)
    theirs.build((None,) + shape[1:])
    ours.build((None,) + shape[1:])
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    return theirs, ours


def _their_grads(theirs, x, r):
    trainable = [v.value for v in theirs.trainable_variables]
    fixed = [v.value for v in theirs.non_trainable_variables]

    def f(trainable, x):
        y, _ = theirs.stateless_call(trainable, fixed, x)
        return jnp.sum(y * r)

    return jax.grad(f, argnums=(0, 1))(trainable, x)


def _our_grads(ours, x, r):
    params, state = ours.current_params()

    def f(params, x):
        y, _ = ours.apply(params, state, x)
        return jnp.sum(y * r)

    grads, dx = jax.grad(f, argnums=(0, 1))(params, x)
    return [grads[ours.name][w.name] for w in ours.trainable_weights], dx


def check_parity(keras, name, kwargs, shape):
    theirs, ours = twins(keras, name, kwargs, shape)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    expected = np.asarray(theirs(x))
    params, state = ours.current_params()
    got, _ = jax.jit(ours.apply)(params, state, x)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-5)
    symbolic = (None,) + shape[1:]
    assert ours.compute_output_shape(symbolic) == tuple(theirs.compute_output_shape(symbolic))
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    r = np.random.default_rng(1).normal(size=expected.shape).astype("float32")
    their_w, their_x = _their_grads(theirs, x, r)
    our_w, our_x = _our_grads(ours, x, r)
    np.testing.assert_allclose(np.asarray(our_x), np.asarray(their_x), rtol=1e-4, atol=1e-5)
    for a, b in zip(our_w, their_w):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
    return float(np.max(np.abs(np.asarray(got) - expected)))


FAST = ["UpSampling2D", "ZeroPadding2D", "Cropping2D", "Conv3D", "GroupNormalization",
        "PReLU", "RepeatVector", "Permute", "EinsumDense"]


@pytest.mark.parametrize("name,kwargs,shape",
                         [c for c in CASES if c[0] in FAST and c is next(
                             d for d in CASES if d[0] == c[0])],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_most_used_layers_match_keras(keras, name, kwargs, shape):
    check_parity(keras, name, kwargs, shape)


@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[_ids(c) for c in CASES])
def test_forward_gradients_and_shape_match_keras(keras, name, kwargs, shape):
    check_parity(keras, name, kwargs, shape)


ALIASES = {
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Convolution1DTranspose": "Conv1DTranspose", "Convolution2DTranspose": "Conv2DTranspose",
    "Convolution3DTranspose": "Conv3DTranspose", "SeparableConvolution1D": "SeparableConv1D",
    "SeparableConvolution2D": "SeparableConv2D", "MaxPool1D": "MaxPooling1D",
    "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D", "AvgPool1D": "AveragePooling1D",
    "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D", "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
}


def test_aliases_are_the_same_classes_as_in_keras(keras, tmp_path):
    """Each alias is its canonical class (so it saves under Keras's canonical name), as
    in Keras; a model built with the aliases loads in Keras and back."""
    for alias, name in ALIASES.items():
        assert getattr(layers, alias) is getattr(layers, name), alias
        assert getattr(keras.layers, alias) is getattr(keras.layers, name), alias
    model = kerasish.Sequential([
        kerasish.Input((8, 8, 3)), layers.Convolution2D(4, 3), layers.MaxPool2D(),
        layers.SeparableConvolution2D(2, 2), layers.AvgPool2D(1), layers.GlobalMaxPool2D()])
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")
    model.save(tmp_path / "aliases.keras")
    theirs = keras.saving.load_model(tmp_path / "aliases.keras")
    assert [type(la).__name__ for la in theirs.layers] == [
        "Conv2D", "MaxPooling2D", "SeparableConv2D", "AveragePooling2D", "GlobalMaxPooling2D"]
    np.testing.assert_allclose(theirs.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-5)
    theirs.save(tmp_path / "back.keras")
    again = kerasish.models.load_model(tmp_path / "back.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-5)


CONFIG_CASES = [
    ("Conv3D", dict(filters=2, kernel_size=3, data_format="channels_first",
                    activity_regularizer="l2", kernel_constraint="non_neg")),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, output_padding=0)),
    ("Conv3DTranspose", dict(filters=2, kernel_size=3, strides=2)),
    ("DepthwiseConv1D", dict(kernel_size=3, depthwise_constraint="unit_norm")),
    ("SeparableConv1D", dict(filters=2, kernel_size=3, pointwise_constraint="non_neg")),
    ("MaxPooling3D", dict(padding="same")), ("AveragePooling3D", dict(pool_size=2)),
    ("GlobalMaxPooling3D", dict(keepdims=True)), ("GlobalAveragePooling3D", dict()),
    ("UpSampling1D", dict(size=3)), ("UpSampling2D", dict(interpolation="lanczos3")),
    ("UpSampling3D", dict(size=(1, 2, 3))), ("ZeroPadding1D", dict(padding=(1, 2))),
    ("ZeroPadding2D", dict(padding=(1, 2))), ("ZeroPadding3D", dict(padding=2)),
    ("Cropping1D", dict(cropping=3)), ("Cropping2D", dict(cropping=((1, 2), (3, 4)))),
    ("Cropping3D", dict(cropping=(1, 2, 3))), ("RepeatVector", dict(n=4)),
    ("Permute", dict(dims=[2, 1])), ("SpatialDropout1D", dict(rate=0.3, seed=2)),
    ("SpatialDropout2D", dict(rate=0.3, data_format="channels_first")),
    ("SpatialDropout3D", dict(rate=0.3)), ("GaussianNoise", dict(stddev=0.2, seed=1)),
    ("GaussianDropout", dict(rate=0.2)), ("AlphaDropout", dict(rate=0.2, noise_shape=(None, 1))),
    ("ActivityRegularization", dict(l1=0.5)),
    ("GroupNormalization", dict(groups=4, gamma_regularizer="l2", beta_constraint="non_neg")),
    ("UnitNormalization", dict(axis=[1, 2])), ("RMSNormalization", dict(epsilon=1e-3)),
    ("PReLU", dict(shared_axes=[1, 2], alpha_initializer="ones")), ("PReLU", dict(shared_axes=2)),
    ("ELU", dict(alpha=0.5)), ("Identity", dict()),
    ("EinsumDense", dict(equation="abc,cd->abd", output_shape=(None, 4), bias_axes="d")),
    ("AdaptiveAveragePooling2D", dict(output_size=3)),
    ("AdaptiveMaxPooling1D", dict(output_size=[2], data_format="channels_first")),
]


@pytest.mark.parametrize("name,kwargs", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_config_matches_keras_and_round_trips(keras, name, kwargs):
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    layer = getattr(layers, name)(**kwargs)
    ours = layer.get_config()
    assert set(ours) == set(theirs)
    for key in set(theirs) - {"name", "dtype"}:
        assert ours[key] == theirs[key], key
    rebuilt = type(layer).from_config(ours)
    assert rebuilt.get_config() == ours
    again = getattr(keras.layers, name).from_config(ours)  # Keras takes our config as is
    assert set(again.get_config()) == set(theirs)


MASK_CASES = ["Permute", "Cropping1D", "ZeroPadding1D", "UpSampling1D", "SpatialDropout1D",
              "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
              "RMSNormalization", "UnitNormalization", "GroupNormalization", "PReLU", "ELU",
              "Identity", "Conv1D", "EinsumDense", "AdaptiveAveragePooling1D"]
MASK_ARGS = {"Permute": dict(dims=(2, 1)), "SpatialDropout1D": dict(rate=0.5),
             "GaussianNoise": dict(stddev=0.1), "GaussianDropout": dict(rate=0.1),
             "AlphaDropout": dict(rate=0.1), "GroupNormalization": dict(groups=3),
             "Conv1D": dict(filters=2, kernel_size=1), "AdaptiveAveragePooling1D": dict(
                 output_size=2),
             "EinsumDense": dict(equation="abc,cd->abd", output_shape=(5, 4))}


FAST_MASKS = {"Permute", "SpatialDropout1D", "RMSNormalization", "Identity"}


@pytest.mark.parametrize("name", [n if n in FAST_MASKS else pytest.param(n, marks=pytest.mark.slow)
                                  for n in MASK_CASES])
def test_masks_pass_exactly_where_keras_passes_them(keras, name):
    """After Embedding(mask_zero=True): the element-wise layers pass the mask on, the
    layers that move or resize axes drop it (with Keras's warning), as Keras does."""
    kwargs = MASK_ARGS.get(name, {})
    masks = []
    for lib in (keras, kerasish):
        x = lib.Input((5,), dtype="int32")
        e = lib.layers.Embedding(10, 3, mask_zero=True)(x)
        with pytest.warns(UserWarning) if name in ("Permute", "Cropping1D", "ZeroPadding1D",
                                                   "UpSampling1D", "RMSNormalization",
                                                   "Conv1D", "EinsumDense",
                                                   "AdaptiveAveragePooling1D") else _nothing():
            y = getattr(lib.layers, name)(**kwargs)(e)
        masks.append(getattr(y, "_keras_mask", None) is not None)
    assert masks[1] == masks[0]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.slow
def test_repeat_vector_and_permute_in_a_sequence_model_fit_like_keras(keras):
    """An encoder-decoder of the classic shape (LSTM -> RepeatVector -> LSTM ->
    TimeDistributed(Dense)), with Permute, Cropping1D and ZeroPadding1D around it:
    the same loss history and weights as Keras after 2 epochs of SGD."""
    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((6, 3)), L.Permute((2, 1)), L.Permute((2, 1)), L.Cropping1D((1, 0)),
            L.ZeroPadding1D((0, 1)), L.Conv1D(4, 2, padding="same"), L.LSTM(5),
            L.RepeatVector(4), L.LSTM(3, return_sequences=True), L.UpSampling1D(2),
            L.TimeDistributed(L.Dense(2))])

    keras.utils.set_random_seed(0)
    theirs, ours = build(keras), build(kerasish)
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 6, 3)).astype("float32")
    y = rng.normal(size=(24, 8, 2)).astype("float32")
    theirs.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    ours.compile(optimizer=kerasish.optimizers.SGD(0.05), loss="mse")
    kh = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    oh = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(oh["loss"], kh["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def _vision(lib):
    L = lib.layers
    return lib.Sequential([
        lib.Input((6, 6, 2)), L.ZeroPadding2D(1),
        L.Conv2D(4, 3, kernel_constraint=lib.constraints.MaxNorm(0.5),
                 bias_constraint="non_neg"),
        L.GroupNormalization(2, gamma_constraint="non_neg", beta_constraint="non_neg"),
        L.PReLU(shared_axes=[1, 2], alpha_constraint="non_neg"), L.UpSampling2D(),
        L.Cropping2D(((1, 1), (2, 0))), L.SeparableConv2D(3, 3, depthwise_constraint="non_neg",
                                                          pointwise_constraint="unit_norm"),
        L.ELU(), L.Reshape((1, 8, 8, 3)),
        L.Conv3D(2, (1, 3, 3), strides=(1, 2, 2), kernel_constraint="non_neg"),
        L.MaxPooling3D((1, 2, 2)), L.GlobalAveragePooling3D(),
        L.EinsumDense("ab,bc->ac", 2, bias_axes="c", kernel_constraint="unit_norm")])


@pytest.mark.slow
def test_vision_model_with_constraints_fits_like_keras(keras):
    """A model of the new layers, weight constraints included (applied after every
    optimizer step), trains to Keras's weights."""
    keras.utils.set_random_seed(1)
    theirs, ours = _vision(keras), _vision(kerasish)
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 6, 6, 2)).astype("float32")
    y = rng.normal(size=(12, 2)).astype("float32")
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=kerasish.optimizers.SGD(0.1), loss="mse")
    kh = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    oh = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(oh["loss"], kh["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    conv = ours.layers[1]
    assert np.all(np.asarray(conv.bias) >= 0)
    norms = np.sqrt(np.sum(np.square(np.asarray(conv.kernel)), axis=0))  # MaxNorm's axis=0
    assert np.all(norms <= 0.5 + 1e-6)


def test_einsum_dense_with_several_leading_axes_elided_keeps_their_order(keras):
    """Keras 3.15's compute_output_shape lists the elided leading axes in reverse
    ((None, 5, 6, 4) for (None, 6, 5, 3) inputs) while its call returns (.., 6, 5, 4);
    kerasish's symbolic shape is the real one. Outputs agree."""
    theirs, ours = twins(keras, "EinsumDense", dict(equation="...b,bc->...c", output_shape=4,
                                                    bias_axes="c"), C2)
    x = np.random.default_rng(0).normal(size=C2).astype("float32")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=1e-5)
    assert ours.compute_output_shape((None, 6, 5, 3)) == (None, 6, 5, 4) == \
        (None,) + tuple(np.asarray(theirs(x)).shape[1:])


# -- weight constraints ------------------------------------------------------------------
NN = "non_neg"
CONSTRAINED = [
    ("Conv1D", dict(filters=2, kernel_size=2, kernel_constraint=NN, bias_constraint=NN), C1),
    ("Conv2D", dict(filters=2, kernel_size=2, kernel_constraint=NN, bias_constraint=NN), C2),
    ("Conv3D", dict(filters=2, kernel_size=2, kernel_constraint=NN, bias_constraint=NN), C3),
    ("Conv1DTranspose", dict(filters=2, kernel_size=2, kernel_constraint=NN,
                             bias_constraint=NN), C1),
    ("Conv2DTranspose", dict(filters=2, kernel_size=2, kernel_constraint=NN,
                             bias_constraint=NN), C2),
    ("Conv3DTranspose", dict(filters=2, kernel_size=2, kernel_constraint=NN,
                             bias_constraint=NN), C3),
    ("DepthwiseConv1D", dict(kernel_size=2, depthwise_constraint=NN, bias_constraint=NN), C1),
    ("DepthwiseConv2D", dict(kernel_size=2, depthwise_constraint=NN, bias_constraint=NN), C2),
    ("SeparableConv1D", dict(filters=2, kernel_size=2, depthwise_constraint=NN,
                             pointwise_constraint=NN, bias_constraint=NN), C1),
    ("SeparableConv2D", dict(filters=2, kernel_size=2, depthwise_constraint=NN,
                             pointwise_constraint=NN, bias_constraint=NN), C2),
    ("GroupNormalization", dict(groups=3, beta_constraint=NN, gamma_constraint=NN), C1),
    ("PReLU", dict(alpha_initializer="random_normal", alpha_constraint=NN), C1),
    ("EinsumDense", dict(equation="abc,cd->abd", output_shape=(7, 2), bias_axes="d",
                         kernel_constraint=NN, bias_constraint=NN), C1),
]


@pytest.mark.parametrize("name,kwargs,shape", [
    c if c[0] in ("Conv2D", "EinsumDense") else pytest.param(*c, marks=pytest.mark.slow)
    for c in CONSTRAINED], ids=[c[0] for c in CONSTRAINED])
def test_every_weight_constraint_is_applied_in_fit(keras, name, kwargs, shape):
    """kernel_constraint, bias_constraint, depthwise_constraint, pointwise_constraint,
    beta_constraint, gamma_constraint and alpha_constraint: after one epoch of SGD the
    constrained weights are non-negative and equal Keras's."""
    def build(lib):
        return lib.Sequential([lib.Input(shape[1:]), getattr(lib.layers, name)(**kwargs),
                               lib.layers.Flatten(), lib.layers.Dense(1)])

    keras.utils.set_random_seed(2)
    theirs, ours = build(keras), build(kerasish)
    # Keras's starting weights, made partly negative so that the constraint has work.
    start = [w - 0.3 for w in theirs.get_weights()]
    theirs.set_weights(start)
    ours.set_weights(start)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8,) + shape[1:]).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    for model, lib in ((theirs, keras), (ours, kerasish)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    constrained = ours.layers[0].weights
    assert constrained and all(np.min(np.asarray(w)) >= 0 for w in constrained)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# -- the random layers -------------------------------------------------------------------
def test_spatial_dropout_drops_whole_channels_at_keras_rate():
    x = np.ones((400, 3, 3, 8), "float32")
    for layer, axes in ((layers.SpatialDropout2D(0.25, seed=1), (1, 2)),
                        (layers.SpatialDropout2D(0.25, data_format="channels_first", seed=1),
                         (2, 3))):
        y = np.asarray(layer(x if axes == (1, 2) else x.transpose(0, 3, 1, 2), training=True))
        per_map = y.max(axis=axes)
        assert np.all(y == np.expand_dims(per_map, axes))  # one decision per feature map
        assert set(np.unique(per_map)) == {0.0, np.float32(1 / 0.75)}
        assert abs((per_map == 0).mean() - 0.25) < 0.03
    y1 = np.asarray(layers.SpatialDropout1D(0.5, seed=0)(np.ones((300, 5, 4)), training=True))
    assert np.all(y1 == y1[:, :1, :]) and abs((y1 == 0).mean() - 0.5) < 0.05
    y3 = layers.SpatialDropout3D(0.5)(np.ones((2, 2, 2, 2, 3)), training=True)
    assert y3.shape == (2, 2, 2, 2, 3)


def test_noise_layers_statistics_match_keras_formulas():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 40)).astype("float32")
    noise = np.asarray(layers.GaussianNoise(0.3, seed=0)(x, training=True)) - x
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.3) < 0.01
    ratio = np.asarray(layers.GaussianDropout(0.2, seed=0)(np.ones((500, 40)), training=True))
    assert abs(ratio.mean() - 1) < 0.01 and abs(ratio.std() - np.sqrt(0.2 / 0.8)) < 0.01
    # AlphaDropout keeps mean 0 and variance 1 of standard-normal inputs; dropped
    # entries all take one value, a * alpha_p + b.
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.3) * (1 + 0.3 * alpha_p ** 2)) ** -0.5
    y = np.asarray(layers.AlphaDropout(0.3, seed=0)(x, training=True))
    dropped = np.isclose(y, a * alpha_p - a * alpha_p * 0.3)
    assert abs(dropped.mean() - 0.3) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    shared = np.asarray(layers.AlphaDropout(0.5, noise_shape=(None, 1), seed=0)(
        np.ones((50, 6)), training=True))
    assert np.all(shared == shared[:, :1])
    for layer in (layers.GaussianNoise(0.3), layers.GaussianDropout(0.3),
                  layers.AlphaDropout(0.3), layers.SpatialDropout1D(0.3)):
        np.testing.assert_array_equal(np.asarray(layer(x[:, :, None])), x[:, :, None])


def test_random_layers_draw_from_the_step_key_in_fit():
    """Inside fit the noise comes from the step's key: the same seed gives the same
    weights, bit for bit; another seed, other weights."""
    def run(seed):
        kerasish.utils.set_random_seed(seed)
        model = kerasish.Sequential([
            kerasish.Input((4, 3)), layers.GaussianNoise(0.5), layers.SpatialDropout1D(0.3),
            layers.Flatten(), layers.GaussianDropout(0.3), layers.AlphaDropout(0.2),
            layers.Dense(1, kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss="mse")
        rng = np.random.default_rng(0)
        model.fit(rng.normal(size=(16, 4, 3)), rng.normal(size=(16, 1)), batch_size=8,
                  epochs=1, verbose=0, shuffle=False)
        return model.get_weights()

    first, again, other = run(0), run(0), run(1)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first[0], other[0])


def test_activity_regularization_adds_keras_loss(keras):
    x = np.array([[1.0, -2.0], [0.5, 0.0]], "float32")
    ours, theirs = layers.ActivityRegularization(0.1, 0.2), keras.layers.ActivityRegularization(
        0.1, 0.2)
    ours(x), theirs(x)
    np.testing.assert_allclose([float(v) for v in ours.losses],
                               [float(v) for v in theirs.losses], rtol=1e-6)
    # (0.1 * 3.5 + 0.2 * 5.25) / batch of 2
    np.testing.assert_allclose(float(ours.losses[0]), 0.7, rtol=1e-6)


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("make,match", [
    (lambda: layers.ZeroPadding2D(((1, 2, 3), (0, 0))), r"`padding` should be .*entry 0"),
    (lambda: layers.ZeroPadding2D((1, 2, 3)), r"`padding` should be .*Received: padding="),
    (lambda: layers.ZeroPadding1D(-1), r"`padding` argument must be a tuple of 2 non-negative"),
    (lambda: layers.Cropping2D("a"), r"`cropping` should be"),
    (lambda: layers.Cropping3D((1, 1)), r"`cropping` should be .*3 ints"),
    (lambda: layers.UpSampling2D(interpolation="cubic"), r"`interpolation` argument must be"),
    (lambda: layers.UpSampling1D(0), r"`size` argument must be a positive integer"),
    (lambda: layers.RepeatVector(0), r"`n`"),
    (lambda: layers.Permute((1, 3)), r"Invalid permutation argument `dims`"),
    (lambda: layers.Conv3D(2, 3, data_format="NDHWC"), r"`data_format` argument must be"),
    (lambda: layers.Conv1DTranspose(0, 3), r"`filters`"),
    (lambda: layers.MaxPooling3D(pool_size=(2, 2)), r"`pool_size` argument must be a tuple of 3"),
    (lambda: layers.GroupNormalization(groups=0), r"`groups`"),
    (lambda: layers.UnitNormalization(axis="last"), r"`axis`"),
    (lambda: layers.RMSNormalization(epsilon=-1.0), r"`epsilon`"),
    (lambda: layers.PReLU(shared_axes=[0]), r"`shared_axes`"),
    (lambda: layers.ELU(alpha="one"), r"`alpha`"),
    (lambda: layers.EinsumDense("ab->b", 3), r"Invalid einsum equation"),
    (lambda: layers.EinsumDense("ab,bc->ac", 3, lora_rank=4), r"`lora_rank`"),
    (lambda: layers.EinsumDense("ab,bc->ac", (0,)), r"`output_shape`"),
    (lambda: layers.GaussianNoise(1.5), r"`stddev`. Expected a float value between 0 and 1"),
    (lambda: layers.GaussianDropout(-0.1), r"`rate`"),
    (lambda: layers.AlphaDropout(0.1, noise_shape=(0,)), r"`noise_shape`"),
    (lambda: layers.SpatialDropout2D(0.5, data_format="x"), r"`data_format`"),
    (lambda: layers.ActivityRegularization(l1=-1), r"`l1`"),
    (lambda: layers.AdaptiveAveragePooling2D((2, 2, 2)), r"`output_size`"),
])
def test_bad_arguments_name_the_argument(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


@pytest.mark.parametrize("make,x,match", [
    (lambda: layers.Conv3D(2, 2), (2, 4, 4, 3), r"expects inputs of rank 5, \(batch, depth, "
                                                r"height, width, channels\)"),
    (lambda: layers.UpSampling2D(), (2, 4, 3), r"expects inputs of rank 4"),
    (lambda: layers.ZeroPadding3D(), (2, 4, 3), r"expects inputs of rank 5"),
    (lambda: layers.Cropping2D(2), (1, 4, 6, 1), r"values in `cropping` should be smaller"),
    (lambda: layers.Cropping1D((3, 3)), (1, 6, 1), r"cropping=\(3, 3\)"),
    (lambda: layers.RepeatVector(2), (2, 3, 4), r"expects inputs of rank 2"),
    (lambda: layers.Permute((2, 1)), (2, 3), r"dims=\(2, 1\) expects inputs of rank 3"),
    (lambda: layers.SpatialDropout2D(0.5), (2, 3, 4), r"expects inputs of rank 4"),
    (lambda: layers.GroupNormalization(4), (2, 3, 6), r"Number of groups \(4\) must divide"),
    (lambda: layers.AdaptiveMaxPooling1D(5), (1, 3, 2), r"cannot be larger than the input"),
    (lambda: layers.EinsumDense("abc,cd->abd", (None, 4)), (2, 3), r"expects inputs of rank 3"),
    (lambda: layers.EinsumDense("abc,cd->abd", 4), (2, 3, 5), r"`output_shape` must give one"),
])
def test_bad_inputs_say_what_was_expected(make, x, match):
    with pytest.raises(ValueError, match=match):
        make()(np.ones(x, "float32"))
