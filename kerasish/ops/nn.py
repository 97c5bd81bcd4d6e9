"""``kerasish.ops.nn``: Keras 3's neural-network ops (``keras.ops.nn``): activations,
normalisations, losses, encodings, and (from ``_nn_conv``) convolutions, pooling and
attention, on ``jax.nn`` and ``jax.lax``.

>>> import numpy as np
>>> from kerasish.ops import nn
>>> [round(float(v), 4) for v in nn.softmax(np.array([1.0, 2.0, 3.0]))]
[0.09, 0.2447, 0.6652]
>>> nn.normalize(np.array([[3.0, 4.0]])).tolist()
[[0.6000000238418579, 0.800000011920929]]
"""

import jax
import jax.numpy as jnp
import numpy as np  # noqa: F401 - the examples use it

from kerasish import config
from kerasish.ops._dispatch import keras_op, thin
from kerasish.ops._nn_conv import *  # noqa: F401,F403 - public convolution ops
from kerasish.ops._nn_conv import __all__ as _conv_names
from kerasish.ops._nn_losses import *  # noqa: F401,F403 - public loss ops
from kerasish.ops._nn_losses import __all__ as _loss_names
from kerasish.ops._nn_norm import *  # noqa: F401,F403 - public normalisation ops
from kerasish.ops._nn_norm import __all__ as _norm_names
from kerasish.ops._numpy_math import floating, tensor

_G = globals()


