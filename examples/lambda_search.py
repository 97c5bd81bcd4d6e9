"""Choosing the regularisation strength lambda by cross-validation (the course's
bias/variance chapter), with all the models trained at once by ``fit_many``.

For each of 8 values of lambda (an L2 penalty on every kernel) the 25-15-10 digits model
is trained on 4 cross-validation folds: 32 models, trained as one compiled program
(lambda is data in it, not a constant). Small lambdas fit the training folds best
(high variance); large ones underfit both (high bias); the chosen lambda has the lowest
mean validation error. It is then retrained on every training row and tested once.

Run: python examples/lambda_search.py [--epochs 100]
"""

import argparse
import os
import tempfile

import numpy as np

import kerasish
from kerasish.layers import Dense
from kerasish.many import fit_many, results_table

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=100)
epochs = parser.parse_args().epochs
kerasish.utils.set_random_seed(0)

# The bundled handwritten digits: 8x8 images, as 64 features scaled to [0, 1].
(X, y), (X_test, y_test) = kerasish.datasets.digits.load_data()
X = X.reshape(len(X), 64).astype("float32") / 16.0
X_test = X_test.reshape(len(X_test), 64).astype("float32") / 16.0
y, y_test = y.astype("int32"), y_test.astype("int32")
LAMBDAS = [0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]


def build(hp):
    reg = lambda: kerasish.regularizers.L2(hp["lambda"])  # noqa: E731
    model = kerasish.Sequential([
        kerasish.Input((64,)),
        Dense(25, activation="relu", kernel_regularizer=reg()),
        Dense(15, activation="relu", kernel_regularizer=reg()),
        Dense(10, kernel_regularizer=reg()),
    ])
    model.compile(loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=kerasish.optimizers.Adam(1e-3), metrics=["accuracy"])
    return model


results = fit_many(build, X, y, grid={"lambda": LAMBDAS}, seeds=[0], folds=4, epochs=epochs,
                   verbose=0)
rows = results_table(results, metrics=["accuracy", "val_accuracy"])
# Classification error, averaged over the folds. The training accuracy is the mean over
# the last epoch's batches, as Keras logs it.
train_error = [np.mean([1 - r["accuracy"] for r in rows if r["lambda"] == lam])
               for lam in LAMBDAS]
cv_error = [np.mean([1 - r["val_accuracy"] for r in rows if r["lambda"] == lam])
            for lam in LAMBDAS]
print(f"{len(results)} models ({len(LAMBDAS)} lambdas x 4 folds), {epochs} epochs")
print("lambda    train error   cv error")
for lam, tr, cv in zip(LAMBDAS, train_error, cv_error):
    print(f"{lam:<9g} {tr:11.4f} {cv:10.4f}")
best = LAMBDAS[int(np.argmin(cv_error))]
print(f"chosen lambda: {best:g} (lowest mean cv error)")

kerasish.utils.set_random_seed(0)
final = build({"lambda": best})
final.fit(X, y, epochs=epochs, verbose=0)
_, test_accuracy = final.evaluate(X_test, y_test, verbose=0)
print(f"test accuracy with lambda={best:g}: {test_accuracy:.4f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [max(lam, 1e-5) for lam in LAMBDAS]  # lambda = 0 drawn at 1e-5 on the log axis
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.semilogx(xs, train_error, "o-", label="train error")
    ax.semilogx(xs, cv_error, "o-", label="cv error (4 folds)")
    ax.axvline(max(best, 1e-5), color="gray", linestyle=":", label=f"chosen: {best:g}")
    ax.set_xlabel("lambda (0 drawn at 1e-5)")
    ax.set_ylabel("classification error")
    ax.legend()
    fig.tight_layout()
    path = os.path.join(tempfile.gettempdir(), "kerasish_lambda_search.png")
    fig.savefig(path, dpi=120)
    print(f"error against lambda saved to {path}")
except ImportError:
    print("matplotlib not installed: no plot (pip install matplotlib)")
