"""The two front ends give the same facts: ``ast`` (fast) and libcst (fallback).

The scanner reads every file Python's own parser accepts with ``ast`` and
keeps libcst for files it refuses (grammar of another Python version). The
report must not depend on which one read a file, so on every file both
parse, the facts are equal: the real files of this repository and of the
real-code tier (``EPMIGRATE_REALWORLD_SITE``, a directory of installed
releases, when set) and programs generated from CPython's grammar.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import example, given

from epmigrate.scan import ast_facts, cst_facts
from tests.properties import examples

REPO = Path(__file__).resolve().parents[2]


def both(source: str) -> tuple[object, object] | None:
    """Facts from each front end, or ``None`` when one of them cannot parse it."""
    try:
        tree = ast.parse(source)
        module = cst_facts.parse_module(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
        return None
    try:
        from_cst = cst_facts.module_facts(module, tree)
    except RecursionError:
        return None
    return ast_facts.tree_facts(tree, source), from_cst


def python_files() -> list[Path]:
    roots = [REPO / "src", REPO / "tests" / "data", REPO / "sample_projects"]
    site = os.environ.get("EPMIGRATE_REALWORLD_SITE")
    if site:
        roots.append(Path(site))
    return sorted(p for root in roots for p in root.rglob("*.py"))


def test_same_facts_on_every_real_file() -> None:
    differ = []
    files = python_files()
    for path in files:
        source = path.read_bytes().decode("utf-8", "replace")
        pair = both(source)
        if pair is not None and pair[0] != pair[1]:
            differ.append(str(path))
    assert len(files) > 100
    assert differ == []


SHAPES = [
    "X = 'a' f'{Y}' 'b' + Z\n",
    "X = f'{Y=}'\nW = f'{Y!r}'\nV = f'{Y:>3}'\n",
    "X = None\nY = True\nZ = ...\nW = b'x'\nV = 1.5\nU = -1\n",
    "X = {'a': 1}\nY = [1]\nZ = a[0]\nW = f()\nV = f().g\nU = (lambda: 1)\n",
    "@ deco( 'x' )\n@other\nclass A(B, *rest):\n    alias = 'a' 'b'\n"
    "    def get_alias(self):\n        return self.alias + ( X )\n",
    "(a or b)()\nglobals().update(x=1)\nglobals()['k'] = 1\nobj.attr = 2\n",
]


@pytest.mark.parametrize("source", SHAPES)
def test_same_facts_on_the_shapes_that_differ_in_the_trees(source: str) -> None:
    pair = both(source)
    assert pair is not None
    assert pair[0] == pair[1]


@examples(150)
@given(hypothesmith.from_grammar())
@example("X = 'a' 'b'\n")
def test_same_facts_on_generated_programs(source: str) -> None:
    pair = both(source)
    if pair is not None:
        assert pair[0] == pair[1]
