"""Optimizers with Keras 3's names, defaults and formulas, built as optax transforms.

Each optimizer is a configuration object whose pure ``init(params)`` and
``update(grads, state, params)`` (jittable) step an :class:`OptimizerState`;
``to_optax()`` returns the same pair as an ``optax.GradientTransformation``, and
``get(optax_transform)`` goes the other way.

Deliberate differences from Keras 3 (numerics are the same, checked in
``tests/test_optimizers.py`` against Keras itself):

* ``lr=`` is accepted with a warning (Keras 3 refuses it); ``decay=`` is refused
  (Keras 3 ignores it with a warning). Unknown arguments raise ``TypeError`` with a
  suggestion (Keras: ``ValueError``). Integer hyperparameters are accepted
  (``SGD(momentum=0)``; Keras wants floats) and ranges are checked (negative learning
  rate, betas and ``rho`` outside [0, 1), negative or zero clipping).
* A callable learning rate is a schedule ``iterations -> rate`` (Keras calls a plain
  callable with no argument); ``get_config`` returns the callable itself.
* ``get("lamb")`` works (Keras's ``get`` does not know Lamb). ``get("multioptimizer")``
  raises a ValueError that says how to build one (Keras: a KeyError).
* ``MultiOptimizer`` refuses a LossScaleOptimizer or MultiOptimizer in its
  ``OptimizerMap`` when it is put there, and a dict or non-callable ``optimizer_map``
  (Keras fails at ``build``); see ``kerasish/optimizers/multi.py``.
* Rules that *set* the weight (Ftrl, ScheduleFreeAdamW) return ``new - old`` as the
  optax update, which can put the new weight 1 ulp off Keras's.
* ``use_ema``'s averages are copied into the weights by ``finalize_variable_values``;
  a ``gradient_accumulation_steps`` optimizer's ``iterations`` is a fresh read-only
  Variable (Keras: a computed tensor).
* ``exclude_from_weight_decay(var_names=...)`` searches the weight's full path
  (``"dense/bias"``), Keras its short name (``"bias"``).
* ``build(var_list)`` again on another list starts fresh slots for it (Keras adds a
  second set of variables). ``OptaxOptimizer.variables`` are ``iteration`` and the
  optax state's leaves (Keras has no such optimizer).

Keras 3's list API (``variables``, ``build``, ``stateless_apply``, ``apply``,
``apply_gradients``, ``scale_loss``) matches Keras's names, order and values; it is
checked in ``tests/test_optimizer_stateless.py``.
"""

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
from kerasish.optimizers.base import Optimizer, OptimizerState
from kerasish.optimizers.loss_scale import LossScaleOptimizer
from kerasish.optimizers.optax_optimizer import OptaxOptimizer
from kerasish.optimizers.registry import deserialize, get, serialize
from kerasish.optimizers.rmsprop import RMSprop
from kerasish.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from kerasish.optimizers import schedules
from kerasish.optimizers.sgd import SGD

__all__ = [
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "LossScaleOptimizer",
    "Muon",
    "MultiOptimizer",
    "Nadam",
    "OptaxOptimizer",
    "Optimizer",
    "OptimizerMap",
    "OptimizerState",
    "RMSprop",
    "SGD",
    "ScheduleFreeAdamW",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))
