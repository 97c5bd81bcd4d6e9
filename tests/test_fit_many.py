"""``kerasish.many.fit_many`` against the loop it replaces: every model it trains must
equal the same model trained alone by ``fit`` (same seed, same data order) — weights
and optimizer state within 1e-5 after 5 epochs, the same History — for a grid over
learning rate x L2 factor, for seeds, for folds, for loss weights; one compiled train
program per structural group; clear errors before any training."""

import jax
import numpy as np
import pytest

import kerasish
from kerasish.engine.many import fold_rows
from kerasish.layers import Dense, Dropout
from kerasish.many import fit_many, results_table

EPOCHS = 5
TOL = 1e-5


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(52, 6)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    return x, y


def mlp(hp):
    """A tiny binary classifier whose learning rate, L2 factor and dropout come from hp."""
    layers = [kerasish.Input((6,)),
              Dense(hp.get("units", 5), activation="relu",
                    kernel_regularizer=kerasish.regularizers.L2(hp.get("l2", 0.0)))]
    if "rate" in hp:
        layers.append(Dropout(hp["rate"]))
    layers.append(Dense(1, activation="sigmoid"))
    model = kerasish.Sequential(layers)
    model.compile(loss="binary_crossentropy",
                  optimizer=kerasish.optimizers.Adam(hp.get("lr", 1e-2)),
                  metrics=["accuracy"])
    return model


def assert_same(alone, many, history_alone, history_many):
    for a, b in zip(alone.get_weights(), many.get_weights()):
        np.testing.assert_allclose(b, a, atol=TOL, rtol=0)
    for a, b in zip(alone.optimizer.variables, many.optimizer.variables):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), atol=TOL, rtol=0)
    assert int(many.optimizer.iterations) == int(alone.optimizer.iterations)
    assert sorted(history_many.history) == sorted(history_alone.history)
    for name, values in history_alone.history.items():
        np.testing.assert_allclose(history_many.history[name], values, atol=TOL, rtol=0)


def test_grid_of_learning_rate_and_l2_equals_fit(data):
    x, y = data
    grid = [dict(lr=lr, l2=l2) for lr in (1e-2, 1e-1) for l2 in (0.0, 1e-2)]
    kerasish.utils.set_random_seed(11)
    results = fit_many(mlp, x, y, grid=grid, epochs=EPOCHS, batch_size=16, verbose=0)
    # The loop fit_many replaces: the same draws from the global stream (shuffles too).
    kerasish.utils.set_random_seed(11)
    for hp, (model, history) in zip(grid, results):
        alone = mlp(hp)
        h = alone.fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0)
        assert_same(alone, model, h, history)
        assert history.hp == hp


def test_seeds_with_dropout_equal_fit(data):
    x, y = data
    hp = dict(rate=0.3)
    results = fit_many(mlp, x, y, grid=[hp], seeds=[0, 1], epochs=EPOCHS, batch_size=16,
                       shuffle=False, verbose=0)
    firsts = []
    for seed, (model, history) in zip([0, 1], results):
        kerasish.utils.set_random_seed(seed)
        alone = mlp(hp)
        firsts.append(alone.get_weights()[0])
        h = alone.fit(x, y, epochs=EPOCHS, batch_size=16, shuffle=False, verbose=0)
        assert_same(alone, model, h, history)
        assert history.seed == seed
    assert not np.allclose(firsts[0], firsts[1])  # seeds give different initial weights


def test_dropout_rates_are_data_in_one_program(data):
    """Points that differ only in a Dropout rate (in (0, 1)) share one program; each
    model still equals its own fit (masks drawn and scaled with its own rate)."""
    x, y = data
    traces = [0]

    def build(hp):
        model = mlp(hp)
        call = model.call

        def counting_call(*args, **kwargs):
            if any(isinstance(a, jax.core.Tracer) for a in jax.tree_util.tree_leaves(args)):
                traces[0] += 1
            return call(*args, **kwargs)

        model.call = counting_call
        return model

    grid = [dict(rate=r, lr=lr) for r, lr in ((0.1, 1e-2), (0.3, 1e-2), (0.7, 5e-2))]
    val = (x[:12], y[:12])
    results = fit_many(build, x, y, grid=grid, seeds=[5], epochs=EPOCHS, batch_size=16,
                       validation_data=val, verbose=0)
    assert traces[0] == 3 + 2  # 3 structure checks, one train + one evaluation trace
    assert [m.layers[1].rate for m, _ in results] == [0.1, 0.3, 0.7]  # rates restored
    for hp, (model, history) in zip(grid, results):
        kerasish.utils.set_random_seed(5)
        alone = mlp(hp)
        h = alone.fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0, validation_data=val)
        assert_same(alone, model, h, history)


