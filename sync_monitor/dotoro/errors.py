"""Errors of the Dotoro API as values: the typed `ApiError` and the parsing of error bodies.

No I/O: the client raises `ApiError`; `describe` turns it into a sentence a person can act on
(the UI and the hub share it).
"""

import json
import math
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiError(Exception):
    """A failed call: HTTP status (0 when no answer came), the service's code and message."""

    status: int
    code: str
    message: str
    retry_after: float | None = None
    error_id: str | None = None  # the service's errorId of a 500, to quote to its operators

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    @property
    def is_auth(self) -> bool:
        return self.status in (401, 403)


_GENERIC = {
    401: ("UNAUTHORIZED", "Authentication required."),
    403: ("FORBIDDEN", "Access denied."),
    404: ("NOT_FOUND", "Not found."),
    429: ("TOO_MANY_REQUESTS", "Too many requests; retry later."),
}


def _generic(status: int) -> tuple[str, str]:
    if status >= 500:
        return "INTERNAL_ERROR", f"The server failed to handle the request (HTTP {status})."
    return _GENERIC.get(status, (f"HTTP_{status}", f"The server answered HTTP {status}."))


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _zod_message(issues: list[Any]) -> str:
    parts = []
    for issue in (i for i in issues if isinstance(i, dict)):
        path = issue.get("path")
        where = ".".join(map(str, path)) if isinstance(path, list) else ""
        message = str(issue.get("message") or "invalid value")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts) or "The request was invalid."


def parse_error_body(status: int, body: str) -> tuple[str, str]:
    """Return (code, message) of an error answer, whatever its body.

    Accepts the standard body and zod's raw shape (dotoro-api.md §1); a body that is not JSON
    (an HTML 502 page from a proxy, an empty body) gives a code derived from the status and a
    short generic message, never the raw body.
    """
    generic_code, message = _generic(status)
    data = _json(body)
    if not isinstance(data, dict):
        return generic_code, message
    code = data.get("code")
    code = code if isinstance(code, str) and code else generic_code
    error = data.get("error")
    if isinstance(error, str) and error:
        return code, error
    if isinstance(error, dict):
        # zod's raw shape for a bad path parameter (§1); zod 4 puts the issues in a JSON string.
        issues = error.get("issues")
        if not isinstance(issues, list) and isinstance(error.get("message"), str):
            issues = _json(error["message"])
        if isinstance(issues, list):
            return "VALIDATION_ERROR", _zod_message(issues)
    return code, message


_ERROR_ID = re.compile(r"[0-9A-Za-z-]{1,64}")


def parse_error_id(body: str) -> str | None:
    """The `errorId` of an error body (a uuid from the service, §1), when it is a plain id."""
    data = _json(body)
    value = data.get("errorId") if isinstance(data, dict) else None
    return value if isinstance(value, str) and _ERROR_ID.fullmatch(value) else None


def _seconds(value: object) -> float | None:
    if isinstance(value, str):
        value = _json(value.strip())  # delta-seconds only; an HTTP-date is not a JSON number
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def parse_retry_after(body: str, header: str | None) -> float | None:
    """Seconds to wait after a 429: the body's `retryAfter` (dotoro-api.md §1), else the
    Retry-After header's delta-seconds. None when neither says."""
    data = _json(body)
    from_body = _seconds(data.get("retryAfter")) if isinstance(data, dict) else None
    return from_body if from_body is not None else _seconds(header)


def describe(exc: ApiError, *, doing: str = "The request") -> str:
    """One plain sentence for `exc`; backend text is quoted as data, never as markup."""
    if exc.code == "BUDGET":
        return f"{doing} is waiting its turn: the monitor keeps under the service's rate limit."
    if exc.code == "BAD_RESPONSE":
        return (
            f"{doing} got an unreadable answer: the Dotoro API sent something this monitor "
            "cannot read."
        )
    if exc.status == 0:
        if exc.code == "TIMEOUT":
            return (
                f"{doing} timed out: the Dotoro API is slow or overloaded. It will be tried again."
            )
        return f"{doing} failed: the Dotoro API could not be reached. Check that it is running."
    if exc.status == 401:
        return (
            f"{doing} was refused: the session is not valid. Sign in to Dotoro again and "
            "update SYNC_MONITOR_SESSION_TOKEN."
        )
    if exc.status == 403:
        return (
            f"{doing} was refused: access denied ({exc.message}). Check SYNC_MONITOR_TEAM_ID "
            "and the account's team membership."
        )
    if exc.status == 404:
        return f"{doing} failed: not found ({exc.message})."
    if exc.status == 409:
        return f"{doing} had no effect: the job had already finished."
    if exc.status == 429:
        wait = f" for {exc.retry_after:.0f} s" if exc.retry_after else ""
        return f"{doing} was not sent: the Dotoro API is rate-limiting this monitor{wait}."
    if exc.status >= 500:
        quoted = f", error id {exc.error_id}" if exc.error_id else ""
        return (
            f"{doing} failed: the Dotoro API had a server error (HTTP {exc.status}{quoted}). "
            "Try again shortly."
        )
    return f"{doing} was refused: {exc.message}"
