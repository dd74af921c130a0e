"""The libcst rewrite of one module's pkg_resources reads of entry points.

Calls are found by their qualified names (``pkg_resources.iter_entry_points``
however pkg_resources was imported, under any alias), so a name that only
looks the same is never touched. Each call becomes a call of a small helper
the module gains (:mod:`._helpers`) or of ``importlib.metadata``; names bound
to the entry points it gives (a ``for`` target, a comprehension's, a plain
assignment) have their pkg_resources attributes renamed; the handlers of
``DistributionNotFound`` catch ``importlib.metadata.PackageNotFoundError``.

A use whose meaning cannot be kept (``ep.load(require=True)``,
``working_set.add``, ``pkg_resources.require``, a requirement string where a
distribution name belongs, an attribute of an entry point epmigrate cannot
follow) is a :class:`Finding`, and that call is left as it was; so is the
``import pkg_resources`` it needs. The rewrite is all of one call or none of
it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar, cast

import libcst as cst
from libcst.metadata import (
    MetadataWrapper,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from epmigrate.adopt._cst import Facts, _is_docstring, dotted, insert_import, walk
from epmigrate.callers._helpers import HELPERS, IMPORTS
from epmigrate.errors import ParseError

__all__ = ["Finding", "Result", "Rewrite", "rewrite"]

_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)

PR = "pkg_resources"
_ITER = {f"{PR}.iter_entry_points", f"{PR}.working_set.iter_entry_points"}
_LOAD = {f"{PR}.load_entry_point"}
_MAP = {f"{PR}.get_entry_map"}
_INFO = {f"{PR}.get_entry_info"}
_PARSE = {f"{PR}.EntryPoint.parse"}
_DIST = {f"{PR}.get_distribution"}
_REQUIRE = {f"{PR}.require"}
_RESOURCE_FILENAME = {f"{PR}.resource_filename"}
_RESOURCE_STRING = {f"{PR}.resource_string"}
_NAMESPACE = {f"{PR}.declare_namespace"}
_NOT_FOUND = f"{PR}.DistributionNotFound"
_CONFLICT = f"{PR}.VersionConflict"
_CONSUMERS = {"list", "tuple", "sorted", "set", "frozenset", "enumerate", "any", "all", "dict"}
_REQUIREMENT = re.compile(r"[<>=!~\[\];@ ]")
_MOCK_PATCH = re.compile(r"(^|\.)patch(\.object)?$")


@dataclass(frozen=True)
class Rewrite:
    """One change: its line and what it did."""

    line: int
    what: str


@dataclass(frozen=True)
class Finding:
    """A use left as it was: its line, why, and the fix by hand."""

    line: int
    message: str
    hint: str


@dataclass
class Result:
    """The rewritten text and what was (and was not) done."""

    text: str
    rewrites: list[Rewrite] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    helpers: dict[str, str] = field(default_factory=dict)
    """The helpers the module gained: their kind (a key of ``HELPERS``) to their name in it."""


class _Rewriter:
    def __init__(self, wrapper: MetadataWrapper, path: str | None, targets: Mapping[str, str]):
        self.facts = Facts(wrapper, path)
        self.wrapper = wrapper
        self.module = wrapper.module
        # One pass over the tree gives every node in order, each one's
        # parent and the nodes below it (a slice of that order).
        tree = _Tree()
        self.module.visit(tree)
        self.nodes = tree.nodes
        self.parents = tree.parents
        self._spans = tree.spans
        self.scopes = wrapper.resolve(ScopeProvider)
        self.targets = targets
        self.replace: dict[cst.CSTNode, cst.CSTNode] = {}
        self.remove: set[cst.CSTNode] = set()
        self.rewrites: list[Rewrite] = []
        self.findings: list[Finding] = []
        self.helpers: dict[str, str] = {}  # kind -> name in the module
        self.imports: set[str] = set()
        self.left: list[cst.CSTNode] = []  # pkg_resources uses left as they were
        self.undone: list[cst.Call] = []  # calls left because of a use of what they give
        names = self.scopes[self.module]
        self.taken = set(names.assignments._assignments) if names is not None else set()

    # -- small tools ---------------------------------------------------------

    def subtree(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        """``node`` and every node below it (``walk`` for a node of this module)."""
        span = self._spans.get(id(node))
        if span is None:
            return list(walk(node))
        return self.nodes[span[0] : span[1]]

    def q(self, node: cst.CSTNode) -> set[str]:
        return self.facts.qualified(node)

    def line(self, node: cst.CSTNode) -> int:
        return self.facts.line(node)

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def helper(self, kind: str) -> str:
        if kind not in self.helpers:
            base = HELPERS[kind][0]
            name = base
            while name in self.taken:
                name = f"{name}_"
            self.taken.add(name)
            self.helpers[kind] = name
            self.imports.update(IMPORTS[kind])
        return self.helpers[kind]

    def expr(self, text: str, at: cst.CSTNode | None = None) -> cst.BaseExpression:
        """``text`` as an expression; inside an f-string, its quotes are the other kind."""
        if at is not None and '"' in text:
            node: cst.CSTNode | None = at
            while node is not None and not isinstance(node, cst.FormattedString):
                node = self.parents.get(node)
            if isinstance(node, cst.FormattedString) and '"' in node.start:
                text = text.replace('"', "'")
        return cst.parse_expression(text, config=self.module.config_for_parsing)

    def find(self, node: cst.CSTNode, message: str, hint: str) -> None:
        self.findings.append(Finding(self.line(node), message, hint))
        self.left.append(node)

    def did(self, node: cst.CSTNode, what: str) -> None:
        self.rewrites.append(Rewrite(self.line(node), what))

    def undo(self, call: cst.Call) -> None:
        """Take back the rewrite of ``call``: it stays a pkg_resources call, with its import."""
        self.replace.pop(call, None)
        line = self.line(call)
        for i, rewrite in enumerate(self.rewrites):
            if rewrite.line == line:
                del self.rewrites[i]
                break
        self.left.append(call)
        self.undone.append(call)

    # -- the calls -------------------------------------------------------------

    def args(self, call: cst.Call, names: Iterable[str]) -> dict[str, cst.Arg] | None:
        """The call's arguments by parameter name; ``None`` for ``*args``/``**kw``/unknown."""
        order = list(names)
        out: dict[str, cst.Arg] = {}
        for i, arg in enumerate(call.args):
            if arg.star:
                return None
            if arg.keyword is None:
                if i >= len(order):
                    return None
                out[order[i]] = arg
            elif arg.keyword.value in order:
                out[arg.keyword.value] = arg
            else:
                return None
        return out

    def dist_ok(self, call: cst.Call, arg: cst.Arg, what: str) -> bool:
        if isinstance(arg.value, cst.SimpleString):
            value = arg.value.evaluated_value
            if isinstance(value, str) and _REQUIREMENT.search(value.strip()):
                self.find(
                    call,
                    f"{what} is given the requirement {value!r}, not a distribution name; "
                    "importlib.metadata finds a distribution by its name only",
                    f"pass the name alone ({_REQUIREMENT.split(value.strip())[0]!r}) "
                    "and check the version yourself if it matters",
                )
                return False
        return True

    def iter_call(self, call: cst.Call) -> bool:
        args = self.args(call, ["group", "name"])
        if args is None or "group" not in args:
            self.find(
                call,
                "iter_entry_points with arguments epmigrate cannot map",
                "call it with the group (and a name) as plain arguments, then run again",
            )
            return False
        parts = [self.code(args["group"].value)]
        if "name" in args:
            parts.append(self.code(args["name"].value))
        text = f"{self.helper('entry_points')}({', '.join(parts)})"
        parent = self.parents.get(call)
        consumed = isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is call
        if isinstance(parent, cst.Arg):
            outer = self.parents.get(parent)
            if isinstance(outer, cst.Call) and isinstance(outer.func, cst.Name):
                consumed = outer.func.value in _CONSUMERS and len(outer.args) == 1
        self.replace[call] = self.expr(text if consumed else f"iter({text})")
        self.did(call, "iter_entry_points -> entry points read once (importlib.metadata)")
        return True

    def dist_call(self, call: cst.Call, kind: str, names: list[str], label: str) -> bool:
        args = self.args(call, names)
        if args is None or any(n not in args for n in names if n != "group" or kind != "entry_map"):
            self.find(
                call,
                f"{label} with arguments epmigrate cannot map",
                "pass the arguments by position or by their names, then run again",
            )
            return False
        if not self.dist_ok(call, args["dist"], label):
            return False
        text = ", ".join(self.code(args[n].value) for n in names if n in args)
        self.replace[call] = self.expr(f"{self.helper(kind)}({text})")
        self.did(call, f"{label} -> importlib.metadata")
        return True

    def parse_call(self, call: cst.Call) -> bool:
        args = self.args(call, ["src", "dist"])
        if args is None or "src" not in args or "dist" in args:
            self.find(
                call,
                "EntryPoint.parse with a distribution: importlib.metadata's entry points "
                "take their distribution from where they are installed",
                "drop the dist argument if nothing reads ep.dist, then run again",
            )
            return False
        self.replace[call] = self.expr(
            f"{self.helper('parse_entry_point')}({self.code(args['src'].value)})"
        )
        self.did(call, "EntryPoint.parse -> importlib.metadata.EntryPoint")
        return True

    _DIST_ATTRS: ClassVar[dict[str, str]] = {
        "version": "{d}.version",
        "location": 'str({d}.locate_file(""))',
        "project_name": "{d}.name",
        "key": "{d}.name.lower()",
    }
    """What a pkg_resources distribution's attributes are on an importlib.metadata one."""

    def dist_attribute(self, node: cst.BaseExpression, dist: str) -> str | None:
        """``dist.<attr>`` rewritten, when ``node`` (an attribute of a distribution) has one."""
        parent = self.parents.get(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            form = self._DIST_ATTRS.get(parent.attr.value)
            if form is not None:
                return form.format(d=dist)
        return None

    def distribution_call(self, call: cst.Call, label: str) -> bool:
        """``get_distribution(name)`` (or ``require(name)[0]``) read for its attributes.

        ``.version``, ``.location``, ``.project_name`` and ``.key`` have their
        importlib.metadata equivalents; so does a name bound to the call when
        nothing else is read off it. Anything else is a finding.
        """
        args = self.args(call, ["dist"])
        if args is None or "dist" not in args or not self.dist_ok(call, args["dist"], label):
            return False
        name = self.code(args["dist"].value)
        node: cst.BaseExpression = call
        parent = self.parents.get(call)
        if label == "require":
            # require(name)[0]: the distribution itself, first of what it resolves.
            index = parent.slice[0].slice if isinstance(parent, cst.Subscript) else None
            if not (
                isinstance(parent, cst.Subscript)
                and len(parent.slice) == 1
                and isinstance(index, cst.Index)
                and isinstance(index.value, cst.Integer)
                and index.value.value == "0"
            ):
                return self.no_dist(call, label)
            node = parent
        self.imports.add("importlib.metadata")
        if label == "get_distribution" or label == "require":
            direct = self.dist_attribute(node, "importlib.metadata.distribution(" + name + ")")
            if direct is not None:
                attr = self.parents.get(node)
                assert isinstance(attr, cst.Attribute)
                if attr.attr.value == "version":
                    direct = f"importlib.metadata.version({name})"
                self.replace[attr] = self.expr(direct, at=attr)
                self.did(call, f"{label}(...).{attr.attr.value} -> importlib.metadata")
                return True
        target = self.parents.get(node)
        if isinstance(target, cst.Assign) and len(target.targets) == 1:
            bound = target.targets[0].target
            scope = self.scopes.get(bound) if isinstance(bound, cst.Name) else None
            if isinstance(bound, cst.Name) and scope is not None:
                assignments = list(scope.assignments[bound.value])
                refs = [r.node for r in assignments[0].references] if len(assignments) == 1 else []
                forms = [self.dist_attribute(ref, bound.value) for ref in refs]
                if refs and all(f is not None for f in forms):
                    self.replace[node] = self.expr(f"importlib.metadata.distribution({name})")
                    for ref, form in zip(refs, forms, strict=True):
                        attr = self.parents.get(ref)
                        assert isinstance(attr, cst.Attribute) and form is not None
                        if attr.attr.value != "version":
                            self.replace[attr] = self.expr(form, at=attr)
                    self.did(call, f"{label}(...) -> importlib.metadata.distribution")
                    return True
        return self.no_dist(call, label)

    def no_dist(self, call: cst.Call, label: str) -> bool:
        if not any(f.line == self.line(call) for f in self.findings):
            self.find(
                call,
                f"pkg_resources.{label} other than for a distribution's version, location or name",
                "use importlib.metadata.distribution(name) (its .metadata, .files, .version)",
            )
        return False

    def resource_call(self, call: cst.Call, kind: str) -> bool:
        args = self.args(call, ["package", "resource"])
        if args is None or set(args) != {"package", "resource"}:
            self.find(call, f"{kind} with arguments epmigrate cannot map", "pass them by position")
            return False
        text = f"{self.code(args['package'].value)}, {self.code(args['resource'].value)}"
        self.replace[call] = self.expr(f"{self.helper(kind)}({text})")
        self.did(call, f"{kind} -> the file beside the module")
        return True

    def namespace_call(self, call: cst.Call) -> bool:
        """``declare_namespace(__name__)`` as a statement: ``pkgutil.extend_path``."""
        stmt = self.parents.get(call)
        args = self.args(call, ["packageName"])
        if (
            isinstance(stmt, cst.Expr)
            and args is not None
            and "packageName" in args
            and self.code(args["packageName"].value) == "__name__"
        ):
            line = cst.parse_statement(
                '__path__ = __import__("pkgutil").extend_path(__path__, __name__)\n',
                config=self.module.config_for_parsing,
            )
            assert isinstance(line, cst.SimpleStatementLine)
            self.replace[stmt] = line.body[0]
            self.did(call, "declare_namespace(__name__) -> pkgutil.extend_path")
            return True
        self.find(
            call,
            "declare_namespace other than as a statement of its package's __init__",
            "make the package a native namespace package (no __init__.py), or use "
            "__path__ = pkgutil.extend_path(__path__, __name__)",
        )
        return False

    # -- names bound to entry points -------------------------------------------

    def bound_names(self, producer: cst.Call) -> list[cst.Name]:
        """The names bound to entry points a producing call gives.

        ``for ep in CALL``, ``[... for ep in CALL]``, ``ep = next(CALL)``,
        ``ep = CALL`` (one entry point), and one step further: ``eps =
        CALL`` or ``eps = list(CALL)``, then ``for ep in eps``.
        """
        parent = self.parents.get(producer)
        wrapper = None
        if isinstance(parent, cst.Arg):
            outer = self.parents.get(parent)
            if isinstance(outer, cst.Call) and isinstance(outer.func, cst.Name):
                wrapper = outer.func.value
                parent = self.parents.get(outer)
        if isinstance(parent, (cst.For, cst.CompFor)) and isinstance(parent.target, cst.Name):
            return [parent.target]
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1):
            return []
        target = parent.targets[0].target
        if not isinstance(target, cst.Name):
            return []
        if wrapper == "next" or (wrapper is None and not self.q(producer.func) & _ITER):
            return [target]
        # A sequence of entry points: the loops over it bind them.
        out: list[cst.Name] = []
        scope = self.scopes.get(target)
        assignments = list(scope.assignments[target.value]) if scope is not None else []
        if len(assignments) == 1:
            for access in assignments[0].references:
                loop = self.parents.get(access.node)
                if (
                    isinstance(loop, (cst.For, cst.CompFor))
                    and loop.iter is access.node
                    and isinstance(loop.target, cst.Name)
                ):
                    out.append(loop.target)
        return out

    def rename_attributes(self, name: cst.Name) -> None:
        """Rename pkg_resources attributes read off ``name`` (an entry point)."""
        scope = self.scopes.get(name)
        if scope is None:
            return
        assignments = list(scope.assignments[name.value])
        if len(assignments) != 1:
            return
        for access in assignments[0].references:
            node = access.node
            attr = self.parents.get(node)
            if isinstance(attr, cst.Attribute) and attr.value is node:
                self.rename(attr)

    def rename(self, attr: cst.Attribute) -> None:
        ep = self.code(attr.value)
        key = attr.attr.value
        parent = self.parents.get(attr)
        if key == "module_name":
            self.replace[attr] = self.expr(f"{ep}.module")
            self.did(attr, "ep.module_name -> ep.module")
        elif key == "attrs":
            self.replace[attr] = self.expr(
                f'tuple({ep}.attr.split(".") if {ep}.attr else ())', at=attr
            )
            self.did(attr, "ep.attrs -> ep.attr, split")
        elif key == "extras":
            self.replace[attr] = self.expr(f"tuple({ep}.extras)")
            self.did(attr, "ep.extras -> tuple(ep.extras)")
        elif key == "dist" and isinstance(parent, cst.Attribute) and parent.value is attr:
            if parent.attr.value == "project_name":
                self.replace[parent] = self.expr(f"{ep}.dist.name")
                self.did(parent, "ep.dist.project_name -> ep.dist.name")
            elif parent.attr.value == "key":
                self.replace[parent] = self.expr(f"{ep}.dist.name.lower()")
                self.did(parent, "ep.dist.key -> ep.dist.name.lower()")
        elif key in ("load", "resolve") and isinstance(parent, cst.Call) and parent.func is attr:
            self.load_call(parent, ep, key)
        elif key == "require":
            self.find(
                attr,
                "ep.require() checks that the entry point's extras are installed, which "
                "importlib.metadata does not do",
                "check the requirements with importlib.metadata.requires(dist) or drop the call",
            )

    def load_call(self, call: cst.Call, ep: str, key: str) -> None:
        args = call.args
        require = None
        if len(args) == 1 and (args[0].keyword is None or args[0].keyword.value == "require"):
            require = args[0].value
        if args and (
            require is None or not (isinstance(require, cst.Name) and require.value == "False")
        ):
            self.find(
                call,
                f"{ep}.{key}(...) with arguments: require=True also checks that the entry "
                "point's requirements are installed, which importlib.metadata does not do",
                "call .load() and check the requirements yourself where they matter",
            )
            return
        if key == "resolve" or args:
            self.replace[call] = self.expr(f"{ep}.load()")
            self.did(call, f"ep.{key}({self.code(args[0]) if args else ''}) -> ep.load()")

    # -- handlers and strings ----------------------------------------------------

    def handler_type(self, node: cst.BaseExpression) -> None:
        names = self.q(node)
        if _NOT_FOUND in names:
            self.imports.add("importlib.metadata")
            self.replace[node] = self.expr("importlib.metadata.PackageNotFoundError")
            self.did(node, "DistributionNotFound -> importlib.metadata.PackageNotFoundError")
        elif _CONFLICT in names:
            parent = self.parents.get(node)
            tuple_node = self.parents.get(parent) if isinstance(parent, cst.Element) else None
            if isinstance(tuple_node, cst.Tuple) and len(tuple_node.elements) > 1:
                assert isinstance(parent, cst.Element)
                self.remove.add(parent)
                self.did(node, "VersionConflict: nothing raises it without pkg_resources")
            else:
                self.find(
                    node,
                    "a handler of VersionConflict alone: nothing raises it once "
                    "pkg_resources is gone",
                    "delete the handler (or check versions with importlib.metadata.version)",
                )

    def patch_target(self, node: cst.SimpleString) -> None:
        value = node.evaluated_value
        if not isinstance(value, str) or not value.startswith(f"{PR}."):
            return
        arg = self.parents.get(node)
        call = self.parents.get(arg) if isinstance(arg, cst.Arg) else None
        if not (isinstance(call, cst.Call) and call.args and call.args[0] is arg):
            return
        func = self.module.code_for_node(call.func)
        if not _MOCK_PATCH.search(func):
            return
        target = self.targets.get(value[len(PR) + 1 :])
        if target is None:
            self.find(
                node,
                f"{value!r} is patched, and no module of the paths given reads it through "
                "one helper epmigrate wrote",
                "patch the function the code under test calls now (its module's "
                "_entry_points helper)",
            )
            return
        quote = node.prefix + node.quote
        self.replace[node] = cst.SimpleString(f"{quote}{target}{node.quote}")
        self.did(node, f"mock target {value} -> {target}")

    # -- the pass ------------------------------------------------------------------

    def call(self, node: cst.Call) -> bool:
        """Rewrite one pkg_resources call; whether it now gives entry points to follow."""
        names = self.q(node.func)
        if names & _ITER:
            return self.iter_call(node)
        if names & _INFO:
            return self.dist_call(node, "entry_info", ["dist", "group", "name"], "get_entry_info")
        if names & _PARSE:
            return self.parse_call(node)
        if names & _LOAD:
            self.dist_call(node, "load_entry_point", ["dist", "group", "name"], "load_entry_point")
        elif names & _MAP:
            self.dist_call(node, "entry_map", ["dist", "group"], "get_entry_map")
        elif names & _DIST:
            self.distribution_call(node, "get_distribution")
        elif names & _REQUIRE:
            self.distribution_call(node, "require")
        elif names & _RESOURCE_FILENAME:
            self.resource_call(node, "resource_filename")
        elif names & _RESOURCE_STRING:
            self.resource_call(node, "resource_string")
        elif names & _NAMESPACE or _dunder_import_of(node.func):
            self.namespace_call(node)
        return False

    def run(self) -> None:
        producers: list[cst.Call] = []
        for node in self.nodes:
            if isinstance(node, cst.Call):
                if self.call(node):
                    producers.append(node)
            elif isinstance(node, cst.ExceptHandler) and node.type is not None:
                types = (
                    [e.value for e in node.type.elements]
                    if isinstance(node.type, cst.Tuple)
                    else [node.type]
                )
                for t in types:
                    self.handler_type(t)
            elif isinstance(node, cst.SimpleString):
                self.patch_target(node)
        for call in producers:
            # A use of what the call gives that cannot be kept takes the
            # call's own rewrite back: never half a rewrite.
            findings, replaced = len(self.findings), set(self.replace)
            rewrites = len(self.rewrites)
            for name in self.bound_names(call):
                self.rename_attributes(name)
            if len(self.findings) > findings:
                for node in set(self.replace) - replaced:
                    del self.replace[node]
                del self.rewrites[rewrites:]
                self.undo(call)
        self.note_left()
        self.note_untracked()

    def imports_needed(self) -> set[cst.CSTNode]:
        """The pkg_resources imports the uses left as they were resolve to.

        A use inside a function that imports pkg_resources itself needs
        only that import: the module's own can go.
        """
        needed: set[cst.CSTNode] = set()
        for node in self.left:
            base = _base(node) if isinstance(node, cst.BaseExpression) else node
            scope = self.scopes.get(base) if isinstance(base, cst.Name) else None
            if scope is None or not isinstance(base, cst.Name):
                # Not a name epmigrate can follow: keep every import.
                return {n for n in self.nodes if isinstance(n, (cst.Import, cst.ImportFrom))}
            for assignment in scope[base.value]:
                bound = getattr(assignment, "node", None)
                if isinstance(bound, (cst.Import, cst.ImportFrom)):
                    needed.add(bound)
        return needed

    def note_untracked(self) -> None:
        """``x.module_name`` or ``x.dist.project_name`` on a name epmigrate could not follow.

        In a module whose entry points now come from importlib.metadata, such
        an attribute would fail at run time: a finding, so that the rewrite
        is never half done silently.
        """
        if not self.rewrites:
            return
        covered = {id(n) for node in self.replace for n in self.subtree(node)}
        for node in self.nodes:
            if not isinstance(node, cst.Attribute) or id(node) in covered:
                continue
            key = node.attr.value
            dist = isinstance(node.value, cst.Attribute) and node.value.attr.value == "dist"
            if key == "module_name" or (key == "project_name" and dist):
                self.findings.append(
                    Finding(
                        self.line(node),
                        f"{self.code(node)}: epmigrate cannot tell whether this is an entry "
                        "point (importlib.metadata's have no such attribute)",
                        "if it is one, write .module (for module_name) or .dist.name (for "
                        "dist.project_name) by hand",
                    )
                )

    def note_left(self) -> None:
        """Every other use of pkg_resources: a finding, and its import stays."""
        covered: set[int] = set()
        for node in [*self.replace, *self.remove, *self.undone]:
            covered.update(id(n) for n in self.subtree(node))
        lines = {f.line for f in self.findings}
        for node in self.nodes:
            if isinstance(node, (cst.Import, cst.ImportFrom)):
                covered.update(id(n) for n in self.subtree(node))
                continue
            if id(node) in covered or not isinstance(node, (cst.Name, cst.Attribute)):
                continue
            if id(_base(node)) in covered:
                # Read off what a rewritten call gives (get_entry_map(...).keys).
                continue
            names = {n for n in self.q(node) if n == PR or n.startswith(f"{PR}.")}
            if not names:
                continue
            covered.update(id(n) for n in self.subtree(node))
            self.left.append(node)
            if self.line(node) not in lines:
                lines.add(self.line(node))
                self.findings.append(
                    Finding(
                        self.line(node),
                        f"{sorted(names)[0]} is not an entry-point read fix-callers rewrites; "
                        "left as it was, with its import",
                        "see docs/fix-callers.md for its importlib equivalent",
                    )
                )


class _Tree(cst.CSTVisitor):
    """Every node in order, its parent, and where the nodes below it end."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.CSTNode] = []
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.spans: dict[int, tuple[int, int]] = {}
        self._open: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._open:
            self.parents[node] = self._open[-1]
        self.spans[id(node)] = (len(self.nodes), -1)
        self.nodes.append(node)
        self._open.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._open.pop()
        start = self.spans[id(original_node)][0]
        self.spans[id(original_node)] = (start, len(self.nodes))


class _Apply(cst.CSTTransformer):
    def __init__(self, r: _Rewriter, keep: set[cst.CSTNode]) -> None:
        super().__init__()
        self.r = r
        self.keep = keep
        """The pkg_resources imports a use left as it was still needs."""

    def on_leave(
        self, original_node: _NodeT, updated_node: _NodeT
    ) -> _NodeT | cst.RemovalSentinel | cst.FlattenSentinel[_NodeT]:
        if original_node in self.r.replace:
            return cast(_NodeT, self.r.replace[original_node])
        if original_node in self.r.remove:
            return cst.RemoveFromParent()
        if isinstance(original_node, cst.Tuple) and isinstance(updated_node, cst.Tuple):
            gone = [e for e in original_node.elements if e in self.r.remove]
            kept = list(updated_node.elements)
            if gone and len(kept) == 1 and updated_node.lpar:
                # One type left: ``except (A):`` rather than a tuple of one.
                only = kept[0].value.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
                return cast(_NodeT, only)
            last = original_node.elements[-1] if original_node.elements else None
            if last in gone and kept:
                # The element that ended the tuple is gone: the new last one
                # ends it the way it did (no comma left hanging).
                kept[-1] = kept[-1].with_changes(comma=last.comma)
                return cast(_NodeT, updated_node.with_changes(elements=kept))
        if isinstance(updated_node, cst.SimpleStatementLine):
            body = [
                new
                for old, new in zip(original_node.body, updated_node.body, strict=True)  # type: ignore[attr-defined]
                if old in self.keep or not _imports_pkg_resources(old)
            ]
            if len(body) != len(updated_node.body):
                if not body:
                    return cst.RemoveFromParent()
                return cast(_NodeT, updated_node.with_changes(body=body))
        return updated_node


def _base(node: cst.BaseExpression) -> cst.BaseExpression:
    """The node an attribute chain starts from: ``a`` of ``a(x).b[0].c``."""
    while True:
        if isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        else:
            return node


def _dunder_import_of(func: cst.BaseExpression) -> bool:
    """``__import__("pkg_resources").declare_namespace``."""
    if not (isinstance(func, cst.Attribute) and func.attr.value == "declare_namespace"):
        return False
    inner = func.value
    return (
        isinstance(inner, cst.Call)
        and isinstance(inner.func, cst.Name)
        and inner.func.value == "__import__"
        and len(inner.args) == 1
        and isinstance(inner.args[0].value, cst.SimpleString)
        and inner.args[0].value.evaluated_value == PR
    )


def _imports_pkg_resources(stmt: cst.BaseSmallStatement) -> bool:
    if isinstance(stmt, cst.Import):
        return all((dotted(a.name) or "").split(".")[0] == PR for a in stmt.names)
    if isinstance(stmt, cst.ImportFrom) and stmt.module is not None and not stmt.relative:
        return (dotted(stmt.module) or "").split(".")[0] == PR
    return False


def _only_imports(stmt: cst.BaseStatement) -> bool:
    """An import line, or a ``try:``/``if`` block of nothing but imports (and ``pass``)."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)
    if isinstance(stmt, (cst.Try, cst.If)):
        blocks: list[cst.BaseSuite] = [stmt.body]
        if isinstance(stmt, cst.Try):
            blocks += [h.body for h in stmt.handlers]
        elif stmt.orelse is not None:
            blocks.append(stmt.orelse.body)
        for block in blocks:
            if not isinstance(block, cst.IndentedBlock):
                return False
            for inner in block.body:
                if not (
                    _only_imports(inner)
                    or (
                        isinstance(inner, cst.SimpleStatementLine)
                        and all(isinstance(s, cst.Pass) for s in inner.body)
                    )
                ):
                    return False
        return True
    return False


