"""Every argument of the public API is honoured or refused, never silently ignored.

The project's rule: "Never ignore an argument. Implement it or refuse it with a
ValueError that names it." This file checks it over the whole public surface, which it
discovers (it does not list it): every public class and function of ``MODULES``, and
every public method of those classes (``__call__`` included), each counted once where
it is defined.

What counts as an *option* (what must be honoured or refused):

* every named argument of a public class's constructor;
* every argument with a default of a public function or method (arguments without one
  are the operands, the values the call computes on);
* ``**kwargs``: an unknown keyword must be refused, naming it (pseudo-option
  ``"**kwargs"``); and the keywords a callable accepts through ``**kwargs`` without
  naming them in its signature (``HIDDEN``: ``Layer(input_shape=)``, ``lr=`` ...).

Not options: the arguments of hooks the framework calls (``Callback.on_*``,
``Layer.build``, ``compute_output_shape``, ``compute_mask``), and abstract methods
(bodies that only raise ``NotImplementedError``).

*Honoured* means: passing a non-default value changes something observable compared
with the default (outputs, state, weights, losses, files written, printed lines, the
config). *Refused* means a ``ValueError``/``TypeError`` whose message names the
argument (``NotImplementedError`` does not count). Each option is accounted for in
exactly one of:

1. a *generic probe*, per family: constructors of layers, losses, metrics, optimizers,
   initializers, regularizers, schedules (the non-default value must change behaviour,
   not only ``get_config()`` unless ``CONFIG_ONLY`` says why, and must survive
   ``from_config(get_config())``) and callbacks (a scripted 8-epoch run on a stand-in
   model, recorded); activation, op, loss and metric function forms; ``**kwargs`` of
   constructors. Values come from ``VALUES`` / ``OVERRIDES``; ``REFUSED`` lists the
   deliberate refusals, so that an accidental one does not pass for honoured;
2. ``PROBES``: an explicit probe, for methods and one-off functions;
3. ``ELSEWHERE``: exercised by the named test in ``tests/``, which must exist and
   mention the argument (in its body or the module-level cases it uses);
4. ``NOT_APPLICABLE``: an argument a protocol passes that this implementation has no
   use for, with the reason (and what Keras does);
5. ``KNOWN_GAPS``: ignored, or refused with the wrong exception, in a file the author of
   this test does not own; each entry says what Keras does. Its probe runs as a strict
   ``xfail``: fixing the gap makes the test fail until the entry is removed.

A new public class, function, method or argument fails
``test_every_option_is_accounted_for`` until one of these covers it.
"""

import ast
import contextlib
import importlib
import inspect
import io
import pathlib
import re
import sys
import textwrap
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import gates
import kerasish
from kerasish import (activations, callbacks, constraints, distribution, initializers, layers,
                      losses, metrics, mixed_precision, optimizers, regularizers)
from kerasish.optimizers import schedules

TESTS = pathlib.Path(__file__).resolve().parent

# LeakyReLU(alpha=) is honoured with Keras's deprecation warning.
# Slow: it walks ~1,100 arguments of the whole public API (1-2 minutes); CI runs it.
pytestmark = [pytest.mark.filterwarnings("ignore:Argument `alpha` is deprecated"),
              pytest.mark.slow]

MODULES = [
    "kerasish", "kerasish.layers", "kerasish.losses", "kerasish.metrics",
    "kerasish.optimizers", "kerasish.optimizers.schedules", "kerasish.callbacks",
    "kerasish.initializers", "kerasish.regularizers", "kerasish.activations",
    "kerasish.utils", "kerasish.models", "kerasish.saving", "kerasish.distribution",
    "kerasish.mixed_precision", "kerasish.random", "kerasish.ops", "kerasish.tree",
    "kerasish.constraints", "kerasish.datasets",
    *(f"kerasish.datasets.{name}" for name in (
        "boston_housing", "california_housing", "cifar10", "cifar100", "digits",
        "fashion_mnist", "imdb", "mnist", "reuters")),
]
gates.merge(globals(), ["MODULES"])  # each area's modules: tests/gates/README.md


# ====================================================================== the surface


def _short(module):
    return module[len("kerasish."):] if module.startswith("kerasish.") else module


def _public_objects():
    """(module name, public name, object) of every public class and function."""
    seen = set()
    for modname in MODULES:
        module = importlib.import_module(modname)
        names = getattr(module, "__all__", None)
        package = hasattr(module, "__path__")
        for name in names if names is not None else sorted(vars(module)):
            if name.startswith("_"):
                continue
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            home = getattr(obj, "__module__", "") or ""
            if not home.startswith("kerasish"):
                continue  # jax's Mesh, PartitionSpec ... seen through kerasish.distribution
            # Without __all__, a module's public names are those it defines (metrics'
            # imported `unwrap` is not metrics API); a package's are its imports too.
            if names is None and not package and home != modname:
                continue
            if id(obj) in seen:
                continue  # an alias: initializers.zeros is Zeros
            seen.add(id(obj))
            yield modname, name, obj


def _is_abstract(func):
    """A body that only raises NotImplementedError (after a docstring)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return False
    body = tree.body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return (len(body) == 1 and isinstance(body[0], ast.Raise)
            and "NotImplementedError" in ast.unparse(body[0]))


def _is_hook(cls, name):
    """Methods the framework calls: their arguments are what it passes, not options."""
    if issubclass(cls, callbacks.Callback) and name.startswith("on_"):
        return True
    return issubclass(cls, layers.Layer) and name in (
        "build", "compute_output_shape", "compute_mask")


# Keywords taken through **kwargs, documented (or accepted) but not in the signature.
HIDDEN = {
    "layers.base.Layer": ["input_shape", "input_dim", "batch_size", "batch_input_shape"],
    "layers.base.Layer.__call__": ["mask"],
    "layers.base.Layer.stateless_call": ["rng"],
    "layers.activation_layers.LeakyReLU": ["alpha"],
    "layers.base.Layer.add_weight": ["autocast", "aggregation", "overwrite_with_gradient"],
    "layers.core.InputLayer": ["input_shape", "batch_input_shape"],
    "layers.embedding.Embedding": ["input_length"],
    "distribution.ModelParallel": ["device_mesh"],
    "saving.files.save_model": ["include_optimizer", "zipped", "save_format"],
    "models.model.Model.save": ["include_optimizer", "zipped", "save_format"],
    "optimizers.base.Optimizer": ["lr", "decay"],
    # Keras's LSTM/GRU (and cells) pop `implementation` from **kwargs.
    **{key: ["implementation"] for key in (
        "layers.recurrent.LSTM", "layers.recurrent.GRU", "layers.rnn_cells.LSTMCell",
        "layers.rnn_cells.GRUCell")},
    "random.SeedGenerator": ["backend"],
    "datasets.imdb.load_data": ["nb_words"],  # Keras 2's name for num_words
    "models.clone_model": ["cache"],  # Keras's clone_model(cache=) (shared by recursion)
}
gates.merge(globals(), ["HIDDEN"])


class Target:
    """One public callable: a constructor (``kind='ctor'``, ``func`` is the class), a
    function, or a method (``owner`` is the first public class that has it)."""

    def __init__(self, key, func, kind, owner):
        self.key, self.func, self.kind, self.owner = key, func, kind, owner
        params = [p for p in inspect.signature(func).parameters.values()
                  if p.name not in ("self", "cls")]
        self.options = [p.name for p in params
                        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                        and (kind == "ctor" or p.default is not p.empty)]
        if any(p.kind == p.VAR_KEYWORD for p in params):
            self.options.append("**kwargs")
            self.options.extend(HIDDEN.get(key, []))

    @property
    def name(self):
        return self.func.__name__

    def __repr__(self):
        return f"<{self.kind} {self.key}>"


def _surface():
    targets = {}
    for _, _, obj in _public_objects():
        key = f"{_short(obj.__module__)}.{obj.__qualname__}"
        if inspect.isfunction(obj):
            targets.setdefault(key, Target(key, obj, "function", None))
            continue
        init = obj.__init__
        if inspect.isfunction(init) and init.__module__.startswith("kerasish"):
            targets.setdefault(key, Target(key, obj, "ctor", obj))
        for klass in obj.__mro__:
            if not klass.__module__.startswith("kerasish"):
                continue
            for mname, attr in vars(klass).items():
                if mname.startswith("_") and mname != "__call__":
                    continue
                func = attr.__func__ if isinstance(attr, (staticmethod, classmethod)) else attr
                if not inspect.isfunction(func) or _is_hook(klass, mname) or _is_abstract(func):
                    continue
                mkey = f"{_short(func.__module__)}.{func.__qualname__}"
                targets.setdefault(mkey, Target(mkey, func, "method", obj))
    return targets


SURFACE = _surface()
OPTIONS = [(key, arg) for key, t in sorted(SURFACE.items()) for arg in t.options]


# ====================================================================== comparing


def _canon(x, depth=0):
    """A comparable, hashable picture of ``x``: arrays by shape, dtype and bytes;
    configs by value; callables and other objects by their type (never by id)."""
    if depth > 12:
        return "..."
    if isinstance(x, kerasish.Variable):
        x = x.value
    if isinstance(x, dict):
        return ("dict",) + tuple(sorted((str(k), _canon(v, depth + 1)) for k, v in x.items()))
    if isinstance(x, (list, tuple)):
        return ("seq",) + tuple(_canon(v, depth + 1) for v in x)
    if isinstance(x, (np.ndarray, np.generic, jax.Array)):
        a = np.asarray(x)
        return ("array", a.shape, str(a.dtype), a.tobytes())
    if isinstance(x, float):
        return ("float", repr(x))
    if x is None or isinstance(x, (bool, int, str, bytes)):
        return x
    if inspect.isfunction(x) or inspect.ismethod(x) or inspect.isbuiltin(x):
        return ("callable", getattr(x, "__qualname__", "?"))
    get_config = getattr(x, "get_config", None)
    if callable(get_config) and not isinstance(x, type):
        try:
            return (type(x).__qualname__, _canon(get_config(), depth + 1))
        except Exception:  # noqa: BLE001 - a config that cannot be made is no evidence
            pass
    return ("object", type(x).__qualname__)


def _names(err, arg):
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(arg)}(?![A-Za-z0-9_])", str(err))


def _outcome(arg, build_default, build_probe, refused):
    """('exercised' or 'refused', probe observation, default observation); raises
    AssertionError when ``arg`` is ignored, or when the outcome is not the expected one
    (``refused``: True when REFUSED lists it, False when not, None for either)."""
    try:
        seen = build_probe()
    except (ValueError, TypeError) as err:
        if refused is False:
            raise AssertionError(
                f"`{arg}` was refused ({type(err).__name__}: {err}), but it is not in "
                "REFUSED: give the probe a valid value, or list it in REFUSED if the "
                "refusal is deliberate.") from err
        assert _names(err, arg), (
            f"`{arg}` was refused, but the message does not name it: "
            f"{type(err).__name__}: {err}")
        return "refused", None, None
    assert refused is not True, f"`{arg}` is listed in REFUSED but was accepted."
    base = build_default()
    assert _canon(seen) != _canon(base), (
        f"`{arg}`: passing a non-default value changed nothing that can be observed "
        "(config, outputs, state): the argument is ignored.")
    return "exercised", seen, base


def _refuses(call, arg, exc=(ValueError, TypeError)):
    """``call()`` must raise a ValueError/TypeError whose message names ``arg``."""
    with pytest.raises(exc) as info:
        call()
    assert _names(info.value, arg), f"the refusal does not name `{arg}`: {info.value}"
    return "refused"


def _differ(a, b, arg):
    assert _canon(a) != _canon(b), f"`{arg}` changed nothing observable: it is ignored."
    return "exercised"


# ====================================================================== probe values

BOGUS = "not_an_argument"

# A non-default value per argument name; OVERRIDES[(owner name, arg)] wins.
VALUES = {
    "activation": "relu", "use_bias": False, "units": 5, "filters": 4, "kernel_size": 2,
    "strides": 2, "padding": "same", "data_format": "channels_first", "dilation_rate": 2,
    "groups": 3, "depth_multiplier": 2, "output_padding": 1,
    "kernel_initializer": "ones", "bias_initializer": "ones",
    "depthwise_initializer": "ones", "pointwise_initializer": "ones",
    "beta_initializer": "ones", "gamma_initializer": "zeros",
    "moving_mean_initializer": "ones", "moving_variance_initializer": "zeros",
    "embeddings_initializer": "ones",
    "kernel_regularizer": "l2", "bias_regularizer": "l2", "activity_regularizer": "l2",
    "depthwise_regularizer": "l2", "pointwise_regularizer": "l2", "beta_regularizer": "l2",
    "gamma_regularizer": "l2", "embeddings_regularizer": "l2",
    "kernel_constraint": "non_neg", "bias_constraint": "non_neg",
    "depthwise_constraint": "non_neg", "pointwise_constraint": "non_neg",
    "beta_constraint": "non_neg", "gamma_constraint": "non_neg",
    "embeddings_constraint": "non_neg",
    "axis": 0, "momentum": 0.5, "epsilon": 0.5, "center": False, "scale": False,
    "renorm": True, "renorm_clipping": {"rmax": 2.0}, "renorm_momentum": 0.5,
    "synchronized": True, "rms_scaling": True, "mean": 1.0, "variance": 4.0,
    "invert": True, "rate": 0.9, "noise_shape": (None, 1), "seed": 3, "pool_size": 3,
    "keepdims": True, "negative_slope": 0.5, "max_value": 1.0, "threshold": 0.8,
    "target_shape": (3, 2), "offset": 1.0, "mask_value": 1.0, "input_dim": 12,
    "output_dim": 4, "mask_zero": True, "quantization_config": "int8",
    "name": "probe_name", "trainable": False, "dtype": "float16",
    # losses, metrics
    "from_logits": True, "label_smoothing": 0.2, "reduction": "sum", "delta": 0.5,
    "ignore_class": 1, "k": 1, "from_sorted_ids": True, "num_thresholds": 3,
    "curve": "PR", "summation_method": "minoring", "thresholds": 0.8, "top_k": 1,
    "class_id": 1, "multi_label": False, "num_labels": 3, "label_weights": [0.1, 0.2, 0.7],
    # optimizers
    "learning_rate": 0.5, "weight_decay": 0.5, "clipnorm": 0.5, "clipvalue": 0.5,
    "global_clipnorm": 0.5, "use_ema": True, "ema_momentum": 0.5,
    "ema_overwrite_frequency": 3, "loss_scale_factor": 2.0,
    "gradient_accumulation_steps": 2, "nesterov": True, "beta_1": 0.5, "beta_2": 0.5,
    "amsgrad": True, "rho": 0.5, "centered": True, "initial_accumulator_value": 0.5,
    "initial_scale": 4.0, "dynamic_growth_steps": 1,
    # initializers, regularizers, schedules
    "value": 2.0, "gain": 2.0, "stddev": 1.0, "minval": -1.0, "maxval": 1.0,
    "mode": "fan_out", "distribution": "uniform", "input_axes": [1], "output_axes": [1],
    "l1": 0.5, "l2": 0.5, "factor": 0.5, "initial_learning_rate": 0.5, "decay_steps": 5,
    "decay_rate": 0.5, "staircase": True, "end_learning_rate": 0.05, "power": 2.0,
    "cycle": True, "alpha": 0.5, "warmup_target": 0.5, "warmup_steps": 5,
    "boundaries": [1], "values": [1.0, 0.5], "first_decay_steps": 5, "t_mul": 3.0,
    "m_mul": 0.5,
    # callbacks
    "monitor": "loss", "min_delta": 0.2, "patience": 2, "verbose": 2, "baseline": 0.5,
    "restore_best_weights": True, "start_from_epoch": 3, "save_best_only": True,
    "save_weights_only": True, "save_freq": 2, "initial_value_threshold": 0.5,
    "cooldown": 2, "min_lr": 0.05, "raise_error": True, "separator": ";", "append": True,
    "filename": "other.csv", "filepath": "other-{epoch}.keras",
    "schedule": lambda epoch, lr: lr * 0.9,
    # functions
    "approximate": True, "ord": 1, "expand_rank_1": False,
    "weights": [np.ones((10, 3), "float32")], "key": jax.random.key(7),
    "sample_weight": np.array([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0], [1.0, 1.0, 3.0]], "float32"),
    "evenly": True,
    # recurrent layers and cells, wrappers, merging, constraints
    "recurrent_activation": "tanh", "recurrent_initializer": "ones",
    "recurrent_regularizer": "l2", "recurrent_constraint": "non_neg", "dropout": 0.5,
    "recurrent_dropout": 0.5, "return_sequences": True, "return_state": True,
    "go_backwards": True, "stateful": True, "unit_forget_bias": False, "reset_after": False,
    "use_cudnn": True, "merge_mode": "sum", "normalize": True, "min_value": 0.5,
}

OVERRIDES = {
    ("Softmax", "axis"): 1, ("LayerNormalization", "axis"): 1, ("Normalization", "axis"): None,
    ("Conv2DTranspose", "strides"): 3, ("Rescaling", "scale"): 3.0,
    ("MaxPooling1D", "pool_size"): 3, ("MaxPooling2D", "pool_size"): 3,
    **{(cls, "strides"): 1 for cls in ("AveragePooling1D", "AveragePooling2D",
                                         "MaxPooling1D", "MaxPooling2D")},
    ("ReLU", "threshold"): 0.5, ("relu", "threshold"): 0.5, ("Dropout", "rate"): 0.2,
    ("VarianceScaling", "scale"): 2.0, ("OrthogonalRegularizer", "mode"): "columns",
    ("ReduceLROnPlateau", "patience"): 3, ("ReduceLROnPlateau", "min_delta"): 0.5,
    ("ReduceLROnPlateau", "mode"): "max", ("EarlyStopping", "mode"): "max",
    ("ModelCheckpoint", "mode"): "max", ("ProgbarLogger", "mode"): "test",
    ("ProgbarLogger", "stream"): "<a StringIO>",
    ("AUC", "thresholds"): [0.3, 0.6], ("binary_accuracy", "threshold"): 0.2,
    ("BinaryAccuracy", "threshold"): 0.2, ("confusion_counts", "multi_label"): True,
    ("convert_to_tensor", "dtype"): "int32", ("one_hot", "dtype"): "int32",
    ("MaxNorm", "axis"): 1, ("UnitNorm", "axis"): 1, ("MinMaxNorm", "axis"): 1,
    ("MinMaxNorm", "max_value"): 2.0,
}

_RECURRENT = ("SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell")

# Extra keyword arguments a probe passes alongside its argument: WITH for the probe
# only (arguments that go in pairs), CONTEXT for both the probe and the default (an
# argument that only means something in a given mode, as in Keras).
WITH = {  # ("*", arg): for every owner
    ("*", "input_axes"): {"output_axes": [1]},  # fans (3, 3) for a (4, 3) weight
    ("*", "output_axes"): {"input_axes": [1]},
    ("Normalization", "mean"): {"variance": 4.0},
    ("Normalization", "variance"): {"mean": 1.0},
    ("ModelCheckpoint", "save_weights_only"): {"filepath": "ckpt.weights.h5"},
    ("Conv2DTranspose", "output_padding"): {"strides": 2},
}
CONTEXT = {
    ("ModelCheckpoint", "initial_value_threshold"): {"save_best_only": True},
    ("ModelCheckpoint", "mode"): {"save_best_only": True},
    ("ModelCheckpoint", "monitor"): {"save_best_only": True},
    ("EarlyStopping", "min_delta"): {"monitor": "loss"},
    ("EarlyStopping", "baseline"): {"patience": 3},
    **{(cls, "padding"): {"strides": 1} for cls in ("AveragePooling1D", "AveragePooling2D",
                                                     "MaxPooling1D", "MaxPooling2D")},
    ("Normalization", "invert"): {"mean": 1.0, "variance": 4.0},
    ("BinaryCrossentropy", "axis"): {"reduction": "none"},
    ("Recall", "top_k"): {"thresholds": 0.15}, ("Precision", "top_k"): {"thresholds": 0.15},
    **{("AUC", arg): {"multi_label": True, "num_thresholds": 3}
       for arg in ("summation_method", "from_logits", "curve", "multi_label")},
    ("CosineDecay", "warmup_target"): {"warmup_steps": 5},
    ("CosineDecay", "warmup_steps"): {"warmup_target": 0.5},
    ("SGD", "nesterov"): {"momentum": 0.5},
    # A seed only shows in the dropout masks it draws.
    **{(cls, "seed"): {"dropout": 0.5} for cls in _RECURRENT},
}

# Layers whose weight constraints are applied (after every optimizer step, as Keras):
# exercised by a training test (ELSEWHERE), since a generic probe does not train.
CONSTRAINED = {"Dense"}

# Arguments whose non-default value is refused on purpose (with a message naming it):
# these, and wherever they appear, weight constraints (except CONSTRAINED layers') and
# the optimizer features kerasish lacks. Some are KNOWN_GAPS today (refused with
# NotImplementedError): a ValueError turns their xfail into a pass; implementing one
# removes it from here.
REFUSED = {
    ("BatchNormalization", "synchronized"), ("Embedding", "quantization_config"),
    ("BatchNormalization", "renorm"), ("LayerNormalization", "rms_scaling"),
    # cuDNN: one lax.scan for every device (Keras on JAX refuses True too).
    ("LSTM", "use_cudnn"), ("GRU", "use_cudnn"), ("Bidirectional", "weights"),
    *((target.func.__name__, arg) for target in SURFACE.values() if target.kind == "ctor"
      for arg in target.options
      if arg.endswith("_constraint") and target.func.__name__ not in CONSTRAINED),
}

# Arguments that only show in get_config(): they mean something only together with a
# mode that kerasish refuses (as in Keras, where they are ignored without that mode),
# or they only pre-build state that the first update builds anyway.
CONFIG_ONLY = {
    **{("BatchNormalization", arg): "used only with renorm=True, which is refused"
       for arg in ("renorm_clipping", "renorm_momentum")},
    ("AUC", "num_labels"): "pre-builds the variables that the first update builds (Keras)",
    ("Metric", "dtype"): "the base class only stores it for subclasses (Keras's too)",
}

# Constructor arguments that are values, not configuration: saved with the weights,
# not in get_config (as in Keras).
NOT_IN_CONFIG = {("Embedding", "weights")}


def _value(owner, arg):
    if (owner, arg) in OVERRIDES:
        value = OVERRIDES[(owner, arg)]
    elif arg.startswith("on_"):
        value = _recorder(arg)
    elif arg in VALUES:
        value = VALUES[arg]
    else:
        raise AssertionError(f"no probe value for `{arg}` of {owner}: add a non-default "
                             "value to VALUES (or OVERRIDES)")
    if isinstance(value, str) and value == "<a StringIO>":
        value = io.StringIO()
    return value


# ====================================================================== families

_RNG = np.random.default_rng(0)
INPUTS = {
    "x2": _RNG.normal(0.5, 2.0, size=(4, 6)).astype("float32"),
    "x3": _RNG.normal(0.5, 2.0, size=(2, 6, 6)).astype("float32"),
    "x4": _RNG.normal(0.5, 2.0, size=(2, 6, 6, 6)).astype("float32"),
    "ids": np.array([[1, 2, 0, 9, 4], [0, 0, 3, 5, 7]], dtype="int32"),
}
INPUTS["x3z"] = INPUTS["x3"].copy()
INPUTS["x3z"][:, 1] = 0.0
INPUTS["x3z"][:, 2] = 1.0
INPUTS["pair"] = [INPUTS["x2"], INPUTS["x2"][::-1] * 0.5]
INPUTS["pair3"] = [INPUTS["x3"], INPUTS["x3"][::-1] * 0.5]


class _Fresh:
    """A constructor argument made anew for every construction: a layer or a cell
    belongs to one parent (an RNN renames its cell and builds it once)."""

    def __init__(self, make):
        self.make = make

    def __repr__(self):
        return "<made fresh>"


def _fresh(kwargs):
    return {k: v.make() if isinstance(v, _Fresh) else v for k, v in kwargs.items()}


class _PlainLayer(layers.Layer):
    """Layer's own constructor, with a weight and a call (Layer is a base class)."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, inputs):
        return inputs * self.w


