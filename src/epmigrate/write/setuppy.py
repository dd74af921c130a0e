"""Add entry points to a setup.py and change nothing else in it.

The core is pure: :func:`add_entry_points` takes the file's text and returns an
:class:`~epmigrate.write.merge.EditResult`. What to add, keep or replace is
decided by :func:`~epmigrate.write.merge.plan_merge`.

A visitor finds the ``setup(...)`` call by the *qualified name* of what is
called (``setuptools.setup`` however it was imported, or
``distutils.core.setup``), never by the text of the name. Only a literal
``entry_points={...}`` dict is edited, whose group values are literal lists (or
tuples) of ``"name = module:attr"`` strings, or one string of such lines, as
setuptools also accepts. Anything else (a name, a call, a comprehension, or
``**kwargs`` that may carry ``entry_points``) is left alone and reported with
the exact lines to add by hand. New elements copy the layout of their
neighbours: the same indentation, one per line when the list is multi-line,
and a trailing comma when the list has one.
"""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from epmigrate.entrypoints import validate
from epmigrate.errors import ParseError, TargetError
from epmigrate.model import EntryPointSpec
from epmigrate.write.merge import EditResult, Existing, MergePlan, group_by, plan_merge

__all__ = ["SetupCall", "add_entry_points", "existing_entry_points", "find_setup_call"]

_BOM = "\ufeff"
_ENTRY = re.compile(r"(?P<name>[^=]+?)(?P<sep>\s*=\s*)(?P<value>.*?)\s*\Z")

_Seq = cst.List | cst.Tuple
_Item = TypeVar("_Item", cst.Element, cst.DictElement, cst.Arg)


@dataclass(frozen=True)
class SetupCall:
    """The ``setup(...)`` call of a setup.py, as far as entry points go.

    ``line`` is where the call starts. ``has_entry_points`` tells whether it
    passes ``entry_points=``; ``literal`` whether that is a dict epmigrate can
    edit (string keys, each value a literal list or tuple of strings, or a
    string); ``entry_points_line`` is the line of the ``entry_points=``
    argument and ``expression`` its source when it is not literal.
    ``star_kwargs_line`` is the line of a ``**kwargs`` argument that may carry
    ``entry_points`` when no explicit one is passed.
    """

    line: int
    has_entry_points: bool
    literal: bool
    entry_points_line: int | None = None
    expression: str | None = None
    star_kwargs_line: int | None = None


# --------------------------------------------------------------------------
# Reading


def _strip_bom(text: str) -> tuple[str, str]:
    # libcst drops a byte order mark when it renders; keep it aside.
    if text.startswith(_BOM):
        return _BOM, text[1:]
    return "", text


def _file_name(path: str | None) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1] if path else "setup.py"


_NESTING = re.compile(r"[-+*/%@&|^~<>(\[{.]|\b(?:not|lambda|if|and|or|await)\b")


@contextlib.contextmanager
def _bounded(text: str, path: str | None) -> Iterator[None]:
    """Turn a parser or visitor that overflows Python's stack into a located error.

    Python compiles expressions nested far deeper than the recursion limit
    lets a tree walker (libcst's, ast's constructor) descend: 150 nested
    lists, 2,000 unary minus signs, a sum of 50,000 terms. Such a file cannot
    be edited safely; the error names the line that nests deepest.
    """
    try:
        yield
    except (RecursionError, MemoryError) as exc:
        counts = [len(_NESTING.findall(line)) for line in text.splitlines()] or [0]
        line = counts.index(max(counts)) + 1
        raise ParseError(
            f"{_file_name(path)} nests an expression too deeply for epmigrate to edit "
            f"({type(exc).__name__}; the deepest is around line {line})",
            path=path,
            line=line,
            hint="add the entry points by hand, or move that expression out of setup.py "
            "(into a module it imports, or a data file it reads); nothing was written",
        ) from exc


