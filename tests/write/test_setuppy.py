"""The setup.py entry-point rewriter.

Every output is compared as text; a diff of old and new shows added lines only
when the call is laid out one item per line.
"""

from __future__ import annotations

import ast
import difflib
from pathlib import Path

import pytest

from epmigrate.errors import ConflictError, ParseError, TargetError
from epmigrate.model import EntryPointSpec
from epmigrate.write.merge import Existing
from epmigrate.write.setuppy import (
    SetupCall,
    add_entry_points,
    existing_entry_points,
    find_setup_call,
)
from tests.conftest import PipVenv

BOM = "\ufeff"


def ep(group: str, name: str, value: str) -> EntryPointSpec:
    return EntryPointSpec(group, name, value)


def entry_points_value(text: str) -> object:
    """The ``entry_points=`` of the one setup() call, evaluated."""
    for node in ast.walk(ast.parse(text.removeprefix(BOM))):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "entry_points":
                    return ast.literal_eval(keyword.value)
    return None


def removed_lines(before: str, after: str) -> list[str]:
    return [
        line[2:]
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line.startswith("- ")
    ]


# -- inputs that must come back unchanged -------------------------------------

NOOP = [
    pytest.param("from setuptools import setup\nsetup(name='x')\n", [], id="no specs"),
    pytest.param(
        'from setuptools import setup\nsetup(entry_points={"g": ["a = m:A"]})\n',
        [ep("g", "a", "m:A")],
        id="entry in a list",
    ),
    pytest.param(
        'from setuptools import setup\nsetup(entry_points={"g": ["a=m : A"]})\n',
        [ep("g", "a", "m:A")],
        id="same target spelled otherwise",
    ),
    pytest.param(
        'from setuptools import setup\nsetup(entry_points={"g": """\n    a = m:A\n"""})\n',
        [ep("g", "a", "m:A")],
        id="entry in a string",
    ),
    pytest.param(
        'from setuptools import setup\r\nsetup(\r\n    entry_points={"g": ["a = m:A"]},\r\n)\r\n',
        [ep("g", "a", "m:A")],
        id="CRLF",
    ),
]


@pytest.mark.parametrize(("text", "specs"), NOOP)
def test_noop(text: str, specs: list[EntryPointSpec]) -> None:
    result = add_entry_points(text, specs)
    assert result.text == text
    assert not result.changed


# -- (before, specs, after) ------------------------------------------------------

