"""kerasish.ops.image against keras.ops.image (Keras 3 on JAX): the same numbers for
every op and option, and the same refusals."""

import numpy as np
import pytest

from kerasish.ops import image

_RNG = np.random.default_rng(0)
X = _RNG.random((2, 9, 7, 3)).astype("float32")
XCF = np.ascontiguousarray(np.transpose(X, (0, 3, 1, 2)))
BYTES = (X * 255).astype("uint8")
T = np.array([[1.1, 0.2, -1, 0.1, 0.9, 0.5, 0, 0], [0.8, -0.3, 2, 0.2, 1.2, -1, 0, 0]],
             "float32")
START = np.array([[[0, 0], [6, 0], [0, 8], [6, 8]]] * 2, "float32")
END = np.array([[[1, 0.5], [5, 0], [0, 7], [6, 8.5]], [[0, 0], [6, 1], [1, 8], [6, 7]]],
               "float32")
COORDS = (_RNG.random((2, 5, 4)) * 8 - 1).astype("float32")
A = _RNG.random((2, 16, 16, 3)).astype("float32")
B = np.clip(A + 0.1 * _RNG.normal(size=A.shape), 0, 1).astype("float32")

# (op, positional arguments, keyword arguments)
CASES = [
    *[("resize", (X, (5, 11)), dict(interpolation=m, antialias=a))
      for m in ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5") for a in (False, True)],
    ("resize", (X, (4, 8)), dict(crop_to_aspect_ratio=True)),
    ("resize", (X, (4, 8)), dict(pad_to_aspect_ratio=True, fill_value=2.0,
                                 fill_mode="constant")),
    ("resize", (X, (8, 4)), dict(pad_to_aspect_ratio=True, fill_value=-1.0)),
    ("resize", (XCF, (4, 8)), dict(pad_to_aspect_ratio=True, data_format="channels_first")),
    ("resize", (BYTES, (5, 4)), {}),
    *[("affine_transform", (X, T), dict(interpolation=i, fill_mode=f, fill_value=0.5))
      for i in ("bilinear", "nearest")
      for f in ("constant", "nearest", "wrap", "mirror", "reflect")],
    ("affine_transform", (XCF, T), dict(data_format="channels_first")),
    ("affine_transform", (X[0], T[0]), {}),
    ("perspective_transform", (X, START, END), {}),
    ("perspective_transform", (X, START, END), dict(interpolation="nearest", fill_value=0.5)),
    ("perspective_transform", (XCF, START, END), dict(data_format="channels_first")),
    *[("map_coordinates", (X[0, :, :, 0], COORDS, order), dict(fill_mode=f, fill_value=0.3))
      for order in (0, 1) for f in ("constant", "nearest", "wrap", "mirror", "reflect")],
    ("crop_images", (X,), dict(top_cropping=1, left_cropping=2, target_height=5,
                               right_cropping=1)),
    ("crop_images", (XCF,), dict(bottom_cropping=2, target_width=3, top_cropping=1,
                                 left_cropping=1, data_format="channels_first")),
    ("pad_images", (X,), dict(top_padding=1, left_padding=2, target_height=12,
                              right_padding=1)),
    ("pad_images", (XCF,), dict(bottom_padding=2, target_width=9, top_padding=0,
                                left_padding=1, data_format="channels_first")),
    ("rgb_to_grayscale", (X,), {}),
    ("rgb_to_grayscale", (XCF,), dict(data_format="channels_first")),
    ("rgb_to_hsv", (X,), {}), ("rgb_to_hsv", (XCF,), dict(data_format="channels_first")),
    ("hsv_to_rgb", (X,), {}), ("hsv_to_rgb", (XCF,), dict(data_format="channels_first")),
    ("gaussian_blur", (X,), dict(data_format="channels_last")),
    ("gaussian_blur", (X,), dict(kernel_size=(3, 5), sigma=(0.7, 2.0),
                                 data_format="channels_last")),
    ("gaussian_blur", (XCF,), dict(kernel_size=(5, 3), data_format="channels_first")),
    ("extract_patches", (X, 3), {}),
    ("extract_patches", (X, (2, 3)), dict(strides=(1, 2))),
    ("extract_patches", (X, 3), dict(strides=1, dilation_rate=2, padding="same")),
    ("extract_patches", (XCF, 3), dict(data_format="channels_first")),
    ("sobel_edges", (X,), {}), ("sobel_edges", (XCF,), dict(data_format="channels_first")),
    ("scale_and_translate", (X, (2, 12, 5, 3), np.array([1.3, 0.7]), np.array([0.5, -1.0]),
                             (1, 2), "cubic"), {}),
    ("scale_and_translate", (X, (2, 4, 5, 3), np.array([0.4, 0.7]), np.array([0.5, -1.0]),
                             (1, 2), "linear"), dict(antialias=False)),
    ("elastic_transform", (A,), dict(seed=3)),
    ("elastic_transform", (A,), dict(alpha=5.0, sigma=2.0, fill_mode="constant",
                                     fill_value=0.5, interpolation="nearest", seed=5)),
    ("elastic_transform", (np.ascontiguousarray(np.transpose(A, (0, 3, 1, 2))),),
     dict(seed=4, data_format="channels_first")),
    ("ssim", (A, B), {}),
    ("ssim", (A * 255, B * 255), dict(max_val=255.0, filter_size=7, filter_sigma=1.0,
                                      k1=0.02, k2=0.05)),
    ("ssim", (np.transpose(A, (0, 3, 1, 2)), np.transpose(B, (0, 3, 1, 2))),
     dict(data_format="channels_first")),
]


def _id(case):
    return f"{case[0]}-{sorted(case[2].items())}"[:90]


def _tiered(cases):
    """The first case of each op runs in the fast tier; the rest of the grid is slow."""
    seen, out = set(), []
    for case in cases:
        marks = [pytest.mark.slow] if case[0] in seen else []
        seen.add(case[0])
        out.append(pytest.param(case, id=_id(case), marks=marks))
    return out


@pytest.mark.parametrize("case", _tiered(CASES))
def test_op_matches_keras(keras, case):
    name, args, kwargs = case
    ours = np.asarray(getattr(image, name)(*args, **kwargs))
    theirs = np.asarray(getattr(keras.ops.image, name)(*args, **kwargs))
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours.astype("float64"), theirs.astype("float64"),
                               atol=1e-5, rtol=1e-5)


