"""What a write adds, keeps or replaces: one rule for every target kind.

* an entry with the same name and the same target is kept as it is;
* the same name with another target is a conflict, unless ``replace``;
* existing entries are never removed or reordered;
* new entries are added sorted by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

from epmigrate.entrypoints import (
    normalise_value,
    validate_group,
    validate_name,
    validate_value,
)
from epmigrate.errors import ConflictError
from epmigrate.model import EntryPointSpec

__all__ = ["EditResult", "Existing", "MergePlan", "Replacement", "group_by", "plan_merge"]


@dataclass(frozen=True)
class Existing:
    """An entry already in the file: its value and where it stands."""

    value: str
    line: int | None = None


@dataclass(frozen=True)
class Replacement:
    """An existing entry whose target a write changes (only with ``replace``)."""

    old: Existing
    new: EntryPointSpec


@dataclass(frozen=True)
class MergePlan:
    """The outcome of merging wanted entries of one group into a file."""

    group: str
    add: tuple[EntryPointSpec, ...]
    replace: tuple[Replacement, ...]
    kept: tuple[EntryPointSpec, ...]

    @property
    def changes(self) -> bool:
        """Whether the file changes at all."""
        return bool(self.add or self.replace)


def plan_merge(
    group: str,
    existing: Mapping[str, Existing],
    wanted: Sequence[EntryPointSpec],
    *,
    replace: bool = False,
    path: str | None = None,
) -> MergePlan:
    """Merge ``wanted`` entries of ``group`` into the ``existing`` ones.

    Raises :class:`ConflictError` naming both targets when an entry of the same
    name points elsewhere and ``replace`` is false, or when ``wanted`` itself
    names one entry twice with different targets.
    """
    add: dict[str, EntryPointSpec] = {}
    replaced: list[Replacement] = []
    kept: list[EntryPointSpec] = []
    validate_group(group)
    for spec in wanted:
        if spec.group != group:
            raise ValueError(f"entry point {spec} is not in group {group!r}")
        validate_name(spec.name)
        validate_value(spec.value)
        value = normalise_value(spec.value)
        if value != spec.value:
            spec = EntryPointSpec(group, spec.name, value)
        earlier = add.get(spec.name)
        if earlier is not None:
            if earlier.value != value:
                raise ConflictError(
                    f"two extensions want the entry-point name {spec.name!r} in group "
                    f"{group!r}: {earlier.value} and {value}",
                    path=path,
                    hint="rename one of the files, or write with --name alias",
                )
            continue
        old = existing.get(spec.name)
        if old is None:
            add[spec.name] = spec
        elif normalise_value(old.value) == value:
            kept.append(spec)
        elif replace:
            replaced.append(Replacement(old, spec))
        else:
            raise ConflictError(
                f"entry point {spec.name!r} in group {group!r} already points to "
                f"{old.value}, not {value}",
                path=path,
                line=old.line,
                hint=f"edit it by hand, or pass --replace to point it to {value}",
            )
    return MergePlan(
        group=group,
        add=tuple(sorted(add.values(), key=attrgetter("name"))),
        replace=tuple(replaced),
        kept=tuple(kept),
    )


def group_by(specs: Iterable[EntryPointSpec]) -> dict[str, list[EntryPointSpec]]:
    """Entry points by group, groups in first-seen order."""
    out: dict[str, list[EntryPointSpec]] = {}
    for spec in specs:
        out.setdefault(spec.group, []).append(spec)
    return out


@dataclass(frozen=True)
class EditResult:
    """What a rewriter produced: the new text and the plan per group.

    ``target`` names where the entries went, e.g. ``[options.entry_points]`` or
    ``[project.entry-points."group"]``, for messages.
    """

    original: str
    text: str
    plans: tuple[MergePlan, ...]
    target: str

    @property
    def changed(self) -> bool:
        """Whether the text differs from the original."""
        return self.text != self.original