def _add_helpers(module: cst.Module, r: _Rewriter) -> cst.Module:
    """The imports the rewrite needs, and the helpers after the module's imports."""
    for name in sorted(r.imports):
        module = insert_import(module, name)
    if not r.helpers:
        return module
    body: list[cst.BaseStatement] = list(module.body)
    at = 0
    for i, stmt in enumerate(body):
        if (i == 0 and _is_docstring(stmt)) or _only_imports(stmt):
            at = i + 1
        else:
            break
    two = [cst.EmptyLine(), cst.EmptyLine()]
    new: list[cst.BaseStatement] = []
    for kind in HELPERS:
        if kind in r.helpers:
            source = HELPERS[kind][1].format(name=r.helpers[kind])
            stmt = cst.parse_statement(source, config=module.config_for_parsing)
            new.append(stmt.with_changes(leading_lines=two))
    if at < len(body):
        # The code after the helpers: two blank lines before it, its comments kept.
        follower = cast(cst.SimpleStatementLine | cst.BaseCompoundStatement, body[at])
        leading = list(follower.leading_lines)
        while leading and leading[0].comment is None:
            leading.pop(0)
        body[at] = follower.with_changes(leading_lines=[*two, *leading])
    body[at:at] = new
    return module.with_changes(body=body)


