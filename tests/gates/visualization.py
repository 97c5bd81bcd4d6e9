"""Gate tables for ``utils.plot_model`` / ``utils.model_to_dot``: their options are
exercised by tests/test_model_visualization.py."""

_T = "tests/test_model_visualization.py::"
_WHERE = {
    "show_layer_names": "test_nodes_and_edges_are_the_layers_and_their_connections",
    "show_shapes": "test_labels_show_what_is_asked", "show_dtype": "test_labels_show_what_is_asked",
    "show_layer_activations": "test_labels_show_what_is_asked",
    "show_trainable": "test_labels_show_what_is_asked", "rankdir": "test_labels_show_what_is_asked",
    "dpi": "test_labels_show_what_is_asked", "expand_nested": "test_sequential_and_nested_models",
    "subgraph": "test_sequential_and_nested_models",
    "to_file": "test_plot_model_writes_dot_without_graphviz",
}
ELSEWHERE = {(f"utils.model_visualization.{fn}", arg): _T + test
             for fn in ("plot_model", "model_to_dot") for arg, test in _WHERE.items()
             if (fn, arg) not in (("plot_model", "subgraph"), ("model_to_dot", "to_file"))}


def probes(h):
    """An unknown keyword is refused, naming it."""
    import kerasish
    from kerasish import utils

    def model():
        return kerasish.Sequential([kerasish.Input((2,)), kerasish.layers.Dense(1)])

    @h.probe("utils.model_visualization.plot_model", "**kwargs")
    def _plot(arg):
        return h._refuses(lambda: utils.plot_model(model(), "m.dot", **{h.BOGUS: 1}), h.BOGUS)

    @h.probe("utils.model_visualization.model_to_dot", "**kwargs")
    def _to_dot(arg):
        return h._refuses(lambda: utils.model_to_dot(model(), **{h.BOGUS: 1}), h.BOGUS)
