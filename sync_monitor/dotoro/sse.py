"""Reading a job's SSE stream (dotoro-api.md §3.2, §5, §6): whole frames as soon as they arrive,
parsed by sseclient-py, over the client's checked response; and the `connect` factory the
stream consumer takes (a unit test passes a list of events instead).
"""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import requests
import sseclient

from .client import DotoroClient

# End of an SSE frame: a blank line, in any of the three newline conventions (WHATWG).
_FRAME_END = re.compile(rb"(\r\n\r\n|\n\n|\r\r)")


@dataclass(frozen=True)
class RawEvent:
    event: str
    data: str
    id: str | None = None


Connect = Callable[[str | None], AbstractContextManager[Iterable[RawEvent]]]


def complete_frames(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Pass on whole frames as soon as their blank line arrives; drop a partial frame at EOF.

    Feeding sseclient-py whatever bytes have arrived (not 128-byte reads) is what keeps a
    non-chunked stream from holding events back (§5); and WHATWG discards an unterminated
    event at the end of the stream, which sseclient-py would dispatch.
    """
    pending = b""
    for chunk in chunks:
        pending += chunk
        ends = list(_FRAME_END.finditer(pending))
        if ends:
            cut = ends[-1].end()
            yield pending[:cut]
            pending = pending[cut:]


def read_available(response: requests.Response) -> Iterator[bytes]:
    """Bytes as they arrive: read1 returns what the socket has, chunked or not."""
    while True:
        chunk = response.raw.read1(65536)
        if not chunk:
            return
        yield chunk


def parse_sse(chunks: Iterable[bytes]) -> Iterator[RawEvent]:
    for event in sseclient.SSEClient(complete_frames(chunks)).events():
        yield RawEvent(event.event, event.data, event.id)


class HttpConnector:
    """The real `connect`: opens the checked stream with the client; `close()` unblocks a read."""

    def __init__(self, client: DotoroClient, set_id: str, job_id: str, read_timeout: float):
        self.client, self.set_id, self.job_id = client, set_id, job_id
        self.read_timeout = read_timeout
        self._response: requests.Response | None = None

    @contextmanager
    def __call__(self, last_event_id: str | None) -> Iterator[Iterable[RawEvent]]:
        response = self.client.open_stream(
            self.set_id, self.job_id, last_event_id, self.read_timeout
        )
        self._response = response
        try:
            yield parse_sse(read_available(response))
        finally:
            self._response = None
            response.close()

    def close(self) -> None:
        """Unblock a read waiting on the socket, from another thread.

        Closing the response alone leaves a blocked read waiting for the next byte (up to a
        heartbeat); shutting the socket down ends the read at once.
        """
        response = self._response
        if response is None:
            return
        sock = getattr(getattr(response.raw, "_connection", None), "sock", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        response.close()
