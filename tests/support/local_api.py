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

from dotoro_local import LocalApiServer, ServerConfig
from dotoro_local.engine import Engine
from tests.support.waiting import seconds, wait_until


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


def frames(body: bytes) -> list[str]:
    """The frames of an SSE body, without their blank-line terminators."""
    return body.decode().split("\n\n")[:-1]


@dataclass
class Api:
    """A started server plus the requests a test needs to script it."""

    server: LocalApiServer
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.server.url

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.url + path, timeout=seconds(10), **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.session.post(self.url + path, timeout=seconds(10), **kw)

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

    def start_next_job(self) -> None:
        """Start the oldest queued job now, and leave every other queued job waiting.

        One worker is added and taken back within one turn of the server's loop, so nothing
        else starts, whatever the timing: the job's retries wait in the queue too.
        """

        def start(engine: Engine) -> None:
            workers = engine.config.workers
            engine.config.workers = len(engine.runner.running) + 1
            engine.tick()
            engine.config.workers = workers

        self.server.call(start)

    def ended_jobs(
        self, states: tuple[str, ...] = ("completed", "failed", "cancelled"), **where: Any
    ) -> list[Any]:
        """The jobs in `states` the server holds (its history listing, all of it), newest
        first; `where` takes the listing's other filters (platforms=("reddit",))."""
        query = {"since": None, "until": None, "platforms": (), "after": None, **where}
        return self.server.call(
            lambda engine: engine.store.history(states=states, limit=10**7, **query)
        )

    def job_state(self, job_id: str) -> str:
        # Read from the engine: GET /jobs/{id} answers 403 in the head contract (§2).
        job = self.server.call(lambda engine: engine.store.get_job(job_id))
        assert job is not None, job_id
        return job.state

    def wait_state(self, job_id: str, *states: str, timeout: float = 10.0) -> str:
        wait_until(lambda: self.job_state(job_id) in states, f"job {job_id} in {states}", timeout)
        return self.job_state(job_id)


@contextmanager
def running(config: ServerConfig) -> Iterator[Api]:
    server = LocalApiServer(config).start(timeout=seconds(20))
    try:
        yield Api(server)
    finally:
        server.stop()


class RawStream:
    """An SSE response read as raw bytes over http.client, chunk framing removed."""

    def __init__(self, url: str, path: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None, url
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=seconds(10))
        self.conn.request("GET", path, headers=headers or {})
        self.response = self.conn.getresponse()
        self.buffer = b""
        self.closed = False

    def read_until(self, marker: bytes, timeout: float = 10.0) -> bytes:
        """Read until `marker` is in the buffer (or the stream ends); return the buffer."""
        deadline = time.monotonic() + seconds(timeout)
        while marker not in self.buffer and not self.closed:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} in {self.buffer!r}")
            self._read()
        return self.buffer

    def read_to_end(self, timeout: float = 10.0) -> bytes:
        """Read until the server ends the response; a read silent for `timeout` s fails."""
        assert self.conn.sock is not None
        self.conn.sock.settimeout(seconds(timeout))
        while not self.closed:
            self._read()
        self.close()
        return self.buffer

    def _read(self) -> None:
        chunk = self.response.read1(65536)
        if not chunk:
            self.closed = True
        self.buffer += chunk

    def close(self) -> None:
        self.conn.close()