def _parse(text: str, path: str | None) -> ast.Module:
    # ast gives the clear message ("'(' was never closed") and a 1-based column.
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        raise ParseError(
            f"{_file_name(path)} is not valid Python: {exc.msg}",
            path=path,
            line=exc.lineno,
            col=exc.offset,
            hint="fix the syntax error first; nothing was written",
        ) from exc


def _string(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (no f-string, no bytes)."""
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _group_value_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.List | cst.Tuple):
        return all(
            isinstance(e, cst.Element) and _string(e.value) is not None for e in node.elements
        )
    return _string(node) is not None


def _dict_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Dict) and all(
        isinstance(e, cst.DictElement)
        and _string(e.key) is not None
        and _group_value_literal(e.value)
        for e in node.elements
    )


@dataclass
class _Found:
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
        self.found: _Found | None = None
        self.lines: dict[int, int] = {}  # id(node) -> line, for elements

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line + self.offset

    def visit_Call(self, node: cst.Call) -> bool:
        arg = next(
            (a for a in node.args if a.keyword is not None and a.keyword.value == "entry_points"),
            None,
        )
        star = next((a for a in node.args if a.star == "**"), None)
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
        self.found = _Found(node, info, arg)
        if arg is not None and isinstance(arg.value, cst.Dict):
            for element in arg.value.elements:
                if isinstance(element, cst.DictElement):
                    self.lines[id(element.value)] = self._line(element.value)
                    if isinstance(element.value, cst.List | cst.Tuple):
                        for item in element.value.elements:
                            self.lines[id(item)] = self._line(item)
        return False  # the outermost call only


def _setup_calls(tree: ast.Module) -> list[ast.Call]:
    """The calls of setuptools' (or distutils') ``setup`` in ``tree``, in source order.

    A call counts when what it calls is bound by an import of
    ``setuptools.setup`` or ``distutils.core.setup`` (under any name), is an
    attribute ``setup`` of an imported ``setuptools`` or ``distutils.core``
    module, or is the name ``setup`` after a star import of either. The
    imports may be anywhere in the file, as setup.py files put them.
    """
    names: set[str] = set()  # bound to setup itself
    modules: set[tuple[str, ...]] = set()  # dotted names bound to a module with setup
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                if node.module in ("setuptools", "distutils.core"):
                    if alias.name == "*":
                        names.add("setup")
                    elif alias.name == "setup":
                        names.add(alias.asname or "setup")
                elif node.module == "distutils" and alias.name == "core":
                    modules.add((alias.asname or "core",))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("setuptools", "distutils.core"):
                    modules.add(tuple((alias.asname or alias.name).split(".")))
        elif isinstance(node, ast.Call):
            calls.append(node)

    def dotted(expr: ast.expr) -> tuple[str, ...] | None:
        if isinstance(expr, ast.Name):
            return (expr.id,)
        if isinstance(expr, ast.Attribute):
            head = dotted(expr.value)
            return None if head is None else (*head, expr.attr)
        return None

    found = []
    for call in calls:
        func = call.func
        if isinstance(func, ast.Name):
            hit = func.id in names
        elif isinstance(func, ast.Attribute) and func.attr == "setup":
            hit = dotted(func.value) in modules
        else:
            hit = False
        if hit:
            found.append(call)
    found.sort(key=lambda c: (c.lineno, c.col_offset))
    return found


@dataclass
class _Parsed:
    found: list[_Found]
    lines: dict[int, int]
    indent: str
    """The file's indentation unit, as libcst would detect it."""
    spans: list[tuple[int, int]]
    """Offsets in the text of each call's source."""
    modules: list[cst.Module]
    """Each call's source parsed alone (libcst), in which the call is edited."""


def _offsets(text: str) -> list[int]:
    """The offset in ``text`` where each line (1-based, as ast counts) starts."""
    starts = [0, 0]
    for match in re.finditer(r"\r\n|\r|\n", text):
        starts.append(match.end())
    return starts


