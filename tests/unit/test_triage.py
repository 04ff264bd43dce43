"""Failures grouped by cause, the group retry's dry run, and the batch that works through it
(issue 23): the pure core, and the batch's thread against a fake `Actions` (no network)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sync_monitor.access import Action, Caller, Entry, Role, Verdict
from sync_monitor.dotoro.models import Features, JobState, Platform
from sync_monitor.live.actions import ActionResult
from sync_monitor.live.snapshot import (
    Backend,
    BackendKind,
    FailedView,
    Finished,
    PendingView,
    Snapshot,
)
from sync_monitor.push.payload import payload
from sync_monitor.triage.batch import Batch
from sync_monitor.triage.batches import Batches
from sync_monitor.triage.groups import attention, failure_groups
from sync_monitor.triage.plan import Item, plan
from sync_monitor.triage.progress import Answer, BatchState, Outcomes, Sent, outcomes, should_stop

NOW = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
OPERATOR = Caller("ops@acme.com", Role.OPERATOR)
VIEWER = Caller("viewer@acme.com", Role.VIEWER, why_read_only="You are a viewer.")
LIMIT = "Reddit Ads API error 429: retry after {} s (request {})"
EXPIRED = "Meta Marketing API error 190: OAuthException: access token has expired"


def failure(set_id: str, error: str | None, minutes_ago: float, **more: object) -> FailedView:
    platform = more.pop("platform", Platform.REDDIT)
    at = NOW - timedelta(minutes=minutes_ago)
    job = str(more.pop("job_id", f"job-{set_id}-{minutes_ago}"))
    return FailedView(job, job, set_id, f"Set {set_id}", platform, error, at, **more)  # type: ignore[arg-type]


def snapshot(**parts: object) -> Snapshot:
    return Snapshot(NOW, 1, Backend(), Features(), NOW, **parts)  # type: ignore[arg-type]


def pending(set_id: str, waiting_s: float) -> PendingView:
    return PendingView(
        set_id, None, set_id, f"Set {set_id}", Platform.GOOGLE, NOW, 1, waiting_s, None, None
    )


def test_failures_of_one_cause_on_one_platform_are_one_group_whatever_varies_in_the_text() -> None:
    failed = [
        failure("a", LIMIT.format(6, "9f2c77aa01"), 5),
        failure("b", LIMIT.format(30, "b81e99cc02"), 1),
        failure("a", LIMIT.format(12, "c81e99cc03"), 30),
        failure("c", LIMIT.format(6, "9f2c77aa04"), 2, platform=Platform.META),
        failure("d", EXPIRED, 3, platform=Platform.META),
    ]

    groups = failure_groups(failed)

    assert [(g.label, g.platform, g.count) for g in groups] == [
        ("Rate limit", Platform.REDDIT, 3),  # the most failures first
        ("Rate limit", Platform.META, 1),  # then the newest
        ("Expired credentials", Platform.META, 1),
    ]
    reddit = groups[0]
    assert reddit.set_ids == ("b", "a")  # each set once, newest failure first
    assert (reddit.first_at, reddit.last_at) == (
        NOW - timedelta(minutes=30),
        NOW - timedelta(minutes=1),
    )
    assert reddit.example == LIMIT.format(30, "b81e99cc02")  # the newest failure's words
    assert len({g.key for g in groups}) == 3
    assert failure_groups(reversed(failed))[0].key == reddit.key  # stable, whatever the order


def test_failures_with_no_reason_are_one_group_said_in_words() -> None:
    groups = failure_groups([failure("a", None, 1), failure("b", "", 2)])

    assert [(g.label, g.count, g.example) for g in groups] == [
        ("No reason given", 2, "the service did not say why")
    ]


def test_attention_counts_causes_stalled_syncs_and_finds_the_longest_wait() -> None:
    snap = snapshot(
        failed=(failure("a", EXPIRED, 1), failure("b", LIMIT.format(1, "ab12cd34ef"), 1)),
        pending=(pending("p", 40.0), pending("q", 900.0), pending("r", 5.0)),
    )

    found = attention(snap, failure_groups(snap.failed))

    assert (found.causes, found.failures, found.stalled) == (2, 2, 0)
    assert found.longest is not None
    assert found.longest.set_id == "q"
    assert not found.calm
    assert attention(snapshot(), ()).calm


def test_the_dry_run_retries_each_set_once_and_says_why_others_are_skipped() -> None:
    failed = (
        failure("a", LIMIT.format(6, "9f2c77aa01"), 1),
        failure("a", LIMIT.format(6, "9f2c77aa05"), 9),  # the same set, failed twice
        failure("b", LIMIT.format(6, "9f2c77aa02"), 2),
        failure("c", LIMIT.format(6, "9f2c77aa03"), 3, retrying=True),
        failure("q", LIMIT.format(6, "9f2c77aa04"), 4),
        failure("x", EXPIRED, 1, platform=Platform.META),
    )
    snap = snapshot(failed=failed, pending=(pending("q", 3.0),))
    groups = failure_groups(failed)

    limited = plan(snap, [groups[0]], pace_s=6.0)
    both = plan(snap, groups, pace_s=6.0)

    assert [i.set_id for i in limited.items] == ["a", "b"]
    assert limited.jobs == 5
    assert {(s.set_id, s.why) for s in limited.skipped} == {
        ("c", "a retry is on its way"),
        ("q", "already queued again"),
    }
    assert limited.seconds == 6.0  # the first at once, the second a pace later
    assert limited.what == "Rate limit on Reddit"
    expired = next(s for s in both.skipped if s.set_id == "x")
    assert "reconnect the ad account" in expired.why  # a retry cannot help: not sent
    assert both.what == "2 causes"


def test_outcomes_know_a_retried_job_that_failed_again_or_completed() -> None:
    sent = tuple(
        Sent(
            Item(s, f"Set {s}", Platform.REDDIT, "Rate limit"),
            NOW,
            Answer(True, "ok", f"new-{s}"),
        )
        for s in ("a", "b", "c")
    )
    snap = snapshot(
        failed=(failure("a", "boom", 0, job_id="new-a"), failure("c", "old", 10)),
        finished=(Finished(NOW, Platform.REDDIT, JobState.COMPLETED, 3.0, "new-b"),),
    )

    assert outcomes(sent, snap) == Outcomes(failed_again=1, succeeded=1)


def test_a_batch_stops_only_once_most_retried_syncs_failed_again_and_enough_to_tell() -> None:
    assert not should_stop(Outcomes(failed_again=2, succeeded=0))  # too few to tell
    assert should_stop(Outcomes(failed_again=3, succeeded=2))
    assert not should_stop(Outcomes(failed_again=3, succeeded=3))


class FakeActions:
    """Retries answered at once; a POST counted per set."""

    def __init__(self) -> None:
        self.posts: list[str] = []
        self.posted = threading.Condition()

    def retry(self, set_id: str, caller: Caller) -> Future[ActionResult]:
        future: Future[ActionResult] = Future()
        with self.posted:
            self.posts.append(set_id)
            self.posted.notify_all()
        future.set_result(ActionResult(True, "Sync queued again.", f"new-{set_id}"))
        return future

    def cancel(self, job_id: str, caller: Caller) -> Future[ActionResult]:
        raise AssertionError("a group retry cancels nothing")

    def wait_for(self, count: int) -> None:
        with self.posted:
            assert self.posted.wait_for(lambda: len(self.posts) >= count, timeout=30)


class Trail:
    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def record(self, entry: Entry) -> None:
        self.entries.append(entry)

    def refusal(self, entry: Entry) -> bool:
        self.entries.append(entry)
        return True


def group_of(count: int) -> tuple[Snapshot, list[str]]:
    sets = [f"s{n}" for n in range(count)]
    failed = tuple(failure(s, LIMIT.format(n, "ab12cd34ef"), n) for n, s in enumerate(sets))
    return snapshot(failed=failed), sets


def wait_state(batch: Batch, state: BatchState) -> None:
    done = threading.Event()
    for _ in range(300):
        if batch.view().state is state:
            return
        done.wait(0.1)
    raise AssertionError(f"the batch is {batch.view().state}, not {state}")


def test_a_batch_sends_one_post_per_set_of_its_plan_and_audits_its_start_and_end() -> None:
    snap, sets = group_of(4)
    actions, trail = FakeActions(), Trail()
    chosen = plan(snap, failure_groups(snap.failed), pace_s=0.01)
    batch = Batch(chosen, actions, lambda: snap, OPERATOR, trail, lambda: NOW).start()

    wait_state(batch, BatchState.DONE)

    assert sorted(actions.posts) == sorted(sets)
    assert batch.view().posted == 4
    assert [(e.action, e.outcome) for e in trail.entries] == [
        (Action.GROUP_RETRY, Verdict.DONE),
        (Action.GROUP_RETRY, Verdict.DONE),
    ]
    assert trail.entries[-1].message == "Done: 4 of 4 sets retried."


def test_a_paused_batch_sends_nothing_until_resumed_and_a_cancelled_one_nothing_more() -> None:
    snap, _sets = group_of(6)
    actions, trail = FakeActions(), Trail()
    chosen = plan(snap, failure_groups(snap.failed), pace_s=0.3)
    batch = Batch(chosen, actions, lambda: snap, OPERATOR, trail, lambda: NOW).start()
    actions.wait_for(1)

    assert batch.pause(VIEWER).startswith("Only operators")  # refused, and audited
    paused = batch.pause(OPERATOR)
    sent = len(actions.posts)
    with actions.posted:  # several paces go by: a paused batch sends nothing
        assert not actions.posted.wait_for(lambda: len(actions.posts) > sent, timeout=1.0)
    assert paused == f"Paused after {sent} of 6."

    batch.resume(OPERATOR)
    actions.wait_for(sent + 1)
    batch.cancel(OPERATOR)
    wait_state(batch, BatchState.CANCELLED)
    batch.join(30)
    cancelled_at = len(actions.posts)
    assert cancelled_at < 6
    assert batch.cancel(OPERATOR) == "The group retry has already been cancelled."
    assert len(actions.posts) == cancelled_at
    refused = [e for e in trail.entries if e.outcome is Verdict.REFUSED]
    assert [e.who for e in refused] == ["viewer@acme.com"]


def test_a_batch_stops_by_itself_when_most_retried_syncs_fail_again() -> None:
    snap, _sets = group_of(10)
    actions, trail = FakeActions(), Trail()
    state = {"snap": snap}

    def seen() -> Snapshot:
        # Every retried set fails again at once: its new job is listed failed.
        again = tuple(failure(s, "again", 0, job_id=f"new-{s}") for s in actions.posts)
        return replace(state["snap"], failed=(*state["snap"].failed, *again))

    chosen = plan(snap, failure_groups(snap.failed), pace_s=0.01)
    batch = Batch(chosen, actions, seen, OPERATOR, trail, lambda: NOW).start()

    wait_state(batch, BatchState.STOPPED)

    assert len(actions.posts) == 3  # judged after the third failed again: the rest never sent
    assert "failed again" in (batch.view().why or "")
    assert trail.entries[-1].outcome is Verdict.FAILED


def test_a_set_that_is_no_longer_failed_when_its_turn_comes_gets_no_post() -> None:
    snap, _sets = group_of(2)
    actions = FakeActions()
    chosen = plan(snap, failure_groups(snap.failed), pace_s=0.01)
    gone = replace(snap, failed=snap.failed[:1])  # the other was retried from another tab

    batch = Batch(chosen, actions, lambda: gone, OPERATOR, None, lambda: NOW).start()
    wait_state(batch, BatchState.DONE)

    assert actions.posts == [snap.failed[0].set_id]
    assert [s.result is None for s in batch.view().sent] == [False, True]


def test_one_group_retry_at_a_time_operators_only() -> None:
    snap, _ = group_of(3)
    actions, trail = FakeActions(), Trail()
    batches = Batches(actions, lambda: snap, trail, lambda: NOW)
    chosen = plan(snap, failure_groups(snap.failed), pace_s=5.0)

    refused, why = batches.start(chosen, VIEWER)
    assert refused is None
    assert why.startswith("Only operators may retry a group.")
    first, _ = batches.start(chosen, OPERATOR)
    second, why = batches.start(chosen, OPERATOR)

    assert first is not None
    assert second is None
    assert why.startswith("A group retry is under way")
    assert batches.latest() == first.view()
    first.cancel(OPERATOR)
    latest = batches.latest()
    assert latest is not None
    assert latest.state is BatchState.CANCELLED


def test_the_pushed_state_carries_the_groups_their_failures_the_attention_line_and_the_batch() -> (
    None
):
    failed = (
        failure("a", LIMIT.format(6, "9f2c77aa01"), 1),
        failure("b", LIMIT.format(9, "9f2c77aa02"), 2),
        failure("x", EXPIRED, 3, platform=Platform.META),
    )
    snap = snapshot(failed=failed, pending=(pending("q", 90.0),), loaded=True)
    actions = FakeActions()
    chosen = plan(snap, failure_groups(snap.failed), pace_s=0.01)
    batch = Batch(chosen, actions, lambda: snap, OPERATOR, None, lambda: NOW).start()
    wait_state(batch, BatchState.DONE)

    state = payload(snap, batch.view())

    rows = {r["key"]: r for r in state["failures"]}
    assert [(g["label"], g["platform"], g["count"], g["sets"]) for g in state["groups"]] == [
        ("Rate limit", "Reddit", 2, 2),
        ("Expired credentials", "Meta", 1, 1),
    ]
    assert [rows[k]["name"] for k in state["groups"][0]["members"]] == ["Set a", "Set b"]
    assert state["groups"][0]["last"] == round((NOW - timedelta(minutes=1)).timestamp() * 1000)
    assert state["attention"] == {
        "causes": 2,
        "failures": 3,
        "stalled": 0,
        "longest": "Set q",
        "longest_since": round((NOW - timedelta(seconds=90)).timestamp() * 1000),
    }
    assert state["batch"] is not None
    assert (state["batch"]["state"], state["batch"]["total"], state["batch"]["posted"]) == (
        "done",
        2,
        2,
    )
    assert state["batch"]["skipped"] == 1  # the expired credentials' set


def test_a_batch_waits_while_the_service_cannot_be_reached_and_goes_on_when_it_is_back() -> None:
    snap, sets = group_of(3)
    down = replace(
        snap,
        backend=Backend(kind=BackendKind.UNREACHABLE, attempt=3),
        frozen_at=NOW,
    )
    seen = {"snap": down}
    actions = FakeActions()
    chosen = plan(snap, failure_groups(snap.failed), pace_s=0.01)
    batch = Batch(chosen, actions, lambda: seen["snap"], OPERATOR, None, lambda: NOW).start()

    done = threading.Event()
    for _ in range(300):  # until it says what holds it back
        if batch.view().held:
            break
        done.wait(0.1)
    assert batch.view().held == "the Dotoro API is down"
    with actions.posted:  # a retry would only fail: none is sent while it is down
        assert not actions.posted.wait_for(lambda: len(actions.posts) > 0, timeout=1.0)
    assert batch.view().state is BatchState.RUNNING

    seen["snap"] = snap  # back
    wait_state(batch, BatchState.DONE)
    assert sorted(actions.posts) == sorted(sets)
    assert batch.view().held is None
