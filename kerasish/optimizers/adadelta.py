"""``Adadelta``: steps scaled by the ratio of two running RMS values (Keras's form)::

    acc_g = rho * acc_g + (1 - rho) * g**2
    delta = -sqrt(acc_delta + epsilon) * g / sqrt(acc_g + epsilon)
    acc_delta = rho * acc_delta + (1 - rho) * delta**2
    w = w + learning_rate * delta

Keras keeps a learning rate (default 0.001), which the original paper has not.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, base_arguments, check_float


class AdadeltaSlots(NamedTuple):
    accumulated_grads: Any
    accumulated_delta_vars: Any


def adadelta_step(rho=0.95, epsilon=1e-7):
    """Keras's Adadelta rule as an optax transform (extra argument: ``learning_rate``).

    >>> import jax.numpy as jnp
    >>> step = adadelta_step(rho=0.0, epsilon=1.0)
    >>> g = {"w": jnp.array([3.0])}
    >>> u, _ = step.update(g, step.init(g), learning_rate=jnp.float32(1.0))
    >>> round(float(u["w"][0]), 5)  # -sqrt(0 + 1) * 3 / sqrt(9 + 1)
    -0.94868
    """

    def init(params):
        zeros = lambda: jax.tree.map(slot_init.zeros_like, params)  # noqa: E731
        return AdadeltaSlots(zeros(), zeros())

    def update(grads, state, params=None, *, learning_rate, **extra_args):
        del params, extra_args
        rms = lambda x: jnp.sqrt(x + epsilon)  # noqa: E731

        def step(g, acc_g, acc_delta):
            acc_g = rho * acc_g + (1 - rho) * jnp.square(g)
            delta = -((rms(acc_delta) * g) / rms(acc_g))
            acc_delta = rho * acc_delta + (1 - rho) * jnp.square(delta)
            return learning_rate.astype(g.dtype) * delta, acc_g, acc_delta

        out = jax.tree.map(step, grads, state.accumulated_grads, state.accumulated_delta_vars)
        pick = lambda i: jax.tree.map(lambda _, o: o[i], grads, out)  # noqa: E731
        return pick(0), AdadeltaSlots(pick(1), pick(2))

    return optax.GradientTransformationExtraArgs(init, update)


class Adadelta(Optimizer):
    """Adadelta, as ``keras.optimizers.Adadelta``.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        rho: decay of both running averages, in [0, 1). Defaults to 0.95.
        epsilon: added inside both square roots. Defaults to 1e-7.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp
    >>> opt = Adadelta(learning_rate=1.0)
    >>> state = opt.init({"w": jnp.zeros(3)})
    >>> [slot["w"].shape for slot in state.slots[0]]  # accumulated_grad, accumulated_delta_var
    [(3,), (3,)]
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, **base_arguments(locals()))
        self.rho = check_float("rho", rho, 0.0, 1.0, high_open=True)
        self.epsilon = check_float("epsilon", epsilon)

    slot_order = ((("accumulated_grads", "accumulated_grad"),
                   ("accumulated_delta_vars", "accumulated_delta_var")),)

    def transform(self):
        return adadelta_step(self.rho, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
