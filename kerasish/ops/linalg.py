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

from kerasish.ops._dispatch import keras_op
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

    ``x`` is symmetrised first, ``(x + x^H) / 2``. A matrix that is not
    positive-definite gives NaN entries rather than an error (JAX's behaviour).

    Args:
        x: ``(..., n, n)``.
        upper: return the upper factor.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]])).tolist()
    [[2.0, 0.0], [1.0, 2.0]]
    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]), upper=True).tolist()
    [[2.0, 1.0], [0.0, 2.0]]
    """
    factor = jnp.linalg.cholesky(_square(floating(x)))
    return jnp.swapaxes(factor, -1, -2).conj() if upper else factor


@keras_op("linalg")
def cholesky_inverse(x, upper=False):
    """The inverse of ``A`` from its Cholesky factor ``x`` (``A = x @ x.T``, or
    ``x.T @ x`` with ``upper=True``).

    Cheaper and more stable than inverting ``A`` itself once its Cholesky factor is
    known: two triangular solves.

    Args:
        x: ``(..., n, n)`` triangular factor.
        upper: ``x`` is the upper factor.

    >>> factor = np.array([[2.0, 0.0], [1.0, 2.0]])  # of [[4, 2], [2, 5]]
    >>> cholesky_inverse(factor).tolist()
    [[0.3125, -0.125], [-0.125, 0.25]]
    """
    x = _square(floating(x))
    eye = jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    inv = jsl.solve_triangular(x, eye, lower=not upper)
    return inv @ jnp.swapaxes(inv, -1, -2) if upper else jnp.swapaxes(inv, -1, -2) @ inv


@keras_op("linalg")
def det(x):
    """Determinant of square matrices.

    Computed from an LU factorisation; batched over the leading axes. Integer input is
    computed in ``floatx``. For a log-determinant without overflow use
    ``kerasish.ops.logdet``.

    Args:
        x: ``(..., n, n)``.

    >>> float(det(np.array([[2.0, 1.0], [1.0, 3.0]])))
    5.0
    """
    return jnp.linalg.det(_square(floating(x)))


@keras_op("linalg")
def eig(x):
    """``(eigenvalues, eigenvectors)`` of general square matrices (complex; CPU only
    on JAX).

    Eigenvalues and eigenvectors of a non-symmetric matrix may be complex, so both are
    returned as complex tensors; for symmetric matrices ``eigh`` is faster, real and
    runs on every device.

    Args:
        x: ``(..., n, n)``.

    >>> values, vectors = eig(np.array([[2.0, 1.0], [0.0, 3.0]]))
    >>> values.tolist()
    [(2+0j), (3+0j)]
    """
    return jnp.linalg.eig(_square(floating(x)))


@keras_op("linalg")
def eigh(x):
    """``(eigenvalues, eigenvectors)`` of symmetric (Hermitian) matrices, ascending.

    ``x`` is symmetrised first, ``(x + x^H) / 2``. The eigenvectors are the columns of
    the second output, orthonormal.

    Args:
        x: ``(..., n, n)``.

    >>> values, vectors = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> values.tolist()
    [1.0, 3.0]
    """
    return jnp.linalg.eigh(_square(floating(x)))


@keras_op("linalg")
def inv(x):
    """Inverse of square matrices.

    A singular matrix gives ``inf`` or NaN entries rather than an error (JAX's
    behaviour). To solve ``a @ x = b``, ``solve`` is faster and more accurate than
    ``inv(a) @ b``.

    Args:
        x: ``(..., n, n)``.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    return jnp.linalg.inv(_square(floating(x)))


@keras_op("linalg", symbolic=False)
def jvp(fun, primals, tangents, has_aux=False):
    """``(fun(*primals), J @ tangents)``: a Jacobian-vector product (``jax.jvp``).

    Forward-mode differentiation: one pass gives the derivative in the direction of
    ``tangents``, cheaper than a full Jacobian when the inputs are few.

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

    Minimises ``||a @ x - b||``; an under-determined system gets the solution of
    smallest norm. Not batched (as in Keras).

    Args:
        a: ``(m, n)``.
        b: ``(m,)`` or ``(m, k)``.
        rcond: cut-off ratio for small singular values (default: machine precision
            times the larger dimension).

    >>> a = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])  # fit b = c0 + c1 * t
    >>> [round(v, 4) for v in lstsq(a, np.array([1.0, 3.0, 5.0])).tolist()]
    [1.0, 2.0]
    """
    a, b = floating(a), floating(b)
    if a.ndim != 2 or b.ndim not in (1, 2) or a.shape[0] != b.shape[0]:
        raise ValueError(f"`lstsq` takes a (m, n) and b (m,) or (m, k). Received: "
                         f"a.shape={a.shape}, b.shape={b.shape}")
    return jnp.linalg.lstsq(a, b, rcond=rcond)[0]


