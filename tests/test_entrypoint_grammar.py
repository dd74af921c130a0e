"""Entry-point validation against the grammar of the PyPA specification.

https://packaging.python.org/en/latest/specifications/entry-points/

* group: ``^\\w+(\\.\\w+)*$``;
* name: any characters but ``=``, not starting or ending with white space, not
  starting with ``[``. Names no file can hold are refused as well: a line
  break (``str.splitlines``), a leading ``#`` or ``;``, a lone surrogate;
* object reference: ``importable.module`` or ``importable.module:object.attr``,
  each part an identifier; spaces allowed around ``:``; optional extras
  ``[a, b]`` (PEP 508 extra names).

Strings are generated from the grammar, valid and broken, and the validators
must accept exactly the valid ones. Every accepted entry point, written to a
real setup.cfg by the writer ``epmigrate write`` uses, must come back through
setuptools (interpolation and all) and ``importlib.metadata.EntryPoint`` with
the same module, attribute and extras.
"""

from __future__ import annotations

import importlib.metadata
import re
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from epmigrate.entrypoints import normalise_value, validate_group, validate_name, validate_value
from epmigrate.errors import ValidationError
from epmigrate.fileio import read_text, write_text
from epmigrate.model import EntryPointSpec
from epmigrate.write import setupcfg
from tests.properties import examples

PROPERTY = examples(200)

LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
WORD = re.compile(r"\w+\Z")

ASCII_IDENT = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
UNICODE_IDENT = st.text(
    st.characters(categories=["L", "Nl", "Nd", "Pc", "Mn", "Mc"]), min_size=1, max_size=5
).filter(lambda s: s.isidentifier() and WORD.match(s) is not None)
IDENT = st.one_of(ASCII_IDENT, ASCII_IDENT, UNICODE_IDENT)
DOTTED = st.lists(IDENT, min_size=1, max_size=3).map(".".join)
SPACES = st.sampled_from(["", "", " ", "  "])
EXTRA = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,4}[A-Za-z0-9])?", fullmatch=True)


@st.composite
def valid_values(draw: st.DrawFn) -> str:
    value = draw(DOTTED)
    if draw(st.booleans()):
        value += draw(SPACES) + ":" + draw(SPACES) + draw(DOTTED)
    if draw(st.integers(0, 3)) == 0:
        sep = draw(SPACES) + "," + draw(SPACES)
        extras = sep.join(draw(st.lists(EXTRA, min_size=1, max_size=3)))
        value += draw(SPACES) + "[" + draw(SPACES) + extras + draw(SPACES) + "]"
    return value


# A broken value: a valid one with one grammar rule broken.
BROKEN_VALUES = st.one_of(
    st.builds(lambda m: m + ":", DOTTED),  # empty attribute
    st.builds(lambda a: ":" + a, DOTTED),  # empty module
    st.builds(lambda m, a: f"{m}..{a}", IDENT, IDENT),  # empty part
    st.builds(lambda m, a, b: f"{m}:{a}:{b}", IDENT, IDENT, IDENT),  # two colons
    st.builds(lambda d, m: f"{d}{m}", st.sampled_from("0123456789"), IDENT),  # digit first
    st.builds(lambda m, c, a: f"{m}{c}{a}", IDENT, st.sampled_from("-/ =+*"), IDENT),
    st.builds(lambda m, a: f"{m}:{a}.", IDENT, IDENT),  # trailing dot
    st.builds(lambda v: v + " [a b]", DOTTED),  # extras without a comma
    st.builds(lambda v: v + " [a", DOTTED),  # unclosed extras
    st.builds(lambda v: v + " [-a]", DOTTED),  # extra starting with '-'
    st.builds(lambda v: v + " [a] x", DOTTED),  # text after the extras
    st.builds(lambda v: v + " [a,]", DOTTED),  # empty extra
    st.just(""),
)

# `\w` as Python's re reads it (what the spec's regex means here): letters,
# digits and '_', but not the other connector punctuation ('\ufe33', which
# make fuzz found drawn from category Pc).
WORD_CHARS = st.one_of(
    st.characters(categories=["L", "Nd"]).filter(lambda c: WORD.match(c) is not None),
    st.just("_"),
)
VALID_GROUPS = st.lists(
    st.text(WORD_CHARS, min_size=1, max_size=6),
    min_size=1,
    max_size=3,
).map(".".join)
BROKEN_GROUPS = st.one_of(
    st.just(""),
    st.builds(lambda g: "." + g, VALID_GROUPS),
    st.builds(lambda g: g + ".", VALID_GROUPS),
    st.builds(lambda a, b: f"{a}..{b}", VALID_GROUPS, VALID_GROUPS),
    st.builds(lambda a, c, b: f"{a}{c}{b}", VALID_GROUPS, st.sampled_from("- :/=\n"), VALID_GROUPS),
    st.builds(lambda g: g + "\n", VALID_GROUPS),
)


