"""A notebook's views and the page's agree (issue 23, part 5): a link copied from the analysis
page and a notebook's keywords are read by the page's own `parse`, each value it leaves out
with a note left out with that note as a `ViewWarning`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode

import pytest

from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Outcome, View, ViewWarning, Window
from sync_monitor.history.params import Filters
from sync_monitor.history.view import parse, read_filters, read_url, to_query

TODAY = date(2026, 11, 30)
SHARED = View(
    window=Window.CUSTOM,
    start=date(2026, 11, 1),
    end=date(2026, 11, 15),
    platforms=(Platform.META, Platform.REDDIT),
    set_id="set-1",
    categories=("outage", "rate_limit"),
    states=(Outcome.FAILED,),
    compare=True,
)


def page_view(query_string: str) -> View:
    """The view the page shows for a query string: Streamlit's st.query_params parses it with
    parse_qs(keep_blank_values=True) and the page hands `parse` every value of every name."""
    return parse(parse_qs(query_string, keep_blank_values=True), TODAY).view


# As the page writes its URL (st.query_params.from_dict encodes the commas).
WRITTEN = urlencode(to_query(SHARED))


@pytest.mark.parametrize(
    "link",
    [
        f"http://monitor.example:8501/analysis?{WRITTEN}",
        f"https://ops.example/monitor/analysis/?{WRITTEN}#top",  # behind a proxy's prefix
        f"/analysis?{WRITTEN}",
        f"?{WRITTEN}",
        WRITTEN,
        f"  {WRITTEN}\n",  # pasted with the line's end
        f"http://h/analysis?{WRITTEN.replace('%2C', ',')}",  # as a person types it
    ],
)
def test_a_copied_link_opens_the_view_the_page_shows(link: str) -> None:
    assert View.from_url(link, today=TODAY) == SHARED == page_view(WRITTEN)


@pytest.mark.parametrize(
    "view",
    [
        View(),
        View(window=Window.DAY, compare=True),
        View(platforms=(Platform.GOOGLE,), states=(Outcome.COMPLETED, Outcome.CANCELLED)),
        View(window=Window.QUARTER, set_id="a_b-3", categories=("credentials",)),
        SHARED,
    ],
)
def test_every_view_the_page_writes_reads_back(view: View) -> None:
    assert View.from_url(f"http://h/analysis?{urlencode(to_query(view))}", today=TODAY) == view


def test_a_link_with_unknown_values_warns_for_each_and_leaves_them_out() -> None:
    link = "http://h/analysis?window=30d&platform=meta,tiktok&state=failed,active&compare=1"
    with pytest.warns(ViewWarning) as warned:
        view = View.from_url(link, today=TODAY)
    assert view == View(
        window=Window.MONTH, platforms=(Platform.META,), states=(Outcome.FAILED,), compare=True
    )
    said = [str(w.message) for w in warned]
    assert said == [
        "Unknown platform 'tiktok' left out of the filter (platform: reddit, google or meta).",
        "Unknown final state 'active' left out of the filter "
        "(state: completed, failed or cancelled).",
    ]
    # Blamed on the line that asked, where a notebook shows it.
    assert {w.filename for w in warned} == {__file__}


def test_read_url_gives_the_notes_the_page_shows_without_warning() -> None:
    query = "window=forever&category=outage,weather&set=a b"
    parsed = read_url(f"http://h/analysis?{query}", TODAY)
    assert parsed == parse(parse_qs(query), TODAY)
    assert [n.split(" (")[0] for n in parsed.notes] == [
        "Unknown window 'forever': showing the last 7 days",
        "Unknown error category 'weather' left out of the filter",
        "Unreadable campaign set 'a b' left out of the filter",
    ]
    assert "rate_limit, credentials, validation, outage, timeout or unknown" in parsed.notes[1]


@pytest.mark.parametrize("link", ["http://h:8501/?window=30d", "http://h:8501/live?window=30d"])
def test_a_link_to_another_page_is_read_with_a_note(link: str) -> None:
    with pytest.warns(ViewWarning, match="not to the analysis page"):
        assert View.from_url(link, today=TODAY) == View(window=Window.MONTH)


def test_a_second_value_of_a_one_value_parameter_is_noted() -> None:
    with pytest.warns(ViewWarning, match="set takes one value: 'b' left out"):
        assert View.from_url("set=a&set=b", today=TODAY) == View(set_id="a")


def test_keywords_read_as_the_page_reads_its_url() -> None:
    commas = View.of(
        window="custom",
        start="2026-11-01",
        end="2026-11-15",
        platform="meta,reddit",
        set_id="set-1",
        category="outage,rate_limit",
        state="failed",
        compare=True,
        today=TODAY,
    )
    lists = View.of(
        window=Window.CUSTOM,
        start=date(2026, 11, 1),
        end=date(2026, 11, 15),
        platform=[Platform.META, "reddit"],
        set_id="set-1",
        category=("outage", "rate_limit"),
        state=[Outcome.FAILED],
        compare="1",
        today=TODAY,
    )
    assert commas == lists == SHARED
    assert View.of(today=TODAY) == View()
    assert View.of(platform="Facebook", today=TODAY).platforms == (Platform.META,)  # as the page


@pytest.mark.parametrize(
    ("filters", "query"),
    [
        ({"window": "1y"}, {"window": ["1y"]}),
        ({"platform": "tiktok"}, {"platform": ["tiktok"]}),
        ({"platform": ["meta", "tiktok"]}, {"platform": ["meta,tiktok"]}),
        ({"state": "queued"}, {"state": ["queued"]}),
        ({"category": "<b>x</b>"}, {"category": ["<b>x</b>"]}),
        ({"set_id": "a b"}, {"set": ["a b"]}),
        ({"compare": "yes please"}, {"compare": ["yes please"]}),
        ({"start": "2026-11-01"}, {"window": ["custom"], "from": ["2026-11-01"]}),
        (
            {"start": "2020-01-01", "end": "2020-01-31"},
            {"window": ["custom"], "from": ["2020-01-01"], "to": ["2020-01-31"]},
        ),
        (
            {"start": "yesterday", "end": "2026-11-02"},
            {"window": ["custom"], "from": ["yesterday"], "to": ["2026-11-02"]},
        ),
    ],
)
def test_keywords_leave_out_what_the_page_leaves_out_with_the_same_note(
    filters: Filters, query: dict[str, list[str]]
) -> None:
    expected = parse(query, TODAY)
    assert expected.notes  # a value the page refuses ...
    assert read_filters(filters, TODAY) == expected
    with pytest.warns(ViewWarning) as warned:  # ... is refused in Python with its note
        assert View.of(today=TODAY, **filters) == expected.view
    assert [str(w.message) for w in warned] == expected.notes


def test_dates_alone_ask_for_a_custom_window_and_a_datetime_counts_as_its_utc_day() -> None:
    late = datetime(2026, 11, 2, 1, 30, tzinfo=timezone(timedelta(hours=5)))  # 1 Nov, UTC
    view = View.of(start=late, end=datetime(2026, 11, 3, tzinfo=UTC), today=TODAY)
    assert (view.window, view.start, view.end) == (
        Window.CUSTOM,
        date(2026, 11, 1),
        date(2026, 11, 3),
    )


def test_dates_with_another_window_are_left_out_with_a_warning() -> None:
    with pytest.warns(ViewWarning, match="start and end are for window='custom'"):
        assert View.of(window="30d", start="2026-11-01", today=TODAY) == View(window=Window.MONTH)


def test_a_misspelt_filter_is_an_error_not_every_row() -> None:
    with pytest.raises(TypeError, match=r"^platforms: not a filter of a view"):
        View.of(platforms="meta")  # type: ignore[call-arg]
