"""Error sentences: one per status family, actionable, and never the raw body of an answer."""

import pytest

from sync_monitor.dotoro.errors import ApiError, describe, parse_error_body

HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)

FAMILIES = {
    "timeout": ApiError(0, "TIMEOUT", "The service did not answer in time."),
    "unreachable": ApiError(0, "UNREACHABLE", "The service could not be reached."),
    "401": ApiError(401, "UNAUTHORIZED", "Authentication required"),
    "403": ApiError(403, "FORBIDDEN", "Not a member of this team"),
    "404": ApiError(404, "NOT_FOUND", "Campaign set not found"),
    "409": ApiError(409, "CONFLICT", "Job already finished"),
    "429": ApiError(429, "TOO_MANY_REQUESTS", "Too many requests.", retry_after=60.0),
    "5xx": ApiError(500, "INTERNAL_ERROR", "Internal server error"),
    "other 4xx": ApiError(400, "VALIDATION_ERROR", "Team ID required."),
    "unreadable": ApiError(200, "BAD_RESPONSE", "The service sent an answer …"),
    "budget": ApiError(0, "BUDGET", "Waiting for the monitor's request budget.", retry_after=3),
}


@pytest.mark.parametrize("exc", FAMILIES.values(), ids=FAMILIES.keys())
def test_each_family_gives_one_line_that_starts_with_what_was_done(exc: ApiError) -> None:
    sentence = describe(exc, doing="The retry")

    assert sentence.startswith("The retry ")
    assert sentence.endswith(".")
    assert "\n" not in sentence


def test_each_family_has_its_own_sentence() -> None:
    sentences = {describe(exc) for exc in FAMILIES.values()}

    assert len(sentences) == len(FAMILIES)


@pytest.mark.parametrize("status", [502, 503, 504, 599])
def test_every_5xx_reads_as_a_server_error_with_its_status(status: int) -> None:
    sentence = describe(ApiError(status, "INTERNAL_ERROR", "x"))

    assert sentence == describe(ApiError(500, "INTERNAL_ERROR", "x")).replace("500", str(status))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 418, 429, 500, 502, 503])
def test_an_html_error_page_never_reaches_the_sentence(status: int) -> None:
    code, message = parse_error_body(status, HTML_PAGE)

    sentence = describe(ApiError(status, code, message))

    assert "<" not in sentence
    assert "nginx" not in sentence
    assert "Bad Gateway" not in sentence


def test_unauthorized_points_at_the_session_token() -> None:
    assert "SYNC_MONITOR_SESSION_TOKEN" in describe(FAMILIES["401"])


def test_forbidden_points_at_the_team_and_quotes_the_service() -> None:
    sentence = describe(FAMILIES["403"])

    assert "SYNC_MONITOR_TEAM_ID" in sentence
    assert "Not a member of this team" in sentence


def test_timeout_and_unreachable_read_differently() -> None:
    assert "timed out" in describe(FAMILIES["timeout"])
    assert "could not be reached" in describe(FAMILIES["unreachable"])


def test_rate_limit_says_how_long_when_known() -> None:
    assert "for 60 s" in describe(FAMILIES["429"])
    no_hint = ApiError(429, "TOO_MANY_REQUESTS", "Too many requests.")
    assert " for " not in describe(no_hint)
    assert "rate-limiting" in describe(no_hint)


def test_other_client_errors_quote_the_services_message() -> None:
    assert describe(FAMILIES["other 4xx"], doing="The retry") == (
        "The retry was refused: Team ID required."
    )


def test_words_match_the_fault() -> None:
    """A 500 is a server error, a 404 is not found, bad JSON is unreadable: never 'refused'."""
    assert "server error (HTTP 500)" in describe(FAMILIES["5xx"])
    assert "not found" in describe(FAMILIES["404"])
    assert "unreadable answer" in describe(FAMILIES["unreadable"])
    assert "refused" not in describe(FAMILIES["unreadable"])
    assert "refused" in describe(FAMILIES["401"])
    assert "refused" in describe(FAMILIES["403"])


def test_a_server_error_quotes_the_services_error_id() -> None:
    exc = ApiError(500, "INTERNAL_ERROR", "Internal server error", error_id="5f0c-77ab")
    assert "(HTTP 500, error id 5f0c-77ab)" in describe(exc)


def test_default_subject_is_the_request() -> None:
    assert describe(FAMILIES["5xx"]).startswith("The request failed")
