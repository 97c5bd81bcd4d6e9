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
    or any float dtype name (both dtypes the same).

    A layer's ``dtype`` argument takes a policy or its name; ``set_global_policy`` sets
    the default of layers created afterwards.

    Args:
        name: ``"mixed_float16"``, ``"mixed_bfloat16"`` or a float dtype name such as
            ``"float32"`` (default: ``floatx()``).

    >>> policy = DTypePolicy("mixed_float16")
    >>> policy.compute_dtype, policy.variable_dtype
    ('float16', 'float32')
    >>> DTypePolicy("bfloat16").compute_dtype
    'bfloat16'
    """

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
        elif name == "string":  # an Input of text (Input(shape=(1,), dtype="string"))
            compute = variable = "string"
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
    """Set the policy of layers created from now on (``None`` resets to floatx).

    Layers created afterwards compute in the policy's compute dtype and keep their
    weights in its variable dtype; layers already made keep their own policy.

    Args:
        policy: a ``DTypePolicy`` or its name (``"mixed_bfloat16"``, ...), or None.

    >>> import numpy as np, kerasish
    >>> set_global_policy("mixed_bfloat16")
    >>> layer = kerasish.layers.Dense(2)
    >>> set_global_policy(None)
    >>> layer(np.ones((1, 3))).dtype, layer.kernel.dtype
    (dtype(bfloat16), 'float32')
    """
    _state["policy"] = None if policy is None else DTypePolicy(policy)


def global_policy():
    """The current global policy (``floatx()`` when none was set).

    It is the policy a layer takes when its ``dtype`` argument is None; change it with
    ``set_global_policy``.

    >>> global_policy()
    <DTypePolicy "float32">
    """
    return _state["policy"] or DTypePolicy(config.floatx())


def explicit_global_policy():
    """The policy passed to ``set_global_policy``, or None when none was set (where
    ``global_policy()`` falls back to ``floatx()``).

    >>> set_global_policy(None)
    >>> explicit_global_policy() is None
    True
    >>> set_global_policy("mixed_float16")
    >>> explicit_global_policy()
    <DTypePolicy "mixed_float16">
    >>> set_global_policy(None)
    """
    return _state["policy"]


def LossScaleOptimizer(inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                       **kwargs):
    """Dynamic loss scaling around an optimizer (see ``kerasish.optimizers``).

    The loss is multiplied by the scale before differentiation and the gradients are
    divided by it; the scale halves when a step's gradients are not finite (that step is
    skipped) and doubles after ``dynamic_growth_steps`` finite steps. ``compile`` wraps
    the optimizer this way under the ``"mixed_float16"`` policy.

    Args:
        inner_optimizer: the optimizer that applies the unscaled gradients.
        initial_scale: the first loss scale.
        dynamic_growth_steps: finite steps between doublings of the scale.
        **kwargs: optimizer keyword arguments (``name``, ...).

    >>> import kerasish
    >>> optimizer = LossScaleOptimizer(kerasish.optimizers.SGD(0.1), initial_scale=1024.0)
    >>> type(optimizer.inner_optimizer).__name__, float(optimizer.scale_loss(2.0))
    ('SGD', 2048.0)
    """
    from kerasish.optimizers.loss_scale import LossScaleOptimizer as cls

    return cls(inner_optimizer, initial_scale=initial_scale,
               dynamic_growth_steps=dynamic_growth_steps, **kwargs)
