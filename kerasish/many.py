"""``fit_many``: a grid of models, seeds and cross-validation folds, trained together.

``build(hp)`` returns a compiled model for one grid point ``hp`` (a dict of Python
values). Every point x seed x fold becomes one model; models that share their structure
(layer types and weight shapes, loss and optimizer kinds with their static options, the
same forward computation) form a *group* and train as one compiled program: ``jax.vmap``
over their stacked training states inside the engine's own fused epoch. What differs
between the models of a group is data, not constants: weights (seeds), learning rates,
L1/L2 factors of weight regularizers, loss weights, ``Dropout`` rates in (0, 1) and
the rows each model reads (its shuffle and its fold). Each model ends as an ordinary
kerasish model (weights and optimizer state committed: ``predict``, ``evaluate``,
``save`` and a further ``fit`` work) with a ``History`` of its own.

Each returned model equals the model a plain loop would train::

    for hp in points:                 # grid order
        for seed in seeds:            # if seeds are given
            for fold in range(folds):  # if folds are given
                kerasish.utils.set_random_seed(seed)  # if seeds are given
                model = build(hp)
                model.fit(x_train_rows, y_train_rows, batch_size=batch_size,
                          epochs=epochs, shuffle=shuffle,
                          validation_data=held_out_rows or validation_data)

(same initial weights, same shuffles, same steps), up to the last bit of the sums that
the batched program adds up in another order (see ``docs/fit_many.md``); the results
come back in that order.

>>> import numpy as np, kerasish
>>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
>>> y = (x[:, :1] > 0).astype("float32")
>>> def build(hp):
...     model = kerasish.Sequential([
...         kerasish.Input((4,)),
...         kerasish.layers.Dense(8, activation="relu",
...                               kernel_regularizer=kerasish.regularizers.L2(hp["l2"])),
...         kerasish.layers.Dense(1, activation="sigmoid")])
...     model.compile(loss="binary_crossentropy", optimizer="adam")
...     return model
>>> results = fit_many(build, x, y, grid={"l2": [0.0, 1e-3, 1e-2]}, folds=2, epochs=3,
...                    verbose=0)
>>> len(results)  # 3 points x 2 folds, point-major
6
>>> model, history = results[0]
>>> sorted(history.history), len(history.history["loss"])
(['loss', 'val_loss'], 3)
>>> model.predict(x[:2], verbose=0).shape
(2, 1)
>>> [row["l2"] for row in results_table(results)][:3]
[0.0, 0.0, 0.001]
"""

import copy
import time

import jax
import numpy as np

from kerasish import callbacks as callbacks_module
from kerasish import diagnostics, random
from kerasish import distribution as distribution_module
from kerasish import utils as utils_module
from kerasish.engine import adapters, many as many_engine, steps
from kerasish.layers.base import assign_tree
from kerasish.many_groups import _group, _rule, _tree
from kerasish.many_programs import build_run, keep_probs
from kerasish.models import host as host_module
from kerasish.models.model import Model
from kerasish.utils.validation import check_int, check_verbose

_SUPPORTED_CALLBACKS = (callbacks_module.History, callbacks_module.EarlyStopping,
                        callbacks_module.CSVLogger)


class _Run:
    """One model of the grid and what ``fit`` would have drawn for it."""

    def __init__(self, point, seed, fold, model, shuffle_seed, key):
        self.point, self.seed, self.fold, self.model = point, seed, fold, model
        self.shuffle_seed = shuffle_seed  # fit's ArrayAdapter seed: epoch e shuffles with
        self.key = key                    # (seed, e); fit's TrainState key, folded with e
        self.history = None
        self.hooks = None
        self.active = True


# ------------------------------------------------------------------ the public function

