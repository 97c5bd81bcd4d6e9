"""``RMSprop``: divide by a moving root mean square of the gradients, as Keras does::

    velocity = rho * velocity + (1 - rho) * g**2
    average  = rho * average + (1 - rho) * g                 # centered=True only
    step     = learning_rate * g / sqrt(velocity - average**2 + epsilon)
    momentum_buf = momentum * momentum_buf + step            # momentum > 0 only
    w = w - (momentum_buf if momentum > 0 else step)

Epsilon sits *inside* the square root (``optax.rmsprop`` adds it outside), and the
momentum buffer holds learning-rate-scaled steps.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, check_float


class RMSpropSlots(NamedTuple):
    velocities: Any
    momentums: Any  # None unless momentum > 0
    average_gradients: Any  # None unless centered


def rmsprop_step(rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    """Keras's RMSprop rule as an optax transform (extra argument: ``learning_rate``).

    >>> import jax.numpy as jnp
    >>> step = rmsprop_step()
    >>> grads = {"w": jnp.ones(3)}
    >>> u, _ = step.update(grads, step.init(grads), learning_rate=jnp.float32(0.01))
    >>> round(float(u["w"][0]), 5)  # -0.01 * 1 / sqrt(0.1)
    -0.03162
    """

    def init(params):
        zeros = lambda: jax.tree.map(slot_init.zeros_like, params)
        return RMSpropSlots(
            velocities=zeros(),
            momentums=zeros() if momentum > 0 else None,
            average_gradients=zeros() if centered else None,
        )

    def update(grads, state, params=None, *, learning_rate, **extra_args):
        del params, extra_args
        velocities = jax.tree.map(
            lambda g, v: rho * v + (1 - rho) * jnp.square(g), grads, state.velocities
        )
        if centered:
            averages = jax.tree.map(
                lambda g, a: rho * a + (1 - rho) * g, grads, state.average_gradients
            )
            denominators = jax.tree.map(lambda v, a: v - jnp.square(a) + epsilon, velocities, averages)
        else:
            averages = None
            denominators = jax.tree.map(lambda v: v + epsilon, velocities)
        steps = jax.tree.map(
            lambda g, d: (learning_rate.astype(g.dtype) * g) / jnp.sqrt(d), grads, denominators
        )
        if momentum > 0:
            momentums = jax.tree.map(lambda m, s: momentum * m + s, state.momentums, steps)
            steps = momentums
        else:
            momentums = None
        updates = jax.tree.map(jnp.negative, steps)
        return updates, RMSpropSlots(velocities, momentums, averages)

    return optax.GradientTransformationExtraArgs(init, update)


class RMSprop(Optimizer):
    """RMSprop, as ``keras.optimizers.RMSprop`` (Keras's ``compile()`` default).

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        rho: decay of the moving average of squared gradients, in [0, 1). Defaults to 0.9.
        momentum: float in [0, 1]. Defaults to 0.0.
        epsilon: added to the mean square, inside the square root. Defaults to 1e-7.
        centered: divide by the estimated variance instead of the raw second moment.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp
    >>> opt = RMSprop(centered=True, momentum=0.5)
    >>> state = opt.init({"w": jnp.zeros((4,))})
    >>> [slot["w"].shape for slot in state.slots[0]]  # velocity, momentum, average
    [(4,), (4,), (4,)]
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
        self.rho = check_float("rho", rho, 0.0, 1.0, high_open=True)
        self.momentum = check_float("momentum", momentum, 0.0, 1.0)
        self.epsilon = check_float("epsilon", epsilon)
        self.centered = bool(centered)

    # Keras: one add_optimizer_variables call per slot, each over all the weights.
    slot_order = ((("velocities", "velocity"),), (("momentums", "momentum"),),
                  (("average_gradients", "average_gradient"),))

    def transform(self):
        return rmsprop_step(self.rho, self.momentum, self.epsilon, self.centered)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
