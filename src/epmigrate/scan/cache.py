"""The scan cache: one stored document per scan.

A scan stores its result with everything it depends on (see
:mod:`epmigrate.scan.memo`), under a key of all its inputs; the next scan
with the same inputs checks those dependencies and, when every one still
holds, returns the stored result without reading a file's facts again. One
entry per scan, written once: per-file entries cost as much to decode as
Python's parser takes to read the file again.

Nothing in the cache is trusted:

* the directory is created mode 0700, opened without following a symbolic
  link (a link there disables the cache) and used only when it belongs to the
  user (its mode is then tightened to 0700); entries are reached through that
  open directory, never by path again;
* an entry is opened without following links and without blocking, and read
  only when it is a regular file of the user's, under :data:`MAX_ENTRY`;
* it starts with its key and a BLAKE2b digest of its data's bytes as written
  (checked before they are decoded): an entry for another key, or edited by
  hand, is a miss; so is data the caller's ``load`` refuses (the schema
  check), and the scan then writes the entry again.

The data is :mod:`marshal` of plain lists, dicts, strings and numbers, not
JSON: decoding it needs no import (``json`` brings ``re`` and ``enum``, a
fifth of a cache-hit process) and is several times faster on a large entry.
``marshal`` is not meant for data from others; an entry is only ever
decoded from the user's own 0700 directory, after its digest matched, so
whoever could forge one could as well edit the user's own site-packages
bytecode, which Python unmarshals with less care. Decoding never runs code.

Entries are written atomically (a temporary file in the same directory,
renamed). A cache that cannot be used is skipped silently: it never fails a
scan.
"""

from __future__ import annotations

import errno
import marshal
import os
import stat

from epmigrate.scan.reading import blake2b

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    _T = TypeVar("_T")

__all__ = ["MAX_ENTRY", "Cache", "default_cache_dir"]

MAX_ENTRY = 1024 * 1024 * 1024
"""Largest entry read back (bytes): a scan of 60,000 files stores about 30 MB."""

_SUFFIX = ".entry"
"""Entries are :mod:`marshal` data (the key holds the interpreter's version)."""
_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _FLAGS


def default_cache_dir() -> str:
    """``$XDG_CACHE_HOME/epmigrate``, by default ``~/.cache/epmigrate``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "epmigrate")


def _ignoring(error: type[OSError], call: Callable[..., object], *args: object) -> None:
    """``call(*args)``, an ``error`` from it ignored (``contextlib`` is not imported on a hit)."""
    try:  # noqa: SIM105
        call(*args)
    except error:
        pass


def _checksum(key: str, payload: bytes) -> str:
    """BLAKE2b (256 bits) of the key and the stored data's bytes, exactly as written."""
    summed = blake2b(key.encode(), digest_size=32)
    summed.update(b"\0")
    summed.update(payload)
    return summed.hexdigest()


_MAX_LINKS = 40
"""Symbolic links followed on the way to the cache directory, as Linux's ``ELOOP`` limit."""


