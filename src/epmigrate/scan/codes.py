"""Findings with stable codes. docs/scan-json.md lists every code.

Each code is declared once below, with its short name and usual severity;
each builder says what happened, what the legacy loader does about it and
what the maintainer can do.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from epmigrate.model import Extension, Finding, Severity
from epmigrate.profiles import Profile

if TYPE_CHECKING:
    from epmigrate.scan.facts import Call

__all__ = [
    "ALIAS_UNKNOWN",
    "ALL",
    "BASE_UNRESOLVED",
    "BYTECODE_ONLY",
    "DECORATED",
    "DELEGATED",
    "DUPLICATE_ALIAS",
    "DUPLICATE_NAME",
    "ENTRY_POINTS_FILE",
    "GROUP_GUESSED",
    "HELPER_FILE",
    "IGNORED_ENTRY_POINTS",
    "IMPORT_TIME_CALL",
    "NEVER_LOADED",
    "NOT_A_FILE",
    "NOT_EXTENSION",
    "NOT_IMPORTABLE",
    "OTHER_PROFILE",
    "OUTSIDE_LINK",
    "PBR_SECTION",
    "RELATIVE_IMPORT",
    "RESOURCE_LIMIT",
    "SCANNER_LIMIT",
    "SCRIPTS_TABLE",
    "SKIP_LISTED",
    "SYNTAX",
    "TABLE",
    "UNDECODABLE",
    "UNREADABLE",
    "Code",
    "alias_unknown",
    "base_unresolved",
    "bytecode_only",
    "decode_reason",
    "decorated",
    "delegated",
    "duplicate_alias",
    "duplicate_name",
    "file_error",
    "finding",
    "group_guessed",
    "helper_file",
    "import_time_call",
    "never_loaded",
    "not_a_file",
    "not_extension",
    "not_importable",
    "os_reason",
    "other_profile",
    "outside_link",
    "relative_import",
    "resource_limit",
    "scanner_limit",
    "skip_listed",
    "unreadable",
]


class Code(NamedTuple):
    """One finding code: its stable id, its short name and its usual severity."""

    code: str
    name: str
    severity: Severity


TABLE: dict[str, Code] = {}
"""Every code, in the order declared (the order of docs/scan-json.md)."""


def _declare(code: str, name: str, severity: Severity) -> str:
    """Enter a code in :data:`TABLE`; the code itself, for its constant."""
    # Codes are stable and documented: a pasted line must not shadow one.
    if code in TABLE:
        raise ValueError(f"finding code {code} is declared twice")
    TABLE[code] = Code(code, name, severity)
    return code


# The one table of codes: each constant is its code as a plain str.
SYNTAX = _declare("EPM001", "syntax-error", Severity.ERROR)
UNDECODABLE = _declare("EPM002", "undecodable-file", Severity.ERROR)
UNREADABLE = _declare("EPM003", "unreadable", Severity.ERROR)
NOT_A_FILE = _declare("EPM004", "not-a-file", Severity.ERROR)
BYTECODE_ONLY = _declare("EPM005", "bytecode-only", Severity.WARNING)
SCANNER_LIMIT = _declare("EPM006", "scanner-limit", Severity.ERROR)
RESOURCE_LIMIT = _declare("EPM007", "resource-limit", Severity.ERROR)
NOT_IMPORTABLE = _declare("EPM010", "not-importable", Severity.ERROR)
HELPER_FILE = _declare("EPM101", "helper-file", Severity.INFO)
NEVER_LOADED = _declare("EPM102", "never-loaded", Severity.WARNING)
# An error instead when the loader aborts on it: see duplicate_alias.
DUPLICATE_ALIAS = _declare("EPM103", "duplicate-alias", Severity.WARNING)
IMPORT_TIME_CALL = _declare("EPM104", "import-time-call", Severity.WARNING)
BASE_UNRESOLVED = _declare("EPM105", "base-unresolved", Severity.WARNING)
NOT_EXTENSION = _declare("EPM106", "not-extension", Severity.WARNING)
RELATIVE_IMPORT = _declare("EPM107", "relative-import", Severity.WARNING)
DUPLICATE_NAME = _declare("EPM108", "duplicate-name", Severity.WARNING)
DELEGATED = _declare("EPM109", "delegated-package", Severity.INFO)
OUTSIDE_LINK = _declare("EPM110", "outside-link", Severity.INFO)
DECORATED = _declare("EPM111", "decorated-class", Severity.WARNING)
ALIAS_UNKNOWN = _declare("EPM112", "alias-unknown", Severity.WARNING)
OTHER_PROFILE = _declare("EPM113", "other-profile", Severity.WARNING)
SKIP_LISTED = _declare("EPM114", "skip-listed", Severity.INFO)
GROUP_GUESSED = _declare("EPM201", "group-guessed", Severity.WARNING)
# Packaging files: what the build reads (epmigrate.write.traps).
IGNORED_ENTRY_POINTS = _declare("EPM301", "ignored-entry-points", Severity.WARNING)
ENTRY_POINTS_FILE = _declare("EPM302", "entry-points-file", Severity.INFO)
PBR_SECTION = _declare("EPM303", "pbr-entry-points-section", Severity.INFO)
SCRIPTS_TABLE = _declare("EPM304", "scripts-in-entry-points", Severity.WARNING)

ALL = {code.code: code.name for code in TABLE.values()}
"""Every code with its short name."""


def finding(
    code: str, path: str, line: int | None, message: str, severity: Severity | None = None
) -> Finding:
    """The finding ``code`` at ``path``:``line``, with the code's severity unless given."""
    return Finding(code, severity or TABLE[code].severity, path, line, message)


