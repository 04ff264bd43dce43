"""The architecture, checked: layers import only downward, the pure core does no I/O, only the
runtime and the UI import Streamlit, and the local API stands alone (contracts in pyproject.toml).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

from tests.support.waiting import seconds

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (ROOT / "sync_monitor", ROOT / "dotoro_local")
MAX_LINES = 300
LINT = (
    "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
)


def test_import_contracts_are_kept() -> None:
    # In a child process: import-linter reconfigures logging, which would silence this
    # process's loggers for the tests that follow.
    done = subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=seconds(60),
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_import_cycle_even_for_the_type_checker() -> None:
    """No module reaches itself through its imports, TYPE_CHECKING ones included (the hub's
    loop with the poller and the actions once hid there)."""
    graph = grimp.build_graph(
        "sync_monitor", "dotoro_local", exclude_type_checking_imports=False, cache_dir=None
    )
    loops = sorted(
        {
            tuple(sorted((module, imported)))
            for module in graph.modules
            for imported in graph.find_modules_directly_imported_by(module)
            if graph.chain_exists(importer=imported, imported=module)
        }
    )
    assert loops == []


def test_no_package_module_is_over_300_lines() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for package in PACKAGES
        for path in package.rglob("*.py")
    }
    assert {p: n for p, n in sizes.items() if n > MAX_LINES} == {}


def test_the_server_import_of_app_loads_only_the_route() -> None:
    # `streamlit run` imports app.py to find its st.App after it has opened its port, and
    # answers nothing (its health check included) until that import returns: the services,
    # pandas and SQLAlchemy (over a second on a busy machine) load with the first page instead.
    probe = "import sys, app; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=seconds(60),
        check=True,
    )
    loaded = set(done.stdout.split())
    assert "sync_monitor.push.route" in loaded
    heavy = {"sync_monitor.runtime", "sync_monitor.live.hub", "sync_monitor.history", "pandas"}
    assert loaded & (heavy | {"sqlalchemy", "altair", "requests"}) == set()
