"""Record OpenStack's setup.cfg → pyproject.toml moves: ``tests/data/openstack_moves``.

Usage: ``python realworld/record_openstack_moves.py [--mirror-root DIR] [--check] [PROJECT...]``

Each row of ``tests/data/openstack_moves/MANIFEST.tsv`` (tab-separated:
``project``, ``repository``, ``commit``, ``parent``, ``title``) names one
project's commit that moved its pbr ``setup.cfg`` metadata into
``pyproject.toml`` ``[project]``. For each row this script writes, under
``tests/data/openstack_moves/<project>/``, ``before/`` (the files at
``parent``) and ``after/`` (the files at ``commit``): ``setup.cfg``,
``pyproject.toml`` and ``setup.py``, each on the side where it exists, with
its bytes exactly as git stores them; any other file in ``before/`` or
``after/`` is removed.

The repository is cloned with ``git clone --filter=blob:none --no-checkout``
into a temporary directory, unless ``--mirror-root DIR`` is given and
``DIR/<owner>+<name>/repo`` (``<owner>/<name>`` from the repository address)
is a git directory, which is then read in place. Before anything is written,
``parent`` must be the commit's only parent and ``title`` its subject.

``--check`` writes nothing: it compares the recorded files with git's and
exits 1 on any difference (a file changed, missing or extra, or a project
directory missing from the manifest). Exit 2: the manifest or git failed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "tests" / "data" / "openstack_moves"
MANIFEST = DATA_DIR / "MANIFEST.tsv"
HEADER = ("project", "repository", "commit", "parent", "title")
FILES = ("setup.cfg", "pyproject.toml", "setup.py")
SIDES = ("before", "after")
# Files of DATA_DIR itself, not project directories.
OWN_FILES = frozenset({"MANIFEST.tsv", "README.md"})
_HEX40 = re.compile(r"[0-9a-f]{40}")
_PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# No prompt for credentials, and no user or system configuration that could
# change what a command prints.
_GIT_ENV = {
    **os.environ,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


class Failure(Exception):
    """The manifest is malformed or a git command failed."""


@dataclass(frozen=True)
class Move:
    """One row of the manifest."""

    project: str
    repository: str
    commit: str
    parent: str
    title: str

    @property
    def owner_name(self) -> tuple[str, str]:
        """``(owner, name)`` from the repository address."""
        parts = urlsplit(self.repository).path.strip("/").split("/")
        return parts[0], parts[1].removesuffix(".git")


def load_manifest(path: Path = MANIFEST) -> list[Move]:
    """The rows of MANIFEST.tsv, checked."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != HEADER:
        raise Failure(f"{path}: the first line must be {chr(9).join(HEADER)!r}")
    moves: list[Move] = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(HEADER):
            raise Failure(f"{path}:{number}: {len(fields)} fields, expected {len(HEADER)}")
        move = Move(*fields)
        url = urlsplit(move.repository)
        if not _PROJECT.fullmatch(move.project):
            raise Failure(f"{path}:{number}: project {move.project!r} is not a plain name")
        if url.scheme != "https" or len(url.path.strip("/").split("/")) != 2:
            raise Failure(
                f"{path}:{number}: repository {move.repository!r} is not https://HOST/OWNER/NAME"
            )
        for label, value in (("commit", move.commit), ("parent", move.parent)):
            if not _HEX40.fullmatch(value):
                raise Failure(f"{path}:{number}: {label} {value!r} is not 40 lowercase hex digits")
        moves.append(move)
    names = [move.project for move in moves]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise Failure(f"{path}: projects listed twice: {', '.join(duplicates)}")
    return moves


def git(git_dir: Path, *args: str) -> bytes:
    """The standard output of ``git --git-dir GIT_DIR ARGS``."""
    proc = subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], capture_output=True, env=_GIT_ENV, check=False
    )
    if proc.returncode != 0:
        stderr = proc.stderr.decode(errors="replace").strip()
        raise Failure(f"git {' '.join(args)} in {git_dir} failed ({proc.returncode}): {stderr}")
    return proc.stdout


def clone(repository: str, into: Path) -> Path:
    """A blobless clone of REPOSITORY without a work tree; its git directory."""
    proc = subprocess.run(
        ["git", "clone", "--quiet", "--filter=blob:none", "--no-checkout", repository, str(into)],
        capture_output=True,
        env=_GIT_ENV,
        check=False,
    )
    if proc.returncode != 0:
        stderr = proc.stderr.decode(errors="replace").strip()
        raise Failure(f"git clone {repository} failed ({proc.returncode}): {stderr}")
    return into / ".git"


