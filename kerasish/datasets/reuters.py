"""Reuters newswires: 11,228 newswires labelled over 46 topics, each a list of word
indices (same encoding as ``imdb``), split 80/20 into training and test sets.

Downloaded on first use (2 MB) from Keras's URL into ``~/.keras/datasets/reuters.npz``.
"""

import json

import numpy as np

from kerasish.datasets import _loading
from kerasish.utils.file_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters_word_index.json")
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
    "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
    "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
    "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(
    path="reuters.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    test_split=0.2,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
):
    """Loads the Reuters newswire classification dataset.

    Args:
        path: Name of the file in the cache folder (relative to `~/.keras/datasets`).
        num_words: Keep only the `num_words` most frequent words (indices below
            `num_words` after the shift by `index_from`); others become `oov_char`.
            `None` keeps all words.
        skip_top: Replace the words with indices below `skip_top` (after the shift)
            by `oov_char`.
        maxlen: Drop the newswires with `maxlen` or more indices (counting
            `start_char`). `None` keeps all.
        test_split: Fraction of the newswires, in `[0, 1)`, held out for testing.
        seed: Seed of the shuffle before the split.
        start_char: Index put at the start of every newswire; `None` for none.
        oov_char: Index of cut words; `None` drops them instead.
        index_from: Added to every word index.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        **`x_train`, `x_test`**: 1-d object arrays of lists of word indices (8,982 and
        2,246 with the defaults).

        **`y_train`, `y_test`**: integer arrays of topic labels (0-45); names in
        `get_label_names()`.

    Example:

    >>> from kerasish.datasets import reuters
    >>> (x_train, y_train), (x_test, y_test) = reuters.load_data()  # doctest: +SKIP
    >>> x_train.shape, x_test.shape  # doctest: +SKIP
    ((8982,), (2246,))
    """
    _loading.check_test_split(test_split)
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    f = _loading.load_npz(path, ("x", "y"))
    indices = np.arange(len(f["x"]))
    np.random.RandomState(seed).shuffle(indices)
    xs = _loading.shift_words(f["x"][indices], start_char, index_from)
    labels = f["y"][indices]
    if maxlen:
        xs, labels = _loading.drop_long(maxlen, xs, labels)
    xs = _loading.limit_vocabulary(xs, num_words, skip_top, oov_char)
    n = int(len(xs) * (1 - test_split))
    return ((_loading.object_array(xs[:n]), np.array(labels[:n])),
            (_loading.object_array(xs[n:]), np.array(labels[n:])))


def get_word_index(path="reuters_word_index.json"):
    """Retrieves the dict mapping words to their index in the Reuters dataset.

    Indices in the data are these plus `index_from` (3 by default): `"the"` is 1 here
    and 4 in the data.

    Args:
        path: Name of the file in the cache folder (relative to `~/.keras/datasets`).

    Returns:
        The word index dictionary: keys are words, values their index.
    """
    path = get_file(path, origin=WORD_INDEX_ORIGIN, file_hash=WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, in the order of the labels.

    >>> names = get_label_names()
    >>> len(names), names[3], names[4]
    (46, 'earn', 'acq')
    """
    return _LABEL_NAMES
