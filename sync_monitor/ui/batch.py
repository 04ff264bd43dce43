"""Group retry on the live page (issue 23): the dry run in a dialog (how many sets and jobs, what
is skipped and why, how long at the actions' pace), then the batch on the server (triage/
batches.py), which outlives the page. Its progress is pushed to every tab (the component draws
it); the fallback draws it here. Pause, resume and cancel come from the component's report or
the fallback's buttons; the batch checks the viewer's role again whatever asks."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from sync_monitor.live.snapshot import Snapshot
from sync_monitor.push.protocol import Key, Report
from sync_monitor.text import escape_markdown, truncate
from sync_monitor.triage.batches import Batches
from sync_monitor.triage.groups import FailureGroup, failure_groups
from sync_monitor.triage.plan import Plan, plan
from sync_monitor.triage.progress import BatchState, BatchView, outcomes

from .clicks import Who

ASKED = "sync_monitor_group_asked"  # session key: the group keys a "Retry this group…" named
PLAN = "sync_monitor_group_plan"  # ... the plan the dry run shows, which Start starts
SAID = "sync_monitor_batch_said"  # ... what the last control of a batch answered, for a toast


def group_asked() -> None:
    """The component's "Retry this group…": the next run opens the dry run for those groups."""
    asked = st.session_state.get(Key.COMPONENT, {}).get(Report.GROUP) or {}
    keys = asked.get("keys")
    if isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys):
        st.session_state[ASKED] = keys[:50]


def batch_asked(batches: Batches, who: Who) -> None:
    """The component's Pause, Resume or Cancel: made as the server knows the viewer."""
    asked = st.session_state.get(Key.COMPONENT, {}).get(Report.BATCH) or {}
    batch_id, what = asked.get("id"), asked.get("do")
    if isinstance(batch_id, str) and isinstance(what, str):
        control(batches, who, batch_id, what)


def control(batches: Batches, who: Who, batch_id: str, what: str) -> None:
    batch = batches.get(batch_id)
    if batch is None:
        st.session_state[SAID] = "That group retry is no longer known to this server."
        return
    do: dict[str, Callable[..., str]] = {
        "pause": batch.pause,
        "resume": batch.resume,
        "cancel": batch.cancel,
    }
    if what in do:
        st.session_state[SAID] = do[what](who())


def report() -> None:
    """Toast what the last control answered."""
    said = st.session_state.pop(SAID, None)
    if said:
        st.toast(escape_markdown(said, 400), icon=":material/replay:")


def _label(group: FailureGroup) -> str:
    sets = len(group.set_ids)
    return (
        f"{group.label} · {group.platform.label} · {group.count} failed, {sets} "
        f"{'set' if sets == 1 else 'sets'} — {truncate(group.example, 80)}"
    )


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60} s" if seconds % 60 else f"{seconds // 60} min"


def dry_run_if_asked(snapshot: Callable[[], Snapshot], batches: Batches, who: Who) -> None:
    """Open the dry run when a "Retry this group…" asked for it (once per click)."""
    keys = st.session_state.pop(ASKED, None)
    if keys:
        _dry_run(keys, snapshot, batches, who)


@st.dialog("Retry a group of failures", width="large")
def _dry_run(keys: list[str], snapshot: Callable[[], Snapshot], batches: Batches, who: Who) -> None:
    snap = snapshot()
    groups = {g.key: g for g in failure_groups(snap.failed)}
    if not groups:
        st.info("No failures are listed now: nothing to retry.")
        return
    known = [k for k in keys if k in groups]
    if len(known) < len(keys):
        st.caption("Some of the failures picked are no longer listed (retried or gone).")
    chosen = st.multiselect(
        "Causes to retry",
        options=list(groups),
        default=known,
        format_func=lambda k: _label(groups[k]),  # options are plain text, never Markdown
        key="group-retry-causes",
    )
    dry = plan(snap, [groups[k] for k in chosen])
    st.session_state[PLAN] = dry
    _say_plan(dry)
    me = who()
    if not me.may_act:
        st.caption(f"Group retry is for operators. {escape_markdown(me.why_read_only)}")
        return
    if st.button(
        f"Retry {len(dry.items)} {'set' if len(dry.items) == 1 else 'sets'}",
        type="primary",
        disabled=not dry.items,
        key="group-retry-start",
    ):
        started, message = batches.start(st.session_state.get(PLAN, dry), who())
        st.session_state[SAID] = message
        if started is not None:
            st.rerun()
        st.warning(escape_markdown(message, 400))


def _say_plan(dry: Plan) -> None:
    if not dry.items and not dry.skipped:
        st.caption("Pick at least one cause.")
        return
    sets = len(dry.items)
    st.markdown(
        f"**{sets} campaign {'set' if sets == 1 else 'sets'}** would be retried, one request "
        f"each (of {dry.jobs} failed {'job' if dry.jobs == 1 else 'jobs'}), one every "
        f"{dry.pace_s:g} s: about **{_duration(dry.seconds)}** in all. The batch works through "
        "exactly these sets, pauses or stops when asked, and stops by itself if most of the "
        "retried syncs fail again. It carries on if you close the page."
    )
    if dry.skipped:
        st.caption(f"{len(dry.skipped)} skipped:")
        st.dataframe(
            [{"Campaign set": truncate(s.name, 120), "Why": s.why} for s in dry.skipped],
            hide_index=True,
            key="group-retry-skipped",
        )


def progress(view: BatchView | None, snap: Snapshot, batches: Batches, who: Who) -> None:
    """The batch as the fallback draws it (the component draws it in push mode)."""
    if view is None:
        return
    found = outcomes(view.sent, snap)
    said = {
        BatchState.RUNNING: "Retrying a group",
        BatchState.PAUSED: "Group retry paused",
        BatchState.DONE: "Group retry done",
        BatchState.CANCELLED: "Group retry cancelled",
        BatchState.STOPPED: "Group retry stopped by itself",
    }[view.state]
    total = len(view.plan.items)
    st.markdown(
        f"**{said}: {escape_markdown(view.plan.what)}** (started by {escape_markdown(view.by)})"
        f"  \n{len(view.sent)} of {total} sets done ({view.posted} retried); of those ended, "
        f"{found.succeeded} succeeded and {found.failed_again} failed again."
    )
    st.progress(len(view.sent) / total if total else 1.0)
    if view.held and view.state is BatchState.RUNNING:
        st.caption(f"Waiting: {view.held}. The rest of the sets go once it is back.")
    if view.why:
        st.warning(f"Stopped by itself: {escape_markdown(view.why)}. The rest were not retried.")
    if not (view.active and who().may_act):
        return
    columns = st.columns(2)
    if view.state is BatchState.RUNNING:
        columns[0].button(
            "Pause", key="batch-pause", on_click=control, args=(batches, who, view.id, "pause")
        )
    else:
        columns[0].button(
            "Resume", key="batch-resume", on_click=control, args=(batches, who, view.id, "resume")
        )
    columns[1].button(
        "Cancel the group retry",
        key="batch-cancel",
        on_click=control,
        args=(batches, who, view.id, "cancel"),
    )