def _offset(text: str, starts: list[int], line: int, col: int) -> int:
    # ast counts columns in UTF-8 bytes.
    start = starts[line]
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    return start + len(text[start:end].encode("utf-8")[:col].decode("utf-8"))


def _indent_unit(tree: ast.Module, text: str, starts: list[int]) -> str:
    """The indentation of the file's first indented block (libcst's default_indent)."""
    first: tuple[int, str] | None = None
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(node, ast.stmt) or not isinstance(body, list) or not body:
            continue
        inner = body[0]
        if inner.lineno == node.lineno:
            continue  # "if x: y" on one line
        if first is None or node.lineno < first[0]:
            head = text[starts[node.lineno] : starts[node.lineno] + node.col_offset]
            line = text[starts[inner.lineno] :]
            lead = line[: len(line) - len(line.lstrip(" \t"))]
            if lead.startswith(head) and len(lead) > len(head):
                first = (node.lineno, lead[len(head) :])
    return first[1] if first else "    "


def _scan(text: str, path: str | None) -> _Parsed:
    """Find the setup() calls with Python's own parser and read each with libcst.

    Only the source of each call goes through libcst (and is edited there):
    the rest of the file is kept as text, so the time is that of ``ast.parse``
    plus a parse of the call, however big the file.
    """
    tree = _parse(text, path)
    starts = _offsets(text)
    found: list[_Found] = []
    lines: dict[int, int] = {}
    spans: list[tuple[int, int]] = []
    modules: list[cst.Module] = []
    for call in _setup_calls(tree):
        assert call.end_lineno is not None and call.end_col_offset is not None
        span = (
            _offset(text, starts, call.lineno, call.col_offset),
            _offset(text, starts, call.end_lineno, call.end_col_offset),
        )
        try:
            module = cst.parse_module(text[span[0] : span[1]])
        except cst.ParserSyntaxError as exc:
            raise ParseError(
                f"{_file_name(path)} cannot be read by libcst: {exc.message}",
                path=path,
                line=exc.editor_line + call.lineno - 1,
                hint="fix the syntax error first; nothing was written",
            ) from exc
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        reader = _CallReader(module, call.lineno)
        wrapper.visit(reader)
        assert reader.found is not None
        found.append(reader.found)
        lines.update(reader.lines)
        spans.append(span)
        modules.append(module)
    return _Parsed(found, lines, _indent_unit(tree, text, starts), spans, modules)


def find_setup_call(text: str, *, path: str | None = None) -> SetupCall | None:
    """The first ``setup(...)`` call of setuptools in ``text``, or ``None``.

    Raises :class:`~epmigrate.errors.ParseError` when ``text`` is not Python.
    """
    body = _strip_bom(text)[1]
    with _bounded(body, path):
        found = _scan(body, path).found
    return found[0].info if found else None


def _string_lines(value: str) -> list[tuple[int, str]]:
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
            (lines.get(id(e)), _string(e.value))
            for e in value.elements
            if isinstance(e, cst.Element)
        ]
    else:
        text = _string(value)
        first = lines.get(id(value))
        # Entries of a triple-quoted string stand on lines of their own; those
        # of a one-line string with "\n" escapes all share its line.
        spread = isinstance(value, cst.SimpleString) and "\n" in value.value
        items = [
            (None if first is None else first + (i if spread else 0), line)
            for i, line in _string_lines(text or "")
        ]
    for line, entry in items:
        match = _ENTRY.match(entry.strip()) if entry else None
        if match:
            out.setdefault(match["name"].strip(), Existing(match["value"], line))
    return out


def _existing(parsed: _Parsed) -> dict[str, dict[str, Existing]]:
    found = parsed.found
    if not found or found[0].arg is None or not isinstance(found[0].arg.value, cst.Dict):
        return {}
    out: dict[str, dict[str, Existing]] = {}
    for element in found[0].arg.value.elements:
        if isinstance(element, cst.DictElement):
            group = _string(element.key)
            if group is not None and _group_value_literal(element.value):
                out[group] = _group_entries(element.value, parsed.lines)
    return out


