"""The push route: a WebSocket served by Streamlit's own server (st.App routes).

A WebSocket, not Server-Sent Events: browsers allow 6 HTTP/1.1 connections per origin, and ten tabs
of the monitor each holding an event stream would starve the rest of the page (and each other);
WebSockets are not counted against that limit, and Streamlit's own connection is one already.

The handshake must carry a valid token (push/token.py) for a session the server still has, from
the browser it was minted for (its cookies say so), whose sign-in still holds (signins.py);
anything else gets HTTP 401 and nothing more, logged and counted in the audit trail (never the
token). Then: the full state, or the changes since `seq` when the browser resumes, then each new
message as the publisher makes it, and a heartbeat when idle. The socket closes (code 4401) as
soon as the sign-in stops holding.

Beside it, the check-in (`CHECK_IN_PATH`): every page of a signed-in viewer calls it every few
seconds over plain HTTP, which carries the browser's cookies, so the server learns within
seconds that a sign-in ended in another tab or its cookie is gone; it answers with a fresh token.

Streamlit's server imports app.py, and so this module, before it answers anything (even its health
check): it imports no more than the route needs. The running monitor opens the route by handing
it a `Gate` (`open_gate`) once its services have started; until then every handshake gets 401.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from sync_monitor.access import Action
from sync_monitor.push import token
from sync_monitor.signins import SignIns

if TYPE_CHECKING:  # the type only: the publisher and what it builds on load with the services
    from .publisher import Publisher

log = logging.getLogger(__name__)
PATH = "/sync-monitor/push"
CHECK_IN_PATH = "/sync-monitor/check-in"
HEARTBEAT_SECONDS = 15.0
STANDING_SECONDS = 5.0  # how often an open socket asks whether its sign-in still holds
SIGNED_OUT_CLOSE = 4401  # the socket's close code when the sign-in ended or lapsed
# A proxy must pass each message on as it comes (nginx: docs/operating.md, "Hosting it").
NO_BUFFERING = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
NO_STORE = {"Cache-Control": "no-store"}


class CannotTell(Exception):
    """The monitor cannot tell now whether a sign-in is let in (its settings cannot be read)."""


@dataclass(frozen=True)
class Gate:
    """What the route needs of the running monitor."""

    publisher: Publisher
    secret: bytes
    is_session: Callable[[str], bool]  # does Streamlit still serve this session?
    browser_of: Callable[[Mapping[str, str]], str]  # the digest of a request's cookies
    same_device: Callable[[str, str], bool]  # two digests of one browser (cookies.same_device)
    signins: SignIns  # whose sign-in still holds (with sign-in)
    sign_in: Callable[[], bool]  # is sign-in set up (asked each time: the secrets can change)
    # Why a request's cookies are not let in now (None when they are); raises CannotTell.
    refuse: Callable[[Mapping[str, str]], str | None]
    # A refused request (what, why, from where): logged and audited, a flood summed up.
    refused: Callable[[Action, str, str], None]
    push: bool = True  # False (SYNC_MONITOR_PUSH off): the push route refuses all; check-ins go on


_gate: Gate | None = None  # the running monitor's, while its services run (else: 401 for all)


def open_gate(gate: Gate | None) -> None:
    """Let handshakes through `gate` from now on (None: refuse them all, as before the start)."""
    global _gate
    _gate = gate


def routes() -> list[BaseRoute]:
    """The routes app.py adds to Streamlit's server: the push channel and the check-in."""
    return [
        WebSocketRoute(PATH, _serve_current),
        Route(CHECK_IN_PATH, _check_in_current, methods=["GET"]),
    ]


async def _serve_current(ws: WebSocket) -> None:
    await serve(ws, _gate)


async def _check_in_current(request: Request) -> Response:
    return check_in(request, _gate)


def _int(text: str | None) -> int:
    return int(text) if text is not None and text.isdigit() and len(text) < 12 else 0


def _peer(connection: HTTPConnection) -> str:
    """Where a request came from, for the log: its peer, or what a proxy on loopback said of it
    (uvicorn trusts those headers from there), so only a hint."""
    return connection.client.host if connection.client else "an unknown address"


@dataclass(frozen=True)
class Refusal:
    why: str  # in words, never the token
    suspect: bool = True  # logged and audited; False: routine (a tab that slept)


EXPIRED = Refusal("an expired token", suspect=False)
ENDED = (
    "This browser's sign-in has ended: signed out (in this tab or another), or its sign-in "
    "cookie is gone."
)


def _refusal(gate: Gate, connection: HTTPConnection, browser: str) -> Refusal | None:
    """Why the token of `connection` does not admit it; None when it does: signed by this
    server for a session it still serves, from the browser it was minted for, whose sign-in
    still holds, and not expired."""
    claim = token.read(gate.secret, connection.query_params.get("token"))
    if claim is None:
        return Refusal("a token this server did not sign")
    if not gate.is_session(claim.session):
        return Refusal("a token for a session this server no longer serves")
    if claim.browser != browser:
        if not gate.same_device(claim.browser, browser):  # someone else: the owner keeps on
            return Refusal("a token from another browser, or from a client without its cookies")
        if gate.sign_in():  # the same browser, its sign-in cookie changed or gone
            gate.signins.end(claim.browser, ENDED)
        return Refusal("a token from a browser whose sign-in changed or ended")
    if gate.sign_in():
        standing = gate.signins.standing(browser)
        if standing is not None:  # ended or refused (suspect), or not confirmed lately (not)
            return Refusal(standing, suspect=gate.signins.ended(browser) is not None)
    if claim.expires <= time.time():
        return EXPIRED
    return None


