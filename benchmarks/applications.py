"""Pretrained networks: kerasish.applications against keras.applications (JAX backend).

Run from the repository root:

    python benchmarks/applications.py            # 224x224 inference + a fine-tuning epoch
    python benchmarks/applications.py --quick    # fewer repetitions

Workloads, the same network and the same (random) weights in both libraries:

* ``predict`` of ResNet50 and MobileNetV2 (224 x 224 x 3, ImageNet head) on batches of 1
  and 32: the median wall time of ``model.predict(x)`` (and of ``model(x)`` for batch
  1, the way one image is classified in a loop), after a warm-up call;
* ``fine-tune``: one epoch of ``fit`` of MobileNetV2 at 160 x 160 with the last 20
  layers trainable and a new 10-class head (256 images, 128 with ``--quick``; batch
  32), steady (the second epoch of a 2-epoch ``fit`` on the already compiled model),
  wall and CPU time, in alternating rounds (``--fine-tune-only`` skips inference).

The two libraries are timed in alternating rounds, so that a burst of load on a shared
machine does not hit one of them only; the table shows kerasish's time over Keras's.
"""

import argparse
import json
import os
import platform
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
# Cold compiles for both libraries: importing kerasish turns JAX's persistent cache on
# for the whole process, so Keras's programs would load from an earlier run's cache.
os.environ.setdefault("KERASISH_COMPILATION_CACHE", "0")

import numpy as np  # noqa: E402


def build(lib, arch, **kwargs):
    lib.utils.set_random_seed(0)
    return getattr(lib.applications, arch)(weights=None, **kwargs)


def copy_weights(src, dst):
    dst.set_weights(src.get_weights())


def timed(fn, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def predict_rounds(libs, arch, batch, reps, rounds):
    models = {name: build(lib, arch) for name, lib in libs.items()}
    if len(models) == 2:
        copy_weights(models["keras"], models["kerasish"])
    x = np.random.default_rng(0).uniform(-1, 1, (batch, 224, 224, 3)).astype("float32")
    out = {}
    for name, model in models.items():  # warm-up: compile
        out[name] = np.asarray(model.predict(x, verbose=0))
        if batch == 1:
            np.asarray(model(x))
    if len(out) == 2:
        diff = float(np.max(np.abs(out["kerasish"] - out["keras"])))
        assert diff < 1e-3, f"{arch}: predictions differ by {diff}"
    times = {name: {"predict": [], "call": []} for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            times[name]["predict"] += timed(lambda m=model: m.predict(x, verbose=0), reps)
            if batch == 1:
                times[name]["call"] += timed(lambda m=model: np.asarray(m(x)), reps)
    return {name: {k: statistics.median(v) for k, v in t.items() if v}
            for name, t in times.items()}


def fine_tune_model(lib, size):
    base = build(lib, "MobileNetV2", input_shape=(size, size, 3), include_top=False)
    base.trainable = True
    for layer in base.layers[:-20]:
        layer.trainable = False
    inputs = lib.Input((size, size, 3))
    x = lib.layers.GlobalAveragePooling2D()(base(inputs))
    model = lib.Model(inputs, lib.layers.Dense(10, activation="softmax")(x))
    model.compile(optimizer=lib.optimizers.Adam(1e-5),
                  loss="sparse_categorical_crossentropy")
    return model


def fine_tune_epochs(lib, model, x, y, epochs):
    """``fit`` for ``epochs`` epochs: each epoch's (wall, CPU) seconds. CPU time is the
    process's (XLA's threads included): on a shared machine it moves less than wall."""
    stamps = []
    cb = lib.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: stamps.append(
        (time.perf_counter(), time.process_time())))
    start = (time.perf_counter(), time.process_time())
    model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, callbacks=[cb])
    return [(b[0] - a[0], b[1] - a[1]) for a, b in zip([start] + stamps[:-1], stamps)]


def fine_tune_rounds(libs, images, rounds, size=160):
    """Both models built and compiled first (the first epoch, timed), then ``rounds``
    rounds of a 2-epoch ``fit`` per library, alternating which goes first; the steady
    epoch is each fit's second."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (images, size, size, 3)).astype("float32")
    y = rng.integers(0, 10, images)
    models = {name: fine_tune_model(lib, size) for name, lib in libs.items()}
    if len(models) == 2:
        copy_weights(models["keras"], models["kerasish"])
    out = {name: {"first": fine_tune_epochs(lib, models[name], x, y, 1)[0][0],
                  "steady_wall": [], "steady_cpu": []} for name, lib in libs.items()}
    names = list(libs)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            wall, cpu = fine_tune_epochs(libs[name], models[name], x, y, 2)[1]
            out[name]["steady_wall"].append(wall)
            out[name]["steady_cpu"].append(cpu)
    return {name: {"first": t["first"], "steady": statistics.median(t["steady_wall"]),
                   "steady_cpu": statistics.median(t["steady_cpu"]),
                   "rounds_wall": t["steady_wall"], "rounds_cpu": t["steady_cpu"]}
            for name, t in out.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--fine-tune-only", action="store_true")
    args = parser.parse_args()
    reps, rounds = (2, 2) if args.quick else (3, 3)

    import kerasish

    libs = {"kerasish": kerasish}
    try:
        import keras

        libs["keras"] = keras
    except ImportError:
        print("keras not importable: kerasish only")
    results = {"machine": platform.node(), "cpus": os.cpu_count(), "predict": {}}
    for arch in () if args.fine_tune_only else ("MobileNetV2", "ResNet50"):
        for batch in (1, 32):
            r = predict_rounds(libs, arch, batch, reps if batch == 1 else 1, rounds)
            results["predict"][f"{arch} batch {batch}"] = r
            line = f"{arch:12s} batch {batch:2d}: " + ", ".join(
                f"{name} predict {t['predict'] * 1e3:8.1f} ms" + (
                    f" call {t['call'] * 1e3:7.1f} ms" if "call" in t else "")
                for name, t in r.items())
            if "keras" in r:
                line += f"  | ratio predict {r['kerasish']['predict'] / r['keras']['predict']:.2f}"
                if "call" in r["keras"]:
                    line += f", call {r['kerasish']['call'] / r['keras']['call']:.2f}"
            print(line, flush=True)
    images, tune_rounds = (128, 3) if args.quick else (256, 4)
    load_before = os.getloadavg()[0]
    results["fine_tune"] = fine_tune_rounds(libs, images, tune_rounds)
    results["fine_tune_images"] = images
    results["load_average"] = [load_before, os.getloadavg()[0]]
    for name, t in results["fine_tune"].items():
        print(f"fine-tune MobileNetV2 160px, {images} images: {name} first {t['first']:.1f} s,"
              f" steady {t['steady']:.1f} s wall, {t['steady_cpu']:.1f} s CPU", flush=True)
    if "keras" in results["fine_tune"]:
        ft = results["fine_tune"]
        print(f"  ratio steady wall {ft['kerasish']['steady'] / ft['keras']['steady']:.2f}, "
              f"CPU {ft['kerasish']['steady_cpu'] / ft['keras']['steady_cpu']:.2f}, "
              f"first {ft['kerasish']['first'] / ft['keras']['first']:.2f} "
              f"(load average {load_before:.1f} -> {os.getloadavg()[0]:.1f})")
    path = os.path.join(os.path.dirname(__file__), "results-applications%s.json" % (
        "-fine-tune" if args.fine_tune_only else ""))
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print("written", path)


if __name__ == "__main__":
    main()