def fit_many(build, x, y=None, *, grid=None, seeds=None, folds=None, validation_data=None,
             epochs=1, batch_size=None, shuffle=True, callbacks=None, verbose="auto"):
    """Train one model per grid point x seed x fold, structural groups as one program.

    Args:
        build: ``build(hp) -> model``, a compiled kerasish model for the grid point
            ``hp`` (a dict; ``{}`` without a grid). Called once per model, a new model
            each time.
        x, y: training arrays (numpy/JAX arrays, lists or dicts of them), as for ``fit``.
        grid: the points: a list of dicts, or a dict of equal-length lists read side by
            side (``{"lr": [0.1, 0.01], "l2": [0, 1e-3]}`` is 2 points; for every
            combination pass ``[dict(lr=a, l2=b) for a in lrs for b in l2s]``).
        seeds: ints; each model is built after ``kerasish.utils.set_random_seed(seed)``.
            Without seeds the models draw from the global random stream in turn, as a
            loop of ``build`` and ``fit`` would.
        folds: ``k`` for k-fold cross-validation on ``x, y``: fold ``i`` holds out the
            ``i``-th of ``k`` contiguous blocks of rows (the first ``n % k`` blocks one
            row longer) as its validation data and trains on the other rows, in order.
        validation_data: ``(x_val, y_val)`` (or with sample weights) shared by all models;
            not with ``folds``.
        epochs, batch_size, shuffle: as ``fit`` (``batch_size`` defaults to 32; each
            model gets the permutation its own ``fit`` would draw).
        callbacks: ``History`` (each model always gets its own), ``EarlyStopping``
            (copied per model: a stopped model stops updating while the others go on;
            ``restore_best_weights`` per model) and ``CSVLogger`` (one file with a row
            per epoch and a column ``loss[j]``, ``val_loss[j]`` ... per model ``j``, its
            index in the result; written when training ends).
        verbose: 0 silent; 1, 2 or ``"auto"``: one line per group per epoch with the
            range of the loss over the group's models.

    Returns:
        A list of ``(model, history)``, point-major, then seed, then fold. Each
        ``history`` also has ``hp``, ``seed`` and ``fold`` attributes
        (:func:`results_table` makes a table of them).

    Models of one group must agree on everything that shapes the program: layer types
    and configs, weight shapes, loss and metric configs, optimizer kind and static
    options (``momentum``, ``clipnorm``, ... ; a learning-rate schedule object),
    regularizers other than L1/L2/L1L2. A ``Dropout`` rate strictly between 0 and 1 is
    data (points that differ only there share the program); rates of 0 or 1 and the
    rates of other dropout layers are structure. Models that differ in structure still
    train, in groups of their own. A group runs its epochs in blocks, each one compiled
    call (the whole run when no ``EarlyStopping`` acts between epochs; about a tenth of
    it per block when printing, the lines of a block appearing when it ends).

    Two learning rates, trained side by side:

    >>> import numpy as np, kerasish
    >>> def build(hp):
    ...     model = kerasish.Sequential([kerasish.Input((1,)),
    ...                                  kerasish.layers.Dense(1, kernel_initializer="zeros")])
    ...     model.compile(optimizer=kerasish.optimizers.SGD(hp["lr"]), loss="mse")
    ...     return model
    >>> x = np.array([[1.0], [2.0]])
    >>> results = fit_many(build, x, 2 * x, grid={"lr": [0.1, 0.01]}, epochs=2, verbose=0)
    >>> [[round(v, 4) for v in history.history["loss"]] for model, history in results]
    [[10.0, 1.06], [10.0, 8.6866]]
    """
    # -- every argument checked before any model is built or trained
    if not callable(build):
        raise ValueError("`build` must be a function hp -> compiled model. Received: "
                         f"build={build!r}")
    points = _points(grid)
    seed_list = _seeds(seeds)
    epochs = check_int("epochs", epochs, 0)
    batch_size = 32 if batch_size is None else check_int("batch_size", batch_size, 1)
    verbose = check_verbose(verbose)
    if not isinstance(shuffle, bool):
        raise ValueError(f"`shuffle` must be True or False. Received: shuffle={shuffle!r}")
    stoppers, csv_loggers = _check_callbacks(callbacks)
    if x is None or adapters.is_stream(x):
        raise ValueError(
            "fit_many trains on arrays (numpy or JAX arrays, lists or dicts of them, "
            f"pandas frames). Received: x={type(x).__name__}. Convert a dataset or "
            "generator to arrays first.")
    if distribution_module.distribution() is not None:
        raise ValueError("fit_many does not run under a kerasish.distribution yet: call "
                         "it without a distribution set.")
    n = _num_rows(x)
    k = _folds(folds, validation_data, n)
    fold_rows = many_engine.fold_rows(n, k) if k else [(np.arange(n, dtype=np.int32), None)]

    # -- build every model, with the random draws a loop of build + fit would make
    runs, seen = [], set()
    for point in points:
        for seed in seed_list:
            for fold in range(k or 1):
                if seed is not None:
                    utils_module.set_random_seed(seed)
                model = build(dict(point))
                _check_model(model, point, seen)
                shuffle_seed = random.next_seed()  # fit: the adapter's seed ...
                model._data_spec(x)                # ... then build on the data ...
                key = random.next_key()            # ... then the TrainState's key
                runs.append(_Run(point, seed, fold if k else None, model, shuffle_seed, key))

    groups = [_Group(members, x, y, validation_data, batch_size, fold_rows)
              for members in _group(runs)]
    for g, group in enumerate(groups):
        group.train(epochs, shuffle, stoppers, verbose, f"group {g + 1}/{len(groups)}")
    for logger in csv_loggers:  # written once every group has trained
        _write_csv(logger, runs)
    return [(run.model, run.history) for run in runs]


