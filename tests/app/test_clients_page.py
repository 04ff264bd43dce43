"""The Clients page (issue 24) as AppTest runs it against the local API over real HTTP: each
set's state in words from what runs now and the recorded history, search, a client's own link,
and the service as deployed (head)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from dotoro_local import Contract
from sync_monitor import runtime
from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, History, Outcome
from sync_monitor.history.client_queries import own
from sync_monitor.live.snapshot import Owner
from tests.support.apptest import Monitor
from tests.support.waiting import wait_until

Factory = Callable[..., Monitor]
EXPIRED = "Reddit Ads API error 401: invalid_token: access token expired"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
PAGE = "app_pages/clients.py"
SLOW = {"campaigns": 400, "seconds_per_campaign": 0.2}  # running for the whole test


def hourly(set_id: str, name: str, last_h: float) -> list[Attempt]:
    """Six successful hourly syncs of a set, the last `last_h` hours ago."""
    now = datetime.now(UTC)
    found = []
    for n in range(6):
        began = now - timedelta(hours=last_h + n)
        found.append(
            Attempt(
                key=f"job:{set_id}-{n}",
                set_id=set_id,
                set_name=name,
                platform=Platform.GOOGLE,
                state=Outcome.COMPLETED,
                at=began,
                job_id=f"{set_id}-{n}",
                queued_at=began,
                started_at=began,
                finished_at=began + timedelta(minutes=1),
            )
        )
    return found


def recorded(m: Monitor, attempts: list[Attempt], owners: list[Owner]) -> None:
    """Write `attempts` and their sets' `owners` as the recorder does from the API's history
    listing (which the sets planted here have none in)."""
    m.run()  # starts the services
    wait_until(lambda: runtime.services().history() is not None, "the history opened")
    history: History | None = runtime.services().history()
    assert history is not None
    history.record(attempts)
    assert own(history.engine, owners) == {o.set_id for o in owners}


def plain(m: Monitor) -> str:
    """What the page says, its Markdown escapes taken out."""
    return m.texts().replace("\\", "")


def board_shows(m: Monitor, *words: str) -> None:
    """Read the history again and rerun the page until it says every one of `words`."""

    def said() -> bool:
        runtime.services().clients.refresh()
        m.run()
        return all(w in plain(m) for w in words)

    try:
        wait_until(said, f"the clients page saying {words}", timeout=30, every=0.3)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; it says: {m.texts()}") from None


@pytest.fixture
def scene(monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch) -> Monitor:
    """Two clients: Acme (up to date, late, syncing) and Nimbus (failing, waiting)."""
    m = monitor_factory(Contract.PLAN, workers=0)
    acme_ok = m.api.create_set(name="Acme – Search US", platform="google")
    acme_late = m.api.create_set(name="Acme – Video UK", platform="google")
    m.api.create_set(name="Acme – Running DE", platform="reddit", queue=True, behaviour=SLOW)
    m.api.start_next_job()
    nimbus = m.api.create_set(name="Nimbus – Brand US", failed_error=EXPIRED)
    nimbus_wait = m.api.create_set(name="Nimbus – Launch FR", platform="meta", queue=True)
    names = {acme_ok["adAccountId"]: "Acme Outdoor", nimbus["adAccountId"]: "Nimbus Coffee"}
    names[nimbus_wait["adAccountId"]] = "Nimbus Coffee"
    # Acme's reddit account has no name of its own here: its set shows under an unnamed client
    monkeypatch.setenv("SYNC_MONITOR_CLIENT_NAMES", json.dumps(names))
    recorded(
        m,
        hourly(acme_ok["setId"], "Acme – Search US", 0.2)
        + hourly(acme_late["setId"], "Acme – Video UK", 3),
        [Owner(cs["setId"], cs["teamId"], cs["adAccountId"]) for cs in (acme_ok, acme_late)],
    )
    m.wait(lambda s: len(s.active) == 1 and len(s.pending) == 1 and len(s.failed) == 1)
    m.app.switch_page(PAGE)
    return m


def test_each_state_in_words_by_client_with_no_uuid(scene: Monitor) -> None:
    m = scene
    board_shows(
        m,
        "Up to date (synced 12 min ago)",
        "Late: last synced 3 h ago, usually every hour",
        "Failing since",
        ": Reddit needs the account reconnected",
        "Waiting to sync (1st in line)",
        "Syncing now",
    )
    assert not m.app.exception
    assert [e.value for e in m.app.error] == []
    labels = [e.label for e in m.app.expander]
    assert labels == [
        "Acme Outdoor — 1 late · 1 up to date",
        "Nimbus Coffee — 1 failing · 1 waiting",
        "Unnamed client 1 — 1 syncing",
    ]
    assert not UUID.search(m.texts())


def test_search_as_you_type_narrows_to_the_clients_it_finds(scene: Monitor) -> None:
    m = scene
    board_shows(m, "Nimbus Coffee")
    m.app.text_input(key="search").input("launch fr").run()
    assert [e.label for e in m.app.expander] == ["Nimbus Coffee — 1 failing · 1 waiting"]
    assert "Waiting to sync (1st in line)" in plain(m)
    m.app.text_input(key="search").input("no such client").run()
    assert m.app.expander == [] or len(m.app.expander) == 0
    assert "No client or campaign set matches no such client." in plain(m)


def test_a_client_opened_alone_has_its_own_address(scene: Monitor) -> None:
    m = scene
    board_shows(m, "Nimbus Coffee")
    m.app.button(key="open-nimbus-coffee").click()
    m.run()
    assert m.app.query_params["client"] == "nimbus-coffee"
    assert [h.value for h in m.app.subheader] == ["Nimbus Coffee"]
    text = plain(m)
    assert "Nimbus – Brand US" in text
    assert "Acme" not in text
    assert [c.value for c in m.app.code] == ["?client=nimbus-coffee"]  # AppTest has no URL
    # The address opened later, as sent: the same client alone.
    m.app.query_params["client"] = "acme-outdoor"
    m.run()
    assert [h.value for h in m.app.subheader] == ["Acme Outdoor"]
    m.app.query_params["client"] = "gone-client"
    m.run()
    assert "No client is called gone-client here" in plain(m)
    assert len(m.app.expander) == 3


def test_the_service_as_deployed_from_what_the_polls_and_the_history_saw(
    monitor_factory: Factory,
) -> None:
    m = monitor_factory(Contract.HEAD, workers=0)
    m.api.create_set(name="Acme – Search US", failed_error=EXPIRED)
    m.api.create_set(name="Acme – Running DE", platform="meta", queue=True, behaviour=SLOW)
    m.api.start_next_job()
    m.run()
    m.wait(lambda s: len(s.active) == 1 and len(s.failed) == 1)
    m.app.switch_page(PAGE)
    # The service lists sets, with no progress, no reason and no owner (dotoro-api.md §3.4):
    # the history's first sighting says since when it fails.
    board_shows(m, "Syncing now", "Failing since", ": the reason was not given")
    assert [e.label for e in m.app.expander] == ["All campaign sets — 1 failing · 1 syncing"]
    assert "Syncing now (" not in plain(m)  # no invented percentage
    assert not m.app.exception


def test_an_unreachable_history_is_said_and_what_runs_now_is_still_shown(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = monitor_factory(Contract.PLAN, workers=0)
    # Nothing listens on port 1: the database is down from the start.
    monkeypatch.setenv("SYNC_MONITOR_HISTORY_URL", "postgresql://monitor:s3cret@127.0.0.1:1/h")
    m.api.create_set(name="Acme – Launch FR", platform="meta", queue=True)
    m.run()
    m.wait(lambda s: len(s.pending) == 1)
    runtime.services().recorder.wait_tried(10)
    m.app.switch_page(PAGE)
    m.run()
    [warning] = [w.value for w in m.app.warning]
    assert warning.startswith("The sync history cannot be read (")
    assert "s3cret" not in plain(m)
    assert "Waiting to sync (1st in line)" in plain(m)
    assert "Reading the sync history" not in plain(m)
    assert not m.app.exception
    assert [e.value for e in m.app.error] == []
