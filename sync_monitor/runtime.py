"""The process-wide services; with sync_monitor/ui/, the only place that imports Streamlit.

`services()` is cached with st.cache_resource, so every viewer of this process shares one hub
(one status poller, one stream per job) and, when no backend is configured, one bundled local API.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from .budget import ACTION_ROOM, RequestBudget, reserve_for
from .client import DotoroClient
from .hub import Hub
from .settings import Settings, load_settings

log = logging.getLogger(__name__)
LOCAL_DB = Path("data/local-api.sqlite3")
_stoppers: list[Callable[[], None]] = []  # what services() started, newest last


@dataclass(frozen=True)
class Services:
    settings: Settings
    hub: Hub
    client: DotoroClient
    is_local: bool


def _secrets() -> dict[str, Any]:
    try:
        return {k: v for k, v in st.secrets.items() if isinstance(v, str | int | float)}
    except Exception:  # no secrets.toml: Streamlit raises rather than returning nothing
        return {}


def settings() -> Settings:
    """Settings from the environment and st.secrets (raises SettingsError naming the setting)."""
    return load_settings(_secrets())


@st.cache_resource(show_spinner=False)
def services() -> Services:
    """Start the shared services once per process."""
    config = settings()
    url = config.api_url
    is_local = url is None
    if url is None:
        from .local_api import LocalApiServer, ServerConfig

        server = LocalApiServer(ServerConfig(db_path=LOCAL_DB)).start()
        _stoppers.append(server.stop)
        url = server.url
        log.info("started the bundled local API at %s", url)
    token = config.session_token.get_secret_value() if config.session_token else None
    per_minute = config.requests_per_minute
    budget = RequestBudget(
        per_minute,
        reserve_for(per_minute, config.poll_seconds),
        for_actions=min(ACTION_ROOM, per_minute // 10),
    )
    client = DotoroClient(
        url,
        session_token=token,
        team_id=config.team_id,
        user_id=config.user_id,
        timeout=config.request_timeout_seconds,
        budget=budget,
    )
    hub = Hub(client, config, is_local=is_local).start()
    _stoppers.append(hub.stop)
    return Services(config, hub, client, is_local)


def shutdown() -> None:
    """Stop what services() started (hub first, then the local API) and forget it."""
    while _stoppers:
        _stoppers.pop()()
    services.clear()


atexit.register(shutdown)
