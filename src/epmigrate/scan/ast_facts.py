"""Facts of a module the scan only consults, read with the standard ``ast``.

A scan consults more modules than it reports on: the packages of the bases,
api-definition modules, constants modules. Only their bindings matter, and
``ast`` gives them at under a tenth of the cost of a libcst parse, which keeps
a cold scan within its budget of 1.5x the libcst parse of the scanned files.
The facts are the same as :mod:`epmigrate.scan.cst_facts` produces.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Sequence

from epmigrate.pysource import parse_quietly
from epmigrate.scan.facts import (
    FORMATS,
    NO_EXPRS,
    NOT_CONSTANT,
    NOT_STR,
    RETURNING_METHODS,
    Call,
    ClassBinding,
    ClassFacts,
    Decorator,
    DefBinding,
    Expr,
    FactsBuilder,
    FromBinding,
    ModuleBinding,
    ModuleFacts,
    StarImport,
    UnknownBinding,
    ValueBinding,
    concat,
    is_dynamic_call,
    is_dynamic_target,
    shorten,
    unknown,
)

__all__ = [
    "module_facts",
    "tree_facts",
]


def module_facts(source: str | bytes) -> ModuleFacts:
    """The facts of a module's source; raises ``SyntaxError``/``ValueError``.

    A large module is parsed a run of top-level statements at a time when it
    can be (:func:`_piecewise_facts`); the facts are the same.
    """
    if len(source) > _PIECE:
        facts = _piecewise_facts(source)
        if facts is not None:
            return facts
    return tree_facts(parse_quietly(source), source)


_PIECE = 1 << 16
"""Source characters parsed at once, at least, by :func:`_piecewise_facts`."""

_CONTINUING = ("else", "elif", "except", "finally")
"""Clauses that continue a compound statement from column 0: never a piece's start."""


def _piecewise_facts(source: str | bytes) -> ModuleFacts | None:
    """The facts of ``source`` parsed in pieces, or ``None`` when it does not split.

    Python's tree of a module costs about fifty times the module's text while
    it is built (a constants module of 60,000 names: 160 MB, most of it gone
    once the facts are read). A piece ends before a line that starts at
    column 0 with code; it is parsed with as many blank lines before it as
    the module has before it, so line numbers stay. A piece that ends inside a
    statement (an open bracket or string, a continuation line, a decorator)
    or starts inside one (``else:``) does not parse: then the whole module is
    parsed as one. Python reads a module as its top-level statements one after
    another, so pieces that all parse hold the same statements in the same
    order. A ``__future__`` import can change how the rest parses: such a
    module is parsed whole.
    """
    try:
        text = source if isinstance(source, str) else importlib.util.decode_source(source)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    if "__future__" in text:
        return None
    walker = _AstWalker(text)
    start = lines = 0
    while start < len(text):
        end = text.find("\n", start + _PIECE)
        while end != -1 and not _starts_statement(text, end + 1):
            end = text.find("\n", end + 1)
        stop = len(text) if end == -1 else end + 1
        piece = text[start:stop]
        try:
            tree = parse_quietly("\n" * lines + piece)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        walker.block(tree.body, conditional=False)
        del tree
        lines += piece.count("\n")
        start = stop
    return walker.facts.done()


def _starts_statement(text: str, at: int) -> bool:
    """Whether the line at offset ``at`` may start a top-level statement."""
    return (
        at < len(text) and text[at] not in " \t\f\r\n#)]}" and not text.startswith(_CONTINUING, at)
    )


def tree_facts(tree: ast.Module, source: str | bytes) -> ModuleFacts:
    """The facts of a module parsed with :func:`ast.parse` from ``source``.

    The same facts as :func:`epmigrate.scan.cst_facts.module_facts` gives for
    the same file (a differential test holds both to it); messages quote
    ``source`` as written.
    """
    walker = _AstWalker(source)
    walker.block(tree.body, conditional=False)
    return walker.facts.done()


def _dotted(node: ast.expr) -> str | None:
    # A loop, not recursion: Python accepts attribute chains thousands long.
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    if not parts:
        return node.id
    parts.append(node.id)
    # Interned: the same reference (``extensions.ExtensionDescriptor``) is
    # written in module after module, and the facts keep every one.
    return sys.intern(".".join(reversed(parts)))


_KINDS = {
    ast.Dict: "dict",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.Subscript: "subscript",
    ast.BinOp: "operation",
    ast.BoolOp: "operation",
    ast.UnaryOp: "operation",
    ast.Compare: "comparison",
    ast.Lambda: "lambda",
    ast.IfExp: "conditional",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.NamedExpr: "assignment expression",
    ast.Starred: "starred",
}
"""Expression kinds for messages; :mod:`~epmigrate.scan.cst_facts` has the same words."""


def _describe(node: ast.expr) -> str:
    """A short description of an expression by its kind."""
    if isinstance(node, ast.Call):
        callee = _dotted(node.func)
        return f"a call to {callee}()" if callee else "a call"
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, bool):
            return repr(value)
        if isinstance(value, bytes):
            return "a bytes literal"
        if value is Ellipsis:
            return "an ellipsis"
        return "a number"
    return f"an expression ({_KINDS.get(type(node), 'expression')})"


