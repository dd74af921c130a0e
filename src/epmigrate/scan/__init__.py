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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from epmigrate.model import Extension, Finding
from epmigrate.profiles import Profile, get_profile
from epmigrate.scan import memo
from epmigrate.scan.cache import Cache
from epmigrate.scan.locate import Located, Locator, default_search_path, package_of
from epmigrate.scan.reading import ListedFile, Reader, gc_paused, list_files, loose_name
from epmigrate.scan.result import ScanError, ScanResult

if TYPE_CHECKING:
    from epmigrate.scan.resolve import ClassT

__all__ = ["Cache", "Progress", "ScanError", "ScanResult", "scan"]

Progress = Callable[[int, int], None]
"""Called with (files done, files in all) as the scan reads files."""


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
    rules = get_profile(profile)
    directories = rules.paths(paths)
    if not directories:
        raise ScanError("no directory to scan", hint="name at least one directory")
    for directory in directories:
        if not os.path.isdir(directory):
            what = "is not a directory" if os.path.exists(directory) else "does not exist"
            raise ScanError(
                f"{directory} {what}", hint="pass the directory that holds the extensions"
            )
    base_names = frozenset(bases or rules.default_bases)
    if not base_names and (rules.base_check or rules.class_rule == "any"):
        raise ScanError(
            f"profile {rules.name!r} has no default base classes",
            hint="name them with --base package.module.Class",
        )
    # The collector is paused for the whole scan: facts are many small
    # acyclic objects that live until the end, and its passes over them
    # cost a third of a large scan for nothing.
    with gc_paused():
        places = {d: package_of(d) for d in directories}
        everywhere = default_search_path([p.root for p in places.values()], search_path)
        reader = Reader(recording=cache is not None)
        listed: list[Finding] = []
        files: list[ListedFile] = []
        for directory in directories:
            files.extend(list_files(directory, rules, places[directory], reader, listed))
        key = None
        if cache is not None:
            key = memo.scan_key(rules, directories, base_names, everywhere, group)
            stored = cache.get(key, memo.Stored) if key is not None else None
            found = stored and memo.reuse(stored, files, listed, reader, rules, everywhere)
            if found:
                cache.hits += 1
                return found
            cache.misses += 1
        # Resolution and judging are imported only now: a scan the cache
        # answers never needs them.
        from epmigrate.scan import judging
        from epmigrate.scan.resolve import Index

        locator = Locator(everywhere, recording=cache is not None)
        index = Index(locator, reader.consulted)
        for n, f in enumerate(files, 1):
            reader.scanned(f, rules)
            if f.facts is not None and f.module is not None:
                index.add(Located(f.module, f.item.path, f.item.stem == "__init__"), f.facts)
            elif f.facts is not None:
                index.add(Located(loose_name(f), f.item.path, False), f.facts)
            if progress is not None:
                progress(n, len(files))
        top = next((p.package for p in places.values() if p.package), None)
        chosen_group = group or rules.default_group(top.split(".")[0] if top else None)
        extensions: list[Extension] = []
        findings = list(listed)
        rejected: list[tuple[str, ClassT]] = []
        for f in files:
            extensions.extend(judging.judge(f, rules, index, base_names, chosen_group, rejected))
            findings.extend(f.findings)
        findings.extend(judging.duplicates(extensions, rules))
        findings.extend(judging.other_profiles(rejected, rules, index))
        result = ScanResult(
            profile=rules.name,
            group=chosen_group,
            paths=tuple(directories),
            extensions=tuple(extensions),
            findings=tuple(findings),
            files=len(files),
            missing_bases=tuple(
                base
                for base in sorted(base_names)
                if not base.startswith("*.") and locator.find(base.rpartition(".")[0]) is None
            ),
        )
        if cache is not None and key is not None:
            # What judging needed (every module's facts, the resolution
            # memos) goes before the entry is built: a large scan's entry is
            # as big again.
            del index, rejected
            for f in files:
                f.facts = None
            cache.put(key, memo.record(result, files, listed, reader, locator))
        return result
