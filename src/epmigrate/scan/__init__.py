"""The static scanner: what a legacy loader would load, without running it.

:func:`scan` lists each directory with the profile's rules
(:mod:`~epmigrate.scan.reading`), reads every file once (Python's ``ast``,
libcst for grammar this Python lacks), follows imports across modules with
:class:`~epmigrate.scan.resolve.Index`, judges each file by the profile
(:mod:`~epmigrate.scan.judging`) and returns a
:class:`~epmigrate.scan.result.ScanResult`. No scanned code runs: modules are
located on the search path and read as text, never imported. With a
:class:`~epmigrate.scan.cache.Cache`, a scan whose inputs and files are as
they were returns the stored result (:mod:`~epmigrate.scan.memo`).
"""

from __future__ import annotations

import os

from epmigrate.profiles import Profile, get_profile
from epmigrate.scan import memo
from epmigrate.scan.cache import Cache
from epmigrate.scan.locate import (
    Located,
    Locator,
    PackagePlace,
    default_search_path,
    package_of,
)
from epmigrate.scan.reading import ListedFile, Reader, gc_paused, list_files, loose_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from epmigrate.model import Extension, Finding
    from epmigrate.scan.resolve import ClassT
    from epmigrate.scan.result import ScanError, ScanResult

    Progress = Callable[[int, int], None]
    """Called with (files done, files in all) as the scan reads files."""

__all__ = [
    "Cache",
    "Lookup",
    "Progress",
    "ScanError",
    "ScanResult",
    "lookup",
    "scan",
]


def __getattr__(name: str) -> object:
    """``ScanResult``, ``ScanError`` and ``Progress``, imported when first asked for.

    A scan the cache answers on the command line (:mod:`epmigrate.quick`)
    never builds a result, so it never imports the model.
    """
    if name in ("ScanResult", "ScanError"):
        from epmigrate.scan import result

        return getattr(result, name)
    if name == "Progress":
        from collections.abc import Callable

        return Callable[[int, int], None]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Lookup:
    """A scan's inputs resolved, its files listed, and the cache asked.

    ``stored`` is the cache's entry when every dependency still holds
    (:func:`epmigrate.scan.memo.holds`), else ``None``.
    """

    __slots__ = (
        "base_names",
        "directories",
        "everywhere",
        "files",
        "key",
        "listed",
        "places",
        "reader",
        "rules",
        "stored",
    )

    def __init__(
        self,
        paths: str | Sequence[str],
        profile: str | Profile,
        bases: Sequence[str],
        search_path: Sequence[str],
        group: str | None,
        cache: Cache | None,
    ) -> None:
        self.rules = rules = get_profile(profile)
        self.directories = directories = rules.paths(paths)
        if not directories:
            _fail("no directory to scan", "name at least one directory")
        for directory in directories:
            if not os.path.isdir(directory):
                what = "is not a directory" if os.path.exists(directory) else "does not exist"
                _fail(f"{directory} {what}", "pass the directory that holds the extensions")
        self.base_names = frozenset(bases or rules.default_bases)
        if not self.base_names and (rules.base_check or rules.class_rule == "any"):
            _fail(
                f"profile {rules.name!r} has no default base classes",
                "name them with --base package.module.Class",
            )
        self.places: dict[str, PackagePlace] = {d: package_of(d) for d in directories}
        self.everywhere = default_search_path([p.root for p in self.places.values()], search_path)
        self.reader = Reader(recording=cache is not None)
        self.listed: list[Finding] = []
        self.files: list[ListedFile] = []
        for directory in directories:
            self.files.extend(
                list_files(directory, rules, self.places[directory], self.reader, self.listed)
            )
        self.key: str | None = None
        self.stored: memo.Stored | None = None
        if cache is not None:
            self.key = memo.scan_key(
                rules, directories, self.places.values(), self.base_names, self.everywhere, group
            )
            stored = cache.get(self.key, memo.Stored) if self.key is not None else None
            if stored is not None and memo.holds(
                stored, self.files, self.listed, self.reader, rules, self.everywhere
            ):
                self.stored = stored


def _fail(message: str, hint: str) -> None:
    from epmigrate.scan.result import ScanError

    raise ScanError(message, hint=hint)


