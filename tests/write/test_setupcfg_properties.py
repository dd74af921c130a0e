"""Property tests: generated INI text against configparser as the oracle."""

from __future__ import annotations

import configparser
import difflib
import io
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epmigrate.errors import ParseError
from epmigrate.model import EntryPointSpec
from epmigrate.write.setupcfg import add_entry_points, parse
from tests.properties import examples
from tests.write.test_setupcfg import BOM, assert_reads_like_configparser, oracle

# Enough cases to walk every branch of the line rules; the whole module runs
# in a few seconds.
PROPERTY = examples(100)

EOL = st.sampled_from(["\n", "\r\n", "\r"])
INDENT = st.sampled_from([" ", "  ", "    ", "\t", " \t", "\x0c "])
# Characters that exercise the rules: delimiters, comment prefixes, brackets,
# '%', white space that str.strip() removes but that never ends a line.
VALUE_TEXT = st.text(
    alphabet=string.ascii_letters[:6] + "09 \t=:%#;[]._-\x0c\x85\u2028", max_size=12
)
NAME = (
    st.text(alphabet=string.ascii_letters[:8] + "09._- ", min_size=1, max_size=8)
    .map(str.strip)
    .filter(bool)
)
SECTION_NAME = st.sampled_from(
    ["metadata", "options", "flake8", "tool:pytest", "a b", "DEFAULT", "x]y"]
)
DELIM = st.sampled_from(["=", ":", " = ", " : ", "\t=  ", "= "])


@st.composite
def trivia(draw: st.DrawFn) -> str:
    """A blank or comment line, indented or not."""
    indent = draw(st.sampled_from(["", "", " ", "\t", "    "]))
    kind = draw(st.sampled_from(["blank", "#", ";"]))
    if kind == "blank":
        return indent
    return indent + kind + draw(VALUE_TEXT)


@st.composite
def option_lines(draw: st.DrawFn, name: str) -> list[str]:
    """An option line and the lines of its value."""
    lines = [name + draw(DELIM) + draw(VALUE_TEXT)]
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            text = draw(VALUE_TEXT).strip() or "v"
            lines.append(draw(INDENT) + text + draw(st.sampled_from(["", " ", "\t"])))
        else:
            lines.append(draw(trivia()))
    return lines


@st.composite
def ini_lines(
    draw: st.DrawFn, sections: st.SearchStrategy[list[str]], *, indented_headers: bool = True
) -> list[str]:
    """Lines of a setup.cfg-like file with the given sections.

    An indented header after an option continues that option's value, as
    configparser reads it; ``indented_headers=False`` keeps sections apart.
    """
    lines = draw(st.lists(trivia(), max_size=2))
    for section in draw(sections):
        indent = draw(st.sampled_from(["", " "])) if indented_headers else ""
        lines.append(indent + f"[{section}]" + draw(st.sampled_from(["", " ; note", "  "])))
        for name in draw(st.lists(NAME, unique=True, max_size=4)):
            lines += draw(option_lines(name))
        lines += draw(st.lists(trivia(), max_size=2))
    return lines


@st.composite
def join(draw: st.DrawFn, lines: list[str]) -> str:
    """Lines joined with random line endings, an optional BOM and final newline."""
    text = ""
    for line in lines:
        text += line + draw(EOL)
    if lines and draw(st.booleans()):
        text = text.rstrip("\r\n")
    return (BOM if draw(st.booleans()) else "") + text