def results_table(results, metrics=None):
    """One dict per model of ``fit_many``'s results: its grid point, seed, fold and
    the final value of each logged metric (or of ``metrics``, a list of names).

    Models stopped early report their last epoch. A plain list of dicts: hand it to
    ``pandas.DataFrame`` to group by point and average over folds.

    Args:
        results: what ``fit_many`` returned.
        metrics: the names of the metrics to report (default: all logged ones).

    >>> import numpy as np, kerasish
    >>> def build(hp):
    ...     model = kerasish.Sequential([kerasish.Input((1,)),
    ...                                  kerasish.layers.Dense(1, kernel_initializer="zeros")])
    ...     model.compile(optimizer=kerasish.optimizers.SGD(hp["lr"]), loss="mse")
    ...     return model
    >>> x = np.array([[1.0], [2.0]])
    >>> results = fit_many(build, x, 2 * x, grid={"lr": [0.1, 0.01]}, epochs=2, verbose=0)
    >>> [(row["lr"], round(row["loss"], 4)) for row in results_table(results)]
    [(0.1, 1.06), (0.01, 8.6866)]
    """
    rows = []
    for _model, history in results:
        row = dict(getattr(history, "hp", {}))
        row["seed"] = getattr(history, "seed", None)
        row["fold"] = getattr(history, "fold", None)
        names = sorted(history.history) if metrics is None else list(metrics)
        for name in names:
            values = history.history.get(name)
            row[name] = None if not values else values[-1]
        rows.append(row)
    return rows


# ------------------------------------------------------------------ argument checks

