"""The HTTP client of the Dotoro sync API (dotoro-api.md §1–§3).

Every call has a timeout and carries the session cookie and team header; errors come back as a
typed ApiError. Every call draws on the process's request budget (`budget.py`), so the monitor
stays under the service's rate limit by itself; a 429 all the same closes the gate for
`retryAfter` seconds. Only a refused connection is retried on the spot (it reached no one).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .budget import Priority, RequestBudget
from .errors import ApiError, parse_error_body, parse_error_id, parse_retry_after
from .models import CancelResult, HistoryPage, JobDetail, QueuedJob, StatusSummary

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
PROBE_ID = "00000000-0000-4000-8000-000000000000"
# Extensions (§3.6) and the request that tells whether a backend has them.
PROBES: dict[str, tuple[str, str, dict[str, str | int]]] = {
    "cancel": ("POST", f"/api/v1/sync/{PROBE_ID}/cancel", {}),
    "history": ("GET", "/api/v1/sync/jobs", {"limit": 1}),
}


class DotoroClient:
    def __init__(
        self,
        base_url: str,
        *,
        session_token: str | None = None,
        team_id: str | None = None,
        user_id: str | None = None,
        timeout: float = 10.0,
        budget: RequestBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        fence: Callable[[], str | None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.fence = fence  # why not to call the service now (fleet/election.py); None: call
        self.timeout = timeout
        self._budget = budget  # None: no limit of our own (tests that count requests)
        self.rate_limited = 0  # 429s received: the budget's aim is that this stays 0
        self._clock = clock
        self._headers = self._auth_headers(session_token, team_id, user_id)
        self._gate_until = 0.0
        self._lock = threading.Lock()
        self._local = threading.local()  # requests.Session is not thread-safe: one per thread

    def __repr__(self) -> str:  # never the credentials
        return f"DotoroClient({self.base_url!r})"

    def _auth_headers(
        self, token: str | None, team: str | None, user: str | None
    ) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if token:
            secure = urlsplit(self.base_url).scheme == "https"
            name = "__Secure-better-auth.session_token" if secure else "better-auth.session_token"
            headers["Cookie"] = f"{name}={token}"
        if team:
            headers["X-Team-Id"] = team
        if user:
            headers["x-user-id"] = user
        return headers

    @property
    def session(self) -> requests.Session:
        """This thread's session, with automatic retries of idempotent GETs."""
        return self._session(retrying=True)

    def _session(self, *, retrying: bool) -> requests.Session:
        # requests.Session is not thread-safe: one per thread, and one without retries.
        name = "session" if retrying else "plain_session"
        session: requests.Session | None = getattr(self._local, name, None)
        if session is None:
            session = requests.Session()
            # Only a refused connection is retried: it reached no one, so it spends nothing of
            # the service's rate limit; a repeat of an answered request would.
            retry = Retry(
                total=2 if retrying else 0,
                connect=2 if retrying else 0,
                read=0,
                status=0,
                backoff_factor=0.2,
                allowed_methods=frozenset({"GET"}),
                raise_on_status=False,
            )
            session.mount("http://", HTTPAdapter(max_retries=retry))
            session.mount("https://", HTTPAdapter(max_retries=retry))
            session.headers.update(self._headers)
            setattr(self._local, name, session)
        return session

    # -- the gate a 429 closes ---------------------------------------------------------------
    @property
    def rate_limited_for(self) -> float:
        """Seconds until the service accepts calls again after a 429 (0 when open)."""
        with self._lock:
            return max(0.0, self._gate_until - self._clock())

    def _check_gate(self) -> None:
        wait = self.rate_limited_for
        if wait > 0:
            raise ApiError(
                429,
                "TOO_MANY_REQUESTS",
                "Rate-limited by the service; not calling it until the limit lifts.",
                retry_after=wait,
            )

    def _spend(self, priority: Priority) -> None:
        """Take one request from the budget; the poll and actions wait for room (kept for
        them), background work is told when its turn comes."""
        if self._budget is None:
            return
        while True:
            with self._lock:
                wait = self._budget.take(priority, self._clock())
            if wait == 0.0:
                return
            if priority is Priority.BACKGROUND:
                raise ApiError(
                    0,
                    "BUDGET",
                    "Waiting for the monitor's request budget.",
                    retry_after=wait,
                )
            time.sleep(min(wait, 1.0))

    def spent_ms(self) -> list[int]:
        """When the requests of the last minute went, in epoch ms (fleet/handover.py)."""
        with self._lock:
            return self._budget.sent_ms(self._clock(), time.time()) if self._budget else []

    def assume_spent(self, moments_ms: list[int]) -> None:
        """Count requests another process sent at `moments_ms` (epoch ms) as this one's."""
        with self._lock:
            if self._budget is not None:
                self._budget.assume_ms(moments_ms, self._clock(), time.time())

    def _close_gate(self, seconds: float) -> None:
        with self._lock:
            self._gate_until = max(self._gate_until, self._clock() + seconds)

    # -- requests ----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        stream: bool = False,
        timeout: float | tuple[float, float] | None = None,
        retry: bool = True,
        priority: Priority = Priority.BACKGROUND,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request; raise ApiError for any answer but 2xx, or for no answer.

        `retry=False`: not even a refused connection is retried. A background request finds
        the budget spent: ApiError code BUDGET, with `retry_after` the seconds until its turn.
        """
        why_not = self.fence() if self.fence is not None else None
        if why_not is not None:
            raise ApiError(0, "FENCED", why_not)
        self._check_gate()
        self._spend(priority)
        try:
            response = self._session(retrying=retry).request(
                method,
                self.base_url + path,
                stream=stream,
                timeout=timeout or self.timeout,
                **kwargs,
            )
        except requests.Timeout:
            raise ApiError(0, "TIMEOUT", "The service did not answer in time.") from None
        except requests.RequestException as exc:
            log.info("%s %s failed: %s", method, path, type(exc).__name__)
            raise ApiError(0, "UNREACHABLE", "The service could not be reached.") from None
        if response.status_code < 400:
            return response
        body = response.text
        response.close()
        code, message = parse_error_body(response.status_code, body)
        retry_after = None
        if response.status_code == 429:
            self.rate_limited += 1
            retry_after = parse_retry_after(body, response.headers.get("Retry-After")) or 60.0
            self._close_gate(retry_after)
        raise ApiError(response.status_code, code, message, retry_after, parse_error_id(body))

    def _json(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        response = self.request(method, path, **kwargs)
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise ApiError(
                response.status_code,
                "BAD_RESPONSE",
                "The service sent an answer this monitor cannot read.",
            ) from None

    def status(self) -> StatusSummary:
        """GET /api/v1/sync/status (§3.4)."""
        return self._json(StatusSummary, "GET", "/api/v1/sync/status", priority=Priority.POLL)

    def queue_sync(self, set_id: str) -> QueuedJob:
        """POST /api/v1/campaign-sets/{setId}/sync (§3.1). Not retried: it would queue twice."""
        return self._json(
            QueuedJob, "POST", f"/api/v1/campaign-sets/{set_id}/sync", priority=Priority.ACTION
        )

    def retry(self, set_id: str) -> QueuedJob:
        """POST /api/v1/sync/{campaignSetId}/retry (§3.5): a new job id."""
        return self._json(
            QueuedJob, "POST", f"/api/v1/sync/{set_id}/retry", priority=Priority.ACTION
        )

    def cancel(self, job_id: str) -> CancelResult:
        """POST /api/v1/sync/{jobId}/cancel (ext, §3.6)."""
        return self._json(
            CancelResult, "POST", f"/api/v1/sync/{job_id}/cancel", priority=Priority.ACTION
        )

    def job(self, job_id: str) -> JobDetail:
        """GET /api/v1/jobs/{jobId} (§3.3); 403 for today's jobs on the real service (§2)."""
        return self._json(JobDetail, "GET", f"/api/v1/jobs/{job_id}")

    def history(self, **params: str | int) -> HistoryPage:
        """GET /api/v1/sync/jobs (ext, §3.6): since, until, state, platform, limit, cursor."""
        return self._json(HistoryPage, "GET", "/api/v1/sync/jobs", params=params)

    def history_all(
        self, limit: int = 500, cursor: str | None = None, **params: str | int
    ) -> Iterator[HistoryPage]:
        """Every page of the history listing, following nextCursor (from `cursor`: resume
        where an earlier listing stopped)."""
        while True:
            page = self.history(limit=limit, **params, **({"cursor": cursor} if cursor else {}))
            yield page
            cursor = page.next_cursor
            if not cursor:
                return

    def probe(self, feature: str) -> bool | None:
        """Whether the backend has an extension (§3.6), from its answer, never from an error.

        True: the route answered with anything but the service's 404 "Route not found" (§1);
        False: it answered exactly that; None: no verdict (a 5xx, 429, timeout or no answer),
        to ask again later. Probes are never retried on the spot.
        """
        method, path, params = PROBES[feature]
        try:
            self.request(method, path, params=params, retry=False).close()
        except ApiError as exc:
            if exc.status == 404:
                return not exc.message.startswith("Route not found")
            if exc.status == 0 or exc.status == 429 or exc.status >= 500:
                return None
        return True

    def open_stream(
        self, set_id: str, job_id: str, last_event_id: str | None, read_timeout: float
    ) -> requests.Response:
        """Open a job's SSE stream (§3.2), checked: 200 and text/event-stream, else ApiError.

        sseclient-py checks neither (§5), and a 401 JSON body would otherwise yield no events.
        """
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        response = self.request(
            "GET",
            f"/api/v1/campaign-sets/{set_id}/sync-stream",
            params={"jobId": job_id},
            headers=headers,
            stream=True,
            timeout=(5.0, read_timeout),
        )
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "text/event-stream":
            response.close()
            raise ApiError(
                response.status_code,
                "NOT_A_STREAM",
                f"The service answered {kind or 'no content type'} instead of a stream.",
            )
        return response