def os_reason(exc: OSError) -> str:
    """An OS error as a short sentence without the path (the finding has it)."""
    return exc.strerror or str(exc)


def decode_reason(exc: Exception, data: bytes) -> tuple[int | None, str]:
    """Line and message for a file Python could not decode (``data``: its bytes)."""
    if isinstance(exc, SyntaxError) and exc.msg.startswith("invalid or missing encoding"):
        # No cookie and the first lines are not UTF-8: name the first bad byte.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            return data.count(b"\n", 0, bad.start) + 1, (
                f"byte {data[bad.start]:#04x} at offset {bad.start} is not UTF-8 and no "
                "encoding is declared, so Python refuses the file and the loader fails on "
                "it; save the file as UTF-8 or declare its encoding (PEP 263)"
            )
    if isinstance(exc, UnicodeDecodeError):
        return data.count(b"\n", 0, exc.start) + 1, (
            f"cannot decode byte {exc.object[exc.start]:#04x} at offset {exc.start} "
            f"as {exc.encoding}, so the loader fails on it; save the file as UTF-8 or "
            "declare its encoding (PEP 263)"
        )
    if isinstance(exc, SyntaxError):
        return exc.lineno, f"bad encoding declaration: {exc.msg}"
    return None, f"unknown encoding: {exc}"


def file_error(code: str, path: str, line: int | None, message: str) -> Finding:
    """A file the loader would fail on (syntax error, undecodable, unreadable)."""
    return finding(code, path, line, message, Severity.ERROR)


def unreadable(path: str, exc: OSError, prof: Profile | None = None) -> Finding:
    """A file or directory that was listed but cannot be read.

    The advice depends on why: a missing file (removed after the listing, or
    a dangling symbolic link), a symbolic link loop, or permissions.
    """
    if exc.errno == errno.ENOENT:
        why = (
            "no longer exists (removed after the directory was listed, or a symbolic "
            "link to a missing file)"
        )
        advice = "remove the entry or restore the file"
    elif exc.errno == errno.ELOOP:
        why = "is a symbolic link loop"
        advice = "point the link at a real file or remove it"
    else:
        why = f"cannot be read: {os_reason(exc)}"
        advice = "fix its permissions or remove it"
    effect = f"; {_fails(prof)}" if prof is not None else ""
    return finding(UNREADABLE, path, None, f"{why}{effect}; {advice}")


def _fails(prof: Profile) -> str:
    """What the profile's loader does when opening one file fails."""
    if prof.abort_on_error:
        return f"the {prof.name} loader fails on it and aborts the whole load"
    return f"the {prof.name} loader fails on it and skips it with a warning"


