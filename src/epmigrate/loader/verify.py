"""``epmigrate verify``: show that the entry points cover the legacy path.

In the interpreter the service runs (``--python``), after the service's own
start-up code (``--setup MODULE:FUNCTION``), the group is loaded once through
entry points only and once through the legacy path only, and the two are
compared extension by extension. The child runs :mod:`epmigrate.loader.probe`
(standard library only) from a private temporary directory, so it sees the
service's environment and nothing of epmigrate's installation.
:func:`verify_parity` is the library function; the click command over it is
``epmigrate.cli.verify_command``.

Exit codes: 0, the legacy path can be switched off; 1, the legacy path
provides something the entry points lack, or the two disagree (another
class, another alias), or a legacy file fails to load; 2, usage or
environment errors (missing or insecure directory, unknown profile, no
stevedore in the target interpreter, a failing ``--setup``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from epmigrate.errors import EpmigrateError
from epmigrate.loader import _legacy
from epmigrate.loader._rules import escape
from epmigrate.loader._vetted import open_directory
from epmigrate.profiles import LegacyFile, get_profile

__all__ = [
    "JSON_SCHEMA_VERSION",
    "ParityReport",
    "ParityRow",
    "VerifyError",
    "verify_parity",
]

JSON_SCHEMA_VERSION = 1
"""``schema`` of the ``--format json`` document (docs/loader.md describes it)."""

_SOURCE_DIR = os.path.dirname(os.path.abspath(__file__))
# probe.py and the modules it imports (its VETTING_MODULES); not imported
# from it here, since importing the probe stops this process writing bytecode.
_CHILD_FILES = ("probe.py", "_rules.py", "_vetted.py", "_modules.py")


class VerifyError(EpmigrateError, RuntimeError):
    """The comparison could not be made (bad directory, target interpreter unusable)."""


@dataclass(frozen=True)
class ParityRow:
    """One extension as the entry points and the legacy path each provide it.

    ``entry_point`` is the entry point's target and ``legacy_class`` the class
    the legacy file defines (``None`` on the side that lacks it);
    ``same_object`` and ``same_alias`` are ``None`` when there is nothing to
    compare.
    """

    name: str
    entry_point_name: str | None
    entry_point: str | None
    entry_point_error: str | None
    legacy_path: str | None
    legacy_target: str | None
    legacy_class: str | None
    legacy_error: str | None
    entry_point_alias: str | None
    legacy_alias: str | None
    same_object: bool | None
    same_alias: bool | None

    @property
    def problem(self) -> str | None:
        """Why this row stops the legacy path from being switched off, if it does."""
        if self.legacy_path is None:
            return None
        if self.legacy_error is not None:
            return f"the legacy file fails to load ({self.legacy_error}); cannot compare"
        if self.entry_point is None:
            return "no entry point provides it"
        if self.entry_point_error is not None:
            return f"its entry point fails to load ({self.entry_point_error})"
        if self.same_object is False:
            return f"the entry point loads another class than {self.legacy_class}"
        if self.same_alias is False:
            return (
                f"aliases differ: entry point {self.entry_point_alias!r}, "
                f"legacy {self.legacy_alias!r}"
            )
        return None


@dataclass(frozen=True)
class ParityReport:
    """The comparison of one group's entry points with its legacy path."""

    group: str
    directories: tuple[str, ...]
    profile: str
    python: str
    rows: tuple[ParityRow, ...]
    setup: tuple[str, ...] = ()

    @property
    def problems(self) -> list[tuple[str, str]]:
        """``(name, why)`` for every row that keeps the legacy path needed."""
        return [(r.name, p) for r in self.rows if (p := r.problem) is not None]

    @property
    def ok(self) -> bool:
        """True when the legacy path can be switched off."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """The ``--format json`` document (schema in docs/loader.md)."""
        return {
            "schema": JSON_SCHEMA_VERSION,
            "group": self.group,
            "profile": self.profile,
            "python": self.python,
            "directories": list(self.directories),
            "setup": list(self.setup),
            "ok": self.ok,
            "error": None,
            "rows": [{**asdict(r), "problem": r.problem} for r in self.rows],
            "problems": [{"name": n, "problem": p} for n, p in self.problems],
        }

    def render(self) -> str:
        """The parity table and a verdict, as ``epmigrate verify`` prints them."""
        header = ("NAME", "ENTRY POINT", "LEGACY CLASS", "SAME OBJECT", "SAME ALIAS")
        table = [header]
        for r in self.rows:
            name = r.name
            if r.entry_point_name and r.entry_point_name != r.name:
                name = f"{r.name} (entry point {r.entry_point_name})"
            legacy = "-"
            if r.legacy_path is not None:
                legacy = r.legacy_target or f"{r.legacy_path}:{r.legacy_class}"
            table.append(
                (name, r.entry_point or "-", legacy, _yes_no(r.same_object), _yes_no(r.same_alias))
            )
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in table
        ]
        problems = self.problems
        if not self.rows:
            lines.append(f"no extensions in group {self.group!r} on either side")
        if problems:
            lines.append(f"FAIL: {len(problems)} problem(s); keep the legacy path for now:")
            lines.extend(f"  {name}: {why}" for name, why in problems)
        else:
            lines.append(
                "OK: the entry points provide everything the legacy path does; "
                "switch it off (EPMIGRATE_LEGACY=off) and then remove it"
            )
        return "\n".join(lines)


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def verify_parity(
    group: str,
    legacy_paths: str | Sequence[str],
    *,
    profile: str = "neutron",
    python: str | None = None,
    setup: Sequence[str] = (),
    timeout: float = 300.0,
) -> ParityReport:
    """Compare ``group``'s entry points with its legacy path in ``python``.

    ``python`` defaults to this interpreter; it needs stevedore, as the
    service does. ``setup`` names ``module:function`` callables run first,
    in order, as the service's start-up runs them. Raises
    :class:`~epmigrate.errors.ProfileError` for an unknown profile and
    :class:`VerifyError` for a missing or insecure directory, an unusable
    interpreter or a failing setup function.
    """
    prof = get_profile(profile)
    directories = [os.path.abspath(d) for d in prof.paths(legacy_paths)]
    if not directories:
        raise VerifyError("no legacy path given", hint="pass --legacy-path DIR")
    for ref in setup:
        module, sep, func = ref.partition(":")
        if not sep or not module.strip() or not func.strip():
            raise VerifyError(
                f"--setup {ref!r} is not MODULE:FUNCTION",
                hint="name the start-up function, e.g. --setup cinder.objects:register_all",
            )
    listings = [_directory_request(prof, d) for d in directories]
    _drop_repeats(listings)
    request = {"group": group, "setup": list(setup), "directories": listings}
    interpreter = python or sys.executable
    document = _run_child(interpreter, request, timeout)
    if "error" in document:
        raise VerifyError(str(document["error"]), hint=_opt_str(document.get("hint")))
    # Sorted by name: a nova loader's order is the directory listing's, which
    # differs between machines; the table and the JSON must not.
    rows = tuple(sorted((ParityRow(**row) for row in document["rows"]), key=lambda r: r.name))
    return ParityReport(
        group, tuple(directories), profile, str(document["python"]), rows, tuple(setup)
    )


def _directory_request(profile: Any, directory: str) -> dict[str, Any]:
    # The profile's rules run here; the child opens, checks and runs the files.
    if not os.path.isdir(directory):
        raise VerifyError(
            "legacy path is not a directory", path=directory, hint="check --legacy-path"
        )
    try:
        root = open_directory(directory, check=False)
    except OSError as exc:
        raise VerifyError(f"cannot open the legacy path: {exc}", path=directory) from exc
    try:
        entries = _legacy.list_files(profile, root, check=False)
        real = root.real
    finally:
        root.close()
    files = [
        [e.relpath, e.stem, profile.expected_class(e.stem), list(e.subpackage)]
        for e in entries
        if isinstance(e, LegacyFile)
    ]
    return {"path": directory, "real": real, "files": files}


def _drop_repeats(directories: list[dict[str, Any]]) -> None:
    # A directory listed twice (under two spellings) is compared once.
    seen: set[str] = set()
    for d in directories:
        real = d.pop("real")
        kept = [f for f in d["files"] if f"{real}/{f[0]}" not in seen]
        seen.update(f"{real}/{f[0]}" for f in kept)
        d["files"] = kept


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _run_child(interpreter: str, request: dict[str, Any], timeout: float) -> dict[str, Any]:
    # The probe runs from a private copy: nothing of epmigrate's installation
    # is on the child's path (the probe drops its own directory first).
    workdir = tempfile.mkdtemp(prefix="epmigrate-verify-")
    try:
        for name in _CHILD_FILES:
            shutil.copyfile(os.path.join(_SOURCE_DIR, name), os.path.join(workdir, name))
        try:
            done = subprocess.run(
                [interpreter, os.path.join(workdir, "probe.py")],
                input=json.dumps(request),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except OSError as exc:
            raise VerifyError(
                f"cannot run the target interpreter: {exc}",
                path=interpreter,
                hint="pass --python with the interpreter the service runs",
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise VerifyError(f"the target interpreter ran for over {timeout:g} s") from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lines = done.stdout.strip().splitlines()
    try:
        document: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        document = {}
    if done.returncode != 0 or not document:
        tail = done.stderr.strip().splitlines()[-1:]
        if not tail and not done.stdout.strip():
            # os._exit in a legacy file or a --setup function, a signal: no
            # Python error to quote, so no guess about the interpreter either.
            how = (
                f"was killed by signal {-done.returncode}"
                if done.returncode < 0
                else f"exited with status {done.returncode}"
            )
            raise VerifyError(
                f"the child {how} and printed nothing",
                path=interpreter,
                hint="code it ran ended the process (os._exit, a signal, a crash): run the "
                "--setup functions and import the legacy files by hand in that interpreter "
                "to see which",
            )
        raise VerifyError(
            "the target interpreter could not run the comparison: "
            f"{escape(tail[0] if tail else 'it printed no result')}",
            path=interpreter,
            hint="it must be Python 3.10 or later; its standard error ends as quoted",
        )
    return document


def error_document(
    group: str,
    exc: EpmigrateError,
    *,
    profile: str,
    python: str | None,
    directories: Sequence[str],
    setup: Sequence[str],
) -> dict[str, Any]:
    """The ``--format json`` document when no comparison could be made."""
    return {
        "schema": JSON_SCHEMA_VERSION,
        "group": group,
        "profile": profile,
        "python": python or sys.executable,
        "directories": list(directories),
        "setup": list(setup),
        "ok": None,
        "error": exc.message,
        "path": exc.path,
        "hint": exc.hint,
        "rows": [],
        "problems": [],
    }