# name: (formula, jax function, input conversion, what it is, example call, its output)
_ACTIVATIONS = {
    "relu": ("max(x, 0)", jax.nn.relu, tensor,
        "The rectified linear unit: negative values become 0, the others pass unchanged.",
        "relu(np.array([-1.0, 0.0, 2.0])).tolist()",
        "[0.0, 0.0, 2.0]"),
    "relu6": ("min(max(x, 0), 6)", jax.nn.relu6, floating,
        "A relu capped at 6 (MobileNet's activation), robust to low-precision arithmetic.",
        "relu6(np.array([-1.0, 3.0, 8.0])).tolist()",
        "[0.0, 3.0, 6.0]"),
    "sigmoid": ("1 / (1 + exp(-x))", jax.nn.sigmoid, floating,
        ("The logistic function: maps any real number into (0, 1), a probability for "
         "binary classification."),
        "[round(v, 4) for v in sigmoid(np.array([-1.0, 0.0, 1.0])).tolist()]",
        "[0.2689, 0.5, 0.7311]"),
    "softplus": ("log(1 + exp(x)), computed stably", jax.nn.softplus, floating,
        ("A smooth relu: always positive, close to ``x`` for large ``x`` and to 0 for very "
         "negative ``x``."),
        "[round(v, 4) for v in softplus(np.array([-1.0, 0.0, 1.0])).tolist()]",
        "[0.3133, 0.6931, 1.3133]"),
    "softsign": ("x / (1 + |x|)", jax.nn.soft_sign, floating,
        ("A smooth squashing into (-1, 1), like ``tanh`` but approaching its bounds "
         "polynomially."),
        "softsign(np.array([-3.0, 0.0, 1.0])).tolist()",
        "[-0.75, 0.0, 0.5]"),
    "silu": ("x * sigmoid(x) (swish)", jax.nn.silu, floating,
        ("The sigmoid linear unit: a smooth, non-monotonic relu used by EfficientNet and "
         "many transformers."),
        "[round(v, 4) for v in silu(np.array([-1.0, 0.0, 1.0])).tolist()]",
        "[-0.2689, 0.0, 0.7311]"),
    "swish": ("x * sigmoid(x) (silu)", jax.nn.silu, floating,
        "Swish, the same function as ``silu`` under its other name.",
        "[round(v, 4) for v in swish(np.array([-1.0, 0.0, 1.0])).tolist()]",
        "[-0.2689, 0.0, 0.7311]"),
    "log_sigmoid": ("log(sigmoid(x)), computed stably", jax.nn.log_sigmoid, floating,
        ("Equal to ``-softplus(-x)``; exact for large negative ``x``, where "
         "``log(sigmoid(x))`` would give ``-inf``."),
        "[round(v, 4) for v in log_sigmoid(np.array([-1.0, 0.0, 1.0])).tolist()]",
        "[-1.3133, -0.6931, -0.3133]"),
    "selu": ("scale * elu(x, alpha) with Klambauer's constants", jax.nn.selu, floating,
        ("The scaled exponential linear unit (``alpha`` 1.67326, ``scale`` 1.05070): with "
         "``lecun_normal`` weights it keeps activations near zero mean and unit variance."),
        "[round(v, 4) for v in selu(np.array([-1.0, 0.0, 1.0])).tolist()]",
        "[-1.1113, 0.0, 1.0507]"),
    "hard_sigmoid": ("relu6(x + 3) / 6", jax.nn.hard_sigmoid, floating,
        ("A piecewise-linear sigmoid: 0 below -3, 1 above 3, linear in between; cheaper "
         "than ``sigmoid``."),
        "hard_sigmoid(np.array([-4.0, 0.0, 1.5])).tolist()",
        "[0.0, 0.5, 0.75]"),
    "hard_silu": ("x * hard_sigmoid(x)", jax.nn.hard_silu, floating,
        ("A piecewise version of ``silu`` (MobileNetV3's hard swish): 0 below -3, ``x`` "
         "above 3."),
        "hard_silu(np.array([-1.5, 0.0, 1.5])).tolist()",
        "[-0.375, 0.0, 1.125]"),
    "hard_swish": ("x * hard_sigmoid(x) (hard_silu)", jax.nn.hard_swish, floating,
        "The same function as ``hard_silu`` under its other name.",
        "hard_swish(np.array([-1.5, 0.0, 1.5])).tolist()",
        "[-0.375, 0.0, 1.125]"),
    "hard_tanh": ("clip(x, -1, 1)", jax.nn.hard_tanh, tensor,
        "A piecewise-linear ``tanh``: the identity between -1 and 1, constant outside.",
        "hard_tanh(np.array([-3.0, 0.5, 2.0])).tolist()",
        "[-1.0, 0.5, 1.0]"),
    "sparse_plus": ("0 below -1, (x + 1)**2 / 4 up to 1, x above", jax.nn.sparse_plus,
                    floating,
        "A softplus with a bounded transition: exactly 0 below -1, exactly ``x`` above 1.",
        "sparse_plus(np.array([-2.0, 0.0, 3.0])).tolist()",
        "[0.0, 0.25, 3.0]"),
    "sparse_sigmoid": ("0 below -1, (x + 1) / 2 up to 1, 1 above", jax.nn.sparse_sigmoid,
                       floating,
        "The derivative of ``sparse_plus``: a sigmoid that reaches exactly 0 and 1.",
        "sparse_sigmoid(np.array([-2.0, 0.0, 3.0])).tolist()",
        "[0.0, 0.5, 1.0]"),
    "tanh_shrink": ("x - tanh(x)", lambda x: x - jnp.tanh(x), floating,
        ("Close to 0 near the origin (like ``x**3 / 3``) and to ``x - sign(x)`` far from "
         "it."),
        "[round(v, 4) for v in tanh_shrink(np.array([-1.0, 0.0, 1.0])).tolist()]",
        "[-0.2384, 0.0, 0.2384]"),
}
_DTYPES = {tensor: "Integer input keeps its dtype.",
           floating: "Integer and boolean input is computed in ``floatx`` (float32)."}
for _name, (_formula, _fn, _conv, _about, _call, _shown) in _ACTIVATIONS.items():
    thin(_G, "nn", _name, "(x)", lambda x, _fn=_fn, _conv=_conv: _fn(_conv(x)),
         f"``{_formula}``, element-wise (``keras.ops.{_name}``).\n\n"
         f"{_about} {_DTYPES[_conv]}\n\n"
         "Args:\n    x: input tensor.\n\n"
         f">>> {_call}\n{_shown}\n")