def existing_entry_points(text: str, *, path: str | None = None) -> dict[str, dict[str, Existing]]:
    """Entry points in the literal ``entry_points=`` of the setup() call, by group.

    Groups whose value is not literal are left out; a file without a
    setup() call or without ``entry_points=`` has none. Raises
    :class:`~epmigrate.errors.ParseError` when ``text`` is not Python.
    """
    body = _strip_bom(text)[1]
    with _bounded(body, path):
        return _existing(_scan(body, path))


# --------------------------------------------------------------------------
# Writing


def _clean(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same line break and indentation, without comments or blank lines."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return cst.ParenthesizedWhitespace(indent=ws.indent, last_line=ws.last_line)
    return ws


def _append(
    open_ws: cst.BaseParenthesizableWhitespace,
    items: Sequence[_Item],
    close_ws: cst.BaseParenthesizableWhitespace,
    new: Sequence[_Item],
    indent: str,
) -> tuple[list[_Item], cst.BaseParenthesizableWhitespace]:
    """Append ``new`` items after ``items`` in the layout of ``items``.

    ``open_ws`` follows the opening bracket, ``close_ws`` precedes the closing
    one. Returns the items and the new ``close_ws``.
    """
    last = items[-1]
    trailing = last.comma if isinstance(last.comma, cst.Comma) else None
    previous = items[-2].comma if len(items) > 1 else None
    # The break between two items: copied from the items already there.
    if isinstance(previous, cst.Comma):
        sep = _clean(previous.whitespace_after)
    elif isinstance(open_ws, cst.ParenthesizedWhitespace):
        sep = _clean(open_ws)
    else:
        sep = cst.SimpleWhitespace(" ")
    if isinstance(close_ws, cst.ParenthesizedWhitespace):
        # The closing bracket has its own line: one item per line.
        if not isinstance(sep, cst.ParenthesizedWhitespace):
            sep = cst.ParenthesizedWhitespace(
                indent=close_ws.indent,
                last_line=cst.SimpleWhitespace(close_ws.last_line.value + indent),
            )
        # A comment after the old last item stays on its line.
        after_last: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
            first_line=close_ws.first_line,
            empty_lines=close_ws.empty_lines,
            indent=sep.indent,
            last_line=sep.last_line,
        )
        new_close: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
            indent=close_ws.indent, last_line=close_ws.last_line
        )
    else:
        after_last = sep
        new_close = close_ws
    before = trailing.whitespace_before if trailing else cst.SimpleWhitespace("")
    out: list[_Item] = list(items[:-1])
    out.append(last.with_changes(comma=cst.Comma(before, after_last)))
    for item in new[:-1]:
        out.append(item.with_changes(comma=cst.Comma(whitespace_after=sep)))
    out.append(new[-1].with_changes(comma=trailing if trailing else cst.MaybeSentinel.DEFAULT))
    return out, new_close


def _quote(node: cst.CSTNode, default: str = '"') -> str:
    """The quote character the strings in ``node`` use."""
    found: list[str] = []

    class _Quotes(cst.CSTVisitor):
        def visit_SimpleString(self, s: cst.SimpleString) -> None:
            found.append(s.quote[0])

    node.visit(_Quotes())
    return found[0] if found else default


def _entry_text(name: str, value: str, sep: str) -> str:
    return f"{name}{sep}{value}"


def _string_literal(text: str, quote: str) -> str:
    # Values are identifiers, but a valid entry-point name may hold a quote, a
    # backslash or a control character: escape those, keep everything else.
    if text.isprintable() and quote not in text and "\\" not in text:
        return f"{quote}{text}{quote}"
    body = "".join(
        "\\" + ch if ch in (quote, "\\") else ch if ch.isprintable() else ascii(ch)[1:-1]
        for ch in text
    )
    return f"{quote}{body}{quote}"


