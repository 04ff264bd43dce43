"""How long the tests wait, and how: for a condition, never for a fixed time.

Every deadline is generous, and all of them scale with one knob, SYNC_MONITOR_TEST_SLOWDOWN
(default 1): `SYNC_MONITOR_TEST_SLOWDOWN=3 make test` gives a slow or busy machine three times
as long before anything counts as not happening. A deadline only bounds a failure: a test that
passes never waits for one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest
import requests

KNOB = "SYNC_MONITOR_TEST_SLOWDOWN"


def _slowdown() -> float:
    raw = os.environ.get(KNOB, "1")
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{KNOB}: expected a number such as 2, not {raw!r}") from None
    if not value >= 1:
        raise SystemExit(f"{KNOB}: must be at least 1, not {raw!r}")
    return value


SLOWDOWN = _slowdown()


def seconds(limit: float) -> float:
    """A deadline of `limit` seconds on a machine of CI's kind, scaled by the knob."""
    return limit * SLOWDOWN


def ms(limit: float) -> float:
    """`seconds(limit)` in milliseconds, as Playwright takes its timeouts."""
    return limit * 1000 * SLOWDOWN


def scaled_timeout(config: pytest.Config, own: float | None = None) -> float:
    """pytest-timeout's limit for one test (its own marker's, else pyproject.toml's), scaled."""
    return float(own if own is not None else config.getini("timeout") or 120) * SLOWDOWN


def wait_until(
    check: Callable[[], bool], what: str, timeout: float = 10.0, every: float = 0.02
) -> None:
    """Poll `check` every `every` s until it holds (for state with no event to wait on); fail
    when it has not within `seconds(timeout)`."""
    limit = seconds(timeout)
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit:g} s")
        time.sleep(every)


def wait_for_http(
    url: str,
    what: str,
    timeout: float = 60.0,
    ok: Callable[[requests.Response], bool] = lambda r: r.ok,
    alive: Callable[[], bool] = lambda: True,
) -> None:
    """Wait until GET `url` answers as `ok` says. Any request error (refused, reset, a read that
    times out while the server is still starting) means "not yet", until the deadline;
    `alive` false (the server's process ended) fails at once."""
    limit = seconds(timeout)
    deadline = time.monotonic() + limit
    last = "no answer"
    while True:
        try:
            response = requests.get(url, timeout=seconds(5))
            if ok(response):
                return
            last = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        if not alive():
            raise AssertionError(f"{what}: the process ended ({last})")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit:g} s ({last})")
        time.sleep(0.1)
