"""Augmentation policies built from the other image layers: ``RandAugment`` and
``AugMix``, plus ``RandomColorDegeneration`` (a blend towards grey), one of their
operations.

A policy holds one instance of each operation (``RandomShear``, ``RandomRotation``,
``Solarization`` ...) configured from its own ``factor``, ``value_range`` and
``interpolation``, and draws all their random numbers from its own seed generator, in
Keras's order, so that an eager call equals Keras's for the same ``seed`` (AugMix:
for the same choice of operations). Inside a compiled step the operations are chosen
per step from the step key (``lax.switch``: only the chosen one runs).

>>> import numpy as np, kerasish
>>> x = (np.random.default_rng(0).random((2, 8, 8, 3)) * 255).astype("float32")
>>> kerasish.layers.RandAugment(num_ops=2, factor=0.5, seed=1)(x).shape
(2, 8, 8, 3)
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import random as random_module
from kerasish.layers.augmentation import (INTERPOLATIONS, RandomRotation, RandomShear,
                                          RandomTranslation, base_factor)
from kerasish.layers.augmentation_batch import check_image_dict
from kerasish.layers.augmentation_color import (AutoContrast, RandomBrightness,
                                                RandomContrast, Solarization,
                                                check_value_range)
from kerasish.layers.augmentation_extra import Equalization
from kerasish.layers.augmentation_more import RandomPosterization, RandomSharpness
from kerasish.layers.image_preprocessing import ImageLayer, check_choice
from kerasish.ops import image as image_ops


class _ImagesOrDict(ImageLayer):
    """Also takes Keras's dict ``{"images": ..., "labels": ...}``: the images are
    transformed, the labels returned as they are."""

    def call(self, inputs, training=True):
        if not isinstance(inputs, dict):
            return super().call(inputs, training)
        check_image_dict(self, inputs)
        return {**inputs, "images": super().call(inputs["images"], training)}


class RandomColorDegeneration(_ImagesOrDict):
    """Blend each image towards its grey version, ``x + u (grey(x) - x)``, with ``u``
    drawn per image from ``factor``, then clip to ``value_range``.

    Args:
        factor: a number ``f`` (``u`` in ``[-f, f]``, as Keras reads it; negative
            values push the colours away from grey) or a pair, in ``[-1, 1]``.
        value_range: the range of the pixel values, the clip bounds.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int, for reproducible draws.

    >>> import numpy as np
    >>> x = np.array([[[[1.0, 0.5, 0.0]]]], "float32")
    >>> y = RandomColorDegeneration((1.0, 1.0), value_range=(0, 1))(x)  # all grey
    >>> np.round(np.asarray(y, "float64"), 3).tolist()
    [[[[0.592, 0.592, 0.592]]]]
    """

    _random = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = base_factor(factor)
        self.value_range = check_value_range(value_range)

    def _transform(self, images, training):
        if not training:
            return images
        images = self._as_compute(images)
        u = self._draw_uniform((images.shape[0], 1, 1, 1), self.factor[0], self.factor[1])
        grey = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        out = images + u.astype(images.dtype) * (grey - images)
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range)
        return config


class _Keys(random_module.SeedGenerator):
    """Stands in for an operation's seed generator: hands out the given keys in turn
    (or, without keys, dummy ones, to count an operation's draws)."""

    def __init__(self, keys=None):  # (no state variable: not a generator of its own)
        self.keys, self.used = keys, 0

    def next(self, ordered=True):
        self.used += 1
        if self.keys is None:
            return jnp.zeros((2,), jnp.uint32)
        return self.keys[self.used - 1]


def _run(layer, images, keys):
    """``layer``'s transform of ``images`` with its draws taken from ``keys``."""
    own = layer.generator if layer._random else None
    if own is not None:
        object.__setattr__(layer, "generator", _Keys(keys))
    try:
        return layer._transform(images, True).astype(images.dtype)
    finally:
        if own is not None:
            object.__setattr__(layer, "generator", own)


def _count_draws(layer, images):
    """How many keys one transform of ``layer`` draws (fixed by its configuration)."""
    if not layer._random:
        return 0
    keys = _Keys()
    own = layer.generator
    object.__setattr__(layer, "generator", keys)
    try:
        jax.eval_shape(lambda x: layer._transform(x, True),
                       jax.ShapeDtypeStruct(images.shape, images.dtype))
    finally:
        object.__setattr__(layer, "generator", own)
    return keys.used


def _concrete(value):
    return not isinstance(value, jax.core.Tracer)


class _Policy(_ImagesOrDict):
    """The operations of a policy, built from ``factor``, ``value_range`` and
    ``interpolation`` as Keras builds them."""

    _random = True

    def __init__(self, value_range, factor, interpolation, seed, data_format, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        check_value_range(value_range)
        self.value_range = value_range  # as given (Keras does not sort it here)
        self.factor = base_factor(factor, (0, 1))
        self.interpolation = check_choice(type(self).__name__, "interpolation",
                                          interpolation, INTERPOLATIONS)
        self._counts = {}

    def _make_operations(self, names):
        f, common = self.factor, dict(data_format=self.data_format, dtype=self._dtype_policy)
        warp = dict(interpolation=self.interpolation, seed=self.seed, **common)
        colour = dict(value_range=self.value_range, seed=self.seed, **common)
        make = {
            "random_shear": lambda: RandomShear(x_factor=f, y_factor=f, **warp),
            "random_translation": lambda: RandomTranslation(f, f, **warp),
            "random_rotation": lambda: RandomRotation(f, **warp),
            "random_brightness": lambda: RandomBrightness(f, **colour),
            "random_color_degeneration": lambda: RandomColorDegeneration(f, **colour),
            "random_contrast": lambda: RandomContrast(f, **colour),
            "random_sharpness": lambda: RandomSharpness(f, **colour),
            "random_posterization": lambda: RandomPosterization(max(1, int(8 * f[1])),
                                                                **colour),
            "solarization": lambda: Solarization(f, f, **colour),
            "auto_contrast": lambda: AutoContrast(value_range=self.value_range, **common),
            "equalization": lambda: Equalization(value_range=self.value_range, **common),
        }
        ops = {}
        for name in ("random_shear", "random_translation", "random_rotation",
                     "random_posterization", "solarization", "auto_contrast",
                     "equalization", "random_brightness", "random_color_degeneration",
                     "random_contrast", "random_sharpness"):  # Keras's order of creation
            if name in names:
                ops[name] = make[name]()
        # helpers, not sub-layers: no weights, nothing to save
        object.__setattr__(self, "_operations", [ops[name] for name in names])
        object.__setattr__(self, "_operation_names", list(names))

    def _count(self, index, images):
        if index not in self._counts:
            self._counts[index] = _count_draws(self._operations[index], images)
        return self._counts[index]

    def _draw_keys(self, index, images):
        return [self.generator.next() for _ in range(self._count(index, images))]

    def _switch(self, keys_per_op, skip=False):
        """``f(x, index)``: operation ``index`` of ``x`` with its keys, as one
        ``lax.switch`` (only the chosen branch runs); with ``skip``, the index
        ``len(operations)`` returns ``x``."""
        def apply(x, index):
            branches = [lambda y, i=i, op=op: _run(op, y, keys_per_op[i])
                        for i, op in enumerate(self._operations)]
            return jax.lax.switch(index, branches + ([lambda y: y] if skip else []), x)

        return apply

    def get_config(self):
        config = super().get_config()
        config.update(value_range=self.value_range, factor=self.factor,
                      interpolation=self.interpolation)
        return config


def _check_count(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        kind = "positive" if low > 0 else "non-negative"
        raise ValueError(f"`{name}` must be a {kind} integer. Received: {name}={value!r}")
    return int(value)


class RandAugment(_Policy):
    """RandAugment (Cubuk et al., 2020): ``num_ops`` operations applied in turn, each
    drawn uniformly from 11 (shear, translation, rotation, brightness, colour
    degeneration, contrast, sharpness, posterization, solarization, auto-contrast,
    equalization), all of strength ``factor``.

    As Keras 3.15: the operations are drawn per call (the whole batch gets the same
    ones); each operation's random parameters are drawn once per call, so an operation
    drawn twice repeats the same change. Active only when training.

    Args:
        value_range: the range of the pixel values, e.g. ``(0, 255)`` (default) or
            ``(0, 1)``.
        num_ops: how many operations to apply. Defaults to 2.
        factor: the strength, a number ``f`` (``[0, f]``) or a pair in ``[0, 1]``.
            Defaults to 0.5.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``, for the geometric
            operations.
        seed: an int, for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = np.full((1, 4, 4, 3), 0.5, "float32")
    >>> layer = RandAugment(value_range=(0, 1), num_ops=1, seed=3)
    >>> bool((np.asarray(layer(x, training=False)) == x).all())
    True
    """

    _NAMES = ("random_shear", "random_translation", "random_rotation", "random_brightness",
              "random_color_degeneration", "random_contrast", "random_sharpness",
              "random_posterization", "solarization", "auto_contrast", "equalization")

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(value_range, factor, interpolation, seed, data_format, **kwargs)
        self.num_ops = _check_count("num_ops", num_ops, 0)
        self._make_operations(self._NAMES)

    def _transform(self, images, training):
        if not training:
            return images
        images = self._as_compute(images)
        # Keras's order of draws: the operations, then every operation's parameters.
        chosen = self._choose()
        keys = [self._draw_keys(i, images) for i in range(len(self._operations))]
        if _concrete(chosen):  # eager: only the chosen operations run
            for j in np.asarray(chosen):
                images = _run(self._operations[j], images, keys[j])
        else:  # one traced switch, scanned over the operations
            switch = self._switch(keys)
            images = jax.lax.scan(lambda x, j: (switch(x, j), None), images, chosen)[0]
        return images

    def _choose(self):
        """The index of each of the ``num_ops`` operations."""
        return random_module.randint((self.num_ops,), 0, len(self._operations),
                                     seed=self.generator)

    def get_config(self):
        config = super().get_config()
        config["num_ops"] = self.num_ops
        return config


class AugMix(_Policy):
    """AugMix (Hendrycks et al., 2020): ``num_chains`` chains of up to ``chain_depth``
    random operations each; the chains' outputs are averaged with Dirichlet(``alpha``)
    weights and blended with the input by a Beta(``alpha``, ``alpha``) weight ``m``:
    ``m x + (1 - m) sum_k w_k chain_k(x)``, clipped to ``value_range``.

    Each of a chain's ``chain_depth`` slots holds one operation drawn uniformly from the
    operations, or nothing (one more choice). In an eager call the choice comes from the
    layer's seed (Keras draws it from Python's ``random``: the same operations for a
    whole compiled program on JAX); in a compiled step from the step key, per step.
    Active only when training.

    Args:
        value_range: the range of the pixel values. Defaults to ``(0, 255)``.
        num_chains: the number of chains. Defaults to 3.
        chain_depth: the number of operation slots per chain. Defaults to 3.
        factor: the operations' strength, a number ``f`` (``[0, f]``) or a pair in
            ``[0, 1]``. Defaults to 0.3.
        alpha: the Dirichlet and Beta parameter. Defaults to 1.0.
        all_ops: True (default): 11 operations; False: the 7 that leave brightness,
            colour, contrast and sharpness alone (shear, translation, rotation,
            posterization, solarization, auto-contrast, equalization).
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: an int, for reproducible draws.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np
    >>> x = (np.random.default_rng(0).random((2, 6, 6, 3)) * 255).astype("float32")
    >>> y = np.asarray(AugMix(num_chains=2, chain_depth=2, seed=1)(x))
    >>> y.shape, bool(y.min() >= 0 and y.max() <= 255)
    ((2, 6, 6, 3), True)
    """

    _ALL = ("random_shear", "random_translation", "random_rotation", "random_posterization",
            "solarization", "auto_contrast", "equalization", "random_brightness",
            "random_color_degeneration", "random_contrast", "random_sharpness")

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(value_range, factor, interpolation, seed, data_format, **kwargs)
        self.num_chains = _check_count("num_chains", num_chains, 1)
        self.chain_depth = _check_count("chain_depth", chain_depth, 0)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError("`alpha` must be a positive number (the Dirichlet and Beta "
                             f"parameter). Received: alpha={alpha!r}")
        self.alpha = alpha
        if not isinstance(all_ops, (bool, np.bool_)):
            raise ValueError(f"`all_ops` must be True or False. Received: all_ops={all_ops!r}")
        self.all_ops = bool(all_ops)
        self._make_operations(self._ALL if self.all_ops else self._ALL[:7])
        seed_value = int(self.generator.state.value[0])
        # The slots' choices: a stream of their own, so that the operations' draws
        # follow Keras's (which chooses with Python's `random`, outside its generator).
        object.__setattr__(self, "_chooser", random_module.SeedGenerator(
            (seed_value + 0x9E3779B9) % 2**32))

    def _choose(self):
        """The operation index of every slot, ``(num_chains, chain_depth)``; the value
        ``len(operations)`` means an empty slot."""
        return random_module.randint((self.num_chains, self.chain_depth), 0,
                                     len(self._operations) + 1, seed=self._chooser)

    def _transform(self, images, training):
        if not training:
            return images
        images = self._as_compute(images)
        dtype, n_ops = images.dtype, len(self._operations)
        gamma = random_module.gamma((self.num_chains,), self.alpha, seed=self.generator)
        chain_weights = (gamma / jnp.sum(gamma)).astype(dtype)
        mix = random_module.beta((), self.alpha, self.alpha, seed=self.generator).astype(dtype)
        chosen = self._choose()
        if _concrete(chosen):  # eager: draw what each chosen operation draws, as Keras
            mixed = jnp.zeros_like(images)
            for c, row in enumerate(np.asarray(chosen)):
                chain = images
                for j in row[row < n_ops]:
                    chain = _run(self._operations[j], chain, self._draw_keys(j, images))
                mixed = mixed + chain * chain_weights[c]
        else:  # traced: keys for the most any operation draws, one switch per slot
            counts = [self._count(i, images) for i in range(n_ops)]
            shape = (self.num_chains, self.chain_depth, max(counts), 2)
            keys = jnp.asarray([self.generator.next() for _ in range(int(np.prod(shape[:3])))],
                               jnp.uint32).reshape(shape)

            def slot(x, inputs):
                index, slot_keys = inputs
                switch = self._switch([slot_keys[:k] for k in counts], skip=True)
                return switch(x, index), None

            def chain(_, inputs):
                return None, jax.lax.scan(slot, images, inputs)[0]

            chains = jax.lax.scan(chain, None, (chosen, keys))[1]
            mixed = jnp.tensordot(chain_weights, chains, axes=1)
        out = mix * images + (1 - mix) * mixed
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update(num_chains=self.num_chains, chain_depth=self.chain_depth,
                      alpha=self.alpha, all_ops=self.all_ops)
        return config


__all__ = ["AugMix", "RandAugment", "RandomColorDegeneration"]