# class name -> (constructor arguments, input)
LAYER_SETUP = {
    "Layer": ({}, "x2"),
    "Dense": (dict(units=4), "x2"),
    "Activation": (dict(activation="tanh"), "x2"),
    "LeakyReLU": ({}, "x2"), "ReLU": ({}, "x2"), "Softmax": ({}, "x3"),
    "Conv1D": (dict(filters=6, kernel_size=3), "x3"),
    "Conv2D": (dict(filters=6, kernel_size=3), "x4"),
    "Conv2DTranspose": (dict(filters=6, kernel_size=3), "x4"),
    "DepthwiseConv2D": (dict(kernel_size=3), "x4"),
    "SeparableConv2D": (dict(filters=6, kernel_size=3), "x4"),
    "Embedding": (dict(input_dim=10, output_dim=3), "ids"),
    "Rescaling": (dict(scale=2.0), "x2"),
    "Masking": ({}, "x3z"),
    "Add": ({}, "pair"), "Average": ({}, "pair"), "Maximum": ({}, "pair"),
    "Minimum": ({}, "pair"), "Multiply": ({}, "pair"), "Subtract": ({}, "pair"),
    "Concatenate": ({}, "pair"),
    "BatchNormalization": ({}, "x2"), "LayerNormalization": ({}, "x3"),
    "AveragePooling1D": (dict(pool_size=2), "x3"), "AveragePooling2D": (dict(pool_size=2), "x4"),
    "MaxPooling1D": ({}, "x3"), "MaxPooling2D": ({}, "x4"),
    "GlobalAveragePooling1D": ({}, "x3"), "GlobalAveragePooling2D": ({}, "x4"),
    "GlobalMaxPooling1D": ({}, "x3"), "GlobalMaxPooling2D": ({}, "x4"),
    "Normalization": ({}, "x2"),
    "Dropout": (dict(rate=0.5), "x2"),
    "Flatten": ({}, "x4"),
    "Reshape": (dict(target_shape=(6,)), "x2"),
    "Dot": (dict(axes=2), "pair3"),
    # (batch, time, features); the layers run their default lax.scan.
    "SimpleRNN": (dict(units=4), "x3"), "LSTM": (dict(units=4), "x3"),
    "GRU": (dict(units=4), "x3"),
    "RNN": (dict(cell=_Fresh(lambda: layers.SimpleRNNCell(3))), "x3"),
    "Bidirectional": (dict(layer=_Fresh(lambda: layers.LSTM(3))), "x3"),
    "TimeDistributed": (dict(layer=_Fresh(lambda: layers.Dense(2))), "x3"),
    # Cells (one step) are observed through an RNN over the sequence: THROUGH.
    "SimpleRNNCell": (dict(units=4), "x3"), "LSTMCell": (dict(units=4), "x3"),
    "GRUCell": (dict(units=4), "x3"),
    "StackedRNNCells": (dict(cells=_Fresh(lambda: [layers.SimpleRNNCell(3),
                                                   layers.SimpleRNNCell(2)])), "x3"),
}

# Layers observed inside another layer (what is compared is the outer layer's
# behaviour, and the inner one's config and name).
THROUGH = {name: lambda cell: layers.RNN(cell, return_sequences=True, return_state=True)
           for name in ("SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells")}


def _named(obj):
    """Default names are unique per object (``dense_7``): compare only whether the
    probe's name was taken (a cell inside an RNN is named ``rnn_3/<its name>``)."""
    return str(getattr(obj, "name", None)).rsplit("/", 1)[-1] == VALUES["name"]


def _unnamed(config):
    """A layer config without its name, nor the names of the layers inside it (unique
    per object, as above)."""
    if isinstance(config, list):
        return [_unnamed(c) for c in config]
    if not isinstance(config, dict):
        return config
    return {k: _unnamed(v) for k, v in config.items()
            if not (k == "name" and "trainable" in config)}


def _observe_layer(layer, x):
    out = layer(x)
    try:
        mask = layer.compute_mask(x)
    except Exception:  # noqa: BLE001 - layers without a mask for this input
        mask = None
    # (Only layers whose call takes `training` behave differently in training.)
    trains = "training" in inspect.signature(layer.call).parameters
    trained = layer(x, training=True) if trains else None
    weights = [(w.name, tuple(w.shape), str(w.dtype), w.trainable, w.value)
               for w in layer.weights] + [len(layer.trainable_weights)]
    config = _unnamed({k: v for k, v in layer.get_config().items() if k != "name"})
    return out, mask, trained, weights, list(layer.losses), config, _named(layer)


class _SquaredLoss(losses.Loss):
    """Loss's own constructor (Loss is a base class)."""

    def call(self, y_true, y_pred):
        return jnp.square(y_pred - y_true)


class _TotalMetric(metrics.Metric):
    """Metric's own constructor (Metric is a base class)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None):
        self.total.assign(self.total + jnp.sum(jnp.asarray(values, self.total.dtype)))

    def result(self):
        return self.total.value


class _PlainOptimizer(optimizers.Optimizer):
    """Optimizer's own constructor (Optimizer is a base class): plain SGD."""

    def transform(self):
        def update(grads, state, params=None, *, learning_rate, **extra):
            return jax.tree.map(lambda g: -learning_rate * g, grads), state

        return optax.GradientTransformationExtraArgs(lambda p: optax.EmptyState(), update)


CONCRETE = {layers.Layer: _PlainLayer, losses.Loss: _SquaredLoss,
            metrics.Metric: _TotalMetric, optimizers.Optimizer: _PlainOptimizer}

# -- losses and metrics: data per class (or function) name
_P = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]], "float32")
_ONEHOT = np.array([[1, 0, 0], [0, 0, 1], [1, 0, 0]], "float32")
_SPARSE = np.array([0, 1, 1])
_BIN_T = np.array([[0, 1, 1], [1, 0, 1], [0, 0, 1]], "float32")
_REG_T = np.array([[0.0, 1.0, 2.0], [3.0, -1.0, 0.5], [1.0, 1.0, 1.0]], "float32")
_REG_P = np.array([[0.5, 3.0, 2.0], [1.0, -1.5, 0.0], [2.0, 0.0, 1.0]], "float32")
_AUC_T = (np.random.default_rng(0).random((20, 3)) > 0.5).astype("float32")
_AUC_P = np.random.default_rng(1).random((20, 3)).astype("float32")
DATA = {
    "auc": (_AUC_T, _AUC_P),
    "binary": (_BIN_T, _P), "categorical": (_ONEHOT, _P), "sparse": (_SPARSE, _P),
    "regression": (_REG_T, _REG_P), "values": (np.array([1.0, 2.0, 4.0], "float32"),),
}
DATA_KIND = {
    "BinaryCrossentropy": "binary", "binary_crossentropy": "binary",
    "BinaryAccuracy": "binary", "binary_accuracy": "binary", "AUC": "auc",
    "Precision": "binary", "Recall": "binary",
    "CategoricalCrossentropy": "categorical", "categorical_crossentropy": "categorical",
    "CategoricalAccuracy": "categorical", "TopKCategoricalAccuracy": "categorical",
    "top_k_categorical_accuracy": "categorical",
    "SparseCategoricalCrossentropy": "sparse", "sparse_categorical_crossentropy": "sparse",
    "SparseCategoricalAccuracy": "sparse", "SparseTopKCategoricalAccuracy": "sparse",
    "sparse_top_k_categorical_accuracy": "sparse",
    "Mean": "values", "Sum": "values", "Metric": "values",
}
# Base constructor arguments where the class needs some (or a setting that makes the
# other arguments observable).
BASE = {
    "LossFunctionWrapper": dict(fn=losses.mean_squared_error),
    "MeanMetricWrapper": dict(fn=losses.mean_squared_error),
    "AUC": dict(multi_label=True, num_thresholds=7),  # few thresholds: quick to compile
    "LossScaleOptimizer": dict(inner_optimizer=optimizers.SGD(0.1)),
    "Optimizer": dict(learning_rate=0.1),
    "OptaxOptimizer": dict(transformation=optax.sgd(0.1)),
    "ReduceLROnPlateau": dict(patience=1),
    "ModelCheckpoint": dict(filepath="ckpt.keras"),
    "CSVLogger": dict(filename="log.csv"),
    "LearningRateScheduler": dict(schedule=lambda epoch, lr: lr * 0.5),
    "ExponentialDecay": dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.9),
    "InverseTimeDecay": dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.9),
    "PolynomialDecay": dict(initial_learning_rate=0.1, decay_steps=10),
    "CosineDecay": dict(initial_learning_rate=0.1, decay_steps=10),
    "CosineDecayRestarts": dict(initial_learning_rate=0.1, first_decay_steps=10),
    "PiecewiseConstantDecay": dict(boundaries=[5], values=[0.1, 0.01]),
}
VALUES_BY_CLASS = {  # required arguments whose probe value depends on the class
    ("Dot", "axes"): 1,
    ("RNN", "cell"): _Fresh(lambda: layers.GRUCell(3)),
    ("StackedRNNCells", "cells"): _Fresh(lambda: [layers.LSTMCell(3)]),
    ("Bidirectional", "layer"): _Fresh(lambda: layers.GRU(3)),
    ("Bidirectional", "backward_layer"): _Fresh(
        lambda: layers.LSTM(3, go_backwards=True, use_bias=False)),
    ("TimeDistributed", "layer"): _Fresh(lambda: layers.Dense(3)),
    ("LossFunctionWrapper", "fn"): losses.mean_absolute_error,
    ("MeanMetricWrapper", "fn"): losses.mean_absolute_error,
    ("LossScaleOptimizer", "inner_optimizer"): optimizers.Adam(0.1),
    ("OptaxOptimizer", "transformation"): optax.sgd(0.5),
}


def _data(name):
    return DATA[DATA_KIND.get(name, "regression")]


def _observe_loss(loss, name):
    y_true, y_pred = _data(name)
    value = loss(y_true, y_pred)
    config = {k: v for k, v in loss.get_config().items() if k != "name"}
    return value, str(value.dtype), config, _named(loss)


def _observe_metric(metric, name):
    metric.update_state(*_data(name))
    result = metric.result()
    config = {k: v for k, v in metric.get_config().items() if k != "name"}
    return result, str(np.asarray(result).dtype), config, _named(metric)


_PARAMS = {"w": jnp.array([1.0, -2.0, 3.0])}
_GRADS = [{"w": jnp.array([0.5, -1.0, 2.0])}, {"w": jnp.array([-0.2, 0.1, 4.0])},
          {"w": jnp.array([0.0, 0.0, 0.0])}]  # a step whose second moment decreases


def _observe_optimizer(opt, name):
    params, state, steps = _PARAMS, opt.init(_PARAMS), []
    for grads in _GRADS:
        updates, state = opt.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        steps.append(params["w"])
    try:
        config = {k: v for k, v in opt.get_config().items() if k != "name"}
    except NotImplementedError:
        config = None  # OptaxOptimizer: a transformation has no config
    return steps, config, _named(opt)


def _observe_initializer(init, name):
    kerasish.random.set_seed(0)
    return init((4, 3)), init.get_config()


def _observe_regularizer(reg, name):
    return reg(np.array([[1.0, -2.0], [3.0, 4.0]], "float32")), reg.get_config()


_W_NORMS = np.array([[0.1, 1.2, 3.0], [0.1, 0.9, 0.0], [0.1, 0.0, 0.0]], "float32")


def _observe_constraint(constraint, name):
    # Column norms 0.17, 1.5 and 3: below, inside and above the probed bounds.
    return constraint(_W_NORMS), constraint.get_config()


def _observe_schedule(schedule, name):
    values = [np.asarray(schedule(step)) for step in (0, 3, 7, 12, 40)]
    config = {k: v for k, v in schedule.get_config().items() if k != "name"}
    return values, config, _named(schedule)


# -- callbacks: a scripted run on a stand-in model, recorded
_EVENTS = []


def _recorder(hook):
    def record(*args, **kwargs):
        _EVENTS.append(hook)

    record.__qualname__ = f"record_{hook}"
    return record


class _FakeOptimizer:
    def __init__(self):
        self.learning_rate = 0.1


class _FakeModel:
    """What the callbacks touch of a model: weights, optimizer, stop flag, saving."""

    def __init__(self):
        self.optimizer, self.stop_training, self.metrics = _FakeOptimizer(), False, []
        self.w, self.saves = np.zeros(1), []

    def get_weights(self):
        return [self.w.copy()]

    def set_weights(self, weights):
        self.w = np.asarray(weights[0]).copy()

    def get_optimizer_state(self):
        return None

    def set_optimizer_state(self, state):
        pass

    def save(self, filepath, overwrite=True):
        pathlib.Path(filepath).write_text(f"model {self.w}")
        self.saves.append(("model", filepath, float(self.w[0])))

    def save_weights(self, filepath, overwrite=True):
        pathlib.Path(filepath).write_text(f"weights {self.w}")
        self.saves.append(("weights", filepath, float(self.w[0])))


_SCRIPT = {  # the logs of each epoch
    "loss": [1.0, 0.8, 0.79, 0.9, 0.95, 0.6, 0.99, float("nan")],
    "val_loss": [1.0, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97],
    "accuracy": [0.5, 0.6, 0.55, 0.7, 0.65, 0.6, 0.8, 0.7],
}


def _drive(callback):
    """Run 8 epochs of 3 batches through ``callback``; return everything observable."""
    model, trace = _FakeModel(), []
    _EVENTS.clear()
    out = io.StringIO()
    epochs = len(_SCRIPT["loss"])
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            callback.set_model(model)
            callback.set_params({"epochs": epochs, "steps": 3, "verbose": 1})
            callback.on_train_begin({})
            for epoch in range(epochs):
                callback.on_epoch_begin(epoch, {})
                model.w = np.array([float(epoch)])
                for batch in range(3):
                    callback.on_train_batch_begin(batch, {})
                    callback.on_train_batch_end(batch, {"loss": _SCRIPT["loss"][epoch]})
                callback.on_test_begin({})
                callback.on_test_batch_end(0, {"loss": 1.0})
                callback.on_test_end({"loss": 1.0})
                logs = {k: v[epoch] for k, v in _SCRIPT.items()}
                callback.on_epoch_end(epoch, logs)
                trace.append((epoch, model.optimizer.learning_rate, model.stop_training,
                              sorted(logs)))
                if model.stop_training:
                    break
            callback.on_train_end({})
        except Exception as err:  # noqa: BLE001 - raising is behaviour too
            trace.append(("raised", type(err).__name__))
    files = {p.name: p.read_text() for p in sorted(pathlib.Path(".").iterdir())}
    stream = getattr(callback, "stream", None)
    printed = re.sub(r"\d+(?:\.\d+)?(?:us|ms|s)\b", "<t>", out.getvalue())  # timings vary
    return (trace, model.w, model.saves, printed, files, list(_EVENTS),
            stream.getvalue() if isinstance(stream, io.StringIO) else None)


@contextlib.contextmanager
def _in_fresh_dir():
    import tempfile

    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        pathlib.Path("log.csv").write_text("an,earlier\nrun,here\n")
        yield


# -- function forms: x first (activations, ops) or (y_true, y_pred) first (losses, metrics)
_X = np.array([[-2.0, -0.5, 0.3], [1.5, 3.0, -4.0]], "float32")
POSITIONAL = {  # operands for functions that need more than x
    "one_hot": (np.array([1, 2, 2]), 3),
    "confusion_counts": (_BIN_T, _P, [0.15]),
}


# ====================================================================== generic probes


class Family:
    """A generic probe: ``make(kwargs)`` calls the constructor (or returns the keywords
    of a function call), ``observe(made)`` returns what is compared. ``config``: the
    objects have get_config/from_config, so a probed value must survive the round trip."""

    def __init__(self, make, observe, owner, base, config=False):
        self.make, self.observe, self.owner, self.base = make, observe, owner, base
        self.config = config

    def build(self, kwargs):
        return self.observe(self.make(kwargs))


def _generic(target):
    """The Family that probes ``target``'s options, or None."""
    name = target.func.__name__
    if target.kind == "ctor":
        cls = CONCRETE.get(target.func, target.func)
        make = lambda kwargs, cls=cls: cls(**_fresh(kwargs))  # noqa: E731
        base = dict(BASE.get(name, {}))
        if issubclass(cls, kerasish.Model) or cls is layers.InputLayer:
            return None
        if issubclass(cls, layers.Layer) and name in LAYER_SETUP:
            base, x = LAYER_SETUP[name]

            def observe(layer, x=INPUTS[x], through=THROUGH.get(name)):
                kerasish.random.set_seed(0)  # the weights are drawn at the first call
                if through is None:
                    return _observe_layer(layer, x)
                outer = _observe_layer(through(layer), x)[:-1]
                inner = _unnamed({k: v for k, v in layer.get_config().items() if k != "name"})
                return outer + (inner, _named(layer))

            return Family(make, observe, name, dict(base), config=True)
        for family, observe in ((losses.Loss, _observe_loss), (metrics.Metric, _observe_metric),
                                (initializers.Initializer, _observe_initializer),
                                (regularizers.Regularizer, _observe_regularizer),
                                (schedules.LearningRateSchedule, _observe_schedule),
                                (optimizers.Optimizer, _observe_optimizer),
                                (optimizers.OptaxOptimizer, _observe_optimizer),
                                (optimizers.LossScaleOptimizer, _observe_optimizer),
                                (constraints.Constraint, _observe_constraint)):
            if issubclass(cls, family):
                return Family(make, lambda obj, observe=observe: observe(obj, name), name, base,
                              config=True)
        if issubclass(cls, callbacks.Callback) and cls is not callbacks.CallbackList:
            def make_in_folder(kwargs, cls=cls):
                with _in_fresh_dir():
                    return _drive(cls(**kwargs))

            return Family(make_in_folder, lambda seen: seen, name, base)
        return None
    if target.kind == "method" and name == "__call__" and issubclass(
            target.owner, initializers.Initializer):
        def call(kwargs, cls=target.owner):
            kerasish.random.set_seed(0)
            return cls(**BASE.get(cls.__name__, {}))((4, 3), **kwargs)

        return Family(call, lambda seen: seen, target.owner.__name__ + ".__call__", {})
    if target.kind == "function":
        params = list(inspect.signature(target.func).parameters)
        if params[:1] == ["x"] and target.func.__module__ in (
                "kerasish.activations", "kerasish.ops"):
            args = POSITIONAL.get(name, (_X,))
        elif params[:2] == ["y_true", "y_pred"]:
            args = POSITIONAL.get(name, _data(name))
        elif params == ["args", "kwargs"] and target.func.__module__ == "kerasish.ops":
            # A thin wrapper: keywords go to the jax.numpy function, which refuses
            # unknown ones.
            args = (_X,)
        else:
            return None
        return Family(lambda kwargs: kwargs, lambda kwargs, f=target.func: f(*args, **kwargs),
                      name, {})
    return None


def _generic_outcome(target, arg):
    family = _generic(target)
    owner, base = family.owner, family.base
    if arg == "**kwargs":
        return _refuses(lambda: family.build({**base, BOGUS: 1}), BOGUS)
    value = VALUES_BY_CLASS.get((owner, arg))
    if value is None:
        value = _value(owner, arg)
    context = {**base, **CONTEXT.get((owner, arg), {})}
    extra = WITH.get((owner, arg), WITH.get(("*", arg), {}))
    probe = {**context, **extra, arg: value}
    refused = (owner, arg) in REFUSED
    outcome, seen, base = _outcome(arg, lambda: _default(target, family, context),
                                   lambda: family.build(probe), refused)
    if outcome == "exercised" and family.config:
        behaviour = lambda obs: tuple(x for x in obs if not isinstance(x, dict))  # noqa: E731
        assert (owner, arg) in CONFIG_ONLY or _canon(behaviour(seen)) != _canon(
            behaviour(base)), (
            f"`{arg}` shows up in get_config() but changes no behaviour (outputs, state): "
            "it is stored and ignored. Use it, refuse it, or list it in CONFIG_ONLY with "
            "the reason.")
        if (owner, arg) not in NOT_IN_CONFIG:
            _survives_config(family, probe, arg, seen)
    return outcome


def _survives_config(family, kwargs, arg, seen):
    """A probed value must survive get_config/from_config (saving), not only work:
    the rebuilt object behaves as the probed one did (``seen``; observations are
    deterministic)."""
    made = family.make(kwargs)
    try:
        config = made.get_config()
    except NotImplementedError:
        return  # OptaxOptimizer: a transformation has no config (documented there)
    again = type(made).from_config(config)
    assert _canon(family.observe(again)) == _canon(seen), (
        f"`{arg}` works but is lost by get_config/from_config: the object rebuilt from "
        f"its config behaves like another one. Config: {config}")


_DEFAULTS = {}


def _default(target, family, context):
    """What the default call shows, computed once per target and context (every
    observation is deterministic: seeds are set, files go to a fresh folder)."""
    key = (target.key, _canon(context))
    if key not in _DEFAULTS:
        _DEFAULTS[key] = family.build(context)
    return _DEFAULTS[key]


# ====================================================================== explicit probes

PROBES = {}


def probe(key, *args):
    """Register ``fn(arg)`` (or ``fn(key, arg)``) as the probe of each ``(key, arg)``;
    it returns 'exercised' or 'refused' (through ``_differ`` / ``_refuses``) or raises."""
    def register(fn):
        with_key = len(inspect.signature(fn).parameters) == 2
        for arg in args:
            PROBES[(key, arg)] = (lambda arg=arg: fn(key, arg)) if with_key else \
                (lambda arg=arg: fn(arg))
        return fn

    return register


@probe("layers.wrapper_base.Wrapper", "**kwargs")
@probe("layers.jax_layer.JaxLayer", "**kwargs")
@probe("layers.reversible_embedding.ReversibleEmbedding", "**kwargs")
def _unknown_keyword(key, arg):
    make = {
        "layers.wrapper_base.Wrapper": lambda **kw: layers.Wrapper(layers.Dense(2), **kw),
        "layers.jax_layer.JaxLayer": lambda **kw: layers.JaxLayer(
            lambda inputs: inputs, **kw),
        "layers.reversible_embedding.ReversibleEmbedding":
            lambda **kw: layers.ReversibleEmbedding(10, 3, **kw),
    }[key]
    make()  # the same call without the unknown keyword is fine
    return _refuses(lambda: make(**{BOGUS: 1}), BOGUS)


def _custom_objects(module, config, obj):
    """``deserialize(config, custom_objects=...)`` finds ``obj``; without it, an error."""
    found = module.deserialize(config, custom_objects={"Mine": obj})
    assert found is obj or isinstance(found, obj)
    with pytest.raises(ValueError, match="Mine"):
        module.deserialize(config)
    return "exercised"


_MINE = {"class_name": "Mine", "config": {}}
for _module, _config, _obj in (
        (activations, "Mine", lambda x: x * 3.0),
        (initializers, _MINE, initializers.Ones),
        (losses, _MINE, losses.MeanAbsoluteError),
        (metrics, _MINE, metrics.MeanAbsoluteError),
        (regularizers, _MINE, regularizers.L1),
        (constraints, _MINE, constraints.NonNeg),
        (schedules, {"class_name": "Mine", "config": dict(initial_learning_rate=0.1,
                                                           decay_steps=1, decay_rate=0.5)},
         schedules.ExponentialDecay)):
    PROBES[(f"{_short(_module.__name__)}.deserialize", "custom_objects")] = \
        lambda args=(_module, _config, _obj): _custom_objects(*args)


@probe("saving.registration.get_registered_object", "custom_objects")
def _registered_object(arg):
    from kerasish import saving

    found = saving.get_registered_object("Mine", custom_objects={"Mine": losses.Huber})
    return _differ(found, saving.get_registered_object("Mine"), arg)


@probe("saving.serialization.deserialize_keras_object", "custom_objects")
def _deserialize_custom(arg):
    from kerasish import saving

    config = {"class_name": "Mine", "config": {}, "module": None, "registered_name": "Mine"}
    assert isinstance(saving.deserialize_keras_object(config, {"Mine": losses.Huber}),
                      losses.Huber)
    with pytest.raises(ValueError, match="Mine"):
        saving.deserialize_keras_object(config)
    return "exercised"


# -- callbacks
class _Watcher(callbacks.Callback):
    def on_test_batch_end(self, batch, logs=None):
        pass


@probe("callbacks.base.CallbackList", "callbacks", "model", "params")
def _callback_list(arg):
    history, model, params = callbacks.History(), object(), {"epochs": 3}
    hooks = callbacks.CallbackList([history], model, params)
    assert hooks.callbacks == [history] and history.model is model and history.params is params
    return "exercised"


@probe("callbacks.base.CallbackList.per_batch", "mode")
def _per_batch(arg):
    hooks = callbacks.CallbackList([_Watcher()], None, {})
    return _differ(hooks.per_batch(mode="test"), hooks.per_batch(), arg)


@probe("callbacks.base.wants_batch_hooks", "mode")
def _wants_batch_hooks(arg):
    return _differ(callbacks.wants_batch_hooks(_Watcher(), mode="test"),
                   callbacks.wants_batch_hooks(_Watcher()), arg)


# -- distribution (one CPU device is enough to see every argument)
def _mesh(names=("batch",)):
    return distribution.DeviceMesh((1,) * len(names), list(names),
                                   distribution.list_devices()[:1])


@probe("distribution.DataParallel", "device_mesh")
def _dp_mesh(arg):
    return _differ(distribution.DataParallel(device_mesh=_mesh(("data",))).batch_dim_name,
                   distribution.DataParallel().batch_dim_name, arg)


@probe("distribution.DataParallel", "devices")
def _dp_devices(arg):
    device = jax.devices()[0]
    mesh = distribution.DataParallel(devices=[device]).device_mesh
    assert mesh.devices.ravel()[0] is device
    with pytest.raises(ValueError, match="Unknown device 'gpu:77'"):
        distribution.DataParallel(devices=["gpu:77"])
    _refuses(lambda: distribution.DataParallel(device_mesh=_mesh(), devices=[device]), arg)
    return "exercised"


@probe("distribution.DataParallel", "auto_shard_dataset")
@probe("distribution.ModelParallel", "auto_shard_dataset")
@probe("distribution.Distribution", "auto_shard_dataset")
def _auto_shard(key, arg):
    from unittest import mock

    make = {"distribution.DataParallel": distribution.DataParallel,
            "distribution.ModelParallel": lambda **kw: distribution.ModelParallel(
                layout_map=distribution.LayoutMap(_mesh()), **kw),
            "distribution.Distribution": lambda **kw: distribution.Distribution(
                _mesh(), "batch", **kw)}[key]
    assert make(auto_shard_dataset=False).auto_shard_dataset is False
    assert make().auto_shard_dataset is True
    with mock.patch.object(jax, "process_count", lambda: 2):  # a multi-process run
        _refuses(lambda: make(auto_shard_dataset=False), arg)
    return "exercised"


@probe("distribution.DeviceMesh", "shape", "axis_names", "devices")
def _device_mesh(arg):
    if arg == "devices":
        device = jax.devices()[0]
        mesh = distribution.DeviceMesh((1,), ["b"], [device])
        assert mesh.backend_mesh.devices.ravel()[0] is device
        with pytest.raises(ValueError, match="tpu:9"):
            distribution.DeviceMesh((1,), ["b"], ["tpu:9"])
        return "exercised"
    if arg == "shape":
        with pytest.raises(ValueError, match=r"Shape \(2,\) needs 2 devices"):
            distribution.DeviceMesh((2,), ["b"], ["cpu:0"])
        return "exercised"
    return _differ(_mesh(("model",)).axis_names, _mesh().axis_names, arg)


@probe("distribution.Distribution", "device_mesh", "batch_dim_name")
def _distribution(arg):
    a = distribution.Distribution(_mesh(("x",)), "x")
    b = distribution.Distribution(_mesh(("y",)), "y")
    see = lambda d: (d.device_mesh.axis_names, d.get_data_layout((4, 2)).axes)  # noqa: E731
    return _differ(see(a), see(b), arg)


@probe("distribution.LayoutMap", "device_mesh")
def _layout_map(arg):
    mesh = _mesh(("batch", "model"))
    layout_map = distribution.LayoutMap(mesh)
    layout_map["d.*"] = (None, "model")
    assert layout_map["dense/kernel"].device_mesh is mesh
    return "exercised"


@probe("distribution.ModelParallel", "layout_map", "batch_dim_name", "**kwargs",
       "device_mesh")
def _model_parallel(arg):
    mesh = _mesh(("batch", "model"))
    layout_map = distribution.LayoutMap(mesh)
    layout_map["d.*kernel"] = (None, "model")
    if arg == "layout_map":
        dist = distribution.ModelParallel(layout_map=layout_map)
        variable = kerasish.Variable(np.ones((2, 2)), path="dense/kernel")
        return _differ(dist.get_variable_layout(variable).axes,
                       distribution.DataParallel().get_variable_layout(variable).axes, arg)
    if arg == "batch_dim_name":
        return _differ(distribution.ModelParallel(layout_map=layout_map,
                                                  batch_dim_name="model").batch_dim_name,
                       distribution.ModelParallel(layout_map=layout_map).batch_dim_name, arg)
    if arg == "device_mesh":
        distribution.ModelParallel(layout_map=layout_map, device_mesh=mesh)
        return _refuses(lambda: distribution.ModelParallel(layout_map=layout_map,
                                                           device_mesh=_mesh()), arg)
    return _refuses(lambda: distribution.ModelParallel(layout_map=layout_map, **{BOGUS: 1}),
                    BOGUS)


@probe("distribution.TensorLayout", "axes", "device_mesh")
def _tensor_layout(arg):
    mesh = _mesh(("batch", "model"))
    a = distribution.TensorLayout(("batch", None), mesh)
    b = distribution.TensorLayout((None, "model"), mesh)
    if arg == "device_mesh":
        other = distribution.TensorLayout(("x",), _mesh(("x",)))
        return _differ(a.sharding().mesh.axis_names, other.sharding().mesh.axis_names, arg)
    return _differ(tuple(a.sharding().spec), tuple(b.sharding().spec), arg)


@probe("distribution.initialize", "job_addresses", "num_processes", "process_id")
def _initialize(arg):
    from unittest import mock

    seen = []
    with mock.patch.object(jax.distributed, "initialize", lambda **kw: seen.append(kw)):
        distribution.initialize()
        distribution.initialize(job_addresses="10.0.0.1:1234,10.0.0.2:1234", num_processes=2,
                                process_id=1)
    return _differ(seen[1], seen[0], arg)


@probe("distribution.list_devices", "device_type")
def _list_devices(arg):
    from unittest import mock

    seen = []
    real = jax.devices
    with mock.patch.object(jax, "devices", lambda *a: seen.append(a) or real(*a)):
        distribution.list_devices("cpu")
        distribution.list_devices()
    return _differ(seen[0], seen[1], arg)


# -- utils
@probe("engine.adapters.PyDataset", "workers", "use_multiprocessing", "max_queue_size")
def _pydataset(arg):
    value = {"workers": 2, "use_multiprocessing": True, "max_queue_size": 3}[arg]
    return _refuses(lambda: kerasish.utils.PyDataset(**{arg: value}), arg)


@probe("engine.adapters.pack_x_y_sample_weight", "y", "sample_weight")
def _pack(arg):
    pack = kerasish.utils.pack_x_y_sample_weight
    return _differ(pack(1, y=2, **({"sample_weight": 3} if arg == "sample_weight" else {})),
                   pack(1, **({"y": 2} if arg == "sample_weight" else {})), arg)


@probe("utils.to_categorical", "num_classes")
def _to_categorical(arg):
    return _differ(kerasish.utils.to_categorical([0, 1], num_classes=4),
                   kerasish.utils.to_categorical([0, 1]), arg)


@probe("utils.plotting.plot_history", "figsize")
def _plot_figsize(arg):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    history = callbacks.History()
    history.history = {"loss": [1.0, 0.5]}
    sizes = []
    for kwargs in ({"figsize": (3.0, 2.0)}, {}):
        fig = kerasish.utils.plot_history(history, **kwargs)
        sizes.append(tuple(fig.get_size_inches()))
        plt.close(fig)
    return _differ(sizes[0], sizes[1], arg)


@probe("variables.Variable", "initializer", "shape", "dtype", "trainable", "name",
       "regularizer", "path")
def _variable(arg):
    base = dict(initializer=initializers.Zeros(), shape=(2,))
    value = {"initializer": initializers.Ones(), "shape": (3,), "dtype": "float16",
             "trainable": False, "name": "w", "regularizer": regularizers.L2(0.5),
             "path": "a/b"}[arg]
    if arg == "initializer":  # a name, as Keras (initializers.get)
        assert np.asarray(kerasish.Variable(initializer="ones", shape=(2,)).numpy()).sum() == 2
    if arg == "shape":  # a value's own shape must agree with `shape`, or be refused
        _refuses(lambda: kerasish.Variable(initializer=np.ones(2), shape=(3,)), arg)

    def see(kwargs):
        var = kerasish.Variable(**kwargs)
        var.initialize(jax.random.key(0))
        reg = var.regularizer(var.value) if var.regularizer is not None else None
        return var.value, var.trainable, var.name, reg, var.path

    return _differ(see({**base, arg: value}), see(base), arg)


# -- layers: methods and the symbolic input
@probe("layers.base.KerasTensor", "shape", "dtype", "name", "history")
def _keras_tensor(arg):
    value = {"shape": (None, 4), "dtype": "int32", "name": "t", "history": ("layer", None)}[arg]
    see = lambda t: (t.shape, t.dtype, t.name, t._keras_history)  # noqa: E731
    base = dict(shape=(None, 3))
    return _differ(see(layers.KerasTensor(**{**base, arg: value})),
                   see(layers.KerasTensor(**base)), arg)


def _input_probe(make, arg):
    """``make(**kwargs)`` -> the symbolic input (``Input``, or ``InputLayer(...).output``)."""
    def see(kwargs):
        t = make(**kwargs)
        return t.shape, t.dtype, t.name

    if arg == "sparse":
        assert make(shape=(3,), sparse=False).shape == (None, 3)
        return _refuses(lambda: make(shape=(3,), sparse=True), arg)
    if arg in ("tensor", "input_tensor"):
        t = kerasish.Input(batch_shape=(5, 2), dtype="int32")
        assert make(**{arg: t}) is t and t.shape == (5, 2) and t.dtype == "int32"
        _refuses(lambda: make(shape=(3,), **{arg: t}), "shape")
        return "exercised"
    if arg == "**kwargs":
        return _refuses(lambda: make(shape=(3,), **{BOGUS: 1}), BOGUS)
    base = dict(shape=(3,))
    value = {"shape": (4,), "batch_size": 8, "dtype": "int32", "batch_shape": (2, 7),
             "name": "the_input", "input_shape": (4,), "batch_input_shape": (8, 4)}[arg]
    alone = arg in ("batch_shape", "input_shape", "batch_input_shape")
    return _differ(see({arg: value} if alone else {**base, arg: value}), see(base), arg)


for _arg in ("shape", "batch_size", "dtype", "sparse", "batch_shape", "name", "tensor"):
    PROBES[("layers.core.Input", _arg)] = lambda arg=_arg: _input_probe(kerasish.Input, arg)
for _arg in ("shape", "batch_size", "dtype", "sparse", "batch_shape", "name", "input_tensor",
             "input_shape", "batch_input_shape", "**kwargs"):
    PROBES[("layers.core.InputLayer", _arg)] = lambda arg=_arg: _input_probe(
        lambda **kw: layers.InputLayer(**kw).output, arg)


@probe("layers.base.Layer", "input_shape", "input_dim", "batch_size", "batch_input_shape")
def _declared_input(arg):
    value = {"input_shape": (3,), "input_dim": 3, "batch_size": 8,
             "batch_input_shape": (8, 3)}[arg]
    context = {"batch_size": {"input_shape": (3,)}}.get(arg, {})

    def see(kwargs):
        model = kerasish.Sequential([layers.Dense(2, **kwargs)])
        return model.built, model.inputs[0].shape if model.built else None

    if arg == "batch_size":  # honoured with input_shape; alone, it must not vanish
        _refuses(lambda: layers.Dense(2, batch_size=8), arg)
    return _differ(see({**context, arg: value}), see(context), arg)


_X2 = INPUTS["x2"]


@probe("layers.base.Layer.__call__", "training", "**kwargs", "mask")
@probe("layers.regularization.Dropout.call", "training")
def _layer_training(arg):
    dropout = layers.Dropout(0.5, seed=1)
    if arg == "**kwargs":
        return _refuses(lambda: dropout(_X2, **{BOGUS: 1}), BOGUS)
    if arg == "mask":
        mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]], bool)
        pool = layers.GlobalAveragePooling1D()
        return _differ(pool(INPUTS["x3"], mask=mask), pool(INPUTS["x3"]), arg)
    return _differ(dropout(_X2, training=True), dropout(_X2), arg)


@probe("layers.normalization.BatchNormalization.call", "training", "mask")
def _bn_call(arg):
    def see(**kwargs):
        bn = layers.BatchNormalization()
        return bn(INPUTS["x3"], **kwargs), bn.moving_mean.value

    if arg == "training":
        return _differ(see(training=True), see(), arg)
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]], bool)
    return _differ(see(training=True, mask=mask), see(training=True), arg)


@probe("layers.activation_layers.Softmax.call", "mask")
def _softmax_mask(arg):
    mask = np.array([[1, 1, 0], [1, 0, 1]], bool)
    return _differ(layers.Softmax()(_X, mask=mask), layers.Softmax()(_X), arg)


@probe("layers.pooling.GlobalAveragePooling1D.call", "mask")
def _gap_mask(arg):
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]], bool)
    pool = layers.GlobalAveragePooling1D()
    return _differ(pool(INPUTS["x3"], mask=mask), pool(INPUTS["x3"]), arg)


@probe("layers.base.Layer.add_weight", "shape", "initializer", "dtype", "trainable",
       "regularizer", "constraint", "name", "**kwargs", "aggregation",
       "overwrite_with_gradient")
def _add_weight(arg):
    value = {"shape": (3,), "initializer": "ones", "dtype": "float16", "trainable": False,
             "regularizer": "l2", "name": "w", "aggregation": "mean",
             "overwrite_with_gradient": True}.get(arg)
    if arg == "**kwargs":
        return _refuses(lambda: layers.Dense(1).add_weight(shape=(1,), **{BOGUS: 1}), BOGUS)
    if arg == "constraint":  # applied after each optimizer step (a name, as Keras)
        make = lambda **kw: _PlainLayer().add_weight(  # noqa: E731
            shape=(3,), initializer="zeros", **kw)
        return _differ(_stepped(lambda: make(constraint="non_neg")), _stepped(make), arg)
    if arg == "overwrite_with_gradient":  # float8 training's scales: not supported
        _PlainLayer().add_weight(shape=(1,), overwrite_with_gradient=False)
        return _refuses(lambda: _PlainLayer().add_weight(shape=(1,),
                                                         overwrite_with_gradient=True), arg)

    def see(kwargs):
        layer = _PlainLayer()
        w = layer.add_weight(**{"shape": (2,), "initializer": "zeros", **kwargs})
        return (w.value, w.trainable, w.name, list(layer.losses),
                getattr(w, "aggregation", "none"), getattr(w, "overwrite_with_gradient", False))

    return _differ(see({arg: value}), see({}), arg)


@probe("layers.base.Layer.add_weight", "autocast")
def _add_weight_autocast(arg):
    class Peek(layers.Layer):
        def __init__(self, autocast, **kwargs):
            super().__init__(**kwargs)
            self.cast = autocast

        def build(self, input_shape):
            self.w = self.add_weight(shape=(6,), initializer="ones", autocast=self.cast)

        def call(self, inputs):
            return self.w.value  # the dtype `call` sees

    seen = [str(Peek(cast, dtype="mixed_float16")(_X2).dtype) for cast in (False, True)]
    return _differ(seen[0], seen[1], arg)


@probe("layers.base.Layer.apply", "training", "rng")
@probe("layers.base.Layer.init", "input_shape")
@probe("layers.base.Layer.as_jax_function", "training")
def _pure_pair(key, arg):
    if arg == "input_shape":
        init = lambda shape: layers.Dense(2).init(jax.random.key(0), shape)  # noqa: E731
        return _differ(init((None, 4)), init((None, 3)), arg)
    dropout = layers.Dropout(0.5)
    params, state = dropout.init(jax.random.key(0), (None, 6))
    if key.endswith("as_jax_function"):
        run = lambda **kw: dropout.as_jax_function(**kw)[0](  # noqa: E731
            params, _X2, rng=jax.random.key(1))
        return _differ(run(training=True), run(), arg)
    run = lambda **kw: dropout.apply(params, state, _X2, **kw)[0]  # noqa: E731
    if arg == "rng":
        return _differ(run(training=True, rng=jax.random.key(1)),
                       run(training=True, rng=jax.random.key(2)), arg)
    return _differ(run(training=True, rng=jax.random.key(1)), run(rng=jax.random.key(1)), arg)


@probe("layers.base.Layer.set_params", "state")
def _set_params(arg):
    bn = layers.BatchNormalization()
    bn.build((None, 6))
    params, state = bn.current_params()
    moved = jax.tree.map(lambda a: a + 1.0, state)
    bn.set_params(params)
    before = np.asarray(bn.moving_mean.value)
    bn.set_params(params, state=moved)
    return _differ(bn.moving_mean.value, before, arg)


