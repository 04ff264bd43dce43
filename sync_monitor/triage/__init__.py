"""Triage: failures grouped by cause, what needs attention, and paced group retries (issue 23)."""