def test_blocks_of_epochs_with_a_padded_last_block_equal_fit(data, capsys):
    """verbose: blocks of about a tenth of the run (13 epochs: 7 blocks of 2, the last
    one padded with a dropped epoch); the models still equal fit, one line an epoch."""
    x, y = data
    grid = [dict(lr=1e-2), dict(lr=3e-2, l2=1e-2)]
    kerasish.utils.set_random_seed(2)
    results = fit_many(mlp, x, y, grid=grid, epochs=13, batch_size=16, verbose=1)
    lines = [line for line in capsys.readouterr().out.splitlines() if "Epoch" in line]
    assert len(lines) == 13 and lines[-1].startswith("Epoch 13/13")
    kerasish.utils.set_random_seed(2)
    for hp, (model, history) in zip(grid, results):
        alone = mlp(hp)
        h = alone.fit(x, y, epochs=13, batch_size=16, verbose=0)
        assert_same(alone, model, h, history)


def test_folds_equal_fit_on_each_fold(data):
    x, y = data  # 52 rows, 3 folds of 18/17/17, batches of 17: folds differ in steps
    results = fit_many(mlp, x, y, grid=[dict(l2=1e-2)], seeds=[3], folds=3, epochs=EPOCHS,
                       batch_size=17, verbose=0)
    assert [h.fold for _, h in results] == [0, 1, 2]
    for fold, (train_rows, held_out) in enumerate(fold_rows(len(x), 3)):
        kerasish.utils.set_random_seed(3)
        alone = mlp(dict(l2=1e-2))
        h = alone.fit(x[train_rows], y[train_rows], epochs=EPOCHS, batch_size=17, verbose=0,
                      validation_data=(x[held_out], y[held_out]))
        model, history = results[fold]
        assert_same(alone, model, h, history)
        assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_loss_weights_and_l1_factors_are_data(data):
    """A two-output functional model: loss weights and L1L2 factors vary per point."""
    x, y = data

    def build(hp):
        inputs = kerasish.Input((6,))
        hidden = Dense(4, activation="tanh", kernel_regularizer=kerasish.regularizers.L1L2(
            l1=hp["l1"], l2=hp["l2"]))(inputs)
        a = Dense(1, activation="sigmoid", name="a")(hidden)
        b = Dense(1, name="b")(hidden)
        model = kerasish.Model(inputs, [a, b])
        model.compile(loss=["binary_crossentropy", "mse"], loss_weights=[1.0, hp["w"]],
                      optimizer=kerasish.optimizers.SGD(0.1, momentum=0.9))
        return model

    grid = {"l1": [1e-2, 0.0], "l2": [0.0, 1e-2], "w": [0.5, 2.0]}
    targets = [y, x[:, 2:3]]
    results = fit_many(build, x, targets, grid=grid, seeds=[5], epochs=EPOCHS, batch_size=16,
                       validation_data=(x[:20], [y[:20], x[:20, 2:3]]), verbose=0)
    for i, (model, history) in enumerate(results):
        kerasish.utils.set_random_seed(5)
        alone = build({k: v[i] for k, v in grid.items()})
        h = alone.fit(x, targets, epochs=EPOCHS, batch_size=16, verbose=0,
                      validation_data=(x[:20], [y[:20], x[:20, 2:3]]))
        assert_same(alone, model, h, history)


def test_one_compiled_program_per_structural_group(data):
    x, y = data
    traces = [0]

    def build(hp):
        model = mlp(hp)
        call = model.call

        def counting_call(*args, **kwargs):
            if any(isinstance(a, jax.core.Tracer) for a in jax.tree_util.tree_leaves(args)):
                traces[0] += 1
            return call(*args, **kwargs)

        model.call = counting_call
        return model

    # 2 dropout rates are 2 structures; learning rates and L2 factors are data.
    grid = [dict(rate=r, lr=lr, l2=l2) for r in (0.0, 0.5)
            for lr, l2 in ((1e-2, 0.0), (1e-1, 1e-3), (1e-3, 1e-1))]
    results = fit_many(build, x, y, grid=grid, epochs=2, batch_size=16, verbose=0,
                       validation_data=(x[:10], y[:10]))
    assert len(results) == 6
    # One abstract trace per model (the structure check, no compilation), then per
    # group one train program and one evaluation program.
    assert traces[0] == 6 + 2 * 2