ADDS_LINES = [
    pytest.param(
        "from setuptools import setup\n\nsetup(\n"
        '    name="x",  # the name\n'
        "    entry_points={\n"
        '        "g": [\n'
        '            "b = m:B",  # first\n'
        '            # "old = m:Old",\n'
        "        ],\n"
        "    },\n"
        ")\n",
        [ep("g", "d", "m:D"), ep("g", "c", "m:C"), ep("g", "b", "m:B")],
        "from setuptools import setup\n\nsetup(\n"
        '    name="x",  # the name\n'
        "    entry_points={\n"
        '        "g": [\n'
        '            "b = m:B",  # first\n'
        '            # "old = m:Old",\n'
        '            "c = m:C",\n'
        '            "d = m:D",\n'
        "        ],\n"
        "    },\n"
        ")\n",
        id="literal list: one per line, comments kept",
    ),
    pytest.param(
        "from setuptools import setup\n\nsetup(\n"
        '    entry_points={\n        "g": """\n            a = m:A\n        """,\n    },\n)\n',
        [ep("g", "b", "m:B")],
        "from setuptools import setup\n\nsetup(\n"
        '    entry_points={\n        "g": """\n            a = m:A\n            b = m:B\n'
        '        """,\n    },\n)\n',
        id="literal string of lines",
    ),
    pytest.param(
        "from setuptools import setup\n\nsetup(\n"
        '    entry_points={\n        "g": [\n            "a = m:A",\n        ],\n    },\n)\n',
        [ep("h", "b", "m:B")],
        "from setuptools import setup\n\nsetup(\n"
        '    entry_points={\n        "g": [\n            "a = m:A",\n        ],\n'
        '        "h": [\n            "b = m:B",\n        ],\n    },\n)\n',
        id="missing group added in the dict's layout",
    ),
    pytest.param(
        'from setuptools import setup\n\nif __name__ == "__main__":\n'
        '    setup(\n        name="x",\n        version="1.0",  # released\n    )\n',
        [ep("g", "a", "m:A"), ep("console_scripts", "cli", "m:main")],
        'from setuptools import setup\n\nif __name__ == "__main__":\n'
        '    setup(\n        name="x",\n        version="1.0",  # released\n'
        "        entry_points={\n"
        '            "g": [\n                "a = m:A",\n            ],\n'
        '            "console_scripts": [\n                "cli = m:main",\n            ],\n'
        "        },\n    )\n",
        id="missing entry_points kwarg, indented block",
    ),
    pytest.param(
        "from setuptools import setup\r\n\r\nsetup(\r\n    name='x',\r\n"
        "    entry_points={\r\n        'g': [\r\n            'a=m:A',\r\n        ],\r\n"
        "    },\r\n)\r\n",
        [ep("g", "b", "m:B"), ep("h", "c", "m:C")],
        "from setuptools import setup\r\n\r\nsetup(\r\n    name='x',\r\n"
        "    entry_points={\r\n        'g': [\r\n            'a=m:A',\r\n            'b=m:B',\r\n"
        "        ],\r\n        'h': [\r\n            'c=m:C',\r\n        ],\r\n    },\r\n)\r\n",
        id="CRLF and the file's spelling of entries",
    ),
    pytest.param(
        BOM + "from setuptools import setup\nsetup(\n    name='x',\n)\n",
        [ep("g", "a", "m:A")],
        BOM + "from setuptools import setup\nsetup(\n    name='x',\n"
        "    entry_points={\n        'g': [\n            'a = m:A',\n        ],\n    },\n)\n",
        id="BOM kept",
    ),
]

CHANGES_LINES = [
    pytest.param(
        "import setuptools\n\nsetuptools.setup(\n    name='x',\n    version='1'\n)\n",
        [ep("g", "a", "m:A")],
        "import setuptools\n\nsetuptools.setup(\n    name='x',\n    version='1',\n"
        "    entry_points={\n        'g': [\n            'a = m:A'\n        ]\n    }\n)\n",
        id="no trailing comma: the last argument gets one",
    ),
    pytest.param(
        'from setuptools import setup as s\ns(name="x", entry_points={"g": ["a = m:A"]})\n',
        [ep("g", "b", "m:B"), ep("h", "c", "m:C")],
        "from setuptools import setup as s\n"
        's(name="x", entry_points={"g": ["a = m:A", "b = m:B"], "h": ["c = m:C"]})\n',
        id="one-line call stays one line; aliased import",
    ),
    pytest.param(
        'from setuptools import setup\nsetup(name="x", entry_points={"g": "a = m:A\\nb = m:B"})\n',
        [ep("g", "c", "m:C")],
        "from setuptools import setup\n"
        'setup(name="x", entry_points={"g": "a = m:A\\nb = m:B\\nc = m:C"})\n',
        id="one-line string with escaped newlines",
    ),
    pytest.param(
        'from setuptools import setup\nsetup(name="x", version="1")\n',
        [ep("g", "a", "m:A")],
        'from setuptools import setup\nsetup(name="x", version="1", entry_points={\n'
        '    "g": [\n        "a = m:A",\n    ],\n})\n',
        id="one-line call without entry_points",
    ),
    pytest.param(
        "from setuptools import setup\nsetup()\n",
        [ep("g", "a", "m:A")],
        'from setuptools import setup\nsetup(entry_points={\n    "g": [\n        "a = m:A",\n'
        "    ],\n})\n",
        id="setup() without arguments",
    ),
    pytest.param(
        "from setuptools import setup\nsetup(name = 'x', entry_points = {})\n",
        [ep("g", "a", "m:A")],
        "from setuptools import setup\nsetup(name = 'x', entry_points = {\n    'g': [\n"
        "        'a = m:A',\n    ],\n})\n",
        id="empty dict",
    ),
    pytest.param(
        'from setuptools import setup\nsetup(entry_points={"g": ("a = m:A",)})\n',
        [ep("g", "b", "m:B")],
        'from setuptools import setup\nsetup(entry_points={"g": ("a = m:A", "b = m:B",)})\n',
        id="tuple",
    ),
    pytest.param(
        "from setuptools import setup\n"
        'setup(name="x",\n      entry_points={"g": ["a = m:A",\n'
        '                          "b = m:B"]})\n',
        [ep("g", "c", "m:C")],
        "from setuptools import setup\n"
        'setup(name="x",\n      entry_points={"g": ["a = m:A",\n'
        '                          "b = m:B",\n'
        '                          "c = m:C"]})\n',
        id="hanging indent",
    ),
    pytest.param(
        "from setuptools import *\nsetup(name='x')\n",
        [ep("g", "a", "m:A")],
        "from setuptools import *\nsetup(name='x', entry_points={\n    'g': [\n"
        "        'a = m:A',\n    ],\n})\n",
        id="star import",
    ),
]


