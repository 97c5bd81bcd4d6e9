"""Property tests: every loss, activation and optimizer against a float64 numpy reference.

Hypothesis draws shapes (batch sizes from 1 to 4096), options, and values that include
the extremes: logits up to +-1e4, probabilities at exactly 0 and 1, labels at exactly 0
and 1, gradients from 1e-8 to 1e3. The references below are written from Keras 3's
formulas (``keras/src/losses/losses.py``, ``keras/src/backend/jax/nn.py``,
``keras/src/optimizers/*.py``) in float64, independently of kerasish and of JAX.

What "equal" means. kerasish computes in float32; the reference takes the same float32
inputs and computes in float64, then rounds to float32 (so that ``exp(89)`` overflows in
both). Values must agree to ``RTOL`` (a few float32 ulps) relative to the reference, or
to ``TINY`` absolutely (XLA on CPU flushes float32 subnormals, < 1.2e-38, to zero).
Only where float32 itself cannot do better is an absolute tolerance added, each with its
reason next to it: ``log(sum(exp))`` of a sum within 1e-7 of 1 rounds to 0 (log-softmax
based losses), and ``1 + tanh(z)`` cancels for ``z << 0`` (tanh-approximated GELU). Keras
computes those the same way.

Every kerasish function runs under ``jax.jit``; gradients come from ``jax.grad`` of the
summed output and must be finite wherever the value is finite.

Hypothesis is configured per test with ``deadline=None`` (the first call of a new shape
compiles) and no example database, so the suite writes no files; a failure prints the
falsifying example (re-run it with ``@reproduce_failure`` as Hypothesis suggests).
"""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special

from kerasish import activations, losses, optimizers

RTOL = 1e-5                # float32 has 2**-24 ~ 6e-8 relative precision; ~100 ulps of slack
TINY = np.finfo(np.float32).tiny  # below this XLA's CPU backend may flush to zero
LOG_ATOL = 2e-6            # absolute error of float32 log(s) for s within a few ulps of 1
EPS = np.float32(1e-7)     # Keras's epsilon, as the float32 the clip actually uses
ONE_MINUS_EPS = np.float32(1.0) - EPS  # 0.99999988, rounded in float32 as in Keras

