"""``save_model`` / ``load_model`` / ``save_weights`` / ``load_weights``: files.

A ``.keras`` file is a zip archive (members stored, uncompressed, as Keras writes
them) of ``metadata.json``, ``config.json`` and ``model.weights.h5``, and the files
layers keep under ``assets/`` (``saving.assets``: text layers' vocabularies). A
``.weights.h5`` file is the same HDF5 layout on its own. Paths ending in ``.h5`` or
``.hdf5`` (but not ``.weights.h5``) are the legacy HDF5 format of Keras 2 / tf.keras,
read and written by ``legacy_h5``; ``load_weights`` tells the two HDF5 layouts apart
by their content.

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

from kerasish.layers.lookup_saving import vocabulary_in_assets
from kerasish.saving import assets, legacy_h5, serialization, weights
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
    legacy = not isinstance(filepath, io.IOBase) and _is_legacy_path(os.fspath(filepath))
    if kwargs.get("save_format") not in (None, "keras", "h5") or (
            kwargs.get("save_format") == "h5" and not legacy):
        raise ValueError(
            "`save_format` is deprecated in Keras 3: the format follows the extension "
            "(`.keras`, or `.h5` for the legacy HDF5 format). Remove the argument. "
            f"Received: save_format={kwargs['save_format']!r}"
        )
    include_optimizer = bool(kwargs.get("include_optimizer", True))
    if not model.built:
        warnings.warn(
            f"Saving model {model.name!r}, which has not been built yet: the file holds no "
            "weights. Build it first (kerasish.Input(shape=...), or call it on data).",
            UserWarning, stacklevel=3)
    if legacy:
        warnings.warn(legacy_h5.DEPRECATION, UserWarning, stacklevel=3)
        data = legacy_h5.model_file_bytes(model, include_optimizer)
        _check_overwrite(os.fspath(filepath), overwrite)
        atomic_write(filepath, lambda f: f.write(data))
        return
    if not isinstance(filepath, io.IOBase):
        _check_save_path(os.fspath(filepath))
    # Everything is computed in memory first: a model that cannot be serialized
    # raises here, before any file is opened.
    with vocabulary_in_assets():  # Keras's config: adapted vocabularies go to assets/
        config = serialization.serialize_keras_object(model)
    config_json = json.dumps(config)
    weights_bytes = _weights_bytes(model, include_optimizer)
    asset_files = assets.collect(model)
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
            for name, data in asset_files.items():
                zf.writestr(name, data)

    if isinstance(filepath, io.IOBase):
        write(filepath)
        return
    _check_overwrite(os.fspath(filepath), overwrite)
    atomic_write(filepath, write)


def _is_legacy_path(path):
    return path.endswith((".h5", ".hdf5")) and not path.endswith(".weights.h5")


def _check_save_path(path):
    if path.endswith(".weights.h5"):
        raise ValueError(
            "model.save() writes a whole model: use a `.keras` extension "
            "(model.save('model.keras')), or model.save_weights(path) for a "
            f"`.weights.h5` file. Received: filepath={path}"
        )
    if not path.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving: model.save() writes Keras 3's "
            "native format, which needs a `.keras` extension, e.g. "
            "model.save('model.keras') (or `.h5` for the legacy HDF5 format). "
            f"Received: filepath={path}"
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
    """Save the weights (and optimizer state) in Keras's ``.weights.h5`` layout.

    A name ending in ``.h5`` or ``.hdf5`` but not ``.weights.h5`` gets the legacy
    weights-only layout of tf.keras 2's ``save_weights`` (no optimizer state), which
    Keras 3's ``load_weights`` reads; Keras 3's own ``save_weights`` refuses such names.

    Args:
        model: a built model.
        filepath: a path ending in ``.weights.h5`` (or ``.h5`` for the legacy layout).
        overwrite: replace an existing file (False: refuse).

    >>> import os, tempfile, numpy as np, kerasish
    >>> def make():
    ...     return kerasish.Sequential([kerasish.Input((2,)), kerasish.layers.Dense(1)])
    >>> model, other = make(), make()
    >>> model.set_weights([np.array([[1.0], [2.0]]), np.array([0.5])])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "model.weights.h5")
    ...     save_weights(model, path)
    ...     load_weights(other, path)
    >>> other.predict(np.ones((1, 2)), verbose=0).tolist()
    [[3.5]]
    """
    path = os.fspath(filepath)
    legacy = _is_legacy_path(path)
    if not path.endswith(".weights.h5") and not legacy:
        raise ValueError(
            "The filename must end in `.weights.h5`, e.g. "
            "model.save_weights('model.weights.h5') (or `.h5` for the legacy HDF5 "
            f"layout). Received: filepath={path}"
        )
    if not model.built:
        raise ValueError(
            f"Model {model.name!r} has no weights yet: it has not been built. Build it "
            "first (start it with kerasish.Input(shape=...), call it on data, or call "
            "model.build(input_shape))."
        )
    if legacy:
        warnings.warn(
            f"Saving the weights of {model.name!r} in the legacy HDF5 layout ({path!r}): "
            "only legacy loaders (Keras 3's load_weights, tf.keras 2) read it, and it "
            "holds no optimizer state. Use a `.weights.h5` name for Keras 3's layout.",
            UserWarning, stacklevel=3)
        data = legacy_h5.weights_file_bytes(model)
    else:
        data = _weights_bytes(model, include_optimizer=True)
    _check_overwrite(path, overwrite)
    atomic_write(path, lambda f: f.write(data))


# ------------------------------------------------------------------------ load

def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a ``.keras`` file written by kerasish or by Keras 3, or a legacy HDF5
    model file (``.h5``: Keras 2, tf.keras, Keras 3's legacy writer).

    Only public kerasish classes, registered objects and ``custom_objects`` are
    instantiated; code stored in a file (Keras's serialized lambdas) is refused,
    whatever ``safe_mode`` says. ``compile=False`` skips the compile arguments and
    the optimizer state.

    Args:
        filepath: the path of a ``.keras`` or ``.h5`` file (or an open ``h5py.File``).
        custom_objects: ``{name: class or function}`` for your own objects.
        compile: restore the compile arguments and the optimizer state.
        safe_mode: accepted for Keras's signature (loading is always safe).

    >>> import os, tempfile, numpy as np, kerasish
    >>> model = kerasish.Sequential([kerasish.Input((2,)),
    ...                              kerasish.layers.Dense(1, kernel_initializer="ones")])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     model.save(os.path.join(folder, "model.keras"))
    ...     loaded = load_model(os.path.join(folder, "model.keras"))
    >>> loaded.predict(np.array([[1.0, 2.0]]), verbose=0).tolist(), loaded.loss
    ([[3.0]], 'mse')
    """
    if isinstance(filepath, h5py.File):  # an open legacy file, as Keras accepts
        return legacy_h5.load_model(filepath, repr(filepath.filename), custom_objects,
                                    compile, safe_mode)
    where = _describe(filepath)
    if not isinstance(filepath, io.IOBase) and _check_load_path(os.fspath(filepath)):
        with _open_h5(os.fspath(filepath), where, "model file") as h5:
            return legacy_h5.load_model(h5, where, custom_objects, compile, safe_mode)
    with _open_archive(filepath, where) as zf:
        config = _read_json(zf, CONFIG, where)
        weights_bytes = _read_member(zf, WEIGHTS, where)
        names = zf.namelist()
        asset_files = {n: _read_member(zf, n, where) for n in assets.member_names(names)}
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
    assets.load(model, asset_files, len(names), where)
    return model


