"""``EinsumDense`` (a dense layer of any rank, written as an einsum equation) and
``Identity``.

``EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")`` is a ``Dense(64)``
over the last axis of ``(batch, steps, features)``; ``"abc,cde->abde"`` projects to
several heads at once. The kernel's axes are the equation's middle term: each takes
its size from the input (a contracted axis) or from ``output_shape``.

>>> import numpy as np, kerasish
>>> layer = kerasish.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 8),
...                                     bias_axes="de")
>>> layer(np.ones((3, 5, 4))).shape, layer.kernel.shape, layer.bias.shape
((3, 5, 2, 8), (4, 2, 8), (2, 8))
"""

import re

import jax.numpy as jnp

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.base import Layer

_FORMS = ("Equations must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or "
          "[X]...,[Y]->[Z]... (letters only), e.g. 'abc,cd->abd'.")


def _parse(equation):
    """(input spec, weight spec, output spec, left_elided, right_elided)."""
    text = equation.replace("...", "0") if isinstance(equation, str) else ""
    for pattern, left, right in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False, False),
                                 ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True, False),
                                 ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False, True)):
        match = re.fullmatch(pattern, text)
        if match:
            return (*match.groups(), left, right)
    raise ValueError(f"Invalid einsum equation {equation!r}. {_FORMS} "
                     f"Received: equation={equation!r}")


def _shapes(equation, bias_axes, input_shape, partial_output):
    """Keras's rules: (kernel shape, bias shape or None, full output shape, kernel
    input axes, kernel output axes)."""
    in_spec, w_spec, out_spec, left, right = _parse(equation)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided > 0 and not (left or right)):
        raise ValueError(
            f"The einsum equation {equation!r} expects inputs of rank {len(in_spec)}. "
            f"Received input shape {tuple(input_shape)}.")
    output = [input_shape[0], *partial_output]
    if left:
        output[1:1] = list(input_shape[1:elided])
        in_map = {d: i + elided - len(input_shape) for i, d in enumerate(in_spec)}
        out_map = {d: i + elided for i, d in enumerate(out_spec)}
    else:
        if right:
            output += list(input_shape[len(input_shape) - elided:])
        in_map = {d: i for i, d in enumerate(in_spec)}
        out_map = {d: i for i, d in enumerate(out_spec)}
    if len(output) != len(out_spec) + max(elided, 0) * (left or right):
        raise ValueError(
            f"`output_shape` must give one size per output axis after the batch axis "
            f"('{out_spec}' in {equation!r}, the first being the batch). Received: "
            f"output_shape={tuple(partial_output)}")
    for d in in_spec:
        if d in out_map and output[out_map[d]] is not None \
                and output[out_map[d]] != input_shape[in_map[d]]:
            raise ValueError(
                f"Input shape and output shape do not match at shared dimension '{d}'. "
                f"Input shape is {input_shape[in_map[d]]}, and output shape is "
                f"{output[out_map[d]]} (from output_shape={tuple(partial_output)}).")
    for d in out_spec:
        if d not in in_spec and d not in w_spec:
            raise ValueError(
                f"Dimension '{d}' was specified in the output '{out_spec}' but has no "
                f"corresponding dim in the input spec '{in_spec}' or weight spec '{w_spec}' "
                f"of equation={equation!r}.")
    kernel, in_axes, out_axes = [], [], []
    for i, d in enumerate(w_spec):
        if d in out_map:
            kernel.append(output[out_map[d]])
            out_axes.append(i)
        elif d in in_map:
            kernel.append(input_shape[in_map[d]])
            in_axes.append(i)
        else:
            raise ValueError(
                f"Weight dimension '{d}' did not have a match in either the input spec "
                f"'{in_spec}' or the output spec '{out_spec}' of equation={equation!r}.")
    bias = None
    if bias_axes is not None:
        for d in bias_axes:
            if d not in out_spec:
                raise ValueError(
                    f"Bias dimension '{d}' was requested, but is not part of the output "
                    f"spec '{out_spec}'. Received: bias_axes={bias_axes!r}")
        offset = elided if left else 0
        first = min(out_spec.find(d) for d in bias_axes)
        bias = [output[i + offset] if d in bias_axes else 1
                for i, d in enumerate(out_spec) if i >= first]
        if right:
            bias += [1] * elided
    return kernel, bias, output, in_axes, out_axes


def _refuse(**values):
    for name, value in values.items():
        if value is not None:
            raise ValueError(
                f"EinsumDense: `{name}` (LoRA / quantization) is not supported by kerasish. "
                f"Leave it at None. Received: {name}={value!r}")


class EinsumDense(Layer):
    """A dense layer written as an einsum: ``y = einsum(equation, x, kernel) + bias``.

    Args:
        equation: ``"<input>,<kernel>-><output>"``, letters per axis (``...`` for
            the leading or trailing axes that pass through).
        output_shape: the output's sizes after the batch axis (``None`` for an
            axis that keeps the input's size); an int for one axis.
        activation: applied last.
        bias_axes: the output letters the bias spans (None: no bias).
        kernel_*/bias_*: initializers, regularizers and constraints, as ``Dense``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c")(
    ...     np.ones((2, 3))).shape
    (2, 4)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        _refuse(lora_rank=lora_rank, lora_alpha=lora_alpha,
                gptq_unpacked_column_size=gptq_unpacked_column_size,
                quantization_config=quantization_config)
        super().__init__(**kwargs)
        _parse(equation)
        self.equation = equation
        shape = (output_shape,) if isinstance(output_shape, int) else output_shape
        try:
            shape = tuple(shape)
        except TypeError:
            shape = None
        if shape is None or any(d is not None and (isinstance(d, bool) or not isinstance(
                d, int) or d <= 0) for d in shape):
            raise ValueError(
                "The `output_shape` argument must be a positive int or a tuple of positive "
                f"ints and None. Received: output_shape={output_shape!r}")
        self.partial_output_shape = shape
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise ValueError("The `bias_axes` argument must be a string of output letters "
                             f"or None. Received: bias_axes={bias_axes!r}")
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        kernel, bias, _, in_axes, out_axes = _shapes(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape)
        if None in kernel or (bias is not None and None in bias):
            raise ValueError(
                f"Layer {self.name!r}: the kernel shape {tuple(kernel)} of "
                f"equation={self.equation!r} has an unknown size; give it in output_shape "
                f"or as a known input size. Received input shape {tuple(input_shape)}.")
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and (
                init.input_axes is None or init.output_axes is None):
            # Keras: the fans come from the equation's contracted and output axes.
            config = init.get_config()
            config.update(input_axes=in_axes, output_axes=out_axes)
            init = type(init).from_config(config)
        self.kernel = self.add_weight(shape=tuple(kernel), initializer=init,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = None
        if bias is not None:
            self.bias = self.add_weight(shape=tuple(bias), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")
        self.built = True

    def call(self, inputs):
        y = jnp.einsum(self.equation, inputs, self.kernel.value)
        if self.bias is not None:
            y = y + self.bias.value
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(_shapes(self.equation, self.bias_axes, tuple(input_shape),
                             self.partial_output_shape)[2])

    def get_config(self):
        config = super().get_config()
        config.update(
            output_shape=self.partial_output_shape, equation=self.equation,
            activation=activations.serialize(self.activation), bias_axes=self.bias_axes,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            activity_regularizer=regularizers.serialize(self.activity_regularizer),
            kernel_constraint=constraints.serialize(self.kernel_constraint),
            bias_constraint=constraints.serialize(self.bias_constraint),
            quantization_config=None)
        return config


class Identity(Layer):
    """Returns its input unchanged (a placeholder, e.g. to switch a block off); the
    mask passes through.

    >>> import numpy as np, kerasish
    >>> np.asarray(kerasish.layers.Identity()(np.array([1.0, 2.0])))
    array([1., 2.], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