def _refuse(gate: Gate, what: Action, refusal: Refusal, connection: HTTPConnection) -> None:
    if refusal.suspect:
        gate.refused(what, refusal.why, _peer(connection))
    else:
        log.info("refused a %s request from %s: %s", what, _peer(connection), refusal.why)


def check_in(request: Request, gate: Gate | None) -> Response:
    """A page's check-in: 200 with a fresh token while its sign-in holds; else 401 saying
    whether the sign-in `ended` (why, for the page) or the token `expired` (the page hands out
    a new one); 503 while the monitor starts or cannot tell."""
    if gate is None:
        return JSONResponse({"starting": True}, status_code=503, headers=NO_STORE)
    browser = gate.browser_of(request.cookies)
    claim = token.read(gate.secret, request.query_params.get("token"))
    if (
        gate.sign_in()
        and claim is not None
        and claim.browser == browser
        and gate.is_session(claim.session)
    ):  # the cookies the token was minted with: still let in, as the lists are now?
        try:
            why_not = gate.refuse(request.cookies)
        except CannotTell as exc:
            log.warning("a check-in could not be answered: %s", exc)
            return JSONResponse({"starting": True}, status_code=503, headers=NO_STORE)
        if why_not is None:
            gate.signins.confirm(browser)
        else:
            gate.signins.refuse(browser, why_not)
    refusal = _refusal(gate, request, browser)
    if refusal is not None:
        _refuse(gate, Action.CHECK_IN, refusal, request)
        ended = None
        if claim is not None and gate.same_device(claim.browser, browser):
            ended = gate.signins.standing(claim.browser)
        return JSONResponse(
            {"ended": ended, "expired": refusal is EXPIRED}, status_code=401, headers=NO_STORE
        )
    assert claim is not None
    now = time.time()
    return JSONResponse(
        {
            "token": token.mint(gate.secret, claim.session, browser, now),
            "expires": round((now + token.TTL_SECONDS) * 1000),
        },
        headers=NO_STORE,
    )


async def serve(ws: WebSocket, gate: Gate | None) -> None:
    if gate is None or not gate.push:  # starting, stopping, or push switched off
        await ws.send_denial_response(
            PlainTextResponse("401 Unauthorized", status_code=401, headers=NO_BUFFERING)
        )
        return
    browser = gate.browser_of(ws.cookies)
    refusal = _refusal(gate, ws, browser)
    if refusal is not None:
        _refuse(gate, Action.PUSH, refusal, ws)
        await ws.send_denial_response(
            PlainTextResponse("401 Unauthorized", status_code=401, headers=NO_BUFFERING)
        )
        return

    def holds() -> bool:
        return not gate.sign_in() or gate.signins.standing(browser) is None

    await ws.accept(headers=[(k.lower().encode(), v.encode()) for k, v in NO_BUFFERING.items()])
    loop = asyncio.get_running_loop()
    woke = asyncio.Event()

    def wake() -> None:
        loop.call_soon_threadsafe(woke.set)

    forget = gate.publisher.listen(wake)
    listening = asyncio.create_task(_until_closed(ws))
    try:
        await _send(
            ws,
            gate.publisher,
            woke,
            _int(ws.query_params.get("seq")),
            ws.query_params.get("epoch"),
            listening,
            holds,
        )
    except (WebSocketDisconnect, OSError):
        pass  # the browser went away
    except Exception:  # a bug: this tab's push ends (it reconnects), the others carry on
        log.exception("the push socket failed")
    finally:
        forget()
        listening.cancel()
        try:
            await listening
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("the push socket's reader failed")


async def _send(
    ws: WebSocket,
    publisher: Publisher,
    woke: asyncio.Event,
    seq: int,
    epoch: str | None,
    listening: asyncio.Task[None],
    holds: Callable[[], bool],
) -> None:
    sent = time.monotonic()
    while not listening.done():
        if not holds():  # signed out, or the page stopped checking in: nothing more
            await ws.close(SIGNED_OUT_CLOSE, "the sign-in no longer holds")
            return
        woke.clear()  # before reading: a message published meanwhile sets it again
        seq, texts = publisher.since(seq, epoch)
        epoch = None  # from here on, this publisher's numbers
        for text in texts:
            await ws.send_text(text)
            sent = time.monotonic()
        waiting = asyncio.ensure_future(woke.wait())
        await asyncio.wait(
            {waiting, listening}, timeout=STANDING_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        waiting.cancel()
        if time.monotonic() - sent >= HEARTBEAT_SECONDS:
            await ws.send_text(json.dumps({"type": "ping", "seq": seq}))
            sent = time.monotonic()


async def _until_closed(ws: WebSocket) -> None:
    """Read (and ignore) what the browser sends, until it closes."""
    with contextlib.suppress(WebSocketDisconnect):
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass
