"""What the scanner knows about one module, as plain data.

A module is reduced to its top-level *bindings* (imports, assignments,
classes, functions), its star imports and the calls it makes at import time.
Expressions are kept in a tiny neutral form so that constants can be folded
across modules without the syntax tree:

* ``("str", value)``: a string literal;
* ``("ref", "a.b.c")``: a dotted name;
* ``("concat", (expr, ...))``: ``+`` of expressions;
* ``("unknown", reason)``: anything else, with why.

Facts live only as long as one scan: the scan cache keeps results, not facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, ClassVar

__all__ = [
    "DYNAMIC_CALLS",
    "FORMATS",
    "NOT_CONSTANT",
    "NOT_STR",
    "NO_EXPRS",
    "RETURNING_METHODS",
    "Binding",
    "Call",
    "ClassBinding",
    "ClassFacts",
    "Decorator",
    "DefBinding",
    "Expr",
    "FactsBuilder",
    "FromBinding",
    "ModuleBinding",
    "ModuleFacts",
    "StarImport",
    "UnknownBinding",
    "ValueBinding",
    "concat",
    "is_dynamic_call",
    "is_dynamic_target",
    "shorten",
    "unknown",
]


Expr = tuple[Any, ...]

RETURNING_METHODS = frozenset({"get_alias", "get_name"})
"""Methods whose ``return`` is kept: where extension aliases and names are read."""


_UNKNOWN: dict[str, Expr] = {}


def unknown(reason: str) -> Expr:
    """An expression the scanner does not evaluate, with the reason.

    One tuple per distinct reason: a large tree repeats a few reasons
    ("an expression (dict) ...") tens of thousands of times.
    """
    known = _UNKNOWN.get(reason)
    if known is None:
        known = _UNKNOWN[reason] = ("unknown", reason)
    return known


def concat(parts: list[Expr]) -> Expr:
    """``+`` of ``parts``, adjacent literals joined (a single literal is itself).

    Both front ends build concatenations with this, so implicit
    concatenation (``'a' f'{X}' 'b'``), which Python's own tree joins, gives
    the same facts from either.
    """
    out: list[Expr] = []
    for part in parts:
        if part[0] == "str" and out and out[-1][0] == "str":
            out[-1] = ("str", out[-1][1] + part[1])
        else:
            out.append(part)
    if not out:
        return ("str", "")
    if len(out) == 1 and out[0][0] == "str":
        return out[0]
    return ("concat", tuple(out))


NOT_STR = "{} is not a str"
"""The reason for a literal that is not a string (a number, bytes, None)."""

NOT_CONSTANT = "{} is not a constant string"
"""The reason for any other expression, described by kind, never by its text."""

FORMATS = "an f-string that formats a value is not a constant string"


def shorten(text: str, limit: int = 60) -> str:
    """Source text for a message: white space folded, at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


DYNAMIC_CALLS = frozenset({"exec", "setattr", "globals", "__import__"})
"""Calls at module level that may define names no statement shows."""


def is_dynamic_call(callee: str) -> bool:
    """Whether a module-level call to ``callee`` may define names dynamically."""
    return callee in DYNAMIC_CALLS or callee.startswith("globals()")


def is_dynamic_target(text: str) -> bool:
    """Whether an assignment target (source text) writes the module's namespace."""
    return text.startswith(("globals()", "vars()", "locals()"))


@dataclass(frozen=True, slots=True)
class Decorator:
    """A class decorator: ``@name`` or ``@name(...)``.

    ``name`` is the dotted name called (empty when it is no dotted name);
    ``text`` is the decorator as written, shortened, for messages.
    """

    name: str
    called: bool
    text: str


NO_EXPRS: Mapping[str, Expr] = MappingProxyType({})
"""The one empty mapping of names to expressions: most classes set no alias
and define neither of :data:`RETURNING_METHODS`."""


@dataclass(frozen=True, slots=True)
class ClassFacts:
    """A class statement: its bases and the class-level facts aliases need."""

    name: str
    line: int
    bases: tuple[Expr, ...]
    attrs: Mapping[str, Expr] = field(default_factory=lambda: NO_EXPRS)
    """Class-level ``NAME = expr`` assignments."""
    returns: Mapping[str, Expr] = field(default_factory=lambda: NO_EXPRS)
    """For each of :data:`RETURNING_METHODS` it defines: what its one ``return``
    gives (``unknown`` when there is not exactly one)."""
    abstract: bool = False
    """Has ``@abstractmethod`` methods: never instantiated by a loader."""
    decorators: tuple[Decorator, ...] = ()
    """The class statement's decorators, outermost first."""


# One class per kind of binding, each with only the fields its kind has: a
# large tree binds a few hundred thousand names, and one class with every
# field (nine slots) made each binding twice the size it needs.


@dataclass(frozen=True, slots=True)
class ModuleBinding:
    """``import a.b as c``: the module ``target`` (``a.b``)."""

    line: int
    target: str
    kind: ClassVar[str] = "module"


