"""The vetting rules on one ``fstat`` result, and how a refusal is told.

Standard library only, and importing nothing of epmigrate: ``epmigrate
verify`` copies the vetting modules (this one, :mod:`._vetted` and
:mod:`._modules`) beside its probe into the service's interpreter, which
must not see epmigrate's own installation; they find each other by relative
imports only.

:func:`check_owner_and_mode` is the owner and mode rule that
:mod:`._vetted` applies to every directory and file it opens; a refusal is a
:class:`Refused` (or :class:`Outside`, for a link that leaves the legacy
directory). Every message that names a path is escaped (:func:`escape`), so
a file name cannot forge a log line.
"""

from __future__ import annotations

import os
import pwd
import stat

__all__ = [
    "Outside",
    "Refused",
    "check_entry_in_sticky",
    "check_owner_and_mode",
    "escape",
    "user_name",
]

_WRITABLE = stat.S_IWGRP | stat.S_IWOTH


def escape(text: object) -> str:
    """``text`` with control characters escaped, for one log line that cannot be forged.

    Printable text is kept as it is; a newline becomes ``\\n``, and so on,
    as ``repr`` writes them.
    """
    value = str(text)
    # isprintable() is false for every control character (C0, C1) and for
    # the line and paragraph separators: one pass tells the common case.
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in value)


class Refused(PermissionError):
    """A directory or file that the rules forbid to execute from.

    ``message`` says why, ``path`` names it (unescaped) and ``hint`` says
    what to do; ``str()`` gives all three, escaped.
    """

    def __init__(self, message: str, path: str, hint: str | None = None) -> None:
        self.message = message
        self.path = path
        self.hint = hint
        super().__init__(f"{escape(path)}: {message}")


def user_name(uid: int) -> str:
    """The login name of ``uid``, or ``uid N``."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def check_owner_and_mode(
    st: os.stat_result,
    path: str,
    kind: str,
    *,
    sticky_ok: bool,
    refusal: str = "refusing to load legacy extensions from it",
) -> None:
    """Raise :class:`Refused` unless ``st`` is owned by root or us and not writable by others.

    With ``sticky_ok``, a writable directory with the sticky bit passes (the
    caller then checks the entry it takes there).
    """
    euid = os.geteuid()
    if st.st_mode & _WRITABLE and not (sticky_ok and st.st_mode & stat.S_ISVTX):
        raise Refused(
            f"{kind} is writable by group or others (mode {stat.filemode(st.st_mode)}); " + refusal,
            path,
            f"run 'chmod go-w {escape(path)}', or pass allow_insecure_legacy_path=True",
        )
    if st.st_uid not in (0, euid):
        me = user_name(euid)
        raise Refused(
            f"{kind} is owned by {user_name(st.st_uid)}, not by root or the current user "
            f"{me}; {refusal}",
            path,
            f"run 'chown {me} {escape(path)}', or pass allow_insecure_legacy_path=True",
        )


def check_entry_in_sticky(parent: os.stat_result, entry: os.stat_result, path: str) -> None:
    # Others may write a sticky directory; only the owner of an entry (or of
    # the directory) may rename or remove it there, so the entry must be ours.
    if parent.st_mode & _WRITABLE and entry.st_uid not in (0, os.geteuid()):
        raise Refused(
            f"is owned by {user_name(entry.st_uid)} inside a directory that others can "
            "write; refusing to load legacy extensions through it",
            path,
            f"run 'chown {user_name(os.geteuid())} {escape(path)}', or move the legacy "
            "directory elsewhere",
        )


class Outside(Exception):
    """A symbolic link in a legacy directory leads outside it; it is not followed."""

    def __init__(self, path: str, target: str) -> None:
        self.path = path
        self.target = target
        super().__init__(f"{escape(path)} leads to {escape(target)}")