def _separator_of(value: cst.BaseExpression) -> str:
    """How existing entries spell `` = `` (``"a=m:A"`` or ``"a = m:A"``)."""
    texts: list[str | None]
    if isinstance(value, cst.List | cst.Tuple):
        texts = [_string(e.value) for e in value.elements if isinstance(e, cst.Element)]
    else:
        texts = [line for _, line in _string_lines(_string(value) or "")]
    for text in texts:
        match = _ENTRY.match(text.strip()) if text else None
        if match:
            return match["sep"]
    return " = "


def _replace_entry(entry: str, value: str) -> str:
    match = _ENTRY.match(entry.strip())
    assert match is not None
    start = entry.index(match["value"], len(entry) - len(entry.lstrip()) + len(match["name"]))
    return entry[:start] + value + entry[start + len(match["value"]) :]


def _edit_list(node: _Seq, plan: MergePlan, indent: str) -> _Seq:
    quote = _quote(node)
    sep = _separator_of(node)
    replaced = {r.new.name: r.new.value for r in plan.replace}
    elements: list[cst.Element] = []
    for element in node.elements:
        assert isinstance(element, cst.Element)
        entry = _string(element.value)
        match = _ENTRY.match(entry.strip()) if entry else None
        if entry and match and match["name"].strip() in replaced:
            assert isinstance(element.value, cst.SimpleString)
            raw = element.value.value
            prefix_len = len(element.value.prefix) + len(element.value.quote)
            body = raw[prefix_len : len(raw) - len(element.value.quote)]
            new_body = _replace_entry(body, replaced.pop(match["name"].strip()))
            element = element.with_changes(
                value=element.value.with_changes(
                    value=raw[:prefix_len] + new_body + raw[-len(element.value.quote) :]
                )
            )
        elements.append(element)
    new = [
        cst.Element(cst.SimpleString(_string_literal(_entry_text(s.name, s.value, sep), quote)))
        for s in plan.add
    ]
    if not new:
        return node.with_changes(elements=elements)
    if isinstance(node, cst.List):
        if not elements:
            return node.with_changes(elements=_join_simple(new))
        items, close = _append(
            node.lbracket.whitespace_after, elements, node.rbracket.whitespace_before, new, indent
        )
        return node.with_changes(
            elements=items, rbracket=node.rbracket.with_changes(whitespace_before=close)
        )
    if not elements:
        # An empty tuple has no layout to follow: one line, and the comma a
        # one-element tuple needs.
        return node.with_changes(elements=_join_simple(new, trailing=len(new) == 1))
    items, close = _append(
        node.lpar[0].whitespace_after, elements, node.rpar[-1].whitespace_before, new, indent
    )
    return node.with_changes(
        elements=items, rpar=[*node.rpar[:-1], node.rpar[-1].with_changes(whitespace_before=close)]
    )


def _join_simple(items: Sequence[_Item], *, trailing: bool = False) -> list[_Item]:
    out = [
        i.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for i in items
    ]
    out[-1] = items[-1].with_changes(comma=cst.Comma() if trailing else cst.MaybeSentinel.DEFAULT)
    return out


def _edit_string(node: cst.SimpleString, plan: MergePlan) -> cst.SimpleString:
    """Add lines to (or change lines of) a string of ``name = value`` lines."""
    raw = node.value
    head = len(node.prefix) + len(node.quote)
    body = raw[head : len(raw) - len(node.quote)]
    sep = _separator_of(node)
    replaced = {r.new.name: r.new.value for r in plan.replace}
    nl = "\r\n" if "\r\n" in body else "\n"
    if nl in body:
        # A triple-quoted string with one entry per source line.
        lines = body.split(nl)
        for i, line in enumerate(lines):
            match = _ENTRY.match(line.strip())
            if line.strip() and match and match["name"].strip() in replaced:
                lines[i] = _replace_entry(line, replaced.pop(match["name"].strip()))
        content = [i for i, line in enumerate(lines) if line.strip()]
        first = lines[content[0]] if content else ""
        indent = first[: len(first) - len(first.lstrip())]
        # After the last entry, before any blank line that leads to the
        # closing quotes.
        last = content[-1] if content else 0
        lines[last + 1 : last + 1] = [indent + _entry_text(s.name, s.value, sep) for s in plan.add]
        body = nl.join(lines)
    else:
        # One source line with "\n" escapes between entries.
        parts = body.split("\\n")
        for i, part in enumerate(parts):
            match = _ENTRY.match(part.strip())
            if part.strip() and match and match["name"].strip() in replaced:
                parts[i] = _replace_entry(part, replaced.pop(match["name"].strip()))
        body = "\\n".join(parts)
        for s in plan.add:
            entry = _entry_text(s.name, s.value, sep)
            if not body.strip():
                body = entry
            elif body.endswith("\\n"):
                body += entry + "\\n"
            else:
                body += "\\n" + entry
    return node.with_changes(value=raw[:head] + body + raw[len(raw) - len(node.quote) :])


