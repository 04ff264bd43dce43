"""The whole configuration: one typed Settings class, read from SYNC_MONITOR_* variables and from
Streamlit secrets (environment wins). Invalid values stop start-up with a message naming the
setting."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "SYNC_MONITOR_"


class SettingsError(ValueError):
    """A setting is invalid; the message names it as the user wrote it (SYNC_MONITOR_…)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    # Unset: the bundled local API is started in-process on a free loopback port.
    api_url: str | None = None
    # The Better-Auth session cookie value (dotoro-api.md §2): a secret, never logged or shown.
    session_token: SecretStr | None = None
    team_id: str | None = None
    user_id: str | None = None  # for the legacy x-user-id header of GET /api/v1/jobs/{id}
    refresh_seconds: float = Field(default=1.0, gt=0, le=60)
    poll_seconds: float = Field(default=2.0, ge=0.5, le=300)
    stall_seconds: float = Field(default=60.0, gt=0)
    heartbeat_seconds: float = Field(default=15.0, gt=0)  # the service's; read timeouts follow
    workers: int | None = Field(default=None, ge=1)  # the backend's worker count, when known
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    # Every call to the service, from every viewer, draws on this one budget: below the
    # service's 100 requests per minute per client (dotoro-api.md §1).
    requests_per_minute: int = Field(default=90, ge=10, le=10_000)
    # Read-only anywhere: nobody may retry or cancel (issue 10).
    read_only: bool = False
    # Nobody gets in without sign-in: with no [auth] section in the secrets, the page says so
    # and shows nothing. The hosted profile (Dockerfile) sets it.
    require_sign_in: bool = False
    # With sign-in: who may come in, as operators or viewers (e-mails and @domains, by commas).
    operators: str = ""
    viewers: str = ""
    # The audit trail of retries and cancels lives in the history database; this SQLite file
    # keeps its entries while that cannot be reached (they move in when it is back).
    audit_path: Path = Path("data/audit.sqlite3")
    # The failure history (issue 11): unset, a SQLite file (data/history.sqlite3); or a
    # postgresql://user:password@host/db URL for a shared deployment. A secret when it holds one.
    history_url: SecretStr | None = None
    # The service's own pg-boss queue, read-only (issue 12): a postgresql:// URL of its
    # database; a role that may only read pgboss.job is enough (docs/operating.md: "Reading
    # the queue").
    pgboss_url: SecretStr | None = None
    # Live updates pushed to the browser (issue 9); false: every tab reruns on a timer instead.
    push: bool = True
    # Signs the push route's tokens; unset: a random secret per process (tokens are bound to the
    # process's sessions anyway). Set it to mint tokens outside the process (the tests do).
    push_secret: SecretStr | None = None
    # Who collects Dotoro's data (issue 22). "this-process": this process polls and streams (one
    # process, the default). "elected": the replicas of a shared deployment elect one collector
    # through a lease in the history database (PostgreSQL), and the others follow it. "elsewhere":
    # this replica never collects; it follows a collector run on its own (sync-monitor-collector).
    collector: Literal["this-process", "elected", "elsewhere"] = "this-process"
    # This replica's name for the page ("Collected by web-2") and the lease; unset: its host name
    # and process id.
    replica_name: str | None = None
    # The collector's lease: a collector that dies is replaced within this many seconds.
    lease_seconds: float = Field(default=15.0, ge=3, le=300)
    # Clients' names (issue 24), by Dotoro ad account or team id, as a JSON object
    # {"<ad account id>": "Acme Outdoor", …}: the API names neither. Several accounts may share
    # a name (one brand on several platforms): they are one client.
    client_names: dict[str, str] = Field(default_factory=dict)
    # The monitor's address as its viewers reach it (https://sync.example.com): the links in
    # alerts and digests start with it (issue 24). Unset: http://localhost:8501.
    public_url: str = "http://localhost:8501"
    # The mail server for alerts and digests sent by e-mail (issue 24); unset: no e-mail.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    # starttls (port 587, the default), tls (port 465) or none (a relay on a trusted network).
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None  # a secret: never logged or shown
    smtp_from: str = "Sync Monitor <sync-monitor@localhost>"
    # The weekly digests (issue 24): a JSON list of {name, clients, to, when}, read and checked
    # at start by sync_monitor/digest/config.py. A secret: its webhooks' URLs hold theirs.
    digests: SecretStr | None = None
    # The zone of the digests' times and weeks, an IANA name ("Europe/Paris"); UTC by default.
    digest_timezone: str = "UTC"
    # Alerts (issue 24): where they go, as notify/channels.py reads them (slack=URL
    # webhook=URL email=ADDRESS; checked at start, by assembly.py); unset: the Alerts page only.
    # A secret: webhook URLs hold their tokens.
    alert_channels: SecretStr | None = None
    alert_nothing_finished_minutes: float = Field(default=30.0, gt=0)
    alert_wait_minutes: float = Field(default=30.0, gt=0)
    alert_fails_in_a_row: int = Field(default=3, ge=1)
    # Finished attempts in the hour before a platform's failure rate can fire.
    alert_min_finished: int = Field(default=10, ge=1)
    alerts_per_hour: int = Field(default=10, ge=1)  # messages, across every rule
    alert_seconds: float = Field(default=30.0, ge=1, le=3600)  # how often the rules are run
    # The monitor's own log on stderr, beside Streamlit's (whose level is --logger.level).
    # Credentials are never in it, at any level.
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("api_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("history_url", "pgboss_url", mode="before")
    @classmethod
    def _database_url(cls, value: object, info: ValidationInfo) -> object:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is None or not isinstance(text, str) or not text.strip():
            return None
        text = text.strip()
        schemes: tuple[str, ...] = ("postgresql://", "postgres://")
        if info.field_name == "history_url":
            schemes += ("sqlite:///",)
        if not text.startswith(schemes):
            raise ValueError(f"must start with {' or '.join(schemes)}")
        if text.split("://", 1)[1].count("@") > 1:  # the host would hold part of the password
            raise ValueError("has an @ in its user or password: write it as %40")
        try:
            urlsplit(text).port  # noqa: B018 (a bad port raises)
        except ValueError:
            raise ValueError("has an unreadable port") from None
        return text

    @field_validator("collector", mode="before")
    @classmethod
    def _shared(cls, value: object, info: ValidationInfo) -> object:
        value = value.strip().lower() if isinstance(value, str) else value
        if value in ("elected", "elsewhere"):
            url = info.data.get("history_url")
            text = url.get_secret_value() if isinstance(url, SecretStr) else ""
            if not text.startswith(("postgresql://", "postgres://")):
                now = "SQLite now" if text else "unset now (SQLite)"
                raise ValueError(
                    f"{value} needs SYNC_MONITOR_HISTORY_URL on PostgreSQL (the replicas share "
                    f"the collector's lease and its changes there); it is {now}"
                )
            # Unset, each process would start a bundled local API of its own: the replicas
            # would each watch a different one. (A bad URL has its own message already.)
            if "api_url" in info.data and info.data["api_url"] is None:
                raise ValueError(
                    f"{value} needs SYNC_MONITOR_API_URL: the replicas share one Dotoro API "
                    "(the bundled local one is for a single process)"
                )
        return value

    @field_validator("client_names", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError(
                    'must be a JSON object: {"<ad account id>": "Client name"}'
                ) from None
        if isinstance(value, dict):
            value = {str(k).strip(): str(v).strip() for k, v in value.items() if str(v).strip()}
        return value

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("smtp_host", "smtp_user", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("smtp_security", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("digest_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        value = value.strip() or "UTC"
        try:
            ZoneInfo(value)
        except (ValueError, ZoneInfoNotFoundError):
            raise ValueError(f"{value!r} is not a time zone such as Europe/Paris or UTC") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("team_id")
    @classmethod
    def _team(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            uuid.UUID(value.strip())
        except ValueError:
            raise ValueError("must be a UUID") from None
        return value.strip()

    @property
    def read_timeout(self) -> float:
        """Stream read timeout: above twice the heartbeat, so one lost heartbeat is not a drop."""
        return 2 * self.heartbeat_seconds + 5


def load_settings(
    secrets: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Settings from the environment, then `secrets` (e.g. st.secrets), then `overrides`.

    Raises SettingsError naming the first invalid setting.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for key, value in (secrets or {}).items():
        if key.upper().startswith(PREFIX) and key.upper() not in environ:
            values[key.upper()[len(PREFIX) :].lower()] = value
    for key, value in environ.items():
        if key.upper().startswith(PREFIX):
            values[key.upper()[len(PREFIX) :].lower()] = value
    values.update(overrides)
    try:
        # Values are passed explicitly so that `environ` (not only os.environ) is honoured.
        return Settings(_env_prefix="__ignored__", **values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = PREFIX + str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg']}") from None
