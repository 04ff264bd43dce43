"""The process-wide services; with sync_monitor/ui/, the only place that imports Streamlit.

`services()` starts them once per process, so every viewer shares one hub (one status poller,
one stream per job) and, when no backend is configured, one bundled local API. A module-level
singleton, not st.cache_resource: any browser can clear Streamlit's caches (its clear-cache
message), and a second hub would then poll beside the first, with a new push secret and a
sign-in registry that had forgotten every sign-out.
"""

from __future__ import annotations

import atexit
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from sync_monitor import cookies
from sync_monitor.alerts.evaluator import channels_of
from sync_monitor.clients.board import ClientBoard
from sync_monitor.digest import config as digest_config
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.history import History
from sync_monitor.history.audit import AuditLog
from sync_monitor.history.recorder import Recorder
from sync_monitor.live.hub import Live
from sync_monitor.push import route
from sync_monitor.push.publisher import Publisher
from sync_monitor.triage.batches import Batches
from sync_monitor.triage.states import GroupStates

from .access import Action, Entry, Verdict, signed_in
from .assembly import assemble
from .settings import Settings, SettingsError, load_settings
from .signins import SignIns

log = logging.getLogger(__name__)
LOCAL_DB = Path("data/local-api.sqlite3")
NO_SECRETS = "no-secrets-found"  # Streamlit's error id when there is no secrets file at all
_stoppers: list[Callable[[], None]] = []  # what services() started, newest last


@dataclass(frozen=True)
class Services:
    settings: Settings
    live: Live
    client: DotoroClient
    is_local: bool
    publisher: Publisher
    # Signs the push route's tokens; new with each process, like the sessions they are bound to.
    push_secret: bytes
    audit: AuditLog
    recorder: Recorder  # writes the failure history; the analysis page reads it
    signins: SignIns  # whose sign-in still holds (used only with sign-in)
    batches: Batches  # group retries: one at a time, outliving the page that started one
    group_states: GroupStates  # what the history says of each cause failing now (a minute)
    clients: ClientBoard  # each client's sets and their state (issue 24)

    def history(self) -> History | None:
        """The history, once the recorder has opened it (None while it cannot)."""
        return self.recorder.history


def _secrets() -> dict[str, Any]:
    try:
        return {k: v for k, v in st.secrets.items() if isinstance(v, str | int | float)}
    except StreamlitSecretNotFoundError as exc:
        if exc.error_id == NO_SECRETS:  # Streamlit raises rather than returning nothing
            return {}
        # A file that cannot be read must not read as no file: its [auth] would be ignored.
        raise SettingsError(f"the secrets file cannot be read ({exc})") from None


def settings() -> Settings:
    """Settings from the environment and st.secrets (raises SettingsError naming the setting)."""
    return load_settings(_secrets())


_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_log_handler: logging.Handler | None = None


def _log_at(level: str) -> None:
    """The monitor's log on stderr at `level`; its libraries' (urllib3, SQLAlchemy, Alembic,
    the bundled API's uvicorn) at warnings only, unless `level` is debug. Streamlit's own
    loggers keep their handler and level (they do not propagate)."""
    global _log_handler
    root = logging.getLogger()
    if _log_handler is None:
        _log_handler = logging.StreamHandler()
        _log_handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        root.addHandler(_log_handler)
    root.setLevel("DEBUG" if level == "debug" else "WARNING")
    for name in ("sync_monitor", "dotoro_local"):  # the monitor, and the bundled API in-process
        logging.getLogger(name).setLevel(level.upper())


_running: Services | None = None
_starting = threading.Lock()


def services() -> Services:
    """The shared services, started by the first call in this process."""
    global _running
    with _starting:
        if _running is None:
            _running = _start()
        return _running


