"""kerasish against Keras 3 (JAX backend) and hand-written JAX + optax loops.

Run from the repository root (or anywhere kerasish is importable):

    python benchmarks/bench.py                  # everything, 6-12 min on 2 CPU cores
    python benchmarks/bench.py --quick          # fewer epochs and repetitions, 3-5 min
    python benchmarks/bench.py --only W1,W2,P   # a subset: W1 W2 W3 W4 P E I

Implementations, all on the same data and the same model, loss and optimizer (Adam 1e-3):

* ``kerasish``  -- ``Sequential.fit`` with default settings;
* ``keras``     -- Keras 3 on the JAX backend, default settings (skipped with a note when
  it cannot be imported);
* ``hand-jit``  -- hand-written optax loop: one ``jax.jit`` step per batch, batches sliced
  from numpy arrays on the host;
* ``hand-scan`` -- hand-written optax loop: one jitted ``lax.scan`` per epoch over
  device-resident data, shuffled on the device with a ``jax.random`` key.

Workloads:

* W1  the seed's binary model: Dense 25-15-1 sigmoid, binary cross-entropy, 5,000 x 400
      random inputs with a learnable target, batch 32 (157 steps per epoch);
* W2  Dense 25-15 relu + 10 logits, sparse cross-entropy ``from_logits``, the bundled
      digits (train + test, 1,797 x 64, scaled by 1/16), batch 32 (57 steps);
* W3  a small CNN on the digits (8 x 8 x 1): Conv 32 - Conv 64 - MaxPool - Dense 128 - 10;
* W4  compute-bound MLP 784-512-512-10 on 20,000 x 784 random data, batch 128 (157 steps);
      timed in this process like W1-W3, then each implementation trains 2 epochs again in
      a process of its own, whose peak RSS (``ru_maxrss``) is reported;
* P   ``predict`` on one sample in a loop, against a bare jitted forward call;
* E   the seed script end to end as a user runs it (import, build, fit 100 epochs on the
      digits 0/1, predict), each run a whole new Python process;
* I   ``import kerasish`` against ``import jax, optax`` (and ``import keras``).

Timings: an epoch's time is the wall time between consecutive ``on_epoch_end`` calls (the
hand-written loops block on the epoch's loss); the process CPU time of the same interval
is recorded beside it, a steadier figure when other processes share the machine. "Steady"
is the median over all epochs but the first of each ``fit`` call; every implementation is
fitted in several rounds, taken in turn, so that a burst of load on a shared machine does
not hit only one of them. "First" is the first epoch of the first ``fit`` (compilation
included), timed from the ``fit`` call. A ``fit`` stops early (after at least 2 epochs)
once it has run for ``fit_budget_s``, and then gets no further rounds.

In this process JAX's persistent compilation cache is off for every implementation
(``KERASISH_COMPILATION_CACHE=0``), so first epochs are cold compiles for all; the
cache's effect is what workload E measures.

Results are printed as tables and written to ``benchmarks/results-<host>-<device>.json``.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

# Both must be set before kerasish / keras are imported.
os.environ["KERAS_BACKEND"] = "jax"
os.environ["KERASISH_COMPILATION_CACHE"] = "0"

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IMPLS = ("kerasish", "keras", "hand-jit", "hand-scan")
HAND = ("hand-jit", "hand-scan")

# Epochs per fit, fit rounds per implementation, and repetitions, per mode.
SETTINGS = {
    "full": {"W1": (10, 3), "W2": (10, 3), "W3": (5, 2), "W4": (5, 2),
             "fit_budget_s": 15.0, "P_reps": 1000, "P_budget_s": 20.0, "E_reps": 3, "I_reps": 3},
    "quick": {"W1": (5, 2), "W2": (5, 2), "W3": (3, 1), "W4": (3, 2),
              "fit_budget_s": 6.0, "P_reps": 200, "P_budget_s": 5.0, "E_reps": 1, "I_reps": 3},
}


# ---------------------------------------------------------------------------------------
# Data (deterministic: the same arrays in every process)
# ---------------------------------------------------------------------------------------
def digits_all():
    """The bundled digits, train and test together: (1797, 8, 8) in [0, 1], labels int32."""
    import kerasish

    (xa, ya), (xb, yb) = kerasish.datasets.digits.load_data()
    x = np.concatenate([xa, xb]).astype(np.float32) / 16.0
    return x, np.concatenate([ya, yb]).astype(np.int32)


def make_data(name):
    if name == "W1":
        rng = np.random.default_rng(0)
        x = rng.normal(size=(5000, 400)).astype(np.float32)
        w = rng.normal(size=(400,)).astype(np.float32)
        y = (x @ w > 0).astype(np.float32).reshape(-1, 1)  # linearly separable: learnable
        return x, y
    if name == "W2":
        x, y = digits_all()
        return x.reshape(len(x), 64), y
    if name == "W3":
        x, y = digits_all()
        return x.reshape(len(x), 8, 8, 1), y
    if name == "W4":
        rng = np.random.default_rng(1)
        x = rng.normal(size=(20000, 784)).astype(np.float32)
        w = rng.normal(size=(784, 10)).astype(np.float32)
        return x, np.argmax(x @ w, axis=1).astype(np.int32)
    raise ValueError(name)


# Model specs shared by every implementation: ("dense", units, activation) or
# ("conv", filters, activation) (3x3, padding same), ("pool",) (2x2 max), ("flatten",).
SPECS = {
    "W1": {"input": (400,), "layers": [("dense", 25, "sigmoid"), ("dense", 15, "sigmoid"),
                                       ("dense", 1, "sigmoid")],
           "loss": "bce", "batch": 32},
    "W2": {"input": (64,), "layers": [("dense", 25, "relu"), ("dense", 15, "relu"),
                                      ("dense", 10, "linear")],
           "loss": "sce_logits", "batch": 32},
    "W3": {"input": (8, 8, 1), "layers": [("conv", 32, "relu"), ("conv", 64, "relu"),
                                          ("pool",), ("flatten",), ("dense", 128, "relu"),
                                          ("dense", 10, "linear")],
           "loss": "sce_logits", "batch": 32},
    "W4": {"input": (784,), "layers": [("dense", 512, "relu"), ("dense", 512, "relu"),
                                       ("dense", 10, "linear")],
           "loss": "sce_logits", "batch": 128},
}
TITLES = {
    "W1": "seed binary model 400-25-15-1 sigmoid, BCE, 5,000 x 400, batch 32",
    "W2": "25-15-10 relu, sparse CE from logits, digits 1,797 x 64, batch 32",
    "W3": "CNN conv32-conv64-pool-128-10, digits 1,797 x 8 x 8, batch 32",
    "W4": "MLP 784-512-512-10 relu, 20,000 x 784, batch 128",
}


# ---------------------------------------------------------------------------------------
# Keras-shaped implementations (kerasish and Keras share this code)
# ---------------------------------------------------------------------------------------
def import_framework(name):
    if name == "kerasish":
        import kerasish

        return kerasish
    import keras

    if keras.backend.backend() != "jax":
        raise ImportError(f"keras runs on {keras.backend.backend()!r}, not 'jax'")
    return keras


def has_layers(fw, spec):
    needed = {"dense": "Dense", "conv": "Conv2D", "pool": "MaxPooling2D", "flatten": "Flatten"}
    return all(hasattr(fw.layers, needed[layer[0]]) for layer in spec["layers"])


def build_keras_like(fw, spec):
    layers = [fw.Input(shape=spec["input"])]
    for layer in spec["layers"]:
        if layer[0] == "dense":
            layers.append(fw.layers.Dense(layer[1], activation=layer[2]))
        elif layer[0] == "conv":
            layers.append(fw.layers.Conv2D(layer[1], 3, padding="same", activation=layer[2]))
        elif layer[0] == "pool":
            layers.append(fw.layers.MaxPooling2D(2))
        else:
            layers.append(fw.layers.Flatten())
    model = fw.Sequential(layers)
    loss = (fw.losses.BinaryCrossentropy() if spec["loss"] == "bce"
            else fw.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.compile(optimizer=fw.optimizers.Adam(learning_rate=1e-3), loss=loss)
    return model


class KerasLikeRunner:
    """``fit`` in rounds, timing epochs with an epoch-level callback only (a batch hook
    would change how both libraries run)."""

    def __init__(self, fw, spec, x, y):
        self.fw, self.spec, self.x, self.y = fw, spec, x, y
        fw.utils.set_random_seed(0)
        self.model = build_keras_like(fw, spec)

        class EpochTimer(fw.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if self.clock.tick() and self.clock.over_budget():
                    self.model.stop_training = True

        self.timer = EpochTimer()

    def fit(self, epochs, budget_s=float("inf")):
        self.timer.clock = clock = EpochClock(budget_s)
        self.model.fit(self.x, self.y, batch_size=self.spec["batch"], epochs=epochs,
                       verbose=0, shuffle=True, callbacks=[self.timer])
        return clock.epochs


# ---------------------------------------------------------------------------------------
# Hand-written JAX + optax (independent of kerasish)
# ---------------------------------------------------------------------------------------
def hand_model(spec, key):
    """``(params, apply, loss)`` for a spec: glorot-uniform kernels, zero biases."""
    import jax
    import jax.numpy as jnp
    import optax

    acts = {"sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu, "linear": lambda a: a}
    params, shape = [], tuple(spec["input"])
    for layer in spec["layers"]:
        if layer[0] in ("dense", "conv"):
            key, sub = jax.random.split(key)
            if layer[0] == "dense":
                fan_in, fan_out, kshape = shape[-1], layer[1], (shape[-1], layer[1])
                shape = shape[:-1] + (layer[1],)
            else:
                fan_in, fan_out = 9 * shape[-1], 9 * layer[1]
                kshape = (3, 3, shape[-1], layer[1])
                shape = shape[:-1] + (layer[1],)
            limit = float(np.sqrt(6.0 / (fan_in + fan_out)))
            params.append({"w": jax.random.uniform(sub, kshape, jnp.float32, -limit, limit),
                           "b": jnp.zeros((layer[1],), jnp.float32)})
        elif layer[0] == "pool":
            shape = (shape[0] // 2, shape[1] // 2, shape[2])
        else:
            shape = (int(np.prod(shape)),)

    def apply(params, x):
        i = 0
        for layer in spec["layers"]:
            if layer[0] == "dense":
                x = acts[layer[2]](x @ params[i]["w"] + params[i]["b"])
                i += 1
            elif layer[0] == "conv":
                x = jax.lax.conv_general_dilated(
                    x, params[i]["w"], (1, 1), "SAME",
                    dimension_numbers=("NHWC", "HWIO", "NHWC")) + params[i]["b"]
                x = acts[layer[2]](x)
                i += 1
            elif layer[0] == "pool":
                x = jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1),
                                          (1, 2, 2, 1), "VALID")
            else:
                x = x.reshape(x.shape[0], -1)
        return x

    if spec["loss"] == "bce":
        def loss(params, x, y):
            p = jnp.clip(apply(params, x), 1e-7, 1 - 1e-7)  # Keras's clip on probabilities
            return -jnp.mean(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))
    else:
        def loss(params, x, y):
            return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(apply(params, x), y))

    return params, apply, loss


def hand_step(loss, opt):
    import jax
    import optax

    def step(params, opt_state, xb, yb):
        value, grads = jax.value_and_grad(loss)(params, xb, yb)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, value

    return step


class HandJitRunner:
    """One ``jax.jit`` per step; each batch sliced from numpy (a shuffled index) on the host."""

    def __init__(self, spec, x, y):
        import jax
        import optax

        self.spec, self.x, self.y = spec, x, y
        self.params, _, loss = hand_model(spec, jax.random.key(0))
        self.opt = optax.adam(1e-3)
        self.opt_state = self.opt.init(self.params)
        self.step = jax.jit(hand_step(loss, self.opt), donate_argnums=(0, 1))
        self.rng = np.random.default_rng(0)

    def fit(self, epochs, budget_s=float("inf")):
        n, b = len(self.x), self.spec["batch"]
        clock = EpochClock(budget_s)
        for _ in range(epochs):
            if clock.over_budget():
                break
            perm = self.rng.permutation(n)
            for i in range(0, n, b):
                idx = perm[i:i + b]
                self.params, self.opt_state, value = self.step(
                    self.params, self.opt_state, self.x[idx], self.y[idx])
            float(value)  # sync: the epoch is done
            clock.tick()
        return clock.epochs


def make_scan_epoch(loss, opt, n, batch):
    """One jitted epoch: permute on the device, ``lax.scan`` the full batches, then one
    step for the short last batch (its own static shape, inside the same program)."""
    import functools

    import jax

    step = hand_step(loss, opt)
    full = n // batch * batch

    @functools.partial(jax.jit, donate_argnums=(0, 1))
    def epoch(params, opt_state, key, epoch_index, x, y):
        perm = jax.random.permutation(jax.random.fold_in(key, epoch_index), n)

        def body(carry, idx):
            params, opt_state = carry
            params, opt_state, value = step(params, opt_state, x[idx], y[idx])
            return (params, opt_state), value

        (params, opt_state), values = jax.lax.scan(
            body, (params, opt_state), perm[:full].reshape(-1, batch))
        if full < n:
            rest = perm[full:]
            params, opt_state, _ = step(params, opt_state, x[rest], y[rest])
        return params, opt_state, values.mean()

    return epoch


class HandScanRunner:
    """One jitted ``lax.scan`` per epoch over batches gathered on the device."""

    def __init__(self, spec, x, y):
        import jax
        import optax

        self.spec, self.x, self.y = spec, x, y
        self.params, _, loss = hand_model(spec, jax.random.key(0))
        self.opt = optax.adam(1e-3)
        self.opt_state = self.opt.init(self.params)
        self.epoch = make_scan_epoch(loss, self.opt, len(x), spec["batch"])
        self.key = jax.random.key(0)
        self.done = 0

    def fit(self, epochs, budget_s=float("inf")):
        import jax

        clock = EpochClock(budget_s)
        xd, yd = jax.device_put(self.x), jax.device_put(self.y)
        for _ in range(epochs):
            if clock.over_budget():
                break
            self.params, self.opt_state, value = self.epoch(
                self.params, self.opt_state, self.key, np.int32(self.done), xd, yd)
            self.done += 1
            float(value)
            clock.tick()
        return clock.epochs


class EpochClock:
    """Wall and process CPU time (all threads) of each epoch, from the clock's creation.

    CPU time is the steadier figure on a shared machine: other processes stretch an
    epoch's wall time, much less the CPU time it uses.
    """

    def __init__(self, budget_s=float("inf")):
        self.budget_s, self.epochs = budget_s, []
        self.start = self.last = (time.perf_counter(), time.process_time())

    def tick(self):
        now = (time.perf_counter(), time.process_time())
        self.epochs.append((now[0] - self.last[0], now[1] - self.last[1]))
        self.last = now
        return True

    def over_budget(self):
        """At least 2 epochs (a first and a steady one) and past the time budget."""
        return len(self.epochs) >= 2 and self.last[0] - self.start[0] > self.budget_s


def make_runner(impl, spec, x, y):
    if impl == "hand-jit":
        return HandJitRunner(spec, x, y)
    if impl == "hand-scan":
        return HandScanRunner(spec, x, y)
    fw = import_framework(impl)
    if not has_layers(fw, spec):
        raise NotImplementedError(f"{impl}: n/a (no Conv2D yet)")
    return KerasLikeRunner(fw, spec, x, y)


def summarize(fits):
    """``fits``: per ``fit`` call, a list of (wall, cpu) per epoch -> first, steady, raw."""
    steady = [e for epochs in fits for e in epochs[1:]]
    return {"first_epoch_s": fits[0][0][0], "steady_epoch_s": statistics.median(
                w for w, _ in steady),
            "steady_min_s": min(w for w, _ in steady),
            "first_epoch_cpu_s": fits[0][0][1],
            "steady_epoch_cpu_s": statistics.median(c for _, c in steady),
            "epoch_times_s": [[w for w, _ in epochs] for epochs in fits],
            "epoch_cpu_s": [[c for _, c in epochs] for epochs in fits]}


# ---------------------------------------------------------------------------------------
# W1-W3: in this process, rounds taken in turn
# ---------------------------------------------------------------------------------------
def run_in_process(name, cfg, available):
    epochs, rounds = cfg[name]
    spec = SPECS[name]
    x, y = make_data(name)
    res = {"title": TITLES[name], "steps_per_epoch": -(-len(x) // spec["batch"]),
           "epochs_per_fit": epochs, "rounds": rounds, "impls": {}}
    runners, fits = {}, {}
    for impl in IMPLS:
        if impl not in available:
            res["impls"][impl] = {"skipped": available.get(impl + "_why", "not available")}
            continue
        try:
            runners[impl] = make_runner(impl, spec, x, y)
            fits[impl] = []
        except NotImplementedError as e:
            res["impls"][impl] = {"skipped": str(e)}
            print(f"  {e}", flush=True)
    for r in range(rounds):
        for impl, runner in runners.items():
            if fits[impl] and len(fits[impl][-1]) < epochs:
                continue  # its last fit ran out of time budget: one round is enough
            fits[impl].append(runner.fit(epochs, cfg["fit_budget_s"]))
            rest = fits[impl][-1][1:]
            print(f"  {name} round {r + 1}/{rounds} {impl:9s} first {fits[impl][-1][0][0]:8.3f} s,"
                  f" median rest {statistics.median(w for w, _ in rest) * 1e3:9.2f} ms wall,"
                  f" {statistics.median(c for _, c in rest) * 1e3:9.2f} ms cpu", flush=True)
    for impl in runners:
        res["impls"][impl] = summarize(fits[impl])
    return res


# ---------------------------------------------------------------------------------------
# W4 memory: each implementation in a process of its own, peak RSS via a launcher
# ---------------------------------------------------------------------------------------
def maxrss_bytes(ru_maxrss):
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024  # Linux: KiB


def w4_child(impl, epochs, rounds, out):
    import resource

    x, y = make_data("W4")
    if impl not in HAND:
        import_framework(impl)
    else:
        import jax  # noqa: F401
        import optax  # noqa: F401
    runner = make_runner(impl, SPECS["W4"], x, y)
    before = maxrss_bytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    fits = [runner.fit(epochs) for _ in range(rounds)]
    res = summarize(fits)
    res["rss_before_fit_bytes"] = before
    with open(out, "w") as f:
        json.dump(res, f)


_LAUNCHER = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run_w4_memory(cfg, available, res):
    """Peak RSS of each implementation training W4 in a process of its own (2 epochs)."""
    for impl in IMPLS:
        if impl not in available or "skipped" in res["impls"].get(impl, {"skipped": 1}):
            continue
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            out = f.name
        cmd = [sys.executable, os.path.abspath(__file__), "--w4-child", impl,
               "--child-epochs", "2", "--child-rounds", "1", "--child-out", out]
        # ru_maxrss survives fork and exec on Linux: a child forked from this (large)
        # process would report at least our own peak. A tiny launcher forks the child and
        # reads getrusage(RUSAGE_CHILDREN) for it alone.
        proc = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], env=dict(os.environ),
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"  W4 memory {impl}: child failed:\n{proc.stderr[-2000:]}", flush=True)
            continue
        peak = maxrss_bytes(int(proc.stdout.strip().splitlines()[-1]))
        with open(out) as f:
            r = json.load(f)
        os.unlink(out)
        res["impls"][impl].update(peak_rss_bytes=peak,
                                  rss_before_fit_bytes=r["rss_before_fit_bytes"],
                                  own_process_epoch_times_s=r["epoch_times_s"])
        print(f"  W4 memory {impl:9s} peak RSS {peak / 2**20:7.1f} MiB "
              f"(before fit {r['rss_before_fit_bytes'] / 2**20:.1f} MiB)", flush=True)
    return res


# ---------------------------------------------------------------------------------------
# P: predict on one sample
# ---------------------------------------------------------------------------------------
def time_calls(fn, reps, budget_s):
    for _ in range(10):
        fn()
    times, start = [], time.perf_counter()
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if t0 - start > budget_s:
            break
    return {"per_call_s": statistics.median(times), "mean_s": statistics.fmean(times),
            "calls": len(times)}


def run_predict(cfg, available):
    import jax

    spec = SPECS["W1"]
    x, y = make_data("W1")
    x1 = x[:1]
    reps, budget = cfg["P_reps"], cfg["P_budget_s"]
    res = {"title": "predict on one sample of the seed model (1 x 400), per call",
           "reps": reps, "impls": {}}
    for impl in ("kerasish", "keras"):
        if impl not in available:
            res["impls"][impl] = {"skipped": available.get(impl + "_why", "not available")}
            continue
        runner = make_runner(impl, spec, x[:320], y[:320])
        runner.fit(1)  # predict after fit, as users do
        model = runner.model
        res["impls"][impl] = time_calls(
            lambda m=model: m.predict(x1, verbose=0), reps, budget)
        res["impls"][impl + " model(x)"] = time_calls(
            lambda m=model: np.asarray(m(x1)), reps, budget)
    params, apply, _ = hand_model(spec, jax.random.key(0))
    fwd = jax.jit(apply)
    res["impls"]["bare jit"] = time_calls(lambda: np.asarray(fwd(params, x1)), reps, budget)
    for impl, r in res["impls"].items():
        if "per_call_s" in r:
            print(f"  P {impl:18s} {r['per_call_s'] * 1e3:8.3f} ms/call (median of {r['calls']})",
                  flush=True)
    return res


# ---------------------------------------------------------------------------------------
# E: end to end, whole processes; I: import time
# ---------------------------------------------------------------------------------------
E_COMMON_HEAD = """
import time
_t0 = time.perf_counter()
import json, os, sys
import numpy as np
"""
E_COMMON_TAIL = """
_t3 = time.perf_counter()
acc = float(np.mean((np.asarray(p).reshape(-1) >= 0.5) == y.reshape(-1)))
print(json.dumps({"import_s": _t1 - _t0, "fit_s": _t2 - _t1, "predict_s": _t3 - _t2,
                  "train_accuracy": acc}))
