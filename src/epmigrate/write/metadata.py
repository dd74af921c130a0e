"""``write --metadata``: what the project's own build backend would install.

A prepared write (:class:`~epmigrate.write.run.Outcome`) says which lines go
into which file; whether the build then carries them is the backend's call.
:func:`check` asks it: the project is copied twice into a temporary directory
(VCS, virtualenv and cache directories left out), the planned edit is applied
to the second copy only, and the PyPA's ``build`` library runs the backend's
``prepare_metadata_for_build_wheel`` hook on both copies, side by side, in
one isolated build environment (or the current environment with
``isolated=False``). The ``entry_points.txt`` of the two results are
compared: every planned entry point must be in the second, and every entry
point of the first must be there unchanged. The user's tree is never touched:
backends write into the tree they build (``*.egg-info``, pbr's ``AUTHORS``
and ``ChangeLog``), so they only ever see the copies.

The backend runs in a child process (:mod:`._metadata_worker`) in a session
of its own: a backend that hangs is killed, with everything it started, when
the timeout expires.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from epmigrate.errors import EpmigrateError
from epmigrate.model import EntryPointSpec, Finding

__all__ = [
    "DEFAULT_TIMEOUT",
    "BackendError",
    "Difference",
    "MetadataCheck",
    "Session",
    "backend_output",
    "check",
    "compare",
    "copy_project",
]

DEFAULT_TIMEOUT = 600.0
"""Seconds the backend (environment, requirements and hook) may take in all."""

_SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".bzr", ".tox", ".nox", "node_modules", "__pycache__"}
)
"""Directories a build does not read and the copies leave out."""

DifferenceKind = Literal["missing", "changed", "removed", "unexpected"]


class BackendError(EpmigrateError):
    """The project's build backend could not produce its metadata."""


@dataclass(frozen=True)
class Difference:
    """One way the built metadata differs from the plan.

    ``missing``: a planned entry point the metadata does not have;
    ``changed``: an entry point whose value is not the planned (or the former)
    one; ``removed``: an entry point the build had before the write and not
    after; ``unexpected``: one the write did not plan and the build did not
    have before.
    """

    kind: DifferenceKind
    group: str
    name: str
    expected: str | None
    found: str | None
    cause: str | None = None

    def describe(self) -> str:
        """The difference as one sentence."""
        label = f"[{self.group}] {self.name}"
        if self.kind == "missing":
            text = f"{label} = {self.expected} is planned but not in the built metadata"
        elif self.kind == "changed":
            text = f"{label} is {self.found} in the built metadata, not {self.expected}"
        elif self.kind == "removed":
            text = f"{label} = {self.expected} was in the metadata before the write, not after"
        else:
            text = f"{label} = {self.found} appears in the metadata after the write, unplanned"
        return f"{text}: {self.cause}" if self.cause else text

    def to_json(self) -> dict[str, Any]:
        """The difference as an item of ``metadata.differences`` (docs/write-json.md)."""
        return {
            "kind": self.kind,
            "group": self.group,
            "name": self.name,
            "expected": self.expected,
            "found": self.found,
            "cause": self.cause,
        }


@dataclass(frozen=True)
class MetadataCheck:
    """The backend's metadata before and after the planned write, compared."""

    backend: str
    isolated: bool
    before: tuple[EntryPointSpec, ...]
    after: tuple[EntryPointSpec, ...]
    planned: tuple[EntryPointSpec, ...]
    differences: tuple[Difference, ...]
    seconds: float
    hook_seconds: tuple[float, ...] = field(default=())
    sources: tuple[str, ...] = field(default=("metadata", "metadata"))
    """Where the entry points before and after were read: ``metadata`` (the
    hook's ``.dist-info``) or ``wheel`` (built because the hook wrote no
    ``entry_points.txt``)."""

    @property
    def ok(self) -> bool:
        """Whether the installed metadata would carry the plan and keep the rest."""
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        """The check as the ``metadata`` member of ``write --format json``."""

        def entries(specs: Iterable[EntryPointSpec]) -> list[dict[str, str]]:
            return [{"group": s.group, "name": s.name, "value": s.value} for s in specs]

        return {
            "backend": self.backend,
            "isolated": self.isolated,
            "ok": self.ok,
            "before": entries(self.before),
            "after": entries(self.after),
            "differences": [d.to_json() for d in self.differences],
            "read_from": list(self.sources),
            "seconds": round(self.seconds, 3),
        }


