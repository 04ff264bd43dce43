"""Dotoro, the service watched: its payloads and errors as types, the HTTP client and its
request budget, a job's SSE stream and its typed events (dotoro-api.md). Imports nothing else
of the monitor."""