"""

E_KERAS_LIKE = E_COMMON_HEAD + """
import {module} as K
if os.environ.get("BENCH_JAX_CACHE_DIR"):  # opt-in cache for the 'keras, cache warm' row
    import jax
    jax.config.update("jax_compilation_cache_dir", os.environ["BENCH_JAX_CACHE_DIR"])
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
_t1 = time.perf_counter()
d = np.load(sys.argv[1])
X, y = d["x"], d["y"]
model = K.Sequential([
    K.Input(shape=(64,)),
    K.layers.Dense(units=25, activation="sigmoid"),
    K.layers.Dense(units=15, activation="sigmoid"),
    K.layers.Dense(units=1, activation="sigmoid"),
])
model.compile(loss=K.losses.BinaryCrossentropy(), optimizer=K.optimizers.Adam(0.001))
model.fit(X, y, epochs=100, verbose=0)
_t2 = time.perf_counter()
p = model.predict(X, verbose=0)
""" + E_COMMON_TAIL

E_HAND = E_COMMON_HEAD + """
import functools
import jax, jax.numpy as jnp, optax
if os.environ.get("BENCH_JAX_CACHE_DIR"):
    jax.config.update("jax_compilation_cache_dir", os.environ["BENCH_JAX_CACHE_DIR"])
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
_t1 = time.perf_counter()
d = np.load(sys.argv[1])
X, y = d["x"], d["y"].reshape(-1, 1).astype(np.float32)
n, batch = len(X), 32

