"""The Starlette application of the local API and its lifespan (store, engine, clock task)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from . import errors
from .config import ServerConfig
from .control import control_routes
from .engine import Engine
from .guard import Arrivals, Guard
from .pgboss_mirror import PgBossMirror
from .routes import api_routes
from .store import Store

log = logging.getLogger(__name__)


async def _http_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException) and exc.status_code in (404, 405):
        # Hono answers an unknown route, or a known path with another method, like this (§1).
        return errors.not_found_route(request.method, request.url.path)
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status >= 500:
        return errors.internal_error()
    return errors.error(status, str(getattr(exc, "detail", "Bad request")), "VALIDATION_ERROR")


async def _crash(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s: %r", request.method, request.url.path, exc)
    return errors.internal_error()


def create_app(config: ServerConfig) -> Starlette:
    """Build the app; the lifespan opens the store, seeds it and runs the engine's clock."""
    config.validate()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        with contextlib.ExitStack() as stack:
            path = config.db_path
            if path is None:
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="dotoro-"))
                path = Path(folder) / "dotoro.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            mirror = PgBossMirror(config.pgboss_url) if config.pgboss_url else None
            if mirror is not None:
                stack.callback(mirror.close)  # after the store's: its last writes land
            store = Store(path, mirror)
            stack.callback(store.close)
            engine = Engine(store, config)
            engine.bootstrap()
            app.state.engine = engine
            app.state.loop = asyncio.get_running_loop()
            app.state.visible = (
                (lambda team: team == config.team_id) if config.team_id else (lambda team: True)
            )
            task = asyncio.create_task(_run_clock(engine, config.tick_seconds))
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    requests: Counter[str] = Counter()
    arrivals = Arrivals()
    app = Starlette(
        routes=[*api_routes(config.contract), *control_routes()],
        middleware=[Middleware(Guard, config=config, requests=requests, arrivals=arrivals)],
        exception_handlers={HTTPException: _http_error, Exception: _crash},
        lifespan=lifespan,
    )
    app.state.requests = requests
    app.state.arrivals = arrivals
    return app


async def _run_clock(engine: Engine, every: float) -> None:
    while True:
        try:
            engine.tick()
        except Exception:  # a bug in one tick must not stop the simulated world
            log.exception("engine tick failed")
        await asyncio.sleep(every)
