"""Soak: 2,000 short ``fit`` / ``predict`` calls, no creeping compilations or memory.

A long-lived process (a notebook, a training service, a hyperparameter loop) calls
``fit`` and ``predict`` thousands of times with varying batch sizes and data lengths.
Anything the engine keys on something that changes per call (a fresh ``jax.jit``, a
Python float baked into a program, an array's identity) shows up here as compilations
that never stop; anything it keeps per call (histories, buffers, cached closures) shows
up as memory that never stops growing.

One soak runs once per module (< ~90 s on 2 CPU cores) and the tests read its record:

* every (data length, batch size) combination is visited once first (the warm-up);
  after that, 2,000 calls in random order must trace the model zero more times and
  lower zero more XLA programs of any kind (``jax.monitoring`` lowering events);
* the number of programs is bounded by the buckets: one train program per
  (data length, batch size) pair, and for ``predict`` on 1..96 rows at
  ``batch_size=32`` at most one program per power-of-two bucket plus one per
  scan length, as /work/shared/DESIGN.md prescribes ("Shapes are bucketed (batch
  padded to the bucket)");
* live device arrays and the resident set size stop growing after the warm-up.
"""

import gc
import os
import resource
import time

import jax
import numpy as np
import pytest

import kerasish
from kerasish.layers import Dense

pytestmark = pytest.mark.slow

CALLS = 2000
FEATURES = 8
LENGTHS = (64, 100, 256)          # fit on datasets of these sizes ...
BATCHES = (8, 16, 32, 64)         # ... with these batch sizes
PREDICT_ROWS = range(1, 97)       # predict on 1..96 rows ...
PREDICT_BATCH = 32                # ... in batches of 32 (1, 2 or 3 scan steps)
LOWERING_EVENT = "/jax/core/compile/jaxpr_to_mlir_module_duration"


def _rss_bytes():
    """Current resident set size (Linux /proc), else the peak from getrusage."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        scale = 1 if os.uname().sysname == "Darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


class _Counts:
    """Traces of the model's ``call`` (one per program that runs the model) and XLA
    lowerings of any program (eager ops included), as running totals."""

    def __init__(self, model):
        self.traces = 0
        self.lowerings = 0
        self.trace_shapes = []
        original = model.call

        def counting_call(*args, **kwargs):
            leaves = jax.tree_util.tree_leaves(args)
            if any(isinstance(a, jax.core.Tracer) for a in leaves):
                self.traces += 1
                self.trace_shapes.append(tuple(getattr(leaves[0], "shape", ())))
            return original(*args, **kwargs)

        model.call = counting_call

    def on_event(self, event, duration, **kwargs):
        if event == LOWERING_EVENT:
            self.lowerings += 1


def _call(model, x, y, op):
    kind, a, b = op
    if kind == "fit":
        model.fit(x[:a], y[:a], batch_size=b, epochs=1, verbose=0)
    else:
        model.predict(x[:a], batch_size=b, verbose=0)


@pytest.fixture(scope="module")
def soak():
    kerasish.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(max(LENGTHS), FEATURES)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    model = kerasish.Sequential([kerasish.Input(shape=(FEATURES,)),
                                 Dense(16, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    counts = _Counts(model)
    jax.monitoring.register_event_duration_secs_listener(counts.on_event)
    start = time.perf_counter()
    try:
        for n in LENGTHS:
            for b in BATCHES:
                _call(model, x, y, ("fit", n, b))
        fit_traces = counts.traces
        for m in PREDICT_ROWS:
            _call(model, x, y, ("predict", m, PREDICT_BATCH))
        after_warmup = {"traces": counts.traces, "lowerings": counts.lowerings,
                        "fit_traces": fit_traces,
                        "predict_shapes": counts.trace_shapes[fit_traces:],
                        "warmup_seconds": time.perf_counter() - start}
        gc.collect()
        samples = []  # (call index, rss, live arrays, traces, lowerings)
        for i in range(CALLS):
            if rng.random() < 0.5:
                op = ("fit", int(rng.choice(LENGTHS)), int(rng.choice(BATCHES)))
            else:
                op = ("predict", int(rng.choice(PREDICT_ROWS)), PREDICT_BATCH)
            _call(model, x, y, op)
            if i % 100 == 99:
                gc.collect()
                samples.append((i + 1, _rss_bytes(), len(jax.live_arrays()), counts.traces,
                                counts.lowerings))
    finally:
        jax.monitoring.unregister_event_duration_listener(counts.on_event)
    return {"after_warmup": after_warmup, "samples": samples, "counts": counts,
            "seconds": time.perf_counter() - start, "model": model, "x": x}


def test_soak_finishes_in_time(soak):
    assert len(soak["samples"]) == CALLS // 100
    assert soak["seconds"] < 180, f"the soak took {soak['seconds']:.0f} s"


def test_no_compilation_after_warmup(soak):
    warm = soak["after_warmup"]
    _, _, _, traces, lowerings = soak["samples"][-1]
    new_shapes = soak["counts"].trace_shapes[warm["traces"]:]
    assert traces == warm["traces"], (
        f"{traces - warm['traces']} model traces in {CALLS} calls after every shape was "
        f"already seen (input shapes: {new_shapes[:10]})")
    assert lowerings == warm["lowerings"], (
        f"{lowerings - warm['lowerings']} XLA programs lowered in {CALLS} calls after the "
        "warm-up: something compiles per call")


def test_fit_compiles_one_program_per_length_and_batch_size(soak):
    fit_traces = soak["after_warmup"]["fit_traces"]
    # + 1: the one abstract trace (jax.eval_shape, no compilation) that finds whether the
    # model's layers call add_loss, cached per variable layout.
    assert 1 <= fit_traces <= len(LENGTHS) * len(BATCHES) + 1, fit_traces


def _predict_bound():
    buckets = int(np.ceil(np.log2(PREDICT_BATCH))) + 1  # 1, 2, 4, ..., 32 rows
    scans = int(np.ceil(max(PREDICT_ROWS) / PREDICT_BATCH)) - 1  # 2 or 3 batches
    return buckets + scans


def test_predict_compiles_a_bounded_number_of_buckets(soak):
    """predict on 1..96 rows: O(log batch_size) programs, not one per row count."""
    shapes = soak["after_warmup"]["predict_shapes"]
    assert len(shapes) <= _predict_bound(), (
        f"predict on 1..{max(PREDICT_ROWS)} rows compiled {len(shapes)} programs (bound "
        f"{_predict_bound()}: one per power-of-two bucket up to batch_size={PREDICT_BATCH}, "
        f"plus one per scan length). Input shapes traced: {shapes[:6]} ... {shapes[-3:]}")


def test_memory_does_not_grow(soak):
    samples = soak["samples"]
    first, last = samples[0], samples[-1]
    live = [s[2] for s in samples]
    assert max(live) - live[0] <= 10, f"live device arrays keep growing: {live}"
    rss = np.array([s[1] for s in samples], float) / 2**20
    # Over the last three quarters of the soak the RSS must be flat: a leak of even
    # 10 kB per call would add ~15 MB there.
    tail = rss[len(rss) // 4:]
    calls = np.array([s[0] for s in samples], float)[len(rss) // 4:]
    slope = np.polyfit(calls, tail, 1)[0] * 1000  # MB per 1,000 calls
    assert rss[-1] - rss[0] < 40 and slope < 5, (
        f"resident memory grows: {rss[0]:.0f} MB after {first[0]} calls, {rss[-1]:.0f} MB "
        f"after {last[0]} ({slope:.1f} MB per 1,000 calls); samples {np.round(rss, 1)}")