def init(key, sizes):
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        key, sub = jax.random.split(key)
        lim = (6.0 / (fan_in + fan_out)) ** 0.5
        params.append((jax.random.uniform(sub, (fan_in, fan_out), minval=-lim, maxval=lim),
                       jnp.zeros(fan_out)))
    return params

def forward(params, x):
    for w, b in params:
        x = jax.nn.sigmoid(x @ w + b)
    return x

def loss_fn(params, x, y):
    p = jnp.clip(forward(params, x), 1e-7, 1 - 1e-7)
    return -jnp.mean(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))

params = init(jax.random.key(0), [64, 25, 15, 1])
opt = optax.adam(1e-3)
opt_state = opt.init(params)

def step(params, opt_state, xb, yb):
    loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
    updates, opt_state = opt.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss
{loop}
_t2 = time.perf_counter()
p = jax.jit(forward)(params, X)
""" + E_COMMON_TAIL

E_LOOP_SCAN = """
full = n // batch * batch

@jax.jit
def epoch(params, opt_state, key, x, y):
    perm = jax.random.permutation(key, n)
    def body(carry, idx):
        params, opt_state, loss = step(*carry, x[idx], y[idx])
        return (params, opt_state), loss
    (params, opt_state), losses = jax.lax.scan(body, (params, opt_state),
                                               perm[:full].reshape(-1, batch))
    if full < n:
        params, opt_state, _ = step(params, opt_state, x[perm[full:]], y[perm[full:]])
    return params, opt_state, losses.mean()

