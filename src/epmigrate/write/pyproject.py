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

:mod:`.pyproject_tables` reads what the file declares (tomllib decides what
is valid; tomlkit words the errors, with a line and column) and tomlkit
spells keys and strings. The edit itself is made in the text, at offsets
that :mod:`.toml_offsets` finds, rather than through tomlkit's document model:
rendering a changed tomlkit document moves new super-tables in between dotted
keys of ``[project]``, writes ``\\n`` into CRLF files, drops the blank line
before a new table and packs inline tables as ``{a = "x",b = "y"}``. Inserting
text at known offsets keeps every other byte. As a last guard, the new text is
read back with :mod:`tomllib` (what build backends use) and must equal the old
data plus exactly the planned entries.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Sequence
from typing import Any

import tomlkit

from epmigrate.errors import TargetError
from epmigrate.model import EntryPointSpec
from epmigrate.write.merge import EditResult, MergePlan, group_by, plan_merge
from epmigrate.write.pyproject_tables import (
    PYPROJECT,
    Style,
    declared_entry_points,
    detect_style,
    dynamic_field,
    dynamic_fields,
    entry_points_dynamic,
    existing_entry_points,
    parse_pyproject,
    render_key,
    style_of,
    table_label,
    target_table,
    value_at,
)
from epmigrate.write.text import TextEdits, source
from epmigrate.write.toml_offsets import InlineTable, KeyValue, TomlLayout, TomlPath

# The readings are part of this module's interface, beside the rewriter.
__all__ = [
    "Style",
    "add_entry_points",
    "detect_style",
    "entry_points_dynamic",
    "existing_entry_points",
]


class _TomlEdits(TextEdits):
    """Edits of one TOML text, with the layout of that text at hand."""

    def __init__(self, text: str, layout: TomlLayout) -> None:
        super().__init__(text)
        self.layout = layout


def _render_value(value: str, like: KeyValue | None, text: str) -> str:
    # Follow the quoting of the neighbouring entry: 'literal' or "basic".
    literal = like is not None and text[like.value_start] == "'"
    return tomlkit.string(value, literal=literal).as_string()


def _separator(like: KeyValue | None, text: str) -> str:
    # "key=value" when the neighbour is written so; otherwise the usual " = ".
    if like is not None and text[like.key_end : like.value_start] == "=":
        return "="
    return " = "


def _item(key: str, value: str, like: KeyValue | None, text: str) -> str:
    return f"{key}{_separator(like, text)}{_render_value(value, like, text)}"


def _add_to_inline(
    edits: _TomlEdits, inline: InlineTable, items: Sequence[tuple[str, str | None]]
) -> None:
    """Add ``key = value`` items (already rendered keys) to an inline table.

    A ``None`` value means the key is followed by a rendered inline table in
    the key itself (used for a new nested group).
    """
    text = edits.text
    like = inline.items[-1] if inline.items else None
    rendered = [k if v is None else _item(k, v, like, text) for k, v in items]
    if like is None:
        edits.replace(inline.open, inline.close + 1, "{" + ", ".join(rendered) + "}")
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
        edits.insert(comma, "".join(f"{sep[1:] or ' '}{r}," for r in rendered))
    else:
        edits.insert(after, "".join(f"{sep}{r}" for r in rendered))


def _add_entries(
    edits: _TomlEdits,
    target: TomlPath,
    entries: Sequence[tuple[str, str]],
    path: str | None,
) -> None:
    """Add new ``(name, value)`` entries to the table at ``target``."""
    layout, text = edits.layout, edits.text
    keys = [(render_key(name), value) for name, value in entries]

    header = layout.header(target)
    if header is not None:
        like = header.kvs[-1] if header.kvs else None
        offset = like.line_end if like else header.line_end
        indent = like.indent if like else ""
        edits.insert_lines(
            offset, [indent + _item(k, v, like, text) for k, v in keys], blank_before=False
        )
        return
    inline = layout.inline(target)
    if inline is not None:
        _add_to_inline(edits, inline, keys)
        return
    if layout.headers_under(target):
        # Only sub-tables of the group exist ([a.group.sub]); a [a.group]
        # header after them is valid TOML, placed as a new table below.
        _new_table(edits, target, target, keys)
        return
    dotted = layout.dotted_through(target)
    if dotted:
        _add_dotted(edits, dotted[-1], len(target), (), keys)
        return

    # The group does not exist: find the nearest ancestor that does, and add
    # the group in the way that ancestor is written.
    for depth in range(len(target) - 1, 0, -1):
        parent = target[:depth]
        rest = target[depth:]
        inline = layout.inline(parent)
        if layout.header(parent) is not None or (inline is None and layout.headers_under(parent)):
            _new_table(edits, parent, target, keys)
            return
        if inline is not None:
            like = inline.items[-1] if inline.items else None
            nested = "{" + ", ".join(_item(k, v, like, text) for k, v in keys) + "}"
            dotted_key = ".".join(render_key(p) for p in rest)
            _add_to_inline(edits, inline, [(f"{dotted_key}{_separator(like, text)}{nested}", None)])
            return
        dotted = layout.dotted_through(parent)
        if dotted:
            _add_dotted(edits, dotted[-1], depth, rest, keys)
            return
    raise TargetError(  # pragma: no cover - callers check the style first
        f"cannot find where to add {table_label(target)}",
        path=path,
    )


