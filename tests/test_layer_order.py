"""``Model(inputs, outputs).layers`` lists the layers in Keras's order: legacy ``.h5``
weight files (Keras's published application weights among them) and ``get_weights()``
are matched in that order, so it must be Keras's, for any graph."""

import numpy as np
import pytest


def _residual(lib):
    L = lib.layers
    i = lib.Input((8, 8, 3), name="img")
    a = L.Conv2D(4, 1, name="short")(i)
    b = L.Conv2D(4, 3, padding="same", name="c1")(i)
    b = L.Activation("relu", name="r1")(b)
    b = L.Conv2D(4, 3, padding="same", name="c2")(b)
    return lib.Model(i, L.Add(name="add")([a, b]))


def _two_in_two_out(lib):
    L = lib.layers
    a, b = lib.Input((3,), name="a"), lib.Input((5,), name="b")
    h = L.Concatenate(name="cat")([L.Dense(2, name="da")(a), b])
    out1 = L.Dense(1, name="o1")(h)
    out2 = L.Dense(2, name="o2")(L.Dense(3, name="deep")(h))
    return lib.Model([a, b], [out1, out2])


def _shared_and_unused(lib):
    L = lib.layers
    a, b, c = (lib.Input((4,), name=n) for n in ("a", "b", "unused"))
    shared = L.Dense(4, name="shared")
    x = L.Add(name="add")([shared(a), L.Dense(4, name="pre")(shared(b))])
    return lib.Model([a, b, c], L.Dense(1, name="head")(x))


@pytest.mark.parametrize("build", [_residual, _two_in_two_out, _shared_and_unused])
def test_layers_are_in_keras_order(keras, build):
    import kerasish

    ours, theirs = build(kerasish), build(keras)
    assert [la.name for la in ours.layers] == [la.name for la in theirs.layers]
    # get_weights follows the same order: Keras's weights load positionally.
    ours.set_weights(theirs.get_weights())
    feeds = [np.random.default_rng(0).normal(size=(2, *t.shape[1:])).astype("float32")
             for t in theirs.inputs]
    feeds = feeds[0] if len(feeds) == 1 else feeds
    got, want = ours.predict(feeds, verbose=0), theirs.predict(feeds, verbose=0)
    for g, w in zip(got if isinstance(got, list) else [got],
                    want if isinstance(want, list) else [want]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