PROPERTY = settings(deadline=None, max_examples=30, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- helpers
def assert_close(got, ref, rtol=RTOL, atol=0.0, what="value"):
    """``got`` (float32, from kerasish) against a float64 reference, elementwise."""
    got = np.asarray(got)
    assert got.dtype == np.float32, f"{what}: expected float32, got {got.dtype}"
    ref = np.asarray(ref, np.float64)
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != reference {ref.shape}"
    with np.errstate(over="ignore", invalid="ignore"):
        ref32 = ref.astype(np.float32).astype(np.float64)  # float32 overflow, as kerasish
    got = got.astype(np.float64)
    nan_got, nan_ref = np.isnan(got), np.isnan(ref32)
    assert np.array_equal(nan_got, nan_ref), (
        f"{what}: NaN at {np.argwhere(nan_got != nan_ref)[:5].tolist()} "
        f"(got {got[nan_got != nan_ref][:5]}, reference {ref32[nan_got != nan_ref][:5]})")
    inf_got, inf_ref = np.isinf(got), np.isinf(ref32)
    assert np.array_equal(got[inf_got | inf_ref], ref32[inf_got | inf_ref]), (
        f"{what}: infinities differ at {np.argwhere(inf_got != inf_ref)[:5].tolist()}")
    finite = np.isfinite(got) & np.isfinite(ref32)
    with np.errstate(invalid="ignore"):  # inf - inf where both overflowed
        err = np.abs(got - ref)[finite]
    bound = (np.maximum(atol, TINY) + rtol * np.abs(ref))
    bound = np.broadcast_to(bound, got.shape)[finite]
    if err.size and np.any(err > bound):
        i = int(np.argmax(err / bound))
        flat = np.flatnonzero(finite)[i]
        raise AssertionError(
            f"{what}: {int((err > bound).sum())} of {err.size} entries off. Worst at flat "
            f"index {flat}: got {got.flat[flat]!r}, reference {ref.flat[flat]!r}, "
            f"|error| {err[i]:.3g} > bound {bound[i]:.3g}")


def assert_finite_where(grad, finite_values, what):
    """``grad`` (shape of y_pred) is finite wherever the per-sample value is finite."""
    grad = np.asarray(grad)
    finite = np.broadcast_to(np.asarray(finite_values)[..., None], grad.shape)
    bad = finite & ~np.isfinite(grad)
    assert not bad.any(), f"{what}: {int(bad.sum())} non-finite gradient entries where the loss is finite"


def log_sigmoid64(x):
    return -np.logaddexp(0.0, -x)


def log_softmax64(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def softmax64(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def f64(a):
    return np.asarray(a, np.float32).astype(np.float64)


# ------------------------------------------------------------------------ strategies
# Shapes come from short menus (batch 1 to 4096): each new shape is a new XLA program,
# and a menu keeps the file's compile time bounded while covering tiny and big batches.
BATCH = st.sampled_from([1, 33, 4096])
SCALE = st.sampled_from([1e-3, 1.0, 10.0, 100.0, 1e4])


@st.composite
def logits(draw, shape):
    """float32 values at a drawn scale, with some entries forced to +-1e4, 0 and +-1e-30."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=shape) * draw(SCALE)
    # +-1e4, zeros of both signs, a subnormal, exp's float32 overflow (88.7), sigmoid's
    # rounding to 1 (17), and the kinks of relu6 / hard_sigmoid (+-3, 6).
    extremes = np.array([1e4, -1e4, 0.0, -0.0, 1e-45, -1e-30, 88.0, 89.0, -88.0, 17.0,
                         -17.0, 3.0, -3.0, 6.0])
    hit = rng.random(shape) < draw(st.sampled_from([0.0, 0.05, 0.5]))
    x[hit] = rng.choice(extremes, size=int(hit.sum()))
    return np.clip(x, -1e4, 1e4).astype(np.float32)


@st.composite
def probabilities(draw, shape, normalise):
    """float32 probabilities with exact 0s and 1s; rows sum to 1 when ``normalise``."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["uniform", "peaked", "one_hot", "edges"]))
    if kind == "uniform":
        p = rng.random(shape)
    elif kind == "peaked":
        p = softmax64(rng.normal(size=shape) * 20.0)
    elif kind == "one_hot":
        p = np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]
    else:  # exact 0 / 1, and values within one float32 ulp of them
        p = rng.choice(np.array([0.0, 1.0, 1e-8, 1 - 6e-8, 0.5]), size=shape)
    if normalise:
        p = p / p.sum(-1, keepdims=True) if np.all(p.sum(-1) > 0) else np.eye(shape[-1])[
            np.zeros(shape[:-1], int)]
    return p.astype(np.float32)


@st.composite
def binary_labels(draw, shape):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        return rng.integers(0, 2, size=shape).astype(np.float32)  # exact 0 and 1
    return rng.random(shape).astype(np.float32)  # soft labels


@st.composite
def one_hot_labels(draw, shape):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        return np.eye(shape[-1], dtype=np.float32)[rng.integers(0, shape[-1], size=shape[:-1])]
    soft = rng.random(shape)
    return (soft / soft.sum(-1, keepdims=True)).astype(np.float32)


# ------------------------------------------------------------------ loss references
def ref_binary_crossentropy(y, p, from_logits, label_smoothing):
    y = np.asarray(y, np.float32)
    if label_smoothing:  # in float32, as Keras: it decides what 1 - y rounds to
        y = y * np.float32(1.0 - label_smoothing) + np.float32(0.5 * label_smoothing)
    y, p = f64(y), f64(p)
    if from_logits:
        per = -y * log_sigmoid64(p) - (1.0 - y) * log_sigmoid64(-p)
    else:
        pc = np.clip(np.asarray(p, np.float32), EPS, ONE_MINUS_EPS)
        # Keras's formula takes log(1 - p) of the float32 1 - p: mirror that rounding.
        per = -(y * np.log(f64(pc)) + (1.0 - y) * np.log(f64(np.float32(1.0) - pc)))
    return per.mean(-1)


def ref_categorical_crossentropy(y, p, from_logits, label_smoothing):
    y = np.asarray(y, np.float32)
    if label_smoothing:
        y = y * np.float32(1.0 - label_smoothing) + np.float32(label_smoothing / y.shape[-1])
    y, p = f64(y), f64(p)
    if from_logits:
        log_p = log_softmax64(p)
    else:
        # Keras renormalises in float32 before clipping: the clip bounds are float32.
        q = np.asarray(p / p.sum(-1, keepdims=True), np.float32)
        log_p = np.log(np.clip(f64(q), f64(EPS), f64(ONE_MINUS_EPS)))
    return -(y * log_p).sum(-1)


def ref_sparse_categorical_crossentropy(labels, p, from_logits, ignore_class):
    p = f64(p)
    if from_logits:
        log_p = log_softmax64(p)
    else:
        q = np.asarray(p / p.sum(-1, keepdims=True), np.float32)
        log_p = np.log(np.clip(f64(q), f64(EPS), f64(ONE_MINUS_EPS)))
    keep = np.ones(labels.shape, bool) if ignore_class is None else labels != ignore_class
    safe = np.where(keep, labels, 0).astype(int)
    nll = -np.take_along_axis(log_p, safe[..., None], axis=-1)[..., 0]
    return np.where(keep, nll, 0.0)


def ref_huber(y, p, delta):
    e = f64(p) - f64(y)
    a = np.abs(e)
    return np.where(a <= delta, 0.5 * e * e, delta * a - 0.5 * delta * delta).mean(-1)


_JITTED = {}


def cached_jit(key, make):
    """One ``jax.jit`` per configuration, reused across examples: shapes come from small
    menus, so most examples hit the compiled-program cache instead of compiling."""
    if key not in _JITTED:
        _JITTED[key] = jax.jit(make())
    return _JITTED[key]


def loss_and_grad(fn, y, p, **static):
    """Per-sample losses and d(sum of losses)/d(y_pred), from one jitted program."""
    def make():
        def both(y, p):
            value = fn(y, p, **static)
            return value, jax.grad(lambda p_: jnp.sum(fn(y, p_, **static)))(p)
        return both
    value, grad = cached_jit((fn, tuple(sorted(static.items()))), make)(y, p)
    return np.asarray(value), np.asarray(grad)


# --------------------------------------------------------------------- loss properties
@pytest.mark.slow
@PROPERTY
@given(data=st.data(), shape=st.sampled_from([(1, 1), (33, 5), (4096, 2)]),
       from_logits=st.booleans(), label_smoothing=st.sampled_from([0.0, 0.0, 0.1]))
def test_binary_crossentropy(data, shape, from_logits, label_smoothing):
    width = shape[-1]
    y = data.draw(binary_labels(shape))
    p = data.draw(logits(shape) if from_logits else probabilities(shape, normalise=False))
    got, grad = loss_and_grad(losses.binary_crossentropy, y, p, from_logits=from_logits,
                              label_smoothing=label_smoothing)
    ref = ref_binary_crossentropy(y, p, from_logits, label_smoothing)
    assert_close(got, ref, what="binary_crossentropy")
    assert np.isfinite(got).all(), "binary cross-entropy must be finite for any input"
    assert_finite_where(grad, np.isfinite(got), "binary_crossentropy gradient")
    if from_logits:
        # d/dx of the mean over the last axis: (sigmoid(x) - y_smoothed) / width
        ys = np.asarray(y, np.float32)
        if label_smoothing:
            ys = ys * np.float32(1 - label_smoothing) + np.float32(0.5 * label_smoothing)
        ref_grad = (special.expit(f64(p)) - f64(ys)) / width
        assert_close(grad, ref_grad, rtol=1e-4, atol=1e-7 / width, what="gradient")


@pytest.mark.slow
@PROPERTY
@given(data=st.data(), shape=st.sampled_from([(1, 2), (33, 10), (4096, 4), (5, 3, 4)]),
       from_logits=st.booleans(), label_smoothing=st.sampled_from([0.0, 0.0, 0.2]))
def test_categorical_crossentropy(data, shape, from_logits, label_smoothing):
    classes = shape[-1]
    y = data.draw(one_hot_labels(shape))
    p = data.draw(logits(shape) if from_logits else probabilities(shape, normalise=True))
    got, grad = loss_and_grad(losses.categorical_crossentropy, y, p, from_logits=from_logits,
                              label_smoothing=label_smoothing)
    ref = ref_categorical_crossentropy(y, p, from_logits, label_smoothing)
    # Log-softmax: log(sum(exp(x - max))) of a sum within ulps of 1 rounds to 0 in float32,
    # so a loss of 1e-10 can come out as 0 (Keras and optax do the same).
    assert_close(got, ref, atol=LOG_ATOL, what="categorical_crossentropy")
    assert np.isfinite(got).all()
    assert_finite_where(grad, np.isfinite(got), "categorical_crossentropy gradient")
    if from_logits:
        ys = np.asarray(y, np.float32)
        if label_smoothing:
            ys = ys * np.float32(1 - label_smoothing) + np.float32(label_smoothing / classes)
        ys = f64(ys)
        ref_grad = ys.sum(-1, keepdims=True) * softmax64(f64(p)) - ys
        assert_close(grad, ref_grad, rtol=1e-4, atol=1e-6, what="gradient")


@pytest.mark.slow
@PROPERTY
@given(data=st.data(), layout=st.sampled_from([(1, 2, 1), (33, 10, 2), (4096, 4, 1)]),
       from_logits=st.booleans(), ignore_class=st.sampled_from([None, None, -1, 0]),
       seed=st.integers(0, 2**32 - 1))
def test_sparse_categorical_crossentropy(data, layout, from_logits, ignore_class, seed):
    batch, classes, label_rank = layout  # labels (batch,) or (batch, 1)
    shape = (batch, classes)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=batch)
    if ignore_class is not None:
        labels[rng.random(batch) < 0.3] = ignore_class
    y = labels.reshape((batch,) if label_rank == 1 else (batch, 1))
    p = data.draw(logits(shape) if from_logits else probabilities(shape, normalise=True))
    got, grad = loss_and_grad(losses.sparse_categorical_crossentropy, y, p,
                              from_logits=from_logits, ignore_class=ignore_class)
    ref = ref_sparse_categorical_crossentropy(labels, p, from_logits, ignore_class)
    assert_close(got, ref, atol=LOG_ATOL, what="sparse_categorical_crossentropy")
    assert np.isfinite(got).all()
    assert_finite_where(grad, np.isfinite(got), "sparse_categorical_crossentropy gradient")
    if from_logits:
        keep = np.ones(batch, bool) if ignore_class is None else labels != ignore_class
        one_hot = np.eye(classes)[np.where(keep, labels, 0)]
        ref_grad = (softmax64(f64(p)) - one_hot) * keep[:, None]
        assert_close(grad, ref_grad, rtol=1e-4, atol=1e-6, what="gradient")


@pytest.mark.slow
@PROPERTY
@given(data=st.data(), shape=st.sampled_from([(1, 1), (33, 4), (4096, 2)]),
       which=st.sampled_from(["mse", "mae", "huber"]), delta=st.sampled_from([1.0, 0.01]))
def test_regression_losses(data, shape, which, delta):
    width = shape[-1]
    y = data.draw(logits(shape))
    p = data.draw(logits(shape))
    if which == "mse":
        fn, kw = losses.mean_squared_error, {}
        ref = ((f64(y) - f64(p)) ** 2).mean(-1)
        ref_grad = 2.0 * (f64(p) - f64(y)) / width
    elif which == "mae":
        fn, kw = losses.mean_absolute_error, {}
        ref = np.abs(f64(y) - f64(p)).mean(-1)
        ref_grad = np.sign(f64(p) - f64(y)) / width
    else:
        fn, kw = losses.huber, {"delta": delta}
        ref = ref_huber(y, p, delta)
        e = f64(p) - f64(y)
        ref_grad = np.where(np.abs(e) <= delta, e, delta * np.sign(e)) / width
    got, grad = loss_and_grad(fn, y, p, **kw)
    if which == "mae":  # at y == p any subgradient in [-1, 1] / width is right; XLA on
        # CPU reads subnormal inputs (1e-45) as 0, so a subnormal difference is a tie too.
        tie = (np.abs(f64(p) - f64(y)) < TINY) & (np.abs(grad) <= 1.0 / width)
        ref_grad = np.where(tie, grad, ref_grad)
    # float32 subtraction is correctly rounded, so (y - p) carries one rounding of the
    # result: no absolute slack is needed even for values of 1e4.
    assert_close(got, ref, what=which)
    assert np.isfinite(got).all()
    assert_finite_where(grad, np.isfinite(got), f"{which} gradient")
    assert_close(grad, ref_grad, rtol=1e-4, atol=1e-6 * (1 + np.abs(ref_grad).max()),
                 what=f"{which} gradient")


CLASS_CASES = [
    (losses.BinaryCrossentropy, {}, "binary"),
    (losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1}, "binary"),
    (losses.CategoricalCrossentropy, {}, "categorical"),
    (losses.CategoricalCrossentropy, {"from_logits": True}, "categorical"),
    (losses.SparseCategoricalCrossentropy, {}, "sparse"),
    (losses.SparseCategoricalCrossentropy, {"from_logits": True, "ignore_class": -1}, "sparse"),
    (losses.MeanSquaredError, {}, "regression"),
    (losses.MeanAbsoluteError, {}, "regression"),
    (losses.Huber, {"delta": 0.5}, "regression"),
]


def _per_sample_reference(cls, kwargs, y, p):
    if cls is losses.BinaryCrossentropy:
        return ref_binary_crossentropy(y, p, kwargs.get("from_logits", False),
                                       kwargs.get("label_smoothing", 0.0))
    if cls is losses.CategoricalCrossentropy:
        return ref_categorical_crossentropy(y, p, kwargs.get("from_logits", False), 0.0)
    if cls is losses.SparseCategoricalCrossentropy:
        return ref_sparse_categorical_crossentropy(y, p, kwargs.get("from_logits", False),
                                                   kwargs.get("ignore_class"))
    if cls is losses.MeanSquaredError:
        return ((f64(y) - f64(p)) ** 2).mean(-1)
    if cls is losses.MeanAbsoluteError:
        return np.abs(f64(y) - f64(p)).mean(-1)
    return ref_huber(y, p, kwargs["delta"])


@pytest.mark.slow
@PROPERTY
@given(data=st.data(), case=st.sampled_from(CLASS_CASES), batch=st.sampled_from([1, 4096]),
       reduction=st.sampled_from(["sum_over_batch_size", "sum", "mean_with_sample_weight",
                                  "none"]),
       weights=st.sampled_from([None, "random", "with_zeros", "all_zero"]),
       seed=st.integers(0, 2**32 - 1))
def test_loss_classes_reduce_like_keras(data, case, batch, reduction, weights, seed):
    """``Loss(...)(y_true, y_pred, sample_weight)``: Keras's weighting and reductions."""
    cls, kwargs, kind = case
    rng = np.random.default_rng(seed)
    classes = 4
    from_logits = kwargs.get("from_logits", False)
    if kind == "binary":
        y = data.draw(binary_labels((batch, 1)))
        p = data.draw(logits((batch, 1)) if from_logits else probabilities((batch, 1), False))
    elif kind == "categorical":
        y = data.draw(one_hot_labels((batch, classes)))
        p = data.draw(logits((batch, classes)) if from_logits
                      else probabilities((batch, classes), True))
    elif kind == "sparse":
        y = rng.integers(0, classes, size=batch)
        if "ignore_class" in kwargs:
            y[rng.random(batch) < 0.3] = -1
        p = data.draw(logits((batch, classes)) if from_logits
                      else probabilities((batch, classes), True))
    else:
        y = rng.normal(size=(batch, 2)).astype(np.float32)
        p = rng.normal(size=(batch, 2)).astype(np.float32) * 10
    sw = None
    if weights == "random":
        sw = rng.random(batch).astype(np.float32) * 3
    elif weights == "with_zeros":
        sw = (rng.random(batch) * (rng.random(batch) < 0.5)).astype(np.float32)
    elif weights == "all_zero":
        sw = np.zeros(batch, np.float32)
    def make():
        loss = cls(reduction=reduction, **kwargs)
        if sw is None:
            return lambda y, p: loss(y, p)
        return lambda y, p, w: loss(y, p, sample_weight=w)

    f = cached_jit(("class", cls, tuple(sorted(kwargs.items())), reduction, sw is None), make)
    got = np.asarray(f(y, p) if sw is None else f(y, p, sw))

    values = _per_sample_reference(cls, kwargs, y, p)
    keep = np.ones(batch) if not (kind == "sparse" and "ignore_class" in kwargs) else (y != -1)
    w = (np.ones(batch) if sw is None else f64(sw)) * keep
    weighted = values * w
    if kind == "sparse" and "ignore_class" in kwargs and reduction == "sum_over_batch_size":
        # Keras averages over the entries that are not ignored.
        denominator = keep.sum()
    elif reduction == "mean_with_sample_weight" and (sw is not None or keep.min() == 0
                                                      or "ignore_class" in kwargs):
        # Keras's mask becomes the sample weight when none is given (`apply_mask`).
        denominator = w.sum()
    else:
        denominator = batch
    if reduction == "none":
        ref = weighted
    elif reduction == "sum":
        ref = weighted.sum()
    else:
        ref = weighted.sum() / denominator if denominator else 0.0
    magnitude = (np.abs(values) * np.maximum(w, 1)).sum() / max(batch, 1)
    assert_close(got, ref, rtol=1e-4, atol=LOG_ATOL * max(1.0, magnitude * batch if
                                                            reduction == "sum" else magnitude),
                 what=f"{cls.__name__}({kwargs}, reduction={reduction!r})")


