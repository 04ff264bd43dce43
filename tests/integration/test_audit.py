"""The audit trail against real SQLite and the local API over real HTTP: every retry and cancel,
done, failed or refused, with who asked, kept across a restart."""

from __future__ import annotations

from pathlib import Path

from sync_monitor.access import Caller, Role, without_sign_in
from sync_monitor.audit import AuditLog
from tests.support.hub import hub_for, wait_for
from tests.support.local_api import Api

OPERATOR = Caller("ops@example.com", Role.OPERATOR)


def test_every_action_is_audited_with_who_and_the_result(plan: Api, tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite3"
    broken = plan.create_set(name="Broken", failed_error="Session has expired")
    gone = plan.create_set(name="No account", failed_error="boom", ad_account=False)
    first = AuditLog(path)
    with hub_for(plan.url, {"audit": first}) as hub:
        wait_for(hub, lambda s: len(s.failed) == 2)
        assert hub.retry(broken["setId"], OPERATOR).result(10).ok
        refused_by_service = hub.retry(gone["setId"], OPERATOR).result(10)
        assert not refused_by_service.ok
        viewer = without_sign_in(read_only=True, address="127.0.0.1")
        assert not hub.retry(broken["setId"], viewer).result(10).ok

    first.close()
    # A new process, the same file: nothing lost.
    entries = AuditLog(path).recent(10)
    assert [(e.who, e.role, e.action, e.target, e.outcome) for e in entries] == [
        ("anyone", "viewer", "retry", broken["setId"], "refused"),
        ("ops@example.com", "operator", "retry", gone["setId"], "failed"),
        ("ops@example.com", "operator", "retry", broken["setId"], "done"),
    ]
    assert entries[0].message.startswith("Only operators may retry syncs.")
    assert entries[1].message == refused_by_service.message
    assert all(e.at.tzinfo is not None for e in entries)
