"""``model.summary()``'s table, in Keras 3's layout (box-drawing characters, or plain
ASCII when the output stream cannot encode them).

Keras draws the table with ``rich``; we compute the same column widths and the same
word wrapping in plain Python, so the text is identical without the dependency.
"""

import math
import numbers
import re
import shutil

import numpy as np

_BOX = dict(top="┏━┳┓", head="┃", sep="┡━╇┩", row="│", mid="├─┼┤", bottom="└─┴┘")
_ASCII = dict(top="+=++", head="|", sep="+=++", row="|", mid="+-++", bottom="+-++")
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")

# Keras's layouts: default total width and relative column stops.
_SEQUENTIAL = dict(width=88, positions=(0.45, 0.80, 1.0),
                   header=("Layer (type)", "Output Shape", "Param #"), align="llr")
_GRAPH = dict(width=108, positions=(0.3, 0.56, 0.74, 1.0),
              header=("Layer (type)", "Output Shape", "Param #", "Connected to"), align="llrl")
_TRAINABLE_WIDTH = 12  # Keras widens the default line by this for the Trainable column


def readable_size(n_bytes):
    units = ["B", "KB", "MB", "GB", "TB"]
    i = 0 if n_bytes <= 0 else min(int(math.log(n_bytes, 1024)), len(units) - 1)
    return f"{n_bytes / 1024 ** i:.2f} {units[i]}"


def _count(variables):
    return sum(int(np.prod(v.shape)) for v in variables)


def _bytes(variables):
    return sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables)


# ------------------------------------------------------------------ argument checks