# --------------------------------------------------------------- activation references
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def ref_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's ``ReLU.static_call``, literally (including its negative-threshold quirk)."""
    if threshold != 0:
        y = np.where(x > threshold, x, 0.0)
    else:
        y = np.maximum(x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    if negative_slope != 0:
        y = y - negative_slope * np.maximum(threshold - x, 0.0)
    return y


def ref_hard_sigmoid(x):
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def ref_softplus(x):
    return np.logaddexp(0.0, x)


# name -> (kerasish function, keyword options, float64 reference, tolerance). The
# tolerance is None (RTOL, and TINY absolutely) or a function of x giving the extra
# ``rtol`` / ``atol`` that float32 needs there, with the reason next to it.
ACTIVATIONS = {
    "linear": (activations.linear, {}, lambda x: x, None),
    "relu": (activations.relu, {}, ref_relu, None),
    "relu_options": (activations.relu, {"negative_slope": 0.3, "max_value": 4.0,
                                        "threshold": 0.5}, None, None),
    "relu_negative_threshold": (activations.relu, {"threshold": -1.0}, None, None),
    "relu_slope_only": (activations.relu, {"negative_slope": 0.1}, None, None),
    "relu_max6": (activations.relu, {"max_value": 6.0}, None, None),
    "relu6": (activations.relu6, {}, lambda x: np.clip(x, 0.0, 6.0), None),
    "leaky_relu": (activations.leaky_relu, {}, lambda x: np.where(x >= 0, x, 0.2 * x), None),
    "leaky_relu_0.01": (activations.leaky_relu, {"negative_slope": 0.01},
                        lambda x: np.where(x >= 0, x, 0.01 * x), None),
    "sigmoid": (activations.sigmoid, {}, special.expit, None),
    "softmax": (activations.softmax, {}, softmax64, None),
    "softmax_axis0": (activations.softmax, {"axis": 0}, lambda x: softmax64(x, axis=0), None),
    # log(sum(exp(x - max))) for a sum within ulps of 1 rounds to 0 in float32.
    "log_softmax": (activations.log_softmax, {}, log_softmax64, lambda x: {"atol": LOG_ATOL}),
    "tanh": (activations.tanh, {}, np.tanh, None),
    "elu": (activations.elu, {}, lambda x: np.where(x > 0, x, np.expm1(x)), None),
    "elu_alpha": (activations.elu, {"alpha": 0.5},
                  lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), None),
    "selu": (activations.selu, {},
             lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)), None),
    # erfc(z) ~ exp(-z**2) in the tail: float32's rounding of z**2 = x**2 / 2 is
    # amplified by x**2 / 2 (1e-5 relative at x = -12, where gelu is 1e-32).
    "gelu": (activations.gelu, {}, lambda x: 0.5 * x * special.erfc(-x / np.sqrt(2.0)),
             lambda x: {"rtol": RTOL + 4 * np.finfo(np.float32).eps * x * x / 2}),
    # The tanh form computes 1 + tanh(z): for z << 0 that cancels to float32's absolute
    # precision (the true value ~1e-7 * |x| comes out as 0), in Keras and jax.nn alike.
    "gelu_approximate": (activations.gelu, {"approximate": True},
                         lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi)
                                                          * (x + 0.044715 * x ** 3))),
                         lambda x: {"atol": 4 * np.finfo(np.float32).eps * np.abs(x)}),
    "softplus": (activations.softplus, {}, ref_softplus, None),
    "softsign": (activations.softsign, {}, lambda x: x / (1 + np.abs(x)), None),
    "silu": (activations.silu, {}, lambda x: x * special.expit(x), None),
    "swish": (activations.swish, {}, lambda x: x * special.expit(x), None),
    "exponential": (activations.exponential, {}, np.exp, None),
    "hard_sigmoid": (activations.hard_sigmoid, {}, ref_hard_sigmoid, None),
    "hard_silu": (activations.hard_silu, {}, lambda x: x * ref_hard_sigmoid(x), None),
    "hard_swish": (activations.hard_swish, {}, lambda x: x * ref_hard_sigmoid(x), None),
    "mish": (activations.mish, {}, lambda x: x * np.tanh(ref_softplus(x)), None),
}


