"""The stream decoder: every frame of dotoro-api.md §3.2, its quirks, and garbage."""

import dataclasses
import json
import random
import string

import pytest

from sync_monitor.dotoro.events import (
    GENERIC_ERROR,
    CampaignError,
    CampaignFailed,
    CampaignSynced,
    Cancelled,
    Completed,
    Connected,
    Heartbeat,
    Malformed,
    ProgressUpdate,
    StreamError,
    Unknown,
    decode_event,
)
from sync_monitor.dotoro.models import JobState, Progress

EVENT_CLASSES = (
    Connected,
    ProgressUpdate,
    CampaignSynced,
    CampaignFailed,
    Completed,
    StreamError,
    Heartbeat,
    Cancelled,
    Unknown,
    Malformed,
)
KNOWN_TYPES = [
    "connected",
    "progress",
    "heartbeat",
    "completed",
    "error",
    "campaign_synced",
    "campaign_failed",
    "cancelled",
]


@pytest.mark.parametrize("state", ["created", "retry", "active", "cancelled"])
def test_connected_carries_job_id_and_state(state: str) -> None:
    event = decode_event("connected", json.dumps({"jobId": "j-1", "state": state}))
    assert event == Connected("j-1", JobState(state))


def test_connected_with_unknown_state_is_not_terminal() -> None:
    event = decode_event("connected", '{"jobId": "j-1", "state": "paused"}')
    assert event == Connected("j-1", JobState.UNKNOWN)


@pytest.mark.parametrize(
    "data", ['{"state": "active"}', '{"jobId": "", "state": "active"}', '{"jobId": "j"}']
)
def test_connected_without_job_id_or_state_is_malformed(data: str) -> None:
    assert isinstance(decode_event("connected", data), Malformed)


def test_first_progress_with_zero_total_is_unknown() -> None:
    event = decode_event("progress", '{"synced": 0, "failed": 0, "total": 0}')
    assert isinstance(event, ProgressUpdate)
    assert not event.progress.known


def test_progress_decodes_counts() -> None:
    event = decode_event("progress", '{"synced":3,"failed":1,"total":10}')
    assert event == ProgressUpdate(Progress(synced=3, failed=1, total=10))


@pytest.mark.parametrize("data", [" ", "", "  ", "{}"])
def test_heartbeat_with_trailing_space_or_any_data(data: str) -> None:
    assert decode_event("heartbeat", data) == Heartbeat()


def test_completed_accepts_live_shape() -> None:
    event = decode_event("completed", '{"synced": 8, "failed": 2, "total": 10}')
    assert event == Completed(Progress(synced=8, failed=2, total=10), 0, ())


def test_completed_accepts_pgboss_output_shape() -> None:
    output = {
        "value": [
            {
                "synced": 5,
                "failed": 1,
                "skipped": 2,
                "errors": [{"campaignId": "c-9", "message": "Budget too low"}, "odd"],
            }
        ]
    }
    event = decode_event("completed", json.dumps(output))
    assert isinstance(event, Completed)
    assert event.progress == Progress(synced=5, failed=1, total=8)
    assert event.skipped == 2
    assert event.errors == (CampaignError("c-9", "Budget too low"),)


@pytest.mark.parametrize(
    "value",
    [[], None, "x", [1], [{"synced": "many"}], [{"synced": 1}, {"synced": 2}]],
)
def test_completed_with_empty_or_odd_output_has_no_progress(value: object) -> None:
    event = decode_event("completed", json.dumps({"value": value}))
    assert event == Completed(None, 0, ())


def test_completed_with_wrong_typed_live_counts_still_completes() -> None:
    assert decode_event("completed", '{"synced": "8", "total": 10}') == Completed(None)


@pytest.mark.parametrize("data", ["null", "[]", "3"])
def test_completed_with_non_object_json_still_completes(data: str) -> None:
    assert decode_event("completed", data) == Completed(None)


def test_error_carries_the_service_message() -> None:
    assert decode_event("error", '{"error": "Job failed"}') == StreamError("Job failed")


@pytest.mark.parametrize("data", ["{}", '{"error": ""}', '{"error": 5}', "null"])
def test_error_without_message_gets_a_generic_one(data: str) -> None:
    assert decode_event("error", data) == StreamError(GENERIC_ERROR)


