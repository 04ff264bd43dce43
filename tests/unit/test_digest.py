"""The weekly digest's pure core: the setting read (and refused with a message naming the entry
and field), the schedule in its zone, and the week composed and worded for every channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sync_monitor.digest import render, schedule
from sync_monitor.digest.compose import compose
from sync_monitor.digest.config import Digest, When, parse_when, read
from sync_monitor.digest.facts import Failed, Finished
from sync_monitor.dotoro.models import Platform
from sync_monitor.notify.channels import parse
from sync_monitor.settings import SettingsError, load_settings
from tests.support.clients import Board, Client, late, up_to_date

UTC_ZONE = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")
SECRET = "https://hooks.example.test/services/T0/B0/secret-token"
SET_A = "0f8e7d6c-1111-4222-8333-944455556666"
SET_B = "1a2b3c4d-1111-4222-8333-944455556666"
SET_C = "2b3c4d5e-1111-4222-8333-944455556666"
HOSTILE = "<b>Summer</b> & <@U1> *sale*"
PUBLIC = "https://sync.example.test"


def digest(
    clients: tuple[str, ...] | None = ("Acme Outdoor",), zone: ZoneInfo = UTC_ZONE
) -> Digest:
    return Digest("Acme accounts", clients, parse("email=am@acme.test"), When(0, time(8)), zone)


# -- the setting ---------------------------------------------------------------------------------


def test_reads_a_list_of_digests() -> None:
    text = json.dumps(
        [
            {
                "name": "Acme",
                "clients": ["Acme Outdoor", "acme-2"],
                "to": f"email=a@b.co slack={SECRET}",
                "when": "mon 08:00",
            },
            {
                "name": "Everyone",
                "clients": "*",
                "to": "webhook=http://x.test/h",
                "when": "Friday 17:30",
            },
        ]
    )
    first, second = read(text, PARIS)
    assert first.clients == ("Acme Outdoor", "acme-2")
    assert [c.name for c in first.channels] == ["e-mail to a@b.co", "Slack webhook 1"]
    assert first.when == When(0, time(8, 0))
    assert first.zone is PARIS
    assert second.clients is None
    assert second.when == When(4, time(17, 30))
    assert second.includes("Anyone", "any")
    assert first.includes("ACME OUTDOOR", "x")
    assert first.includes("y", "acme-2")
    assert not first.includes("Globex", "globex")


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("{", "SYNC_MONITOR_DIGESTS: not JSON"),
        ({"name": "x"}, "SYNC_MONITOR_DIGESTS: must be a JSON list"),
        (["x"], "SYNC_MONITOR_DIGESTS: entry 1: must be an object"),
        ([{"name": "A", "clients": "*", "to": "email=a@b.co"}], "entry 1 (when): missing"),
        (
            [{"name": "", "clients": "*", "to": "email=a@b.co", "when": "mon 08:00"}],
            "entry 1 (name)",
        ),
        (
            [{"name": "A", "clients": [], "to": "email=a@b.co", "when": "mon 08:00"}],
            "entry 1 (clients)",
        ),
        (
            [{"name": "A", "clients": "*", "to": "", "when": "mon 08:00"}],
            "entry 1 (to): names no channel",
        ),
        (
            [{"name": "A", "clients": "*", "to": "email=a@b.co", "when": "mon 8"}],
            "entry 1 (when): 'mon 8' is not",
        ),
        (
            [{"name": "A", "clients": "*", "to": "email=a@b.co", "when": "mon 24:00"}],
            "entry 1 (when)",
        ),
        (
            [{"name": "A", "clients": "*", "to": "email=a@b.co", "when": "mon 08:00", "cc": 1}],
            "entry 1: unknown field 'cc'",
        ),
        (
            [
                {"name": "A", "clients": "*", "to": "email=a@b.co", "when": "mon 08:00"},
                {"name": "a", "clients": "*", "to": "email=a@b.co", "when": "tue 08:00"},
            ],
            "entry 2 (name): 'a' is taken",
        ),
    ],
)
def test_a_wrong_digest_names_the_setting_the_entry_and_the_field(
    entries: object, message: str
) -> None:
    text = entries if isinstance(entries, str) else json.dumps(entries)
    with pytest.raises(SettingsError) as caught:
        read(text, UTC_ZONE)
    assert message in str(caught.value)


def test_a_wrong_channel_is_refused_without_repeating_its_url() -> None:
    text = json.dumps([{"name": "A", "clients": "*", "to": f"teams={SECRET}", "when": "mon 08:00"}])
    with pytest.raises(SettingsError) as caught:
        read(text, UTC_ZONE)
    assert str(caught.value).startswith("SYNC_MONITOR_DIGESTS: entry 1 (to): entry 1 is not")
    assert "secret-token" not in str(caught.value)


def test_the_setting_is_a_secret_and_the_zone_is_checked() -> None:
    config = load_settings(environ={"SYNC_MONITOR_DIGESTS": f'[{{"to": "slack={SECRET}"}}]'})
    assert "secret-token" not in repr(config)
    with pytest.raises(SettingsError, match=r"SYNC_MONITOR_DIGEST_TIMEZONE: .*'Mars/Olympus'"):
        load_settings(environ={"SYNC_MONITOR_DIGEST_TIMEZONE": "Mars/Olympus"})


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("mon 08:00", When(0, time(8))),
        ("Sunday 23:59", When(6, time(23, 59))),
        (" WED 7:05 ", When(2, time(7, 5))),
    ],
)
def test_reads_a_weekday_and_a_time(text: str, when: When) -> None:
    assert parse_when(text) == when


# -- the schedule ---------------------------------------------------------------------------------


def test_due_from_its_slot_until_the_week_ends() -> None:
    d = digest()
    monday_slot = datetime(2026, 11, 30, 8, tzinfo=UTC)  # ISO week 49
    assert schedule.due(d, monday_slot - timedelta(seconds=1)) is None
    assert schedule.due(d, monday_slot) == monday_slot
    assert schedule.due(d, datetime(2026, 12, 6, 23, 59, tzinfo=UTC)) == monday_slot  # Sunday
    assert schedule.key(d, monday_slot) == "digest:Acme accounts:2026-W49"
    assert schedule.next_send(d, monday_slot - timedelta(hours=1)) == monday_slot
    assert schedule.next_send(d, monday_slot) == monday_slot + timedelta(days=7)


def test_the_week_covered_is_the_seven_days_before_the_slots_day() -> None:
    covered = schedule.period(datetime(2026, 11, 30, 8, tzinfo=UTC), UTC_ZONE)
    assert covered.start == datetime(2026, 11, 23, tzinfo=UTC)
    assert covered.end == datetime(2026, 11, 30, tzinfo=UTC)
    assert covered.days(UTC_ZONE) == "23 Nov – 29 Nov 2026"
    across = schedule.period(datetime(2027, 1, 4, 8, tzinfo=UTC), UTC_ZONE)
    assert across.days(UTC_ZONE) == "28 Dec 2026 – 3 Jan 2027"


def test_the_slot_is_in_the_digests_zone_across_a_clock_change() -> None:
    d = digest(zone=PARIS)
    # Summer time ends on Sunday 25 Oct 2026 in Paris: Monday 08:00 is 07:00 UTC after it.
    before = schedule.slot(d.when, PARIS, datetime(2026, 10, 20, tzinfo=UTC))
    after = schedule.slot(d.when, PARIS, datetime(2026, 10, 27, tzinfo=UTC))
    assert before.astimezone(UTC) == datetime(2026, 10, 19, 6, tzinfo=UTC)
    assert after.astimezone(UTC) == datetime(2026, 10, 26, 7, tzinfo=UTC)
    # Sunday 23:30 UTC is already Monday in Paris: that week's key.
    assert (
        schedule.key(d, datetime(2026, 11, 29, 23, 30, tzinfo=UTC))
        == "digest:Acme accounts:2026-W49"
    )


# -- the week, composed and worded -------------------------------------------------------------

WEEK = schedule.period(datetime(2026, 11, 30, 8, tzinfo=UTC), UTC_ZONE)
LAST = datetime(2026, 11, 28, 10, tzinfo=UTC)
AT = datetime(2026, 11, 30, 8, tzinfo=UTC)
BOARD = Board(
    AT,
    (
        Client(
            "acme-outdoor",
            "Acme Outdoor",
            (
                late(SET_A, HOSTILE, Platform.REDDIT, AT),
                up_to_date(SET_B, "Winter boots", Platform.META, AT),
            ),
        ),
        Client("globex", "Globex", (late(SET_C, "Globex – Q4", Platform.GOOGLE, AT),)),
    ),
)
FINISHED = [Finished(SET_A, 30, 3), Finished(SET_B, 8, 1), Finished(SET_C, 5, 5)]
FAILED = [
    Failed(
        SET_A,
        "reddit",
        "credentials",
        "reddit ads api error 401: invalid_token",
        2,
        LAST,
        f"Reddit Ads API error 401: invalid_token (request {SET_A})",
    ),
    Failed(
        SET_A,
        "reddit",
        "rate_limit",
        "reddit ads api error 429",
        1,
        LAST,
        "Reddit Ads API error 429",
    ),
    Failed(SET_B, "meta", "unknown", "", 1, LAST, None),
    Failed(SET_C, "google", "outage", "google 503", 5, LAST, "Google 503"),
]


def test_composes_each_clients_week_from_its_own_sets() -> None:
    week = compose(digest(("Acme Outdoor", "Initech")), BOARD, WEEK, FINISHED, FAILED, PUBLIC)
    [acme] = week.clients
    assert (acme.name, acme.completed, acme.failed, acme.finished) == ("Acme Outdoor", 38, 4, 42)
    assert acme.link == f"{PUBLIC}/clients?client=acme-outdoor"
    assert [(c.title, c.failures, c.sets) for c in acme.causes] == [
        ("Expired credentials on Reddit", 2, (HOSTILE,)),
        ("Rate limit on Reddit", 1, (HOSTILE,)),
        ("Unknown on Meta", 1, ("Winter boots",)),
    ]
    assert "Reconnect the ad account" in acme.causes[0].category.advice
    assert "does not report why" in acme.causes[2].category.advice  # no text from the backend
    assert acme.causes[0].error == "Reddit Ads API error 401: invalid_token (request …)"
    assert acme.causes[0].link == (
        f"{PUBLIC}/analysis?window=custom&from=2026-11-23&to=2026-11-29"
        "&platform=reddit&category=credentials"
    )
    assert [(x.set_name, x.platform) for x in acme.late] == [(HOSTILE, "Reddit")]
    assert week.missing == ("Initech",)
    assert week.analysis == f"{PUBLIC}/analysis?window=custom&from=2026-11-23&to=2026-11-29"
    assert week.link == f"{PUBLIC}/digest?digest=Acme+accounts"


def test_the_text_says_the_figures_the_causes_and_the_links_without_an_id() -> None:
    week = compose(digest(None), BOARD, WEEK, FINISHED, FAILED, PUBLIC)
    body = render.text(week)
    assert "The week of 23 Nov – 29 Nov 2026." in body
    assert "42 syncs finished: 90 % succeeded (38 of 42), 4 failed." in body
    assert "- Expired credentials on Reddit: 2 failures in 1 set (" + HOSTILE + ")." in body
    assert "Late now:\n  - " + HOSTILE + " (Reddit): Late: last synced 3 h ago" in body
    assert f"Open Acme Outdoor: {PUBLIC}/clients?client=acme-outdoor" in body
    assert "10 syncs finished: 50 % succeeded (5 of 10), 5 failed." in body  # Globex
    assert body.index("Acme Outdoor") < body.index("Globex")
    assert render.subject(week) == (
        "Weekly digest: Acme accounts, 23 Nov – 29 Nov 2026: 82 % succeeded (43 of 52), "
        "2 sets late now"
    )
    for set_id in (SET_A, SET_B, SET_C):
        assert set_id not in body
        assert set_id not in json.dumps(render.data(week))


def test_the_html_escapes_every_value() -> None:
    week = compose(digest(None), BOARD, WEEK, FINISHED, FAILED, PUBLIC)
    page = render.html(week)
    assert "<b>Summer</b>" not in page
    assert "<@U1>" not in page
    assert "&lt;b&gt;Summer&lt;/b&gt; &amp; &lt;@U1&gt; *sale*" in page
    assert f'<a href="{PUBLIC}/clients?client=acme-outdoor">Acme Outdoor</a>' in page
    assert "category=credentials" in page
    assert "&amp;platform=reddit" in page


def test_the_json_fields_carry_the_same_figures() -> None:
    fields = render.data(compose(digest(None), BOARD, WEEK, FINISHED, FAILED, PUBLIC))
    assert (fields["completed"], fields["failed"]) == (43, 9)
    acme = fields["clients"][0]
    assert acme["success_rate"] == pytest.approx(38 / 42)
    assert acme["causes"][0] == {
        "category": "credentials",
        "label": "Expired credentials",
        "advice": acme["causes"][0]["advice"],
        "platform": "Reddit",
        "failures": 2,
        "sets": [HOSTILE],
        "error": "Reddit Ads API error 401: invalid_token (request …)",
        "link": acme["causes"][0]["link"],
    }
    assert acme["late"] == [
        {
            "set": HOSTILE,
            "platform": "Reddit",
            "words": "Late: last synced 3 h ago, usually every hour",
        }
    ]
    json.dumps(fields)  # all plain JSON


def test_a_week_with_nothing_finished_says_so_and_never_claims_a_rate() -> None:
    week = compose(digest(None), BOARD, WEEK, [], [], PUBLIC)
    assert "No syncs finished this week." in render.text(week)
    assert "no syncs finished" in render.subject(week)
    assert render.data(week)["clients"][0]["success_rate"] is None


def test_a_rate_is_never_rounded_up_to_all() -> None:
    week = compose(digest(None), BOARD, WEEK, [Finished(SET_A, 999, 1)], [], PUBLIC)
    assert "99 % succeeded (999 of 1000)" in render.text(week)