def _add_dotted(
    edits: _TomlEdits,
    like: KeyValue,
    depth: int,
    rest: TomlPath,
    keys: Sequence[tuple[str, str]],
) -> None:
    """Add entries as dotted keys next to ``like``, which passes through
    the table ``like.path[:depth]``."""
    text = edits.text
    assert like.table is not None
    cut = like.seg_starts[depth - len(like.table)]
    prefix = text[like.key_start : cut] + "".join(render_key(p) + "." for p in rest)
    items = [_item(prefix + k, v, like, text) for k, v in keys]
    if like.parent is not None:
        sep = ", "
        edits.insert(like.value_end, "".join(sep + item for item in items))
    else:
        edits.insert_lines(like.line_end, [like.indent + i for i in items], blank_before=False)


def _new_table(
    edits: _TomlEdits, family: TomlPath, target: TomlPath, keys: Sequence[tuple[str, str]]
) -> None:
    """Add a ``[target]`` table after the last table at or below ``family``."""
    last = edits.layout.headers_under(family)[-1]
    offset = last.kvs[-1].line_end if last.kvs else last.line_end
    lines = [table_label(target)] + [_item(k, v, None, edits.text) for k, v in keys]
    edits.insert_lines(offset, lines, blank_before=True)


def _repoint_entry(edits: _TomlEdits, target: TomlPath, name: str, value: str) -> None:
    kv = edits.layout.key_value((*target, name))
    assert kv is not None, f"no key-value for {(*target, name)}"
    edits.replace(kv.value_start, kv.value_end, _render_value(value, kv, edits.text))


def _same(a: Any, b: Any) -> bool:
    """Whether two tomllib values are equal (NaN equal to NaN, types exact)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and bool(a == b)


def _tables_to_add_by_hand(plans: Sequence[tuple[TomlPath, MergePlan]]) -> str:
    lines: list[str] = []
    for target, plan in plans:
        if plan.changes:
            lines.append(table_label(target))
            lines += [
                f"{render_key(s.name)} = {tomlkit.string(s.value).as_string()}"
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
    bom, body, name = source(text, path, PYPROJECT)
    data = parse_pyproject(body, path)
    style = style_of(data)
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
        dynamic = dynamic_fields(data)
        for group in groups:
            key = dynamic_field(group)
            if key in dynamic:
                what = "entry points" if key == "entry-points" else group
                raise TargetError(
                    f"{name} lists {key!r} in project.dynamic, so the build takes {what} "
                    "from setup.cfg or setup.py, not from this file",
                    path=path,
                    line=TomlLayout(body).line_of_key(("project", "dynamic")),
                    hint="write them to setup.cfg [options.entry_points] (or [entry_points] "
                    "with pbr) or to setup.py, or take the field out of dynamic first",
                )

    layout = TomlLayout(body)
    existing = declared_entry_points(data, layout, style)
    plans: list[tuple[TomlPath, MergePlan]] = []
    for group, wanted in groups.items():
        target = target_table(style, group)
        if value_at(data, target) is not None and not isinstance(value_at(data, target), dict):
            raise TargetError(
                f"{table_label(target)} in {name} is not a table",
                path=path,
                line=layout.line_of_key(target),
                hint="fix it by hand first",
            )
        plans.append(
            (target, plan_merge(group, existing.get(group, {}), wanted, replace=replace, path=path))
        )

    edits = _TomlEdits(body, layout)
    expected = copy.deepcopy(data)
    # Groups that exist first: where a new group and more entries of an
    # existing one go to the same place, the existing group's entries stay
    # next to it.
    for target, plan in sorted(plans, key=lambda planned: value_at(data, planned[0]) is None):
        for r in plan.replace:
            _repoint_entry(edits, target, r.new.name, r.new.value)
        if plan.add:
            _add_entries(edits, target, [(s.name, s.value) for s in plan.add], path)
    for target, plan in plans:
        table: Any = expected
        for part in target:
            table = table.setdefault(part, {})
        for s in (*(r.new for r in plan.replace), *plan.add):
            table[s.name] = s.value
    new_body = edits.apply()

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
                hint="add these lines by hand:\n" + _tables_to_add_by_hand(plans),
            )
    return EditResult(
        original=text,
        text=bom + new_body,
        plans=tuple(plan for _, plan in plans),
        target=", ".join(table_label(t) for t, _ in plans),
    )
