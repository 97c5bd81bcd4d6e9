"""``model.summary`` arguments against Keras 3: the same text for ``line_length``,
``positions``, ``show_trainable``, ``expand_nested`` and ``layer_range``, and a clear
error for every bad value.

Our text is ``format_summary(...)``; Keras's is what it passes to ``print_fn`` (the whole
table at once, ending in a newline). Every layer and model is named, so they compare
exactly. COLUMNS is set wide: Keras takes its default width from the terminal (as we
do), and its rich console crops lines at the terminal's width (we never crop).
"""

import io

import pytest

import kerasish
from kerasish.utils.summary import format_summary


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def _build(lib):
    """The same four models in kerasish or Keras, by name."""
    layers, Input = lib.layers, lib.Input
    seq = lib.Sequential([
        Input(shape=(8,)),
        layers.Dense(16, name="d1"),
        layers.Dense(4, name="a_rather_long_layer_name_that_has_to_be_cut"),
        layers.Dropout(0.1, name="drop"),
        layers.Dense(3, name="frozen", trainable=False),
    ], name="seq")

    a, b = Input(shape=(4,), name="a"), Input(shape=(3,), name="b")
    h = layers.Dense(5, name="hid")(layers.Concatenate(name="cat")([a, b]))
    graph = lib.Model([a, b], [layers.Dense(1, name="o1")(h), layers.Dense(2, name="o2")(h)],
                      name="graph")

    def nested():  # a functional model and a Sequential, each called once
        inner_in = Input(shape=(6,), name="inner_in")
        inner = lib.Model(inner_in, layers.Dense(5, name="inner_dense")(inner_in),
                          name="inner")
        block = lib.Sequential([Input(shape=(5,)), layers.Dense(4, name="b1"),
                                layers.Dense(3, name="b2")], name="block")
        return inner, block

    inner, block = nested()
    x = Input(shape=(6,), name="x")
    chain = lib.Model(x, layers.Dense(2, name="head")(block(inner(x))), name="chain")

    inner, block = nested()  # kerasish writes every call's node index as 0
    y = Input(shape=(6,), name="y")
    side = layers.Dense(3, name="side")(y)
    nested_graph = lib.Model(y, layers.Concatenate(name="join")([block(inner(y)), side]),
                             name="nested_graph")
    return dict(seq=seq, graph=graph, chain=chain, nested_graph=nested_graph)


@pytest.fixture(scope="module")
def models(keras):
    return _build(kerasish), _build(keras)


def _keras_text(model, **kwargs):
    printed = []
    model.summary(print_fn=printed.append, **kwargs)
    assert len(printed) == 1  # Keras calls print_fn once, with the whole table
    return printed[0]


def _ours(model, **kwargs):
    return format_summary(model, io.StringIO(), **kwargs) + "\n"


RANGES = dict(seq=["d1", "drop"], graph=["cat", "o1"], chain=["inner", "block"],
              nested_graph=["block", "side"])
CASES = [
    {},
    dict(line_length=60),
    dict(line_length=130),
    dict(positions="custom"),
    dict(show_trainable=True),
    dict(show_trainable=True, line_length=70, positions="custom"),
    dict(expand_nested=True),
    dict(expand_nested=True, show_trainable=True, line_length=90),
    dict(layer_range="range"),
    dict(layer_range="reversed", expand_nested=True),
]


def _args(case, name, n_columns):
    kwargs = dict(case)
    if kwargs.get("positions") == "custom":
        kwargs["positions"] = [0.5, 0.7, 1.0] if n_columns == 3 else [0.25, 0.5, 0.6, 1.0]
    if kwargs.get("layer_range") == "range":
        kwargs["layer_range"] = RANGES[name]
    if kwargs.get("layer_range") == "reversed":
        kwargs["layer_range"] = RANGES[name][::-1]
    return kwargs


@pytest.mark.parametrize("name", ["seq", "graph", "chain", "nested_graph"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)) or "default")
def test_summary_text_matches_keras(models, name, case):
    ours, theirs = models[0][name], models[1][name]
    n_columns = 3 if name in ("seq", "chain") else 4
    kwargs = _args(case, name, n_columns)
    assert _ours(ours, **kwargs) == _keras_text(theirs, **kwargs)


