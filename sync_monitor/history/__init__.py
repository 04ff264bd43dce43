"""The failure history (issue 11): every sync attempt the monitor learns about, kept in SQLite or
PostgreSQL, and the failure-rate analysis over it.

    from sync_monitor.history import History, View, Window
    history = History.open()                      # data/history.sqlite3, or a postgresql:// URL
    history.attempts(window="7d", platform="meta")   # a DataFrame, one row per attempt
    history.analysis(View(window=Window.MONTH, compare=True)).figures
    history.analysis(View.from_url("http://host:8501/analysis?window=30d&compare=1")).figures

Filters given as text (a link, keywords) are read as the analysis page reads its URL: a value
the page leaves out with a note is left out with a `ViewWarning`.
"""

from .analysis import Analysis, Figures
from .attempt import Attempt, Outcome
from .params import ViewWarning
from .store import History, HistoryUnavailable
from .view import View, Window

__all__ = [
    "Analysis",
    "Attempt",
    "Figures",
    "History",
    "HistoryUnavailable",
    "Outcome",
    "View",
    "ViewWarning",
    "Window",
]