def compare(
    before: Sequence[EntryPointSpec],
    after: Sequence[EntryPointSpec],
    planned: Sequence[EntryPointSpec],
    *,
    replace: bool = False,
    cause: str | None = None,
) -> tuple[Difference, ...]:
    """How ``after`` differs from ``before`` plus ``planned``.

    With ``replace`` a planned entry point may re-point one of ``before``;
    otherwise the plan only adds. ``cause`` is attached to the differences of
    planned entries (why the build does not read what was written).
    """
    was = {(s.group, s.name): s.value for s in before}
    now = {(s.group, s.name): s.value for s in after}
    plan = {(s.group, s.name): s.value for s in planned}
    out: list[Difference] = []
    for (group, name), value in plan.items():
        found = now.get((group, name))
        if found == value:
            continue
        kind: DifferenceKind = "missing" if found is None else "changed"
        out.append(Difference(kind, group, name, value, found, cause))
    for (group, name), value in was.items():
        if (group, name) in plan and (replace or was[(group, name)] == plan[(group, name)]):
            continue
        found = now.get((group, name))
        if found == value:
            continue
        if found is None:
            out.append(Difference("removed", group, name, value, None))
        else:
            out.append(Difference("changed", group, name, value, found))
    for (group, name), value in now.items():
        if (group, name) not in was and (group, name) not in plan:
            out.append(Difference("unexpected", group, name, None, value))
    return tuple(out)


def _ignore(directory: str, names: list[str]) -> set[str]:
    skipped = {
        n for n in names if n in _SKIPPED_DIRS or (n.startswith(".") and n.endswith("_cache"))
    }
    for name in names:
        # A virtualenv anywhere in the tree (.venv, venv, env, ...).
        if name not in skipped and os.path.isfile(os.path.join(directory, name, "pyvenv.cfg")):
            skipped.add(name)
    return skipped


def copy_project(root: str, dest: str) -> None:
    """Copy the project in ``root`` to ``dest`` (which must not exist) for a build.

    Links are copied as links; VCS, virtualenv, tox and cache directories are
    left out. Special files (FIFOs, sockets, devices) are left out too: a
    build reads none, and opening a FIFO would block.
    """

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = _ignore(directory, names)
        for name in names:
            path = os.path.join(directory, name)
            if name not in skipped and not os.path.islink(path):
                try:
                    mode = os.lstat(path).st_mode
                except OSError:
                    continue
                import stat

                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    skipped.add(name)
        return skipped

    shutil.copytree(root, dest, symlinks=True, ignore=ignore)


def _place(tree: str, relpath: str, text: str) -> None:
    """Put ``text`` at ``relpath`` of the copy ``tree``, never through a link."""
    path = os.path.join(tree, relpath)
    if os.path.islink(path):
        # The copy of a link may point at the user's own file: replace the
        # link, not what it points at.
        os.unlink(path)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def _backend_name(root: str) -> str:
    """``build-backend`` of the project, or setuptools' legacy default."""
    from epmigrate.config import read_toml
    from epmigrate.fileio import read_text
    from epmigrate.write.text import strip_bom

    path = os.path.join(root, "pyproject.toml")
    if not os.path.isfile(path):
        return "setuptools.build_meta:__legacy__"
    try:
        data = read_toml(strip_bom(read_text(path).text)[1], path)
    except EpmigrateError:
        return "setuptools.build_meta:__legacy__"
    backend = data.get("build-system", {}).get("build-backend")
    return backend if isinstance(backend, str) else "setuptools.build_meta:__legacy__"