@keras_op("nn")
def elu(x, alpha=1.0):
    """``x`` if positive, else ``alpha * (exp(x) - 1)``.

    The exponential linear unit: smooth below 0, where it saturates at ``-alpha``, so
    mean activations stay nearer zero than with ``relu``. Integer input is computed in
    ``floatx``.

    Args:
        x: input tensor.
        alpha: the scale of the negative part.

    >>> [round(v, 4) for v in elu(np.array([-1.0, 0.0, 2.0])).tolist()]
    [-0.6321, 0.0, 2.0]
    """
    return jax.nn.elu(floating(x), alpha=alpha)


@keras_op("nn")
def celu(x, alpha=1.0):
    """``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``.

    The continuously differentiable exponential linear unit: an ``elu`` whose slope at 0
    is 1 for every ``alpha`` (with ``alpha=1`` the two are equal).

    Args:
        x: input tensor.
        alpha: the scale.

    >>> [round(v, 4) for v in celu(np.array([-1.0, 0.0, 2.0]), alpha=2.0).tolist()]
    [-0.7869, 0.0, 2.0]
    """
    return jax.nn.celu(floating(x), alpha=alpha)


@keras_op("nn")
def gelu(x, approximate=True):
    """Gaussian error linear unit, ``x * Phi(x)`` (tanh approximation by default).

    ``approximate=True`` (Keras's default) uses ``0.5 x (1 + tanh(sqrt(2 / pi) (x +
    0.044715 x**3)))``; ``approximate=False`` the exact ``0.5 x (1 + erf(x /
    sqrt(2)))``. The two differ by less than 1e-3. Used by BERT and most transformers.

    Args:
        x: input tensor.
        approximate: use the tanh approximation.

    >>> [round(v, 4) for v in gelu(np.array([-1.0, 0.0, 2.0])).tolist()]
    [-0.1588, 0.0, 1.9546]
    >>> [round(v, 4) for v in gelu(np.array([-1.0, 0.0, 2.0]), approximate=False).tolist()]
    [-0.1587, 0.0, 1.9545]
    """
    return jax.nn.gelu(floating(x), approximate=approximate)


@keras_op("nn")
def leaky_relu(x, negative_slope=0.2):
    """``x`` if positive, else ``negative_slope * x`` (Keras's default slope 0.2).

    Unlike ``relu`` it keeps a small gradient for negative inputs, so units cannot die.
    Integer input is computed in ``floatx``.

    Args:
        x: input tensor.
        negative_slope: the slope below 0.

    >>> leaky_relu(np.array([-2.0, 0.0, 3.0]), negative_slope=0.5).tolist()
    [-1.0, 0.0, 3.0]
    """
    return jax.nn.leaky_relu(floating(x), negative_slope=negative_slope)


@keras_op("nn")
def glu(x, axis=-1):
    """Gated linear unit: the first half of ``x`` along ``axis`` times the sigmoid of
    the second half.

    The size along ``axis`` halves: ``a * sigmoid(b)`` where ``a, b`` are the two
    halves. An odd size is refused with a ValueError.

    Args:
        x: input tensor (even size along ``axis``).
        axis: the axis split in two.

    >>> y = glu(np.array([[1.0, 2.0, 0.0, 1.0]]))  # [1, 2] * sigmoid([0, 1])
    >>> [round(v, 4) for v in y[0].tolist()]
    [0.5, 1.4621]
    """
    x = floating(x)
    if x.shape[axis] % 2:
        raise ValueError("axis size must be divisible by 2. Received: "
                         f"x.shape={x.shape} with axis={axis}")
    return jax.nn.glu(x, axis=axis)


