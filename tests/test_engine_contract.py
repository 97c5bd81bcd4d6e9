"""The engine's extension contract, run the way Keras's own guides run it, with numbers
checked against real Keras 3 where there are numbers: callbacks' logs dicts, `steps`
for every data kind, run_eagerly, callbacks of evaluate/predict, a custom `train_step`
/ `test_step` / `predict_step` (the JAX guide's form), a Model subclass built from
tensors, Keras-style metrics, and every input kind (tf.data, torch and grain stand-ins
with their exact protocol, pandas)."""

import jax
import numpy as np
import pytest

import kerasish
from kerasish.layers import Dense


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 5)).astype("float32")
    y = (x[:, 0] - x[:, 2] > 0).astype("float32").reshape(-1, 1)
    return x, y


def small(seed=0, lib=kerasish, metrics=("accuracy",)):
    lib.utils.set_random_seed(seed)
    m = lib.Sequential([lib.Input((5,)), lib.layers.Dense(4, activation="relu"),
                        lib.layers.Dense(1, activation="sigmoid")])
    m.compile(loss="binary_crossentropy", optimizer="adam", metrics=list(metrics))
    return m


def same_weights(a, b, atol=1e-6):
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, atol=atol)


# ------------------------------------------------------------------ callbacks' logs

class Recorder(kerasish.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def _rec(self, name, logs):
        assert isinstance(logs, dict), f"{name} got logs={logs!r}"
        self.calls.append((name, sorted(logs.keys())))

    def on_train_begin(self, logs=None): self._rec("train_begin", logs)
    def on_epoch_begin(self, epoch, logs=None): self._rec("epoch_begin", logs)
    def on_train_batch_begin(self, batch, logs=None): self._rec("batch_begin", logs)
    def on_train_batch_end(self, batch, logs=None): self._rec("batch_end", logs)
    def on_epoch_end(self, epoch, logs=None): self._rec("epoch_end", logs)
    def on_test_begin(self, logs=None): self._rec("test_begin", logs)
    def on_test_batch_begin(self, batch, logs=None): self._rec("test_batch_begin", logs)
    def on_test_batch_end(self, batch, logs=None): self._rec("test_batch_end", logs)
    def on_test_end(self, logs=None): self._rec("test_end", logs)
    def on_predict_begin(self, logs=None): self._rec("predict_begin", logs)
    def on_predict_batch_end(self, batch, logs=None):
        assert logs["outputs"].shape[1:] == (1,)
        self._rec("predict_batch_end", logs)
    def on_predict_end(self, logs=None): self._rec("predict_end", logs)


def test_every_hook_gets_a_logs_dict_in_fit_evaluate_and_predict(data):
    x, y = data
    model, rec = small(), Recorder()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, validation_data=(x[:10], y[:10]),
              callbacks=[rec])
    names = [c[0] for c in rec.calls]
    assert names[:3] == ["train_begin", "epoch_begin", "batch_begin"]
    assert names.count("batch_end") == 3 and names.count("test_batch_end") == 1
    assert ("epoch_end", ["accuracy", "loss", "val_accuracy", "val_loss"]) in rec.calls
    rec.calls.clear()
    model.evaluate(x, y, batch_size=32, verbose=0, callbacks=[rec])
    assert [c[0] for c in rec.calls] == ["test_begin"] + ["test_batch_begin",
                                                          "test_batch_end"] * 3 + ["test_end"]
    assert rec.calls[-1][1] == ["accuracy", "loss"]
    rec.calls.clear()
    model.predict(x, batch_size=32, verbose=0, callbacks=[rec])
    assert [c[0] for c in rec.calls] == ["predict_begin"] + ["predict_batch_end"] * 3 + [
        "predict_end"]


def test_keras_callback_that_reads_logs_keys_in_begin_hooks_runs(data):
    x, y = data
    seen = []
    cb = kerasish.callbacks.LambdaCallback(
        on_train_begin=lambda logs: seen.append(list(logs.keys())),
        on_epoch_begin=lambda epoch, logs: seen.append(list(logs.keys())))
    small().fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    assert seen == [[], [], []]


# ------------------------------------------------------------------ steps for every kind

def forever(x, y, batch):
    while True:
        for i in range(0, len(x), batch):
            yield x[i:i + batch], y[i:i + batch]


def test_steps_cut_infinite_generators_in_evaluate_predict_and_validation(data):
    x, y = data
    model = small()
    got = model.evaluate(forever(x, y, 16), steps=2, verbose=0, return_dict=True)
    want = model.evaluate(x[:32], y[:32], batch_size=16, verbose=0, return_dict=True)
    assert got == pytest.approx(want, rel=1e-6)
    assert model.predict(forever(x, y, 16), steps=3, verbose=0).shape == (48, 1)
    history = model.fit(x, y, epochs=2, verbose=0, validation_data=forever(x, y, 16),
                        validation_steps=2)
    assert len(history.history["val_loss"]) == 2
    assert model.evaluate(x, y, batch_size=16, steps=2, verbose=0) == pytest.approx(
        model.evaluate(x[:32], y[:32], batch_size=16, verbose=0))


def test_steps_are_checked():
    model = small()
    with pytest.raises(ValueError, match=r"`steps` must be an integer >= 1\. Received: steps=0"):
        model.evaluate(np.ones((4, 5)), np.ones((4, 1)), steps=0)
    with pytest.raises(ValueError, match="validation_steps.*Received: validation_steps=-1"):
        model.fit(np.ones((4, 5)), np.ones((4, 1)), validation_steps=-1)


# ------------------------------------------------------------------ eager debugging

