"""Contract tests of the local API's REST endpoints over real HTTP (dotoro-api.md §1–§3)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from dotoro_local import Contract
from tests.support.local_api import Api, quiet_config, running
from tests.support.waiting import seconds, wait_until

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def test_unknown_route_answers_json_404(api: Api) -> None:
    response = api.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.json() == {"error": "Route not found: GET /api/v1/nowhere", "code": "NOT_FOUND"}


def test_known_path_with_wrong_method_is_a_route_not_found(api: Api) -> None:
    response = api.session.delete(api.url + "/api/v1/sync/status", timeout=seconds(5))
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert response.headers["content-type"].startswith("application/json")


def test_queue_sync_answers_202_and_allows_duplicates(api: Api) -> None:
    cs = api.create_set(name="Dupes")
    first = api.post(f"/api/v1/campaign-sets/{cs['setId']}/sync")
    second = api.post(f"/api/v1/campaign-sets/{cs['setId']}/sync")
    assert first.status_code == second.status_code == 202
    assert first.json()["status"] == "queued"
    assert set(first.json()) == {"jobId", "status", "message"}
    assert first.json()["jobId"] != second.json()["jobId"]


def test_queue_sync_rejects_bad_uuid_with_zod_shape(api: Api) -> None:
    response = api.post("/api/v1/campaign-sets/not-a-uuid/sync")
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"]["name"] == "ZodError"
    assert body["error"]["issues"][0]["path"] == ["setId"]


def test_queue_sync_unknown_set_is_404(api: Api) -> None:
    response = api.post(f"/api/v1/campaign-sets/{UNKNOWN}/sync")
    assert response.status_code == 404
    assert response.json() == {"error": "Campaign set not found", "code": "NOT_FOUND"}


def test_queue_sync_without_ad_account_is_400(api: Api) -> None:
    cs = api.create_set(name="No account", ad_account=False)
    response = api.post(f"/api/v1/campaign-sets/{cs['setId']}/sync")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_retry_queues_a_new_job_and_sets_the_set_pending(api: Api, contract: Contract) -> None:
    api.set_workers(0)
    cs = api.create_set(name='Holiday "Promo"', failed_error="Reddit said no")
    response = api.post(f"/api/v1/sync/{cs['setId']}/retry")
    assert response.status_code == 202
    body = response.json()
    assert body["message"] == 'Sync job queued for campaign set "Holiday "Promo""'
    assert body["jobId"] != cs["jobId"]
    status = api.get("/api/v1/sync/status").json()
    pending_sets = [j["campaignSetId"] for j in status["pending"]]
    assert cs["setId"] in pending_sets
    assert cs["setId"] not in [j["campaignSetId"] for j in status["failed"]]


def test_retry_of_unknown_set_is_404_and_bad_id_is_zod(api: Api) -> None:
    assert api.post(f"/api/v1/sync/{UNKNOWN}/retry").status_code == 404
    bad = api.post("/api/v1/sync/x/retry")
    assert bad.status_code == 400
    assert bad.json()["error"]["issues"][0]["path"] == ["campaignSetId"]


def test_head_status_is_filled_from_set_rows(head: Api) -> None:
    head.set_workers(0)
    cs = head.create_set(name="Meta set", platform="meta", queue=True)
    failed = head.create_set(name="Broken", failed_error="Session has expired")
    status = head.get("/api/v1/sync/status").json()
    [pending] = status["pending"]
    assert pending["id"] == pending["campaignSetId"] == cs["setId"]  # not the job id (§3.4)
    assert pending["platform"] == "facebook"
    assert pending["progress"] == {"synced": 0, "failed": 0, "total": 0}
    assert pending["state"] == "created"
    assert pending["campaignSetName"] == "Meta set"
    [fail] = status["failed"]
    assert fail["id"] == failed["setId"]
    assert "error" not in fail
    assert "startedAt" not in fail
    assert "completedAt" not in fail
    assert status["active"] == []


def test_plan_status_has_job_ids_live_progress_and_errors(plan: Api) -> None:
    cs = plan.create_set(
        name="Live",
        platform="meta",
        queue=True,
        behaviour={"campaigns": 50, "seconds_per_campaign": 0.2},
    )
    failed = plan.create_set(name="Broken", failed_error="Session has expired")

    def active() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = plan.get("/api/v1/sync/status").json()["active"]
        return rows

    wait_until(lambda: any(j["progress"]["synced"] > 0 for j in active()), "progress shown")
    [job] = active()
    assert job["id"] == cs["jobId"] != job["campaignSetId"]
    assert job["platform"] == "meta"
    assert job["progress"]["total"] == 50
    assert job["progress"]["synced"] > 0
    assert "startedAt" in job
    [fail] = plan.get("/api/v1/sync/status").json()["failed"]
    assert fail["id"] == failed["jobId"]
    assert fail["error"] == "Session has expired"
    assert "completedAt" in fail


ACCESS_DENIED = {"error": "Access denied to this job", "code": "FORBIDDEN"}


def test_get_job_without_user_header_is_401_user_id_required(api: Api) -> None:
    cs = api.create_set(name="x", queue=True)
    response = api.get(f"/api/v1/jobs/{cs['jobId']}")
    assert response.status_code == 401
    assert response.json() == {"error": "User ID required", "code": "UNAUTHORIZED"}


def test_get_job_denies_todays_jobs_in_head(head: Api) -> None:
    cs = head.create_set(name="x", queue=True)
    response = head.get(f"/api/v1/jobs/{cs['jobId']}", headers={"x-user-id": "someone"})
    assert response.status_code == 403
    assert response.json() == ACCESS_DENIED


def test_get_job_in_plan_answers_the_job(plan: Api) -> None:
    cs = plan.create_set(name="x", failed_error="boom")
    body = plan.get(f"/api/v1/jobs/{cs['jobId']}", headers={"x-user-id": "u"}).json()
    assert body["id"] == cs["jobId"]
    assert body["name"] == "sync-campaign-set"
    assert body["state"] == "failed"
    assert body["error"] == "boom"
    assert body["output"]["message"] == "boom"
    assert body["data"]["campaignSetId"] == cs["setId"]
    assert {"createdAt", "startedAt", "completedAt"} <= set(body)


def test_get_job_of_another_user_is_403_in_both_contracts(api: Api) -> None:
    cs = api.create_set(name="x", failed_error="boom")
    api.server.call(lambda engine: engine.store.update_job(cs["jobId"], user_id="alice"))
    path = f"/api/v1/jobs/{cs['jobId']}"
    response = api.get(path, headers={"x-user-id": "bob"})
    assert response.status_code == 403
    assert response.json() == ACCESS_DENIED
    assert api.get(path, headers={"x-user-id": "alice"}).status_code == 200


def test_get_job_unknown_is_404_as_create_not_found_error(api: Api) -> None:
    response = api.get(f"/api/v1/jobs/{UNKNOWN}", headers={"x-user-id": "u"})
    assert response.status_code == 404
    assert response.json() == {
        "error": f"Job with id '{UNKNOWN}' not found",
        "code": "NOT_FOUND",
        "details": {"resource": "Job", "id": UNKNOWN},
    }


def test_get_job_bad_id_is_zod_shape_checked_before_the_user(api: Api) -> None:
    response = api.get("/api/v1/jobs/42")  # no x-user-id either: the id is checked first
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"]["name"] == "ZodError"
    assert body["error"]["issues"][0]["path"] == ["jobId"]


def test_cancel_does_not_exist_in_head(head: Api) -> None:
    cs = head.create_set(name="x", queue=True)
    response = head.post(f"/api/v1/sync/{cs['jobId']}/cancel")
    assert response.status_code == 404
    assert response.json()["error"].startswith("Route not found: POST")


def test_cancel_in_plan_then_409_when_finished(plan: Api) -> None:
    plan.set_workers(0)
    cs = plan.create_set(name="x", queue=True)
    response = plan.post(f"/api/v1/sync/{cs['jobId']}/cancel")
    assert response.status_code == 200
    assert response.json() == {"jobId": cs["jobId"], "state": "cancelled"}
    again = plan.post(f"/api/v1/sync/{cs['jobId']}/cancel")
    assert again.status_code == 409
    assert plan.post(f"/api/v1/sync/{UNKNOWN}/cancel").status_code == 404


def test_history_listing_exists_only_in_plan(head: Api) -> None:
    assert head.get("/api/v1/sync/jobs").status_code == 404


def test_history_pages_through_every_job_with_filters() -> None:
    with running(quiet_config(contract=Contract.PLAN, seed_history=True)) as api:
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params = {"limit": "500", **({"cursor": cursor} if cursor else {})}
            page = api.get("/api/v1/sync/jobs", params=params).json()
            seen += [j["id"] for j in page["jobs"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) > 1000  # 30 days of seeded history
        failed = api.get(
            "/api/v1/sync/jobs", params={"state": "failed", "platform": "facebook"}
        ).json()["jobs"]
        assert failed
        assert {j["state"] for j in failed} == {"failed"}
        assert {j["platform"] for j in failed} == {"meta"}
        created = [j["createdAt"] for j in failed]
        assert created == sorted(created, reverse=True)
        bad = api.get("/api/v1/sync/jobs", params={"state": "exploded"})
        assert bad.status_code == 400
        assert bad.json()["error"].startswith("state")


def test_rate_limit_answers_429_with_retry_after() -> None:
    with running(quiet_config(rate_limit_per_minute=3)) as api:
        codes = [api.get("/api/v1/sync/status").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert api.get("/api/v1/sync/status").json() == {
            "error": "Too many requests. Please retry after 1 minute.",
            "code": "TOO_MANY_REQUESTS",
            "retryAfter": 60,
        }


def test_every_api_request_arrival_and_each_refusal_is_counted_for_tests() -> None:
    with running(quiet_config(rate_limit_per_minute=3)) as api:
        before = time.time() * 1000
        for _ in range(4):
            api.get("/api/v1/sync/status")
        api.get("/_local/info")  # not /api/: not counted
        seen = api.get("/_local/requests").json()

    assert [key for _, key in seen["seen"]] == ["GET /api/v1/sync/status"] * 4
    assert all(before - 1000 <= t <= time.time() * 1000 for t, _ in seen["seen"])
    assert seen["limited"] == 1


def test_injected_errors_use_the_service_bodies(api: Api) -> None:
    api.set_faults(error_rate=1.0, error_status=500)
    body = api.get("/api/v1/sync/status").json()
    assert body["code"] == "INTERNAL_ERROR"
    assert body["error"] == "Internal server error"
    uuid.UUID(body["errorId"])
    api.set_faults(error_status=401)
    assert api.get("/api/v1/sync/status").status_code == 401
    api.set_faults(error_status=429)
    assert api.get("/api/v1/sync/status").json()["retryAfter"] == 60
    api.set_faults(error_rate=0.0)
    assert api.get("/api/v1/sync/status").status_code == 200


def test_bad_fault_settings_are_refused_by_name(api: Api) -> None:
    response = api.post("/_local/faults", json={"error_rate": 2})
    assert response.status_code == 400
    assert response.json()["error"].startswith("error_rate")
