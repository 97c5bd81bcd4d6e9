"""kerasish.ops core, linalg and math ops against keras.ops (JAX backend), from a table
(see tests/test_ops_parity_numpy.py for the conventions)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ops_harness import A, c, run, variable_sample

FAST = {"cast", "norm", "scan", "scatter_update", "segment_sum", "top_k"}


def _sq(x):
    return x * x


def _sum_step(carry, x):
    return carry + x, carry * x


def _log1pexp(x):
    e = jnp.exp(x)
    return jnp.log(1 + e), lambda upstream: upstream * (1.0 - 1.0 / (1.0 + e))


def _grad_at(f):
    return jax.grad(lambda x: jnp.sum(f(x)))(jnp.array([0.5, -1.0, 2.0], "float32"))


CASES = {
    # core
    "scan": [c(_sum_step, 0.0, xs=A.V3),
             c(lambda carry, _: (carry * 2.0, carry), 1.0, None, length=4, reverse=True,
               unroll=2),
             c(_sum_step, np.zeros(3, "float32"), A.M, reverse=True, unroll=True)],
    "associative_scan": [c(lambda a, b: a + b, A.V),
                         c(lambda a, b: a * b, A.F, reverse=True, axis=1)],
    "fori_loop": [c(0, 4, lambda i, v: v + i, 0), c(1, 3, lambda i, v: v * 2.0, A.V3)],
    "while_loop": [c(lambda i: i < 10, lambda i: i * 2, 1),
                   c(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (0, 0.0),
                     maximum_iterations=3)],
    "cond": [c(True, lambda: A_V3, lambda: -A_V3), c(False, lambda: 1.0, lambda: 2.0)],
    "switch": [c(1, [lambda x: x + 1, lambda x: x * 2.0], A.V3),
               c(5, [lambda x: x + 1, lambda x: x * 2.0], A.V3)],
    "map": [c(lambda r: jnp.sum(r), A.M)],
    "vectorized_map": [c(lambda r: r * jnp.sum(r), A.M)],
    "scatter": [c(np.array([[0], [2]]), A.V3[:2], (4,)),
                c(np.array([[0, 1], [1, 2]]), np.array([1.0, 2.0], "float32"), (2, 3))],
    "scatter_update": [c(A.F, np.array([[0, 1], [1, 2]]), np.array([9.0, 8.0], "float32")),
                       c(A.F, np.array([[0, 1], [0, 1]]), np.array([1.0, 2.0], "float32"),
                         reduction="add"),
                       c(A.F, np.array([[1, 0]]), np.array([5.0], "float32"),
                         reduction="max")],
    "slice": [c(A.T, (0, 1, 1), (2, 2, 2)), c(A.M, np.array([1, 0]), (2, 3))],
    "slice_update": [c(A.T, (0, 1, 1), np.ones((1, 2, 2), "float32"))],
    "unstack": [c(A.T), c(A.T, num=3, axis=1)],
    "cast": [c(A.F, "int32"), c(A.I, "float16"), c(A.B, "float32")],
    "saturate_cast": [c(A.F * 100, "int8"), c(np.array([-3.0, 300.0], "float32"), "uint8")],
    "convert_to_tensor": [c([[1, 2], [3, 4]]), c(A.F, dtype="float16"),
                          c(A.I, dtype="float32", sparse=False, ragged=False)],
    "convert_to_numpy": [c(A.F), c(variable_sample(), _then=np.asarray)],
    "shape": [c(A.T)],
    "dtype": [c(A.F), c(A.I)],
    "is_tensor": [c(A.F), c(jnp.ones(2))],
    "stop_gradient": [c(A.F)],
    "custom_gradient": [c(_log1pexp, _then=_grad_at)],
    # linalg
    "cholesky": [c(A.M, _grad=True), c(A.M, upper=True)],
    "cholesky_inverse": [c(A.LOW), c(A.LOW.T, upper=True)],
    "det": [c(A.M, _grad=True)],
    "eig": [c(A.M, _then=lambda out: np.sort(np.real(np.asarray(out[0]))))],
    "eigh": [c(A.M, _then=lambda out: out[0])],
    "inv": [c(A.M, _grad=True)],
    "jvp": [c(_sq, (A.V3,), (A.W3,)),
            c(lambda x: (x * 2.0, x.sum()), (A.V3,), (A.W3,), has_aux=True)],
    "lstsq": [c(A.M43, A.M43[:, 0]), c(A.M43, A.M43, rcond=0.1)],
    "lu_factor": [c(A.M)],
    "matrix_rank": [c(A.M34), c(A.M, tol=5.0)],
    "norm": [c(A.F, _grad=True), c(A.T, ord=1, axis=1, keepdims=True),
             c(A.M, ord="fro"), c(A.I, axis=0)],
    "pinv": [c(A.M34), c(A.M34, rcond=0.5)],
    "qr": [c(A.M43, _then=lambda out: np.abs(np.asarray(out[1]))),
           c(A.M43, mode="complete", _then=lambda out: np.abs(np.asarray(out[1])))],
    "solve": [c(A.M, A.M34, _grad=True)],
    "solve_triangular": [c(A.LOW, A.M34), c(A.LOW.T, A.M34, lower=False),
                         c(A.LOW, A.M34, lower=True)],
    "svd": [c(A.M34, _then=lambda out: out[1]),
            c(A.M34, full_matrices=False, compute_uv=False)],
    # math
    "erf": [c(A.F, _grad=True)],
    "erfc": [c(A.F, _grad=True)],
    "erfinv": [c(A.U, _grad=True)],
    "rsqrt": [c(A.P, _grad=True)],
    "top_k": [c(A.V, 3), c(A.F, 2, sorted=False)],
    "in_top_k": [c(A.LABELS, A.PROBS, 1), c(A.LABELS, A.PROBS, 2)],
    "logsumexp": [c(A.F, _grad=True), c(A.T, axis=1, keepdims=True)],
    **{n: [c(A.V, A.SEG, num_segments=3), c(A.V, A.SEG, num_segments=4, sorted=True)]
       for n in ("segment_sum", "segment_max", "segment_min", "segment_prod")},
    "extract_sequences": [c(A.SIG, 8, 4)],
    "fft": [c(A.REIM)],
    "fft2": [c(A.REIM2)],
    "ifft2": [c(A.REIM2)],
    "rfft": [c(A.SIG), c(A.SIG, fft_length=16)],
    "irfft": [c(A.REIM), c(A.REIM, fft_length=8)],
    "stft": [c(A.SIG, 8, 4, 8), c(A.SIG, 6, 3, 8, window="hamming", center=False),
             c(A.SIG, 8, 4, 8, window=None)],
    "istft": [c((np.asarray(np.fft.rfft(np.ones((1, 5, 8)), axis=-1).real, "float32"),
                 np.zeros((1, 5, 5), "float32")), 8, 4, 8),
              c((np.asarray(np.fft.rfft(np.ones((1, 5, 8)), axis=-1).real, "float32"),
                 np.zeros((1, 5, 5), "float32")), 8, 4, 8, length=12, window="hamming",
                center=False)],
    "logdet": [c(A.M)],
    "cdist": [c(A.M34, A.M34[:2])],
    "view_as_complex": [c(A.PAIRS)],
    "view_as_real": [c(np.array([1 + 2j, 3 - 1j], "complex64"))],
    "rearrange": [c(A.T, "b h w -> b w h"), c(A.T, "b (h w) c -> b h w c", h=1)],
}
A_V3 = np.array([1.0, 2.0, 3.0], "float32")


def _params():
    return [pytest.param(name, i, id=f"{name}-{i}",
                         marks=[] if name in FAST and i == 0 else [pytest.mark.slow])
            for name, calls in sorted(CASES.items()) for i in range(len(calls))]


@pytest.mark.parametrize("name,i", _params())
def test_core_op_matches_keras(keras, name, i):
    """CASES: each call of each op equals Keras's (values, dtypes, gradients)."""
    assert run(keras, name, CASES[name][i]) <= CASES[name][i].tol
