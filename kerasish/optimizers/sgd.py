"""``SGD``: gradient descent, with Keras's momentum and Nesterov forms.

Keras keeps the learning rate *inside* the momentum buffer::

    velocity = momentum * velocity - learning_rate * g
    w = w + velocity                                       # nesterov=False
    w = w + momentum * velocity - learning_rate * g        # nesterov=True

(``optax.sgd`` stores the raw gradient trace and multiplies by the rate afterwards,
which differs as soon as the learning rate changes during training.)
"""

from typing import Any, NamedTuple

import jax
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, check_float


class SGDSlots(NamedTuple):
    momentums: Any  # one per weight, learning rate already folded in


def sgd_step(momentum=0.0, nesterov=False):
    """Keras's SGD rule as an optax transform (extra argument: ``learning_rate``).

    >>> import jax.numpy as jnp
    >>> step = sgd_step(momentum=0.5)
    >>> grads = {"w": jnp.ones(2)}
    >>> state = step.init(grads)
    >>> u, state = step.update(grads, state, learning_rate=jnp.float32(0.1))
    >>> u, state = step.update(grads, state, learning_rate=jnp.float32(0.1))
    >>> [round(x, 4) for x in u["w"].tolist()]
    [-0.15, -0.15]
    """

    def init(params):
        if momentum == 0:
            return optax.EmptyState()
        return SGDSlots(jax.tree.map(slot_init.zeros_like, params))

    def update(grads, state, params=None, *, learning_rate, **extra_args):
        del params, extra_args
        if momentum == 0:
            return jax.tree.map(lambda g: -(g * learning_rate.astype(g.dtype)), grads), state

        def new_velocity(g, v):
            return v * momentum - g * learning_rate.astype(g.dtype)

        velocities = jax.tree.map(new_velocity, grads, state.momentums)
        if nesterov:
            updates = jax.tree.map(new_velocity, grads, velocities)
        else:
            updates = velocities
        return updates, SGDSlots(velocities)

    return optax.GradientTransformationExtraArgs(init, update)


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, as ``keras.optimizers.SGD``.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.01.
        momentum: float in [0, 1]; 0 is plain gradient descent. Defaults to 0.0.
        nesterov: whether to use Nesterov momentum. Defaults to False.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`
            (``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``).

    >>> import jax.numpy as jnp, optax
    >>> opt = SGD(learning_rate=0.1, momentum=0.9)
    >>> params = {"w": jnp.ones((2, 2))}
    >>> state = opt.init(params)
    >>> updates, state = opt.update({"w": jnp.ones((2, 2))}, state, params)
    >>> optax.apply_updates(params, updates)["w"].tolist()
    [[0.8999999761581421, 0.8999999761581421], [0.8999999761581421, 0.8999999761581421]]
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
        self.momentum = check_float("momentum", momentum, 0.0, 1.0)
        self.nesterov = bool(nesterov)

    slot_order = ((("momentums", "momentum"),),)

    def transform(self):
        return sgd_step(self.momentum, self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
