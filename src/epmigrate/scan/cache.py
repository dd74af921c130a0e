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
* it starts with its key and a SHA-256 of its data's bytes as written (checked
  before they are decoded): an entry for another key, or edited by hand, is a
  miss; so is data the caller's ``load`` refuses (the schema check), and the
  scan then writes the entry again.

Entries are written atomically (a temporary file in the same directory,
renamed). A cache that cannot be used is skipped silently: it never fails a
scan.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import json
import os
import stat
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

__all__ = ["MAX_ENTRY", "Cache", "default_cache_dir"]

MAX_ENTRY = 1024 * 1024 * 1024
"""Largest entry read back (bytes): a scan of 60,000 files stores about 30 MB."""

_T = TypeVar("_T")
_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _FLAGS


def default_cache_dir() -> str:
    """``$XDG_CACHE_HOME/epmigrate``, by default ``~/.cache/epmigrate``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "epmigrate")


def _checksum(key: str, payload: bytes) -> str:
    """SHA-256 of the key and the stored data's bytes, exactly as written."""
    return hashlib.sha256(key.encode() + b"\0" + payload).hexdigest()


class Cache:
    """A directory of JSON entries, one per scan key (see :mod:`epmigrate.scan.memo`).

    ``hits`` and ``misses`` count the scans that found a stored result, and
    those that did not (nothing stored, or a dependency changed).
    """

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

    def put(self, key: str, data: dict[str, Any]) -> None:
        """Store an entry; a cache that cannot be written is silently skipped.

        The entry's text is the same as ``json.dumps(data)`` (compact, ASCII)
        gives, but it is encoded and written one top-level value at a time, so
        that a large scan's entry never exists as one whole string and a copy
        of it in bytes: the header, whose checksum covers every byte after it,
        is written last, over a placeholder of the same length.
        """
        sub = self._subdir(key[:2], create=True)
        if sub is None:
            return
        tmp = f".{key}.{os.urandom(6).hex()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _FLAGS, 0o600, dir_fd=sub)
            with os.fdopen(fd, "wb") as fh:
                placeholder = len(f"{key} {_checksum(key, b'')}\n".encode())
                fh.write(b" " * placeholder)
                digest = hashlib.sha256(key.encode() + b"\0")
                for part in _json_parts(data):
                    digest.update(part)
                    fh.write(part)
                fh.seek(0)
                fh.write(f"{key} {digest.hexdigest()}\n".encode())
            os.replace(tmp, f"{key}.json", src_dir_fd=sub, dst_dir_fd=sub)
        except (OSError, ValueError):
            # A read-only or full cache directory must never fail a scan.
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=sub)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=sub)
            raise
        finally:
            os.close(sub)


_BATCH = 2048
"""Items of a list or large dict encoded together when an entry is written."""


def _json_parts(value: object) -> Iterator[bytes]:
    """``json.dumps(value)`` (compact, ASCII) as bytes, in parts.

    A small dict is written value by value, a list or a large dict
    :data:`_BATCH` items at a time: no part holds more than that many of a
    list's items, however many the list has.
    """
    if isinstance(value, dict) and 0 < len(value) <= 16:
        if not all(isinstance(name, str) for name in value):
            raise TypeError("an entry's keys are strings")
        for n, (name, item) in enumerate(value.items()):
            yield f"{',' if n else '{'}{_dumps(name)}:".encode()
            yield from _json_parts(item)
        yield b"}"
    elif isinstance(value, list | dict) and len(value) > _BATCH:
        if isinstance(value, dict) and not all(isinstance(name, str) for name in value):
            raise TypeError("an entry's keys are strings")
        items = iter(value.items()) if isinstance(value, dict) else iter(value)
        for start in range(0, len(value), _BATCH):
            chunk = list(itertools.islice(items, _BATCH))
            text = _dumps(dict(chunk) if isinstance(value, dict) else chunk)
            # Each chunk is a whole list (or object): its brackets are the
            # whole value's only at the ends.
            yield (("," if start else text[0]) + text[1:-1]).encode()
        yield b"}" if isinstance(value, dict) else b"]"
    else:
        yield _dumps(value).encode()


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode
