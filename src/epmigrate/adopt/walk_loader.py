"""Adopt a walking loader: ``load_standard_extensions`` of Nova, Cinder and Manila.

``load_standard_extensions(ext_mgr, logger, path, package, ext_list=None)``
walks its directory with ``os.walk``; for each file it skips what is not an
extension (``__init__``, a ``.pyc`` beside its ``.py``, Cinder's
``FILES_TO_SKIP``), derives ``classname`` and the dotted ``classpath``, and
then runs its own tail: the ``ext_list`` check (``select_extensions``) and
``ext_mgr.load_extension(classpath)`` in a ``try`` that logs "Failed to load
extension". The manager's ``load_extension`` imports the class, calls it with
the manager, and its ``register`` checks the extension and refuses a
duplicate alias.

Two edits, nothing else:

1. ``os.walk(our_dir)`` becomes ``epmigrate.loader.legacy_walk(our_dir,
   group=..., profile=...)``: the same walk, less the files an entry point
   provides, nothing with ``EPMIGRATE_LEGACY=off``;
2. the function starts with a loop over ``epmigrate.loader.entry_points(group)``
   that sets ``classname`` and ``classpath`` from each entry point and then
   runs the file loop's own tail, copied: the same ``ext_list`` check, the
   same ``load_extension`` call, the same log lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from epmigrate.adopt import _cst
from epmigrate.adopt._cst import (
    RUNTIME_MODULE,
    Edits,
    Facts,
    body_statements,
    call_args,
    call_code,
    expression,
    statement,
    walk,
)
from epmigrate.adopt.model import Change, Shape
from epmigrate.profiles import Profile

__all__ = [
    "FUNCTION",
    "WalkLoader",
    "find",
]

FUNCTION = "load_standard_extensions"
_WALK = "legacy_walk"
_ENTRY_POINTS = "entry_points"
_HINT = (
    "this is not the walking loader the profile describes; see docs/adopt.md, 'Adopting by hand'"
)


@dataclass(frozen=True)
class WalkLoader:
    """The facts of one ``load_standard_extensions``, read before anything is changed."""

    func: cst.FunctionDef
    walk_loop: cst.For
    walk_call: cst.Call
    class_var: str
    path_var: str
    tail: tuple[cst.BaseStatement, ...]
    class_rule: str | None
    adopted: bool

    def shape(self) -> Shape:
        """What the loader does, in the terms a profile uses."""
        return Shape(
            kind="walk-loader",
            function=FUNCTION,
            sort_files=False,
            class_rule=self.class_rule,
            abort_on_error=False,
            recursive=True,
        )


def _assigned(stmt: cst.BaseStatement) -> tuple[str, cst.BaseExpression] | None:
    """``(name, value)`` of a one-target assignment line."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
    ):
        return small.targets[0].target.value, small.value
    return None


def _names(node: cst.CSTNode) -> set[str]:
    return {n.value for n in walk(node) if isinstance(n, cst.Name)}


def _bound(stmts: tuple[cst.BaseStatement, ...] | list[cst.BaseStatement]) -> set[str]:
    """Names a list of statements binds itself (assignments and ``for`` targets)."""
    bound: set[str] = set()
    for stmt in stmts:
        for node in walk(stmt):
            if isinstance(node, cst.AssignTarget):
                bound |= _names(node.target)
            elif isinstance(node, cst.ExceptHandler) and node.name is not None:
                bound |= _names(node.name)
            elif isinstance(node, cst.For):
                bound |= _names(node.target)
    return bound


