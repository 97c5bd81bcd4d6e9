"""``utils.plot_model`` / ``utils.model_to_dot``: a model's layers as a Graphviz diagram.

Nodes are layers (a table: name and class, and on request the activation, the input
and output shapes, the dtype, whether it trains), edges are the tensors between them,
as Keras draws them. Needs ``pydot`` (``pip install kerasish[plot]``); writing an image
(``.png``, ``.svg``, ``.pdf``) also needs Graphviz's ``dot`` program, while a ``.dot``
file does not (Keras wants Graphviz even for that).
"""

import os

_PYDOT_MISSING = ("You must install pydot (`pip install pydot`, or `pip install "
                  "kerasish[plot]`) for `plot_model` to work.")
_GRAPHVIZ_MISSING = ("You must install graphviz (see instructions at "
                     "https://graphviz.gitlab.io/download/) for `plot_model` to write "
                     "{ext} files. Without it, write the diagram as a .dot file "
                     "(`to_file='model.dot'`).")


def _pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError(_PYDOT_MISSING) from None
    return pydot


def _shape_text(shapes):
    if not shapes:
        return "?"
    texts = [str(tuple(s)) for s in shapes]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


def _label(layer, ins, outs, dtype, show_shapes, show_dtype, show_layer_names,
           show_layer_activations, show_trainable):
    """The node's HTML-like label, laid out as Keras's (a black title row, white cells)."""
    name = type(layer).__name__
    columns = (2 if show_shapes else 0) + int(show_dtype) + int(show_trainable)
    span = max(1, columns)
    title = f"<b>{layer.name}</b> ({name})" if show_layer_names else f"<b>{name}</b>"
    rows = [f'<tr><td colspan="{span}" bgcolor="black"><font point-size="16" '
            f'color="white">{title}</font></td></tr>']
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        act = getattr(activation, "__name__", type(activation).__name__)
        rows.append(f'<tr><td bgcolor="white" colspan="{span}"><font point-size="14">'
                    f"Activation: <b>{act}</b></font></td></tr>")
    cells = []
    if show_shapes:
        if name != "InputLayer":
            cells.append(f"Input shape: <b>{_shape_text(ins)}</b>")
        cells.append(f"Output shape: <b>{_shape_text(outs)}</b>")
    if show_dtype:
        cells.append(f"Output dtype: <b>{dtype or '?'}</b>")
    if show_trainable:
        cells.append(f"Trainable: <b>{'T' if layer.trainable else 'F'}</b>")
    if cells:
        rows.append("<tr>" + "".join(f'<td bgcolor="white"><font point-size="14">{c}'
                                     "</font></td>" for c in cells) + "</tr>")
    return ('<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
            + "".join(rows) + "</table>>")


