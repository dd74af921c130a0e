"""The setup.cfg document model and entry-point rewriter.

configparser is the oracle: whatever :func:`parse` accepts must read the same
as ``ConfigParser(interpolation=None)`` with ``optionxform = str``, and every
input :func:`parse` refuses must be refused by configparser too.
"""

from __future__ import annotations

import configparser
import difflib
import io
import re
from pathlib import Path

import pytest

from epmigrate.errors import ConflictError, ParseError, ValidationError
from epmigrate.model import EntryPointSpec
from epmigrate.write.merge import Existing
from epmigrate.write.setupcfg import Document, add_entry_points, parse
from tests.conftest import corpus_files

BOM = "\ufeff"
_LONE_CR = re.compile(r"\r(?!\n)")


def oracle(text: str) -> configparser.ConfigParser:
    """configparser reading ``text`` as setuptools reads setup.cfg.

    ``read_string`` splits lines at ``\\n`` only, while setuptools and pbr open
    the file in text mode, where a lone ``\\r`` also ends a line. Both agree on
    text without a lone ``\\r``, which is read with ``read_string`` as is. A
    byte order mark is dropped, as a ``utf-8-sig`` reader would.
    """
    body = text.removeprefix(BOM)
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    if _LONE_CR.search(body):
        parser.read_file(io.StringIO(body, newline=None))
    else:
        parser.read_string(body)
    return parser


def assert_reads_like_configparser(doc: Document, text: str) -> None:
    """Every section, option and value of ``doc`` is what configparser reads."""
    expected = oracle(text)
    assert doc.sections() == expected.sections()
    for section in expected.sections():
        assert doc.has_section(section)
        assert doc.options(section) == expected.options(section)
        for option in expected.options(section):
            assert doc.get(section, option) == expected.get(section, option), (section, option)
    assert doc.options("DEFAULT") == list(expected.defaults())
    for option, value in expected.defaults().items():
        assert doc.get("DEFAULT", option) == value


def ep(group: str, name: str, value: str) -> EntryPointSpec:
    return EntryPointSpec(group, name, value)


# -- lossless round trip and configparser-equal reads -------------------------

