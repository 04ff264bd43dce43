"""Compact changes between two published states, and their application. Pure.

A change names the top-level fields that differ and, for the cards, the ones that differ by key
plus the new order when it changed (a card missing from the order has gone). The browser applies
changes with the same rules (live.js); `apply(old, diff(old, new)) == new` is what the tests hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

State = dict[str, Any]


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> State:
    changed: State = {k: v for k, v in new.items() if k != "cards" and old.get(k) != v}
    before = {c["key"]: c for c in old.get("cards", [])}
    after = new.get("cards", [])
    cards = [c for c in after if before.get(c["key"]) != c]
    order = [c["key"] for c in after]
    if cards:
        changed["cards"] = cards
    if order != list(before):
        changed["order"] = order
    return changed


def apply(old: Mapping[str, Any], change: Mapping[str, Any]) -> State:
    new = {k: v for k, v in old.items()}
    new.update({k: v for k, v in change.items() if k not in ("cards", "order")})
    by_key = {c["key"]: c for c in old.get("cards", [])}
    by_key.update({c["key"]: c for c in change.get("cards", [])})
    order = change.get("order", [c["key"] for c in old.get("cards", [])])
    new["cards"] = [by_key[k] for k in order]
    return new
