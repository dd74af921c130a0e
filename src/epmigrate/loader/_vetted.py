"""Vetted file access: open and check legacy directories and files, read each file once.

Standard library only, and importing nothing of epmigrate but the other
vetting modules, relatively: ``epmigrate verify`` copies them beside its
probe into the service's interpreter, which must not see epmigrate's own
installation. The owner and mode rule itself is :mod:`._rules`; executing
the vetted bytes is :mod:`._modules`.

The rules (docs/loader.md, "Security", lists them against OpenSSH's
StrictModes):

* A directory is reached from ``/`` one component at a time, each opened
  with ``O_NOFOLLOW | O_DIRECTORY`` relative to the descriptor of the one
  above and checked with ``fstat`` on that descriptor: owned by root or the
  effective user, not writable by group or others. A group- or
  other-writable directory with the sticky bit (``/tmp``) is crossed only
  when the entry taken in it belongs to root or the effective user, since
  the sticky bit stops anyone else from renaming or removing that entry.
  Symbolic links met on the way are read through the descriptor of the
  checked directory that holds them and followed component by component,
  so every directory the path really goes through is checked, and a
  component swapped afterwards cannot redirect anything: later opens are
  relative to the descriptors.
* A file is opened once, ``O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC``
  relative to its directory's descriptor (a FIFO cannot block the open),
  and ``fstat`` of that descriptor must show a regular file, at most
  :data:`MAX_LEGACY_FILE_SIZE` bytes, with the owner and mode rule above.
  The bytes read from that descriptor are the only ones executed
  (:mod:`._modules`); a ``__pycache__`` file is used only when it is vetted
  the same way and matches them (:func:`cached_bytecode`), and none is
  written.
"""

from __future__ import annotations

import errno
import importlib.util
import logging
import os
import stat
import sys
from typing import NamedTuple

from ._rules import (
    Outside,
    Refused,
    check_entry_in_sticky,
    check_owner_and_mode,
    escape,
)

__all__ = [
    "MAX_LEGACY_FILE_SIZE",
    "MAX_LINKS",
    "Directory",
    "Vetted",
    "cached_bytecode",
    "open_directory",
    "open_subdirectory",
    "read_file",
    "vet",
]

LOG = logging.getLogger("epmigrate")

MAX_LEGACY_FILE_SIZE = 8 * 1024 * 1024
"""Largest legacy file read, in bytes (the biggest real extension is under 100 kB)."""

MAX_LINKS = 40
"""Symbolic links followed while resolving one path, as Linux's ``ELOOP`` limit."""

_O_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_O_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class Directory:
    """An opened, checked directory: its descriptor, the path asked for and the real path.

    Close it with :meth:`close` (or use it as a context manager).
    """

    __slots__ = ("caches", "fd", "guarded", "path", "real", "stat")

    def __init__(self, fd: int, path: str, real: str, st: os.stat_result) -> None:
        self.fd = fd
        self.path = path
        self.real = real
        self.stat = st
        self.guarded = False
        """Whether imports from it are vetted (:func:`._modules.guard_imports` was called)."""
        # The checked __pycache__ descriptor of each directory below (or None).
        self.caches: dict[str, int | None] = {}

    def close(self) -> None:
        """Close the descriptor (once), and those of the bytecode caches."""
        for fd in self.caches.values():
            if fd is not None:
                os.close(fd)
        self.caches.clear()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Directory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _split(path: str) -> list[str]:
    return [p for p in path.split("/") if p and p != "."]


def _open_dir_at(fd: int, name: str) -> int:
    return os.open(name, _O_DIR, dir_fd=fd)


def _is_link_error(exc: OSError) -> bool:
    # O_NOFOLLOW on a link gives ELOOP; O_DIRECTORY on a link, ENOTDIR.
    return exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK)


def open_directory(
    path: str, *, check: bool = True, kind: str = "legacy extension directory"
) -> Directory:
    """Open the absolute directory ``path`` from ``/``, checking every directory on the way.

    Raises :class:`Refused` for an insecure component (the last one, the
    directory itself, may not rely on the sticky bit), ``FileNotFoundError``
    or ``NotADirectoryError`` when it does not exist. With ``check=False``
    only the walk is done (``allow_insecure_legacy_path``).
    """
    if not os.path.isabs(path):
        path = os.path.abspath(path)
    fd = os.open("/", _O_DIR)
    try:
        st = os.fstat(fd)
        real: list[str] = []
        stack: list[tuple[int, os.stat_result]] = []
        todo = _split(path)
        todo.reverse()
        links = 0
        if check:
            check_owner_and_mode(st, "/", "directory", sticky_ok=bool(todo))
        while todo:
            name = todo.pop()
            if name == "..":
                if stack:
                    os.close(fd)
                    fd, st = stack.pop()
                    real.pop()
                continue
            shown = "/" + "/".join((*real, name))
            entry = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if check:
                check_entry_in_sticky(st, entry, shown)
            if stat.S_ISLNK(entry.st_mode):
                links += 1
                if links > MAX_LINKS:
                    raise OSError(errno.ELOOP, "too many levels of symbolic links", path)
                target = os.readlink(name, dir_fd=fd)
                parts = _split(target)
                if target.startswith("/"):
                    for held, _ in stack:
                        os.close(held)
                    stack.clear()
                    os.close(fd)
                    fd = os.open("/", _O_DIR)
                    st = os.fstat(fd)
                    real.clear()
                todo.extend(reversed(parts))
                continue
            try:
                child = _open_dir_at(fd, name)
            except OSError as exc:
                if _is_link_error(exc):
                    raise Refused("changed while it was being opened", shown) from exc
                raise
            stack.append((fd, st))
            fd, st = child, os.fstat(child)
            real.append(name)
            if check:
                what = kind if not todo else "directory"
                check_owner_and_mode(st, shown, what, sticky_ok=bool(todo))
        for held, _ in stack:
            os.close(held)
        return Directory(fd, path, "/" + "/".join(real), st)
    except BaseException:
        os.close(fd)
        raise


def open_subdirectory(parent: Directory, name: str, *, check: bool = True) -> Directory:
    """Open the sub-directory ``name`` of ``parent`` (no link followed) and check it."""
    shown = f"{parent.path}/{name}"
    fd = _open_dir_at(parent.fd, name)
    try:
        st = os.fstat(fd)
        if check:
            check_owner_and_mode(st, shown, "legacy extension directory", sticky_ok=False)
    except BaseException:
        os.close(fd)
        raise
    return Directory(fd, shown, f"{parent.real}/{name}", st)


def _resolve_inside(
    root: Directory, relpath: str, *, check: bool = True
) -> tuple[int, str, str, bool]:
    """Follow ``relpath`` inside ``root``: (descriptor of its directory, name, real path, owned).

    Links are followed while they stay inside ``root``; one leading out
    raises :class:`Outside`. The descriptor must be closed by the caller
    unless it is ``root.fd`` (``owned`` False).
    """
    parts: list[str] = []  # directories below root, as opened
    fds: list[int] = []
    todo = _split(relpath)
    todo.reverse()
    links = 0
    shown = f"{root.path}/{relpath}"
    try:
        while True:
            name = todo.pop()
            fd = fds[-1] if fds else root.fd
            if name == "..":
                if not fds:
                    raise Outside(shown, os.path.normpath(f"{root.real}/{'/'.join(parts)}/.."))
                os.close(fds.pop())
                parts.pop()
                continue
            entry = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(entry.st_mode):
                links += 1
                if links > MAX_LINKS:
                    raise OSError(errno.ELOOP, "too many levels of symbolic links", shown)
                target = os.readlink(name, dir_fd=fd)
                if target.startswith("/"):
                    real_target = os.path.normpath(target)
                    if not (real_target + "/").startswith(root.real.rstrip("/") + "/"):
                        raise Outside(shown, real_target)
                    for held in fds:
                        os.close(held)
                    fds.clear()
                    parts.clear()
                    rest = real_target[len(root.real.rstrip("/")) :]
                    todo.extend(reversed(_split(rest)))
                else:
                    todo.extend(reversed(_split(target)))
                if not todo:
                    raise Outside(shown, root.real)
                continue
            if not todo:
                real = "/".join((root.real, *parts, name))
                dir_fd = fds.pop() if fds else root.fd
                for held in fds:
                    os.close(held)
                return dir_fd, name, real, dir_fd != root.fd
            fds.append(_open_dir_at(fd, name))
            parts.append(name)
            if check:
                # Sub-directories of a recursive profile are part of the legacy directory.
                where = "/".join((root.path, *parts))
                check_owner_and_mode(
                    os.fstat(fds[-1]), where, "legacy extension directory", sticky_ok=False
                )
    except BaseException:
        for held in fds:
            os.close(held)
        raise


class Vetted(NamedTuple):
    """The bytes of one checked file and where they came from."""

    data: bytes
    path: str
    real: str
    stat: os.stat_result
    bytecode: bytes | None = None
    """A vetted ``__pycache__`` file matching ``data`` (see :func:`cached_bytecode`)."""


