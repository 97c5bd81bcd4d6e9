"""What fine-tuning a frozen pretrained base costs per epoch (issue 19).

Keras's transfer-learning recipe (a base model nested in a new model, most of its layers
frozen, a new head) must cost no more per epoch than Keras's own fit. The pieces that
decide it, each pinned here on a small nested base of the applications' shape
(convolutions, BatchNormalization, a depthwise convolution):

* the train program compiles once: epochs after the first compile nothing;
* frozen weights get no gradient work: the train program holds the forward
  convolutions plus the kernel gradient of the trainable ones, nothing for the frozen
  prefix (and frozen BatchNormalization runs in inference mode, its statistics kept);
* convolutions on the CPU train one step per compiled call (``lax.scan`` slows a
  convolution's kernel gradient ~20x on XLA:CPU), also when they sit in a nested model;
* the weights after two epochs equal Keras's (same recipe, same initial weights).
"""

import logging

import jax
import numpy as np

import kerasish
from kerasish.engine import adapters, steps
from kerasish.models import host


def _fine_tune_model(lib, freeze=True):
    lib.utils.set_random_seed(0)
    inputs = lib.Input((12, 12, 3))
    x = lib.layers.Conv2D(4, 3, name="stem")(inputs)
    x = lib.layers.BatchNormalization(name="stem_bn")(x)
    x = lib.layers.ReLU(6.0)(x)
    x = lib.layers.DepthwiseConv2D(3, name="dw")(x)
    x = lib.layers.BatchNormalization(name="dw_bn")(x)
    x = lib.layers.Conv2D(5, 1, name="project")(x)
    base = lib.Model(inputs, x, name="base")
    if freeze:  # Keras's recipe: the base trainable, all but its last layer frozen
        base.trainable = True
        for layer in base.layers[:-1]:
            layer.trainable = False
    outer_in = lib.Input((12, 12, 3))
    y = lib.layers.GlobalAveragePooling2D()(base(outer_in))
    model = lib.Model(outer_in, lib.layers.Dense(3, activation="softmax", name="head")(y))
    model.compile(optimizer=lib.optimizers.Adam(1e-2),
                  loss="sparse_categorical_crossentropy")
    return model


def _data(n=24):
    rng = np.random.default_rng(0)
    return (rng.uniform(-1, 1, (n, 12, 12, 3)).astype("float32"),
            rng.integers(0, 3, n))


def test_nested_convolutions_train_one_step_per_call_on_cpu():
    model = _fine_tune_model(kerasish)
    x, y = _data()
    train = adapters.make_adapter(
        x, y, None, spec_for=model._data_spec, batch_size=8, steps=None, shuffle=False,
        class_weight=None, seed=0, what="fit", dist=None, exact=lambda: False)
    assert host.conv_on_cpu(model) == (jax.default_backend() == "cpu")
    expected = 1 if jax.default_backend() == "cpu" else train.num_batches
    assert host.chunk_size(model, train, per_batch=False) == expected


def test_fine_tuning_compiles_once(caplog):
    model = _fine_tune_model(kerasish)
    x, y = _data(20)  # a short last batch: padded, the same program
    compiles = []

    def count(epoch, logs):
        compiles.append(sum("Finished XLA compilation" in r.getMessage()
                            for r in caplog.records))
        caplog.clear()

    cb = kerasish.callbacks.LambdaCallback(on_epoch_end=count)
    with caplog.at_level(logging.DEBUG), jax.log_compiles(True):
        model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[cb])
    assert compiles[0] > 0  # the capture works: the first epoch compiles the step
    assert compiles[1:] == [0, 0], compiles


def _train_convolutions(model, x, y):
    """The convolutions in the lowered train program of one fit step."""
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    programs = model._programs[1]
    train = adapters.make_adapter(
        x, y, None, spec_for=model._data_spec, batch_size=8, steps=None, shuffle=False,
        class_weight=None, seed=0, what="fit", dist=None, exact=lambda: False)
    chunk = next(train.epoch(1))
    ts = host.Host(model).train_state(programs)
    program = jax.jit(steps.make_train_chunk(programs.pieces), static_argnums=(5, 6))
    text = program.lower(ts, chunk.data, chunk.idx, chunk.mask, np.int32(0), 1,
                         False).as_text()
    return text.count("stablehlo.convolution")


def test_frozen_layers_get_no_gradient_work():
    x, y = _data()
    # Frozen stem and depthwise: their 2 forward convolutions, then `project`'s
    # forward and kernel gradient. Its input gradient is not needed: nothing before
    # it trains.
    assert _train_convolutions(_fine_tune_model(kerasish), x, y) == 4
    # All trainable: 3 forward, 3 kernel gradients, 2 input gradients.
    assert _train_convolutions(_fine_tune_model(kerasish, freeze=False), x, y) == 8


def test_frozen_batch_normalization_keeps_its_statistics():
    model = _fine_tune_model(kerasish)
    base = model.layers[1]
    before = {layer.name: [np.array(w) for w in layer.get_weights()] for layer in base.layers}
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    for layer in base.layers[:-1]:  # frozen: weights and moving statistics unchanged
        for a, b in zip(before[layer.name], layer.get_weights()):
            np.testing.assert_array_equal(a, b)
    assert not np.allclose(before["project"][0], base.get_layer("project").get_weights()[0])


def test_fine_tuning_weights_equal_keras(keras):
    ours, theirs = _fine_tune_model(kerasish), _fine_tune_model(keras)
    ours.set_weights(theirs.get_weights())
    x, y = _data(20)
    h1 = ours.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    h2 = theirs.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5, atol=1e-6)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
