"""The ``setup(...)`` call of a setup.py read with libcst: its ``entry_points=``
argument, whether epmigrate can edit it, and the entries already there.

:mod:`.setup_source` finds the calls with Python's own parser; only the
source of each call is parsed again with libcst, so the time is that of
``ast.parse`` plus a parse of the call, however big the file. The rewriter
(:mod:`epmigrate.write.setuppy`) edits the libcst module read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from epmigrate.errors import ParseError
from epmigrate.write.merge import Existing
from epmigrate.write.setup_source import (
    SETUP_PY,
    indent_unit,
    line_starts,
    nesting_guard,
    offset_of,
    parse_python,
    setup_calls,
)
from epmigrate.write.text import file_name, strip_bom

__all__ = [
    "ENTRY_LINE",
    "FoundCall",
    "SetupCall",
    "SetupCalls",
    "built_groups",
    "dict_entry_points",
    "existing_entry_points",
    "find_setup_call",
    "literal_entry_points",
    "read_setup_calls",
    "string_lines",
    "string_value",
]

ENTRY_LINE = re.compile(r"(?P<name>[^=]+?)(?P<sep>\s*=\s*)(?P<value>.*?)\s*\Z")
"""One ``name = value`` entry, with the spacing around ``=`` kept apart."""


@dataclass(frozen=True)
class SetupCall:
    """The ``setup(...)`` call of a setup.py, as far as entry points go.

    ``line`` is where the call starts. ``has_entry_points`` tells whether it
    passes ``entry_points=``; ``literal`` whether that is a dict epmigrate can
    edit (string keys; a group it adds to must be a literal list or tuple of
    strings, or a string, which :func:`built_groups` tells);
    ``entry_points_line`` is the line of the ``entry_points=`` argument and
    ``expression`` its source when it is not literal.
    ``star_kwargs_line`` is the line of a ``**kwargs`` argument that may carry
    ``entry_points`` when no explicit one is passed.
    """

    line: int
    has_entry_points: bool
    literal: bool
    entry_points_line: int | None = None
    expression: str | None = None
    star_kwargs_line: int | None = None


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (no f-string, no bytes)."""
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _group_value_literal(node: cst.BaseExpression) -> bool:
    # A list or tuple of plain strings, or one string of entry lines.
    if isinstance(node, cst.List | cst.Tuple):
        return all(
            isinstance(element, cst.Element) and string_value(element.value) is not None
            for element in node.elements
        )
    return string_value(node) is not None


def _dict_literal(node: cst.BaseExpression) -> bool:
    # Groups that are not literal (a comprehension, a call) are left alone;
    # only one the write adds to must be (see built_groups).
    return isinstance(node, cst.Dict) and all(
        isinstance(element, cst.DictElement) and string_value(element.key) is not None
        for element in node.elements
    )


def built_groups(node: cst.BaseExpression) -> dict[str, cst.BaseExpression]:
    """The groups of a literal ``entry_points`` dict whose value code builds."""
    if not isinstance(node, cst.Dict):
        return {}
    out: dict[str, cst.BaseExpression] = {}
    for element in node.elements:
        if isinstance(element, cst.DictElement):
            group = string_value(element.key)
            if group is not None and not _group_value_literal(element.value):
                out[group] = element.value
    return out


@dataclass
class FoundCall:
    """One setup() call as libcst read it, and what it tells about entry points."""

    call: cst.Call
    info: SetupCall
    arg: cst.Arg | None  # the entry_points= argument


class _CallReader(cst.CSTVisitor):
    """Reads the one ``setup(...)`` call of a snippet: its arguments and their lines."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, module: cst.Module, first_line: int) -> None:
        super().__init__()
        self.module = module
        self.offset = first_line - 1
        self.found: FoundCall | None = None
        self.lines: dict[int, int] = {}  # id(node) -> line, for elements

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line + self.offset

    def visit_Call(self, node: cst.Call) -> bool:
        arg = next(
            (
                argument
                for argument in node.args
                if argument.keyword is not None and argument.keyword.value == "entry_points"
            ),
            None,
        )
        star = next((argument for argument in node.args if argument.star == "**"), None)
        info = SetupCall(
            line=self._line(node),
            has_entry_points=arg is not None,
            literal=arg is not None and _dict_literal(arg.value),
            entry_points_line=self._line(arg) if arg is not None else None,
            expression=(
                self.module.code_for_node(arg.value)
                if arg is not None and not _dict_literal(arg.value)
                else None
            ),
            star_kwargs_line=self._line(star) if star is not None and arg is None else None,
        )
        self.found = FoundCall(node, info, arg)
        if arg is not None and isinstance(arg.value, cst.Dict):
            for element in arg.value.elements:
                if isinstance(element, cst.DictElement):
                    self.lines[id(element.value)] = self._line(element.value)
                    if isinstance(element.value, cst.List | cst.Tuple):
                        for item in element.value.elements:
                            self.lines[id(item)] = self._line(item)
        return False  # the outermost call only


@dataclass
class SetupCalls:
    """Every setup() call of a file, read for an edit (:func:`read_setup_calls`)."""

    found: list[FoundCall]
    lines: dict[int, int]
    """The line of each group value and list element of the first call, by ``id()``."""
    indent: str
    """The file's indentation unit, as libcst would detect it."""
    spans: list[tuple[int, int]]
    """Offsets in the text of each call's source."""
    modules: list[cst.Module]
    """Each call's source parsed alone (libcst), in which the call is edited."""