ROUND_TRIP = [
    pytest.param("", id="empty file"),
    pytest.param("\n", id="one blank line"),
    pytest.param(BOM, id="only a BOM"),
    pytest.param("[metadata]\nname = demo\n", id="LF"),
    pytest.param("[metadata]\r\nname = demo\r\nversion = 1\r\n", id="CRLF"),
    pytest.param("[metadata]\r\nname = demo\nversion = 1\r\n", id="mixed CRLF and LF"),
    pytest.param("[metadata]\rname = demo\rversion = 1\r", id="lone CR"),
    pytest.param("[a]\r\nx =\r\n  1\r  2\n\r\n  3\r", id="CR, LF and CRLF in one value"),
    pytest.param(BOM + "[metadata]\r\nname = demo\r\n", id="BOM"),
    pytest.param("[metadata]\nname = demo", id="no final newline"),
    pytest.param("[metadata]\nname = demo\n\n\n", id="trailing blank lines"),
    pytest.param("[a]\nx:1\ny : 2\nz=3\nw =  4  \n", id="colon and equals, spacing"),
    pytest.param("[a]\nx = 1 \t \ny = 2\t\n", id="trailing whitespace"),
    pytest.param("[a]\nx = a=b:c\ny: p = q\n", id="separators inside values"),
    pytest.param("[a]\n\tx = 1\n\t\ty\n\tz = 2\n", id="tab-indented options"),
    pytest.param("[a]\nx =\n\tone\n\t two\n", id="tab continuation"),
    pytest.param("# top\n; top\n\n[a]\n# c\nx = 1\n; c\n", id="comment lines"),
    pytest.param(
        "[a]\nx =\n    1\n    # inside\n    2\n  ; inside\n    3\n", id="indented comments"
    ),
    pytest.param("[a]\nx =\n    1\n# not indented\n    2\n", id="unindented comment in value"),
    pytest.param("[a]\nx =\n    1\n\n    2\n\n\ny = 3\n", id="blank lines inside a value"),
    pytest.param("[a]\nx = 1\n   \t\n    2\n", id="whitespace-only line in a value"),
    pytest.param("[a]\nx = 1 # kept\ny = 2 ; kept\n", id="inline comments are values"),
    pytest.param("[a]\nx =\ny:\n", id="empty values"),
    pytest.param("[DEFAULT]\nx = 1\n[a]\ny = 2\n[b]\nx = 3\n", id="DEFAULT"),
    pytest.param("[DEFAULT]\nx = 1\n[a]\ny = 2\n[DEFAULT]\nz = 3\n", id="DEFAULT opened twice"),
    pytest.param("[a] ; a note ]\nx = 1\n", id="header ends at its last bracket"),
    pytest.param("[a] trailing\nx = 1\n", id="text after a header"),
    pytest.param("  [a]\n  x = 1\n    2\n  y = 3\n", id="indented header and options"),
    pytest.param("[a]\nx = 1\n  [b]\n", id="indented header continues a value"),
    pytest.param("[a]\nx = 1\n[b]\n", id="empty section"),
    pytest.param("[a]\nX = 1\nx = 2\n", id="option names are case sensitive"),
    pytest.param("[a]\nx = 1\x0c\n\x0cy = 2\n", id="form feed is white space"),
    pytest.param("[a]\nx = 1\x85 2\u2028\n", id="unicode line separators stay inside a line"),
    pytest.param("[a]\nx = 100%\n", id="percent sign"),
    pytest.param("[a]\n[x] = 1\n", id="bracketed line is a header"),
    pytest.param("[a]\n[x = 1\n", id="unclosed bracket with a delimiter is an option"),
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_render_gives_the_text_back_byte_for_byte(text: str) -> None:
    assert parse(text).render() == text


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_reads_like_configparser(text: str) -> None:
    assert_reads_like_configparser(parse(text), text)


def test_values_follow_configparser_rules() -> None:
    text = (
        "[a]\n"
        "x =\n"
        "    one\n"
        "    # a comment is dropped\n"
        "\n"
        "    two  \n"
        "\n"
        "y = 1 # not a comment\n"
        "z : a = b\n"
    )
    doc = parse(text)
    assert doc.get("a", "x") == "\none\n\ntwo"
    assert doc.get("a", "y") == "1 # not a comment"
    assert doc.get("a", "z") == "a = b"


def test_default_options_show_through_every_section() -> None:
    doc = parse("[DEFAULT]\nx = 1\ny = 2\n[a]\ny = 3\nz = 4\n")
    assert doc.sections() == ["a"]
    assert not doc.has_section("DEFAULT")
    assert doc.options("a") == ["y", "z", "x"]
    assert doc.get("a", "x") == "1"
    assert doc.get("a", "y") == "3"
    assert doc.options("DEFAULT") == ["x", "y"]
    assert doc.get("DEFAULT", "y") == "2"


def test_missing_sections_and_options_read_as_nothing() -> None:
    doc = parse("[a]\nx = 1\n")
    assert doc.get("a", "y") is None
    assert doc.get("b", "x") is None
    assert doc.options("b") == []
    assert not doc.has_section("b")
    assert doc.entry_points("b") == {}


def test_lone_cr_ends_a_line_as_in_the_file_setuptools_reads(tmp_path: Path) -> None:
    text = "[options.entry_points]\rconsole_scripts =\r    demo = demo.cli:main\r"
    cfg = tmp_path / "setup.cfg"
    cfg.write_bytes(text.encode())
    # What setuptools does: open the file in text mode and read_file() it.
    parser = configparser.ConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    with cfg.open(encoding="utf-8") as fp:
        parser.read_file(fp)
    doc = parse(text)
    assert doc.get("options.entry_points", "console_scripts") == parser.get(
        "options.entry_points", "console_scripts"
    )
    assert doc.entry_points("options.entry_points") == {
        "console_scripts": {"demo": Existing("demo.cli:main", 3)}
    }


def test_bom_is_not_part_of_the_first_header() -> None:
    doc = parse(BOM + "[metadata]\nname = demo\n")
    assert doc.sections() == ["metadata"]
    assert doc.get("metadata", "name") == "demo"


# -- errors -------------------------------------------------------------------

PARSE_ERRORS = [
    pytest.param(
        "name = demo\n[metadata]\n",
        "setup.cfg:1: line 'name = demo' comes before any section header\n"
        "  hint: put it under a section such as [metadata], or comment it out with '#'",
        id="option before any section",
    ),
    pytest.param(
        "# ok\n\n  text\n[metadata]\n",
        "setup.cfg:3: line 'text' comes before any section header\n"
        "  hint: put it under a section such as [metadata], or comment it out with '#'",
        id="indented text before any section",
    ),
    pytest.param(
        "[metadata\nname = demo\n",
        "setup.cfg:1: section header '[metadata' is not closed\n"
        "  hint: end the header with ']', e.g. [options.entry_points]",
        id="unterminated first header",
    ),
    pytest.param(
        "[metadata]\nname = demo\n[options\n",
        "setup.cfg:3: section header '[options' is not closed\n"
        "  hint: end the header with ']', e.g. [options.entry_points]",
        id="unterminated header",
    ),
    pytest.param(
        "[metadata]\n[]\n",
        "setup.cfg:2: section header '[]' has no name\n"
        "  hint: end the header with ']', e.g. [options.entry_points]",
        id="empty header",
    ),
    pytest.param(
        "[a]\nx = 1\n[b]\n[a]\n",
        "setup.cfg:4: duplicate section [a] (first at line 1)\n"
        "  hint: merge the two sections into one; setuptools and pbr refuse a file that "
        "repeats a section",
        id="duplicate section",
    ),
    pytest.param(
        "[a]\nx = 1\ny = 2\nx: 3\n",
        "setup.cfg:4: duplicate option 'x' in [a] (first at line 2)\n"
        "  hint: merge the two values into one option; setuptools and pbr refuse a section "
        "that repeats an option",
        id="duplicate option",
    ),
    pytest.param(
        "[DEFAULT]\nx = 1\n[a]\n[DEFAULT]\nx = 2\n",
        "setup.cfg:5: duplicate option 'x' in [DEFAULT] (first at line 2)\n"
        "  hint: merge the two values into one option; setuptools and pbr refuse a section "
        "that repeats an option",
        id="duplicate option across DEFAULT blocks",
    ),
    pytest.param(
        "[options.entry_points]\n    demo = demo:main\n    other\n",
        "setup.cfg:3:5: line 'other' in [options.entry_points] is not 'name = value' and not "
        "indented deeper than option 'demo', so it continues nothing\n"
        "  hint: indent it deeper to continue the option above, or add '= value'",
        id="indented option line is an option, then a bare line",
    ),
    pytest.param(
        "[options.entry_points]\n    demo.cli.main\n",
        "setup.cfg:2: indented line 'demo.cli.main' continues no option: no option of "
        "[options.entry_points] comes before it\n"
        "  hint: add the option line ('name =') above it, or write it as 'name = value'",
        id="indented line without delimiter",
    ),
    pytest.param(
        "[a]\n\n    continued\n",
        "setup.cfg:3: indented line 'continued' continues no option: no option of [a] comes "
        "before it\n"
        "  hint: add the option line ('name =') above it, or write it as 'name = value'",
        id="continuation before any option",
    ),
    pytest.param(
        "[a]\nx =\n    1\nbare\n",
        "setup.cfg:4:1: line 'bare' in [a] is not 'name = value' and not indented deeper "
        "than option 'x', so it continues nothing\n"
        "  hint: indent it deeper to continue the option above, or add '= value'",
        id="line that is no option",
    ),
    pytest.param(
        "[a]\n = 1\n",
        "setup.cfg:2: option line '= 1' in [a] has no name before '='\n"
        "  hint: give the option a name, or indent the line to continue the option above",
        id="option without a name",
    ),
]


@pytest.mark.parametrize(("text", "message"), PARSE_ERRORS)
def test_parse_refuses_what_configparser_refuses(text: str, message: str) -> None:
    with pytest.raises(configparser.Error):
        oracle(text)
    with pytest.raises(ParseError) as info:
        parse(text, path="setup.cfg")
    assert info.value.path == "setup.cfg"
    assert str(info.value) == message


def test_parse_error_without_path_still_names_the_line() -> None:
    with pytest.raises(ParseError, match=r"^3: duplicate option 'x' in \[a\]"):
        parse("[a]\nx = 1\nx = 2\n")


# -- entry points -------------------------------------------------------------


def test_entry_points_skip_blank_and_comment_lines() -> None:
    text = (
        "[entry_points]\n"
        "oslo.messaging.drivers =\n"
        "    rabbit = oslo_messaging._drivers.impl_rabbit:RabbitDriver\n"
        "\n"
        "    # This is just for internal testing\n"
        "    fake=oslo_messaging._drivers.impl_fake:FakeDriver   \n"
        "console_scripts = demo = demo.cli:main\n"
        "    other = demo.cli : other\n"
    )
    assert parse(text).entry_points("entry_points") == {
        "oslo.messaging.drivers": {
            "rabbit": Existing("oslo_messaging._drivers.impl_rabbit:RabbitDriver", 3),
            "fake": Existing("oslo_messaging._drivers.impl_fake:FakeDriver", 6),
        },
        "console_scripts": {
            "demo": Existing("demo.cli:main", 7),
            "other": Existing("demo.cli : other", 8),
        },
    }


def test_entry_points_keep_the_first_of_a_repeated_name() -> None:
    doc = parse("[entry_points]\ng =\n    a = m:A\n    a = m:B\n")
    assert doc.entry_points("entry_points") == {"g": {"a": Existing("m:A", 3)}}


def test_entry_line_without_equals_is_a_parse_error() -> None:
    doc = parse("[options.entry_points]\nconsole_scripts =\n    demo.cli:main\n", path="setup.cfg")
    with pytest.raises(ParseError) as info:
        doc.entry_points("options.entry_points")
    assert str(info.value) == (
        "setup.cfg:3: line 'demo.cli:main' of entry-point group 'console_scripts' in "
        "[options.entry_points] has no '='\n"
        "  hint: write each entry point as 'name = package.module:Attr' on its own indented line"
    )


def test_entry_line_without_name_is_a_parse_error() -> None:
    doc = parse("[entry_points]\ng =\n    = m:A\n")
    with pytest.raises(ParseError, match=r"^3: line '= m:A' of entry-point group 'g' .* no name"):
        doc.entry_points("entry_points")


# -- add_entry_points: no-ops -------------------------------------------------

SETUPTOOLS = "options.entry_points"
PBR = "entry_points"

NOOP = [
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n",
        [ep("console_scripts", "demo", "demo.cli:main")],
        id="entry exists",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n    demo=demo.cli : main  \n",
        [ep("console_scripts", "demo", "demo.cli:main")],
        id="entry exists spelled with other spacing",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\r\nconsole_scripts =\r\n\tdemo = demo.cli:main\r\n",
        [ep("console_scripts", "demo", "demo.cli:main")],
        id="CRLF and tabs",
    ),
    pytest.param(
        SETUPTOOLS,
        BOM + "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main",
        [ep("console_scripts", "demo", "demo.cli:main")],
        id="BOM and no final newline",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts = demo = demo.cli:main\n",
        [ep("console_scripts", "demo", "demo.cli:main")],
        id="inline group",
    ),
    pytest.param(
        PBR,
        "[entry_points]\n"
        "oslo.messaging.drivers =\n"
        "    rabbit = oslo_messaging._drivers.impl_rabbit:Rabbit\n"
        "\n"
        "    # This is just for internal testing\n"
        "    fake = oslo_messaging._drivers.impl_fake:FakeDriver\n"
        "\n",
        [
            ep("oslo.messaging.drivers", "fake", "oslo_messaging._drivers.impl_fake:FakeDriver"),
            ep("oslo.messaging.drivers", "rabbit", "oslo_messaging._drivers.impl_rabbit:Rabbit"),
        ],
        id="pbr, blank and comment lines in the value",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n",
        [ep("console_scripts", "demo", "demo.cli:main")] * 2,
        id="same entry wanted twice",
    ),
    pytest.param(SETUPTOOLS, "[metadata]\nname = demo\n", [], id="nothing wanted"),
    pytest.param(
        SETUPTOOLS,
        "[DEFAULT]\ng =\n    a = m:A\n[options.entry_points]\n",
        [ep("g", "a", "m:A")],
        id="entry inherited from DEFAULT",
    ),
]


