"""Normalization layers: ``BatchNormalization`` and ``LayerNormalization``.

Both compute ``(x - mean) / sqrt(variance + epsilon) * gamma + beta``; they differ in
which statistics they use. Batch normalization uses the batch's statistics while
training and its moving averages (non-trainable weights updated inside the step) at
inference; layer normalization uses each sample's own statistics, always.

>>> import numpy as np, kerasish
>>> bn = kerasish.layers.BatchNormalization()
>>> x = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 4)).astype("float32")
>>> y = bn(x, training=True)
>>> [w.name for w in bn.weights]
['gamma', 'beta', 'moving_mean', 'moving_variance']
>>> bool(abs(np.asarray(y).mean(axis=0)).max() < 1e-4)
True
>>> np.asarray(bn.moving_mean).round(2)  # moved 1% of the way to the batch mean
array([0.03, 0.03, 0.03, 0.03], dtype=float32)
"""

import jax
import jax.numpy as jnp

from kerasish import initializers, regularizers
from kerasish.config import epsilon as backend_epsilon
from kerasish.layers.base import Layer
from kerasish.variables import autocast, current_scope


def _normalize(x, mean, variance, gamma, beta, epsilon):
    # Keras's operation order (scale folded into the inverse std, then one
    # multiply-add), so outputs agree to the last bits.
    inv = jax.lax.rsqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * gamma
    shift = -mean * inv
    if beta is not None:
        shift = shift + beta
    return x * inv + shift


def _at_least_float32(x):
    return x.astype(jnp.promote_types(x.dtype, jnp.float32))


def _no_constraints(who, **constraints):
    given = [k for k, v in constraints.items() if v is not None]
    if given:
        raise NotImplementedError(
            f"{who}: {', '.join(given)} not supported yet by kerasish. Leave them at None."
        )


def _check_axes(layer, axes, input_shape):
    ndim = len(input_shape)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"Layer {layer.name!r}: axis {a} is out of bounds for input shape "
                f"{tuple(input_shape)}. Received: axis={layer.axis}"
            )
    for a in axes:
        if input_shape[a] is None:
            raise ValueError(
                f"Layer {layer.name!r} needs a known size on axis {a} to create its "
                f"weights. Received input shape {tuple(input_shape)}."
            )


class BatchNormalization(Layer):
    """Normalizes each feature (the ``axis`` dimension) with batch statistics.

    * ``training=True`` (inside ``fit``): normalizes with the batch's mean and
      (biased) variance over every axis but ``axis``, and updates
      ``moving_mean``/``moving_variance`` as
      ``moving * momentum + batch * (1 - momentum)``.
    * otherwise (``predict``, ``evaluate``, or a layer with ``trainable=False``):
      normalizes with the moving statistics, and updates nothing.

    Weights, in Keras's order: ``gamma``, ``beta`` (trainable; absent when
    ``scale``/``center`` is False), ``moving_mean``, ``moving_variance``
    (non-trainable).

    >>> import numpy as np
    >>> bn = BatchNormalization(epsilon=0.0)
    >>> bn(np.array([[1.0], [3.0]]), training=True).tolist()
    [[-1.0], [1.0]]
    >>> round(float(np.asarray(bn.moving_mean)[0]), 6)  # 0.99 * 0 + 0.01 * 2
    0.02
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        _no_constraints("BatchNormalization", beta_constraint=beta_constraint,
                        gamma_constraint=gamma_constraint)
        if renorm:
            raise NotImplementedError(
                "BatchNormalization(renorm=True) is not supported yet by kerasish.")
        if synchronized:
            raise ValueError(
                "Argument synchronized=True is only supported with the TensorFlow backend. "
                "On JAX, a batch sharded over devices is normalized per device.")
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"BatchNormalization `axis` must be an integer. Received: axis={axis!r}")
        self.axis = axis
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.renorm_clipping, self.renorm_momentum = renorm_clipping, renorm_momentum
        self.supports_masking = True  # the mask passes on; `call` leaves masked steps out

    def build(self, input_shape):
        _check_axes(self, [self.axis], input_shape)
        shape = (input_shape[self.axis],)
        _add_scale_and_center(self, shape)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean", autocast=False)
        self.moving_variance = self.add_weight(
            shape=shape, initializer=self.moving_variance_initializer, trainable=False,
            name="moving_variance", autocast=False)
        self.built = True

    def _moments(self, x, mask=None):
        """Mean and biased variance over all axes but ``axis``.

        Entries off the ``mask`` (Keras's: one axis less than ``x``, e.g. the padding
        steps of ``Embedding(mask_zero=True)``) are left out, with Keras's
        ``sum / (count + epsilon)``. When the step marks padded rows (``sample_mask``
        on the call scope, 1 for real rows), they are left out too, so a short last
        batch gets its own statistics.
        """
        ndim = x.ndim
        axes = tuple(a for a in range(ndim) if a != self.axis % ndim)
        scope = current_scope()
        rows = getattr(scope, "sample_mask", None) if scope is not None else None
        if mask is None and rows is None:
            return jnp.mean(x, axis=axes), jnp.var(x, axis=axes)
        keep = jnp.ones(x.shape, bool)
        if mask is not None:
            keep = jnp.broadcast_to(jnp.expand_dims(jnp.asarray(mask).astype(bool), -1), x.shape)
        if rows is not None:
            keep = keep & jnp.reshape(rows.astype(bool), (-1,) + (1,) * (ndim - 1))
        w = keep.astype(x.dtype)
        count = jnp.sum(w, axis=axes, keepdims=True)
        # Keras's masked formula adds epsilon; the padded-rows one (all entries
        # kept but whole rows) guards an empty batch with max(count, 1).
        count = count + backend_epsilon() if mask is not None else jnp.maximum(count, 1.0)
        mean = jnp.sum(jnp.where(keep, x, 0.0), axis=axes, keepdims=True) / count
        variance = jnp.sum(jnp.square(jnp.where(keep, x - mean, 0.0)), axis=axes,
                           keepdims=True) / count
        return jnp.reshape(mean, (-1,)), jnp.reshape(variance, (-1,))

    def call(self, inputs, training=None, mask=None):
        if inputs.shape[self.axis] != self.moving_mean.shape[0]:
            raise ValueError(
                f"Layer {self.name!r} was built for {self.moving_mean.shape[0]} features on "
                f"axis {self.axis}, but received input shape {tuple(inputs.shape)}."
            )
        if mask is not None and jnp.ndim(mask) != inputs.ndim - 1:
            raise ValueError(
                "The mask provided should be one dimension less than the inputs. Received: "
                f"mask.shape={tuple(jnp.shape(mask))}, inputs.shape={tuple(inputs.shape)}. "
                "Pass a mask over every axis but the last, e.g. (batch, steps) for "
                "(batch, steps, features).")
        # As Keras: statistics, moving averages and the normalization in (at least)
        # float32 under a mixed policy; only the output takes the compute dtype.
        with autocast(None):
            x = _at_least_float32(inputs)
            if training and self.trainable:
                mean, variance = self._moments(x, mask)
                m = self.momentum
                self.moving_mean.assign(self.moving_mean.value * m + mean * (1.0 - m))
                self.moving_variance.assign(
                    self.moving_variance.value * m + variance * (1.0 - m))
            else:
                mean, variance = self.moving_mean.value, self.moving_variance.value
            shape = [1] * x.ndim
            shape[self.axis] = -1
            gamma = None if self.gamma is None else jnp.reshape(self.gamma.value, shape)
            beta = None if self.beta is None else jnp.reshape(self.beta.value, shape)
            y = _normalize(x, jnp.reshape(mean, shape), jnp.reshape(variance, shape),
                           gamma, beta, self.epsilon)
        return y.astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        _check_axes(self, [self.axis], input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis,
            momentum=self.momentum,
            epsilon=self.epsilon,
            center=self.center,
            scale=self.scale,
            beta_initializer=initializers.serialize(self.beta_initializer),
            gamma_initializer=initializers.serialize(self.gamma_initializer),
            moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
            moving_variance_initializer=initializers.serialize(self.moving_variance_initializer),
            beta_regularizer=regularizers.serialize(self.beta_regularizer),
            gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
            beta_constraint=None,
            gamma_constraint=None,
            synchronized=False,
            renorm=False,
            renorm_clipping=self.renorm_clipping,
            renorm_momentum=self.renorm_momentum,
        )
        return config


class LayerNormalization(Layer):
    """Normalizes each sample over ``axis`` (default: the last axis), in training and
    at inference alike; ``gamma``/``beta`` have the shape of those axes.

    >>> import numpy as np, kerasish
    >>> ln = kerasish.layers.LayerNormalization()
    >>> y = np.asarray(ln(np.array([[1.0, 2.0, 3.0]])))
    >>> bool(abs(y.mean()) < 1e-6), [w.shape for w in ln.weights]
    (True, [(3,), (3,)])
    """

    _autocast_inputs = False  # as Keras: float32 inputs stay float32 under a mixed policy

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        _no_constraints("LayerNormalization", beta_constraint=beta_constraint,
                        gamma_constraint=gamma_constraint)
        if rms_scaling:
            raise NotImplementedError(
                "LayerNormalization(rms_scaling=True) is deprecated in Keras 3 and not "
                "supported by kerasish.")
        if isinstance(axis, (list, tuple)):
            axis = list(axis)
        elif isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                "Expected an int or a list/tuple of ints for the argument 'axis', but "
                f"received: {axis!r}")
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.supports_masking = True  # as Keras: per-sample statistics, the mask passes

    def build(self, input_shape):
        axes = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        _check_axes(self, axes, input_shape)
        self.axis = axes  # Keras's config shows the list once built
        shape = tuple(input_shape[a] for a in axes)
        _add_scale_and_center(self, shape)
        self.built = True

    def call(self, inputs):
        ndim = inputs.ndim
        axes = tuple(sorted(a % ndim for a in self.axis))
        shape = [inputs.shape[a] if a in axes else 1 for a in range(ndim)]
        with autocast(None):  # float32 statistics under a mixed policy, as Keras
            x = _at_least_float32(inputs)
            mean = jnp.mean(x, axis=axes, keepdims=True)
            variance = jnp.var(x, axis=axes, keepdims=True)
            gamma = None if self.gamma is None else jnp.reshape(self.gamma.value, shape)
            beta = None if self.beta is None else jnp.reshape(self.beta.value, shape)
            y = _normalize(x, mean, variance, gamma, beta, self.epsilon)
        return y.astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in axes):
            _check_axes(self, axes, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis,
            epsilon=self.epsilon,
            center=self.center,
            scale=self.scale,
            rms_scaling=False,
            beta_initializer=initializers.serialize(self.beta_initializer),
            gamma_initializer=initializers.serialize(self.gamma_initializer),
            beta_regularizer=regularizers.serialize(self.beta_regularizer),
            gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
            beta_constraint=None,
            gamma_constraint=None,
        )
        return config


def _add_scale_and_center(layer, shape):
    """gamma (if ``scale``) and beta (if ``center``): shared by both normalizations, kept
    in float32 under mixed precision (``autocast=False``), as Keras does."""
    layer.gamma = layer.beta = None
    if layer.scale:
        layer.gamma = layer.add_weight(shape=shape, initializer=layer.gamma_initializer,
                                       regularizer=layer.gamma_regularizer, name="gamma",
                                       autocast=False)
    if layer.center:
        layer.beta = layer.add_weight(shape=shape, initializer=layer.beta_initializer,
                                      regularizer=layer.beta_regularizer, name="beta",
                                      autocast=False)
