"""Alerts (issue 24): rules over the live state, the history and the clients' board (pure),
each alert's life from its start to its end with an hourly cap on messages (pure), kept in
the history database (store), and the one evaluator per deployment that sends them (the
collector's thread)."""
