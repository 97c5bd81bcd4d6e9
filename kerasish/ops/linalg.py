"""``kerasish.ops.linalg``: Keras 3's linear algebra ops (``keras.ops.linalg``), on
``jax.numpy.linalg`` and ``jax.scipy.linalg``; all batched over leading axes.

>>> import numpy as np
>>> from kerasish.ops import linalg
>>> a = np.array([[2.0, 0.0], [0.0, 4.0]])
>>> linalg.inv(a).tolist(), float(linalg.det(a))
([[0.5, 0.0], [0.0, 0.25]], 8.0)
"""

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np  # noqa: F401 - the examples use it

from kerasish.ops._dispatch import doctests, keras_op
from kerasish.ops._numpy_math import floating, tensor

__all__ = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq",
           "lu_factor", "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular",
           "svd"]


def _square(x, name="x"):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"`{name}` must be a batch of square matrices, shape (..., n, n). "
                         f"Received: {name}.shape={x.shape}")
    return x


@keras_op("linalg")
def cholesky(x, upper=False):
    """The Cholesky factor of symmetric positive-definite ``x``: ``L`` with
    ``x = L @ L.T`` (``upper=True``: ``U = L.T``).

    Args:
        x: ``(..., n, n)``.
        upper: return the upper factor.
    """
    factor = jnp.linalg.cholesky(_square(floating(x)))
    return jnp.swapaxes(factor, -1, -2).conj() if upper else factor


@keras_op("linalg")
def cholesky_inverse(x, upper=False):
    """The inverse of ``A`` from its Cholesky factor ``x`` (``A = x @ x.T``, or
    ``x.T @ x`` with ``upper=True``).

    Args:
        x: ``(..., n, n)`` triangular factor.
        upper: ``x`` is the upper factor.
    """
    x = _square(floating(x))
    eye = jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    inv = jsl.solve_triangular(x, eye, lower=not upper)
    return inv @ jnp.swapaxes(inv, -1, -2) if upper else jnp.swapaxes(inv, -1, -2) @ inv


@keras_op("linalg")
def det(x):
    """Determinant of square matrices.

    Args:
        x: ``(..., n, n)``.
    """
    return jnp.linalg.det(_square(floating(x)))


@keras_op("linalg")
def eig(x):
    """``(eigenvalues, eigenvectors)`` of general square matrices (complex; CPU only
    on JAX).

    Args:
        x: ``(..., n, n)``.
    """
    return jnp.linalg.eig(_square(floating(x)))


@keras_op("linalg")
def eigh(x):
    """``(eigenvalues, eigenvectors)`` of symmetric (Hermitian) matrices, ascending.

    Args:
        x: ``(..., n, n)``.
    """
    return jnp.linalg.eigh(_square(floating(x)))


@keras_op("linalg")
def inv(x):
    """Inverse of square matrices.

    Args:
        x: ``(..., n, n)``.
    """
    return jnp.linalg.inv(_square(floating(x)))


@keras_op("linalg", symbolic=False)
def jvp(fun, primals, tangents, has_aux=False):
    """``(fun(*primals), J @ tangents)``: a Jacobian-vector product (``jax.jvp``).

    Args:
        fun: the function.
        primals: its arguments (a tuple or list).
        tangents: one tangent per primal.
        has_aux: ``fun`` returns ``(output, aux)``; aux is returned third.

    >>> out, tangent = jvp(lambda x: x ** 2, (3.0,), (1.0,))
    >>> float(out), float(tangent)
    (9.0, 6.0)
    """
    return jax.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)


@keras_op("linalg")
def lstsq(a, b, rcond=None):
    """The least-squares solution ``x`` of ``a @ x = b``.

    Args:
        a: ``(m, n)``.
        b: ``(m,)`` or ``(m, k)``.
        rcond: cut-off ratio for small singular values (default: machine precision
            times the larger dimension).
    """
    a, b = floating(a), floating(b)
    if a.ndim != 2 or b.ndim not in (1, 2) or a.shape[0] != b.shape[0]:
        raise ValueError(f"`lstsq` takes a (m, n) and b (m,) or (m, k). Received: "
                         f"a.shape={a.shape}, b.shape={b.shape}")
    return jnp.linalg.lstsq(a, b, rcond=rcond)[0]


