"""Configuration: defaults, where values come from, and errors that name the variable."""

import pytest

from sync_monitor.settings import Settings, SettingsError, load_settings

TOKEN = "s3cr3t-session-token-value"
TEAM = "3f2b8c1a-9d4e-4f6a-8b7c-0123456789ab"
API = "https://dotoro.example.com"


def test_defaults_start_the_bundled_api_with_the_documented_timings() -> None:
    settings = load_settings({}, {})

    assert settings.api_url is None  # None: the bundled local API is started
    assert settings.session_token is None
    assert settings.team_id is None
    assert settings.user_id is None
    assert settings.workers is None
    assert settings.refresh_seconds == 1.0
    assert settings.poll_seconds == 2.0
    assert settings.stall_seconds == 60.0
    assert settings.heartbeat_seconds == 15.0  # the service's heartbeat (§3.2)
    assert settings.request_timeout_seconds == 10.0


def test_values_are_read_from_the_environment() -> None:
    environ = {
        "SYNC_MONITOR_API_URL": "http://localhost:3001",
        "SYNC_MONITOR_TEAM_ID": TEAM,
        "SYNC_MONITOR_POLL_SECONDS": "5",
        "SYNC_MONITOR_WORKERS": "3",
    }
    settings = load_settings({}, environ)

    assert settings.api_url == "http://localhost:3001"
    assert settings.team_id == TEAM
    assert settings.poll_seconds == 5.0
    assert settings.workers == 3


def test_values_are_read_from_secrets_whatever_the_key_case() -> None:
    settings = load_settings({"SYNC_MONITOR_POLL_SECONDS": 7, "sync_monitor_stall_seconds": 90}, {})

    assert (settings.poll_seconds, settings.stall_seconds) == (7.0, 90.0)


def test_environment_wins_over_secrets() -> None:
    settings = load_settings(
        {"SYNC_MONITOR_POLL_SECONDS": 7, "SYNC_MONITOR_STALL_SECONDS": 90},
        {"SYNC_MONITOR_POLL_SECONDS": "3"},
    )

    assert settings.poll_seconds == 3.0
    assert settings.stall_seconds == 90.0  # not in the environment: the secret stands


def test_overrides_win_over_environment_and_secrets() -> None:
    settings = load_settings(
        {"SYNC_MONITOR_POLL_SECONDS": 7}, {"SYNC_MONITOR_POLL_SECONDS": "3"}, poll_seconds=9
    )

    assert settings.poll_seconds == 9.0


def test_os_environ_is_read_when_no_environment_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SYNC_MONITOR_POLL_SECONDS", "4")

    assert load_settings({}).poll_seconds == 4.0


def test_unrelated_and_unknown_variables_are_ignored() -> None:
    settings = load_settings({"OTHER": "x"}, {"POLL_SECONDS": "0", "SYNC_MONITOR_COLOUR": "red"})

    assert settings == load_settings({}, {})


def test_api_url_loses_its_trailing_slash_and_blank_means_unset() -> None:
    assert load_settings({}, {"SYNC_MONITOR_API_URL": " https://api.example.com/ "}).api_url == (
        "https://api.example.com"
    )
    assert load_settings({}, {"SYNC_MONITOR_API_URL": "  "}).api_url is None


def test_team_id_is_trimmed_and_blank_means_unset() -> None:
    assert load_settings({}, {"SYNC_MONITOR_TEAM_ID": f" {TEAM} "}).team_id == TEAM
    assert load_settings({}, {"SYNC_MONITOR_TEAM_ID": ""}).team_id is None


def test_log_level_is_one_of_four_whatever_the_case() -> None:
    assert load_settings({}, {}).log_level == "info"
    assert load_settings({}, {"SYNC_MONITOR_LOG_LEVEL": " DEBUG "}).log_level == "debug"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SYNC_MONITOR_POLL_SECONDS", "0.1"),
        ("SYNC_MONITOR_POLL_SECONDS", "often"),
        ("SYNC_MONITOR_REFRESH_SECONDS", "0"),
        ("SYNC_MONITOR_STALL_SECONDS", "-5"),
        ("SYNC_MONITOR_WORKERS", "0"),
        ("SYNC_MONITOR_TEAM_ID", "team-42"),
        ("SYNC_MONITOR_API_URL", "localhost:3001"),
        ("SYNC_MONITOR_API_URL", "ftp://example.com"),
        ("SYNC_MONITOR_LOG_LEVEL", "verbose"),
    ],
)
def test_invalid_value_raises_an_error_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({}, {variable: value})

    assert str(raised.value).startswith(f"{variable}: ")


def test_invalid_secret_is_named_like_its_variable() -> None:
    with pytest.raises(SettingsError, match=r"^SYNC_MONITOR_TEAM_ID: .*UUID"):
        load_settings({"sync_monitor_team_id": "not-a-uuid"}, {})


def test_api_url_error_says_what_is_expected() -> None:
    with pytest.raises(SettingsError, match=r"http:// or https://"):
        load_settings({}, {"SYNC_MONITOR_API_URL": "localhost:3001"})