@pytest.mark.parametrize(("section", "text", "specs"), NOOP)
def test_add_is_a_noop_when_the_entries_exist(
    section: str, text: str, specs: list[EntryPointSpec]
) -> None:
    result = add_entry_points(text, section, specs)
    assert result.text == text
    assert not result.changed
    assert all(not plan.changes for plan in result.plans)


# -- add_entry_points: edits --------------------------------------------------

CASES = [
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n"
        "    other = demo.cli:other\n",
        id="after the last entry",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n    zeta = demo.cli:zeta\n",
        [ep("console_scripts", "b", "demo.cli:b"), ep("console_scripts", "a", "demo.cli:a")],
        "[options.entry_points]\nconsole_scripts =\n    zeta = demo.cli:zeta\n"
        "    a = demo.cli:a\n    b = demo.cli:b\n",
        id="new entries sorted by name, existing ones stay",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\r\nconsole_scripts =\r\n    demo = demo.cli:main\r\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\r\nconsole_scripts =\r\n    demo = demo.cli:main\r\n"
        "    other = demo.cli:other\r\n",
        id="CRLF",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\r\nconsole_scripts =\n    demo = demo.cli:main\r\n[x]\r\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\r\nconsole_scripts =\n    demo = demo.cli:main\r\n"
        "    other = demo.cli:other\r\n[x]\r\n",
        id="mixed endings use the most common",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\rconsole_scripts =\r    demo = demo.cli:main\r",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\rconsole_scripts =\r    demo = demo.cli:main\r"
        "    other = demo.cli:other\r",
        id="lone CR",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\rg =\n\n[x]\ry = 1\r",
        [ep("g", "a", "m:A")],
        "[options.entry_points]\rg =\n    a = m:A\r\n\n[x]\ry = 1\r",
        id="lone CR file: no CR right before an LF blank line",
    ),
    pytest.param(
        SETUPTOOLS,
        "[metadata]\nname = demo\nversion = 1\r",
        [ep("console_scripts", "demo", "demo.cli:main")],
        "[metadata]\nname = demo\nversion = 1\r\r\n[options.entry_points]\nconsole_scripts =\n"
        "    demo = demo.cli:main\n",
        id="LF file ending in a lone CR: the blank line stays a line",
    ),
    pytest.param(
        SETUPTOOLS,
        BOM + "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        BOM + "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n"
        "    other = demo.cli:other\n",
        id="BOM",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n\tdemo = demo.cli:main\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\nconsole_scripts =\n\tdemo = demo.cli:main\n"
        "\tother = demo.cli:other\n",
        id="tab indentation",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n  demo = demo.cli:main\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\nconsole_scripts =\n  demo = demo.cli:main\n"
        "  other = demo.cli:other\n",
        id="two-space indentation",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\n"
        "console_scripts =\n"
        "    demo = demo.cli:main\n"
        "    # more scripts come with 2.0\n"
        "\n"
        "# the test plugins\n"
        "demo.plugins =\n"
        "    a = demo.a:A\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\n"
        "console_scripts =\n"
        "    demo = demo.cli:main\n"
        "    other = demo.cli:other\n"
        "    # more scripts come with 2.0\n"
        "\n"
        "# the test plugins\n"
        "demo.plugins =\n"
        "    a = demo.a:A\n",
        id="before trailing comments after the group",
    ),
    pytest.param(
        PBR,
        "[entry_points]\n"
        "oslo.messaging.drivers =\n"
        "    rabbit = oslo_messaging._drivers.impl_rabbit:RabbitDriver\n"
        "\n"
        "    # This is just for internal testing\n"
        "    fake = oslo_messaging._drivers.impl_fake:FakeDriver\n"
        "\n"
        "oslo.messaging.executors =\n"
        "    threading = futurist:ThreadPoolExecutor\n",
        [ep("oslo.messaging.drivers", "amqp", "oslo_messaging._drivers.impl_amqp1:Driver")],
        "[entry_points]\n"
        "oslo.messaging.drivers =\n"
        "    rabbit = oslo_messaging._drivers.impl_rabbit:RabbitDriver\n"
        "\n"
        "    # This is just for internal testing\n"
        "    fake = oslo_messaging._drivers.impl_fake:FakeDriver\n"
        "    amqp = oslo_messaging._drivers.impl_amqp1:Driver\n"
        "\n"
        "oslo.messaging.executors =\n"
        "    threading = futurist:ThreadPoolExecutor\n",
        id="blank lines and comments in the value",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\n"
        "console_scripts =\n"
        "    demo = demo.cli:main\n"
        "\n"
        "# end of entry points\n"
        "[flake8]\n"
        "max-line-length = 100\n",
        [ep("demo.plugins", "a", "demo.a:A")],
        "[options.entry_points]\n"
        "console_scripts =\n"
        "    demo = demo.cli:main\n"
        "demo.plugins =\n"
        "    a = demo.a:A\n"
        "\n"
        "# end of entry points\n"
        "[flake8]\n"
        "max-line-length = 100\n",
        id="missing group at the end of the section",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\n[flake8]\nx = 1\n",
        [ep("demo.plugins", "a", "demo.a:A")],
        "[options.entry_points]\ndemo.plugins =\n    a = demo.a:A\n[flake8]\nx = 1\n",
        id="missing group in an empty section",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n\tdemo = demo.cli:main\n",
        [ep("demo.plugins", "a", "demo.a:A")],
        "[options.entry_points]\nconsole_scripts =\n\tdemo = demo.cli:main\n"
        "demo.plugins =\n\ta = demo.a:A\n",
        id="missing group indented like the others",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n",
        [
            ep("demo.plugins", "a", "demo.a:A"),
            ep("console_scripts", "other", "demo.cli:other"),
            ep("demo.hooks", "h", "demo.h:H"),
        ],
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n"
        "    other = demo.cli:other\n"
        "demo.plugins =\n    a = demo.a:A\n"
        "demo.hooks =\n    h = demo.h:H\n",
        id="existing and missing groups at the same line",
    ),
    pytest.param(
        SETUPTOOLS,
        "[metadata]\nname = demo\n",
        [ep("console_scripts", "demo", "demo.cli:main")],
        "[metadata]\nname = demo\n\n[options.entry_points]\nconsole_scripts =\n"
        "    demo = demo.cli:main\n",
        id="missing section",
    ),
    pytest.param(
        SETUPTOOLS,
        "[metadata]\r\nname = demo\r\n\r\n",
        [ep("console_scripts", "demo", "demo.cli:main")],
        "[metadata]\r\nname = demo\r\n\r\n[options.entry_points]\r\nconsole_scripts =\r\n"
        "    demo = demo.cli:main\r\n",
        id="missing section after a blank line, CRLF",
    ),
    pytest.param(
        SETUPTOOLS,
        "[metadata]\nname = demo",
        [ep("console_scripts", "demo", "demo.cli:main")],
        "[metadata]\nname = demo\n\n[options.entry_points]\nconsole_scripts =\n"
        "    demo = demo.cli:main",
        id="missing section, no final newline",
    ),
    pytest.param(
        SETUPTOOLS,
        "",
        [ep("console_scripts", "demo", "demo.cli:main")],
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n",
        id="missing section, empty file",
    ),
    pytest.param(
        SETUPTOOLS,
        BOM,
        [ep("console_scripts", "demo", "demo.cli:main")],
        BOM + "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n",
        id="missing section, file with only a BOM",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n"
        "    other = demo.cli:other",
        id="no final newline",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\r\nconsole_scripts =\r\n    demo = demo.cli:main",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\r\nconsole_scripts =\r\n    demo = demo.cli:main\r\n"
        "    other = demo.cli:other",
        id="no final newline, CRLF",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts = demo = demo.cli:main\n[x]\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\nconsole_scripts = demo = demo.cli:main\n"
        "    other = demo.cli:other\n[x]\n",
        id="inline group",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts = demo = demo.cli:main\n  b = demo.cli:b\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\nconsole_scripts = demo = demo.cli:main\n  b = demo.cli:b\n"
        "  other = demo.cli:other\n",
        id="inline group with continuation lines",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\n  console_scripts = demo = demo.cli:main\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\n  console_scripts = demo = demo.cli:main\n"
        "      other = demo.cli:other\n",
        id="inline group on an indented option line",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n    # none yet\n\n[x]\n",
        [ep("console_scripts", "demo", "demo.cli:main")],
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n"
        "    # none yet\n\n[x]\n",
        id="group without entries",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts:\n    demo = demo.cli:main\n",
        [ep("console_scripts", "other", "demo.cli:other")],
        "[options.entry_points]\nconsole_scripts:\n    demo = demo.cli:main\n"
        "    other = demo.cli:other\n",
        id="colon delimiter",
    ),
    pytest.param(
        SETUPTOOLS,
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n",
        [ep("console_scripts", "demo", "demo.cli:main"), ep("console_scripts", "x", "m:X")],
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n    x = m:X\n",
        id="kept and added",
    ),
    pytest.param(
        PBR,
        "[entry_points]\nneutron.service_plugins =\n    router = neutron.services:L3\n",
        [ep("neutron.service_plugins", "QoS", "neutron.services.qos:QoSPlugin")],
        "[entry_points]\nneutron.service_plugins =\n    router = neutron.services:L3\n"
        "    QoS = neutron.services.qos:QoSPlugin\n",
        id="pbr, CamelCase name",
    ),
]