def ini_text(sections: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    return ini_lines(sections).flatmap(join)


# A soup of line fragments that configparser accepts or refuses in every way
# the line rules allow: headers, unclosed headers, options, bare words.
FRAGMENT = st.sampled_from(
    ["[a]", "[b]", "[DEFAULT]", "[a", "[]", "x = 1", "y: 2", "x=", "= 3", "word", "# c", "; c", ""]
)
SOUP = st.lists(st.tuples(st.sampled_from(["", " ", "  ", "\t"]), FRAGMENT), max_size=10).map(
    lambda pairs: [indent + fragment for indent, fragment in pairs]
)


def check_against_oracle(text: str) -> None:
    """parse() accepts what configparser accepts, and reads it the same."""
    try:
        expected = oracle(text)
    except configparser.Error:
        expected = None
    if expected is None:
        try:
            parse(text)
        except ParseError as exc:
            assert exc.line is not None
        else:
            raise AssertionError(f"parse() accepted what configparser refuses: {text!r}")
    else:
        doc = parse(text)
        assert doc.render() == text
        assert_reads_like_configparser(doc, text)


@PROPERTY
@given(ini_text(st.lists(SECTION_NAME, unique=True, max_size=4)))
def test_generated_files_round_trip_and_read_like_configparser(text: str) -> None:
    check_against_oracle(text)


@PROPERTY
@given(SOUP.flatmap(join))
def test_parse_accepts_exactly_what_configparser_accepts(text: str) -> None:
    check_against_oracle(text)


# -- add, then read -------------------------------------------------------------

GROUP = st.sampled_from(["console_scripts", "demo.plugins", "demo.hooks", "x"])
EP_NAME = st.text(alphabet=string.ascii_letters[:5] + "09_.-", min_size=1, max_size=6)
EP_VALUE = st.sampled_from(["demo", "demo.cli:main", "demo.a:A", "demo.sub:Cls.attr"])


@st.composite
def entry_section(draw: st.DrawFn, section: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Lines of an entry-point section and the entries they hold."""
    lines = [f"[{section}]"]
    held: dict[str, dict[str, str]] = {}
    for group in draw(st.lists(GROUP, unique=True, max_size=3)):
        entries = draw(st.dictionaries(EP_NAME, EP_VALUE, max_size=3))
        held[group] = entries
        items = list(entries.items())
        inline = ""
        if items and draw(st.booleans()):
            name, value = items.pop(0)
            inline = f" {name} = {value}"
        lines.append(group + draw(st.sampled_from([" =", ":", "="])) + inline)
        indent = draw(INDENT)
        for name, value in items:
            lines += draw(st.lists(trivia(), max_size=1))
            lines.append(indent + name + draw(st.sampled_from([" = ", "=", " =  "])) + value)
        lines += draw(st.lists(trivia(), max_size=2))
    return lines, held


@st.composite
def edit_case(draw: st.DrawFn) -> tuple[str, str, dict[str, dict[str, str]], list[EntryPointSpec]]:
    """A file, the entry-point section to write, its entries and the specs to add."""
    section = draw(st.sampled_from(["options.entry_points", "entry_points"]))
    others = ["metadata", "options", "flake8"]
    sections = st.lists(st.sampled_from(others), unique=True, max_size=2)
    lines = draw(ini_lines(sections, indented_headers=False))
    held: dict[str, dict[str, str]] = {}
    if draw(st.booleans()):
        section_lines, held = draw(entry_section(section))
        # Put the section somewhere among the others, at a header.
        headers = [i for i, line in enumerate(lines) if line.startswith("[")]
        at = draw(st.sampled_from([*headers, len(lines)]))
        lines[at:at] = section_lines
    # An entry that exists is wanted with its own target, and a name wanted
    # twice with the same one: conflicts have their own tests.
    chosen: dict[tuple[str, str], str] = {}
    specs = []
    for group in draw(st.lists(GROUP, max_size=3)):
        for name in draw(st.lists(EP_NAME, max_size=3)):
            if (group, name) not in chosen:
                chosen[group, name] = held.get(group, {}).get(name) or draw(EP_VALUE)
            specs.append(EntryPointSpec(group, name, chosen[group, name]))
    return draw(join(lines)), section, held, specs


def build_reads(text: str) -> bool:
    """Whether every value of ``text`` survives the build's own parser.

    setuptools and pbr read setup.cfg with ``ConfigParser()``: interpolation
    on, so a bare ``%`` or an unknown ``%(name)s`` stops the build.
    """
    parser = configparser.ConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_file(io.StringIO(text.removeprefix(BOM), newline=None))
    try:
        for section in parser.sections():
            for option in parser.options(section):
                parser.get(section, option)
    except configparser.InterpolationError:
        return False
    return True


def buildable(text: str, section: str, specs: list[EntryPointSpec]) -> str:
    """``text`` if the build reads it; else check the refusal and return it with '%%'."""
    if build_reads(text):
        return text
    with pytest.raises(ParseError, match=r"setuptools and pbr read setup\.cfg with '%' interp"):
        add_entry_points(text, section, specs)
    return text.replace("%", "%%")


@PROPERTY
@given(edit_case())
def test_add_then_read_gives_the_entries(
    case: tuple[str, str, dict[str, dict[str, str]], list[EntryPointSpec]],
) -> None:
    text, section, held, specs = case
    text = buildable(text, section, specs)
    result = add_entry_points(text, section, specs)
    doc = parse(result.text)
    assert_reads_like_configparser(doc, result.text)

    groups = doc.entry_points(section)
    for spec in specs:
        assert groups[spec.group][spec.name].value == spec.value
    for group, entries in held.items():
        for name, value in entries.items():
            assert groups[group][name].value == value

    # Nothing but added lines: every old line is still there, in order, as it was.
    old_lines = re.split(r"\r\n|\r|\n", text.removeprefix(BOM))
    new_lines = re.split(r"\r\n|\r|\n", result.text.removeprefix(BOM))
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    assert {tag for tag, *_ in matcher.get_opcodes()} <= {"equal", "insert"}

    old, new = oracle(text), oracle(result.text)
    for other in old.sections():
        if other != section:
            assert dict(new[other]) == dict(old[other])

    assert add_entry_points(result.text, section, specs).text == result.text


@PROPERTY
@given(edit_case())
def test_replace_rewrites_only_the_values_it_replaces(
    case: tuple[str, str, dict[str, dict[str, str]], list[EntryPointSpec]],
) -> None:
    text, section, held, specs = case
    moved = "moved.mod:New"
    wanted = [s for s in specs if s.name not in held.get(s.group, {})]
    wanted += [EntryPointSpec(g, n, moved) for g, entries in held.items() for n in entries]
    text = buildable(text, section, wanted)
    result = add_entry_points(text, section, wanted, replace=True)
    doc = parse(result.text)
    assert_reads_like_configparser(doc, result.text)
    groups = doc.entry_points(section)
    for spec in wanted:
        assert groups[spec.group][spec.name].value == spec.value

    # Walking both files in step, every old line is found as it was, or
    # keeping everything up to its '=' and ending with the new value; the new
    # lines skipped on the way are the added ones.
    old_lines = re.split(r"\r\n|\r|\n", text.removeprefix(BOM))
    new_lines = iter(re.split(r"\r\n|\r|\n", result.text.removeprefix(BOM)))
    for old in old_lines:
        head = old.rpartition("=")[0]
        for new in new_lines:
            if new == old or (new.rpartition("=")[0] == head and new.rstrip().endswith(moved)):
                break
        else:
            raise AssertionError(f"line {old!r} is lost")

    assert add_entry_points(result.text, section, wanted).text == result.text
