"""``epmigrate write --format json``: what a write planned, kept, skipped and why.

The document's schema is in docs/write-json.md. It is built from a prepared
:class:`~epmigrate.write.run.Outcome` (or, when the write cannot be planned,
from the error), so it says the same as the text output, field by field.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from epmigrate import __version__
from epmigrate.errors import EpmigrateError
from epmigrate.model import EntryPointSpec, Extension, Severity, Status
from epmigrate.scan import ScanResult, codes
from epmigrate.term import shown
from epmigrate.write.merge import Replacement

__all__ = ["SCHEMA_VERSION", "error_json", "outcome_json", "render_document", "skip_reasons"]

SCHEMA_VERSION = 1

_REASON_CODES = (
    codes.BASE_UNRESOLVED,
    codes.DECORATED,
    codes.NEVER_LOADED,
    codes.NOT_EXTENSION,
)

_STATUS_REASON = {
    Status.NEVER_LOADED: "the legacy loader's naming rule never reaches this class",
    Status.NOT_EXTENSION: "the class derives from no extension base; the legacy loader rejects it",
    Status.UNVERIFIED: "no reason known",
}


def skip_reasons(result: ScanResult) -> list[tuple[Extension, str]]:
    """Every extension that gets no entry point, with the scan's reason for it."""
    reasons: dict[tuple[str, int | None], str] = {}
    for f in result.findings:
        if f.code in _REASON_CODES:
            reasons.setdefault((f.path, f.line), f.message)
    out = []
    for ext in result.extensions:
        if ext.status is Status.LOADED and ext.module is not None:
            continue
        if ext.status is Status.LOADED:
            reason = "in no importable package, so no entry point can point at it"
        else:
            reason = reasons.get(
                (ext.path, ext.line), ext.alias_reason or _STATUS_REASON[ext.status]
            )
        out.append((ext, reason))
    return out


def _entry(spec: EntryPointSpec) -> dict[str, str]:
    return {"group": spec.group, "name": spec.name, "value": spec.value}


def _replacement(r: Replacement) -> dict[str, Any]:
    return {
        "group": r.new.group,
        "name": r.new.name,
        "value": r.new.value,
        "existing_value": r.old.value,
        "existing_line": r.old.line,
    }


def _scan_part(result: ScanResult) -> dict[str, Any]:
    return {
        "profile": result.profile,
        "group": result.group,
        "paths": list(result.paths),
        "skipped": [
            {
                "path": ext.path,
                "line": ext.line,
                "class": ext.class_name,
                "status": str(ext.status),
                "reason": reason,
            }
            for ext, reason in skip_reasons(result)
        ],
        "findings": [f.to_json() for f in result.findings if f.severity is not Severity.INFO],
    }


def _target_part(path: str, kind: str, section: str | None, reason: str) -> dict[str, Any]:
    return {"path": shown(path), "kind": kind, "section": section, "reason": reason}


def outcome_json(
    outcome: Any,
    *,
    mode: str,
    written: bool,
    exit_code: int,
    conflicts: Sequence[Replacement] = (),
    replace: bool = False,
    built: Any = None,
) -> dict[str, Any]:
    """The document for a prepared write (``outcome`` is a ``run.Outcome``).

    ``conflicts`` are the entries of the same name pointing elsewhere that
    stopped the write (found by planning it with ``replace``); with them,
    nothing is written or kept. ``built`` is the ``write --metadata`` check
    (a ``metadata.MetadataCheck``), when there is one.
    """
    plans = outcome.edit.plans
    replaced = [r for p in plans for r in p.replace]
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "epmigrate_version": __version__,
        "mode": mode,
        "target": _target_part(
            outcome.target.path, outcome.target.kind, outcome.target.section, outcome.target.reason
        ),
        **_scan_part(outcome.scan),
        "changed": bool(outcome.changed) and not conflicts,
        "written": written,
        "entries": {
            "written": [] if conflicts else [_entry(s) for p in plans for s in p.add],
            "replaced": [] if conflicts or not replace else [_replacement(r) for r in replaced],
            "kept": [] if conflicts else [_entry(s) for p in plans for s in p.kept],
            "conflicting": [_replacement(r) for r in conflicts],
        },
        "diff": "" if conflicts else outcome.diff(),
        "packaging": [f.to_json() for f in outcome.traps],
        "metadata": None if built is None else built.to_json(),
        "error": None,
        "exit_code": exit_code,
    }
    if built is not None and not built.ok:
        doc["error"] = {
            "message": f"the metadata {built.backend} builds would not carry the plan "
            f"({len(built.differences)} differences, in metadata.differences); nothing was "
            "written",
            "path": shown(outcome.target.path),
            "line": None,
            "hint": "see each difference's cause; 'epmigrate write' without --metadata lists "
            "the packaging findings (EPM301-EPM304)",
        }
    return doc


def error_json(exc: EpmigrateError, *, mode: str, exit_code: int) -> dict[str, Any]:
    """The document when the write cannot be planned (no target, nothing loadable, ...)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "epmigrate_version": __version__,
        "mode": mode,
        "target": None,
        "profile": None,
        "group": None,
        "paths": [],
        "skipped": [],
        "findings": [],
        "changed": False,
        "written": False,
        "entries": {"written": [], "replaced": [], "kept": [], "conflicting": []},
        "diff": "",
        "packaging": [],
        "metadata": None,
        "error": {
            "message": exc.message,
            "path": exc.path,
            "line": exc.line,
            "hint": exc.hint,
        },
        "exit_code": exit_code,
    }


def render_document(doc: dict[str, Any]) -> str:
    """JSON text, indented, ending with a newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
