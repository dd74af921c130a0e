"""Content cache for per-file facts.

Keyed on the file's absolute path, size, ``mtime_ns`` and the epmigrate
version, so an edited file, a moved tree or a new release never sees stale
facts. Entries are written atomically; a corrupt entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Any

from epmigrate import __version__


def default_cache_dir() -> str:
    """``$XDG_CACHE_HOME/epmigrate``, by default ``~/.cache/epmigrate``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "epmigrate")


class Cache:
    """A directory of JSON entries, one per (file, size, mtime, version)."""

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory or default_cache_dir()
        self.hits = 0
        self.misses = 0

    def _entry(self, path: str, st: os.stat_result, kind: str) -> str:
        key = f"{__version__}\0{kind}\0{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}"
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
        return os.path.join(self.directory, digest[:2], digest + ".json")

    def get(self, path: str, st: os.stat_result, kind: str) -> dict[str, Any] | None:
        """The stored entry for this version of the file, or ``None``."""
        try:
            with open(self._entry(path, st, kind), encoding="utf-8") as fh:
                data: dict[str, Any] = json.load(fh)
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return data

    def put(self, path: str, st: os.stat_result, kind: str, data: dict[str, Any]) -> None:
        """Store an entry; a cache that cannot be written is silently skipped."""
        entry = self._entry(path, st, kind)
        try:
            os.makedirs(os.path.dirname(entry), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(entry), suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, separators=(",", ":"))
            os.replace(tmp, entry)
        except OSError:
            # A read-only or full cache directory must never fail a scan.
            return
