"""``utils.plot_model`` / ``utils.model_to_dot`` (pydot, from the test extra): the
graph's nodes and edges are the model's layers and connections, the labels show what
was asked, and each missing tool gets its own clear message."""

import pathlib
import re
import shutil
import sys

import pytest

import kerasish
from kerasish import layers, utils

pydot = pytest.importorskip("pydot")


def _branching():
    x = kerasish.Input((8,), name="x")
    a = layers.Dense(4, activation="relu", name="a")(x)
    b = layers.Dense(4, name="b")(x)
    return kerasish.Model(x, layers.Add(name="add")([a, b]), name="branching")


def _names(dot):
    """{node id: layer name} from the labels."""
    return {n.get_name(): re.search(r"<b>([^<]+)</b>", n.get("label")).group(1)
            for n in dot.get_nodes() if n.get("label")}


def test_nodes_and_edges_are_the_layers_and_their_connections():
    dot = utils.model_to_dot(_branching(), show_layer_names=True)
    names = _names(dot)
    assert sorted(names.values()) == ["a", "add", "b", "x"]
    edges = sorted((names[e.get_source()], names[e.get_destination()]) for e in dot.get_edges())
    assert edges == [("a", "add"), ("b", "add"), ("x", "a"), ("x", "b")]
    assert dot.get("rankdir") == "TB"


def test_labels_show_what_is_asked():
    model = _branching()
    plain = utils.model_to_dot(model).to_string()
    assert "Output shape" not in plain and "Activation" not in plain
    full = utils.model_to_dot(model, show_shapes=True, show_dtype=True,
                              show_layer_activations=True, show_trainable=True,
                              rankdir="LR", dpi=96).to_string()
    assert "Input shape: <b>[(None, 4), (None, 4)]</b>" in full  # Add's two inputs
    assert "Output shape: <b>(None, 4)</b>" in full
    assert "Output dtype: <b>float32</b>" in full
    assert "Activation: <b>relu</b>" in full and "Trainable: <b>T</b>" in full
    assert "rankdir=LR" in full and "dpi=96" in full


def test_sequential_and_nested_models():
    inner = kerasish.Sequential([kerasish.Input((8,)), layers.Dense(3, name="i1"),
                                 layers.Dense(2, name="i2")], name="inner")
    x = kerasish.Input((8,), name="x")
    model = kerasish.Model(x, layers.Dense(1, name="top")(inner(x)))
    flat = _names(utils.model_to_dot(model, show_layer_names=True))
    assert sorted(flat.values()) == ["inner", "top", "x"]
    nested = utils.model_to_dot(model, show_layer_names=True, expand_nested=True,
                                show_shapes=True)
    (cluster,) = nested.get_subgraphs()
    assert cluster.get("label") == "inner"
    assert sorted(_names(cluster).values()) == ["i1", "i2"]
    assert "Output shape: <b>(None, 2)</b>" in cluster.to_string()
    assert isinstance(utils.model_to_dot(inner, subgraph=True), pydot.Cluster)


def test_plot_model_writes_dot_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")  # no `dot` program: a .dot file needs none
    utils.plot_model(_branching(), to_file=tmp_path / "m.dot", show_shapes=True)
    text = (tmp_path / "m.dot").read_text()
    assert text.startswith("digraph") and "Output shape" in text
    with pytest.raises(ImportError, match="install graphviz"):
        utils.plot_model(_branching(), to_file=tmp_path / "m.png")
    assert not (tmp_path / "m.png").exists()


def test_plot_model_writes_an_image_with_graphviz_or_says_what_is_missing(tmp_path):
    path = tmp_path / "model.png"
    if shutil.which("dot"):
        utils.plot_model(_branching(), to_file=path, show_shapes=True, expand_nested=True)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        with pytest.raises(ImportError, match="install graphviz"):
            utils.plot_model(_branching(), to_file=path)


def test_bad_input_is_refused_clearly(monkeypatch):
    with pytest.raises(ValueError, match="rankdir"):
        utils.model_to_dot(_branching(), rankdir="BT")
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        utils.plot_model(_branching(), to_file="m.dot", show_shape=True)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        utils.model_to_dot(_branching(), colour="red")
    with pytest.raises(ValueError, match="not yet been built"):
        utils.model_to_dot(kerasish.Sequential([layers.Dense(1)]))
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="pip install pydot"):
        utils.model_to_dot(_branching())


def test_to_file_may_be_a_path_object(tmp_path):
    utils.plot_model(_branching(), to_file=pathlib.Path(tmp_path) / "m.gv")
    assert (tmp_path / "m.gv").read_text().startswith("digraph")
