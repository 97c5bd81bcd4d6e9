"""``model.summary()``'s table, in Keras 3's layout (box-drawing characters, or plain
ASCII when the output stream cannot encode them)."""

import math

import numpy as np

_BOX = dict(top="┏━┳┓", head="┃", sep="┡━╇┩", row="│", mid="├─┼┤", bottom="└─┴┘")
_ASCII = dict(top="+=++", head="|", sep="+=++", row="|", mid="+-++", bottom="+-++")
_WIDTHS = (33, 24, 15)


def readable_size(n_bytes):
    units = ["B", "KB", "MB", "GB", "TB"]
    i = 0 if n_bytes <= 0 else min(int(math.log(n_bytes, 1024)), len(units) - 1)
    return f"{n_bytes / 1024 ** i:.2f} {units[i]}"


def _count(variables):
    return sum(int(np.prod(v.shape)) for v in variables)


def _bytes(variables):
    return sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables)


def _line(chars, widths):
    left, fill, cross, right = chars
    return left + cross.join(fill * w for w in widths) + right


def _wrap(text, width):
    """Split at spaces (or hard) into lines of at most ``width`` characters."""
    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if len(word) > width:  # Keras shortens an over-long word with an ellipsis
            word = word[: width - 1] + "…"
        current = word
    lines.append(current)
    return lines


def _cells(edge, texts, widths, align):
    columns = [_wrap(text, w - 2) for text, w in zip(texts, widths)]
    height = max(len(c) for c in columns)
    rows = []
    for i in range(height):
        cells = []
        for col, w, a in zip(columns, widths, align):
            text = col[i] if i < len(col) else ""
            cells.append(" " + (text.rjust(w - 2) if a == "r" else text.ljust(w - 2)) + " ")
        rows.append(edge + edge.join(cells) + edge)
    return "\n".join(rows)


def format_summary(model, stream=None):
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "┏━┃│└".encode(encoding)
        c = _BOX
    except (UnicodeEncodeError, LookupError):
        c = _ASCII
    graph = getattr(model, "_nodes", None)
    widths = _WIDTHS if graph is None else (21, 19, 12, 19)
    header = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if graph else [])
    align = "llr" + ("l" if graph else "")
    lines = [f'Model: "{model.name}"', _line(c["top"], widths),
             _cells(c["head"], header, widths, align), _line(c["sep"], widths)]
    sources = {}
    for layer, inputs, _ in graph or []:
        from kerasish.functional import _tensors_in

        sources[id(layer)] = ", ".join(
            f"{t._keras_history[0].name}[0][0]" for t in _tensors_in(inputs))
    layers = getattr(model, "layers", None) or model._layers
    rows = []
    for layer in layers:
        if model.built and layer.built:
            try:
                shape = str(layer.output.shape)
            except AttributeError:
                shape = "?"
            params = f"{layer.count_params():,}"
        else:
            shape, params = "?", "0 (unbuilt)"
        texts = [f"{layer.name} ({type(layer).__name__})", shape, params]
        if graph is not None:
            texts.append(sources.get(id(layer), "-"))
        rows.append(_cells(c["row"], texts, widths, align))
    lines.append(("\n" + _line(c["mid"], widths) + "\n").join(rows) if rows else "")
    lines.append(_line(c["bottom"], widths))
    lines = [ln for ln in lines if ln]
    trainable, non_trainable = model._variables_split() if model.built else ([], [])
    opt_leaves = []
    if getattr(model, "_opt_state", None) is not None:
        import jax

        opt_leaves = [np.asarray(a) for a in jax.tree_util.tree_leaves(model._opt_state)]
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
    return text.replace("…", "~") if c is _ASCII else text
