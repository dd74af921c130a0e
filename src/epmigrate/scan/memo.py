"""A scan's stored result and what it depends on, checked again before reuse.

A scan's result depends on its inputs (the directories as given, the
working directory, the profile, bases, group, the search path, the
interpreter and the epmigrate version) and on the file system: what the
profile lists, the bytes of every scanned and consulted file, and every
answer the :class:`~epmigrate.scan.locate.Locator` gave, "absent" included.
:func:`scan_key` hashes the inputs; :func:`record` keeps the rest next to the
result; :func:`reuse` asks the file system the same questions again (list,
read and hash every file, replay the locator) and gives the stored result
only when every answer is the same. Digests are of the bytes read, never of
sizes and times, so a file rewritten with the same size and time (as
reproducible archives do) is seen.
"""

from __future__ import annotations

import functools
import os
import sys

from epmigrate import __version__
from epmigrate.scan.locate import Locator, PackagePlace
from epmigrate.scan.reading import ListedFile, Reader, blake2b, content_hash

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

    from epmigrate.model import Finding
    from epmigrate.profiles import Profile
    from epmigrate.scan.result import ScanResult

__all__ = [
    "VERDICT_PACKAGES",
    "Stored",
    "code_fingerprint",
    "holds",
    "record",
    "reuse",
    "scan_key",
    "verdict_code_dirs",
]

FORMAT = 2
"""The layout of a stored scan; part of the key, so a new layout never reads an old one."""


def _canonical(value: object) -> object:
    """A profile field as JSON data that is the same in every process."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, frozenset | set):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    return repr(value)


def _profile_identity(prof: Profile) -> list[object] | None:
    """The profile's class, fields and, for a third party's class, its module's bytes.

    ``None`` when the module defining a third party's profile class cannot
    be read: its code may change what is listed, so nothing is reused.
    """
    kind = type(prof)
    identity: list[object] = [kind.__module__, kind.__qualname__, _canonical(list(prof))]
    if kind.__module__.split(".")[0] != "epmigrate":
        module = sys.modules.get(kind.__module__)
        path = getattr(module, "__file__", None)
        try:
            with open(str(path), "rb") as fh:
                identity.append(content_hash(fh.read()))
        except (OSError, TypeError):
            return None
    return identity


VERDICT_PACKAGES = ("epmigrate", "libcst")
"""The packages whose code makes a scan's verdict: epmigrate's own, and libcst's parser."""


def verdict_code_dirs() -> tuple[str, ...]:
    """The installed directories of :data:`VERDICT_PACKAGES`, found without importing them."""
    import importlib.util

    # This file is epmigrate/scan/memo.py: the package is two levels up.
    dirs = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
    for name in VERDICT_PACKAGES[1:]:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            dirs.append(os.path.dirname(spec.origin))
        else:
            dirs.append(f"<no {name}>")
    return tuple(dirs)


_CODE_SUFFIXES = (".py", ".so", ".pyd")


@functools.lru_cache(maxsize=8)
def _fingerprint(dirs: tuple[str, ...]) -> str:
    """Name, size and modification time (ns) of every code file under ``dirs``.

    epmigrate's package is walked whole (``__pycache__`` left out: writing
    bytecode changes no verdict); a library's top level only (its
    ``__init__``, version module and native parser, which every release
    rewrites). Stat only, read nothing: a cache hit must stay cheap. Once per
    process (the code cannot change under a running scan).
    """
    parts: list[object] = []
    for top, deep in zip(dirs, (True,) + (False,) * (len(dirs) - 1), strict=True):
        todo = [top]
        while todo:
            here = todo.pop()
            try:
                entries = sorted(os.scandir(here), key=lambda e: e.name)
            except OSError as exc:
                parts.append([here, exc.errno])
                continue
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if deep and entry.name != "__pycache__":
                            todo.append(entry.path)
                    elif entry.name.endswith(_CODE_SUFFIXES):
                        st = entry.stat()
                        parts.append([entry.path, st.st_size, st.st_mtime_ns])
                except OSError as exc:
                    parts.append([entry.path, exc.errno])
    return blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def code_fingerprint() -> str:
    """What a change to the code that makes a verdict changes (part of every cache key).

    After a libcst upgrade, or any change to epmigrate's own files under the
    same version number, no stored scan or replayed output made by the old
    code is reused.
    """
    return _fingerprint(verdict_code_dirs())


