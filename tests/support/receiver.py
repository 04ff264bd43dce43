"""A real HTTP receiver for webhooks (a thread of the standard library's HTTP server): it keeps
every POST it is sent, and answers each with the status the test sets (200 by default)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .waiting import wait_until


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""  # http://127.0.0.1:port
    status: int = 200  # what the next POSTs are answered with
    posts: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [p for p in self.posts if path is None or p.path == path]

    def wait(self, count: int, path: str | None = None, limit: float = 20) -> list[Received]:
        wait_until(lambda: len(self.received(path)) >= count, f"{count} POSTs to {path}", limit)
        return self.received(path)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with box.lock:
                box.posts.append(Received(self.path, dict(self.headers.items()), body))
                status = box.status
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
