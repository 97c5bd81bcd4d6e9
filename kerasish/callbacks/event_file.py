"""TensorBoard event files, written without TensorFlow.

An event file is a sequence of TFRecords, each holding one serialized ``Event``
protocol buffer. TensorBoard reads what TensorFlow 2's ``tf.summary`` writes, so this
module writes the same messages: scalars, histograms and images as *tensor summaries*
tagged with their plugin's name (``scalars``, ``histograms``, ``images``), and the
model's config as Keras does (plugin ``graph_keras_model``). Only the few protobuf
fields those messages use are encoded, by hand (field numbers from TensorBoard's
``event.proto``, ``summary.proto`` and ``tensor.proto``).

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> with EventFileWriter(folder) as writer:
...     writer.scalar("epoch_loss", 0.25, step=0)
>>> import os
>>> [name.startswith("events.out.tfevents.") for name in os.listdir(folder)]
[True]
"""

import os
import socket
import struct
import time
import zlib

import numpy as np

# --------------------------------------------------------------- TFRecord framing

_CRC32C_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1  # Castagnoli, reflected
    _CRC32C_TABLE.append(_c)


def crc32c(data):
    """CRC-32C (Castagnoli) of ``data``, the checksum TFRecords use."""
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data):
    # TFRecord masks the CRC so that a CRC of data that itself holds CRCs stays robust.
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    """One TFRecord: length, its masked CRC, the data, the data's masked CRC."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", _masked_crc(length)) + data
            + struct.pack("<I", _masked_crc(data)))


# --------------------------------------------------------------- protobuf encoding


def _varint(value):
    out = bytearray()
    value &= (1 << 64) - 1  # negative int64s are ten-byte varints
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field, wire):
    return _varint((field << 3) | wire)


def _int(field, value):
    return _key(field, 0) + _varint(int(value))


def _double(field, value):
    return _key(field, 1) + struct.pack("<d", float(value))


def _float(field, value):
    return _key(field, 5) + struct.pack("<f", float(value))


def _bytes(field, value):
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _key(field, 2) + _varint(len(value)) + value


# TensorFlow's DataType enum values for the dtypes written here.
_DT_FLOAT, _DT_DOUBLE, _DT_STRING = 1, 2, 7


def _tensor(array):
    """A ``TensorProto`` (dtype 1, shape 2, tensor_content 4, string_val 8)."""
    array = np.asarray(array)
    shape = b"".join(_bytes(2, _int(1, d)) for d in array.shape)  # TensorShapeProto.dim
    if array.dtype.kind in "SUO":
        body = _int(1, _DT_STRING) + _bytes(2, shape)
        for item in array.reshape(-1):
            body += _bytes(8, item if isinstance(item, bytes) else str(item))
        return body
    if array.dtype == np.float64:
        return _int(1, _DT_DOUBLE) + _bytes(2, shape) + _bytes(4, array.astype("<f8").tobytes())
    array = array.astype(np.float32)
    return _int(1, _DT_FLOAT) + _bytes(2, shape) + _bytes(4, array.astype("<f4").tobytes())


def _metadata(plugin, content=b"", description=""):
    """``SummaryMetadata``: plugin_data {plugin_name 1, content 2}, description 3."""
    out = _bytes(1, _bytes(1, plugin) + (_bytes(2, content) if content else b""))
    return out + (_bytes(3, description) if description else b"")


def _event(step, summary_value=None, file_version=None, wall_time=None):
    """An ``Event``: wall_time 1, step 2, file_version 3, summary 5 {value 1}."""
    out = _double(1, time.time() if wall_time is None else wall_time) + _int(2, step)
    if file_version is not None:
        out += _bytes(3, file_version)
    if summary_value is not None:
        out += _bytes(5, _bytes(1, summary_value))
    return out


def _value(tag, tensor, metadata):
    """``Summary.Value``: tag 1, tensor 8, metadata 9."""
    return _bytes(1, tag) + _bytes(9, metadata) + _bytes(8, tensor)


# --------------------------------------------------------------- PNG, for images


def encode_png(image):
    """PNG bytes of a ``(height, width, channels)`` uint8 array (1, 3 or 4 channels)."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] not in (1, 3, 4) or image.dtype != np.uint8:
        raise ValueError("encode_png expects a uint8 array of shape (height, width, 1|3|4). "
                         f"Received: shape={image.shape}, dtype={image.dtype}")
    height, width, channels = image.shape
    color = {1: 0, 3: 2, 4: 6}[channels]  # grey, RGB, RGBA
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# --------------------------------------------------------------- histograms


def histogram_buckets(values, buckets=30):
    """TensorFlow 2's histogram: ``buckets`` equal-width ``[left, right, count]`` rows
    over ``[min, max]`` (one row of width 0 when every value is the same)."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if values.size == 0:
        return np.zeros((0, 3))
    low, high = float(values.min()), float(values.max())
    if low == high:
        return np.array([[low, high, float(values.size)]])
    edges = np.linspace(low, high, buckets + 1)
    counts, _ = np.histogram(values, bins=edges)
    return np.stack([edges[:-1], edges[1:], counts.astype(np.float64)], axis=1)


# --------------------------------------------------------------- the writer


class EventFileWriter:
    """Appends summaries to a new event file in ``logdir`` (created if missing).

    The file is named as TensorFlow names its own
    (``events.out.tfevents.<time>.<host>.<pid>.<n>.v2``), so TensorBoard finds it.
    Records are flushed by ``flush()`` and ``close()``.
    """

    _count = 0

    def __init__(self, logdir):
        os.makedirs(logdir, exist_ok=True)
        EventFileWriter._count += 1
        name = (f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}."
                f"{os.getpid()}.{EventFileWriter._count}.v2")
        self.path = os.path.join(logdir, name)
        self._file = open(self.path, "wb")
        self._file.write(tfrecord(_event(0, file_version="brain.Event:2")))
        self._file.flush()

    def _write(self, step, value):
        self._file.write(tfrecord(_event(int(step), summary_value=value)))

    def scalar(self, tag, value, step):
        """A scalar, as ``tf.summary.scalar`` writes it (float32, plugin ``scalars``)."""
        self._write(step, _value(tag, _tensor(np.float32(value)), _metadata("scalars")))

    def histogram(self, tag, values, step, buckets=30):
        """A histogram of ``values`` as ``tf.summary.histogram`` writes it."""
        self._write(step, _value(tag, _tensor(histogram_buckets(values, buckets)),
                                 _metadata("histograms")))

    def image(self, tag, images, step):
        """Images (``(n, height, width, channels)``, floats in [0, 1] or uint8), as
        ``tf.summary.image`` writes them: ``[width, height, png...]`` strings."""
        images = np.asarray(images)
        if images.dtype != np.uint8:
            # tf.summary.image's conversion: scale by 255.5, saturate, truncate.
            images = np.clip(images * 255.5, 0, 255).astype(np.uint8)
        height, width = images.shape[1:3]
        strings = [str(width).encode(), str(height).encode()] + [encode_png(im) for im in images]
        self._write(step, _value(tag, _tensor(np.array(strings, dtype=object)),
                                 _metadata("images", b"")))

    def text(self, tag, value, step, plugin="text", content=b""):
        """A string tensor (the ``text`` plugin, or another plugin's payload)."""
        self._write(step, _value(tag, _tensor(np.array(value.encode("utf-8"), dtype=object)),
                                 _metadata(plugin, content)))

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
