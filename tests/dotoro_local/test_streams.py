"""The exact SSE bytes of every sequence in dotoro-api.md §3.2, read over real HTTP."""

from __future__ import annotations

import json

import pytest
import requests
import sseclient

from dotoro_local import Contract
from tests.support.local_api import Api, RawStream, frames, quiet_config, running

UNKNOWN = "00000000-0000-4000-8000-000000000000"
FAST = {"campaigns": 3, "seconds_per_campaign": 0.05}


def stream_path(cs: dict[str, str]) -> str:
    return f"/api/v1/campaign-sets/{cs['setId']}/sync-stream?jobId={cs['jobId']}"


def test_stream_headers_and_chunked_encoding(api: Api) -> None:
    api.set_workers(0)
    cs = api.create_set(name="x", queue=True)
    stream = RawStream(api.url, stream_path(cs))
    try:
        headers = {k.lower(): v for k, v in stream.response.getheaders()}
        assert stream.response.status == 200
        assert headers["content-type"] == "text/event-stream"
        assert headers["cache-control"] == "no-cache"
        assert headers["transfer-encoding"] == "chunked"
    finally:
        stream.close()


def test_head_live_sequence_bytes(head: Api) -> None:
    head.set_workers(0)
    cs = head.create_set(name="x", queue=True, behaviour=FAST)
    stream = RawStream(head.url, stream_path(cs))
    connected = f'event: connected\ndata: {{"jobId":"{cs["jobId"]}","state":"created"}}\n\n'
    assert stream.read_until(b"\n\n") == connected.encode()
    head.set_workers(1)
    assert (
        stream.read_to_end()
        == (
            connected
            + 'event: progress\ndata: {"synced":0,"failed":0,"total":0}\n\n'
            + 'event: completed\ndata: {"synced":3,"failed":0,"total":3}\n\n'
        ).encode()
    )


def test_plan_live_sequence_has_ids_and_campaign_events(plan: Api) -> None:
    plan.set_workers(0)
    cs = plan.create_set(
        name="x",
        queue=True,
        behaviour={**FAST, "fail_campaigns": [1], "campaign_error": "Ad rejected"},
    )
    stream = RawStream(plan.url, stream_path(cs))
    stream.read_until(b"\n\n")
    plan.set_workers(1)
    body = stream.read_to_end().decode()
    prefix = cs["jobId"][:8]
    assert body == (
        f'event: connected\ndata: {{"jobId":"{cs["jobId"]}","state":"created"}}\n\n'
        'event: progress\ndata: {"synced":0,"failed":0,"total":3}\nid: 1\n\n'
        f'event: campaign_synced\ndata: {{"campaignId":"{prefix}-c0000","platformId":'
        '"reddit_0","synced":1,"failed":0,"total":3}\nid: 2\n\n'
        f'event: campaign_failed\ndata: {{"campaignId":"{prefix}-c0001","error":"Ad rejected",'
        '"synced":1,"failed":1,"total":3}\nid: 3\n\n'
        f'event: campaign_synced\ndata: {{"campaignId":"{prefix}-c0002","platformId":'
        '"reddit_2","synced":2,"failed":1,"total":3}\nid: 4\n\n'
        'event: completed\ndata: {"synced":2,"failed":1,"total":3}\nid: 5\n\n'
    )


def test_heartbeat_is_an_event_with_empty_data_and_trailing_space(contract: Contract) -> None:
    with running(quiet_config(contract=contract, heartbeat_seconds=0.2, workers=0)) as api:
        cs = api.create_set(name="x", queue=True)
        stream = RawStream(api.url, stream_path(cs))
        try:
            body = stream.read_until(b"event: heartbeat\ndata: \n\n", timeout=3)
            assert body.endswith(b"\n\nevent: heartbeat\ndata: \n\n")
        finally:
            stream.close()


