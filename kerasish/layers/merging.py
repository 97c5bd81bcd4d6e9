"""Merge layers for the functional API: ``Concatenate``, ``Add``, ``Subtract``,
``Multiply``, ``Average``, ``Maximum``, ``Minimum``.

>>> import numpy as np, kerasish
>>> a, b = np.ones((2, 3)), np.full((2, 3), 3.0)
>>> np.asarray(kerasish.layers.Average()([a, b]))[0]
array([2., 2., 2.], dtype=float32)
>>> kerasish.layers.Concatenate()([a, b]).shape
(2, 6)
"""

import functools

import jax.numpy as jnp

from kerasish.layers.base import Layer, get_keras_mask, set_keras_mask


def _check_mask_list(inputs, mask):
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
    if len(mask) != len(inputs):
        raise ValueError(
            "The lists `inputs` and `mask` should have the same length. Received: "
            f"inputs={inputs} of length {len(inputs)}, and mask={mask} of length {len(mask)}")


class _Merge(Layer):
    """Elementwise merge of a list of same-shaped inputs.

    Masks as in Keras: the output is masked where any input is unmasked (the OR of the
    input masks), and unmasked when some input has no mask.
    """

    _min_inputs = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape \
                or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) must be called on a list of "
                f"inputs. Received a single input of shape {input_shape}."
            )
        if len(input_shape) < self._min_inputs:
            raise ValueError(
                f"Layer {self.name!r} needs at least {self._min_inputs} inputs. Received "
                f"{len(input_shape)}."
            )
        self._check_shapes([tuple(s) for s in input_shape])
        self.built = True

    def _check_shapes(self, shapes):
        trailing = {s[1:] for s in shapes}
        if len(trailing) > 1 and not self._broadcastable(shapes):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) needs inputs of the same "
                f"shape (or broadcastable). Received shapes {shapes}."
            )

    @staticmethod
    def _broadcastable(shapes):
        try:
            jnp.broadcast_shapes(*[tuple(1 if d is None else d for d in s) for s in shapes])
            return True
        except ValueError:
            return False

    def call(self, inputs):
        return functools.reduce(self._op, inputs)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if any(m is None for m in mask):
            return None
        return functools.reduce(jnp.logical_or, mask)


def _steps_mask(x):
    """An input's mask broadcast to its own shape (Keras's masked merges), or None."""
    mask = get_keras_mask(x)
    return None if mask is None else jnp.broadcast_to(jnp.expand_dims(mask, -1), x.shape)


def _merge_masked(op, inputs):
    """Keras's ``_apply_merge_op_and_or_mask`` (Maximum, Minimum): masked entries take
    the other operand's value, so they never win; the output mask is the OR."""
    output = output_mask = None
    for x in inputs:
        mask = _steps_mask(x)
        if output is None:
            output, output_mask = x, mask
            continue
        if mask is not None:
            x = jnp.where(mask, x, output)
        if output_mask is not None:
            output = jnp.where(output_mask, output, x)
        output_mask = jnp.logical_or(output_mask, mask) \
            if mask is not None and output_mask is not None else None
        output = op(output, x)
    if output_mask is not None:
        set_keras_mask(output, jnp.any(output_mask, axis=-1))
    return output


class Add(_Merge):
    """Sum of the inputs."""

    _op = staticmethod(jnp.add)


class Multiply(_Merge):
    """Elementwise product of the inputs; as Keras, a masked entry counts as 1, and
    entries masked in every input are 0."""

    def call(self, inputs):
        masks = [_steps_mask(x) for x in inputs]
        all_masked = all(m is not None for m in masks)
        output = output_mask = None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                x = jnp.where(mask, x, jnp.ones((), x.dtype))
                if all_masked:
                    output_mask = mask if output_mask is None \
                        else jnp.logical_or(output_mask, mask)
            output = x if output is None else jnp.multiply(output, x)
        if all_masked:
            output = jnp.where(output_mask, output, jnp.zeros((), output.dtype))
            set_keras_mask(output, jnp.any(output_mask, axis=-1))
        return output


class _MaskedMerge(_Merge):
    def call(self, inputs):
        return _merge_masked(self._op, inputs)


class Maximum(_MaskedMerge):
    """Elementwise maximum; as Keras, masked entries never win."""

    _op = staticmethod(jnp.maximum)


class Minimum(_MaskedMerge):
    """Elementwise minimum; as Keras, masked entries never win."""

    _op = staticmethod(jnp.minimum)


class Average(_Merge):
    """Elementwise mean of the inputs."""

    def call(self, inputs):
        return functools.reduce(jnp.add, inputs) / len(inputs)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"Layer {self.name!r} (Subtract) needs exactly 2 inputs. Received "
                f"{len(input_shape)}."
            )

    def call(self, inputs):
        return inputs[0] - inputs[1]


class Concatenate(_Merge):
    """Join the inputs along ``axis`` (default: the last)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _check_shapes(self, shapes):
        ranks = {len(s) for s in shapes}
        axis = self.axis % next(iter(ranks)) if len(ranks) == 1 else None
        others = {tuple(d for i, d in enumerate(s) if i != axis and i != 0) for s in shapes}
        if len(ranks) != 1 or len(others) != 1:
            raise ValueError(
                f"Layer {self.name!r} (Concatenate) needs inputs whose shapes match except "
                f"on the concatenation axis {self.axis}. Received shapes {shapes}."
            )

    def call(self, inputs):
        return jnp.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        """Keras's: each input's mask over its own shape (all True when unmasked),
        concatenated along ``axis``, then reduced over the last axis with OR."""
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                full.append(jnp.ones(jnp.shape(x), bool))
            elif jnp.ndim(m) < jnp.ndim(x):
                full.append(jnp.broadcast_to(jnp.expand_dims(m, -1), jnp.shape(x)))
            else:
                full.append(jnp.asarray(m))
        return jnp.any(jnp.concatenate(full, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
