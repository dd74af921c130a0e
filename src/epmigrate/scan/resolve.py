"""Follow names across modules: imports, re-exports, classes and constants.

Resolution reads module *facts* (see :mod:`epmigrate.scan.facts`), never
code, and answers with one of the targets below. Anything it cannot follow
with certainty (a star import, a name bound in two branches, a module that is
not on the search path) is an :class:`Unresolved` or :class:`External`
target with the reason, never a guess.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from epmigrate.scan.facts import (
    Binding,
    ClassBinding,
    ClassFacts,
    DefBinding,
    Expr,
    FromBinding,
    ModuleBinding,
    ModuleFacts,
    ValueBinding,
)
from epmigrate.scan.locate import Located, Locator

__all__ = [
    "ClassT",
    "ExternalT",
    "FactsLoader",
    "FunctionT",
    "Index",
    "ModuleT",
    "Target",
    "Unresolved",
    "ValueT",
    "Verdict",
    "base_matches",
]


@dataclass(frozen=True, slots=True)
class ModuleT:
    """A module."""

    name: str


@dataclass(frozen=True, slots=True)
class ClassT:
    """A class statement found in a module the scanner could read."""

    module: str
    cls: ClassFacts

    @property
    def qualname(self) -> str:
        """``module.Class`` where the class is defined."""
        return f"{self.module}.{self.cls.name}"


@dataclass(frozen=True, slots=True)
class ValueT:
    """A module-level value: an expression to evaluate in ``module``."""

    module: str
    expr: Expr


@dataclass(frozen=True, slots=True)
class FunctionT:
    """A ``def`` statement at module level."""

    module: str
    name: str
    line: int

    @property
    def qualname(self) -> str:
        """``module.function`` where the function is defined."""
        return f"{self.module}.{self.name}"

    @property
    def reason(self) -> str:
        """Why it is no class or value."""
        return f"{self.qualname} is a function (line {self.line})"


@dataclass(frozen=True, slots=True)
class ExternalT:
    """A name inside a module that cannot be read; known only by its qualified name."""

    qualname: str
    reason: str


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A name that cannot be followed, with why."""

    reason: str


Target = ModuleT | ClassT | ValueT | FunctionT | ExternalT | Unresolved

_FOLLOWING = Unresolved("being followed")
"""Marks a lookup in progress; meeting it again is a cycle."""

FactsLoader = Callable[[Located], ModuleFacts | None]

_MAX_STEPS = 200_000
"""Most names one resolution follows before it gives up (and says so)."""

_MAX_VALUE = 65_536
"""Longest string :meth:`Index.evaluate` folds; an alias is a short word."""

_BUILTINS = frozenset(dir(builtins))

_State = tuple[Any, ...]
"""A step of :meth:`Index._follow`: ``("lookup", module, name)``,
``("attr", target, attr)`` or ``("done", target)``."""


