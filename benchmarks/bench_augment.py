"""Augmentation inside the model: W3's small CNN (benchmarks/bench.py) on the digits,
with ``RandomFlip("horizontal") -> RandomRotation(0.1) -> RandomZoom(0.1)`` in front of
the first convolution, against the same model without them; kerasish against Keras 3
(JAX backend).

    python benchmarks/bench_augment.py            # 5 epochs x 2 rounds per variant
    python benchmarks/bench_augment.py --quick    # 3 epochs x 1 round

An epoch's time is the wall (and process CPU) time between consecutive ``on_epoch_end``
calls; "steady" is the median over every epoch but the first of each ``fit``. Rounds of
the four variants are taken in turn, so that load on a shared machine hits them alike.
Keras's ``RandomRotation`` and ``RandomZoom`` set ``supports_jit = False``, so Keras
trains the augmented model without ``jax.jit`` (``jit_compile=True`` is refused with a
warning, "Model doesn't support `jit_compile=True`"); kerasish compiles the whole step.

Quick run on the shared 2-core CPU machine (2026-11-30), steady epoch wall / CPU:
kerasish 0.372 / 0.342 s, Keras 0.262 / 0.304 s without augmentation; kerasish 0.421 /
0.395 s, Keras 7.890 / 6.086 s with it (kerasish/Keras 0.05x wall).
"""

import argparse
import os
import statistics
import time

os.environ["KERAS_BACKEND"] = "jax"
os.environ["KERASISH_COMPILATION_CACHE"] = "0"

import numpy as np  # noqa: E402


def digits():
    import kerasish

    (xa, ya), (xb, yb) = kerasish.datasets.digits.load_data()
    x = np.concatenate([xa, xb]).astype(np.float32).reshape(-1, 8, 8, 1) / 16.0
    return x, np.concatenate([ya, yb]).astype(np.int32)


def framework(name):
    if name == "kerasish":
        import kerasish

        return kerasish
    import keras

    return keras


def build(fw, augment):
    fw.utils.set_random_seed(0)
    layers = [fw.Input((8, 8, 1))]
    if augment:
        layers += [fw.layers.RandomFlip("horizontal"), fw.layers.RandomRotation(0.1),
                   fw.layers.RandomZoom(0.1)]
    layers += [fw.layers.Conv2D(32, 3, padding="same", activation="relu"),
               fw.layers.Conv2D(64, 3, padding="same", activation="relu"),
               fw.layers.MaxPooling2D(2), fw.layers.Flatten(),
               fw.layers.Dense(128, activation="relu"), fw.layers.Dense(10)]
    model = fw.Sequential(layers)
    model.compile(optimizer=fw.optimizers.Adam(1e-3),
                  loss=fw.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


class Clock:
    def __init__(self):
        self.last = None
        self.epochs = []

    def start(self):
        self.last = (time.perf_counter(), time.process_time())

    def tick(self):
        now = (time.perf_counter(), time.process_time())
        self.epochs.append((now[0] - self.last[0], now[1] - self.last[1]))
        self.last = now


def run(variants, epochs, rounds):
    x, y = digits()
    models, times = {}, {v: [] for v in variants}
    for r in range(rounds):
        for fw_name, augment in variants:
            fw = framework(fw_name)
            key = (fw_name, augment)
            if key not in models:
                models[key] = build(fw, augment)
            clock = Clock()

            class Timer(fw.callbacks.Callback):
                def on_epoch_end(self, epoch, logs=None):
                    clock.tick()

            clock.start()
            models[key].fit(x, y, batch_size=32, epochs=epochs, verbose=0, shuffle=True,
                            callbacks=[Timer()])
            times[key] += clock.epochs[1:]  # the first epoch of each fit compiles
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 epochs x 1 round")
    args = parser.parse_args()
    epochs, rounds = (3, 1) if args.quick else (5, 2)
    variants = [(fw, aug) for aug in (False, True) for fw in ("kerasish", "keras")]
    times = run(variants, epochs, rounds)
    steady = {k: (statistics.median(t[0] for t in v), statistics.median(t[1] for t in v))
              for k, v in times.items()}
    print(f"W3 CNN + augmentation, digits 1,797 x 8 x 8, batch 32; {epochs} epochs x "
          f"{rounds} round(s); steady epoch (median, first epoch of each fit excluded)")
    print(f"{'variant':<28}{'wall s':>9}{'cpu s':>9}")
    for (fw, aug), (wall, cpu) in steady.items():
        print(f"{fw + (' + augmentation' if aug else ''):<28}{wall:9.3f}{cpu:9.3f}")
    for aug in (False, True):
        ours, theirs = steady[("kerasish", aug)], steady[("keras", aug)]
        print(f"kerasish / Keras {'with' if aug else 'without'} augmentation: "
              f"wall {ours[0] / theirs[0]:.2f}x, cpu {ours[1] / theirs[1]:.2f}x")
    for fw in ("kerasish", "keras"):
        with_, without = steady[(fw, True)], steady[(fw, False)]
        print(f"{fw}: augmentation costs {with_[0] / without[0]:.2f}x the plain epoch (wall)")


if __name__ == "__main__":
    main()
