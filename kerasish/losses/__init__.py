"""Losses with Keras 3's names, defaults and numbers, as plain functions of arrays.

Each function returns one value per sample (it reduces the last axis only) and is
jittable and differentiable. Each class wraps one function with a `reduction`, so that
``loss(y_true, y_pred, sample_weight)`` gives Keras's scalar while ``loss.call`` gives
the per-sample values that the training step reduces itself.

The code is split by topic (``base``, ``crossentropy``, ``focal``, ``regression``,
``probabilistic``, ``hinge``, ``segmentation``, ``similarity``, ``sequence``); every
public name lives here, as ``keras.losses`` has them.

>>> import numpy as np
>>> from kerasish import losses
>>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
>>> y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
>>> losses.binary_crossentropy(y_true, y_pred).shape
(2,)
>>> round(float(losses.BinaryCrossentropy()(y_true, y_pred)), 4)
0.8149
"""

import jax.numpy as jnp  # noqa: F401  (the class docstring examples run in this namespace)
import numpy as np  # noqa: F401

from kerasish.losses.base import (
    REDUCTIONS,
    Loss,
    LossFunctionWrapper,
    _check_axis,
    _check_from_logits,
    _check_label_smoothing,
    _check_same_shape,
    _concrete,
    _divide_no_nan,
    _float_pair,
    _standardize_reduction,
    _warn_if_not_probabilities,
    reduce_values,
    squeeze_or_expand_to_same_rank,
)
from kerasish.losses.crossentropy import (
    BCE,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    _check_label_range,
    _log_probabilities,
    _sparse_labels,
    bce,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from kerasish.losses.focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from kerasish.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from kerasish.losses.probabilistic import (
    KLD,
    CategoricalGeneralizedCrossEntropy,
    KLDivergence,
    Poisson,
    categorical_generalized_cross_entropy,
    kl_divergence,
    kld,
    poisson,
)
from kerasish.losses.segmentation import Dice, Tversky, dice, tversky
from kerasish.losses.sequence import CTC, ctc
from kerasish.losses.similarity import Circle, circle
from kerasish.losses.regression import (
    MAE,
    MAPE,
    MSE,
    MSLE,
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
)
from kerasish.losses.registry import (
    _snake_case,
    _unknown,
    deserialize,
    get,
    is_binary_or_sparse_categorical,
    resolve,
    serialize,
)

__all__ = [
    "BCE",
    "bce",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "circle",
    "cosine_similarity",
    "CosineSimilarity",
    "CTC",
    "ctc",
    "deserialize",
    "Dice",
    "dice",
    "get",
    "Hinge",
    "hinge",
    "Huber",
    "huber",
    "is_binary_or_sparse_categorical",
    "kl_divergence",
    "KLD",
    "kld",
    "KLDivergence",
    "log_cosh",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MAE",
    "mae",
    "MAPE",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "MSE",
    "mse",
    "MSLE",
    "msle",
    "Poisson",
    "poisson",
    "reduce_values",
    "REDUCTIONS",
    "resolve",
    "serialize",
    "sparse_categorical_crossentropy",
    "SparseCategoricalCrossentropy",
    "squared_hinge",
    "SquaredHinge",
    "squeeze_or_expand_to_same_rank",
    "Tversky",
    "tversky",
]

# Every public object reports this package as its module, as when it was one file:
# saving writes ``module`` into `.keras` configs and checks it on load, and the
# metrics tell a wrapped built-in loss by it.
for _name in __all__:
    _obj = globals()[_name]
    if callable(_obj) and getattr(_obj, "__module__", "").startswith(__name__ + "."):
        _obj.__module__ = __name__
del _name, _obj

from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(__all__))