def _start() -> Services:
    config = settings()
    # A wrong digest or alert channel stops start-up before anything starts (the bundled API).
    digest_config.from_settings(config)
    channels_of(config)
    _log_at(config.log_level)
    url = config.api_url
    is_local = url is None
    names: dict[str, str] = {}
    if url is None:
        from dotoro_local import LocalApiServer, ServerConfig

        server = LocalApiServer(ServerConfig(db_path=LOCAL_DB)).start()
        _stoppers.append(server.stop)
        url = server.url
        names = server.ad_account_names()
        log.info("started the bundled local API at %s", url)
    parts = assemble(config, url, is_local=is_local, client_names=names)
    _stoppers.append(parts.stop)
    live, client, audit, recorder = parts.live, parts.client, parts.audit, parts.recorder
    batches = Batches(live.actions, live.snapshot, audit, live.wall)
    _stoppers.append(batches.stop)
    states = GroupStates(lambda: recorder.history).start()
    _stoppers.append(states.stop)
    publisher = Publisher(live, batch=batches.latest, states=states.get).start()
    _stoppers.append(publisher.stop)
    secret = (
        config.push_secret.get_secret_value().encode()
        if config.push_secret
        else secrets.token_bytes(32)
    )
    signins = SignIns()
    # The push route (unless SYNC_MONITOR_PUSH is off) and the check-in (mounted by app.py,
    # served outside any script) admit tokens from now on.
    route.open_gate(
        route.Gate(
            publisher,
            secret,
            _is_session,
            browser_of=lambda jar: cookies.browser_of(secret, jar),
            same_device=cookies.same_device,
            signins=signins,
            sign_in=_sign_in,
            refuse=_refuse,
            refused=lambda what, why, peer: _refused(audit, live.wall, what, why, peer),
            push=config.push,
        )
    )
    return Services(
        config,
        live,
        client,
        is_local,
        publisher,
        secret,
        audit,
        recorder,
        signins,
        batches,
        states,
        parts.clients,
    )


def _sign_in() -> bool:
    """Is sign-in set up now (for the route: a secrets file that cannot be read counts as set
    up, so that nobody's sign-in is taken for absent)."""
    try:
        return cookies.sign_in_configured()
    except SettingsError as exc:
        log.warning("cannot tell whether sign-in is set up: %s", exc)
        return True


def _refuse(jar: Any) -> str | None:
    """Why a browser with these cookies is not let in now (signed out, an address its provider
    has not verified, not on the lists as they are now); None when it is."""
    user = cookies.user_of(jar)
    if user is None:
        return route.ENDED
    try:
        config = settings()
    except SettingsError as exc:
        raise route.CannotTell(str(exc)) from None
    email = user.get("email")
    known = signed_in(
        email if isinstance(email, str) else None,
        config.operators,
        config.viewers,
        config.read_only,
        user.get("email_verified"),
    )
    if known is None:
        return f"{email or 'This account'} is no longer on this monitor's lists."
    return known.refusal or None


ROUTE_CALLER = "unknown client"  # who a refused request to the route is (one bucket per kind)


def _refused(audit: AuditLog, wall: Callable[[], Any], what: Action, why: str, peer: str) -> None:
    """A request the route refused: counted in the audit trail, where a flood is summed up
    (AuditLog.refusal), and logged as often as the trail lists it (never the token). All such
    requests are one caller there: a client can say anything of its address."""
    entry = Entry(
        wall(), ROUTE_CALLER, "unknown", what, "", Verdict.REFUSED, f"{why} (from {peer})"
    )
    if audit.refusal(entry):
        log.warning("refused a %s request from %s: %s", what, peer, why)


def shutdown() -> None:
    """Stop what services() started (publisher, hub, then the local API) and forget it."""
    global _running
    route.open_gate(None)
    with _starting:
        while _stoppers:
            _stoppers.pop()()
        _running = None


def _is_session(session: str) -> bool:
    from streamlit.runtime import Runtime

    return Runtime.exists() and Runtime.instance().is_active_session(session)


atexit.register(shutdown)
