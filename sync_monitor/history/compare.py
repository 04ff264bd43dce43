"""This period against the one before (pure): the change of a figure as the page shows it, which
way it went and whether that is better or worse, and the previous period's counts beside this
one's in the tables.

A chip's arrow and colour come from the change as shown (rounded), so "0 s" never points up,
and a fall is written with an ASCII "-": Streamlit's st.metric reads a delta as negative only
when its text starts with "-" (a U+2212 minus reads as a rise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Literal

import pandas as pd

from sync_monitor.text import duration

Kind = Literal["count", "rate", "time"]
Arrow = Literal["up", "down", "off"]
Color = Literal["red", "green", "gray"]


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"


LOWER_IS_BETTER: dict[Kind, bool | None] = {
    "count": None,  # more syncs attempted is neither good nor bad
    "rate": True,  # failure rates
    "time": True,  # durations and waits
}


@dataclass(frozen=True)
class Chip:
    """A figure's change as st.metric shows it: `text` for `delta`, and its arrow and colour."""

    text: str
    arrow: Arrow
    color: Color


def shown_change(now: float | None, before: float | None, kind: Kind) -> float | None:
    """The change in the unit and precision the page shows: rates in points to 0.1, times in
    whole seconds (half up, as `text.duration`), counts as whole numbers. None: either side
    unknown."""
    if now is None or before is None:
        return None
    if kind == "rate":
        return round((now - before) * 100, 1) + 0.0  # + 0.0: never "-0.0"
    if kind == "time":
        return float(_half_up(now) - _half_up(before))
    return float(round(now) - round(before))


def direction(change: float | None) -> Direction | None:
    if change is None:
        return None
    return Direction.UP if change > 0 else Direction.DOWN if change < 0 else Direction.SAME


def chip(now: float | None, before: float | None, kind: Kind) -> Chip | None:
    """The chip beside a figure: its signed change ("-1 s", "+2.5 pts", "+4"), an arrow the
    way it went, red where that is worse, green where better, grey for no change or where
    neither is better. None where either period has no value."""
    change = shown_change(now, before, kind)
    went = direction(change)
    if change is None or went is None:
        return None
    sign = "-" if change < 0 else "+" if change > 0 else ""
    size = abs(change)
    text = (
        f"{sign}{size:.1f} pts"
        if kind == "rate"
        else f"{sign}{duration(size)}"
        if kind == "time"
        else f"{sign}{size:,.0f}"
    )
    lower = LOWER_IS_BETTER[kind]
    color: Color = "gray"
    if went is not Direction.SAME and lower is not None:
        color = "green" if (went is Direction.DOWN) == lower else "red"
    arrow: Arrow = "up" if went is Direction.UP else "down" if went is Direction.DOWN else "off"
    return Chip(text, arrow, color)


def _half_up(seconds: float) -> int:
    return int(seconds + 0.5)


def shifted(frame: pd.DataFrame, by: timedelta) -> pd.DataFrame:
    """The previous period's buckets moved onto this period's time (`by`: the window's
    length), each keeping when it really began in `was`."""
    return frame.assign(was=frame["bucket"], bucket=frame["bucket"] + by)


def per_platform(now: pd.DataFrame, before: pd.DataFrame | None) -> pd.DataFrame:
    """Attempts, failures and failure rate per platform (from rows of platform, attempted,
    finished, failed), with the previous period's rate and the change in points when
    comparing. A platform with attempts in either period has a row."""
    columns = ["platform", "attempted", "finished", "failed"]
    out = now[columns].copy()
    if before is not None:
        out = out.merge(before[columns], on="platform", how="outer", suffixes=("", "_before"))
        out = out.fillna({c: 0 for c in out.columns if c != "platform"})
    out = out.astype({c: "int64" for c in columns[1:]})
    out["failure_rate"] = out["failed"] / out["finished"].where(out["finished"] > 0)
    if before is not None:
        finished = out.pop("finished_before").astype("int64")
        failed = out.pop("failed_before").astype("int64")
        out["previous_attempted"] = out.pop("attempted_before").astype("int64")
        out["previous_rate"] = failed / finished.where(finished > 0)
        out["change_pts"] = ((out["failure_rate"] - out["previous_rate"]) * 100).round(1)
    return out.sort_values("platform").reset_index(drop=True)


def with_previous(table: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """The signatures table with each signature's failures in the previous period
    (`previous`, 0 where it did not occur) and the change in failures (`change`)."""
    counts = before.groupby("signature")["count"].sum()
    previous = table["signature"].map(counts).fillna(0).astype("int64")
    return table.assign(previous=previous, change=table["count"] - previous)
