"""Add entry points to a pyproject.toml and change nothing else in it.

The core is pure: :func:`add_entry_points` takes the file's text and returns an
:class:`~epmigrate.write.merge.EditResult`. What to add, keep or replace is
decided by :func:`~epmigrate.write.merge.plan_merge`; this module only decides
*where* the entries go and how they are spelled.

Where they go depends on how the build reads the file:

* ``[project]`` (PEP 621): ``[project.entry-points."group"]``, with
  ``console_scripts`` in ``[project.scripts]`` and ``gui_scripts`` in
  ``[project.gui-scripts]``;
* Poetry without ``[project]`` (or with ``[tool.poetry.plugins]`` already in
  use): ``[tool.poetry.plugins."group"]`` and ``[tool.poetry.scripts]``;
* neither: the build does not read entry points from this file at all, so
  nothing is written (:class:`~epmigrate.errors.TargetError`).

tomlkit parses the file (its errors carry a line and column) and spells keys
and strings. The edit itself is made in the text, at offsets found by a small
scanner of the TOML structure, rather than through tomlkit's document model:
rendering a changed tomlkit document moves new super-tables in between dotted
keys of ``[project]``, writes ``\\n`` into CRLF files, drops the blank line
before a new table and packs inline tables as ``{a = "x",b = "y"}``. Inserting
text at known offsets keeps every other byte. As a last guard, the new text is
read back with :mod:`tomllib` (what build backends use) and must equal the old
data plus exactly the planned entries.
"""

from __future__ import annotations

import bisect
import copy
import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import tomlkit
import tomlkit.exceptions

from epmigrate.config import TOO_DEEP_START, read_toml
from epmigrate.errors import ParseError, TargetError
from epmigrate.model import EntryPointSpec
from epmigrate.write.merge import EditResult, Existing, MergePlan, group_by, plan_merge

__all__ = [
    "Style",
    "add_entry_points",
    "detect_style",
    "entry_points_dynamic",
    "existing_entry_points",
]

Style = Literal["project", "poetry", "none"]
"""How a pyproject.toml declares its project: PEP 621, Poetry, or not at all."""

_BOM = "\ufeff"
_Path = tuple[str, ...]


# --------------------------------------------------------------------------
# Reading


def _strip_bom(text: str) -> tuple[str, str]:
    # Neither tomllib nor tomlkit accepts a byte order mark; keep it aside and
    # put it back in front of the result.
    if text.startswith(_BOM):
        return _BOM, text[1:]
    return "", text


def _load(text: str, path: str | None) -> dict[str, Any]:
    """Parse ``text`` (without BOM); raise :class:`ParseError` with a location.

    tomllib (what build backends use) decides what is valid; tomlkit, whose
    messages carry a line and column, only words the error for a file tomllib
    refuses. tomlkit refuses values nested over 100 levels that tomllib reads:
    such a file is valid, and the edit (made in the text) does not need tomlkit.
    """
    try:
        return read_toml(text, path)
    except ParseError as error:
        if error.message.startswith(TOO_DEEP_START):
            raise
        try:
            tomlkit.parse(text)
        except tomlkit.exceptions.ParseError as exc:
            message = re.sub(r" at line \d+ col \d+$", "", str(exc))
            if "nested more than" not in message:
                raise ParseError(
                    f"{_file_name(path)} is not valid TOML: {message}",
                    path=path,
                    line=exc.line,
                    # tomlkit counts columns from 0; editors and tomllib count from 1.
                    col=exc.col + 1,
                    hint="fix the TOML syntax there first; nothing was written",
                ) from exc
        except RecursionError:
            pass
        raise


def _file_name(path: str | None) -> str:
    # Messages name the file; the full path is already in the location.
    return os.path.basename(path) if path else "pyproject.toml"


def _style_of(data: Mapping[str, Any]) -> Style:
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if isinstance(poetry, dict) and "plugins" in poetry:
        return "poetry"
    if "project" in data:
        return "project"
    if isinstance(poetry, dict):
        return "poetry"
    return "none"