@dataclass(frozen=True, slots=True)
class FromBinding:
    """``from .x import y``: ``level``, ``target`` = ``x``, ``attr`` = ``y``."""

    line: int
    target: str
    attr: str
    level: int = 0
    earlier: Binding | None = None
    """How the imported name was bound in this module before the import, if
    it was; ``from pkg import name`` inside ``pkg`` itself gets that binding
    rather than the submodule ``pkg.name``."""
    kind: ClassVar[str] = "from"


@dataclass(frozen=True, slots=True)
class ValueBinding:
    """``name = expr``."""

    line: int
    expr: Expr
    kind: ClassVar[str] = "value"


@dataclass(frozen=True, slots=True)
class ClassBinding:
    """A class statement."""

    line: int
    cls: ClassFacts
    kind: ClassVar[str] = "class"


@dataclass(frozen=True, slots=True)
class DefBinding:
    """A ``def`` statement."""

    line: int
    kind: ClassVar[str] = "def"


@dataclass(frozen=True, slots=True)
class UnknownBinding:
    """A name the scanner cannot tell the value of, with why."""

    line: int
    reason: str
    kind: ClassVar[str] = "unknown"


Binding = ModuleBinding | FromBinding | ValueBinding | ClassBinding | DefBinding | UnknownBinding
"""What a top-level name is bound to; ``kind`` names which."""


@dataclass(frozen=True, slots=True)
class StarImport:
    """``from module import *``: names may come from there."""

    level: int
    module: str
    line: int


@dataclass(frozen=True, slots=True)
class Call:
    """Code that runs when the module is imported, beyond defining names."""

    line: int
    text: str
    kind: str = "call"
    """``call`` for a bare call, ``patch`` for assigning an attribute of another object."""


@dataclass(slots=True)
class ModuleFacts:
    """Everything the scanner keeps of one module.

    The sequences are tuples, most of them the one empty tuple: a large scan
    keeps tens of thousands of modules, and few have a star import, an
    import-time call or a relative import (:class:`FactsBuilder` gathers them).
    """

    bindings: dict[str, Binding] = field(default_factory=dict)
    stars: tuple[StarImport, ...] = ()
    calls: tuple[Call, ...] = ()
    relative_imports: tuple[int, ...] = ()
    dynamic: str = ""
    """Non-empty when the module defines names dynamically (why and where)."""

    def bind(self, name: str, binding: Binding, conditional: bool) -> None:
        """Record a binding; a name bound again under a condition becomes unknown."""
        old = self.bindings.get(name)
        if old is not None and conditional and _without_earlier(old) != binding:
            binding = UnknownBinding(
                binding.line,
                f"{name!r} is bound differently at lines {old.line} and {binding.line}",
            )
        elif isinstance(binding, FromBinding):
            binding = self._with_earlier(binding)
        self.bindings[name] = binding

    def _with_earlier(self, binding: FromBinding) -> FromBinding:
        """``binding`` with :attr:`FromBinding.earlier` set from the bindings so far."""
        earlier = self.bindings.get(binding.attr)
        if (
            isinstance(earlier, FromBinding)
            and replace(earlier, earlier=None, line=binding.line) == binding
        ):
            earlier = earlier.earlier  # the same import again
        if earlier is None:
            return binding
        depth = 1
        link: Binding = earlier
        while isinstance(link, FromBinding) and link.earlier is not None:
            depth += 1
            link = link.earlier
        if depth > _MAX_EARLIER:
            earlier = UnknownBinding(
                earlier.line,
                f"{binding.attr!r} is rebound by imports more than {_MAX_EARLIER} times",
            )
        return replace(binding, earlier=earlier)


def _without_earlier(binding: Binding) -> Binding:
    """``binding`` as its statement alone gives it (without :attr:`FromBinding.earlier`)."""
    if isinstance(binding, FromBinding) and binding.earlier is not None:
        return replace(binding, earlier=None)
    return binding


@dataclass(slots=True)
class FactsBuilder:
    """A module's facts while a front end walks it: lists that grow, made tuples by :meth:`done`."""

    facts: ModuleFacts = field(default_factory=ModuleFacts)
    stars: list[StarImport] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    relative_imports: list[int] = field(default_factory=list)
    dynamic: str = ""

    def bind(self, name: str, binding: Binding, conditional: bool) -> None:
        """:meth:`ModuleFacts.bind`."""
        self.facts.bind(name, binding, conditional)

    def done(self) -> ModuleFacts:
        """The facts gathered."""
        facts = self.facts
        facts.stars = tuple(self.stars)
        facts.calls = tuple(self.calls)
        facts.relative_imports = tuple(self.relative_imports)
        facts.dynamic = self.dynamic
        return facts


_MAX_EARLIER = 16
"""Longest chain of :attr:`Binding.earlier` kept: a name rebound by more
imports than this is unknown rather than a chain of any length."""
