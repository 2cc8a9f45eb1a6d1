"""``RemoteMonitor``: POST each epoch's logs to a server, with the standard library."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

from sloi.callbacks.callback import Callback

# Keras (through `requests`) waits for ever; a training run should not hang on a dead server.
_TIMEOUT_S = 10.0


def _plain(value):
    """A JSON-ready scalar from a float, a numpy scalar / 0-d array or a 1-element tensor."""
    if value is None or isinstance(value, (str, int, float)):  # bool is an int
        return value
    item = getattr(value, "item", None)
    return item() if callable(item) else value


class RemoteMonitor(Callback):
    """Sends the logs to a server at each epoch end, as an HTTP POST to `root + path`.

    The body is the JSON object `{"epoch": epoch, **logs}`: as a form field `field`
    (`application/x-www-form-urlencoded`) by default, or as the request body itself
    (`application/json`) with `send_as_json=True`. Keras uses the `requests` package; sloi
    sends the same request with `urllib` (waiting at most 10 s). A server that cannot be
    reached gives a warning, not an error.

    Args:
        root: the server's URL (default "http://localhost:9000").
        path: the path under `root` (default "/publish/epoch/end/").
        field: the form field holding the JSON (default "data"; unused with JSON bodies).
        headers: optional dict of extra HTTP headers.
        send_as_json: send the JSON as the body, with content type `application/json`.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        send.update({k: _plain(v) for k, v in (logs or {}).items()})
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("ascii")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(
            self.root + self.path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(
                f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2
            )
