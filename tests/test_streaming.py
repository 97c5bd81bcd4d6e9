"""Data fed batch by batch: PyDataset, generators, and arrays above the device budget
give the same training as in-memory arrays, one compiled step for all batches, and a bad
batch loses nothing that was already trained."""

import jax
import numpy as np
import pytest

import kerasish
from kerasish.engine import adapters as streaming
from kerasish.layers import Dense


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 5)).astype("float32")
    y = (x[:, 0] - x[:, 2] > 0).astype("float32")
    return x, y


class Batches(kerasish.utils.PyDataset):
    def __init__(self, x, y, batch_size, bad_batch=None):
        super().__init__()
        self.x, self.y, self.batch_size, self.bad_batch = x, y, batch_size, bad_batch

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        x = self.x[s].copy()
        if i == self.bad_batch:
            x[0, 0] = np.nan
        return x, self.y[s]


def model(seed=0):
    kerasish.utils.set_random_seed(seed)
    m = kerasish.Sequential([kerasish.Input((5,)), Dense(6, activation="relu"),
                             Dense(1, activation="sigmoid")])
    m.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return m


def assert_same_weights(a, b, rtol=1e-6):
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=rtol, atol=1e-7)


def test_pydataset_trains_like_arrays(data):
    x, y = data
    in_memory, streamed = model(), model()
    h1 = in_memory.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h2 = streamed.fit(Batches(x, y, 16), epochs=3, verbose=0)
    assert list(h1.history) == list(h2.history)
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=1e-5)
    assert_same_weights(in_memory, streamed)
    assert int(streamed.optimizer.iterations) == 15
    np.testing.assert_allclose(streamed.predict(Batches(x, y, 16), verbose=0),
                               streamed.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(streamed.evaluate(Batches(x, y, 16), verbose=0),
                               in_memory.evaluate(x, y, verbose=0), rtol=1e-5)


def test_one_program_for_every_batch_size(data):
    x, y = data
    m = model()
    traces = []
    original = m.call
    m.call = lambda *a, **k: (traces.append(1) if any(
        isinstance(t, jax.core.Tracer) for t in jax.tree_util.tree_leaves(a)) else None,
        original(*a, **k))[1]
    m.fit(Batches(x, y, 16), epochs=2, verbose=0)  # 16, 16, 16, 16, 6 rows
    assert len(traces) == 2  # the step, and one abstract trace that looks for add_loss


def test_generator_with_steps_per_epoch(data):
    x, y = data

    def forever():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]

    m = model()
    h = m.fit(forever(), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 3 and int(m.optimizer.iterations) == 12
    exhausted = model()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        exhausted.fit(iter([(x[:16], y[:16])]), epochs=2, verbose=0)


def test_bad_batch_keeps_the_steps_before_it(data):
    x, y = data
    reference = model()
    reference.fit(Batches(x[:32], y[:32], 16), epochs=1, verbose=0)  # the two good batches
    m = model()
    with pytest.raises(ValueError, match="non-finite"):
        m.fit(Batches(x, y, 16, bad_batch=2), epochs=1, verbose=0)
    assert_same_weights(reference, m, rtol=0)
    assert int(m.optimizer.iterations) == 2


@pytest.mark.slow
def test_arrays_above_the_device_budget_are_streamed(data, monkeypatch):
    x, y = data
    in_memory = model()
    h1 = in_memory.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
                       validation_split=0.2)
    monkeypatch.setattr(streaming, "DEVICE_DATA_BYTES", 100)
    calls = []
    original = streaming.StreamAdapter.epoch
    monkeypatch.setattr(streaming.StreamAdapter, "epoch",
                        lambda self, *a, **k: (calls.append(1), original(self, *a, **k))[1])
    streamed = model()
    h2 = streamed.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
                      validation_split=0.2)
    assert len(calls) == 4  # two epochs of training and of validation, batch by batch
    assert list(h1.history) == list(h2.history)
    for key in h1.history:
        np.testing.assert_allclose(h2.history[key], h1.history[key], rtol=1e-5)
    assert_same_weights(in_memory, streamed)
    np.testing.assert_allclose(streamed.evaluate(x, y, verbose=0),
                               in_memory.evaluate(x, y, verbose=0), rtol=1e-5)


def test_pydataset_as_validation_data(data):
    x, y = data
    a, b = model(), model()
    h1 = a.fit(x[:50], y[:50], epochs=2, shuffle=False, verbose=0, validation_data=(x[50:], y[50:]))
    h2 = b.fit(x[:50], y[:50], epochs=2, shuffle=False, verbose=0,
               validation_data=Batches(x[50:], y[50:], 32))
    np.testing.assert_allclose(h2.history["val_loss"], h1.history["val_loss"], rtol=1e-5)


def test_stream_errors(data):
    x, y = data
    m = model()
    with pytest.raises(ValueError, match="must not be passed"):
        m.fit(Batches(x, y, 16), y, verbose=0)
    with pytest.raises(ValueError, match="never longer"):
        class Growing(Batches):
            def __getitem__(self, i):
                n = 8 if i == 0 else 16
                return self.x[:n], self.y[:n]

        m.fit(Growing(x, y, 16), epochs=1, verbose=0)
