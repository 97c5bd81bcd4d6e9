"""kerasish: the Keras API on JAX.

>>> import kerasish as keras
>>> model = keras.Sequential([keras.layers.Dense(units=1, activation="sigmoid")])
"""

import logging as _logging

from kerasish import _compilation_cache


class _QuietCpuFallback(_logging.Filter):
    # JAX warns on every start that it "falls back to cpu" when a GPU is present but a
    # CPU jaxlib is installed. A newcomer cannot act on it; `import kerasish` is silent.
    def filter(self, record):
        return "Falling back to cpu" not in record.getMessage()


_logging.getLogger("jax._src.xla_bridge").addFilter(_QuietCpuFallback())
_compilation_cache.enable()

from kerasish import (  # noqa: E402
    activations,
    callbacks,
    config,
    constraints,
    datasets,
    distribution,
    functional,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    tree,
    utils,
)
from kerasish import backend, preprocessing  # noqa: E402
from kerasish.layers import Input, Layer  # noqa: E402
from kerasish.models import Model, Sequential  # noqa: E402
from kerasish.variables import Variable  # noqa: E402
from kerasish.many import fit_many, results_table  # noqa: E402
from kerasish._toplevel import __version__, device, version  # noqa: E402
# Keras 3 also exposes the base classes at the top level (keras.Loss, keras.Metric ...).
from kerasish.initializers import Initializer  # noqa: E402
from kerasish.layers import InputSpec, KerasTensor  # noqa: E402
from kerasish.layers.remat import RematScope, remat  # noqa: E402
from kerasish.losses import Loss  # noqa: E402
from kerasish.metrics import Metric  # noqa: E402
from kerasish.optimizers import Optimizer  # noqa: E402
from kerasish.regularizers import Regularizer  # noqa: E402

__all__ = [
    "Input", "Layer", "Model", "Sequential", "Variable", "activations", "backend",
    "Initializer", "InputSpec", "KerasTensor", "Loss", "RematScope", "remat", "Metric", "Optimizer", "Regularizer",
    "device", "version",
    "fit_many", "results_table",
    "callbacks", "config", "constraints", "datasets", "distribution", "functional",
    "initializers", "layers", "losses", "metrics", "mixed_precision", "models", "ops",
    "optimizers", "random", "regularizers", "saving", "tree", "utils", "applications",
]


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

_hint = _module_getattr(__name__, lambda: list(globals()) + ["saving", "applications"])


def __getattr__(name):
    # `kerasish.saving` imports h5py (~0.12 s) and the applications are many modules:
    # loaded on first use, not at import.
    if name in ("saving", "applications"):
        import importlib

        return importlib.import_module(f"kerasish.{name}")
    return _hint(name)

__all__ += ["preprocessing"]
