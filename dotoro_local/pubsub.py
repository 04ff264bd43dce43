"""Each job's event log and its live subscribers: what the open streams read (§3.2).

Every event a stream could report is appended to the job's log (for `Last-Event-ID` resume,
ext §3.6) and handed to the queues of the streams open on that job. All of it runs on the
server's event loop, so the queues need no locking.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from .payloads import dumps
from .store import Store

TERMINAL_EVENTS = frozenset({"completed", "error", "cancelled"})


@dataclass(frozen=True)
class Published:
    """One event of a job, as handed to live subscribers."""

    seq: int
    type: str
    data: str  # compact JSON, exactly as written on the wire

    @property
    def terminal(self) -> bool:
        return self.type in TERMINAL_EVENTS


CLOSE = Published(-1, "__close__", "")  # handed to subscribers when the server stops


class JobEvents:
    """Append-and-deliver for job events; subscribe/unsubscribe for the streams."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queues: dict[str, list[asyncio.Queue[Published]]] = {}
        self.closing = False  # the server is stopping: streams end, new ones end at once

    def publish(self, job_id: str, type_: str, data: dict[str, Any]) -> Published:
        """Log the event under the job's next sequence number and deliver it."""
        job = self.store.get_job(job_id)
        assert job is not None, job_id
        event = Published(job.seq + 1, type_, dumps(data))
        self.store.append_event(job_id, event.seq, type_, event.data)
        for queue in self._queues.get(job_id, ()):
            queue.put_nowait(event)
        return event

    def subscribe(self, job_id: str) -> asyncio.Queue[Published]:
        queue: asyncio.Queue[Published] = asyncio.Queue()
        self._queues.setdefault(job_id, []).append(queue)
        return queue

    def unsubscribe(self, job_id: str, queue: asyncio.Queue[Published]) -> None:
        queues = self._queues.get(job_id, [])
        if queue in queues:
            queues.remove(queue)
        if not queues:
            self._queues.pop(job_id, None)

    def close_all(self) -> None:
        """End every open stream now, so a shutdown does not wait on them (nor cancel them)."""
        self.closing = True
        for queues in self._queues.values():
            for queue in queues:
                queue.put_nowait(CLOSE)
