"""One moment per page: sampled every 200 ms through a retry and jobs finishing, the page never
shows a set in two sections, nor header counts that differ from the sections' (issue 8, item 2).
Since issue 21 the header, cards, queue and failures are drawn from one pushed state in one go,
so this holds by construction: not one sample may disagree."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.support.browser import Live
from tests.support.waiting import ms

Start = Callable[..., Live]
pytestmark = pytest.mark.browser

SAMPLE_EVERY = 0.2  # seconds
NAMES = {
    "running": "Halcyon Outdoor – Spring Launch",
    "queued": "Juniper Labs – Retargeting",
    "failed": "Marlow & Co – Brand Search",
}

# Reads the page's own words: the three header figures, and which of the scenario's sets each
# section names, with the number of items each section lists.
READ = """(names) => {
  // The header and cards live in the push component's shadow root.
  const roots = [document, ...[...document.querySelectorAll('*')]
    .filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  const deep = (selector) => roots.flatMap(r => [...r.querySelectorAll(selector)]);
  const metrics = {};
  for (const m of deep('.sm-count')) {
    if (m.closest('[hidden]')) continue;
    metrics[m.querySelector('.sm-count-label').textContent.trim()] =
      m.querySelector('.sm-count-value').textContent.trim();
  }
  const column = (title) => {
    const heading = deep('h3').find(h => h.textContent.trim() === title);
    return heading ? heading.closest('.sm-section') : null;
  };
  const cards = deep('.sm-card:not(.sm-placeholder)');
  const queue = column('Queue');
  const failed = column('Failed in the last 24 hours');
  const failures = failed ? [...failed.querySelectorAll('details.sm-failure')] : [];
  const queueText = queue ? queue.innerText : '';
  const has = (text) => names.filter(n => text.includes(n));
  return {
    metrics,
    cards: cards.length,
    queued: queue ? queue.querySelectorAll('.sm-qrow').length : 0,
    failures: failures.length,
    where: {
      cards: has(cards.map(c => c.textContent).join('\\n')),
      queue: has(queueText),
      failures: has(failures.map(f => f.innerText).join('\\n')),
    },
  };
}"""


@dataclass
class Sample:
    at: float
    problems: list[str]


def problems_in(read: dict[str, object]) -> list[str]:
    """What the page says that does not add up."""
    found: list[str] = []
    where = read["where"]
    assert isinstance(where, dict)
    sections = {name: [s for s, names in where.items() if name in names] for name in NAMES.values()}
    found += [f"{n} in {s}" for n, s in sections.items() if len(s) > 1]
    metrics = read["metrics"]
    assert isinstance(metrics, dict)
    if not metrics:
        return found  # between runs: nothing to compare
    for label, count in (
        ("Syncing now", read["cards"]),
        ("Queued", read["queued"]),
        ("Failed (24 h)", read["failures"]),
    ):
        if metrics.get(label) != str(count):
            found.append(f"header {label} {metrics.get(label)} but the section lists {count}")
    return found


def test_sections_and_counts_agree_through_a_retry_and_finishing_jobs(live: Start) -> None:
    m = live(workers=1, heartbeat_seconds=1.0)
    m.api.create_set(
        name=NAMES["running"],
        platform="google",
        queue=True,
        behaviour={"campaigns": 12, "seconds_per_campaign": 0.5},
    )
    m.api.create_set(
        name=NAMES["queued"],
        platform="meta",
        queue=True,
        behaviour={"campaigns": 8, "seconds_per_campaign": 0.5},
    )
    m.api.create_set(
        name=NAMES["failed"],
        platform="reddit",
        failed_error="Reddit Ads API error 503: Service Unavailable",
        behaviour={"campaigns": 6, "seconds_per_campaign": 0.5},
    )
    page = m.open()
    failure = m.failure(NAMES["failed"])
    expect(failure).to_have_count(1, timeout=ms(30))

    samples: list[Sample] = []

    def sample_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            read = page.evaluate(READ, list(NAMES.values()))
            samples.append(Sample(time.monotonic(), problems_in(read)))
            page.wait_for_timeout(SAMPLE_EVERY * 1000)  # a sampling rate, not a wait for a state

    sample_for(2.0)
    failure.locator("summary").click()
    failure.get_by_role("button", name=f"Retry “{NAMES['failed']}”", exact=True).click()
    sample_for(14.0)  # the retry lands; the running job finishes; the queued ones run

    assert len(samples) > 40, "the page was sampled too rarely to tell"
    bad = [s.problems for s in samples if s.problems]
    assert bad == [], f"the page disagreed with itself in {len(bad)} samples: {bad[:5]}"
    assert m.page_errors == []
