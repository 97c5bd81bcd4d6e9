"""Nested-structure utilities with Keras 3's names and rules (``keras.tree``).

The rules are Keras's (its ``optree`` backend, ``none_is_leaf=True``):

* nodes are exactly ``list``, ``tuple``, ``dict``, ``collections.OrderedDict``,
  ``collections.defaultdict``, ``collections.deque``, namedtuples and struct sequences
  (``time.struct_time``); anything else, subclasses of ``list``/``dict`` included, is a
  leaf, and so is ``None``;
* a ``dict`` (and ``defaultdict``) flattens in sorted key order (keys of mixed types
  sort by type name, then value), and is rebuilt in its own insertion order; an
  ``OrderedDict`` keeps its order;
* two structures match when their nodes have the same types and lengths; ``dict``,
  ``OrderedDict`` and ``defaultdict`` match each other when their keys do;
  namedtuples match only instances of the same class.

>>> flatten({"b": [1, 2], "a": (3, None)})
[3, None, 1, 2]
>>> map_structure(lambda x: x * 10, {"b": 1, "a": [2, 3]})
{'b': 10, 'a': [20, 30]}
>>> pack_sequence_as({"key3": "", "key1": "", "key2": ""}, ["v1", "v2", "v3"])
{'key3': 'v3', 'key1': 'v1', 'key2': 'v2'}
"""

import collections
import warnings

_DICTS = (dict, collections.OrderedDict, collections.defaultdict)


class MAP_TO_NONE:
    """Special value for use with :func:`traverse`: replace the sub-tree with None.

    A function given to ``traverse`` returns it to put None where the whole sub-tree
    was; returning None itself means "keep going into this node".

    >>> traverse(lambda x: MAP_TO_NONE if x == (1, 2) else None, {"a": (1, 2), "b": [3]})
    {'a': None, 'b': [3]}
    """


# -------------------------------------------------------------------- node rules

def _is_namedtuple(cls):
    return (issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple)
            and all(type(f) is str for f in cls._fields)
            and callable(getattr(cls, "_make", None)) and callable(getattr(cls, "_asdict", None)))


def _is_structseq(cls):
    return (cls.__bases__ == (tuple,) and isinstance(getattr(cls, "n_fields", None), int)
            and isinstance(getattr(cls, "n_sequence_fields", None), int)
            and isinstance(getattr(cls, "n_unnamed_fields", None), int))


def _sorted_keys(d):
    keys = list(d)
    try:
        return sorted(keys)
    except TypeError:
        pass
    try:
        # Mixed key types: by the type's name first, as optree's total order.
        return sorted(keys, key=lambda k: (f"{type(k).__module__}.{type(k).__qualname__}", k))
    except TypeError:
        return keys


def _keys(x, none_is_leaf=True):
    """The child keys of a node in flattening order, or None for a leaf."""
    cls = type(x)
    if x is None:
        return None if none_is_leaf else []
    if cls is list or cls is tuple or cls is collections.deque:
        return list(range(len(x)))
    if cls is dict or cls is collections.defaultdict:
        return _sorted_keys(x)
    if cls is collections.OrderedDict:
        return list(x)
    if issubclass(cls, tuple) and (_is_namedtuple(cls) or _is_structseq(cls)):
        return list(range(len(x)))
    return None


def _rebuild(x, keys, children):
    """A node like ``x`` holding ``children`` (given in ``keys`` order)."""
    cls = type(x)
    if x is None:
        return None
    if cls is list:
        return list(children)
    if cls is tuple:
        return tuple(children)
    if cls is collections.deque:
        return collections.deque(children, maxlen=x.maxlen)
    if cls in _DICTS:
        by_key = dict(zip(keys, children))
        items = [(k, by_key[k]) for k in x]  # the node's own insertion order
        if cls is collections.defaultdict:
            return collections.defaultdict(x.default_factory, items)
        return cls(items)
    if _is_namedtuple(cls):
        return cls(*children)
    return cls(children)  # struct sequence


def _describe(x):
    return f"{x!r} (of type {type(x).__name__})"


def _match(node, other, keys, path, none_is_leaf=True):
    """``other``'s children in ``node``'s key order; a ValueError if ``other`` is not
    a node of the same kind."""
    cls = type(node)
    where = f" at path {path}" if path else ""
    if node is None:
        if other is not None:
            raise ValueError(f"Expected None{where}, received {_describe(other)}.")
        return []
    if cls in _DICTS:
        if type(other) not in _DICTS:
            raise ValueError(
                f"The structures don't have the same nested structure{where}: expected a "
                f"dict, received {_describe(other)}.")
        if set(other) != set(node):
            raise ValueError(
                f"The structures don't have the same nested structure{where}: dictionary "
                f"keys differ. Expected keys {sorted(map(repr, node))}, received keys "
                f"{sorted(map(repr, other))}.")
        return [other[k] for k in keys]
    if type(other) is not cls:
        kind = "namedtuple " + cls.__qualname__ if _is_namedtuple(cls) else cls.__name__
        raise ValueError(
            f"The structures don't have the same nested structure{where}: expected an "
            f"instance of {kind}, received {_describe(other)}.")
    if len(other) != len(node):
        raise ValueError(
            f"The structures don't have the same nested structure{where}: expected a "
            f"{cls.__name__} of length {len(node)}, received one of length {len(other)}: "
            f"{other!r}.")
    return list(other)


def _check_callable(func, name="func"):
    if not callable(func):
        raise TypeError(f"`{name}` must be callable. Received: {name}={func!r}")


# -------------------------------------------------------------------- public API

def is_nested(structure):
    """Whether ``structure`` is a node (a list, tuple, dict, namedtuple, ...).

    >>> is_nested(42), is_nested({"foo": 42}), is_nested(None)
    (False, True, False)
    """
    return _keys(structure) is not None


def _flatten_into(x, out, path=None, paths=None):
    keys = _keys(x)
    if keys is None:
        out.append(x)
        if paths is not None:
            paths.append(path)
        return
    children = [x[k] for k in keys]
    for k, child in zip(keys, children):
        _flatten_into(child, out, None if paths is None else path + (k,), paths)


def flatten(structure):
    """The leaves of ``structure``, in Keras's order (dict values by sorted key).

    >>> flatten([[1, 2, 3], [4, [5], [[6]]]])
    [1, 2, 3, 4, 5, 6]
    >>> flatten(None), flatten({100: "world!", 6: "Hello"})
    ([None], ['Hello', 'world!'])
    """
    out = []
    _flatten_into(structure, out)
    return out


def flatten_with_path(structure):
    """``(path, leaf)`` pairs; a path is the tuple of indices and keys to the leaf.

    >>> flatten_with_path([{"foo": 42}])
    [((0, 'foo'), 42)]
    """
    leaves, paths = [], []
    _flatten_into(structure, leaves, (), paths)
    return list(zip(paths, leaves))


def _map(func, structures, none_is_leaf, check_leaves, path):
    first = structures[0]
    keys = _keys(first, none_is_leaf)
    if keys is None:
        nested = [s for s in structures[1:] if _keys(s, none_is_leaf) is not None]
        if check_leaves and nested:
            raise ValueError(
                f"Structures don't have the same nested structure: at path {path}, the "
                f"first structure has the leaf {_describe(first)}, another has the nested "
                f"{nested[0]!r}.")
        return func(*structures)
    columns = [[first[k] for k in keys]] + [_match(first, s, keys, path, none_is_leaf)
                                            for s in structures[1:]]
    children = [_map(func, list(args), none_is_leaf, check_leaves, path + (k,))
                for k, args in zip(keys, zip(*columns))]
    return _rebuild(first, keys, children)


def map_structure(func, *structures, none_is_leaf=True):
    """``func`` applied leaf by leaf across ``structures`` (same layout), in a new
    structure of the first one's layout.

    With ``none_is_leaf=False``, ``None`` entries are kept as they are, not passed to
    ``func``.

    >>> map_structure(lambda x, y: x * y, [[1], [2]], [[3], [4]])
    [[3], [8]]
    >>> map_structure(lambda v: v + 1, [None, 1], none_is_leaf=False)
    [None, 2]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    _check_callable(func)
    if len(structures) == 1 and not is_nested(structures[0]):
        if structures[0] is None and not none_is_leaf:
            return None
        return func(structures[0])
    return _map(func, list(structures), none_is_leaf, len(structures) > 1, ())


def map_structure_up_to(shallow_structure, func, *structures):
    """``map_structure`` down to the leaves of ``shallow_structure`` only: the
    sub-trees of ``structures`` found there are passed to ``func`` whole.

    (Keras 3's optree backend raises when ``shallow_structure`` has ``None`` leaves,
    contrary to its own documented example; here ``None`` is a leaf like any other.)

    >>> map_structure_up_to([None, None], len, [[1, 1], [2, 2]])
    [2, 2]
    >>> map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]])
    ['[1, 1]', ['2', '2']]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    _check_callable(func)
    return _map(lambda _, *args: func(*args), [shallow_structure, *structures], True,
                False, ())