def read_side(git_dir: Path, revision: str) -> dict[str, bytes]:
    """The files of FILES that exist at REVISION, by name, with their bytes."""
    listing = git(git_dir, "ls-tree", "-z", revision, "--", *FILES)
    found: dict[str, bytes] = {}
    for entry in filter(None, listing.split(b"\0")):
        meta, _, name = entry.decode().partition("\t")
        mode, kind, oid = meta.split()
        if kind != "blob" or mode not in ("100644", "100755"):
            raise Failure(f"{revision}:{name} is not a regular file (mode {mode}, {kind})")
        found[name] = git(git_dir, "cat-file", "blob", oid)
    return found


def expected_files(git_dir: Path, move: Move) -> dict[str, bytes]:
    """``{"before/setup.cfg": bytes, ...}`` for MOVE, after checking the commit."""
    line = git(git_dir, "rev-list", "--parents", "--max-count=1", move.commit).decode().split()
    if line[1:] != [move.parent]:
        raise Failure(
            f"{move.project}: the parents of {move.commit} are {line[1:]}, not [{move.parent}]"
        )
    title = git(git_dir, "log", "--max-count=1", "--format=%s", move.commit).decode().rstrip("\n")
    if title != move.title:
        raise Failure(
            f"{move.project}: the subject of {move.commit} is {title!r}, not {move.title!r}"
        )
    files: dict[str, bytes] = {}
    for side, revision in zip(SIDES, (move.parent, move.commit), strict=True):
        for name, data in read_side(git_dir, revision).items():
            files[f"{side}/{name}"] = data
    if not any(key.startswith("after/") for key in files):
        raise Failure(f"{move.project}: none of {', '.join(FILES)} exists at {move.commit}")
    return files


def recorded_files(project_dir: Path) -> dict[str, bytes]:
    """The files now under PROJECT_DIR/before and PROJECT_DIR/after."""
    files: dict[str, bytes] = {}
    for side in SIDES:
        side_dir = project_dir / side
        if side_dir.is_dir():
            for path in sorted(side_dir.rglob("*")):
                if path.is_file() or path.is_symlink():
                    files[path.relative_to(project_dir).as_posix()] = path.read_bytes()
    return files


def differences(expected: dict[str, bytes], recorded: dict[str, bytes]) -> list[str]:
    """One line for each file that is changed, missing or extra."""
    lines = []
    for key in sorted(expected.keys() | recorded.keys()):
        if key not in recorded:
            lines.append(f"missing {key}")
        elif key not in expected:
            lines.append(f"extra {key}")
        elif expected[key] != recorded[key]:
            lines.append(f"changed {key}")
    return lines


def write(project_dir: Path, expected: dict[str, bytes]) -> None:
    """Make PROJECT_DIR/before and PROJECT_DIR/after hold exactly EXPECTED."""
    for key in recorded_files(project_dir).keys() - expected.keys():
        (project_dir / key).unlink()
    for key, data in expected.items():
        path = project_dir / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)


def git_dir_for(move: Move, mirror_root: Path | None, scratch: Path) -> Path:
    """The mirror's git directory when there is one, else a fresh clone's."""
    if mirror_root is not None:
        owner, name = move.owner_name
        mirror = mirror_root / f"{owner}+{name}" / "repo"
        if mirror.is_dir():
            return mirror
        print(f"{move.project}: no {mirror}; cloning {move.repository}", file=sys.stderr)
    return clone(move.repository, scratch / move.project)


def main(argv: list[str] | None = None) -> int:
    """Record (or with --check, compare) the files of each selected move."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mirror-root",
        type=Path,
        metavar="DIR",
        help="read DIR/<owner>+<name>/repo where it exists instead of cloning",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with git instead of writing; exit 1 on a difference",
    )
    parser.add_argument("projects", nargs="*", help="projects from MANIFEST.tsv (default: all)")
    opts = parser.parse_args(argv)
    try:
        moves = load_manifest()
        known = {move.project for move in moves}
        if unknown := sorted(set(opts.projects) - known):
            raise Failure(f"not in {MANIFEST.name}: {', '.join(unknown)}")
        selected = [move for move in moves if not opts.projects or move.project in opts.projects]
        problems = 0
        if opts.check and not opts.projects:
            for path in sorted(DATA_DIR.iterdir()):
                if path.name not in OWN_FILES and path.name not in known:
                    print(f"{path.name}: not in {MANIFEST.name}")
                    problems += 1
        with tempfile.TemporaryDirectory(prefix="openstack-moves-") as scratch:
            for move in selected:
                git_dir = git_dir_for(move, opts.mirror_root, Path(scratch))
                expected = expected_files(git_dir, move)
                project_dir = DATA_DIR / move.project
                if opts.check:
                    found = differences(expected, recorded_files(project_dir))
                    for line in found:
                        print(f"{move.project}: {line}")
                    if not found:
                        print(f"{move.project}: same ({len(expected)} files)")
                    problems += len(found)
                else:
                    write(project_dir, expected)
                    print(f"{move.project}: wrote {len(expected)} files")
    except Failure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if opts.check and problems:
        print(f"{problems} difference(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
