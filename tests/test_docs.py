"""docs/cli.md lists every command and option the CLI has (and no others)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from epmigrate.cli import cli

DOCS = Path(__file__).resolve().parents[1] / "docs"


def documented_section(command: str) -> str:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    match = re.search(rf"^## `epmigrate {command}\b.*?(?=^## |\Z)", text, re.S | re.M)
    assert match, f"docs/cli.md has no section for 'epmigrate {command}'"
    return match.group(0)


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_option_is_documented(command: str) -> None:
    section = documented_section(command)
    cmd = cli.commands[command]
    for param in cmd.params:
        if isinstance(param, click.Option):
            for opt in param.opts + param.secondary_opts:
                assert f"`{opt}" in section, f"{command}: {opt} is not in docs/cli.md"
    documented = set(re.findall(r"^\| `(--?[\w-]+)", section, re.M))
    real = {o for p in cmd.params if isinstance(p, click.Option) for o in p.opts}
    real |= {"-h", "--help"}
    assert documented <= real, f"docs/cli.md documents options {command} lacks"


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## `epmigrate ([\w-]+)", text, re.M))
    assert documented == set(cli.commands)
