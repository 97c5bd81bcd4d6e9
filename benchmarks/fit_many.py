"""``kerasish.many.fit_many`` against a loop of ``fit`` (and of Keras 3's ``fit``).

Two workloads from the course notes, on the bundled digits (1,437 training rows x 64,
scaled by 1/16; the 360 test rows as validation data), model Dense 25 relu - 15 relu -
10 logits, sparse cross-entropy from logits, Adam 1e-3, batch 32, shuffled:

* ``lambda``: the regularisation search, 8 L2 factors on every kernel
  (0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1);
* ``seeds``: an ensemble of 8 seeds of the unregularised model.

Each way of training runs in a Python process of its own, timed from start to exit
(import, data, build, compile, train, read the final metrics): ``fit_many`` (one vmapped
program for the 8 models), ``loop`` (8 ``fit`` calls, kerasish), ``keras`` (8 ``fit``
calls, Keras 3 on JAX; skipped when Keras is not installed). JAX's persistent compilation
cache is off in every process, so every run compiles cold. Each way runs ``--rounds``
times (taken in turn, so that a burst of load on a shared machine hits all of them),
under ``nice -n 5``; the medians of the wall time and of the process's CPU time
(user + system, which the other jobs on a shared machine inflate much less) count, and
the load average after each run is reported beside them.

The ``fit_many`` and ``loop`` processes start from the same seed, so their models must
agree: the largest weight difference and the largest relative difference of the final
validation loss are reported beside the times.

Run from the repository root:

    python benchmarks/fit_many.py                 # 100 epochs, both workloads
    python benchmarks/fit_many.py --epochs 20 --no-keras --rounds 1
    python benchmarks/fit_many.py --json results.json
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
L2S = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
SEED = 1234
NICE = 5  # the benchmark's processes yield to interactive work on a shared machine


def _data():
    import numpy as np

    import kerasish

    (x, y), (xt, yt) = kerasish.datasets.digits.load_data()
    scale = lambda a: a.reshape(len(a), 64).astype("float32") / 16.0  # noqa: E731
    return scale(x), y.astype(np.int32), scale(xt), yt.astype(np.int32)


def _build_kerasish(hp):
    import kerasish
    from kerasish.layers import Dense

    reg = lambda: kerasish.regularizers.L2(hp["l2"])  # noqa: E731
    model = kerasish.Sequential([
        kerasish.Input((64,)),
        Dense(25, activation="relu", kernel_regularizer=reg()),
        Dense(15, activation="relu", kernel_regularizer=reg()),
        Dense(10, kernel_regularizer=reg()),
    ])
    model.compile(loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=kerasish.optimizers.Adam(1e-3))
    return model


def _points(workload):
    if workload == "lambda":
        return [{"l2": l2} for l2 in L2S], None
    return [{"l2": 0.0}], list(range(8))


def worker(way, workload, epochs, out):
    """One process: train the 8 models one way; write final metrics and weights."""
    import numpy as np

    x, y, xt, yt = _data()
    points, seeds = _points(workload)
    runs = [(p, s) for p in points for s in (seeds or [None])]
    weights, val_losses = [], []
    if way == "keras":
        os.environ["KERAS_BACKEND"] = "jax"
        import keras

        keras.utils.set_random_seed(SEED)
        for p, s in runs:
            if s is not None:
                keras.utils.set_random_seed(s)
            reg = lambda l2=p["l2"]: keras.regularizers.L2(l2)  # noqa: E731
            model = keras.Sequential([
                keras.Input((64,)),
                keras.layers.Dense(25, activation="relu", kernel_regularizer=reg()),
                keras.layers.Dense(15, activation="relu", kernel_regularizer=reg()),
                keras.layers.Dense(10, kernel_regularizer=reg())])
            model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                          optimizer=keras.optimizers.Adam(1e-3))
            h = model.fit(x, y, epochs=epochs, batch_size=32, verbose=0,
                          validation_data=(xt, yt))
            val_losses.append(h.history["val_loss"][-1])
    else:
        import kerasish
        from kerasish.many import fit_many

        kerasish.utils.set_random_seed(SEED)
        if way == "fit_many":
            results = fit_many(_build_kerasish, x, y, grid=points, seeds=seeds, epochs=epochs,
                               batch_size=32, validation_data=(xt, yt), verbose=0)
        else:
            results = []
            for p, s in runs:
                if s is not None:
                    kerasish.utils.set_random_seed(s)
                model = _build_kerasish(p)
                results.append((model, model.fit(x, y, epochs=epochs, batch_size=32,
                                                 verbose=0, validation_data=(xt, yt))))
        for model, h in results:
            weights.append(model.get_weights())
            val_losses.append(h.history["val_loss"][-1])
    np.savez(out + ".npz", *[w for ws in weights for w in ws])
    with open(out + ".json", "w") as f:
        json.dump({"val_loss": val_losses, "n_weights": len(weights[0]) if weights else 0}, f)


def run(way, workload, epochs, folder):
    out = os.path.join(folder, f"{workload}-{way}")
    env = dict(os.environ, KERASISH_COMPILATION_CACHE="0", KERAS_BACKEND="jax",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(["nice", "-n", str(NICE), sys.executable, __file__, "--worker", way,
                    "--workload", workload, "--epochs", str(epochs), "--out", out],
                   check=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out + ".json") as f:
        result = json.load(f)
    result["wall_s"] = wall
    # CPU seconds (user + system) of the process: on a shared machine the wall time
    # grows with the other jobs' load, the CPU time much less.
    result["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["out"] = out
    return result


def compare(a, b):
    """Largest weight difference and relative final-val-loss difference of two runs."""
    import numpy as np

    wa, wb = np.load(a["out"] + ".npz"), np.load(b["out"] + ".npz")
    dw = max(float(np.abs(wa[k] - wb[k]).max()) for k in wa.files)
    dl = max(abs(p - q) / abs(q) for p, q in zip(a["val_loss"], b["val_loss"]))
    return dw, dl


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--workloads", default="lambda,seeds")
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="runs per way; the median counts")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--worker")
    parser.add_argument("--workload")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.workload, args.epochs, args.out)
        return
    ways = ["fit_many", "loop"]
    if not args.no_keras:
        os.environ.setdefault("KERAS_BACKEND", "jax")
        try:
            import keras  # noqa: F401
            ways.append("keras")
        except ImportError:
            print("Keras 3 is not installed: no keras loop")
    report = {"epochs": args.epochs, "cpus": os.cpu_count(), "rounds": args.rounds,
              "load_average_at_start": os.getloadavg()[0], "workloads": {}}
    with tempfile.TemporaryDirectory() as folder:
        for workload in args.workloads.split(","):
            walls = {way: [] for way in ways}
            cpus = {way: [] for way in ways}
            loads = []
            for _ in range(args.rounds):  # taken in turn: a burst of load hits all ways
                results = {}
                for way in ways:
                    results[way] = run(way, workload, args.epochs, folder)
                    loads.append(os.getloadavg()[0])
                for way in ways:
                    walls[way].append(results[way]["wall_s"])
                    cpus[way].append(results[way]["cpu_s"])
            dw, dl = compare(results["fit_many"], results["loop"])
            median = {way: statistics.median(w) for way, w in walls.items()}
            median_cpu = {way: statistics.median(c) for way, c in cpus.items()}
            row = {f"{way}_s": round(median[way], 2) for way in ways}
            row.update({f"{way}_cpu_s": round(median_cpu[way], 2) for way in ways})
            for way in ways[1:]:
                row[f"{way}/fit_many"] = round(median[way] / median["fit_many"], 2)
                row[f"{way}/fit_many_cpu"] = round(median_cpu[way] / median_cpu["fit_many"], 2)
            row["walls_s"] = {way: [round(t, 2) for t in w] for way, w in walls.items()}
            row["cpus_s"] = {way: [round(t, 2) for t in c] for way, c in cpus.items()}
            row["load_average_after_each_run"] = [round(v, 1) for v in loads]
            row["max_weight_diff"] = dw
            row["max_rel_val_loss_diff"] = dl
            report["workloads"][workload] = row
            print(workload, json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        print("written", args.json)


if __name__ == "__main__":
    main()
