"""A digest's week as each channel takes it (pure): a subject, plain text (an e-mail's body
and Slack's, which escapes it), an HTML alternative with every value escaped, and the generic
webhook's JSON fields; scheduler.message_of puts them in one notify Message."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from .compose import Cause, ClientWeek, Week

KIND = "digest"


def rate(client_or_week: ClientWeek | Week) -> str:
    """'92 % succeeded (38 of 41)'; whole percents, never rounded up to 100."""
    finished = client_or_week.completed + client_or_week.failed
    if not finished:
        return "no syncs finished"
    percent = math.floor(100 * client_or_week.completed / finished)
    return f"{percent} % succeeded ({client_or_week.completed} of {finished})"


def subject(week: Week) -> str:
    late = f", {_count(week.late, 'set')} late now" if week.late else ""
    return f"Weekly digest: {week.digest}, {week.days}: {rate(week)}{late}"


def summary(client: ClientWeek) -> str:
    """'41 syncs finished: 92 % succeeded (38 of 41), 3 failed.'"""
    if not client.finished:
        return "No syncs finished this week."
    return f"{_count(client.finished, 'sync')} finished: {rate(client)}, {client.failed} failed."


def cause_line(cause: Cause) -> str:
    sets = ", ".join(cause.sets)
    return (
        f"{cause.title}: {_count(cause.failures, 'failure')} in "
        f"{_count(len(cause.sets), 'set')} ({sets}). {cause.category.advice}"
    )


def text(week: Week) -> str:
    lines = [f"Weekly digest: {week.digest}", f"The week of {week.days}.", ""]
    if not week.clients:
        lines += ["No client of this digest is known to the monitor yet.", ""]
    for client in week.clients:
        lines += [client.name, f"  {summary(client)}"]
        if client.causes:
            lines.append("  What failed and why:")
            for cause in client.causes:
                lines.append(f"  - {cause_line(cause)}")
                if cause.error:
                    lines.append(f"    The platform said: {cause.error}")
        if client.late:
            lines.append("  Late now:")
            lines += [
                f"  - {late.set_name} ({late.platform}): {late.words}" for late in client.late
            ]
        lines += [f"  Open {client.name}: {client.link}", ""]
    if week.missing:
        lines += [f"Not found among the clients: {', '.join(week.missing)}.", ""]
    lines.append(f"The week's failures in the analysis: {week.analysis}")
    return "\n".join(lines)


def html(week: Week) -> str:
    parts = [
        '<!DOCTYPE html><html><body style="font-family: sans-serif; max-width: 40em">',
        f"<h2>Weekly digest: {escape(week.digest)}</h2>",
        f"<p>The week of {escape(week.days)}.</p>",
    ]
    if not week.clients:
        parts.append("<p>No client of this digest is known to the monitor yet.</p>")
    for client in week.clients:
        parts += [
            f'<h3><a href="{escape(client.link)}">{escape(client.name)}</a></h3>',
            f"<p>{escape(summary(client))}</p>",
        ]
        if client.causes:
            parts.append("<p><strong>What failed and why</strong></p><ul>")
            for cause in client.causes:
                said = (
                    f"<br>The platform said: <code>{escape(cause.error)}</code>"
                    if cause.error
                    else ""
                )
                parts.append(
                    f"<li><strong>{escape(cause.title)}</strong>: "
                    f"{escape(_count(cause.failures, 'failure'))} in "
                    f"{escape(_count(len(cause.sets), 'set'))} ({escape(', '.join(cause.sets))}). "
                    f"{escape(cause.category.advice)}{said} "
                    f'<a href="{escape(cause.link)}">In the analysis</a></li>'
                )
            parts.append("</ul>")
        if client.late:
            parts.append("<p><strong>Late now</strong></p><ul>")
            parts += [
                f"<li>{escape(late.set_name)} ({escape(late.platform)}): {escape(late.words)}</li>"
                for late in client.late
            ]
            parts.append("</ul>")
    if week.missing:
        parts.append(f"<p>Not found among the clients: {escape(', '.join(week.missing))}.</p>")
    parts += [
        f'<p><a href="{escape(week.analysis)}">The week\'s failures in the analysis</a> · '
        f'<a href="{escape(week.link)}">This digest in Sync Monitor</a></p>',
        "</body></html>",
    ]
    return "\n".join(parts)


def data(week: Week) -> dict[str, Any]:
    """The generic webhook's fields beside kind, subject, text and link."""
    return {
        "digest": week.digest,
        "from": week.period.start.isoformat(),
        "to": week.period.end.isoformat(),
        "completed": week.completed,
        "failed": week.failed,
        "analysis": week.analysis,
        "missing": list(week.missing),
        "clients": [
            {
                "name": c.name,
                "link": c.link,
                "finished": c.finished,
                "completed": c.completed,
                "failed": c.failed,
                "success_rate": c.success_rate,
                "causes": [
                    {
                        "category": cause.category.kind.value,
                        "label": cause.category.label,
                        "advice": cause.category.advice,
                        "platform": cause.platform,
                        "failures": cause.failures,
                        "sets": list(cause.sets),
                        "error": cause.error,
                        "link": cause.link,
                    }
                    for cause in c.causes
                ],
                "late": [
                    {"set": late.set_name, "platform": late.platform, "words": late.words}
                    for late in c.late
                ],
            }
            for c in week.clients
        ],
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
