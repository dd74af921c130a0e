"""Read a file for an update, then replace it atomically or not at all.

The write goes to a temporary file in the same directory, is flushed to disk
and renamed over the original with ``os.replace``, so a reader (or a crash)
sees the old bytes or the new bytes, never a mix. The file's permission bits
(and, when we may, its owner) are kept. A file that changed on disk since it
was read is refused rather than overwritten.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from dataclasses import dataclass

from epmigrate.errors import ParseError, WriteError

TEMP_SUFFIX = ".epmigrate-tmp"

_SLOW_ENV = "EPMIGRATE_TEST_SLOW_WRITE"
"""Seconds to pause between writing the temporary file and renaming it.

Only the crash-safety tests set it, to kill the writer at that moment.
"""


@dataclass(frozen=True)
class Snapshot:
    """A file as it was read: its bytes, its text and its stat."""

    path: str
    data: bytes
    text: str
    mode: int
    uid: int
    gid: int
    mtime_ns: int
    size: int


def read_text(path: str) -> Snapshot:
    """Read ``path`` as UTF-8 text, keeping a BOM and every line ending as is."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
    except OSError as exc:
        raise WriteError(
            f"cannot read {path}: {exc.strerror or exc}", path=path, hint="check the path"
        ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(
            f"byte {data[exc.start]:#04x} is not UTF-8",
            path=path,
            line=line,
            hint="packaging files are UTF-8: re-save the file as UTF-8",
        ) from exc
    return Snapshot(path, data, text, st.st_mode, st.st_uid, st.st_gid, st.st_mtime_ns, st.st_size)


def write_text(snapshot: Snapshot, text: str) -> None:
    """Replace the file read as ``snapshot`` with ``text``, atomically.

    Raises :class:`WriteError` (and leaves the file untouched) when the file
    changed since it was read, or when the directory cannot take a new file.
    """
    path = snapshot.path
    directory = os.path.dirname(os.path.abspath(path))
    # A write killed earlier may have left its temporary file: clear it first.
    remove_stale_temps(path)
    try:
        fd, tmp = tempfile.mkstemp(
            dir=directory, prefix=f".{os.path.basename(path)}.", suffix=TEMP_SUFFIX
        )
    except OSError as exc:
        raise WriteError(
            f"cannot create a temporary file in {directory}: {exc.strerror or exc}",
            path=path,
            hint="the directory must be writable: epmigrate writes a new file beside the "
            "old one and renames it, so the old file is never half-written",
        ) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(snapshot.mode))
        if (snapshot.uid, snapshot.gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(PermissionError):
                os.chown(tmp, snapshot.uid, snapshot.gid)
        pause = os.environ.get(_SLOW_ENV)
        if pause:
            time.sleep(float(pause))
        _refuse_if_changed(snapshot)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(
                f"cannot write {path}: {exc.strerror or exc}",
                path=path,
                hint="nothing was changed; free some space or fix the permissions and run again",
            ) from exc
        raise
    _fsync_directory(directory)


def _refuse_if_changed(snapshot: Snapshot) -> None:
    try:
        st = os.stat(snapshot.path)
        with open(snapshot.path, "rb") as fh:
            same = fh.read() == snapshot.data
    except OSError as exc:
        raise WriteError(
            f"{snapshot.path} disappeared while it was being updated",
            path=snapshot.path,
            hint="run the command again",
        ) from exc
    if not same or st.st_size != snapshot.size:
        raise WriteError(
            f"{snapshot.path} changed on disk since it was read; nothing was written",
            path=snapshot.path,
            hint="run the command again on the new version",
        )


def _fsync_directory(directory: str) -> None:
    # Make the rename itself durable; not every platform can open a directory.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temps(path: str) -> list[str]:
    """Remove temporary files an interrupted write of ``path`` left; return them."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = f".{os.path.basename(path)}."
    removed = []
    with contextlib.suppress(OSError):
        for name in os.listdir(directory):
            if name.startswith(prefix) and name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(directory, name))
                    removed.append(name)
    return removed
