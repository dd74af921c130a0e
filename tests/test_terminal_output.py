"""What a person sees: colour and fitted tables on a terminal only, plurals, paths, hints.

Commands run as users start them: the console script, in a pseudo-terminal
(colour, the terminal's width) or with stdout a pipe (plain, full table).
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import EPMIGRATE, copy_samples, environment

CINDER_ARGS = ("scan", "cinder_style/cinder_style/api/contrib", "--profile", "nova", "--no-cache")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    return copy_samples(tmp_path / "samples")


def on_terminal(cwd: Path, *args: str, columns: int = 80, **env: str) -> str:
    """The output of ``epmigrate ARGS`` run with stdout and stderr on a pseudo-terminal."""
    primary, secondary = pty.openpty()
    environ = environment(cwd, COLUMNS=str(columns), **env)
    environ.pop("NO_COLOR", None)
    environ.update(env)
    proc = subprocess.Popen(
        [str(EPMIGRATE), *args], cwd=cwd, env=environ, stdout=secondary, stderr=secondary
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    assert proc.wait(timeout=120) == 0
    return b"".join(chunks).decode().replace("\r\n", "\n")


def piped(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = environment(cwd, COLUMNS="80", **env)
    environ.pop("NO_COLOR", None)
    environ.update(env)
    return subprocess.run(
        [str(EPMIGRATE), *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


def test_a_terminal_gets_colour_and_the_width(samples: Path) -> None:
    out = on_terminal(samples, *CINDER_ARGS, columns=80)
    assert "\x1b[32mloaded\x1b[0m" in out
    plain = ANSI.sub("", out)
    records = plain.split("\nFindings:")[0].splitlines()
    assert max(len(line) for line in records) <= 80
    # Nothing is cut off: every entry point is there, wrapped.
    assert "cinder_style/cinder_style/api/contrib/hosts.py: loaded" in records
    assert "    entry point hosts = cinder_style.api.contrib.hosts:Hosts" in records
    joined = " ".join(line.strip() for line in records)
    assert "cinder_style.api.contrib.backup_project_attribute:Backup_project_attribute" in (
        joined.replace("backup_ project", "backup_project")
        .replace(": Backup", ":Backup")
        .replace("contrib. ", "contrib.")
    )
    # A wide terminal keeps the table.
    wide = ANSI.sub("", on_terminal(samples, *CINDER_ARGS, columns=300))
    assert wide.splitlines()[0].split() == ["FILE", "CLASS", "ENTRY", "POINT", "ALIAS", "STATUS"]


def test_no_color_turns_colour_off_on_a_terminal(samples: Path) -> None:
    out = on_terminal(samples, *CINDER_ARGS, NO_COLOR="1")
    assert "\x1b[" not in out


def test_a_pipe_gets_the_whole_table_without_colour(samples: Path) -> None:
    proc = piped(samples, *CINDER_ARGS)
    assert proc.returncode == 0
    assert "\x1b[" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["FILE", "CLASS", "ENTRY", "POINT", "ALIAS", "STATUS"]
    [hosts] = [
        line for line in lines if line.startswith("cinder_style/cinder_style/api/contrib/hosts.py ")
    ]
    assert len(hosts) > 80  # COLUMNS is not a terminal's width
    assert hosts.split()[-1] == "loaded"


def test_paths_are_relative_to_the_working_directory(samples: Path) -> None:
    contrib = samples / "cinder_style" / "cinder_style" / "api" / "contrib"
    proc = piped(samples / "cinder_style", "scan", str(contrib), "--profile", "nova", "--no-cache")
    assert "cinder_style/api/contrib/hosts.py" in proc.stdout
    assert str(samples) not in proc.stdout


def test_plurals(samples: Path, tmp_path: Path) -> None:
    root = samples / "widget_service"
    ext = root / "src" / "widget_service" / "extensions"
    for name in ("gadgets.py", "quotas.py", "tags.py"):
        (ext / name).unlink()
    proc = piped(root, "write", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "wrote 1 entry point to pyproject.toml\n"
    proc = piped(root, "write", "--no-cache")
    assert proc.stdout == "pyproject.toml already has its 1 entry point\n"
    scan = piped(root, "scan", "--no-cache")
    assert "0 errors, 0 warnings, 1 note (profile" in scan.stdout


def test_new_package_hint_is_a_path_pip_installs(samples: Path) -> None:
    args = ("write", "--new-package", "widget-contrib", "--path", "widget_contrib")
    args += ("--group", "widget_service.api.extensions", "--search-path", "widget_service/src")
    args += ("--base", "widget_service.api.extensions.ExtensionDescriptor")
    proc = piped(samples, *args, "widget_contrib_pkg", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("install it with: pip install ./widget_contrib_pkg")
    hint = proc.stdout.rstrip().rsplit("pip install ", 1)[1]
    pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index"]
    pip += ["--no-build-isolation", "--disable-pip-version-check", "-q"]
    # pip reads ./DIR as the directory; the bare name as a project on the index.
    assert subprocess.run([*pip, hint], cwd=samples, capture_output=True).returncode == 0
    bare = subprocess.run([*pip, "widget_contrib_pkg"], cwd=samples, capture_output=True, text=True)
    assert bare.returncode != 0


def test_mkvenv_without_epmigrate_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    import venv

    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(bare)
    target = tmp_path / "venv"
    script = Path(__file__).resolve().parents[1] / "sample_projects" / "mkvenv.sh"
    proc = subprocess.run(
        ["bash", str(script), str(target)],
        env={**environment(tmp_path), "PYTHON": str(bare / "bin" / "python")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "cannot import epmigrate and stevedore" in proc.stderr
    assert "hint: " in proc.stderr
    assert not target.exists()


def test_force_colour_colours_a_pipe_and_no_colour_wins(samples: Path) -> None:
    ext = "widget_service/src/widget_service/extensions"
    forced = piped(samples, "scan", "--no-cache", ext, FORCE_COLOR="1")
    assert "\x1b[1mFILE" in forced.stdout and "\x1b[31mnot-extension\x1b[0m" in forced.stdout
    both = piped(samples, "scan", "--no-cache", ext, FORCE_COLOR="1", NO_COLOR="1")
    assert "\x1b[" not in both.stdout
    empty = piped(samples, "scan", "--no-cache", ext, FORCE_COLOR="")
    assert "\x1b[" not in empty.stdout


def test_profiles_as_json(samples: Path) -> None:
    done = piped(samples, "profiles", "--format", "json")
    assert done.returncode == 0
    document = json.loads(done.stdout)
    assert document["schema"] == 1
    by_name = {p["name"]: p for p in document["profiles"]}
    assert by_name["nova"]["import_by"] == "dotted" and by_name["nova"]["recursive"] is True
    assert by_name["neutron"]["group_template"] == "{package}.api.extensions"
    text = piped(samples, "profiles").stdout.splitlines()
    assert [line.split()[0] for line in text] == list(by_name)
