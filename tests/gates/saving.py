"""Gate tables for saving's extra keywords (``load_weights(by_name=)``)."""

_T = "tests/test_legacy_h5.py::test_load_weights_by_name_loads_the_layers_named_in_the_file"

HIDDEN = {"models.model.Model.load_weights": ["by_name"]}
ELSEWHERE = {
    ("models.model.Model.load_weights", "by_name"): _T,
    ("models.model.Model.load_weights", "**kwargs"): _T,  # by_nme=True refused by name
    ("saving.files.load_weights", "by_name"): _T,
}