def _check_flag(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(
            f"Received an invalid value for `{name}`, expected True or False. "
            f"Received: {name}={value!r}. Pass `{name}=True` or `{name}=False`."
        )
    return bool(value)


def _is_number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _column_stops(line_length, positions, layout, show_trainable):
    """(line_length, [stop, ...]) in characters, one stop per column, as Keras computes
    them: relative ``positions`` are fractions of ``line_length``; with
    ``show_trainable`` they shrink to 90% and the Trainable column ends the line."""
    if line_length is not None and (not isinstance(line_length, numbers.Integral)
                                    or isinstance(line_length, (bool, np.bool_))
                                    or line_length <= 0):
        raise ValueError(
            "Received an invalid value for `line_length`, expected a positive integer "
            f"(the total width of the table in characters). Received: "
            f"line_length={line_length!r}. Pass e.g. `line_length=100`, or None for the "
            "terminal's width (at most Keras's default)."
        )
    given = positions
    if positions is None:
        positions = layout["positions"]
    elif (not isinstance(positions, (list, tuple, np.ndarray))
          or len(positions) != len(layout["header"])
          or not all(_is_number(p) and p > 0 for p in positions)):
        kind = "Sequential-like" if layout is _SEQUENTIAL else "graph"
        raise ValueError(
            f"Received an invalid value for `positions`, expected {len(layout['header'])} "
            f"positive numbers: the right edge of each column of this {kind} model's table "
            f"({', '.join(map(repr, layout['header']))}), either all relative (at most 1.0) "
            f"or all absolute (in characters). Received: positions={positions!r}. Pass e.g. "
            f"positions={list(layout['positions'])}."
        )
    if all(p <= 1 for p in positions):
        if line_length is None:
            width = layout["width"] + (_TRAINABLE_WIDTH if show_trainable else 0)
            line_length = min(width, shutil.get_terminal_size().columns - 4)
        if show_trainable:
            positions = [p * 0.90 for p in positions] + [1.0]
        stops = [int(p * line_length) for p in positions]
    else:
        # Absolute stops (Keras 2's meaning; Keras 3 multiplies them by the line length
        # and draws a table of nearly equal columns instead).
        if not all(float(p).is_integer() for p in positions):
            raise ValueError(
                "Received an invalid value for `positions`: absolute positions (any value "
                "above 1) must all be whole numbers of characters. Received: "
                f"positions={list(positions)!r}. Pass integers, e.g. [30, 60, 88], or "
                "fractions of `line_length`, e.g. [0.3, 0.6, 1.0]."
            )
        stops = [int(p) for p in positions]
        extra = _TRAINABLE_WIDTH if show_trainable else 0
        if line_length is None:
            line_length = stops[-1] + extra
        elif line_length < stops[-1]:
            raise ValueError(
                "Received incompatible `positions` and `line_length`: the last absolute "
                f"position ({stops[-1]}) is beyond the line. Received: positions="
                f"{list(positions)!r}, line_length={line_length}. Pass a `line_length` "
                f"of at least {stops[-1] + extra}, or leave it None."
            )
        if show_trainable:
            stops.append(line_length)
    previous = 0
    for i, stop in enumerate(stops):
        if stop - previous < 4:
            raise ValueError(
                "Insufficient console width to print summary: column "
                f"{i + 1} of {len(stops)} would be {stop - previous} characters wide, "
                f"expected at least 4. Received: line_length={line_length}, "
                f"positions={given!r}. Pass a larger `line_length` or positions "
                "further apart."
            )
        previous = stop
    return line_length, stops


def _cell_widths(line_length, stops):
    """Width of each cell, padding included, as ``rich.table.Table(width=line_length)``
    lays out fixed-width columns: the excess over the line is taken evenly from all."""
    n = len(stops)
    space = line_length - (n + 1)  # borders between and around the cells
    widths = [min(b - a + 2, space) for a, b in zip([0] + stops, stops)]
    excess = sum(widths) - space
    if excess > 0:
        remaining, left = excess, n
        for i in range(n):
            cut = min(widths[i], round(remaining / left))
            widths[i] -= cut
            remaining -= cut
            left -= 1
    return widths


def _layer_range(layers, layer_range):
    """(start, stop) slice bounds of the top-level layers to show."""
    if layer_range is None:
        return 0, len(layers)
    if not isinstance(layer_range, (list, tuple)) or len(layer_range) != 2:
        n = len(layer_range) if isinstance(layer_range, (list, tuple)) else None
        raise ValueError(
            "layer_range must be a list or tuple of length 2: the first and last layer "
            "names (or regular expressions) to show. Received: "
            f"layer_range={layer_range!r}" + (f" of length {n}" if n is not None else "")
            + ". Pass e.g. layer_range=['dense', 'dense_2']."
        )
    if not all(isinstance(s, str) for s in layer_range):
        raise ValueError(
            "layer_range should contain string type only: layer names or regular "
            f"expressions. Received: layer_range={layer_range!r}. Pass e.g. "
            "layer_range=['dense', 'dense_2']."
        )
    names = [layer.name for layer in layers]
    matches = []
    for pattern in layer_range:
        try:
            # re.match, as Keras: a pattern matches names that start with it.
            matches.append([i for i, name in enumerate(names) if re.match(pattern, name)])
        except re.error as e:
            raise ValueError(
                f"layer_range contains an invalid regular expression {pattern!r} ({e}). "
                f"Received: layer_range={layer_range!r}. Pass plain layer names or valid "
                "regular expressions."
            ) from None
    missing = [p for p, m in zip(layer_range, matches) if not m]
    if missing:
        from kerasish.utils.naming import closest

        hints = [h for p in missing for h in closest(p, names, n=1)]
        raise ValueError(
            "Passed layer_names do not match the layer names in the model: no layer name "
            f"starts with {', '.join(repr(p) for p in missing)}. Received: "
            f"layer_range={layer_range!r}. Existing layers are: {names}."
            + (f" Did you mean {' and '.join(repr(h) for h in hints)}?" if hints else "")
        )
    first, last = min(matches[0]), max(matches[1])
    if first > last:  # Keras swaps a reversed range rather than showing nothing
        return min(matches[1]), max(matches[0]) + 1
    return first, last + 1


# ------------------------------------------------------------------ text layout


def _wrap(text, width, justify):
    """Lines of exactly ``width`` characters, wrapped as ``rich.text.Text.wrap`` with
    overflow="ellipsis": at spaces; a word longer than the cell keeps a line of its own
    and is cut with an ellipsis."""
    if width <= 0:
        return [""]  # rich renders nothing in a cell with no room
    breaks, offset = [], 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if length <= width - offset:
            offset += len(word)
        elif length > width or (offset and start):
            if start:
                breaks.append(start)
            offset = len(word)
    lines = []
    for a, b in zip([0] + breaks, breaks + [len(text)]):
        line = text[a:b]
        if len(line) > width:  # drop trailing spaces beyond the cell
            spaces = _TRAILING_SPACE.search(line)
            if spaces:
                line = line[: len(line) - min(len(spaces.group(0)), len(line) - width)]
        if justify != "l":
            line = line.rstrip()
        if len(line) > width:
            line = line[: width - 1] + "…"
        if justify == "r":
            line = line.rjust(width)
        elif justify == "c":
            line = (" " * ((width - len(line)) // 2) + line).ljust(width)
        else:
            line = line.ljust(width)
        lines.append(line)
    return lines


def _line(chars, widths):
    left, fill, cross, right = chars
    return left + cross.join(fill * w for w in widths) + right


def _cells(edge, texts, widths, align, header=False):
    """One table row; a short cell is padded below (rich puts the header at the bottom)."""
    columns = [_wrap(text, w - 2, a) for text, w, a in zip(texts, widths, align)]
    height = max(len(c) for c in columns)
    for col, w in zip(columns, widths):
        blank = [" " * max(w - 2, 0)] * (height - len(col))
        col[:] = blank + col if header else col + blank
    return "\n".join(edge + edge.join(f" {col[i]} " for col in columns) + edge
                     for i in range(height))


# ------------------------------------------------------------------ the model's graph


def _sequential_like(model):
    """Keras's test for the 3-column table: a Sequential or subclassed model, or a
    functional one that is a chain (one call per depth, one input tensor per call, no
    layer called twice). Anything else gets the "Connected to" column."""
    from kerasish.layers.base import flatten_outputs as node_outputs

    graph = getattr(model, "_nodes", None)
    if graph is None:
        return True

    producer, inputs_of, nodes, layers_seen = {}, {}, [], set()
    for t in model.inputs:
        producer[id(t)] = id(t)
        inputs_of[id(t)] = []
        nodes.append(id(t))
    for layer, layer_inputs, out in graph:
        key = (id(layer), id(layer_inputs))  # one call, whatever its number of outputs
        for tensor in node_outputs(out):
            producer[id(tensor)] = key
        if key in inputs_of:
            continue
        if id(layer) in layers_seen:
            return False  # a shared layer
        layers_seen.add(id(layer))
        inputs_of[key] = _tensors_in(layer_inputs)
        if len(inputs_of[key]) > 1:
            return False
        nodes.append(key)
    depth = {}
    for key in reversed(nodes):
        d = depth.setdefault(key, 0)
        for t in inputs_of[key]:
            parent = producer[id(t)]
            depth[parent] = max(depth.get(parent, 0), d + 1)
    return len(set(depth.values())) == len(depth)


def _connections(model):

    sources = {}
    for layer, inputs, _ in model._nodes:
        sources[id(layer)] = ", ".join(
            f"{t._keras_history[0].name}[0][{t._keras_output_index}]"
            for t in _tensors_in(inputs))
    return sources


def _output_leaves(output):
    from kerasish.layers.base import flatten_outputs as node_outputs

    return node_outputs(output)


def _layer_texts(layer, prefix, model_built, sources, show_trainable):
    if model_built and layer.built:
        try:
            output = layer.output
            # A call with several outputs (`LSTM(return_state=True)`): Keras lists them.
            shape = str(output.shape) if not isinstance(output, (list, tuple, dict)) else \
                "[" + ", ".join(str(t.shape) for t in _output_leaves(output)) + "]"
        except AttributeError:
            shape = "?"
        params = f"{layer.count_params():,}"
    else:
        shape, params = "?", "0 (unbuilt)"
    texts = [f"{prefix}{layer.name} ({type(layer).__name__})", shape, params]
    if sources is not None:
        texts.append(sources.get(id(layer), "-"))
    if show_trainable:
        texts.append(("Y" if layer.trainable else "N") if layer.weights else "-")
    return texts


def format_summary(model, stream=None, *, line_length=None, positions=None,
                   expand_nested=False, show_trainable=False, layer_range=None):
    """The text of ``model.summary(...)`` (no trailing newline), in Keras 3's layout.

    ``stream`` only decides between box-drawing characters and plain ASCII (when its
    encoding cannot show the boxes). The other arguments are ``Model.summary``'s:

    - ``line_length``: total width; default Keras's (88 for a Sequential-like table,
      108 with "Connected to", +12 with ``show_trainable``), at most the terminal's
      width minus 4.
    - ``positions``: the right edge of each column, relative (fractions of
      ``line_length``, all at most 1) or absolute (characters; then ``line_length``
      defaults to the last one, plus 12 for the Trainable column).
    - ``expand_nested``: also list the layers of nested models, indented with "└".
    - ``show_trainable``: add a Trainable column (Y, N, or - for a layer without weights).
    - ``layer_range``: ``[first, last]`` top-level layer names or regular expressions
      (matched at the start of the name), both ends included.

    >>> import io, kerasish
    >>> model = kerasish.Sequential([kerasish.Input(shape=(3,)),
    ...                              kerasish.layers.Dense(2, name="d")], name="tiny")
    >>> print(format_summary(model, io.StringIO(), line_length=72,
    ...                      positions=[0.4, 0.7, 0.85], show_trainable=True))
    Model: "tiny"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━━━┓
    ┃                        ┃                   ┃  Param ┃                ┃
    ┃ Layer (type)           ┃ Output Shape      ┃      # ┃   Trainable    ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━━━┩
    │ d (Dense)              │ (None, 2)         │      8 │       Y        │
    └────────────────────────┴───────────────────┴────────┴────────────────┘
     Total params: 8 (32.00 B)
     Trainable params: 8 (32.00 B)
     Non-trainable params: 0 (0.00 B)
    """
    expand_nested = _check_flag("expand_nested", expand_nested)
    show_trainable = _check_flag("show_trainable", show_trainable)
    layout = _SEQUENTIAL if _sequential_like(model) else _GRAPH
    header, align = list(layout["header"]), layout["align"]
    if show_trainable:
        header.append("Trainable")
        align += "c"
    line_length, stops = _column_stops(line_length, positions, layout, show_trainable)
    widths = _cell_widths(line_length, stops)
    layers = getattr(model, "layers", None) or model._layers
    first, stop = _layer_range(layers, layer_range)

    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "┏━┃│└".encode(encoding)
        c = _BOX
    except (UnicodeEncodeError, LookupError):
        c = _ASCII
    sources = None if layout is _SEQUENTIAL else _connections(model)

    def rows(layer, level):
        prefix = "   " * level + "└ " if level else ""
        out = [_layer_texts(layer, prefix, model.built, sources, show_trainable)]
        if expand_nested and getattr(layer, "layers", None):
            for inner in layer.layers:
                out.extend(rows(inner, level + 1))
        return out

    table = [_cells(c["row"], texts, widths, align)
             for layer in layers[first:stop] for texts in rows(layer, 0)]
    lines = [f'Model: "{model.name}"', _line(c["top"], widths),
             _cells(c["head"], header, widths, align, header=True), _line(c["sep"], widths)]
    if table:
        lines.append(("\n" + _line(c["mid"], widths) + "\n").join(table))
    lines.append(_line(c["bottom"], widths))

    trainable, non_trainable = model._variables_split() if model.built else ([], [])
    # A stateful RNN's carried states are not weights (Keras counts 0 for them).
    from kerasish.layers.base import is_carried_state

    non_trainable = [v for v in non_trainable if not is_carried_state(v)]
    opt_leaves = []
    opt_state = model.get_optimizer_state() if hasattr(model, "get_optimizer_state") else None
    if opt_state is not None:
        import jax

        opt_leaves = [np.asarray(a) for a in jax.tree_util.tree_leaves(opt_state)]
    n_opt = sum(a.size for a in opt_leaves)
    b_opt = sum(a.nbytes for a in opt_leaves)
    n_t, n_n = _count(trainable), _count(non_trainable)
    b_t, b_n = _bytes(trainable), _bytes(non_trainable)
    lines.append(f" Total params: {n_t + n_n + n_opt:,} ({readable_size(b_t + b_n + b_opt)})")
    lines.append(f" Trainable params: {n_t:,} ({readable_size(b_t)})")
    lines.append(f" Non-trainable params: {n_n:,} ({readable_size(b_n)})")
    if n_opt:
        lines.append(f" Optimizer params: {n_opt:,} ({readable_size(b_opt)})")
    text = "\n".join(lines)
    return text.replace("…", "~").replace("└", "`") if c is _ASCII else text


def _tensors_in(struct):
    """The symbolic tensors in a (nested) call argument."""
    import jax

    from kerasish.layers.base import KerasTensor

    return [t for t in jax.tree_util.tree_leaves(
        struct, is_leaf=lambda t: isinstance(t, KerasTensor)) if isinstance(t, KerasTensor)]
