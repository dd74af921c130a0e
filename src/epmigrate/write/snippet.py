"""Entry points in the syntax of the file the build reads, for ``scan --format entry-points``.

The file is the one ``epmigrate write`` would write (:func:`target.choose`):
a pyproject.toml ``[project.entry-points."group"]`` table (or a Poetry
project's ``[tool.poetry.plugins."group"]``), setup.cfg ``[entry_points]``
(pbr) or ``[options.entry_points]`` (setuptools), or setup.py's
``entry_points={...}`` argument. The first line, a comment in that syntax,
names the file and why; what the snippet leaves out is said in comments too.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Sequence

from epmigrate.errors import EpmigrateError, TargetError
from epmigrate.fileio import read_text
from epmigrate.model import EntryPointSpec, Extension
from epmigrate.scan.locate import package_of
from epmigrate.term import shown
from epmigrate.write import setupcfg, target
from epmigrate.write.text import strip_bom

__all__ = ["PACKAGING_FILES", "for_scan", "project_root", "render_entry_points"]

PACKAGING_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def project_root(directory: str) -> str | None:
    """The project whose build packages ``directory``, or ``None``.

    The directory that holds the top-level package (the import root) when it
    has a packaging file, else its parent (a ``src`` layout). A packaging file
    higher up belongs to another project, which does not ship this package.
    """
    root = package_of(directory).root
    for here in (root, os.path.dirname(root)):
        if any(os.path.isfile(os.path.join(here, n)) for n in PACKAGING_FILES):
            return here
    return None


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _is_poetry(path: str) -> bool:
    try:
        data = tomllib.loads(strip_bom(read_text(path).text)[1])
    except (tomllib.TOMLDecodeError, EpmigrateError):
        return False
    return "project" not in data and "poetry" in data.get("tool", {})


def _omitted(unverified: Sequence[Extension]) -> list[str]:
    return [f"# left out, unverified: {shown(e.path)}:{e.line}: {e.class_name}" for e in unverified]


def render_entry_points(
    chosen: target.Target | str,
    group: str,
    specs: Sequence[EntryPointSpec],
    unverified: Sequence[Extension] = (),
) -> str:
    """The entries of ``group`` as ``chosen`` spells them.

    ``chosen`` is the target, or why there is none (then in setup.cfg syntax).
    """
    entries = sorted(specs, key=lambda s: s.name)
    if isinstance(chosen, str):
        lines = [f"# {line}" for line in chosen.splitlines()]
        kind = "setup.cfg"
        section: str | None = setupcfg.SETUPTOOLS_SECTION
    else:
        where = shown(chosen.path)
        lines = [f"# for {where}: {chosen.reason}"]
        kind = chosen.kind
        section = chosen.section
    if kind == "pyproject.toml":
        assert not isinstance(chosen, str)
        table = "tool.poetry.plugins" if _is_poetry(chosen.path) else "project.entry-points"
        lines.append(f"[{table}.{json.dumps(group, ensure_ascii=False)}]")
        lines.extend(
            f"{_toml_key(ep.name)} = {json.dumps(ep.value, ensure_ascii=False)}" for ep in entries
        )
    elif kind == "setup.py":
        lines.append("# the entry_points= argument of setup() in setup.py:")
        lines.append("entry_points={")
        lines.append(f"    {json.dumps(group, ensure_ascii=False)}: [")
        lines.extend(f"        {json.dumps(ep.line, ensure_ascii=False)}," for ep in entries)
        lines.append("    ],")
        lines.append("},")
    elif kind == "entry-points-file":
        lines.append(f"[{group}]")
        lines.extend(ep.line for ep in entries)
    else:
        lines.append(f"[{section or setupcfg.SETUPTOOLS_SECTION}]")
        lines.append(f"{group} =")
        lines.extend(f"    {ep.line}" for ep in entries)
    lines.extend(_omitted(unverified))
    return "\n".join(lines) + "\n"


def for_scan(directory: str) -> target.Target | str:
    """The file the build of the project around ``directory`` reads, or why there is none."""
    root = project_root(directory)
    if root is None:
        return (
            f"no pyproject.toml, setup.cfg or setup.py beside the package of {shown(directory)}: "
            "the setup.cfg section of a setuptools project"
        )
    try:
        return target.choose(root)
    except TargetError as exc:
        return f"{exc.message}; the {setupcfg.SETUPTOOLS_SECTION} section"
