"""Transfer learning: a pretrained MobileNetV2, frozen, with a new head; then fine-tuned.

The script writes a small image folder first (digits 0, 1 and 2, upscaled to 96x96 RGB
PNGs, one sub-folder per class), reads it back with
``utils.image_dataset_from_directory`` as any folder of photos would be read, and
trains in the two stages Keras's transfer-learning guide describes:

1. the ImageNet base frozen (its BatchNormalization layers in inference mode), only
   the new classifier head trained;
2. the top of the base unfrozen and trained with a low learning rate.

The ImageNet weights are Keras's own file, downloaded once into ~/.keras/models (or
taken from there if Keras downloaded it before). See docs/guide/transfer_learning.md.

Run: python examples/transfer_learning.py [--epochs 10] [--folder images]
"""

import argparse
import pathlib
import tempfile

import numpy as np

import kerasish
from kerasish import layers

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--folder", default=None, help="where to write the images")
args = parser.parse_args()
folder = pathlib.Path(args.folder or tempfile.mkdtemp()) / "digits"

# 1. A folder of images: <folder>/<class name>/<file>.png
(x, y), _ = kerasish.datasets.digits.load_data()
for label in (0, 1, 2):
    (folder / f"digit_{label}").mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(x[y == label][:40]):
        grey = np.kron(image, np.ones((12, 12))) * (255.0 / 16.0)  # 8x8 -> 96x96
        rgb = np.repeat(grey[..., None], 3, axis=-1).astype("uint8")
        kerasish.utils.save_img(folder / f"digit_{label}" / f"{i}.png", rgb)

train_ds, val_ds = kerasish.utils.image_dataset_from_directory(
    folder, validation_split=0.25, subset="both", seed=0, image_size=(96, 96),
    batch_size=16)
print("classes:", train_ds.class_names)

# 2. The pretrained base, frozen, and a new head.
kerasish.utils.set_random_seed(0)
base = kerasish.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35,
                                         include_top=False, weights="imagenet")
base.trainable = False
inputs = kerasish.Input((96, 96, 3))
x = kerasish.applications.mobilenet_v2.preprocess_input(inputs)  # pixels to [-1, 1]
x = base(x, training=False)  # BatchNormalization keeps ImageNet's statistics
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.2)(x)
outputs = layers.Dense(len(train_ds.class_names), activation="softmax")(x)
model = kerasish.Model(inputs, outputs)
model.compile(optimizer=kerasish.optimizers.Adam(1e-3),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
print("trainable weights with the base frozen:", len(model.trainable_weights))
model.fit(train_ds, validation_data=val_ds, epochs=args.epochs, verbose=0)
loss, accuracy = model.evaluate(val_ds, verbose=0)
print(f"head only: validation accuracy {accuracy:.3f}")

# 3. Fine-tuning: unfreeze the last blocks, recompile with a low learning rate.
base.trainable = True
for layer in base.layers[:-20]:
    layer.trainable = False
model.compile(optimizer=kerasish.optimizers.Adam(1e-5),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
print("trainable weights while fine-tuning:", len(model.trainable_weights))
model.fit(train_ds, validation_data=val_ds, epochs=max(1, args.epochs // 2), verbose=0)
loss, accuracy = model.evaluate(val_ds, verbose=0)
print(f"fine-tuned: validation accuracy {accuracy:.3f}")