def find(facts: Facts) -> WalkLoader | None:
    """The module's ``load_standard_extensions``, or ``None`` when it has none.

    Raises :class:`~epmigrate.adopt._cst.AdoptError` when the function is
    there but not the shape (the walk, the file loop, the ``classpath`` and
    the call that loads it), naming what differs.
    """
    func = next(
        (
            s
            for s in facts.module.body
            if isinstance(s, cst.FunctionDef) and s.name.value == FUNCTION
        ),
        None,
    )
    if func is None:
        return None
    for stmt in body_statements(func):
        if not isinstance(stmt, cst.For):
            continue
        adopted = facts.is_call_of(stmt.iter, f"{RUNTIME_MODULE}.{_WALK}")
        if not adopted and not facts.is_call_of(stmt.iter, "os.walk"):
            continue
        assert isinstance(stmt.iter, cst.Call)
        target = stmt.target
        if not (
            isinstance(target, cst.Tuple)
            and len(target.elements) == 3
            and all(isinstance(e.value, cst.Name) for e in target.elements)
        ):
            raise facts.refuse(
                f"the walk of {FUNCTION} does not unpack (dirpath, dirnames, filenames)",
                stmt,
                _HINT,
            )
        files_var = target.elements[2].value
        assert isinstance(files_var, cst.Name)
        return _read(facts, func, stmt, stmt.iter, files_var.value, adopted)
    raise facts.refuse(f"{FUNCTION} has no loop over os.walk(...)", func, _HINT)


def _read(
    facts: Facts,
    func: cst.FunctionDef,
    walk_loop: cst.For,
    walk_call: cst.Call,
    files_var: str,
    adopted: bool,
) -> WalkLoader:
    file_loop = next(
        (
            s
            for s in body_statements(walk_loop)
            if isinstance(s, cst.For) and isinstance(s.iter, cst.Name) and s.iter.value == files_var
        ),
        None,
    )
    if file_loop is None:
        raise facts.refuse(
            f"the walk of {FUNCTION} has no loop over its {files_var}", walk_loop, _HINT
        )
    stmts = list(body_statements(file_loop))
    path_var = None
    for node in walk(file_loop.body):
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "load_extension"
            and len(call_args(node)) == 1
            and isinstance(call_args(node)[0], cst.Name)
        ):
            arg = call_args(node)[0]
            assert isinstance(arg, cst.Name)
            path_var = arg.value
    if path_var is None:
        raise facts.refuse(
            f"the file loop of {FUNCTION} calls no <manager>.load_extension(classpath)",
            file_loop,
            _HINT,
        )
    at = next((i for i, s in enumerate(stmts) if (_assigned(s) or ("",))[0] == path_var), None)
    if at is None:
        raise facts.refuse(
            f"the file loop of {FUNCTION} does not assign {path_var} on a line of its own",
            file_loop,
            _HINT,
        )
    value = _assigned(stmts[at])
    assert value is not None
    before = {a[0]: a[1] for a in map(_assigned, stmts[:at]) if a is not None}
    class_vars = [n for n in sorted(_names(value[1])) if n in before]
    candidates = [
        n for n in class_vars if "upper" in _names(before[n]) or "capitalize" in _names(before[n])
    ]
    if len(candidates) != 1:
        raise facts.refuse(
            f"the file loop of {FUNCTION} builds {path_var} from "
            f"{', '.join(class_vars) or 'no name of its own'}; which one is the class name "
            "cannot be told",
            stmts[at],
            _HINT,
        )
    class_var = candidates[0]
    rule_names = _names(before[class_var])
    class_rule = "capitalize" if "capitalize" in rule_names else "upper-first"
    tail = tuple(stmts[at + 1 :])
    # The tail may use only the class name, the class path and names bound
    # outside the file loop: anything else (the file's root, its extension)
    # has no value for an entry point.
    loop_bound = _bound(stmts[:at]) | _names(file_loop.target)
    used = set().union(*(_names(s) for s in tail)) if tail else set()
    unbound = sorted((used & loop_bound) - {class_var, path_var} - _bound(list(tail)))
    if unbound:
        raise facts.refuse(
            f"after {path_var} is set, the file loop of {FUNCTION} uses "
            f"{', '.join(unbound)}, which an entry point has no value for",
            stmts[at],
            _HINT,
        )
    return WalkLoader(
        func=func,
        walk_loop=walk_loop,
        walk_call=walk_call,
        class_var=class_var,
        path_var=path_var,
        tail=tail,
        class_rule=class_rule,
        adopted=adopted,
    )


