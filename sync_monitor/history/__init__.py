"""The failure history (issue 11): every sync attempt the monitor learns about, kept in SQLite or
PostgreSQL, and the failure-rate analysis over it.

    from sync_monitor.history import History, View, Window
    history = History.open()                      # data/history.sqlite3, or a postgresql:// URL
    history.attempts(window="7d", platform="meta")   # a DataFrame, one row per attempt
    history.analysis(View(window=Window.MONTH, compare=True)).figures
"""

from .analysis import Analysis, Figures
from .attempt import Attempt, Outcome
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
    "Window",
]
