"""Which packaging file the build reads entry points from, and why.

The rules, from what setuptools and pbr do:

1. pyproject.toml with a ``[project]`` table: entry points come from there,
   and setup.cfg / setup.py entry points are ignored, unless ``entry-points``
   is listed in ``project.dynamic``.
2. A Poetry project (``[tool.poetry]``, no ``[project]``): its
   ``[tool.poetry.plugins."group"]`` tables.
3. setup.py passing ``entry_points=`` to ``setup()``: setuptools ignores the
   setup.cfg section entirely, so setup.py is the target.
4. setup.cfg: ``[entry_points]`` for pbr projects, ``[options.entry_points]``
   for setuptools projects.
5. setup.py alone: an ``entry_points=`` argument is added to ``setup()``.
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass
from typing import Any, Literal

from epmigrate.config import read_toml
from epmigrate.errors import TargetError
from epmigrate.fileio import read_text
from epmigrate.write import setupcfg
from epmigrate.write.setup_source import (
    entry_points_through_kwargs,
    first_setup_call,
    passes_entry_points,
)
from epmigrate.write.text import strip_bom

__all__ = [
    "KINDS",
    "Kind",
    "Project",
    "Target",
    "choose",
    "explicit",
    "read_project",
    "setup_cfg_section",
]

Kind = Literal["setup.cfg", "pyproject.toml", "setup.py", "entry-points-file"]
KINDS: tuple[Kind, ...] = ("setup.cfg", "pyproject.toml", "setup.py")
"""The kinds a TARGET on the command line may be (an entry-points file is only followed)."""


@dataclass(frozen=True)
class Target:
    """The file to write, the setup.cfg section (for setup.cfg) and why."""

    path: str
    kind: Kind
    reason: str
    section: str | None = None

    @property
    def where(self) -> str:
        """``setup.cfg [entry_points]``-style label for messages."""
        name = os.path.basename(self.path)
        return f"{name} [{self.section}]" if self.section else name


@dataclass(frozen=True)
class Project:
    """The packaging files of a project as read (each ``None`` when absent)."""

    root: str
    pyproject: dict[str, Any] | None
    setup_call: ast.Call | None
    """The first setup() call of setup.py, read with ast (libcst only edits)."""
    setup_py_text: str | None
    setup_cfg: setupcfg.Document | None
    pyproject_text: str | None = None
    """pyproject.toml without its BOM, for locating lines."""

    def path(self, name: str) -> str:
        return os.path.join(self.root, name)

    @property
    def has_project_table(self) -> bool:
        return self.pyproject is not None and "project" in self.pyproject

    @property
    def entry_points_dynamic(self) -> bool:
        project = (self.pyproject or {}).get("project", {})
        return "entry-points" in project.get("dynamic", [])

    @property
    def is_poetry(self) -> bool:
        """A Poetry project: ``[tool.poetry]``, no ``[project]``, poetry-core building it.

        Without poetry's backend (no ``[build-system]`` means setuptools'
        legacy one), the ``[tool.poetry]`` tables are read by nothing.
        """
        tool = (self.pyproject or {}).get("tool", {})
        backend = (self.pyproject or {}).get("build-system", {}).get("build-backend", "")
        return (
            not self.has_project_table
            and "poetry" in tool
            and isinstance(backend, str)
            and backend.startswith("poetry")
        )

    @property
    def uses_pbr(self) -> bool:
        backend = (self.pyproject or {}).get("build-system", {}).get("build-backend", "")
        if backend.startswith("pbr"):
            return True
        if self.setup_cfg is not None and any(
            self.setup_cfg.has_section(s) for s in ("pbr", "entry_points", "files")
        ):
            return True
        text = (self.setup_py_text or "").replace(" ", "")
        return "pbr=True" in text


def read_project(root: str) -> Project:
    """Read pyproject.toml, setup.py and setup.cfg of ``root`` (each if present)."""
    pyproject = None
    pyproject_text = None
    path = os.path.join(root, "pyproject.toml")
    if os.path.isfile(path):
        pyproject_text = strip_bom(read_text(path).text)[1]
        pyproject = read_toml(pyproject_text, path)
    call = None
    setup_py_text = None
    path = os.path.join(root, "setup.py")
    if os.path.isfile(path):
        setup_py_text = read_text(path).text
        call = first_setup_call(setup_py_text, path=path)
    doc = None
    path = os.path.join(root, "setup.cfg")
    if os.path.isfile(path):
        doc = setupcfg.parse(read_text(path).text, path=path)
    return Project(root, pyproject, call, setup_py_text, doc, pyproject_text)


_FIELD_OF_GROUP = {"console_scripts": "scripts", "gui_scripts": "gui-scripts"}
"""The ``[project]`` field setuptools maps a group to (``entry-points`` for the others)."""


def setuptools_drops(project: Project, groups: list[str]) -> str | None:
    """Why setuptools drops every entry point of setup.cfg and setup.py, or ``None``.

    With a ``[project]`` table, setuptools (69 and later) builds the entry
    points from the ``entry-points``, ``scripts`` and ``gui-scripts`` fields:
    as soon as one of them is set in pyproject.toml, or is given in setup.cfg
    or setup.py (``groups``) without being listed in ``dynamic`` (it is then
    reset to empty, with a ``_MissingDynamic`` warning), the result replaces
    the entry points of setup.cfg and setup.py as a whole. So they are kept
    only when each of the three fields is dynamic or given nowhere.
    """
    if not project.has_project_table:
        return None
    table = (project.pyproject or {}).get("project", {})
    dynamic = set(table.get("dynamic", []) or ())
    static = [f for f in ("entry-points", "scripts", "gui-scripts") if f in table]
    if static:
        return (
            f"pyproject.toml sets [project] {', '.join(static)}, so setuptools builds the "
            "entry points from pyproject.toml alone and drops those of setup.cfg and setup.py"
        )
    missing = sorted({_FIELD_OF_GROUP.get(g, "entry-points") for g in groups} - dynamic)
    if missing:
        return (
            f"pyproject.toml has a [project] table whose dynamic does not list "
            f"{' or '.join(repr(f) for f in missing)}, so setuptools (69 and later) resets "
            "the entry points of setup.cfg and setup.py as a whole (a _MissingDynamic "
            "warning): the wheel has none of them"
        )
    return None


def setup_groups(project: Project) -> list[str]:
    """The groups setup.cfg and a literal setup.py ``entry_points=`` declare."""
    groups: list[str] = []
    doc = project.setup_cfg
    if doc is not None:
        for section in setupcfg.ENTRY_POINT_SECTIONS:
            sect = doc.section(section)
            if sect is not None:
                groups.extend(sect.options)
    call = project.setup_call
    if call is not None:
        for keyword in call.keywords:
            if keyword.arg == "entry_points" and isinstance(keyword.value, ast.Dict):
                groups.extend(
                    k.value
                    for k in keyword.value.keys
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                )
    return list(dict.fromkeys(groups))


def choose(root: str) -> Target:
    """The file the build of the project in ``root`` reads entry points from."""
    project = read_project(root)
    if project.has_project_table and not project.entry_points_dynamic:
        return Target(
            project.path("pyproject.toml"),
            "pyproject.toml",
            "pyproject.toml has a [project] table, so the build reads entry points from it "
            "(and ignores setup.cfg and setup.py ones)",
        )
    if project.is_poetry:
        return Target(
            project.path("pyproject.toml"),
            "pyproject.toml",
            "a Poetry project: plugins go in [tool.poetry.plugins]",
        )
    dynamic = (
        "entry-points is dynamic in pyproject.toml, so the build takes them from setuptools; "
        if project.has_project_table
        else ""
    )
    if project.has_project_table:
        drops = setuptools_drops(project, setup_groups(project))
        if drops is not None:
            raise TargetError(
                f"entry-points is dynamic in {project.path('pyproject.toml')}, yet {drops}; "
                "no file of the project would carry a new entry point, so nothing was written",
                path=project.path("pyproject.toml"),
                hint="list 'entry-points', 'scripts' and 'gui-scripts' (those the project "
                "uses) in [project] dynamic, or move every entry point into pyproject.toml "
                "and take 'entry-points' out of dynamic; then run again",
            )
    if project.has_project_table:
        named = _dynamic_file(project)
        if named is not None:
            return named
    through = (
        entry_points_through_kwargs(project.setup_py_text or "", project.setup_call)
        if project.setup_call is not None and not passes_entry_points(project.setup_call)
        else None
    )
    if through is not None:
        return Target(
            project.path("setup.py"),
            "setup.py",
            f"{dynamic}setup.py passes entry_points to setup() through **kwargs (set on line "
            f"{through}), so setuptools ignores setup.cfg's entry points",
        )
    if project.setup_call is not None and passes_entry_points(project.setup_call):
        return Target(
            project.path("setup.py"),
            "setup.py",
            f"{dynamic}setup.py passes entry_points= to setup(), so setuptools ignores "
            "setup.cfg's entry points",
        )
    if project.setup_cfg is not None:
        doc = project.setup_cfg
        if project.uses_pbr and (
            doc.has_section("entry_points") or not doc.has_section("options.entry_points")
        ):
            return Target(
                project.path("setup.cfg"),
                "setup.cfg",
                f"{dynamic}a pbr project: pbr reads [entry_points] from setup.cfg",
                "entry_points",
            )
        if project.uses_pbr:
            # pbr 7 deprecates its own section for this one (pbr itself uses
            # it); a new [entry_points] would replace what it declares.
            return Target(
                project.path("setup.cfg"),
                "setup.cfg",
                f"{dynamic}a pbr project whose setup.cfg declares its entry points in "
                "[options.entry_points], which setuptools reads (and pbr 7 recommends)",
                "options.entry_points",
            )
        named = _file_directive(project)
        if named is not None:
            return named
        return Target(
            project.path("setup.cfg"),
            "setup.cfg",
            f"{dynamic}a setuptools project: setuptools reads [options.entry_points]",
            "options.entry_points",
        )
    if project.setup_call is not None:
        return Target(
            project.path("setup.py"),
            "setup.py",
            f"{dynamic}setup.py is the only setuptools configuration: entry_points= is "
            "added to setup()",
        )
    if project.pyproject is not None:
        backend = project.pyproject.get("build-system", {}).get("build-backend", "setuptools")
        section = "[entry_points]" if project.uses_pbr else "[options.entry_points]"
        if project.has_project_table:
            # Only a dynamic entry-points field gets here.
            raise TargetError(
                f"{project.path('pyproject.toml')} lists entry-points in [project] dynamic, "
                f"so the build ({backend}) takes them from setup.cfg or setup.py, and "
                f"{root} has neither: they belong in {project.path('setup.cfg')} {section}",
                hint="create setup.cfg with a [metadata] section and run again (or take "
                "entry-points out of dynamic to write them into pyproject.toml)",
            )
        raise TargetError(
            f"{project.path('pyproject.toml')} has no [project] table, so the build "
            f"({backend}) does not read entry points from it: they belong in "
            f"{project.path('setup.cfg')} {section}",
            hint="create setup.cfg with a [metadata] section and run again; epmigrate never "
            "adds a [project] table, which changes how the build reads the project",
        )
    raise TargetError(
        f"no packaging file in {root} that can hold entry points",
        hint="run in the project's directory, or name the file: "
        "epmigrate write setup.cfg|pyproject.toml|setup.py",
    )


def _dynamic_file(project: Project) -> Target | None:
    """``[tool.setuptools.dynamic] entry-points = {file = ...}``: the file setuptools reads.

    With ``entry-points`` dynamic, setuptools takes them from that file (the
    entry_points.txt layout) when the table names one.
    """
    dynamic = (project.pyproject or {}).get("tool", {}).get("setuptools", {}).get("dynamic", {})
    spec = dynamic.get("entry-points") if isinstance(dynamic, dict) else None
    if not isinstance(spec, dict) or "file" not in spec:
        return None
    files = spec["file"]
    names = [files] if isinstance(files, str) else [str(f) for f in files]
    where = project.path("pyproject.toml")
    how = f"[tool.setuptools.dynamic] entry-points = {{ file = {json.dumps(files)} }}"
    return _named_file(project, names, how, where)


def _file_directive(project: Project) -> Target | None:
    """The file a setup.cfg ``[options] entry_points = file: ...`` directive makes the build read.

    setuptools then reads the entry points from the files it names (in the
    entry_points.txt layout, a section per group) and ignores an
    ``[options.entry_points]`` section, so the entries go into the first
    named file. A directive naming no file, a missing file or one outside the
    project (which setuptools refuses to read) is an error.
    """
    assert project.setup_cfg is not None
    value = project.setup_cfg.get("options", "entry_points")
    if value is None or not value.strip().startswith("file:"):
        return None
    names = [n.strip() for n in value.strip()[len("file:") :].split(",") if n.strip()]
    cfg = project.path("setup.cfg")
    if not names:
        raise TargetError(
            f"{cfg} has [options] entry_points = {value.strip()}, which names no file",
            path=cfg,
            hint="name the file after 'file:', or replace the directive with an "
            "[options.entry_points] section",
        )
    return _named_file(project, names, f"[options] entry_points = {value.strip()}", cfg)


def _named_file(project: Project, names: list[str], how: str, where: str) -> Target:
    """The first of the files ``how`` (in ``where``) makes setuptools read entry points from."""
    if not names:
        raise TargetError(
            f"{where} has {how}, which names no file",
            path=where,
            hint="name the file, or declare the entry points in a section of their own",
        )
    first = os.path.normpath(os.path.join(project.root, names[0]))
    if os.path.relpath(first, project.root).startswith(os.pardir):
        raise TargetError(
            f"{where} has {how}: {names[0]} is outside the project, and setuptools refuses "
            "to read it",
            path=where,
            hint="move the file into the project and name it relative to the project",
        )
    if not os.path.isfile(first):
        raise TargetError(
            f"{where} has {how}, and {first} does not exist: setuptools reads the entry "
            "points from it; nothing was written",
            path=where,
            hint="create the file (it may be empty) and run again: the entries go there, "
            "one [GROUP] section per group",
        )
    more = f" (the first of {', '.join(names)})" if len(names) > 1 else ""
    return Target(
        first,
        "entry-points-file",
        f"{os.path.basename(where)} has {how}: setuptools reads the entry points from "
        f"{names[0]}{more}, one [GROUP] section per group",
    )


def setup_cfg_section(directory: str) -> str:
    """The setup.cfg section for the project around ``directory``.

    ``entry_points`` for pbr projects, ``options.entry_points`` otherwise; the
    project is the first directory upwards with a setup.cfg or setup.py.
    """
    here = os.path.abspath(directory)
    while not any(os.path.isfile(os.path.join(here, n)) for n in ("setup.cfg", "setup.py")):
        parent = os.path.dirname(here)
        if parent == here:
            return setupcfg.SETUPTOOLS_SECTION
        here = parent
    project = read_project(here)
    doc = project.setup_cfg
    pbr_section = project.uses_pbr and (
        doc is None
        or doc.has_section(setupcfg.PBR_SECTION)
        or not doc.has_section(setupcfg.SETUPTOOLS_SECTION)
    )
    return setupcfg.PBR_SECTION if pbr_section else setupcfg.SETUPTOOLS_SECTION


def explicit(path: str, *, force: bool = False) -> Target:
    """``path`` as the target; an error when the build would ignore it (unless ``force``)."""
    name = os.path.basename(path)
    if name not in KINDS:
        raise TargetError(
            f"cannot write entry points into {path}",
            hint="the target must be a setup.cfg, pyproject.toml or setup.py",
        )
    if not os.path.isfile(path):
        raise TargetError(f"{path} does not exist", hint="create it first, or name another file")
    chosen = choose(os.path.dirname(os.path.abspath(path)) or os.curdir)
    kind: Kind = name
    if os.path.basename(chosen.path) == name:
        return Target(path, kind, chosen.reason, chosen.section)
    if not force:
        raise TargetError(
            f"the build would ignore entry points written to {path}: {chosen.reason}",
            path=path,
            hint=f"write to {chosen.where} (run without a TARGET), or pass --force",
        )
    section = None
    if kind == "setup.cfg":
        project = read_project(os.path.dirname(os.path.abspath(path)))
        section = "entry_points" if project.uses_pbr else "options.entry_points"
    return Target(path, kind, f"named on the command line with --force ({chosen.reason})", section)
