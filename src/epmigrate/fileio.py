"""Read a file for an update, then replace it atomically or not at all.

The write goes to a temporary file in the same directory, is flushed to disk
and renamed over the original with ``os.replace``, so a reader (or a crash)
sees the old bytes or the new bytes, never a mix. The file's owner, group,
permission bits (setuid and setgid included) and extended attributes (POSIX
ACLs are stored as such) are copied to the new file, in that order: a
``chown`` clears the setuid bit, so the mode comes after it.

Writers serialise on a lock: :func:`lock` takes ``flock(LOCK_EX)`` on the
target file itself (on the file a symbolic link points to), and the check
that the file is still the one that was read, the temporary file and the
rename all happen while it is held. The rename puts a new inode under the
name, so a writer that was waiting on the old inode sees, once it has the
lock, that the name no longer points at it, and locks the new one. Nothing is
left behind: there is no lock file. A file that changed since it was read is
refused (:func:`write_text`) or, through :func:`epmigrate.write.run.commit`,
edited again from its new bytes under the lock.

Temporary files are named ``.NAME.PID-START.RANDOM.epmigrate-tmp``: the
writer's process id and its start time (clock ticks since boot, from
``/proc``; ``0`` where there is none). A later write removes only those whose
writer is gone (no such process, or another process with a reused id), so two
writers never delete each other's temporary file.

A symbolic link is written through: the file it points to is replaced and the
link is kept (:attr:`Snapshot.real`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import BinaryIO

from epmigrate.errors import ParseError, WriteError
from epmigrate.links import outside_link

__all__ = [
    "LOCK_SUFFIX",
    "LOCK_TIMEOUT",
    "MAX_SIZE",
    "TEMP_SUFFIX",
    "Locked",
    "Snapshot",
    "create_text",
    "following_links",
    "lock",
    "read_text",
    "refuse_outside_link",
    "remove_stale_temps",
    "replace_locked",
    "wide_encoding",
    "write_text",
]

TEMP_SUFFIX = ".epmigrate-tmp"

MAX_SIZE = 64 * 1024 * 1024
"""Largest packaging file epmigrate reads (bytes): anything bigger is no setup.cfg."""

LOCK_TIMEOUT = 30.0
"""Seconds a write waits for another writer of the same file before giving up."""

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

# Extended attributes the system sets on every new file itself (labels,
# capabilities): copied when allowed, never a reason to fail the write.
_SYSTEM_XATTRS = ("security.", "trusted.")

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Snapshot:
    """A file as it was read: its bytes, its text and its stat.

    ``path`` is the name it was read by; ``real`` the file that name leads to
    (different when ``path`` is a symbolic link), which a write replaces.
    """

    path: str
    data: bytes
    text: str
    mode: int
    uid: int
    gid: int
    mtime_ns: int
    size: int
    real: str = ""
    ino: int = 0
    dev: int = 0

    @property
    def is_link(self) -> bool:
        """Whether ``path`` is a symbolic link (the write goes to :attr:`real`)."""
        return bool(self.real) and os.path.abspath(self.path) != self.real


_FOLLOW_LINKS: ContextVar[bool] = ContextVar("epmigrate_follow_links", default=False)
"""Whether packaging files that are links leaving their project are read (``--follow-links``)."""


@contextlib.contextmanager
def following_links() -> Iterator[None]:
    """Within the block, read packaging files that are links to anywhere (``--follow-links``)."""
    token = _FOLLOW_LINKS.set(True)
    try:
        yield
    finally:
        _FOLLOW_LINKS.reset(token)


def refuse_outside_link(path: str) -> None:
    """Raise :class:`WriteError` when ``path`` is a link that leaves its project.

    The project is the git work tree that holds the link, or else the
    directory that holds it (:func:`epmigrate.links.outside_link`). A link
    that stays inside (a shared config of the same repository) is read; one
    that leads out (``/proc/self/environ``, ``/etc/shadow``, ``~/.pypirc``)
    is refused before anything is read, so no message, diff or edit can show
    or change what it points to, unless :func:`following_links` is in force
    (``--follow-links``). What the link resolves to must be a regular file
    either way (the open checks that).
    """
    if _FOLLOW_LINKS.get():
        return
    found = outside_link(path)
    if found is None:
        return
    target, project, kind = found
    raise WriteError(
        f"{path} is a symbolic link to {target}, outside its {kind} {project}; not read",
        hint="replace the link with the file it stands for, or pass --follow-links to read "
        "and edit what it points to",
    )


def read_text(path: str) -> Snapshot:
    """Read ``path`` as UTF-8 text, keeping a BOM and every line ending as is.

    A link that leaves the project is refused first (:func:`refuse_outside_link`).
    """
    refuse_outside_link(path)
    real = os.path.realpath(path)
    try:
        fd = _open_regular(path)
    except OSError as exc:
        raise WriteError(
            f"cannot read {path}: {exc.strerror or exc}", path=path, hint="check the path"
        ) from exc
    with os.fdopen(fd, "rb") as fh:
        return _snapshot(path, real, fh)


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian, with a BOM)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian, with a BOM)"),
    (b"\xff\xfe", "UTF-16 (little-endian, with a BOM)"),
    (b"\xfe\xff", "UTF-16 (big-endian, with a BOM)"),
)


def wide_encoding(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 encoding ``data`` looks like, or ``None``.

    With a BOM, the BOM says. Without one, text of mostly ASCII characters
    (what packaging files hold) has a NUL byte in every other (UTF-16) or
    three of every four (UTF-32) positions: UTF-8 would decode it, as text
    full of NULs that no reader of packaging files accepts.
    """
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            return name
    sample = data[:4096]
    if len(sample) < 4 or sample.count(0) * 4 < len(sample):
        return None
    nuls = [sample[i::4].count(0) * 4 / len(sample[i::4]) for i in range(4)]
    if min(nuls[1:]) > 0.8 and nuls[0] < 0.5:
        return "UTF-32 (little-endian, without a BOM)"
    if min(nuls[:3]) > 0.8 and nuls[3] < 0.5:
        return "UTF-32 (big-endian, without a BOM)"
    even = sample[0::2].count(0) / len(sample[0::2])
    odd = sample[1::2].count(0) / len(sample[1::2])
    if odd > 0.6 and even < 0.2:
        return "UTF-16 (little-endian, without a BOM)"
    if even > 0.6 and odd < 0.2:
        return "UTF-16 (big-endian, without a BOM)"
    return None