@pytest.mark.parametrize(("before", "specs", "after"), ADDS_LINES + CHANGES_LINES)
def test_add(before: str, specs: list[EntryPointSpec], after: str) -> None:
    result = add_entry_points(before, specs)
    assert result.text == after
    assert add_entry_points(after, specs).text == after
    # What setuptools would read: every entry there, nothing else changed.
    old = entry_points_value(before) or {}
    new = entry_points_value(after)
    assert isinstance(old, dict) and isinstance(new, dict)
    for group, entries in old.items():
        assert str(new[group]).startswith(str(entries).rstrip(")]"))


@pytest.mark.parametrize(("before", "specs", "after"), ADDS_LINES)
def test_multi_line_diff_adds_lines_only(
    before: str, specs: list[EntryPointSpec], after: str
) -> None:
    assert removed_lines(before, add_entry_points(before, specs).text) == []


def test_result_plans_and_target() -> None:
    result = add_entry_points(
        'from setuptools import setup\nsetup(entry_points={"g": ["a = m:A"]})\n',
        [ep("g", "a", "m:A"), ep("g", "b", "m:B")],
        path="pkg/setup.py",
    )
    assert result.target == "setup.py setup(entry_points=...)"
    assert [s.name for s in result.plans[0].add] == ["b"]
    assert [s.name for s in result.plans[0].kept] == ["a"]


# -- replace -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "from setuptools import setup\nsetup(\n    entry_points={\n        'g': [\n"
            "            'a = m:Old',  # keep\n            'b = m:B',\n        ],\n    },\n)\n",
            "from setuptools import setup\nsetup(\n    entry_points={\n        'g': [\n"
            "            'a = m:New',  # keep\n            'b = m:B',\n        ],\n    },\n)\n",
            id="list",
        ),
        pytest.param(
            'from setuptools import setup\nsetup(\n    entry_points={\n        "g": """\n'
            '            a=m:Old\n            b = m:B\n        """,\n    },\n)\n',
            'from setuptools import setup\nsetup(\n    entry_points={\n        "g": """\n'
            '            a=m:New\n            b = m:B\n        """,\n    },\n)\n',
            id="string",
        ),
    ],
)
def test_replace_changes_one_line(before: str, after: str) -> None:
    result = add_entry_points(before, [ep("g", "a", "m:New")], replace=True)
    assert result.text == after
    assert len(removed_lines(before, after)) == 1


# -- refusals ----------------------------------------------------------------

