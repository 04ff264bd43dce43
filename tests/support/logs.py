"""The errors the monitor logs during a test (see the `logged_errors` fixture in conftest.py)."""

from __future__ import annotations

import logging
import re


class LoggedErrors(logging.Handler):
    """The ERROR (and worse) records of the monitor's loggers during one test."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._expected: list[re.Pattern[str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def expect(self, pattern: str) -> None:
        """Errors whose message matches `pattern` (a regular expression) are part of the test."""
        self._expected.append(re.compile(pattern))

    def matching(self, pattern: str) -> list[logging.LogRecord]:
        return [r for r in self.records if re.search(pattern, r.getMessage())]

    def unexpected(self) -> list[logging.LogRecord]:
        return [
            r for r in self.records if not any(p.search(r.getMessage()) for p in self._expected)
        ]
