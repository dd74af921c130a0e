"""Where a setup.py calls setuptools' ``setup()``, read with Python's own parser.

Nothing here imports libcst: choosing the file to write
(:mod:`epmigrate.write.target`) needs only whether the call passes
``entry_points=``, and :mod:`epmigrate.write.setup_call` reads with libcst
only the source of the calls found here. A call is found by the *qualified
name* of what it calls, never by the text of the name.
"""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Iterator

from epmigrate.errors import ParseError
from epmigrate.pysource import parse_quietly, value_error_line
from epmigrate.write.text import file_name, strip_bom

__all__ = [
    "SETUP_PY",
    "entry_points_through_kwargs",
    "first_setup_call",
    "indent_unit",
    "kwargs_entry_points",
    "line_starts",
    "nesting_guard",
    "offset_of",
    "parse_python",
    "passes_entry_points",
    "setup_calls",
]

SETUP_PY = "setup.py"

_NESTING = re.compile(r"[-+*/%@&|^~<>(\[{.]|\b(?:not|lambda|if|and|or|await)\b")


@contextlib.contextmanager
def nesting_guard(text: str, path: str | None) -> Iterator[None]:
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
            f"{file_name(path, SETUP_PY)} nests an expression too deeply for epmigrate to edit "
            f"({type(exc).__name__}; the deepest is around line {line})",
            path=path,
            line=line,
            hint="add the entry points by hand, or move that expression out of setup.py "
            "(into a module it imports, or a data file it reads); nothing was written",
        ) from exc


def parse_python(text: str, path: str | None) -> ast.Module:
    """``text`` parsed with :mod:`ast`; a :class:`ParseError` at the syntax error."""
    # ast gives the clear message ("'(' was never closed") and a 1-based column.
    try:
        return parse_quietly(text)
    except SyntaxError as exc:
        raise ParseError(
            f"{file_name(path, SETUP_PY)} is not valid Python: {exc.msg}",
            path=path,
            line=exc.lineno,
            col=exc.offset,
            hint="fix the syntax error first; nothing was written",
        ) from exc
    except ValueError as exc:
        # A NUL byte, a lone surrogate: text Python refuses outside its grammar.
        raise ParseError(
            f"{file_name(path, SETUP_PY)} is not valid Python: {exc}",
            path=path,
            line=value_error_line(exc),
            hint="remove that character first; nothing was written",
        ) from exc


def setup_calls(tree: ast.Module) -> list[ast.Call]:
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

    def dotted_name(expr: ast.expr) -> tuple[str, ...] | None:
        if isinstance(expr, ast.Name):
            return (expr.id,)
        if isinstance(expr, ast.Attribute):
            head = dotted_name(expr.value)
            return None if head is None else (*head, expr.attr)
        return None

    found = []
    for call in calls:
        func = call.func
        if isinstance(func, ast.Name):
            hit = func.id in names
        elif isinstance(func, ast.Attribute) and func.attr == "setup":
            hit = dotted_name(func.value) in modules
        else:
            hit = False
        if hit:
            found.append(call)
    found.sort(key=lambda call: (call.lineno, call.col_offset))
    return found


def line_starts(text: str) -> list[int]:
    """The offset in ``text`` where each line (1-based, as ast counts) starts."""
    starts = [0, 0]
    for match in re.finditer(r"\r\n|\r|\n", text):
        starts.append(match.end())
    return starts


def offset_of(text: str, starts: list[int], line: int, col: int) -> int:
    """The offset in ``text`` of ast's ``(line, col)``; ``starts`` from :func:`line_starts`."""
    # ast counts columns in UTF-8 bytes.
    start = starts[line]
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    return start + len(text[start:end].encode("utf-8")[:col].decode("utf-8"))


def indent_unit(tree: ast.Module, text: str, starts: list[int]) -> str:
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


def first_setup_call(text: str, *, path: str | None = None) -> ast.Call | None:
    """The first call of setuptools' ``setup`` in ``text`` (a BOM is allowed), or ``None``.

    Raises :class:`~epmigrate.errors.ParseError` when ``text`` is not Python
    or nests too deeply for the parser.
    """
    body = strip_bom(text)[1]
    with nesting_guard(body, path):
        calls = setup_calls(parse_python(body, path))
    return calls[0] if calls else None


def passes_entry_points(call: ast.Call) -> bool:
    """Whether ``call`` passes ``entry_points=`` by name."""
    return any(keyword.arg == "entry_points" for keyword in call.keywords)


def kwargs_entry_points(tree: ast.Module, call: ast.Call) -> list[ast.expr]:
    """Every value given to ``entry_points`` in a ``**NAME`` that ``call`` unpacks.

    Found where the file binds NAME to a dict display with an
    ``'entry_points'`` key or to ``dict(..., entry_points=...)``, assigns
    ``NAME['entry_points']``, or calls ``NAME.update(entry_points=...)``
    (coverage's setup.py builds ``setup_args = dict(...)`` and calls
    ``setup(**setup_args)``; pyflakes and pss pick one of two dicts by
    whether setuptools imports), in source order.
    """
    names = {
        kw.value.id for kw in call.keywords if kw.arg is None and isinstance(kw.value, ast.Name)
    }
    found: list[ast.expr] = []
    if not names:
        return found

    def carried(value: ast.expr) -> ast.expr | None:
        if isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "entry_points":
                    return item
        if isinstance(value, ast.Call):
            for kw in value.keywords:
                if kw.arg == "entry_points":
                    return kw.value
            for arg in value.args:
                inner = carried(arg)
                if inner is not None:
                    return inner
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in names:
                    inner = carried(node.value)
                    if inner is not None:
                        found.append(inner)
                elif (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in names
                    and isinstance(target.slice, ast.Constant)
                    and target.slice.value == "entry_points"
                ):
                    found.append(node.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in names
        ):
            inner = carried(node)
            if inner is not None:
                found.append(inner)
    found.sort(key=lambda v: (v.lineno, v.col_offset))
    return found


def entry_points_through_kwargs(text: str, call: ast.Call) -> int | None:
    """The first line where ``entry_points`` is put into a ``**NAME`` that ``call`` unpacks."""
    if not any(kw.arg is None for kw in call.keywords):
        return None
    values = kwargs_entry_points(parse_quietly(strip_bom(text)[1]), call)
    return values[0].lineno if values else None
