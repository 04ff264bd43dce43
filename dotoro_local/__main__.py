"""`sync-monitor-api` / `python -m dotoro_local`: serve the local Dotoro API."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from .config import Contract, Faults, ServerConfig
from .server import bind, url_of, uvicorn_server

DEFAULT_DB = Path("data/local-api.sqlite3")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sync-monitor-api",
        description="A local Dotoro-compatible sync API with a workload simulator.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3001)
    p.add_argument(
        "--contract",
        choices=[c.value for c in Contract],
        default="plan",
        help="head: the service as it is today; plan: as designed, with extensions",
    )
    p.add_argument("--seed", type=int, default=7, help="fixes the simulated workload")
    p.add_argument(
        "--db", type=Path, default=DEFAULT_DB, help=f"SQLite file (default {DEFAULT_DB})"
    )
    p.add_argument("--workers", type=int, default=3, help="jobs that run at once")
    p.add_argument("--speed", type=float, default=1.0, help="how much faster than real time")
    p.add_argument(
        "--failure-rate",
        type=float,
        default=1.0,
        help="scales every failure probability; 0 turns failures off",
    )
    p.add_argument("--no-simulate", action="store_true", help="no generated syncs")
    p.add_argument("--no-history", action="store_true", help="no 30 days of seeded history")
    p.add_argument("--heartbeat-seconds", type=float, default=15.0)
    p.add_argument("--stream-timeout-seconds", type=float, default=300.0)
    p.add_argument("--job-timeout-seconds", type=float, default=900.0)
    p.add_argument(
        "--rate-limit",
        type=int,
        default=100,
        help="requests per minute per client IP on /api/*; 0 disables",
    )
    p.add_argument("--session-token", help="require this Better-Auth session cookie")
    p.add_argument("--team-id", help="the team the session belongs to (with --session-token)")
    p.add_argument(
        "--pgboss-url",
        help="also keep every job in a pg-boss-shaped table in this PostgreSQL (postgresql://…)",
    )
    faults = p.add_argument_group("fault injection")
    faults.add_argument("--drop-after-events", type=int, default=0)
    faults.add_argument("--stall-streams", action="store_true")
    faults.add_argument("--malformed-events", action="store_true")
    faults.add_argument(
        "--drop-rate",
        type=float,
        default=0.0,
        help="fraction of streams that end after a random frame, mid-job (seeded by --seed)",
    )
    faults.add_argument(
        "--malformed-rate",
        type=float,
        default=0.0,
        help="fraction of streams given a malformed and an unknown event (seeded by --seed)",
    )
    faults.add_argument("--error-rate", type=float, default=0.0)
    faults.add_argument("--error-status", type=int, default=500, choices=[401, 429, 500])
    faults.add_argument("--delay-seconds", type=float, default=0.0)
    return p


def config_from(args: argparse.Namespace) -> ServerConfig:
    config = ServerConfig(
        contract=Contract(args.contract),
        db_path=args.db,
        seed=args.seed,
        simulate=not args.no_simulate,
        seed_history=not args.no_history,
        workers=args.workers,
        speed=args.speed,
        failure_rate=args.failure_rate,
        heartbeat_seconds=args.heartbeat_seconds,
        stream_timeout_seconds=args.stream_timeout_seconds,
        job_timeout_seconds=args.job_timeout_seconds,
        rate_limit_per_minute=args.rate_limit,
        session_token=args.session_token,
        team_id=args.team_id,
        pgboss_url=args.pgboss_url,
        faults=Faults(
            drop_after_events=args.drop_after_events,
            stall_streams=args.stall_streams,
            malformed_events=args.malformed_events,
            drop_rate=args.drop_rate,
            malformed_rate=args.malformed_rate,
            error_rate=args.error_rate,
            error_status=args.error_status,
            delay_seconds=args.delay_seconds,
        ),
    )
    config.faults.update({})  # validates the fault values
    config.validate()
    return config


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    try:
        config = config_from(args)
        sock = bind(args.host, args.port)
    except (ValueError, OSError) as exc:
        p.error(str(exc))
    print(
        f"{url_of(sock)}  (local Dotoro API, {config.contract.value} contract, "
        f"db {config.db_path})",
        flush=True,
    )
    server = uvicorn_server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])  # uvicorn stops gracefully on Ctrl-C / SIGTERM
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
