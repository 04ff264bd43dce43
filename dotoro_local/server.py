"""Run the local API with uvicorn: in-process on a free port (app.py, tests) or from the CLI."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

import uvicorn
from starlette.applications import Starlette

from . import workload
from .app import create_app
from .config import ServerConfig
from .engine import Engine

T = TypeVar("T")


def bind(host: str, port: int) -> socket.socket:
    """Bind first, so the real port is known before serving (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def uvicorn_config(app: Starlette) -> uvicorn.Config:
    return uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=1
    )


class _Server(uvicorn.Server):
    """uvicorn, but open event streams end first on Ctrl-C/SIGTERM, so the stop is clean."""

    def __init__(self, app: Starlette) -> None:
        super().__init__(uvicorn_config(app))
        self.app = app
        self.ready = threading.Event()  # set once it accepts connections

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.ready.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets=sockets)
        # uvicorn cancels a response that outlives the graceful timeout (an event stream
        # reopened while the server stops) but may leave its socket open; the loop would then
        # close with it open ("ResourceWarning: unclosed transport"). Close what is left.
        left = [c.transport for c in list(self.server_state.connections)]
        for transport in left:
            if transport is not None and not transport.is_closing():
                transport.abort()
        if left:
            await asyncio.sleep(0.05)  # the loop runs the closes before it ends

    def close_streams(self) -> None:
        loop: asyncio.AbstractEventLoop | None = getattr(self.app.state, "loop", None)
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.app.state.engine.events.close_all)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.close_streams()
        super().handle_exit(sig, frame)


def uvicorn_server(config: ServerConfig) -> uvicorn.Server:
    return _Server(create_app(config))


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class LocalApiServer:
    """The local API on a background thread, with a clean stop.

    `call(fn)` runs `fn(engine)` on the server's event loop, the only thread that touches the
    engine, and returns its result: how in-process tests script a scenario.
    """

    def __init__(
        self, config: ServerConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or ServerConfig()
        self._sock = bind(host, port)
        self.url = url_of(self._sock)
        self.app = create_app(self.config)
        self._server = _Server(self.app)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name="local-dotoro-api",
            daemon=True,
        )

    def start(self, timeout: float = 20.0) -> LocalApiServer:
        if self._thread.is_alive():
            return self
        self._thread.start()
        deadline = time.monotonic() + timeout
        # Wakes as soon as the server is ready; the short timeout only notices a failed start.
        while not self._server.ready.wait(0.05):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("local API did not start")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.close_streams()
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> LocalApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def ad_account_names(self) -> dict[str, str]:
        """Each ad account's name as Dotoro's own database holds it (its API does not say): the
        brand its simulated sets are for. The monitor started with this API names its clients
        with it, as an operator would with SYNC_MONITOR_CLIENT_NAMES."""
        return self.call(
            lambda engine: {
                cs.ad_account_id: workload.brand(cs.name)
                for cs in engine.store.sets()
                if cs.ad_account_id
            }
        )

    def call(self, fn: Callable[[Engine], T], timeout: float = 10.0) -> T:
        app = self.app
        loop: asyncio.AbstractEventLoop = app.state.loop

        async def run() -> T:
            return fn(app.state.engine)

        return asyncio.run_coroutine_threadsafe(run(), loop).result(timeout)
