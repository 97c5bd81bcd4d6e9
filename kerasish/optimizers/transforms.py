"""The steps every Keras optimizer shares, as small optax transforms with Keras's
exact formulas: per-weight and global norm clipping, and decoupled weight decay.

optax has near neighbours (``optax.clip_by_global_norm``, ``optax.add_decayed_weights``)
but they round differently, treat a non-finite norm differently, or apply the decay
before the learning rate; these match Keras 3 to the last bit of each formula.
(``clipvalue`` needs nothing new: ``optax.clip`` is Keras's ``clip(g, -v, v)``.)

>>> import jax.numpy as jnp
>>> clip = clip_by_norm(1.0)
>>> updates, _ = clip.update({"w": jnp.array([3.0, 4.0])}, clip.init(None))
>>> updates["w"].tolist()
[0.6000000238418579, 0.800000011920929]
"""

import jax
import jax.numpy as jnp
import optax


def clip_by_norm(clipnorm):
    """Scale each gradient leaf so that its own L2 norm is at most ``clipnorm``.

    Keras's ``clipnorm``: ``g * clipnorm / max(||g||, clipnorm)``, leaf by leaf.

    >>> import jax.numpy as jnp
    >>> clip = clip_by_norm(2.0)
    >>> u, _ = clip.update({"a": jnp.array([3.0, 4.0]), "b": jnp.array([1.0])}, clip.init(None))
    >>> u["a"].tolist(), u["b"].tolist()
    ([1.2000000476837158, 1.600000023841858], [1.0])
    """

    def clip_leaf(g):
        norm = jnp.sqrt(jnp.sum(jnp.square(g), keepdims=True))
        # Keras multiplies first and divides second; the same order keeps us bit-equal.
        return g * clipnorm / jnp.maximum(norm, clipnorm)

    return optax.stateless(lambda updates, params=None: jax.tree.map(clip_leaf, updates))


def clip_by_global_norm(clipnorm):
    """Scale all gradients together so that their joint L2 norm is at most ``clipnorm``.

    Keras's ``global_clipnorm``. A NaN or infinite norm makes every gradient NaN, as in
    Keras: the step is visibly broken instead of silently clipped to a finite one.

    >>> import jax.numpy as jnp
    >>> clip = clip_by_global_norm(1.0)
    >>> u, _ = clip.update({"a": jnp.array([3.0]), "b": jnp.array([4.0])}, clip.init(None))
    >>> u["a"].tolist(), u["b"].tolist()
    ([0.6000000238418579], [0.800000011920929])
    """

    def clip_all(updates, params=None):
        leaves = jax.tree.leaves(updates)
        if not leaves:
            return updates
        norm = jnp.sqrt(jnp.sum(jnp.stack([jnp.sum(jnp.square(g)) for g in leaves])))
        scale = clipnorm * jnp.minimum(1.0 / norm, 1.0 / clipnorm)
        scale = scale + (norm - norm)  # a finite norm adds 0; inf or nan turns scale to nan
        return jax.tree.map(lambda g: g * scale, updates)

    return optax.stateless(clip_all)


def add_decoupled_weight_decay(weight_decay, mask=None):
    """Add Keras's decoupled weight decay, ``-w * weight_decay * learning_rate``.

    Keras applies it to the weight before the optimizer's own step, which is the same
    as adding it to that step's update (no built-in rule reads the weight). It needs
    ``params`` and the ``learning_rate`` extra argument. ``mask(params)`` returns a
    pytree of Python bools: ``False`` leaves are not decayed.

    >>> import jax.numpy as jnp
    >>> decay = add_decoupled_weight_decay(0.5)
    >>> params = {"w": jnp.array([2.0])}
    >>> u, _ = decay.update({"w": jnp.array([0.0])}, decay.init(params), params,
    ...                     learning_rate=jnp.float32(0.1))
    >>> u["w"].tolist()
    [-0.10000000149011612]
    """

    def init(params):
        del params
        return optax.EmptyState()

    def update(updates, state, params=None, *, learning_rate, **extra_args):
        del extra_args
        if params is None:
            raise ValueError(
                "Weight decay needs the current weights, but `update` was called with "
                "params=None. Pass them: `optimizer.update(grads, state, params)`."
            )
        use = mask(params) if mask is not None else jax.tree.map(lambda _: True, params)

        def decay(u, w, use_it):
            if not use_it:
                return u
            return u - w * weight_decay * learning_rate.astype(w.dtype)

        return jax.tree.map(decay, updates, params, use), state

    return optax.GradientTransformationExtraArgs(init, update)


def decay_then(rule, weight_decay, mask=None):
    """``rule`` run on the decayed weights, its update including the decay.

    For the rules that read the weights (Lamb's trust ratio, Adafactor's RMS, Ftrl):
    Keras first assigns ``w - w * weight_decay * learning_rate`` and then runs the
    rule on that weight. ``mask`` is as in :func:`add_decoupled_weight_decay`.

    >>> import jax.numpy as jnp, optax
    >>> keep = optax.GradientTransformationExtraArgs(
    ...     lambda p: optax.EmptyState(),
    ...     lambda u, s, params=None, **kw: (jax.tree.map(lambda w: w * 0.0, params), s))
    >>> step = decay_then(keep, 0.5)
    >>> params = {"w": jnp.array([2.0])}
    >>> u, _ = step.update({"w": jnp.zeros(1)}, step.init(params), params,
    ...                    learning_rate=jnp.float32(0.1))
    >>> u["w"].tolist()  # the decay only
    [-0.10000000149011612]
    """
    decay = add_decoupled_weight_decay(weight_decay, mask)

    def update(grads, state, params=None, **extra_args):
        decayed_by, _ = decay.update(jax.tree.map(jnp.zeros_like, params), optax.EmptyState(),
                                     params, **extra_args)
        decayed = jax.tree.map(lambda w, d: w + d, params, decayed_by)
        updates, state = rule.update(grads, state, decayed, **extra_args)
        return jax.tree.map(lambda d, u: d + u, decayed_by, updates), state

    return optax.GradientTransformationExtraArgs(rule.init, update)