@pytest.mark.parametrize("layer_range", [["d", "d"], ["^d1$", "dr.p"], ("a_", "a_")])
def test_layer_range_patterns_match_the_start_of_names_as_keras(models, layer_range):
    # "d" matches d1 and drop: from the first match of the first to the last of the second.
    ours, theirs = models[0]["seq"], models[1]["seq"]
    assert _ours(ours, layer_range=layer_range) == _keras_text(theirs, layer_range=layer_range)


def test_a_chain_of_functional_calls_has_no_connected_to_column(models):
    """Keras shows "Connected to" only for a real graph, not a functional chain."""
    text = _ours(models[0]["chain"])
    assert "Connected to" not in text and "x (InputLayer)" in text
    assert "Connected to" in _ours(models[0]["graph"])


@pytest.mark.parametrize("width", ["80", "60", "200"])
def test_default_width_follows_the_terminal_as_keras(models, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", width)
    for name in ("seq", "graph"):
        ours, theirs = models[0][name], models[1][name]
        assert _ours(ours) == _keras_text(theirs)
        assert _ours(ours, show_trainable=True) == _keras_text(theirs, show_trainable=True)


def test_narrow_columns_wrap_and_cut_as_keras(models):
    # Middle column of 4 characters: rich takes the excess from it until no room is left.
    for kwargs in (dict(line_length=40, positions=[0.45, 0.55, 1.0]),
                   dict(line_length=16), dict(line_length=40, show_trainable=True)):
        assert _ours(models[0]["seq"], **kwargs) == _keras_text(models[1]["seq"], **kwargs)


def test_absolute_positions_are_column_stops_in_characters(models):
    ours, theirs = models[0]["seq"], models[1]["seq"]
    # Keras's default relative stops at 76 characters are 34, 60, 76.
    assert _ours(ours, positions=[34, 60, 76]) == _keras_text(theirs, line_length=76)
    # With the Trainable column, Keras shrinks relative stops to 90%: 45, 72, 90 of 100.
    assert _ours(ours, positions=[45, 72, 90], line_length=100, show_trainable=True) == \
        _keras_text(theirs, positions=[0.5, 0.8, 1.0], line_length=100, show_trainable=True)
    # Without line_length the table ends at the last stop (+12 for Trainable).
    widths = {len(ln) for ln in _ours(ours, positions=[20, 40, 50]).splitlines()[1:8]}
    assert widths == {50}
    widths = {len(ln) for ln in _ours(ours, positions=[20, 40, 50],
                                     show_trainable=True).splitlines()[1:8]}
    assert widths == {62}


def test_the_default_call_is_unchanged_by_the_new_arguments(models):
    ours = models[0]["graph"]
    assert format_summary(ours, io.StringIO()) == format_summary(
        ours, io.StringIO(), line_length=None, positions=None, expand_nested=False,
        show_trainable=False, layer_range=None)


def test_plain_ascii_keeps_the_new_columns():
    model = _build(kerasish)["chain"]
    text = format_summary(model, io.TextIOWrapper(io.BytesIO(), encoding="ascii"),
                         expand_nested=True, show_trainable=True, line_length=60)
    text.encode("ascii")
    assert "   ` b1 (Dense)" in text and "Trainable" in text
    assert len(text.splitlines()) == len(format_summary(
        model, io.StringIO(), expand_nested=True, show_trainable=True,
        line_length=60).splitlines())


# ------------------------------------------------------------------------ errors


@pytest.mark.parametrize("value", [0, -5, 1.5, True, "80"])
def test_bad_line_length(models, value):
    with pytest.raises(ValueError, match=r"invalid value for `line_length`, expected a "
                                         r"positive integer.*Received: line_length="):
        format_summary(models[0]["seq"], line_length=value)


@pytest.mark.parametrize("value", [[0.5, 1.0], [0.3, 0.6, 0.8, 1.0], [0.5, -0.1, 1.0],
                                   "0.3,0.6,1", [0.3, "a", 1.0], [0.3, True, 1.0]])
def test_bad_positions(models, value):
    with pytest.raises(ValueError, match=r"invalid value for `positions`, expected 3 positive "
                                         r"numbers.*'Param #'.*Received: positions=.*Pass e\.g\."):
        format_summary(models[0]["seq"], positions=value)


def test_positions_count_follows_the_layout(models):
    with pytest.raises(ValueError, match=r"expected 4 positive numbers.*'Connected to'"):
        format_summary(models[0]["graph"], positions=[0.3, 0.6, 1.0])
    # show_trainable adds its own stop, as Keras.
    format_summary(models[0]["graph"], positions=[0.3, 0.5, 0.7, 1.0], show_trainable=True)


def test_bad_absolute_positions(models):
    with pytest.raises(ValueError, match=r"absolute positions .* must all be whole numbers"
                                         r".*Received: positions=\[30, 60.5, 88\]"):
        format_summary(models[0]["seq"], positions=[30, 60.5, 88])
    with pytest.raises(ValueError, match=r"last absolute position \(88\) is beyond the line"
                                         r".*line_length=80.*at least 88"):
        format_summary(models[0]["seq"], positions=[30, 60, 88], line_length=80)


@pytest.mark.parametrize("kwargs", [dict(line_length=10), dict(positions=[0.5, 0.51, 1.0]),
                                    dict(line_length=30, positions=[0.5, 0.52, 1.0],
                                         show_trainable=True)])
def test_too_narrow_columns_are_refused_as_keras(models, kwargs):
    message = "Insufficient console width to print summary"
    with pytest.raises(ValueError, match=message):
        models[1]["seq"].summary(print_fn=lambda s: None, **kwargs)
    with pytest.raises(ValueError, match=message + r": column \d of \d would be \d "
                                         r"characters wide, expected at least 4.*larger"):
        format_summary(models[0]["seq"], **kwargs)


def test_absolute_stops_too_close_for_the_trainable_column(models):
    with pytest.raises(ValueError, match=r"column 4 of 4 would be 2 characters wide"):
        format_summary(models[0]["seq"], positions=[30, 60, 88], line_length=90,
                       show_trainable=True)


@pytest.mark.parametrize("name", ["expand_nested", "show_trainable"])
@pytest.mark.parametrize("value", ["yes", 1, None])
def test_bad_flags(models, name, value):
    with pytest.raises(ValueError, match=rf"invalid value for `{name}`, expected True or "
                                         rf"False. Received: {name}="):
        format_summary(models[0]["seq"], **{name: value})


@pytest.mark.parametrize("value, keras_message, ours", [
    (["d1"], "layer_range must be a list or tuple of length 2", r"of length 1\. Pass e\.g\."),
    (["d1", "drop", "frozen"], "layer_range must be a list or tuple of length 2",
     r"Received: layer_range=\['d1', 'drop', 'frozen'\] of length 3"),
    ([1, 2], "layer_range should contain string type only", r"Received: layer_range=\[1, 2\]"),
    (["d1", "nope"], "Passed layer_names do not match the layer names in the model",
     r"no layer name starts with 'nope'.*Existing layers are: \['d1', "),
    (["dl", "drop"], "Passed layer_names do not match the layer names in the model",
     r"Did you mean 'd1'\?"),
])
def test_bad_layer_range_as_keras(models, value, keras_message, ours):
    with pytest.raises(ValueError, match=keras_message):
        models[1]["seq"].summary(print_fn=lambda s: None, layer_range=value)
    with pytest.raises(ValueError, match=keras_message + ".*" + ours):
        format_summary(models[0]["seq"], layer_range=value)


def test_layer_range_must_be_a_pair_not_a_string(models):
    # Keras takes a two-letter string as two one-letter patterns; we refuse it.
    with pytest.raises(ValueError, match=r"list or tuple of length 2.*Received: "
                                         r"layer_range='dd'\. Pass e\.g\."):
        format_summary(models[0]["seq"], layer_range="dd")


def test_layer_range_with_an_invalid_regular_expression(models):
    with pytest.raises(ValueError, match=r"invalid regular expression '\('.*Pass plain layer "
                                         r"names"):
        format_summary(models[0]["seq"], layer_range=["(", "drop"])
