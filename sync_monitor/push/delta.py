"""Compact changes between two published states, and their application. Pure.

A change names the top-level fields that differ and, for each keyed list (the cards, the queue,
the failures), the items that differ by key plus the new order when it changed (an item missing
from the order has gone): `{"lists": {"queue": {"items": [...], "order": [...]}}}`. The browser
applies changes with the same rules (component/shared.js); `apply(old, diff(old, new)) == new` is
what the tests hold, on both sides (tests/support/shared_cases.json).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

State = dict[str, Any]
KEYED = ("cards", "queue", "failures")  # lists of items with a "key", sent by item
LISTS = "lists"


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> State:
    changed: State = {k: v for k, v in new.items() if k not in KEYED and old.get(k) != v}
    lists: State = {}
    for name in KEYED:
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
    return changed


def apply(old: Mapping[str, Any], change: Mapping[str, Any]) -> State:
    new = {k: v for k, v in old.items()}
    new.update({k: v for k, v in change.items() if k != LISTS})
    for name, part in change.get(LISTS, {}).items():
        by_key = {item["key"]: item for item in old.get(name, [])}
        by_key.update({item["key"]: item for item in part.get("items", [])})
        order = part.get("order", [item["key"] for item in old.get(name, [])])
        new[name] = [by_key[k] for k in order]
    return new