def _layout_sep(
    open_ws: cst.BaseParenthesizableWhitespace,
    items: Sequence[_Item],
    close_ws: cst.BaseParenthesizableWhitespace,
) -> str | None:
    """The indentation of the items when there is one per line, else ``None``."""
    previous = items[-2].comma if len(items) > 1 else None
    if isinstance(previous, cst.Comma):
        ws = previous.whitespace_after
    elif isinstance(open_ws, cst.ParenthesizedWhitespace):
        ws = open_ws
    else:
        ws = close_ws
    return ws.last_line.value if isinstance(ws, cst.ParenthesizedWhitespace) else None


@dataclass(frozen=True)
class _Spelling:
    """How the file writes entries: quotes, ``=`` spacing, trailing commas."""

    quote: str = '"'
    sep: str = " = "
    trailing: bool = True


def _render_group(entries: Sequence[str], how: _Spelling, indent: str | None, unit: str) -> str:
    """A list of entry strings: one per line at ``indent`` + ``unit``, or one line."""
    strings = [_string_literal(e, how.quote) for e in entries]
    if indent is None:
        return "[" + ", ".join(strings) + "]"
    end = "," if how.trailing else ""
    return "[" + ",".join(f"\n{indent}{unit}{s}" for s in strings) + f"{end}\n{indent}]"


def _render_dict(
    groups: Sequence[tuple[str, Sequence[str]]], how: _Spelling, indent: str, unit: str
) -> str:
    inner = indent + unit
    items = [
        f"\n{inner}{_string_literal(g, how.quote)}: {_render_group(e, how, inner, unit)}"
        for g, e in groups
    ]
    return "{" + ",".join(items) + ("," if how.trailing else "") + f"\n{indent}}}"


def _spelling_of(node: cst.Dict, quote: str) -> _Spelling:
    """The spelling of the entries already in an ``entry_points`` dict.

    ``quote`` is the quote of the call's strings, for a dict without any.
    """
    sep = " = "
    trailing: bool | None = None
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            continue
        value = element.value
        if sep == " = ":
            sep = _separator_of(value)
        if trailing is None and isinstance(value, cst.List | cst.Tuple) and value.elements:
            trailing = isinstance(value.elements[-1].comma, cst.Comma)
    if trailing is None:
        trailing = not node.elements or isinstance(node.elements[-1].comma, cst.Comma)
    return _Spelling(_quote(node, quote), sep, trailing)


