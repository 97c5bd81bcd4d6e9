"""Mixed precision with Keras 3's names: compute in float16/bfloat16, keep float32
master weights, and scale the loss for float16 so small gradients do not flush to 0.

>>> from kerasish import mixed_precision
>>> policy = mixed_precision.DTypePolicy("mixed_bfloat16")
>>> policy.compute_dtype, policy.variable_dtype
('bfloat16', 'float32')

``set_global_policy("mixed_bfloat16")`` makes layers created afterwards compute in
bfloat16 (their inputs and weights are cast on the way into ``call``); their weights,
the optimizer and the loss stay float32. With ``"mixed_float16"``, ``compile`` wraps the
optimizer in a :class:`LossScaleOptimizer` (dynamic loss scaling), as Keras does.
"""

import jax.numpy as jnp

from kerasish import config

_state = {"policy": None}


class DTypePolicy:
    """A layer's compute and variable dtypes: ``'mixed_float16'``, ``'mixed_bfloat16'``
    or any float dtype name (both dtypes the same)."""

    def __init__(self, name=None):
        name = config.floatx() if name is None else name
        if isinstance(name, DTypePolicy):
            name = name.name
        if not isinstance(name, str):
            raise TypeError(
                f"A dtype policy name must be a string such as 'mixed_float16'. "
                f"Received: {name!r} (of type {type(name).__name__})")
        if name == "mixed_float16":
            compute, variable = "float16", "float32"
        elif name == "mixed_bfloat16":
            compute, variable = "bfloat16", "float32"
        else:
            try:
                compute = variable = jnp.dtype(name).name
            except TypeError:
                raise ValueError(
                    f"Cannot convert {name!r} to a dtype policy. Valid policies include "
                    "'mixed_float16', 'mixed_bfloat16', and any float dtype name such as "
                    "'float32'.") from None
        self.name = name
        self.compute_dtype = compute
        self.variable_dtype = variable

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'

    def get_config(self):
        return {"name": self.name}


Policy = DTypePolicy  # the older Keras name


def set_global_policy(policy):
    """Set the policy of layers created from now on (``None`` resets to floatx)."""
    _state["policy"] = None if policy is None else DTypePolicy(policy)


def global_policy():
    """The current global policy (``floatx()`` when none was set)."""
    return _state["policy"] or DTypePolicy(config.floatx())


def explicit_global_policy():
    return _state["policy"]


def LossScaleOptimizer(inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                       **kwargs):
    """Dynamic loss scaling around an optimizer (see ``kerasish.optimizers``)."""
    from kerasish.optimizers.loss_scale import LossScaleOptimizer as cls

    return cls(inner_optimizer, initial_scale=initial_scale,
               dynamic_growth_steps=dynamic_growth_steps, **kwargs)
