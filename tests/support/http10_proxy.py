"""A loopback TCP proxy that turns every request into HTTP/1.0, so the server answers with a
close-delimited body instead of chunked encoding: how tests and benchmarks get a non-chunked
event stream from the local API (dotoro-api.md §5)."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit


class Http10Proxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="http10-proxy", daemon=True)

    def start(self) -> Http10Proxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.listener.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with contextlib.ExitStack() as stack:
            stack.enter_context(client)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            first, rest = head.split(b"\r\n", 1)
            first = first.replace(b"HTTP/1.1", b"HTTP/1.0")
            upstream = stack.enter_context(socket.create_connection(self.upstream))
            upstream.sendall(first + b"\r\n" + rest)
            while True:
                try:
                    data = upstream.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                try:
                    client.sendall(data)
                except OSError:
                    return
