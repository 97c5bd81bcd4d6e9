"""Callbacks with Keras 3's names: ``EarlyStopping``, ``ModelCheckpoint``,
``TensorBoard`` ... (``kerasish.callbacks.Callback`` is the base to subclass)."""

from kerasish.callbacks.base import (CSVLogger, Callback, CallbackList, EarlyStopping,
                                     History, LambdaCallback, LearningRateScheduler,
                                     ModelCheckpoint, ProgbarLogger, ReduceLROnPlateau,
                                     TerminateOnNaN, to_list, wants_batch_hooks)
from kerasish.callbacks.backup import BackupAndRestore
from kerasish.callbacks.ema import SwapEMAWeights
from kerasish.callbacks.remote import RemoteMonitor
from kerasish.callbacks.tensorboard import TensorBoard

