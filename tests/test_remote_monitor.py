"""``callbacks.RemoteMonitor`` posts each epoch's logs to a server on 127.0.0.1, in the
body Keras's version (through ``requests``) sends."""

import http.server
import json
import threading
import urllib.parse

import numpy as np
import pytest

import kerasish
from kerasish import callbacks, layers


@pytest.fixture
def server():
    posts = []

    class Handler(http.server.BaseHTTPRequestHandler):
        status = 200

        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posts.append((self.path, dict(self.headers), body))
            self.send_response(Handler.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", posts, Handler
    httpd.shutdown()


def _fit(monitor, epochs=2):
    model = kerasish.Sequential([kerasish.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model.fit(np.ones((4, 2)), np.zeros((4, 1)), epochs=epochs, verbose=0,
                     callbacks=[monitor]).history


def test_form_post_per_epoch(server):
    root, posts, _ = server
    history = _fit(callbacks.RemoteMonitor(root=root, headers={"X-Run": "7"}))
    assert [p for p, _, _ in posts] == ["/publish/epoch/end/"] * 2
    path, headers, body = posts[1]
    assert headers["X-Run"] == "7"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(body.decode())
    sent = json.loads(form["data"][0])
    assert sent == {"epoch": 1, "loss": history["loss"][1], "mae": history["mae"][1]}


def test_json_post_and_custom_path_and_field(server):
    root, posts, _ = server
    _fit(callbacks.RemoteMonitor(root=root, path="/hook", send_as_json=True), epochs=1)
    (path, headers, body), = posts
    assert path == "/hook" and headers["Content-Type"] == "application/json"
    assert json.loads(body)["epoch"] == 0
    posts.clear()
    _fit(callbacks.RemoteMonitor(root=root, field="logs"), epochs=1)
    assert "logs" in urllib.parse.parse_qs(posts[0][2].decode())


def test_unreachable_or_failing_server_warns_and_training_goes_on(server):
    root, posts, handler = server
    handler.status = 500
    with pytest.warns(UserWarning, match="answered 500"):
        _fit(callbacks.RemoteMonitor(root=root), epochs=1)
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        history = _fit(callbacks.RemoteMonitor(root="http://127.0.0.1:9"), epochs=2)
    assert len(history["loss"]) == 2


def test_headers_must_be_a_dict():
    with pytest.raises(ValueError, match="headers"):
        callbacks.RemoteMonitor(headers=["X-Run: 7"])
