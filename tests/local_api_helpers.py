"""Helpers for tests that talk to the local API over real HTTP."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from sync_monitor.local_api import LocalApiServer, ServerConfig


def quiet_config(**overrides: Any) -> ServerConfig:
    """A server with no generated workload, no history, no rate limit: tests script it all."""
    values: dict[str, Any] = {
        "simulate": False,
        "seed_history": False,
        "rate_limit_per_minute": 0,
        "workers": 1,
        "heartbeat_seconds": 15.0,
    }
    values.update(overrides)
    return ServerConfig(**values)


@dataclass
class Api:
    """A started server plus the requests a test needs to script it."""

    server: LocalApiServer
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.server.url

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.url + path, timeout=10, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.session.post(self.url + path, timeout=10, **kw)

    def create_set(self, **body: Any) -> dict[str, str]:
        response = self.post("/_local/sets", json=body)
        assert response.status_code == 201, response.text
        result: dict[str, str] = response.json()
        return result

    def set_workers(self, count: int) -> None:
        assert self.post("/_local/workers", json={"workers": count}).status_code == 200

    def set_faults(self, **faults: Any) -> None:
        response = self.post("/_local/faults", json=faults)
        assert response.status_code == 200, response.text

    def job_state(self, job_id: str) -> str:
        # Read from the engine: GET /jobs/{id} answers 403 in the head contract (§2).
        job = self.server.call(lambda engine: engine.store.get_job(job_id))
        assert job is not None, job_id
        return job.state

    def wait_state(self, job_id: str, *states: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.job_state(job_id)
            if state in states:
                return state
            time.sleep(0.02)
        raise AssertionError(f"job {job_id} never reached {states}")


@contextmanager
def running(config: ServerConfig) -> Iterator[Api]:
    server = LocalApiServer(config).start()
    try:
        yield Api(server)
    finally:
        server.stop()


class RawStream:
    """An SSE response read as raw bytes over http.client, chunk framing removed."""

    def __init__(self, url: str, path: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        self.conn.request("GET", path, headers=headers or {})
        self.response = self.conn.getresponse()
        self.buffer = b""
        self.closed = False

    def read_until(self, marker: bytes, timeout: float = 10.0) -> bytes:
        """Read until `marker` is in the buffer (or the stream ends); return the buffer."""
        deadline = time.monotonic() + timeout
        while marker not in self.buffer and not self.closed:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} in {self.buffer!r}")
            chunk = self.response.read1(65536)
            if not chunk:
                self.closed = True
            self.buffer += chunk
        return self.buffer

    def read_to_end(self, timeout: float = 10.0) -> bytes:
        self.conn.sock.settimeout(timeout)  # type: ignore[union-attr]
        while not self.closed:
            chunk = self.response.read1(65536)
            if not chunk:
                self.closed = True
            self.buffer += chunk
        self.close()
        return self.buffer

    def close(self) -> None:
        self.conn.close()
