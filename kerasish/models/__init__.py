"""``kerasish.models``: ``Model``, ``Sequential`` and ``load_model``, as ``keras.models``."""

from kerasish.models.model import Model, load_model
from kerasish.models.sequential import Sequential

__all__ = ["Model", "Sequential", "load_model"]

from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))
