"""``Config``: Keras's dict with attribute access, which can be frozen."""

import copy
import difflib
import json


class Config:
    """A dict of settings readable as attributes (``config.units``) or items
    (``config["units"]``); ``freeze()`` makes it read-only. Iteration is over the
    sorted keys, as in Keras.

    Args:
        **kwargs: the initial entries.

    >>> c = Config(units=4, activation="relu")
    >>> c.units, c["activation"], list(c)
    (4, 'relu', ['activation', 'units'])
    >>> c.freeze()
    >>> c.units = 8
    Traceback (most recent call last):
    ...
    ValueError: Cannot mutate attribute(s) because the config is frozen.
    """

    _INTERNAL = ("_entries", "_frozen")

    def __init__(self, **kwargs):
        object.__setattr__(self, "_entries", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    # -- read-only switch
    @property
    def frozen(self):
        """Whether the config is read-only."""
        return self._frozen

    def freeze(self):
        """Make the config read-only."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Make the config writable again."""
        object.__setattr__(self, "_frozen", False)

    def _writable(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")
        return self._entries

    # -- attribute access: anything that is not part of the class is an entry
    def __getattr__(self, name):
        # only called when normal lookup fails, i.e. for entries
        if name.startswith("__") or name in Config._INTERNAL:
            raise AttributeError(name)
        entries = object.__getattribute__(self, "_entries")
        if name in entries:
            return entries[name]
        close = difflib.get_close_matches(name, list(entries), n=1, cutoff=0.7)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise AttributeError(f"Unknown attribute: '{name}'.{hint}")

    def __setattr__(self, name, value):
        if hasattr(type(self), name) or name in Config._INTERNAL:
            object.__setattr__(self, name, value)
        else:
            self._writable()[name] = value

    # -- the dict surface
    def __getitem__(self, key):
        return self._entries[key]

    def __setitem__(self, key, value):
        self._writable()[key] = value

    def __delitem__(self, key):
        del self._writable()[key]

    def __contains__(self, key):
        return key in self._entries

    def __len__(self):
        return len(self._entries)

    def __iter__(self):
        return iter(sorted(self._entries))

    def __repr__(self):
        return f"<Config {self._entries}>"

    def keys(self):
        return self._entries.keys()

    def values(self):
        return self._entries.values()

    def items(self):
        return self._entries.items()

    def get(self, keyname, value=None):
        """The entry ``keyname``, or ``value`` when there is none."""
        return self._entries.get(keyname, value)

    def pop(self, *args):
        return self._writable().pop(*args)

    def update(self, *args, **kwargs):
        """Add or replace entries, as ``dict.update``."""
        self._writable().update(*args, **kwargs)

    def as_dict(self):
        """A shallow copy of the entries as a dict."""
        return copy.copy(self._entries)

    def to_json(self):
        """The entries as a JSON string."""
        return json.dumps(self._entries)