def _graph(model):
    """(layer, input shapes, output shapes, output dtype, source layers) per layer."""
    from kerasish.functional import layer_calls

    if not getattr(model, "built", False):
        raise ValueError("This model has not yet been built. Build the model first by "
                         "calling `build()` or by calling the model on a batch of data.")
    if hasattr(model, "_nodes"):  # functional: the graph as recorded
        rows, index = [], {}
        for t in model.inputs:
            layer = t._keras_history[0]
            index[id(layer)] = len(rows)
            rows.append([layer, [], [t.shape], t.dtype, []])
        for layer, ins, out in layer_calls(model):
            if id(layer) in index:  # another output (or another call) of that layer
                rows[index[id(layer)]][2].append(out.shape)
                continue
            index[id(layer)] = len(rows)
            rows.append([layer, [t.shape for t in ins], [out.shape], out.dtype,
                         [t._keras_history[0] for t in ins]])
        return rows
    rows, shape, previous = [], getattr(model, "input_shape", None), None  # Sequential
    for layer in model.layers:
        out = None
        if shape is not None:
            try:
                out = layer.compute_output_shape(shape)
            except Exception:  # noqa: BLE001 - a layer without shape inference: "?"
                out = None
        rows.append([layer, [shape] if shape else [], [out] if out else [],
                     getattr(layer, "dtype", None), [previous] if previous else []])
        shape, previous = out, layer
    return rows


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, **kwargs):
    """The model as a ``pydot.Dot`` graph (see ``plot_model`` for the arguments).

    ``subgraph=True`` returns a ``pydot.Cluster`` (what nested models are drawn in).

    Args:
        model: a built model.
        show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
            show_layer_activations, show_trainable: as ``plot_model``.
        subgraph: return a ``pydot.Cluster`` instead of a ``pydot.Dot``.

    >>> import kerasish
    >>> model = kerasish.Sequential([kerasish.Input((4,)), kerasish.layers.Dense(3),
    ...                              kerasish.layers.Dense(2)])
    >>> dot = model_to_dot(model, show_shapes=True)
    >>> len(dot.get_edges()), "Output shape: <b>(None, 2)</b>" in dot.to_string()
    (1, True)
    """
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"`rankdir` must be 'TB' (vertical) or 'LR' (horizontal). "
                         f"Received: rankdir={rankdir!r}")
    pydot = _pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name)
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", "ortho")
        dot.set_node_defaults(shape="record")
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names,
                   show_layer_activations=show_layer_activations,
                   show_trainable=show_trainable)
    entry, exit_ = {}, {}  # layer id -> the node id edges go into / come out of
    for layer, ins, outs, dtype, _ in _graph(model):
        if expand_nested and hasattr(layer, "layers") and getattr(layer, "built", False) \
                and layer is not model:
            cluster = model_to_dot(layer, expand_nested=True, subgraph=True, **options)
            nodes = [n for n in cluster.get_nodes() if n.get_name() not in ("node", "edge")]
            dot.add_subgraph(cluster)
            entry[id(layer)], exit_[id(layer)] = nodes[0].get_name(), nodes[-1].get_name()
            continue
        node_id = str(id(layer))
        dot.add_node(pydot.Node(node_id, label=_label(layer, ins, outs, dtype, **options)))
        entry[id(layer)] = exit_[id(layer)] = node_id
    for layer, _, _, _, sources in _graph(model):
        for source in sources:
            dot.add_edge(pydot.Edge(exit_[id(source)], entry[id(layer)]))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draw ``model``'s layers and connections to ``to_file``.

    Args:
        model: a built ``Sequential`` or functional model.
        to_file: the file; its extension picks the format (``.png`` by default,
            ``.svg``, ``.pdf``, ... through Graphviz, or ``.dot`` for the diagram's
            source, which needs no Graphviz).
        show_shapes: show each layer's input and output shapes.
        show_dtype: show each layer's output dtype.
        show_layer_names: show each layer's name beside its class.
        rankdir: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).
        expand_nested: draw nested models' layers in a dashed box.
        dpi: image resolution.
        show_layer_activations: show the activation of layers that have one.
        show_trainable: show whether each layer trains (``T``/``F``).

    Returns:
        An ``IPython.display.Image`` in a notebook (so that it shows), else None.

    >>> import kerasish
    >>> model = kerasish.Sequential([kerasish.Input((4,)), kerasish.layers.Dense(2)])
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.dot")
    >>> plot_model(model, to_file=path, show_shapes=True)
    >>> "Output shape" in open(path).read()
    True
    """
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    if extension in ("dot", "gv"):
        with open(to_file, "w") as f:
            f.write(dot.to_string())
        return None
    try:
        dot.write(to_file, format=extension)
    except FileNotFoundError:  # pydot found no `dot` program
        raise ImportError(_GRAPHVIZ_MISSING.format(ext=f".{extension}")) from None
    if extension != "pdf":
        try:
            from IPython import display

            return display.Image(filename=to_file)
        except ImportError:
            return None
    return None