class Spy(kerasish.layers.Layer):
    """A layer that uses numpy on its input: only possible on concrete arrays."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs):
        self.seen.append(float(np.asarray(inputs).sum()))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


@pytest.mark.parametrize("how", [{"run_eagerly": True}, {"jit_compile": False}])
def test_run_eagerly_runs_call_on_concrete_arrays_with_the_compiled_numbers(data, how):
    x, y = data
    spy = Spy()
    eager = kerasish.Sequential([kerasish.Input((5,)), spy, Dense(1, activation="sigmoid")])
    eager.compile(loss="binary_crossentropy", optimizer="sgd", **how)
    compiled = kerasish.Sequential([kerasish.Input((5,)), Dense(1, activation="sigmoid")])
    compiled.compile(loss="binary_crossentropy", optimizer="sgd")
    compiled.set_weights(eager.get_weights())
    h1 = eager.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    h2 = compiled.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    assert len(spy.seen) >= 6  # every batch of both epochs, with values
    assert np.isclose(spy.seen, x[:32].sum(), rtol=1e-5).any()
    assert np.isclose(spy.seen, x[64:].sum(), rtol=1e-5).any()  # the short last batch
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    same_weights(eager, compiled)
    assert eager.evaluate(x, y, verbose=0) == pytest.approx(compiled.evaluate(x, y, verbose=0),
                                                            rel=1e-5)
    np.testing.assert_allclose(eager.predict(x, verbose=0), compiled.predict(x, verbose=0),
                               rtol=1e-5)


def test_contradictory_eager_arguments_are_refused():
    model = kerasish.Sequential([kerasish.Input((5,)), Dense(1)])
    with pytest.raises(ValueError, match="jit_compile=True.*run_eagerly=True"):
        model.compile(loss="mse", run_eagerly=True, jit_compile=True)
    with pytest.raises(ValueError, match="jit_compile.*Received: jit_compile='yes'"):
        model.compile(loss="mse", jit_compile="yes")


# ------------------------------------------------------------------ custom steps (JAX guide)

def guide_model(lib):
    """The keras.io guide "Customizing what happens in fit() with JAX", first example."""

    class CustomModel(lib.Model):
        def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, x,
                                     y, training=False):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=training)
            loss = self.compute_loss(x, y, y_pred)
            return loss, (y_pred, non_trainable_variables)

        def train_step(self, state, data):
            (trainable_variables, non_trainable_variables, optimizer_variables,
             metrics_variables) = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True)
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables)
            new_metrics_vars, logs = [], {}
            for metric in self.metrics:
                start = len(new_metrics_vars)
                this_metric_vars = metrics_variables[start:start + len(metric.variables)]
                if metric.name == "loss":
                    this_metric_vars = metric.stateless_update_state(this_metric_vars, loss)
                else:
                    this_metric_vars = metric.stateless_update_state(this_metric_vars, y,
                                                                     y_pred)
                logs[metric.name] = metric.stateless_result(this_metric_vars)
                new_metrics_vars += this_metric_vars
            return logs, (trainable_variables, non_trainable_variables, optimizer_variables,
                          new_metrics_vars)

    inputs = lib.Input(shape=(5,))
    outputs = lib.layers.Dense(1)(lib.layers.Dense(8, activation="relu")(inputs))
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def test_custom_train_step_trains_like_keras(keras, data):
    x, y = data
    ours, theirs = guide_model(kerasish), guide_model(keras)
    assert isinstance(ours, kerasish.Model) and type(ours).__name__ == "CustomModel"
    ours.set_weights(theirs.get_weights())
    # 70 rows in batches of 32: the last batch (6 rows) is a real short batch, as in Keras.
    h_k = theirs.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    h_o = ours.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(h_o.history[key], h_k.history[key], rtol=1e-5)
    same_weights(ours, theirs, atol=1e-5)
    assert int(ours.optimizer.iterations) == 9


def test_custom_metrics_property_and_compile_without_loss(keras, data):
    """The guide's second example: its own loss tracker and metric, compile() without
    loss or metrics, `metrics` overridden so that they reset every epoch."""
    x, y = data

    def build(lib):
        class CustomModel(lib.Model):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.loss_tracker = lib.metrics.Mean(name="loss")
                self.mae_metric = lib.metrics.MeanAbsoluteError(name="mae")
                self.loss_fn = lib.losses.MeanSquaredError()

            def train_step(self, state, data):
                trainable, non_trainable, opt_vars, metric_vars = state
                x, y = data

                def loss_fn(trainable):
                    y_pred, nt = self.stateless_call(trainable, non_trainable, x,
                                                     training=True)
                    return self.loss_fn(y, y_pred), (y_pred, nt)

                (loss, (y_pred, non_trainable)), grads = jax.value_and_grad(
                    loss_fn, has_aux=True)(trainable)
                trainable, opt_vars = self.optimizer.stateless_apply(opt_vars, grads,
                                                                     trainable)
                k = len(self.loss_tracker.variables)
                tracker = self.loss_tracker.stateless_update_state(metric_vars[:k], loss)
                mae = self.mae_metric.stateless_update_state(metric_vars[k:], y, y_pred)
                logs = {"loss": self.loss_tracker.stateless_result(tracker),
                        "mae": self.mae_metric.stateless_result(mae)}
                return logs, (trainable, non_trainable, opt_vars, tracker + mae)

            @property
            def metrics(self):
                return [self.loss_tracker, self.mae_metric]

        inputs = lib.Input(shape=(5,))
        model = CustomModel(inputs, lib.layers.Dense(1)(inputs))
        model.compile(optimizer="adam")
        return model

    ours, theirs = build(kerasish), build(keras)
    ours.set_weights(theirs.get_weights())
    h_k = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h_o = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(h_o.history[key], h_k.history[key], rtol=1e-5)
    same_weights(ours, theirs, atol=1e-5)


def test_custom_test_step_and_predict_step(keras, data):
    x, y = data

    def build(lib):
        class CustomModel(lib.Model):
            def test_step(self, state, data):
                trainable, non_trainable, metric_vars = state
                x, y = data
                y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x,
                                                            training=False)
                loss = self.compute_loss(x, y, y_pred)
                new, logs = [], {}
                for metric in self.metrics:
                    vals = metric_vars[len(new):len(new) + len(metric.variables)]
                    vals = metric.stateless_update_state(vals, loss) if metric.name == "loss" \
                        else metric.stateless_update_state(vals, y, y_pred)
                    logs[metric.name] = metric.stateless_result(vals)
                    new += vals
                return logs, (trainable, non_trainable, new)

            def predict_step(self, state, data):
                trainable, non_trainable = state
                x, _, _ = lib.utils.unpack_x_y_sample_weight(data)
                y, non_trainable = self.stateless_call(trainable, non_trainable, x)
                return 2.0 * y, non_trainable

        inputs = lib.Input(shape=(5,))
        model = CustomModel(inputs, lib.layers.Dense(1)(inputs))
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        return model

    ours, theirs = build(kerasish), build(keras)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.evaluate(x, y, batch_size=16, verbose=0),
                               theirs.evaluate(x, y, batch_size=16, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(ours.predict(x, batch_size=16, verbose=0),
                               theirs.predict(x, batch_size=16, verbose=0), rtol=1e-5)


def test_functional_subclass_keeps_its_methods_and_saves(tmp_path, data):
    x, y = data

    class Doubling(kerasish.Model):
        def double(self, v):
            return 2 * v

    inputs = kerasish.Input((5,))
    model = Doubling(inputs, Dense(1)(inputs), name="doubling")
    assert isinstance(model, Doubling) and model.double(3) == 6 and model.name == "doubling"
    assert [la.name for la in model.layers][1:] == [model.layers[1].name]
    model.compile(loss="mse")
    model.fit(x, y, verbose=0)
    assert model.predict(x[:3], verbose=0).shape == (3, 1)


def test_sequential_inputs_outputs_and_output_shape(keras):
    ours = kerasish.Sequential([kerasish.Input((5,)), Dense(3), Dense(2)])
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3),
                               keras.layers.Dense(2)])
    assert ours.output_shape == theirs.output_shape == (None, 2)
    assert [tuple(t.shape) for t in ours.inputs] == [tuple(t.shape) for t in theirs.inputs]
    assert [tuple(t.shape) for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]


# ------------------------------------------------------------------ Keras-style metrics

def true_positives_metric(lib):
    """The keras.io guide's metric ("Training & evaluation with the built-in methods")."""

    class CategoricalTruePositives(lib.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp",
                                                    initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = lib.ops.reshape(lib.ops.argmax(y_pred, axis=1), (-1, 1))
            values = lib.ops.cast(y_true, "int32") == lib.ops.cast(y_pred, "int32")
            values = lib.ops.cast(values, "float32")
            if sample_weight is not None:
                values = lib.ops.multiply(values, lib.ops.cast(sample_weight, "float32"))
            self.true_positives.assign_add(lib.ops.sum(values))

        def result(self):
            # `.value`: Keras 3.15 on JAX fails to return a bare Variable from evaluate.
            return self.true_positives.value

        def reset_state(self):
            self.true_positives.assign(0.0)

    return CategoricalTruePositives()


def test_keras_style_metric_in_compile_gives_keras_numbers(keras):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(45, 6)).astype("float32")
    y = rng.integers(0, 3, size=(45, 1))

    def build(lib):
        lib.utils.set_random_seed(0)
        m = lib.Sequential([lib.Input((6,)), lib.layers.Dense(3)])
        m.compile(optimizer="sgd", metrics=[true_positives_metric(lib)],
                  loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True))
        return m

    ours, theirs = build(kerasish), build(keras)
    ours.set_weights(theirs.get_weights())
    # 45 rows, batches of 16: a short last batch, which a user's metric must see unpadded.
    want = theirs.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    got = ours.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert got == pytest.approx(want, rel=1e-5)
    h_k = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h_o = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for key in h_k.history:
        np.testing.assert_allclose(h_o.history[key], h_k.history[key], rtol=1e-5)