def scan_key(
    prof: Profile,
    paths: Sequence[str],
    places: Iterable[PackagePlace],
    bases: Iterable[str],
    search_path: Sequence[str],
    group: str | None,
) -> str | None:
    """The cache key of a scan with these inputs; ``None`` when none can be made.

    ``search_path`` is the whole list imports are resolved in (the user's
    directories, the scanned ones' roots and ``sys.path``).
    """
    identity = _profile_identity(prof)
    try:
        here = os.getcwd()
    except OSError:
        return None  # removed under us: relative paths would mean nothing
    if identity is None:
        return None
    inputs = [
        FORMAT,
        __version__,
        code_fingerprint(),
        sys.version,
        here,
        identity,
        list(paths),
        [os.path.abspath(p) for p in paths],
        [[place.package, place.root] for place in places],
        sorted(bases),
        list(search_path),
        group,
    ]
    # repr of lists of strings, numbers and None is the same in every process.
    return blake2b(repr(inputs).encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()


def _listing_record(files: Sequence[ListedFile], findings: Sequence[Finding]) -> list[Any]:
    """What listing the directories gave, as JSON data."""
    return [
        [[x.code, x.path, x.line, x.message] for x in findings],
        [
            [f.item.path, f.item.relpath, f.item.stem, list(f.item.subpackage), f.shown, f.module]
            for f in files
        ],
    ]


def record(
    result: ScanResult,
    files: Sequence[ListedFile],
    listing_findings: Sequence[Finding],
    reader: Reader,
    locator: Locator,
) -> dict[str, Any]:
    """The entry a scan stores: its result and everything it read to get it."""
    return {
        "listing": _listing_record(files, listing_findings),
        "scanned": [[digest, list(messages)] for digest, messages in reader.scanned_log],
        "consulted": reader.consulted_log,
        "locator": locator.answers(),
        "result": result.to_stored(),
    }


class Stored:
    """A stored entry, its shape checked, its result decoded only when reused."""

    __slots__ = ("consulted", "data", "listing", "locator", "scanned")

    def __init__(self, data: dict[str, Any]) -> None:
        # The whole shape, not only the top: an entry forged by the cache's
        # owner with a valid checksum must be a miss, never an exception
        # (an int as a consulted path would even be stat-ed as a descriptor).
        if not isinstance(data, dict) or set(data) != {
            "listing",
            "scanned",
            "consulted",
            "locator",
            "result",
        }:
            raise ValueError("not a stored scan")
        self.data = data
        self.listing: list[Any] = data["listing"]
        self.scanned: list[Any] = data["scanned"]
        self.consulted: dict[str, str | None] = data["consulted"]
        self.locator: dict[str, object] = data["locator"]
        if not (
            isinstance(self.listing, list)
            and _list_of(self.scanned, _observed)
            and _dict_of(self.consulted, _optional_str)
            and isinstance(data["result"], dict)
            and _locator_answers(self.locator)
        ):
            raise ValueError("not a stored scan")


def _list_of(value: object, item: Callable[[object], bool]) -> bool:
    return isinstance(value, list) and all(item(x) for x in value)


def _dict_of(value: object, item: Callable[[object], bool]) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and item(v) for k, v in value.items())


def _optional_str(value: object) -> bool:
    return value is None or isinstance(value, str)


def _observed(value: object) -> bool:
    """``[digest or None, [message, ...]]``, what :meth:`Reader.observe` gives."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and _optional_str(value[0])
        and _list_of(value[1], lambda m: isinstance(m, str))
    )


def _locator_answers(value: object) -> bool:
    """The shape :meth:`Locator.answers` gives."""
    if not isinstance(value, dict) or set(value) != {"added", "find", "exists"}:
        return False

    def added(x: object) -> bool:
        return (
            isinstance(x, list)
            and len(x) == 3
            and isinstance(x[0], str)
            and isinstance(x[1], str)
            and type(x[2]) is bool
        )

    return (
        _list_of(value["added"], added)
        and _dict_of(value["find"], _optional_str)
        and _dict_of(value["exists"], lambda x: type(x) is bool)
    )


def holds(
    stored: Stored,
    files: Sequence[ListedFile],
    listing_findings: Sequence[Finding],
    reader: Reader,
    prof: Profile,
    search_path: Sequence[str],
) -> bool:
    """Whether everything the stored scan depends on is as it was.

    ``files`` and ``listing_findings`` are this run's listing. Each scanned
    file is read again (on a copy: ``files`` keep no finding) and hashed,
    each consulted one too, and the locator's answers are asked again.
    """
    if stored.listing != _listing_record(files, listing_findings):
        return False
    if len(stored.scanned) != len(files):
        return False
    for f, was in zip(files, stored.scanned, strict=True):
        copy = ListedFile(f.directory, f.item, f.shown, f.module)
        (digest, messages), _ = reader.observe(copy, prof)
        if [digest, list(messages)] != was:
            return False
    for path, digest in stored.consulted.items():
        data = reader.consulted_source(path)
        if (None if data is None else content_hash(data)) != digest:
            return False
    try:
        return Locator.gives(search_path, stored.locator)
    except (KeyError, TypeError, ValueError):
        return False  # an entry of another shape: a miss, written again


def reuse(stored: Stored) -> ScanResult | None:
    """The stored result, once :func:`holds` said it still holds; ``None`` if it is not one."""
    from epmigrate.scan.result import ScanResult

    try:
        return ScanResult.from_stored(stored.data["result"])
    except (KeyError, TypeError, ValueError):
        return None  # an entry of another shape: a miss, written again
