"""IMDB movie reviews: 25,000 training and 25,000 test reviews labelled by sentiment
(1 positive, 0 negative), each a list of word indices.

Words are indexed by frequency in the data ("3" is the 3rd most frequent word); 0 is
padding, ``start_char`` (1) marks a review's start, ``oov_char`` (2) replaces words cut
by ``num_words``/``skip_top``, and real words start at ``index_from`` (3).
Downloaded on first use (17 MB) from Keras's URL into ``~/.keras/datasets/imdb.npz``.
"""

import json
import warnings

import numpy as np

from kerasish.datasets import _loading
from kerasish.utils.file_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json")
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(
    path="imdb.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
    **kwargs,
):
    """Loads the IMDB dataset.

    Args:
        path: Name of the file in the cache folder (relative to `~/.keras/datasets`).
        num_words: Keep only the `num_words` most frequent words (indices below
            `num_words` after the shift by `index_from`); others become `oov_char`.
            `None` keeps all words.
        skip_top: Replace the words with indices below `skip_top` (after the shift)
            by `oov_char`.
        maxlen: Drop the reviews with `maxlen` or more indices (counting
            `start_char`). `None` keeps all.
        seed: Seed of the shuffle of each split.
        start_char: Index put at the start of every review; `None` for none.
        oov_char: Index of cut words; `None` drops them instead.
        index_from: Added to every word index.
        **kwargs: Only the Keras 2 spelling `nb_words` (for `num_words`) is accepted.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        **`x_train`, `x_test`**: 1-d object arrays of lists of word indices (25,000
        each with the defaults).

        **`y_train`, `y_test`**: integer arrays of labels (1 or 0).

    Example:

    >>> from kerasish.datasets import imdb
    >>> (x_train, y_train), _ = imdb.load_data(num_words=10000)  # doctest: +SKIP
    >>> x_train.shape, y_train.shape, x_train[0][:3]  # doctest: +SKIP
    ((25000,), (25000,), [1, 13, 586])

    Words of the test set that are not in the training set were dropped when the file
    was made; `oov_char` marks only the words cut here.
    """
    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument in `load_data` has been renamed "
                      "`num_words`.", stacklevel=2)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}. Expected the "
                        "arguments of keras.datasets.imdb.load_data.")
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    f = _loading.load_npz(path, ("x_train", "y_train", "x_test", "y_test"))

    # One RandomState draws both shuffles, train first: the same order as Keras.
    rng = np.random.RandomState(seed)
    splits = []
    for x, y in ((f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])):
        indices = np.arange(len(x))
        rng.shuffle(indices)
        x = _loading.shift_words(x[indices], start_char, index_from)
        y = y[indices]
        if maxlen:
            x, y = _loading.drop_long(maxlen, x, y)
        splits.append((x, y))
    (x_train, y_train), (x_test, y_test) = splits
    if maxlen and (not x_train or not x_test):
        raise ValueError(
            f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was "
            "kept. Increase maxlen."
        )
    xs = _loading.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    n = len(x_train)
    return ((_loading.object_array(xs[:n]), y_train),
            (_loading.object_array(xs[n:]), y_test))


def get_word_index(path="imdb_word_index.json"):
    """Retrieves the dict mapping words to their index in the IMDB dataset.

    Indices in the data are these plus `index_from` (3 by default).

    Args:
        path: Name of the file in the cache folder (relative to `~/.keras/datasets`).

    Returns:
        The word index dictionary: keys are words, values their index (from 1).

    Example:

    >>> word_index = imdb.get_word_index()  # doctest: +SKIP
    >>> words = {i + 3: w for w, i in word_index.items()}  # doctest: +SKIP
    >>> " ".join(words.get(i, "?") for i in x_train[0][1:6])  # doctest: +SKIP
    'this film was just brilliant'
    """
    path = get_file(fname=path, origin=WORD_INDEX_ORIGIN, file_hash=WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)
