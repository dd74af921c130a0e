"""epmigrate.quick: a scan the cache answers prints what the click command prints.

Every run here is a fresh ``epmigrate`` process (its console entry,
``epmigrate.__main__.main``) with its own cache directory. The first run of
a command is the click command; the second is replayed, which the test
knows because click was not imported; a third with ``--no-cache`` scans
afresh. All three must print the same bytes and exit with the same status.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.scan.test_adversarial import BASE, extension, make_tree

MAIN = """
import atexit, os, sys

def modules():
    with open(os.environ["EPMIGRATE_TEST_MODULES"], "w") as fh:
        fh.write("\\n".join(sorted(sys.modules)))

atexit.register(modules)
from epmigrate.__main__ import main
sys.argv = ["epmigrate", *sys.argv[1:]]
main()
"""


@dataclass(frozen=True)
class Run:
    stdout: bytes
    stderr: bytes
    code: int
    modules: frozenset[str]

    @property
    def printed(self) -> tuple[bytes, bytes, int]:
        return self.stdout, self.stderr, self.code

    @property
    def replayed(self) -> bool:
        return "click" not in self.modules


class Epmigrate:
    """``epmigrate`` in fresh processes, in one working directory, with one cache."""

    def __init__(self, tmp_path: Path) -> None:
        self.cwd = tmp_path / "work"
        self.cwd.mkdir()
        self.env = {
            **os.environ,
            "XDG_CACHE_HOME": str(tmp_path / "xdg"),
            "EPMIGRATE_TEST_MODULES": str(tmp_path / "modules.txt"),
        }
        self.env.pop("NO_COLOR", None)

    def __call__(self, *args: str, stdout: int | None = subprocess.PIPE) -> Run:
        done = subprocess.run(
            [sys.executable, "-c", MAIN, *args],
            stdout=stdout,
            stderr=subprocess.PIPE,
            cwd=self.cwd,
            env=self.env,
            check=False,
        )
        modules = frozenset(Path(self.env["EPMIGRATE_TEST_MODULES"]).read_text().split())
        return Run(done.stdout or b"", done.stderr, done.returncode, modules)


@pytest.fixture
def epmigrate(tmp_path: Path) -> Epmigrate:
    return Epmigrate(tmp_path)


def tree(tmp_path: Path) -> tuple[Path, Path]:
    """Two extension directories: one clean, one with a file the loader fails on."""
    ext = make_tree(tmp_path / "tree")
    bad = tmp_path / "tree" / "proj" / "other"
    bad.mkdir()
    (bad / "__init__.py").write_text("")
    (bad / "broken.py").write_text("class Broken(:\n")
    (bad / "fine.py").write_text(extension("Fine", "fine-\u00e9"))
    (bad / "fine_too.py").write_text(extension("NotTheName", "x"))
    return ext, bad


ARGVS = {
    "text": ["{ext}", "--base", BASE],
    "json": ["{ext}", "--base", BASE, "--format", "json"],
    "equals-spelling": ["--format=json", "{ext}", f"--base={BASE}"],
    "ini": ["{ext}", "--base", BASE, "--format", "ini"],
    "entry-points-group": ["{ext}", "--base", BASE, "--format", "entry-points", "--group", "g"],
    "errors-text": ["{bad}", "--base", BASE],
    "errors-ini": ["{bad}", "--base", BASE, "--format", "ini"],
    "errors-json": ["{bad}", "--base", BASE, "--format", "json"],
    "two-directories-bad": ["{ext}:{bad}", "--base", BASE, "--search-path", "{tree}"],
    "profile": ["{ext}", "--profile", "nova", "--base", BASE],
    "from-project-table-bad": [],
}


@pytest.mark.parametrize("name", sorted(ARGVS))
def test_a_replay_prints_what_the_command_prints(
    epmigrate: Epmigrate, tmp_path: Path, name: str
) -> None:
    ext, bad = tree(tmp_path)
    names = {"ext": str(ext), "bad": str(bad), "tree": str(tmp_path / "tree")}
    args = ["scan", *(a.format(**names) for a in ARGVS[name])]
    if name == "from-project-table-bad":
        (epmigrate.cwd / "pyproject.toml").write_text(
            f'[tool.epmigrate]\npaths = ["{bad}"]\nbases = ["{BASE}"]\ngroup = "svc"\n'
        )
    first = epmigrate(*args)
    assert not first.replayed
    assert first.code in (0, 1), first.stderr
    second = epmigrate(*args)
    assert second.replayed
    assert second.printed == first.printed
    fresh = epmigrate(*args, "--no-cache")
    assert not fresh.replayed
    assert fresh.printed == first.printed
    assert first.code == (1 if "bad" in name or name.startswith("errors") else 0)


def test_a_replay_imports_no_framework_model_or_parser(
    epmigrate: Epmigrate, tmp_path: Path
) -> None:
    ext, _ = tree(tmp_path)
    args = ("scan", str(ext), "--base", BASE, "--format", "json")
    epmigrate(*args)
    replay = epmigrate(*args)
    heavy = ("click", "typing", "dataclasses", "inspect", "json", "re", "enum", "hashlib")
    heavy += ("libcst", "tomlkit", "ast", "epmigrate.model", "epmigrate.scan.resolve")
    assert sorted(m for m in replay.modules if m.split(".")[0] in heavy or m in heavy) == []


def test_a_changed_file_is_scanned_again_and_its_output_replayed_after(
    epmigrate: Epmigrate, tmp_path: Path
) -> None:
    ext, _ = tree(tmp_path)
    args = ("scan", str(ext), "--base", BASE, "--format", "json")
    epmigrate(*args)
    assert epmigrate(*args).replayed
    (ext / "aaa_first.py").write_text(extension("Aaa_first", "renamed"))
    changed = epmigrate(*args)
    assert not changed.replayed
    assert b'"alias": "renamed"' in changed.stdout
    again = epmigrate(*args)
    assert again.replayed
    assert again.printed == changed.printed


def test_a_changed_project_table_is_not_replayed(epmigrate: Epmigrate, tmp_path: Path) -> None:
    ext, _ = tree(tmp_path)
    table = epmigrate.cwd / "pyproject.toml"
    table.write_text(f'[tool.epmigrate]\npaths = ["{ext}"]\nbases = ["{BASE}"]\ngroup = "one"\n')
    epmigrate("scan", "--format", "ini")
    assert epmigrate("scan", "--format", "ini").replayed
    table.write_text(table.read_text().replace('"one"', '"two"'))
    changed = epmigrate("scan", "--format", "ini")
    assert not changed.replayed
    assert b"[options.entry_points]\ntwo =\n" in changed.stdout


def test_an_output_made_from_another_stored_scan_is_not_replayed(
    epmigrate: Epmigrate, tmp_path: Path
) -> None:
    # The output of one spelling is stored with the scan it came from. Another
    # spelling scans the changed tree and replaces that scan under the same
    # scan key: the first spelling's output, though its scan key still
    # finds a stored scan that holds, is of the old tree.
    ext, _ = tree(tmp_path)
    one = ("scan", str(ext), "--base", BASE, "--format", "json")
    other = ("scan", str(ext), "--format=json", f"--base={BASE}")
    epmigrate(*one)
    (ext / "aaa_first.py").write_text(extension("Aaa_first", "renamed"))
    assert not epmigrate(*other).replayed
    answer = epmigrate(*one)
    assert not answer.replayed
    assert b'"alias": "renamed"' in answer.stdout


def test_no_cache_neither_reads_nor_replays(epmigrate: Epmigrate, tmp_path: Path) -> None:
    ext, _ = tree(tmp_path)
    args = ("scan", str(ext), "--base", BASE)
    epmigrate(*args)
    assert not epmigrate(*args, "--no-cache").replayed
    cache = tmp_path / "xdg" / "epmigrate"
    before = sorted(p.name for p in cache.rglob("*.entry"))
    assert len(before) == 2  # the scan and its output
    epmigrate("scan", str(ext), "--base", BASE, "--format", "json", "--no-cache")
    assert sorted(p.name for p in cache.rglob("*.entry")) == before


def test_a_replay_into_a_closed_pipe_ends_as_the_command_does(
    epmigrate: Epmigrate, tmp_path: Path
) -> None:
    ext, _ = tree(tmp_path)
    for n in range(40):  # more than a pipe's buffer of JSON
        (ext / f"more{n:02}.py").write_text(extension(f"More{n:02}", f"more-{n}" + "x" * 2000))
    args = ("scan", str(ext), "--base", BASE, "--format", "json")

    def into_closed_pipe(*extra: str) -> Run:
        read, write = os.pipe()
        os.close(read)
        try:
            return epmigrate(*args, *extra, stdout=write)
        finally:
            os.close(write)

    epmigrate(*args)  # stores the output
    replay = into_closed_pipe()
    assert replay.replayed
    command = into_closed_pipe("--no-cache")
    assert not command.replayed
    assert replay.printed == command.printed
    assert command.code == 1
    assert command.stderr == b""


def test_the_help_and_a_bad_option_still_go_to_click(epmigrate: Epmigrate, tmp_path: Path) -> None:
    ext, _ = tree(tmp_path)
    epmigrate("scan", str(ext), "--base", BASE)
    usage = epmigrate("scan", str(ext), "--base", BASE, "--frobnicate")
    assert usage.code == 2
    assert b"Error: No such option '--frobnicate'" in usage.stderr
    helped = epmigrate("scan", "--help")
    assert helped.code == 0
    assert not helped.replayed
    assert textwrap.dedent("Usage: epmigrate scan").encode() in helped.stdout
