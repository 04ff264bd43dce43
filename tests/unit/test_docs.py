"""The docs stay true to the tree: every setting is in docs/operating.md, every module and
package of the monitor is in docs/architecture.md's layout, and every relative link in the
README and docs/ leads to a file and heading that exist."""

from __future__ import annotations

import re
from pathlib import Path

from sync_monitor.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading's text."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {anchor(h) for h in re.findall(r"^#+ (.+)$", path.read_text(), re.MULTILINE)}


def test_every_setting_is_in_the_operating_guide_and_the_secrets_example() -> None:
    guide = (ROOT / "docs" / "operating.md").read_text()
    example = (ROOT / ".streamlit" / "secrets.example.toml").read_text()
    for field in Settings.model_fields:
        name = f"SYNC_MONITOR_{field.upper()}"
        assert f"| `{name}` |" in guide, name
        assert f"{name} = " in example, name


def test_every_module_and_package_is_in_the_architecture_layout() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    layout = text[text.index("## Layout") : text.index("## Development")]
    missing = [
        path.name
        for path in sorted((ROOT / "sync_monitor").iterdir())
        if not path.name.startswith(("_", "."))
        and (path.suffix == ".py" or (path / "__init__.py").exists())
        and not re.search(rf"(?<![\w/]){re.escape(path.name)}\b", layout)
    ]
    assert missing == []
    assert "dotoro_local/" in layout


def test_every_relative_link_leads_somewhere() -> None:
    broken = []
    for doc in DOCS:
        for target in LINK.findall(doc.read_text()):
            if re.match(r"[a-z]+:", target):  # http(s), mailto: not checked here
                continue
            path, _, fragment = target.partition("#")
            where = (doc.parent / path).resolve() if path else doc
            if not where.exists():
                broken.append(f"{doc.name}: {target} (no such file)")
            elif fragment and where.suffix == ".md" and fragment not in anchors(where):
                broken.append(f"{doc.name}: {target} (no such heading)")
    assert broken == []
