"""The console script answers ``--version`` before importing click, with click's words."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from epmigrate import __version__
from epmigrate.cli import cli

EXPECTED = f"epmigrate, version {__version__}\n"


def test_click_version_option_prints_the_documented_line() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == EXPECTED


def test_console_script_and_module_print_the_same_line() -> None:
    script = Path(sys.executable).parent / "epmigrate"
    for argv in ([str(script), "--version"], [sys.executable, "-m", "epmigrate", "--version"]):
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert (done.returncode, done.stdout, done.stderr) == (0, EXPECTED, ""), argv


def test_version_fast_path_imports_no_command_module() -> None:
    probe = (
        "import sys; sys.argv = ['epmigrate', '--version']\n"
        "from epmigrate.__main__ import main; main()\n"
        "heavy = sorted(m for m in ('click', 'libcst', 'tomlkit', 'epmigrate.cli', "
        "'importlib.metadata') if m in sys.modules)\n"
        "print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout == EXPECTED + "[]\n"


def test_other_arguments_go_to_click() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "epmigrate", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: epmigrate [OPTIONS] COMMAND [ARGS]...")
