"""Where kerasish's messages go: stdout while interactive logging is on (the default),
Python's ``logging`` (logger ``'kerasish'``, level INFO) once it is disabled — Keras's
``enable_interactive_logging`` / ``disable_interactive_logging`` switch.

>>> print_msg("hello")
hello
"""

import logging
import sys

from kerasish.config import (disable_interactive_logging,  # noqa: F401
                             enable_interactive_logging, is_interactive_logging_enabled)

_LOGGER = logging.getLogger("kerasish")


def print_msg(message, line_break=True):
    """Print ``message`` to stdout, or log it when interactive logging is disabled.

    Args:
        message: the text.
        line_break: end the printed text with a newline.

    >>> print_msg("a", line_break=False); print_msg("b")
    ab
    """
    message = str(message)
    if not is_interactive_logging_enabled():
        _LOGGER.info(message)
        return
    text = message + "\n" if line_break else message
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:  # a stdout that cannot encode the progress bar's glyphs
        encoding = sys.stdout.encoding or "utf-8"
        sys.stdout.write(text.replace("━", "=").encode(encoding, "ignore").decode(encoding))
    sys.stdout.flush()