def rewrite(
    text: str, *, path: str | None = None, targets: Mapping[str, str] | None = None
) -> Result:
    """Rewrite the pkg_resources entry-point reads of ``text`` (a module's source)."""
    if PR not in text:
        return Result(text)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise ParseError(
            f"cannot parse: {exc.message}",
            path=path,
            line=exc.raw_line,
            col=exc.raw_column,
            hint="fix the syntax error first; nothing was written",
        ) from exc
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    wrapper.resolve_many([QualifiedNameProvider, PositionProvider, ScopeProvider])
    r = _Rewriter(wrapper, path, targets or {})
    r.run()
    if not r.replace and not r.remove:
        return Result(text, [], sorted(r.findings, key=lambda f: f.line))
    new = wrapper.module.visit(_Apply(r, keep=r.imports_needed()))
    new = _add_helpers(new, r)
    try:
        compile(new.code, path or "<module>", "exec", dont_inherit=True)
    except SyntaxError as exc:  # a guard: the rewrite must stay Python
        raise ParseError(
            f"the rewrite of this file would not compile ({exc.msg}); nothing was written",
            path=path,
            line=exc.lineno,
            hint="rewrite its pkg_resources calls by hand (docs/fix-callers.md)",
        ) from exc
    return Result(
        new.code,
        sorted(r.rewrites, key=lambda x: x.line),
        sorted(r.findings, key=lambda f: f.line),
        {k: r.helpers[k] for k in HELPERS if k in r.helpers},
    )