def detect_style(text: str, *, path: str | None = None) -> Style:
    """Which tables of this pyproject.toml the build reads entry points from.

    ``"project"`` for a ``[project]`` table, ``"poetry"`` for a ``[tool.poetry]``
    table without ``[project]`` or for an existing ``[tool.poetry.plugins]``,
    ``"none"`` otherwise. Raises :class:`ParseError` for invalid TOML.
    """
    return _style_of(_load(_strip_bom(text)[1], path))


def _dynamic(data: Mapping[str, Any]) -> list[str]:
    project = data.get("project")
    dynamic = project.get("dynamic") if isinstance(project, dict) else None
    return [d for d in dynamic if isinstance(d, str)] if isinstance(dynamic, list) else []


def entry_points_dynamic(text: str) -> bool:
    """Whether ``"entry-points"`` is listed in ``project.dynamic``.

    Then the build takes entry points from setup.cfg or setup.py, not from
    ``[project.entry-points]``. Raises :class:`ParseError` for invalid TOML.
    """
    return "entry-points" in _dynamic(_load(_strip_bom(text)[1], None))


def _target_path(style: Style, group: str) -> _Path:
    if style == "poetry":
        if group == "console_scripts":
            return ("tool", "poetry", "scripts")
        return ("tool", "poetry", "plugins", group)
    if group == "console_scripts":
        return ("project", "scripts")
    if group == "gui_scripts":
        return ("project", "gui-scripts")
    return ("project", "entry-points", group)


def _dynamic_field(group: str) -> str:
    return {"console_scripts": "scripts", "gui_scripts": "gui-scripts"}.get(group, "entry-points")


def _render_key(key: str) -> str:
    # Quoted only when a bare key cannot spell it, as tomlkit decides.
    return tomlkit.key(key).as_string()


def _label(path: _Path) -> str:
    return "[" + ".".join(_render_key(p) for p in path) + "]"


def _get(data: Mapping[str, Any], path: _Path) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _entry_value(value: Any, poetry_script: bool) -> str | None:
    if isinstance(value, str):
        return value
    if poetry_script and isinstance(value, dict):
        # Poetry scripts may be tables: {callable = "m:f"} or
        # {reference = "m:f", type = "console"}; a "file" script is no entry point.
        if isinstance(value.get("callable"), str):
            return str(value["callable"])
        if value.get("type", "console") == "console" and isinstance(value.get("reference"), str):
            return str(value["reference"])
        return None
    # Not an entry point the build accepts; still reported so a write of the
    # same name conflicts with it instead of breaking the file.
    return str(value)


def _existing_at(
    data: Mapping[str, Any], index: _Index, path: _Path, poetry_script: bool
) -> dict[str, Existing]:
    table = _get(data, path)
    if not isinstance(table, dict):
        return {}
    out: dict[str, Existing] = {}
    for name, raw in table.items():
        value = _entry_value(raw, poetry_script)
        if value is not None:
            out[name] = Existing(value, index.line_of_key((*path, name)))
    return out


def _existing(
    data: Mapping[str, Any], index: _Index, style: Style
) -> dict[str, dict[str, Existing]]:
    out: dict[str, dict[str, Existing]] = {}
    if style == "project":
        groups = _get(data, ("project", "entry-points"))
        for group in groups if isinstance(groups, dict) else ():
            out[group] = _existing_at(data, index, ("project", "entry-points", group), False)
        for group in ("console_scripts", "gui_scripts"):
            found = _existing_at(data, index, _target_path(style, group), False)
            if found:
                out[group] = found
    elif style == "poetry":
        groups = _get(data, ("tool", "poetry", "plugins"))
        for group in groups if isinstance(groups, dict) else ():
            out[group] = _existing_at(data, index, ("tool", "poetry", "plugins", group), False)
        scripts = _existing_at(data, index, ("tool", "poetry", "scripts"), True)
        if scripts:
            out["console_scripts"] = scripts
    return out