def base_matches(qualname: str, bases: Iterable[str]) -> bool:
    """Whether ``qualname`` is one of ``bases``; ``*.x.Y`` matches any package prefix."""
    for base in bases:
        if base.startswith("*."):
            if qualname == base[2:] or qualname.endswith(base[1:]):
                return True
        elif qualname == base:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a class derives from a base: ``True``, ``False`` or ``None`` (unknown)."""

    derives: bool | None
    reason: str = ""


_DERIVES = Verdict(True)
_DOES_NOT = Verdict(False)
"""The verdicts without a reason, one object each: the memo holds one per class."""


def _verdict(derives: bool) -> Verdict:
    return _DERIVES if derives else _DOES_NOT


def _parts(dotted: str) -> list[str]:
    """The names of ``a.b.c``, interned: the memo tables key on them by the thousand."""
    if "." not in dotted:
        return [dotted]
    return [sys.intern(part) for part in dotted.split(".")]


class Index:
    """Module facts by dotted name, read on demand, and resolution over them."""

    def __init__(self, locator: Locator, load: FactsLoader) -> None:
        self.locator = locator
        self._load = load
        self._facts: dict[str, ModuleFacts | None] = {}
        self._packages: set[str] = set()
        """The modules read so far that are packages."""
        self._lookups: dict[tuple[str, str], Target] = {}
        # Classes are keyed by module and name, which give the qualified name
        # (a class name has no dot) without a string made per class.
        self._verdicts: dict[tuple[str, str, frozenset[str]], Verdict] = {}
        self._mros: dict[tuple[str, str], tuple[list[ClassT], str]] = {}
        self._values: dict[tuple[str, str], tuple[str | None, str]] = {}
        self._modules: dict[str, ModuleT] = {}
        self._builtins: dict[str, ExternalT] = {}

    def add(self, located: Located, facts: ModuleFacts) -> None:
        """Register a module the scan has already read."""
        self.locator.add(located)
        self._facts[located.name] = facts
        if located.is_package:
            self._packages.add(located.name)

    def _module(self, name: str) -> ModuleT:
        """The one :class:`ModuleT` of ``name``: memoised lookups hold it many times over."""
        found = self._modules.get(name)
        if found is None:
            name = sys.intern(name)
            found = self._modules[name] = ModuleT(name)
        return found

    def facts(self, module: str) -> ModuleFacts | None:
        """Facts of ``module``, or ``None`` when it cannot be found or read."""
        if module not in self._facts:
            located = self.locator.find(module)
            self._facts[module] = self._load(located) if located else None
            if located and located.is_package:
                self._packages.add(module)
        return self._facts[module]

    # -- names ------------------------------------------------------------
    # Resolution is a loop over steps, not recursion: real packages chain
    # re-exports through dozens of modules, and a module may hold a thousand
    # assignments that name each other; neither may exhaust Python's stack.
    def resolve(self, module: str, dotted: str) -> Target:
        """What ``dotted`` (``a`` or ``a.b.c``) means inside ``module``."""
        head, *rest = _parts(dotted)
        return self._follow(("lookup", module, head), rest[::-1])

    def _follow(self, state: _State, attrs: list[str]) -> Target:
        """Run steps until a target is reached with no attribute left to apply.

        ``attrs`` is a stack of attributes still to apply (the next on top).
        Every lookup met on the way is memoised once its own target is known:
        that is when a target is reached with the stack back at the height it
        had when the lookup started. A lookup met again while it is being
        followed is a cycle.
        """
        started: list[tuple[tuple[str, str], int]] = []
        for _ in range(_MAX_STEPS):
            kind = state[0]
            if kind == "lookup":
                key = (state[1], state[2])
                known = self._lookups.get(key)
                if known is _FOLLOWING:
                    state = (
                        "done",
                        Unresolved(f"import cycle: {key[0]}.{key[1]} refers to itself"),
                    )
                elif known is not None:
                    state = ("done", known)
                elif (facts := self.facts(key[0])) is not None and key[1] not in facts.bindings:
                    # A name its module does not bind ends here, whatever the
                    # stack holds: what it means (a submodule, a built-in, a
                    # name a star import may give) is asked again next time, not
                    # memoised. It costs a few dictionary lookups, and the
                    # memo kept one entry per built-in base of every class.
                    state = ("done", self._unbound(key[0], key[1], facts))
                else:
                    self._lookups[key] = _FOLLOWING
                    started.append((key, len(attrs)))
                    state = self._lookup_step(key[0], key[1], attrs)
            elif kind == "attr":
                state = self._attribute_step(state[1], state[2], attrs)
            else:
                target: Target = state[1]
                while started and started[-1][1] == len(attrs):
                    self._lookups[started.pop()[0]] = target
                if not attrs:
                    return target
                state = ("attr", target, attrs.pop())
        gave_up = Unresolved(
            f"gave up after following {_MAX_STEPS:,} names (a chain of re-exports this "
            "long is beyond the scanner)"
        )
        for key, _height in started:
            self._lookups[key] = gave_up
        return gave_up

    def _lookup_step(self, module: str, name: str, attrs: list[str]) -> _State:
        facts = self.facts(module)
        if facts is None:
            return (
                "done",
                ExternalT(
                    f"{module}.{name}",
                    f"module {module} is not on the search path (add it with --search-path)",
                ),
            )
        binding = facts.bindings.get(name)
        if binding is None:
            return ("done", self._unbound(module, name, facts))
        return self._binding_step(module, name, binding, attrs)

    def _unbound(self, module: str, name: str, facts: ModuleFacts) -> Target:
        sub = f"{module}.{name}"
        if self.locator.exists(sub) and module in self._packages:
            return self._module(sub)
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
            known = self._builtins.get(name)
            if known is None:
                known = self._builtins[name] = ExternalT(f"builtins.{name}", "a built-in")
            return known
        return Unresolved(f"{name!r} is not defined in {module}")

    def _binding_step(self, module: str, name: str, binding: Binding, attrs: list[str]) -> _State:
        while isinstance(binding, FromBinding):
            base = self.absolute(module, binding.level, binding.target)
            if base is None:
                return (
                    "done",
                    Unresolved(
                        f"relative import at line {binding.line} of {module} goes above "
                        "its top-level package"
                    ),
                )
            if base != module:
                return ("attr", self._module(base), binding.attr)
            # ``from pkg import name`` inside pkg itself (``from . import name``
            # in its __init__): Python takes the name as pkg has bound it so
            # far, else it imports the submodule pkg.name.
            if binding.earlier is None:
                return ("done", self._own_submodule(module, binding))
            name = binding.attr
            binding = binding.earlier
        if isinstance(binding, ModuleBinding):
            return ("done", self._module(binding.target))
        if isinstance(binding, ClassBinding):
            return ("done", ClassT(module, binding.cls))
        if isinstance(binding, ValueBinding):
            # A reference is a re-export by assignment:
            # ``Base = extensions.ExtensionDescriptor``.
            return self._expr_step(module, binding.expr, attrs)
        if isinstance(binding, DefBinding):
            return ("done", FunctionT(module, name, binding.line))
        return ("done", Unresolved(f"{module}, line {binding.line}: {binding.reason}"))

    def _own_submodule(self, module: str, binding: FromBinding) -> Target:
        name = f"{module}.{binding.attr}"
        if module in self._packages and self.locator.exists(name):
            return self._module(name)
        return Unresolved(
            f"line {binding.line} of {module} imports {binding.attr!r} from {module} itself, "
            f"which binds no {binding.attr!r} before that line and has no submodule of that "
            "name (an ImportError when it runs)"
        )

    def _attribute_step(self, target: Target, attr: str, attrs: list[str]) -> _State:
        if isinstance(target, ModuleT):
            facts = self.facts(target.name)
            bound = facts is not None and attr in facts.bindings
            if not bound:
                sub = f"{target.name}.{attr}"
                if self.locator.find(sub) is not None:
                    return ("done", self._module(sub))
            return ("lookup", target.name, attr)
        if isinstance(target, ClassT):
            expr = target.cls.attrs.get(attr)
            if expr is None:
                return ("done", Unresolved(f"{target.qualname} has no class attribute {attr!r}"))
            return self._expr_step(target.module, expr, attrs)
        if isinstance(target, ExternalT):
            return ("done", ExternalT(f"{target.qualname}.{attr}", target.reason))
        if isinstance(target, ValueT):
            return ("done", Unresolved(f"attribute {attr!r} of a value in {target.module}"))
        if isinstance(target, FunctionT):
            return ("done", Unresolved(f"attribute {attr!r} of {target.reason}"))
        return ("done", target)

    def _expr_step(self, module: str, expr: Expr, attrs: list[str]) -> _State:
        if expr[0] == "ref":
            head, *rest = _parts(expr[1])
            attrs.extend(reversed(rest))
            return ("lookup", module, head)
        if expr[0] == "unknown":
            return ("done", Unresolved(expr[1]))
        return ("done", ValueT(module, expr))

    def expr_target(self, module: str, expr: Expr) -> Target:
        """The target of an expression: a name is followed, anything else is a value."""
        attrs: list[str] = []
        return self._follow(self._expr_step(module, expr, attrs), attrs)

    def absolute(self, module: str, level: int, target: str) -> str | None:
        """The absolute module name of a (possibly relative) import in ``module``."""
        if level == 0:
            return target
        self.facts(module)
        package = module if module in self._packages else module.rpartition(".")[0]
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

    def derives(self, cls: ClassT, bases: frozenset[str]) -> Verdict:
        """Whether ``cls`` derives (transitively) from one of ``bases``.

        A depth-first walk with its own stack: a chain of a thousand classes
        is valid Python. A class met again on the current path (which Python
        could never create) counts as not deriving on that path.
        """
        known = self._verdicts.get((cls.module, cls.cls.name, bases))
        if known is not None:
            return known
        # Each frame: the class, its base targets still to look at, and the
        # first reason a base could not be told.
        stack: list[tuple[ClassT, Iterator[Target], list[str]]] = []
        path: set[str] = set()
        verdict: Verdict | None = self._verdict_start(cls, bases, stack, path)
        while stack:
            current, todo, unknown = stack[-1]
            if verdict is not None:
                # A base's verdict came back.
                if verdict.derives:
                    self._verdict_end(current, bases, verdict, stack, path)
                    continue
                if verdict.derives is None and not unknown:
                    unknown.append(verdict.reason)
                verdict = None
            target = next(todo, None)
            if target is None:
                done = Verdict(None, unknown[0]) if unknown else _DOES_NOT
                verdict = self._verdict_end(current, bases, done, stack, path)
            elif isinstance(target, ClassT):
                if target.qualname in path:
                    verdict = _verdict(base_matches(target.qualname, bases))
                else:
                    verdict = self._verdict_start(target, bases, stack, path)
            elif isinstance(target, ExternalT):
                if base_matches(target.qualname, bases):
                    verdict = _DERIVES
                elif not target.qualname.startswith("builtins.") and not unknown:
                    unknown.append(f"base {target.qualname}: {target.reason}")
            elif isinstance(target, Unresolved | FunctionT) and not unknown:
                unknown.append(f"a base of {current.cls.name}: {target.reason}")
        assert verdict is not None
        return verdict

    def _verdict_start(
        self,
        cls: ClassT,
        bases: frozenset[str],
        stack: list[tuple[ClassT, Iterator[Target], list[str]]],
        path: set[str],
    ) -> Verdict | None:
        """The verdict at once (known, or ``cls`` is a base), or push a frame."""
        known = self._verdicts.get((cls.module, cls.cls.name, bases))
        if known is not None:
            return known
        if base_matches(cls.qualname, bases):
            return _DERIVES
        stack.append((cls, self.bases(cls), []))
        path.add(cls.qualname)
        return None

    def _verdict_end(
        self,
        cls: ClassT,
        bases: frozenset[str],
        verdict: Verdict,
        stack: list[tuple[ClassT, Iterator[Target], list[str]]],
        path: set[str],
    ) -> Verdict:
        """Pop ``cls``'s frame and remember its verdict."""
        stack.pop()
        path.discard(cls.qualname)
        # An unknown verdict may hang on the path walked (a cycle cut short):
        # only the walk's own start keeps it.
        if verdict.derives is not None or not stack:
            self._verdicts[(cls.module, cls.cls.name, bases)] = verdict
        return verdict

    def mro(self, cls: ClassT) -> tuple[list[ClassT], str]:
        """Readable classes in method resolution order, and why the walk stopped early."""
        key = (cls.module, cls.cls.name)
        known = self._mros.get(key)
        if known is None:
            known = self._mros[key] = self._mro(cls)
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
                elif isinstance(target, Unresolved | FunctionT):
                    stop = stop or target.reason
            # Depth-first, left to right: the order Python's C3 gives single chains.
            todo = nxt + todo
        return out, stop

    # -- values ---------------------------------------------------------------
    def evaluate(
        self, module: str, expr: Expr, self_cls: ClassT | None = None
    ) -> tuple[str | None, str]:
        """Fold ``expr`` to a string: ``(value, "")`` or ``(None, reason)``.

        Concatenations and names are followed with an explicit stack (a
        constant built over hundreds of ``+`` across assignments is valid
        Python); a name whose value needs itself is a cycle; values longer
        than any alias are refused rather than built.
        """
        # Frames: [module, parts, next part, pieces, self_cls, size] for a
        # concatenation being folded, or a name's key once its value is due.
        stack: list[list[Any] | tuple[str, str]] = []
        following: set[tuple[str, str]] = set()
        value: str | None = None
        reason = ""
        job: tuple[str, Expr, ClassT | None] | None = (module, expr, self_cls)
        while True:
            if job is not None:
                where, expr, on_class = job
                job = None
                kind = expr[0]
                if kind == "str":
                    value, reason = expr[1], ""
                elif kind == "unknown":
                    value, reason = None, expr[1]
                elif kind == "concat":
                    if not expr[1]:
                        value, reason = "", ""
                    else:
                        stack.append([where, expr[1], 1, [], on_class, 0])
                        job = (where, expr[1][0], on_class)
                        continue
                else:
                    dotted: str = expr[1]
                    key = (where, dotted)
                    head, _, rest = dotted.partition(".")
                    if on_class is not None and head in ("self", "cls") and rest:
                        next_job, reason = self._on_class(on_class, rest)
                    elif key in self._values:
                        value, reason = self._values[key]
                        next_job = None
                    elif key in following:
                        next_job = None
                        value, reason = None, f"{dotted} in {where} needs its own value"
                    else:
                        next_job, reason = self._value_of(self.resolve(where, dotted), dotted)
                        if next_job is not None:
                            following.add(key)
                            stack.append(key)
                    if next_job is not None:
                        job = (next_job[0], next_job[1], None)
                        continue
                    if reason:
                        value = None
            # A value (or a failure) is ready: hand it to the frame below.
            while stack:
                frame = stack[-1]
                if isinstance(frame, tuple):
                    stack.pop()
                    following.discard(frame)
                    self._values[frame] = (value, reason)
                    continue
                if value is None:
                    stack.pop()
                    continue
                frame[3].append(value)
                frame[5] += len(value)
                if frame[5] > _MAX_VALUE:
                    value, reason = None, f"the value folds to over {_MAX_VALUE:,} characters"
                    stack.pop()
                    continue
                if frame[2] < len(frame[1]):
                    part = frame[1][frame[2]]
                    frame[2] += 1
                    job = (frame[0], part, frame[4])
                    break
                stack.pop()
                value = "".join(frame[3])
            if job is None:
                return value, reason

    def _on_class(self, cls: ClassT, dotted: str) -> tuple[tuple[str, Expr] | None, str]:
        """Where ``self.<dotted>`` is set on ``cls`` or its bases, or why not."""
        attr, _, rest = dotted.partition(".")
        chain, stop = self.mro(cls)
        for klass in chain:
            expr = klass.cls.attrs.get(attr)
            if expr is None:
                continue
            if rest:
                if expr[0] != "ref":
                    return None, f"{klass.qualname}.{attr} is not a module or class"
                expr = ("ref", sys.intern(f"{expr[1]}.{rest}"))
            return (klass.module, expr), ""
        return None, stop or f"no class in the bases of {cls.cls.name} sets {attr!r}"

    def _value_of(self, target: Target, what: str) -> tuple[tuple[str, Expr] | None, str]:
        if isinstance(target, ValueT):
            return (target.module, target.expr), ""
        if isinstance(target, ExternalT):
            return None, f"{target.qualname} cannot be read: {target.reason}"
        if isinstance(target, Unresolved | FunctionT):
            return None, target.reason
        if isinstance(target, ClassT):
            return None, f"{what} is the class {target.qualname}, not a string"
        return None, f"{what} is the module {target.name}, not a string"