def test_late_attach_to_completed_job_in_head_gets_pgboss_output(head: Api) -> None:
    cs = head.create_set(
        name="x", queue=True, behaviour={**FAST, "fail_campaigns": [0], "campaign_error": "bad bid"}
    )
    head.wait_state(cs["jobId"], "completed")
    body = RawStream(head.url, stream_path(cs)).read_to_end()
    expected = {
        "value": [
            {
                "synced": 2,
                "failed": 1,
                "skipped": 0,
                "errors": [{"campaignId": f"{cs['jobId'][:8]}-c0000", "message": "bad bid"}],
            }
        ]
    }
    assert (
        body
        == f"event: completed\ndata: {json.dumps(expected, separators=(',', ':'))}\n\n".encode()
    )


def test_late_attach_to_completed_job_in_plan_gets_counts(plan: Api) -> None:
    cs = plan.create_set(name="x", queue=True, behaviour=FAST)
    plan.wait_state(cs["jobId"], "completed")
    body = RawStream(plan.url, stream_path(cs)).read_to_end()
    assert body == b'event: completed\ndata: {"synced":3,"failed":0,"total":3}\nid: 5\n\n'


def test_late_attach_to_failed_job(head: Api) -> None:
    cs = head.create_set(name="x", failed_error="Token expired")
    body = RawStream(head.url, stream_path(cs)).read_to_end()
    assert body == b'event: error\ndata: {"error":"Job failed"}\n\n'


def test_error_closes_the_stream_then_reconnect_sees_retry_state(
    api: Api, contract: Contract
) -> None:
    api.set_workers(0)
    message = "Reddit Ads API error 429: Too Many Requests"
    cs = api.create_set(
        name="x",
        queue=True,
        behaviour={
            "campaigns": 2,
            "seconds_per_campaign": 0.05,
            "fail_attempts": 1,
            "fail_after": 1,
            "fail_message": message,
        },
    )
    stream = RawStream(api.url, stream_path(cs))
    stream.read_until(b"\n\n")
    api.start_next_job()  # no worker is left for its retry, which therefore stays queued
    sent = frames(stream.read_to_end())
    plan = contract is Contract.PLAN
    assert [f.split("\n")[0] for f in sent] == [
        "event: connected",
        "event: progress",
        *(["event: campaign_synced"] if plan else []),
        "event: error",
    ]
    assert sent[-1] == f'event: error\ndata: {{"error":"{message}"}}' + ("\nid: 3" if plan else "")
    assert api.job_state(cs["jobId"]) == "retry"
    again = RawStream(api.url, stream_path(cs))
    try:
        assert again.read_until(b"\n\n") == (
            f'event: connected\ndata: {{"jobId":"{cs["jobId"]}","state":"retry"}}\n\n'.encode()
        )
    finally:
        again.close()
    api.set_workers(1)
    assert api.wait_state(cs["jobId"], "completed") == "completed"


def test_stream_ends_silently_at_the_timeout(contract: Contract) -> None:
    config = quiet_config(
        contract=contract, stream_timeout_seconds=0.6, heartbeat_seconds=0.1, workers=0
    )
    with running(config) as api:
        cs = api.create_set(name="x", queue=True)
        # read_to_end returns only once the server has ended the response.
        first, *rest = frames(RawStream(api.url, stream_path(cs)).read_to_end())
        assert first == f'event: connected\ndata: {{"jobId":"{cs["jobId"]}","state":"created"}}'
        assert rest  # heartbeats kept it open until the timeout
        assert set(rest) == {"event: heartbeat\ndata: "}  # and then nothing, no terminal event
        assert api.job_state(cs["jobId"]) == "created"


def test_cancelled_job_in_head_gives_connected_then_only_heartbeats() -> None:
    config = quiet_config(
        contract=Contract.HEAD, stream_timeout_seconds=0.6, heartbeat_seconds=0.1, workers=0
    )
    with running(config) as api:
        cs = api.create_set(name="x", queue=True)
        api.server.call(lambda engine: engine.cancel(cs["jobId"]))
        first, *rest = frames(RawStream(api.url, stream_path(cs)).read_to_end())
        assert first == (f'event: connected\ndata: {{"jobId":"{cs["jobId"]}","state":"cancelled"}}')
        assert rest
        assert set(rest) == {"event: heartbeat\ndata: "}