@pytest.mark.parametrize(("section", "before", "specs", "after"), CASES)
def test_add_entry_points(
    section: str, before: str, specs: list[EntryPointSpec], after: str
) -> None:
    result = add_entry_points(before, section, specs)
    assert result.text == after
    assert result.original == before
    assert result.target == f"[{section}]"
    # What configparser reads back is the old entries and the new ones.
    doc = parse(after)
    assert_reads_like_configparser(doc, after)
    for spec in specs:
        existing = doc.entry_points(section)[spec.group][spec.name]
        assert existing.value == spec.value
    # A second run has nothing left to do.
    assert add_entry_points(after, section, specs).text == after


def test_add_reports_one_plan_per_group() -> None:
    before = "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n"
    result = add_entry_points(
        before,
        SETUPTOOLS,
        [
            ep("console_scripts", "demo", "demo.cli:main"),
            ep("demo.plugins", "a", "demo.a:A"),
        ],
    )
    assert [(p.group, p.add, p.kept) for p in result.plans] == [
        ("console_scripts", (), (ep("console_scripts", "demo", "demo.cli:main"),)),
        ("demo.plugins", (ep("demo.plugins", "a", "demo.a:A"),), ()),
    ]
    assert result.changed


REPLACE = [
    pytest.param(
        "[options.entry_points]\nconsole_scripts =\n    demo   =  old.cli:main  \n    b = m:B\n",
        [ep("console_scripts", "demo", "demo.cli:main")],
        "[options.entry_points]\nconsole_scripts =\n    demo   =  demo.cli:main  \n    b = m:B\n",
        id="only the value part changes",
    ),
    pytest.param(
        "[options.entry_points]\r\nconsole_scripts = demo = old.cli:main\r\n",
        [ep("console_scripts", "demo", "demo.cli:main")],
        "[options.entry_points]\r\nconsole_scripts = demo = demo.cli:main\r\n",
        id="inline entry, CRLF",
    ),
    pytest.param(
        "[options.entry_points]\nconsole_scripts: demo=old.cli:main",
        [ep("console_scripts", "demo", "demo.cli:main"), ep("console_scripts", "z", "m:Z")],
        "[options.entry_points]\nconsole_scripts: demo=demo.cli:main\n    z = m:Z",
        id="inline entry after a colon, plus an addition, no final newline",
    ),
    pytest.param(
        "[options.entry_points]\nconsole_scripts =\n    demo =\n",
        [ep("console_scripts", "demo", "demo.cli:main")],
        "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n",
        id="empty value",
    ),
]