def read_file(
    dir_fd: int, name: str, path: str, *, check: bool = True
) -> tuple[bytes, os.stat_result]:
    """Open ``name`` once relative to ``dir_fd``, check the descriptor, return its bytes.

    ``path`` is only for messages. Raises :class:`Refused` for a link, a
    special file (FIFO, device, socket), a file over :data:`MAX_LEGACY_FILE_SIZE`, one
    whose size does not match what it gives (``/proc``), and, when
    ``check``, the owner and mode rule.
    """
    try:
        fd = os.open(name, _O_FILE, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(
                "is a symbolic link (changed after it was listed); not followed", path
            ) from exc
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused(
                f"is not a regular file (mode {stat.filemode(st.st_mode)}); not read", path
            )
        if st.st_size > MAX_LEGACY_FILE_SIZE:
            raise Refused(
                f"is {st.st_size} bytes, over the {MAX_LEGACY_FILE_SIZE} byte limit; not read", path
            )
        if check:
            check_owner_and_mode(st, path, "legacy extension file", sticky_ok=False)
        chunks = []
        left = st.st_size + 1  # one more byte shows a file that says less than it holds
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) != st.st_size:
            raise Refused(
                f"gave {len(data)}{'+' if left <= 0 else ''} bytes where fstat says "
                f"{st.st_size} (a /proc file, or one being written); not executed",
                path,
            )
        return data, st
    finally:
        os.close(fd)


def vet(root: Directory, relpath: str, *, check: bool = True) -> Vetted:
    """The vetted bytes of ``relpath`` inside ``root`` (links followed while inside it).

    Directories between ``root`` and the file are checked like ``root``.
    Raises :class:`Refused`, :class:`Outside` or ``OSError``.
    """
    dir_fd, name, real, owned = _resolve_inside(root, relpath, check=check)
    path = f"{root.path}/{relpath}"
    try:
        data, st = read_file(dir_fd, name, path, check=check)
        bytecode = None
        if check and name.endswith(".py"):
            key = real.rpartition("/")[0]
            if key not in root.caches:
                root.caches[key] = _open_cache(dir_fd, os.path.dirname(path))
            cache_fd = root.caches[key]
            if cache_fd is not None:
                bytecode = cached_bytecode(cache_fd, name, data, os.path.dirname(path))
    finally:
        if owned:
            os.close(dir_fd)
    return Vetted(data, path, real, st, bytecode)


def _open_cache(dir_fd: int, directory: str) -> int | None:
    # The __pycache__ beside the files, checked like a legacy directory; one
    # that fails is not read (each start then compiles), and said so once.
    if sys.pycache_prefix is not None or sys.flags.optimize:
        return None
    try:
        fd = _open_dir_at(dir_fd, "__pycache__")
    except OSError:
        return None
    try:
        check_owner_and_mode(
            os.fstat(fd),
            f"{directory}/__pycache__",
            "bytecode cache directory",
            sticky_ok=False,
            refusal="its bytecode is not read: the sources are compiled at each start",
        )
    except Refused as exc:
        os.close(fd)
        LOG.warning("%s", escape(exc))
        return None
    return fd


def cached_bytecode(cache_fd: int, name: str, source: bytes, directory: str) -> bytes | None:
    """The ``__pycache__`` bytecode of ``name`` when it is vetted and matches ``source``.

    Read like a legacy file (one open relative to the checked cache
    directory, regular, owner and mode) and accepted only when it is
    hash-based (``compileall --invalidation-mode checked-hash`` or
    ``unchecked-hash``) with the interpreter's magic number and the hash of
    the vetted ``source``. A timestamp-based file is never used: its header
    (modification time and size) matches a source whose bytes changed with
    the same size and a reset time (``touch -r``, an archive), and the old
    code would run while ``inspect`` shows the new source. Anything else
    gives ``None``: the source is compiled.
    """
    pyc = f"{name[:-3]}.{sys.implementation.cache_tag}.pyc"
    try:
        data, _ = read_file(cache_fd, pyc, f"{directory}/__pycache__/{pyc}")
    except FileNotFoundError:
        return None
    except (Refused, OSError) as exc:
        LOG.warning("%s; compiled from source instead", escape(exc))
        return None
    if len(data) < 16 or data[:4] != importlib.util.MAGIC_NUMBER:
        return None
    flags = int.from_bytes(data[4:8], "little")
    if flags & ~0b11:
        return None
    if flags & 0b1 and data[8:16] == importlib.util.source_hash(source):
        return data
    return None
