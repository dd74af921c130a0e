"""How a setup.py spells its entry points, and new ones in the layout of their neighbours.

New elements copy what is already there: the quote character, the spacing
around ``=`` in an entry, one element per line at the same indentation when
the list is multi-line, and a trailing comma when the list has one. The
functions here edit one group value (a list, a tuple or a string of entry
lines); :mod:`epmigrate.write.setuppy` puts them together in the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst

from epmigrate.write.merge import MergePlan
from epmigrate.write.setup_call import ENTRY_LINE, string_lines, string_value

__all__ = [
    "Spelling",
    "append_in_layout",
    "edit_group_list",
    "edit_group_string",
    "entry_text",
    "items_indent",
    "quote_of",
    "render_dict",
    "render_group",
    "spelling_of",
    "string_literal",
]

_Seq = cst.List | cst.Tuple
_Item = TypeVar("_Item", cst.Element, cst.DictElement, cst.Arg)


def _without_comments(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same line break and indentation, without comments or blank lines."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return cst.ParenthesizedWhitespace(indent=ws.indent, last_line=ws.last_line)
    return ws


def append_in_layout(
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
        sep = _without_comments(previous.whitespace_after)
    elif isinstance(open_ws, cst.ParenthesizedWhitespace):
        sep = _without_comments(open_ws)
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


def quote_of(node: cst.CSTNode, default: str = '"') -> str:
    """The quote character the strings in ``node`` use."""
    found: list[str] = []

    class _Quotes(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            found.append(node.quote[0])

    node.visit(_Quotes())
    return found[0] if found else default


def entry_text(name: str, value: str, sep: str) -> str:
    """The entry ``name = value`` with ``sep`` as its `` = ``."""
    return f"{name}{sep}{value}"


def string_literal(text: str, quote: str) -> str:
    """``text`` as a Python string literal in ``quote``, escaped only where it must be."""
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
        texts = [
            string_value(element.value)
            for element in value.elements
            if isinstance(element, cst.Element)
        ]
    else:
        texts = [line for _, line in string_lines(string_value(value) or "")]
    for text in texts:
        match = ENTRY_LINE.match(text.strip()) if text else None
        if match:
            return match["sep"]
    return " = "


def _replace_entry(entry: str, value: str) -> str:
    # Only the value changes: the name, the spacing and what follows stay.
    match = ENTRY_LINE.match(entry.strip())
    assert match is not None
    start = entry.index(match["value"], len(entry) - len(entry.lstrip()) + len(match["name"]))
    return entry[:start] + value + entry[start + len(match["value"]) :]


def edit_group_list(node: _Seq, plan: MergePlan, indent: str) -> _Seq:
    """A group's list (or tuple) of entry strings with ``plan`` carried out.

    ``indent`` is the file's indentation unit, for a list whose closing
    bracket has a line of its own but whose items share the first one.
    """
    quote = quote_of(node)
    sep = _separator_of(node)
    replaced = {rep.new.name: rep.new.value for rep in plan.replace}
    elements: list[cst.Element] = []
    for element in node.elements:
        assert isinstance(element, cst.Element)
        entry = string_value(element.value)
        match = ENTRY_LINE.match(entry.strip()) if entry else None
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
        cst.Element(cst.SimpleString(string_literal(entry_text(spec.name, spec.value, sep), quote)))
        for spec in plan.add
    ]
    if not new:
        return node.with_changes(elements=elements)
    if isinstance(node, cst.List):
        if not elements:
            return node.with_changes(elements=_join_on_one_line(new))
        items, close = append_in_layout(
            node.lbracket.whitespace_after, elements, node.rbracket.whitespace_before, new, indent
        )
        return node.with_changes(
            elements=items, rbracket=node.rbracket.with_changes(whitespace_before=close)
        )
    if not elements:
        # An empty tuple has no layout to follow: one line, and the comma a
        # one-element tuple needs.
        return node.with_changes(elements=_join_on_one_line(new, trailing=len(new) == 1))
    items, close = append_in_layout(
        node.lpar[0].whitespace_after, elements, node.rpar[-1].whitespace_before, new, indent
    )
    return node.with_changes(
        elements=items, rpar=[*node.rpar[:-1], node.rpar[-1].with_changes(whitespace_before=close)]
    )


def _join_on_one_line(items: Sequence[_Item], *, trailing: bool = False) -> list[_Item]:
    """``items`` separated by ``", "``; a comma after the last only when ``trailing``."""
    out = [
        item.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        for item in items
    ]
    out[-1] = items[-1].with_changes(comma=cst.Comma() if trailing else cst.MaybeSentinel.DEFAULT)
    return out


def edit_group_string(node: cst.SimpleString, plan: MergePlan) -> cst.SimpleString:
    """Add lines to (or change lines of) a string of ``name = value`` lines."""
    raw = node.value
    head = len(node.prefix) + len(node.quote)
    body = raw[head : len(raw) - len(node.quote)]
    sep = _separator_of(node)
    replaced = {rep.new.name: rep.new.value for rep in plan.replace}
    newline = "\r\n" if "\r\n" in body else "\n"
    if newline in body:
        # A triple-quoted string with one entry per source line.
        lines = body.split(newline)
        for i, line in enumerate(lines):
            match = ENTRY_LINE.match(line.strip())
            if line.strip() and match and match["name"].strip() in replaced:
                lines[i] = _replace_entry(line, replaced.pop(match["name"].strip()))
        content = [i for i, line in enumerate(lines) if line.strip()]
        first = lines[content[0]] if content else ""
        indent = first[: len(first) - len(first.lstrip())]
        # After the last entry, before any blank line that leads to the
        # closing quotes.
        last = content[-1] if content else 0
        lines[last + 1 : last + 1] = [
            indent + entry_text(spec.name, spec.value, sep) for spec in plan.add
        ]
        body = newline.join(lines)
    else:
        # One source line with "\n" escapes between entries.
        parts = body.split("\\n")
        for i, part in enumerate(parts):
            match = ENTRY_LINE.match(part.strip())
            if part.strip() and match and match["name"].strip() in replaced:
                parts[i] = _replace_entry(part, replaced.pop(match["name"].strip()))
        body = "\\n".join(parts)
        for spec in plan.add:
            entry = entry_text(spec.name, spec.value, sep)
            if not body.strip():
                body = entry
            elif body.endswith("\\n"):
                body += entry + "\\n"
            else:
                body += "\\n" + entry
    return node.with_changes(value=raw[:head] + body + raw[len(raw) - len(node.quote) :])


def items_indent(
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
class Spelling:
    """How the file writes entries: quotes, ``=`` spacing, trailing commas."""

    quote: str = '"'
    sep: str = " = "
    trailing: bool = True


def render_group(entries: Sequence[str], how: Spelling, indent: str | None, unit: str) -> str:
    """A list of entry strings: one per line at ``indent`` + ``unit``, or one line."""
    strings = [string_literal(entry, how.quote) for entry in entries]
    if indent is None:
        return "[" + ", ".join(strings) + "]"
    end = "," if how.trailing else ""
    return "[" + ",".join(f"\n{indent}{unit}{string}" for string in strings) + f"{end}\n{indent}]"


def render_dict(
    groups: Sequence[tuple[str, Sequence[str]]], how: Spelling, indent: str, unit: str
) -> str:
    """An ``entry_points`` dict of ``(group, entries)``, a group a line at ``indent + unit``."""
    inner = indent + unit
    items = [
        f"\n{inner}{string_literal(group, how.quote)}: {render_group(entries, how, inner, unit)}"
        for group, entries in groups
    ]
    return "{" + ",".join(items) + ("," if how.trailing else "") + f"\n{indent}}}"


def spelling_of(node: cst.Dict, quote: str) -> Spelling:
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
    return Spelling(quote_of(node, quote), sep, trailing)