def spec_name(name: str) -> bool:
    """The grammar's rule for names, plus what a file can hold."""
    return (
        bool(name)
        and "=" not in name
        and not name.startswith("[")
        and name == name.strip()
        and name[0] not in "#;"
        and not any(ch in LINE_BREAKS for ch in name)
        and not any("\ud800" <= ch <= "\udfff" for ch in name)
    )


NAMES = st.one_of(
    st.text(st.characters(codec=None), max_size=8),
    st.text(st.sampled_from(string.ascii_letters[:4] + " =[]#;%:\t\n\x0c\x85\ud800-."), max_size=6),
    st.from_regex(r"[\w.-]+", fullmatch=True),
)


@PROPERTY
@given(valid_values())
def test_values_from_the_grammar_are_accepted(value: str) -> None:
    assert validate_value(value) == value


@PROPERTY
@given(BROKEN_VALUES)
def test_values_that_break_the_grammar_are_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="invalid object reference"):
        validate_value(value)


@PROPERTY
@given(VALID_GROUPS)
def test_groups_from_the_grammar_are_accepted(group: str) -> None:
    assert validate_group(group) == group


@PROPERTY
@given(BROKEN_GROUPS)
@example("\ufe33")  # connector punctuation that is not \w
@example("a.\u203f")
def test_groups_that_break_the_grammar_are_refused(group: str) -> None:
    with pytest.raises(ValidationError, match="invalid entry-point group"):
        validate_group(group)


@PROPERTY
@given(NAMES)
def test_names_are_accepted_exactly_when_the_grammar_allows_them(name: str) -> None:
    if spec_name(name):
        assert validate_name(name) == name
    else:
        with pytest.raises(ValidationError, match="invalid entry-point name"):
            validate_name(name)


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        pytest.param("a.b:C", "a.b:C", id="plain"),
        pytest.param("a.b : C.d", "a.b:C.d", id="spaces around the colon"),
        pytest.param("a:C[x,y]", "a:C [x,y]", id="extras get one space before"),
        pytest.param("a : C  [ x , y ] ", "a:C [x,y]", id="spaces in extras"),
        pytest.param("a [x]", "a [x]", id="module with extras"),
        pytest.param("a:C []", "a:C []", id="empty extras"),
    ],
)
def test_normalise_value(value: str, canonical: str) -> None:
    assert normalise_value(value) == canonical


def _read_back(path: Path) -> list[importlib.metadata.EntryPoint]:
    """The entry points setuptools reads from setup.cfg, as importlib.metadata sees them."""
    from setuptools.dist import Distribution

    dist = Distribution()
    dist.parse_config_files([str(path)])
    # setuptools writes each line to entry_points.txt; read it back from there.
    info = path.parent / "svc-1.dist-info"
    info.mkdir()
    (info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{line}\n" for line in lines)
            for group, lines in dist.entry_points.items()
        ),
        encoding="utf-8",
    )
    return list(importlib.metadata.PathDistribution(info).entry_points)


@PROPERTY
@given(VALID_GROUPS, NAMES, valid_values())
def test_accepted_entry_points_come_back_through_setuptools_and_importlib(
    group: str, name: str, value: str
) -> None:
    assume(spec_name(name) and "%" not in name)  # setup.cfg refuses '%' on its own
    spec = EntryPointSpec(group, name, value)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "setup.cfg"
        path.write_text("[metadata]\nname = svc\n", encoding="utf-8")
        snapshot = read_text(str(path))
        result = setupcfg.add_entry_points(
            snapshot.text, setupcfg.SETUPTOOLS_SECTION, [spec], path=str(path)
        )
        write_text(snapshot, result.text)
        (back,) = _read_back(path)
    expected = importlib.metadata.EntryPoint(name, value, group)
    assert (back.group, back.name) == (group, name)
    assert back.module == expected.module == value.partition(":")[0].split("[")[0].strip()
    assert back.attr == expected.attr
    assert back.extras == expected.extras