def test_early_stopping_per_model_equals_fit(data):
    x, y = data
    grid = [dict(lr=5.0), dict(lr=1e-2)]

    def stopper():
        return kerasish.callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                                restore_best_weights=True)

    val = (x[:20], y[:20])
    results = fit_many(mlp, x, y, grid=grid, seeds=[4], epochs=8, batch_size=16, verbose=0,
                       validation_data=val, callbacks=[stopper()])
    lengths = [len(h.history["loss"]) for _, h in results]
    assert lengths[0] < 8 and lengths[1] == 8  # the large rate stops, the other goes on
    for hp, (model, history) in zip(grid, results):
        kerasish.utils.set_random_seed(4)
        alone = mlp(hp)
        h = alone.fit(x, y, epochs=8, batch_size=16, verbose=0, validation_data=val,
                      callbacks=[stopper()])
        assert_same(alone, model, h, history)


def test_returned_models_are_ordinary_models(data, tmp_path):
    x, y = data
    results = fit_many(mlp, x, y, grid={"lr": [1e-2, 1e-1]}, epochs=2, batch_size=16,
                       validation_data=(x[:20], y[:20]), verbose=0)
    model, history = results[1]
    assert model.predict(x[:3], verbose=0).shape == (3, 1)
    logs = model.evaluate(x[:20], y[:20], batch_size=16, verbose=0, return_dict=True)
    assert abs(logs["loss"] - history.history["val_loss"][-1]) < 1e-5
    assert model.history is history
    assert int(model.optimizer.iterations) == 2 * 4
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = kerasish.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x[:3], verbose=0), model.predict(x[:3], verbose=0),
                               atol=1e-6)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)  # continues from its state
    assert int(model.optimizer.iterations) == 3 * 4
    table = results_table(results, metrics=["val_loss"])
    assert [row["lr"] for row in table] == [1e-2, 1e-1]
    assert table[1]["val_loss"] == history.history["val_loss"][-1]
    assert set(table[0]) == {"lr", "seed", "fold", "val_loss"}


# ------------------------------------------------------------------ bad input


def uncompiled(hp):
    return kerasish.Sequential([kerasish.Input((6,)), Dense(1)])


@pytest.mark.parametrize("kwargs, build, match", [
    (dict(grid={"lr": [0.1, 0.2], "l2": [0.0]}), mlp, r"same length.*'lr': 2, 'l2': 1"),
    (dict(grid={"lr": 0.1}), mlp, r"list of values.*\['lr'\]"),
    (dict(grid=[]), mlp, "no points"),
    (dict(grid="lr"), mlp, "list of dicts"),
    (dict(folds=53), mlp, r"cannot exceed the number of samples.*folds=53 for 52"),
    (dict(folds=1), mlp, "integer >= 2"),
    (dict(folds=2, validation_data="unused"), mlp, "either `folds`.*or `validation_data`"),
    (dict(seeds=[0, "1"]), mlp, "list of integers"),
    (dict(epochs=-1), mlp, "epochs"),
    (dict(callbacks=[kerasish.callbacks.TerminateOnNaN()]), mlp,
     r"unsupported callbacks: \['TerminateOnNaN'\]"),
    (dict(), uncompiled, "must return a compiled model.*model.compile"),
    (dict(), lambda hp: "model", "must return a kerasish model.*returned str"),
    (dict(), "mlp", "`build` must be a function"),
])
def test_bad_input_is_refused_before_training(data, kwargs, build, match):
    x, y = data
    with pytest.raises(ValueError, match=match):
        fit_many(build, x, y, verbose=0, **kwargs)


def test_same_model_twice_and_unsupported_models_are_refused(data):
    x, y = data
    shared = mlp({})
    with pytest.raises(ValueError, match="same model object twice"):
        fit_many(lambda hp: shared, x, y, grid={"lr": [1, 2]}, verbose=0)

    class OwnStep(kerasish.Sequential):
        def train_step(self, state, data):
            return super().train_step(state, data)

    def own_step(hp):
        model = OwnStep([kerasish.Input((6,)), Dense(1)])
        model.compile(loss="mse")
        return model

    with pytest.raises(ValueError, match="overrides train_step.*model.fit"):
        fit_many(own_step, x, y, verbose=0)

    def adds_loss(hp):
        model = kerasish.Sequential([kerasish.Input((6,)), Dense(
            1, activity_regularizer=kerasish.regularizers.L2(0.1))])
        model.compile(loss="mse")
        return model

    with pytest.raises(ValueError, match="add losses in call"):
        fit_many(adds_loss, x, y, verbose=0)
    with pytest.raises(ValueError, match="trains on arrays"):
        fit_many(mlp, iter([(x, y)]), verbose=0)


