"""``Muon``: momentum orthogonalised by Newton-Schulz for 2D weights, AdamW for the rest
(Keras's form, with the Moonlight learning-rate adjustment).

A weight takes the AdamW path when it is not 2D, when ``exclude_embeddings`` and its
path contains "embedding", or when one of ``exclude_layers`` (regular expressions)
matches its path (``"dense/kernel"``). Otherwise::

    m = m + g + m * (momentum - 1)
    G = g + momentum * m  if nesterov  else m
    X = G / (||G||_F + 1e-7)        (transposed first when it has more rows than columns)
    repeat ns_steps:  A = X X^T;  X = muon_a X + (muon_b A + muon_c A A) X
    w = w - learning_rate * X * sqrt(max(rows, cols)) * rms_rate

The AdamW path is Keras's Adam with ``learning_rate * adam_lr_ratio``. Decoupled weight
decay uses ``weight_decay`` on the Muon path and ``adam_weight_decay`` on the other.
"""

import re
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, _key_path_str, base_arguments, check_float


class MuonSlots(NamedTuple):
    momentums: Any
    velocities: Any  # None for the weights on the Muon path


def _transpose_last(x):
    return jnp.swapaxes(x, -1, -2)


def newton_schulz(x, steps, a=3.4445, b=-4.7750, c=2.0315):
    """Keras's quintic Newton-Schulz approximation of the orthogonal factor of ``x``.

    >>> import jax.numpy as jnp
    >>> q = newton_schulz(jnp.array([[3.0, 0.0], [0.0, 0.5]]), 5)
    >>> [[round(v, 2) for v in row] for row in q.tolist()]  # singular values near 1
    [[0.71, 0.0], [0.0, 1.04]]
    """
    tall = x.shape[-2] > x.shape[-1]
    if tall:
        x = _transpose_last(x)
    x = x / (jnp.linalg.norm(x, axis=(-2, -1), keepdims=True) + 1e-7)
    for _ in range(steps):
        t = x @ _transpose_last(x)
        x = a * x + (b * t + c * t @ t) @ x
    return _transpose_last(x) if tall else x


def muon_step(use_adam, adam_beta_1=0.9, adam_beta_2=0.999, epsilon=1e-7, muon_a=3.4445,
              muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
              nesterov=True, rms_rate=0.2):
    """Keras's Muon rule as an optax transform (extra arguments: ``learning_rate``,
    ``iterations``). ``use_adam(path, array)`` says which weights take the AdamW path.

    >>> import jax.numpy as jnp
    >>> step = muon_step(lambda path, w: w.ndim != 2)
    >>> state = step.init({"kernel": jnp.ones((2, 3)), "bias": jnp.ones(3)})
    >>> state.velocities["bias"].shape, state.velocities["kernel"] is None
    ((3,), True)
    """

    def init(params):
        velocities = jax.tree_util.tree_map_with_path(
            lambda path, p: slot_init.zeros_like(p) if use_adam(_key_path_str(path), p) else None,
            params)
        return MuonSlots(jax.tree.map(slot_init.zeros_like, params), velocities)

    def update(grads, state, params=None, *, learning_rate, iterations, **extra_args):
        del params, extra_args

        def step(v, g, m):
            dtype = g.dtype
            if v is not None:  # AdamW
                lr = (learning_rate * adam_lr_ratio).astype(dtype)
                t = (iterations + 1).astype(dtype)
                b1_power = jnp.power(jnp.asarray(adam_beta_1, dtype), t)
                b2_power = jnp.power(jnp.asarray(adam_beta_2, dtype), t)
                alpha = lr * jnp.sqrt(1 - b2_power) / (1 - b1_power)
                m = m + (g - m) * (1 - adam_beta_1)
                v = v + (jnp.square(g) - v) * (1 - adam_beta_2)
                return -((m * alpha) / (jnp.sqrt(v) + epsilon)), m, v
            m = m + (g + m * (momentum - 1))
            direction = g + momentum * m if nesterov else m
            u = learning_rate * newton_schulz(direction, ns_steps, muon_a, muon_b, muon_c)
            if rms_rate is not None:
                u = u * jnp.sqrt(jnp.maximum(u.shape[0], u.shape[1]).astype(jnp.float32)) \
                    * rms_rate
            return -u.astype(dtype), m, None

        is_none = lambda x: x is None  # noqa: E731
        out = jax.tree.map(step, state.velocities, grads, state.momentums, is_leaf=is_none)
        pick = lambda i: jax.tree.map(lambda _, o: o[i], state.velocities, out,  # noqa: E731
                                      is_leaf=is_none)
        return pick(0), MuonSlots(pick(1), pick(2))

    return optax.GradientTransformationExtraArgs(init, update)


