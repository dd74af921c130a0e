"""setup.cfg as an INI document: every line as written, plus what configparser reads.

:func:`parse` keeps every line of the file as it is (content and line ending)
and, beside it, the structure :mod:`configparser` sees: sections, options and
the lines each value is made of. :meth:`Document.render` gives the text back
byte for byte; :meth:`Document.render_edited` gives it back with some lines
replaced and new ones inserted, which is all the rewriter
(:mod:`epmigrate.write.setupcfg`) ever changes.

Reading follows ``configparser.ConfigParser(interpolation=None)`` with
``optionxform = str`` rule for rule, because that is the parser setuptools
(``optionxform = str``) and pbr use:

* a line whose stripped text starts with ``#`` or ``;`` is a comment, also
  inside a value; inline comments are part of the value;
* a line indented deeper than the line of the open option continues its
  value; blank lines inside a value are kept as empty lines, trailing ones
  are dropped; every part is stripped;
* an option is ``name`` then the first ``=`` or ``:``; a header is ``[`` up to
  the *last* ``]`` of the stripped line, and may be indented;
* ``[DEFAULT]`` is not a section: its options show through every section and
  it may be opened more than once.

Two things are read the way the build reads the *file*, not the way
``ConfigParser.read_string`` reads a string. Line breaks are ``\\r\\n``,
``\\n`` and a lone ``\\r`` (setuptools and pbr open setup.cfg in text mode, so
universal newlines apply; ``read_string`` splits on ``\\n`` only, which
differs for a lone ``\\r``). A UTF-8 byte order mark is kept in the text but
not read as part of the first line, as a ``utf-8-sig`` reader would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from epmigrate.errors import ParseError
from epmigrate.write.text import BOM

if TYPE_CHECKING:
    # Imported where it is used: ``epmigrate move`` reads setup.cfg through
    # this module and never needs the merge rules (nor their imports).
    from epmigrate.write.merge import Existing

__all__ = ["DEFAULT_SECTION", "Document", "EntryLine", "Option", "Section", "parse", "pbr_group"]

DEFAULT_SECTION = "DEFAULT"

# One line: its content and its line ending. Only \r\n, \r and \n break lines,
# as in a text-mode file; str.splitlines would also break at \x0b, \x1c,
# \u2028 and others, which configparser keeps inside a line.
_LINE_RE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|)")
_COMMENT_PREFIXES = ("#", ";")


@dataclass(slots=True)
class Option:
    """One option: its line and the last line of its value."""

    section: str
    name: str
    line: int
    """0-based index of the option line."""
    delim: int
    """Index in the option line of the ``=`` or ``:`` after the name."""
    first: str
    """The stripped value on the option line itself."""
    end: int
    """Index of the last line that continues the value (``line`` when none does).

    Every line in between is a continuation, a blank line or a comment:
    anything else would have ended the value.
    """


@dataclass(slots=True)
class Section:
    """A section (or every ``[DEFAULT]`` block together) and its options."""

    name: str
    header: int
    options: dict[str, Option] = field(default_factory=dict)

    @property
    def end(self) -> int:
        """Index of the section's last line that is not blank or a comment."""
        # Options of a section follow each other, so the last one ends it
        # (not so for [DEFAULT] opened twice, which is never written to).
        return next(reversed(self.options.values())).end if self.options else self.header


@dataclass(frozen=True, slots=True)
class EntryLine:
    """An entry line of a group and where its value can be rewritten."""

    name: str
    value: str
    line: int
    """0-based line index."""
    search_from: int
    """Where to look for the entry's ``=`` in the line (after an option's delimiter)."""


class Document:
    """A parsed setup.cfg: every line as written, plus what configparser reads.

    Build one with :func:`parse`. Reads mirror
    ``configparser.ConfigParser(interpolation=None)`` with ``optionxform = str``;
    where configparser raises ``NoSectionError`` these methods return ``None``
    or an empty result instead.
    """

    __slots__ = ("_bom", "_contents", "_defaults", "_eols", "_sections", "_text", "path")

    def __init__(
        self,
        *,
        bom: str,
        contents: list[str],
        eols: list[str],
        sections: dict[str, Section],
        defaults: Section,
        path: str | None,
        text: str,
    ) -> None:
        self._bom = bom
        self._contents = contents
        self._eols = eols
        self._text = text
        self._sections = sections
        self._defaults = defaults
        self.path = path
        """The file name used in error messages, or ``None``."""

    def render(self) -> str:
        """The text, byte for byte as it was parsed."""
        # Built from the lines, not from the text kept for newline(), so that
        # the round-trip tests check the line model itself.
        return self._bom + "".join(map(str.__add__, self._contents, self._eols))

    def sections(self) -> list[str]:
        """Section names in file order, without ``DEFAULT`` (as configparser)."""
        return list(self._sections)

    def has_section(self, name: str) -> bool:
        """Whether the section exists; false for ``DEFAULT`` (as configparser)."""
        return name in self._sections

    def options(self, section: str) -> list[str]:
        """Option names of ``section``, then those it inherits from ``[DEFAULT]``.

        ``options("DEFAULT")`` lists the ``[DEFAULT]`` options (configparser
        raises there); an unknown section has none.
        """
        if section == DEFAULT_SECTION:
            return list(self._defaults.options)
        sect = self._sections.get(section)
        if sect is None:
            return []
        own = sect.options
        return [*own, *(name for name in self._defaults.options if name not in own)]

    def get(self, section: str, option: str) -> str | None:
        """The value as configparser gives it, or ``None`` when there is none."""
        opt = self.option(section, option)
        return None if opt is None else "\n".join(p for _, p in self._parts(opt)).rstrip()

    def entry_points(self, section: str) -> dict[str, dict[str, Existing]]:
        """Entry points of ``section``: group -> name -> :class:`Existing`.

        Every option of the section is a group whose value is lines of
        ``name = value``; blank and comment lines are skipped. ``Existing.line``
        is the 1-based line of the entry. When a name appears twice in a group
        the first one is returned. Raises :class:`ParseError` for a line
        without ``=``.
        """
        from epmigrate.write.merge import Existing

        out: dict[str, dict[str, Existing]] = {}
        for group in self.options(section):
            opt = self.option(section, group)
            assert opt is not None  # options() lists only options that exist
            out[group] = {e.name: Existing(e.value, e.line + 1) for e in self.entry_lines(opt)}
        return out

    # -- what the rewriter reads and edits, by line ---------------------------

    @property
    def lines(self) -> Sequence[str]:
        """The content of each line, without its line ending."""
        return self._contents

    @property
    def defaults(self) -> Section:
        """Every ``[DEFAULT]`` block together (header ``-1`` when there is none)."""
        return self._defaults

    def section(self, name: str) -> Section | None:
        """The section called ``name`` (never ``DEFAULT``), if there is one."""
        return self._sections.get(name)

    def all_sections(self) -> list[Section]:
        """``[DEFAULT]`` first, then every section in file order."""
        return [self._defaults, *self._sections.values()]

    def option(self, section: str, option: str) -> Option | None:
        """The option as configparser finds it: in ``section``, else in ``[DEFAULT]``."""
        if section == DEFAULT_SECTION:
            return self._defaults.options.get(option)
        sect = self._sections.get(section)
        if sect is None:
            return None
        opt = sect.options.get(option)
        return opt if opt is not None else self._defaults.options.get(option)

    def _parts(self, opt: Option) -> list[tuple[int, str]]:
        """The parts configparser joins into the value, with their line index.

        A part is a stripped line; a blank line gives ``""``; comment lines
        give nothing.
        """
        parts = [(opt.line, opt.first)]
        contents = self._contents
        for index in range(opt.line + 1, opt.end + 1):
            stripped = contents[index].strip()
            if not stripped.startswith(_COMMENT_PREFIXES):
                parts.append((index, stripped))
        return parts

    def entry_lines(self, opt: Option) -> list[EntryLine]:
        """The entry lines of a group, first of each name only, in file order."""
        seen: set[str] = set()
        out: list[EntryLine] = []
        for index, part in self._parts(opt):
            if not part:
                continue
            name, eq, value = part.partition("=")
            name = name.strip()
            if not eq or not name:
                what = "has no '='" if not eq else "has no name before '='"
                raise ParseError(
                    f"line {part!r} of entry-point group {opt.name!r} in [{opt.section}] {what}",
                    path=self.path,
                    line=index + 1,
                    hint="write each entry point as 'name = package.module:Attr' on its own "
                    "indented line",
                )
            if name in seen:
                continue
            seen.add(name)
            search_from = opt.delim + 1 if index == opt.line else 0
            out.append(EntryLine(name, value.strip(), index, search_from))
        return out

    def newline(self) -> str:
        """The most common line ending; the first seen wins a tie; ``\\n`` if none."""
        text = self._text
        crlf = text.count("\r\n")
        counts = {"\r\n": crlf, "\n": text.count("\n") - crlf, "\r": text.count("\r") - crlf}
        most = max(counts.values())
        if not most:
            return "\n"
        tied = [eol for eol, count in counts.items() if count == most]
        if len(tied) == 1:
            return tied[0]
        # A tie goes to the ending seen first.
        return next(eol for eol in self._eols if eol in tied)

    def indent(self, index: int) -> str:
        """The leading whitespace of line ``index``."""
        content = self._contents[index]
        return content[: len(content) - len(content.lstrip())]

    def render_edited(
        self, replaced: dict[int, str], after: dict[int, list[str]], newline: str
    ) -> str:
        """The text with some line contents replaced and new lines inserted.

        ``after[i]`` holds lines (without line ending) to insert after line
        ``i``; ``after[-1]`` those of a document that has no line at all. New
        lines end with ``newline``, except that after a last line without a
        line ending the ending goes *before* each new line, so the file keeps
        ending the way it did.
        """
        out = [self._bom]
        for line in after.get(-1, ()):
            out += (line, newline)
        contents, eols = self._contents, self._eols
        last = len(contents) - 1
        prev = 0
        # Copy the untouched runs of lines as they are: linear in the file.
        for i in sorted(replaced.keys() | after.keys() - {-1}):
            out += map(str.__add__, contents[prev:i], eols[prev:i])
            out.append(replaced.get(i, contents[i]))
            eol = eols[i]
            new = after.get(i, ())
            if eol or not new:
                out.append(eol)
                endings = [newline] * len(new)
                # A lone "\r" before a "\n" would read as one "\r\n": two
                # lines would become one. Only a file that mixes lone "\r" with
                # "\n" can get there; "\r\n" keeps the lines apart.
                if new and eol == "\r" and not new[0] and newline == "\n":
                    endings[0] = "\r\n"
                if new and newline == "\r" and i < last and contents[i + 1] + eols[i + 1] == "\n":
                    endings[-1] = "\r\n"
                out += map(str.__add__, new, endings)
            else:
                for line in new:
                    out += (newline, line)
            prev = i + 1
        out += map(str.__add__, contents[prev:], eols[prev:])
        return "".join(out)

    def render_without(self, drop: Iterable[int]) -> str:
        """The text without the lines at the indexes in ``drop``.

        When the last line kept is the file's last line that had no line
        ending, it keeps having none; when the dropped lines end the file, the
        new last line keeps its own ending.
        """
        gone = set(drop)
        contents, eols = self._contents, self._eols
        out = [self._bom]
        out += (contents[i] + eols[i] for i in range(len(contents)) if i not in gone)
        return "".join(out)


def pbr_group(group: str) -> str:
    """The group name pbr registers for an option of setup.cfg ``[entry_points]``.

    Here, beside the reading of the file, so that a reader of setup.cfg
    (``epmigrate move``) has pbr's rule without the writer's imports.
    """
    return group.lower().replace("-", "_")


def _split_lines(body: str) -> tuple[list[str], list[str]]:
    """Line contents and line endings (``""`` for a last line without one)."""
    crlf = body.count("\r\n")
    cr = body.count("\r")
    # Files with one kind of line ending take the fast str.split path.
    sep = "\n" if not cr else "\r\n" if crlf == cr == body.count("\n") else ""
    if sep:
        contents = body.split(sep)
        eols = [sep] * len(contents)
        if contents[-1]:
            eols[-1] = ""
        else:
            contents.pop()
            eols.pop()
        return contents, eols
    contents = []
    eols = []
    for m in _LINE_RE.finditer(body):
        content, eol = m.group(1, 2)
        if not eol and not content:
            break  # the empty match at the end of the text
        contents.append(content)
        eols.append(eol)
    return contents, eols


def parse(text: str, *, path: str | None = None, delimiters: str = "=:") -> Document:
    """Parse setup.cfg text into a :class:`Document`.

    ``delimiters`` separate an option's name from its value: ``=`` and ``:``
    as configparser's default (setup.cfg); ``=`` alone for the entry-points
    files setuptools reads (``name:variant = value`` is one name there).

    Raises :class:`ParseError` (with ``path`` and the 1-based line) wherever
    configparser refuses the text: a line outside any section, an unclosed
    header, a duplicate section or option, an indented line that continues no
    option, a line that is neither option nor continuation.
    """
    bom = BOM if text.startswith(BOM) else ""
    contents, eols = _split_lines(text[len(bom) :])
    sections: dict[str, Section] = {}
    defaults = Section(DEFAULT_SECTION, header=-1)
    cur: Section | None = None
    opt: Option | None = None
    # The indentation of the last option or header line: a line continues the
    # open option only when it is indented deeper (configparser's rule).
    indent_level = 0
    for i, content in enumerate(contents):
        stripped = content.strip()
        # Blank and comment lines need no record: _parts() reads the blank
        # lines inside a value back from the lines between option and end.
        if not stripped:
            continue
        head = stripped[0]
        if head == "#" or head == ";":
            continue
        indent = 0 if content[0] == head else len(content) - len(content.lstrip())
        if opt is not None and indent > indent_level:
            opt.end = i
            continue
        indent_level = indent
        close = stripped.rfind("]") if head == "[" else -1
        if close >= 2:
            name = stripped[1:close]
            if name == DEFAULT_SECTION:
                # configparser lets [DEFAULT] open again; its options join the first block.
                cur = defaults
                if cur.header < 0:
                    cur.header = i
            elif name in sections:
                raise ParseError(
                    f"duplicate section [{name}] (first at line {sections[name].header + 1})",
                    path=path,
                    line=i + 1,
                    hint="merge the two sections into one; setuptools and pbr refuse a "
                    "file that repeats a section",
                )
            else:
                cur = sections[name] = Section(name, header=i)
            opt = None
            continue
        eq = stripped.find("=")
        colon = stripped.find(":") if ":" in delimiters else -1
        delim = eq if colon < 0 or 0 <= eq < colon else colon
        if cur is None or delim < 0:
            raise _line_error(stripped, i, indent, cur, opt, path)
        name = stripped[:delim].rstrip()
        if not name:
            raise ParseError(
                f"option line {stripped!r} in [{cur.name}] has no name before {stripped[delim]!r}",
                path=path,
                line=i + 1,
                hint="give the option a name, or indent the line to continue the option above",
            )
        if name in cur.options:
            raise ParseError(
                f"duplicate option {name!r} in [{cur.name}] "
                f"(first at line {cur.options[name].line + 1})",
                path=path,
                line=i + 1,
                hint="merge the two values into one option; setuptools and pbr refuse a "
                "section that repeats an option",
            )
        first = stripped[delim + 1 :].strip()
        opt = cur.options[name] = Option(cur.name, name, i, indent + delim, first, i)
    return Document(
        bom=bom,
        contents=contents,
        eols=eols,
        sections=sections,
        defaults=defaults,
        path=path,
        text=text,
    )


