"""An image classifier trained from a folder of PNG files, with data augmentation inside
the model; then saved and loaded again.

The script writes the folder first (the digits 0-4, enlarged to 32x32 grey PNGs, one
sub-folder per class), so that it runs anywhere; point ``--folder`` at your own photos
(one sub-folder per class) to train on them instead. See docs/guide/images.md.

Run: python examples/image_classifier.py [--epochs 30] [--folder my_images]
"""

import argparse
import pathlib
import tempfile

import numpy as np

import kerasish
from kerasish import layers

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--folder", default=None, help="a folder of class sub-folders")
args = parser.parse_args()

if args.folder is None:  # write the example's own images
    folder = pathlib.Path(tempfile.mkdtemp()) / "digits"
    (x, y), _ = kerasish.datasets.digits.load_data()
    for label in range(5):
        (folder / str(label)).mkdir(parents=True)
        for i, image in enumerate(x[y == label][:60]):
            grey = np.kron(image, np.ones((4, 4))) * (255.0 / 16.0)  # 8x8 -> 32x32
            kerasish.utils.save_img(folder / str(label) / f"{i}.png",
                                    grey[..., None].astype("uint8"))
else:
    folder = pathlib.Path(args.folder)

train_ds, val_ds = kerasish.utils.image_dataset_from_directory(
    folder, validation_split=0.2, subset="both", seed=1, image_size=(32, 32),
    color_mode="grayscale", batch_size=32)
classes = train_ds.class_names
print("classes:", classes)

# Augmentation is part of the model: active in fit, the identity in predict/evaluate,
# compiled into the training step with the rest.
kerasish.utils.set_random_seed(0)
model = kerasish.Sequential([
    kerasish.Input((32, 32, 1)),
    layers.RandomRotation(0.05),
    layers.RandomZoom(0.1),
    layers.RandomTranslation(0.05, 0.05),
    layers.Rescaling(1.0 / 255),
    layers.Conv2D(16, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(32, 3, activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dense(len(classes), activation="softmax"),
])
model.compile(optimizer=kerasish.optimizers.Adam(3e-3),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(train_ds, validation_data=val_ds, epochs=args.epochs, verbose=0)
loss, accuracy = model.evaluate(val_ds, verbose=0)
print(f"validation accuracy {accuracy:.3f}")

path = pathlib.Path(tempfile.mkdtemp()) / "classifier.keras"
model.save(path)
reloaded = kerasish.models.load_model(path)
batch, _ = next(iter(val_ds))
same = np.allclose(reloaded.predict(batch, verbose=0), model.predict(batch, verbose=0),
                   atol=1e-6)
print("reloaded model predicts the same:", same)
