"""Models of the Dotoro payloads: tolerant parsing and the quirks of dotoro-api.md §3.4."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from sync_monitor.dotoro.errors import parse_error_body, parse_retry_after
from sync_monitor.dotoro.models import (
    CancelResult,
    HistoryPage,
    JobDetail,
    JobState,
    Platform,
    Progress,
    QueuedJob,
    StatusSummary,
    SyncJob,
)

SET_ID = "11111111-1111-4111-8111-111111111111"
JOB_ID = "22222222-2222-4222-8222-222222222222"


def service_row(**overrides: Any) -> dict[str, Any]:
    """A SyncJob row as the real service fills it today (§3.4): id is the set id, zeros."""
    row: dict[str, Any] = {
        "id": SET_ID,
        "campaignSetId": SET_ID,
        "campaignSetName": "Spring sale",
        "platform": "reddit",
        "state": "active",
        "progress": {"synced": 0, "failed": 0, "total": 0},
        "createdAt": "2025-12-31T10:00:00.000Z",
    }
    row.update(overrides)
    return row


@pytest.mark.parametrize("raw", ["facebook", "Facebook", "FACEBOOK", "meta", "Meta", " meta "])
def test_facebook_is_meta(raw: str) -> None:
    assert SyncJob.model_validate(service_row(platform=raw)).platform is Platform.META


@pytest.mark.parametrize("raw", ["tiktok", "", None, 42, ["reddit"]])
def test_unknown_platform_is_other(raw: object) -> None:
    assert SyncJob.model_validate(service_row(platform=raw)).platform is Platform.OTHER


def test_platform_is_case_insensitive_and_callable_directly() -> None:
    assert Platform("Google") is Platform.GOOGLE
    assert Platform("facebook") is Platform.META


def test_platform_labels() -> None:
    labels = [p.label for p in (Platform.REDDIT, Platform.GOOGLE, Platform.META, Platform.OTHER)]
    assert labels == ["Reddit", "Google", "Meta", "Other"]


@pytest.mark.parametrize(
    ("state", "final"),
    [
        (JobState.CREATED, False),
        (JobState.RETRY, False),
        (JobState.ACTIVE, False),
        (JobState.COMPLETED, True),
        (JobState.CANCELLED, True),
        (JobState.FAILED, True),
        (JobState.UNKNOWN, False),
    ],
)
def test_only_completed_cancelled_failed_are_final(state: JobState, final: bool) -> None:
    assert state.final is final


@pytest.mark.parametrize("raw", ["syncing", "conflict", None, 7])
def test_unknown_job_state_does_not_break_parsing(raw: object) -> None:
    job = SyncJob.model_validate(service_row(state=raw))
    assert job.state is JobState.UNKNOWN
    assert not job.state.final


def test_job_state_ignores_case() -> None:
    assert SyncJob.model_validate(service_row(state="Failed")).state is JobState.FAILED


def test_zero_total_means_progress_unknown() -> None:
    progress = Progress(synced=0, failed=0, total=0)
    assert not progress.known
    assert progress.fraction is None


def test_progress_fraction_and_done() -> None:
    progress = Progress(synced=2, failed=1, total=4)
    assert progress.known
    assert progress.done == 3
    assert progress.fraction == pytest.approx(0.75)


def test_progress_fraction_is_clamped_to_one() -> None:
    assert Progress(synced=9, failed=3, total=10).fraction == 1.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"synced": -3, "failed": "x", "total": "7"}, (0, 0, 7)),
        ({"synced": 2.9, "failed": True, "total": float("nan")}, (2, 0, 0)),
        ({"synced": None, "failed": [1], "total": {}}, (0, 0, 0)),
        ({}, (0, 0, 0)),
        (None, (0, 0, 0)),
        ("garbage", (0, 0, 0)),
    ],
)
def test_garbage_counts_read_as_zero(raw: object, expected: tuple[int, int, int]) -> None:
    progress = SyncJob.model_validate(service_row(progress=raw)).progress
    assert (progress.synced, progress.failed, progress.total) == expected


def test_missing_progress_defaults_to_zeros() -> None:
    row = service_row()
    del row["progress"]
    assert SyncJob.model_validate(row).progress == Progress()


def test_service_row_parses_with_camel_case_aliases() -> None:
    job = SyncJob.model_validate(service_row(extra="ignored"))
    assert job.campaign_set_id == SET_ID
    assert job.campaign_set_name == "Spring sale"
    assert job.state is JobState.ACTIVE
    assert job.created_at == datetime(2025, 12, 31, 10, tzinfo=UTC)
    assert job.started_at is None
    assert job.error is None


def test_job_id_unknown_when_id_is_campaign_set_id() -> None:
    assert SyncJob.model_validate(service_row()).job_id is None


def test_job_id_known_when_id_differs_from_set_id() -> None:
    assert SyncJob.model_validate(service_row(id=JOB_ID)).job_id == JOB_ID


def test_naive_timestamps_are_taken_as_utc() -> None:
    job = SyncJob.model_validate(
        service_row(createdAt="2025-12-31T10:00:00", startedAt="2025-12-31T10:01:00")
    )
    assert job.created_at.utcoffset() == timedelta(0)
    assert job.started_at == datetime(2025, 12, 31, 10, 1, tzinfo=UTC)


def test_offset_timestamps_keep_their_instant() -> None:
    job = SyncJob.model_validate(service_row(createdAt="2025-12-31T12:00:00+02:00"))
    assert job.created_at == datetime(2025, 12, 31, 10, tzinfo=UTC)


def test_null_name_and_blank_dates_are_tolerated() -> None:
    job = SyncJob.model_validate(service_row(campaignSetName=None, completedAt="", error=""))
    assert job.campaign_set_name == ""
    assert job.completed_at is None
    assert job.error is None


def test_fields_can_be_given_by_python_name() -> None:
    created = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    job = SyncJob(id=JOB_ID, campaign_set_id=SET_ID, platform=Platform.GOOGLE, created_at=created)
    assert job.job_id == JOB_ID
    assert job.created_at == created


@pytest.mark.parametrize("payload", [{}, {"active": None, "pending": None, "failed": None}])
def test_status_summary_missing_lists_are_empty(payload: dict[str, Any]) -> None:
    summary = StatusSummary.model_validate(payload)
    assert (summary.active, summary.pending, summary.failed) == ([], [], [])


def test_status_summary_reads_each_list() -> None:
    summary = StatusSummary.model_validate(
        {"active": [service_row()], "pending": [service_row(id=JOB_ID)], "failed": []}
    )
    assert [j.job_id for j in summary.active + summary.pending] == [None, JOB_ID]


def test_queued_job_reads_202_body() -> None:
    queued = QueuedJob.model_validate_json(
        json.dumps({"jobId": JOB_ID, "status": "queued", "message": "Sync job queued"})
    )
    assert (queued.job_id, queued.status, queued.message) == (JOB_ID, "queued", "Sync job queued")


def test_queued_job_without_message() -> None:
    assert QueuedJob.model_validate({"jobId": JOB_ID, "status": "queued"}).message == ""


def test_job_detail_reads_contract_example() -> None:
    detail = JobDetail.model_validate(
        {
            "id": JOB_ID,
            "name": "sync-campaign-set",
            "state": "failed",
            "data": {"campaignSetId": SET_ID, "platform": "reddit"},
            "output": {"name": "Error", "message": "boom", "stack": "..."},
            "error": "boom",
            "createdAt": "2025-12-31T10:00:00Z",
            "startedAt": "2025-12-31T10:00:05Z",
        }
    )
    assert detail.state is JobState.FAILED
    assert detail.data["campaignSetId"] == SET_ID
    assert detail.output["message"] == "boom"
    assert detail.error == "boom"
    assert detail.completed_at is None
    assert detail.started_at == datetime(2025, 12, 31, 10, 0, 5, tzinfo=UTC)


def test_job_detail_error_as_serialized_error_object() -> None:
    detail = JobDetail.model_validate({"id": JOB_ID, "error": {"name": "E", "message": "boom"}})
    assert detail.error == "boom"
    assert detail.data == {}
    assert detail.created_at is None


def test_cancel_result() -> None:
    result = CancelResult.model_validate({"jobId": JOB_ID, "state": "cancelled"})
    assert (result.job_id, result.state) == (JOB_ID, JobState.CANCELLED)


def test_history_page_reads_jobs_and_cursor() -> None:
    page = HistoryPage.model_validate(
        {"jobs": [service_row(id=JOB_ID, state="completed")], "nextCursor": "abc"}
    )
    assert page.next_cursor == "abc"
    assert page.jobs[0].state is JobState.COMPLETED


def test_history_last_page_has_no_cursor() -> None:
    assert HistoryPage.model_validate({"jobs": [], "nextCursor": None}).next_cursor is None


def test_error_body_standard_shape() -> None:
    body = '{"error": "Job not found", "code": "NOT_FOUND"}'
    assert parse_error_body(404, body) == ("NOT_FOUND", "Job not found")


def test_error_body_without_code_takes_code_from_status() -> None:
    assert parse_error_body(403, '{"error": "Not a member of this team"}') == (
        "FORBIDDEN",
        "Not a member of this team",
    )


def test_error_body_zod_shape_is_validation_error() -> None:
    body = (
        '{"success": false, "error": {"issues": [{"code": "invalid_string", "validation": "uuid",'
        ' "message": "Invalid uuid", "path": ["setId"]}, {"message": "Required", "path": []}],'
        ' "name": "ZodError"}}'
    )
    assert parse_error_body(400, body) == ("VALIDATION_ERROR", "setId: Invalid uuid; Required")


def test_error_body_zod_issues_in_message_string() -> None:
    issues = json.dumps([{"message": "Bad", "path": ["jobId"]}])
    body = json.dumps({"success": False, "error": {"name": "ZodError", "message": issues}})
    assert parse_error_body(400, body) == ("VALIDATION_ERROR", "jobId: Bad")


def test_error_body_rate_limited() -> None:
    body = (
        '{"error": "Too many requests. Please retry after 1 minute.",'
        ' "code": "TOO_MANY_REQUESTS", "retryAfter": 60}'
    )
    code, message = parse_error_body(429, body)
    assert code == "TOO_MANY_REQUESTS"
    assert message.startswith("Too many requests")


def test_html_502_body_gives_generic_message_not_html() -> None:
    code, message = parse_error_body(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
    assert code == "INTERNAL_ERROR"
    assert "<" not in message
    assert "502" in message


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (401, "UNAUTHORIZED"),
        (403, "FORBIDDEN"),
        (404, "NOT_FOUND"),
        (429, "TOO_MANY_REQUESTS"),
        (500, "INTERNAL_ERROR"),
        (503, "INTERNAL_ERROR"),
        (418, "HTTP_418"),
    ],
)
@pytest.mark.parametrize("body", ["", "not json", "[1, 2]", '"text"', "{}", "[" * 100_000])
def test_unreadable_body_code_comes_from_status(status: int, code: str, body: str) -> None:
    got_code, message = parse_error_body(status, body)
    assert got_code == code
    assert message
    assert body not in message or body == ""


def test_retry_after_from_body() -> None:
    assert parse_retry_after('{"retryAfter": 60}', "5") == 60.0


@pytest.mark.parametrize(
    "body", ["", "<html/>", "{}", '{"retryAfter": -1}', '{"retryAfter": true}']
)
def test_retry_after_falls_back_to_header(body: str) -> None:
    assert parse_retry_after(body, " 12 ") == 12.0


@pytest.mark.parametrize("header", [None, "", "soon", "-3", "NaN", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_retry_after_unknown(header: str | None) -> None:
    assert parse_retry_after("", header) is None