# Added in the breadth session with parity tests against Keras (tests/test_activations_
# more.py, tests/test_optimizers_more.py) but no hand-written numpy reference here yet.
KERAS_PARITY_ONLY_ACTIVATIONS = {
    "celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink", "sparse_plus",
    "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold"}
KERAS_PARITY_ONLY_OPTIMIZERS = {
    "Nadam", "Adamax", "Lion", "Adadelta", "Ftrl", "Lamb", "Adafactor", "ScheduleFreeAdamW",
    "Muon"}


def test_every_activation_has_a_reference():
    public = {fn for name, fn in vars(activations).items()
              if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", "")
              == activations.__name__ and name not in ("get", "serialize", "deserialize")
              and name not in KERAS_PARITY_ONLY_ACTIVATIONS}
    covered = {case[0] for case in ACTIVATIONS.values()}
    assert public <= covered, f"activations without a property test: {public - covered}"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@settings(PROPERTY, max_examples=10)
@given(data=st.data())
def test_activation(name, data):
    """Values (incl. +-1e4, +-0, a subnormal, the kinks at 0, +-3, 6) and finite gradients."""
    fn, kwargs, ref_fn, tolerance = ACTIVATIONS[name]
    if ref_fn is None:
        ref_fn = lambda x: ref_relu(x, **kwargs)  # noqa: E731
    x = data.draw(logits((64, 10)))  # elementwise: one shape, many values

    def make():
        def both(a):
            return fn(a, **kwargs), jax.grad(lambda a_: jnp.sum(fn(a_, **kwargs)))(a)
        return both

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # softmax over an axis of size 1 warns, rightly
        got, grad = (np.asarray(v) for v in cached_jit(("activation", name), make)(x))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        ref = ref_fn(f64(x))
    extra = tolerance(f64(x)) if tolerance else {}
    # XLA flushes subnormal intermediates to zero (sigmoid(-88) = 6e-39), so products
    # such as x * sigmoid(x) may lose up to |x| times the smallest normal float32.
    atol = np.maximum(extra.get("atol", 0.0), 2 * TINY * (1 + np.abs(f64(x))))
    assert_close(got, ref, rtol=extra.get("rtol", RTOL), atol=atol, what=name)
    finite = np.isfinite(got)
    assert not np.isnan(got).any(), f"{name} gave NaN for finite inputs"
    assert np.isfinite(grad[finite]).all(), (
        f"{name}: non-finite gradient where the value is finite, at x="
        f"{x[finite & ~np.isfinite(grad)][:5]}")


