"""RemoteMonitor: real fit runs posting to a local http.server on 127.0.0.1."""

import http.server
import json
import socket
import socketserver
import threading
import urllib.parse

import numpy as np
import pytest
import torch

import sloi
import sloi.training  # noqa: F401  (plugs fit() into Model)
from sloi.callbacks import RemoteMonitor
from sloi.layers import Dense

rng = np.random.default_rng(0)
X = rng.standard_normal((16, 3)).astype("float32")
Y = rng.standard_normal((16, 1)).astype("float32")


class _Recorder(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture
def server():
    """Serves exactly `expect(n)` requests on a free port, then stops."""
    # socketserver's TCPServer: http.server.HTTPServer looks up the host's FQDN when it binds,
    # which waits seconds for a DNS answer on a machine without network.
    httpd = socketserver.TCPServer(("127.0.0.1", 0), _Recorder)
    httpd.timeout = 10
    received = []
    _Recorder.received = received
    threads = []

    def expect(count):
        thread = threading.Thread(
            target=lambda: [httpd.handle_request() for _ in range(count)], daemon=True
        )
        thread.start()
        threads.append(thread)
        return f"http://127.0.0.1:{httpd.server_address[1]}", received

    yield expect
    for thread in threads:
        thread.join(timeout=15)
    httpd.server_close()


def _model():
    model = sloi.Sequential([Dense(2, activation="relu", input_shape=(3,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def test_form_posts_each_epoch(server):
    root, received = server(2)
    history = _model().fit(X, Y, batch_size=8, epochs=2, verbose=0,
                           callbacks=[RemoteMonitor(root=root)])
    assert len(received) == 2
    for epoch, (path, headers, body) in enumerate(received):
        assert path == "/publish/epoch/end/"
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
        form = urllib.parse.parse_qs(body.decode())
        assert list(form) == ["data"]
        sent = json.loads(form["data"][0])
        assert sent == {"epoch": epoch, "loss": history.history["loss"][epoch],
                        "mae": history.history["mae"][epoch]}


def test_json_body_custom_path_field_and_headers(server):
    root, received = server(1)
    monitor = RemoteMonitor(root=root, path="/logs", field="ignored", send_as_json=True,
                            headers={"X-Run": "seven"})
    history = _model().fit(X, Y, batch_size=8, epochs=1, verbose=0,
                           validation_data=(X[:4], Y[:4]), callbacks=[monitor])
    (path, headers, body), = received
    assert path == "/logs" and headers["Content-Type"] == "application/json"
    assert headers["X-Run"] == "seven"
    sent = json.loads(body)
    assert sent["epoch"] == 0 and set(sent) == {"epoch", "loss", "mae", "val_loss", "val_mae"}
    assert sent["val_loss"] == history.history["val_loss"][0]


def test_numpy_and_tensor_values_become_numbers(server):
    root, received = server(1)
    monitor = RemoteMonitor(root=root, send_as_json=True)
    monitor.on_epoch_end(3, {"a": np.float32(0.5), "b": np.array(2.0), "c": torch.tensor(1.5),
                             "d": 4})
    assert json.loads(received[0][2]) == {"epoch": 3, "a": 0.5, "b": 2.0, "c": 1.5, "d": 4}


def test_unreachable_server_warns():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        _model().fit(X, Y, epochs=1, verbose=0,
                     callbacks=[RemoteMonitor(root=f"http://127.0.0.1:{port}")])


def test_defaults_as_keras():
    monitor = RemoteMonitor()
    assert (monitor.root, monitor.path, monitor.field, monitor.headers,
            monitor.send_as_json) == ("http://localhost:9000", "/publish/epoch/end/", "data",
                                      None, False)
