"""Adopt a path loader: ``_load_all_extensions`` over ``_load_all_extensions_from_path``.

Neutron's ``ExtensionManager`` (profiles ``neutron`` and ``neutron-legacy``)
and the oslo-incubator copy old Trove carried (``oslo-incubator``) share one
shape: ``_load_all_extensions(self)`` hands each legacy directory to
``_load_all_extensions_from_path(self, path)``, whose loop ``for f in
sorted(os.listdir(path))`` (plain ``os.listdir`` before Icehouse and in the
oslo copy) executes each file, looks up the rule-derived class, makes an
instance and registers it with ``self.add_extension(...)``, inside a per-file
``try`` (Neutron) or not at all (oslo-incubator: the first error aborts).

Two edits, nothing else:

1. the loop's listing becomes ``epmigrate.loader.legacy_listing(path,
   group=..., profile=...)``: the same names less those an entry point
   provides, none with ``EPMIGRATE_LEGACY=off``;
2. ``_load_all_extensions`` starts with a loop over
   ``epmigrate.loader.entry_points(group)`` that registers each with the
   loader's own call (``self.add_extension(...)``, so its alias, interface
   and duplicate checks apply), inside the loop's own ``except`` clauses
   (the same log lines) when it has them.
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
    dotted,
    expression,
    statement,
    walk,
)
from epmigrate.adopt.model import Change, Shape
from epmigrate.profiles import Profile, get_profile

__all__ = [
    "FROM_PATH",
    "LOAD_ALL",
    "PathLoader",
    "find",
]

LOAD_ALL = "_load_all_extensions"
FROM_PATH = "_load_all_extensions_from_path"
_LISTING = "legacy_listing"
_ENTRY_POINTS = "entry_points"


@dataclass(frozen=True)
class PathLoader:
    """The facts of one path-loader class, read before anything is changed."""

    cls: cst.ClassDef
    load_all: cst.FunctionDef
    from_path: cst.FunctionDef
    loop: cst.For
    listing: cst.Call
    sorted_listing: bool
    class_rule: str | None
    per_file_try: cst.Try | None
    register: str
    instance_args: tuple[cst.Arg, ...]
    adopted: bool

    def shape(self) -> Shape:
        """What the file's loader does, in the terms a profile uses."""
        return Shape(
            kind="path-loader",
            function=f"{self.cls.name.value}.{FROM_PATH}",
            sort_files=self.sorted_listing,
            class_rule=self.class_rule,
            abort_on_error=self.per_file_try is None,
            recursive=False,
        )


def _methods(cls: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    found: dict[str, cst.FunctionDef] = {}
    if isinstance(cls.body, cst.IndentedBlock):
        for stmt in cls.body.body:
            if isinstance(stmt, cst.FunctionDef):
                found.setdefault(stmt.name.value, stmt)
    return found


def _params(func: cst.FunctionDef) -> list[str]:
    return [p.name.value for p in (*func.params.posonly_params, *func.params.params)]


def _class_rule(facts: Facts, body: cst.CSTNode) -> str | None:
    """``capitalize`` or ``upper-first``, as the loop derives the class name."""
    for node in walk(body):
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "capitalize"
            and not node.args
        ):
            return "capitalize"
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "upper"
            and isinstance(node.func.value, cst.Subscript)
        ):
            return "upper-first"
    return None


def _registration(
    facts: Facts, loop: cst.For, self_name: str
) -> tuple[str, tuple[cst.Arg, ...]] | None:
    """``self.<method>(obj)`` in the loop, and the arguments ``obj`` was made with."""
    made: dict[str, tuple[cst.Arg, ...]] = {}
    found: tuple[str, str] | None = None
    for node in walk(loop.body):
        if (
            isinstance(node, cst.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
            and isinstance(node.value, cst.Call)
            and isinstance(node.value.func, cst.Name)
        ):
            made[node.targets[0].target.value] = tuple(node.value.args)
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and dotted(node.func.value) == self_name
            and len(node.args) == 1
            and isinstance(node.args[0].value, cst.Name)
        ):
            found = (node.func.attr.value, node.args[0].value.value)
    if found is None or found[1] not in made:
        return None
    return found[0], made[found[1]]