def _points(grid):
    if grid is None:
        return [{}]
    if isinstance(grid, dict):
        bad = [k for k, v in grid.items() if not isinstance(v, (list, tuple))]
        if bad:
            raise ValueError(
                "`grid` as a dict maps each name to a list of values, one per point. "
                f"Received non-list values for {bad}. Wrap a single value in a list, "
                "e.g. {'l2': [0.01]}.")
        lengths = {k: len(v) for k, v in grid.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(
                "`grid` as a dict of lists is read side by side (point i takes the i-th "
                f"value of every list), so all lists must have the same length. Received "
                f"lengths {lengths}. For every combination pass a list of dicts instead: "
                "[dict(a=a, b=b) for a in A for b in B].")
        points = [dict(zip(grid, values)) for values in zip(*grid.values())]
    elif isinstance(grid, (list, tuple)) and all(isinstance(p, dict) for p in grid):
        points = [dict(p) for p in grid]
    else:
        raise ValueError(
            "`grid` must be a list of dicts (one per point) or a dict of equal-length "
            f"lists. Received: grid={type(grid).__name__}")
    if not points:
        raise ValueError("`grid` has no points: give at least one, e.g. grid=[{}].")
    return points


def _seeds(seeds):
    if seeds is None:
        return [None]
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seeds = [seeds]
    if not isinstance(seeds, (list, tuple)) or not seeds or any(
            isinstance(s, bool) or not isinstance(s, (int, np.integer)) for s in seeds):
        raise ValueError(f"`seeds` must be a non-empty list of integers. Received: "
                         f"seeds={seeds!r}")
    return [int(s) for s in seeds]


def _folds(folds, validation_data, n):
    if folds is None:
        return None
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"`folds` must be an integer >= 2 (k-fold cross-validation). "
                         f"Received: folds={folds!r}")
    if folds > n:
        raise ValueError(
            f"`folds` cannot exceed the number of samples: every fold needs at least one "
            f"held-out row. Received: folds={folds} for {n} samples.")
    if validation_data is not None:
        raise ValueError(
            "Pass either `folds` (each fold is validated on its held-out rows) or "
            "`validation_data`, not both.")
    return int(folds)


def _check_callbacks(callbacks):
    cbs = callbacks_module.to_list(callbacks)
    bad = sorted({type(cb).__name__ for cb in cbs if type(cb) not in _SUPPORTED_CALLBACKS})
    if bad:
        raise ValueError(
            f"fit_many supports the callbacks History, EarlyStopping (one copy per "
            f"model) and CSVLogger (one file, a column per model and metric). Received "
            f"unsupported callbacks: {bad}. Train with model.fit to use them.")
    return ([cb for cb in cbs if isinstance(cb, callbacks_module.EarlyStopping)],
            [cb for cb in cbs if isinstance(cb, callbacks_module.CSVLogger)])


def _write_csv(logger, runs):
    """One CSV for every model: a row per epoch, a column ``<metric>[<j>]`` per model
    ``j`` (its index in fit_many's result) and metric; ``NA`` after a model stopped."""
    width = len(str(len(runs) - 1))
    epochs = max((len(r.history.epoch) for r in runs), default=0)
    logger.on_train_begin({})
    for epoch in range(epochs):
        merged = {}
        for j, run in enumerate(runs):
            if epoch < len(run.history.epoch):
                merged.update({f"{k}[{j:0{width}d}]": v[epoch]
                               for k, v in run.history.history.items()})
        logger.on_epoch_end(epoch, merged)
    logger.on_train_end({})


def _num_rows(x):
    leaves = jax.tree_util.tree_leaves(x)
    if not leaves:
        raise ValueError(f"fit_many: `x` holds no arrays. Received: x={x!r}")
    return len(leaves[0])


def _check_model(model, point, seen):
    if not isinstance(model, Model):
        raise ValueError(f"`build(hp)` must return a kerasish model. For hp={point!r} it "
                         f"returned {type(model).__name__}.")
    if id(model) in seen:
        raise ValueError(
            f"`build(hp)` returned the same model object twice (for hp={point!r}). Create "
            "a new model inside `build` on every call.")
    seen.add(id(model))
    if not model.compiled:
        raise ValueError(
            f"`build(hp)` must return a compiled model; for hp={point!r} model "
            f"{model.name!r} is not compiled. Call model.compile(loss=..., optimizer=...) "
            "inside `build`.")
    reasons = []
    if model.run_eagerly or model.jit_compile is False:
        reasons.append("compiled with run_eagerly=True or jit_compile=False")
    if host_module.overrides(model, "train_step") or host_module.overrides(model, "test_step"):
        reasons.append("overrides train_step/test_step")
    if host_module.user_metrics(model):
        reasons.append("has a metric with its own update_state")
    if reasons:
        raise ValueError(
            f"fit_many cannot train model {model.name!r} (hp={point!r}): it "
            f"{' and '.join(reasons)}. Train it with model.fit.")


