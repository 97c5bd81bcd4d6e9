"""``ops.image.extract_patches_3d`` against Keras 3's, value for value (the patches are
copies of the input, so the comparison is exact), and its argument checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish.ops._image_patches3d import extract_patches_3d

CASES = [  # size, strides, dilation_rate, padding
    (2, None, 1, "valid"),
    ((2, 3, 1), (1, 2, 3), 1, "same"),
    ((3, 2, 2), 1, (2, 1, 2), "valid"),
    ((3, 2, 2), (2, 1, 3), (2, 1, 2), "same"),
    ((2, 2, 2), [3, 3, 3], 1, "VALID"),  # strides larger than the patch: gaps
]


def _volumes(data_format):
    x = np.random.default_rng(0).normal(size=(2, 7, 6, 9, 3)).astype("float32")
    return x if data_format == "channels_last" else np.moveaxis(x, -1, 1)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("size,strides,dilation_rate,padding", CASES)
def test_equals_keras(keras, data_format, size, strides, dilation_rate, padding):
    x = _volumes(data_format)
    for volumes in (x, x[0]):  # batched and one volume
        theirs = keras.ops.image.extract_patches_3d(volumes, size, strides, dilation_rate,
                                                    padding, data_format)
        ours = extract_patches_3d(volumes, size, strides, dilation_rate, padding, data_format)
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


@pytest.mark.parametrize("dtype", ["int32", "bool", "bfloat16"])
def test_dtypes_equal_keras(keras, dtype):
    x = (np.arange(2 * 5 * 5 * 5 * 2).reshape(2, 5, 5, 5, 2) % 7).astype("float32")
    x = jnp.asarray(x).astype(dtype)
    theirs = keras.ops.image.extract_patches_3d(x, 2, strides=1, padding="same")
    ours = extract_patches_3d(x, 2, strides=1, padding="same")
    assert ours.dtype == theirs.dtype == x.dtype
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_defaults_and_global_data_format(keras):
    x = _volumes("channels_first")
    kerasish.config.set_image_data_format("channels_first")
    keras.config.set_image_data_format("channels_first")
    try:
        ours, theirs = extract_patches_3d(x, 3), keras.ops.image.extract_patches_3d(x, 3)
    finally:
        kerasish.config.set_image_data_format("channels_last")
        keras.config.set_image_data_format("channels_last")
    assert ours.shape == (2, 81, 2, 2, 3)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_layout_is_depth_row_column_channel():
    x = np.arange(2 * 2 * 2 * 2, dtype="float32").reshape(1, 2, 2, 2, 2)
    patch = np.asarray(extract_patches_3d(x, 2))[0, 0, 0, 0]
    np.testing.assert_array_equal(patch, x.reshape(-1))


def test_under_jit_and_grad():
    x = _volumes("channels_last")
    f = jax.jit(lambda v: extract_patches_3d(v, (2, 2, 3), strides=1, padding="same"))
    np.testing.assert_array_equal(
        np.asarray(f(x)),
        np.asarray(extract_patches_3d(x, (2, 2, 3), strides=1, padding="same")))
    # Each voxel is copied once per patch that holds it: the gradient of the sum counts them.
    grad = jax.grad(lambda v: extract_patches_3d(v, 2, strides=1).sum())(x[:1, :3, :3, :3])
    assert float(grad[0, 1, 1, 1, 0]) == 8.0 and float(grad[0, 0, 0, 0, 0]) == 1.0


def test_infinity_stays_in_its_feature():
    # Keras's identity convolution spreads 0 * inf = NaN over the whole patch.
    x = np.zeros((1, 2, 2, 2, 1), "float32")
    x[0, 0, 0, 0, 0] = np.inf
    ours = np.asarray(extract_patches_3d(x, 2))[0, 0, 0, 0]
    assert ours[0] == np.inf and not np.isnan(ours).any() and (ours[1:] == 0).all()


def test_symbolic_input_in_a_model(keras):
    inputs = kerasish.Input((6, 6, 6, 2))
    outputs = extract_patches_3d(inputs, 2, strides=1)
    assert outputs.shape == (None, 5, 5, 5, 16)
    assert extract_patches_3d(kerasish.Input((None, 6, 6, 2)), 2, padding="same").shape == \
        (None, None, 3, 3, 16)
    x = _volumes("channels_last")[:, :6, :6, :6, :2]
    np.testing.assert_array_equal(
        kerasish.Model(inputs, outputs).predict(x, verbose=0),
        np.asarray(keras.ops.image.extract_patches_3d(x, 2, strides=1)))


def test_a_variable_is_read():
    x = _volumes("channels_last")
    v = kerasish.Variable(x)
    np.testing.assert_array_equal(np.asarray(extract_patches_3d(v, 2)),
                                  np.asarray(extract_patches_3d(x, 2)))


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(size=(2, 2)), TypeError, r"`size`.*tuple of 3 ints.*extract_patches.*length 2"),
    (dict(size=(2, 2, 2, 2)), TypeError, r"`size`.*length 4"),
    (dict(size="2"), TypeError, r"`size`.*Received: size='2' of type str"),
    (dict(size=0), ValueError, r"`size`.*positive integer.*size=\(0, 0, 0\)"),
    (dict(size=2, strides=(1, 2)), TypeError, r"`strides`.*length 2"),
    (dict(size=2, strides=0), ValueError, r"`strides`.*positive"),
    (dict(size=2, dilation_rate=(1, 0, 1)), ValueError, r"`dilation_rate`.*positive"),
    (dict(size=2, padding="full"), ValueError,
     r"`padding`.*\('valid', 'same'\). Received: padding='full'"),
    (dict(size=2, data_format="channels_middle"), ValueError, r"`data_format`"),
    (dict(size=8), ValueError, r"no patch.*\(7, 6, 9\).*Use a smaller `size`"),
])
def test_bad_arguments_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        extract_patches_3d(_volumes("channels_last"), **kwargs)


def test_bad_rank_is_refused():
    with pytest.raises(ValueError, match=r"rank 4 .* or rank 5 .*volumes.shape=\(6, 9, 3\)"):
        extract_patches_3d(np.zeros((6, 9, 3), "float32"), 2)