# ---------------------------------------------------------------- optimizer references
def ref_clip(grads, cfg):
    if cfg.get("clipnorm") is not None:
        c = cfg["clipnorm"]
        return [g * c / max(np.sqrt((g * g).sum()), c) for g in grads]
    if cfg.get("global_clipnorm") is not None:
        c = cfg["global_clipnorm"]
        norm = np.sqrt(sum((g * g).sum() for g in grads))
        with np.errstate(divide="ignore"):  # all-zero gradients: 1 / 0 = inf, scale 1
            return [g * c * min(1.0 / norm, 1.0 / c) for g in grads]
    if cfg.get("clipvalue") is not None:
        return [np.clip(g, -cfg["clipvalue"], cfg["clipvalue"]) for g in grads]
    return grads


class RefOptimizer:
    """Keras 3's ``update_step`` formulas, one weight at a time, in float64."""

    def __init__(self, kind, cfg, params):
        self.kind, self.cfg, self.t = kind, cfg, 0
        self.travel = [np.zeros_like(p) for p in params]  # sum of |step| per entry
        zeros = lambda: [np.zeros_like(p) for p in params]  # noqa: E731
        self.m, self.v, self.vhat, self.a = zeros(), zeros(), zeros(), zeros()
        if kind == "Adagrad":
            self.v = [np.full_like(p, cfg.get("initial_accumulator_value", 0.1)) for p in params]

    def step(self, params, grads):
        c = self.cfg
        lr = c["learning_rate"]
        grads = ref_clip(grads, c)
        wd = c.get("weight_decay") or (0.004 if self.kind == "AdamW" else 0.0)
        out = []
        for i, (w, g) in enumerate(zip(params, grads)):
            w = w - w * wd * lr  # Keras applies decoupled decay to the weight first
            if self.kind == "SGD":
                mom = c.get("momentum", 0.0)
                if mom:
                    self.m[i] = -g * lr + self.m[i] * mom
                    w = w + (-g * lr + self.m[i] * mom if c.get("nesterov") else self.m[i])
                else:
                    w = w - g * lr
            elif self.kind in ("Adam", "AdamW"):
                b1, b2, eps = c.get("beta_1", 0.9), c.get("beta_2", 0.999), c.get("epsilon", 1e-7)
                t = self.t + 1
                self.m[i] += (g - self.m[i]) * (1 - b1)
                self.v[i] += (g * g - self.v[i]) * (1 - b2)
                v = self.v[i]
                if c.get("amsgrad"):
                    self.vhat[i] = np.maximum(self.vhat[i], self.v[i])
                    v = self.vhat[i]
                # Keras raises the float32 betas to the power t: 0.999 is 0.99900001 there.
                b1, b2 = f64(b1), f64(b2)
                alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                w = w - self.m[i] * alpha / (np.sqrt(v) + eps)
            elif self.kind == "RMSprop":
                rho, mom, eps = c.get("rho", 0.9), c.get("momentum", 0.0), c.get("epsilon", 1e-7)
                self.v[i] = rho * self.v[i] + (1 - rho) * g * g
                if c.get("centered"):
                    self.a[i] = rho * self.a[i] + (1 - rho) * g
                    denominator = self.v[i] - self.a[i] ** 2 + eps
                else:
                    denominator = self.v[i] + eps
                increment = lr * g / np.sqrt(denominator)
                if mom:
                    self.m[i] = mom * self.m[i] + increment
                    w = w - self.m[i]
                else:
                    w = w - increment
            elif self.kind == "Adagrad":
                self.v[i] = self.v[i] + g * g
                w = w - lr * g / np.sqrt(self.v[i] + c.get("epsilon", 1e-7))
            self.travel[i] += np.abs(w - params[i])
            out.append(w)
        self.t += 1
        return out