def read_setup_calls(text: str, path: str | None) -> SetupCalls:
    """Find the setup() calls with Python's own parser and read each with libcst.

    Only the source of each call goes through libcst (and is edited there):
    the rest of the file is kept as text, so the time is that of ``ast.parse``
    plus a parse of the call, however big the file.
    """
    tree = parse_python(text, path)
    starts = line_starts(text)
    found: list[FoundCall] = []
    lines: dict[int, int] = {}
    spans: list[tuple[int, int]] = []
    modules: list[cst.Module] = []
    for call in setup_calls(tree):
        assert call.end_lineno is not None and call.end_col_offset is not None
        span = (
            offset_of(text, starts, call.lineno, call.col_offset),
            offset_of(text, starts, call.end_lineno, call.end_col_offset),
        )
        try:
            module = cst.parse_module(text[span[0] : span[1]])
        except cst.ParserSyntaxError as exc:
            raise ParseError(
                f"{file_name(path, SETUP_PY)} cannot be read by libcst: {exc.message}",
                path=path,
                line=exc.editor_line + call.lineno - 1,
                hint="fix the syntax error first; nothing was written",
            ) from exc
        except (RecursionError, MemoryError):
            raise  # nesting_guard words these
        except Exception as exc:
            # libcst's node validation (CSTValidationError) or an internal
            # error on code Python accepts: the call cannot be edited safely.
            raise ParseError(
                f"{file_name(path, SETUP_PY)} cannot be read by libcst "
                f"({type(exc).__name__}: {exc})",
                path=path,
                line=call.lineno,
                hint="add the entry points to this setup() call by hand; nothing was written",
            ) from exc
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        reader = _CallReader(module, call.lineno)
        wrapper.visit(reader)
        assert reader.found is not None
        found.append(reader.found)
        lines.update(reader.lines)
        spans.append(span)
        modules.append(module)
    return SetupCalls(found, lines, indent_unit(tree, text, starts), spans, modules)


def find_setup_call(text: str, *, path: str | None = None) -> SetupCall | None:
    """The first ``setup(...)`` call of setuptools in ``text``, or ``None``.

    Raises :class:`~epmigrate.errors.ParseError` when ``text`` is not Python.
    """
    body = strip_bom(text)[1]
    with nesting_guard(body, path):
        found = read_setup_calls(body, path).found
    return found[0].info if found else None


def string_lines(value: str) -> list[tuple[int, str]]:
    """``(line offset, line)`` of the entries in a string of entry lines."""
    out = []
    for i, line in enumerate(value.splitlines()):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", ";")):
            out.append((i, stripped))
    return out


def _group_entries(value: cst.BaseExpression, lines: dict[int, int]) -> dict[str, Existing]:
    out: dict[str, Existing] = {}
    if isinstance(value, cst.List | cst.Tuple):
        items = [
            (lines.get(id(element)), string_value(element.value))
            for element in value.elements
            if isinstance(element, cst.Element)
        ]
    else:
        text = string_value(value)
        first = lines.get(id(value))
        # Entries of a triple-quoted string stand on lines of their own; those
        # of a one-line string with "\n" escapes all share its line.
        spread = isinstance(value, cst.SimpleString) and "\n" in value.value
        items = [
            (None if first is None else first + (i if spread else 0), line)
            for i, line in string_lines(text or "")
        ]
    for line, entry in items:
        match = ENTRY_LINE.match(entry.strip()) if entry else None
        if match:
            out.setdefault(match["name"].strip(), Existing(match["value"], line))
    return out


def literal_entry_points(parsed: SetupCalls) -> dict[str, dict[str, Existing]]:
    """:func:`existing_entry_points` of a file already read."""
    found = parsed.found
    if not found or found[0].arg is None or not isinstance(found[0].arg.value, cst.Dict):
        return {}
    return dict_entry_points(found[0].arg.value, parsed.lines)


def dict_entry_points(
    node: cst.Dict, lines: dict[int, int] | None = None
) -> dict[str, dict[str, Existing]]:
    """The literal groups of an ``entry_points`` dict, by group (``lines``: by ``id()``)."""
    out: dict[str, dict[str, Existing]] = {}
    for element in node.elements:
        if isinstance(element, cst.DictElement):
            group = string_value(element.key)
            if group is not None and _group_value_literal(element.value):
                out[group] = _group_entries(element.value, lines or {})
    return out


def existing_entry_points(text: str, *, path: str | None = None) -> dict[str, dict[str, Existing]]:
    """Entry points in the literal ``entry_points=`` of the setup() call, by group.

    Groups whose value is not literal are left out; a file without a
    setup() call or without ``entry_points=`` has none. Raises
    :class:`~epmigrate.errors.ParseError` when ``text`` is not Python.
    """
    body = strip_bom(text)[1]
    with nesting_guard(body, path):
        return literal_entry_points(read_setup_calls(body, path))