def not_a_file(path: str, st: os.stat_result, prof: Profile) -> Finding:
    """A directory entry with a module's name that is not a regular file.

    The scanner never opens it. The loader does: ``open()`` on a FIFO blocks
    until something writes to it, so the loader hangs there; a directory or a
    device fails to load as source.
    """
    if stat.S_ISFIFO(st.st_mode):
        return finding(
            NOT_A_FILE,
            path,
            None,
            f"is a FIFO: the {prof.name} loader opens it to execute it and blocks until "
            "something writes to it, so the service hangs at start-up (the scan never "
            "opens it); remove it",
        )
    kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
    return finding(
        NOT_A_FILE,
        path,
        None,
        f"is {kind} with a module's name: {_fails(prof)}; rename or remove it",
    )


def scanner_limit(path: str, reason: str) -> Finding:
    """Python compiles the file, but the scanner cannot read it."""
    return finding(
        SCANNER_LIMIT,
        path,
        None,
        f"Python compiles this file but the scanner cannot read it ({reason}), so what "
        "the loader finds in it is unknown; check it by hand",
    )


def resource_limit(path: str, reason: str) -> Finding:
    """The file's analysis ran out of a resource (memory): nothing is known of it.

    Not a syntax error: the same file may read well with more memory. A scan
    with such a finding is never cached.
    """
    return finding(
        RESOURCE_LIMIT,
        path,
        None,
        f"too large to parse within the limits ({reason}), so what the loader finds in it "
        "is unknown; scan again with more memory, or check it by hand",
    )


def outside_link(path: str, target: str, directory: str, module: str | None) -> Finding:
    """A scanned file that is a symbolic link to a file outside the scanned directory."""
    through = f"as {module}" if module else "through the link"
    return finding(
        OUTSIDE_LINK,
        path,
        None,
        f"is a symbolic link to {target}, outside {directory}: the loader follows it and "
        f"runs that file, and an entry point imports it {through}; a built wheel stores a "
        "copy of the target, so keep the link in the package or move the file there",
    )


def bytecode_only(path: str) -> Finding:
    """A ``.pyc`` without source: the loader runs it, the scanner cannot read it."""
    return finding(
        BYTECODE_ONLY,
        path,
        None,
        "compiled file without its .py source: the loader runs it but it cannot be "
        "scanned; restore the source or remove it",
    )


def not_importable(directory: str) -> Finding:
    """A scanned directory outside any importable package."""
    return finding(
        NOT_IMPORTABLE,
        directory,
        None,
        "is not inside an importable package (no __init__.py), so entry points cannot "
        "point at its files: add __init__.py up to a top-level package that is "
        "installed, or turn the files into a package with "
        "'epmigrate write --new-package DIST_NAME --path DIR OUTDIR'",
    )


def helper_file(
    path: str, expected: str, prof: Profile, *, extension_classes: bool = False
) -> Finding:
    """A file without the expected class: the loader skips it, in its own words.

    ``extension_classes``: the file has extension classes under other names
    (each an EPM102 finding), so it is no mere helper.
    """
    if prof.import_by == "dotted":
        effect = (
            f"the {prof.name} loader imports it, finds no {expected} and logs 'Failed to "
            "load extension'"
        )
    else:
        effect = f"the {prof.name} loader skips it ('Did not find expected name')"
    return finding(
        HELPER_FILE,
        path,
        None,
        f"defines no {expected}: {effect}; "
        + (
            "its extension classes under other names are never loaded (EPM102)"
            if extension_classes
            else "a helper module, nothing to migrate"
        ),
    )


def skip_listed(path: str, prof: Profile) -> Finding:
    """A file on the loader's explicit skip list: never imported."""
    return finding(
        SKIP_LISTED,
        path,
        None,
        f"is on the {prof.name} loader's skip list ({prof.skip_list_name}): the loader "
        "never imports it; nothing to migrate",
    )


def never_loaded(path: str, line: int, name: str, expected: str, prof: Profile) -> Finding:
    """An extension class whose name the loader's rule never looks up."""
    return finding(
        NEVER_LOADED,
        path,
        line,
        f"{name} is an extension class, but the {prof.name} loader only looks up "
        f"{expected} in this file, so it is never loaded today; an entry point for it "
        "would start loading it: add one only if that is wanted",
    )


def not_extension(path: str, line: int, name: str, bases: Iterable[str]) -> Finding:
    """The expected class exists but does not derive from a base."""
    return finding(
        NOT_EXTENSION,
        path,
        line,
        f"{name} does not derive from {' or '.join(sorted(bases))}: the loader rejects it; "
        "if it is an extension, pass its base with --base",
    )


