"""Screenshot TensorBoard itself serving a kerasish log folder (docs/guide/tensorboard.md).

Trains the course's 25-15-10 digits network for 40 epochs with
``callbacks.TensorBoard(histogram_freq=5)``, starts TensorBoard's own server on
127.0.0.1 over that folder, and has headless Chromium take two pictures: the loss and
accuracy curves (train and validation) and the weight histograms.

    python docs/figures/screenshots/make_tensorboard_screenshots.py
    # needs the tensorboard package and chromium-headless-shell (apt) or chromium
"""

import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import kerasish
from kerasish import layers

HERE = pathlib.Path(__file__).resolve().parent
SHOTS = {"tensorboard_scalars.png": "#scalars&tagFilter=epoch_(loss|accuracy)",
         "tensorboard_histograms.png": "#histograms"}


def main():
    browser = next((shutil.which(b) for b in ("chromium-headless-shell", "chromium",
                                              "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)
    if browser is None:
        sys.exit("no Chromium found: apt-get install chromium-headless-shell")
    from tensorboard import program

    with tempfile.TemporaryDirectory() as logs:
        (x, y), _ = kerasish.datasets.digits.load_data()
        x = x.reshape(len(x), 64).astype("float32") / 16.0
        kerasish.utils.set_random_seed(0)
        model = kerasish.Sequential([kerasish.Input((64,)), layers.Dense(25, activation="relu"),
                                     layers.Dense(15, activation="relu"), layers.Dense(10)])
        model.compile(optimizer="adam", metrics=["accuracy"],
                      loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x, y, epochs=40, validation_split=0.2, verbose=0,
                  callbacks=[kerasish.callbacks.TensorBoard(logs, histogram_freq=5)])
        board = program.TensorBoard()
        board.configure(argv=[None, "--logdir", logs, "--host", "127.0.0.1", "--port", "0",
                              "--load_fast", "false"])
        url = board.launch()
        time.sleep(5)  # the first scan of the folder
        for name, fragment in SHOTS.items():
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", "--window-size=1400,1000",
                            "--virtual-time-budget=20000", f"--screenshot={HERE / name}",
                            url + fragment], check=True, capture_output=True, timeout=180)
            print("wrote", HERE / name)


if __name__ == "__main__":
    main()
