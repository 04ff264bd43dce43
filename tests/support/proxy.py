"""A real reverse proxy in front of the app: Debian's nginx, run by the test itself.

`nginx_proxy(upstream)` starts /usr/sbin/nginx in the foreground on a free loopback port with
the configuration of docs/operating.md, "Hosting it" (the push route and Streamlit's own
WebSocket upgraded, the push route unbuffered, long read timeouts, everything else passed
through), optionally with the headers the hosting docs recommend (`Host`, `X-Forwarded-For`,
`X-Forwarded-Proto`, `X-Real-IP`), and yields its base URL. Everything nginx writes (pid file,
error and access logs, temp dirs) stays in a temporary directory; one process
(`master_process off`) serves, so it runs alike as root (no switch to another user that could
not read that directory) and not.

No nginx (`make nginx` installs it): the test is skipped on a workstation and fails under CI
(CI set), as the browser tests do without Chromium.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import Popen
from urllib.parse import urlsplit

import pytest

from tests.support.streamlit_app import free_port
from tests.support.waiting import seconds, wait_for_http

NGINX = "/usr/sbin/nginx"
FORWARDED = (  # the hosting docs' recommended setup ($http_host keeps a port, $host drops it)
    "proxy_set_header Host $http_host;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "proxy_set_header X-Forwarded-Proto $scheme;",
)
UPGRADE = (
    "proxy_http_version 1.1;",
    "proxy_set_header Upgrade $http_upgrade;",
    'proxy_set_header Connection "upgrade";',
)
_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_path() -> str | None:
    """nginx to run (NGINX overrides /usr/sbin/nginx); None when there is none."""
    path = os.environ.get("NGINX") or NGINX
    return path if os.access(path, os.X_OK) else None


def require_nginx() -> str:
    """nginx's path; without it, skip the test (fail it under CI, which must not skip)."""
    path = nginx_path()
    if path is None:
        reason = f"nginx not found at {NGINX} (make nginx, or set NGINX to its path)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the reverse-proxy tests, not skip them")
        pytest.skip(reason)
    return path


def nginx_conf(upstream: str, port: int, *, forward_headers: bool = True) -> str:
    """nginx.conf for a proxy on 127.0.0.1:`port` in front of `upstream`; relative paths are
    under the prefix (`-p`)."""
    parts = urlsplit(upstream)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"upstream must be a base URL such as http://127.0.0.1:8501: {upstream}")
    target = f"{parts.scheme}://{parts.netloc}"  # no path: nginx passes the request's URI on
    forwarded = FORWARDED if forward_headers else ()

    def location(path: str, *directives: str) -> str:
        body = "\n".join(f"            {d}" for d in (f"proxy_pass {target};", *directives))
        return f"        location {path} {{\n{body}\n        }}"

    locations = "\n".join(
        (
            location(  # the push route
                "/sync-monitor/push",
                *UPGRADE,
                *forwarded,
                "proxy_buffering off;",
                "proxy_read_timeout 1h;",  # the route sends a heartbeat every 15 s
                "proxy_send_timeout 1h;",
                "access_log off;",  # its URL holds a token
            ),
            location("/sync-monitor/check-in", *forwarded, "access_log off;"),
            location(  # Streamlit's own WebSocket
                "/_stcore/stream",
                *UPGRADE,
                *forwarded,
                "proxy_read_timeout 1h;",
                "proxy_send_timeout 1h;",
            ),
            location("/", *forwarded),
        )
    )
    temp = "\n".join(f"    {name}_temp_path {name}_temp;" for name in _TEMP_PATHS)
    return f"""\
daemon off;
master_process off;
worker_processes 1;
pid nginx.pid;
error_log error.log info;

events {{
    worker_connections 512;
}}

http {{
    access_log access.log;
{temp}

    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
{locations}
    }}
}}
"""


SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