def find(facts: Facts) -> PathLoader | None:
    """The path-loader class of the module, or ``None`` when it has none.

    Raises :class:`AdoptError` when a class has both methods but not the
    shape (the listing loop, the registering call), naming what differs.
    """
    for node in walk(facts.module):
        if not isinstance(node, cst.ClassDef):
            continue
        methods = _methods(node)
        if LOAD_ALL in methods and FROM_PATH in methods:
            return _read(facts, node, methods[LOAD_ALL], methods[FROM_PATH])
    return None


def _read(
    facts: Facts, cls: cst.ClassDef, load_all: cst.FunctionDef, from_path: cst.FunctionDef
) -> PathLoader:
    where = f"{cls.name.value}.{FROM_PATH}"
    params = _params(from_path)
    if len(params) < 2:
        raise facts.refuse(
            f"{where} takes {', '.join(params) or 'no parameters'}, not (self, path)",
            from_path,
            "this is not the path loader the profile describes; see docs/adopt.md, "
            "'Adopting by hand'",
        )
    self_name, path_name = params[0], params[1]
    for stmt in body_statements(from_path):
        if not isinstance(stmt, cst.For):
            continue
        listing, is_sorted, adopted = _listing(facts, stmt.iter, path_name)
        if listing is None:
            continue
        stmts = body_statements(stmt)
        per_file = stmts[0] if len(stmts) == 1 and isinstance(stmts[0], cst.Try) else None
        found = _registration(facts, stmt, self_name)
        if found is None:
            raise facts.refuse(
                f"the loop of {where} registers no instance with a call like "
                f"{self_name}.add_extension(new_ext), new_ext made by calling the class",
                stmt,
                "this is not the path loader the profile describes; see docs/adopt.md, "
                "'Adopting by hand'",
            )
        return PathLoader(
            cls=cls,
            load_all=load_all,
            from_path=from_path,
            loop=stmt,
            listing=listing,
            sorted_listing=is_sorted,
            class_rule=_class_rule(facts, stmt.body),
            per_file_try=per_file,
            register=found[0],
            instance_args=found[1],
            adopted=adopted,
        )
    raise facts.refuse(
        f"{where} has no loop over os.listdir({path_name}) or sorted(os.listdir({path_name}))",
        from_path,
        "this is not the path loader the profile describes; see docs/adopt.md, 'Adopting by hand'",
    )


def _listing(
    facts: Facts, node: cst.BaseExpression, path_name: str
) -> tuple[cst.Call | None, bool, bool]:
    """The listing call of a loop (``os.listdir``, sorted or not, or ours), if it is one."""
    if facts.is_call_of(node, f"{RUNTIME_MODULE}.{_LISTING}"):
        # Adopted: the listing sorts as the profile it names does.
        assert isinstance(node, cst.Call)
        named = next(
            (
                a.value.evaluated_value
                for a in node.args
                if a.keyword is not None
                and a.keyword.value == "profile"
                and isinstance(a.value, cst.SimpleString)
                and isinstance(a.value.evaluated_value, str)
            ),
            "neutron",
        )
        return node, get_profile(named).sort_files, True
    is_sorted = False
    if facts.is_call_of(node, "builtins.sorted"):
        assert isinstance(node, cst.Call)
        args = call_args(node)
        if len(args) != 1 or len(node.args) != 1:
            return None, False, False
        node, is_sorted = args[0], True
    if not facts.is_call_of(node, "os.listdir"):
        return None, False, False
    assert isinstance(node, cst.Call)
    args = call_args(node)
    if len(args) != 1 or not isinstance(args[0], cst.Name) or args[0].value != path_name:
        return None, False, False
    return node, is_sorted, False


