"""Content cache for per-file facts.

Keyed on the file's absolute path, size, ``mtime_ns``, a hash of the bytes
read (BLAKE2b) and the epmigrate version, so an edited file, a moved tree, a
new release or a file rewritten with the same size and time (as reproducible
archives do) never sees stale facts.

Nothing in the cache is trusted:

* the directory is created mode 0700, opened without following a symbolic
  link (a link there disables the cache) and used only when it belongs to the
  user (its mode is then tightened to 0700); entries are reached through that
  open directory, never by path again;
* an entry is opened without following links and without blocking, and read
  only when it is a regular file of the user's, under :data:`MAX_ENTRY`;
* it starts with its key and a SHA-256 of its data's bytes as written (checked
  before they are decoded): an entry for another key, or
  edited by hand, is a miss; so is data the caller's ``load`` refuses (the
  schema check), and the scan then writes the entry again.

Entries are written atomically (a temporary file in the same directory,
renamed). A cache that cannot be used is skipped silently: it never fails a
scan.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Callable
from typing import Any, TypeVar

from epmigrate import __version__
from epmigrate.scan.codes import ALL as ALL_CODES
from epmigrate.scan.facts import ModuleFacts

MAX_ENTRY = 8 * 1024 * 1024
"""Largest entry read back (bytes)."""

_T = TypeVar("_T")
_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _FLAGS


def default_cache_dir() -> str:
    """``$XDG_CACHE_HOME/epmigrate``, by default ``~/.cache/epmigrate``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "epmigrate")


def content_hash(data: bytes) -> str:
    """The hash of a file's bytes that keys its entry."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _checksum(key: str, payload: bytes) -> str:
    """SHA-256 of the key and the stored data's bytes, exactly as written."""
    return hashlib.sha256(key.encode() + b"\0" + payload).hexdigest()


class Cache:
    """A directory of JSON entries, one per (file, size, mtime, content, version)."""

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory or default_cache_dir()
        self.hits = 0
        self.misses = 0
        self._fd: int | None = None
        self._unusable = False

    def __del__(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)

    def _key(self, path: str, st: os.stat_result, kind: str, digest: str) -> str:
        key = (
            f"{__version__}\0{kind}\0{os.path.abspath(path)}\0{st.st_size}\0"
            f"{st.st_mtime_ns}\0{digest}"
        )
        return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()

    def _top(self, create: bool) -> int | None:
        """The cache directory, open; ``None`` when it is missing or not safe to use."""
        if self._fd is not None or self._unusable:
            return self._fd
        try:
            if create:
                parent = os.path.dirname(os.path.abspath(self.directory))
                os.makedirs(parent, exist_ok=True)
                with contextlib.suppress(FileExistsError):
                    os.mkdir(self.directory, 0o700)
            fd = os.open(self.directory, _DIR_FLAGS)
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
            with contextlib.suppress(OSError):
                os.fchmod(fd, 0o700)
        self._fd = fd
        return fd

    def _subdir(self, name: str, create: bool) -> int | None:
        top = self._top(create)
        if top is None:
            return None
        try:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o700, dir_fd=top)
            fd = os.open(name, _DIR_FLAGS, dir_fd=top)
        except OSError:
            return None
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            os.close(fd)
            return None
        return fd

    def get(
        self,
        path: str,
        st: os.stat_result,
        kind: str,
        digest: str,
        load: Callable[[dict[str, Any]], _T],
    ) -> _T | None:
        """The stored entry for this version of the file, through ``load``; or ``None``.

        ``digest`` is :func:`content_hash` of the bytes read; ``load`` checks
        the entry's shape and builds the value (any ``KeyError``,
        ``TypeError``, ``ValueError``, ``IndexError`` or ``AttributeError``
        from it is a miss).
        """
        key = self._key(path, st, kind, digest)
        value = self._read(key, load)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def _read(self, key: str, load: Callable[[dict[str, Any]], _T]) -> _T | None:
        sub = self._subdir(key[:2], create=False)
        if sub is None:
            return None
        try:
            fd = os.open(f"{key}.json", os.O_RDONLY | os.O_NONBLOCK | _FLAGS, dir_fd=sub)
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
            # "KEY SUM\n" then the data's JSON: the sum is checked on the bytes
            # as stored, before they are decoded.
            header, _, payload = raw.partition(b"\n")
            if header != f"{key} {_checksum(key, payload)}".encode():
                return None
            data = json.loads(payload)
            if not isinstance(data, dict):
                return None
            return load(data)
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None
        finally:
            os.close(fd)

    def put(
        self, path: str, st: os.stat_result, kind: str, digest: str, data: dict[str, Any]
    ) -> None:
        """Store an entry; a cache that cannot be written is silently skipped."""
        key = self._key(path, st, kind, digest)
        sub = self._subdir(key[:2], create=True)
        if sub is None:
            return
        tmp = f".{key}.{secrets.token_hex(6)}.tmp"
        try:
            payload = json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _FLAGS, 0o600, dir_fd=sub)
            with os.fdopen(fd, "wb") as fh:
                fh.write(f"{key} {_checksum(key, payload)}\n".encode() + payload)
            os.replace(tmp, f"{key}.json", src_dir_fd=sub, dst_dir_fd=sub)
        except (OSError, ValueError):
            # A read-only or full cache directory must never fail a scan.
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=sub)
        finally:
            os.close(sub)


def _facts_of(data: Any) -> ModuleFacts:
    """Facts stored in a cache entry, or ``ValueError`` when they are not as stored."""
    facts = ModuleFacts.from_json(data)
    if json.loads(json.dumps(facts.to_json())) != data:
        raise ValueError("cache entry does not round-trip")
    return facts


def cst_entry(entry: dict[str, Any]) -> tuple[ModuleFacts | None, list[Any] | None]:
    """A scanned file's cache entry: its facts, or the finding its read gave."""
    if set(entry) == {"facts"}:
        return _facts_of(entry["facts"]), None
    error = entry["error"]
    if not (
        set(entry) == {"error"}
        and isinstance(error, list)
        and len(error) == 3
        and error[0] in ALL_CODES
        and (error[1] is None or type(error[1]) is int)
        and isinstance(error[2], str)
    ):
        raise ValueError("not a cache entry of a scanned file")
    return None, error


def ast_entry(entry: dict[str, Any]) -> tuple[ModuleFacts | None]:
    """A consulted module's cache entry: its facts, or ``None`` when it could not be read."""
    if set(entry) != {"facts"}:
        raise ValueError("not a cache entry of a consulted module")
    facts = entry["facts"]
    return (None if facts is None else _facts_of(facts),)
