"""Merge layers for the functional API: ``Concatenate``, ``Add``, ``Subtract``,
``Multiply``, ``Average``, ``Maximum``, ``Minimum``, ``Dot``.

>>> import numpy as np, kerasish
>>> a, b = np.ones((2, 3)), np.full((2, 3), 3.0)
>>> np.asarray(kerasish.layers.Average()([a, b]))[0]
array([2., 2., 2.], dtype=float32)
>>> kerasish.layers.Concatenate()([a, b]).shape
(2, 6)
"""

import functools

import jax
import jax.numpy as jnp

from kerasish import config
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
    """Sum of the inputs: called on a list of tensors of the same shape (or shapes
    that broadcast), returns one tensor of that shape. Masks combine with OR.

    Args:
        **kwargs: layer keyword arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> Add()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[4.0, 7.0]]
    """

    _op = staticmethod(jnp.add)


class Multiply(_Merge):
    """Elementwise product of the inputs; as Keras, a masked entry counts as 1, and
    entries masked in every input are 0.

    Called on a list of tensors of the same shape (or shapes that broadcast).

    Args:
        **kwargs: layer keyword arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> Multiply()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[3.0, 10.0]]
    """

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
    """Elementwise maximum of a list of same-shaped tensors; as Keras, masked
    entries never win.

    Args:
        **kwargs: layer keyword arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> Maximum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[3.0, 5.0]]
    """

    _op = staticmethod(jnp.maximum)


class Minimum(_MaskedMerge):
    """Elementwise minimum of a list of same-shaped tensors; as Keras, masked
    entries never win.

    Args:
        **kwargs: layer keyword arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> Minimum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[1.0, 2.0]]
    """

    _op = staticmethod(jnp.minimum)


class Average(_Merge):
    """Elementwise mean of the inputs: the sum of a list of same-shaped tensors
    divided by their number. Masks combine with OR.

    Args:
        **kwargs: layer keyword arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> Average()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[2.0, 3.5]]
    """

    def call(self, inputs):
        return functools.reduce(jnp.add, inputs) / len(inputs)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]``: called on a list of exactly two tensors of the same
    shape (or shapes that broadcast).

    Args:
        **kwargs: layer keyword arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> Subtract()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[-2.0, 3.0]]
    """

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
    """Join the inputs along ``axis`` (default: the last).

    The inputs' shapes must match on every other axis. With masked inputs, the output
    mask is Keras's: the masks joined along ``axis``, then OR-ed over the last axis.

    Args:
        axis: the axis to join along.
        **kwargs: layer keyword arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> a, b = np.zeros((2, 3)), np.ones((2, 1))
    >>> Concatenate()([a, b]).shape
    (2, 4)
    >>> Concatenate(axis=0)([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """

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


def _l2_normalize(x, axis):
    # Keras's `ops.normalize(order=2)`: x * min(rsqrt(sum(x^2)), 1 / epsilon).
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inv_norm, 1.0 / config.epsilon())


def _batch_dot(x, y, axes):
    """Keras's ``batch_dot``: per sample, contract ``x``'s axis ``axes[0]`` with
    ``y``'s axis ``axes[1]`` (batch axis 0 excluded); a rank-1 result becomes
    ``(batch, 1)``. Same transposes, reshapes and matmul as Keras, hence its numbers."""
    x_ndim, y_ndim = x.ndim, y.ndim
    a0, a1 = axes
    orig_x_ndim, orig_y_ndim = x_ndim, y_ndim
    if x_ndim == 2:
        x = jnp.expand_dims(x, 1)
        a0 += 1
        x_ndim += 1
    if y_ndim == 2:
        y = jnp.expand_dims(y, 2)
        y_ndim += 1
    if a0 != x_ndim - 1:  # contracted axis of x last
        pattern = list(range(x_ndim))
        pattern[a0:-1] = pattern[a0 + 1:]
        pattern[-1] = a0
        x = jnp.transpose(x, pattern)
    if a1 != 1:  # contracted axis of y second
        pattern = list(range(y_ndim))
        pattern[2:a1 + 1] = pattern[1:a1]
        pattern[1] = a1
        y = jnp.transpose(y, pattern)
    x_mid, y_trail = x.shape[1:-1], y.shape[2:]
    if x_ndim > 3:
        x = jnp.reshape(x, (x.shape[0], -1, x.shape[-1]))
    if y_ndim > 3:
        y = jnp.reshape(y, (y.shape[0], y.shape[1], -1))
    result = jnp.matmul(x, y)
    if x_ndim > 3 or y_ndim > 3:
        shape = result.shape
        if x_ndim > 3:
            shape = shape[:1] + tuple(x_mid) + shape[-1:]
        if y_ndim > 3:
            shape = shape[:-1] + tuple(y_trail)
        result = jnp.reshape(result, shape)
    if orig_x_ndim == 2:
        result = jnp.squeeze(result, 1)
    elif orig_y_ndim == 2:
        result = jnp.squeeze(result, -1)
    return result


class Dot(_Merge):
    """Per-sample dot product of two inputs along ``axes`` (one int for both, or a
    pair), the batch axis excluded; ``normalize=True`` L2-normalises both first, giving
    the cosine similarity.

    >>> import numpy as np
    >>> x, y = np.arange(10.0).reshape(1, 5, 2), np.arange(10.0, 20.0).reshape(1, 2, 5)
    >>> Dot(axes=(1, 2))([x, y]).shape
    (1, 2, 2)
    >>> Dot(axes=1)([np.ones((4, 3)), np.ones((4, 3))]).shape
    (4, 1)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError(
                    "Invalid format for argument `axes`: it should contain two elements. "
                    f"Received: axes={axes}")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(
                    "Invalid format for argument `axes`: list elements should be integers. "
                    f"Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize

    def _axes(self, shape1, shape2):
        if isinstance(self.axes, int):
            if self.axes < 0:
                return [self.axes % len(shape1), self.axes % len(shape2)]
            return [self.axes] * 2
        return [a % len(s) if a < 0 else a for a, s in zip(self.axes, (shape1, shape2))]

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 \
                or not isinstance(input_shape[0], (tuple, list)):
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                f"input_shape={input_shape}")
        shape1, shape2 = input_shape
        axes = self._axes(shape1, shape2)
        if 0 in axes:
            raise ValueError(
                "Cannot perform batch_dot over axis 0. If your inputs are not batched, add "
                "a dummy batch dimension to your inputs using expand_dims(x, 0). Received: "
                f"axes={self.axes} for input shapes {tuple(shape1)}, {tuple(shape2)}")
        if shape1[axes[0]] != shape2[axes[1]]:
            raise ValueError(
                f"Incompatible input shapes: axis values {shape1[axes[0]]} (at axis "
                f"{axes[0]}) != {shape2[axes[1]]} (at axis {axes[1]}). Full input shapes: "
                f"{tuple(shape1)}, {tuple(shape2)}")
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on exactly 2 inputs. Received: "
                f"{len(inputs) if isinstance(inputs, (list, tuple)) else 'one tensor'}")
        x1, x2 = inputs
        axes = self._axes(x1.shape, x2.shape)
        if self.normalize:
            x1, x2 = _l2_normalize(x1, axes[0]), _l2_normalize(x2, axes[1])
        return _batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                f"input_shape={input_shape}")
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axes = self._axes(shape1, shape2)
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}