def _line_error(
    stripped: str,
    index: int,
    indent: int,
    cur: Section | None,
    opt: Option | None,
    path: str | None,
) -> ParseError:
    """The error for a line that is no header, no option and no continuation."""
    line = index + 1
    if stripped.startswith("["):
        # Only "[" or "[]" without a later "]" gets here: no header configparser knows.
        what = "has no name" if "]" in stripped else "is not closed"
        return ParseError(
            f"section header {stripped!r} {what}",
            path=path,
            line=line,
            hint="end the header with ']', e.g. [options.entry_points]",
        )
    if cur is None:
        return ParseError(
            f"line {stripped!r} comes before any section header",
            path=path,
            line=line,
            hint="put it under a section such as [metadata], or comment it out with '#'",
        )
    if opt is None and indent > 0:
        return ParseError(
            f"indented line {stripped!r} continues no option: no option of [{cur.name}] "
            "comes before it",
            path=path,
            line=line,
            hint="add the option line ('name =') above it, or write it as 'name = value'",
        )
    after = f"not indented deeper than option {opt.name!r}" if opt else "not indented"
    return ParseError(
        f"line {stripped!r} in [{cur.name}] is not 'name = value' and {after}, so it "
        "continues nothing",
        path=path,
        line=line,
        col=indent + 1,
        hint="indent it deeper to continue the option above, or add '= value'",
    )