def assert_same_structure(a, b, check_types=None):
    """Raise a ValueError unless ``a`` and ``b`` are nested the same way (node types
    and lengths; ``dict``/``OrderedDict``/``defaultdict`` with the same keys match).

    ``check_types`` is deprecated (as in Keras) and has no effect; see
    :func:`assert_same_paths` for a check that ignores the container types.

    >>> assert_same_structure([(0, 1)], [(2, 3)])
    >>> assert_same_structure([0, 1], (2, 3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: The structures don't have the same nested structure: expected an instance of list...
    """
    if check_types is not None:
        if check_types:
            warnings.warn("The `check_types` argument is deprecated and no longer has any "
                          "effect, please remove.", DeprecationWarning, stacklevel=2)
        else:
            warnings.warn("The `check_types` argument is deprecated and no longer has any "
                          "effect. For a looser check, use `keras.tree.assert_same_paths()`, "
                          "which considers `list`, `tuple`, `namedtuple` and `deque` as "
                          "matching", DeprecationWarning, stacklevel=2)
    _map(lambda *_: None, [a, b], True, True, ())


def assert_same_paths(a, b):
    """Raise a ValueError unless ``a`` and ``b`` have the same leaf paths (container
    types are ignored: a list matches a tuple or a namedtuple).

    >>> assert_same_paths([0, 1], (2, 3))
    """
    a_paths = {p for p, _ in flatten_with_path(a)}
    b_paths = {p for p, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(msg)


def pack_sequence_as(structure, flat_sequence):
    """The leaves of ``flat_sequence`` (in :func:`flatten`'s order) placed in the
    layout of ``structure``.

    >>> pack_sequence_as((("a", "b"), ("c", "d", "e"), "f"), [1, 2, 3, 4, 5, 6])
    ((1, 2), (3, 4, 5), 6)
    """
    try:
        leaves = list(flat_sequence)
    except TypeError:
        raise TypeError(
            "`flat_sequence` must be an iterable of leaves (e.g. a list). Received: "
            f"flat_sequence={flat_sequence!r} of type {type(flat_sequence).__name__}"
        ) from None
    expected = len(flatten(structure))
    if len(leaves) != expected:
        raise ValueError(
            f"Too {'few' if len(leaves) < expected else 'many'} leaves to pack: "
            f"`structure` has {expected}, `flat_sequence` has {len(leaves)}. "
            f"Received: structure={structure!r}")
    it = iter(leaves)
    return _map(lambda _: next(it), [structure], True, False, ())


def traverse(func, structure, top_down=True):
    """Walk ``structure`` depth first, applying ``func`` to every sub-tree.

    Top down (parents first): where ``func`` returns something other than None, the
    sub-tree is replaced by it and not entered. Bottom up: the sub-tree, already
    traversed, is replaced by ``func``'s result unless that is None. Return
    :class:`MAP_TO_NONE` to put ``None`` in its place.

    >>> v = []
    >>> traverse(v.append, [(1, 2), [3], {"a": 4}], top_down=True)
    [(1, 2), [3], {'a': 4}]
    >>> v
    [[(1, 2), [3], {'a': 4}], (1, 2), 1, 2, [3], 3, {'a': 4}, 4]
    """
    _check_callable(func)

    def children_traversed(x):
        keys = _keys(x)
        if keys is None:
            return x
        return _rebuild(x, keys, [walk(x[k]) for k in keys])

    def walk(x):
        if top_down:
            ret = func(x)
            if ret is None:
                return children_traversed(x)
        else:
            x = children_traversed(x)
            ret = func(x)
            if ret is None:
                return x
        # By name, as Keras does: `keras.tree.MAP_TO_NONE` is accepted too.
        if isinstance(ret, type) and ret.__name__ == "MAP_TO_NONE":
            return None
        return ret

    return walk(structure)


def lists_to_tuples(structure):
    """``structure`` with every list turned into a tuple.

    >>> lists_to_tuples([1, [2, {"a": [3]}]])
    (1, (2, {'a': (3,)}))
    """
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure,
                    top_down=False)


def _is_shape(x):
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_structure(func, structure):
    """``map_structure`` where a list or tuple of ints and Nones (a shape) is a leaf.

    >>> map_shape_structure(lambda s: (None,) + tuple(s), [(3,), {"a": (4, 5)}])
    [(None, 3), {'a': (None, 4, 5)}]
    """
    _check_callable(func)

    def walk(x):
        keys = None if _is_shape(x) else _keys(x)
        if keys is None:
            return func(x)
        return _rebuild(x, keys, [walk(x[k]) for k in keys])

    return walk(structure)


__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse"]


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))