@pytest.mark.parametrize(("before", "specs", "after"), REPLACE)
def test_replace_rewrites_only_the_value(
    before: str, specs: list[EntryPointSpec], after: str
) -> None:
    result = add_entry_points(before, SETUPTOOLS, specs, replace=True)
    assert result.text == after
    assert [r.new.name for plan in result.plans for r in plan.replace] == ["demo"]
    assert add_entry_points(after, SETUPTOOLS, specs).text == after


# -- add_entry_points: refusals -----------------------------------------------


def test_conflict_names_both_targets_and_leaves_the_text() -> None:
    before = "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n"
    with pytest.raises(ConflictError) as info:
        add_entry_points(
            before,
            SETUPTOOLS,
            [ep("demo.plugins", "a", "demo.a:A"), ep("console_scripts", "demo", "demo.new:main")],
            path="setup.cfg",
        )
    assert str(info.value) == (
        "setup.cfg:3: entry point 'demo' in group 'console_scripts' already points to "
        "demo.cli:main, not demo.new:main\n"
        "  hint: edit it by hand, or pass --replace to point it to demo.new:main"
    )
    assert before == "[options.entry_points]\nconsole_scripts =\n    demo = demo.cli:main\n"


REFUSED = [
    pytest.param(
        SETUPTOOLS,
        ep("console_scripts", "50%", "demo.cli:main"),
        ValidationError,
        "setup.cfg: entry point '50% = demo.cli:main' in group 'console_scripts' contains "
        "'%': setuptools and pbr read setup.cfg with interpolation on, so a bare '%' breaks "
        "the build\n  hint: rename the entry point (or its group or target) without '%'",
        id="percent in a name",
    ),
    pytest.param(
        PBR,
        ep("console_scripts", "demo", "demo.cli:main%s"),
        ValidationError,
        "setup.cfg: entry point 'demo = demo.cli:main%s' in group 'console_scripts' contains "
        "'%': setuptools and pbr read setup.cfg with interpolation on, so a bare '%' breaks "
        "the build\n  hint: rename the entry point (or its group or target) without '%'",
        id="percent in a value",
    ),
    pytest.param(
        SETUPTOOLS,
        ep("console-scripts", "demo", "demo.cli:main"),
        ValidationError,
        "invalid entry-point group 'console-scripts': a group is words of letters, digits "
        "and underscores joined by dots\n  hint: use a name such as 'console_scripts'",
        id="invalid group",
    ),
    pytest.param(
        SETUPTOOLS,
        ep("console_scripts", "[demo]", "demo.cli:main"),
        ValidationError,
        "invalid entry-point name '[demo]': a name cannot start with '['\n"
        "  hint: use letters, digits, '_', '.' and '-' only",
        id="invalid name",
    ),
    pytest.param(
        SETUPTOOLS,
        ep("console_scripts", "demo", "demo-cli:main"),
        ValidationError,
        "invalid object reference 'demo-cli:main': 'demo-cli' is not a Python identifier\n"
        "  hint: write it as package.module:Attribute",
        id="invalid value",
    ),
    pytest.param(
        PBR,
        ep("Demo.Plugins", "a", "demo.a:A"),
        ValidationError,
        "setup.cfg: pbr lower-cases entry-point group names and turns '-' into '_', so group "
        "'Demo.Plugins' in [entry_points] would be registered as 'demo.plugins'\n"
        "  hint: use the group name 'demo.plugins' and load that group, or write to "
        "[options.entry_points] for setuptools",
        id="pbr group with capitals",
    ),
    pytest.param(
        PBR,
        ep("demo-plugins", "a", "demo.a:A"),
        ValidationError,
        "setup.cfg: pbr lower-cases entry-point group names and turns '-' into '_', so group "
        "'demo-plugins' in [entry_points] would be registered as 'demo_plugins'\n"
        "  hint: use the group name 'demo_plugins' and load that group, or write to "
        "[options.entry_points] for setuptools",
        id="pbr group with a dash",
    ),
]


