"""How the metadata after a write is compared with the metadata before plus the plan."""

from __future__ import annotations

from pathlib import Path

from epmigrate.model import EntryPointSpec as EP
from epmigrate.write import metadata
from tests.write.test_write_metadata import inline_project

OLD = EP("g", "old", "m:Old")
NEW = EP("g", "new", "m:New")


def kinds(diffs: tuple[metadata.Difference, ...]) -> list[tuple[str, str]]:
    return [(d.kind, d.name) for d in diffs]


def test_after_equal_to_before_plus_plan_has_no_difference() -> None:
    assert metadata.compare([OLD], [OLD, NEW], [NEW]) == ()
    # Order is the backend's: it does not count.
    assert metadata.compare([OLD], [NEW, OLD], [NEW]) == ()


def test_each_kind_of_difference() -> None:
    other = EP("h", "x", "m:X")
    diffs = metadata.compare(
        [OLD, other], [EP("g", "old", "m:Changed"), EP("z", "u", "m:U")], [NEW]
    )
    assert kinds(diffs) == [
        ("missing", "new"),
        ("changed", "old"),
        ("removed", "x"),
        ("unexpected", "u"),
    ]
    assert diffs[1].describe() == "[g] old is m:Changed in the built metadata, not m:Old"


def test_replace_lets_a_planned_entry_repoint_an_existing_one() -> None:
    repointed = EP("g", "old", "m:Elsewhere")
    assert metadata.compare([OLD], [repointed], [repointed], replace=True) == ()
    assert kinds(metadata.compare([OLD], [repointed], [repointed])) == [("changed", "old")]


def test_the_cause_goes_with_the_planned_entries_only() -> None:
    diffs = metadata.compare([OLD], [], [NEW], cause="the build ignores setup.cfg")
    assert [(d.kind, d.cause) for d in diffs] == [
        ("missing", "the build ignores setup.cfg"),
        ("removed", None),
    ]


def test_the_library_call_builds_both_copies(tmp_path: Path) -> None:
    pyproject = inline_project(tmp_path)
    text = pyproject.read_text()
    new = text + '\n[project.entry-points."g"]\nnew = "m:New"\n'
    result = metadata.check(str(tmp_path), str(pyproject), new, [NEW])
    assert result.ok
    assert result.backend == "inline_backend"
    assert (result.before, result.after) == ((), (NEW,))
    assert pyproject.read_text() == text