def test_projective_rows_divide_as_documented():
    """c0, c1 != 0: output pixel (x, y) reads ((a0 x + a1 y + a2) / k, ...) with
    k = c0 x + c1 y + 1 (Keras's JAX backend drops c0, c1)."""
    x = np.arange(16.0, dtype="float32").reshape(4, 4, 1)
    t = np.array([1, 0, 0, 0, 1, 0, 0.5, 0], "float32")  # k = 1 + x/2: reads (x/k, y/k)
    out = np.asarray(image.affine_transform(x, t, interpolation="nearest"))[..., 0]
    for y in range(4):
        for col in range(4):
            k = 1 + 0.5 * col
            assert out[y, col] == x[int(np.floor(y / k + 0.5)), int(np.floor(col / k + 0.5)), 0]


def test_gaussian_blur_default_layout_is_channels_last(keras):
    """Keras 3's JAX backend reads data_format=None as channels_first in this one op;
    kerasish follows image_data_format() ("channels_last"), as the docs say."""
    ours = np.asarray(image.gaussian_blur(X))
    theirs = np.asarray(keras.ops.image.gaussian_blur(X, data_format="channels_last"))
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


@pytest.mark.parametrize("call,match", [
    (lambda: image.resize(X, (4, 4), interpolation="area"), "interpolation"),
    (lambda: image.resize(X, (4, 4), fill_mode="reflect"), "fill_mode"),
    (lambda: image.resize(X, (4, 4), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     "pad_to_aspect_ratio"),
    (lambda: image.resize(X, (4,)), "size"),
    (lambda: image.resize(X[0, 0], (4, 4)), "rank"),
    (lambda: image.resize(X, (4, 4), data_format="nhwc"), "data_format"),
    (lambda: image.affine_transform(X, T, interpolation="bicubic"), "interpolation"),
    (lambda: image.affine_transform(X, T, fill_mode="edge"), "fill_mode"),
    (lambda: image.affine_transform(X, T[:, :6]), "transform"),
    (lambda: image.map_coordinates(X[0, :, :, 0], COORDS, order=3), "order"),
    (lambda: image.map_coordinates(X[0], COORDS, order=1), "coordinates"),
    (lambda: image.crop_images(X, 1, 1), "target_height"),
    (lambda: image.pad_images(X, top_padding=-1, bottom_padding=1, left_padding=0,
                              right_padding=0), "top_padding"),
    (lambda: image.perspective_transform(X, START[:, :3], END[:, :3]), "start_points"),
    (lambda: image.extract_patches(X, (2, 2, 2)), "size"),
    (lambda: image.rgb_to_hsv(BYTES), "dtype"),
    (lambda: image.rgb_to_grayscale(X[..., :2]), "channel"),
    (lambda: image.scale_and_translate(X, X.shape, [1, 1], [0, 0], (1, 2), "area"),
     "method"),
])
def test_bad_arguments_are_refused_by_name(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_ops_work_under_jit_and_grad():
    import jax

    f = jax.jit(lambda x: image.affine_transform(x, T).sum() + image.resize(x, (4, 4)).sum())
    g = jax.grad(lambda x: image.affine_transform(x, T).sum())(X)
    assert np.isfinite(float(f(X))) and g.shape == X.shape and float(abs(g).sum()) > 0