class _Rewriter(cst.CSTTransformer):
    """Rewrites the one setup() call the finder chose; nothing else."""

    def __init__(self, target: cst.Call, plans: Sequence[MergePlan], unit: str) -> None:
        super().__init__()
        self.target = target
        self.plans = {p.group: p for p in plans if p.changes}
        self.unit = unit

    def _groups(self, plans: Sequence[MergePlan], how: _Spelling) -> list[tuple[str, list[str]]]:
        return [(p.group, [_entry_text(s.name, s.value, how.sep) for s in p.add]) for p in plans]

    def _edit_dict(self, node: cst.Dict, quote: str) -> cst.Dict:
        how = _spelling_of(node, quote)
        elements: list[cst.DictElement] = []
        seen: set[str] = set()
        # Python keeps the last of two equal keys; so does the edit.
        last_of = {
            _string(e.key): i for i, e in enumerate(node.elements) if isinstance(e, cst.DictElement)
        }
        for i, element in enumerate(node.elements):
            assert isinstance(element, cst.DictElement)
            group = _string(element.key)
            assert group is not None
            plan = self.plans.get(group)
            if plan is not None and last_of[group] == i:
                value = element.value
                if isinstance(value, cst.List | cst.Tuple):
                    element = element.with_changes(value=_edit_list(value, plan, self.unit))
                else:
                    assert isinstance(value, cst.SimpleString)
                    element = element.with_changes(value=_edit_string(value, plan))
            seen.add(group)
            elements.append(element)
        missing = [p for g, p in self.plans.items() if g not in seen and p.add]
        if not missing:
            return node.with_changes(elements=elements)
        if not elements:
            text = _render_dict(self._groups(missing, how), how, "", self.unit)
            return cst.ensure_type(cst.parse_expression(text), cst.Dict)
        indent = _layout_sep(node.lbrace.whitespace_after, elements, node.rbrace.whitespace_before)
        last = elements[-1]
        new = [
            cst.DictElement(
                key=cst.SimpleString(_string_literal(group, how.quote)),
                value=cst.parse_expression(_render_group(entries, how, indent, self.unit)),
                whitespace_before_colon=last.whitespace_before_colon,
                whitespace_after_colon=last.whitespace_after_colon,
            )
            for group, entries in self._groups(missing, how)
        ]
        items, close = _append(
            node.lbrace.whitespace_after, elements, node.rbrace.whitespace_before, new, self.unit
        )
        return node.with_changes(
            elements=items, rbrace=node.rbrace.with_changes(whitespace_before=close)
        )

    def _add_arg(self, node: cst.Call) -> cst.Call:
        args = list(node.args)
        # A trailing comma when the call has one, or when the new dict is the
        # only multi-line part of a one-line call.
        trailing = (
            not args
            or isinstance(args[-1].comma, cst.Comma)
            or not isinstance(args[-1].whitespace_after_arg, cst.ParenthesizedWhitespace)
        )
        how = _Spelling(_quote(node), " = ", trailing)
        groups = self._groups([p for p in self.plans.values() if p.add], how)
        keyword = next((a for a in reversed(args) if a.keyword is not None), None)
        # Spelled like the other keyword arguments: "name=value" or "name = value".
        equal = (
            keyword.equal
            if keyword is not None
            else cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
        )
        if not args:
            value = cst.parse_expression(_render_dict(groups, how, "", self.unit))
            new = cst.Arg(value, keyword=cst.Name("entry_points"), equal=equal)
            return node.with_changes(args=[new])
        # Arguments own the whitespace before ")" (in the trailing comma, or
        # after the last argument); take it out while appending.
        last = args[-1]
        if isinstance(last.comma, cst.Comma):
            close = last.comma.whitespace_after
            args[-1] = last.with_changes(
                comma=last.comma.with_changes(whitespace_after=cst.SimpleWhitespace(""))
            )
        else:
            close = last.whitespace_after_arg
            args[-1] = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
        indent = _layout_sep(node.whitespace_before_args, args, close)
        new = cst.Arg(
            cst.parse_expression(_render_dict(groups, how, indent or "", self.unit)),
            keyword=cst.Name("entry_points"),
            equal=equal,
        )
        items, close = _append(node.whitespace_before_args, args, close, [new], self.unit)
        if isinstance(items[-1].comma, cst.Comma):
            items[-1] = items[-1].with_changes(
                comma=items[-1].comma.with_changes(whitespace_after=close)
            )
        else:
            items[-1] = items[-1].with_changes(whitespace_after_arg=close)
        return node.with_changes(args=items)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        if original_node is not self.target:
            return updated_node
        for i, arg in enumerate(updated_node.args):
            if arg.keyword is not None and arg.keyword.value == "entry_points":
                value = cst.ensure_type(arg.value, cst.Dict)
                args = list(updated_node.args)
                args[i] = arg.with_changes(value=self._edit_dict(value, _quote(updated_node)))
                return updated_node.with_changes(args=args)
        return self._add_arg(updated_node)