# ------------------------------------------------------------------ one group

def _keys(variables):
    return [(v._owner.name, v.name) for v in variables]


class _Group:
    """Models of one structure: their data, stacked state and one program."""

    def __init__(self, runs, x, y, validation_data, batch_size, fold_rows):
        self.runs = runs
        self.template = template = runs[0].model
        self.batch_size = batch_size
        self.fold_rows = fold_rows
        # Data checked against the group's model (its loss decides the label checks).
        self.train_data = adapters.make_adapter(x, y, None, spec_for=template._data_spec,
                                                batch_size=batch_size, what="fit")
        self.val_data = None
        if validation_data is not None:
            vx, vy, vsw = host_module.unpack_validation(validation_data)
            self.val_data = adapters.make_adapter(
                vx, vy, vsw, spec_for=template._data_spec, batch_size=batch_size,
                what="validation")
        for adapter in (self.train_data, self.val_data):
            if adapter is not None and not isinstance(adapter, adapters.ArrayAdapter):
                raise ValueError(
                    "fit_many keeps the data on the device, and these arrays exceed "
                    f"kerasish's device budget ({adapters.DEVICE_DATA_BYTES} bytes, "
                    "KERASISH_DEVICE_DATA_BYTES). Train on a subset, or with model.fit.")
        y_shapes = self.train_data.y_shapes
        # Every model's metrics resolved, as its own fit would (model.metrics).
        self.pieces = [host_module.make_pieces(r.model, y_shapes, None, exact=False,
                                               has_sw=False) for r in runs]
        self.rules, penalties = self._rules()
        self.knobs = jax.device_put(many_engine.stack([
            many_engine.Knobs(penalty, self._loss_weights(run.model))
            for run, penalty in zip(runs, penalties)]))
        self.keeps = jax.device_put(many_engine.stack([keep_probs(r.model) for r in runs]))
        self.run = build_run(self.pieces[0], self.rules, template, batch_size)

    def _rules(self):
        """The group's penalty rules and each model's (l1, l2) factors for them."""
        t_vars = self.template._variables_split()[0]
        per_model = [[_rule(v.regularizer) for v in r.model._variables_split()[0]]
                     for r in self.runs]
        rules, columns = [], []
        for i, v in enumerate(t_vars):
            dtype = np.dtype(v.dtype)
            entries = [m[i] for m in per_model]
            if entries[0][0] == "static":
                rules.append((v._owner.name, v.name, v.regularizer))
                columns.append([(np.zeros((), dtype),) * 2] * len(entries))
                continue
            use_l1 = any(e[1] != 0 for e in entries)
            use_l2 = any(e[2] != 0 for e in entries)
            if use_l1 or use_l2:
                rules.append((v._owner.name, v.name, (use_l1, use_l2)))
                columns.append([(np.asarray(e[1], dtype), np.asarray(e[2], dtype))
                                for e in entries])
        penalties = [tuple(column[j] for column in columns) for j in range(len(self.runs))]
        return tuple(rules), penalties

    @staticmethod
    def _loss_weights(model):
        names = model._output_names()
        weights = model._per_output(model._loss_weights, "loss_weights") \
            if model._loss_weights is not None else [1.0] * len(names)
        return tuple(None if fn is None else np.float32(1.0 if w is None else w)
                     for fn, w in zip(model.compiled_losses(), weights))

    # -- stacked state, in the template's layout ---------------------------------------
    def _initial_state(self):
        template = self.template
        t_keys, n_keys = map(_keys, template._variables_split())
        states = []
        for run in self.runs:
            m = run.model
            trainable, non_trainable = m._variables_split()
            own_params, _ = m.current_params()
            opt = host_module.Host(m)._opt_state(own_params)  # built as fit builds it
            if m is not template:
                opt = template.optimizer.variables_to_state(
                    m.optimizer.state_to_variables(opt))
            states.append(steps.TrainState(
                _tree(t_keys, [v.value for v in trainable]),
                _tree(n_keys, [v.value for v in non_trainable]), opt, None, run.key))
        return many_engine.stack(states)

    def _commit(self, values, j):
        """Model ``j`` takes its slice of the host copy ``values`` = (params, state,
        opt_state) of the stacked state."""
        run, template = self.runs[j], self.template
        m = run.model
        params, state, opt = jax.tree_util.tree_map(lambda a: np.asarray(a[j]), values)
        t_keys, n_keys = map(_keys, template._variables_split())
        trainable, non_trainable = m._variables_split()
        own = lambda vs, keys, tree: _tree(  # noqa: E731
            _keys(vs), [jax.device_put(tree[a][b]) for a, b in keys])  # no program
        assign_tree(m, own(trainable, t_keys, params), own(non_trainable, n_keys, state))
        opt = jax.device_put(opt)
        if m is not template:
            opt = m.optimizer.variables_to_state(template.optimizer.state_to_variables(opt))
        m.set_optimizer_state(opt)

    # -- tables ----------------------------------------------------------------------
    def _train_tables(self, shuffle, epoch):
        rows = []
        for run in self.runs:
            own = self.fold_rows[run.fold or 0][0]
            perm = adapters.epoch_rng(run.shuffle_seed, epoch).permutation(len(own)) \
                if shuffle else None
            rows.append(own if perm is None else own[perm])
        shared = not shuffle and all(r.fold is None for r in self.runs)
        return many_engine.stacked_tables(rows, self.batch_size, shared=shared)

    def _val_tables(self):
        if self.val_data is not None:
            n = self.val_data.n
            rows = [np.arange(n, dtype=np.int32)]
            return self.val_data.data(), many_engine.stacked_tables(
                rows, self.batch_size, shared=True)
        if self.runs[0].fold is None:
            return None, None
        rows = [self.fold_rows[run.fold][1] for run in self.runs]
        return self.train_data.data(), many_engine.stacked_tables(rows, self.batch_size)

    # -- the epochs ---------------------------------------------------------------------
    def _blocks(self, epochs, stoppers, verbose):
        """Epochs per program call: one when callbacks act after each epoch; about a
        tenth of the run when printing; else as many as ~64 MB of tables allow (all,
        for small data). Blocks are of equal length (the last one padded)."""
        if stoppers or epochs <= 1:
            return 1
        table_bytes = 8 * len(self.runs) * max(len(r) for r, _ in self.fold_rows)
        most = max(1, (64 << 20) // max(table_bytes, 1))
        if verbose:
            most = min(most, -(-epochs // 10))
        n_blocks = -(-epochs // min(most, epochs))
        return -(-epochs // n_blocks)

    def train(self, epochs, shuffle, stoppers, verbose, label):
        runs, n = self.runs, len(self.runs)
        xs, ys, _ = self.train_data.host_arrays()
        diagnostics.before_fit(self.template, self.template._pack_inputs(xs),
                               None if ys is None else ys[0] if len(ys) == 1 else ys,
                               stack=self.template.layers
                               if host_module.is_stack(self.template) else None)
        for run in runs:
            run.model.stop_training = False
            run.history = callbacks_module.History()
            run.history.hp, run.history.seed, run.history.fold = \
                dict(run.point), run.seed, run.fold
            own = [_copy_callback(cb) for cb in stoppers]
            run.hooks = callbacks_module.CallbackList(
                own + [run.history], run.model,
                {"verbose": 0, "epochs": epochs, "steps": None})
            run.model.history = run.history
            run.hooks.on_train_begin({})
        ts = self._initial_state()
        keys = ts.rng
        ts = ts._replace(metrics=many_engine.stack(
            [steps.init_metrics(self.pieces[0], True)] * n))
        data = self.train_data.data()
        val_data, val_tables = self._val_tables()
        vidx, vmask = (None, None) if val_tables is None else val_tables[:2]
        block = self._blocks(epochs, stoppers, verbose)
        # Weights are committed every epoch only when a callback may read them.
        commit_each_epoch = bool(stoppers)
        for epoch0 in range(0, epochs, block):
            live = [j for j in range(n) if runs[j].active]
            if not live:
                break
            start = time.perf_counter()
            in_block = min(block, epochs - epoch0)
            for j in live:  # (stoppers: one epoch a block)
                runs[j].hooks.on_epoch_begin(epoch0, {})
            tables = [self._train_tables(shuffle, e) for e in range(epoch0, epoch0 + in_block)]
            tables += [tables[-1]] * (block - in_block)  # padding epochs, dropped
            may_skip = tables[0][2]
            idx = np.stack([t[0] for t in tables])
            mask = np.stack([t[1] for t in tables])
            active = None if not stoppers else np.array([r.active for r in runs])
            flags = np.arange(block) < in_block
            ts, logs, val_logs = self.run(
                ts, keys, self.knobs, self.keeps, data, idx, mask, flags, active,
                np.int32(epoch0), val_data, vidx, vmask, may_skip, in_block < block)
            logs, val_logs = jax.device_get((logs, val_logs))
            if commit_each_epoch:
                values = jax.device_get((ts.params, ts.state, ts.opt_state))
                for j in live:
                    self._commit(values, j)
            seconds = (time.perf_counter() - start) / in_block
            for b in range(in_block):
                epoch = epoch0 + b
                if b:
                    for j in live:
                        runs[j].hooks.on_epoch_begin(epoch, {})
                per = _per_model({k: v[b] for k, v in logs.items()}, n)
                for j, val in enumerate(_per_model({k: v[b] for k, v in val_logs.items()}, n)):
                    per[j].update({f"val_{k}": v for k, v in val.items()})
                for j in live:
                    run = runs[j]
                    run.hooks.on_epoch_end(epoch, {k: per[j][k] for k in sorted(per[j])})
                    if run.model.stop_training:
                        run.active = False
                if verbose:
                    _print_epoch(label, epoch, epochs, [per[j] for j in live], seconds)
        values = jax.device_get((ts.params, ts.state, ts.opt_state))
        for j in range(n):
            self._commit(values, j)
        for run in runs:
            last = {k: v[-1] for k, v in run.history.history.items()}
            run.hooks.on_train_end(last)


def _copy_callback(cb):
    """A fresh copy of a user's callback for one model (its state is per model)."""
    new = copy.copy(cb)
    new.model = None
    return new


def _per_model(values, n):
    """``{name: (N,) values}`` -> N logs dicts of floats (vectors stay arrays)."""
    logs = [{} for _ in range(n)]
    for name, stacked in values.items():
        for j in range(n):
            v = np.asarray(stacked[j])
            logs[j][name] = float(v) if v.ndim == 0 else v
    return logs


def _print_epoch(label, epoch, epochs, logs, seconds):
    parts = []
    for name in ("loss", "val_loss"):
        values = [log[name] for log in logs if name in log]
        if values:
            parts.append(f"{name} {min(values):.4f}..{max(values):.4f}")
    print(f"Epoch {epoch + 1}/{epochs} - {label}: {len(logs)} models - {seconds:.2f}s - "
          + " - ".join(parts), flush=True)


__all__ = ["fit_many", "results_table"]