def _open_regular(path: str) -> int:
    """An fd on ``path`` opened without blocking; ``OSError`` unless a regular file."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if st.st_size > MAX_SIZE:
            raise OSError(errno.EFBIG, f"larger than {MAX_SIZE // (1024 * 1024)} MB")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _snapshot(path: str, real: str, fh: BinaryIO) -> Snapshot:
    st = os.fstat(fh.fileno())
    try:
        data = fh.read(MAX_SIZE + 1)
    except OSError as exc:
        raise WriteError(
            f"cannot read {path}: {exc.strerror or exc}", path=path, hint="check the path"
        ) from exc
    wide = wide_encoding(data)
    if wide is not None:
        raise ParseError(
            f"looks like {wide}, not UTF-8",
            path=path,
            line=1,
            hint="packaging files are UTF-8 (setuptools, pbr and tomllib read them so): "
            "save it as UTF-8; nothing was written",
        )
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
    return Snapshot(
        path,
        data,
        text,
        st.st_mode,
        st.st_uid,
        st.st_gid,
        st.st_mtime_ns,
        st.st_size,
        real,
        st.st_ino,
        st.st_dev,
    )


class Locked:
    """The write lock on a file, as :func:`lock` holds it."""

    def __init__(self, path: str, real: str, fd: int) -> None:
        self.path = path
        self.real = real
        self.fd = fd

    def read(self) -> Snapshot:
        """The file as it is now, read through the locked descriptor."""
        os.lseek(self.fd, 0, os.SEEK_SET)
        with os.fdopen(os.dup(self.fd), "rb") as fh:
            return _snapshot(self.path, self.real, fh)


@contextlib.contextmanager
def lock(path: str, timeout: float = LOCK_TIMEOUT) -> Iterator[Locked]:
    """Hold the write lock of ``path`` (the file it leads to) for the block.

    Raises :class:`WriteError` when the file cannot be opened or another writer
    holds the lock for longer than ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        # Again here: the link may have been pointed elsewhere since the read.
        refuse_outside_link(path)
        real = os.path.realpath(path)
        try:
            fd = _open_regular(real)
        except OSError as exc:
            raise WriteError(
                f"cannot read {path}: {exc.strerror or exc}; nothing was written",
                path=path,
                hint="check the path",
            ) from exc
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise WriteError(
                            f"another process has been writing {path} for {timeout:.0f} s "
                            "(it holds the file's lock); nothing was written",
                            path=path,
                            hint="wait for it to finish (or stop it), then run again",
                        ) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
                except OSError as exc:
                    if exc.errno not in _NO_FLOCK:
                        raise
                    # NFS maps flock to a byte-range lock, which wants a
                    # descriptor open for writing; a file system without
                    # locks gets the checks made under the lock, unlocked.
                    fd = _reopen_for_lock(real, fd)
                    if fd < 0:
                        fd = _open_regular(real)
                        break
            # The lock is on the inode we opened: still the file the name leads to?
            held = os.fstat(fd)
            try:
                now = os.stat(real)
            except FileNotFoundError:
                now = None
            same = now is not None and (now.st_ino, now.st_dev) == (held.st_ino, held.st_dev)
            if same and os.path.realpath(path) == real:
                if _excludes(real):
                    yield Locked(path, real, fd)
                    return
                # flock succeeds but excludes nothing (a file system mounted
                # without locking): a lock file beside it instead. The file
                # is opened again under it: the writer before may have
                # renamed a new one into place meanwhile.
                with _lock_file(path, real, deadline, timeout):
                    os.close(fd)
                    fd = -1
                    fd = _open_regular(real)
                    yield Locked(path, real, fd)
                return
        finally:
            if fd >= 0:
                os.close(fd)  # also releases the lock


