"""``epmigrate write`` as a library: scan, choose the target, merge, write.

:func:`prepare` does everything but the write and returns an
:class:`Outcome` (the diff is known before anything touches the disk);
:func:`commit` writes it atomically.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from epmigrate import fileio
from epmigrate.errors import EpmigrateError, ValidationError
from epmigrate.fileio import Snapshot, read_text
from epmigrate.model import EntryPointSpec, Finding, Status
from epmigrate.scan import Cache, ScanResult, scan
from epmigrate.write import setupcfg, target, traps
from epmigrate.write.merge import EditResult

if TYPE_CHECKING:
    from epmigrate.write.metadata import MetadataCheck, Session

__all__ = [
    "Outcome",
    "Request",
    "check_metadata",
    "commit",
    "planned_entry_points",
    "prepare",
    "unverified_hint",
]


@dataclass(frozen=True)
class Request:
    """What to scan and where to write; unset fields come from the project defaults."""

    root: str
    paths: Sequence[str]
    profile: str = "neutron"
    target: str | None = None
    group: str | None = None
    bases: Sequence[str] = ()
    search_path: Sequence[str] = ()
    name_style: str = "stem"
    replace: bool = False
    force: bool = False
    cache: Cache | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Outcome:
    """A prepared write: the target, the file as read and the new text."""

    target: target.Target
    snapshot: Snapshot
    edit: EditResult
    scan: ScanResult
    specs: tuple[EntryPointSpec, ...]
    replace: bool = False
    force: bool = False
    traps: tuple[Finding, ...] = ()
    """The packaging traps of the project (:func:`epmigrate.write.traps.find`)."""

    root: str = ""
    """The project directory (absolute): where its pyproject.toml, setup.cfg or setup.py is."""

    @property
    def changed(self) -> bool:
        """Whether writing would change the file."""
        return self.edit.changed

    def diff(self) -> str:
        """A unified diff of the change (empty when nothing changes)."""
        from epmigrate.write.text import unified_diff

        return unified_diff(self.edit.original, self.edit.text, os.path.relpath(self.target.path))

    @property
    def added(self) -> int:
        """How many entries the write adds or re-points."""
        return sum(len(p.add) + len(p.replace) for p in self.edit.plans)


def planned_entry_points(result: ScanResult, name_style: str) -> list[EntryPointSpec]:
    """The entry points to write for the loadable extensions of a scan."""
    specs = []
    for ext in result.extensions:
        ep = ext.entry_point
        if ext.status is not Status.LOADED or ep is None:
            continue
        if name_style == "alias":
            if ext.alias is None:
                raise ValidationError(
                    f"the alias of {ext.class_name} cannot be told statically: {ext.alias_reason}",
                    path=ext.path,
                    line=ext.line,
                    hint="write with --name stem",
                )
            ep = EntryPointSpec(ep.group, ext.alias, ep.value)
        specs.append(ep)
    if not specs:
        loose = [e for e in result.extensions if e.module is None]
        if loose:
            raise EpmigrateError(
                f"the extensions in {', '.join(result.paths)} are in no importable package, "
                "so no entry point can point at them",
                hint="make them a package with 'epmigrate write --new-package DIST_NAME "
                "--path DIR OUTDIR'",
            )
        unverified = result.unverified
        if unverified:
            raise EpmigrateError(
                (
                    f"none of the {len(unverified)} extensions found in {', '.join(result.paths)} "
                    "could be verified"
                    if len(unverified) > 1
                    else f"the one extension found in {', '.join(result.paths)} could not be "
                    "verified"
                )
                + f" (profile {result.profile}): "
                + "; ".join(f"{e.path}: {e.class_name}" for e in unverified[:3])
                + ("; ..." if len(unverified) > 3 else ""),
                hint=unverified_hint(result),
            )
        raise EpmigrateError(
            f"no loadable extension found in {', '.join(result.paths)} (profile {result.profile})",
            hint="check the path and --profile / --base ('epmigrate scan' shows what it sees)",
        )
    return specs


def unverified_hint(result: ScanResult) -> str:
    """What would let the scan verify its unverified extensions."""
    if result.missing_bases:
        packages = sorted({b.split(".")[0] for b in result.missing_bases})
        return (
            f"the base classes' package {' or '.join(packages)} (for "
            f"{', '.join(result.missing_bases)}) is on no directory of the search path: "
            "pass --search-path DIR, the directory that holds it (a virtualenv's "
            "site-packages), or install it where epmigrate runs (for the epmigrate-check "
            "pre-commit hook: list it in the hook's additional_dependencies)"
        )
    return (
        "'epmigrate scan' gives each one's reason; fix it, pass --search-path for a "
        "package it could not read, or write the others with --allow-unverified"
    )


def prepare(request: Request) -> Outcome:
    """Scan, pick the target and compute the new text; nothing is written."""
    chosen = (
        target.explicit(request.target, force=request.force)
        if request.target
        else target.choose(request.root)
    )
    result = scan(
        list(request.paths),
        request.profile,
        bases=request.bases,
        search_path=request.search_path,
        group=request.group,
        cache=request.cache,
    )
    specs = planned_entry_points(result, request.name_style)
    snapshot = read_text(chosen.path)
    if snapshot.is_link:
        chosen = dataclasses.replace(
            chosen,
            reason=f"{chosen.reason}; {os.path.basename(chosen.path)} is a symbolic link: "
            f"the entries go into {snapshot.real}, and the link is kept",
        )
    edit = _edit(chosen, snapshot.text, specs, replace=request.replace)
    # The project: where the packaging files are (a file: directive's file may
    # be in a sub-directory).
    root = (
        os.path.abspath(request.root)
        if chosen.kind == "entry-points-file"
        else os.path.dirname(os.path.abspath(chosen.path))
    )
    found = traps.find(root)
    return Outcome(
        chosen,
        snapshot,
        edit,
        result,
        tuple(specs),
        replace=request.replace,
        force=request.force,
        traps=tuple(found),
        root=root,
    )


def check_metadata(
    outcome: Outcome,
    *,
    isolated: bool = True,
    installer: str = "pip",
    timeout: float | None = None,
    session: Session | None = None,
) -> MetadataCheck:
    """What the project's build backend puts in its metadata before and after the write.

    :func:`epmigrate.write.metadata.check` on the prepared edit, or
    :meth:`~epmigrate.write.metadata.Session.check` of ``session`` (opened
    before :func:`prepare`, so that the backend starts while the scan runs)
    when it is on the same project; nothing is written to the project.
    """
    from epmigrate.write import metadata

    if session is not None and session.root == outcome.root:
        return session.check(
            outcome.target.path,
            outcome.edit.text,
            outcome.specs,
            replace=outcome.replace,
            traps=outcome.traps,
        )
    return metadata.check(
        outcome.root,
        outcome.target.path,
        outcome.edit.text,
        outcome.specs,
        replace=outcome.replace,
        isolated=isolated,
        installer=installer,
        timeout=metadata.DEFAULT_TIMEOUT if timeout is None else timeout,
        traps=outcome.traps,
    )


def _edit(
    chosen: target.Target, text: str, specs: Sequence[EntryPointSpec], *, replace: bool
) -> EditResult:
    if chosen.kind == "entry-points-file":
        return setupcfg.add_to_entry_points_file(text, specs, replace=replace, path=chosen.path)
    if chosen.kind == "setup.cfg":
        assert chosen.section is not None
        return setupcfg.add_entry_points(
            text, chosen.section, specs, replace=replace, path=chosen.path
        )
    # Each rewriter is imported when its kind is written: tomlkit only for
    # pyproject.toml.
    if chosen.kind == "pyproject.toml":
        from epmigrate.write import pyproject

        return pyproject.add_entry_points(text, specs, replace=replace, path=chosen.path)
    from epmigrate.write import setuppy

    return setuppy.add_entry_points(text, specs, replace=replace, path=chosen.path)


def commit(outcome: Outcome) -> Outcome:
    """Write the prepared change atomically; return what was written.

    The file is locked (:func:`epmigrate.fileio.lock`) while it is read again,
    compared and replaced. When another writer changed it since
    :func:`prepare` read it, the same entries are merged into its new bytes,
    under the lock, so neither change is lost; the returned outcome holds that
    edit. Nothing is written when the edit changes nothing.
    """
    if not outcome.changed:
        return outcome
    with fileio.lock(outcome.target.path) as held:
        now = held.read()
        if now.data != outcome.snapshot.data:
            edit = _edit(outcome.target, now.text, outcome.specs, replace=outcome.replace)
            outcome = dataclasses.replace(outcome, snapshot=now, edit=edit)
        if outcome.changed:
            fileio.replace_locked(held, now, outcome.edit.text, force=outcome.force)
    return outcome