def test_error_does_not_echo_the_rejected_value() -> None:
    # A secret pasted into the wrong variable must not end up in a log or on screen.
    with pytest.raises(SettingsError) as raised:
        load_settings({}, {"SYNC_MONITOR_TEAM_ID": TOKEN})

    assert TOKEN not in str(raised.value)


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


def test_session_token_is_a_secret_that_never_shows_in_a_repr() -> None:
    settings = load_settings({"SYNC_MONITOR_SESSION_TOKEN": TOKEN}, {})

    assert settings.session_token is not None
    assert settings.session_token.get_secret_value() == TOKEN
    for text in (repr(settings), str(settings), repr(settings.session_token)):
        assert TOKEN not in text


def test_settings_are_frozen() -> None:
    settings = load_settings({}, {})

    with pytest.raises(ValueError, match="frozen"):
        settings.poll_seconds = 5  # type: ignore[misc]


@pytest.mark.parametrize("heartbeat", ["1", "15", "60"])
def test_read_timeout_outlasts_two_heartbeats(heartbeat: str) -> None:
    settings = load_settings({}, {"SYNC_MONITOR_HEARTBEAT_SECONDS": heartbeat})

    assert settings.read_timeout > 2 * settings.heartbeat_seconds


def test_settings_is_the_type_returned() -> None:
    assert isinstance(load_settings({}, {}), Settings)


def test_database_urls_are_checked_and_never_echoed() -> None:
    ok = load_settings({}, {"SYNC_MONITOR_PGBOSS_URL": "postgresql://r:pw@db:5432/dotoro"})
    assert ok.pgboss_url is not None
    assert ok.pgboss_url.get_secret_value() == "postgresql://r:pw@db:5432/dotoro"
    assert load_settings({}, {"SYNC_MONITOR_HISTORY_URL": "sqlite:///x.db"}).history_url
    for variable, value, why in (
        ("SYNC_MONITOR_PGBOSS_URL", "sqlite:///x.db", "must start with postgresql://"),
        ("SYNC_MONITOR_HISTORY_URL", "mysql://u:secret1@h/db", "must start with"),
        ("SYNC_MONITOR_PGBOSS_URL", "postgresql://u:p@ss@h/db", "write it as %40"),
        ("SYNC_MONITOR_HISTORY_URL", "postgresql://u:secret1@h:port/db", "unreadable port"),
    ):
        with pytest.raises(SettingsError) as raised:
            load_settings({}, {variable: value})
        assert why in str(raised.value), raised.value
        assert "secret1" not in str(raised.value)
        assert "p@ss" not in str(raised.value)


def test_one_process_collects_by_default() -> None:
    settings = load_settings({}, {})

    assert settings.collector == "this-process"
    assert settings.replica_name is None
    assert settings.lease_seconds == 15.0


@pytest.mark.parametrize("collector", ["elected", "elsewhere"])
@pytest.mark.parametrize(
    ("history", "said"),
    [(None, "unset now (SQLite)"), ("sqlite:///data/h.sqlite3", "SQLite now")],
)
def test_a_fleet_asked_for_on_sqlite_says_it_needs_postgresql(
    collector: str, history: str | None, said: str
) -> None:
    environ = {"SYNC_MONITOR_COLLECTOR": collector, "SYNC_MONITOR_API_URL": API}
    if history:
        environ["SYNC_MONITOR_HISTORY_URL"] = history

    with pytest.raises(SettingsError) as raised:
        load_settings({}, environ)

    assert str(raised.value).startswith("SYNC_MONITOR_COLLECTOR: ")
    assert f"{collector} needs SYNC_MONITOR_HISTORY_URL on PostgreSQL" in str(raised.value)
    assert str(raised.value).endswith(f"it is {said}")


def test_a_fleet_on_postgresql_is_taken_whatever_the_case() -> None:
    settings = load_settings(
        {},
        {
            "SYNC_MONITOR_COLLECTOR": " Elected ",
            "SYNC_MONITOR_HISTORY_URL": "postgresql://monitor:pw@db/history",
            "SYNC_MONITOR_API_URL": API,
            "SYNC_MONITOR_REPLICA_NAME": "web-2",
        },
    )

    assert (settings.collector, settings.replica_name) == ("elected", "web-2")


@pytest.mark.parametrize("collector", ["elected", "elsewhere"])
def test_a_fleet_without_an_api_url_says_the_replicas_need_one(collector: str) -> None:
    environ = {
        "SYNC_MONITOR_COLLECTOR": collector,
        "SYNC_MONITOR_HISTORY_URL": "postgresql://monitor:pw@db/history",
    }

    with pytest.raises(SettingsError) as raised:
        load_settings({}, environ)

    assert str(raised.value).startswith("SYNC_MONITOR_COLLECTOR: ")
    assert f"{collector} needs SYNC_MONITOR_API_URL" in str(raised.value)
    assert "pw" not in str(raised.value)


def test_one_process_collecting_needs_no_api_url() -> None:
    assert load_settings({}, {"SYNC_MONITOR_COLLECTOR": "this-process"}).api_url is None