class Session:
    """One ``write --metadata`` run: the backend starts on the project as it is at once.

    Opening the session copies the project and starts the worker, which makes
    the isolated environment and builds the copy's metadata while the caller
    scans and plans; :meth:`check` then hands it the copy with the change.
    The timeout counts from the opening. Closing the session (also on an
    error before :meth:`check`) stops the worker and everything it started
    and removes the copies.
    """

    def __init__(
        self,
        root: str,
        *,
        isolated: bool = True,
        installer: str = "pip",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.root = os.path.abspath(root)
        self.isolated = isolated
        self.installer = installer
        self.timeout = timeout
        self.backend = _backend_name(self.root)
        self._tmp: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._started = 0.0

    def __enter__(self) -> Session:
        self._started = time.perf_counter()
        self._tmp = tempfile.mkdtemp(prefix="epmigrate-metadata-")
        before = os.path.join(self._tmp, "before")
        try:
            try:
                copy_project(self.root, before)
            except (OSError, shutil.Error) as exc:
                raise EpmigrateError(
                    f"cannot copy the project {self.root} for its build: {exc}",
                    path=self.root,
                    hint="the build reads the whole project: every file in it must be readable",
                ) from exc
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "epmigrate.write._metadata_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            assert self._proc.stdin is not None
            request = {"before": before, "isolated": self.isolated, "installer": self.installer}
            self._proc.stdin.write(json.dumps(request).encode() + b"\n")
            self._proc.stdin.flush()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            _kill_group(self._proc)
            with contextlib.suppress(OSError, ValueError):
                self._proc.communicate(timeout=5)
            self._proc = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    @property
    def _trees(self) -> list[str]:
        assert self._tmp is not None
        return [os.path.join(self._tmp, "before"), os.path.join(self._tmp, "after")]

    def check(
        self,
        target_path: str,
        new_text: str,
        planned: Sequence[EntryPointSpec],
        *,
        replace: bool = False,
        traps: Sequence[Finding] = (),
    ) -> MetadataCheck:
        """The metadata before and after writing ``new_text`` to ``target_path``, compared.

        Raises :class:`BackendError` when the backend fails, is missing or
        runs past the timeout. ``traps`` (:func:`epmigrate.write.traps.find`)
        name the cause of planned entries the build does not carry.
        """
        assert self._proc is not None, "check() needs an open session"
        relpath = os.path.relpath(os.path.abspath(target_path), self.root)
        if relpath.startswith(os.pardir):
            raise EpmigrateError(
                f"{target_path} is outside the project {self.root}: its build cannot be checked",
                path=target_path,
                hint="run epmigrate write --metadata in the project's directory",
            )
        after = self._trees[1]
        try:
            copy_project(self.root, after)
            _place(after, relpath, new_text)
        except (OSError, shutil.Error) as exc:
            raise EpmigrateError(
                f"cannot copy the project {self.root} for its build: {exc}",
                path=self.root,
                hint="the build reads the whole project: every file in it must be readable",
            ) from exc
        answer = self._answer({"after": after})
        backend = answer.get("backend") or self.backend
        if answer.get("error"):
            raise _failure(answer["error"], backend, self.root, self.isolated, self._trees)
        before, built = (_specs(t["entry_points"]) for t in answer["trees"])
        cause = _cause(traps, before, built, planned, backend)
        return MetadataCheck(
            backend=backend,
            isolated=self.isolated,
            before=before,
            after=built,
            planned=tuple(planned),
            differences=compare(before, built, planned, replace=replace, cause=cause),
            seconds=time.perf_counter() - self._started,
            hook_seconds=tuple(float(t["seconds"]) for t in answer["trees"]),
            sources=tuple(str(t.get("source", "metadata")) for t in answer["trees"]),
        )

    def _answer(self, line: dict[str, Any]) -> dict[str, Any]:
        """Send the second line; the worker's answer, or a :class:`BackendError`."""
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        left = max(0.0, self.timeout - (time.perf_counter() - self._started))
        try:
            out, err = proc.communicate(json.dumps(line).encode() + b"\n", timeout=left)
        except (subprocess.TimeoutExpired, BrokenPipeError) as exc:
            if isinstance(exc, BrokenPipeError):
                # The worker is gone already: read what it said.
                out, err = proc.communicate(timeout=5)
            else:
                raise BackendError(
                    f"the build backend {self.backend} did not finish within "
                    f"{self.timeout:g} s (environment, requirements and metadata hook); it was "
                    "stopped, nothing was written",
                    path=self.root,
                    hint="run it by hand to see where it waits (python -m build --wheel), or "
                    "give it longer with --timeout SECONDS",
                ) from None
        # Whatever the hooks started and left behind.
        _kill_group(proc)
        try:
            answer: dict[str, Any] = json.loads(out.decode("utf-8"))
        except ValueError:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-15:]
            raise BackendError(
                f"the metadata run for {self.backend} failed (exit {proc.returncode}); nothing "
                "was written" + ("\n    " + "\n    ".join(tail) if tail else ""),
                path=self.root,
                hint="epmigrate runs the backend through the 'build' package: check that it is "
                "installed beside epmigrate (pip install build)",
            ) from None
        return answer


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


