"""Read a file for an update, then replace it atomically or not at all.

The write goes to a temporary file in the same directory, is flushed to disk
and renamed over the original with ``os.replace``, so a reader (or a crash)
sees the old bytes or the new bytes, never a mix. The file's permission bits
(and, when we may, its owner) are kept. A file that changed on disk since it
was read is refused rather than overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from dataclasses import dataclass
from typing import BinaryIO

from epmigrate.errors import ParseError, WriteError

TEMP_SUFFIX = ".epmigrate-tmp"

_SLOW_ENV = "EPMIGRATE_TEST_SLOW_WRITE"
"""Seconds to pause at each step of a write, for the crash-safety tests.

When set, a write pauses before it creates the temporary file, spreads the
writing of the temporary file over that time in small chunks (each flushed, so
a kill leaves a half-written temporary file), pauses again after the fsync
(before the rename) and once more after the rename: a test that kills the
writer after a stepped delay then lands at every point of the write. Unset,
the write makes no extra call at all.
"""
_SLOW_CHUNKS = 8

_FULL = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file is too large for this file system or process limit",
}


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
    is read-only for us, changed since it was read, or the directory cannot
    take a new file, or the disk is full.
    """
    path = snapshot.path
    directory = os.path.dirname(os.path.abspath(path))
    uid = os.getuid()
    _refuse_read_only(snapshot, uid)
    pause = float(os.environ.get(_SLOW_ENV) or 0)
    # A write killed earlier may have left its temporary file: clear it first.
    remove_stale_temps(path)
    if pause:
        time.sleep(pause)
    try:
        fd, tmp = tempfile.mkstemp(
            dir=directory, prefix=f".{os.path.basename(path)}.", suffix=TEMP_SUFFIX
        )
    except OSError as exc:
        raise WriteError(
            f"cannot create a temporary file in {directory}: {exc.strerror or exc}; "
            f"{path} is untouched",
            path=path,
            hint="the directory must be writable: epmigrate writes a new file beside the "
            "old one and renames it, so the old file is never half-written",
        ) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            data = text.encode("utf-8")
            if pause:
                _write_slowly(fh, data, pause)
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(snapshot.mode))
        if (snapshot.uid, snapshot.gid) != (uid, os.getgid()):
            with contextlib.suppress(PermissionError):
                os.chown(tmp, snapshot.uid, snapshot.gid)
        if pause:
            time.sleep(pause)
        _refuse_if_changed(snapshot)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise _write_error(path, exc) from exc
        raise
    if pause:
        time.sleep(pause)
    _fsync_directory(directory)


def _write_slowly(fh: BinaryIO, data: bytes, pause: float) -> None:
    # Test mode only (see _SLOW_ENV): each chunk reaches the file before the
    # pause, so a kill between chunks leaves a partial temporary file.
    size = -(-len(data) // _SLOW_CHUNKS) or 1
    for start in range(0, len(data), size):
        fh.write(data[start : start + size])
        fh.flush()
        time.sleep(pause / _SLOW_CHUNKS)


def _write_error(path: str, exc: OSError) -> WriteError:
    full = _FULL.get(exc.errno or 0)
    if full:
        return WriteError(
            f"cannot write {path}: {full} ({exc.strerror}); {path} is untouched",
            path=path,
            hint="free some space (or raise the limit) and run again",
        )
    return WriteError(
        f"cannot write {path}: {exc.strerror or exc}; {path} is untouched",
        path=path,
        hint="fix the cause above and run again",
    )


def _refuse_read_only(snapshot: Snapshot, uid: int) -> None:
    # The rename would replace a file we may not write to: refuse, as an
    # editor would. The owner with a write bit needs no system call; anyone
    # else asks the kernel, which knows about groups, ACLs and root.
    if snapshot.mode & stat.S_IWUSR and snapshot.uid == uid:
        return
    if not os.access(snapshot.path, os.W_OK):
        raise WriteError(
            f"{snapshot.path} is read-only for this user; nothing was written",
            path=snapshot.path,
            hint=f"make it writable (chmod u+w {snapshot.path}) or run as its owner, "
            "then run again",
        )


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
