"""What stands in front of every /api/ route: injected faults, the rate limit and auth (§1, §2).

A plain ASGI middleware, so that streamed responses pass through untouched (no buffering).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, deque
from http.cookies import CookieError, SimpleCookie

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from . import errors
from .config import ServerConfig
from .params import is_uuid

SESSION_COOKIES = ("better-auth.session_token", "__Secure-better-auth.session_token")


class Arrivals:
    """When /api/ requests arrived (epoch ms and "METHOD path", the newest KEEP) and how many
    the rate limit refused: for tests of a client's spending in any sliding minute
    (`GET /_local/requests`)."""

    KEEP = 100_000

    def __init__(self) -> None:
        self.seen: deque[tuple[int, str]] = deque(maxlen=self.KEEP)
        self.limited = 0


class Guard:
    def __init__(
        self, app: ASGIApp, config: ServerConfig, requests: Counter[str], arrivals: Arrivals
    ) -> None:
        self.app = app
        self.config = config
        self.hits: dict[str, deque[float]] = {}
        self.rng = random.Random()  # faults need no reproducibility
        # Requests seen per "METHOD path", for tests that count what a client costs the service.
        self.requests = requests
        self.arrivals = arrivals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        key = f"{scope['method']} {scope['path']}"
        self.requests[key] += 1
        self.arrivals.seen.append((round(time.time() * 1000), key))
        rejection = await self.check(Request(scope))
        if rejection is not None:
            await rejection(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def check(self, request: Request) -> JSONResponse | None:
        faults = self.config.faults
        if faults.delay_seconds > 0:
            await asyncio.sleep(faults.delay_seconds)
        if faults.error_rate > 0 and self.rng.random() < faults.error_rate:
            return {401: errors.unauthorized, 429: errors.too_many_requests}.get(
                faults.error_status, errors.internal_error
            )()
        if self._over_rate_limit(request.client.host if request.client else "?"):
            self.arrivals.limited += 1
            return errors.too_many_requests()
        if self.config.session_token is None:
            return None
        if self._session_token(request) != self.config.session_token:
            return errors.unauthorized()
        if request.url.path.startswith("/api/v1/campaign-sets"):
            return self._team_check(request)
        return None

    def _over_rate_limit(self, ip: str) -> bool:
        limit = self.config.rate_limit_per_minute
        if limit <= 0:
            return False
        now = time.monotonic()
        window = self.hits.setdefault(ip, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= limit:
            return True
        window.append(now)
        return False

    @staticmethod
    def _session_token(request: Request) -> str | None:
        header = request.headers.get("cookie")
        if not header:
            return None
        try:
            jar = SimpleCookie(header)
        except CookieError:
            return None
        for name in SESSION_COOKIES:
            if name in jar:
                return jar[name].value
        return None

    def _team_check(self, request: Request) -> JSONResponse | None:
        team = request.headers.get("x-team-id") or request.query_params.get("teamId")
        if not team:
            return errors.team_required()
        if not is_uuid(team):
            return errors.team_invalid()
        if team.lower() != (self.config.team_id or "").lower():
            return errors.not_a_member()
        return None
