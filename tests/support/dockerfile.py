"""Read the hosted profile's Dockerfile: its instructions, environment, start and health-check
commands, so that tests check and run what the image would (building it needs Docker, which the
CI machine does not have)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


@dataclass(frozen=True)
class Image:
    instructions: list[tuple[str, str]]  # (INSTRUCTION, arguments), continuations joined

    def all(self, name: str) -> list[str]:
        return [args for instruction, args in self.instructions if instruction == name]

    def last(self, name: str) -> str:
        found = self.all(name)
        assert found, f"no {name} in the Dockerfile"
        return found[-1]

    @property
    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                values[key] = value
        return values

    @property
    def cmd(self) -> list[str]:
        command: list[str] = json.loads(self.last("CMD"))
        return command

    @property
    def health_cmd(self) -> list[str]:
        args = self.last("HEALTHCHECK")
        command: list[str] = json.loads(args[args.index("CMD") + 3 :])
        return command


def image() -> Image:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, args = line.partition(" ")
            instructions.append((name.upper(), args.strip()))
    return Image(instructions)


def allowed_in_context() -> list[str]:
    """What .dockerignore lets into the build context (it ignores everything else)."""
    lines = [ln.strip() for ln in DOCKERIGNORE.read_text().splitlines()]
    assert "*" in lines, "the context is an allow-list"
    return [ln[1:].rstrip("/") for ln in lines if ln.startswith("!")]
