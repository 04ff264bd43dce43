"""The exact SSE bytes of every sequence in dotoro-api.md §3.2, read over real HTTP."""

from __future__ import annotations

import json
import time

import requests
import sseclient

from sync_monitor.local_api import Contract
from tests.local_api_helpers import Api, RawStream, quiet_config, running

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


def test_error_closes_the_stream_then_reconnect_sees_retry_state(api: Api) -> None:
    cs = api.create_set(
        name="x",
        queue=True,
        behaviour={
            "campaigns": 4,
            "seconds_per_campaign": 0.15,
            "fail_attempts": 1,
            "fail_after": 2,
            "fail_message": "Reddit Ads API error 429: Too Many Requests",
        },
    )
    api.wait_state(cs["jobId"], "active")
    stream = RawStream(api.url, stream_path(cs))
    stream.read_until(b"\n\n")
    api.set_workers(0)  # so the retry stays queued long enough to be seen
    body = stream.read_to_end()
    assert body.endswith(
        b'event: error\ndata: {"error":"Reddit Ads API error 429: Too Many Requests"}'
        + (b"\nid: 4" if b"id: " in body else b"")
        + b"\n\n"
    )
    assert api.job_state(cs["jobId"]) == "retry"
    again = RawStream(api.url, stream_path(cs))
    try:
        assert again.read_until(b"\n\n").startswith(
            f'event: connected\ndata: {{"jobId":"{cs["jobId"]}","state":"retry"}}\n\n'.encode()
        )
    finally:
        again.close()
    api.set_workers(1)
    assert api.wait_state(cs["jobId"], "completed") == "completed"


def test_stream_ends_silently_at_the_timeout(contract: Contract) -> None:
    config = quiet_config(
        contract=contract, stream_timeout_seconds=0.6, heartbeat_seconds=0.25, workers=0
    )
    with running(config) as api:
        cs = api.create_set(name="x", queue=True)
        started = time.monotonic()
        body = RawStream(api.url, stream_path(cs)).read_to_end()
        elapsed = time.monotonic() - started
        frames = body.decode().split("\n\n")[:-1]
        assert frames[0].startswith("event: connected")
        assert all(f == "event: heartbeat\ndata: " for f in frames[1:])
        assert len(frames) == 3  # connected and two heartbeats, then nothing
        assert elapsed >= 0.6


def test_cancelled_job_in_head_gives_connected_then_only_heartbeats() -> None:
    config = quiet_config(
        contract=Contract.HEAD, stream_timeout_seconds=0.5, heartbeat_seconds=0.2, workers=0
    )
    with running(config) as api:
        cs = api.create_set(name="x", queue=True)
        api.server.call(lambda engine: engine.cancel(cs["jobId"]))
        frames = RawStream(api.url, stream_path(cs)).read_to_end().decode().split("\n\n")[:-1]
        assert frames[0] == (
            f'event: connected\ndata: {{"jobId":"{cs["jobId"]}","state":"cancelled"}}'
        )
        assert frames[1:] == ["event: heartbeat\ndata: "] * 2


def test_cancel_in_plan_ends_the_stream_with_a_cancelled_event(plan: Api) -> None:
    plan.set_workers(0)
    cs = plan.create_set(name="x", queue=True)
    stream = RawStream(plan.url, stream_path(cs))
    stream.read_until(b"\n\n")
    assert plan.post(f"/api/v1/sync/{cs['jobId']}/cancel").status_code == 200
    expected = f'event: cancelled\ndata: {{"jobId":"{cs["jobId"]}","state":"cancelled"}}\nid: 1'
    assert stream.read_to_end().endswith(expected.encode() + b"\n\n")


def test_last_event_id_resumes_where_the_client_left(plan: Api) -> None:
    cs = plan.create_set(
        name="x", queue=True, behaviour={"campaigns": 6, "seconds_per_campaign": 0.05}
    )
    first = RawStream(plan.url, stream_path(cs))
    first.read_until(b"id: 2\n\n")
    first.close()
    plan.wait_state(cs["jobId"], "completed")
    rest = RawStream(plan.url, stream_path(cs), headers={"Last-Event-ID": "2"}).read_to_end()
    ids = [int(line[4:]) for line in rest.decode().splitlines() if line.startswith("id: ")]
    assert ids == [3, 4, 5, 6, 7, 8]
    assert rest.endswith(b'event: completed\ndata: {"synced":6,"failed":0,"total":6}\nid: 8\n\n')


def test_pre_stream_failures_are_json(api: Api) -> None:
    api.set_workers(0)
    cs = api.create_set(name="x", queue=True)
    other = api.create_set(name="y", queue=True)
    base = f"/api/v1/campaign-sets/{cs['setId']}/sync-stream"
    assert api.get("/api/v1/campaign-sets/nope/sync-stream?jobId=" + cs["jobId"]).json()["error"][
        "issues"
    ][0]["path"] == ["setId"]
    assert api.get(base).status_code == 400
    assert api.get(f"{base}?jobId={UNKNOWN}").json() == {
        "error": "Job not found",
        "code": "NOT_FOUND",
    }
    assert (
        api.get(f"/api/v1/campaign-sets/{UNKNOWN}/sync-stream?jobId={cs['jobId']}").status_code
        == 404
    )
    denied = api.get(f"{base}?jobId={other['jobId']}")
    assert denied.status_code == 403
    assert denied.json() == {"error": "Access denied to this job", "code": "FORBIDDEN"}


def test_sseclient_reader_gets_events_while_the_job_runs(plan: Api) -> None:
    """Chunked delivery: each event arrives as written, not at the end of the response."""
    cs = plan.create_set(
        name="x", queue=True, behaviour={"campaigns": 40, "seconds_per_campaign": 0.1}
    )
    response = requests.get(plan.url + stream_path(cs), stream=True, timeout=(5, 45))
    seen = []
    for event in sseclient.SSEClient(response).events():
        seen.append(event.event)
        if event.event == "campaign_synced":
            break
    response.close()
    assert plan.job_state(cs["jobId"]) == "active"  # the job was still running
    assert seen[0] == "connected"


def test_fault_drop_after_events_ends_the_stream_mid_job(plan: Api) -> None:
    plan.set_faults(drop_after_events=3)
    cs = plan.create_set(
        name="x", queue=True, behaviour={"campaigns": 50, "seconds_per_campaign": 0.02}
    )
    body = RawStream(plan.url, stream_path(cs)).read_to_end()
    assert body.count(b"\n\n") == 3
    assert b"event: completed" not in body


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
    api.set_faults(delay_seconds=0.3)
    started = time.monotonic()
    assert api.get("/api/v1/sync/status").status_code == 200
    assert time.monotonic() - started >= 0.3