_STAGE_HINTS = {
    "project": (
        "a PEP 517 front end (pip, build) needs pyproject.toml or setup.py in the project's "
        "directory, with a valid [build-system] table if there is one; pip install refuses "
        "the project as it is too"
    ),
    "environment": (
        "the isolated build environment could not be made: building it installs "
        "build-system.requires from the package index; without the index, install them "
        "where epmigrate runs and pass --no-isolation"
    ),
    "requirements": (
        "the backend's requirements could not be installed; without the package index, "
        "install them where epmigrate runs and pass --no-isolation"
    ),
    "hook": (
        "the backend failed on the project as it is (see its output above): fix what it "
        "reports, or check the build by hand with python -m build --wheel"
    ),
}


def backend_output(text: str, trees: Sequence[str] = (), root: str = "") -> list[str]:
    """The last lines a backend printed, tracebacks cut to their exception line.

    Paths into the temporary copies ``trees`` are shown as under ``root``.
    """
    out: list[str] = []
    in_traceback = False
    for line in text.strip().splitlines():
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
            continue
        if in_traceback:
            if not line.strip() or line[:1].isspace():
                continue
            in_traceback = False
        for tree in trees:
            line = line.replace(tree, root)
        if line.strip():
            out.append(line)
    return out[-15:]


def _failure(
    error: dict[str, Any], backend: str, root: str, isolated: bool, trees: Sequence[str]
) -> BackendError:
    stage = str(error.get("stage", "hook"))
    what = {
        "project": "reading the project",
        "environment": "making its isolated build environment",
        "requirements": "installing its build requirements",
        "hook": "preparing the wheel metadata (prepare_metadata_for_build_wheel)",
    }.get(stage, stage)
    lines = backend_output(str(error.get("output", "")), trees, root)
    message = f"the build backend {backend} failed {what}: {error.get('message', '')}".rstrip()
    if lines:
        message += "\n    " + "\n    ".join(lines)
    message += "\n  nothing was written"
    hint = _STAGE_HINTS.get(stage, _STAGE_HINTS["hook"])
    if stage == "requirements" and not isolated:
        hint = (
            "install the backend's requirements in the environment epmigrate runs in, or "
            "drop --no-isolation to let build install them in an isolated environment"
        )
    return BackendError(message, path=root, hint=hint)


def _specs(rows: Iterable[Sequence[str]]) -> tuple[EntryPointSpec, ...]:
    return tuple(EntryPointSpec(g, n, v) for g, n, v in rows)


def check(
    root: str,
    target_path: str,
    new_text: str,
    planned: Sequence[EntryPointSpec],
    *,
    replace: bool = False,
    isolated: bool = True,
    installer: str = "pip",
    timeout: float = DEFAULT_TIMEOUT,
    traps: Sequence[Finding] = (),
) -> MetadataCheck:
    """Build the metadata of ``root`` before and after writing ``new_text`` to ``target_path``.

    One :class:`Session` (nothing to overlap with); see :meth:`Session.check`.
    """
    with Session(root, isolated=isolated, installer=installer, timeout=timeout) as session:
        return session.check(target_path, new_text, planned, replace=replace, traps=traps)


def _cause(
    traps: Sequence[Finding],
    before: Sequence[EntryPointSpec],
    after: Sequence[EntryPointSpec],
    planned: Sequence[EntryPointSpec],
    backend: str,
) -> str | None:
    """Why planned entries are not in the metadata, as far as it is known."""
    known = [t.message for t in traps if t.severity.value in ("error", "warning")]
    if known:
        return "; ".join(known)
    if tuple(before) == tuple(after) and planned:
        return (
            f"the metadata is the same before and after the write: {backend} does not read "
            "the file or table written to"
        )
    return None
