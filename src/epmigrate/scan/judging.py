"""Judging: what the profile's loader does with each file's classes.

For each file, :func:`judge` applies the profile's naming rule and base
check through the :class:`~epmigrate.scan.resolve.Index`, reads the alias the
loader would see, and notes every risk a migration must know about;
:func:`duplicates` and :func:`other_profiles` look across files.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from epmigrate.model import Extension, Finding, Status
from epmigrate.profiles import Profile
from epmigrate.scan import codes
from epmigrate.scan.facts import ClassBinding
from epmigrate.scan.reading import ListedFile, loose_name
from epmigrate.scan.resolve import ClassT, ExternalT, FunctionT, Index, Unresolved, base_matches

__all__ = ["RETURN_THE_CLASS", "duplicates", "judge", "other_profiles"]


def judge(
    f: ListedFile,
    prof: Profile,
    index: Index,
    bases: frozenset[str],
    group: str,
    rejected: list[tuple[str, ClassT]],
) -> list[Extension]:
    """The extensions ``f`` holds by ``prof``'s rules; its findings go to ``f.findings``.

    Classes the base check rejects are added to ``rejected`` (for
    :func:`other_profiles`).
    """
    facts = f.facts
    if facts is None:
        return _unknown(f, prof, group)
    helper_at: int | None = None
    module_name = f.module or loose_name(f)
    out: list[Extension] = []
    expected = prof.expected_class(f.item.stem)
    if expected is not None:
        # The class statement's own name when there is one: every extension
        # keeps its class name.
        expected = sys.intern(expected)
    loaded_here: set[str] = set()

    def make(cls_name: str, line: int, status: Status, alias: tuple[str | None, str]) -> Extension:
        return Extension(
            path=f.shown,
            line=line,
            module=f.module,
            class_name=cls_name,
            name=f.item.stem,
            group=group,
            alias=alias[0],
            alias_reason=alias[1] or None,
            status=status,
        )

    stem_fails = prof.import_by == "stem" and bool(facts.relative_imports)
    if stem_fails:
        f.findings.append(codes.relative_import(f.shown, facts.relative_imports[0], f.item.stem))

    if expected is not None:
        binding = facts.bindings.get(expected)
        if binding is None and not (facts.stars or facts.dynamic):
            helper_at = len(f.findings)
            f.findings.append(codes.helper_file(f.shown, expected, prof))
        else:
            target = index.resolve(module_name, expected)
            line = binding.line if binding else 1
            if isinstance(target, ClassT):
                verdict = index.derives(target, bases)
                alias = _alias(index, target, prof)
                decoration = _decoration(index, target)
                if stem_fails:
                    status = Status.NEVER_LOADED
                elif decoration is not None and (not prof.base_check or verdict.derives):
                    status = Status.UNVERIFIED
                    f.findings.append(codes.decorated(f.shown, line, expected, *decoration))
                elif not prof.base_check or verdict.derives:
                    status = Status.LOADED
                elif verdict.derives is None:
                    status = Status.UNVERIFIED
                    f.findings.append(
                        codes.base_unresolved(f.shown, line, expected, verdict.reason)
                    )
                else:
                    status = Status.NOT_EXTENSION
                    f.findings.append(codes.not_extension(f.shown, line, expected, bases))
                    rejected.append((f.shown, target))
                out.append(make(expected, line, status, alias))
                loaded_here.add(target.qualname)
                if target.module == module_name:
                    loaded_here.update(c.qualname for c in index.mro(target)[0])
            else:
                reason = (
                    target.reason
                    if isinstance(target, Unresolved | ExternalT)
                    else f"{expected} is not a class"
                )
                f.findings.append(codes.base_unresolved(f.shown, line, expected, reason))
                out.append(make(expected, line, Status.UNVERIFIED, (None, reason)))

    # Classes of this file that derive from a base but that the rule never
    # reaches (or, for the subclass profile, that it loads).
    for name, binding in facts.bindings.items():
        if not isinstance(binding, ClassBinding) or name == expected:
            continue
        cls = ClassT(module_name, binding.cls)
        if cls.qualname in loaded_here or binding.cls.abstract or base_matches(cls.qualname, bases):
            continue
        verdict = index.derives(cls, bases)
        if expected is None:
            decoration = _decoration(index, cls) if verdict.derives else None
            if decoration is not None:
                f.findings.append(codes.decorated(f.shown, binding.line, name, *decoration))
                out.append(make(name, binding.line, Status.UNVERIFIED, _alias(index, cls, prof)))
            elif verdict.derives:
                out.append(make(name, binding.line, Status.LOADED, _alias(index, cls, prof)))
            elif verdict.derives is None:
                f.findings.append(
                    codes.base_unresolved(f.shown, binding.line, name, verdict.reason)
                )
        elif verdict.derives:
            f.findings.append(codes.never_loaded(f.shown, binding.line, name, expected, prof))
            if helper_at is not None:
                # Not a helper after all: its extension classes are named.
                f.findings[helper_at] = codes.helper_file(
                    f.shown, expected, prof, extension_classes=True
                )
            out.append(make(name, binding.line, Status.NEVER_LOADED, _alias(index, cls, prof)))

    if expected is None and len(out) > 1:
        out = [replace(e, name=f"{e.name}.{e.class_name}") for e in out]
    told = {x.message for x in f.findings if x.code == codes.BASE_UNRESOLVED}
    for ext in out:
        if ext.alias is not None or ext.status is Status.NOT_EXTENSION:
            continue
        reason = ext.alias_reason or "no reason known"
        if not any(reason in message for message in told):
            f.findings.append(codes.alias_unknown(f.shown, ext.line, ext.class_name, reason))
    for call in facts.calls:
        f.findings.append(codes.import_time_call(f.shown, call, prof, f.module, f.item.stem))
    return out


RETURN_THE_CLASS = frozenset(
    {
        ("six.add_metaclass", True),
        ("functools.total_ordering", False),
        ("dataclasses.dataclass", False),
        ("dataclasses.dataclass", True),
        ("typing.final", False),
        ("typing_extensions.final", False),
        ("debtcollector.removals.removed_class", True),
    }
)
"""Class decorators known to return the class they get (or one like it, with
the same name and bases): ``(qualified name, called with arguments)``."""


def _decoration(index: Index, cls: ClassT) -> tuple[str, str] | None:
    """The first decorator of ``cls`` not known to return the class, and why not."""
    for decorator in cls.cls.decorators:
        if not decorator.name:
            return decorator.text, "not a plain name"
        target = index.resolve(cls.module, decorator.name)
        if isinstance(target, ClassT | FunctionT | ExternalT):
            if (target.qualname, decorator.called) in RETURN_THE_CLASS:
                continue
            return decorator.text, f"{target.qualname} is not known to return the class"
        if isinstance(target, Unresolved):
            return decorator.text, target.reason
        return decorator.text, "not a function"
    return None


def _alias(index: Index, cls: ClassT, prof: Profile) -> tuple[str | None, str]:
    """The alias the loader would read, or ``(None, reason)``."""
    chain, stop = index.mro(cls)
    sources = [s for s in prof.alias_sources if s != "api_definition"]
    for klass in chain:
        for source in sources:
            if source == "get_alias" and source in klass.cls.returns:
                return index.evaluate(klass.module, klass.cls.returns[source], cls)
            if source == "alias" and source in klass.cls.attrs:
                return index.evaluate(klass.module, klass.cls.attrs[source], cls)
    if "api_definition" in prof.alias_sources:
        # APIExtensionDescriptor.get_alias() returns api_definition.ALIAS; when
        # that base cannot be read, the same rule is applied here.
        for klass in chain:
            if "api_definition" in klass.cls.attrs:
                return index.evaluate(klass.module, ("ref", "cls.api_definition.ALIAS"), cls)
    where = " or ".join(prof.alias_sources)
    return None, stop or f"no {where} found on {cls.cls.name} or its bases"


def duplicates(extensions: Sequence[Extension], prof: Profile) -> list[Finding]:
    """Loaded extensions whose alias or name an earlier one already has."""
    out: list[Finding] = []
    first_alias: dict[str, Extension] = {}
    first_name: dict[str, Extension] = {}
    for ext in extensions:
        if ext.status is not Status.LOADED:
            continue
        if ext.alias is not None:
            kept = first_alias.setdefault(ext.alias, ext)
            if kept is not ext:
                out.append(codes.duplicate_alias(ext, kept, prof))
        kept = first_name.setdefault(ext.name, ext)
        if kept is not ext:
            out.append(codes.duplicate_name(ext, kept))
    return out


def other_profiles(
    rejected: Sequence[tuple[str, ClassT]], prof: Profile, index: Index
) -> list[Finding]:
    """Suggest a built-in profile whose bases the rejected classes derive from."""
    if not rejected:
        return []
    from epmigrate.profiles import builtin_profiles

    out: list[Finding] = []
    for other in builtin_profiles():
        if other.name == prof.name:
            continue
        for base in other.default_bases:
            if base in prof.default_bases:
                continue
            paths = [
                path
                for path, cls in rejected
                if index.derives(cls, frozenset({base})).derives
                and other.expected_class(os.path.splitext(os.path.basename(path))[0])
                == cls.cls.name
            ]
            if paths:
                out.append(codes.other_profile(paths, base, other, prof))
                return out
    return out


_UNKNOWN = frozenset({codes.SCANNER_LIMIT, codes.RESOURCE_LIMIT})
"""Findings of a file that Python may well load but whose facts the scan has not."""


def _unknown(f: ListedFile, prof: Profile, group: str) -> list[Extension]:
    """The extension a file the scanner could not read may hold: unverified, never left out.

    A file Python refuses holds none (the loader fails on it); one that is
    too large or too deep for the scanner may hold the class the profile
    expects, so it is reported as unverified, and write leaves it out unless
    told to (``--allow-unverified``).
    """
    expected = prof.expected_class(f.item.stem)
    code = next((x.code for x in f.findings if x.code in _UNKNOWN), None)
    if expected is None or code is None:
        return []
    reason = f"the scanner could not read the file ({code} {codes.TABLE[code].name})"
    return [
        Extension(
            path=f.shown,
            line=1,
            module=f.module,
            class_name=expected,
            name=f.item.stem,
            group=group,
            alias=None,
            alias_reason=reason,
            status=Status.UNVERIFIED,
        )
    ]