def existing_entry_points(text: str, *, path: str | None = None) -> dict[str, dict[str, Existing]]:
    """Entry points the file declares where the build reads them, by group.

    Scripts are reported under ``console_scripts`` and ``gui_scripts``. Lines
    are 1-based. A file of style ``"none"`` declares none. Raises
    :class:`ParseError` for invalid TOML.
    """
    body = _strip_bom(text)[1]
    data = _load(body, path)
    return _existing(data, _Index(body), _style_of(data))


# --------------------------------------------------------------------------
# Where things are: a scanner of the TOML structure, with offsets.
#
# It runs only on text tomllib has accepted, so it need not report errors; it
# only has to find the ends of keys, values and lines correctly.


@dataclass
class _Inline:
    """An inline table ``{...}``: offsets of its braces and its items."""

    path: _Path | None
    open: int
    close: int = -1
    items: list[_KeyValue] = field(default_factory=list)


@dataclass
class _KeyValue:
    """One ``key = value`` with the offsets an edit needs."""

    table: _Path | None  # path of the header or inline table it stands in
    path: _Path | None  # table + its (dotted) key
    key_start: int
    seg_starts: list[int]  # offset of each segment of a dotted key
    key_end: int
    value_start: int
    value_end: int
    indent: str
    inline: _Inline | None  # the value, when it is an inline table
    parent: _Inline | None  # the inline table it stands in, if any
    line_end: int = -1  # offset after its line's newline (header bodies only)


@dataclass
class _Header:
    """A ``[table]`` or ``[[array]]`` header and the key-values of its body."""

    path: _Path
    aot: bool
    line_end: int
    kvs: list[_KeyValue] = field(default_factory=list)


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^\s,\]}#]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_TIME_AFTER_SPACE = re.compile(r" \d{2}:")


