"""``get``, ``serialize`` and ``deserialize``: optimizers from names, configs and optax.

>>> opt = get("Adam")
>>> type(opt).__name__, opt.get_config()["beta_1"], opt.get_config()["epsilon"]
('Adam', 0.9, 1e-07)
"""

import optax

from kerasish.optimizers.adadelta import Adadelta
from kerasish.optimizers.adafactor import Adafactor
from kerasish.optimizers.adagrad import Adagrad
from kerasish.optimizers.adam import Adam, AdamW
from kerasish.optimizers.adamax import Adamax
from kerasish.optimizers.ftrl import Ftrl
from kerasish.optimizers.lamb import Lamb
from kerasish.optimizers.lion import Lion
from kerasish.optimizers.muon import Muon
from kerasish.optimizers.multi import MultiOptimizer, OptimizerMap
from kerasish.optimizers.nadam import Nadam
from kerasish.optimizers.base import Optimizer
from kerasish.optimizers.optax_optimizer import OptaxOptimizer
from kerasish.optimizers.rmsprop import RMSprop
from kerasish.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from kerasish.optimizers.sgd import SGD
from kerasish.utils.naming import closest

ALL_OPTIMIZERS = {cls.__name__.lower(): cls for cls in (
    SGD, RMSprop, Adam, AdamW, Adagrad, Nadam, Adamax, Lion, Adadelta, Ftrl, Adafactor, Lamb,
    ScheduleFreeAdamW, Muon)}

# Keras optimizers we do not provide, with the nearest optax transform (different numerics).
_KERAS_ONLY = {}

# Classes that need arguments: made from a config (deserialize), never from a bare name.
_CONFIG_ONLY = {"multioptimizer": MultiOptimizer, "optimizermap": OptimizerMap}


def _lookup(name):
    key = str(name).lower()
    if key in ALL_OPTIMIZERS:
        return ALL_OPTIMIZERS[key]
    if key in _CONFIG_ONLY:
        raise ValueError(
            f"{_CONFIG_ONLY[key].__name__} cannot be made from its name {name!r}: it needs "
            "the optimizers to use. Create it, e.g. MultiOptimizer(OptimizerMap("
            "default_optimizer=SGD(), optimizer_map={'.*encoder/.*': Adam()})).")
    if key in _KERAS_ONLY:
        alternative = _KERAS_ONLY[key]
        fix = f" Pass an optax transform instead, e.g. {alternative}." if alternative else ""
        raise ValueError(
            f"Keras's optimizer {name!r} is not implemented in kerasish.{fix} "
            f"Implemented: {sorted(ALL_OPTIMIZERS)}."
        )
    hints = closest(key, list(ALL_OPTIMIZERS))
    fix = f" Did you mean {hints[0]!r}?" if hints else ""
    raise ValueError(
        f"Unknown optimizer: {name!r}.{fix} Expected one of {sorted(ALL_OPTIMIZERS)} "
        "(case-insensitive), an Optimizer instance, a config dict or an optax transform."
    )


def serialize(optimizer):
    """An optimizer's config as a dict in Keras's format (``class_name`` + ``config``).

    >>> serialize(SGD(name="sgd"))["config"]["learning_rate"]
    0.009999999776482582
    """
    return {
        "module": "kerasish.optimizers",
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
        "registered_name": None,
    }


def deserialize(config):
    """An optimizer from :func:`serialize`'s output (Keras's own output works too).

    >>> deserialize({"class_name": "SGD", "config": {"momentum": 0.9}}).momentum
    0.9
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "An optimizer config must be a dict with a 'class_name' and a 'config', e.g. "
            f"{{'class_name': 'Adam', 'config': {{'learning_rate': 0.01}}}}. Received: {config!r}"
        )
    config_only = _CONFIG_ONLY.get(str(config["class_name"]).lower())
    if config_only is not None:
        return config_only.from_config(config.get("config") or {})
    return _lookup(config["class_name"]).from_config(config.get("config") or {})


def get(identifier):
    """An Optimizer from a name, a config dict, an Optimizer, or an optax transform.

    Names are Keras's, case-insensitive (``"adam"``, ``"RMSprop"``) and give the
    default configuration. An optax transformation is wrapped in an
    :class:`~kerasish.optimizers.optax_optimizer.OptaxOptimizer`. ``None`` gives ``None``.

    >>> import optax
    >>> type(get("RMSprop")).__name__, type(get(optax.adam(1e-3))).__name__
    ('RMSprop', 'OptaxOptimizer')
    >>> get({"class_name": "SGD", "config": {"learning_rate": 0.5}}).learning_rate.numpy()
    array(0.5, dtype=float32)
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if type(identifier).__name__ == "LossScaleOptimizer":  # a wrapper, not a subclass
        return identifier
    if isinstance(identifier, optax.GradientTransformation):
        return OptaxOptimizer(identifier)
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict):
        optimizer = deserialize(identifier)
        if not isinstance(optimizer, Optimizer):
            raise ValueError(
                f"Could not interpret optimizer identifier: {identifier!r}: it describes a "
                f"{type(optimizer).__name__}, not an optimizer. Pass it to "
                "MultiOptimizer(...) instead.")
        return optimizer
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        raise ValueError(
            f"Expected an optimizer instance, received the class {identifier.__name__}. "
            f"Call it: {identifier.__name__}()."
        )
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Expected a name such as "
        "'adam', a config dict, an Optimizer instance or an optax.GradientTransformation."
    )
