"""How ``StringLookup``, ``IntegerLookup`` (and ``TextVectorization``, through its
lookup layer) save their state in ``.keras`` files, as Keras 3 does: the vocabulary as
the asset ``vocabulary.txt`` (one token a line, special tokens first), the idf weights
of ``tf_idf`` mode as the array ``idf_weights`` of the layer's weights group.

>>> import os, tempfile, kerasish
>>> layer = kerasish.layers.StringLookup()
>>> layer.adapt([["b", "a", "b"]])
>>> folder = tempfile.mkdtemp()
>>> layer.save_assets(folder)
>>> open(os.path.join(folder, "vocabulary.txt")).read().splitlines()
['[UNK]', 'b', 'a']
>>> fresh = kerasish.layers.StringLookup()
>>> fresh.load_assets(folder)
>>> fresh.get_vocabulary()
['[UNK]', 'b', 'a']
"""

import contextlib
import contextvars
import os

import numpy as np

VOCABULARY_FILE = "vocabulary.txt"  # Keras's asset: one token a line, special tokens first

# While a .keras file is written, an adapted vocabulary goes to the file's assets (as
# Keras writes it) rather than into the config; elsewhere get_config carries it.
_IN_ASSETS = contextvars.ContextVar("kerasish_vocabulary_in_assets", default=False)


@contextlib.contextmanager
def vocabulary_in_assets():
    """Within this block, ``get_config`` of text layers leaves an adapted vocabulary
    out (Keras's config), for ``save_assets`` to write it as ``vocabulary.txt``.

    >>> from kerasish.layers import StringLookup
    >>> layer = StringLookup()
    >>> layer.adapt([["a", "b", "a"]])
    >>> layer.get_config()["vocabulary"]
    ['[UNK]', 'a', 'b']
    >>> with vocabulary_in_assets():
    ...     print(layer.get_config()["vocabulary"])
    None
    """
    token = _IN_ASSETS.set(True)
    try:
        yield
    finally:
        _IN_ASSETS.reset(token)


def saving_to_assets():
    """True inside ``vocabulary_in_assets()`` (while a ``.keras`` file is written)."""
    return _IN_ASSETS.get()


class VocabularyFiles:
    """The file side of Keras's IndexLookup (a mixin of ``_IndexLookup``)."""

    # -- saving: Keras's assets and variables ---------------------------------------------
    def save_own_variables(self, store):
        """Write the idf weights (``tf_idf`` mode) into ``store``, a dict-like group of
        the weights file, under Keras's key ``idf_weights``."""
        if self.output_mode == "tf_idf":
            weights = self.idf_weights if self.idf_weights is not None else \
                np.zeros(self._token_start_index())
            store["idf_weights"] = np.asarray(weights, "float32")

    def load_own_variables(self, store):
        """Read the idf weights (``tf_idf`` mode) that ``save_own_variables`` wrote."""
        if self.output_mode != "tf_idf":
            return
        if "idf_weights" not in store:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}, output_mode='tf_idf') expects "
                "an 'idf_weights' array in its weights group, which the file lacks. Was "
                "the file saved from a layer with another output_mode?")
        weights = np.asarray(store["idf_weights"], "float32")
        if weights.ndim != 1:
            raise ValueError(f"Layer {self.name!r}: the saved idf_weights must be 1-D. "
                             f"Received shape {weights.shape}.")
        self.idf_weights = weights

    def save_assets(self, dir_path):
        """Write an adapted (or file-given) vocabulary to ``dir_path/vocabulary.txt``,
        one token a line, special tokens first, as Keras does; a vocabulary given as
        a list travels in the config instead."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, VOCABULARY_FILE), "w", encoding="utf-8") as f:
            f.write("\n".join(str(token) for token in self.get_vocabulary()))

    def load_assets(self, dir_path):
        """Read the vocabulary ``save_assets`` wrote (Keras's files too); with
        ``tf_idf``, the idf weights come from ``load_own_variables`` first."""
        if self.input_vocabulary is not None or dir_path is None:
            return  # given in the config, or nothing was saved for this layer
        path = os.path.join(dir_path, VOCABULARY_FILE)
        if not os.path.isfile(path):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) has an assets folder without "
                f"{VOCABULARY_FILE!r}; the file is incomplete. Found: "
                f"{sorted(os.listdir(dir_path))}")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if not lines:
            return  # a layer saved before adapt, with no special tokens either
        values = lines if self._is_string else [int(line) for line in lines]
        if self.output_mode == "tf_idf":
            if self.idf_weights is None or len(self.idf_weights) < len(values):
                found = 0 if self.idf_weights is None else len(self.idf_weights)
                raise ValueError(
                    f"Layer {self.name!r}: the file's vocabulary has {len(values)} entries "
                    f"but only {found} idf weights; the file is incomplete or damaged.")
            self.set_vocabulary(values, idf_weights=self.idf_weights[:len(values)])
        else:
            self.set_vocabulary(values)
