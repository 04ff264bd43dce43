"""Compact changes between two states, and their application. Pure.

A change names the top-level fields that differ and, for each keyed list (the cards, the queue,
the failures), the items that differ by key plus the new order when it changed (an item missing
from the order has gone): `{"lists": {"queue": {"items": [...], "order": [...]}}}`. The browser
applies the published states' changes with the same rules (component/shared.js);
`apply(old, diff(old, new)) == new` is what the tests hold, on both sides
(tests/support/shared_cases.json).

A list of items without keys that mostly slides forward (finished syncs: new ones at the end,
the oldest dropped) can be sent as a run (`runs`): the new list is a stretch of the old one,
from `from` and `keep` items long, then `add`: `{"runs": {"finished": {"from": 3, "keep": 97,
"add": [...]}}}`. The collector's changes to the other replicas use it (fleet/codec.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

State = dict[str, Any]
KEYED = ("cards", "queue", "failures", "groups")  # the published state's lists with a "key"
LISTS, RUNS = "lists", "runs"


def diff(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    keyed: Collection[str] = KEYED,
    runs: Collection[str] = (),
) -> State:
    changed: State = {
        k: v for k, v in new.items() if k not in keyed and k not in runs and old.get(k) != v
    }
    lists: State = {}
    for name in keyed:
        if name not in new:
            continue
        before = {item["key"]: item for item in old.get(name, [])}
        after = new[name]
        part: State = {}
        items = [item for item in after if before.get(item["key"]) != item]
        order = [item["key"] for item in after]
        if items:
            part["items"] = items
        if order != list(before):
            part["order"] = order
        if part:
            lists[name] = part
    if lists:
        changed[LISTS] = lists
    slid = {
        name: _run(old.get(name, []), new[name])
        for name in runs
        if name in new and old.get(name) != new[name]
    }
    if slid:
        changed[RUNS] = slid
    return changed


def apply(old: Mapping[str, Any], change: Mapping[str, Any]) -> State:
    new = {k: v for k, v in old.items()}
    new.update({k: v for k, v in change.items() if k not in (LISTS, RUNS)})
    for name, part in change.get(LISTS, {}).items():
        by_key = {item["key"]: item for item in old.get(name, [])}
        by_key.update({item["key"]: item for item in part.get("items", [])})
        order = part.get("order", [item["key"] for item in old.get(name, [])])
        new[name] = [by_key[k] for k in order]
    for name, run in change.get(RUNS, {}).items():
        start, keep = run["from"], run["keep"]
        new[name] = [*old.get(name, [])[start : start + keep], *run["add"]]
    return new


def _run(old: Sequence[Any], new: Sequence[Any]) -> State:
    """The longest stretch of `old` that `new` starts with (found from `new`'s first item), and
    what follows it; the whole of `new` when it does not start with any of `old`."""
    start = next((i for i, item in enumerate(old) if new and item == new[0]), len(old))
    keep = 0
    while start + keep < len(old) and keep < len(new) and old[start + keep] == new[keep]:
        keep += 1
    return {"from": start if keep else 0, "keep": keep, "add": list(new[keep:])}
