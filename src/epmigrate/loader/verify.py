"""``epmigrate verify``: show that the entry points cover the legacy path.

In the interpreter the service runs (``--python``), the group is loaded once
through entry points only and once through the legacy path only, and the
two are compared extension by extension. :func:`verify_parity` is the
library function; :data:`verify_command` is the click command over it.

Exit codes: 0, the legacy path can be switched off; 1, the legacy path
provides something the entry points lack, or the two disagree (another
class, another alias), or a legacy file fails to load; 2, usage or
environment errors (missing directory, unknown profile, no stevedore in the
target interpreter).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import click

import epmigrate
from epmigrate.errors import EpmigrateError
from epmigrate.profiles import GROUP as PROFILES_GROUP
from epmigrate.profiles import get_profile

__all__ = ["ParityReport", "ParityRow", "VerifyError", "verify_command", "verify_parity"]

# ``-c`` puts the working directory first on sys.path, which the service's own
# process does not have: a flat-layout checkout there would shadow the installed
# package, and its classes would differ from the legacy path's.
_CHILD = (
    "import sys; sys.path[:] = [p for p in sys.path if p]; "
    "from epmigrate._legacy import probe_main; sys.exit(probe_main())"
)


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

    @property
    def problems(self) -> list[tuple[str, str]]:
        """``(name, why)`` for every row that keeps the legacy path needed."""
        return [(r.name, p) for r in self.rows if (p := r.problem) is not None]

    @property
    def ok(self) -> bool:
        """True when the legacy path can be switched off."""
        return not self.problems

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
    timeout: float = 300.0,
) -> ParityReport:
    """Compare ``group``'s entry points with its legacy path in ``python``.

    ``python`` defaults to this interpreter; it needs stevedore, and reaches
    epmigrate through ``PYTHONPATH``. Raises :class:`~epmigrate.errors.ProfileError`
    for an unknown profile and :class:`VerifyError` for a missing directory
    or an unusable interpreter.
    """
    prof = get_profile(profile)
    directories = [os.path.abspath(d) for d in prof.paths(legacy_paths)]
    if not directories:
        raise VerifyError("no legacy path given", hint="pass --legacy-path DIR")
    for d in directories:
        if not os.path.isdir(d):
            raise VerifyError("legacy path is not a directory", path=d, hint="check --legacy-path")
    ref = next((ep.value for ep in entry_points(group=PROFILES_GROUP, name=profile)), None)
    request = {
        "group": group,
        "directories": directories,
        "profile": profile,
        "profile_ref": ref,
    }
    interpreter = python or sys.executable
    document = _run_child(interpreter, request, timeout)
    if "error" in document:
        raise VerifyError(str(document["error"]), hint=_opt_str(document.get("hint")))
    rows = tuple(ParityRow(**row) for row in document["rows"])
    return ParityReport(group, tuple(directories), profile, str(document["python"]), rows)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _run_child(interpreter: str, request: dict[str, Any], timeout: float) -> dict[str, Any]:
    # The directory that holds the epmigrate package goes first on the
    # child's path, so the target interpreter needs only stevedore.
    root = os.path.dirname(os.path.dirname(os.path.abspath(epmigrate.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        done = subprocess.run(
            [interpreter, "-c", _CHILD],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            env=env,
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
    lines = done.stdout.strip().splitlines()
    try:
        document: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        document = {}
    if done.returncode != 0 or not document:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise VerifyError(
            f"the target interpreter could not run the comparison: {tail[0]}",
            path=interpreter,
            hint="it must be Python 3.11 or later with stevedore installed",
        )
    return document


class _VerifyAbort(click.ClickException):
    exit_code = 2


@click.command("verify")
@click.argument("group")
@click.option(
    "--legacy-path",
    "legacy_paths",
    multiple=True,
    required=True,
    metavar="DIR",
    help="Legacy extension directory (repeat, or join with ':' as in service configs).",
)
@click.option("--profile", default="neutron", show_default=True, help="The legacy loader's rules.")
@click.option(
    "--python",
    "python",
    default=None,
    metavar="PATH",
    help="Interpreter the service runs [default: this one].",
)
def verify_command(
    group: str, legacy_paths: tuple[str, ...], profile: str, python: str | None
) -> None:
    """Check that GROUP's entry points provide everything its legacy path does.

    Exits 0 when the legacy path can be switched off, 1 when it cannot, 2 on
    usage errors.
    """
    try:
        report = verify_parity(group, list(legacy_paths), profile=profile, python=python)
    except EpmigrateError as exc:
        raise _VerifyAbort(str(exc)) from exc
    click.echo(report.render())
    if not report.ok:
        click.get_current_context().exit(1)