@keras_op("nn")
def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``, a smooth relu.

    Always positive and algebraic (no exponential): ``sqrt(b) / 2`` at 0, close to ``x``
    for large ``x`` and to 0 for very negative ``x``.

    Args:
        x: input tensor.
        b: smoothness (>= 0).

    >>> squareplus(np.array([-1.5, 0.0, 1.5])).tolist()
    [0.5, 1.0, 2.0]
    """
    return jax.nn.squareplus(floating(x), b=b)


@keras_op("nn")
def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0.

    Entries within ``threshold`` of 0 are zeroed, the others pass unchanged (a hard
    denoising step). Integer input keeps its dtype.

    Args:
        x: input tensor.
        threshold: the threshold.

    >>> hard_shrink(np.array([-1.0, 0.25, 0.75])).tolist()
    [-1.0, 0.0, 0.75]
    """
    x = tensor(x)
    return jnp.where(jnp.abs(x) > threshold, x, jnp.zeros((), x.dtype))


@keras_op("nn")
def soft_shrink(x, threshold=0.5):
    """``x`` moved ``threshold`` toward 0, and 0 within ``threshold`` of 0.

    The soft-thresholding operator of lasso and wavelet denoising: ``sign(x) * max(|x| -
    threshold, 0)``. Integer input keeps its dtype.

    Args:
        x: input tensor.
        threshold: the threshold.

    >>> soft_shrink(np.array([-1.0, 0.25, 0.75])).tolist()
    [-0.5, 0.0, 0.25]
    """
    x = tensor(x)
    zero = jnp.zeros((), x.dtype)
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold,
                                                               zero))


