"""The libcst helpers the adoption transforms share.

Facts are gathered on a :class:`~libcst.metadata.MetadataWrapper`'s module
with qualified names (``os.listdir`` however ``os`` was imported, never the
text of a name) and positions; the rewrite is one transformer pass that
swaps nodes by identity (:class:`Edits`), so everything not named in the
edit keeps its bytes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

import libcst as cst
from libcst.metadata import (
    CodePosition,
    MetadataWrapper,
    PositionProvider,
    QualifiedNameProvider,
)

from epmigrate.errors import EpmigrateError

_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)

__all__ = [
    "RUNTIME_MODULE",
    "AdoptError",
    "Edits",
    "Facts",
    "after_docstring",
    "body_statements",
    "call_args",
    "call_code",
    "dotted",
    "expression",
    "has_import",
    "insert_import",
    "statement",
    "walk",
]

RUNTIME_MODULE = "epmigrate.loader"
"""The module an adopted loader imports; its functions are :mod:`epmigrate.loader.adoption`."""


class AdoptError(EpmigrateError):
    """The file is not a loader of the shape the profile describes; nothing was written."""


@dataclass
class Facts:
    """The metadata of one parsed module: qualified names and positions."""

    wrapper: MetadataWrapper
    path: str | None

    @property
    def module(self) -> cst.Module:
        """The module the metadata describes (its nodes are the ones to edit)."""
        return self.wrapper.module

    def qualified(self, node: cst.CSTNode) -> set[str]:
        """The qualified names ``node`` (a name or an attribute) may stand for."""
        names = self.wrapper.resolve(QualifiedNameProvider).get(node, set())
        if callable(names):  # libcst computes some values lazily
            names = names()
        return {q.name for q in names}

    def is_call_of(self, node: cst.CSTNode, *names: str) -> bool:
        """Whether ``node`` is a call of one of the qualified ``names``."""
        return isinstance(node, cst.Call) and bool(self.qualified(node.func) & set(names))

    def line(self, node: cst.CSTNode) -> int:
        """The first line of ``node``, 1-based."""
        return int(self._start(node).line)

    def column(self, node: cst.CSTNode) -> int:
        """The column ``node`` starts at, 0-based."""
        return int(self._start(node).column)

    def _start(self, node: cst.CSTNode) -> CodePosition:
        pos = self.wrapper.resolve(PositionProvider)[node]
        if callable(pos):  # libcst computes some values lazily
            pos = pos()
        return pos.start

    def refuse(self, message: str, node: cst.CSTNode | None, hint: str) -> AdoptError:
        """An :class:`AdoptError` located at ``node``."""
        line = self.line(node) if node is not None else None
        return AdoptError(message, path=self.path, line=line, hint=hint)


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node below it, parents first (iteratively: deep code is legal)."""
    todo = [node]
    while todo:
        here = todo.pop()
        yield here
        todo.extend(reversed(here.children))


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a name or an attribute chain, else ``None``."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def call_args(call: cst.Call) -> list[cst.BaseExpression]:
    """The positional arguments of ``call`` (``None`` entries never: keywords are skipped)."""
    return [a.value for a in call.args if a.keyword is None and not a.star]


def body_statements(node: cst.FunctionDef | cst.For | cst.Try) -> Sequence[cst.BaseStatement]:
    """The statements of an indented block (a one-line body is a single simple line)."""
    body = node.body
    if isinstance(body, cst.IndentedBlock):
        return body.body
    assert isinstance(body, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body.body)]


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_import(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
    )


def has_import(module: cst.Module, name: str) -> bool:
    """Whether the module imports ``name`` with a plain top-level ``import name``."""
    for stmt in module.body:
        if not _is_import(stmt):
            continue
        assert isinstance(stmt, cst.SimpleStatementLine)
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if alias.asname is None and dotted(alias.name) == name:
                        return True
    return False


