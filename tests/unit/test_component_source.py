"""The live component's module as the page joins it (ui/push.py) parses: a syntax error or a
name declared twice would leave every tab with an error box instead of the live page."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sync_monitor.ui.push import HERE, LIVE_PARTS


@pytest.mark.parametrize("parts", [LIVE_PARTS, ("keeper.js",)], ids=["live", "keeper"])
def test_each_component_module_parses(parts: tuple[str, ...], tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js not found: CI must check the component's source")
        pytest.skip("Node.js not found")
    joined = tmp_path / "component.mjs"  # a module (it exports its entry): parsed as one
    joined.write_text("\n".join((HERE / name).read_text() for name in parts))
    checked = subprocess.run(
        [node, "--check", str(joined)], capture_output=True, text=True, timeout=60, check=False
    )
    assert checked.returncode == 0, checked.stderr
