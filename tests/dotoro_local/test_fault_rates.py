"""The local API's stream fault rates (`drop_rate`, `malformed_rate`) over real HTTP."""

from __future__ import annotations

from dotoro_local import Contract
from dotoro_local.__main__ import config_from, parser
from tests.support.local_api import Api, RawStream, frames, quiet_config, running

FAST = {"campaigns": 3, "seconds_per_campaign": 0.02}
TERMINAL = (b"event: completed\n", b"event: error\n")
MALFORMED = b'event: progress\ndata: {"synced": 3, oops\n\n'
UNKNOWN = b'event: mystery\ndata: {"what":"unknown type"}\n\n'
JOBS = 6


def stream_path(cs: dict[str, str]) -> str:
    return f"/api/v1/campaign-sets/{cs['setId']}/sync-stream?jobId={cs['jobId']}"


def watch_from_the_start(api: Api) -> tuple[dict[str, str], bytes]:
    """One job's whole stream, attached before it starts: the same frames on every run."""
    api.set_workers(0)
    cs = api.create_set(name="Rated", queue=True, behaviour=FAST)
    stream = RawStream(api.url, stream_path(cs))
    stream.read_until(b"\n\n")  # `connected`: attached
    api.set_workers(1)
    body = stream.read_to_end()
    api.wait_state(cs["jobId"], "completed")
    return cs, body


def ended_with_terminal(body: bytes) -> bool:
    return any(frames(body)[-1].encode().startswith(t) for t in TERMINAL)


def test_drop_rate_one_ends_every_stream_before_its_terminal_event(api: Api) -> None:
    api.set_faults(drop_rate=1.0)
    for _ in range(JOBS):
        cs, body = watch_from_the_start(api)
        assert body.startswith(b"event: connected\n")
        assert not any(t in body for t in TERMINAL), body
        # A finished job's attach is not mid-job: it always tells how the job ended.
        assert ended_with_terminal(RawStream(api.url, stream_path(cs)).read_to_end())


def test_drop_rate_zero_drops_no_stream(api: Api) -> None:
    api.set_faults(drop_rate=0.0, malformed_rate=0.0)
    for _ in range(JOBS):
        _, body = watch_from_the_start(api)
        assert ended_with_terminal(body), body
        assert MALFORMED not in body
        assert UNKNOWN not in body


def test_malformed_rate_one_gives_every_stream_one_bad_and_one_unknown_event(api: Api) -> None:
    api.set_faults(malformed_rate=1.0)
    for _ in range(JOBS):
        _, body = watch_from_the_start(api)
        assert body.count(MALFORMED) == 1, body
        assert body.count(UNKNOWN) == 1, body
        assert body.index(MALFORMED) > body.index(b"event: connected\n")
        assert ended_with_terminal(body), body  # nothing else is lost


def test_the_plan_resumes_a_dropped_stream_to_its_end(plan: Api) -> None:
    plan.set_faults(drop_rate=1.0)
    cs, body = watch_from_the_start(plan)
    last_id = [f for f in frames(body) if "\nid: " in f][-1].rsplit("id: ", 1)[1]
    tail = RawStream(plan.url, stream_path(cs), {"Last-Event-ID": last_id}).read_to_end()
    assert ended_with_terminal(tail), tail


def test_the_same_seed_gives_the_same_faults_to_the_same_jobs() -> None:
    def run(seed: int) -> list[bytes]:
        config = quiet_config(contract=Contract.PLAN, seed=seed)
        with running(config) as api:
            api.set_faults(drop_rate=0.5, malformed_rate=0.5)
            return [watch_from_the_start(api)[1] for _ in range(JOBS)]

    first, again = run(5), run(5)
    assert first == again
    assert {ended_with_terminal(body) for body in first} == {True, False}  # some dropped
    assert {MALFORMED in body for body in first} == {True, False}  # some malformed


def test_the_rates_are_validated_and_readable(plan: Api) -> None:
    response = plan.post("/_local/faults", json={"drop_rate": 1.5})
    assert response.status_code == 400
    assert response.json()["error"] == "drop_rate: must be between 0 and 1"
    assert plan.post("/_local/faults", json={"malformed_rate": -0.1}).status_code == 400
    plan.set_faults(drop_rate=0.1, malformed_rate=0.05)
    faults = plan.get("/_local/faults").json()
    assert (faults["drop_rate"], faults["malformed_rate"]) == (0.1, 0.05)


def test_the_cli_flags_set_the_rates() -> None:
    config = config_from(parser().parse_args(["--drop-rate", "0.1", "--malformed-rate", "0.05"]))
    assert (config.faults.drop_rate, config.faults.malformed_rate) == (0.1, 0.05)
