"""The service's pg-boss queue read directly from its PostgreSQL (issue 12): real job ids, the
true queue order, pg-boss's own retries and the full history, read-only."""