# ------------------------------------------------------------------ every input kind

class TFDatasetStandIn:
    """tf.data's protocol as Keras's adapter uses it: re-iterable, as_numpy_iterator()."""

    def __init__(self, x, y, batch):
        self.x, self.y, self.batch = x, y, batch

    def as_numpy_iterator(self):
        for i in range(0, len(self.x), self.batch):
            yield self.x[i:i + self.batch], self.y[i:i + self.batch]

    def __iter__(self):
        raise AssertionError("tf.data is read through as_numpy_iterator()")


class FakeTensor:
    """A torch tensor's surface for conversion: .detach().cpu().numpy()."""

    def __init__(self, array):
        self._array = array

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self._array


class DataLoaderStandIn:
    """torch.utils.data.DataLoader's protocol: len() batches, a fresh iter() each epoch,
    batches as lists of tensors."""

    def __init__(self, x, y, batch):
        self.x, self.y, self.batch = x, y, batch

    def __len__(self):
        return -(-len(self.x) // self.batch)

    def __iter__(self):
        for i in range(0, len(self.x), self.batch):
            yield [FakeTensor(self.x[i:i + self.batch]), FakeTensor(self.y[i:i + self.batch])]


class GrainStandIn:
    """A grain dataset's protocol as Keras's adapter uses it: iterable of batches."""

    def __init__(self, x, y, batch):
        self.x, self.y, self.batch = x, y, batch

    def __iter__(self):
        return ((self.x[i:i + self.batch], self.y[i:i + self.batch])
                for i in range(0, len(self.x), self.batch))


@pytest.mark.parametrize("kind", [TFDatasetStandIn, DataLoaderStandIn, GrainStandIn])
def test_dataset_kinds_train_like_arrays(data, kind):
    x, y = data
    arrays, other = small(), small()
    h1 = arrays.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h2 = other.fit(kind(x, y, 16), epochs=2, verbose=0)
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=1e-5)
    same_weights(arrays, other)
    assert other.evaluate(kind(x, y, 16), verbose=0) == pytest.approx(
        arrays.evaluate(x, y, batch_size=16, verbose=0), rel=1e-5)
    np.testing.assert_allclose(other.predict(kind(x, y, 16), verbose=0),
                               arrays.predict(x, verbose=0), rtol=1e-5)


