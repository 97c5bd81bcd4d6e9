"""Keras 3's top-level helpers: ``kerasish.version()`` and ``kerasish.device(...)``.

>>> import kerasish
>>> with kerasish.device("cpu:0"):
...     y = kerasish.ops.ones((2,))
>>> y.devices().pop().platform
'cpu'
"""

import contextlib

import jax

__version__ = "0.1.0"


def version():
    """kerasish's version string (as ``keras.version()`` gives Keras's).

    The same string as ``kerasish.__version__``; ``.keras`` files record it as the
    version of the library that wrote them.

    >>> import kerasish
    >>> kerasish.version() == kerasish.__version__
    True
    """
    return __version__


@contextlib.contextmanager
def device(device_name):
    """Run the arrays and computations of the ``with`` block on one device.

    Args:
        device_name: ``"cpu"``, ``"gpu"`` (or ``"cuda"``), ``"tpu"``, optionally with
            an index: ``"gpu:1"``. A ``jax.Device`` is accepted too.

    >>> import kerasish
    >>> with kerasish.device("cpu:0"):
    ...     x = kerasish.ops.zeros((2, 2))
    >>> x.devices().pop().platform
    'cpu'
    """
    if isinstance(device_name, jax.Device):
        target = device_name
    else:
        if not isinstance(device_name, str):
            raise ValueError("`device_name` must be a string like 'cpu', 'gpu:0' or a "
                             f"jax.Device. Received: device_name={device_name!r}")
        kind, _, index = device_name.lower().partition(":")
        kind = "gpu" if kind == "cuda" else kind
        try:
            devices = jax.devices(kind)
        except RuntimeError:
            raise ValueError(f"No {kind!r} device is available. Received: "
                             f"device_name={device_name!r}; available: "
                             f"{[str(d) for d in jax.devices()]}") from None
        position = int(index) if index else 0
        if not 0 <= position < len(devices):
            raise ValueError(f"Device index {position} is out of range: there are "
                             f"{len(devices)} {kind!r} device(s). Received: "
                             f"device_name={device_name!r}")
        target = devices[position]
    with jax.default_device(target):
        yield
