"""Keras 3's ``assets/`` folder in ``.keras`` archives: files that layers write
themselves (the vocabulary of ``TextVectorization``, ``StringLookup`` and
``IntegerLookup``, or anything a custom layer keeps in files).

Keras walks the model as for its weights (``weights.walk``: the same paths) and, for
every object with a ``save_assets(dir_path)`` method, gives it the folder
``assets/<path>`` to write into; the root model's folder is ``assets/`` itself. The
archive holds the files only (no folder entries), stored uncompressed::

    assets/layers/text_vectorization/vocabulary.txt
    assets/layers/text_vectorization/_lookup_layer/vocabulary.txt
    assets/layers/string_lookup/vocabulary.txt

Loading mirrors it, as Keras 3.15 does (``saving_lib._load_state``): when the archive
holds more than its three standard members, every object with ``load_assets(dir_path)``
is called with its folder, or with None when the archive has no folder for it;
``load_assets`` runs after the weights (``load_own_variables``) are read.

>>> import os, tempfile, zipfile, kerasish
>>> lookup = kerasish.layers.StringLookup()
>>> lookup.adapt([["b", "a", "b"]])
>>> model = kerasish.Sequential([kerasish.Input((1,), dtype="string"), lookup])
>>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
>>> model.save(path)
>>> with zipfile.ZipFile(path) as zf:
...     zf.namelist()[3:], zf.read("assets/layers/string_lookup/vocabulary.txt")
(['assets/layers/string_lookup/vocabulary.txt'], b'[UNK]\\nb\\na')
>>> kerasish.models.load_model(path).layers[0].get_vocabulary()
['[UNK]', 'b', 'a']
"""

import os
import tempfile

from kerasish.saving import weights

FOLDER = "assets"
_STANDARD_MEMBERS = 3  # metadata.json, config.json, model.weights.h5


def _folder(root, path):
    return os.path.join(root, *path.split("/")) if path else root


def collect(model):
    """{archive name: bytes} of every file the model's layers write with
    ``save_assets``, in a sorted order."""
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, FOLDER)
        os.makedirs(root)
        for path, obj in weights.walk(model, include_optimizer=False):
            save = getattr(obj, "save_assets", None)
            if callable(save):
                folder = _folder(root, path)
                os.makedirs(folder, exist_ok=True)
                save(folder)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                if os.path.islink(full) or not os.path.isfile(full):
                    continue
                archive_name = os.path.relpath(full, tmp).replace(os.sep, "/")
                with open(full, "rb") as f:
                    found[archive_name] = f.read()
    return dict(sorted(found.items()))


def member_names(names):
    """The archive's asset files (folder entries left out)."""
    return [n for n in names if n.startswith(FOLDER + "/") and not n.endswith("/")]


def _check_name(name, where):
    parts = name.split("/")
    if "\\" in name or name.startswith("/") or ":" in parts[0] or any(
            p in ("", ".", "..") for p in parts):
        raise ValueError(f"{where}: refusing the asset {name!r}, whose path leaves the "
                         "assets folder or is not a plain relative path.")


def load(model, members, n_members, where):
    """Give every layer with ``load_assets`` its folder of ``members`` ({archive name:
    bytes}); ``n_members`` is the archive's count of members (Keras reads assets only
    when there are more than three)."""
    if n_members <= _STANDARD_MEMBERS:
        return
    for name in members:
        _check_name(name, where)
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in members.items():
            target = os.path.join(tmp, *name.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
        root = os.path.join(tmp, FOLDER)
        for path, obj in weights.walk(model, include_optimizer=False):
            load_assets = getattr(obj, "load_assets", None)
            if callable(load_assets):
                folder = _folder(root, path)
                load_assets(folder if os.path.isdir(folder) else None)