xd, yd = jax.device_put(X), jax.device_put(y)
keys = jax.random.split(jax.random.key(1), 100)
for e in range(100):
    params, opt_state, loss = epoch(params, opt_state, keys[e], xd, yd)
jax.block_until_ready(params)
"""

E_LOOP_JIT = """
step = jax.jit(step)
rng = np.random.default_rng(1)
for e in range(100):
    perm = rng.permutation(n)
    for i in range(0, n, batch):
        idx = perm[i:i + batch]
        params, opt_state, loss = step(params, opt_state, X[idx], y[idx])
jax.block_until_ready(params)
"""


def child_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("KERASISH_COMPILATION_CACHE", "JAX_COMPILATION_CACHE_DIR",
                        "KERASISH_CACHE_DIR", "BENCH_JAX_CACHE_DIR")}
    env["KERAS_BACKEND"] = "jax"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def run_script(path, args, env):
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, path, *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{path} failed:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


def run_e2e(cfg, available):
    from kerasish.datasets import digits

    tmp = tempfile.mkdtemp(prefix="kerasish-bench-")
    try:
        (x, y), _ = digits.load_data()
        keep = np.isin(y, [0, 1])
        data = os.path.join(tmp, "digits01.npz")
        np.savez(data, x=x[keep].reshape(-1, 64).astype(np.float32) / 16.0,
                 y=y[keep].astype(np.float32))
        scripts = {
            "kerasish": E_KERAS_LIKE.replace("{module}", "kerasish"),
            "keras": E_KERAS_LIKE.replace("{module}", "keras"),
            "hand-scan": E_HAND.replace("{loop}", E_LOOP_SCAN),
            "hand-jit": E_HAND.replace("{loop}", E_LOOP_JIT),
        }
        paths = {}
        for k, text in scripts.items():
            paths[k] = os.path.join(tmp, f"e2e_{k.replace('-', '_')}.py")
            with open(paths[k], "w") as f:
                f.write(text)
        # (row, script, cache folder shared across the two runs, which run is reported)
        rows = [("kerasish, 1st run (empty cache)", "kerasish", "kerasish", 0),
                ("kerasish, 2nd run (cache warm)", "kerasish", "kerasish", 1),
                ("keras, default", "keras", None, 0),
                ("keras, jax cache warm (2nd run)", "keras", "jax", 1),
                ("hand-scan script", "hand-scan", None, 0),
                ("hand-scan, jax cache warm (2nd run)", "hand-scan", "jax", 1),
                ("hand-jit script", "hand-jit", None, 0)]
        runs = {row[0]: [] for row in rows}
        for rep in range(cfg["E_reps"]):
            for script in ("kerasish", "keras", "hand-scan", "hand-jit"):
                if script not in available:
                    continue
                mine = [r for r in rows if r[1] == script]
                cached = [r for r in mine if r[2] is not None]
                if cached:
                    folder = tempfile.mkdtemp(dir=tmp)
                    var = "KERASISH_CACHE_DIR" if cached[0][2] == "kerasish" \
                        else "BENCH_JAX_CACHE_DIR"
                    env = child_env(**{var: folder})
                    if script == "kerasish":
                        first = run_script(paths[script], [data], env)
                        runs[mine[0][0]].append(first)
                    else:  # the uncached row is a run with no cache; then warm one up
                        runs[mine[0][0]].append(run_script(paths[script], [data], child_env()))
                        run_script(paths[script], [data], env)
                    runs[cached[-1][0]].append(run_script(paths[script], [data], env))
                else:
                    runs[mine[0][0]].append(run_script(paths[script], [data], child_env()))
            print(f"  E rep {rep + 1}/{cfg['E_reps']}: " + ", ".join(
                f"{k.split(',')[0].split(' ')[0]} {v[-1]['wall_s']:.2f}s"
                for k, v in runs.items() if v), flush=True)
        res = {"title": "seed script end to end (import, build, fit 100 epochs on digits 0/1,"
                        " predict), whole process", "samples": int(keep.sum()),
               "reps": cfg["E_reps"], "runs": {}}
        for row, values in runs.items():
            if not values:
                continue
            res["runs"][row] = {k: statistics.median(v[k] for v in values)
                                for k in ("wall_s", "import_s", "fit_s", "predict_s")}
            res["runs"][row]["train_accuracy"] = values[-1]["train_accuracy"]
            res["runs"][row]["all_wall_s"] = [v["wall_s"] for v in values]
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_imports(cfg, available):
    tmp = tempfile.mkdtemp(prefix="kerasish-bench-import-")
    try:
        stmts = {"python (nothing)": "pass", "jax, optax": "import jax, optax",
                 "kerasish": "import kerasish"}
        if "keras" in available:
            stmts["keras"] = "import keras"
        res = {"title": "python -c 'import ...' wall time, median", "reps": cfg["I_reps"],
               "impls": {}}
        times = {k: [] for k in stmts}
        for _ in range(cfg["I_reps"]):
            for k, stmt in stmts.items():
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-c", stmt], check=True,
                               env=child_env(KERASISH_CACHE_DIR=tmp))
                times[k].append(time.perf_counter() - t0)
        for k, v in times.items():
            res["impls"][k] = {"wall_s": statistics.median(v), "all_s": v}
            print(f"  I {k:18s} {statistics.median(v):6.3f} s", flush=True)
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------
def _ms(s):
    return "-" if s is None else (f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s")


def _ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def _fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}"


def epoch_ratios(w):
    impls = w["impls"]
    get = lambda i, k: impls.get(i, {}).get(k)  # noqa: E731
    hands = [(get(h, "steady_epoch_s"), h) for h in HAND if get(h, "steady_epoch_s")]
    best = min(hands) if hands else (None, None)
    cpu_hands = [get(h, "steady_epoch_cpu_s") for h in HAND if get(h, "steady_epoch_cpu_s")]
    return {"kerasish/keras": _ratio(get("kerasish", "steady_epoch_s"),
                                     get("keras", "steady_epoch_s")),
            "kerasish/best-hand": _ratio(get("kerasish", "steady_epoch_s"), best[0]),
            "best_hand": best[1],
            "cpu: kerasish/keras": _ratio(get("kerasish", "steady_epoch_cpu_s"),
                                          get("keras", "steady_epoch_cpu_s")),
            "cpu: kerasish/best-hand": _ratio(get("kerasish", "steady_epoch_cpu_s"),
                                              min(cpu_hands) if cpu_hands else None),
            "first: kerasish/keras": _ratio(get("kerasish", "first_epoch_s"),
                                            get("keras", "first_epoch_s"))}


def check_targets(results):
    """Issue 4's targets, each -> (met: bool or None, text)."""
    t = {}

    def put(name, met, text):
        t[name] = {"met": met, "detail": text}

    for w in ("W1", "W2"):
        if w in results:
            r = results[w]["ratios"]
            a, b = r["kerasish/keras"], r["kerasish/best-hand"]
            put(f"{w} steady >= 3x faster than Keras", None if a is None else a <= 1 / 3,
                f"kerasish/keras = {_fmt_ratio(a)} (need <= 0.33; CPU time "
                f"{_fmt_ratio(r['cpu: kerasish/keras'])})")
            put(f"{w} steady within 1.25x of best hand loop", None if b is None else b <= 1.25,
                f"kerasish/{r['best_hand']} = {_fmt_ratio(b)} (need <= 1.25; CPU time "
                f"{_fmt_ratio(r['cpu: kerasish/best-hand'])})")
    for w in ("W3", "W4"):
        if w in results:
            r = results[w]["ratios"]
            a, b = r["kerasish/keras"], r["kerasish/best-hand"]
            put(f"{w} steady within 1.1x of best hand loop", None if b is None else b <= 1.1,
                f"kerasish/{r['best_hand']} = {_fmt_ratio(b)} (need <= 1.10; CPU time "
                f"{_fmt_ratio(r['cpu: kerasish/best-hand'])})")
            put(f"{w} steady not slower than Keras", None if a is None else a <= 1.0,
                f"kerasish/keras = {_fmt_ratio(a)} (need <= 1.00; CPU time "
                f"{_fmt_ratio(r['cpu: kerasish/keras'])})")
    for w in ("W1", "W2", "W3", "W4"):
        if w in results:
            a = results[w]["ratios"]["first: kerasish/keras"]
            put(f"{w} first epoch not slower than Keras", None if a is None else a <= 1.0,
                f"kerasish/keras = {_fmt_ratio(a)} (need <= 1.00)")
    if "W4" in results:
        im = results["W4"]["impls"]
        k, ks = im.get("kerasish", {}), im.get("keras", {})
        if k.get("peak_rss_bytes") and ks.get("peak_rss_bytes"):
            gk = k["peak_rss_bytes"] - k["rss_before_fit_bytes"]
            gks = ks["peak_rss_bytes"] - ks["rss_before_fit_bytes"]
            put("W4 peak memory not above Keras", k["peak_rss_bytes"] <= ks["peak_rss_bytes"],
                f"peak RSS kerasish {k['peak_rss_bytes'] / 2**20:.0f} MiB vs Keras "
                f"{ks['peak_rss_bytes'] / 2**20:.0f} MiB; growth during fit "
                f"{gk / 2**20:.0f} vs {gks / 2**20:.0f} MiB")
    if "E" in results:
        runs = results["E"]["runs"]
        k1 = runs.get("kerasish, 1st run (empty cache)", {}).get("wall_s")
        k2 = runs.get("kerasish, 2nd run (cache warm)", {}).get("wall_s")
        kd = runs.get("keras, default", {}).get("wall_s")
        hands = [(runs[h]["wall_s"], h) for h in ("hand-scan script", "hand-jit script")
                 if h in runs]
        if k1 and hands:
            hb = min(hands)
            put("E first run within 1.1x of hand-written script", k1 / hb[0] <= 1.1,
                f"kerasish {k1:.2f} s / {hb[1]} {hb[0]:.2f} s = {k1 / hb[0]:.2f} (need <= 1.10)")
        if k2 and kd:
            put("E second run >= 4x faster than Keras default", kd / k2 >= 4,
                f"Keras {kd:.2f} s / kerasish 2nd run {k2:.2f} s = {kd / k2:.2f}x (need >= 4)")
    if "P" in results:
        im = results["P"]["impls"]
        k = im.get("kerasish", {}).get("per_call_s")
        ks = im.get("keras", {}).get("per_call_s")
        bare = im.get("bare jit", {}).get("per_call_s")
        if k and ks:
            put("P predict >= 10x faster than Keras", ks / k >= 10,
                f"Keras {_ms(ks)} / kerasish {_ms(k)} = {ks / k:.1f}x (need >= 10)")
        if k and bare:
            put("P predict within 3x of a bare jitted call", k / bare <= 3,
                f"kerasish {_ms(k)} / bare {_ms(bare)} = {k / bare:.2f} (need <= 3)")
    if "I" in results:
        im = results["I"]["impls"]
        d = im["kerasish"]["wall_s"] - im["jax, optax"]["wall_s"]
        put("import kerasish <= 0.3 s over import jax, optax", d <= 0.3,
            f"{im['kerasish']['wall_s']:.2f} s - {im['jax, optax']['wall_s']:.2f} s = "
            f"{d:+.2f} s (need <= +0.30)")
    return t


