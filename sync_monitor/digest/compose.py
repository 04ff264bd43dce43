"""A digest's content (pure): the week per client, from the history's figures and the clients'
board, in the words every channel shares (render.py writes them as text, HTML and JSON).

What failed is grouped by cause (category × error signature × platform, as the live page and
the analysis group it) and said in words: the category, what to do, on which platform, how
many failures in which sets, and one of the platform's own texts (plain, ids taken out)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from urllib.parse import quote, urlencode

from sync_monitor.clients.status import Board, Client, say
from sync_monitor.dotoro.models import Platform
from sync_monitor.history.params import PAGE as ANALYSIS
from sync_monitor.history.view import PLATFORMS, View, Window, to_query
from sync_monitor.text import truncate
from sync_monitor.words import categories
from sync_monitor.words.categories import Category

from .config import Digest
from .facts import Failed, Finished
from .schedule import Period

ERROR_LIMIT = 200  # characters of a platform's text quoted per cause
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_BY_KIND = {
    c.kind.value: c
    for c in (
        categories.RATE_LIMIT,
        categories.CREDENTIALS,
        categories.VALIDATION,
        categories.OUTAGE,
        categories.TIMEOUT,
        categories.UNKNOWN,
    )
}


@dataclass(frozen=True)
class Cause:
    category: Category
    platform: str  # its label: "Reddit"
    failures: int
    sets: tuple[str, ...]  # the sets' names (never their ids)
    error: str  # one of the platform's texts, plain, ids taken out; "" when it gave none
    link: str  # the analysis filtered to it

    @property
    def title(self) -> str:
        return f"{self.category.label} on {self.platform}"


@dataclass(frozen=True)
class Late:
    set_name: str
    platform: str
    words: str  # "Late: last synced 3 h ago, usually every hour"


@dataclass(frozen=True)
class ClientWeek:
    name: str
    key: str
    link: str  # /clients?client=<key>
    completed: int
    failed: int
    causes: tuple[Cause, ...]
    late: tuple[Late, ...]

    @property
    def finished(self) -> int:
        return self.completed + self.failed

    @property
    def success_rate(self) -> float | None:
        """Completed of finished, 0 to 1; None when none finished."""
        return self.completed / self.finished if self.finished else None


@dataclass(frozen=True)
class Week:
    digest: str  # its name
    period: Period
    days: str  # the period in words, in the digest's zone: "30 Nov – 6 Dec 2026"
    clients: tuple[ClientWeek, ...]
    missing: tuple[str, ...]  # clients the digest names that the board does not know
    link: str  # this digest on the Digest page
    analysis: str  # the week's failures in the analysis

    @property
    def completed(self) -> int:
        return sum(c.completed for c in self.clients)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.clients)

    @property
    def late(self) -> int:
        return sum(len(c.late) for c in self.clients)


def chosen(digest: Digest, board: Board) -> tuple[list[Client], tuple[str, ...]]:
    """The board's clients the digest is for, by name; and the names it gives that match none."""
    clients = sorted(
        (c for c in board.clients if digest.includes(c.name, c.key)),
        key=lambda c: c.name.casefold(),
    )
    known = {n.casefold() for c in clients for n in (c.name, c.key)}
    missing = tuple(n for n in digest.clients or () if n.casefold() not in known)
    return clients, missing


def set_ids(clients: Iterable[Client]) -> list[str]:
    return sorted({s.set_id for c in clients for s in c.sets})


def compose(
    digest: Digest,
    board: Board,
    period: Period,
    finished: Sequence[Finished],
    failed: Sequence[Failed],
    public_url: str,
) -> Week:
    """The week of `digest`'s clients over `period`: `finished` and `failed` as queries.week
    read them for the clients' sets, what is late from `board`."""
    clients, missing = chosen(digest, board)
    by_set = {f.set_id: f for f in finished}
    failures: dict[str, list[Failed]] = defaultdict(list)
    for row in failed:
        failures[row.set_id].append(row)
    late: dict[str, list[Late]] = defaultdict(list)
    for client, status in board.late():
        late[client.key].append(
            Late(
                truncate(status.name, 80),
                status.platform.label,
                say(status, board.at, digest.zone),  # in the digest's zone
            )
        )
    weeks = []
    for client in clients:
        names = {s.set_id: truncate(s.name, 80) for s in client.sets}
        rows = [r for s in client.sets for r in failures.get(s.set_id, ())]
        weeks.append(
            ClientWeek(
                name=truncate(client.name, 80),
                key=client.key,
                link=f"{public_url}/clients?client={quote(client.key, safe='')}",
                completed=sum(by_set[s].completed for s in names if s in by_set),
                failed=sum(by_set[s].failed for s in names if s in by_set),
                causes=_causes(rows, names, period, public_url),
                late=tuple(late.get(client.key, ())),
            )
        )
    return Week(
        digest=digest.name,
        period=period,
        days=period.days(digest.zone),
        clients=tuple(weeks),
        missing=missing,
        link=f"{public_url}/digest?{urlencode({'digest': digest.name})}",
        analysis=analysis_link(public_url, period),
    )


def analysis_link(
    public_url: str,
    period: Period,
    platform: Platform | None = None,
    category: str | None = None,
) -> str:
    """The analysis page over the period's days (whole UTC days, as the page's custom window
    takes them), filtered to a platform and a category where given."""
    view = View(
        window=Window.CUSTOM,
        start=period.start.astimezone(UTC).date(),
        end=(period.end - timedelta(microseconds=1)).astimezone(UTC).date(),
        platforms=(platform,) if platform in PLATFORMS else (),
        categories=(category,) if category else (),
        states=(),
    )
    return f"{public_url}/{ANALYSIS}?{urlencode(to_query(view))}"


def category_of(kind: str, signature: str) -> Category:
    """The words of a stored category; a failure with no text says the backend gives none."""
    if not signature and kind == categories.CategoryKind.UNKNOWN.value:
        return categories.NO_TEXT
    return _BY_KIND.get(kind, categories.UNKNOWN)


def error_words(error: str | None) -> str:
    """A platform's text as a digest quotes it: one plain line, ids taken out, kept short."""
    return truncate(_UUID.sub("…", error or ""), ERROR_LIMIT)


def _causes(
    rows: Sequence[Failed], names: dict[str, str], period: Period, public_url: str
) -> tuple[Cause, ...]:
    grouped: dict[tuple[str, str, str], list[Failed]] = defaultdict(list)
    for row in rows:
        grouped[(row.category, row.signature, row.platform)].append(row)
    causes = []
    for (kind, signature, platform_text), group in grouped.items():
        platform = Platform.coerce(platform_text)
        newest = max(group, key=lambda r: (r.last, r.error is not None))
        causes.append(
            Cause(
                category=category_of(kind, signature),
                platform=platform.label,
                failures=sum(r.count for r in group),
                sets=tuple(sorted({names.get(r.set_id, "a campaign set") for r in group})),
                error=error_words(newest.error),
                link=analysis_link(public_url, period, platform, kind or None),
            )
        )
    return tuple(sorted(causes, key=lambda c: (-c.failures, c.title)))