def test_campaign_synced() -> None:
    data = '{"campaignId": "c1", "platformId": "t3_abc", "synced": 1, "failed": 0, "total": 4}'
    assert decode_event("campaign_synced", data) == CampaignSynced(
        "c1", "t3_abc", Progress(synced=1, failed=0, total=4)
    )


def test_campaign_synced_without_platform_id() -> None:
    event = decode_event("campaign_synced", '{"campaignId": "c1", "platformId": null}')
    assert event == CampaignSynced("c1", None, Progress())


def test_campaign_failed() -> None:
    data = '{"campaignId": "c2", "error": "Rejected", "synced": 1, "failed": 1, "total": 4}'
    assert decode_event("campaign_failed", data) == CampaignFailed(
        "c2", "Rejected", Progress(synced=1, failed=1, total=4)
    )


def test_cancelled_event_of_the_local_api() -> None:
    assert decode_event("cancelled", '{"jobId": "j"}') == Cancelled()


@pytest.mark.parametrize("event_type", ["message", "Progress", "job_paused", "connected "])
def test_unknown_event_types_are_reported_as_unknown(event_type: str) -> None:
    assert decode_event(event_type, '{"synced": 1}') == Unknown(event_type)


def test_default_event_type_reads_as_message() -> None:
    assert decode_event("", "hello") == Unknown("message")


@pytest.mark.parametrize(
    "event_type", ["connected", "progress", "campaign_synced", "campaign_failed", "completed"]
)
@pytest.mark.parametrize("data", ["", " ", "{", "nul", '{"synced": 1', "\x00", "[" * 50_000])
def test_malformed_json_never_raises(event_type: str, data: str) -> None:
    event = decode_event(event_type, data)
    assert isinstance(event, Malformed)
    assert event.event_type == event_type
    assert event.reason


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("progress", '{"synced": [1], "failed": 0, "total": 3}'),
        ("progress", '{"synced": true}'),
        ("progress", '{"total": NaN}'),
        ("progress", "[1, 2]"),
        ("connected", '{"jobId": ["j"], "state": "active"}'),
        ("connected", '{"jobId": "j", "state": 3}'),
        ("campaign_synced", '{"platformId": "x"}'),
        ("campaign_failed", '{"campaignId": "c", "total": "ten"}'),
    ],
)
def test_wrong_types_for_a_known_event_are_malformed(event_type: str, data: str) -> None:
    assert isinstance(decode_event(event_type, data), Malformed)


def _weird_strings(rng: random.Random, count: int) -> list[str]:
    pieces = [
        '{"synced":',
        '"value":[',
        "1e999",
        "-0",
        "NaN",
        "Infinity",
        "null",
        "\ud800",
        "\u202e",
        "\n",
        "\x00",
        "]}",
        '"',
        "\\",
        "9" * 5000,
        "[{",
        ":",
        ",",
        '"errors":[{"campaignId":',
        '"state":"x"',
        '"jobId":',
    ]
    alphabet = string.printable + "é€𝄞"
    out = []
    for _ in range(count):
        parts = [
            rng.choice(pieces) if rng.random() < 0.6 else rng.choice(alphabet)
            for _ in range(rng.randint(0, 12))
        ]
        out.append("".join(parts))
    return out


def test_decoder_never_raises_on_weird_input() -> None:
    rng = random.Random(20251231)
    types = [*KNOWN_TYPES, "", "message", *_weird_strings(rng, 20)]
    payloads = [
        *_weird_strings(rng, 400),
        '{"value": [{"synced": 1e999, "failed": -5, "skipped": null, "errors": {}}]}',
        '{"value": [{"errors": [{"campaignId": null, "message": [1]}]}]}',
        '{"jobId": 12, "state": "ACTIVE"}',
        '{"synced": 1e308, "failed": 1e308, "total": -1e308}',
        '{"error": {"nested": true}}',
    ]
    for event_type in types:
        for data in payloads:
            assert isinstance(decode_event(event_type, data), EVENT_CLASSES), (event_type, data)


def test_events_are_immutable() -> None:
    event = decode_event("error", '{"error": "x"}')
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.message = "y"  # type: ignore[union-attr, misc]