def _import_key(stmt: cst.SimpleStatementLine) -> str:
    """What OpenStack's hacking (H306) orders imports by.

    ``x.y`` for ``import x.y`` and for ``from x import y``, lowercased;
    ``.`` for a relative import.
    """
    small = stmt.body[0]
    if isinstance(small, cst.Import):
        return (dotted(small.names[0].name) or "").lower()
    assert isinstance(small, cst.ImportFrom)
    if small.relative or small.module is None:
        return "."
    first = small.names[0].name if not isinstance(small.names, cst.ImportStar) else None
    tail = f".{dotted(first)}" if first is not None else ""
    return f"{dotted(small.module)}{tail}".lower()


def _import_kind(key: str, project: str | None) -> int:
    """The PEP 8 group of an import: 0 ``__future__``, 1 standard library, 2
    third party, 3 the project's own (its top-level package, or relative)."""
    top = key.split(".")[0]
    if top == "__future__":
        return 0
    if key == "." or (project is not None and top == project):
        return 3
    return 1 if top in sys.stdlib_module_names else 2


def insert_import(module: cst.Module, name: str, *, project: str | None = None) -> cst.Module:
    """``module`` with ``import name`` among the imports of its kind, in order.

    The leading imports are read in their groups (parted by blank lines, as
    PEP 8 and OpenStack's hacking checks have them): the line goes into the
    group of its kind (standard library, third party; :func:`_import_kind`)
    at its alphabetical place (hacking's H306 order), or, when the module
    has no such group, becomes a group of its own between the groups of the
    kinds before and after it (``project``: the top-level package).
    """
    if has_import(module, name):
        return module
    body = list(module.body)
    start = 1 if body and _is_docstring(body[0]) else 0
    end = start
    while end < len(body) and _is_import(body[end]):
        end += 1
    line = cst.parse_statement(f"import {name}\n", config=module.config_for_parsing)
    assert isinstance(line, cst.SimpleStatementLine)
    key = name.lower()
    want = _import_kind(key, project)
    groups: list[list[int]] = []
    for i in range(start, end):
        stmt = body[i]
        assert isinstance(stmt, cst.SimpleStatementLine)
        if not groups or stmt.leading_lines:
            groups.append([])
        groups[-1].append(i)
    kinds = [
        _import_kind(_import_key(cast(cst.SimpleStatementLine, body[g[0]])), project)
        for g in groups
    ]
    same = next((g for g, kind in zip(groups, kinds, strict=True) if kind == want), None)
    if same is not None:
        at = next(
            (i for i in same if _import_key(cast(cst.SimpleStatementLine, body[i])) > key),
            same[-1] + 1,
        )
        if at == same[0]:
            first = cast(cst.SimpleStatementLine, body[at])
            line = line.with_changes(leading_lines=first.leading_lines)
            body[at] = first.with_changes(leading_lines=())
        body.insert(at, line)
        return module.with_changes(body=body)
    later = next((g for g, kind in zip(groups, kinds, strict=True) if kind > want), None)
    if later is not None:
        # A group before the later one: that group's first import keeps its blank line.
        at = later[0]
        follows = cast(cst.SimpleStatementLine, body[at])
        line = line.with_changes(leading_lines=follows.leading_lines)
        body[at] = follows.with_changes(leading_lines=(cst.EmptyLine(),))
    else:
        at = end
        line = line.with_changes(leading_lines=(cst.EmptyLine(),) if at > 0 else ())
    body.insert(at, line)
    return module.with_changes(body=body)


def after_docstring(func: cst.FunctionDef, new: Sequence[cst.BaseStatement]) -> cst.FunctionDef:
    """``func`` with ``new`` statements first in its body, after its docstring."""
    body = func.body
    if not isinstance(body, cst.IndentedBlock):
        raise ValueError("a one-line function body cannot take statements")
    stmts = list(body.body)
    at = 1 if stmts and _is_docstring(stmts[0]) else 0
    if at and stmts[1:]:
        # The blank lines that part the docstring from the code part it from
        # the new statements too; the code's own comments stay with it.
        blank: list[cst.EmptyLine] = []
        following = stmts[1]
        assert isinstance(following, cst.SimpleStatementLine | cst.BaseCompoundStatement)
        for line in following.leading_lines:
            if line.comment is not None:
                break
            blank.append(line)
        new = [new[0].with_changes(leading_lines=blank), *new[1:]]
    stmts[at:at] = new
    return func.with_changes(body=body.with_changes(body=stmts))