@pytest.mark.parametrize("kind", [TFDatasetStandIn, DataLoaderStandIn, GrainStandIn])
def test_bad_batch_in_a_dataset_is_refused_and_keeps_completed_steps(data, kind):
    x, y = data
    bad = x.copy()
    bad[40, 1] = np.nan  # in the third batch of 16
    model, reference = small(), small()
    reference.fit(x[:32], y[:32], batch_size=16, epochs=1, shuffle=False, verbose=0)
    with pytest.raises(ValueError, match="non-finite"):
        model.fit(kind(bad, y, 16), epochs=1, verbose=0)
    same_weights(model, reference, atol=0)
    assert int(model.optimizer.iterations) == 2


def test_pandas_frames_train_like_arrays(data):
    pd = pytest.importorskip("pandas")  # the test extra installs it
    x, y = data
    frame = pd.DataFrame(x, columns=list("abcde"))
    arrays, frames = small(), small()
    h1 = arrays.fit(x, y, epochs=2, shuffle=False, verbose=0)
    h2 = frames.fit(frame, pd.Series(y[:, 0]), epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=1e-6)
    frame["f"] = ["text"] * len(frame)
    before = frames.get_weights()
    with pytest.raises(TypeError, match=r"non-numeric columns \['f'\]"):
        frames.fit(frame, y, verbose=0)
    same_weights(frames, type("M", (), {"get_weights": lambda self: before})(), atol=0)


def test_pydataset_refuses_worker_arguments_it_cannot_honour():
    with pytest.raises(ValueError, match="workers.*use_multiprocessing"):
        kerasish.utils.PyDataset(workers=4)


def test_unpack_x_y_sample_weight_is_kerass():
    unpack = kerasish.utils.unpack_x_y_sample_weight
    assert unpack((1, 2)) == (1, 2, None) and unpack((1,)) == (1, None, None)
    assert unpack([1, 2, 3]) == (1, 2, 3) and unpack(5) == (5, None, None)
    pack = kerasish.utils.pack_x_y_sample_weight
    assert pack(1, 2) == (1, 2)
    # Inputs alone come back unchanged; a tuple or list of them is wrapped (Keras 3).
    assert pack(1) == 1 and pack((1, 2)) == ((1, 2),) and pack([1, 2]) == ([1, 2],)
    with pytest.raises(ValueError, match="format `x`"):
        unpack((1, 2, 3, 4))


# ------------------------------------------------------------------ add_loss and masks

