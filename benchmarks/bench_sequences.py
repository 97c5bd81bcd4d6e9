"""Sequence models, kerasish against Keras 3 (JAX backend): an LSTM text classifier
(``Embedding(mask_zero=True) -> Bidirectional(LSTM(32)) -> Dense``) and a small
Transformer encoder block (``MultiHeadAttention`` + feed-forward + ``LayerNormalization``
with residuals, then ``GlobalAveragePooling1D``), on integer token sequences with
padding (so masks flow through both models).

    python benchmarks/bench_sequences.py            # 4 epochs x 2 rounds per variant
    python benchmarks/bench_sequences.py --quick    # 3 epochs x 1 round

Each ``fit`` runs in a fresh Python process (so neither library profits from the
other's warm JAX): "first epoch" is the wall time of its first epoch (tracing +
compilation + one epoch; the persistent compilation caches of both libraries are off),
"steady" the median of the later epochs. Rounds of the variants are taken in turn, so
that load on a shared machine hits them alike; read the ratios.
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

import numpy as np  # noqa: E402

VOCAB, LENGTH, SAMPLES, BATCH = 2000, 64, 2048, 32


def token_data(seed=0):
    """Padded token sequences whose label is whether token 7 occurs (a task both
    models learn, so the steps do real work on masked input)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(LENGTH // 4, LENGTH + 1, SAMPLES)
    x = rng.integers(1, VOCAB, (SAMPLES, LENGTH)).astype("int32")
    x[np.arange(LENGTH)[None, :] >= lengths[:, None]] = 0
    y = (x == 7).any(axis=1).astype("float32")
    return x, y


def framework(name):
    if name == "kerasish":
        import kerasish

        return kerasish
    import keras

    return keras


def lstm_classifier(fw):
    fw.utils.set_random_seed(0)
    return fw.Sequential([
        fw.Input((LENGTH,), dtype="int32"),
        fw.layers.Embedding(VOCAB, 32, mask_zero=True),
        fw.layers.Bidirectional(fw.layers.LSTM(32)),
        fw.layers.Dense(1),
    ])


def transformer_block(fw, heads=2, dim=32, ff=64):
    fw.utils.set_random_seed(0)
    layers = fw.layers
    inputs = fw.Input((LENGTH,), dtype="int32")
    x = layers.Embedding(VOCAB, dim)(inputs)
    attention = layers.MultiHeadAttention(heads, dim // heads)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(x + attention)
    hidden = layers.Dense(ff, activation="relu")(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x + layers.Dense(dim)(hidden))
    x = layers.GlobalAveragePooling1D()(x)
    return fw.Model(inputs, layers.Dense(1)(x))


MODELS = {"lstm": lstm_classifier, "transformer": transformer_block}


def timed_fit(fw_name, kind, x, y, epochs, cpu=False):
    fw = framework(fw_name)
    model = MODELS[kind](fw)
    model.compile(optimizer=fw.optimizers.Adam(1e-3),
                  loss=fw.losses.BinaryCrossentropy(from_logits=True))
    stamps = []

    class Timer(fw.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            stamps.append(time.process_time() if cpu else time.perf_counter())

    start = time.process_time() if cpu else time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[Timer()])
    stamps.insert(0, start)
    epoch_times = np.diff(stamps)
    return float(epoch_times[0]), [float(t) for t in epoch_times[1:]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 epochs x 1 round")
    parser.add_argument("--only", default="lstm,transformer")
    parser.add_argument("--cpu", action="store_true",
                        help="process CPU time instead of wall time (less load-sensitive)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "LIBRARY", "EPOCHS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, fw_name, n = args.child
        x, y = token_data()
        print(json.dumps(timed_fit(fw_name, kind, x, y, int(n), args.cpu)))
        return
    epochs, rounds = (3, 1) if args.quick else (4, 2)
    kinds = args.only.split(",")
    first = {(k, f): [] for k in kinds for f in ("kerasish", "keras")}
    steady = {key: [] for key in first}
    for _ in range(rounds):
        for kind in kinds:
            for fw_name in ("kerasish", "keras"):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", kind, fw_name, str(epochs)]
                    + (["--cpu"] if args.cpu else []),
                    check=True, capture_output=True, text=True).stdout
                t0, rest = json.loads(out.strip().splitlines()[-1])
                first[(kind, fw_name)].append(t0)
                steady[(kind, fw_name)] += rest
    print(f"{SAMPLES} sequences x {LENGTH} tokens (vocabulary {VOCAB}), batch {BATCH}; "
          f"{epochs} epochs x {rounds} round(s); {'CPU' if args.cpu else 'wall'} time")
    print(f"{'model':<13}{'library':<10}{'first epoch s':>15}{'steady epoch s':>16}")
    for (kind, fw_name) in first:
        print(f"{kind:<13}{fw_name:<10}{min(first[(kind, fw_name)]):15.3f}"
              f"{statistics.median(steady[(kind, fw_name)]):16.3f}")
    for kind in kinds:
        ratio_first = min(first[(kind, "kerasish")]) / min(first[(kind, "keras")])
        ratio_steady = (statistics.median(steady[(kind, "kerasish")])
                        / statistics.median(steady[(kind, "keras")]))
        print(f"{kind}: kerasish / Keras first epoch {ratio_first:.2f}x, "
              f"steady epoch {ratio_steady:.2f}x")


if __name__ == "__main__":
    main()
