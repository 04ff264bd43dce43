"""The monitor's working parts, put together from the settings, without Streamlit: the Dotoro
client with its request budget, the audit trail, pg-boss's reader, what the pages read (the hub,
or in a fleet this replica: fleet/replica.py), the history's recorder, the clients' board, the
alert evaluator and the weekly digests' sender. The Streamlit process (runtime.py) adds the
publisher and the push route; the collector-only process (collector.py) runs these alone.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sync_monitor.alerts.evaluator import Evaluator, channels_of, thresholds_of
from sync_monitor.clients.board import ClientBoard
from sync_monitor.digest import config as digest_config
from sync_monitor.digest.scheduler import DigestScheduler
from sync_monitor.dotoro.budget import ACTION_ROOM, RequestBudget, reserve_for
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.fleet.replica import Replica
from sync_monitor.history import History, engines
from sync_monitor.history.audit import AuditLog
from sync_monitor.history.recorder import Recorder
from sync_monitor.live.hub import Hub, Live
from sync_monitor.notify.mail import mailer_for
from sync_monitor.notify.send import Sender
from sync_monitor.pgboss.reader import QueueReader

from .settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Parts:
    client: DotoroClient
    audit: AuditLog
    live: Live
    recorder: Recorder
    replica: Replica | None  # in a fleet
    clients: ClientBoard  # the clients page's board (issue 24)
    alerts: Evaluator  # runs only where the recorder records: one per deployment
    stoppers: list[Callable[[], None]] = field(default_factory=list)  # in start order
    digests: DigestScheduler | None = None  # their sender: where digests are set up (issue 24)

    def stop(self) -> None:
        """Stop the parts, newest first (the audit trail last: it takes their last entries)."""
        while self.stoppers:
            self.stoppers.pop()()


def assemble(
    config: Settings,
    url: str,
    *,
    is_local: bool = False,
    client_names: Mapping[str, str] | None = None,
) -> Parts:
    """The parts for the backend at `url`, started. `client_names`: clients' names known beside
    the settings' (the bundled local API's ad accounts)."""
    digests = digest_config.from_settings(config)  # checked before anything starts
    alert_channels = channels_of(config)  # a bad entry stops the start, naming the setting
    stoppers: list[Callable[[], None]] = []
    client = client_for(config, url)
    audit = AuditLog(config.audit_path)
    stoppers.append(audit.close)  # stopped after the hub: its last actions are written
    # Closed by the hub's stop (after the recorder's, which also reads it at start).
    queue = QueueReader(config.pgboss_url.get_secret_value()) if config.pgboss_url else None
    history_url = config.history_url.get_secret_value() if config.history_url else None
    live: Live
    replica: Replica | None = None
    if config.collector == "this-process":
        hub = Hub(client, config, is_local=is_local, audit=audit, queue=queue).start()
        stoppers.append(hub.stop)
        live = hub
        recording: Callable[[], bool] = lambda: True  # noqa: E731 (one process: it records)
    else:
        replica = _replica(config, client, is_local, audit, queue, history_url)
        stoppers.append(replica.stop)
        live, recording = replica, replica.collecting
    recorder = Recorder(
        live, lambda: History.open(history_url), client, queue, recording=recording
    ).start()
    stoppers.append(recorder.stop)
    # The audit trail lives in the history while the recorder has it open and writing (else in
    # a file: no action and no page waits on a database that is timing out).
    audit.use_history(
        lambda: (
            recorder.history.engine
            if recorder.history and not recorder.problem and not recorder.stopped
            else None
        )
    )
    names = {**(client_names or {}), **config.client_names}  # the settings win
    clients = ClientBoard(
        lambda: recorder.history, live.snapshot, names, team_id=config.team_id
    ).start()
    stoppers.append(clients.stop)
    alerts = Evaluator(
        live.snapshot,
        lambda: recorder.history if not recorder.stopped else None,
        lambda: clients.get() if clients.loaded else None,  # unread: it cannot tell
        Sender(mailer_for(config)),
        alert_channels,
        public_url=config.public_url,
        thresholds=thresholds_of(config),
        per_hour=config.alerts_per_hour,
        every=config.alert_seconds,
        recording=recording,
    ).start()
    stoppers.append(alerts.stop)
    sender: DigestScheduler | None = None
    if digests:  # sent where the history is recorded: one sender per deployment
        sender = DigestScheduler(
            digests,
            lambda: recorder.history.engine if recorder.history else None,
            lambda: clients.get() if clients.loaded else None,  # not before it read the history
            Sender(mailer_for(config)),
            config.public_url,
            recording=recording,
        ).start()
        stoppers.append(sender.stop)
    return Parts(client, audit, live, recorder, replica, clients, alerts, stoppers, sender)


def client_for(config: Settings, url: str) -> DotoroClient:
    """The Dotoro client with the process's one request budget."""
    token = config.session_token.get_secret_value() if config.session_token else None
    per_minute = config.requests_per_minute
    budget = RequestBudget(
        per_minute,
        reserve_for(per_minute, config.poll_seconds),
        for_actions=min(ACTION_ROOM, per_minute // 10),
    )
    return DotoroClient(
        url,
        session_token=token,
        team_id=config.team_id,
        user_id=config.user_id,
        timeout=config.request_timeout_seconds,
        budget=budget,
    )


def _replica(
    config: Settings,
    client: DotoroClient,
    is_local: bool,
    audit: AuditLog,
    queue: QueueReader | None,
    history_url: str | None,
) -> Replica:
    """This process as a replica of a fleet: it follows the collector in the shared database
    and, with `elected`, stands to be it (settings.py checked the database is PostgreSQL)."""
    name = config.replica_name or f"{socket.gethostname()}-{os.getpid()}"
    replica = Replica(
        engines.connect(history_url),
        name,
        client,
        lambda: Hub(client, config, is_local=is_local, audit=audit, queue=queue),
        elect=config.collector == "elected",
        lease_seconds=config.lease_seconds,
        per_minute=config.requests_per_minute,
        audit=audit,
    )
    # The schema first (the journal's tables), tried again until the database answers.
    return replica.start(prepare=lambda: History.open(history_url).close())
