"""Gate tables for ``kerasish.applications``: every network's arguments are exercised
by tests/test_applications.py (the parity grid's CASES name them)."""

import importlib
import inspect

_T = "tests/test_applications.py::"
_PARITY = _T + "test_predictions_equal_keras_with_keras_weight_files"
_WHERE = {  # argument -> the test that exercises it
    "include_top": _PARITY, "input_shape": _PARITY, "pooling": _PARITY, "classes": _PARITY,
    "alpha": _PARITY, "weights": _PARITY, "depth_multiplier": _PARITY,
    "minimalistic": _PARITY, "include_preprocessing": _PARITY,
    "dropout": _T + "test_dropout_arguments_set_the_dropout_layers",
    "dropout_rate": _T + "test_dropout_arguments_set_the_dropout_layers",
    "input_tensor": _T + "test_input_tensor_chains_onto_another_graph",
    "classifier_activation": _T + "test_name_and_classifier_activation_are_used",
    "name": _T + "test_name_and_classifier_activation_are_used",
    "data_format": _T + "test_preprocess_input_matches_keras",
    "mode": _T + "test_preprocess_input_matches_keras",
    "top": _T + "test_decode_predictions_reads_keras_class_index",
}
_MODULES = ["kerasish.applications"]


def _elsewhere():
    out = {}
    package = importlib.import_module("kerasish.applications")
    for module in [package] + [getattr(package, m) for m in dir(package)
                               if inspect.ismodule(getattr(package, m))]:
        for name in getattr(module, "__all__", []):
            fn = getattr(module, name)
            if not inspect.isfunction(fn):
                continue
            key = f"{fn.__module__[len('kerasish.'):]}.{fn.__qualname__}"
            for arg, p in inspect.signature(fn).parameters.items():
                if p.default is not p.empty and arg in _WHERE:
                    out[(key, arg)] = _WHERE[arg]
    return out


MODULES = _MODULES + [f"kerasish.applications.{m}" for m in (
    "convnext", "densenet", "efficientnet", "efficientnet_v2", "imagenet_utils",
    "inception_resnet_v2", "inception_v3", "mobilenet", "mobilenet_v2", "mobilenet_v3",
    "nasnet", "resnet", "resnet50", "resnet_v2", "vgg16", "vgg19", "xception")]
ELSEWHERE = _elsewhere()
