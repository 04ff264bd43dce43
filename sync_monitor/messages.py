"""Sentences a person can act on, for errors of the API (the UI and the hub share them)."""

from __future__ import annotations

from .errors import ApiError


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
