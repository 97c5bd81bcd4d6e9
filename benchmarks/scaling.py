"""Data-parallel scaling: the same fit on 1, 2 and 4 devices.

On a CPU the devices are forced with XLA_FLAGS=--xla_force_host_platform_device_count=N
(each run in its own process, since JAX fixes the device count at start). Forced CPU
devices share the same cores, so this measures the overhead of the sharded program,
not a speed-up; on real GPUs the same script measures real scaling.

Run: python benchmarks/scaling.py [--devices 1,2,4] [--epochs 5]
"""

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import os, sys, time, json
n = int(sys.argv[1]); epochs = int(sys.argv[2])
if os.environ.get("SCALING_FORCE_CPU") == "1":
    os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={n}"
import numpy as np, jax, kerasish
from kerasish import distribution as D
devices = D.list_devices()[:n]
rng = np.random.default_rng(0)
x = rng.normal(size=(20000, 784)).astype("float32")
y = rng.integers(0, 10, size=20000)
kerasish.utils.set_random_seed(0)
model = kerasish.Sequential([kerasish.Input((784,)), kerasish.layers.Dense(512, activation="relu"),
                             kerasish.layers.Dense(512, activation="relu"), kerasish.layers.Dense(10)])
model.compile(loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="adam")
times = []

class Timer(kerasish.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None): self.t = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None): times.append(time.perf_counter() - self.t)

with D.DataParallel(devices=devices).scope():
    model.fit(x, y, batch_size=128, epochs=epochs, verbose=0, callbacks=[Timer()])
print(json.dumps({"devices": n, "device_kind": jax.devices()[0].device_kind,
                  "first_epoch_s": times[0], "median_epoch_s": float(np.median(times[1:]))}))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", default="1,2,4")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    force_cpu = "1" if os.environ.get("JAX_PLATFORMS", "cpu") == "cpu" else "0"
    rows = []
    for n in [int(d) for d in args.devices.split(",")]:
        env = dict(os.environ, SCALING_FORCE_CPU=force_cpu, KERASISH_COMPILATION_CACHE="0")
        if force_cpu == "1":
            env["JAX_PLATFORMS"] = "cpu"
        out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(args.epochs)],
                             capture_output=True, text=True, env=env, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    base = rows[0]["median_epoch_s"]
    print(f"{'devices':>7} {'kind':>16} {'first epoch':>12} {'median epoch':>13} {'vs 1':>6}")
    for r in rows:
        print(f"{r['devices']:>7} {r['device_kind']:>16} {r['first_epoch_s']:>11.2f}s "
              f"{r['median_epoch_s']:>12.3f}s {r['median_epoch_s'] / base:>6.2f}")


if __name__ == "__main__":
    main()