def _target_names(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [n for el in node.elts for n in _target_names(el)]
    if isinstance(node, ast.Starred):
        return _target_names(node.value)
    return []


class _AstWalker:
    def __init__(self, source: str | bytes) -> None:
        self.source = source
        self.facts = FactsBuilder()

    def code(self, node: ast.AST) -> str:
        """The node's source text, shortened (Python's rendering if it has no position)."""
        if isinstance(self.source, bytes):
            # Decoded only when a message needs text: most modules need none.
            self.source = importlib.util.decode_source(self.source)
        text = ast.get_source_segment(self.source, node)
        return shorten(text if text is not None else ast.unparse(node))

    def decorator(self, node: ast.expr) -> Decorator:
        called = isinstance(node, ast.Call)
        name = _dotted(node.func if isinstance(node, ast.Call) else node)
        return Decorator(name or "", called, "@" + self.code(node))

    def block(self, body: Sequence[ast.stmt], *, conditional: bool) -> None:
        for node in body:
            self.statement(node, conditional)

    def statement(self, node: ast.stmt, conditional: bool) -> None:
        facts = self.facts
        line = node.lineno
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    binding = ModuleBinding(line, alias.name)
                    facts.bind(alias.asname, binding, conditional)
                else:
                    head = sys.intern(alias.name.split(".")[0])
                    facts.bind(head, ModuleBinding(line, head), conditional)
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                facts.relative_imports.append(line)
            for alias in node.names:
                if alias.name == "*":
                    facts.stars.append(StarImport(node.level, mod, line))
                    continue
                imported = FromBinding(line, mod, alias.name, node.level)
                facts.bind(alias.asname or alias.name, imported, conditional)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            if node.value is None:
                return
            value = self.expr(node.value)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    facts.bind(target.id, ValueBinding(line, value), conditional)
                elif isinstance(target, ast.Attribute):
                    text = _dotted(target) or self.code(target)
                    facts.calls.append(Call(line, f"{text} = ...", "patch"))
                elif isinstance(target, ast.Subscript):
                    text = self.code(target)
                    if is_dynamic_target(text):
                        facts.dynamic = f"assigns {text} at line {line}"
                else:
                    for name in _target_names(target):
                        why = f"unpacked from an expression at line {line}"
                        facts.bind(name, UnknownBinding(line, why), conditional)
        elif isinstance(node, ast.AugAssign):
            for name in _target_names(node.target):
                why = f"changed in place at line {line}"
                facts.bind(name, UnknownBinding(line, why), True)
        elif isinstance(node, ast.ClassDef):
            facts.bind(node.name, ClassBinding(line, self.class_def(node)), conditional)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            facts.bind(node.name, DefBinding(line), conditional)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            callee = _dotted(node.value.func) or self.code(node.value.func)
            facts.calls.append(Call(line, f"{callee}(...)"))
            if is_dynamic_call(callee):
                facts.dynamic = f"calls {callee}() at line {line}"
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                for name in _target_names(target):
                    why = f"deleted at line {line}"
                    facts.bind(name, UnknownBinding(line, why), True)
        elif isinstance(node, ast.If | ast.While | ast.For | ast.AsyncFor):
            if isinstance(node, ast.For | ast.AsyncFor):
                for name in _target_names(node.target):
                    why = f"bound by a loop at line {line}"
                    facts.bind(name, UnknownBinding(line, why), True)
            self.block(node.body, conditional=True)
            self.block(node.orelse, conditional=True)
        elif isinstance(node, ast.Try | ast.TryStar):
            self.block(node.body, conditional=True)
            for handler in node.handlers:
                self.block(handler.body, conditional=True)
            self.block(node.orelse, conditional=True)
            self.block(node.finalbody, conditional=True)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    for name in _target_names(item.optional_vars):
                        why = f"bound by a with statement at line {line}"
                        facts.bind(name, UnknownBinding(line, why), True)
            self.block(node.body, conditional=True)

    def class_def(self, node: ast.ClassDef) -> ClassFacts:
        bases: list[Expr] = []
        for base in node.bases:
            if isinstance(base, ast.Starred):
                bases.append(unknown(f"bases unpacked from {self.code(base.value)}"))
            else:
                bases.append(self.expr(base))
        attrs: dict[str, Expr] = {}
        returns: dict[str, Expr] = {}
        abstract = False
        for stmt in node.body:
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        attrs[target.id] = self.expr(stmt.value)
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                if stmt.name in RETURNING_METHODS:
                    returns[stmt.name] = self.returned(stmt)
                abstract = abstract or any(
                    (_dotted(d) or "").endswith("abstractmethod") for d in stmt.decorator_list
                )
        decorators = tuple(self.decorator(d) for d in node.decorator_list)
        return ClassFacts(
            node.name,
            node.lineno,
            tuple(bases),
            attrs or NO_EXPRS,
            returns or NO_EXPRS,
            abstract,
            decorators,
        )

    def returned(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> Expr:
        found = [s for s in func.body if isinstance(s, ast.Return)]
        if len(found) != 1 or found[0].value is None:
            return unknown(f"{func.name}() does not end in one return statement")
        return self.expr(found[0].value)

    def expr(self, node: ast.expr) -> Expr:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return ("str", node.value)
            return unknown(NOT_STR.format(_describe(node)))
        if isinstance(node, ast.Name | ast.Attribute):
            dotted = _dotted(node)
            if dotted is not None:
                return ("ref", dotted)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            # Flattened with a loop: ``a + b + c`` nests to the left.
            rights: list[ast.expr] = []
            while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                rights.append(node.right)
                node = node.left
            return concat([self.expr(n) for n in (node, *reversed(rights))])
        if isinstance(node, ast.JoinedStr):
            parts: list[Expr] = []
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    parts.append(("str", part.value))
                elif (
                    isinstance(part, ast.FormattedValue)
                    and part.conversion == -1
                    and part.format_spec is None
                ):
                    parts.append(self.expr(part.value))
                else:
                    return unknown(FORMATS)
            return concat(parts)
        return unknown(NOT_CONSTANT.format(_describe(node)))
