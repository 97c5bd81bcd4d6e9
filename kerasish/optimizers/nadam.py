"""``Nadam``: Adam with Nesterov momentum and Keras's momentum schedule::

    t = iterations + 1
    u(t) = beta_1 * (1 - 0.5 * 0.96**t)
    u_product = u_product * u(t)                      # one scalar, shared by all weights
    m = m + (g - m) * (1 - beta_1)
    v = v + (g**2 - v) * (1 - beta_2)
    m_hat = u(t+1) * m / (1 - u_product * u(t+1)) + (1 - u(t)) * g / (1 - u_product)
    w = w - learning_rate * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)

``optax.nadam`` has no momentum schedule and puts epsilon elsewhere.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, base_arguments, check_float


class NadamSlots(NamedTuple):
    momentums: Any
    velocities: Any
    u_product: Any  # scalar, in the first weight's dtype (Keras's unnamed "variable")


def nadam_step(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras's Nadam rule as an optax transform (extra arguments: ``learning_rate``,
    ``iterations``, the count before this step).

    >>> import jax.numpy as jnp
    >>> step = nadam_step()
    >>> grads = {"w": jnp.ones(2)}
    >>> u, s = step.update(grads, step.init(grads), learning_rate=jnp.float32(0.01),
    ...                    iterations=jnp.int32(0))
    >>> round(float(s.u_product), 6)  # 0.9 * (1 - 0.5 * 0.96)
    0.468
    """

    def init(params):
        zeros = lambda: jax.tree.map(slot_init.zeros_like, params)  # noqa: E731
        leaves = jax.tree.leaves(params)
        dtype = leaves[0].dtype if leaves else jnp.float32
        return NadamSlots(zeros(), zeros(), jnp.ones((), dtype))

    def update(grads, state, params=None, *, learning_rate, iterations, **extra_args):
        del params, extra_args
        product_dtype = state.u_product.dtype
        u_product = state.u_product * beta_1 * (
            1.0 - 0.5 * jnp.power(jnp.asarray(0.96, product_dtype),
                                  (iterations + 1).astype(product_dtype)))

        def step(g, m, v):
            dtype = g.dtype
            t = (iterations + 1).astype(dtype)
            b1, b2 = jnp.asarray(beta_1, dtype), jnp.asarray(beta_2, dtype)
            decay = jnp.asarray(0.96, dtype)
            u_t = b1 * (1.0 - 0.5 * jnp.power(decay, t))
            u_t_1 = b1 * (1.0 - 0.5 * jnp.power(decay, t + 1))
            u_product_t = u_product.astype(dtype)
            u_product_t_1 = u_product_t * u_t_1
            m = m + (g - m) * (1 - b1)
            v = v + (jnp.square(g) - v) * (1 - b2)
            m_hat = (u_t_1 * m) / (1 - u_product_t_1) + ((1 - u_t) * g) / (1 - u_product_t)
            v_hat = v / (1 - jnp.power(b2, t))
            return -((m_hat * learning_rate.astype(dtype)) / (jnp.sqrt(v_hat) + epsilon)), m, v

        out = jax.tree.map(step, grads, state.momentums, state.velocities)
        pick = lambda i: jax.tree.map(lambda _, o: o[i], grads, out)  # noqa: E731
        return pick(0), NadamSlots(pick(1), pick(2), u_product)

    return optax.GradientTransformationExtraArgs(init, update)


class Nadam(Optimizer):
    """Nadam (Adam with Nesterov momentum), as ``keras.optimizers.Nadam``.

    Args:
        learning_rate: float >= 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        beta_1: decay of the first-moment average, in [0, 1). Defaults to 0.9.
        beta_2: decay of the second-moment average, in [0, 1). Defaults to 0.999.
        epsilon: added to the bias-corrected ``sqrt(v)``. Defaults to 1e-7.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp, optax
    >>> opt = Nadam(learning_rate=0.01)
    >>> params = {"w": jnp.zeros(3)}
    >>> updates, state = opt.update({"w": jnp.ones(3)}, opt.init(params), params)
    >>> round(float(optax.apply_updates(params, updates)["w"][0]), 4)
    -0.0106
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, **base_arguments(locals()))
        self.beta_1 = check_float("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = check_float("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = check_float("epsilon", epsilon)

    # Keras: add_optimizer_variables(vars, ["momentum", "velocity"]), then u_product.
    slot_order = ((("momentums", "momentum"), ("velocities", "velocity")),)

    def transform(self):
        return nadam_step(self.beta_1, self.beta_2, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
