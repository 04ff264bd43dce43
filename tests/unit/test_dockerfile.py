"""The hosted profile's image, as far as it can be checked without Docker: a slim Python base, a
user that is not root, a health check on Streamlit's health route, sign-in required, and a build
context that holds what the image copies and never the secrets or the data."""

from __future__ import annotations

import re

from tests.support.dockerfile import allowed_in_context, image


def test_the_image_is_slim_runs_unprivileged_and_requires_sign_in() -> None:
    docker = image()
    assert re.fullmatch(r"python:3\.1[1-9]-slim", docker.last("FROM")), docker.last("FROM")
    user = docker.last("USER")
    assert user not in ("root", "0"), user
    assert docker.env["SYNC_MONITOR_REQUIRE_SIGN_IN"] == "true"
    assert docker.env["STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION"] == "true"
    assert docker.cmd[:3] == ["streamlit", "run", "app.py"]
    start = dict(zip(docker.cmd[3::2], docker.cmd[4::2], strict=True))
    assert start["--server.address"] == "0.0.0.0"
    assert docker.last("EXPOSE") == start["--server.port"]
    health = " ".join(docker.health_cmd)
    assert f"http://127.0.0.1:{start['--server.port']}/_stcore/health" in health


def test_the_build_context_holds_what_the_image_copies_and_no_secret() -> None:
    allowed = allowed_in_context()
    copied = [args.split()[0] for args in image().all("COPY")]
    assert copied, "the Dockerfile copies the app"
    for source in copied:
        assert source.rstrip("/") in allowed, source
    for secret in (".streamlit/secrets.toml", "data", ".venv", ".env", ".git"):
        assert secret not in allowed
        assert not any(secret.startswith(f"{a}/") for a in allowed), secret