def endpoint_model(lib):
    """The keras.io "Endpoint layer pattern": the loss is added by a layer, compile()
    gets no loss, the data is a dict of inputs with no targets."""

    class LogisticEndpoint(lib.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = lib.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            self.add_loss(self.loss_fn(targets, logits, sample_weights))
            return lib.ops.sigmoid(logits)

    inputs = lib.Input(shape=(3,), name="inputs")
    targets = lib.Input(shape=(10,), name="targets")
    logits = lib.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    model = lib.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")
    return model


def test_add_loss_endpoint_pattern_trains_like_keras(keras):
    rng = np.random.default_rng(2)
    data = {"inputs": rng.random((64, 3)).astype("float32"),
            "targets": rng.random((64, 10)).astype("float32")}
    ours, theirs = endpoint_model(kerasish), endpoint_model(keras)
    ours.set_weights(theirs.get_weights())
    h_k = theirs.fit(data, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h_o = ours.fit(data, batch_size=16, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_o.history["loss"], h_k.history["loss"], rtol=1e-5)
    same_weights(ours, theirs, atol=1e-5)


def test_add_loss_is_added_to_the_compiled_loss(keras, data):
    x, y = data

    def build(lib):
        class Penalised(lib.layers.Layer):
            def call(self, inputs):
                self.add_loss(0.1 * lib.ops.mean(lib.ops.square(inputs)))
                return inputs

        lib.utils.set_random_seed(0)
        m = lib.Sequential([lib.Input((5,)), lib.layers.Dense(4), Penalised(),
                            lib.layers.Dense(1, activation="sigmoid")])
        m.compile(loss="binary_crossentropy", optimizer="sgd")
        return m

    ours, theirs = build(kerasish), build(keras)
    ours.set_weights(theirs.get_weights())
    # 70 rows in batches of 16: the added loss of the short last batch is over its 6 real
    # rows, as in Keras (a model that adds losses gets unpadded batches).
    assert ours.evaluate(x, y, batch_size=16, verbose=0) == pytest.approx(
        theirs.evaluate(x, y, batch_size=16, verbose=0), rel=1e-5)
    h_k = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h_o = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_o.history["loss"], h_k.history["loss"], rtol=1e-5)


def test_output_mask_reaches_the_loss_and_the_metrics(keras):
    """Embedding(mask_zero=True) -> a per-step output: padded steps leave the loss and
    the metrics, as in Keras."""
    rng = np.random.default_rng(3)
    tokens = rng.integers(1, 9, size=(20, 6))
    tokens[:, 4:] = 0  # padding
    tokens[::3, 2:] = 0
    y = rng.random((20, 6, 2)).astype("float32")

    def build(lib):
        lib.utils.set_random_seed(0)
        m = lib.Sequential([lib.Input((6,), dtype="int32"),
                            lib.layers.Embedding(10, 4, mask_zero=True),
                            lib.layers.Dense(2)])
        m.compile(loss="mse", optimizer="sgd", metrics=["mae"])
        return m

    ours, theirs = build(kerasish), build(keras)
    ours.set_weights(theirs.get_weights())
    want = theirs.evaluate(tokens, y, batch_size=8, verbose=0, return_dict=True)
    got = ours.evaluate(tokens, y, batch_size=8, verbose=0, return_dict=True)
    assert got == pytest.approx(want, rel=1e-5)
    # One full batch: the training loss and update are Keras's. Keras 3 on JAX loses the
    # mask before its *training* metrics (its evaluate keeps it); kerasish masks both
    # the same way, so the training mae is checked against numpy instead.
    mask = tokens != 0
    before = np.abs(y - ours.predict(tokens, verbose=0)).mean(-1)
    h_k = theirs.fit(tokens, y, batch_size=20, epochs=1, shuffle=False, verbose=0)
    h_o = ours.fit(tokens, y, batch_size=20, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_o.history["loss"], h_k.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(h_o.history["mae"], (before * mask).sum() / mask.sum(),
                               rtol=1e-5)
    same_weights(ours, theirs, atol=1e-6)


def test_weight_constraints_apply_after_every_step_like_keras(keras, data):
    x, y = data

    def build(lib):
        lib.utils.set_random_seed(0)
        m = lib.Sequential([lib.Input((5,)),
                            lib.layers.Dense(4, kernel_constraint=lib.constraints.MaxNorm(0.3),
                                             bias_constraint=lib.constraints.NonNeg()),
                            lib.layers.Dense(1, activation="sigmoid")])
        m.compile(loss="binary_crossentropy", optimizer=lib.optimizers.SGD(0.5))
        return m

    ours, theirs = build(kerasish), build(keras)
    ours.set_weights(theirs.get_weights())
    h_k = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h_o = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_o.history["loss"], h_k.history["loss"], rtol=1e-5)
    same_weights(ours, theirs, atol=1e-5)
    kernel = ours.layers[0].get_weights()[0]
    assert np.sqrt((kernel ** 2).sum(axis=0)).max() <= 0.3 + 1e-6
    assert ours.layers[0].get_config()["kernel_constraint"]["class_name"] == "MaxNorm"


def test_overridden_compute_loss_is_used_by_the_default_steps(data):
    """Keras's default train_step goes through stateless_compute_loss -> compute_loss:
    overriding compute_loss (with x and training) changes training, as in Keras."""
    x, y = data
    seen = []

    class Doubled(kerasish.Model):
        def train_step(self, state, data):  # the default step, via super()
            return super().train_step(state, data)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         training=True):
            seen.append((x.shape, training))
            return 2.0 * super().compute_loss(x, y, y_pred, sample_weight, training)

    inputs = kerasish.Input((5,))
    model = Doubled(inputs, Dense(1, activation="sigmoid")(inputs))
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    plain = kerasish.Model(inputs, model.layers[-1].output)  # the same layer and weights
    plain.compile(loss="binary_crossentropy", optimizer="sgd")
    before = plain.evaluate(x, y, batch_size=70, verbose=0)
    history = model.fit(x, y, batch_size=70, epochs=1, shuffle=False, verbose=0)
    assert ((70, 5), True) in seen  # (after one abstract trace that learns the logs)
    # One batch: the logged loss is the (doubled) loss at the weights before the step.
    assert history.history["loss"][0] == pytest.approx(2.0 * before, rel=1e-5)