HAND_LINES = (
    '    "g": [\n        "a = m:A",\n        "b = m:B",\n    ],\n'
    '    "h": [\n        "c = m:C",\n    ],'
)
SPECS = [ep("g", "b", "m:B"), ep("g", "a", "m:A"), ep("h", "c", "m:C")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "from setuptools import setup\nEP = {}\n"
            "setup(\n    name='x',\n    entry_points=EP,\n)\n",
            "setup.py:5: entry_points= in setup.py is EP, not a literal dict of lists of "
            "strings, so epmigrate cannot add to it\n"
            "  hint: add these entries by hand where it is built:\n" + HAND_LINES,
            id="a name",
        ),
        pytest.param(
            "from setuptools import setup\nsetup(entry_points=read_entry_points())\n",
            "setup.py:2: entry_points= in setup.py is read_entry_points(), not a literal dict "
            "of lists of strings, so epmigrate cannot add to it\n"
            "  hint: add these entries by hand where it is built:\n" + HAND_LINES,
            id="a call",
        ),
        pytest.param(
            "from setuptools import setup\nsetup(\n    entry_points={\n"
            "        g: [e for e in v] for g, v in GROUPS.items()\n    },\n)\n",
            "setup.py:3: entry_points= in setup.py is not literal, not a literal dict of lists "
            "of strings, so epmigrate cannot add to it\n"
            "  hint: add these entries by hand where it is built:\n" + HAND_LINES,
            id="a comprehension",
        ),
        pytest.param(
            'from setuptools import setup\nsetup(entry_points={"g": ["a = m:A", *MORE]})\n',
            "setup.py:2: group 'g' of entry_points= in setup.py is built by code "
            '(["a = m:A", *MORE]), so epmigrate cannot add to it\n'
            "  hint: add these entries by hand where it is built:\n" + HAND_LINES,
            id="a starred element",
        ),
        pytest.param(
            "from setuptools import setup\nkw = {}\nsetup(\n    name='x',\n    **kw\n)\n",
            "setup.py:5: setup() in setup.py takes **kwargs, which may hold entry_points, so "
            "epmigrate cannot add entry_points= safely\n"
            "  hint: add these entries by hand where entry_points is built:\n" + HAND_LINES,
            id="**kwargs",
        ),
        pytest.param(
            "def setup(**kw):\n    pass\n\nsetup(name='x')\n",
            "setup.py: setup.py has no setup() call from setuptools to add entry points to\n"
            "  hint: add them to setup.cfg [options.entry_points] (or [entry_points] with pbr) "
            "or to pyproject.toml [project.entry-points]",
            id="not setuptools' setup",
        ),
        pytest.param(
            "from setuptools import setup\n"
            "if X:\n    setup(name='a')\nelse:\n    setup(name='b')\n",
            "setup.py:3: setup.py calls setup() 2 times (lines 3, 5); epmigrate does not "
            "choose one\n  hint: add these entries by hand to each call's entry_points=:\n"
            + HAND_LINES,
            id="two calls",
        ),
    ],
)
def test_refused(text: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        add_entry_points(text, SPECS, path="setup.py")
    assert str(info.value) == message


def test_syntax_error() -> None:
    with pytest.raises(ParseError) as info:
        add_entry_points(
            "from setuptools import setup\nsetup(name='x',\n", SPECS, path="pkg/setup.py"
        )
    assert str(info.value) == (
        "pkg/setup.py:2:6: setup.py is not valid Python: '(' was never closed\n"
        "  hint: fix the syntax error first; nothing was written"
    )


def test_conflict_names_both_targets() -> None:
    text = 'from setuptools import setup\nsetup(\n    entry_points={"g": ["a = m:Old"]},\n)\n'
    with pytest.raises(ConflictError) as info:
        add_entry_points(text, [ep("g", "a", "m:New")], path="setup.py")
    assert str(info.value) == (
        "setup.py:3: entry point 'a' in group 'g' already points to m:Old, not m:New\n"
        "  hint: edit it by hand, or pass --replace to point it to m:New"
    )


# -- reading -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "call"),
    [
        pytest.param(
            "import setuptools as st\n\nst.setup(\n    name='x',\n    entry_points={'g': []},\n)\n",
            SetupCall(line=3, has_entry_points=True, literal=True, entry_points_line=5),
            id="literal",
        ),
        pytest.param(
            "from setuptools import setup\nsetup(name='x', entry_points=EPS)\n",
            SetupCall(
                line=2,
                has_entry_points=True,
                literal=False,
                entry_points_line=2,
                expression="EPS",
            ),
            id="a name",
        ),
        pytest.param(
            "from distutils.core import setup\n\nsetup(name='x', **extra)\n",
            SetupCall(line=3, has_entry_points=False, literal=False, star_kwargs_line=3),
            id="distutils, **kwargs",
        ),
        pytest.param("from setuptools import setup\n", None, id="imported, never called"),
    ],
)
def test_find_setup_call(text: str, call: SetupCall | None) -> None:
    assert find_setup_call(text) == call


