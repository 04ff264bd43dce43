"""Server-sent events as the service writes them (dotoro-api.md §3.2, WHATWG SSE).

Frames are written by hand so the bytes are the service's, and every frame is its own chunk
so that a reader sees it as it happens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

# §3.2: the heartbeat is a real event whose data line is "data: " with a trailing space.
HEARTBEAT = b"event: heartbeat\ndata: \n\n"

HEADERS = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "connection": "keep-alive",
}


def frame(event: str, data: str, event_id: int | None = None) -> bytes:
    """One SSE frame as Hono's writeSSE writes it: event, data, then id when there is one."""
    lines = [f"event: {event}", f"data: {data}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    return ("\n".join(lines) + "\n\n").encode()


def response(frames: AsyncIterator[bytes]) -> StreamingResponse:
    """A 200 event stream, chunked: each frame is sent as soon as it is yielded."""
    return StreamingResponse(frames, headers=HEADERS)
