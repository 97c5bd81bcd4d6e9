"""``Dropout``: zero a random fraction ``rate`` of the inputs while training.

Kept entries are scaled by ``1 / (1 - rate)`` so the expected sum is unchanged; at
inference (``training`` not True) the layer is the identity.

>>> import numpy as np, kerasish
>>> layer = kerasish.layers.Dropout(0.5, seed=0)
>>> x = np.ones((2, 4))
>>> bool((np.asarray(layer(x)) == x).all())
True
>>> sorted(set(np.asarray(layer(x, training=True)).ravel().tolist())) in ([0.0, 2.0], [2.0])
True
"""

import jax
import jax.numpy as jnp

from kerasish.layers.base import Layer
from kerasish.variables import current_scope, next_rng


def draw_key(layer):
    """The key of one random draw of ``layer`` (which has ``seed`` and ``_draws``): the
    compiled step's key (``seed`` folded in) inside ``fit``/``apply(rng=)``; from the
    seed and a per-layer counter when called directly with a seed; else the global
    stream. Shared by every layer that draws noise while training."""
    scope = current_scope()
    if layer.seed is None:
        return next_rng()
    if scope is not None and scope.rng is not None:
        return jax.random.fold_in(next_rng(), layer.seed)
    layer._draws += 1
    return jax.random.fold_in(jax.random.key(layer.seed), layer._draws)


def check_rate(value, name="rate"):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a float value "
            f"between 0 and 1. Received: {name}={value!r}"
        )
    return value


def check_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
    return seed


class Dropout(Layer):
    """Randomly sets entries to 0 with probability ``rate`` when ``training=True``.

    Where the randomness comes from:

    * inside ``fit`` (a jitted step), from the step's key, so the same
      ``kerasish.utils.set_random_seed`` gives the same masks and the same weights;
      ``seed`` is folded in, so layers with different seeds draw different masks;
    * called directly with a ``seed``, from that seed and a per-layer counter, so two
      fresh layers with the same seed give the same sequence of masks (as Keras's
      ``SeedGenerator``);
    * otherwise from the global stream (:func:`kerasish.random.next_key`).

    ``noise_shape`` draws one keep/drop decision per broadcast group, e.g.
    ``(None, 1, channels)`` drops whole channels of a sequence.

    >>> import numpy as np
    >>> dropout = Dropout(rate=0.5, seed=0)
    >>> np.unique(dropout(np.ones((1, 100)), training=True)).tolist()  # kept ones / 0.5
    [0.0, 2.0]
    >>> dropout(np.ones((1, 3))).tolist()  # not training: unchanged
    [[1.0, 1.0, 1.0]]
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a float value "
                f"between 0 and 1. Received: rate={rate!r}"
            )
        if noise_shape is not None:
            noise_shape = tuple(noise_shape)
            if any(d is not None and (isinstance(d, bool) or not isinstance(d, int) or d <= 0)
                   for d in noise_shape):
                raise ValueError(
                    "Invalid value received for argument `noise_shape`. Expected a tuple "
                    f"of positive integers or None. Received: noise_shape={noise_shape!r}"
                )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self._draws = 0
        self.supports_masking = True  # as Keras: the mask passes unchanged

    def _key(self):
        return draw_key(self)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return jnp.zeros_like(inputs)
        shape = inputs.shape
        if self.noise_shape is not None:
            if len(self.noise_shape) != inputs.ndim:
                raise ValueError(
                    f"Layer {self.name!r}: noise_shape={self.noise_shape} must have one "
                    f"entry per input axis; the input has shape {tuple(inputs.shape)}."
                )
            shape = tuple(n if d is None else d for d, n in zip(self.noise_shape, inputs.shape))
        keep_prob = 1.0 - self.rate
        keep = jax.random.bernoulli(self._key(), keep_prob, shape)
        return jnp.where(keep, inputs / keep_prob, jnp.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed, noise_shape=self.noise_shape)
        return config
