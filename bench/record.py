"""Write a benchmark's figures into docs/benchmarks.md, between markers named for it."""

from __future__ import annotations

import platform
import re
import statistics
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\nFigures written by the scripts under `bench/`; "
    "rerun one to refresh its section.\n"
)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"n={len(ms)}, p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms"
    )


def table_row(ms: list[float]) -> str:
    """A markdown row: count, p50, p95, p99 and max of figures in milliseconds."""
    cells = [f"{percentile(ms, q):.1f} ms" for q in (50, 95, 99)]
    return f"| {len(ms)} | {' | '.join(cells)} | {max(ms):.1f} ms |"


def record(name: str, body: str) -> None:
    """Replace (or append) the section `name` of docs/benchmarks.md with `body`."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    section = (
        f"<!-- {name} -->\n{body.strip()}\n\n_Recorded {stamp} on {machine}._\n<!-- /{name} -->"
    )
    text = DOC.read_text() if DOC.exists() else HEADER
    pattern = re.compile(rf"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->", re.S)
    text = (
        pattern.sub(lambda _: section, text)
        if pattern.search(text)
        else (text.rstrip() + "\n\n" + section + "\n")
    )
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)
