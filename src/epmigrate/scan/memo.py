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

import os
import sys

from epmigrate import __version__
from epmigrate.scan.locate import Locator, PackagePlace
from epmigrate.scan.reading import ListedFile, Reader, blake2b, content_hash

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

    from epmigrate.model import Finding
    from epmigrate.profiles import Profile
    from epmigrate.scan.result import ScanResult

__all__ = ["Stored", "holds", "record", "reuse", "scan_key"]

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
        if set(data) != {"listing", "scanned", "consulted", "locator", "result"}:
            raise ValueError("not a stored scan")
        self.data = data
        self.listing: list[Any] = data["listing"]
        self.scanned: list[Any] = data["scanned"]
        self.consulted: dict[str, str | None] = data["consulted"]
        self.locator: dict[str, object] = data["locator"]
        if not (
            isinstance(self.listing, list)
            and isinstance(self.scanned, list)
            and isinstance(self.consulted, dict)
            and isinstance(self.locator, dict)
        ):
            raise ValueError("not a stored scan")


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