OPTIMIZER_OPTIONS = {
    "SGD": st.fixed_dictionaries({"momentum": st.sampled_from([0.0, 0.5, 0.9]),
                                  "nesterov": st.booleans()}),
    "Adam": st.fixed_dictionaries({"beta_1": st.sampled_from([0.9, 0.5]),
                                   "beta_2": st.sampled_from([0.999, 0.9]),
                                   "epsilon": st.sampled_from([1e-7, 1e-3]),
                                   "amsgrad": st.booleans()}),
    "AdamW": st.fixed_dictionaries({"amsgrad": st.booleans()}),
    "RMSprop": st.fixed_dictionaries({"rho": st.sampled_from([0.9, 0.5]),
                                      "momentum": st.sampled_from([0.0, 0.9]),
                                      "centered": st.booleans()}),
    "Adagrad": st.fixed_dictionaries({"initial_accumulator_value": st.sampled_from([0.1, 0.0,
                                                                                    1.0])}),
}
CLIPPING = st.sampled_from([{}, {}, {"clipnorm": 0.5}, {"clipvalue": 0.01},
                            {"global_clipnorm": 1.0}, {"weight_decay": 0.1}])


def test_every_optimizer_has_a_reference():
    assert set(optimizers.registry.ALL_OPTIMIZERS.values()) == {
        getattr(optimizers, name) for name in set(OPTIMIZER_OPTIONS) | KERAS_PARITY_ONLY_OPTIMIZERS}


@pytest.mark.slow
@settings(PROPERTY, max_examples=40)
@given(kind=st.sampled_from(sorted(OPTIMIZER_OPTIONS)), data=st.data(), clipping=CLIPPING,
       learning_rate=st.sampled_from([0.001, 0.1, 1.0]),
       grad_scale=st.sampled_from([1e-8, 1e-4, 1.0, 1e3]),
       shapes=st.lists(st.sampled_from([(), (1,), (3,), (4, 3), (2, 3, 5), (257,)]),
                       min_size=1, max_size=3),
       steps=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_optimizer_update_matches_keras_formula(kind, data, clipping, learning_rate, grad_scale,
                                                shapes, steps, seed):
    options = data.draw(OPTIMIZER_OPTIONS[kind])
    cfg = {"learning_rate": learning_rate, **options, **clipping}
    if kind == "AdamW" and "weight_decay" not in cfg:
        cfg["weight_decay"] = 0.004
    rng = np.random.default_rng(seed)
    params = {f"w{i}": rng.normal(size=s).astype(np.float32) for i, s in enumerate(shapes)}
    # Gradients of varying size per step (some clip, some don't), with exact zeros.
    grads = [{k: (rng.normal(size=v.shape) * grad_scale * rng.choice([0.1, 1.0, 10.0])
                  * (rng.random(v.shape) > 0.1)).astype(np.float32)
              for k, v in params.items()} for _ in range(steps)]

    opt = getattr(optimizers, kind)(**cfg)
    state = opt.init(params)
    p = params
    for g in grads:
        # Op by op: a jitted update would compile once per random configuration;
        # tests/test_optimizers.py checks the jitted update against Keras itself.
        updates, state = opt.update(g, state, p)
        p = optax.apply_updates(p, updates)
    assert int(state.iterations) == steps

    names = sorted(params)
    ref = RefOptimizer(kind, cfg, [f64(params[k]) for k in names])
    w = [f64(params[k]) for k in names]
    for g in grads:
        w = ref.step(w, [f64(g[k]) for k in names])
    for k, r in zip(names, w):
        got = np.asarray(p[k])
        assert got.dtype == np.float32 and got.shape == params[k].shape
        # Each step adds one float32 rounding of the weight (a few ulps of |w|), and each
        # step's size is known to ~1e-5 relative: 1 - beta_2**t cancels in float32.
        travel = ref.travel[names.index(k)]
        atol = 8 * steps * np.finfo(np.float32).eps * (np.abs(f64(params[k])) + np.abs(r)) \
            + 3e-5 * travel
        assert_close(got, r, rtol=0.0, atol=atol,
                     what=f"{kind}({cfg}) weight {k} after {steps} steps")
