"""plot_history draws train and validation curves without a display."""

import numpy as np
import pytest

import kerasish

matplotlib = pytest.importorskip("matplotlib", reason="plotting needs the docs extra")
matplotlib.use("Agg")  # no display in CI


def test_plot_history_draws_train_and_validation(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = kerasish.Sequential([kerasish.layers.Dense(4, activation="relu"),
                                 kerasish.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    path = tmp_path / "history.png"
    fig = kerasish.utils.plot_history(history, filename=path)
    assert path.stat().st_size > 1000
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss", "accuracy"]
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["train", "validation"]
    np.testing.assert_allclose(fig.axes[0].get_lines()[1].get_ydata(),
                               history.history["val_loss"])
    with pytest.raises(ValueError, match="No such metric"):
        kerasish.utils.plot_history(history, metrics=["auc"])