@pytest.mark.parametrize(("section", "spec", "error", "message"), REFUSED)
def test_refused_entry_points(
    section: str, spec: EntryPointSpec, error: type[Exception], message: str
) -> None:
    before = f"[{section}]\nconsole_scripts =\n    other = demo.cli:other\n"
    with pytest.raises(error) as info:
        add_entry_points(before, section, [spec], path="setup.cfg")
    assert str(info.value) == message


def test_capitals_are_fine_in_setuptools_groups() -> None:
    result = add_entry_points("", SETUPTOOLS, [ep("Demo.Plugins", "a", "demo.a:A")])
    assert result.text == "[options.entry_points]\nDemo.Plugins =\n    a = demo.a:A\n"


def test_pbr_group_spelled_otherwise_in_the_file_is_a_conflict() -> None:
    before = "[entry_points]\nDemo.Plugins =\n    a = demo.a:A\n"
    with pytest.raises(ConflictError) as info:
        add_entry_points(before, PBR, [ep("demo.plugins", "b", "demo.b:B")], path="setup.cfg")
    assert str(info.value) == (
        "setup.cfg:2: [entry_points] already has group 'Demo.Plugins', which pbr reads as "
        "'demo.plugins'; a second option 'demo.plugins' would make pbr fail on a duplicate "
        "option\n  hint: rename 'Demo.Plugins' to 'demo.plugins' by hand, then run again"
    )


def test_group_inherited_from_default_is_not_hidden() -> None:
    before = "[DEFAULT]\ng =\n    a = m:A\n[options.entry_points]\n"
    with pytest.raises(ConflictError) as info:
        add_entry_points(before, SETUPTOOLS, [ep("g", "b", "m:B")], path="setup.cfg")
    assert str(info.value) == (
        "setup.cfg:2: group 'g' of [options.entry_points] comes from [DEFAULT]; an option of "
        "its own in [options.entry_points] would hide the entries written there\n"
        "  hint: move 'g' from [DEFAULT] into [options.entry_points] by hand, then run again"
    )


def test_default_options_are_groups_of_every_section() -> None:
    # As for setuptools, which reads every option of the section, inherited
    # ones too; writing to another group leaves them alone.
    before = "[DEFAULT]\nunrelated = 1\n[options.entry_points]\ng =\n    a = m:A\n"
    result = add_entry_points(before, SETUPTOOLS, [ep("g", "b", "m:B")])
    assert result.text == (
        "[DEFAULT]\nunrelated = 1\n[options.entry_points]\ng =\n    a = m:A\n    b = m:B\n"
    )
    with pytest.raises(ParseError, match=r"^2: line '1' of entry-point group 'unrelated'"):
        parse(result.text).entry_points(SETUPTOOLS)