def test_cancel_in_plan_ends_the_stream_with_a_cancelled_event(plan: Api) -> None:
    plan.set_workers(0)
    cs = plan.create_set(name="x", queue=True)
    stream = RawStream(plan.url, stream_path(cs))
    stream.read_until(b"\n\n")
    assert plan.post(f"/api/v1/sync/{cs['jobId']}/cancel").status_code == 200
    expected = f'event: cancelled\ndata: {{"jobId":"{cs["jobId"]}","state":"cancelled"}}\nid: 1'
    assert stream.read_to_end().endswith(expected.encode() + b"\n\n")


def test_last_event_id_resumes_where_the_client_left(plan: Api) -> None:
    plan.set_workers(0)
    cs = plan.create_set(
        name="x", queue=True, behaviour={"campaigns": 6, "seconds_per_campaign": 0.05}
    )
    first = RawStream(plan.url, stream_path(cs))
    first.read_until(b"\n\n")
    plan.set_workers(1)
    first.read_until(b"id: 2\n\n")
    first.close()
    plan.wait_state(cs["jobId"], "completed")
    rest = RawStream(plan.url, stream_path(cs), headers={"Last-Event-ID": "2"}).read_to_end()
    ids = [int(line[4:]) for line in rest.decode().splitlines() if line.startswith("id: ")]
    assert ids == [3, 4, 5, 6, 7, 8]
    assert rest.endswith(b'event: completed\ndata: {"synced":6,"failed":0,"total":6}\nid: 8\n\n')


def assert_json_error(response: requests.Response, status: int, body: object) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == body


def missing_job_id(problem: str) -> dict[str, object]:
    return {
        "error": "Invalid or missing jobId query parameter",
        "code": "VALIDATION_ERROR",
        "details": {"errors": {"jobId": [problem]}},
    }


INVALID_SET_ID = {
    "error": "Invalid setId format",
    "code": "VALIDATION_ERROR",
    "details": {"errors": {"setId": ["Invalid uuid"]}},
}
JOB_NOT_FOUND = {"error": "Job not found", "code": "NOT_FOUND"}
ACCESS_DENIED = {"error": "Access denied to this job", "code": "FORBIDDEN"}


def set_not_found(set_id: str) -> dict[str, object]:
    """createNotFoundError("Campaign set", id) of the service (§3.2)."""
    return {
        "error": f"Campaign set with id '{set_id}' not found",
        "code": "NOT_FOUND",
        "details": {"resource": "Campaign set", "id": set_id},
    }


def test_stream_with_a_bad_set_id_answers_the_validation_body_not_zod(api: Api) -> None:
    response = api.get(f"/api/v1/campaign-sets/nope/sync-stream?jobId={UNKNOWN}")
    assert_json_error(response, 400, INVALID_SET_ID)


def test_stream_without_a_job_id_answers_required(api: Api) -> None:
    cs = api.create_set(name="x")
    response = api.get(f"/api/v1/campaign-sets/{cs['setId']}/sync-stream")
    assert_json_error(response, 400, missing_job_id("Required"))


@pytest.mark.parametrize("job_id", ["42", "", UNKNOWN + "0"])
def test_stream_with_a_bad_job_id_answers_must_be_a_valid_uuid(api: Api, job_id: str) -> None:
    cs = api.create_set(name="x")
    response = api.get(f"/api/v1/campaign-sets/{cs['setId']}/sync-stream?jobId={job_id}")
    assert_json_error(response, 400, missing_job_id("jobId must be a valid UUID"))


def test_stream_of_an_unknown_set_answers_create_not_found_error(api: Api) -> None:
    response = api.get(f"/api/v1/campaign-sets/{UNKNOWN}/sync-stream?jobId={UNKNOWN}")
    assert_json_error(response, 404, set_not_found(UNKNOWN))


def test_stream_of_an_unknown_job_answers_job_not_found(api: Api) -> None:
    cs = api.create_set(name="x")
    response = api.get(f"/api/v1/campaign-sets/{cs['setId']}/sync-stream?jobId={UNKNOWN}")
    assert_json_error(response, 404, JOB_NOT_FOUND)


