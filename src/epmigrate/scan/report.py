"""Render a :class:`~epmigrate.scan.ScanResult` as text, JSON or an INI section."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from epmigrate.model import Finding, Severity, Status
from epmigrate.scan import ScanResult, codes

__all__ = [
    "SCHEMA_VERSION",
    "finding_line",
    "printable",
    "render_ini",
    "render_json",
    "render_text",
    "summary_counts",
    "to_json",
]


SCHEMA_VERSION = 1

_FILE_STATUS = {
    codes.HELPER_FILE: "helper",
    codes.SKIP_LISTED: "skipped",
    codes.SYNTAX: "error",
    codes.UNDECODABLE: "error",
    codes.UNREADABLE: "error",
    codes.NOT_A_FILE: "error",
    codes.BYTECODE_ONLY: "unreadable",
}


def to_json(result: ScanResult) -> dict[str, Any]:
    """The ``scan --format json`` document (schema in docs/scan-json.md)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "epmigrate_version": result.epmigrate_version,
        "profile": result.profile,
        "group": result.group,
        "paths": list(result.paths),
        "files": result.files,
        "extensions": [e.to_json() for e in result.extensions],
        "findings": [f.to_json() for f in result.findings],
        "summary": summary_counts(result),
    }


def render_json(result: ScanResult) -> str:
    """JSON text, indented, ending with a newline; ASCII only, so valid in any locale.

    Strings hold a name that is not valid UTF-8 the way the text report
    shows it (each such byte as ``\\xHH``; see docs/scan-json.md).
    """
    return json.dumps(_printable_json(to_json(result)), indent=2, ensure_ascii=True) + "\n"


def printable(text: str) -> str:
    """``text`` with the bytes of a name that is not UTF-8 shown as ``\\xHH``.

    Python reads such a name from the file system with each undecodable byte
    as a lone surrogate (PEP 383), which no strict encoder writes and which
    ``surrogateescape`` writes back as the raw byte; either way the output
    would break (a crash, or a file that is not UTF-8). A backslash already in
    a name is left as it is.
    """
    if text.isascii() or not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def _printable_json(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(k): _printable_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable_json(v) for v in value]
    return value


def summary_counts(result: ScanResult) -> dict[str, int]:
    """Counts of extensions by status and findings by severity."""
    statuses = Counter(str(e.status) for e in result.extensions)
    severities = Counter(str(f.severity) for f in result.findings)
    out = {"files": result.files}
    out.update({str(s): statuses.get(str(s), 0) for s in Status})
    out.update({str(s): severities.get(str(s), 0) for s in Severity})
    return out


_STATUS_COLOUR = {
    "loaded": "green",
    "unverified": "yellow",
    "never-loaded": "red",
    "not-extension": "red",
    "error": "red",
    "unreadable": "red",
}
_SEVERITY_COLOUR = {"error": "red", "warning": "yellow", "info": "cyan"}


def render_text(result: ScanResult, *, width: int | None = None, colour: bool = False) -> str:
    """One row per file, then the findings, then a summary line.

    Paths are shown relative to the working directory when under it. With
    ``width`` (a terminal's) and a table wider than it, each file is a short
    record instead (path and status, then class, alias and entry point,
    wrapped to the width); ``colour`` styles the statuses and severities.
    """
    from epmigrate.term import plural, shown, style, table, wrapped

    rows: list[tuple[str, str, str, str, str]] = []
    for ext in result.extensions:
        ep = ext.entry_point
        rows.append(
            (
                shown(ext.path),
                ext.class_name,
                ep.line if ep else "-",
                ext.alias if ext.alias is not None else "?",
                str(ext.status),
            )
        )
    shown_paths = {e.path for e in result.extensions}
    for f in result.findings:
        status = _FILE_STATUS.get(f.code)
        if status is not None and f.path not in shown_paths:
            rows.append((shown(f.path), "-", "-", "-", status))
    rows = sorted(
        ((printable(a), printable(b), printable(c), printable(d), e) for a, b, c, d, e in rows),
        key=lambda r: r[0],
    )
    header = ("FILE", "CLASS", "ENTRY POINT", "ALIAS", "STATUS")
    lines = table([header, *rows])
    if width is not None and max(len(line) for line in lines) > width:
        lines = []
        for path, cls, entry, alias, status in rows:
            lines.append(f"{path}: {style(status, colour, fg=_STATUS_COLOUR.get(status))}")
            if cls != "-":
                lines.extend(wrapped(f"    class {cls}, alias {alias}", width, 4))
            if entry != "-":
                lines.extend(wrapped(f"    entry point {entry}", width, 4))
    else:
        lines = [style(lines[0], colour, bold=True)] + [
            line[: len(line) - len(row[4])] + style(row[4], colour, fg=_STATUS_COLOUR.get(row[4]))
            for line, row in zip(lines[1:], rows, strict=True)
        ]
    if result.findings:
        lines.append("")
        lines.append(style("Findings:", colour, bold=True))
        lines.extend(finding_line(f, colour=colour) for f in result.findings)
    counts = summary_counts(result)
    guessed = any(f.code == codes.GROUP_GUESSED for f in result.findings)
    lines.append("")
    lines.append(
        printable(
            f"{plural(counts['files'], 'file')}, {counts['loaded']} loaded, "
            f"{counts['never-loaded']} never loaded, {counts['unverified']} unverified, "
            f"{counts['not-extension']} rejected; {plural(counts['error'], 'error')}, "
            f"{plural(counts['warning'], 'warning')}, {plural(counts['info'], 'note')} "
            f"(profile {result.profile}, group {result.group}"
            f"{', a guess: see EPM201' if guessed else ''})"
        )
    )
    return "\n".join(lines) + "\n"


def finding_line(f: Finding, *, colour: bool = False) -> str:
    """``path:line: severity CODE name: message``, as ``scan`` prints a finding.

    The path is relative to the working directory when under it; a name that
    is not UTF-8 is shown with ``\\xHH`` escapes (:func:`printable`).
    """
    from epmigrate.term import shown, style

    path = shown(f.path)
    where = f"{path}:{f.line}" if f.line is not None else path
    severity = style(str(f.severity), colour, fg=_SEVERITY_COLOUR[str(f.severity)])
    return printable(f"{where}: {severity} {f.code} {codes.ALL[f.code]}: {f.message}")


def render_ini(result: ScanResult, section: str = "options.entry_points") -> str:
    """The entry-point section to paste into setup.cfg."""
    entries = sorted(result.entry_points, key=lambda s: s.name)
    lines = [f"[{section}]", f"{result.group} ="]
    lines.extend(f"    {ep.line}" for ep in entries)
    # What the section leaves out is said in it, as comments (setup.cfg keeps them).
    for ext in result.unverified:
        lines.append(f"# left out, unverified: {ext.path}:{ext.line}: {ext.class_name}")
    return printable("\n".join(lines) + "\n")