def _hand_lines(specs: Sequence[EntryPointSpec]) -> str:
    lines = []
    for group, wanted in group_by(specs).items():
        lines.append(f'"{group}": [')
        lines += [f'    "{s.name} = {s.value}",' for s in sorted(set(wanted))]
        lines.append("],")
    return "\n".join("    " + line for line in lines)


def add_entry_points(
    text: str,
    specs: Sequence[EntryPointSpec],
    *,
    replace: bool = False,
    path: str | None = None,
) -> EditResult:
    """Add ``specs`` to the ``entry_points=`` of a setup.py's setup() call.

    Entries already there are kept; new ones are added after them, sorted by
    name; a missing group or a missing ``entry_points=`` is added in the
    layout of its neighbours. An entry of the same name pointing elsewhere
    raises :class:`~epmigrate.errors.ConflictError` unless ``replace``.
    Raises :class:`~epmigrate.errors.TargetError` when there is no setup()
    call, or ``entry_points`` is not a literal dict (the message shows the
    lines to add by hand), and :class:`~epmigrate.errors.ParseError` when the
    text is not Python. A second call with the same specs returns the text
    unchanged.
    """
    for spec in specs:
        validate(spec)
    bom, body = _strip_bom(text)
    with _bounded(body, path):
        return _add(bom, body, specs, replace=replace, path=path)


def _add(
    bom: str, body: str, specs: Sequence[EntryPointSpec], *, replace: bool, path: str | None
) -> EditResult:
    text = bom + body
    parsed = _scan(body, path)
    name = _file_name(path)
    found = parsed.found
    if not found:
        raise TargetError(
            f"{name} has no setup() call from setuptools to add entry points to",
            path=path,
            hint="add them to setup.cfg [options.entry_points] (or [entry_points] with pbr) "
            "or to pyproject.toml [project.entry-points]",
        )
    if len(found) > 1:
        raise TargetError(
            f"{name} calls setup() {len(found)} times (lines "
            + ", ".join(str(f.info.line) for f in found)
            + "); epmigrate does not choose one",
            path=path,
            line=found[0].info.line,
            hint="add these entries by hand to each call's entry_points=:\n" + _hand_lines(specs),
        )
    call = found[0]
    if call.info.has_entry_points and not call.info.literal:
        expression = call.info.expression or ""
        shown = expression if len(expression) <= 60 and "\n" not in expression else "not literal"
        raise TargetError(
            f"entry_points= in {name} is {shown}, not a literal dict of lists of strings, "
            "so epmigrate cannot add to it",
            path=path,
            line=call.info.entry_points_line,
            hint="add these entries by hand where it is built:\n" + _hand_lines(specs),
        )
    if call.info.star_kwargs_line is not None:
        raise TargetError(
            f"setup() in {name} takes **kwargs, which may hold entry_points, so epmigrate "
            "cannot add entry_points= safely",
            path=path,
            line=call.info.star_kwargs_line,
            hint="add these entries by hand where entry_points is built:\n" + _hand_lines(specs),
        )
    existing = _existing(parsed)
    plans = tuple(
        plan_merge(group, existing.get(group, {}), wanted, replace=replace, path=path)
        for group, wanted in group_by(specs).items()
    )
    new_body = body
    if any(p.changes for p in plans):
        rewriter = _Rewriter(call.call, plans, parsed.indent)
        start, end = parsed.spans[0]
        new_body = body[:start] + parsed.modules[0].visit(rewriter).code + body[end:]
    return EditResult(
        original=text,
        text=bom + new_body,
        plans=plans,
        target=f"{name} setup(entry_points=...)",
    )
