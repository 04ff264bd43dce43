"""The weekly digest as the monitor runs it: `assemble` starts its sender where the history is
recorded, and it sends a due digest once the clients' board has read the history, to a real
HTTP receiver; a wrong SYNC_MONITOR_DIGESTS stops start-up before anything starts."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync_monitor.assembly import assemble
from sync_monitor.digest.config import WEEKDAYS
from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, History, Outcome, deliveries
from sync_monitor.history.client_queries import own
from sync_monitor.live.snapshot import Owner
from sync_monitor.settings import Settings, SettingsError, load_settings
from tests.support.local_api import Api
from tests.support.receiver import Receiver, receiver  # noqa: F401 (fixture)

TENT = "0f8e7d6c-1111-4222-8333-944455556666"


def seeded(tmp_path: Path) -> str:
    """A history with one set of Acme Outdoor's, synced twice and failed once two days ago."""
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    began = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    began -= timedelta(days=2)
    states = [Outcome.COMPLETED, Outcome.COMPLETED, Outcome.FAILED]
    with History.open(url) as history:
        history.record(
            [
                Attempt(
                    key=f"job:{n}",
                    set_id=TENT,
                    set_name="Tents",
                    platform=Platform.REDDIT,
                    state=state,
                    at=began + timedelta(minutes=n),
                    job_id=str(n),
                    finished_at=began + timedelta(minutes=n, seconds=30),
                    error="Reddit Ads API error 429: too many requests"
                    if state.value == "failed"
                    else None,
                )
                for n, state in enumerate(states)
            ]
        )
        own(history.engine, [Owner(TENT, None, "acct-acme")])
    return url


def settings(tmp_path: Path, history_url: str, digests: str) -> Settings:
    return load_settings(
        environ={
            "SYNC_MONITOR_HISTORY_URL": history_url,
            "SYNC_MONITOR_AUDIT_PATH": str(tmp_path / "audit.sqlite3"),
            "SYNC_MONITOR_CLIENT_NAMES": json.dumps({"acct-acme": "Acme Outdoor"}),
            "SYNC_MONITOR_PUBLIC_URL": "https://sync.example.test",
            "SYNC_MONITOR_POLL_SECONDS": "0.5",
            "SYNC_MONITOR_DIGESTS": digests,
        }
    )


def test_the_assembled_monitor_sends_a_due_digest_once_it_knows_the_clients(
    api: Api,
    tmp_path: Path,
    receiver: Receiver,  # noqa: F811
) -> None:
    today = WEEKDAYS[datetime.now(UTC).weekday()]  # at 00:00 today: due since midnight
    digests = json.dumps(
        [
            {
                "name": "Acme",
                "clients": ["Acme Outdoor"],
                "to": f"webhook={receiver.url}/json",
                "when": f"{today} 00:00",
            }
        ]
    )
    config = settings(tmp_path, seeded(tmp_path), digests)
    parts = assemble(config, api.url)
    try:
        assert parts.digests is not None
        assert "digest-scheduler" in [t.name for t in threading.enumerate()]
        [post] = receiver.wait(1, "/json", limit=30)
        body = post.json()
        assert body["digest"] == "Acme"
        [client] = body["clients"]
        assert (client["name"], client["completed"], client["failed"]) == ("Acme Outdoor", 2, 1)
        assert client["causes"][0]["label"] == "Rate limit"
        assert client["link"] == "https://sync.example.test/clients?client=acme-outdoor"
        history = parts.recorder.history
        assert history is not None
        [delivery] = deliveries.recent(history.engine, "digest")
        assert (delivery.channel, delivery.outcome) == ("JSON webhook 1", "sent")
    finally:
        parts.stop()
    assert "digest-scheduler" not in [t.name for t in threading.enumerate()]
    assert len(receiver.received()) == 1


def test_a_wrong_digest_stops_start_up_before_anything_starts(api: Api, tmp_path: Path) -> None:
    config = settings(tmp_path, seeded(tmp_path), '[{"name": "Acme"}]')
    before = {t.name for t in threading.enumerate()}
    with pytest.raises(SettingsError, match=r"SYNC_MONITOR_DIGESTS: entry 1 \(clients\): missing"):
        assemble(config, api.url)
    assert {t.name for t in threading.enumerate()} == before
