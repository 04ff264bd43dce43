"""/_local/…: the test and demo controls of the local API (not part of the Dotoro contract).

They let a test in another process script a scenario over HTTP: create sets with a known
behaviour, plant a failure with a given text, change faults or the number of workers.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import errors
from .engine import Engine

SET_FIELDS = {"name", "platform", "behaviour", "ad_account", "failed_error", "queue"}


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw or b"{}")
    if not isinstance(data, dict):
        raise ValueError("body: expected a JSON object")
    return data


async def info(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    return JSONResponse(
        {
            "contract": engine.config.contract.value,
            "teamId": engine.team_id,
            "workers": engine.config.workers,
            "simulate": engine.config.simulate,
            "local": True,
        }
    )


async def faults(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    if request.method == "POST":
        try:
            engine.config.faults.update(await _body(request))
        except ValueError as exc:
            return errors.error(400, str(exc), "VALIDATION_ERROR")
    return JSONResponse(engine.config.faults.as_dict())


async def workers(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    try:
        count = int((await _body(request))["workers"])
    except (KeyError, TypeError, ValueError):
        return errors.error(400, "workers: expected a whole number", "VALIDATION_ERROR")
    if count < 0:
        return errors.error(400, "workers: must be >= 0", "VALIDATION_ERROR")
    engine.config.workers = count
    return JSONResponse({"workers": count})


async def create_set(request: Request) -> Response:
    """Create a set; `queue: true` also queues a sync, `failed_error` plants a failed job."""
    engine: Engine = request.app.state.engine
    try:
        body = await _body(request)
        unknown = set(body) - SET_FIELDS
        if unknown:
            raise ValueError(f"{sorted(unknown)[0]}: unknown field")
        platform = str(body.get("platform", "reddit"))
        if platform not in ("reddit", "google", "meta"):
            raise ValueError("platform: must be reddit, google or meta")
        behaviour = body.get("behaviour", {})
        if not isinstance(behaviour, dict):
            raise ValueError("behaviour: expected an object")
    except ValueError as exc:
        return errors.error(400, str(exc), "VALIDATION_ERROR")
    behaviour.setdefault("random", False)  # scripted sets behave exactly as told
    cs = engine.create_set(
        str(body.get("name", "Test set")),
        platform,
        behaviour,
        ad_account=bool(body.get("ad_account", True)),
    )
    result: dict[str, Any] = {"setId": cs.id, "teamId": cs.team_id, "adAccountId": cs.ad_account_id}
    if body.get("failed_error") is not None:
        result["jobId"] = engine.add_failed_job(cs, str(body["failed_error"])).id
    elif body.get("queue"):
        result["jobId"] = engine.queue_sync(cs).id
    return JSONResponse(result, status_code=201)


async def stats(request: Request) -> Response:
    """Requests seen per "METHOD path" since start: what a client costs the service."""
    return JSONResponse(dict(request.app.state.requests))


async def arrivals(request: Request) -> Response:
    """When each /api/ request arrived and what it was (`[epoch ms, "METHOD path"]`, the newest
    100,000), and how many the rate limit refused: a client's spending in any sliding minute."""
    arrivals = request.app.state.arrivals
    return JSONResponse({"seen": list(arrivals.seen), "limited": arrivals.limited})


def control_routes() -> list[Route]:
    return [
        Route("/_local/stats", stats, methods=["GET"]),
        Route("/_local/requests", arrivals, methods=["GET"]),
        Route("/_local/info", info, methods=["GET"]),
        Route("/_local/faults", faults, methods=["GET", "POST"]),
        Route("/_local/workers", workers, methods=["POST"]),
        Route("/_local/sets", create_set, methods=["POST"]),
    ]
