"""``Ftrl``: "Follow The Regularized Leader" (Keras's form, which sets the weight)::

    l2 = l2_regularization_strength + beta / (2 * learning_rate)
    g_s = g + 2 * l2_shrinkage_regularization_strength * w
    new_acc = acc + g**2
    linear = linear + g_s - (new_acc**-p - acc**-p) / learning_rate * w    # p = learning_rate_power
    quadratic = new_acc**-p / learning_rate + 2 * l2
    w = (clip(linear, -l1, l1) - linear) / quadratic
    acc = new_acc

The rule reads the weight, so weight decay (when set) is applied before it, as in Keras.
"""

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init
from kerasish.optimizers.base import Optimizer, base_arguments, check_float


class FtrlSlots(NamedTuple):
    accumulators: Any
    linears: Any


def ftrl_step(learning_rate_power=-0.5, initial_accumulator_value=0.1,
              l1_regularization_strength=0.0, l2_regularization_strength=0.0,
              l2_shrinkage_regularization_strength=0.0, beta=0.0):
    """Keras's Ftrl rule as an optax transform (needs ``params``; extra argument:
    ``learning_rate``). The update is the new weight minus the old one.

    >>> import jax.numpy as jnp
    >>> step = ftrl_step(initial_accumulator_value=0.0)
    >>> w, g = {"w": jnp.zeros(1)}, {"w": jnp.array([2.0])}
    >>> u, _ = step.update(g, step.init(w), w, learning_rate=jnp.float32(0.5))
    >>> u["w"].tolist()  # -2 / (sqrt(4) / 0.5)
    [-0.5]
    """
    power = -learning_rate_power
    l1 = l1_regularization_strength

    def init(params):
        return FtrlSlots(
            jax.tree.map(lambda p: slot_init.full_like(p, initial_accumulator_value), params),
            jax.tree.map(slot_init.zeros_like, params))

    def update(grads, state, params=None, *, learning_rate, **extra_args):
        del extra_args
        if params is None:
            raise ValueError("Ftrl needs the current weights: call `update(grads, state, params)`.")

        def step(g, w, acc, linear):
            lr = learning_rate.astype(w.dtype)
            l2 = l2_regularization_strength + beta / (2.0 * lr)
            g_s = g + 2 * l2_shrinkage_regularization_strength * w
            new_acc = acc + jnp.square(g)
            linear = linear + (g_s - ((jnp.power(new_acc, power) - jnp.power(acc, power)) / lr) * w)
            quadratic = jnp.power(new_acc, power) / lr + 2 * l2
            new_w = (jnp.clip(linear, -l1, l1) - linear) / quadratic
            return new_w - w, new_acc, linear

        out = jax.tree.map(step, grads, params, state.accumulators, state.linears)
        pick = lambda i: jax.tree.map(lambda _, o: o[i], grads, out)  # noqa: E731
        return pick(0), FtrlSlots(pick(1), pick(2))

    return optax.GradientTransformationExtraArgs(init, update)


class Ftrl(Optimizer):
    """FTRL-Proximal, as ``keras.optimizers.Ftrl``.

    Args:
        learning_rate: float > 0 or a schedule ``iterations -> rate``. Defaults to 0.001.
        learning_rate_power: float <= 0; how the rate falls as the accumulator grows.
            Defaults to -0.5.
        initial_accumulator_value: the accumulators' start, >= 0. Defaults to 0.1.
        l1_regularization_strength: L1 strength, >= 0. Defaults to 0.0.
        l2_regularization_strength: L2 strength, >= 0. Defaults to 0.0.
        l2_shrinkage_regularization_strength: L2 shrinkage on the gradient, >= 0
            (magnitude penalty, unlike ``l2_regularization_strength``). Defaults to 0.0.
        beta: added to ``l2_regularization_strength`` as ``beta / (2 * rate)``.
            Defaults to 0.0.
        **kwargs: the base arguments of :class:`~kerasish.optimizers.base.Optimizer`.

    >>> import jax.numpy as jnp, optax
    >>> opt = Ftrl(learning_rate=0.1, l1_regularization_strength=10.0)
    >>> params = {"w": jnp.ones(2)}
    >>> updates, _ = opt.update({"w": jnp.ones(2)}, opt.init(params), params)
    >>> optax.apply_updates(params, updates)["w"].tolist()  # a strong L1 zeroes the weights
    [0.0, 0.0]
    """

    reads_weights = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, **base_arguments(locals()))
        self.learning_rate_power = check_float(
            "learning_rate_power", learning_rate_power, -math.inf, 0.0)
        self.initial_accumulator_value = check_float(
            "initial_accumulator_value", initial_accumulator_value)
        self.l1_regularization_strength = check_float(
            "l1_regularization_strength", l1_regularization_strength)
        self.l2_regularization_strength = check_float(
            "l2_regularization_strength", l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = check_float(
            "l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)
        self.beta = check_float("beta", beta)

    slot_order = ((("accumulators", "accumulator"), ("linears", "linear")),)

    def transform(self):
        return ftrl_step(self.learning_rate_power, self.initial_accumulator_value,
                         self.l1_regularization_strength, self.l2_regularization_strength,
                         self.l2_shrinkage_regularization_strength, self.beta)

    def get_config(self):
        return {
            **super().get_config(),
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        }

