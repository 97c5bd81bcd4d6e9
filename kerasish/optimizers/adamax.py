"""``Adamax``: Adam with the infinity norm in place of the second moment (Keras's form)::

    m = m + (g - m) * (1 - beta_1)
    u = max(beta_2 * u, |g|)
    w = w - learning_rate * m / ((1 - beta_1**t) * (u + epsilon))      # t = iterations + 1
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, base_arguments, check_float


class AdamaxSlots(NamedTuple):
    momentums: Any
    norms: Any


def adamax_step(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras's Adamax rule as an optax transform (extra arguments: ``learning_rate``,
    ``iterations``).

    >>> import jax.numpy as jnp
    >>> step = adamax_step()
    >>> g = {"w": jnp.full(2, 2.0)}
    >>> u, _ = step.update(g, step.init(g), learning_rate=jnp.float32(0.1), iterations=jnp.int32(0))
    >>> [round(x, 5) for x in u["w"].tolist()]  # -0.1 * 0.2 / (0.1 * 2)
    [-0.1, -0.1]
    """

    def init(params):
        zeros = lambda: jax.tree.map(slot_init.zeros_like, params)  # noqa: E731
        return AdamaxSlots(zeros(), zeros())

    def update(grads, state, params=None, *, learning_rate, iterations, **extra_args):
        del params, extra_args

        def step(g, m, u):
            dtype = g.dtype
            beta_1_power = jnp.power(jnp.asarray(beta_1, dtype), (iterations + 1).astype(dtype))
            m = m + (g - m) * (1 - beta_1)
            u = jnp.maximum(beta_2 * u, jnp.abs(g))
            lr = learning_rate.astype(dtype)
            return -((lr * m) / ((1 - beta_1_power) * (u + epsilon))), m, u

        out = jax.tree.map(step, grads, state.momentums, state.norms)
        pick = lambda i: jax.tree.map(lambda _, o: o[i], grads, out)  # noqa: E731
        return pick(0), AdamaxSlots(pick(1), pick(2))

    return optax.GradientTransformationExtraArgs(init, update)


class Adamax(Optimizer):
    """Adamax, as ``keras.optimizers.Adamax``.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        beta_1: decay of the first-moment average, in [0, 1). Defaults to 0.9.
        beta_2: decay of the infinity norm, in [0, 1). Defaults to 0.999.
        epsilon: added to the norm. Defaults to 1e-7.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp
    >>> opt = Adamax()
    >>> state = opt.init({"w": jnp.zeros((2, 2))})
    >>> [slot["w"].shape for slot in state.slots[0]]  # momentum, norm
    [(2, 2), (2, 2)]
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, **base_arguments(locals()))
        self.beta_1 = check_float("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = check_float("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = check_float("epsilon", epsilon)

    slot_order = ((("momentums", "momentum"), ("norms", "norm")),)

    def transform(self):
        return adamax_step(self.beta_1, self.beta_2, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
