"""``RemoteMonitor``: post each epoch's logs to a server (a dashboard, a chat hook).

Uses the standard library (Keras needs ``requests``); a server that cannot be reached,
or answers with an error, gives a warning and training goes on.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from kerasish.callbacks.base import Callback

# Keras (through `requests`) waits forever for a server that never answers; a training
# run should not, so a post gives up after this many seconds (with a warning).
TIMEOUT_S = 10.0


class RemoteMonitor(Callback):
    """POST ``{"epoch": epoch, **logs}`` to ``root + path`` at the end of every epoch.

    Args:
        root: the server's URL, e.g. ``"http://localhost:9000"``.
        path: the path on it the logs are posted to.
        field: the form field that carries the logs as JSON (when ``send_as_json`` is
            False: the body is ``<field>=<json>``, form-encoded).
        headers: extra HTTP headers (a dict).
        send_as_json: post the logs as a JSON body (``application/json``) instead.

    >>> monitor = RemoteMonitor(root="http://127.0.0.1:9000", send_as_json=True)
    >>> monitor.path
    '/publish/epoch/end/'
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        if headers is not None and not isinstance(headers, dict):
            raise ValueError("`headers` must be a dict of HTTP header names to values. "
                             f"Received: headers={headers!r}")
        self.root, self.path, self.field = root, path, field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("ascii")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                response.read()
        except urllib.error.HTTPError as err:
            warnings.warn(f"RemoteMonitor: the server at {self.root} answered "
                          f"{err.code} {err.reason} to the post to {self.path}", stacklevel=2)
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)
