"""What ``move`` reads from setup.py, and the ``entry_points=`` argument it takes out.

Only a literal ``entry_points=`` moves (a dict of group to a list, tuple or
string of ``name = value`` lines): anything else is refused, naming what is
not literal. The argument is cut out of the text (with its comma and, when it
stands on lines of its own, those lines), and the file is parsed again to
prove that the call lost that argument and nothing else.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass

from epmigrate.errors import ParseError
from epmigrate.move._errors import MoveError
from epmigrate.move._toml import Item
from epmigrate.write.setup_source import (
    SETUP_PY,
    line_starts,
    nesting_guard,
    offset_of,
    parse_python,
    setup_calls,
)
from epmigrate.write.text import strip_bom

__all__ = ["FIELD_OF_KEYWORD", "SetupPy", "read_setup_py", "without_entry_points"]

FIELD_OF_KEYWORD = {
    "name": "name",
    "version": "version",
    "description": "description",
    "long_description": "readme",
    "long_description_content_type": "readme",
    "author": "authors",
    "author_email": "authors",
    "maintainer": "maintainers",
    "maintainer_email": "maintainers",
    "url": "urls",
    "download_url": "urls",
    "project_urls": "urls",
    "license": "license",
    "classifiers": "classifiers",
    "keywords": "keywords",
    "python_requires": "requires-python",
    "install_requires": "dependencies",
    "extras_require": "optional-dependencies",
}
"""The ``setup()`` keywords that setuptools takes for a ``[project]`` field."""


@dataclass(frozen=True)
class SetupPy:
    """The first ``setup()`` call of a setup.py, as far as ``move`` goes."""

    path: str
    text: str
    call: ast.Call | None
    groups: dict[str, list[Item]]
    """The literal ``entry_points=`` groups, entries with their comments."""
    entry_points: ast.keyword | None
    fields: dict[str, int]
    """``[project]`` fields other keywords of the call give, with their line."""
    name: str | None
    """The ``name=`` when it is a literal string."""
    star_kwargs: int | None
    """The line of a ``**kwargs`` argument of the call."""
    keywords: dict[str, int]
    """Every keyword the call passes, with its line."""


def _comments(text: str) -> dict[int, tuple[str, bool]]:
    """Each comment by line: its text and whether it stands alone on its line."""
    out: dict[int, tuple[str, bool]] = {}
    lines = text.splitlines()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                row, col = tok.start
                alone = not lines[row - 1][:col].strip()
                out[row] = (tok.string, alone)
    except (tokenize.TokenError, SyntaxError, IndexError):
        return {}
    return out


def _not_literal(path: str, node: ast.AST, what: str) -> MoveError:
    return MoveError(
        f"{what} in setup.py is not literal ({ast.unparse(node)[:80]}), so epmigrate cannot "
        "tell which entry points it builds; nothing was written",
        path=path,
        line=getattr(node, "lineno", None),
        hint="write it as a literal dict of lists of 'name = module:attr' strings, or move "
        "its entry points to pyproject.toml by hand",
    )


def _group_items(
    path: str, node: ast.expr, comments: dict[int, tuple[str, bool]], low: int
) -> list[Item]:
    """The entries of one group's literal value, each with the comments above and after it."""
    if isinstance(node, ast.List | ast.Tuple):
        elements = node.elts
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        elements = [node]
    else:
        raise _not_literal(path, node, "a group of entry_points=")
    items: list[Item] = []
    for element in elements:
        if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
            raise _not_literal(path, element, "an entry of entry_points=")
        before = tuple(
            text
            for row in range(low, element.lineno)
            for text, alone in [comments.get(row, ("", False))]
            if text and alone
        )
        end = element.end_lineno or element.lineno
        inline = comments.get(end)
        low = end + 1
        lines = [ln.strip() for ln in element.value.splitlines()]
        entries = [ln for ln in lines if ln and not ln.startswith(("#", ";"))]
        for i, entry in enumerate(entries):
            name, eq, value = entry.partition("=")
            if not eq or not name.strip():
                raise ParseError(
                    f"entry {entry!r} in entry_points= of setup.py is not 'name = value'",
                    path=path,
                    line=element.lineno,
                    hint="fix the entry first; nothing was written",
                )
            items.append(
                Item(
                    value.strip(),
                    name=name.strip(),
                    before=before if i == 0 else (),
                    inline=inline[0]
                    if inline and not inline[1] and i == len(entries) - 1
                    else None,
                    line=element.lineno,
                )
            )
    return items


def _dict_pairs(path: str, value: ast.expr) -> list[tuple[str, ast.expr]]:
    """Group and value of a literal dict, ``{...}`` or ``dict(group=[...])``."""
    if isinstance(value, ast.Dict):
        pairs = []
        for k, v in zip(value.keys, value.values, strict=True):
            if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
                raise _not_literal(path, k if k is not None else value, "a key of entry_points=")
            pairs.append((k.value, v))
        return pairs
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "dict"
        and not value.args
        and all(kw.arg is not None for kw in value.keywords)
    ):
        return [(str(kw.arg), kw.value) for kw in value.keywords]
    raise _not_literal(path, value, "entry_points=")