@keras_op("nn")
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``.

    Both ``threshold`` and ``default_value`` are required (no defaults, as in Keras);
    the comparison is strict, so ``x == threshold`` is replaced.

    Args:
        x: input tensor.
        threshold: the threshold.
        default_value: the value at or below it.

    >>> threshold(np.array([-1.0, 1.0, 2.0]), 1.0, 0.0).tolist()
    [0.0, 0.0, 2.0]
    """
    x = tensor(x)
    return jnp.where(x > threshold, x, default_value)


@keras_op("nn")
def softmax(x, axis=-1):
    """Softmax along ``axis`` (or axes): outputs are positive and sum to 1.

    ``exp(x - max(x)) / sum(exp(x - max(x)))``, so large logits do not overflow. The
    usual last activation of a classifier; integer input is computed in ``floatx``.

    Args:
        x: logits.
        axis: the axis or axes.

    >>> softmax(np.array([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    """
    return jax.nn.softmax(floating(x), axis=tuple(axis) if isinstance(axis, list) else axis)


@keras_op("nn")
def log_softmax(x, axis=-1):
    """``log(softmax(x))`` along ``axis``, computed stably.

    Equal to ``x - logsumexp(x, axis)``, so it never takes the log of a probability that
    rounded to 0; use it for log-likelihoods of logits.

    Args:
        x: logits.
        axis: the axis or axes.

    >>> [round(v, 4) for v in log_softmax(np.array([1.0, 2.0, 3.0])).tolist()]
    [-2.4076, -1.4076, -0.4076]
    """
    return jax.nn.log_softmax(floating(x),
                              axis=tuple(axis) if isinstance(axis, list) else axis)


@keras_op("nn")
def sparsemax(x, axis=-1):
    """Sparsemax along ``axis``, computed as Keras 3.15's ``keras.ops.sparsemax``.

    Sparsemax is meant as the Euclidean projection of ``x`` onto the probability
    simplex: like ``softmax`` it sums to 1, unlike it small entries become exactly 0.
    Keras 3.15's threshold sums the cumulative sums of the supported entries
    (keras-team/keras#23425, fixed upstream), and this op keeps Keras's numbers: a row
    sums to 1 when one entry is supported (the largest leads the next by more than 1),
    in general not otherwise. ``kerasish.activations.sparsemax`` has the corrected
    projection.

    Args:
        x: logits.
        axis: the axis.

    >>> sparsemax(np.array([1.0, 2.0, 3.5])).tolist()
    [0.0, 0.0, 1.0]
    """
    x = floating(x)
    z = -jnp.sort(-x, axis=axis)
    csum = jnp.cumsum(z, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    r = jnp.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    support = z - (csum - 1) / r > 0
    k = jnp.sum(support, axis=axis, keepdims=True)
    tau = (jnp.sum(jnp.where(support, csum, 0.0), axis=axis, keepdims=True) - 1) / k
    return jnp.maximum(x - tau, 0.0)


@keras_op("nn")
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis`` (at least ``epsilon``,
    default ``config.epsilon()``); ``order=2`` is L2 normalisation.

    Each vector along ``axis`` is scaled to norm 1 (vectors with a norm below
    ``epsilon`` are scaled by ``1 / epsilon`` instead), as Keras's ``UnitNormalization``
    layer does.

    Args:
        x: input tensor.
        axis: the axis.
        order: the norm's order (an int >= 1).
        epsilon: the smallest norm divided by.

    >>> normalize(np.array([[1.0, 1.0, 1.0, 1.0]]), order=1).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = floating(x)
    if x.ndim == 0:
        x = x[None]
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        inv = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
        return x * jnp.minimum(inv, 1.0 / epsilon)
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm, epsilon)


@keras_op("nn")
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encoding of integer labels: a new axis of ``num_classes``; labels out
    of range (negative too) give all zeros.

    The output has one more axis than ``x``: ``(..., num_classes)`` with the default
    ``axis=-1``. Keras's sparse categorical labels become the targets of
    ``categorical_crossentropy`` this way.

    Args:
        x: integer labels.
        num_classes: the number of classes.
        axis: where the new axis goes.
        dtype: the output dtype (default ``floatx``).
        sparse: Keras's sparse output; not available in kerasish (True is refused).

    >>> one_hot(np.array([0, 2]), 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    if sparse:
        raise ValueError("kerasish has no sparse tensors: `sparse=True` is not supported. "
                         "Received: sparse=True")
    return jax.nn.one_hot(tensor(x), num_classes, axis=axis, dtype=dtype or config.floatx())


@keras_op("nn")
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encoding: for each row of integer labels, 1 at every label present.

    Rank-2 ``inputs`` give one row per sample of shape ``(batch, num_classes)``; a label
    repeated in a row still gives 1. Labels out of range are ignored.

    Args:
        inputs: integer labels (rank 1: one sample; rank 2: a batch).
        num_classes: the number of classes.
        axis: where the class axis goes.
        dtype: the output dtype (default ``floatx``).
        sparse: Keras's sparse output; not available in kerasish (True is refused).
        **kwargs: ``num_tokens``, Keras's older name of ``num_classes``.

    >>> multi_hot(np.array([[0, 2], [1, 1]]), num_classes=4).tolist()
    [[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0]]
    """
    if "num_tokens" in kwargs:
        if num_classes is not None:
            raise ValueError("Pass `num_classes` or its older name `num_tokens`, not both.")
        num_classes = kwargs.pop("num_tokens")
    if kwargs:
        raise TypeError(f"multi_hot() got unexpected keyword argument(s) {sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    if sparse:
        raise ValueError("kerasish has no sparse tensors: `sparse=True` is not supported. "
                         "Received: sparse=True")
    x = tensor(inputs).astype("int32")
    hot = jax.nn.one_hot(x, num_classes, axis=axis, dtype=dtype or config.floatx())
    return jnp.max(hot, axis=1 if x.ndim > 1 else 0)


@keras_op("nn")
def polar(abs_, angle):
    """The complex number ``abs_ * (cos(angle) + i sin(angle))``.

    Returns a ``complex64`` tensor for float32 input; ``abs_`` and ``angle`` broadcast.

    Args:
        abs_: magnitudes.
        angle: angles in radians.

    >>> polar(np.array([2.0, 3.0]), np.array([0.0, 0.0])).tolist()
    [(2+0j), (3+0j)]
    """
    abs_, angle = floating(abs_), floating(angle)
    return jax.lax.complex(abs_ * jnp.cos(angle), abs_ * jnp.sin(angle))


__all__ = sorted({n for n, f in _G.items() if getattr(f, "__module__", "") == __name__
                  and not n.startswith("_")} | set(_conv_names) | set(_loss_names)
                 | set(_norm_names))
