"""String inputs: the text layers at the front of a model run on the host.

``TextVectorization``, ``StringLookup``, ``Hashing`` and the other host layers work on
strings, which no compiled program can hold. A model may still start with them, as
Keras's end-to-end text models do (``Input(shape=(1,), dtype="string")`` ->
``TextVectorization`` -> ``Embedding`` -> ...): ``fit``, ``evaluate`` and ``predict``
first run those layers on the host, on the data (``apply``), then feed their numeric
output to the compiled step, which starts after them (``Sequential.call`` and
``Functional.call`` skip them when given their output).

The host layers of a model (its "host prefix", ``model._host_layers()``, defined by
``Sequential`` and functional models; others have none): for a ``Sequential``, its
leading host layers; for a functional model, for each input, the chain of host layers it feeds
(every input of a host layer must be a model input or another host layer's output,
and each chain ends in one tensor).

>>> import numpy as np, kerasish
>>> from kerasish import layers
>>> lookup = layers.StringLookup(vocabulary=["cat", "dog"])
>>> model = kerasish.Sequential([kerasish.Input((2,), dtype="string"), lookup,
...                              layers.Embedding(3, 2), layers.Flatten()])
>>> model.predict(np.array([["cat", "dog"]]), verbose=0).shape
(1, 4)
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish.engine import adapters
from kerasish.layers.base import KerasTensor, flatten_outputs


def is_host_layer(layer):
    """Whether ``layer`` computes on the host (strings, Python tokens)."""
    return bool(getattr(layer, "runs_on_host", False))


def holds_strings(x):
    """Whether ``x`` (an array, list, or a structure of them) holds text."""
    if isinstance(x, dict):
        return any(holds_strings(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return any(holds_strings(v) for v in x) if x and not isinstance(x[0], (str, bytes)) \
            else bool(x)
    if isinstance(x, (str, bytes)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in "USO"


def sequential_prefix(layers):
    """The number of leading host layers of a ``Sequential``'s stack; a host layer
    after a device layer is refused (its input would be a traced array)."""
    count = 0
    while count < len(layers) and is_host_layer(layers[count]):
        count += 1
    late = [la.name for la in layers[count:] if is_host_layer(la)]
    if late:
        raise ValueError(
            f"Layer(s) {late} work on the host (strings, tokens) and must come first in "
            "the model, before any layer that computes on the device. Move them to the "
            "front, or apply them to the data before fit/predict.")
    return count


def functional_chains(inputs, nodes):
    """``{id(input tensor): (host node ids, end tensor)}`` for a functional model's
    graph ``nodes`` ((layer, inputs, out) in order); inputs without host layers are
    left out."""
    host = [(layer, ins, out) for layer, ins, out in nodes if is_host_layer(layer)]
    if not host:
        return {}
    source, members = {id(t): id(t) for t in inputs}, {}
    for layer, ins, out in host:
        tensors = [t for t in flatten_outputs(ins) if isinstance(t, KerasTensor)]
        roots = {source.get(id(t)) for t in tensors}
        if None in roots or len(roots) != 1:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) works on the host (strings, "
                "tokens): its input must be one model input, or the output of host layers "
                "applied to one. Apply it to the data before fit/predict instead.")
        root = roots.pop()
        for t in flatten_outputs(out):
            source[id(t)] = root
        members.setdefault(root, []).append((id(out), out))
    chains = {}
    for root, outs in members.items():
        end = outs[-1][1]
        if not isinstance(end, KerasTensor):
            raise ValueError("A chain of host layers must end in one tensor.")
        chains[root] = ({key for key, _ in outs}, end)
    return chains


def apply(model, x):
    """``x`` with the model's host layers applied (strings -> numbers); ``x`` itself
    when the model has none. Streams (generators, datasets) are mapped batch by batch."""
    if not has_host_layers(model) or x is None:
        return x
    if adapters.is_stream(x):
        if hasattr(x, "__next__"):  # a generator stays one: consumed once
            return (_map_batch(model, batch) for batch in x)
        return (_SizedStream if hasattr(x, "__len__") else _MappedStream)(model, x)
    return _run(model, x)


def _run(model, x):
    # Data already through the host layers (their numeric output) goes straight on.
    return model._run_host_layers(x) if holds_strings(x) else x


def apply_fit(model, x, validation_data):
    """``fit``'s ``x`` and ``validation_data`` with the host layers applied."""
    if isinstance(validation_data, (tuple, list)) and validation_data:
        validation_data = (apply(model, validation_data[0]), *validation_data[1:])
    elif validation_data is not None:
        validation_data = apply(model, validation_data)
    return apply(model, x), validation_data


def has_host_layers(model):
    finder = getattr(model, "_host_layers", None)
    return bool(finder and finder())


def _map_batch(model, batch):
    if isinstance(batch, tuple):
        return (_run(model, batch[0]),) + batch[1:]
    return _run(model, batch)


class _MappedStream:
    """A re-iterable source of batches whose ``x`` went through the host layers."""

    def __init__(self, model, stream):
        self._model, self._stream = model, stream

    def __iter__(self):
        return (_map_batch(self._model, batch) for batch in self._stream)


class _SizedStream(_MappedStream):
    def __len__(self):
        return len(self._stream)


def to_input_dtype(x, dtype):
    """A floating array in the model input's floating ``dtype`` (what Keras's models
    convert an input to: its ``Input``'s dtype, not the model's compute dtype); other
    values (integer ids, strings for the host layers) as they are.

    >>> import jax.numpy as jnp
    >>> to_input_dtype(jnp.ones(2, "float16"), "float32").dtype, to_input_dtype(
    ...     jnp.ones(2, "int32"), "float32").dtype, to_input_dtype(jnp.ones(2), "string").dtype
    (dtype('float32'), dtype('int32'), dtype('float32'))
    """
    if not isinstance(x, jax.Array) or not jnp.issubdtype(x.dtype, jnp.floating):
        return x
    try:
        wanted = jnp.dtype(dtype)
    except TypeError:  # "string": a text input, converted on the host
        return x
    if jnp.issubdtype(wanted, jnp.floating) and x.dtype != wanted:
        return x.astype(wanted)
    return x
