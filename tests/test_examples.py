"""Every script in examples/ runs (with few epochs) and prints what it promises; and
the course's acceptance criteria hold with the full 100 epochs."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import kerasish
from kerasish.layers import Dense
from kerasish.losses import BinaryCrossentropy, SparseCategoricalCrossentropy

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def test_every_example_is_tested():
    assert set(SCRIPTS) == set(EXPECTED), "add the new example to EXPECTED below"


EXPECTED = {
    "lambda_search.py": ["chosen lambda", "test accuracy"],
    "binary_digits.py": ["train accuracy", "test accuracy"],
    "multiclass_digits.py": ["softmax output", "from_logits output", "sum to one: True"],
    "regression_digits.py": ["test MSE"],
    "multilabel_digits.py": ["test accuracy per label"],
    "cnn_digits.py": ["test accuracy"],
    "notebook_tf_keras.py": ["notebook ok"],
    "early_stopping.py": ["test accuracy", "learning rate now"],
    "beyond_sequential.py": ["custom layer: test accuracy", "functional: digit accuracy",
                             "pure JAX loop: test accuracy"],
    "image_classifier.py": ["classes: ['0', '1', '2', '3', '4']", "validation accuracy",
                            "reloaded model predicts the same: True"],
    "sequences.py": ["text classifier: validation accuracy", "transformer: validation accuracy",
                     "forecaster: validation MAE"],
    "transfer_learning.py": ["classes: ['digit_0', 'digit_1', 'digit_2']",
                             "trainable weights with the base frozen: 2",
                             "head only: validation accuracy", "fine-tuned: validation accuracy"],
}




@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs(script, keras_home, tmp_path):
    env = dict(os.environ, JAX_PLATFORMS="cpu", KERAS_HOME=str(keras_home))
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), "--epochs", "3"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for text in EXPECTED[script]:
        assert text in proc.stdout


def _digits(classes=None):
    (x, y), _ = kerasish.datasets.digits.load_data()
    x = x.reshape(len(x), 64).astype("float32") / 16.0
    if classes is not None:
        keep = np.isin(y, classes)
        x, y = x[keep], y[keep]
    return x, y.astype("int32")


def test_course_binary_model_trains_above_95_percent():
    """The seed's 25-15-1 sigmoid model, BinaryCrossentropy, default optimizer, 100 epochs."""
    kerasish.utils.set_random_seed(0)
    X, y = _digits(classes=[0, 1])
    model = kerasish.Sequential([
        Dense(units=25, activation="sigmoid"),
        Dense(units=15, activation="sigmoid"),
        Dense(units=1, activation="sigmoid"),
    ])
    model.compile(loss=BinaryCrossentropy())
    model.fit(X, y, epochs=100, verbose=0)
    accuracy = np.mean((model.predict(X, verbose=0)[:, 0] >= 0.5) == y)
    assert accuracy > 0.95


@pytest.mark.slow
@pytest.mark.parametrize("from_logits", [False, True])
def test_course_multiclass_model_trains_above_95_percent(from_logits):
    kerasish.utils.set_random_seed(0)
    X, y = _digits()
    model = kerasish.Sequential([
        Dense(units=25, activation="relu"),
        Dense(units=15, activation="relu"),
        Dense(units=10, activation="linear" if from_logits else "softmax"),
    ])
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=from_logits),
                  optimizer=kerasish.optimizers.Adam(learning_rate=1e-3))
    model.fit(X, y, epochs=100, verbose=0)
    accuracy = np.mean(model.predict(X, verbose=0).argmax(axis=1) == y)
    assert accuracy > 0.95
