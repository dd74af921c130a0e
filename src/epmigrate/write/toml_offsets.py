"""Where things are in a TOML text: headers, key-values and inline tables, with offsets.

The pyproject.toml rewriter edits the text itself, at offsets this module
finds, so that every other byte stays as it was (see
:mod:`epmigrate.write.pyproject` for why not through tomlkit's model).

:class:`TomlLayout` reads only text that tomllib has accepted, so it need not
report errors; it only has to find the ends of keys, values and lines
correctly.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass, field

__all__ = ["InlineTable", "KeyValue", "TableHeader", "TomlLayout", "TomlPath"]

TomlPath = tuple[str, ...]
"""The keys that lead to a table or value: ``("project", "entry-points", "group")``."""


@dataclass
class InlineTable:
    """An inline table ``{...}``: offsets of its braces and its items."""

    path: TomlPath | None
    open: int
    close: int = -1
    items: list[KeyValue] = field(default_factory=list)


@dataclass
class KeyValue:
    """One ``key = value`` with the offsets an edit needs."""

    table: TomlPath | None  # path of the header or inline table it stands in
    path: TomlPath | None  # table + its (dotted) key
    key_start: int
    seg_starts: list[int]  # offset of each segment of a dotted key
    key_end: int
    value_start: int
    value_end: int
    indent: str
    inline: InlineTable | None  # the value, when it is an inline table
    parent: InlineTable | None  # the inline table it stands in, if any
    line_end: int = -1  # offset after its line's newline (header bodies only)


@dataclass
class TableHeader:
    """A ``[table]`` or ``[[array]]`` header and the key-values of its body."""

    path: TomlPath
    aot: bool
    line_end: int
    kvs: list[KeyValue] = field(default_factory=list)


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^\s,\]}#]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_TIME_AFTER_SPACE = re.compile(r" \d{2}:")


class TomlLayout:
    """Headers and key-values of a TOML text, with offsets.

    ``headers[0]`` stands for the root table (the key-values before any
    header); it has no header line and :meth:`header` never returns it.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.headers: list[TableHeader] = [TableHeader((), False, 0)]
        self.kvs: list[KeyValue] = []
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._read_structure()
        # Valid TOML sets each path once.
        self._by_path = {kv.path: kv for kv in self.kvs if kv.path is not None}

    # -- queries

    def line_of(self, offset: int) -> int:
        """1-based line number of ``offset``."""
        return bisect.bisect_left(self._newlines, offset) + 1

    def key_value(self, path: TomlPath) -> KeyValue | None:
        """The key-value that sets ``path``, if one does."""
        return self._by_path.get(path)

    def line_of_key(self, path: TomlPath) -> int | None:
        """Line of the key-value that sets ``path``, if one does."""
        kv = self.key_value(path)
        return None if kv is None else self.line_of(kv.key_start)

    def header(self, path: TomlPath) -> TableHeader | None:
        """The ``[path]`` header, if there is one."""
        for header in self.headers[1:]:
            if header.path == path and not header.aot:
                return header
        return None

    def inline(self, path: TomlPath) -> InlineTable | None:
        """The inline table that is the value at ``path``, if there is one."""
        kv = self.key_value(path)
        return None if kv is None else kv.inline

    def dotted_through(self, path: TomlPath) -> list[KeyValue]:
        """Key-values whose dotted key passes through ``path``."""
        depth = len(path)
        return [
            kv
            for kv in self.kvs
            if kv.path is not None
            and kv.table is not None
            and len(kv.table) < depth < len(kv.path)
            and kv.path[:depth] == path
        ]

    def headers_under(self, path: TomlPath) -> list[TableHeader]:
        """Headers at or below ``path`` (those making it a super-table included)."""
        depth = len(path)
        return [header for header in self.headers[1:] if header.path[:depth] == path]

    # -- reading

    def _read_structure(self) -> None:
        text, n = self.text, len(self.text)
        current = self.headers[0]
        while True:
            self._skip_space(newlines=True)
            if self.pos >= n:
                break
            line_start = text.rfind("\n", 0, self.pos) + 1
            if text[self.pos] == "[":
                aot = text.startswith("[[", self.pos)
                self.pos += 2 if aot else 1
                self._skip_space()
                segments, _ = self._read_key()
                self._skip_space()
                self.pos += 2 if aot else 1
                current = TableHeader(tuple(segments), aot, self._end_of_line())
                self.headers.append(current)
            else:
                kv = self._read_key_value(current.path, None, text[line_start : self.pos])
                kv.line_end = self._end_of_line()
                current.kvs.append(kv)

    def _end_of_line(self) -> int:
        self._skip_space()
        if self.text.startswith("#", self.pos):
            end = self.text.find("\n", self.pos)
            self.pos = len(self.text) if end < 0 else end
        if self.text.startswith("\n", self.pos):
            self.pos += 1
        elif self.text.startswith("\r\n", self.pos):
            self.pos += 2
        return self.pos

    def _skip_space(self, *, newlines: bool = False) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n:
            ch = text[self.pos]
            if ch in " \t" or (newlines and ch in "\r\n"):
                self.pos += 1
            elif newlines and ch == "#":
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end
            else:
                break

    def _read_key(self) -> tuple[list[str], list[int]]:
        segments: list[str] = []
        starts: list[int] = []
        text = self.text
        while True:
            start = self.pos
            starts.append(start)
            if text[start] in "\"'":
                self.pos = self._string_end(start)
                raw = text[start : self.pos]
                # tomllib decodes the escapes of a quoted key exactly.
                segments.append(next(iter(tomllib.loads(f"{raw} = 0"))))
            else:
                match = _BARE.match(text, start)
                assert match is not None, f"no key at offset {start}"
                self.pos = match.end()
                segments.append(match.group())
            save = self.pos
            self._skip_space()
            if text.startswith(".", self.pos):
                self.pos += 1
                self._skip_space()
            else:
                self.pos = save
                return segments, starts

    def _read_key_value(
        self, table: TomlPath | None, parent: InlineTable | None, indent: str
    ) -> KeyValue:
        key_start = self.pos
        segments, starts = self._read_key()
        key_end = self.pos
        self._skip_space()
        self.pos += 1  # "="
        self._skip_space()
        value_start = self.pos
        path = None if table is None else (*table, *segments)
        inline = self._read_value(path)
        kv = KeyValue(
            table=table,
            path=path,
            key_start=key_start,
            seg_starts=starts,
            key_end=key_end,
            value_start=value_start,
            value_end=self.pos,
            indent=indent,
            inline=inline,
            parent=parent,
        )
        if table is not None:
            self.kvs.append(kv)
        return kv

    def _string_end(self, start: int) -> int:
        text = self.text
        quote = text[start]
        if text.startswith(quote * 3, start):
            i = start + 3
            while not text.startswith(quote * 3, i):
                i += 2 if quote == '"' and text[i] == "\\" else 1
            # Up to two quotes right before the closing ones belong to the string.
            end = i + 3
            while end < len(text) and text[end] == quote and end - i < 5:
                end += 1
            return end
        i = start + 1
        while text[i] != quote:
            i += 2 if quote == '"' and text[i] == "\\" else 1
        return i + 1

    def _read_value(self, path: TomlPath | None) -> InlineTable | None:
        text = self.text
        ch = text[self.pos]
        if ch in "\"'":
            self.pos = self._string_end(self.pos)
        elif ch == "[":
            self.pos += 1
            while True:
                self._skip_space(newlines=True)
                if text[self.pos] == "]":
                    self.pos += 1
                    break
                # Tables inside arrays are no place for entry points: not indexed.
                self._read_value(None)
                self._skip_space(newlines=True)
                if text[self.pos] == ",":
                    self.pos += 1
        elif ch == "{":
            inline = InlineTable(path, self.pos)
            self.pos += 1
            while True:
                self._skip_space(newlines=True)
                if text[self.pos] == "}":
                    inline.close = self.pos
                    self.pos += 1
                    return inline
                inline.items.append(self._read_key_value(path, inline, ""))
                self._skip_space(newlines=True)
                if text[self.pos] == ",":
                    self.pos += 1
        else:
            match = _SCALAR.match(text, self.pos)
            assert match is not None, f"no value at offset {self.pos}"
            self.pos = match.end()
            # A local date-time may separate date and time with one space.
            if _DATE.match(match.group()) and _TIME_AFTER_SPACE.match(text, self.pos):
                match = _SCALAR.match(text, self.pos + 1)
                assert match is not None
                self.pos = match.end()
        return None
