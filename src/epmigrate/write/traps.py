"""Where a build quietly disagrees with what the packaging files say.

Static checks of a project's packaging files, run by every ``epmigrate
write`` (and naming the cause of a difference that ``write --metadata``
finds). Each is a finding with a code of its own (docs/scan-json.md):

- EPM301: entry points in a file the build ignores. setuptools (since 69)
  drops every entry point of setup.cfg and setup.py once pyproject.toml has
  a ``[project]`` table, unless each of ``entry-points``, ``scripts`` and
  ``gui-scripts`` is dynamic or given nowhere
  (:func:`epmigrate.write.target.setuptools_drops`); the build succeeds and
  the wheel has none of them. Backends other than setuptools and pbr never
  read setup.cfg or setup.py.
- EPM302: ``[options] entry_points = file: ...``: setuptools reads the named
  files (``entry_points.txt`` layout) and ignores ``[options.entry_points]``.
- EPM303: pbr's ``[entry_points]``, deprecated by pbr 7.0 (2025-08).
- EPM304: ``[project.entry-points.console_scripts]``, forbidden by the
  entry-points specification (setuptools builds it, other backends refuse).
"""

from __future__ import annotations

import ast

from epmigrate.model import Finding
from epmigrate.scan import codes
from epmigrate.write import setupcfg
from epmigrate.write.target import read_project, setup_groups, setuptools_drops

__all__ = ["find"]

_DYNAMIC_FIELD = {"console_scripts": "scripts", "gui_scripts": "gui-scripts"}
"""The ``[project]`` field a setuptools group maps to (``entry-points`` otherwise)."""

_SETUPTOOLS_BACKENDS = ("setuptools.build_meta", "pbr.build", "pbr")


def _moved_hint(groups: list[str]) -> str:
    tables = sorted(
        {
            "[project.scripts]"
            if g == "console_scripts"
            else "[project.gui-scripts]"
            if g == "gui_scripts"
            else "[project.entry-points.GROUP]"
            for g in groups
        }
    )
    fields = sorted({_DYNAMIC_FIELD.get(g, "entry-points") for g in groups})
    return (
        f"run 'epmigrate move' to move them into pyproject.toml ({', '.join(tables)}) with "
        "their order and comments, or "
        f"list {' and '.join(repr(f) for f in fields)} in [project] dynamic so the build "
        "reads them where they are"
    )


def find(root: str) -> list[Finding]:
    """The packaging traps of the project in ``root``, in file order."""
    project = read_project(root)
    out: list[Finding] = []
    pyproject = project.pyproject or {}
    backend = str(pyproject.get("build-system", {}).get("build-backend", "setuptools.build_meta"))
    setuptools_like = backend.startswith(_SETUPTOOLS_BACKENDS)

    drops = setuptools_drops(project, setup_groups(project)) if setuptools_like else None

    def ignored(groups: list[str]) -> list[str]:
        """The groups of ``groups`` the build drops: all of them, or none."""
        return groups if not setuptools_like or drops is not None else []

    def why() -> str:
        if not setuptools_like:
            return f"the build backend {backend} reads neither setup.cfg nor setup.py"
        assert drops is not None
        return drops

    doc = project.setup_cfg
    cfg_path = project.path("setup.cfg")
    if doc is not None:
        for section in setupcfg.ENTRY_POINT_SECTIONS:
            sect = doc.section(section)
            if sect is None or not sect.options:
                continue
            groups = list(sect.options)
            if section == setupcfg.PBR_SECTION and project.uses_pbr:
                out.append(
                    codes.finding(
                        codes.PBR_SECTION,
                        cfg_path,
                        sect.header + 1,
                        "pbr's [entry_points] section is deprecated since pbr 7.0 "
                        "(a DeprecationWarning at build time); pbr still reads it",
                    )
                )
            lost = ignored(groups)
            directive = doc.get("options", "entry_points")
            if lost:
                reason = why()
            elif (
                section == setupcfg.SETUPTOOLS_SECTION
                and directive is not None
                and directive.strip().startswith("file:")
            ):
                lost = groups
                reason = (
                    f"[options] entry_points = {directive.strip()} makes setuptools read "
                    "the entry points from that file instead"
                )
            if lost:
                out.append(
                    codes.finding(
                        codes.IGNORED_ENTRY_POINTS,
                        cfg_path,
                        sect.header + 1,
                        f"[{section}] declares {', '.join(lost)}, which the build ignores: "
                        f"{reason}; {_moved_hint(lost)}",
                    )
                )
        opt = doc.option("options", "entry_points")
        value = doc.get("options", "entry_points")
        if opt is not None and value is not None and value.strip().startswith("file:"):
            names = [n.strip() for n in value.strip()[5:].split(",") if n.strip()]
            out.append(
                codes.finding(
                    codes.ENTRY_POINTS_FILE,
                    cfg_path,
                    opt.line + 1,
                    f"setuptools reads the entry points from {', '.join(names) or 'no file'} "
                    "([options] entry_points = file:), not from [options.entry_points]",
                )
            )
    call = project.setup_call
    if call is not None:
        keyword = next((k for k in call.keywords if k.arg == "entry_points"), None)
        if keyword is not None:
            groups = _literal_groups(keyword.value)
            lost = ignored(groups) if groups else ignored(["GROUP"]) and ["entry_points="]
            if lost:
                out.append(
                    codes.finding(
                        codes.IGNORED_ENTRY_POINTS,
                        project.path("setup.py"),
                        keyword.value.lineno,
                        f"setup() is passed entry_points= ({', '.join(groups) or 'not literal'})"
                        f", which the build ignores: {why()}; {_moved_hint(groups or ['GROUP'])}",
                    )
                )
    out.extend(_pyproject_traps(project.path("pyproject.toml"), pyproject, project.pyproject_text))
    return out


def _literal_groups(node: ast.expr) -> list[str]:
    """The group names of a literal ``entry_points=`` dict (``[]`` when not literal)."""
    if isinstance(node, ast.Dict):
        return [
            k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
        ]
    return []


def _pyproject_traps(path: str, data: dict[str, object], text: str | None) -> list[Finding]:
    project = data.get("project")
    if not isinstance(project, dict):
        return []
    tables = project.get("entry-points")
    if not isinstance(tables, dict):
        return []
    out = []
    for group, field in (("console_scripts", "scripts"), ("gui_scripts", "gui-scripts")):
        if group not in tables:
            continue
        line = None
        if text is not None:
            from epmigrate.write.toml_offsets import TomlLayout

            layout = TomlLayout(text)
            key = ("project", "entry-points", group)
            header = layout.header(key)
            line = (
                layout.line_of(header.line_end - 1)
                if header is not None
                else layout.line_of_key(key)
            )
        out.append(
            codes.finding(
                codes.SCRIPTS_TABLE,
                path,
                line,
                f"[project.entry-points.{group}] is forbidden by the entry-points specification "
                f"(setuptools builds it, other backends refuse it); its entries belong in "
                f"[project.{field}]",
            )
        )
    return out
