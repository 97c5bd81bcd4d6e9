"""Building a model cold: the time from constructing the layers to having every
weight, kerasish against Keras 3 (JAX backend), each build in a fresh Python process
(both libraries' compilation caches off), so the one-time compilations a new process
pays are in the number.

    python benchmarks/bench_build.py              # 3 rounds, variants taken in turn
    python benchmarks/bench_build.py --rounds 1 --no-keras

Models: the notes' Dense 25-15-10 on 64 inputs (three kernel shapes), a small CNN
(four conv kernels of different shapes) and MobileNetV2 at 96x96 with random weights
(262 weights, some 50 distinct shapes). Reported: wall and CPU time of the build alone
(after the imports), medians over the rounds; read the ratios.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ["KERAS_BACKEND"] = "jax"
os.environ["KERASISH_COMPILATION_CACHE"] = "0"

MODELS = ("dense", "cnn", "mobilenet_v2")


def build(fw, name):
    layers = fw.layers
    if name == "dense":
        return fw.Sequential([layers.Input((64,)), layers.Dense(25, activation="relu"),
                              layers.Dense(15, activation="relu"), layers.Dense(10)])
    if name == "cnn":
        return fw.Sequential([
            layers.Input((32, 32, 3)),
            layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(),
            layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"), layers.Conv2D(48, 1),
            layers.GlobalAveragePooling2D(), layers.Dense(10)])
    return fw.applications.MobileNetV2(input_shape=(96, 96, 3), weights=None)


def worker(library, name):
    if library == "kerasish":
        import kerasish as fw
    else:
        import keras as fw
    wall, cpu = time.perf_counter(), time.process_time()
    model = build(fw, name)
    for w in model.weights:  # every weight materialised
        _ = w.value if hasattr(w, "value") else w
    print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                      "weights": len(model.weights)}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "MODEL"))
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker)
    libraries = ["kerasish"] + ([] if args.no_keras else ["keras"])
    runs = {}
    for _ in range(args.rounds):
        for name in MODELS:
            for library in libraries:
                out = subprocess.run([sys.executable, __file__, "--worker", library, name],
                                     capture_output=True, text=True, check=True)
                runs.setdefault((name, library), []).append(
                    json.loads(out.stdout.strip().splitlines()[-1]))
    results = []
    print("| model | weights | kerasish wall / CPU | Keras wall / CPU | Keras / kerasish (wall, CPU) |")
    print("|---|---|---|---|---|")
    for name in MODELS:
        row = {"model": name}
        for library in libraries:
            r = runs[(name, library)]
            row[library] = {k: statistics.median(x[k] for x in r) for k in ("wall", "cpu")}
            row["weights"] = r[0]["weights"]
        ours = row["kerasish"]
        theirs = row.get("keras")
        ratio = (f"{theirs['wall'] / ours['wall']:.1f}x, {theirs['cpu'] / ours['cpu']:.1f}x"
                 if theirs else "-")
        keras_cell = f"{theirs['wall']:.2f} s / {theirs['cpu']:.2f} s" if theirs else "-"
        print(f"| {name} | {row['weights']} | {ours['wall']:.2f} s / {ours['cpu']:.2f} s | "
              f"{keras_cell} | {ratio} |")
        results.append(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
