"""Add entry points to a setup.py and change nothing else in it.

The core is pure: :func:`add_entry_points` takes the file's text and returns an
:class:`~epmigrate.write.merge.EditResult`. What to add, keep or replace is
decided by :func:`~epmigrate.write.merge.plan_merge`.

The ``setup(...)`` call is found by the *qualified name* of what is called
(``setuptools.setup`` however it was imported, or ``distutils.core.setup``),
never by the text of the name (:mod:`.setup_source`), and read with libcst
(:mod:`.setup_call`); :mod:`.setuppy_layout` spells new entries the way the
file spells its own. Only a literal
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
from collections.abc import Sequence

import libcst as cst

from epmigrate.entrypoints import validate
from epmigrate.errors import TargetError
from epmigrate.model import EntryPointSpec
from epmigrate.write.merge import EditResult, MergePlan, group_by, plan_merge
from epmigrate.write.setup_call import (
    SetupCall,
    built_groups,
    dict_entry_points,
    existing_entry_points,
    find_setup_call,
    literal_entry_points,
    read_setup_calls,
    string_value,
)
from epmigrate.write.setup_source import (
    SETUP_PY,
    kwargs_entry_points,
    line_starts,
    nesting_guard,
    offset_of,
    parse_python,
    setup_calls,
)
from epmigrate.write.setuppy_layout import (
    Spelling,
    append_in_layout,
    edit_group_list,
    edit_group_string,
    entry_text,
    items_indent,
    quote_of,
    render_dict,
    render_group,
    spelling_of,
    string_literal,
)
from epmigrate.write.text import source

# The readings are part of this module's interface, beside the rewriter.
__all__ = ["SetupCall", "add_entry_points", "existing_entry_points", "find_setup_call"]


class _SetupCallRewriter(cst.CSTTransformer):
    """Rewrites the one setup() call the finder chose; nothing else."""

    def __init__(self, target: cst.Call, plans: Sequence[MergePlan], unit: str) -> None:
        super().__init__()
        self.target = target
        self.plans = {plan.group: plan for plan in plans if plan.changes}
        self.unit = unit

    def _groups(self, plans: Sequence[MergePlan], how: Spelling) -> list[tuple[str, list[str]]]:
        return [
            (plan.group, [entry_text(spec.name, spec.value, how.sep) for spec in plan.add])
            for plan in plans
        ]

    def edit_dict(self, node: cst.Dict, quote: str) -> cst.Dict:
        how = spelling_of(node, quote)
        elements: list[cst.DictElement] = []
        seen: set[str] = set()
        # Python keeps the last of two equal keys; so does the edit.
        last_of = {
            string_value(element.key): i
            for i, element in enumerate(node.elements)
            if isinstance(element, cst.DictElement)
        }
        for i, element in enumerate(node.elements):
            assert isinstance(element, cst.DictElement)
            group = string_value(element.key)
            assert group is not None
            plan = self.plans.get(group)
            if plan is not None and last_of[group] == i:
                value = element.value
                if isinstance(value, cst.List | cst.Tuple):
                    element = element.with_changes(value=edit_group_list(value, plan, self.unit))
                else:
                    assert isinstance(value, cst.SimpleString)
                    element = element.with_changes(value=edit_group_string(value, plan))
            seen.add(group)
            elements.append(element)
        missing = [p for g, p in self.plans.items() if g not in seen and p.add]
        if not missing:
            return node.with_changes(elements=elements)
        if not elements:
            text = render_dict(self._groups(missing, how), how, "", self.unit)
            return cst.ensure_type(cst.parse_expression(text), cst.Dict)
        indent = items_indent(node.lbrace.whitespace_after, elements, node.rbrace.whitespace_before)
        last = elements[-1]
        new = [
            cst.DictElement(
                key=cst.SimpleString(string_literal(group, how.quote)),
                value=cst.parse_expression(render_group(entries, how, indent, self.unit)),
                whitespace_before_colon=last.whitespace_before_colon,
                whitespace_after_colon=last.whitespace_after_colon,
            )
            for group, entries in self._groups(missing, how)
        ]
        items, close = append_in_layout(
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
        how = Spelling(quote_of(node), " = ", trailing)
        groups = self._groups([p for p in self.plans.values() if p.add], how)
        keyword = next((a for a in reversed(args) if a.keyword is not None), None)
        # Spelled like the other keyword arguments: "name=value" or "name = value".
        equal = (
            keyword.equal
            if keyword is not None
            else cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
        )
        if not args:
            value = cst.parse_expression(render_dict(groups, how, "", self.unit))
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
        indent = items_indent(node.whitespace_before_args, args, close)
        new = cst.Arg(
            cst.parse_expression(render_dict(groups, how, indent or "", self.unit)),
            keyword=cst.Name("entry_points"),
            equal=equal,
        )
        items, close = append_in_layout(node.whitespace_before_args, args, close, [new], self.unit)
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
                args[i] = arg.with_changes(value=self.edit_dict(value, quote_of(updated_node)))
                return updated_node.with_changes(args=args)
        return self._add_arg(updated_node)


def _dict_items_to_add_by_hand(specs: Sequence[EntryPointSpec]) -> str:
    lines = []
    for group, wanted in group_by(specs).items():
        lines.append(f'"{group}": [')
        lines += [f'    "{spec.name} = {spec.value}",' for spec in sorted(set(wanted))]
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
    bom, body, name = source(text, path, SETUP_PY)
    with nesting_guard(body, path):
        return _add(bom, body, name, specs, replace=replace, path=path)


def _shorten(code: str) -> str:
    line = " ".join(code.split())
    return line if len(line) <= 60 else line[:57] + "..."


def _add(
    bom: str,
    body: str,
    name: str,
    specs: Sequence[EntryPointSpec],
    *,
    replace: bool,
    path: str | None,
) -> EditResult:
    text = bom + body
    parsed = read_setup_calls(body, path)
    found = parsed.found
    if not found:
        raise TargetError(
            f"{name} has no setup() call from setuptools to add entry points to",
            path=path,
            hint="add them to setup.cfg [options.entry_points] (or [entry_points] with pbr) "
            "or to pyproject.toml [project.entry-points]",
        )
    if len(found) > 1:
        if all(f.info.star_kwargs_line is not None for f in found):
            # coverage's setup.py: the same setup(**setup_args) twice, in a
            # try and its except; one dict reaches both.
            carried = _kwargs_dict(body, path)
            if carried is not None:
                return _add_to_kwargs_dict(
                    bom, body, name, carried, parsed.indent, specs, replace, path
                )
        raise TargetError(
            f"{name} calls setup() {len(found)} times (lines "
            + ", ".join(str(f.info.line) for f in found)
            + "); epmigrate does not choose one",
            path=path,
            line=found[0].info.line,
            hint="add these entries by hand to each call's entry_points=:\n"
            + _dict_items_to_add_by_hand(specs),
        )
    call = found[0]
    if call.info.has_entry_points and not call.info.literal:
        text_value = _string_value(body, path)
        if text_value is not None:
            return _add_to_string(bom, body, name, text_value, specs, replace, path)
        expression = call.info.expression or ""
        shown = expression if len(expression) <= 60 and "\n" not in expression else "not literal"
        raise TargetError(
            f"entry_points= in {name} is {shown}, not a literal dict of lists of strings, "
            "so epmigrate cannot add to it",
            path=path,
            line=call.info.entry_points_line,
            hint="add these entries by hand where it is built:\n"
            + _dict_items_to_add_by_hand(specs),
        )
    if call.info.star_kwargs_line is not None:
        carried = _kwargs_dict(body, path)
        if carried is not None:
            return _add_to_kwargs_dict(
                bom, body, name, carried, parsed.indent, specs, replace, path
            )
        raise TargetError(
            f"setup() in {name} takes **kwargs, which may hold entry_points, so epmigrate "
            "cannot add entry_points= safely",
            path=path,
            line=call.info.star_kwargs_line,
            hint="add these entries by hand where entry_points is built:\n"
            + _dict_items_to_add_by_hand(specs),
        )
    built = built_groups(call.arg.value) if call.arg is not None else {}
    for group in group_by(specs):
        if group in built:
            raise TargetError(
                f"group {group!r} of entry_points= in {name} is built by code "
                f"({_shorten(parsed.modules[0].code_for_node(built[group]))}), so epmigrate "
                "cannot add to it",
                path=path,
                line=parsed.lines.get(id(built[group]), call.info.entry_points_line),
                hint="add these entries by hand where it is built:\n"
                + _dict_items_to_add_by_hand(specs),
            )
    existing = literal_entry_points(parsed)
    plans = tuple(
        plan_merge(group, existing.get(group, {}), wanted, replace=replace, path=path)
        for group, wanted in group_by(specs).items()
    )
    new_body = body
    if any(p.changes for p in plans):
        rewriter = _SetupCallRewriter(call.call, plans, parsed.indent)
        start, end = parsed.spans[0]
        new_body = body[:start] + parsed.modules[0].visit(rewriter).code + body[end:]
    return EditResult(
        original=text,
        text=bom + new_body,
        plans=plans,
        target=f"{name} setup(entry_points=...)",
    )


def _kwargs_dict(body: str, path: str | None) -> ast.Dict | None:
    """The one literal dict that reaches setup() as ``entry_points`` through ``**NAME``.

    ``None`` unless exactly one value is put there (for every setup() call
    of the file, when there are several) and it is a dict display
    with string keys (pyflakes' ``extra = {..., 'entry_points': {...}}``,
    youtube-dl's ``params['entry_points'] = {...}``).
    """
    tree = parse_python(body, path)
    by_node = {id(v): v for call in setup_calls(tree) for v in kwargs_entry_points(tree, call)}
    values = list(by_node.values())
    if len(values) != 1 or not isinstance(values[0], ast.Dict):
        return None
    value = values[0]
    keys_ok = all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys)
    return value if keys_ok and value.keys else None


def _add_to_kwargs_dict(
    bom: str,
    body: str,
    name: str,
    value: ast.Dict,
    unit: str,
    specs: Sequence[EntryPointSpec],
    replace: bool,
    path: str | None,
) -> EditResult:
    """Add ``specs`` to the dict ``value`` of ``body``, the ``entry_points`` of ``**NAME``."""
    assert value.end_lineno is not None and value.end_col_offset is not None
    starts = line_starts(body)
    start = offset_of(body, starts, value.lineno, value.col_offset)
    end = offset_of(body, starts, value.end_lineno, value.end_col_offset)
    node = cst.ensure_type(cst.parse_expression(body[start:end]), cst.Dict)
    built = built_groups(node)
    for group in group_by(specs):
        if group in built:
            raise TargetError(
                f"group {group!r} of the entry_points that setup() gets through **kwargs in "
                f"{name} is built by code, so epmigrate cannot add to it",
                path=path,
                line=value.lineno,
                hint="add these entries by hand where it is built:\n"
                + _dict_items_to_add_by_hand(specs),
            )
    existing = dict_entry_points(node)
    plans = tuple(
        plan_merge(group, existing.get(group, {}), wanted, replace=replace, path=path)
        for group, wanted in group_by(specs).items()
    )
    new_body = body
    if any(p.changes for p in plans):
        rewriter = _SetupCallRewriter(cst.Call(func=cst.Name("setup")), plans, unit)
        edited = rewriter.edit_dict(node, quote_of(node))
        new_body = body[:start] + cst.Module(body=[]).code_for_node(edited) + body[end:]
    return EditResult(
        original=bom + body,
        text=bom + new_body,
        plans=plans,
        target=f"{name} entry_points (through setup(**kwargs), line {value.lineno})",
    )


def _string_value(body: str, path: str | None) -> ast.Constant | None:
    """The string literal that is setup()'s ``entry_points``, in entry_points.txt form.

    setuptools takes ``entry_points`` as INI text too (Paste's
    ``entry_points=\"\"\"...\"\"\"``); the string may be the argument itself or
    a module-level name bound once (nltk's ``entry_points=console_scripts``).
    ``None`` for anything else.
    """
    tree = parse_python(body, path)
    calls = setup_calls(tree)
    if len(calls) != 1:
        return None
    value = next((k.value for k in calls[0].keywords if k.arg == "entry_points"), None)
    if isinstance(value, ast.Name):
        bound = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign)
            and any(
                isinstance(t, ast.Name) and t.id == value.id
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            )
        ]
        top = [n for n in bound if n in tree.body and isinstance(n, ast.Assign)]
        value = top[0].value if len(bound) == 1 and len(top) == 1 else None
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value
    return None


def _add_to_string(
    bom: str,
    body: str,
    name: str,
    value: ast.Constant,
    specs: Sequence[EntryPointSpec],
    replace: bool,
    path: str | None,
) -> EditResult:
    """Add ``specs`` to the entry_points.txt text of a string literal, in place."""
    from epmigrate.write.setupcfg import add_to_entry_points_file

    assert value.end_lineno is not None and value.end_col_offset is not None
    starts = line_starts(body)
    start = offset_of(body, starts, value.lineno, value.col_offset)
    end = offset_of(body, starts, value.end_lineno, value.end_col_offset)
    literal = body[start:end]
    node = cst.parse_expression(literal)
    text = value.value
    assert isinstance(text, str)
    plain = (
        isinstance(node, cst.SimpleString)
        and not node.prefix
        and literal[len(node.quote) : -len(node.quote)] == text
    )
    if not plain:
        raise TargetError(
            f"entry_points= in {name} is a string with escapes or a prefix "
            f"({_shorten(literal)}), so epmigrate cannot add to it",
            path=path,
            line=value.lineno,
            hint="add these entries by hand to that string, one [GROUP] section per group:\n"
            + "\n".join(
                f"    [{g}]\n" + "\n".join(f"    {s.line}" for s in w)
                for g, w in group_by(specs).items()
            ),
        )
    assert isinstance(node, cst.SimpleString)
    edit = add_to_entry_points_file(text, specs, replace=replace, path=path)
    quote = node.quote
    if any(quote[0] in spec.line or "\\" in spec.line for spec in specs):
        raise TargetError(
            f"the entries cannot be written inside the {quote} string of entry_points= in {name}",
            path=path,
            line=value.lineno,
        )
    new_body = body[:start] + quote + edit.text + quote + body[end:] if edit.changed else body
    return EditResult(
        original=bom + body,
        text=bom + new_body,
        plans=edit.plans,
        target=f"{name} entry_points string (line {value.lineno})",
    )