class _Index:
    """Headers and key-values of a TOML text, with offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.headers: list[_Header] = [_Header((), False, 0)]
        self.kvs: list[_KeyValue] = []
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._scan()
        # Valid TOML sets each path once.
        self._by_path = {kv.path: kv for kv in self.kvs if kv.path is not None}

    # -- queries

    def line_of(self, offset: int) -> int:
        """1-based line number of ``offset``."""
        return bisect.bisect_left(self._newlines, offset) + 1

    def key_value(self, path: _Path) -> _KeyValue | None:
        """The key-value that sets ``path``, if one does."""
        return self._by_path.get(path)

    def line_of_key(self, path: _Path) -> int | None:
        """Line of the key-value that sets ``path``, if one does."""
        kv = self.key_value(path)
        return None if kv is None else self.line_of(kv.key_start)

    def header(self, path: _Path) -> _Header | None:
        """The ``[path]`` header, if there is one."""
        for h in self.headers:
            if h.path == path and not h.aot and h is not self.headers[0]:
                return h
        return None

    def inline(self, path: _Path) -> _Inline | None:
        """The inline table that is the value at ``path``, if there is one."""
        kv = self.key_value(path)
        return None if kv is None else kv.inline

    def dotted(self, path: _Path) -> list[_KeyValue]:
        """Key-values whose dotted key passes through ``path``."""
        n = len(path)
        return [
            kv
            for kv in self.kvs
            if kv.path is not None
            and kv.table is not None
            and len(kv.table) < n < len(kv.path)
            and kv.path[:n] == path
        ]

    def headers_under(self, path: _Path) -> list[_Header]:
        """Headers at or below ``path`` (those making it a super-table included)."""
        n = len(path)
        return [h for h in self.headers[1:] if h.path[:n] == path]

    # -- scanning

    def _scan(self) -> None:
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
                segments, _ = self._key()
                self._skip_space()
                self.pos += 2 if aot else 1
                current = _Header(tuple(segments), aot, self._end_of_line())
                self.headers.append(current)
            else:
                kv = self._key_value(current.path, None, text[line_start : self.pos])
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

    def _key(self) -> tuple[list[str], list[int]]:
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

    def _key_value(self, table: _Path | None, parent: _Inline | None, indent: str) -> _KeyValue:
        key_start = self.pos
        segments, starts = self._key()
        key_end = self.pos
        self._skip_space()
        self.pos += 1  # "="
        self._skip_space()
        value_start = self.pos
        path = None if table is None else (*table, *segments)
        inline = self._value(path)
        kv = _KeyValue(
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

    def _value(self, path: _Path | None) -> _Inline | None:
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
                self._value(None)
                self._skip_space(newlines=True)
                if text[self.pos] == ",":
                    self.pos += 1
        elif ch == "{":
            inline = _Inline(path, self.pos)
            self.pos += 1
            while True:
                self._skip_space(newlines=True)
                if text[self.pos] == "}":
                    inline.close = self.pos
                    self.pos += 1
                    return inline
                inline.items.append(self._key_value(path, inline, ""))
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


# --------------------------------------------------------------------------
# Writing


@dataclass(order=True)
class _Edit:
    start: int
    seq: int
    end: int
    new: str


class _Writer:
    """Collects edits against one text and applies them at once."""

    def __init__(self, text: str, index: _Index) -> None:
        self.text = text
        self.index = index
        self.edits: list[_Edit] = []

    def replace(self, start: int, end: int, new: str) -> None:
        self.edits.append(_Edit(start, len(self.edits), end, new))

    def insert(self, offset: int, new: str) -> None:
        self.replace(offset, offset, new)

    def newline_at(self, offset: int) -> str:
        """The line ending of the line that ends right before ``offset``."""
        text = self.text
        if offset > 0 and text[offset - 1] == "\n":
            return "\r\n" if text[offset - 2 : offset] == "\r\n" else "\n"
        first = text.find("\n")
        return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"

    def insert_lines(self, offset: int, lines: Sequence[str], *, blank_before: bool) -> None:
        """Insert whole lines at ``offset`` (a line start, or the end of the text)."""
        nl = self.newline_at(offset)
        block = (nl if blank_before else "") + nl.join(lines) + nl
        if offset == len(self.text) and self.text and not self.text.endswith("\n"):
            # The last line has no newline: start with one, and leave the file
            # without a final newline as it was.
            block = nl + block[: -len(nl)]
        self.insert(offset, block)

    def apply(self) -> str:
        out: list[str] = []
        pos = 0
        for edit in sorted(self.edits):
            assert edit.start >= pos, "overlapping edits"
            out.append(self.text[pos : edit.start])
            out.append(edit.new)
            pos = edit.end
        out.append(self.text[pos:])
        return "".join(out)


def _render_value(value: str, like: _KeyValue | None, text: str) -> str:
    # Follow the quoting of the neighbouring entry: 'literal' or "basic".
    literal = like is not None and text[like.value_start] == "'"
    return tomlkit.string(value, literal=literal).as_string()


def _separator(like: _KeyValue | None, text: str) -> str:
    # "key=value" when the neighbour is written so; otherwise the usual " = ".
    if like is not None and text[like.key_end : like.value_start] == "=":
        return "="
    return " = "


def _item(key: str, value: str, like: _KeyValue | None, text: str) -> str:
    return f"{key}{_separator(like, text)}{_render_value(value, like, text)}"


def _add_to_inline(
    writer: _Writer, inline: _Inline, items: Sequence[tuple[str, str | None]]
) -> None:
    """Add ``key = value`` items (already rendered keys) to an inline table.

    A ``None`` value means the key is followed by a rendered inline table in
    the key itself (used for a new nested group).
    """
    text = writer.text
    like = inline.items[-1] if inline.items else None
    rendered = [k if v is None else _item(k, v, like, text) for k, v in items]
    if like is None:
        writer.replace(inline.open, inline.close + 1, "{" + ", ".join(rendered) + "}")
        return
    sep = ", "
    if len(inline.items) > 1:
        between = text[inline.items[0].value_end : inline.items[1].key_start]
        if "\n" not in between:
            sep = between
    after = inline.items[-1].value_end
    rest = text[after : inline.close]
    if rest.strip().startswith(","):
        # A trailing comma (TOML 1.1): add after it, keeping one at the end.
        comma = after + rest.index(",") + 1
        writer.insert(comma, "".join(f"{sep[1:] or ' '}{r}," for r in rendered))
    else:
        writer.insert(after, "".join(f"{sep}{r}" for r in rendered))


def _add_entries(
    writer: _Writer,
    target: _Path,
    entries: Sequence[tuple[str, str]],
    path: str | None,
) -> None:
    """Add new ``(name, value)`` entries to the table at ``target``."""
    index, text = writer.index, writer.text
    keys = [(_render_key(name), value) for name, value in entries]

    header = index.header(target)
    if header is not None:
        like = header.kvs[-1] if header.kvs else None
        offset = like.line_end if like else header.line_end
        indent = like.indent if like else ""
        writer.insert_lines(
            offset, [indent + _item(k, v, like, text) for k, v in keys], blank_before=False
        )
        return
    inline = index.inline(target)
    if inline is not None:
        _add_to_inline(writer, inline, keys)
        return
    if index.headers_under(target):
        # Only sub-tables of the group exist ([a.group.sub]); a [a.group]
        # header after them is valid TOML, placed as a new table below.
        _new_table(writer, target, target, keys)
        return
    dotted = index.dotted(target)
    if dotted:
        _add_dotted(writer, dotted[-1], len(target), (), keys)
        return

    # The group does not exist: find the nearest ancestor that does, and add
    # the group in the way that ancestor is written.
    for depth in range(len(target) - 1, 0, -1):
        parent = target[:depth]
        rest = target[depth:]
        inline = index.inline(parent)
        if index.header(parent) is not None or (inline is None and index.headers_under(parent)):
            _new_table(writer, parent, target, keys)
            return
        if inline is not None:
            like = inline.items[-1] if inline.items else None
            nested = "{" + ", ".join(_item(k, v, like, text) for k, v in keys) + "}"
            dotted_key = ".".join(_render_key(p) for p in rest)
            _add_to_inline(
                writer, inline, [(f"{dotted_key}{_separator(like, text)}{nested}", None)]
            )
            return
        dotted = index.dotted(parent)
        if dotted:
            _add_dotted(writer, dotted[-1], depth, rest, keys)
            return
    raise TargetError(  # pragma: no cover - callers check the style first
        f"cannot find where to add {_label(target)}",
        path=path,
    )


def _add_dotted(
    writer: _Writer,
    like: _KeyValue,
    depth: int,
    rest: _Path,
    keys: Sequence[tuple[str, str]],
) -> None:
    """Add entries as dotted keys next to ``like``, which passes through
    the table ``like.path[:depth]``."""
    text = writer.text
    assert like.table is not None
    cut = like.seg_starts[depth - len(like.table)]
    prefix = text[like.key_start : cut] + "".join(_render_key(p) + "." for p in rest)
    items = [_item(prefix + k, v, like, text) for k, v in keys]
    if like.parent is not None:
        sep = ", "
        writer.insert(like.value_end, "".join(sep + item for item in items))
    else:
        writer.insert_lines(like.line_end, [like.indent + i for i in items], blank_before=False)


def _new_table(
    writer: _Writer, family: _Path, target: _Path, keys: Sequence[tuple[str, str]]
) -> None:
    """Add a ``[target]`` table after the last table at or below ``family``."""
    last = writer.index.headers_under(family)[-1]
    offset = last.kvs[-1].line_end if last.kvs else last.line_end
    lines = [_label(target)] + [_item(k, v, None, writer.text) for k, v in keys]
    writer.insert_lines(offset, lines, blank_before=True)


def _replace_value(writer: _Writer, target: _Path, name: str, value: str) -> None:
    kv = writer.index.key_value((*target, name))
    assert kv is not None, f"no key-value for {(*target, name)}"
    writer.replace(kv.value_start, kv.value_end, _render_value(value, kv, writer.text))


def _same(a: Any, b: Any) -> bool:
    """Whether two tomllib values are equal (NaN equal to NaN, types exact)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and bool(a == b)


