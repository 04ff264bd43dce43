"""Better-Auth cookie and team checks of the local API (dotoro-api.md §2), over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dotoro_local import Contract
from dotoro_local.engine import Engine
from tests.support.local_api import Api, quiet_config, running

TOKEN = "session-abc.signature"
TEAM = "11111111-1111-4111-8111-111111111111"
OTHER_TEAM = "22222222-2222-4222-8222-222222222222"


@pytest.fixture(params=[Contract.HEAD, Contract.PLAN], ids=["head", "plan"])
def secured(request: pytest.FixtureRequest) -> Iterator[Api]:
    contract: Contract = request.param
    config = quiet_config(contract=contract, session_token=TOKEN, team_id=TEAM, workers=0)
    with running(config) as api:
        yield api


def cookie(token: str = TOKEN) -> dict[str, str]:
    return {"Cookie": f"better-auth.session_token={token}"}


def test_missing_or_wrong_cookie_is_401(secured: Api) -> None:
    assert secured.get("/api/v1/sync/status").json() == {
        "error": "Authentication required",
        "code": "UNAUTHORIZED",
    }
    assert secured.get("/api/v1/sync/status", headers=cookie("nope")).status_code == 401
    assert secured.get("/api/v1/sync/status", headers=cookie()).status_code == 200


def test_secure_cookie_name_is_accepted(secured: Api) -> None:
    headers = {"Cookie": f"__Secure-better-auth.session_token={TOKEN}"}
    assert secured.get("/api/v1/sync/status", headers=headers).status_code == 200


TEAM_REQUIRED = {
    "error": "Team ID required. Provide X-Team-Id header or teamId query parameter.",
    "code": "VALIDATION_ERROR",
}
TEAM_INVALID = {
    "error": "Invalid team ID format. Must be a valid UUID.",
    "code": "VALIDATION_ERROR",
}
NOT_A_MEMBER = {"error": "Not a member of this team", "code": "FORBIDDEN"}


def test_campaign_set_routes_need_a_valid_team(secured: Api) -> None:
    cs = secured.create_set(name="Mine")
    path = f"/api/v1/campaign-sets/{cs['setId']}/sync"
    missing = secured.post(path, headers=cookie())
    assert missing.status_code == 400
    assert missing.json() == TEAM_REQUIRED
    invalid = secured.post(path, headers={**cookie(), "X-Team-Id": "team-1"})
    assert invalid.status_code == 400
    assert invalid.json() == TEAM_INVALID
    other = secured.post(path, headers={**cookie(), "X-Team-Id": OTHER_TEAM})
    assert other.status_code == 403
    assert other.json() == NOT_A_MEMBER
    assert secured.post(path, headers={**cookie(), "X-Team-Id": TEAM}).status_code == 202
    assert secured.post(path + f"?teamId={TEAM}", headers=cookie()).status_code == 202


def test_stream_checks_the_session_and_team_before_its_parameters(secured: Api) -> None:
    """Step 1 of the stream's checks is team auth (§3.2): a bad setId is not looked at yet."""
    path = "/api/v1/campaign-sets/nope/sync-stream"
    no_session = secured.get(path)
    assert no_session.status_code == 401
    assert no_session.json() == {"error": "Authentication required", "code": "UNAUTHORIZED"}
    no_team = secured.get(path, headers=cookie())
    assert (no_team.status_code, no_team.json()) == (400, TEAM_REQUIRED)
    bad_team = secured.get(path + "?teamId=team-1", headers=cookie())
    assert (bad_team.status_code, bad_team.json()) == (400, TEAM_INVALID)
    other_team = secured.get(path, headers={**cookie(), "X-Team-Id": OTHER_TEAM})
    assert (other_team.status_code, other_team.json()) == (403, NOT_A_MEMBER)
    mine = secured.get(path, headers={**cookie(), "X-Team-Id": TEAM})
    assert mine.status_code == 400
    assert mine.json()["error"] == "Invalid setId format"


def test_a_set_of_another_team_answers_404(secured: Api) -> None:
    foreign = secured.server.call(
        lambda engine: engine.create_set("Theirs", "google", {}, team_id=OTHER_TEAM).id
    )
    response = secured.post(
        f"/api/v1/campaign-sets/{foreign}/sync", headers={**cookie(), "X-Team-Id": TEAM}
    )
    assert response.status_code == 404
    assert secured.post(f"/api/v1/sync/{foreign}/retry", headers=cookie()).status_code == 404


def test_stream_of_a_set_of_another_team_answers_404_not_403(secured: Api) -> None:
    def foreign_job(engine: Engine) -> tuple[str, str]:
        cs = engine.create_set("Theirs", "google", {}, team_id=OTHER_TEAM)
        return cs.id, engine.queue_sync(cs).id

    set_id, job_id = secured.server.call(foreign_job)
    response = secured.get(
        f"/api/v1/campaign-sets/{set_id}/sync-stream?jobId={job_id}",
        headers={**cookie(), "X-Team-Id": TEAM},
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": f"Campaign set with id '{set_id}' not found",
        "code": "NOT_FOUND",
        "details": {"resource": "Campaign set", "id": set_id},
    }


def test_a_job_of_another_team_is_403_not_404(secured: Api) -> None:
    """GET /jobs/{id} checks the job's user, not its team: a job that exists is not hidden."""

    def foreign_job(engine: Engine) -> str:
        cs = engine.create_set("Theirs", "google", {}, team_id=OTHER_TEAM)
        return engine.queue_sync(cs).id

    job_id = secured.server.call(foreign_job)
    response = secured.get(f"/api/v1/jobs/{job_id}", headers={**cookie(), "x-user-id": "u"})
    assert response.status_code == 403
    assert response.json() == {"error": "Access denied to this job", "code": "FORBIDDEN"}