def test_verbose_prints_one_line_per_group_and_epoch(data, capsys):
    x, y = data
    fit_many(mlp, x, y, grid=[dict(lr=1e-2), dict(lr=1e-3)], epochs=2, batch_size=16,
             verbose=1)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) >= 2 and all("group 1/1" in line for line in lines[:2])
    fit_many(mlp, x, y, grid=[dict(lr=1e-2)], epochs=2, batch_size=16, verbose=0)
    assert capsys.readouterr().out == ""


def test_csv_logger_writes_a_column_per_model(data, tmp_path):
    import csv

    x, y = data
    grid = [dict(lr=5.0), dict(lr=1e-2)]
    stop = kerasish.callbacks.EarlyStopping(monitor="val_loss", patience=1)
    results = fit_many(mlp, x, y, grid=grid, seeds=[4], epochs=6, batch_size=16, verbose=0,
                       validation_data=(x[:20], y[:20]), callbacks=[
                           stop, kerasish.callbacks.CSVLogger(tmp_path / "log.csv")])
    with open(tmp_path / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:3] == ["epoch", "accuracy[0]", "accuracy[1]"]
    assert {"loss[0]", "loss[1]", "val_loss[0]", "val_loss[1]"} <= set(rows[0])
    assert [int(r["epoch"]) for r in rows] == list(range(6))
    for j, (_, history) in enumerate(results):
        for key in ("loss", "val_loss"):
            logged = [float(r[f"{key}[{j}]"]) for r in rows[:len(history.epoch)]]
            np.testing.assert_allclose(logged, history.history[key], rtol=1e-6)
    stopped = len(results[0][1].epoch)
    assert stopped < 6 and rows[stopped]["loss[0]"] == "NA"  # the stopped model's cells


def test_models_equal_their_fit_bit_for_bit_on_the_cpu():
    """The stacked models' reductions are N times one model's: XLA:CPU would sum them
    with YNNPACK (another order) where one model's ``fit`` sums them itself, and every
    model drifted by an ulp a step. The group's program keeps YNNPACK to the dots, so
    each model equals its ``fit`` exactly (8 models x (32, 25) bias gradients: 6,400
    elements stacked, 800 alone)."""
    if jax.default_backend() != "cpu":
        pytest.skip("an XLA:CPU choice")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(96, 12)).astype("float32")
    y = rng.integers(0, 4, size=96).astype("int32")

    def build(hp):
        model = kerasish.Sequential([
            kerasish.Input((12,)),
            Dense(25, activation="relu", kernel_regularizer=kerasish.regularizers.L2(hp["l2"])),
            Dense(4)])
        model.compile(loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer=kerasish.optimizers.Adam(1e-2))
        return model

    grid = [dict(l2=l2) for l2 in (0.0, 1e-4, 1e-3, 1e-2)]
    kerasish.utils.set_random_seed(4)
    results = fit_many(build, x, y, grid=grid, seeds=[0, 1], epochs=8, batch_size=32,
                       verbose=0)
    for (hp, seed), (model, history) in zip([(p, s) for p in grid for s in (0, 1)], results):
        kerasish.utils.set_random_seed(seed)
        alone = build(hp)
        h = alone.fit(x, y, epochs=8, batch_size=32, verbose=0)
        for a, b in zip(alone.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(b, a)
        # The logged loss adds the L2 penalty, a factor that is data here and a
        # constant in fit: an ulp apart at most.
        np.testing.assert_allclose(history.history["loss"], h.history["loss"], rtol=2e-7)


def test_compiler_options_follow_the_size_of_one_model():
    """Small models get the classic emitters and YNNPACK kept to the dots; a model with
    a tensor of 4,096 elements or more (here a batch of 32 x 128 units) keeps XLA's
    defaults, under which one model's step uses YNNPACK for its reductions too."""
    from kerasish.many_programs import compiler_options

    if jax.default_backend() != "cpu":
        assert compiler_options(mlp({}), 32) is None
        return
    small = compiler_options(mlp({}), 32)
    assert small["xla_backend_optimization_level"] == 1
    assert small.get("xla_cpu_experimental_ynn_fusion_type",
                     "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT") == "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT"
    assert small.get("xla_cpu_use_fusion_emitters", False) is False
    assert compiler_options(mlp(dict(units=128)), 32) == {"xla_backend_optimization_level": 1}
    assert compiler_options(mlp(dict(units=128)), 16) == small  # 2,048 elements