MAX_LINE = 79
"""The line length the generated calls keep to (PEP 8's, which OpenStack's checks enforce)."""


def call_code(func: str, args: str, *, column: int, prefix: str, suffix: str, unit: str) -> str:
    """``func(args)`` on one line, or with its arguments on a continuation line.

    ``column`` is where the statement starts, ``prefix`` and ``suffix`` what
    stands before and after the call on its line (``for f in `` and ``:``);
    a line longer than :data:`MAX_LINE` puts the arguments on the next line,
    indented two units past the statement (PEP 8's hanging indent for a
    compound statement's header), as OpenStack's code wraps its own calls.
    """
    one = f"{func}({args})"
    if column + len(prefix) + len(one) + len(suffix) <= MAX_LINE:
        return one
    return f"{func}(\n{unit * 2}{args})"


def is_adopted(facts: Facts, func: cst.FunctionDef, *, listed: bool, half: str) -> bool:
    """Whether a loader carries both edits: its listing is the runtime's (``listed``)
    and ``func`` starts with a loop over the entry points.

    A loader with the listing but not the loop is refused (``half`` says what
    it does, up to "does not load"): it would load migrated extensions from
    nowhere.
    """
    if not listed:
        return False
    for stmt in body_statements(func):
        if isinstance(stmt, cst.For) and facts.is_call_of(
            stmt.iter, f"{RUNTIME_MODULE}.entry_points"
        ):
            return True
    raise facts.refuse(
        f"{half} does not load {RUNTIME_MODULE}.entry_points: a half-adopted loader "
        "would load the migrated extensions from nowhere",
        func,
        "restore the file from version control and run 'epmigrate adopt' on it again",
    )


class Edits(cst.CSTTransformer):
    """One pass that replaces nodes by identity and prepends statements to functions."""

    def __init__(self) -> None:
        super().__init__()
        self.replace: dict[cst.CSTNode, cst.CSTNode] = {}
        self.prepend: dict[cst.FunctionDef, list[cst.BaseStatement]] = {}

    def on_leave(
        self, original_node: _NodeT, updated_node: _NodeT
    ) -> _NodeT | cst.RemovalSentinel | cst.FlattenSentinel[_NodeT]:
        if original_node in self.replace:
            return cast(_NodeT, self.replace[original_node])
        if isinstance(original_node, cst.FunctionDef) and original_node in self.prepend:
            assert isinstance(updated_node, cst.FunctionDef)
            return cast(_NodeT, after_docstring(updated_node, self.prepend[original_node]))
        return updated_node

    def prepend_to(
        self, facts: Facts, func: cst.FunctionDef, new: list[cst.BaseStatement], name: str
    ) -> None:
        """Put ``new`` first in ``func``'s body; refused for a body on the ``def`` line."""
        if not isinstance(func.body, cst.IndentedBlock):
            raise facts.refuse(
                f"{name} has its body on its def line, where no statement can be added",
                func,
                "put the body on lines of its own and run 'epmigrate adopt' again",
            )
        self.prepend[func] = new

    def apply(self, module: cst.Module, *, project: str | None = None) -> cst.Module:
        """The edited module, with ``import epmigrate.loader`` among its imports.

        ``project`` is the service's top-level package, whose own imports
        come after the new line (:func:`insert_import`).
        """
        return insert_import(module.visit(self), RUNTIME_MODULE, project=project)


def statement(code: str, module: cst.Module) -> cst.BaseStatement:
    """One statement parsed in ``module``'s own newline and indentation."""
    return cst.parse_statement(code, config=module.config_for_parsing)


def expression(code: str, module: cst.Module) -> cst.BaseExpression:
    """One expression parsed in ``module``'s own configuration."""
    return cst.parse_expression(code, config=module.config_for_parsing)
