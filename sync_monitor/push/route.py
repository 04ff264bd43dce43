"""The push route: a WebSocket served by Streamlit's own server (st.App routes).

A WebSocket, not Server-Sent Events: browsers allow 6 HTTP/1.1 connections per origin, and ten tabs
of the monitor each holding an event stream would starve the rest of the page (and each other);
WebSockets are not counted against that limit, and Streamlit's own connection is one already.

The handshake must carry a valid token (push/token.py) for a session the server still has; anything
else gets HTTP 401 and nothing more. Then: the full state, or the changes since `seq` when the
browser resumes, then each new message as the publisher makes it, and a heartbeat when idle.

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import token

if TYPE_CHECKING:  # the type only: the publisher and what it builds on load with the services
    from .publisher import Publisher

log = logging.getLogger(__name__)
PATH = "/sync-monitor/push"
HEARTBEAT_SECONDS = 15.0
# A proxy must pass each message on as it comes (nginx: see the README).
NO_BUFFERING = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@dataclass(frozen=True)
class Gate:
    """What the route needs of the running monitor."""

    publisher: Publisher
    secret: bytes
    is_session: Callable[[str], bool]  # does Streamlit still serve this session?


_gate: Gate | None = None  # the running monitor's, while its services run (else: 401 for all)


def open_gate(gate: Gate | None) -> None:
    """Let handshakes through `gate` from now on (None: refuse them all, as before the start)."""
    global _gate
    _gate = gate


def routes() -> list[BaseRoute]:
    """The routes app.py adds to Streamlit's server: the push channel."""
    return [WebSocketRoute(PATH, _serve_current)]


async def _serve_current(ws: WebSocket) -> None:
    await serve(ws, _gate)


def _int(text: str | None) -> int:
    return int(text) if text is not None and text.isdigit() and len(text) < 12 else 0


async def serve(ws: WebSocket, gate: Gate | None) -> None:
    session = (
        None
        if gate is None
        else token.check(gate.secret, ws.query_params.get("token"), time.time())
    )
    if gate is None or session is None or not gate.is_session(session):
        await ws.send_denial_response(
            PlainTextResponse("401 Unauthorized", status_code=401, headers=NO_BUFFERING)
        )
        return
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
) -> None:
    while not listening.done():
        woke.clear()  # before reading: a message published meanwhile sets it again
        seq, texts = publisher.since(seq, epoch)
        epoch = None  # from here on, this publisher's numbers
        for text in texts:
            await ws.send_text(text)
        waiting = asyncio.ensure_future(woke.wait())
        done, _ = await asyncio.wait(
            {waiting, listening}, timeout=HEARTBEAT_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        waiting.cancel()
        if not done:
            await ws.send_text(json.dumps({"type": "ping", "seq": seq}))


async def _until_closed(ws: WebSocket) -> None:
    """Read (and ignore) what the browser sends, until it closes."""
    with contextlib.suppress(WebSocketDisconnect):
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass
