"""Gate tables for saving's extra keywords (``load_weights(by_name=)``)."""

_T = "tests/test_legacy_h5.py::test_load_weights_by_name_loads_the_layers_named_in_the_file"

HIDDEN = {"models.model.Model.load_weights": ["by_name"]}
ELSEWHERE = {
    ("models.model.Model.load_weights", "by_name"): _T,
    ("saving.files.load_weights", "by_name"): _T,
}


def probes(h):
    """``load_weights(**kwargs)``: an unknown keyword is refused, naming it."""
    import kerasish

    @h.probe("models.model.Model.load_weights", "**kwargs")
    def _unknown_keyword(arg):
        model = kerasish.Sequential([kerasish.Input((2,)), kerasish.layers.Dense(1)])
        return h._refuses(lambda: model.load_weights("w.h5", **{h.BOGUS: 1}), h.BOGUS)

_S = "tests/test_small_apis.py::"
ELSEWHERE.update({
    ("layers.serialization.deserialize", "custom_objects"):
        _S + "test_deserialize_custom_objects_and_refusals",
    ("distribution.get_device_count", "device_type"): _S + "test_get_device_count",
})