def test_stream_of_a_job_of_another_set_answers_access_denied(api: Api) -> None:
    api.set_workers(0)
    cs = api.create_set(name="x")
    other = api.create_set(name="y", queue=True)
    response = api.get(f"/api/v1/campaign-sets/{cs['setId']}/sync-stream?jobId={other['jobId']}")
    assert_json_error(response, 403, ACCESS_DENIED)


def test_stream_checks_run_in_the_services_order(api: Api) -> None:
    """setId format, then jobId, then the set, then the job (§3.2): the first failure answers."""
    stream = "/api/v1/campaign-sets/{}/sync-stream"
    bad_set_and_no_job = api.get(stream.format("nope"))
    assert_json_error(bad_set_and_no_job, 400, INVALID_SET_ID)
    unknown_set_and_bad_job = api.get(stream.format(UNKNOWN) + "?jobId=42")
    assert_json_error(unknown_set_and_bad_job, 400, missing_job_id("jobId must be a valid UUID"))
    unknown_set_and_job = api.get(stream.format(UNKNOWN) + f"?jobId={UNKNOWN}")
    assert_json_error(unknown_set_and_job, 404, set_not_found(UNKNOWN))


def test_sseclient_reader_gets_events_while_the_job_runs(plan: Api) -> None:
    """Chunked delivery: each event arrives as written, not at the end of the response."""
    plan.set_workers(0)
    cs = plan.create_set(
        name="x", queue=True, behaviour={"campaigns": 40, "seconds_per_campaign": 0.1}
    )
    response = requests.get(plan.url + stream_path(cs), stream=True, timeout=(5, 45))
    try:
        events = sseclient.SSEClient(iter(response)).events()
        assert next(events).event == "connected"
        plan.set_workers(1)
        seen = [next(events).event for _ in range(2)]
        assert plan.job_state(cs["jobId"]) == "active"  # the job is still running
    finally:
        response.close()
    assert seen == ["progress", "campaign_synced"]


def test_fault_drop_after_events_ends_the_stream_mid_job(plan: Api) -> None:
    plan.set_faults(drop_after_events=3)
    plan.set_workers(0)
    cs = plan.create_set(
        name="x", queue=True, behaviour={"campaigns": 50, "seconds_per_campaign": 0.02}
    )
    stream = RawStream(plan.url, stream_path(cs))
    stream.read_until(b"\n\n")
    plan.set_workers(1)
    sent = frames(stream.read_to_end())
    assert [f.split("\n")[0] for f in sent] == [
        "event: connected",
        "event: progress",
        "event: campaign_synced",
    ]


def test_fault_malformed_events_are_sent_after_connected(api: Api) -> None:
    api.set_faults(malformed_events=True)
    api.set_workers(0)
    cs = api.create_set(name="x", queue=True)
    stream = RawStream(api.url, stream_path(cs))
    try:
        body = stream.read_until(b"event: mystery")
        assert b'event: progress\ndata: {"synced": 3, oops\n\n' in body
    finally:
        stream.close()


def test_fault_stalled_stream_sends_no_heartbeats() -> None:
    config = quiet_config(heartbeat_seconds=0.1, stream_timeout_seconds=0.8, workers=0)
    with running(config) as api:
        api.set_faults(stall_streams=True)
        cs = api.create_set(name="x", queue=True)
        body = RawStream(api.url, stream_path(cs)).read_to_end()
        assert body.count(b"\n\n") == 1
        assert body.startswith(b"event: connected")


def test_fault_slow_responses(api: Api) -> None:
    api.set_faults(delay_seconds=0.5)
    with pytest.raises(requests.ReadTimeout):
        api.session.get(api.url + "/api/v1/sync/status", timeout=(5, 0.05))
    assert api.get("/_local/info").status_code == 200  # only /api/ routes are slowed
    api.set_faults(delay_seconds=0.0)
    assert api.get("/api/v1/sync/status").status_code == 200
