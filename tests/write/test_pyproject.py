"""The pyproject.toml entry-point rewriter.

tomllib is the oracle: after a write, the file must read as the old data plus
exactly the written entries; and a diff of old and new text must show added
lines only (or, for inline tables and ``replace``, the one changed line).
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from epmigrate.errors import ConflictError, ParseError, TargetError
from epmigrate.model import EntryPointSpec
from epmigrate.write.merge import Existing
from epmigrate.write.pyproject import (
    add_entry_points,
    detect_style,
    entry_points_dynamic,
    existing_entry_points,
)
from tests.conftest import PipVenv, corpus_files

BOM = "\ufeff"


def ep(group: str, name: str, value: str) -> EntryPointSpec:
    return EntryPointSpec(group, name, value)


def target_of(data: dict[str, Any], group: str) -> tuple[str, ...]:
    """Where the build reads ``group`` from, as the rewriter must choose it."""
    poetry = data.get("tool", {}).get("poetry")
    if isinstance(poetry, dict) and ("plugins" in poetry or "project" not in data):
        if group == "console_scripts":
            return ("tool", "poetry", "scripts")
        return ("tool", "poetry", "plugins", group)
    scripts = {"console_scripts": "scripts", "gui_scripts": "gui-scripts"}
    if group in scripts:
        return ("project", scripts[group])
    return ("project", "entry-points", group)


def assert_reads_as_old_plus(
    before: str, after: str, specs: Sequence[EntryPointSpec], *, replace: bool = False
) -> None:
    """``after`` reads as ``before`` plus the entries, and nothing else changed."""
    old = tomllib.loads(before.removeprefix(BOM))
    expected = copy.deepcopy(old)
    for spec in specs:
        table = expected
        for part in target_of(old, spec.group):
            table = table.setdefault(part, {})
        if replace or spec.name not in table:
            table[spec.name] = spec.value
    assert tomllib.loads(after.removeprefix(BOM)) == expected


def diff(before: str, after: str) -> tuple[list[str], list[str]]:
    """Lines removed and lines added, as difflib sees them."""
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


# -- inputs that must come back unchanged -------------------------------------

NOOP = [
    pytest.param('[project]\nname = "x"\n', [], id="no specs"),
    pytest.param(
        '[project]\nname = "x"\n\n[project.entry-points."a.b"]\nfoo = "m:Foo"\n',
        [ep("a.b", "foo", "m:Foo")],
        id="entry already in a table",
    ),
    pytest.param(
        '[project]\nname = "x"\n\n[project.entry-points."a.b"]\nfoo = "m : Foo"\n',
        [ep("a.b", "foo", "m:Foo")],
        id="same target spelled with spaces",
    ),
    pytest.param(
        '[project.entry-points]\n"a.b" = {foo = "m:Foo"}\n\n[project]\nname = "x"\n',
        [ep("a.b", "foo", "m:Foo")],
        id="entry already in an inline table",
    ),
    pytest.param(
        '[project]\nname = "x"\nentry-points.g.foo = "m:Foo"\nscripts.cli = "m:main"\n',
        [ep("g", "foo", "m:Foo"), ep("console_scripts", "cli", "m:main")],
        id="entries already as dotted keys",
    ),
    pytest.param(
        '[tool.poetry]\nname = "x"\n\n[tool.poetry.plugins."a.b"]\nfoo = "m:Foo"\n',
        [ep("a.b", "foo", "m:Foo")],
        id="Poetry plugin already there",
    ),
    pytest.param(
        '[tool.poetry]\nname = "x"\n\n[tool.poetry.scripts]\ncli = { callable = "m:main" }\n',
        [ep("console_scripts", "cli", "m:main")],
        id="Poetry script as a table",
    ),
    pytest.param(
        '[project]\r\nname = "x"\r\n\r\n[project.scripts]\r\ncli = "m:main"\r\n',
        [ep("console_scripts", "cli", "m:main")],
        id="CRLF",
    ),
]


@pytest.mark.parametrize(("text", "specs"), NOOP)
def test_noop(text: str, specs: list[EntryPointSpec]) -> None:
    result = add_entry_points(text, specs)
    assert result.text == text
    assert not result.changed


# -- writes that only add lines -----------------------------------------------

ADDS_LINES = [
    pytest.param(
        '[project]\nname = "x"\n\n[project.urls]\nHome = "https://x"\n\n[tool.x]\na = 1\n',
        [ep("a.b", "zeta", "m:Z"), ep("a.b", "alpha", "m:A")],
        '[project]\nname = "x"\n\n[project.urls]\nHome = "https://x"\n\n'
        '[project.entry-points."a.b"]\nalpha = "m:A"\nzeta = "m:Z"\n\n[tool.x]\na = 1\n',
        id="new group after the last [project] table, sorted",
    ),
    pytest.param(
        '[project]\nname = "x"\n\n[project.entry-points.pytest11]\nz = "m:Z"\n'
        "# more to come\n\n[tool.x]\na = 1\n",
        [ep("pytest11", "b", "m:B"), ep("pytest11", "a", "m:A")],
        '[project]\nname = "x"\n\n[project.entry-points.pytest11]\nz = "m:Z"\na = "m:A"\n'
        'b = "m:B"\n# more to come\n\n[tool.x]\na = 1\n',
        id="existing group: appended after the entries, never reordered",
    ),
    pytest.param(
        '[project]\nname = "x"\n\n[project.entry-points."a.b"]\nfoo = "m:Foo"\n',
        [ep("a.b", "xdist.looponfail", "m:L"), ep("a.b", "PKG-INFO", "m:P")],
        '[project]\nname = "x"\n\n[project.entry-points."a.b"]\nfoo = "m:Foo"\n'
        'PKG-INFO = "m:P"\n"xdist.looponfail" = "m:L"\n',
        id="keys quoted only when needed",
    ),
    pytest.param(
        "[project]\nname = 'x'\n\n[project.entry-points.g]\nfoo='m:Foo'\n",
        [ep("g", "bar", "m:Bar")],
        "[project]\nname = 'x'\n\n[project.entry-points.g]\nfoo='m:Foo'\nbar='m:Bar'\n",
        id="spelled like the entry before it",
    ),
    pytest.param(
        '[project]\nname = "x"\n\n[project.entry-points.g1]\na = "m:A"\n\n'
        '[project.entry-points.g2]\nb = "m:B"\n\n[project.urls]\nHome = "h"\n',
        [ep("g3", "c", "m:C")],
        '[project]\nname = "x"\n\n[project.entry-points.g1]\na = "m:A"\n\n'
        '[project.entry-points.g2]\nb = "m:B"\n\n[project.entry-points.g3]\nc = "m:C"\n\n'
        '[project.urls]\nHome = "h"\n',
        id="new group next to the other groups",
    ),
    pytest.param(
        '[project]\nname = "x"\nentry-points.g1.a = "m:A"\nscripts.foo = "m:f"\n\n'
        "[tool.x]\na = 1\n",
        [ep("g2", "b", "m:B"), ep("g1", "c", "m:C"), ep("console_scripts", "bar", "m:bar")],
        '[project]\nname = "x"\nentry-points.g1.a = "m:A"\nentry-points.g1.c = "m:C"\n'
        'entry-points.g2.b = "m:B"\nscripts.foo = "m:f"\nscripts.bar = "m:bar"\n\n'
        "[tool.x]\na = 1\n",
        id="dotted keys in [project] stay dotted keys",
    ),
    pytest.param(
        '[project]\nname = "x"\nurls.Home = "h"\n\n[tool.x]\na = 1\n',
        [ep("g", "b", "m:B")],
        '[project]\nname = "x"\nurls.Home = "h"\n\n[project.entry-points.g]\nb = "m:B"\n\n'
        "[tool.x]\na = 1\n",
        id="other dotted keys: new table after them, not in between",
    ),
    pytest.param(
        '[project]\nname = "x"\n',
        [ep("console_scripts", "cli", "m:main"), ep("gui_scripts", "gui", "m:gui")],
        '[project]\nname = "x"\n\n[project.scripts]\ncli = "m:main"\n\n'
        '[project.gui-scripts]\ngui = "m:gui"\n',
        id="console_scripts and gui_scripts tables",
    ),
    pytest.param(
        '[project]\nname = "x"\n\n[project.scripts]\nold = "m:old"\n\n[tool.x]\na = 1\n',
        [ep("console_scripts", "new", "m:new")],
        '[project]\nname = "x"\n\n[project.scripts]\nold = "m:old"\nnew = "m:new"\n\n'
        "[tool.x]\na = 1\n",
        id="existing [project.scripts]",
    ),
    pytest.param(
        '[tool.poetry]\nname = "x"\n\n[tool.poetry.plugins."a.b"]\nfoo = "m:Foo"\n\n\n'
        "[tool.ruff]\nfix = true\n",
        [ep("a.b", "bar", "m:Bar"), ep("c", "baz", "m:Baz"), ep("console_scripts", "x", "m:x")],
        '[tool.poetry]\nname = "x"\n\n[tool.poetry.plugins."a.b"]\nfoo = "m:Foo"\nbar = "m:Bar"\n\n'
        '[tool.poetry.plugins.c]\nbaz = "m:Baz"\n\n[tool.poetry.scripts]\nx = "m:x"\n\n\n'
        "[tool.ruff]\nfix = true\n",
        id="Poetry plugins and scripts",
    ),
    pytest.param(
        '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "^3.9"\n\n'
        '[build-system]\nrequires = ["poetry-core"]\n',
        [ep("a.b", "foo", "m:Foo")],
        '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "^3.9"\n\n'
        '[tool.poetry.plugins."a.b"]\nfoo = "m:Foo"\n\n'
        '[build-system]\nrequires = ["poetry-core"]\n',
        id="Poetry without plugins yet",
    ),
    pytest.param(
        '[project]\r\nname = "x"\r\n\r\n[project.entry-points.g]\r\na = "m:A"\r\n\r\n'
        "[tool.x]\r\nb = 1\r\n",
        [ep("g", "c", "m:C"), ep("h", "d", "m:D")],
        '[project]\r\nname = "x"\r\n\r\n[project.entry-points.g]\r\na = "m:A"\r\nc = "m:C"\r\n'
        '\r\n[project.entry-points.h]\r\nd = "m:D"\r\n\r\n[tool.x]\r\nb = 1\r\n',
        id="CRLF kept for new lines",
    ),
    pytest.param(
        BOM + '[project]\nname = "x"\n',
        [ep("g", "a", "m:A")],
        BOM + '[project]\nname = "x"\n\n[project.entry-points.g]\na = "m:A"\n',
        id="BOM kept",
    ),
    pytest.param(
        '[project]\nname = "x"',
        [ep("g", "a", "m:A")],
        '[project]\nname = "x"\n\n[project.entry-points.g]\na = "m:A"',
        id="no final newline stays so",
    ),
    pytest.param(
        '[project]\nname = "x"\n\n[project.entry-points.g]\n  a = "m:A"  # the first\n',
        [ep("g", "b", "m:B")],
        '[project]\nname = "x"\n\n[project.entry-points.g]\n  a = "m:A"  # the first\n'
        '  b = "m:B"\n',
        id="indented entries and comments",
    ),
    pytest.param(
        '[project]\nname = "x"\ndescription = """\n[not.a.table]\nkey = "no"\n"""\n'
        'dependencies = [\n  "a",  # [comment]\n  "b",\n]\n\n[tool.x]\na = 1\n',
        [ep("g", "a", "m:A")],
        '[project]\nname = "x"\ndescription = """\n[not.a.table]\nkey = "no"\n"""\n'
        'dependencies = [\n  "a",  # [comment]\n  "b",\n]\n\n[project.entry-points.g]\n'
        'a = "m:A"\n\n[tool.x]\na = 1\n',
        id="brackets inside strings, arrays and comments",
    ),
]

ADDS_LINES += [
    pytest.param(
        '[ project ]  # the project\nname = "x"\n\n[ project . "entry-points" . g ]\t# g\n'
        '\ta = "m:A"\n',
        [ep("g", "b", "m:B")],
        '[ project ]  # the project\nname = "x"\n\n[ project . "entry-points" . g ]\t# g\n'
        '\ta = "m:A"\n\tb = "m:B"\n',
        id="spaced header, tab indent",
    ),
    pytest.param(
        'project.name = "x"\nproject.entry-points.g.a = "m:A"\n\n[tool.x]\na = 1\n',
        [ep("g", "b", "m:B"), ep("console_scripts", "cli", "m:main")],
        'project.name = "x"\nproject.entry-points.g.a = "m:A"\nproject.entry-points.g.b = "m:B"\n'
        'project.scripts.cli = "m:main"\n\n[tool.x]\na = 1\n',
        id="[project] as dotted keys at the top",
    ),
    pytest.param(
        '[project]\nname = "x"\nreleased = 1979-05-27 07:32:00Z\nreadme = """\n[x]\n"""""\n',
        [ep("g", "a", "m:A")],
        '[project]\nname = "x"\nreleased = 1979-05-27 07:32:00Z\nreadme = """\n[x]\n"""""\n\n'
        '[project.entry-points.g]\na = "m:A"\n',
        id="date-time with a space, quotes closing a multi-line string",
    ),
]

# -- writes that change one line in place --------------------------------------

CHANGES_A_LINE = [
    pytest.param(
        '[project]\nname = "x"\n\n[project.entry-points]\n"a.b" = {B = "b:B"}\n\n'
        '[project.optional-dependencies]\ndev = ["a"]\n',
        [ep("a.b", "new", "m:N"), ep("a.b", "C", "m:C")],
        '[project]\nname = "x"\n\n[project.entry-points]\n'
        '"a.b" = {B = "b:B", C = "m:C", new = "m:N"}\n\n'
        '[project.optional-dependencies]\ndev = ["a"]\n',
        id="inline group stays inline",
    ),
    pytest.param(
        '[project]\nname = "x"\nentry-points.g = { a = "m:A" }\n',
        [ep("g", "b", "m:B")],
        '[project]\nname = "x"\nentry-points.g = { a = "m:A", b = "m:B" }\n',
        id="dotted inline group",
    ),
    pytest.param(
        '[project]\nname = "x"\nentry-points = { g = { a = "m:A" } }\n',
        [ep("g", "b", "m:B"), ep("h", "c", "m:C")],
        '[project]\nname = "x"\nentry-points = { g = { a = "m:A", b = "m:B" }, h = {c = "m:C"} }\n',
        id="all groups in one inline table",
    ),
    pytest.param(
        '[project]\nname = "x"\nscripts = {}\n',
        [ep("console_scripts", "cli", "m:main")],
        '[project]\nname = "x"\nscripts = {cli = "m:main"}\n',
        id="empty inline table",
    ),
]


@pytest.mark.parametrize(("before", "specs", "after"), ADDS_LINES + CHANGES_A_LINE)
def test_add(before: str, specs: list[EntryPointSpec], after: str) -> None:
    result = add_entry_points(before, specs)
    assert result.text == after
    assert_reads_as_old_plus(before, after, specs)
    assert add_entry_points(after, specs).text == after


@pytest.mark.parametrize(("before", "specs", "after"), ADDS_LINES)
def test_diff_shows_added_lines_only(before: str, specs: list[EntryPointSpec], after: str) -> None:
    removed, added = diff(before, add_entry_points(before, specs).text)
    assert removed == []
    assert added


@pytest.mark.parametrize(("before", "specs", "after"), CHANGES_A_LINE)
def test_inline_changes_one_line(before: str, specs: list[EntryPointSpec], after: str) -> None:
    removed, added = diff(before, add_entry_points(before, specs).text)
    assert len(removed) == len(added) == 1


def test_target_names_the_tables() -> None:
    result = add_entry_points(
        '[project]\nname = "x"\n',
        [ep("a.b", "x", "m:X"), ep("pytest11", "y", "m:Y"), ep("console_scripts", "z", "m:z")],
    )
    assert result.target == (
        '[project.entry-points."a.b"], [project.entry-points.pytest11], [project.scripts]'
    )
    assert [(p.group, [s.name for s in p.add]) for p in result.plans] == [
        ("a.b", ["x"]),
        ("pytest11", ["y"]),
        ("console_scripts", ["z"]),
    ]


# -- replace -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            '[project]\nname = "x"\n\n[project.entry-points.g]\na = "m:Old"  # keep\nb = "m:B"\n',
            '[project]\nname = "x"\n\n[project.entry-points.g]\na = "m:New"  # keep\nb = "m:B"\n',
            id="table",
        ),
        pytest.param(
            "[project]\nname = 'x'\nentry-points.g = {a = 'm:Old', b = 'm:B'}\n",
            "[project]\nname = 'x'\nentry-points.g = {a = 'm:New', b = 'm:B'}\n",
            id="inline, literal string",
        ),
    ],
)
def test_replace_changes_the_one_value(before: str, after: str) -> None:
    specs = [ep("g", "a", "m:New")]
    result = add_entry_points(before, specs, replace=True)
    assert result.text == after
    assert [(r.old.value, r.new.value) for r in result.plans[0].replace] == [("m:Old", "m:New")]
    assert len(diff(before, after)[0]) == 1
    assert_reads_as_old_plus(before, after, specs, replace=True)


# -- refusals ----------------------------------------------------------------

NO_PROJECT_MESSAGE = (
    "{path}: pyproject.toml has no [project] table (and no Poetry table), so the build does "
    "not read entry points from it; they belong in setup.cfg ([entry_points] for pbr, "
    "[options.entry_points] for setuptools) or in setup.py entry_points=\n"
    "  hint: do not add a [project] table to this file: it changes how the build reads "
    "the whole project"
)


def test_no_project_table_refused() -> None:
    text = '[build-system]\nrequires = ["pbr>=6.0.0"]\nbuild-backend = "pbr.build"\n'
    with pytest.raises(TargetError) as info:
        add_entry_points(text, [ep("g", "a", "m:A")], path="proj/pyproject.toml")
    assert str(info.value) == NO_PROJECT_MESSAGE.format(path="proj/pyproject.toml")


@pytest.mark.parametrize(
    ("dynamic", "spec", "message"),
    [
        pytest.param(
            '"version", "entry-points"',
            ep("g", "a", "m:A"),
            "pyproject.toml:3: pyproject.toml lists 'entry-points' in project.dynamic, so the "
            "build takes entry points from setup.cfg or setup.py, not from this file",
            id="entry-points",
        ),
        pytest.param(
            '"scripts"',
            ep("console_scripts", "a", "m:A"),
            "pyproject.toml:3: pyproject.toml lists 'scripts' in project.dynamic, so the "
            "build takes console_scripts from setup.cfg or setup.py, not from this file",
            id="scripts",
        ),
        pytest.param(
            '"gui-scripts"',
            ep("gui_scripts", "a", "m:A"),
            "pyproject.toml:3: pyproject.toml lists 'gui-scripts' in project.dynamic, so the "
            "build takes gui_scripts from setup.cfg or setup.py, not from this file",
            id="gui-scripts",
        ),
    ],
)
def test_dynamic_refused(dynamic: str, spec: EntryPointSpec, message: str) -> None:
    text = f'[project]\nname = "x"\ndynamic = [{dynamic}]\n'
    with pytest.raises(TargetError) as info:
        add_entry_points(text, [spec], path="pyproject.toml")
    assert str(info.value) == (
        message + "\n  hint: write them to setup.cfg [options.entry_points] (or "
        "[entry_points] with pbr) or to setup.py, or take the field out of dynamic first"
    )


def test_dynamic_scripts_do_not_stop_plugins() -> None:
    text = '[project]\nname = "x"\ndynamic = ["scripts"]\n'
    result = add_entry_points(text, [ep("g", "a", "m:A")])
    assert result.text == text + '\n[project.entry-points.g]\na = "m:A"\n'


def test_conflict_names_both_targets() -> None:
    text = '[project]\nname = "x"\n\n[project.entry-points.g]\na = "m:Old"\n'
    with pytest.raises(ConflictError) as info:
        add_entry_points(text, [ep("g", "a", "m:New")], path="pyproject.toml")
    assert str(info.value) == (
        "pyproject.toml:5: entry point 'a' in group 'g' already points to m:Old, not m:New\n"
        "  hint: edit it by hand, or pass --replace to point it to m:New"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '[project]\nname = = "x"\n',
            "pyproject.toml:2:8: pyproject.toml is not valid TOML: Unexpected character: '='",
            id="bad value",
        ),
        pytest.param(
            '[project]\nname = "x"\n[project]\n',
            'pyproject.toml:3:1: pyproject.toml is not valid TOML: Key "project" already exists.',
            id="table twice",
        ),
        pytest.param(
            '[project\nname = "x"\n',
            "pyproject.toml:1:9: pyproject.toml is not valid TOML: Unexpected character: '\\n'",
            id="unclosed header",
        ),
    ],
)
def test_invalid_toml(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        add_entry_points(text, [ep("g", "a", "m:A")], path="pyproject.toml")
    assert str(info.value) == (
        message + "\n  hint: fix the TOML syntax there first; nothing was written"
    )


def test_group_that_is_not_a_table_refused() -> None:
    text = '[project]\nname = "x"\nscripts = "oops"\n'
    with pytest.raises(TargetError) as info:
        add_entry_points(text, [ep("console_scripts", "a", "m:A")], path="pyproject.toml")
    assert str(info.value) == (
        "pyproject.toml:3: [project.scripts] in pyproject.toml is not a table\n"
        "  hint: fix it by hand first"
    )


# -- reading -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "style"),
    [
        pytest.param('[project]\nname = "x"\n', "project", id="project"),
        pytest.param('[tool.poetry]\nname = "x"\n', "poetry", id="poetry"),
        pytest.param(
            '[project]\nname = "x"\n[tool.poetry.plugins.g]\na = "m:A"\n',
            "poetry",
            id="project with Poetry plugins",
        ),
        pytest.param('[project]\nname = "x"\n[tool.poetry]\n', "project", id="project and poetry"),
        pytest.param('[build-system]\nrequires = ["pbr"]\n', "none", id="none"),
        pytest.param("", "none", id="empty"),
    ],
)
def test_detect_style(text: str, style: str) -> None:
    assert detect_style(text) == style


def test_entry_points_dynamic() -> None:
    assert entry_points_dynamic('[project]\ndynamic = ["version", "entry-points"]\n')
    assert not entry_points_dynamic('[project]\ndynamic = ["version", "scripts"]\n')
    assert not entry_points_dynamic("[tool.x]\na = 1\n")


def test_existing_entry_points() -> None:
    text = (
        '[project]\nname = "x"\nscripts.cli = "m:main"\n\n'
        '[project.entry-points]\n"a.b" = {B = "b:B"}\n\n'
        '[project.entry-points.c]\n"x.y" = "m : XY"\n\n[project.gui-scripts]\ng = "m:g"\n'
    )
    assert existing_entry_points(text) == {
        "a.b": {"B": Existing("b:B", 6)},
        "c": {"x.y": Existing("m : XY", 9)},
        "console_scripts": {"cli": Existing("m:main", 3)},
        "gui_scripts": {"g": Existing("m:g", 12)},
    }


def test_existing_poetry_entry_points() -> None:
    text = (
        '[tool.poetry]\nname = "x"\n[tool.poetry.scripts]\na = "m:a"\n'
        'b = { callable = "m:b" }\nc = { reference = "bin/c", type = "file" }\n'
        '[tool.poetry.plugins."p.q"]\nd = "m:D"\n'
    )
    assert existing_entry_points(text) == {
        "p.q": {"d": Existing("m:D", 8)},
        "console_scripts": {"a": Existing("m:a", 4), "b": Existing("m:b", 5)},
    }


def test_existing_none_style() -> None:
    assert existing_entry_points("[tool.x]\na = 1\n") == {}


# -- the shared corpus -----------------------------------------------------------

CORPUS_CHANGED_LINES = {
    # The group is an inline table: the new entry joins it on its line.
    "PyCQA__flake8-bugbear__pyproject.toml": [
        '"flake8.extension" = {B = "bugbear:BugBearChecker"}'
    ],
}


@pytest.mark.corpus
def test_corpus(corpus_dir: Path) -> None:
    files = corpus_files(corpus_dir, ".toml")
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        specs = [
            ep("epmigrate.corpus", "beta", "epmigrate_corpus.mod:Beta"),
            ep("epmigrate.corpus", "alpha", "epmigrate_corpus.mod:Alpha"),
            ep("console_scripts", "epmigrate-corpus", "epmigrate_corpus.cli:main"),
        ]
        existing = existing_entry_points(text)
        for group in existing:
            specs.append(ep(group, "epmigrate-extra", "epmigrate_corpus.mod:Extra"))
        if detect_style(text) == "none":
            with pytest.raises(TargetError) as info:
                add_entry_points(text, specs, path=str(path))
            assert info.value.message.startswith(
                f"{path.name} has no [project] table (and no Poetry table), so the build "
                "does not read entry points from it"
            ), path.name
            continue
        result = add_entry_points(text, specs, path=str(path))
        removed, added = diff(text, result.text)
        assert removed == CORPUS_CHANGED_LINES.get(path.name, []), path.name
        assert len(added) >= len(specs) + len(removed), path.name
        assert_reads_as_old_plus(text, result.text, specs)
        assert add_entry_points(result.text, specs, path=str(path)).text == result.text
        assert list(existing_entry_points(result.text)["epmigrate.corpus"]) == ["alpha", "beta"]


@pytest.mark.corpus
def test_corpus_ceilometer_refused(corpus_dir: Path) -> None:
    path = corpus_dir / "openstack__ceilometer__pyproject.toml"
    with pytest.raises(TargetError) as info:
        add_entry_points(path.read_text(encoding="utf-8"), [ep("g", "a", "m:A")], path=str(path))
    assert str(info.value) == NO_PROJECT_MESSAGE.replace(
        "pyproject.toml has", "openstack__ceilometer__pyproject.toml has"
    ).format(path=path)


# -- a real build reads what was written -----------------------------------------


@pytest.mark.venv
def test_pip_installs_written_entry_points(test_venv: PipVenv, tmp_path: Path) -> None:
    project = tmp_path / "epmigrate_pyproject_writer_demo"
    project.mkdir()
    (project / "epm_pyproject_demo.py").write_text(
        "class Alpha:\n    pass\n\n\ndef main():\n    return 0\n"
    )
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "epmigrate-pyproject-writer-demo"\nversion = "1.0"\n\n'
        '[tool.setuptools]\npy-modules = ["epm_pyproject_demo"]\n'
    )
    result = add_entry_points(
        pyproject.read_text(),
        [
            ep("epmigrate.pyproject_demo", "alpha", "epm_pyproject_demo:Alpha"),
            ep("console_scripts", "epm-pyproject-demo", "epm_pyproject_demo:main"),
        ],
    )
    pyproject.write_text(result.text)
    test_venv.install(project)
    out = test_venv.run(
        "-c",
        "from importlib.metadata import entry_points as eps\n"
        "print([(e.name, e.value, e.load().__name__) "
        "for e in eps(group='epmigrate.pyproject_demo')])\n"
        "print([e.value for e in eps(group='console_scripts', name='epm-pyproject-demo')])",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == (
        "[('alpha', 'epm_pyproject_demo:Alpha', 'Alpha')]\n['epm_pyproject_demo:main']\n"
    )
