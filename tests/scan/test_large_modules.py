"""A large consulted module is parsed a run of statements at a time, with the same facts.

``ast_facts.module_facts`` parses a module longer than ``_PIECE`` characters
in pieces that end before a line starting at column 0; a piece that ends or
starts inside a statement does not parse, and then the module is parsed
whole. Either way the facts are those of one ``ast.parse`` of the module.
The tests make pieces tiny so that every construct below meets a boundary.
"""

from __future__ import annotations

import ast

import hypothesmith
import pytest
from hypothesis import given

from epmigrate.scan import ast_facts
from epmigrate.scan.facts import ModuleFacts
from tests.properties import examples


def whole(source: str | bytes) -> ModuleFacts:
    return ast_facts.tree_facts(ast.parse(source), source)


SPLITS = [
    "".join(f"ALIAS_{n} = 'thing-{n}'\nPLUGIN_{n} = ALIAS_{n} + 's'\n" for n in range(300)),
    # Bracket and backslash continuations with lines at column 0 inside them.
    "A = 1\nB = [\n'x',\n'y',\n]\nC = 'a' \\\n'b'\nclass K(\nBase):\n    alias = B\nD = C\n",
    # Clauses and decorators that continue a statement from column 0.
    "if X:\n    A = 1\nelse:\n    A = 2\ntry:\n    import b\nexcept ImportError:\n"
    "    b = None\nfinally:\n    pass\n@deco\n\nclass E(F):\n    pass\nG = E\n",
    # A string whose lines at column 0 look like code.
    'DOC = """\nA = 1\nclass B:\n    pass\n"""\nA = DOC\nB = 2\n',
    # Comments and blank lines at the boundaries; an unknown value late on.
    "# c\n\nA = 1\n# c\nB = A\n\n\nC = {'k': 1}\n" + "D = 'x'\n" * 50 + "E = f()\n",
]


@pytest.mark.parametrize("source", SPLITS)
def test_pieces_give_the_facts_of_the_whole_module(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ast_facts, "_PIECE", 8)
    assert ast_facts.module_facts(source) == whole(source)
    assert ast_facts.module_facts(source.encode()) == whole(source.encode())


def test_a_large_module_is_read_in_pieces_with_its_own_line_numbers() -> None:
    source = SPLITS[0] * 100  # 60,000 names bound twice each: about 1.7 MB
    pieces = ast_facts._piecewise_facts(source)
    assert pieces is not None
    assert pieces == whole(source)
    assert pieces.bindings["PLUGIN_299"].line == source.count("\n")


def test_the_module_is_decoded_by_its_coding_cookie(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ast_facts, "_PIECE", 8)
    source = "# -*- coding: latin-1 -*-\nA = 'caf\xe9'\n" + "B = A\n" * 20 + "C = f(\n)\n"
    data = source.encode("latin-1")
    facts = ast_facts.module_facts(data)
    assert facts == whole(data)
    assert facts.bindings["A"].expr == ("str", "caf\xe9")  # type: ignore[union-attr]


def test_a_syntax_error_late_in_the_module_is_raised_as_by_one_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ast_facts, "_PIECE", 8)
    source = "A = 1\n" * 40 + "B = (\n"
    with pytest.raises(SyntaxError):
        ast_facts.module_facts(source)


def test_a_future_import_keeps_the_module_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # A __future__ import may change how what follows it is read, and a piece
    # parsed alone would not have it.
    monkeypatch.setattr(ast_facts, "_PIECE", 8)
    source = "from __future__ import annotations\n" + "A = 1\n" * 20 + "B: int = A\n"
    assert ast_facts._piecewise_facts(source) is None
    assert ast_facts.module_facts(source) == whole(source)


@examples(150)
@given(hypothesmith.from_grammar())
def test_pieces_agree_with_one_parse_on_generated_programs(source: str) -> None:
    try:
        expected = whole(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    saved = ast_facts._PIECE
    ast_facts._PIECE = 1
    try:
        pieces = ast_facts._piecewise_facts(source)
    finally:
        ast_facts._PIECE = saved
    assert pieces is None or pieces == expected