def _ini_groups(path: str, node: ast.Constant) -> dict[str, list[Item]]:
    """Groups of an ``entry_points=`` string in the entry_points.txt layout.

    setuptools reads such a string as ``[group]`` sections of ``name = value``
    lines (pkg_resources.split_sections: blank and ``#`` lines skipped).
    """
    from epmigrate.write.ini import parse

    # Every line stands alone there: no line continues another.
    text = "\n".join(line.strip() for line in str(node.value).splitlines())
    doc = parse(text, path=path, delimiters="=")
    if doc.defaults.options:
        raise _not_literal(path, node, "a [DEFAULT] section of the entry_points= string")
    groups: dict[str, list[Item]] = {}
    for sect in doc.all_sections()[1:]:
        items = []
        start = sect.header + 1
        for opt in sect.options.values():
            before = tuple(
                doc.lines[i] for i in range(start, opt.line) if doc.lines[i].startswith("#")
            )
            start = opt.end + 1
            items.append(
                Item(
                    doc.get(sect.name, opt.name) or "",
                    name=opt.name,
                    before=before,
                    line=node.lineno,
                )
            )
        groups[sect.name] = items
    return groups


def read_setup_py(path: str, text: str) -> SetupPy:
    """Read the first ``setup()`` call of ``text``: its entry points and its other fields."""
    body = strip_bom(text)[1]
    with nesting_guard(body, path):
        tree = parse_python(body, path)
    calls = setup_calls(tree)
    if not calls:
        return SetupPy(path, text, None, {}, None, {}, None, None, {})
    call = calls[0]
    comments = _comments(body)
    groups: dict[str, list[Item]] = {}
    entry_points = None
    fields: dict[str, int] = {}
    name = None
    star = None
    keywords: dict[str, int] = {}
    for kw in call.keywords:
        if kw.arg is None:
            star = kw.lineno
            continue
        keywords[kw.arg] = kw.lineno
        if kw.arg == "entry_points":
            entry_points = kw
            value = kw.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                groups.update(_ini_groups(path, value))
                continue
            low = value.lineno + 1
            for group, v in _dict_pairs(path, value):
                groups.setdefault(group, []).extend(_group_items(path, v, comments, low))
                low = (v.end_lineno or v.lineno) + 1
            continue
        if (
            kw.arg == "name"
            and isinstance(kw.value, ast.Constant)
            and isinstance(kw.value.value, str)
        ):
            name = kw.value.value
        field = FIELD_OF_KEYWORD.get(kw.arg)
        if field is not None:
            fields.setdefault(field, kw.lineno)
    return SetupPy(path, text, call, groups, entry_points, fields, name, star, keywords)


def without_entry_points(setup: SetupPy) -> str:
    """The text of setup.py without the ``entry_points=`` argument of its call.

    Raises :class:`MoveError` when the cut would change anything else the
    call passes (proved by parsing the new text).
    """
    kw = setup.entry_points
    assert kw is not None and setup.call is not None
    bom, body = strip_bom(setup.text)
    starts = line_starts(body)
    start = offset_of(body, starts, kw.lineno, kw.col_offset)
    assert kw.end_lineno is not None and kw.end_col_offset is not None
    end = offset_of(body, starts, kw.end_lineno, kw.end_col_offset)
    # The comma after the argument, if one follows (comments may stand between).
    pos = end
    comma = None
    while pos < len(body):
        ch = body[pos]
        if ch == ",":
            comma = pos
            break
        if ch == "#":
            pos = body.find("\n", pos)
            if pos < 0:
                break
        elif not ch.isspace():
            break
        pos += 1
    line_start = body.rfind("\n", 0, start) + 1
    if comma is not None:
        cut_end = comma + 1
        rest_end = body.find("\n", cut_end)
        rest_end = len(body) if rest_end < 0 else rest_end
        tail = body[cut_end:rest_end]
        if not body[line_start:start].strip() and (
            not tail.strip() or tail.strip().startswith("#")
        ):
            # The argument has lines of its own: take them whole.
            start, cut_end = line_start, min(rest_end + 1, len(body))
        else:
            while cut_end < len(body) and body[cut_end] in " \t":
                cut_end += 1
        new = body[:start] + body[cut_end:]
    else:
        # The last argument, without a comma: take the comma before it too.
        before = body.rfind(",", 0, start)
        between = body[before + 1 : start] if before >= 0 else "x"
        if between.strip() and not all(
            not ln.strip() or ln.strip().startswith("#") for ln in between.splitlines()
        ):
            before = start
        new = body[: max(before, 0) if before < start else start] + body[end:]
    _check_cut(setup, body, new)
    return bom + new


def _check_cut(setup: SetupPy, old: str, new: str) -> None:
    """The new call must be the old one without ``entry_points=``, nothing else."""
    try:
        tree = ast.parse(new)
    except SyntaxError:
        tree = None
    ok = False
    if tree is not None:
        calls = setup_calls(tree)
        before = ast.parse(old)
        old_calls = setup_calls(before)
        if calls and old_calls:
            old_call = old_calls[0]
            old_call.keywords = [k for k in old_call.keywords if k.arg != "entry_points"]
            ok = ast.dump(before) == ast.dump(tree)
    if not ok:
        assert setup.entry_points is not None
        raise MoveError(
            f"cannot take entry_points= out of {SETUP_PY} without changing the rest of the call",
            path=setup.path,
            line=setup.entry_points.lineno,
            hint="delete the entry_points= argument by hand after the move; nothing was written",
        )
