"""Make every figure of the documentation: PNGs written next to this file.

    python docs/figures/make_figures.py            # all figures, into docs/figures/
    python docs/figures/make_figures.py --out DIR  # somewhere else (the tests do this)

The models are the guide's own (same code, same seeds), so the figures show what the
pages compute. ``KERASISH_FIGURE_EPOCHS=N`` caps every training run at N epochs, for a
quick check that the script still works; the committed figures use the full counts.
"""

import argparse
import os
import pathlib
import warnings

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import kerasish as keras  # noqa: E402
from kerasish.layers import Dense  # noqa: E402
from kerasish.losses import BinaryCrossentropy, SparseCategoricalCrossentropy  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
DPI = 80
EPOCH_CAP = int(os.environ.get("KERASISH_FIGURE_EPOCHS", "0")) or None


def epochs(n):
    return n if EPOCH_CAP is None else min(n, EPOCH_CAP)


def digits():
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    X = x_train.reshape(-1, 64).astype("float32") / 16.0
    X_test = x_test.reshape(-1, 64).astype("float32") / 16.0
    return X, y_train, X_test, y_test, x_test


def activations(out):
    """ReLU, linear and sigmoid, each with its derivative (guide chapter 4)."""
    import jax

    z = np.linspace(-6, 6, 241)
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8), sharex=True)
    for ax, name, formula in zip(axes, ["relu", "linear", "sigmoid"],
                                 [r"$g(z) = \max(0, z)$", r"$g(z) = z$",
                                  r"$g(z) = 1 / (1 + e^{-z})$"]):
        g = keras.activations.get(name)
        slope = jax.vmap(jax.grad(g))(z.astype("float32"))
        ax.plot(z, np.asarray(g(z)), lw=2, label="g(z)")
        ax.plot(z, np.asarray(slope), lw=1.5, ls="--", label="slope g'(z)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(f'"{name}": {formula}', fontsize=10)
        ax.set_xlabel("z")
        ax.set_ylim(-1.5, 6) if name != "sigmoid" else ax.set_ylim(-0.1, 1.1)
    axes[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "activations.png", dpi=DPI)
    plt.close(fig)


def loss_curves(out):
    """Full-batch gradient descent vs Adam on the ten digits (guide chapter 8)."""
    X, y, _, _, _ = digits()

    def train(optimizer, n):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([Dense(units=25, activation="relu"),
                                  Dense(units=15, activation="relu"),
                                  Dense(units=10, activation="linear")])
        model.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=optimizer)
        return model.fit(X, y, batch_size=len(X), epochs=epochs(n), verbose=0).history["loss"]

    curves = {
        "gradient descent, learning_rate=0.1": train(keras.optimizers.SGD(learning_rate=0.1), 200),
        "gradient descent, learning_rate=0.5": train(keras.optimizers.SGD(learning_rate=0.5), 200),
        "Adam, learning_rate=0.01": train(keras.optimizers.Adam(learning_rate=0.01), 200),
    }
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for (name, losses), style in zip(curves.items(), ["--", "-.", "-"]):
        ax.plot(range(1, len(losses) + 1), losses, style, lw=2, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("step (one full pass over the 1,437 training images)")
    ax.set_ylabel("cost J (cross-entropy)")
    ax.set_title("Ten-digit network: gradient descent vs Adam", fontsize=11)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "loss_curves.png", dpi=DPI)
    plt.close(fig)


def decision_boundary(out):
    """Linear vs ReLU hidden layers on two features (guide chapter 4)."""
    X, y, _, _, _ = digits()
    mean = X.mean(axis=0)
    _, _, components = np.linalg.svd(X - mean, full_matrices=False)
    F = (X - mean) @ components[:2].T
    F = F / F.std(axis=0)
    target = np.isin(y, [0, 3, 6]).astype("float32")

    lo, hi = F.min(axis=0) - 0.3, F.max(axis=0) + 0.3
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    grid = np.stack([g1.ravel(), g2.ravel()], axis=1).astype("float32")

    fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
    for ax, hidden in zip(axes, ["linear", "relu"]):
        keras.utils.set_random_seed(0)
        net = keras.Sequential([Dense(25, activation=hidden), Dense(15, activation=hidden),
                                Dense(1, activation="sigmoid")])
        net.compile(loss=BinaryCrossentropy(), optimizer=keras.optimizers.Adam(1e-2),
                    metrics=["accuracy"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the linear network is linear on purpose
            net.fit(F, target, batch_size=64, epochs=epochs(100), verbose=0)
        accuracy = net.evaluate(F, target, verbose=0)[1]
        p = net.predict(grid, verbose=0).reshape(g1.shape)
        ax.contourf(g1, g2, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35,
                    antialiased=False)
        ax.contour(g1, g2, p, levels=[0.5], colors="black", linewidths=2)
        for label, color, marker in [(0, "tab:blue", "o"), (1, "tab:red", "^")]:
            keep = target == label
            ax.scatter(F[keep, 0], F[keep, 1], s=6, c=color, marker=marker, linewidths=0,
                       label="0, 3 or 6" if label else "other digits")
        ax.set_title(f'hidden activation "{hidden}": accuracy {accuracy:.3f}', fontsize=10)
        ax.set_xlabel("feature 1 (first principal component)")
    axes[0].set_ylabel("feature 2")
    axes[1].legend(loc="lower right", fontsize=8, framealpha=0.9)
    fig.suptitle("Is it a 0, 3 or 6? Black line: the decision boundary (probability 0.5)",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(out / "decision_boundary.png", dpi=DPI)
    plt.close(fig)


def digits_predictions(out):
    """Test digits and the softmax network's predictions (guide chapter 5)."""
    X, y, X_test, y_test, images = digits()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([Dense(units=25, activation="relu"),
                              Dense(units=15, activation="relu"),
                              Dense(units=10, activation="softmax")])
    model.compile(loss=SparseCategoricalCrossentropy(),
                  optimizer=keras.optimizers.Adam(learning_rate=1e-3), metrics=["accuracy"])
    model.fit(X, y, epochs=epochs(100), verbose=0)
    predicted = model.predict(X_test, verbose=0).argmax(axis=1)

    first = 24
    more_wrong = [i for i in np.flatnonzero(predicted != y_test) if i >= first][:32 - first]
    shown = np.concatenate([np.arange(32 - len(more_wrong)), more_wrong]).astype(int)
    fig, axes = plt.subplots(4, 8, figsize=(8, 4.6))
    for ax, i in zip(axes.ravel(), shown):
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=16)
        ok = predicted[i] == y_test[i]
        ax.set_title(f"{predicted[i]}" if ok else f"{predicted[i]} (is {y_test[i]})",
                     fontsize=10, color="black" if ok else "red")
        ax.set_axis_off()
    fig.suptitle(f"Predictions on the first {32 - len(more_wrong)} test digits, then on "
                 f"{len(more_wrong)} more mistakes; mistakes in red", fontsize=11)
    fig.tight_layout()
    fig.savefig(out / "digits_predictions.png", dpi=DPI)
    plt.close(fig)


FIGURES = [activations, loss_curves, decision_boundary, digits_predictions]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=HERE,
                        help="folder for the PNGs (default: docs/figures/)")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for make in FIGURES:
        make(out)
        print(f"made {make.__name__}")


if __name__ == "__main__":
    main()
