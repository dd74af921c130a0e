"""Follow names across modules: imports, re-exports, classes and constants.

Resolution reads module *facts* (see :mod:`epmigrate.scan.facts`), never
code, and answers with one of the targets below. Anything it cannot follow
with certainty (a star import, a name bound in two branches, a module that is
not on the search path) is an :class:`Unresolved` or :class:`External`
target with the reason, never a guess.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from epmigrate.scan.facts import ClassFacts, Expr, ModuleFacts
from epmigrate.scan.locate import Located, Locator


@dataclass(frozen=True)
class ModuleT:
    """A module."""

    name: str


@dataclass(frozen=True)
class ClassT:
    """A class statement found in a module the scanner could read."""

    module: str
    cls: ClassFacts

    @property
    def qualname(self) -> str:
        """``module.Class`` where the class is defined."""
        return f"{self.module}.{self.cls.name}"


@dataclass(frozen=True)
class ValueT:
    """A module-level value: an expression to evaluate in ``module``."""

    module: str
    expr: Expr


@dataclass(frozen=True)
class ExternalT:
    """A name inside a module that cannot be read; known only by its qualified name."""

    qualname: str
    reason: str


@dataclass(frozen=True)
class Unresolved:
    """A name that cannot be followed, with why."""

    reason: str


Target = ModuleT | ClassT | ValueT | ExternalT | Unresolved

FactsLoader = Callable[[Located], ModuleFacts | None]

_MAX_DEPTH = 64
_BUILTINS = frozenset(dir(builtins))


def base_matches(qualname: str, bases: Iterable[str]) -> bool:
    """Whether ``qualname`` is one of ``bases``; ``*.x.Y`` matches any package prefix."""
    for base in bases:
        if base.startswith("*."):
            if qualname == base[2:] or qualname.endswith(base[1:]):
                return True
        elif qualname == base:
            return True
    return False


@dataclass(frozen=True)
class Verdict:
    """Whether a class derives from a base: ``True``, ``False`` or ``None`` (unknown)."""

    derives: bool | None
    reason: str = ""


class Index:
    """Module facts by dotted name, read on demand, and resolution over them."""

    def __init__(self, locator: Locator, load: FactsLoader) -> None:
        self.locator = locator
        self._load = load
        self._facts: dict[str, ModuleFacts | None] = {}
        self._packages: dict[str, bool] = {}
        self._lookups: dict[tuple[str, str], Target] = {}
        self._verdicts: dict[tuple[str, frozenset[str]], Verdict] = {}
        self._mros: dict[str, tuple[list[ClassT], str]] = {}

    def add(self, located: Located, facts: ModuleFacts) -> None:
        """Register a module the scan has already read."""
        self.locator.add(located)
        self._facts[located.name] = facts
        self._packages[located.name] = located.is_package

    def facts(self, module: str) -> ModuleFacts | None:
        """Facts of ``module``, or ``None`` when it cannot be found or read."""
        if module not in self._facts:
            located = self.locator.find(module)
            self._facts[module] = self._load(located) if located else None
            self._packages[module] = bool(located and located.is_package)
        return self._facts[module]

    # -- names ------------------------------------------------------------
    def resolve(self, module: str, dotted: str, depth: int = 0) -> Target:
        """What ``dotted`` (``a`` or ``a.b.c``) means inside ``module``."""
        head, *rest = dotted.split(".")
        target = self.lookup(module, head, depth)
        for attr in rest:
            target = self.attribute(target, attr, depth)
        return target

    def lookup(self, module: str, name: str, depth: int = 0) -> Target:
        """The top-level binding ``name`` of ``module``, followed to its target."""
        key = (module, name)
        known = self._lookups.get(key)
        if known is not None:
            return known
        if depth > _MAX_DEPTH:
            return Unresolved(f"import cycle while following {module}.{name}")
        # A name met again while it is being followed is an import cycle.
        self._lookups[key] = Unresolved(f"import cycle while following {module}.{name}")
        target = self._lookup(module, name, depth)
        self._lookups[key] = target
        return target

    def _lookup(self, module: str, name: str, depth: int) -> Target:
        facts = self.facts(module)
        if facts is None:
            return ExternalT(
                f"{module}.{name}",
                f"module {module} is not on the search path (add it with --search-path)",
            )
        binding = facts.bindings.get(name)
        if binding is None:
            if self.locator.exists(f"{module}.{name}") and self._packages.get(module):
                return ModuleT(f"{module}.{name}")
            if facts.stars:
                star = facts.stars[-1]
                source = "." * star.level + star.module
                return Unresolved(
                    f"{name!r} is not bound in {module}; it may come from "
                    f"'from {source} import *' at line {star.line}"
                )
            if facts.dynamic:
                return Unresolved(f"{name!r} is not bound in {module}, which {facts.dynamic}")
            if name in _BUILTINS:
                return ExternalT(f"builtins.{name}", "a built-in")
            return Unresolved(f"{name!r} is not defined in {module}")
        kind = binding.kind
        if kind == "module":
            return ModuleT(binding.target)
        if kind == "from":
            base = self.absolute(module, binding.level, binding.target)
            if base is None:
                return Unresolved(
                    f"relative import at line {binding.line} of {module} goes above "
                    "its top-level package"
                )
            return self.attribute(ModuleT(base), binding.attr, depth + 1)
        if kind == "class":
            assert binding.cls is not None
            return ClassT(module, binding.cls)
        if kind == "value":
            assert binding.expr is not None
            if binding.expr[0] == "ref":
                # Re-export by assignment: ``Base = extensions.ExtensionDescriptor``.
                return self.resolve(module, binding.expr[1], depth + 1)
            return ValueT(module, binding.expr)
        if kind == "def":
            return Unresolved(f"{module}.{name} is a function (line {binding.line})")
        return Unresolved(f"{module}.{name}: {binding.reason}")

    def attribute(self, target: Target, attr: str, depth: int = 0) -> Target:
        """``target.attr``: a module's binding or sub-module, a class attribute."""
        if isinstance(target, ModuleT):
            facts = self.facts(target.name)
            if facts is not None and attr in facts.bindings:
                return self.lookup(target.name, attr, depth + 1)
            if self.locator.find(f"{target.name}.{attr}") is not None:
                return ModuleT(f"{target.name}.{attr}")
            return self.lookup(target.name, attr, depth + 1)
        if isinstance(target, ClassT):
            expr = target.cls.attrs.get(attr)
            if expr is None:
                return Unresolved(f"{target.qualname} has no class attribute {attr!r}")
            return self.expr_target(target.module, expr, depth + 1)
        if isinstance(target, ExternalT):
            return ExternalT(f"{target.qualname}.{attr}", target.reason)
        if isinstance(target, ValueT):
            return Unresolved(f"attribute {attr!r} of a value in {target.module}")
        return target

    def expr_target(self, module: str, expr: Expr, depth: int = 0) -> Target:
        """The target of an expression: a name is followed, anything else is a value."""
        if expr[0] == "ref":
            return self.resolve(module, expr[1], depth)
        if expr[0] == "unknown":
            return Unresolved(expr[1])
        return ValueT(module, expr)

    def absolute(self, module: str, level: int, target: str) -> str | None:
        """The absolute module name of a (possibly relative) import in ``module``."""
        if level == 0:
            return target
        self.facts(module)
        package = module if self._packages.get(module) else module.rpartition(".")[0]
        parts = package.split(".") if package else []
        if level - 1 > len(parts) - 1 or not parts:
            return None
        parts = parts[: len(parts) - (level - 1)]
        return ".".join([*parts, target] if target else parts)

    # -- classes ------------------------------------------------------------
    def bases(self, cls: ClassT) -> Iterator[Target]:
        """The targets of a class's bases, in order."""
        for expr in cls.cls.bases:
            yield self.expr_target(cls.module, expr)

    def derives(
        self, cls: ClassT, bases: frozenset[str], _seen: frozenset[str] = frozenset()
    ) -> Verdict:
        """Whether ``cls`` derives (transitively) from one of ``bases``."""
        key = (cls.qualname, bases)
        known = self._verdicts.get(key)
        if known is None:
            known = self._derives(cls, bases, _seen)
            if known.derives is not None or not _seen:
                self._verdicts[key] = known
        return known

    def _derives(self, cls: ClassT, bases: frozenset[str], _seen: frozenset[str]) -> Verdict:
        if base_matches(cls.qualname, bases):
            return Verdict(True)
        if cls.qualname in _seen:
            return Verdict(False)
        unknown: str = ""
        for target in self.bases(cls):
            if isinstance(target, ClassT):
                verdict = self.derives(target, bases, _seen | {cls.qualname})
                if verdict.derives:
                    return verdict
                if verdict.derives is None:
                    unknown = unknown or verdict.reason
            elif isinstance(target, ExternalT):
                if base_matches(target.qualname, bases):
                    return Verdict(True)
                if not target.qualname.startswith("builtins."):
                    unknown = unknown or f"base {target.qualname}: {target.reason}"
            elif isinstance(target, Unresolved):
                unknown = unknown or f"a base of {cls.cls.name}: {target.reason}"
        return Verdict(None, unknown) if unknown else Verdict(False)

    def mro(self, cls: ClassT) -> tuple[list[ClassT], str]:
        """Readable classes in method resolution order, and why the walk stopped early."""
        known = self._mros.get(cls.qualname)
        if known is None:
            known = self._mros[cls.qualname] = self._mro(cls)
        return known

    def _mro(self, cls: ClassT) -> tuple[list[ClassT], str]:
        out: list[ClassT] = []
        stop = ""
        todo = [cls]
        seen: set[str] = set()
        while todo:
            current = todo.pop(0)
            if current.qualname in seen:
                continue
            seen.add(current.qualname)
            out.append(current)
            nxt: list[ClassT] = []
            for target in self.bases(current):
                if isinstance(target, ClassT):
                    nxt.append(target)
                elif isinstance(target, ExternalT) and not target.qualname.startswith("builtins."):
                    stop = stop or f"{target.qualname} cannot be read: {target.reason}"
                elif isinstance(target, Unresolved):
                    stop = stop or target.reason
            # Depth-first, left to right: the order Python's C3 gives single chains.
            todo = nxt + todo
        return out, stop

    # -- values ---------------------------------------------------------------
    def evaluate(
        self, module: str, expr: Expr, self_cls: ClassT | None = None
    ) -> tuple[str | None, str]:
        """Fold ``expr`` to a string: ``(value, "")`` or ``(None, reason)``."""
        kind = expr[0]
        if kind == "str":
            return expr[1], ""
        if kind == "unknown":
            return None, expr[1]
        if kind == "concat":
            pieces: list[str] = []
            for part in expr[1]:
                value, reason = self.evaluate(module, part, self_cls)
                if value is None:
                    return None, reason
                pieces.append(value)
            return "".join(pieces), ""
        dotted: str = expr[1]
        head, _, rest = dotted.partition(".")
        if self_cls is not None and head in ("self", "cls") and rest:
            return self._evaluate_on_class(self_cls, rest)
        return self._value_of(self.resolve(module, dotted), dotted)

    def _evaluate_on_class(self, cls: ClassT, dotted: str) -> tuple[str | None, str]:
        attr, _, rest = dotted.partition(".")
        chain, stop = self.mro(cls)
        for klass in chain:
            expr = klass.cls.attrs.get(attr)
            if expr is None:
                continue
            if rest:
                if expr[0] != "ref":
                    return None, f"{klass.qualname}.{attr} is not a module or class"
                expr = ("ref", f"{expr[1]}.{rest}")
            return self.evaluate(klass.module, expr)
        return None, stop or f"no class in the bases of {cls.cls.name} sets {attr!r}"

    def _value_of(self, target: Target, what: str) -> tuple[str | None, str]:
        if isinstance(target, ValueT):
            return self.evaluate(target.module, target.expr)
        if isinstance(target, ExternalT):
            return None, f"{target.qualname} cannot be read: {target.reason}"
        if isinstance(target, Unresolved):
            return None, target.reason
        if isinstance(target, ClassT):
            return None, f"{what} is the class {target.qualname}, not a string"
        return None, f"{what} is the module {target.name}, not a string"
