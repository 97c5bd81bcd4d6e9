"""``Lion``: the sign of an interpolated momentum (Keras's form)::

    w = w - learning_rate * sign(beta_1 * m + (1 - beta_1) * g)
    m = beta_2 * m + (1 - beta_2) * g
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, base_arguments, check_float


class LionSlots(NamedTuple):
    momentums: Any


def lion_step(beta_1=0.9, beta_2=0.99):
    """Keras's Lion rule as an optax transform (extra argument: ``learning_rate``).

    >>> import jax.numpy as jnp
    >>> step = lion_step()
    >>> g = {"w": jnp.array([3.0, -0.5])}
    >>> u, _ = step.update(g, step.init(g), learning_rate=jnp.float32(0.1))
    >>> [round(x, 6) for x in u["w"].tolist()]
    [-0.1, 0.1]
    """

    def init(params):
        return LionSlots(jax.tree.map(slot_init.zeros_like, params))

    def update(grads, state, params=None, *, learning_rate, **extra_args):
        del params, extra_args

        def step(g, m):
            dtype = g.dtype
            b1, b2 = jnp.asarray(beta_1, dtype), jnp.asarray(beta_2, dtype)
            u = -(learning_rate.astype(dtype) * jnp.sign(m * b1 + g * (1.0 - b1)))
            return u, m * b2 + g * (1.0 - b2)

        out = jax.tree.map(step, grads, state.momentums)
        pick = lambda i: jax.tree.map(lambda _, o: o[i], grads, out)  # noqa: E731
        return pick(0), LionSlots(pick(1))

    return optax.GradientTransformationExtraArgs(init, update)


class Lion(Optimizer):
    """Lion (evolved sign momentum), as ``keras.optimizers.Lion``.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        beta_1: weight of the momentum in the step's sign, in (0, 1]. Defaults to 0.9.
        beta_2: decay of the momentum, in [0, 1]. Defaults to 0.99.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp, optax
    >>> opt = Lion(learning_rate=0.1)
    >>> params = {"w": jnp.zeros(2)}
    >>> updates, _ = opt.update({"w": jnp.array([2.0, -3.0])}, opt.init(params), params)
    >>> optax.apply_updates(params, updates)["w"].tolist()
    [-0.10000000149011612, 0.10000000149011612]
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, **base_arguments(locals()))
        # Keras: beta_1 = 0 degenerates to signSGD and is refused.
        self.beta_1 = check_float("beta_1", beta_1, 0.0, 1.0, low_open=True)
        self.beta_2 = check_float("beta_2", beta_2, 0.0, 1.0)

    slot_order = ((("momentums", "momentum"),),)

    def transform(self):
        return lion_step(self.beta_1, self.beta_2)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
