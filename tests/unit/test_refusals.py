"""Refused attempts cannot flood the audit trail (issue 18): a few per caller and minute are
written one by one, the rest as one summary when the minute is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync_monitor.access import Action, Entry, Verdict
from sync_monitor.refusals import LISTED, WINDOW_SECONDS, Limiter

START = datetime(2026, 12, 5, 9, tzinfo=UTC)


def refusal(who: str, seconds: float, action: Action = Action.CANCEL) -> Entry:
    at = START + timedelta(seconds=seconds)
    return Entry(
        at, who, "viewer", action, f"job-{seconds}", Verdict.REFUSED, "Only operators may…"
    )


def test_a_flood_of_refusals_is_written_as_a_few_lines_and_one_summary() -> None:
    limiter: Limiter[Entry] = Limiter()
    written = []
    for n in range(60):  # 60 crafted cancels in 23 s, as in the issue
        written += limiter.admit(refusal("viewer@acme.com", n * 23 / 60))
    assert len(written) == LISTED  # the rest wait for the minute to end
    written += limiter.admit(refusal("other@acme.com", 30))  # another caller: its own window
    assert len(written) == LISTED + 1
    written += limiter.due(START + timedelta(seconds=WINDOW_SECONDS))
    summaries = [e for e in written if e.target == ""]
    assert len(summaries) == 1
    [summary] = summaries
    assert summary.who == "viewer@acme.com"
    assert summary.outcome == Verdict.REFUSED
    assert summary.message.startswith(f"{60 - LISTED} more refused cancels by viewer@acme.com")
    # A new minute starts afresh.
    again = refusal("viewer@acme.com", 100)
    assert limiter.admit(again) == [again]


def test_nothing_held_back_is_lost_at_close() -> None:
    limiter: Limiter[Entry] = Limiter()
    for n in range(LISTED + 2):
        limiter.admit(refusal("viewer@acme.com", n, action=Action.RETRY))
    [summary] = limiter.due(None)
    assert summary.message.startswith("2 more refused retries")