LOCK_SUFFIX = ".epmigrate-lock"
"""The lock file beside a target whose file system's ``flock`` excludes nothing."""


def _excludes(real: str) -> bool:
    """Whether the ``flock`` just taken on ``real`` stops another open file description.

    A second descriptor (a new open, so another open file description, as
    another process would have) must not get the lock while ours is held. On
    file systems mounted without locking it does, and two writers would both
    go ahead; there the caller takes a lock file instead.
    """
    try:
        other = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(other)  # also drops a lock it got
    return False


@contextlib.contextmanager
def _lock_file(path: str, real: str, deadline: float, timeout: float) -> Iterator[None]:
    """Hold ``.NAME.epmigrate-lock`` beside ``real``: created with ``O_EXCL``, removed after.

    ``O_EXCL`` creation is atomic on local and network file systems (NFSv3
    and later) where ``flock`` may not be. The file holds its writer's
    identity (pid and start time); one left by a writer that is gone is
    removed, so a killed write never blocks the next one for good.
    """
    lock_path = os.path.join(os.path.dirname(real), f".{os.path.basename(real)}{LOCK_SUFFIX}")
    delay = 0.001
    while True:
        try:
            fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            break
        except FileExistsError:
            if _lock_holder_gone(lock_path):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock_path)
                continue
            if time.monotonic() > deadline:
                raise WriteError(
                    f"another process has been writing {path} for {timeout:.0f} s (it holds "
                    f"{lock_path}; this file system's flock excludes nothing); nothing was "
                    "written",
                    path=path,
                    hint=f"wait for it to finish; if no epmigrate runs, remove {lock_path}",
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        except OSError as exc:
            raise WriteError(
                f"this file system's flock excludes nothing, and no lock file can be made "
                f"beside {path}: {exc.strerror or exc}; nothing was written",
                path=path,
                hint="make the directory writable, or run one writer at a time",
            ) from exc
    try:
        os.write(fd, f"{_identity()}\n".encode())
        os.close(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)


def _lock_holder_gone(lock_path: str) -> bool:
    try:
        fd = os.open(lock_path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        ident = os.read(fd, 64).decode("ascii", "replace").strip()
    except OSError:
        return False
    finally:
        os.close(fd)
    # The same judgement as for a temporary file named after its writer.
    return _writer_gone(ident + ".", "")


_NO_FLOCK = {errno.EBADF, errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


def _reopen_for_lock(real: str, fd: int) -> int:
    """``fd`` closed and ``real`` opened for writing and locked; ``-1`` when that fails."""
    os.close(fd)
    try:
        fd = os.open(real, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        os.close(fd)
        return -1
    return fd


def write_text(snapshot: Snapshot, text: str, *, force: bool = False) -> None:
    """Replace the file read as ``snapshot`` with ``text``, atomically.

    Raises :class:`WriteError` (and leaves the file untouched) when the file
    is read-only (its mode bits, also for root; ``force`` overrides), changed
    since it was read, or the directory cannot take a new file, or the disk is
    full.
    """
    with lock(snapshot.path) as held:
        current = held.read()
        if current.data != snapshot.data:
            raise _changed(snapshot.path)
        replace_locked(held, current, text, force=force)


def create_text(path: str, text: str) -> None:
    """Create ``path`` with ``text``; refused when anything exists at ``path``.

    The text goes to a temporary file beside it first, which is then linked
    to ``path`` (a link never replaces an existing name, so a file that
    appears in between is kept, and the write refused). The new file's mode
    is 0666 less the umask, as any editor would create it.
    """
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(
            dir=directory, prefix=f".{os.path.basename(path)}.", suffix=TEMP_SUFFIX
        )
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fh.fileno(), 0o666 & ~umask)
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise WriteError(
                f"{path} appeared while epmigrate was writing it; nothing was written there",
                path=path,
                hint="run the command again",
            ) from None
        except OSError as exc:
            raise _write_error(path, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _fsync_directory(directory)


def _changed(path: str) -> WriteError:
    return WriteError(
        f"{path} changed on disk since it was read; nothing was written",
        path=path,
        hint="run the command again on the new version",
    )


def replace_locked(held: Locked, snapshot: Snapshot, text: str, *, force: bool = False) -> None:
    """Replace the locked file (as read into ``snapshot`` under the lock) with ``text``."""
    path = snapshot.path
    real = held.real
    directory = os.path.dirname(real)
    uid = os.getuid()
    if not force:
        _refuse_read_only(snapshot, uid)
    pause = _test_pause()
    # A write killed earlier may have left its temporary file: clear it first.
    remove_stale_temps(real)
    if pause:
        time.sleep(pause)
    try:
        fd, tmp = tempfile.mkstemp(
            dir=directory,
            prefix=f".{os.path.basename(real)}.{_identity()}.",
            suffix=TEMP_SUFFIX,
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
            _copy_metadata(snapshot, real, fh.fileno())
            os.fsync(fh.fileno())
        if pause:
            time.sleep(pause)
        _refuse_if_moved(held, snapshot)
        os.replace(tmp, real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise _write_error(path, exc) from exc
        raise
    if pause:
        time.sleep(pause)
    _fsync_directory(directory)


def _copy_metadata(snapshot: Snapshot, real: str, fd: int) -> None:
    """Owner and group, then mode, then extended attributes, onto the new file."""
    st = os.fstat(fd)
    if (snapshot.uid, snapshot.gid) != (st.st_uid, st.st_gid):
        with contextlib.suppress(PermissionError):
            os.fchown(fd, snapshot.uid, snapshot.gid)
    os.fchmod(fd, stat.S_IMODE(snapshot.mode))
    _copy_xattrs(snapshot.path, real, fd)


def _copy_xattrs(path: str, real: str, fd: int) -> None:
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(real)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.ENOSYS):
            return
        raise
    for name in names:
        try:
            os.setxattr(fd, name, os.getxattr(real, name))
        except OSError as exc:
            if name.startswith(_SYSTEM_XATTRS):
                continue
            raise WriteError(
                f"cannot copy the extended attribute {name} of {path} to the new file: "
                f"{exc.strerror or exc}; {path} is untouched",
                path=path,
                hint="run as the file's owner (or root), then run again",
            ) from exc


def _test_pause() -> float:
    """The seconds of :data:`_SLOW_ENV`, 0 when unset; a bad value is a WriteError.

    Read before anything is written, so a mistyped value stops the write
    with the file untouched instead of ending it in a traceback half-way.
    """
    value = os.environ.get(_SLOW_ENV)
    if not value:
        return 0.0
    try:
        pause = float(value)
    except ValueError:
        pause = -1.0
    if not 0 <= pause <= 60:  # also false for nan
        raise WriteError(
            f"{_SLOW_ENV}={value!r} is not a number of seconds from 0 to 60; nothing was written",
            hint=f"it is a setting for epmigrate's crash tests only: unset {_SLOW_ENV}",
        )
    return pause


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
    # The rename would replace a file that says it is not to be written:
    # refuse, as an editor would. The mode bits decide, also for root (for
    # whom the kernel lets every write through); a user who is not the owner
    # also asks the kernel, which knows about groups and ACLs.
    mode = stat.S_IMODE(snapshot.mode)
    owner = snapshot.uid == uid
    if uid == 0 and snapshot.uid != 0:
        # Root may write anything: a file of another user (a checkout, or
        # what a link there leads to) is that user's to change.
        import pwd

        try:
            name = pwd.getpwuid(snapshot.uid).pw_name
        except KeyError:
            name = f"uid {snapshot.uid}"
        raise WriteError(
            f"{snapshot.path} is owned by {name}, not root; root does not write another "
            "user's file; nothing was written",
            path=snapshot.path,
            hint=f"run as {name}, or pass --force to write it as root anyway",
        )
    if not mode & 0o222 or (owner and not mode & stat.S_IWUSR):
        raise WriteError(
            f"{snapshot.path} is read-only (mode {mode:04o}); nothing was written",
            path=snapshot.path,
            hint=f"make it writable (chmod u+w {snapshot.path}) and run again, or pass "
            "--force to replace it anyway",
        )
    if not owner and uid != 0 and not os.access(snapshot.real or snapshot.path, os.W_OK):
        raise WriteError(
            f"{snapshot.path} is read-only for this user; nothing was written",
            path=snapshot.path,
            hint=f"make it writable (chmod u+w {snapshot.path}) or run as its owner, "
            "then run again",
        )


def _refuse_if_moved(held: Locked, snapshot: Snapshot) -> None:
    # A program that does not take the lock (an editor) may still have
    # replaced or rewritten the file: the name must lead to the locked inode,
    # unchanged since it was read.
    try:
        st = os.stat(held.real)
    except OSError as exc:
        raise WriteError(
            f"{snapshot.path} disappeared while it was being updated; nothing was written",
            path=snapshot.path,
            hint="run the command again",
        ) from exc
    if (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns) != (
        snapshot.ino,
        snapshot.dev,
        snapshot.size,
        snapshot.mtime_ns,
    ):
        raise _changed(snapshot.path)


def _fsync_directory(directory: str) -> None:
    # Make the rename itself durable; not every platform can open a directory.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_START: dict[int, str] = {}


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (``"0"`` without /proc); ``None`` if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except FileNotFoundError:
        return None
    except OSError:
        return _alive_without_proc(pid)
    # fields[0] is the state (after the parenthesised command), fields[19] the start time.
    if fields[0] in (b"Z", b"X"):
        return None  # a zombie writes nothing any more
    return fields[19].decode()


def _alive_without_proc(pid: int) -> str | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "0"


def _identity() -> str:
    pid = os.getpid()
    if pid not in _START:
        _START[pid] = _start_time(pid) or "0"
    return f"{pid}-{_START[pid]}"


def _writer_gone(name: str, prefix: str) -> bool:
    """Whether the writer named in a temporary file's name has exited."""
    ident = name[len(prefix) :].split(".", 1)[0]
    pid_text, _, start = ident.partition("-")
    if not (pid_text.isdigit() and start.isdigit()):
        return False  # not a name this version gives: not ours to judge
    now = _start_time(int(pid_text))
    return now is None or (start != "0" and now != "0" and now != start)


def remove_stale_temps(path: str) -> list[str]:
    """Remove temporary files that dead writers of ``path`` left; return their names."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = f".{os.path.basename(path)}."
    removed = []
    with contextlib.suppress(OSError):
        for name in os.listdir(directory):
            if (
                name.startswith(prefix)
                and name.endswith(TEMP_SUFFIX)
                and _writer_gone(name, prefix)
            ):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(directory, name))
                    removed.append(name)
    return removed