def _open_walked(path: str, *, create: bool) -> int:
    """An fd of the directory ``path`` (absolute), reached from ``/`` one component at a time.

    Each component is opened with ``O_NOFOLLOW | O_DIRECTORY`` relative to
    the descriptor of the one above, so no component swapped meanwhile can
    redirect the walk, and the cache itself (the last component) must not
    be a link. A directory on the way must belong to root or the user and
    be writable by no one else, unless it is sticky (``/tmp``), where the
    entry taken must be root's or the user's: no other user can then replace
    what comes next. A symbolic link met on the way (``~/.cache`` on another
    disk) is read there and followed, component by component, under the same
    rules. With ``create``, missing directories are made, 0700. Raises
    ``OSError``: ``ELOOP`` for a link as the cache itself, ``EACCES`` for a
    directory another user controls.
    """
    me = os.geteuid()
    todo = [part for part in path.split("/") if part and part != "."][::-1]
    fd = os.open("/", _DIR_FLAGS)
    here: list[str] = []
    links = 0
    try:
        while todo:
            name = todo.pop()
            st = os.fstat(fd)
            if name == "..":
                os.close(fd)
                here = here[:-1]
                fd = os.open("/" + "/".join(here), _DIR_FLAGS)
                continue
            shared = st.st_mode & 0o022 and st.st_uid in (0, me)
            if st.st_uid not in (0, me) or (shared and not st.st_mode & stat.S_ISVTX):
                raise OSError(errno.EACCES, "a directory another user can change", "/".join(here))
            try:
                entry = os.lstat(name, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                try:  # noqa: SIM105 (contextlib is not imported on a hit)
                    os.mkdir(name, 0o700, dir_fd=fd)
                except FileExistsError:
                    pass  # made meanwhile: checked below like any other
                entry = os.lstat(name, dir_fd=fd)
            if shared and entry.st_uid not in (0, me):
                raise OSError(errno.EACCES, "another user's entry in a shared directory", name)
            if stat.S_ISLNK(entry.st_mode):
                links += 1
                if not todo or links > _MAX_LINKS:
                    raise OSError(errno.ELOOP, "a symbolic link", name)
                target = os.readlink(name, dir_fd=fd)
                if target.startswith("/"):
                    os.close(fd)
                    fd = os.open("/", _DIR_FLAGS)
                    here = []
                todo.extend(part for part in target.split("/")[::-1] if part and part != ".")
                continue
            child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
            here.append(name)
        return fd
    except BaseException:
        os.close(fd)
        raise


class Cache:
    """A directory of entries, one per scan key (see :mod:`epmigrate.scan.memo`).

    ``hits`` and ``misses`` count the scans that found a stored result, and
    those that did not (nothing stored, or a dependency changed).
    """

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory or default_cache_dir()
        self.hits = 0
        self.misses = 0
        self.answered: tuple[str, str] | None = None
        """The key and checksum of the stored scan the last scan was answered
        from or stored in; ``None`` when it was neither."""
        self.checksums: dict[str, str] = {}
        """The checksum of each entry this cache read or wrote, by key: which
        stored scan an answer was made from (see :mod:`epmigrate.quick`)."""
        self._fd: int | None = None
        self._unusable = False

    def __del__(self) -> None:
        if self._fd is not None:
            _ignoring(OSError, os.close, self._fd)

    def _top(self, create: bool) -> int | None:
        """The cache directory, open; ``None`` when it is missing or not safe to use."""
        if self._fd is not None or self._unusable:
            return self._fd
        try:
            fd = _open_walked(os.path.abspath(self.directory), create=create)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                self._unusable = True  # a link (ELOOP), not a directory, no access
            return None
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            os.close(fd)
            self._unusable = True
            return None
        if stat.S_IMODE(st.st_mode) & 0o077:
            _ignoring(OSError, os.fchmod, fd, 0o700)
        self._fd = fd
        return fd

    def _subdir(self, name: str, create: bool) -> int | None:
        top = self._top(create)
        if top is None:
            return None
        try:
            if create:
                _ignoring(FileExistsError, lambda: os.mkdir(name, 0o700, dir_fd=top))
            fd = os.open(name, _DIR_FLAGS, dir_fd=top)
        except OSError:
            return None
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            os.close(fd)
            return None
        return fd

    def get(self, key: str, load: Callable[[dict[str, Any]], _T]) -> _T | None:
        """The entry stored under ``key`` (a hex digest), through ``load``; or ``None``.

        ``load`` checks the entry's shape and builds the value (any
        ``KeyError``, ``TypeError``, ``ValueError``, ``IndexError`` or
        ``AttributeError`` from it is a miss). It does not count a hit or a
        miss: the caller does, once it knows whether the value still holds.
        """
        return self._read(key, load)

    def _read(self, key: str, load: Callable[[dict[str, Any]], _T]) -> _T | None:
        sub = self._subdir(key[:2], create=False)
        if sub is None:
            return None
        try:
            fd = os.open(f"{key}{_SUFFIX}", os.O_RDONLY | os.O_NONBLOCK | _FLAGS, dir_fd=sub)
        except OSError:
            return None
        finally:
            os.close(sub)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
                return None
            if st.st_size > MAX_ENTRY:
                return None
            with os.fdopen(os.dup(fd), "rb") as fh:
                raw = fh.read(MAX_ENTRY + 1)
            # "KEY SUM\n" then the data: the sum is checked on the bytes as
            # stored, before they are decoded.
            header, _, payload = raw.partition(b"\n")
            checksum = _checksum(key, payload)
            if header != f"{key} {checksum}".encode():
                return None
            data = marshal.loads(payload)
            if not isinstance(data, dict):
                return None
            found = load(data)
            self.checksums[key] = checksum
            return found
        except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None
        finally:
            os.close(fd)

    def put(self, key: str, data: dict[str, Any]) -> str | None:
        """Store an entry: its checksum, or ``None`` when the cache cannot be written.

        A cache that cannot be written is skipped silently: it never fails a scan.
        """
        sub = self._subdir(key[:2], create=True)
        if sub is None:
            return None
        tmp = f".{key}.{os.urandom(6).hex()}.tmp"
        try:
            payload = marshal.dumps(data)
            checksum = _checksum(key, payload)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _FLAGS, 0o600, dir_fd=sub)
            with os.fdopen(fd, "wb") as fh:
                # Two writes, not one joined copy: an entry of a large scan
                # is tens of megabytes.
                fh.write(f"{key} {checksum}\n".encode())
                fh.write(payload)
            os.replace(tmp, f"{key}{_SUFFIX}", src_dir_fd=sub, dst_dir_fd=sub)
        except (OSError, ValueError):
            # A read-only or full cache directory must never fail a scan.
            _ignoring(OSError, lambda: os.unlink(tmp, dir_fd=sub))
            return None
        finally:
            os.close(sub)
        self.checksums[key] = checksum
        return checksum