def _describe(filepath):
    return repr(os.fspath(filepath)) if not isinstance(filepath, io.IOBase) else "the file object"


def _check_load_path(path):
    """Refuse what load_model cannot read; True for an HDF5 file (legacy format)."""
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
        return True  # a legacy model file; legacy_h5 says so if it holds only weights
    if path.endswith((".h5", ".hdf5")):
        raise ValueError(
            f"{path!r} is not an HDF5 file (it does not start with HDF5's signature): it "
            "is truncated, damaged, or another kind of file with an .h5 name."
        )
    if not path.endswith(".keras"):
        raise ValueError(
            "Invalid filename: load_model() expects a Keras 3 `.keras` archive (or a "
            f"legacy `.h5` model file). Received: filepath={path}"
        )
    return False


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

    def __init__(self, source, where, what="weights file"):
        self.source, self.where, self.what = source, where, what

    def __enter__(self):
        try:
            src = io.BytesIO(self.source) if isinstance(self.source, bytes) else self.source
            self.h5 = h5py.File(src, "r")
        except (OSError, ValueError) as e:
            raise ValueError(
                f"{self.where} is not a readable HDF5 {self.what} (truncated or corrupt?): {e}"
            ) from e
        return self.h5

    def __exit__(self, *exc):
        self.h5.close()
        return False


def load_weights(model, filepath, skip_mismatch=False, by_name=None):
    """Load weights from a ``.weights.h5`` file or a ``.keras`` archive (kerasish's or
    Keras 3's), or from a legacy ``.h5`` file (Keras 2 / tf.keras / Keras 3's legacy
    writer; layers are matched in order, as Keras does), into ``model``: every shape
    and dtype is checked first, and nothing is assigned unless all match.
    ``skip_mismatch=True`` skips mismatching layers with a warning. The optimizer state
    is loaded too when the model is compiled (``.weights.h5`` and ``.keras`` only).
    ``by_name=True`` (legacy ``.h5`` only, as in Keras): load the layers whose names are
    in the file, leave the others as they are.

    Args:
        model: the model to load into (built, with the file's architecture).
        filepath: the path of the weights file or ``.keras`` archive.
        skip_mismatch: skip layers whose weights do not match, with a warning.
        by_name: legacy ``.h5`` files only: match layers by name.

    >>> import os, tempfile, numpy as np, kerasish
    >>> model = kerasish.Sequential([kerasish.Input((2,)),
    ...                              kerasish.layers.Dense(1, kernel_initializer="ones")])
    >>> fresh = kerasish.Sequential([kerasish.Input((2,)), kerasish.layers.Dense(1)])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     model.save_weights(os.path.join(folder, "w.weights.h5"))
    ...     load_weights(fresh, os.path.join(folder, "w.weights.h5"))
    >>> np.asarray(fresh.layers[0].kernel).tolist()
    [[1.0], [1.0]]
    """
    path = os.fspath(filepath)
    where = repr(path)
    if by_name is not None and (not path.endswith((".h5", ".hdf5"))
                                or path.endswith(".weights.h5")):
        raise ValueError("`by_name` only supports loading legacy '.h5' or '.hdf5' files. "
                         f"Received: {filepath}")
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
    elif path.endswith((".h5", ".hdf5")):
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such file: {path!r}.")
        source = path
    else:
        raise ValueError(
            "load_weights() reads `.weights.h5` files, `.keras` archives and legacy "
            f"`.h5` files. Received: filepath={path}"
        )
    with _open_h5(source, where) as h5:
        if legacy_h5.is_legacy(h5):  # Keras 2 / tf.keras layout, whatever the name says
            legacy_h5.load_weights(h5, model, where, skip_mismatch=skip_mismatch,
                                   by_name=bool(by_name))
        else:
            weights.read(h5, model, where, skip_mismatch=skip_mismatch)