def report(results):
    lines = []
    ws = [w for w in ("W1", "W2", "W3", "W4") if w in results]
    if ws:
        lines += ["", "Steady-state epoch (median) / first epoch incl. compile:", "",
                  "| workload | kerasish | Keras 3 | hand jit | hand scan | kerasish/Keras | "
                  "kerasish/best hand |", "|---|---|---|---|---|---|---|"]
        for w in ws:
            im, r = results[w]["impls"], results[w]["ratios"]
            cells = []
            for i in IMPLS:
                v = im.get(i, {})
                cells.append("n/a" if "skipped" in v or not v else
                             f"{_ms(v['steady_epoch_s'])} / {_ms(v['first_epoch_s'])}")
            lines.append(f"| {w} ({results[w]['steps_per_epoch']} steps) | " + " | ".join(cells)
                         + f" | {_fmt_ratio(r['kerasish/keras'])} | "
                         f"{_fmt_ratio(r['kerasish/best-hand'])} ({r['best_hand']}) |")
    if ws:
        lines += ["", "Steady-state epoch, process CPU time (all threads; steadier under load):",
                  "", "| workload | kerasish | Keras 3 | hand jit | hand scan | kerasish/Keras | "
                  "kerasish/best hand |", "|---|---|---|---|---|---|---|"]
        for w in ws:
            im, r = results[w]["impls"], results[w]["ratios"]
            cells = [_ms(im[i]["steady_epoch_cpu_s"]) if "steady_epoch_cpu_s" in im.get(i, {})
                     else "n/a" for i in IMPLS]
            lines.append(f"| {w} | " + " | ".join(cells) + f" | "
                         f"{_fmt_ratio(r['cpu: kerasish/keras'])} | "
                         f"{_fmt_ratio(r['cpu: kerasish/best-hand'])} |")
    if "W4" in results:
        lines += ["", "W4 peak RSS of each process (growth during fit):", "",
                  "| | " + " | ".join(IMPLS) + " |", "|---" * (len(IMPLS) + 1) + "|"]
        cells = []
        for i in IMPLS:
            v = results["W4"]["impls"].get(i, {})
            cells.append("n/a" if not v.get("peak_rss_bytes") else
                         f"{v['peak_rss_bytes'] / 2**20:.0f} MiB "
                         f"(+{(v['peak_rss_bytes'] - v['rss_before_fit_bytes']) / 2**20:.0f})")
        lines.append("| peak RSS | " + " | ".join(cells) + " |")
    if "P" in results:
        lines += ["", "P, one sample (median per call):", "", "| call | time | vs bare jit |",
                  "|---|---|---|"]
        bare = results["P"]["impls"].get("bare jit", {}).get("per_call_s")
        for k, v in results["P"]["impls"].items():
            if "per_call_s" in v:
                lines.append(f"| {k} | {v['per_call_s'] * 1e3:.3f} ms | "
                             f"{_fmt_ratio(_ratio(v['per_call_s'], bare))} |")
    if "E" in results:
        lines += ["", "E, whole process wall time (median) and its parts:", "",
                  "| run | wall | import | build+fit | predict |", "|---|---|---|---|---|"]
        for k, v in results["E"]["runs"].items():
            lines.append(f"| {k} | {v['wall_s']:.2f} s | {v['import_s']:.2f} s | "
                         f"{v['fit_s']:.2f} s | {v['predict_s']:.2f} s |")
    if "I" in results:
        lines += ["", "I, `python -c 'import ...'` (median):", "", "| import | wall |",
                  "|---|---|"]
        for k, v in results["I"]["impls"].items():
            lines.append(f"| {k} | {v['wall_s']:.2f} s |")
    if results.get("targets"):
        lines += ["", "Targets of issue 4:", "", "| target | met | measured |", "|---|---|---|"]
        for k, v in results["targets"].items():
            met = {True: "yes", False: "**no**", None: "n/a"}[v["met"]]
            lines.append(f"| {k} | {met} | {v['detail']} |")
    return "\n".join(lines)