def _per_weight_decay(rate_of, mask):
    """Decoupled weight decay whose rate ``rate_of(path, w)`` (or None: none) is per weight."""

    def update(updates, state, params=None, *, learning_rate, **extra_args):
        del extra_args
        if params is None:
            raise ValueError(
                "Weight decay needs the current weights, but `update` was called with "
                "params=None. Pass them: `optimizer.update(grads, state, params)`.")
        use = mask(params) if mask is not None else jax.tree.map(lambda _: True, params)

        def decay(path, u, w, use_it):
            rate = rate_of(_key_path_str(path), w)
            if not use_it or rate is None:
                return u
            return u - w * rate * learning_rate.astype(w.dtype)

        return jax.tree_util.tree_map_with_path(decay, updates, params, use), state

    return optax.GradientTransformationExtraArgs(lambda p: optax.EmptyState(), update)


class Muon(Optimizer):
    """Muon (momentum orthogonalised by Newton-Schulz), as ``keras.optimizers.Muon``.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        adam_beta_1, adam_beta_2: Adam's decays on the AdamW path. Default 0.9, 0.999.
        adam_weight_decay: decoupled weight decay on the AdamW path. Defaults to 0.004.
        epsilon: Adam's epsilon ("epsilon hat"). Defaults to 1e-7.
        weight_decay: decoupled weight decay on the Muon path. Defaults to 0.004.
        exclude_layers: regular expressions; a weight whose path matches one takes the
            AdamW path. Defaults to None.
        exclude_embeddings: weights whose path contains "embedding" take the AdamW
            path. Defaults to True.
        muon_a, muon_b, muon_c: the Newton-Schulz coefficients.
        adam_lr_ratio: the AdamW path's learning rate over ``learning_rate``. Defaults to 1.
        momentum: the Muon path's momentum, in [0, 1]. Defaults to 0.95.
        ns_steps: Newton-Schulz iterations, an int >= 0. Defaults to 5.
        nesterov: use Nesterov momentum. Defaults to True.
        rms_rate: the update is scaled by ``sqrt(max(rows, cols)) * rms_rate``; None
            skips the scaling. Defaults to 0.2.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp
    >>> opt = Muon()
    >>> state = opt.init({"dense": {"kernel": jnp.ones((4, 3)), "bias": jnp.ones(3)}})
    >>> state.slots[0].velocities["dense"]  # the kernel takes the Muon path
    {'bias': Array([0., 0., 0.], dtype=float32), 'kernel': None}
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        super().__init__(learning_rate, **base_arguments(locals()))
        self.adam_beta_1 = check_float("adam_beta_1", adam_beta_1, 0.0, 1.0, high_open=True)
        self.adam_beta_2 = check_float("adam_beta_2", adam_beta_2, 0.0, 1.0, high_open=True)
        self.adam_weight_decay = None if adam_weight_decay is None else check_float(
            "adam_weight_decay", adam_weight_decay)
        self.epsilon = check_float("epsilon", epsilon)
        if exclude_layers is not None and (isinstance(exclude_layers, str) or not all(
                isinstance(p, str) for p in exclude_layers)):
            raise ValueError(
                "Received an invalid value for `exclude_layers`, expected a list of "
                f"regular expressions (strings). Received: exclude_layers={exclude_layers!r}")
        self.exclude_layers = list(exclude_layers or [])
        self.exclude_embeddings = bool(exclude_embeddings)
        self.muon_a = check_float("muon_a", muon_a, -float("inf"))
        self.muon_b = check_float("muon_b", muon_b, -float("inf"))
        self.muon_c = check_float("muon_c", muon_c, -float("inf"))
        self.adam_lr_ratio = adam_lr_ratio if isinstance(adam_lr_ratio, int) and not \
            isinstance(adam_lr_ratio, bool) else check_float("adam_lr_ratio", adam_lr_ratio)
        self.momentum = check_float("momentum", momentum, 0.0, 1.0)
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, int) or ns_steps < 0:
            raise ValueError("Received an invalid value for `ns_steps`, expected an integer "
                             f">= 0. Received: ns_steps={ns_steps!r}")
        self.ns_steps = ns_steps
        self.nesterov = bool(nesterov)
        self.rms_rate = None if rms_rate is None else check_float("rms_rate", rms_rate)

    # Keras: per weight, its momentum, then its velocity (AdamW path only).
    slot_order = ((("momentums", "momentum"), ("velocities", "velocity")),)

    def _uses_adam(self, path, w):
        if w.ndim != 2:
            return True
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(p, path) for p in self.exclude_layers)

    def transform(self):
        return muon_step(self._uses_adam, self.adam_beta_1, self.adam_beta_2, self.epsilon,
                         self.muon_a, self.muon_b, self.muon_c, self.adam_lr_ratio,
                         self.momentum, self.ns_steps, self.nesterov, self.rms_rate)

    def _chain(self):
        mask = self._decay_mask if (self._exclude_paths or self._exclude_pattern) else None
        rate_of = lambda path, w: (  # noqa: E731
            self.adam_weight_decay if self._uses_adam(path, w) else self.weight_decay)
        return optax.chain(*self._clip_parts(), self.transform(),
                           _per_weight_decay(rate_of, mask))

    def get_config(self):
        return {
            **super().get_config(),
            "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon, "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a, "muon_b": self.muon_b, "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
            "ns_steps": self.ns_steps, "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate,
        }
