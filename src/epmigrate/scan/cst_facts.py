"""Facts of a scanned file, read with libcst.

Scanned files go through libcst because legacy extension code may use syntax
the running interpreter no longer accepts (``async`` as a name, for one), and
libcst parses every Python 3 grammar. Only top-level statements, class bodies
and the ``return`` statements of methods are visited: bindings at module level
are all that import resolution needs, and a full visit (or libcst's scope and
position metadata, 7-12x a parse) would cost more than the parse itself.

Line numbers come from the standard library's ``ast``, which costs under a
tenth of a libcst parse: both trees hold the same statements in the same
order (see :func:`ast_statement_lines`). When ``ast`` cannot read the file,
libcst's own position metadata is used instead.
"""

from __future__ import annotations

import ast
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

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
    "LineOf",
    "ast_statement_lines",
    "module_facts",
    "parse_module",
]


LineOf = Callable[[cst.CSTNode], int]


def parse_module(source: str) -> cst.Module:
    """Parse with libcst, accepting every Python 3 grammar it knows."""
    return cst.parse_module(source)


def module_facts(module: cst.Module, tree: ast.Module | None) -> ModuleFacts:
    """The facts of a parsed module; ``tree`` is Python's own parse of it, if any."""
    if tree is not None:
        lines: Iterator[int] = iter(ast_statement_lines(tree))

        def line_of(node: cst.CSTNode) -> int:
            return next(lines)

        try:
            return _CstWalker(module, line_of).run()
        except StopIteration:
            pass
    # ast refuses grammar libcst accepts: use libcst's positions.
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    return _CstWalker(wrapper.module, lambda node: positions[node].start.line).run()


def ast_statement_lines(tree: ast.Module) -> list[int]:
    """Line of every statement :class:`_CstWalker` visits, in the order it visits them.

    Pre-order over statements, descending into compound statements and class
    bodies but never into function bodies or ``match`` cases.
    """
    out: list[int] = []

    def visit(stmts: Sequence[ast.stmt]) -> None:
        for s in stmts:
            out.append(s.lineno)
            if isinstance(s, ast.ClassDef | ast.With | ast.AsyncWith):
                visit(s.body)
            elif isinstance(s, ast.If | ast.For | ast.AsyncFor | ast.While):
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, ast.Try | ast.TryStar):
                visit(s.body)
                for h in s.handlers:
                    visit(h.body)
                visit(s.orelse)
                visit(s.finalbody)

    visit(tree.body)
    return out


def _ident(name: str) -> str:
    """An identifier as Python reads it: NFKC-normalised (PEP 3131); libcst keeps it raw."""
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


def _dotted(node: cst.BaseExpression) -> str | None:
    # A loop, not recursion: Python accepts attribute chains thousands long.
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(_ident(node.attr.value))
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    if not parts:
        return _ident(node.value)
    parts.append(_ident(node.value))
    # Interned: the same reference (``extensions.ExtensionDescriptor``) is
    # written in module after module, and the facts keep every one.
    return sys.intern(".".join(reversed(parts)))


def _import_name(node: cst.Attribute | cst.Name) -> str:
    name = _dotted(node)
    assert name is not None  # import names are always dotted names
    return name


class _CstWalker:
    def __init__(self, module: cst.Module, line_of: LineOf) -> None:
        self.module = module
        self.line_of = line_of
        self.facts = FactsBuilder()

    def run(self) -> ModuleFacts:
        self.block(self.module.body, conditional=False)
        return self.facts.done()

    def code(self, node: cst.CSTNode) -> str:
        """The node's source text without its own parentheses, shortened.

        Python's tree places an expression inside its parentheses, so the
        text matches what :mod:`~epmigrate.scan.ast_facts` shows.
        """
        if getattr(node, "lpar", None) or getattr(node, "rpar", None):
            node = node.with_changes(lpar=(), rpar=())
        return shorten(self.module.code_for_node(node))

    # -- statements -------------------------------------------------------
    def statements(
        self, body: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement]
    ) -> Iterator[tuple[cst.CSTNode, int]]:
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    yield small, self.line_of(small)
            else:
                yield stmt, self.line_of(stmt)

    def suite(self, suite: cst.BaseSuite) -> Sequence[cst.BaseStatement | cst.BaseSmallStatement]:
        return suite.body

    def block(
        self,
        body: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement],
        *,
        conditional: bool,
    ) -> None:
        for node, line in self.statements(body):
            self.statement(node, line, conditional)

    def nested(self, suite: cst.BaseSuite | None) -> None:
        if suite is not None:
            self.block(self.suite(suite), conditional=True)  # type: ignore[arg-type]

    def statement(self, node: cst.CSTNode, line: int, conditional: bool) -> None:
        facts = self.facts
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = _import_name(alias.name)
                if alias.asname is not None:
                    bound = _dotted(alias.asname.name)
                    facts.bind(bound or full, ModuleBinding(line, full), conditional)
                else:
                    head = sys.intern(full.split(".")[0])
                    facts.bind(head, ModuleBinding(line, head), conditional)
        elif isinstance(node, cst.ImportFrom):
            level = len(node.relative)
            mod = _import_name(node.module) if node.module is not None else ""
            if level:
                facts.relative_imports.append(line)
            if isinstance(node.names, cst.ImportStar):
                facts.stars.append(StarImport(level, mod, line))
                return
            for alias in node.names:
                name = _import_name(alias.name)
                bound = _dotted(alias.asname.name) if alias.asname else name
                facts.bind(
                    bound or name,
                    FromBinding(line, mod, name, level),
                    conditional,
                )
        elif isinstance(node, cst.Assign | cst.AnnAssign | cst.AugAssign):
            self.assignment(node, line, conditional)
        elif isinstance(node, cst.ClassDef):
            cls = self.class_def(node, line)
            facts.bind(_ident(node.name.value), ClassBinding(line, cls), conditional)
        elif isinstance(node, cst.FunctionDef):
            facts.bind(_ident(node.name.value), DefBinding(line), conditional)
        elif isinstance(node, cst.Expr):
            if isinstance(node.value, cst.Call):
                self.call(node.value, line)
        elif isinstance(node, cst.Del):
            for name in _target_names(node.target):
                facts.bind(name, UnknownBinding(line, f"deleted at line {line}"), True)
        elif isinstance(node, cst.If):
            self.nested(node.body)
            orelse = node.orelse
            if isinstance(orelse, cst.If):
                self.statement(orelse, self.line_of(orelse), True)
            elif orelse is not None:
                self.nested(orelse.body)
        elif isinstance(node, cst.For | cst.While):
            if isinstance(node, cst.For):
                for name in _target_names(node.target):
                    why = f"bound by a loop at line {line}"
                    facts.bind(name, UnknownBinding(line, why), True)
            self.nested(node.body)
            self.nested(node.orelse.body if node.orelse else None)
        elif isinstance(node, cst.Try | cst.TryStar):
            self.nested(node.body)
            for handler in node.handlers:
                self.nested(handler.body)
            self.nested(node.orelse.body if node.orelse else None)
            self.nested(node.finalbody.body if node.finalbody else None)
        elif isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None:
                    for name in _target_names(item.asname.name):
                        why = f"bound by a with statement at line {line}"
                        facts.bind(name, UnknownBinding(line, why), True)
            self.nested(node.body)

    def assignment(
        self, node: cst.Assign | cst.AnnAssign | cst.AugAssign, line: int, conditional: bool
    ) -> None:
        facts = self.facts
        if isinstance(node, cst.AugAssign):
            for name in _target_names(node.target):
                why = f"changed in place at line {line}"
                facts.bind(name, UnknownBinding(line, why), True)
            return
        if node.value is None:
            return
        value = self.expr(node.value)
        targets = (
            [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        )
        for target in targets:
            if isinstance(target, cst.Name):
                facts.bind(_ident(target.value), ValueBinding(line, value), conditional)
            elif isinstance(target, cst.Attribute):
                facts.calls.append(
                    Call(line, f"{_dotted(target) or self.code(target)} = ...", "patch")
                )
            elif isinstance(target, cst.Subscript):
                text = self.code(target)
                if is_dynamic_target(text):
                    facts.dynamic = f"assigns {text} at line {line}"
            else:
                for name in _target_names(target):
                    why = f"unpacked from an expression at line {line}"
                    facts.bind(name, UnknownBinding(line, why), conditional)

    def call(self, node: cst.Call, line: int) -> None:
        callee = _dotted(node.func) or self.code(node.func)
        self.facts.calls.append(Call(line, f"{callee}(...)"))
        if is_dynamic_call(callee):
            self.facts.dynamic = f"calls {callee}() at line {line}"

    def class_def(self, node: cst.ClassDef, line: int) -> ClassFacts:
        bases: list[Expr] = []
        for arg in node.bases:
            if arg.keyword is None and not arg.star:
                bases.append(self.expr(arg.value))
            elif arg.star:
                bases.append(unknown(f"bases unpacked from {self.code(arg.value)}"))
        attrs: dict[str, Expr] = {}
        returns: dict[str, Expr] = {}
        abstract = False
        for stmt, _line in self.statements(self.suite(node.body)):  # type: ignore[arg-type]
            if isinstance(stmt, cst.Assign | cst.AnnAssign) and stmt.value is not None:
                targets = (
                    [t.target for t in stmt.targets]
                    if isinstance(stmt, cst.Assign)
                    else [stmt.target]
                )
                for target in targets:
                    if isinstance(target, cst.Name):
                        attrs[_ident(target.value)] = self.expr(stmt.value)
            elif isinstance(stmt, cst.FunctionDef):
                method = _ident(stmt.name.value)
                if method in RETURNING_METHODS:
                    returns[method] = self.returned(stmt)
                abstract = abstract or any(
                    (_dotted(d.decorator) or "").endswith("abstractmethod") for d in stmt.decorators
                )
            elif isinstance(stmt, cst.BaseCompoundStatement):
                # Keep the line iterator aligned with ast's pre-order walk.
                self.skip(stmt)
        decorators = tuple(self.decorator(d.decorator) for d in node.decorators)
        return ClassFacts(
            _ident(node.name.value),
            line,
            tuple(bases),
            attrs or NO_EXPRS,
            returns or NO_EXPRS,
            abstract,
            decorators,
        )

    def decorator(self, node: cst.BaseExpression) -> Decorator:
        called = isinstance(node, cst.Call)
        name = _dotted(node.func if isinstance(node, cst.Call) else node)
        return Decorator(name or "", called, "@" + self.code(node))

    def skip(self, node: cst.BaseCompoundStatement) -> None:
        saved = self.facts
        self.facts = FactsBuilder()
        self.statement(node, 0, True)
        self.facts = saved

    def returned(self, func: cst.FunctionDef) -> Expr:
        found = [
            small
            for stmt in self.suite(func.body)
            if isinstance(stmt, cst.SimpleStatementLine)
            for small in stmt.body
            if isinstance(small, cst.Return)
        ]
        if len(found) != 1 or found[0].value is None:
            return unknown(f"{_ident(func.name.value)}() does not end in one return statement")
        return self.expr(found[0].value)

    # -- expressions --------------------------------------------------------
    def expr(self, node: cst.BaseExpression) -> Expr:
        if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
            return self.strings(node)
        if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
            return unknown(NOT_STR.format(node.value))
        if isinstance(node, cst.Integer | cst.Float | cst.Imaginary | cst.Ellipsis):
            return unknown(NOT_STR.format(_describe(node)))
        if isinstance(node, cst.Name | cst.Attribute):
            dotted = _dotted(node)
            if dotted is not None:
                return ("ref", dotted)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            # ``a + b + c`` nests to the left: flatten it with a loop, as
            # Python accepts chains far deeper than the recursion limit.
            rights: list[cst.BaseExpression] = []
            while isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
                rights.append(node.right)
                node = node.left
            return concat([self.expr(n) for n in (node, *reversed(rights))])
        if isinstance(node, cst.FormattedString):
            return self.fstring(node)
        return unknown(NOT_CONSTANT.format(_describe(node)))

    def strings(self, node: cst.SimpleString | cst.ConcatenatedString) -> Expr:
        """Adjacent literals, f-strings among them, as Python joins them."""
        pieces: list[cst.BaseExpression] = []
        todo: list[cst.BaseExpression] = [node]
        while todo:
            current = todo.pop()
            if isinstance(current, cst.ConcatenatedString):
                todo.extend((current.right, current.left))
            else:
                pieces.append(current)
        parts: list[Expr] = []
        for piece in pieces:
            if isinstance(piece, cst.FormattedString):
                folded = self.fstring(piece)
                if folded[0] == "unknown":
                    return folded
                parts.extend(folded[1] if folded[0] == "concat" else [folded])
                continue
            assert isinstance(piece, cst.SimpleString)
            try:
                value = piece.evaluated_value
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                # A literal this interpreter cannot read (a bad \N{...} escape).
                return unknown("a string literal Python cannot read")
            if not isinstance(value, str):
                return unknown(NOT_STR.format("a bytes literal"))
            parts.append(("str", value))
        return concat(parts)

    def fstring(self, node: cst.FormattedString) -> Expr:
        parts: list[Expr] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text = _fstring_text(node, part.value)
                if text is None:
                    return unknown("an f-string with text Python cannot read")
                parts.append(("str", text))
            elif (
                isinstance(part, cst.FormattedStringExpression)
                and part.conversion is None
                and part.format_spec is None
                and part.equal is None
            ):
                parts.append(self.expr(part.expression))
            else:
                return unknown(FORMATS)
        return concat(parts)


def _fstring_text(node: cst.FormattedString, raw: str) -> str | None:
    """The value of a piece of f-string text: libcst keeps it as written.

    Doubled braces stand for one; escapes are read as in a plain literal with
    the same prefix and quotes (so ``rf`` text keeps its backslashes).
    """
    prefix = node.prefix.lower().replace("f", "")
    unbraced = raw.replace("{{", "{").replace("}}", "}")
    if "\\" not in unbraced or "r" in prefix:
        return unbraced  # raw text is its own value (and may end in a backslash)
    try:
        value = ast.literal_eval(f"{prefix}{node.quote}{unbraced}{node.quote}")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


_KINDS: dict[type[cst.CSTNode], str] = {
    cst.Dict: "dict",
    cst.List: "list",
    cst.Tuple: "tuple",
    cst.Set: "set",
    cst.Subscript: "subscript",
    cst.BinaryOperation: "operation",
    cst.BooleanOperation: "operation",
    cst.UnaryOperation: "operation",
    cst.Comparison: "comparison",
    cst.Lambda: "lambda",
    cst.IfExp: "conditional",
    cst.ListComp: "comprehension",
    cst.SetComp: "comprehension",
    cst.DictComp: "comprehension",
    cst.GeneratorExp: "comprehension",
    cst.Await: "await",
    cst.Yield: "yield",
    cst.NamedExpr: "assignment expression",
    cst.StarredElement: "starred",
}
"""Expression kinds for messages, in :mod:`~epmigrate.scan.ast_facts`'s words."""


def _describe(node: cst.BaseExpression) -> str:
    """A short description of an expression by its kind, as ``ast_facts`` gives it.

    Generating code for a node costs as much as a tenth of the parse; the
    scanner describes the many non-constant values it meets by kind instead.
    """
    if isinstance(node, cst.Call):
        callee = _dotted(node.func)
        return f"a call to {callee}()" if callee else "a call"
    if isinstance(node, cst.Integer | cst.Float | cst.Imaginary):
        return "a number"
    if isinstance(node, cst.Ellipsis):
        return "an ellipsis"
    return f"an expression ({_KINDS.get(type(node), 'expression')})"


def _target_names(node: cst.CSTNode) -> list[str]:
    if isinstance(node, cst.Name):
        return [_ident(node.value)]
    if isinstance(node, cst.Tuple | cst.List):
        return [n for el in node.elements for n in _target_names(el.value)]
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value)
    return []