def decorated(path: str, line: int, name: str, decorator: str, why: str) -> Finding:
    """An extension class behind a decorator that may replace, drop or fail on it."""
    return finding(
        DECORATED,
        path,
        line,
        f"{name} is decorated with {decorator} ({why}): a decorator may replace, drop or "
        "fail on the class, so whether the loader gets an extension is unknown; check it "
        "by hand, then write with --allow-unverified",
    )


def alias_unknown(path: str, line: int, name: str, reason: str) -> Finding:
    """An extension whose alias cannot be told statically."""
    return finding(
        ALIAS_UNKNOWN,
        path,
        line,
        f"the alias of {name} cannot be told statically ({reason}), so duplicate aliases "
        "are not checked for it and --name alias cannot name its entry point",
    )


def other_profile(paths: list[str], base: str, other: Profile, prof: Profile) -> Finding:
    """Classes the chosen profile rejects but another profile's base explains."""
    count = len(paths)
    noun = "class derives" if count == 1 else "classes derive"
    return finding(
        OTHER_PROFILE,
        paths[0],
        None,
        f"{count} {noun} from {base}, a base of profile {other.name!r}, not of profile "
        f"{prof.name!r}: if that is this tree's loader, scan with --profile {other.name}",
    )


def base_unresolved(path: str, line: int, name: str, reason: str) -> Finding:
    """Whether a class is an extension cannot be told statically."""
    return finding(
        BASE_UNRESOLVED,
        path,
        line,
        f"cannot tell whether {name} is an extension: {reason}",
    )


def relative_import(path: str, line: int, stem: str) -> Finding:
    """A relative import in a file the loader runs as a top-level module."""
    return finding(
        RELATIVE_IMPORT,
        path,
        line,
        f"relative import: the loader executes this file as the top-level module "
        f"{stem!r}, where relative imports fail, so it never loads today; under an entry "
        "point it would load",
    )


def import_time_call(
    path: str, call: Call, prof: Profile, module: str | None, stem: str
) -> Finding:
    """Code that runs when the file is executed, beyond defining names."""
    what = "assigns" if call.kind == "patch" else "calls"
    if prof.import_by == "stem":
        when = (
            f"the {prof.name} loader runs this file as a fresh module {stem!r} on every "
            f"load; an entry point imports {module or 'it'} once, later or never"
        )
    else:
        when = "an entry point runs it only when the extension is loaded"
    return finding(
        IMPORT_TIME_CALL,
        path,
        call.line,
        f"{what} {call.text} at import time: {when}; check the side effect still happens",
    )


def duplicate_alias(ext: Extension, kept: Extension, prof: Profile) -> Finding:
    """Two loaded extensions with one alias."""
    # The table's warning, or an error when the loader aborts on it.
    severity = None
    if prof.abort_on_error:
        effect = f"the {prof.name} loader aborts the whole load on it"
        severity = Severity.ERROR
    else:
        effect = f"the {prof.name} loader keeps {kept.class_name} ({kept.path}), loaded first"
    if not prof.sort_files:
        effect += " (in this directory's listing order, which differs between machines)"
    return finding(
        DUPLICATE_ALIAS,
        ext.path,
        ext.line,
        f"alias {ext.alias!r} of {ext.class_name} duplicates {kept.class_name}: {effect}",
        severity,
    )


def duplicate_name(ext: Extension, kept: Extension) -> Finding:
    """Two extensions that would get one entry-point name."""
    return finding(
        DUPLICATE_NAME,
        ext.path,
        ext.line,
        f"entry-point name {ext.name!r} is also given to {kept.class_name} ({kept.path}); "
        "write with --name alias or rename one file",
    )


def delegated(path: str, prof: Profile) -> Finding:
    """A sub-package that loads its own extensions (nova)."""
    return finding(
        DELEGATED,
        path,
        None,
        f"defines {prof.delegate_name!r}: the loader hands this package over to it instead "
        "of reading its files; migrate what it loads by hand",
    )


def group_guessed(path: str, reason: str) -> Finding:
    """The profile's default group would be the plugin's own, not the service's (EPM201)."""
    return finding(GROUP_GUESSED, path, None, reason)