def git_state():
    """The commit benchmarked, and whether the working tree had changes (None: no git)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return {"commit": head, "dirty": bool(dirty)}
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_info():
    import jax
    import optax

    info = {"hostname": platform.node(), "platform": platform.platform(),
            "python": platform.python_version(), "cpu_count": os.cpu_count(),
            "jax": jax.__version__, "optax": optax.__version__, "numpy": np.__version__,
            "device": str(jax.devices()[0].device_kind), "backend": jax.default_backend()}
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
            info["cpu"] = m.group(1).strip() if m else platform.processor()
    except OSError:
        info["cpu"] = platform.processor()
    try:
        info["loadavg_start"] = os.getloadavg()
    except OSError:
        pass
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and repetitions")
    parser.add_argument("--only", default="W1,W2,W3,W4,P,E,I",
                        help="comma-separated subset of W1,W2,W3,W4,P,E,I")
    parser.add_argument("--out", default=None, help="JSON path (default: "
                        "benchmarks/results-<host>-<device>.json)")
    parser.add_argument("--w4-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-epochs", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child-rounds", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*donated buffers.*")
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    if args.w4_child:
        return w4_child(args.w4_child, args.child_epochs, args.child_rounds, args.child_out)

    only = [s.strip().upper() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - {"W1", "W2", "W3", "W4", "P", "E", "I"}
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; choose from W1,W2,W3,W4,P,E,I")
    mode = "quick" if args.quick else "full"
    cfg = SETTINGS[mode]

    import jax

    info = machine_info()
    available = {"hand-jit": True, "hand-scan": True}
    try:
        import kerasish  # noqa: F401

        available["kerasish"] = True
    except ImportError as e:
        available["kerasish_why"] = f"kerasish cannot be imported: {e}"
        print(f"note: {available['kerasish_why']}")
    try:
        import keras

        import_framework("keras")
        available["keras"] = True
        info["keras"] = keras.__version__
    except Exception as e:  # noqa: BLE001 - any failure means: run without Keras
        available["keras_why"] = f"Keras 3 (JAX backend) cannot be imported: {e}"
        print(f"note: {available['keras_why']}; its columns are skipped")
    info["kerasish"] = getattr(sys.modules.get("kerasish"), "__version__", None)
    info["kerasish_path"] = getattr(sys.modules.get("kerasish"), "__file__", None)
    info["git"] = git_state()
    jax.jit(lambda a: a + 1)(np.ones(3)).block_until_ready()  # start the backend for all

    print(f"kerasish benchmark ({mode}) on {info['cpu']} x{info['cpu_count']}, "
          f"{info['backend']} ({info['device']}), jax {info['jax']}, keras {info.get('keras')}",
          flush=True)
    results = {"mode": mode, "machine": info}
    t_start = time.perf_counter()
    for name in ("W1", "W2", "W3"):  # W4 below: it adds a memory run per process
        if name in only:
            print(f"{name}: {TITLES[name]}", flush=True)
            results[name] = run_in_process(name, cfg, available)
            results[name]["ratios"] = epoch_ratios(results[name])
    if "W4" in only:
        print(f"W4: {TITLES['W4']}", flush=True)
        results["W4"] = run_w4_memory(cfg, available, run_in_process("W4", cfg, available))
        results["W4"]["ratios"] = epoch_ratios(results["W4"])
    if "P" in only:
        print("P: predict on one sample", flush=True)
        results["P"] = run_predict(cfg, available)
    if "E" in only:
        print("E: end to end, whole processes", flush=True)
        results["E"] = run_e2e(cfg, available)
    if "I" in only:
        print("I: import time", flush=True)
        results["I"] = run_imports(cfg, available)
    results["targets"] = check_targets(results)
    results["total_s"] = time.perf_counter() - t_start
    try:
        results["machine"]["loadavg_end"] = os.getloadavg()
    except OSError:
        pass
    print(report(results))
    print(f"\ntotal {results['total_s']:.0f} s")
    out = args.out or os.path.join(HERE, "results-{}-{}.json".format(
        re.sub(r"[^A-Za-z0-9_.-]+", "_", info["hostname"] or info["cpu"]) or "unknown",
        re.sub(r"[^A-Za-z0-9_.-]+", "_", info["backend"] if info["backend"] == "cpu"
               else info["device"])))
    with open(out, "w") as f:
        json.dump(results, f, indent=1)
    print(f"results written to {out}")


if __name__ == "__main__":
    main()