@keras_op("linalg")
def lu_factor(x):
    """``(lu, pivots)``: the packed LU factorisation with row pivots.

    Args:
        x: ``(..., n, n)``.
    """
    lu, pivots = jsl.lu_factor(_square(floating(x)))
    return lu, pivots.astype("int32")


@keras_op("linalg")
def matrix_rank(x, tol=None):
    """Rank: the number of singular values above ``tol``.

    Args:
        x: ``(..., m, n)``.
        tol: the threshold (default: largest singular value times
            ``max(m, n) * eps``).
    """
    x = floating(x)
    if x.ndim < 2:
        raise ValueError(f"Expected input to have rank >= 2. Received: x.shape={x.shape}")
    s = jnp.linalg.svd(x, compute_uv=False)
    if tol is None:
        tol = jnp.max(s, axis=-1, keepdims=True) * max(x.shape[-2:]) * jnp.finfo(x.dtype).eps
    else:
        tol = jnp.expand_dims(tensor(tol), -1)
    return jnp.sum(s > tol, axis=-1).astype("int32")


@keras_op("linalg")
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - Keras's name
    """Vector or matrix norm (numpy's ``ord`` values; integer input gives floats).

    Args:
        x: input tensor.
        ord: the norm's order ('fro', 'nuc', inf, -inf, 0, 1, -1, 2, -2, ...).
        axis: an int (vector norm) or a pair (matrix norm); None: the whole tensor
            (as a vector; as a matrix when 2-D and ``ord`` is given).
        keepdims: keep the reduced axes with size 1.

    >>> float(norm(np.array([3.0, 4.0])))
    5.0
    """
    x = floating(x)
    if isinstance(axis, list):
        axis = tuple(axis)
    if isinstance(axis, int):
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"Invalid `axis`: {axis} for a tensor of rank {x.ndim}. "
                             f"Received: axis={axis}")
    return jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


@keras_op("linalg")
def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse.

    Args:
        x: ``(..., m, n)``.
        rcond: relative cut-off for small singular values (default: machine
            precision times the larger dimension).
    """
    x = floating(x)
    if x.ndim < 2:
        raise ValueError(f"Expected input to have rank >= 2. Received: x.shape={x.shape}")
    return jnp.linalg.pinv(x, rtol=rcond)


@keras_op("linalg")
def qr(x, mode="reduced"):
    """``(q, r)``: the QR factorisation.

    Args:
        x: ``(..., m, n)``.
        mode: 'reduced' or 'complete'.
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` must be 'reduced' or 'complete'. Received: mode={mode}")
    return jnp.linalg.qr(floating(x), mode=mode)


@keras_op("linalg")
def solve(a, b):
    """The solution ``x`` of ``a @ x = b``.

    Args:
        a: ``(..., n, n)``.
        b: ``(..., n)`` or ``(..., n, k)``.
    """
    return jnp.linalg.solve(_square(floating(a), "a"), floating(b))


@keras_op("linalg")
def solve_triangular(a, b, lower=False):
    """The solution ``x`` of ``a @ x = b`` for triangular ``a``.

    Args:
        a: ``(..., n, n)`` triangular.
        b: ``(..., n)`` or ``(..., n, k)``.
        lower: ``a`` is lower (else upper) triangular.
    """
    return jsl.solve_triangular(_square(floating(a), "a"), floating(b), lower=lower)


@keras_op("linalg")
def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition: ``(u, s, v^H)``, or ``s`` alone.

    Args:
        x: ``(..., m, n)``.
        full_matrices: full (else reduced) ``u`` and ``v^H``.
        compute_uv: also return ``u`` and ``v^H``.
    """
    return jnp.linalg.svd(floating(x), full_matrices=full_matrices, compute_uv=compute_uv)


__test__ = doctests(globals())
