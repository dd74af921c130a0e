"""Write's parsers on any text: a located ParseError (or a result), never another exception.

The setup.py reader (``ast``, then libcst for the setup() call), the TOML
readers (tomllib, tomlkit for the message) and the INI reader of setup.cfg
each get arbitrary text, text made of the characters their grammars use,
and the inputs on which parsers are known to disagree (tests/scan/
test_properties.py names the classes). ``make fuzz`` runs each with more
examples (tests/properties.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from epmigrate.errors import EpmigrateError, ParseError
from epmigrate.model import EntryPointSpec
from epmigrate.write import pyproject, setupcfg, setuppy
from tests.properties import examples

SPECS = [EntryPointSpec("neutron.api.extensions", "foo", "pkg.mod:Foo")]

WRITERS: dict[str, Callable[[str], object]] = {
    "setup.cfg": lambda text: setupcfg.add_entry_points(
        text, "options.entry_points", SPECS, path="setup.cfg"
    ),
    "pyproject.toml": lambda text: pyproject.add_entry_points(text, SPECS, path="pyproject.toml"),
    "setup.py": lambda text: setuppy.add_entry_points(text, SPECS, path="setup.py"),
}

SYNTAX_SOUP = st.text(
    st.sampled_from(list("[]=\"'{}().,:#\n \t\\abcx0123-_+e\r\x00\ufeff\U0001e4d0\ud800")),
    max_size=80,
)
"""Text of the characters the three grammars give meaning to, lone surrogates and all."""

CASES = (
    "\U0001e4d0",
    "from setuptools import setup\nsetup(name='x', entry_points={'\U0001e4d0': []})\n",
    "from setuptools import setup\n\U0001e4d0 = 1\nsetup(name='x')\n",
    "from setuptools import setup\nsetup(name='x\ud800')\n",  # a lone surrogate
    "from setuptools import setup\nsetup(name='x')\x00\n",
    "from setuptools import setup\nx = 1if 1 else 2\nsetup(name='x', y='\\d')\n",
    "[project]\nname = 'x\ud800'\n",
    "[project]\nname = 'x'\x00\n",
    "[metadata]\nname = x\ud800\n",
    "[metadata]\nname = x\x00\n",
    "\ufeff\ufeff[metadata]\n",
)


def assert_parses_or_says_where(name: str, text: str) -> None:
    try:
        WRITERS[name](text)
    except ParseError as exc:
        assert exc.path == name
        assert exc.message
        assert exc.hint
    except EpmigrateError:
        pass  # parsed: the file is not a target (no setup() call, no [project])


def with_cases(test: Callable[[str], None]) -> Callable[[str], None]:
    for case in reversed(CASES):
        test = example(case)(test)
    return test


@examples(150)
@given(st.one_of(st.text(), SYNTAX_SOUP))
@with_cases
def test_setup_cfg_parser_on_any_text(text: str) -> None:
    assert_parses_or_says_where("setup.cfg", text)


@examples(150)
@given(st.one_of(st.text(), SYNTAX_SOUP))
@with_cases
def test_pyproject_parser_on_any_text(text: str) -> None:
    assert_parses_or_says_where("pyproject.toml", text)


@examples(150)
@given(st.one_of(st.text(), SYNTAX_SOUP))
@with_cases
def test_setup_py_parser_on_any_text(text: str) -> None:
    assert_parses_or_says_where("setup.py", text)


def test_a_lone_surrogate_in_setup_py_is_located() -> None:
    # Python's compiler refuses it with a UnicodeEncodeError (a ValueError),
    # not a SyntaxError. (Read from disk, such text is already undecodable.)
    with pytest.raises(ParseError) as caught:
        WRITERS["setup.py"]("from setuptools import setup\n\nsetup(name='x\ud800')\n")
    assert caught.value.line == 3, str(caught.value)
    assert "surrogates not allowed" in caught.value.message