def _hand_lines(plans: Sequence[tuple[_Path, MergePlan]]) -> str:
    lines: list[str] = []
    for target, plan in plans:
        if plan.changes:
            lines.append(_label(target))
            lines += [
                f"{_render_key(s.name)} = {tomlkit.string(s.value).as_string()}"
                for s in (*plan.add, *(r.new for r in plan.replace))
            ]
    return "\n".join(lines)


def add_entry_points(
    text: str,
    specs: Sequence[EntryPointSpec],
    *,
    replace: bool = False,
    path: str | None = None,
) -> EditResult:
    """Add ``specs`` to a pyproject.toml's text; return the new text and the plans.

    Entries the file already has are kept; new ones are added after them,
    sorted by name; an entry of the same name pointing elsewhere raises
    :class:`~epmigrate.errors.ConflictError` unless ``replace``, which changes
    only its value. Raises :class:`~epmigrate.errors.TargetError` when the
    build does not read entry points from this file (no ``[project]`` or Poetry
    table, or ``project.dynamic`` names them) and
    :class:`~epmigrate.errors.ParseError` for invalid TOML. A second call with
    the same specs returns the text unchanged.
    """
    bom, body = _strip_bom(text)
    data = _load(body, path)
    style = _style_of(data)
    name = _file_name(path)
    if style == "none":
        raise TargetError(
            f"{name} has no [project] table (and no Poetry table), so the build does not "
            "read entry points from it; they belong in setup.cfg ([entry_points] for pbr, "
            "[options.entry_points] for setuptools) or in setup.py entry_points=",
            path=path,
            hint="do not add a [project] table to this file: it changes how the build reads "
            "the whole project",
        )
    groups = group_by(specs)
    if style == "project":
        dynamic = _dynamic(data)
        for group in groups:
            key = _dynamic_field(group)
            if key in dynamic:
                what = "entry points" if key == "entry-points" else group
                raise TargetError(
                    f"{name} lists {key!r} in project.dynamic, so the build takes {what} "
                    "from setup.cfg or setup.py, not from this file",
                    path=path,
                    line=_Index(body).line_of_key(("project", "dynamic")),
                    hint="write them to setup.cfg [options.entry_points] (or [entry_points] "
                    "with pbr) or to setup.py, or take the field out of dynamic first",
                )

    index = _Index(body)
    existing = _existing(data, index, style)
    plans: list[tuple[_Path, MergePlan]] = []
    for group, wanted in groups.items():
        target = _target_path(style, group)
        if _get(data, target) is not None and not isinstance(_get(data, target), dict):
            raise TargetError(
                f"{_label(target)} in {name} is not a table",
                path=path,
                line=index.line_of_key(target),
                hint="fix it by hand first",
            )
        plans.append(
            (target, plan_merge(group, existing.get(group, {}), wanted, replace=replace, path=path))
        )

    writer = _Writer(body, index)
    expected = copy.deepcopy(data)
    # Groups that exist first: where a new group and more entries of an
    # existing one go to the same place, the existing group's entries stay
    # next to it.
    for target, plan in sorted(plans, key=lambda tp: _get(data, tp[0]) is None):
        for r in plan.replace:
            _replace_value(writer, target, r.new.name, r.new.value)
        if plan.add:
            _add_entries(writer, target, [(s.name, s.value) for s in plan.add], path)
    for target, plan in plans:
        table: Any = expected
        for part in target:
            table = table.setdefault(part, {})
        for s in (*(r.new for r in plan.replace), *plan.add):
            table[s.name] = s.value
    new_body = writer.apply()

    if new_body != body:
        # The last guard: never hand back text that reads differently from
        # the old data plus the planned entries.
        try:
            ok = _same(expected, tomllib.loads(new_body))
        except tomllib.TOMLDecodeError:
            ok = False
        if not ok:
            raise TargetError(
                f"cannot add the entry points to {name} without changing other settings "
                "(its layout is not one epmigrate can edit)",
                path=path,
                hint="add these lines by hand:\n" + _hand_lines(plans),
            )
    return EditResult(
        original=text,
        text=bom + new_body,
        plans=tuple(plan for _, plan in plans),
        target=", ".join(_label(t) for t, _ in plans),
    )