@probe("layers.base.Layer.stateless_call", "return_losses", "**kwargs", "rng")
def _stateless_call(arg):
    if arg == "rng":
        dropout = layers.Dropout(0.5)
        run = lambda key: dropout.stateless_call([], [], _X2, training=True,  # noqa: E731
                                                 rng=jax.random.key(key))[0]
        return _differ(run(1), run(2), arg)
    dense = layers.Dense(2, activity_regularizer="l2")
    dense.build((None, 6))
    trainable = [v.value for v in dense.trainable_variables]
    if arg == "**kwargs":
        return _refuses(lambda: dense.stateless_call(trainable, [], _X2, **{BOGUS: 1}), BOGUS)
    return _differ(len(dense.stateless_call(trainable, [], _X2, return_losses=True)),
                   len(dense.stateless_call(trainable, [], _X2)), arg)


@probe("layers.preprocessing.Normalization.adapt", "batch_size", "steps")
def _adapt(arg):
    data = np.arange(40.0, dtype="float32").reshape(20, 2) ** 1.5

    def stats(**kwargs):
        norm = layers.Normalization()
        norm.adapt(data, **kwargs)
        return norm.adapt_mean.value, norm.adapt_variance.value, norm.count.value

    if arg == "batch_size":
        # Slices fold into the same statistics; with `steps`, they decide what is read.
        np.testing.assert_allclose(stats(batch_size=3)[1], stats()[1], rtol=1e-6)
        _refuses(lambda: layers.Normalization().adapt(iter([data]), batch_size=4), arg)
        return _differ(stats(batch_size=4, steps=1), stats(steps=1), arg)
    _refuses(lambda: layers.Normalization().adapt(data, steps=0), arg)
    norm = layers.Normalization()
    norm.adapt(iter([data[:5], data[5:]]), steps=1)
    np.testing.assert_allclose(norm.adapt_mean.value, data[:5].mean(0), rtol=1e-6)
    return _differ(stats(batch_size=4, steps=1), stats(batch_size=4), arg)


# -- losses and metrics: methods
_YT, _YP = DATA["regression"]
_W = np.array([1.0, 0.0, 2.0], "float32")


@probe("losses.Loss.__call__", "sample_weight")
def _loss_call(arg):
    loss = losses.MeanSquaredError()
    return _differ(loss(_YT, _YP, sample_weight=_W), loss(_YT, _YP), arg)


@probe("losses.reduce_values", "sample_weight", "reduction", "mask")
def _reduce_values(arg):
    values = np.array([1.0, 2.0, 6.0], "float32")
    value = {"sample_weight": _W, "reduction": "sum", "mask": np.array([True, False, True])}
    return _differ(losses.reduce_values(values, **{arg: value[arg]}),
                   losses.reduce_values(values), arg)


@probe("losses.squeeze_or_expand_to_same_rank", "expand_rank_1")
def _squeeze(arg):
    shapes = lambda pair: [p.shape for p in pair]  # noqa: E731
    a, b = np.zeros(3), np.zeros((3, 1))
    return _differ(shapes(losses.squeeze_or_expand_to_same_rank(a, b, expand_rank_1=False)),
                   shapes(losses.squeeze_or_expand_to_same_rank(a, b)), arg)


_METRIC_UPDATES = {  # method key -> a metric that runs it
    "metrics.AUC.update_state": lambda: metrics.AUC(),
    "metrics.AUC.update": lambda: metrics.AUC(),
    "metrics.Mean.update": lambda: metrics.Mean(),
    "metrics.Sum.update": lambda: metrics.Sum(),
    "metrics.MeanMetricWrapper.update": lambda: metrics.MeanSquaredError(),
    "metrics.RootMeanSquaredError.update": lambda: metrics.RootMeanSquaredError(),
    "metrics._ThresholdMetric.update": lambda: metrics.Precision(),
}


def _metric_sample_weight(key):
    def run(arg):
        make = _METRIC_UPDATES[key]
        kind = key.split(".")[1]
        values = (np.array([1.0, 2.0, 6.0], "float32"),) if kind in ("Mean", "Sum") else \
            (_YT, _YP) if kind not in ("AUC", "_ThresholdMetric") else \
            (np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.2, 0.6, 0.3, 0.4], "float32"))
        weight = np.array([1.0, 0.0, 3.0, 1.0][:len(values[0])], "float32")
        if key.endswith(".update"):
            metric = make()
            state = metric.update(metric.init_state(), *values, sample_weight=weight)
            weighted = metric.compute(state)
            plain = metric.compute(metric.update(metric.init_state(), *values))
        else:
            weighted, plain = make(), make()
            weighted.update_state(*values, sample_weight=weight)
            plain.update_state(*values)
            weighted, plain = weighted.result(), plain.result()
        return _differ(weighted, plain, arg)

    return run


for _key in _METRIC_UPDATES:
    PROBES[(_key, "sample_weight")] = (lambda run: lambda: run("sample_weight"))(
        _metric_sample_weight(_key))


@probe("metrics.Metric.__call__", "**kwargs")
@probe("metrics.Metric.update_state", "**kwargs")
@probe("metrics.Metric.update", "**kwargs")
@probe("metrics.Metric.stateless_update_state", "**kwargs")
def _metric_kwargs(key, arg):
    # The keywords go on to the metric's own update; an unknown one must not vanish.
    metric = metrics.Mean()
    call = {"metrics.Metric.__call__": lambda: metric([1.0], **{BOGUS: 1}),
            "metrics.Metric.update_state": lambda: metric.update_state([1.0], **{BOGUS: 1}),
            "metrics.Metric.update": lambda: metric.update(metric.init_state(), [1.0],
                                                           **{BOGUS: 1}),
            "metrics.Metric.stateless_update_state": lambda: metric.stateless_update_state(
                [v.value for v in metric.variables], [1.0], **{BOGUS: 1})}[key]
    return _refuses(call, BOGUS)


@probe("metrics.Metric.add_variable", "dtype", "aggregation", "name")
@probe("metrics.Metric.add_weight", "shape", "initializer", "dtype", "name")
def _metric_variables(key, arg):
    value = {"dtype": "int32", "aggregation": "mean", "name": "count", "shape": (2,),
             "initializer": "ones"}[arg]
    method = key.rsplit(".", 1)[1]

    def see(kwargs):
        metric = _TotalMetric()
        base = {"shape": (), "initializer": "zeros"} if method == "add_variable" else {}
        var = getattr(metric, method)(**{**base, **kwargs})
        return var.value, var.name, getattr(var, "aggregation", None)

    return _differ(see({arg: value}), see({}), arg)


@probe("metrics.resolve", "loss")
def _metric_resolve(arg):
    accuracy = lambda **kw: type(metrics.resolve("accuracy", (8, 1), (8, 1), **kw))  # noqa: E731
    return _outcome(arg, accuracy, lambda: accuracy(loss="categorical_crossentropy"),
                    refused=None)[0]


# -- mixed precision
@probe("mixed_precision.DTypePolicy", "name")
def _policy(arg):
    return _differ(mixed_precision.DTypePolicy("mixed_float16").compute_dtype,
                   mixed_precision.DTypePolicy().compute_dtype, arg)


@probe("mixed_precision.LossScaleOptimizer", "initial_scale", "dynamic_growth_steps",
       "**kwargs")
def _mp_loss_scale(arg):
    make = mixed_precision.LossScaleOptimizer
    if arg == "**kwargs":
        return _refuses(lambda: make(optimizers.SGD(), **{BOGUS: 1}), BOGUS)
    value = {"initial_scale": 8.0, "dynamic_growth_steps": 3}[arg]
    config = lambda opt: {k: v for k, v in opt.get_config().items()  # noqa: E731
                          if k != "name" and k != "inner_optimizer"}
    return _differ(config(make(optimizers.SGD(), **{arg: value})), config(make(optimizers.SGD())),
                   arg)


# -- optimizers: methods
@probe("optimizers.base.Optimizer.update", "params")
@probe("optimizers.loss_scale.LossScaleOptimizer.update", "params")
@probe("optimizers.optax_optimizer.OptaxOptimizer.update", "params")
def _update_params(key, arg):
    # Decoupled weight decay reads the weights: other params, other updates.
    opt = _OPTIMIZER_OF[key.rsplit(".", 1)[0]](lambda: optimizers.AdamW(0.1, weight_decay=0.5),
                                              optax.adamw(0.1, weight_decay=0.5))
    state = opt.init(_PARAMS)
    shifted = jax.tree.map(lambda p: p + 10.0, _PARAMS)
    return _differ(opt.update(_GRADS[0], state, _PARAMS)[0],
                   opt.update(_GRADS[0], state, shifted)[0], arg)


_OPTIMIZER_OF = {  # class key -> (make a kerasish optimizer, an optax one) -> an instance
    "optimizers.base.Optimizer": lambda make, tx: make(),
    "optimizers.loss_scale.LossScaleOptimizer":
        lambda make, tx: optimizers.LossScaleOptimizer(make()),
    "optimizers.optax_optimizer.OptaxOptimizer": lambda make, tx: optimizers.get(tx),
}


@probe("optimizers.base.Optimizer.sync_from_state", "slots")
@probe("optimizers.loss_scale.LossScaleOptimizer.sync_from_state", "slots")
@probe("optimizers.optax_optimizer.OptaxOptimizer.sync_from_state", "slots")
def _sync_slots(key, arg):
    seen = []
    for slots in (True, False):
        opt = _OPTIMIZER_OF[key.rsplit(".", 1)[0]](lambda: optimizers.Adam(0.1),
                                                  optax.adam(0.1))
        w = kerasish.Variable(np.ones(3), name="w")
        opt.build([w])
        moved = opt.stateless_apply([v.value for v in opt.variables], [jnp.ones(3)],
                                    [w.value])[1]
        opt.sync_from_state(opt.variables_to_state(moved), slots=slots)
        seen.append([np.asarray(v.value) for v in opt.variables])
    return _differ(seen[0], seen[1], arg)


@probe("optimizers.base.VariableListAPI.apply", "trainable_variables")
def _apply(arg):
    w = kerasish.Variable(np.ones(3), name="w")
    opt = optimizers.SGD(0.1)
    opt.build([w])
    opt.apply([jnp.ones(3)], trainable_variables=[w])
    return _differ(w.value, np.ones(3, "float32"), arg)


@probe("optimizers.base.Optimizer.exclude_from_weight_decay", "var_list", "var_names")
def _exclude(arg):
    def step(**kwargs):
        opt = optimizers.AdamW(0.1, weight_decay=0.5)
        w = kerasish.Variable(np.ones(3), name="bias", path="dense/bias")
        if kwargs:
            opt.exclude_from_weight_decay(**{k: [w] if k == "var_list" else ["bias"]
                                             for k in kwargs})
        opt.build([w])
        opt.apply([jnp.ones(3)], [w])
        return w.value

    return _differ(step(**{arg: True}), step(), arg)


# -- models: a small compiled model, built once; each probe restarts from its weights
_FIT = {}