def lookup(
    paths: str | Sequence[str],
    profile: str | Profile = "neutron",
    *,
    bases: Sequence[str] = (),
    search_path: Sequence[str] = (),
    group: str | None = None,
    cache: Cache,
) -> Lookup:
    """What :func:`scan` does before it reads a file's facts: the listing and the cache's answer.

    Raises :class:`~epmigrate.scan.result.ScanError` as :func:`scan` does.
    """
    return Lookup(paths, profile, bases, search_path, group, cache)


def scan(
    paths: str | Sequence[str],
    profile: str | Profile = "neutron",
    *,
    bases: Sequence[str] = (),
    search_path: Sequence[str] = (),
    group: str | None = None,
    cache: Cache | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan legacy extension directories the way ``profile``'s loader reads them.

    ``paths`` is a list of directories or a ``:``-joined string, as in a
    service config. ``bases`` overrides the profile's base classes (qualified
    names). ``search_path`` directories come first when resolving imports,
    before the scanned directories' import roots and this interpreter's
    ``sys.path``. ``cache=None`` disables the scan cache.
    """
    # The collector is paused for the whole scan: facts are many small
    # acyclic objects that live until the end, and its passes over them
    # cost a third of a large scan for nothing.
    with gc_paused():
        found = Lookup(paths, profile, bases, search_path, group, cache)
        if cache is not None:
            reused = memo.reuse(found.stored) if found.stored is not None else None
            if reused is not None and found.key is not None:
                cache.hits += 1
                cache.answered = (found.key, cache.checksums[found.key])
                return reused
            cache.misses += 1
            cache.answered = None
        return _scan_files(found, group, cache, progress)


def _scan_files(
    found: Lookup, group: str | None, cache: Cache | None, progress: Progress | None
) -> ScanResult:
    """Read every listed file's facts, judge each file, and store the result."""
    # Resolution, judging and the model are imported only now: a scan the
    # cache answers never needs them.
    from epmigrate.scan import judging
    from epmigrate.scan.resolve import Index
    from epmigrate.scan.result import ScanResult

    rules, files, reader = found.rules, found.files, found.reader
    locator = Locator(found.everywhere, recording=cache is not None)
    index = Index(locator, reader.consulted)
    for n, f in enumerate(files, 1):
        reader.scanned(f, rules)
        if f.facts is not None and f.module is not None:
            index.add(Located(f.module, f.item.path, f.item.stem == "__init__"), f.facts)
        elif f.facts is not None:
            index.add(Located(loose_name(f), f.item.path, False), f.facts)
        if progress is not None:
            progress(n, len(files))
    top = next((p.package for p in found.places.values() if p.package), None)
    chosen_group = group or rules.default_group(top.split(".")[0] if top else None)
    extensions: list[Extension] = []
    findings = list(found.listed)
    rejected: list[tuple[str, ClassT]] = []
    for f in files:
        extensions.extend(judging.judge(f, rules, index, found.base_names, chosen_group, rejected))
        findings.extend(f.findings)
    findings.extend(judging.duplicates(extensions, rules))
    findings.extend(judging.other_profiles(rejected, rules, index))
    result = ScanResult(
        profile=rules.name,
        group=chosen_group,
        paths=tuple(found.directories),
        extensions=tuple(extensions),
        findings=tuple(findings),
        files=len(files),
        missing_bases=tuple(
            base
            for base in sorted(found.base_names)
            if not base.startswith("*.") and locator.find(base.rpartition(".")[0]) is None
        ),
    )
    if cache is not None and found.key is not None and _cacheable(result, reader):
        # What judging needed (every module's facts, the resolution memos)
        # goes before the entry is built: a large scan's entry is as big again.
        del index, rejected
        for f in files:
            f.facts = None
        checksum = cache.put(found.key, memo.record(result, files, found.listed, reader, locator))
        if checksum is not None:
            cache.answered = (found.key, checksum)
    return result


def _cacheable(result: ScanResult, reader: Reader) -> bool:
    """Whether ``result`` may be stored: nothing in it was made under a shortage of memory.

    A file whose analysis ran out of memory is a finding of its own; stored,
    it would be replayed after the shortage is gone.
    """
    from epmigrate.scan import codes

    return not reader.exhausted and all(f.code != codes.RESOURCE_LIMIT for f in result.findings)