def test_bad_entry_line_in_the_group_is_a_parse_error() -> None:
    before = "[options.entry_points]\nconsole_scripts =\n    demo.cli:main\n"
    with pytest.raises(ParseError, match=r"^setup\.cfg:3: line 'demo\.cli:main' of entry-point"):
        add_entry_points(before, SETUPTOOLS, [ep("console_scripts", "a", "m:A")], path="setup.cfg")


def test_bad_text_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"^setup\.cfg:2: section header '\[x' is not closed"):
        add_entry_points("[a]\n[x\n", SETUPTOOLS, [ep("g", "a", "m:A")], path="setup.cfg")


def test_only_entry_point_sections_are_written() -> None:
    with pytest.raises(ValueError, match="section must be one of"):
        add_entry_points("", "metadata", [ep("g", "a", "m:A")])


# -- the shared corpus --------------------------------------------------------

CORPUS_SPECS = [
    ("epmigrate.probe", "zeta", "epmigrate_probe.plugins:Zeta"),
    ("epmigrate.probe", "Alpha", "epmigrate_probe.plugins:Alpha"),
]


def _corpus_cfgs(corpus: Path) -> list[tuple[Path, str]]:
    files = corpus_files(corpus, ".cfg")
    assert files, "the manifest lists no .cfg file"
    # Bytes decoded by hand: read_text() would turn CRLF into LF.
    return [(path, path.read_bytes().decode("utf-8")) for path in files]


@pytest.mark.corpus
def test_corpus_round_trips_and_reads_like_configparser(corpus_dir: Path) -> None:
    for path, text in _corpus_cfgs(corpus_dir):
        doc = parse(text, path=str(path))
        assert doc.render() == text, path.name
        assert_reads_like_configparser(doc, text)


@pytest.mark.corpus
def test_corpus_entry_point_counts_match_the_manifest(corpus_dir: Path) -> None:
    rows = (corpus_dir / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    counted = 0
    for row in rows:
        name, *_, what = row.split("\t")
        match = re.search(r"(\d+) entry points", what)
        if not name.endswith(".cfg") or match is None:
            continue
        doc = parse((corpus_dir / name).read_bytes().decode("utf-8"))
        groups = doc.entry_points("entry_points" if doc.has_section("entry_points") else SETUPTOOLS)
        assert sum(len(entries) for entries in groups.values()) == int(match.group(1)), name
        counted += 1
    assert counted


@pytest.mark.corpus
def test_corpus_add_only_adds_lines(corpus_dir: Path) -> None:
    for path, text in _corpus_cfgs(corpus_dir):
        doc = parse(text)
        section = PBR if doc.has_section(PBR) else SETUPTOOLS
        before = doc.entry_points(section)
        first_group = next(iter(before))
        specs = [ep(g, n, v) for g, n, v in CORPUS_SPECS]
        specs.append(ep(first_group, "epmigrate-probe", "epmigrate_probe:Probe"))
        result = add_entry_points(text, section, specs)

        diff = list(difflib.unified_diff(text.splitlines(True), result.text.splitlines(True), n=0))
        removed = [line for line in diff[2:] if line.startswith("-")]
        added = [line for line in diff[2:] if line.startswith("+")]
        assert removed == [], path.name
        assert len(added) == 4, path.name  # the probe entry, a group line, two entries

        old, new = oracle(text), oracle(result.text)
        assert new.sections() == old.sections()
        for other in old.sections():
            if other != section:
                assert dict(new[other]) == dict(old[other]), (path.name, other)
        after = parse(result.text).entry_points(section)
        for group, entries in before.items():
            for name, existing in entries.items():
                assert after[group][name].value == existing.value
        assert {name: e.value for name, e in after["epmigrate.probe"].items()} == {
            "Alpha": "epmigrate_probe.plugins:Alpha",
            "zeta": "epmigrate_probe.plugins:Zeta",
        }
        assert after[first_group]["epmigrate-probe"].value == "epmigrate_probe:Probe"
        assert add_entry_points(result.text, section, specs).text == result.text, path.name