def _model(fresh=False):
    if not _FIT or fresh:
        kerasish.utils.set_random_seed(0)
        x = np.random.default_rng(1).normal(size=(20, 3)).astype("float32")
        y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
        model = kerasish.Sequential([kerasish.Input((3,)), layers.Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
        if fresh:
            return model, x, y
        _FIT.update(model=model, x=x, y=y, weights=model.get_weights())
    model = _FIT["model"]
    model.set_weights(_FIT["weights"])
    return model, _FIT["x"], _FIT["y"]


class _Hooks(callbacks.Callback):
    """Records the batches of test and predict loops (and the epochs)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        self.seen.append(("epoch", epoch))

    def on_test_batch_end(self, batch, logs=None):
        self.seen.append(("test", batch))

    def on_predict_batch_end(self, batch, logs=None):
        self.seen.append(("predict", batch))


_MEMO = {}


def _memo(key, compute):
    """A default observation, computed once (probes start from the same weights)."""
    if key not in _MEMO:
        _MEMO[key] = compute()
    return _MEMO[key]


def _quiet(fn, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn(*args, **kwargs)
    return result, re.sub(r"\d+(?:\.\d+)?(?:us|ms|s)\b", "<t>", out.getvalue())


@probe("models.model.Model.fit", "initial_epoch", "validation_freq", "validation_batch_size",
       "class_weight", "shuffle", "**kwargs")
def _fit(arg):
    model, x, y = _model()
    if arg == "**kwargs":
        return _refuses(lambda: model.fit(x, y, **{BOGUS: 1}), BOGUS)
    value = {"initial_epoch": 1, "validation_freq": 2, "validation_batch_size": 10,
             "class_weight": {0: 1.0, 1: 5.0}, "shuffle": False}[arg]
    context = {"epochs": 2, "batch_size": 5, "verbose": 0}
    if arg in ("validation_freq", "validation_batch_size"):
        context["validation_data"] = (x, y)

    def see(kwargs):
        model, _, _ = _model()
        hooks = _Hooks()
        kerasish.utils.set_random_seed(0)
        history = model.fit(x, y, callbacks=[hooks], **kwargs)
        return history.epoch, history.history, hooks.seen

    default = _memo(("fit", _canon(context)), lambda: see(context))
    if arg == "shuffle":
        _shuffle_batch(see, context)
    return _differ(see({**context, arg: value}), default, arg)


def _shuffle_batch(see, context):
    """shuffle="batch" (Keras): the batches in order, each one's rows shuffled."""
    from kerasish.engine.adapters import _permutation

    order = _permutation(np.random.default_rng(0), 23, 5, "batch")
    assert [sorted(order[i:i + 5]) for i in range(0, 23, 5)] == [
        list(range(i, min(i + 5, 23))) for i in range(0, 23, 5)]
    assert not np.array_equal(order, np.arange(23))
    # A batch's mean loss does not depend on its rows' order: the same training as
    # shuffle=False (to rounding), and not a full shuffle's.
    weights = lambda kwargs: (see(kwargs), _FIT["model"].get_weights())[1]  # noqa: E731
    by_batch = [np.asarray(w) for w in weights({**context, "shuffle": "batch"})]
    unshuffled = weights({**context, "shuffle": False})
    for a, b in zip(by_batch, unshuffled):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    _differ(see({**context, "shuffle": "batch"}), see(context), "shuffle")


def _evaluate_predict(name, arg):
    model, x, y = _model()
    method = getattr(model, name)
    operands = (x, y) if name == "evaluate" else (x,)
    if arg == "**kwargs":
        return _refuses(lambda: method(*operands, **{BOGUS: 1}), BOGUS)
    value = {"batch_size": 5, "verbose": 1, "sample_weight": np.linspace(0, 1, 20),
             "steps": 2, "callbacks": True, "return_dict": True}[arg]
    context = {"verbose": 0} if arg == "batch_size" else {"verbose": 0, "batch_size": 5}

    def see(kwargs):
        hooks = _Hooks()
        kwargs = dict(kwargs)
        if kwargs.pop("callbacks", arg != "callbacks"):  # hooks, except for the default
            kwargs["callbacks"] = [hooks]
        result, printed = _quiet(method, *operands, **kwargs)
        return result, printed, hooks.seen

    default = _memo((name, _canon(context), arg == "callbacks"), lambda: see(context))
    return _differ(see({**context, arg: value}), default, arg)


for _name, _args in (("evaluate", ("batch_size", "verbose", "sample_weight", "steps",
                                   "callbacks", "return_dict", "**kwargs")),
                     ("predict", ("batch_size", "verbose", "steps", "callbacks", "**kwargs"))):
    for _arg in _args:
        PROBES[(f"models.model.Model.{_name}", _arg)] = \
            lambda name=_name, arg=_arg: _evaluate_predict(name, arg)


@probe("models.model.Model.compile", "optimizer", "loss", "metrics", "auto_scale_loss",
       "**kwargs")
def _compile(arg):
    model, x, y = _model(fresh=True)
    if arg == "**kwargs":
        return _refuses(lambda: model.compile(loss="mse", **{BOGUS: 1}), BOGUS)
    if arg == "auto_scale_loss":
        previous = mixed_precision.global_policy()
        mixed_precision.set_global_policy("mixed_float16")
        try:
            model, _, _ = _model(fresh=True)
            kinds = []
            for kwargs in ({"auto_scale_loss": False}, {}):
                model.compile(loss="mse", optimizer="sgd", **kwargs)
                kinds.append(type(model.optimizer).__name__)
        finally:
            mixed_precision.set_global_policy(previous)
        return _differ(kinds[0], kinds[1], arg)
    value = {"optimizer": "adam", "loss": "mse", "metrics": ["mae"]}[arg]

    def see(kwargs):
        model.compile(**{"loss": "binary_crossentropy", **kwargs})
        logs = model.evaluate(x, y, batch_size=20, verbose=0, return_dict=True) \
            if arg == "metrics" else None  # metrics resolve against the data's shapes
        return type(model.optimizer).__name__, model.compiled_losses(), logs

    return _differ(see({arg: value}), see({}), arg)


@probe("models.model.Model.compute_loss", "y", "y_pred", "sample_weight")
@probe("models.model.Model.stateless_compute_loss", "y", "y_pred", "sample_weight",
       "x", "training")
def _compute_loss(key, arg):
    model, x, y = _model()
    y_pred = model.predict(x, verbose=0)
    given = {"x": x, "y": y, "y_pred": y_pred, "sample_weight": np.linspace(0, 1, 20),
             "training": False}
    if arg in ("x", "training"):
        class Seeing(kerasish.Sequential):  # an override sees what the engine passes
            def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                             training=True):
                return jnp.asarray(0.0 if x is None else 1.0) + (2.0 if training else 0.0)

        seeing = Seeing([kerasish.Input((3,)), layers.Dense(1)])
        seeing.compile(loss="mse")
        state = ([v.value for v in seeing.trainable_variables],
                 [v.value for v in seeing.non_trainable_variables], [])
        run = lambda **kw: seeing.stateless_compute_loss(*state, **kw)[0]  # noqa: E731
        return _differ(run(**{arg: given[arg]}), run(), arg)
    if key.endswith("stateless_compute_loss"):
        state = ([v.value for v in model.trainable_variables],
                 [v.value for v in model.non_trainable_variables], [])
        loss = lambda **kw: model.stateless_compute_loss(*state, **kw)[0]  # noqa: E731
    else:
        loss = model.compute_loss
    base = {"y": y, "y_pred": y_pred}
    if arg != "sample_weight":
        base[arg] = {"y": 1.0 - y, "y_pred": 1.0 - y_pred}[arg]
        other = {"y": y, "y_pred": y_pred}
    else:
        other = {**base, "sample_weight": given["sample_weight"]}
    return _differ(loss(**other), loss(**base), arg)


def _on_batch(name, arg):
    value = {"y": 1.0 - _model()[2], "sample_weight": np.linspace(0, 1, 20),
             "class_weight": {0: 1.0, 1: 4.0}, "return_dict": True}[arg]
    seen = []
    for kwargs in ({arg: value}, {}):
        model, x, y = _model()
        seen.append(getattr(model, name)(x, **{"y": y, **kwargs}))
    return _differ(seen[0], seen[1], arg)


for _name, _args in (("train_on_batch", ("y", "sample_weight", "class_weight", "return_dict")),
                     ("test_on_batch", ("y", "sample_weight", "return_dict"))):
    for _arg in _args:
        PROBES[(f"models.model.Model.{_name}", _arg)] = \
            lambda name=_name, arg=_arg: _on_batch(name, arg)


@probe("models.model.Model.__call__", "training", "**kwargs")
def _model_call(arg):
    model = kerasish.Sequential([kerasish.Input((6,)), layers.Dropout(0.5, seed=2)])
    if arg == "**kwargs":
        return _refuses(lambda: model(_X2, **{BOGUS: 1}), BOGUS)
    return _differ(model(_X2, training=True), model(_X2), arg)


@probe("models.sequential.Sequential.call", "training")
def _sequential_call(arg):
    model = kerasish.Sequential([kerasish.Input((6,)), layers.Dropout(0.5, seed=2)])
    return _differ(model.call(_X2, training=True), model.call(_X2), arg)


@probe("models.model.Model", "**kwargs")
def _model_kwargs(arg):
    return _refuses(lambda: kerasish.Model(**{BOGUS: 1}), BOGUS)


@probe("models.sequential.Sequential", "layers", "trainable", "name")
def _sequential(arg):
    value = {"layers": "a stack", "trainable": False, "name": "seq"}[arg]
    context = {} if arg == "layers" else {"layers": "a stack"}

    def see(kwargs):
        if kwargs.get("layers") == "a stack":
            kwargs = {**kwargs, "layers": [kerasish.Input((3,)), layers.Dense(2)]}
        model = kerasish.Sequential(**kwargs)
        return (len(model.layers), model.built, len(model.trainable_weights),
                model.name == "seq")

    return _differ(see({**context, arg: value}), see(context), arg)


@probe("models.sequential.Sequential.add", "rebuild")
def _sequential_add(arg):
    def see(**kwargs):
        model = kerasish.Sequential([kerasish.Input((3,))])
        model.add(layers.Dense(2), **kwargs)
        return model.layers[-1].built

    return _differ(see(rebuild=False), see(), arg)


@probe("models.model.Model.save", "**kwargs")
@probe("saving.files.save_model", "**kwargs")
def _save_kwargs(key, arg):
    model, _, _ = _model()
    save = model.save if key.startswith("models") else \
        lambda *a, **kw: kerasish.saving.save_model(model, *a, **kw)
    return _refuses(lambda: save("m.keras", **{BOGUS: 1}), BOGUS)


@probe("models.model.Model.save", "zipped")
@probe("saving.files.save_model", "zipped")
def _save_zipped(key, arg):
    model, _, _ = _model()
    save = model.save if key.startswith("models") else \
        lambda *a, **kw: kerasish.saving.save_model(model, *a, **kw)
    return _refuses(lambda: save("m.keras", zipped=False), arg)


@probe("optimizers.base.Optimizer", "lr", "decay")
def _optimizer_old_names(arg):
    if arg == "decay":
        return _refuses(lambda: optimizers.SGD(decay=0.1), arg)
    with pytest.warns(UserWarning, match="`lr` is a deprecated name"):
        lr = float(np.asarray(optimizers.SGD(lr=0.5).learning_rate))
    return _differ(lr, float(np.asarray(optimizers.SGD().learning_rate)), arg)


@probe("layers.embedding.Embedding", "input_length")
def _input_length(arg):
    return _refuses(lambda: layers.Embedding(10, 3, input_length=5), arg)


@probe("models.sequential.Sequential.from_config", "custom_objects")
def _from_config(arg):
    config = {"name": "s", "layers": [{"class_name": "MyDense", "config": {"units": 2}}]}
    model = kerasish.Sequential.from_config(config, custom_objects={"MyDense": layers.Dense})
    assert isinstance(model.layers[0], layers.Dense)
    with pytest.raises((ValueError, TypeError), match="MyDense"):
        kerasish.Sequential.from_config(config)
    return "exercised"


@probe("saving.registration.register_keras_serializable", "name")
def _register_name(arg):
    from kerasish import saving

    names = []
    for kwargs in ({"name": "ProbeRenamed"}, {}):
        class ProbeRegistered(layers.Layer):
            pass

        saving.register_keras_serializable(package="probe_pkg", **kwargs)(ProbeRegistered)
        names.append(saving.get_registered_name(ProbeRegistered))
    return _differ(names[0], names[1], arg)


# -- recurrent layers, cells and wrappers: calls, states, masks, configs
_SEQ = INPUTS["x3"]  # (batch 2, time 6, features 6)
_SEQ_MASK = np.array([[0, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], bool)  # row 0: first step masked
_RNN_MAKERS = {
    "layers.recurrent.RNN": lambda **kw: layers.RNN(layers.SimpleRNNCell(3), **kw),
    "layers.recurrent.SimpleRNN": lambda **kw: layers.SimpleRNN(3, **kw),
    "layers.recurrent.LSTM": lambda **kw: layers.LSTM(3, **kw),
    "layers.recurrent.GRU": lambda **kw: layers.GRU(3, **kw),
    "layers.rnn_cells.LSTMCell": lambda **kw: layers.RNN(layers.LSTMCell(3, **kw)),
    "layers.rnn_cells.GRUCell": lambda **kw: layers.RNN(layers.GRUCell(3, **kw)),
}


@probe("layers.recurrent.RNN", "unroll")
@probe("layers.recurrent.SimpleRNN", "unroll")
@probe("layers.recurrent.LSTM", "unroll")
@probe("layers.recurrent.GRU", "unroll")
def _unroll(key, arg):
    # A Python loop instead of lax.scan: the same numbers but for Keras's one difference,
    # a masked first step outputs zeros unrolled and the initial state in the scan.
    def see(**kwargs):
        kerasish.random.set_seed(0)
        layer = _RNN_MAKERS[key](return_sequences=True, **kwargs)
        states = [np.full((2, n), 0.5, "float32") for n in layer.state_size]
        return np.asarray(layer(_SEQ, initial_state=states, mask=_SEQ_MASK))

    unrolled, scanned = see(unroll=True), see()
    np.testing.assert_allclose(unrolled[:, 1:], scanned[:, 1:], rtol=1e-5, atol=1e-6)
    assert np.all(unrolled[0, 0] == 0) and np.allclose(scanned[0, 0], 0.5)
    return _differ(unrolled, scanned, arg)


@probe("layers.recurrent.RNN", "zero_output_for_mask")
def _zero_output_for_mask(arg):
    def see(**kwargs):
        kerasish.random.set_seed(0)
        layer = layers.RNN(layers.SimpleRNNCell(3), return_sequences=True, **kwargs)
        return np.asarray(layer(_SEQ, mask=_SEQ_MASK))

    zeros = see(zero_output_for_mask=True)
    assert np.all(zeros[0, 4:] == 0) and np.all(zeros[0, 0] == 0)
    return _differ(zeros, see(), arg)


@probe("layers.recurrent.LSTM", "implementation")
@probe("layers.recurrent.GRU", "implementation")
@probe("layers.rnn_cells.LSTMCell", "implementation")
@probe("layers.rnn_cells.GRUCell", "implementation")
def _implementation(key, arg):
    # Keras's implementation=1 draws one dropout mask per gate, 2 one for all.
    def see(**kwargs):
        kerasish.random.set_seed(0)
        return _RNN_MAKERS[key](dropout=0.5, seed=1, **kwargs)(_SEQ, training=True)

    _refuses(lambda: _RNN_MAKERS[key](implementation=3), arg)
    return _differ(see(implementation=1), see(), arg)


@probe("layers.recurrent.RNN.call", "initial_state", "mask", "training")
@probe("layers.wrappers.Bidirectional.call", "initial_state", "mask", "training")
def _rnn_call(key, arg):
    both = "Bidirectional" in key
    value = {"initial_state": [np.full((2, 3), 0.5, "float32")] * (4 if both else 2),
             "mask": _SEQ_MASK, "training": True}[arg]

    def see(**kwargs):
        kerasish.random.set_seed(0)
        layer = layers.LSTM(3, dropout=0.5, seed=1, return_sequences=True)
        return (layers.Bidirectional(layer) if both else layer)(_SEQ, **kwargs)

    return _differ(see(**{arg: value}), see(), arg)


@probe("layers.wrappers.TimeDistributed.call", "training", "mask")
def _time_distributed_call(arg):
    if arg == "training":
        layer = layers.TimeDistributed(layers.Dropout(0.5, seed=1))
        return _differ(layer(_SEQ, training=True), layer(_SEQ), arg)
    layer = layers.TimeDistributed(layers.Softmax())  # each step gets its slice of the mask
    mask = np.broadcast_to(np.arange(6) % 2 == 0, _SEQ.shape)
    return _differ(layer(_SEQ, mask=mask), layer(_SEQ), arg)


@probe("layers.rnn_cells.StackedRNNCells.call", "training", "**kwargs")
def _stacked_call(arg):
    cells = layers.StackedRNNCells([layers.SimpleRNNCell(3, dropout=0.5, seed=1),
                                    layers.SimpleRNNCell(2)])
    states = cells.get_initial_state(batch_size=2)
    if arg == "**kwargs":  # passed on to every cell: an unknown one is refused
        return _refuses(lambda: cells(_SEQ[:, 0], states, **{BOGUS: 1}), BOGUS)
    return _differ(cells(_SEQ[:, 0], states, training=True), cells(_SEQ[:, 0], states), arg)


@probe("layers.rnn_cells._FusedCell.call", "training")
def _cell_call(arg):
    cell = layers.LSTMCell(3, dropout=0.5, seed=1)
    states = cell.get_initial_state(batch_size=2)
    return _differ(cell(_SEQ[:, 0], states, training=True), cell(_SEQ[:, 0], states), arg)


@probe("layers.rnn_cells.StackedRNNCells.get_initial_state", "batch_size")
@probe("layers.rnn_cells._FusedCell.get_initial_state", "batch_size")
def _initial_state(key, arg):
    # (The default, None, has no meaning for a concrete state, in Keras either.)
    cell = layers.StackedRNNCells([layers.LSTMCell(2)]) if "Stacked" in key else \
        layers.LSTMCell(2)
    shapes = lambda n: [s.shape for s in jax.tree.leaves(  # noqa: E731
        cell.get_initial_state(batch_size=n))]
    return _differ(shapes(5), shapes(2), arg)


class _ProbeCell(layers.Layer):
    """A user cell, deliberately not registered: found through custom_objects only."""

    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

    def call(self, inputs, states):
        out = jnp.tanh(inputs @ self.kernel.value + states[0])
        return out, [out]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@probe("layers.recurrent.RNN.from_config", "custom_objects")
@probe("layers.rnn_cells.StackedRNNCells.from_config", "custom_objects")
@probe("layers.wrappers.Bidirectional.from_config", "custom_objects")
@probe("layers.wrapper_base.Wrapper.from_config", "custom_objects")  # TimeDistributed's
def _nested_from_config(key, arg):
    make, inner, cls = {
        "layers.recurrent.RNN.from_config": (
            lambda: layers.RNN(_ProbeCell()), lambda l: l.cell, _ProbeCell),
        "layers.rnn_cells.StackedRNNCells.from_config": (
            lambda: layers.StackedRNNCells([_ProbeCell()]), lambda l: l.cells[0], _ProbeCell),
        "layers.wrappers.Bidirectional.from_config": (
            lambda: layers.Bidirectional(layers.RNN(_ProbeCell())),
            lambda l: l.forward_layer.cell, _ProbeCell),
        "layers.wrapper_base.Wrapper.from_config": (
            lambda: layers.TimeDistributed(_PlainLayer()), lambda l: l.layer, _PlainLayer),
    }[key]
    layer = make()
    config = layer.get_config()
    again = type(layer).from_config(config, custom_objects={cls.__name__: cls})
    assert type(inner(again)) is cls
    with pytest.raises(ValueError, match=cls.__name__):
        type(layer).from_config(config)
    return "exercised"


@probe("layers.recurrent._KerasRNN.from_config", "custom_objects")
def _keras_rnn_from_config(arg):
    # SimpleRNN/LSTM/GRU configs hold no layer; Keras's from_config takes no
    # custom_objects. A non-empty one is refused rather than dropped.
    config = layers.LSTM(2).get_config()
    assert isinstance(layers.LSTM.from_config(config, custom_objects={}), layers.LSTM)
    return _refuses(lambda: layers.LSTM.from_config(
        config, custom_objects={"probe_act": lambda x: x}), arg)


# -- Lambda, Dot's function and the lowercase merge functions
def _tripled(x):
    return x * 3.0


@probe("layers.lambda_layer.Lambda", "function", "output_shape", "mask", "arguments",
       "**kwargs")
def _lambda(arg):
    if arg == "**kwargs":
        return _refuses(lambda: layers.Lambda(_tripled, **{BOGUS: 1}), BOGUS)
    if arg == "function":
        return _differ(layers.Lambda(_tripled)(_X2), layers.Lambda(lambda x: x)(_X2), arg)
    if arg == "output_shape":  # trusted for symbolic shapes, as Keras
        shape = lambda **kw: layers.Lambda(lambda x: x, **kw)(  # noqa: E731
            kerasish.Input((6,))).shape
        return _differ(shape(output_shape=(5,)), shape(), arg)
    if arg == "mask":
        mask = lambda **kw: layers.Lambda(lambda x: x, **kw).compute_mask(_X2)  # noqa: E731
        return _differ(mask(mask=lambda inputs, mask: inputs > 0), mask(), arg)
    return _differ(layers.Lambda(lambda x, k=1.0: x * k, arguments={"k": 3.0})(_X2),
                   layers.Lambda(lambda x, k=1.0: x * k)(_X2), arg)


@probe("layers.lambda_layer.Lambda.call", "mask", "training")
def _lambda_call(arg):
    value = {"mask": _X2 > 0, "training": True}[arg]
    fn = (lambda x, mask=None: x if mask is None else x * mask) if arg == "mask" else \
        (lambda x, training=None: x * 2.0 if training else x)
    layer = layers.Lambda(fn)
    return _differ(layer.call(_X2, **{arg: value}), layer.call(_X2), arg)


@probe("layers.lambda_layer.Lambda.from_config", "custom_objects", "safe_mode")
def _lambda_from_config(arg):
    if arg == "custom_objects":  # a named function, saved by name
        config = layers.Lambda(_tripled).get_config()
        again = layers.Lambda.from_config(config, custom_objects={"_tripled": _tripled})
        assert again.function is _tripled
        with pytest.raises(ValueError, match="_tripled"):
            layers.Lambda.from_config(config)
        return "exercised"
    config = layers.Lambda(lambda x: x * 5.0).get_config()  # a lambda: saved as bytecode
    again = layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(again(_X2), _X2 * 5.0)
    return _refuses(lambda: layers.Lambda.from_config(config), arg)


_MERGE_FUNCTIONS = ("add", "subtract", "multiply", "average", "maximum", "minimum",
                    "concatenate", "dot")


def _merge_kwargs(key, arg):
    # Layer keywords go to the new layer, which refuses unknown ones.
    fn = getattr(layers, key.rsplit(".", 1)[1])
    return _refuses(lambda: fn(INPUTS["pair"], **{BOGUS: 1}), BOGUS)


for _name in _MERGE_FUNCTIONS:
    PROBES[(f"layers.functional_helpers.{_name}", "**kwargs")] = \
        lambda key=f"layers.functional_helpers.{_name}": _merge_kwargs(key, "**kwargs")


@probe("layers.functional_helpers.concatenate", "axis")
@probe("layers.functional_helpers.dot", "axes", "normalize")
def _merge_options(key, arg):
    fn = getattr(layers, key.rsplit(".", 1)[1])
    value = {"axis": 1, "axes": 1, "normalize": True}[arg]
    return _differ(fn(INPUTS["pair3"], **{arg: value}), fn(INPUTS["pair3"]), arg)


# -- kerasish.random
_SAMPLERS = {  # name -> (operands, a non-default value per option)
    "normal": (((3,),), {"mean": 5.0, "stddev": 3.0, "dtype": "float16"}),
    "truncated_normal": (((3,),), {"mean": 5.0, "stddev": 3.0, "dtype": "float16"}),
    "uniform": (((3,),), {"minval": 2.0, "maxval": 5.0, "dtype": "float16"}),
    "randint": (((3,), 0, 100), {"dtype": "int16"}),
    "dropout": ((np.ones((4, 6), "float32"), 0.5), {"noise_shape": (4, 1)}),
    "shuffle": ((np.arange(12).reshape(3, 4),), {"axis": 1}),
    "categorical": ((np.log([[0.3, 0.7], [0.5, 0.5]]), 5), {"dtype": "int16"}),
    "gamma": (((3,), 2.0), {"dtype": "float16"}),
    "binomial": (((3,), 10, 0.5), {"dtype": "float16"}),
    "beta": (((3,), 2.0, 5.0), {"dtype": "float16"}),
}


def _sampler(name, arg):
    fn = getattr(kerasish.random, name)
    operands, values = _SAMPLERS[name]
    if arg == "seed":  # the same seed, the same draw; another seed, another one
        np.testing.assert_array_equal(fn(*operands, seed=1), fn(*operands, seed=1))
        return _differ(fn(*operands, seed=2), fn(*operands, seed=1), arg)
    return _differ(fn(*operands, seed=1, **{arg: values[arg]}), fn(*operands, seed=1), arg)


for _name, (_, _values) in _SAMPLERS.items():
    for _arg in (*_values, "seed"):
        PROBES[(f"random.{_name}", _arg)] = lambda name=_name, arg=_arg: _sampler(name, arg)


@probe("random.SeedGenerator", "seed", "name", "**kwargs", "backend")
def _seed_generator(arg):
    make = kerasish.random.SeedGenerator
    if arg == "**kwargs":
        return _refuses(lambda: make(**{BOGUS: 1}), BOGUS)
    if arg == "backend":  # Keras's keyword: JAX only here
        make(backend=None)
        return _refuses(lambda: make(backend="numpy"), arg)
    if arg == "seed":
        draw = lambda seed: kerasish.random.normal((3,), seed=make(seed))  # noqa: E731
        np.testing.assert_array_equal(draw(5), draw(5))
        return _differ(make(5).state.value, make().state.value, arg)
    see = lambda gen: (gen.name, gen.state.path)  # noqa: E731
    return _differ(see(make(1, name="probe_gen")), see(make(1)), arg)


@probe("random.SeedGenerator.next", "ordered")
def _seed_generator_next(arg):
    def state(**kwargs):
        gen = kerasish.random.SeedGenerator(3)
        gen.next(**kwargs)
        return gen.state.value

    return _differ(state(ordered=False), state(), arg)


# -- kerasish.tree
@probe("tree.map_structure", "none_is_leaf")
def _map_structure(arg):
    seen = lambda **kw: kerasish.tree.map_structure(  # noqa: E731
        lambda v: ("leaf", v), [None, 1], **kw)
    return _differ(seen(none_is_leaf=False), seen(), arg)


@probe("tree.traverse", "top_down")
def _traverse(arg):
    def order(**kwargs):
        visited = []
        kerasish.tree.traverse(lambda x: visited.append(repr(x)), [(1, 2), [3]], **kwargs)
        return visited

    return _differ(order(top_down=False), order(), arg)


@probe("tree.assert_same_structure", "check_types")
def _check_types(arg):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Keras's, checked elsewhere
        return _refuses(lambda: kerasish.tree.assert_same_structure([1], [2], check_types=True),
                        arg)


# -- kerasish.datasets: get_file answers from local files (no network)
def _npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _ragged(*rows):
    out = np.empty(len(rows), dtype=object)
    out[:] = [list(r) for r in rows]
    return out


_DATASET_FILES = {  # (dataset, function) -> the bytes its get_file serves
    ("mnist", "load_data"): lambda: _npz(
        x_train=np.arange(8, dtype="uint8").reshape(2, 2, 2), y_train=np.arange(2, dtype="uint8"),
        x_test=np.ones((1, 2, 2), "uint8"), y_test=np.ones(1, "uint8")),
    ("boston_housing", "load_data"): lambda: _npz(
        x=np.arange(130.0).reshape(10, 13), y=np.arange(10.0)),
    ("california_housing", "load_data"): lambda: _npz(
        x=np.arange(700 * 8, dtype="float32").reshape(700, 8), y=np.arange(700.0, dtype="float32")),
    ("imdb", "load_data"): lambda: _npz(
        x_train=_ragged([1, 2, 5], [4], [3, 3, 6, 1, 2], [7, 1], [2, 8, 3]),
        y_train=np.arange(5), x_test=_ragged([3, 7], [2, 2, 2, 2]), y_test=np.arange(5, 7)),
    ("reuters", "load_data"): lambda: _npz(
        x=_ragged([1, 2], [3], [4, 5, 6], [7, 8, 9, 1], [2, 2, 2, 2, 2]), y=np.arange(5)),
    ("imdb", "get_word_index"): lambda: b'{"the": 1, "and": 2}',
    ("reuters", "get_word_index"): lambda: b'{"the": 1, "and": 2}',
}


def _load_dataset(name, fn, **kwargs):
    """(the file names asked of get_file, what ``fn`` returned, as lists)."""
    from unittest import mock

    module = importlib.import_module(f"kerasish.datasets.{name}")
    asked = []

    def get_file(fname=None, origin=None, **_):
        asked.append(fname)
        path = pathlib.Path(f"{name}-{fn}.data")
        if not path.exists():
            path.write_bytes(_DATASET_FILES[(name, fn)]())
        return str(path)

    with mock.patch.object(module, "get_file", get_file), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # imdb's nb_words warns, as Keras
        result = getattr(module, fn)(**kwargs)
    if isinstance(result, tuple):
        result = [[np.asarray(a).tolist() for a in split] for split in result]
    return asked, result


_DATASET_VALUES = {"path": "other.file", "test_split": 0.5, "seed": 1, "version": "small",
                   "num_words": 6, "skip_top": 5, "maxlen": 4, "start_char": 9,
                   "oov_char": None, "index_from": 0, "nb_words": 6}


def _dataset(key, arg):
    _, name, fn = key.split(".")
    if arg == "**kwargs":
        return _refuses(lambda: _load_dataset(name, fn, **{BOGUS: 1}), BOGUS)
    # oov_char only shows where num_words cuts words.
    context = {"num_words": 6} if arg == "oov_char" else {}
    if name == "digits":  # bundled with kerasish
        see = lambda **kw: [[a.tolist() for a in split]  # noqa: E731
                            for split in kerasish.datasets.digits.load_data(**kw)]
    else:
        see = lambda **kw: _load_dataset(name, fn, **kw)  # noqa: E731
    return _differ(see(**context, **{arg: _DATASET_VALUES[arg]}), see(**context), arg)


for (_key, _arg) in [(key, arg) for key, target in SURFACE.items()
                     if key.startswith("datasets.") for arg in target.options]:
    if _key != "datasets.cifar100.load_data":  # (ELSEWHERE: a CIFAR archive is served there)
        PROBES[(_key, _arg)] = lambda key=_key, arg=_arg: _dataset(key, arg)


# -- models: cloning and JSON, saving's custom objects
def _clone_source():
    inputs = kerasish.Input((3,), name="probe_in")
    return kerasish.Model(inputs, layers.Dense(2, name="probe_dense")(inputs))


@probe("models.clone_model", "**kwargs", "cache")
def _clone_model(arg):
    model = _clone_source()
    if arg == "**kwargs":
        return _refuses(lambda: kerasish.models.clone_model(model, **{BOGUS: 1}), BOGUS)
    dense = model.get_layer("probe_dense")  # a cache entry is taken as that layer's clone
    mine = layers.Dense(2, name="probe_dense")
    clone = kerasish.models.clone_model(model, cache={id(dense): mine})
    return _differ(clone.get_layer("probe_dense") is mine,
                   kerasish.models.clone_model(model).get_layer("probe_dense") is mine, arg)


@probe("models.model.Model.to_json", "**kwargs")
def _to_json(arg):
    # The keywords go to json.dumps (indent=2, sort_keys=True ...): unknown ones refused.
    model = _clone_source()
    _differ(model.to_json(indent=2), model.to_json(), "indent")
    return _refuses(lambda: model.to_json(**{BOGUS: 1}), BOGUS)


@probe("saving.registration.CustomObjectScope", "custom_objects")
def _custom_object_scope(arg):
    from kerasish import saving

    found = []
    for objects in ({"ProbeMine": losses.Huber}, {}):
        with saving.CustomObjectScope(objects):
            found.append(saving.get_registered_object("ProbeMine"))
    return _differ(found[0], found[1], arg)


@probe("saving.registration.get_registered_object", "module_objects")
def _module_objects(arg):
    from kerasish import saving

    return _differ(saving.get_registered_object("ProbeMine", module_objects={
        "ProbeMine": losses.Huber}), saving.get_registered_object("ProbeMine"), arg)


# -- weights: constraints, applied after each optimizer step
def _stepped(make):
    """A weight at 0 after one SGD step of rate 1 with gradient 1 (-1 unconstrained)."""
    w = make()
    opt = optimizers.SGD(1.0)
    opt.build([w])
    opt.apply([jnp.ones(w.shape)], [w])
    return np.asarray(w.value)


@probe("variables.Variable", "constraint")
def _variable_constraint(arg):
    make = lambda **kw: kerasish.Variable(initializer=np.zeros(3, "float32"), **kw)  # noqa: E731
    return _differ(_stepped(lambda: make(constraint=constraints.NonNeg())), _stepped(make), arg)



# ====================================================================== the other tables

# Honoured, and exercised by the named test (whose source must mention the argument).
_FIT_T = "tests/test_training.py::test_fit_matches_keras"
_SAVE_T = "tests/test_saving.py::test_round_trip_restores_model_compile_and_optimizer_state"
_WRITE_T = "tests/test_saving.py::test_overwrite_false_and_extensions"
_STEPS = ("tests/test_engine_contract.py::"
          "test_steps_cut_infinite_generators_in_evaluate_predict_and_validation")
_EAGER = ("tests/test_engine_contract.py::"
          "test_run_eagerly_runs_call_on_concrete_arrays_with_the_compiled_numbers")
_FM = "tests/test_fit_many.py::"
ELSEWHERE = {
    **{("many.fit_many", arg): _FM + test for arg, test in (
        ("y", "test_grid_of_learning_rate_and_l2_equals_fit"),
        ("grid", "test_grid_of_learning_rate_and_l2_equals_fit"),
        ("epochs", "test_grid_of_learning_rate_and_l2_equals_fit"),
        ("batch_size", "test_grid_of_learning_rate_and_l2_equals_fit"),
        ("seeds", "test_seeds_with_dropout_equal_fit"),
        ("shuffle", "test_seeds_with_dropout_equal_fit"),
        ("folds", "test_folds_equal_fit_on_each_fold"),
        ("validation_data", "test_loss_weights_and_l1_factors_are_data"),
        ("callbacks", "test_early_stopping_per_model_equals_fit"),
        ("verbose", "test_verbose_prints_one_line_per_group_and_epoch"))},
    ("many.results_table", "metrics"): _FM + "test_returned_models_are_ordinary_models",
    ("models.model.Model.fit", "x"): _FIT_T,
    ("models.model.Model.fit", "y"): _FIT_T,
    ("models.model.Model.fit", "batch_size"): _FIT_T,
    ("models.model.Model.fit", "epochs"): _FIT_T,
    ("models.model.Model.fit", "verbose"): "tests/test_training.py::test_verbose_output_formats",
    ("models.model.Model.fit", "callbacks"):
        "tests/test_callbacks.py::test_fit_with_early_stopping_and_lr_callbacks_matches_keras",
    ("models.model.Model.fit", "validation_split"):
        "tests/test_training.py::test_sample_weight_and_validation_split_match_keras",
    ("models.model.Model.fit", "sample_weight"):
        "tests/test_training.py::test_sample_weight_and_validation_split_match_keras",
    ("models.model.Model.fit", "validation_data"):
        "tests/test_streaming.py::test_pydataset_as_validation_data",
    ("models.model.Model.fit", "steps_per_epoch"):
        "tests/test_streaming.py::test_generator_with_steps_per_epoch",
    ("models.model.Model.fit", "validation_steps"): _STEPS,
    ("models.model.Model.evaluate", "x"): _FIT_T,
    ("models.model.Model.evaluate", "y"): _FIT_T,
    ("models.model.Model.compile", "loss_weights"):
        "tests/test_functional.py::test_two_input_two_output_functional_matches_keras",
    ("models.model.Model.compile", "weighted_metrics"):
        "tests/test_parity_gaps.py::test_fit_evaluate_and_history_match_keras",
    ("models.model.Model.compile", "run_eagerly"): _EAGER,
    ("models.model.Model.compile", "jit_compile"): _EAGER,
    ("models.model.Model.compile", "steps_per_execution"):
        "tests/test_training.py::test_steps_per_execution_and_batch_callbacks_give_same_weights",
    ("models.model.Model.get_layer", "name"):
        "tests/test_sequential.py::test_get_layer_by_name_and_index",
    ("models.model.Model.get_layer", "index"):
        "tests/test_sequential.py::test_get_layer_by_name_and_index",
    ("models.model.Model.load_weights", "skip_mismatch"):
        "tests/test_saving.py::test_shape_mismatch_names_the_weight_and_assigns_nothing",
    ("saving.files.load_weights", "skip_mismatch"):
        "tests/test_saving.py::test_shape_mismatch_names_the_weight_and_assigns_nothing",
    ("models.model.Model.save", "overwrite"): _WRITE_T,
    ("models.model.Model.save", "include_optimizer"): _SAVE_T,
    ("models.model.Model.save", "save_format"): _WRITE_T,
    ("saving.files.save_model", "overwrite"): _WRITE_T,
    ("saving.files.save_model", "include_optimizer"): _SAVE_T,
    ("saving.files.save_model", "save_format"): _WRITE_T,
    ("models.model.Model.save_weights", "overwrite"): _WRITE_T,
    ("saving.files.save_weights", "overwrite"): _WRITE_T,
    ("models.model.load_model", "compile"): _SAVE_T,
    ("saving.files.load_model", "compile"): _SAVE_T,
    ("models.model.load_model", "custom_objects"):
        "tests/test_saving.py::test_registered_and_custom_objects",
    ("saving.files.load_model", "custom_objects"):
        "tests/test_saving.py::test_registered_and_custom_objects",
    ("models.model.load_model", "safe_mode"):
        "tests/test_saving.py::test_code_in_a_file_is_never_run",
    ("saving.files.load_model", "safe_mode"):
        "tests/test_saving.py::test_code_in_a_file_is_never_run",
    ("saving.serialization.deserialize_keras_object", "safe_mode"):
        "tests/test_saving.py::test_code_in_a_file_is_never_run",
    ("models.model.Model.summary", "line_length"):
        "tests/test_summary.py::test_narrow_columns_wrap_and_cut_as_keras",
    ("models.model.Model.summary", "positions"):
        "tests/test_summary.py::test_absolute_positions_are_column_stops_in_characters",
    ("models.model.Model.summary", "print_fn"):
        "tests/test_sequential.py::test_summary_print_fn_receives_the_text",
    ("models.model.Model.summary", "expand_nested"):
        "tests/test_summary.py::test_summary_text_matches_keras",
    ("models.model.Model.summary", "show_trainable"):
        "tests/test_summary.py::test_summary_text_matches_keras",
    ("models.model.Model.summary", "layer_range"):
        "tests/test_summary.py::test_layer_range_patterns_match_the_start_of_names_as_keras",
    ("utils.plotting.plot_history", "metrics"):
        "tests/test_plotting.py::test_plot_history_draws_train_and_validation",
    ("utils.plotting.plot_history", "filename"):
        "tests/test_plotting.py::test_plot_history_draws_train_and_validation",
    ("saving.registration.register_keras_serializable", "package"):
        "tests/test_saving.py::test_registered_and_custom_objects",
    # utils.get_file: downloads, exercised against a local server
    **{("utils.file_utils.get_file", arg): f"tests/test_get_file.py::{test}" for arg, test in (
        ("fname", "test_tar_extraction_and_keras_names"),
        ("origin", "test_downloads_once_then_uses_the_cache"),
        ("cache_dir", "test_downloads_once_then_uses_the_cache"),
        ("file_hash", "test_downloads_once_then_uses_the_cache"),
        ("untar", "test_zip_extraction_and_untar"),
        ("md5_hash", "test_md5_hash_and_hash_algorithm_are_honoured"),
        ("hash_algorithm", "test_md5_hash_and_hash_algorithm_are_honoured"),
        ("cache_subdir", "test_absolute_cache_subdir_is_used_as_it_is"),
        ("extract", "test_zip_extraction_and_untar"),
        ("archive_format", "test_not_an_archive"),
        ("force_download", "test_force_download_fetches_again"))},
    # Weight constraints need an optimizer step: a training test against Keras.
    **{("layers.core.Dense", arg):
       "tests/test_engine_contract.py::test_weight_constraints_apply_after_every_step_like_keras"
       for arg in ("kernel_constraint", "bias_constraint")},
    ("datasets.cifar100.load_data", "label_mode"):
        "tests/test_keras_datasets.py::test_cifar100",
    **{("models.clone_model", arg):
       "tests/test_json_clone.py::test_clone_function_call_function_input_tensors_and_recursive"
       for arg in ("input_tensors", "clone_function", "call_function", "recursive")},
    ("models.model_from_json", "custom_objects"):
        "tests/test_json_clone.py::test_custom_object_scope_and_get_custom_objects",
    # Input specs: each check run through Keras too (accepted and refused alike).
    **{("layers.input_spec.InputSpec", arg):
       "tests/test_input_spec.py::test_accepts_and_refuses_as_keras"
       for arg in ("dtype", "shape", "ndim", "max_ndim", "min_ndim", "axes",
                   "allow_last_axis_squeeze")},
    **{("layers.input_spec.InputSpec", arg):
       "tests/test_input_spec.py::test_several_inputs_by_list_and_by_name"
       for arg in ("name", "optional")},
    ("layers.wrapper_base.Wrapper", "layer"):
        "tests/test_wrapper_base.py::test_a_user_wrapper_matches_keras",
    # JaxLayer: plain-JAX functions, checked against Keras's JaxLayer.
    **{("layers.jax_layer.JaxLayer", arg): "tests/test_jax_layer.py::" + test
       for arg, test in (
           ("call_fn", "test_functions_of_inputs_alone_need_no_weights_and_other_arguments_are_checked"),
           ("init_fn", "test_init_fn_builds_from_the_input_shape"),
           ("params", "test_mlp_outputs_and_weights_match_keras"),
           ("state", "test_state_is_non_trainable_and_updates_eagerly_as_keras"),
           ("seed", "test_rng_keys_match_keras_and_change_per_call"),
           ("native_serialization_platforms",
            "test_functions_of_inputs_alone_need_no_weights_and_other_arguments_are_checked"))},
    ("layers.jax_layer.JaxLayer.call", "training"):
        "tests/test_jax_layer.py::test_state_is_non_trainable_and_updates_eagerly_as_keras",
    # ReversibleEmbedding: outputs and training against Keras's.
    **{("layers.reversible_embedding.ReversibleEmbedding", arg):
       "tests/test_reversible_embedding.py::" + test for arg, test in (
           ("input_dim", "test_input_dim_output_dim_and_initializer_shape_the_weights"),
           ("output_dim", "test_input_dim_output_dim_and_initializer_shape_the_weights"),
           ("embeddings_initializer",
            "test_input_dim_output_dim_and_initializer_shape_the_weights"),
           ("mask_zero", "test_input_dim_output_dim_and_initializer_shape_the_weights"),
           ("tie_weights", "test_outputs_equal_keras"),
           ("logit_soft_cap", "test_outputs_equal_keras"),
           ("reverse_dtype", "test_outputs_equal_keras"),
           ("embeddings_regularizer", "test_training_equals_keras"),
           ("embeddings_constraint", "test_training_equals_keras"))},
    ("layers.reversible_embedding.ReversibleEmbedding.call", "reverse"):
        "tests/test_reversible_embedding.py::test_outputs_equal_keras",
    **{("layers.remat.RematScope", arg):
       "tests/test_remat.py::test_scopes_mark_the_expected_layers_and_train_the_same"
       for arg in ("mode", "output_size_threshold", "layer_names")},
    **{("ops.image.extract_patches_3d", arg):
       "tests/test_extract_patches_3d.py::test_equals_keras"
       for arg in ("strides", "dilation_rate", "padding", "data_format")},
}

# Arguments a protocol passes to every implementation, which this one has no use for.
# Each says why doing nothing is the honest meaning (and what Keras does).
NOT_APPLICABLE = {
    **{(f"initializers.{cls}.__call__", "key"):
       "a deterministic initializer has nothing to draw; the engine passes a key to every "
       "initializer (Keras's take no key at all)"
       for cls in ("Zeros", "Ones", "Constant", "Identity")},
    ("ops.top_k", "sorted"):
        "sorted=False promises no order, so sorted output fulfils it (Keras's JAX backend "
        "returns jax.lax.top_k's sorted output too)",
    ("models.model.Model.compute_loss", "x"):
        "for overrides: Keras's default compute_loss ignores x too (trainer.py: 'The "
        "default implementation does not use `x` or `training`'); the engine passes it, "
        "probed through stateless_compute_loss",
    ("models.model.Model.compute_loss", "training"):
        "for overrides, as x above; probed through stateless_compute_loss",
}

# Known to be ignored, or refused with the wrong exception, in files this test's
# author does not own. Each says what Keras does. Probed ones run as strict xfails.
_NIE = ("refused with NotImplementedError; the rule wants a ValueError naming it (or "
        "the feature)")
_CONSTRAINT = (f"{_NIE}. Keras applies the constraint to the variable after each "
               "optimizer step (optimizer.apply: `variable.assign(variable.constraint("
               "variable))`), which needs the optimizer/engine to read `Variable.constraint`")
KNOWN_GAPS = {
    # variables.py
    ("variables.Variable", "initializer"):
        "a name ('ones') fails in numpy ('could not convert string to float'), without "
        "naming the argument. Keras resolves names with initializers.get",
    ("variables.Variable", "shape"):
        "ignored when the initializer is a value (the value's shape wins, whatever "
        "`shape` says; Keras does the same). Refuse a shape that disagrees",
    # layers/normalization.py, layers/embedding.py
    **{(f"layers.normalization.{cls}", arg): _CONSTRAINT
       for cls in ("BatchNormalization", "LayerNormalization")
       for arg in ("beta_constraint", "gamma_constraint")},
    ("layers.normalization.BatchNormalization", "renorm"):
        f"{_NIE}. Keras implements batch renormalization (renorm_clipping, "
        "renorm_momentum)",
    ("layers.normalization.LayerNormalization", "rms_scaling"):
        f"{_NIE}. Keras 3 accepts it with a deprecation warning and scales by the "
        "variance (not the RMS); or refuse with a ValueError pointing to RMSNormalization",
    ("layers.embedding.Embedding", "embeddings_constraint"): _CONSTRAINT,
    ("layers.embedding.Embedding", "quantization_config"):
        f"{_NIE}. Keras quantizes the embeddings (int8/int4/float8) per the config",
    ("layers.embedding.Embedding", "input_length"):
        "silently dropped (kwargs.pop). Keras 3 warns 'Argument `input_length` is "
        "deprecated. Just remove it.'; the rule wants a ValueError naming it",
    # layers/base.py
    ("layers.base.Layer", "batch_input_shape"):
        "accepted by Layer(**kwargs) and never read. Keras 3's Layer refuses it "
        "(ValueError 'Unrecognized keyword arguments'); only InputLayer reads it",
    ("layers.base.Layer", "batch_size"):
        "read only together with input_shape/input_dim, ignored otherwise "
        "(Dense(2, batch_size=8)). Keras 3's Layer refuses it (ValueError 'Unrecognized "
        "keyword arguments')",
    ("layers.base.Layer.add_weight", "aggregation"):
        "accepted for Keras's values ('none', 'mean', 'sum', 'only_first_replica') and "
        "dropped (base.py: one program, so replicas need no rule). Keras stores it on the "
        "variable (`variable.aggregation`), used to reduce it across replicas; "
        "Metric.add_variable here already stores it",
    # metrics.py
    ("metrics.resolve", "loss"):
        "accepted and deleted (`del loss`). Keras 3's compile_utils.get_metric takes no "
        "loss; remove the parameter or refuse a non-None value",
    # models/model.py
    ("models.model.Model.save", "zipped"):
        f"{_NIE} (zipped=False). Keras saves an unzipped folder; or refuse with a "
        "ValueError",
    ("saving.files.save_model", "zipped"):
        f"{_NIE} (zipped=False). Keras saves an unzipped folder; or refuse with a "
        "ValueError",
    # tree.py
    ("tree.assert_same_structure", "check_types"):
        "accepted with Keras's DeprecationWarning ('no longer has any effect'), then "
        "ignored, as Keras 3 does (tests/test_random_tree_constraints.py checks that "
        "warning); the rule wants a ValueError naming it, which would break Keras code "
        "that still passes it",
}


# Each area's tables and explicit probes (tests/gates/README.md).
gates.merge(globals(), ["VALUES", "OVERRIDES", "WITH", "CONTEXT", "CONFIG_ONLY",
                        "NOT_IN_CONFIG", "REFUSED", "INPUTS", "LAYER_SETUP", "THROUGH", "DATA",
                        "DATA_KIND", "BASE", "VALUES_BY_CLASS", "POSITIONAL", "ELSEWHERE",
                        "NOT_APPLICABLE", "KNOWN_GAPS"])
gates.call("probes", sys.modules[__name__])

# ====================================================================== tests


def _accounts(key, arg):
    target = SURFACE[key]
    found = []
    if (key, arg) in KNOWN_GAPS:
        found.append("KNOWN_GAPS")
    if (key, arg) in PROBES:
        found.append("PROBES")
    if (key, arg) in ELSEWHERE:
        found.append("ELSEWHERE")
    if (key, arg) in NOT_APPLICABLE:
        found.append("NOT_APPLICABLE")
    if not found and _generic(target) is not None:
        found.append("generic")
    return found


def test_every_option_is_accounted_for():
    twice = [f"{key}({arg}): {found}" for key, arg in OPTIONS
             for found in [_accounts(key, arg)] if len(set(found) - {"KNOWN_GAPS"}) > 1]
    assert not twice, "options accounted for in two tables (keep one):\n  " + "\n  ".join(twice)
    missing = [f"{key}({arg})" for key, arg in OPTIONS if not _accounts(key, arg)]
    assert not missing, (
        f"{len(missing)} public argument(s) are neither probed, nor covered by a named "
        "test, nor a known gap. Add a PROBES entry (a new layer class: a LAYER_SETUP "
        "entry; a class that needs arguments: BASE), an ELSEWHERE entry naming the test, "
        "a NOT_APPLICABLE reason, or a KNOWN_GAPS entry:\n  " + "\n  ".join(missing))


def _params(kind):
    """pytest params over OPTIONS accounted for by ``kind``; known gaps run as strict
    xfails where a probe exists."""
    out = []
    for key, arg in OPTIONS:
        found = _accounts(key, arg)
        gap = "KNOWN_GAPS" in found
        if gap:
            found = ["PROBES"] if (key, arg) in PROBES else (
                ["generic"] if _generic(SURFACE[key]) is not None else [])
        if kind not in found:
            continue
        marks = [pytest.mark.xfail(reason=KNOWN_GAPS[(key, arg)], strict=True)] if gap else []
        out.append(pytest.param(key, arg, id=f"{key}({arg})", marks=marks))
    return out


@pytest.mark.parametrize("key,arg", _params("generic"))
def test_generic_probe(key, arg):
    assert _generic_outcome(SURFACE[key], arg) in ("exercised", "refused")


@pytest.mark.parametrize("key,arg", _params("PROBES"))
def test_explicit_probe(key, arg, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert PROBES[(key, arg)]() in ("exercised", "refused")


def _test_source(reference):
    """The source of the test function ``path::name``, or None."""
    path, _, name = reference.partition("::")
    try:
        tree = ast.parse((TESTS.parent / path).read_text())
    except OSError:
        return None
    defined = {}
    for node in tree.body:
        targets = [node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else \
            [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
        for target in targets:
            defined[target] = node
    node = defined.get(name)
    if not isinstance(node, ast.FunctionDef):
        return None
    # With the module-level names it uses (its parametrize cases, its helper classes).
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return "\n".join([ast.unparse(node)] + [ast.unparse(defined[n]) for n in sorted(used)
                                             if n in defined and n != name])


def test_tests_named_in_elsewhere_exist_and_use_the_argument():
    problems = []
    for (key, arg), reference in sorted(ELSEWHERE.items()):
        source = _test_source(reference)
        if source is None:
            problems.append(f"{key}({arg}): {reference} does not exist")
        elif not re.search(rf"\b{re.escape(arg)}\b", source):
            problems.append(f"{key}({arg}): {reference} never mentions `{arg}`")
    assert not problems, "ELSEWHERE entries to fix:\n  " + "\n  ".join(problems)


def test_tables_name_real_arguments():
    options = set(OPTIONS)
    stale = sorted(f"{table}: {key}({arg})"
                   for table, entries in (("PROBES", PROBES), ("ELSEWHERE", ELSEWHERE),
                                          ("KNOWN_GAPS", KNOWN_GAPS),
                                          ("NOT_APPLICABLE", NOT_APPLICABLE))
                   for key, arg in entries if (key, arg) not in options)
    by_owner = {(t.func.__name__, arg) for t in SURFACE.values() if t.kind != "method"
                for arg in t.options}
    by_owner |= {(f"{t.owner.__name__}.__call__", arg) for t in SURFACE.values()
                 if t.kind == "method" for arg in t.options}
    stale += sorted(f"{table}: {owner}({arg})"
                    for table, entries in (("OVERRIDES", OVERRIDES), ("CONTEXT", CONTEXT),
                                           ("WITH", WITH), ("REFUSED", REFUSED),
                                           ("CONFIG_ONLY", CONFIG_ONLY),
                                           ("NOT_IN_CONFIG", NOT_IN_CONFIG),
                                           ("VALUES_BY_CLASS", VALUES_BY_CLASS))
                    for owner, arg in entries if owner != "*" and (owner, arg) not in by_owner)
    assert not stale, f"entries for arguments that no longer exist: {stale}"


if __name__ == "__main__":
    for key, arg in OPTIONS:
        if not _accounts(key, arg):
            print(key, arg)