def check_profile(facts: Facts, loader: WalkLoader, profile: Profile) -> None:
    """Refuse a loader whose rules are not the profile's, naming the difference."""
    hint = "pass the profile of this loader (--profile nova)"
    if not profile.recursive or profile.import_by != "dotted":
        raise facts.refuse(
            f"profile {profile.name!r} lists one directory and runs files by their stem; "
            f"{FUNCTION} walks packages and imports by dotted name",
            loader.walk_loop,
            hint,
        )
    if not loader.adopted and loader.class_rule != profile.class_rule:
        raise facts.refuse(
            f"profile {profile.name!r} derives class names by {profile.class_rule!r}; "
            f"{FUNCTION} by {loader.class_rule!r}",
            loader.walk_loop,
            hint,
        )


def _loop_var(func: cst.FunctionDef) -> str:
    taken = _names(func)
    name = "entry_point"
    while name in taken:
        name = f"_{name}"
    return name


def edit(
    facts: Facts, loader: WalkLoader, *, group: str, profile: str
) -> tuple[Edits, list[Change]]:
    """The two edits that adopt ``loader``, and what each changes."""
    module = facts.module
    edits = Edits()
    args = call_args(loader.walk_call)
    if len(args) != 1 or len(loader.walk_call.args) != 1:
        raise facts.refuse(
            f"the walk of {FUNCTION} passes os.walk more than the directory",
            loader.walk_loop,
            _HINT,
        )
    directory = module.code_for_node(args[0])
    unit = module.default_indent
    header = module.code_for_node(loader.walk_loop.target)
    walk_code = call_code(
        f"{RUNTIME_MODULE}.{_WALK}",
        f"{directory}, group={group!r}, profile={profile!r}",
        column=facts.column(loader.walk_loop),
        prefix=f"for {header} in ",
        suffix=":",
        unit=unit,
    )
    edits.replace[loader.walk_call] = expression(walk_code, module)
    var = _loop_var(loader.func)
    eps = call_code(
        f"{RUNTIME_MODULE}.{_ENTRY_POINTS}",
        repr(group),
        column=facts.column(loader.func) + len(unit),
        prefix=f"for {var} in ",
        suffix=":",
        unit=unit,
    )
    loop = statement(
        f"for {var} in {eps}:\n"
        f"    {loader.class_var} = {var}.attr\n"
        f"    {loader.path_var} = '%s.%s' % ({var}.module, {var}.attr)\n",
        module,
    )
    assert isinstance(loop, cst.For) and isinstance(loop.body, cst.IndentedBlock)
    body = [*loop.body.body, *loader.tail]
    loop = loop.with_changes(body=loop.body.with_changes(body=body))
    edits.prepend_to(facts, loader.func, [loop], FUNCTION)
    changes = [
        Change(
            function=FUNCTION,
            line=facts.line(loader.func),
            what=f"loads the entry points of group {group!r} first, each through the file "
            f"loop's own statements after {loader.path_var} is set",
        ),
        Change(
            function=FUNCTION,
            line=facts.line(loader.walk_loop),
            what=f"walks the legacy directory with {RUNTIME_MODULE}.{_WALK}: files an "
            "entry point provides are left out, all with EPMIGRATE_LEGACY=off",
        ),
    ]
    return edits, changes


def is_adopted(facts: Facts, loader: WalkLoader) -> bool:
    """Whether both edits are there already (the walk and the entry-point loop)."""
    return _cst.is_adopted(
        facts,
        loader.func,
        listed=loader.adopted,
        half=f"{FUNCTION} walks with {RUNTIME_MODULE}.{_WALK} but",
    )
