"""``save_model`` / ``load_model`` / ``save_weights`` / ``load_weights``: files.

A ``.keras`` file is a zip archive (members stored, uncompressed, as Keras writes
them) of ``metadata.json``, ``config.json`` and ``model.weights.h5``. A
``.weights.h5`` file is the same HDF5 layout on its own.

Writing is atomic: the file is written to a temporary name in the destination's
folder and renamed over the destination only once complete, so an error or a crash
mid-save leaves any existing file intact. Reading checks everything (archive,
JSON, every array's shape and dtype) before the model is touched.
"""

import datetime
import io
import json
import os
import secrets
import warnings
import zipfile

import h5py

from kerasish.saving import serialization, weights
from kerasish.utils.naming import check_kwargs

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
# The oldest Keras whose format these files follow (Keras 3.0 introduced it); Keras
# itself never reads this field.
FORMAT_KERAS_VERSION = "3.0.0"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_MAX_EXPANSION = 100  # a zip member may not claim 100x more bytes than it stores...
_BOMB_FLOOR = 1 << 28  # ...above 256 MiB (Keras writes members uncompressed)


# ----------------------------------------------------------------- atomic write

def atomic_write(filepath, write):
    """Call ``write(fileobj)`` on a temporary file beside ``filepath``, then rename it
    over ``filepath``. On any error the temporary file is removed and the
    destination is untouched."""
    path = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # 0o666 lets the umask decide the mode, as for any new file (mkstemp would force 0600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(folder)


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_overwrite(path, overwrite):
    if not overwrite and os.path.exists(path):
        raise FileExistsError(
            f"{path} already exists and overwrite=False. Pass overwrite=True to replace "
            "it, or choose another path."
        )


# ------------------------------------------------------------------------ save

def save_model(model, filepath, overwrite=True, **kwargs):
    """Save ``model`` as a Keras 3 ``.keras`` file (architecture, weights, compile
    arguments and optimizer state).

    ``include_optimizer=False`` leaves the optimizer's state out (a loaded model
    then starts with fresh optimizer state). ``filepath`` may also be a writable
    binary file object.

    >>> import os, tempfile, numpy as np, kerasish
    >>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> model.save(path)
    >>> loaded = kerasish.models.load_model(path)
    >>> x = np.ones((1, 3), "float32")
    >>> bool(np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0)))
    True
    """
    check_kwargs(kwargs, {"include_optimizer", "zipped", "save_format"}, "save_model()")
    if kwargs.get("zipped") is False:
        raise NotImplementedError(
            "kerasish saves .keras zip archives only; zipped=False (a folder) is not "
            "supported. Remove the argument."
        )
    if kwargs.get("save_format") not in (None, "keras"):
        raise ValueError(
            "`save_format` is deprecated in Keras 3 and kerasish writes only the .keras "
            f"format. Remove the argument. Received: save_format={kwargs['save_format']!r}"
        )
    include_optimizer = bool(kwargs.get("include_optimizer", True))
    if not model.built:
        warnings.warn(
            f"Saving model {model.name!r}, which has not been built yet: the file holds no "
            "weights. Build it first (kerasish.Input(shape=...), or call it on data).",
            UserWarning, stacklevel=3)
    if not isinstance(filepath, io.IOBase):
        _check_save_path(os.fspath(filepath))
    # Everything is computed in memory first: a model that cannot be serialized
    # raises here, before any file is opened.
    config = serialization.serialize_keras_object(model)
    config_json = json.dumps(config)
    weights_bytes = _weights_bytes(model, include_optimizer)
    metadata_json = json.dumps({
        "keras_version": FORMAT_KERAS_VERSION,
        "kerasish_version": _kerasish_version(),
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    })

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(METADATA, metadata_json)
            zf.writestr(CONFIG, config_json)
            zf.writestr(WEIGHTS, weights_bytes)

    if isinstance(filepath, io.IOBase):
        write(filepath)
        return
    _check_overwrite(os.fspath(filepath), overwrite)
    atomic_write(filepath, write)


def _check_save_path(path):
    if path.endswith((".h5", ".hdf5")) and not path.endswith(".weights.h5"):
        raise ValueError(
            "kerasish does not write the legacy HDF5 full-model format (.h5). Save with "
            "a .keras extension (model.save('model.keras')), or save only the weights "
            f"with model.save_weights('model.weights.h5'). Received: filepath={path}"
        )
    if not path.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving: model.save() writes Keras 3's "
            "native format, which needs a `.keras` extension, e.g. "
            f"model.save('model.keras'). Received: filepath={path}"
        )


def _kerasish_version():
    import kerasish

    return kerasish.__version__


def _weights_bytes(model, include_optimizer):
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        weights.write(h5, model, include_optimizer=include_optimizer)
    return buffer.getvalue()


def save_weights(model, filepath, overwrite=True):
    """Save the weights (and optimizer state) in Keras's ``.weights.h5`` layout."""
    path = os.fspath(filepath)
    if not path.endswith(".weights.h5"):
        raise ValueError(
            "The filename must end in `.weights.h5`, e.g. "
            f"model.save_weights('model.weights.h5'). Received: filepath={path}"
        )
    if not model.built:
        raise ValueError(
            f"Model {model.name!r} has no weights yet: it has not been built. Build it "
            "first (start it with kerasish.Input(shape=...), call it on data, or call "
            "model.build(input_shape))."
        )
    data = _weights_bytes(model, include_optimizer=True)
    _check_overwrite(path, overwrite)
    atomic_write(path, lambda f: f.write(data))


# ------------------------------------------------------------------------ load

