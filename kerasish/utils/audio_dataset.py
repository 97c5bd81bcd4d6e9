"""``audio_dataset_from_directory``: a folder of ``.wav`` files (one subfolder per
class) as batches of float32 waveforms, read one batch at a time."""

import functools
import os
import wave

import numpy as np

from kerasish.utils import dataset_utils

ALLOWED_FORMATS = (".wav",)


def read_wav(path, output_sequence_length=None):
    """A 16-bit PCM WAV file as float32 ``(samples, channels)`` in ``[-1, 1)`` (the
    integers divided by 32768, as ``tf.audio.decode_wav``), cut or zero-padded to
    ``output_sequence_length`` samples when it is given."""
    try:
        with wave.open(os.fspath(path), "rb") as f:
            width, channels, frames = f.getsampwidth(), f.getnchannels(), f.getnframes()
            raw = f.readframes(frames)
    except (wave.Error, EOFError, OSError) as err:
        raise ValueError(f"Could not read the WAV file {os.fspath(path)!r}: {err}. Audio "
                         "datasets read 16-bit PCM .wav files.") from err
    if width != 2:
        raise ValueError(f"The WAV file {os.fspath(path)!r} has {8 * width}-bit samples; "
                         "audio datasets read 16-bit PCM (as TensorFlow's decode_wav). "
                         "Convert the file to 16-bit PCM.")
    audio = np.frombuffer(raw, dtype="<i2").reshape(-1, channels).astype("float32") / 32768.0
    if output_sequence_length is not None:
        audio = audio[:output_sequence_length]
        if len(audio) < output_sequence_length:
            audio = np.pad(audio, ((0, output_sequence_length - len(audio)), (0, 0)))
    return audio


def _padded_batch(waves):
    """Zero-pad each waveform to the longest of the batch (``padded_batch``)."""
    longest = max(len(w) for w in waves)
    return np.stack([np.pad(w, ((0, longest - len(w)), (0, 0))) for w in waves])


def audio_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    sampling_rate=None,
    output_sequence_length=None,
    ragged=False,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    verbose=True,
):
    """Batches of waveforms (and labels) from a folder of ``.wav`` files.

    The folder conventions, file order, shuffle and split are those of
    ``image_dataset_from_directory`` (and Keras's). A batch is ``(audio, labels)`` with
    ``audio`` float32 ``(batch, samples, channels)``: 16-bit PCM divided by 32768, each
    waveform zero-padded to the longest of its batch (or cut/padded to
    ``output_sequence_length``). The result is a ``kerasish.utils.PyDataset`` with
    ``.class_names`` (Keras returns a ``tf.data.Dataset``).

    Args:
        directory: the folder.
        labels: ``'inferred'``, a list/tuple of integer labels, or ``None``.
        label_mode: ``'int'``, ``'categorical'``, ``'binary'`` or ``None``.
        class_names: with ``labels='inferred'``, the subfolders to use, in label order.
        batch_size: waveforms per batch; ``None`` yields single waveforms.
        sampling_rate: Keras resamples with tensorflow-io; kerasish keeps the files'
            rate, so only ``None`` is accepted.
        output_sequence_length: cut or zero-pad every waveform to this many samples.
        ragged: Keras's ragged batches; JAX has no ragged arrays, so only ``False``.
        shuffle: shuffle the files (else alphanumerical order).
        seed: the shuffle's seed (required with ``validation_split`` and shuffling).
        validation_split: fraction of the files kept for validation.
        subset: ``'training'``, ``'validation'`` or ``'both'``.
        follow_links: follow symbolic links to subfolders.
        verbose: print how many files and classes were found.

    >>> import os, tempfile, wave, numpy as np
    >>> root = tempfile.mkdtemp()
    >>> for cls, n in (("hum", 3), ("tick", 5)):
    ...     os.makedirs(os.path.join(root, cls))
    ...     with wave.open(os.path.join(root, cls, "a.wav"), "wb") as f:
    ...         f.setnchannels(1); f.setsampwidth(2); f.setframerate(8000)
    ...         f.writeframes(np.full(n, 16384, "<i2").tobytes())
    >>> ds = audio_dataset_from_directory(root, shuffle=False, verbose=False)
    >>> audio, labels = ds[0]
    >>> audio.shape, audio[0, :, 0].tolist(), labels.tolist()
    ((2, 5, 1), [0.5, 0.5, 0.5, 0.0, 0.0], [0, 1])
    """
    dataset_utils.check_labels_arg(labels, class_names, label_mode, "audio")
    if ragged:
        if output_sequence_length is not None:
            raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
        raise ValueError("`ragged=True` asks for ragged batches, which JAX has no type for. "
                         "Use `ragged=False` (batches zero-padded to their longest waveform) "
                         "or `output_sequence_length`.")
    if sampling_rate is not None:
        if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, int):
            raise ValueError("`sampling_rate` should have an integer value. Received: "
                             f"sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError("`sampling_rate` should be higher than 0. Received: "
                             f"sampling_rate={sampling_rate}")
        raise ValueError(
            "kerasish does not resample audio (Keras does it with tensorflow-io): only "
            f"`sampling_rate=None` is supported. Received: sampling_rate={sampling_rate}. "
            "Resample the files beforehand.")
    if output_sequence_length is not None and (
            isinstance(output_sequence_length, bool)
            or not isinstance(output_sequence_length, (int, np.integer))
            or output_sequence_length < 1):
        raise ValueError("`output_sequence_length` must be None or a positive integer. "
                         f"Received: output_sequence_length={output_sequence_length!r}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, formats=ALLOWED_FORMATS, class_names=class_names, shuffle=shuffle,
        seed=seed, follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    load = functools.partial(read_wav, output_sequence_length=output_sequence_length)
    num_classes = len(class_names) if class_names else 0

    def make(part_paths, part_labels, part_shuffle, what):
        if not part_paths:
            raise ValueError(f"No {what}audio files found in directory "
                             f"{os.fspath(directory)}. Allowed format(s): {ALLOWED_FORMATS}")
        encoded = None if label_mode is None else \
            dataset_utils.encode_labels(part_labels, label_mode, num_classes)
        ds = dataset_utils.FileDataset(part_paths, encoded, load, batch_size, part_shuffle,
                                       seed, stack=_padded_batch)
        ds.class_names = class_names
        ds.file_paths = list(part_paths)
        return ds

    if subset == "both":
        train = dataset_utils.training_or_validation_split(
            paths, labels, validation_split, "training", verbose)
        val = dataset_utils.training_or_validation_split(
            paths, labels, validation_split, "validation", verbose)
        return make(*train, shuffle, "training "), make(*val, False, "validation ")
    paths, labels = dataset_utils.training_or_validation_split(
        paths, labels, validation_split, subset, verbose)
    return make(paths, labels, shuffle, "")
