"""``SwapEMAWeights``: evaluate and predict with the moving average of the weights.

With an optimizer built with ``use_ema=True``, the model's weights during ``evaluate``,
``predict`` and the validation of ``fit`` are the exponential moving averages the
optimizer keeps; training itself goes on with the trained weights.

>>> import numpy as np, kerasish
>>> model = kerasish.Sequential([kerasish.Input((2,)), kerasish.layers.Dense(1)])
>>> model.compile(optimizer=kerasish.optimizers.SGD(0.1, use_ema=True), loss="mse")
>>> history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0,
...                     validation_data=(np.ones((4, 2)), np.ones((4, 1))),
...                     callbacks=[kerasish.callbacks.SwapEMAWeights()])
>>> sorted(history.history)
['loss', 'val_loss']
"""

import numpy as np

from kerasish.callbacks.base import Callback


class SwapEMAWeights(Callback):
    """Put the optimizer's moving averages into the model for evaluation/prediction.

    Args:
        swap_on_epoch: also keep the averages in the model from the end of each epoch
            to the start of the next, so that callbacks that run after this one at the
            end of an epoch (``ModelCheckpoint``) see them; after the last epoch the
            averages stay the weights.

    The validation loss of ``fit`` is then the averaged weights' loss (the first epoch's
    is the same: the first average is the first trained value):

    >>> import numpy as np, kerasish
    >>> def val_losses(callbacks):
    ...     model = kerasish.Sequential([kerasish.Input((1,)),
    ...                                  kerasish.layers.Dense(1, kernel_initializer="zeros")])
    ...     model.compile(loss="mse", optimizer=kerasish.optimizers.SGD(
    ...         0.1, use_ema=True, ema_momentum=0.5))
    ...     x = np.array([[1.0], [2.0]])
    ...     history = model.fit(x, 2 * x, epochs=2, verbose=0, validation_data=(x, 2 * x),
    ...                         callbacks=callbacks)
    ...     return [round(v, 4) for v in history.history["val_loss"]]
    >>> val_losses([]), val_losses([SwapEMAWeights()])
    ([1.06, 0.1732], [1.06, 0.5013])
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = bool(swap_on_epoch)
        self._trained = None  # the trained values while the averages are in the model

    def _optimizer(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on "
                             f"the optimizer. Received: use_ema="
                             f"{getattr(optimizer, 'use_ema', None)}")
        return optimizer

    def _swap_in(self):
        if self._trained is not None:
            return
        optimizer = self._optimizer()
        state = self.model.get_optimizer_state()
        if state is None:  # never trained: no averages yet, the weights are the averages
            return
        optimizer.sync_from_state(state)  # the averages as of the last committed step
        variables = list(self.model.trainable_variables)
        self._trained = [np.asarray(v.value) for v in variables]
        optimizer.finalize_variable_values(variables)

    def _swap_out(self):
        if self._trained is None:
            return
        for var, value in zip(self.model.trainable_variables, self._trained):
            var.assign(value)
        self._trained = None

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_in()
            if epoch == self.params.get("epochs", 0) - 1:
                self._trained = None  # the averages stay the weights, as in Keras

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_out()
