"""Better-Auth cookie and team checks of the local API (dotoro-api.md §2), over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync_monitor.local_api import Contract
from tests.local_api_helpers import Api, quiet_config, running

TOKEN = "session-abc.signature"
TEAM = "11111111-1111-4111-8111-111111111111"
OTHER_TEAM = "22222222-2222-4222-8222-222222222222"


@pytest.fixture(params=[Contract.HEAD, Contract.PLAN], ids=["head", "plan"])
def secured(request: pytest.FixtureRequest) -> Iterator[Api]:
    config = quiet_config(contract=request.param, session_token=TOKEN, team_id=TEAM)
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


def test_campaign_set_routes_need_a_valid_team(secured: Api) -> None:
    cs = secured.create_set(name="Mine")
    path = f"/api/v1/campaign-sets/{cs['setId']}/sync"
    missing = secured.post(path, headers=cookie())
    assert missing.status_code == 400
    assert missing.json()["error"].startswith("Team ID required")
    invalid = secured.post(path, headers={**cookie(), "X-Team-Id": "team-1"})
    assert invalid.status_code == 400
    assert invalid.json()["error"].startswith("Invalid team ID format")
    other = secured.post(path, headers={**cookie(), "X-Team-Id": OTHER_TEAM})
    assert other.status_code == 403
    assert other.json() == {"error": "Not a member of this team", "code": "FORBIDDEN"}
    assert secured.post(path, headers={**cookie(), "X-Team-Id": TEAM}).status_code == 202
    assert secured.post(path + f"?teamId={TEAM}", headers=cookie()).status_code == 202


def test_a_set_of_another_team_answers_404(secured: Api) -> None:
    foreign = secured.server.call(
        lambda engine: engine.create_set("Theirs", "google", {}, team_id=OTHER_TEAM).id
    )
    response = secured.post(
        f"/api/v1/campaign-sets/{foreign}/sync", headers={**cookie(), "X-Team-Id": TEAM}
    )
    assert response.status_code == 404
    assert secured.post(f"/api/v1/sync/{foreign}/retry", headers=cookie()).status_code == 404