@keras_op("linalg")
def lu_factor(x):
    """``(lu, pivots)``: the packed LU factorisation with row pivots.

    ``lu`` holds ``U`` in its upper triangle and the multipliers of ``L`` (unit
    diagonal) below; row ``i`` was swapped with row ``pivots[i]``
    (``jax.scipy.linalg.lu_factor``).

    Args:
        x: ``(..., n, n)``.

    >>> lu, pivots = lu_factor(np.array([[2.0, 1.0], [4.0, 4.0]]))
    >>> lu.tolist(), pivots.tolist()
    ([[4.0, 4.0], [0.5, -1.0]], [1, 1])
    """
    lu, pivots = jsl.lu_factor(_square(floating(x)))
    return lu, pivots.astype("int32")


@keras_op("linalg")
def matrix_rank(x, tol=None):
    """Rank: the number of singular values above ``tol``.

    Returns an ``int32`` scalar (one per matrix of a batch).

    Args:
        x: ``(..., m, n)``.
        tol: the threshold (default: largest singular value times
            ``max(m, n) * eps``).

    >>> int(matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])))
    1
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

    With ``ord=None`` the default is the 2-norm of a vector and the Frobenius norm of a
    matrix, as numpy.

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

    Defined for any matrix, singular or rectangular: ``pinv(x) @ b`` is the least-
    squares solution of ``x @ y = b``; for an invertible ``x`` it equals ``inv(x)``.
    Result of shape ``(..., n, m)``.

    Args:
        x: ``(..., m, n)``.
        rcond: relative cut-off for small singular values (default: machine
            precision times the larger dimension).

    >>> pinv(np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.5, 0.0]]
    """
    x = floating(x)
    if x.ndim < 2:
        raise ValueError(f"Expected input to have rank >= 2. Received: x.shape={x.shape}")
    return jnp.linalg.pinv(x, rtol=rcond)


@keras_op("linalg")
def qr(x, mode="reduced"):
    """``(q, r)``: the QR factorisation.

    ``q`` has orthonormal columns and ``r`` is upper triangular, ``x = q @ r``. For an
    ``(m, n)`` input, 'reduced' gives ``q`` of ``(m, k)`` and ``r`` of ``(k, n)`` with
    ``k = min(m, n)``; 'complete' gives ``(m, m)`` and ``(m, n)``.

    Args:
        x: ``(..., m, n)``.
        mode: 'reduced' or 'complete'.

    >>> x = np.array([[3.0, 1.0], [4.0, 2.0], [0.0, 1.0]])
    >>> q, r = qr(x)
    >>> q.shape, r.shape, np.allclose(q @ r, x, atol=1e-6)
    ((3, 2), (2, 2), True)
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` must be 'reduced' or 'complete'. Received: mode={mode}")
    return jnp.linalg.qr(floating(x), mode=mode)


@keras_op("linalg")
def solve(a, b):
    """The solution ``x`` of ``a @ x = b``.

    Faster and more accurate than ``inv(a) @ b``; batched over leading axes.

    Args:
        a: ``(..., n, n)``.
        b: ``(..., n)`` or ``(..., n, k)``.

    >>> solve(np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([5.0, 5.0])).tolist()
    [2.0, 1.0]
    """
    return jnp.linalg.solve(_square(floating(a), "a"), floating(b))


@keras_op("linalg")
def solve_triangular(a, b, lower=False):
    """The solution ``x`` of ``a @ x = b`` for triangular ``a``.

    Only the triangle named by ``lower`` is read; by substitution, cheaper than
    ``solve``.

    Args:
        a: ``(..., n, n)`` triangular.
        b: ``(..., n)`` or ``(..., n, k)``.
        lower: ``a`` is lower (else upper) triangular.

    >>> a = np.array([[2.0, 0.0], [1.0, 1.0]])
    >>> solve_triangular(a, np.array([4.0, 3.0]), lower=True).tolist()
    [2.0, 1.0]
    """
    return jsl.solve_triangular(_square(floating(a), "a"), floating(b), lower=lower)


@keras_op("linalg")
def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition: ``(u, s, v^H)``, or ``s`` alone.

    ``x = u @ diag(s) @ v^H``, the singular values ``s`` non-negative and in descending
    order. For an ``(m, n)`` input ``u`` is ``(m, m)`` and ``v^H`` is ``(n, n)`` (with
    ``full_matrices=False``: ``(m, k)`` and ``(k, n)``, ``k = min(m, n)``).

    Args:
        x: ``(..., m, n)``.
        full_matrices: full (else reduced) ``u`` and ``v^H``.
        compute_uv: also return ``u`` and ``v^H``.

    >>> svd(np.array([[3.0, 0.0], [0.0, 4.0]]), compute_uv=False).tolist()
    [4.0, 3.0]
    >>> [a.shape for a in svd(np.ones((3, 2)), full_matrices=False)]
    [(3, 2), (2,), (2, 2)]
    """
    return jnp.linalg.svd(floating(x), full_matrices=full_matrices, compute_uv=compute_uv)

