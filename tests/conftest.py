"""For every test: an error the monitor logs fails the test, unless the test says it expects it.

A page that turns a bug into a polite banner, or a thread that logs a traceback and carries on,
would otherwise pass unseen. Tests that provoke an error on purpose name it with
`logged_errors.expect(...)`, and should check it was logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.support.logs import LoggedErrors
from tests.support.waiting import scaled_timeout


@pytest.fixture(autouse=True)
def logged_errors() -> Iterator[LoggedErrors]:
    caught = LoggedErrors()
    loggers = [logging.getLogger(name) for name in ("sync_monitor", "dotoro_local")]
    for logger in loggers:
        logger.addHandler(caught)
    try:
        yield caught
    finally:
        for logger in loggers:
            logger.removeHandler(caught)
    unexpected = caught.unexpected()
    if unexpected:
        formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        shown = "\n".join(formatter.format(r) for r in unexpected)
        pytest.fail(f"the monitor logged {len(unexpected)} unexpected error(s):\n{shown}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pytest-timeout's limits (pyproject.toml's, and a test's own marker) scale with
    SYNC_MONITOR_TEST_SLOWDOWN too."""
    for item in items:
        own = item.get_closest_marker("timeout")
        limit = scaled_timeout(item.config, own.args[0] if own and own.args else None)
        item.add_marker(pytest.mark.timeout(limit), append=False)  # before its own: it wins
