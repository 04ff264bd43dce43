"""Builders for the alerts' tests: live snapshots with running and queued syncs, and clients'
boards, finished attempts for the history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sync_monitor.alerts import store
from sync_monitor.alerts.conditions import Rule
from sync_monitor.alerts.lifecycle import Alert, Notice, Plan
from sync_monitor.alerts.message import KIND, delivery_key
from sync_monitor.clients.status import Board, Client, SetState, SetStatus
from sync_monitor.dotoro.models import Features, JobState, Platform, Progress
from sync_monitor.history import Attempt, History, Outcome, deliveries
from sync_monitor.live.snapshot import (
    ActiveView,
    Backend,
    BackendKind,
    Finished,
    PendingView,
    Snapshot,
)

HOSTILE = "<b>Acme</b> & <@U123> *bold* [x](http://evil)"
SECRET = "T000/B000/tok-do-not-show"  # a webhook URL's secret part: never on a page


def running(n: int, now: datetime, elapsed_s: float, name: str | None = None) -> ActiveView:
    return ActiveView(
        key=f"job-{n}",
        job_id=f"job-{n}",
        set_id=f"set-{n}",
        name=name or f"Acme {n}",
        platform=Platform.META,
        progress=Progress(),
        started_at=now - timedelta(seconds=elapsed_s),
        elapsed_s=elapsed_s,
        rate_per_min=None,
        eta_s=None,
        stalled=False,
        stream=None,
    )


def queued(n: int, now: datetime, waiting_s: float, name: str | None = None) -> PendingView:
    return PendingView(
        key=f"set-q{n}",
        job_id=None,
        set_id=f"set-q{n}",
        name=name or f"Queued {n}",
        platform=Platform.GOOGLE,
        created_at=now - timedelta(seconds=waiting_s),
        position=n,
        waiting_s=waiting_s,
        wait_low_s=None,
        wait_high_s=None,
    )


def finished(at: datetime) -> Finished:
    return Finished(at, Platform.META, JobState.COMPLETED, 60.0)


def snapshot(
    now: datetime,
    active: tuple[ActiveView, ...] = (),
    pending: tuple[PendingView, ...] = (),
    done: tuple[Finished, ...] = (),
    *,
    kind: BackendKind = BackendKind.LIVE,
    attempt: int = 0,
) -> Snapshot:
    return Snapshot(
        taken_at=now,
        version=1,
        backend=Backend(kind, attempt=attempt),
        features=Features(),
        polled_at=now,
        active=active,
        pending=pending,
        finished=done,
        loaded=True,
    )


def board(now: datetime, *late: tuple[str, str, str, str]) -> Board:
    """A clients' board whose sets (client key, client name, set name, words) are late, each
    client's with one set up to date beside them."""
    by_client: dict[str, tuple[str, list[SetStatus]]] = {}
    for n, (key, client, name, words) in enumerate(late):
        status = SetStatus(f"late-{n}", name, Platform.REDDIT, SetState.LATE, words)
        by_client.setdefault(key, (client, []))[1].append(status)
    fine = SetStatus("fine", "Fine", Platform.META, SetState.UP_TO_DATE, "Up to date")
    clients = tuple(Client(key, name, (*sets, fine)) for key, (name, sets) in by_client.items())
    return Board(now, clients)


def attempt(
    now: datetime,
    key: str,
    set_n: int,
    state: Outcome,
    began_h: float,
    *,
    platform: Platform = Platform.REDDIT,
    error: str | None = None,
) -> Attempt:
    """A finished attempt of set `set_n` that began `began_h` hours before `now` and ran a
    minute."""
    began = now - timedelta(hours=began_h)
    return Attempt(
        key=key,
        set_id=f"set-{set_n:04d}",
        set_name=f"Set {set_n}",
        platform=platform,
        state=state,
        at=began,
        job_id=key,
        queued_at=began,
        started_at=began,
        finished_at=began + timedelta(minutes=1),
        error=error,
    )


def plant(history: History) -> None:
    """Alerts as the evaluator writes them: two firing (one whose start was held back), one
    ended, and a delivery that failed."""
    now = datetime.now(UTC)
    link = "https://sync.example.com/analysis?window=7d&set=s-1"
    streak = Alert(
        "fails-in-a-row:s-1",
        Rule.FAILS_IN_A_ROW,
        f"{HOSTILE} failed 3 times in a row",
        f"“{HOSTILE}” (Meta) failed its last 3 syncs.",
        link,
        now - timedelta(minutes=20),
        Notice.SENT,
    )
    held = Alert(
        "long-wait",
        Rule.LONG_WAIT,
        "A sync has waited 40 min to start",
        "…",
        "https://x/",
        now - timedelta(minutes=10),
        Notice.HELD,
    )
    over = Alert(
        "nothing-finished",
        Rule.NOTHING_FINISHED,
        "Nothing finished for 45 min",
        "…",
        "https://sync.example.com/",
        now - timedelta(hours=2),
        Notice.SENT,
    )
    store.save(history.engine, Plan(started=(streak, held, over)))
    ended = replace(over, ended_at=now - timedelta(hours=1), resolved=Notice.SENT)
    store.save(history.engine, Plan(ended=(ended,)))
    key = delivery_key(streak, False)
    deliveries.claim(history.engine, KIND, key, "Slack webhook 1", now)
    deliveries.done(history.engine, KIND, key, "Slack webhook 1", "Slack webhook 1 answered 500")
