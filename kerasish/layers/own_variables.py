"""Keras's ``save_own_variables``/``load_own_variables`` on every layer.

A layer's weights group in a ``.keras`` or weights file holds its own variables
(trainable first, then the rest) under the keys ``"0"``, ``"1"``, ... — what these
two methods write and read. Saving calls a layer's own override of them, so a
custom layer can add keys for state that is not a variable, usually by calling
``super()`` first::

    class Counting(kerasish.layers.Dense):
        def save_own_variables(self, store):
            super().save_own_variables(store)
            store["calls"] = np.asarray(self.calls)

        def load_own_variables(self, store):
            self.calls = int(store.pop("calls"))
            super().load_own_variables(store)

>>> import numpy as np, kerasish
>>> layer = kerasish.layers.Dense(2)
>>> _ = layer(np.ones((1, 3)))
>>> store = {}
>>> layer.save_own_variables(store)
>>> sorted(store), store["0"].shape, store["1"].shape
(['0', '1'], (3, 2), (2,))
>>> other = kerasish.layers.Dense(2)
>>> _ = other(np.ones((1, 3)))
>>> other.load_own_variables(store)
>>> bool(np.array_equal(other.kernel.numpy(), layer.kernel.numpy()))
True
"""

import numpy as np


class OwnVariables:
    """The two methods; mixed into :class:`kerasish.layers.Layer`."""

    def _saved_variables(self):
        own = self._own_variables
        return [v for v in own if v.trainable] + [v for v in own if not v.trainable]

    def save_own_variables(self, store):
        """Write this layer's own variables (not its sublayers') into ``store``, a
        dict-like, under ``"0"``, ``"1"``, ...: trainable ones first, as Keras."""
        for i, variable in enumerate(self._saved_variables()):
            store[str(i)] = np.asarray(variable.value)

    def load_own_variables(self, store):
        """Assign this layer's own variables from ``store`` (as
        :meth:`save_own_variables` wrote it). Every value is checked before any is
        assigned: on a mismatch nothing changes."""
        variables = self._saved_variables()
        keys = list(store.keys())
        if len(keys) != len(variables):
            hint = (" The layer is not built yet: build it (call it on data, or build the "
                    "model) before loading." if not variables and not self.built else "")
            raise ValueError(
                f"Layer {self.name!r} has {len(variables)} variables "
                f"{[v.name for v in variables]}, but the store holds {len(keys)} "
                f"({sorted(keys)}).{hint}")
        values = []
        for i, variable in enumerate(variables):
            if str(i) not in store:
                raise ValueError(
                    f"Layer {self.name!r}: the store has no key {str(i)!r} for variable "
                    f"{variable.name!r}. Expected the keys "
                    f"{[str(k) for k in range(len(variables))]}, received {sorted(keys)}.")
            value = np.asarray(store[str(i)])
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f"Layer {self.name!r}: variable {variable.name!r} has shape "
                    f"{tuple(variable.shape)}, the stored value {str(i)!r} has shape "
                    f"{tuple(value.shape)}.")
            values.append(value)
        for variable, value in zip(variables, values):
            variable.assign(value.astype(variable.dtype))


__all__ = []  # the methods are public through Layer