def check_profile(facts: Facts, loader: PathLoader, profile: Profile) -> None:
    """Refuse a loader whose rules are not the profile's, naming the difference."""
    shape = loader.shape()
    hint = (
        f"pass the profile of this loader (--profile {shape.matching_profile()})"
        if shape.matching_profile()
        else "this loader matches no built-in profile; see docs/adopt.md, 'Adopting by hand'"
    )
    where = f"{loader.cls.name.value}.{FROM_PATH}"
    if profile.recursive or profile.import_by != "stem":
        raise facts.refuse(
            f"profile {profile.name!r} walks packages and imports by dotted name; "
            f"{where} lists one directory and runs each file by its stem",
            loader.loop,
            hint,
        )
    if loader.adopted:
        return
    if shape.sort_files != profile.sort_files:
        said = "sorts" if profile.sort_files else "does not sort"
        does = "sorts" if shape.sort_files else "does not sort"
        raise facts.refuse(
            f"profile {profile.name!r} {said} file names; {where} {does} them",
            loader.loop,
            hint,
        )
    if shape.class_rule is not None and shape.class_rule != profile.class_rule:
        raise facts.refuse(
            f"profile {profile.name!r} derives class names by {profile.class_rule!r}; "
            f"{where} by {shape.class_rule!r}",
            loader.loop,
            hint,
        )
    if shape.abort_on_error != profile.abort_on_error:
        said = (
            "aborts the load at the first error"
            if profile.abort_on_error
            else "catches errors per file"
        )
        does = "has no per-file try" if shape.abort_on_error else "catches errors per file in a try"
        raise facts.refuse(f"profile {profile.name!r} {said}; {where} {does}", loader.loop, hint)


def edit(
    facts: Facts, loader: PathLoader, *, group: str, profile: str
) -> tuple[Edits, list[Change]]:
    """The two edits that adopt ``loader``, and what each changes."""
    module = facts.module
    edits = Edits()
    listing_path = dotted(call_args(loader.listing)[0])
    target = loader.loop.target
    var = target.value if isinstance(target, cst.Name) else "f"
    unit = module.default_indent
    new_iter = call_code(
        f"{RUNTIME_MODULE}.{_LISTING}",
        f"{listing_path}, group={group!r}, profile={profile!r}",
        column=facts.column(loader.loop),
        prefix=f"for {var} in ",
        suffix=":",
        unit=unit,
    )
    edits.replace[loader.loop.iter] = expression(new_iter, module)
    self_name = _params(loader.load_all)[0] if _params(loader.load_all) else "self"
    args = cst.Module(body=[]).code_for_node(
        cst.Call(func=cst.Name("x"), args=loader.instance_args)
    )
    register = f"{self_name}.{loader.register}({var}.load(){args[1:]})"
    if loader.per_file_try is not None:
        inner = statement(f"try:\n    {register}\nexcept Exception:\n    raise\n", module)
        assert isinstance(inner, cst.Try)
        inner = inner.with_changes(
            handlers=loader.per_file_try.handlers,
            orelse=None,
            finalbody=None,
        )
    else:
        inner = statement(f"{register}\n", module)
    eps = call_code(
        f"{RUNTIME_MODULE}.{_ENTRY_POINTS}",
        repr(group),
        column=facts.column(loader.load_all) + len(unit),
        prefix=f"for {var} in ",
        suffix=":",
        unit=unit,
    )
    loop = statement(f"for {var} in {eps}:\n    pass\n", module)
    assert isinstance(loop, cst.For) and isinstance(loop.body, cst.IndentedBlock)
    loop = loop.with_changes(body=loop.body.with_changes(body=[inner]))
    edits.prepend_to(facts, loader.load_all, [loop], f"{loader.cls.name.value}.{LOAD_ALL}")
    where = loader.cls.name.value
    changes = [
        Change(
            function=f"{where}.{LOAD_ALL}",
            line=facts.line(loader.load_all),
            what=f"loads the entry points of group {group!r} first, each through "
            f"{self_name}.{loader.register}"
            + (" inside the loop's own except clauses" if loader.per_file_try else ""),
        ),
        Change(
            function=f"{where}.{FROM_PATH}",
            line=facts.line(loader.loop),
            what=f"lists each legacy directory with {RUNTIME_MODULE}.{_LISTING}: "
            "files an entry point provides are left out, all with EPMIGRATE_LEGACY=off",
        ),
    ]
    return edits, changes


def is_adopted(facts: Facts, loader: PathLoader) -> bool:
    """Whether both edits are there already (the listing and the entry-point loop)."""
    return _cst.is_adopted(
        facts,
        loader.load_all,
        listed=loader.adopted,
        half=f"{loader.cls.name.value}.{FROM_PATH} lists with {RUNTIME_MODULE}.{_LISTING} "
        f"but {LOAD_ALL}",
    )
