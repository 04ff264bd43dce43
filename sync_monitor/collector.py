"""`sync-monitor-collector`: the collector on its own, without a page (issue 22).

For a deployment whose UI replicas run with SYNC_MONITOR_COLLECTOR=elsewhere: this process
stands for the collector's lease in the shared history database (PostgreSQL), and while it holds
it, polls Dotoro, follows the streams, makes the actions the replicas ask for and records the
history. Run two for a standby: the second takes over within SYNC_MONITOR_LEASE_SECONDS of the
first dying. Settings come from the environment (SYNC_MONITOR_…), as for the monitor; it needs
SYNC_MONITOR_API_URL and SYNC_MONITOR_HISTORY_URL on PostgreSQL. It stops on SIGTERM or SIGINT,
letting the lease go for the next.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from .assembly import assemble
from .settings import SettingsError, load_settings

log = logging.getLogger("sync_monitor.collector")


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="sync-monitor-collector",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    ).parse_args(argv)
    try:
        config = load_settings(collector="elected")
    except SettingsError as exc:
        print(f"sync-monitor-collector: {exc}", file=sys.stderr)
        return 2
    assert config.api_url is not None  # the settings refuse a collector without one
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stop = threading.Event()

    def stopping(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping on signal %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    try:
        parts = assemble(config, config.api_url)
    except SettingsError as exc:  # one checked as the parts start (digests, alert channels)
        print(f"sync-monitor-collector: {exc}", file=sys.stderr)
        return 2
    assert parts.replica is not None
    log.info("collector %s standing for the lease against %s", parts.replica.name, config.api_url)
    try:
        stop.wait()
    finally:
        parts.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
