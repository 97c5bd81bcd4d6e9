"""The options every Keras optimizer takes around its own rule, as pure functions.

* ``loss_scale_factor``: the engine differentiates ``loss * factor``; the gradients are
  divided by ``factor`` before anything else.
* ``gradient_accumulation_steps``: the step is computed every call but only applied on
  every ``steps``-th call, with the mean of the accumulated gradients; between those
  calls the weights and the rule's slots stay as they were and only the accumulators
  (and ``iterations``) move. The rule sees ``iterations // steps`` (Keras's
  ``optimizer.iterations``); a learning-rate schedule sees the raw count.
* ``use_ema``: after the step, ``average = m * average + (1 - m) * w`` with
  ``m = ema_momentum`` (0 on the first update, so the average starts at the weights);
  with ``ema_overwrite_frequency`` the weights are replaced by their averages on every
  ``frequency``-th update.

Their slots come first in ``OptimizerState.slots``, in Keras's variable order: the
averages (``{weight}_average``), then the accumulators (``{weight}_gradient_accumulator``),
then the rule's own slots.

>>> import jax.numpy as jnp
>>> slots = init_option_slots({"w": jnp.ones(2)}, use_ema=True, accumulation_steps=None)
>>> [type(s).__name__ for s in slots], slots[0].averages["w"].tolist()
(['EMASlots'], [0.0, 0.0])
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from kerasish.optimizers import slot_init

#: Keras's names of the option slots, in the ``slot_order`` format of ``Optimizer``.
SLOT_ORDER = ((("averages", "average"),), (("gradient_accumulators", "gradient_accumulator"),))


class EMASlots(NamedTuple):
    averages: Any  # the exponential moving average of each weight


class AccumulationSlots(NamedTuple):
    gradient_accumulators: Any  # the sum of the gradients since the last applied step


def init_option_slots(params, *, use_ema, accumulation_steps):
    """The option slots (a tuple, possibly empty) for ``params``."""
    zeros = lambda: jax.tree.map(slot_init.zeros_like, params)  # noqa: E731
    slots = ()
    if use_ema:
        slots += (EMASlots(zeros()),)
    if accumulation_steps:
        slots += (AccumulationSlots(zeros()),)
    return slots


def _select(flag, new, old):
    return jax.tree.map(lambda a, b: jnp.where(flag, a, b), new, old)


def accumulate(inner_update, grads, accumulators, inner_slots, iterations, steps):
    """One call under ``gradient_accumulation_steps=steps``.

    ``inner_update(grads, slots) -> (updates, slots)`` is the clipped, decayed rule.
    Returns ``(updates, new inner slots, new accumulators)``; the updates are zero and
    the inner slots unchanged except on every ``steps``-th call.
    """
    is_update = (iterations + 1) % steps == 0
    new_accumulators = jax.tree.map(
        lambda g, a: jnp.where(is_update, jnp.zeros_like(a), g + a), grads, accumulators)
    used = jax.tree.map(lambda g, a: jnp.where(is_update, (g + a) / steps, g), grads,
                        accumulators)
    updates, new_slots = inner_update(used, inner_slots)
    updates = jax.tree.map(lambda u: jnp.where(is_update, u, jnp.zeros_like(u)), updates)
    return updates, _select(is_update, new_slots, inner_slots), new_accumulators


def moving_average(params, updates, averages, iterations, momentum, overwrite_frequency):
    """Keras's weight EMA after one step: ``(updates, new averages)``.

    ``iterations`` is Keras's ``optimizer.iterations`` before the step. With an
    ``overwrite_frequency``, the returned updates move the weights onto their new
    averages on every ``overwrite_frequency``-th step.
    """
    new_params = optax.apply_updates(params, updates)
    first = iterations == 0

    def average(w, a):
        m = jnp.where(first, jnp.zeros((), w.dtype), jnp.asarray(momentum, w.dtype))
        return m * a + (1 - m) * w

    new_averages = jax.tree.map(average, new_params, averages)
    if overwrite_frequency:
        overwrite = (iterations + 1) % overwrite_frequency == 0
        updates = jax.tree.map(lambda u, w, a: jnp.where(overwrite, a - w, u),
                               updates, params, new_averages)
    return updates, new_averages