def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a ``.keras`` file written by kerasish or by Keras 3.

    Only public kerasish classes, registered objects and ``custom_objects`` are
    instantiated; code stored in a file (Keras's serialized lambdas) is refused,
    whatever ``safe_mode`` says. ``compile=False`` skips the compile arguments and
    the optimizer state.
    """
    where = _describe(filepath)
    if not isinstance(filepath, io.IOBase):
        _check_load_path(os.fspath(filepath))
    with _open_archive(filepath, where) as zf:
        config = _read_json(zf, CONFIG, where)
        weights_bytes = _read_member(zf, WEIGHTS, where)
    if not compile and isinstance(config, dict):
        config = {k: v for k, v in config.items() if k != "compile_config"}
    serialization.check_no_code(config, "config.json")
    model = serialization.deserialize_keras_object(config, custom_objects, safe_mode)
    from kerasish.models import Model

    if not isinstance(model, Model):
        raise ValueError(f"{where} does not describe a model (its config.json holds a "
                         f"{type(model).__name__}).")
    with _open_h5(weights_bytes, f"{where} ({WEIGHTS})") as h5:
        weights.read(h5, model, f"{where} ({WEIGHTS})", load_optimizer=compile)
    return model


def _describe(filepath):
    return repr(os.fspath(filepath)) if not isinstance(filepath, io.IOBase) else "the file object"


def _check_load_path(path):
    if not os.path.exists(path):
        raise ValueError(  # Keras's type for this error
            f"File not found: filepath={path}. Please ensure the file is an accessible "
            "`.keras` zip file."
        )
    if os.path.isdir(path):
        raise ValueError(
            f"{path!r} is a folder. kerasish loads .keras zip archives (model.save("
            "'model.keras')); unzipped model folders are not supported."
        )
    with open(path, "rb") as f:
        head = f.read(8)
    if head == _HDF5_SIGNATURE:
        what = "a weights file: load it with model.load_weights(path)" \
            if path.endswith(".weights.h5") else \
            "a legacy HDF5 (Keras 2 / tf.keras) model file, which kerasish does not read"
        raise ValueError(
            f"{path!r} is {what}. load_model() reads Keras 3 .keras archives; to convert "
            "a legacy model, load it with Keras and save it with model.save('model.keras')."
        )
    if not path.endswith(".keras"):
        raise ValueError(
            "Invalid filename: load_model() expects a Keras 3 `.keras` archive. "
            f"Received: filepath={path}"
        )


def _open_archive(filepath, where):
    try:
        if not zipfile.is_zipfile(filepath):
            raise zipfile.BadZipFile("no zip directory")
        zf = zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ValueError(
            f"{where} is not a valid .keras archive: it is not a complete zip file "
            f"(truncated, corrupt, or not a model file). ({e})"
        ) from e
    return zf


def _read_member(zf, name, where):
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ValueError(
            f"{where} is not a valid .keras archive: it has no {name!r} (members: "
            f"{zf.namelist()})."
        ) from None
    if info.file_size > _BOMB_FLOOR and info.file_size > _MAX_EXPANSION * info.compress_size:
        raise ValueError(f"{where}: refusing {name!r}, which claims {info.file_size} bytes "
                         f"from {info.compress_size} stored (a decompression bomb?).")
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise ValueError(f"{where}: {name!r} cannot be read; the archive is corrupt "
                         f"or truncated ({e}).") from e


def _read_json(zf, name, where):
    data = _read_member(zf, name, where)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ValueError(f"{where}: {name!r} is not valid JSON ({type(e).__name__}: "
                         f"{e}).") from e


class _open_h5:
    """An HDF5 file read from bytes or a path, with a clear error if it is not one."""

    def __init__(self, source, where):
        self.source, self.where = source, where

    def __enter__(self):
        try:
            src = io.BytesIO(self.source) if isinstance(self.source, bytes) else self.source
            self.h5 = h5py.File(src, "r")
        except (OSError, ValueError) as e:
            raise ValueError(
                f"{self.where} is not a readable HDF5 weights file (truncated or corrupt?): {e}"
            ) from e
        return self.h5

    def __exit__(self, *exc):
        self.h5.close()
        return False


def load_weights(model, filepath, skip_mismatch=False):
    """Load weights from a ``.weights.h5`` file or a ``.keras`` archive (kerasish's or
    Keras 3's) into ``model``: every shape and dtype is checked first, and nothing is
    assigned unless all match. ``skip_mismatch=True`` skips mismatching layers with
    a warning. The optimizer state is loaded too when the model is compiled."""
    path = os.fspath(filepath)
    where = repr(path)
    if not model.built:
        raise ValueError(
            f"Model {model.name!r} has not been built, so it has no weights to load into. "
            "Build it first (start it with kerasish.Input(shape=...), or call "
            "model.build(input_shape)), then call load_weights."
        )
    if path.endswith(".keras"):
        with _open_archive(path, where) as zf:
            data = _read_member(zf, WEIGHTS, where)
        source, where = data, f"{where} ({WEIGHTS})"
    elif path.endswith(".weights.h5"):
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such file: {path!r}.")
        source = path
    elif path.endswith((".h5", ".hdf5")):
        raise ValueError(
            f"{where}: the legacy HDF5 weights format (Keras 2 / tf.keras .h5) is not "
            "supported. Load it with Keras, then save_weights('model.weights.h5')."
        )
    else:
        raise ValueError(
            "load_weights() reads `.weights.h5` files and `.keras` archives. "
            f"Received: filepath={path}"
        )
    with _open_h5(source, where) as h5:
        if "layer_names" in h5.attrs or "model_weights" in h5:
            raise ValueError(
                f"{where} is in the legacy HDF5 weights layout of Keras 2 / tf.keras, which "
                "kerasish does not read. Load it with Keras and save_weights() again."
            )
        weights.read(h5, model, where, skip_mismatch=skip_mismatch)