def test_existing_entry_points() -> None:
    text = (
        "from setuptools import setup\n"
        "setup(\n"
        "    entry_points={\n"
        '        "g": ["a = m:A", "b=m:B"],\n'
        '        "h": """\n'
        "            c = m:C\n"
        "\n"
        "            # d = m:D\n"
        "            e = m:E\n"
        '        """,\n'
        '        "i": SOMETHING,\n'
        "    },\n"
        ")\n"
    )
    assert existing_entry_points(text) == {
        "g": {"a": Existing("m:A", 4), "b": Existing("m:B", 4)},
        "h": {"c": Existing("m:C", 6), "e": Existing("m:E", 9)},
    }
    assert existing_entry_points("print('no setup')\n") == {}


# -- a real build reads what was written -----------------------------------------


@pytest.mark.venv
def test_pip_installs_written_entry_points(test_venv: PipVenv, tmp_path: Path) -> None:
    project = tmp_path / "epmigrate_setuppy_writer_demo"
    project.mkdir()
    (project / "epm_setuppy_demo.py").write_text("class Alpha:\n    pass\n")
    # No [project] table: setuptools reads everything from setup.py.
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    setup_py = project / "setup.py"
    setup_py.write_text(
        "from setuptools import setup\n\nsetup(\n"
        '    name="epmigrate-setuppy-writer-demo",\n'
        '    version="1.0",\n'
        '    py_modules=["epm_setuppy_demo"],\n'
        ")\n"
    )
    result = add_entry_points(
        setup_py.read_text(),
        [
            ep("epmigrate.setuppy_demo", "beta", "epm_setuppy_demo:Alpha"),
            ep("epmigrate.setuppy_demo", "alpha", "epm_setuppy_demo:Alpha"),
        ],
    )
    setup_py.write_text(result.text)
    test_venv.install(project)
    out = test_venv.run(
        "-c",
        "from importlib.metadata import entry_points as eps\n"
        "print(sorted((e.name, e.value, e.load().__name__) "
        "for e in eps(group='epmigrate.setuppy_demo')))",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == (
        "[('alpha', 'epm_setuppy_demo:Alpha', 'Alpha'), "
        "('beta', 'epm_setuppy_demo:Alpha', 'Alpha')]\n"
    )


@pytest.mark.parametrize(
    "name",
    [
        pytest.param('say "hi"', id="double quote"),
        pytest.param("it's", id="single quote"),
        pytest.param("back\\slash", id="backslash"),
        pytest.param("tab\there", id="control character"),
        pytest.param("a#b;c", id="comment characters inside"),
    ],
)
def test_names_the_spec_allows_are_escaped_in_the_literal(name: str) -> None:
    text = "from setuptools import setup\n\nsetup(name='svc')\n"
    spec = EntryPointSpec("svc.plugins", name, "svc.mod:Cls")
    result = add_entry_points(text, [spec])
    call = ast.parse(result.text).body[1]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    (keyword,) = [k for k in call.value.keywords if k.arg == "entry_points"]
    assert ast.literal_eval(keyword.value) == {"svc.plugins": [f"{name} = svc.mod:Cls"]}


def test_a_group_built_by_code_is_left_alone_when_another_is_added() -> None:
    # csvkit 2.2.0: console_scripts is a comprehension; a new group goes beside it.
    text = (
        "from setuptools import setup\n"
        "setup(\n    entry_points={\n        'console_scripts': [\n"
        "            f'{b} = m:main' for b in BINS\n        ],\n    },\n)\n"
    )
    result = add_entry_points(text, [ep("g", "a", "m:A")], path="setup.py")
    assert result.text == text.replace(
        "        ],\n    },",
        "        ],\n        'g': [\n            'a = m:A',\n        ],\n    },",
    )


def test_entry_points_passed_through_kwargs_make_setup_py_the_target(tmp_path: Path) -> None:
    # coverage 7.18.0: setup_args = dict(..., entry_points={...}); setup(**setup_args).
    from epmigrate.write import target

    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n")
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\n\nsetup_args = dict(\n    name='x',\n"
        "    entry_points={'console_scripts': ['x = x:main']},\n)\n\nsetup(**setup_args)\n"
    )
    chosen = target.choose(str(tmp_path))
    assert chosen.kind == "setup.py"
    assert "passes entry_points to setup() through **kwargs (set on line 5)" in chosen.reason


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            # pyflakes 4.1.0: one of two dicts, picked by whether setuptools imports.
            "try:\n    from setuptools import setup\nexcept ImportError:\n"
            "    from distutils.core import setup\n    extra = {'scripts': ['bin/x']}\n"
            "else:\n    extra = {\n        'entry_points': {\n"
            "            'console_scripts': ['x = x:main'],\n        },\n    }\n\n"
            "setup(name='x', **extra)\n",
            "try:\n    from setuptools import setup\nexcept ImportError:\n"
            "    from distutils.core import setup\n    extra = {'scripts': ['bin/x']}\n"
            "else:\n    extra = {\n        'entry_points': {\n"
            "            'console_scripts': ['x = x:main'],\n"
            "            'g': [\n                'a = m:A'\n            ],\n        },\n    }\n\n"
            "setup(name='x', **extra)\n",
            id="**extra dict",
        ),
        pytest.param(
            # youtube-dl 2021.12.17: params['entry_points'] = {...}.
            "from setuptools import setup\nparams = {}\n"
            "params['entry_points'] = {'console_scripts': ['y = y:main']}\nsetup(**params)\n",
            "from setuptools import setup\nparams = {}\n"
            "params['entry_points'] = {'console_scripts': ['y = y:main'], 'g': ['a = m:A']}\n"
            "setup(**params)\n",
            id="params subscript",
        ),
        pytest.param(
            # Paste 3.10.1: the entry points as entry_points.txt text.
            'from setuptools import setup\nsetup(\n    entry_points="""\n'
            '      [p.app]\n      main = p:main\n      """,\n)\n',
            'from setuptools import setup\nsetup(\n    entry_points="""\n'
            "      [p.app]\n      main = p:main\n\n      [g]\n      a = m:A\n"
            '      """,\n)\n',
            id="a string",
        ),
        pytest.param(
            # nltk 3.10.4: a module-level string bound once.
            'from setuptools import setup\nEPS = """\n[console_scripts]\nn=n.cli:cli\n"""\n'
            "setup(entry_points=EPS)\n",
            'from setuptools import setup\nEPS = """\n[console_scripts]\nn=n.cli:cli\n\n'
            '[g]\na = m:A\n"""\nsetup(entry_points=EPS)\n',
            id="a name bound to a string",
        ),
    ],
)
def test_entry_points_reaching_setup_another_way(before: str, after: str) -> None:
    result = add_entry_points(before, [ep("g", "a", "m:A")], path="setup.py")
    assert result.text == after
    ast.parse(result.text)
    again = add_entry_points(result.text, [ep("g", "a", "m:A")], path="setup.py")
    assert not again.changed


def test_a_string_with_escapes_is_refused() -> None:
    text = "from setuptools import setup\nsetup(entry_points='[c]\\na = b:c\\n')\n"
    with pytest.raises(TargetError) as info:
        add_entry_points(text, [ep("g", "a", "m:A")], path="setup.py")
    assert "is a string with escapes or a prefix" in str(info.value)


def test_one_kwargs_dict_reaching_two_setup_calls() -> None:
    # coverage 7.18.0: setup(**setup_args) in a try, and again in its except.
    text = (
        "from setuptools import setup\n"
        "setup_args = dict(\n    name='c',\n    entry_points={\n"
        "        'console_scripts': [f'c{V} = c:main'],\n    },\n)\n"
        "try:\n    setup(**setup_args)\nexcept Exception:\n    setup(**setup_args)\n"
    )
    result = add_entry_points(text, [ep("g", "a", "m:A")], path="setup.py")
    assert result.text == text.replace(
        "        'console_scripts': [f'c{V} = c:main'],\n",
        "        'console_scripts': [f'c{V} = c:main'],\n        'g': [\n"
        "            'a = m:A'\n        ],\n",
    )