def shipped_conf(replicas: list[str], port: int) -> str:
    """nginx.conf around the shipped deploy/nginx.conf, as is but for its ADDRESS lines: nginx
    on 127.0.0.1:`port`, one upstream server per replica (base URLs such as
    http://127.0.0.1:8501); relative paths are under the prefix (`-p`)."""
    lines = []
    for line in SHIPPED.read_text().splitlines():
        if "# ADDRESS" in line and line.strip().startswith("server "):
            indent = line[: len(line) - len(line.lstrip())]
            lines += [f"{indent}server {urlsplit(r).netloc};" for r in replicas]
        elif "# ADDRESS" in line and line.strip().startswith("listen "):
            lines.append(line.split("listen")[0] + f"listen 127.0.0.1:{port};")
        else:
            lines.append(line)
    if len(lines) != len(SHIPPED.read_text().splitlines()) + len(replicas) - 1:
        raise AssertionError("deploy/nginx.conf: its ADDRESS lines are not where expected")
    temp = "\n".join(f"    {name}_temp_path {name}_temp;" for name in _TEMP_PATHS)
    shipped = "\n".join(f"    {line}" if line else "" for line in lines)
    return f"""\
daemon off;
master_process off;
worker_processes 1;
pid nginx.pid;
error_log error.log info;

events {{
    worker_connections 1024;
}}

http {{
    access_log access.log;
{temp}

{shipped}
}}
"""


@contextmanager
def nginx_fleet(replicas: list[str]) -> Iterator[str]:
    """nginx with the shipped deploy/nginx.conf in front of `replicas`; yields its base URL."""
    with _nginx(lambda port: shipped_conf(replicas, port), f"{len(replicas)} replicas") as url:
        yield url


@contextmanager
def nginx_proxy(upstream: str, *, forward_headers: bool = True) -> Iterator[str]:
    """nginx in front of `upstream` (e.g. http://127.0.0.1:8501) on a free loopback port;
    yields its base URL (http://127.0.0.1:<port>) once it answers, stops it at the end. A proxy
    that will not start fails the test with nginx's error log."""
    with _nginx(
        lambda port: nginx_conf(upstream, port, forward_headers=forward_headers), upstream
    ) as url:
        yield url


@contextmanager
def _nginx(conf_for: Callable[[int], str], upstream: str) -> Iterator[str]:
    nginx = require_nginx()
    with tempfile.TemporaryDirectory(prefix="sync-monitor-nginx-") as scratch:
        prefix = Path(scratch)
        for attempt in range(3):  # another process may take the free port before nginx does
            port = free_port()
            conf = prefix / "nginx.conf"
            conf.write_text(conf_for(port))
            proc = _start(nginx, prefix, conf)
            url = f"http://127.0.0.1:{port}"
            try:
                try:
                    _wait(proc, url, f"nginx on port {port} in front of {upstream}")
                except AssertionError as exc:
                    _stop(proc)
                    logs = _logs(prefix)
                    if "Address already in use" in logs and attempt < 2:
                        continue
                    raise AssertionError(
                        f"{exc}\nnginx would not start; its configuration ({conf}):\n"
                        f"{conf.read_text()}\n{logs}"
                    ) from None
                yield url
                return
            finally:
                _stop(proc)


def _start(nginx: str, prefix: Path, conf: Path) -> Popen[bytes]:
    """nginx in the foreground with `prefix` for its relative paths; its logs start empty."""
    (prefix / "error.log").write_bytes(b"")
    with (prefix / "output.log").open("wb") as out:  # the child has its own copy
        return Popen(
            [nginx, "-p", f"{prefix}/", "-c", str(conf), "-e", "error.log"],
            cwd=prefix,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait(proc: Popen[bytes], url: str, what: str) -> None:
    wait_for_http(
        url + "/",
        what,
        timeout=30,
        # nginx's own Server header (it hides the upstream's): not another process that took
        # the port. Any status will do (a 502 too): nginx is up.
        ok=lambda r: r.headers.get("Server", "").startswith("nginx"),
        alive=lambda: proc.poll() is None,
    )


def _logs(prefix: Path) -> str:
    parts = []
    for name in ("output.log", "error.log"):
        path = prefix / name
        text = path.read_text(errors="replace").strip() if path.exists() else ""
        parts.append(f"--- nginx's {name}:\n{text or '(empty)'}")
    return "\n".join(parts)


def _stop(proc: Popen[bytes]) -> None:
    """SIGTERM: nginx's fast shutdown, which does not wait for open WebSockets to end."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(seconds(15))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(seconds(5))
