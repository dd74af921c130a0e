"""Turn loose extension files into an installable package with entry points.

The third upgrade path of Trove's blueprint: a third party's files that were
copied into ``api_extensions_path`` and live in no package. The new project
holds byte-identical copies of the files in one package, a pyproject.toml
with a ``[project]`` table and the entry points, and a short README.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace

from epmigrate.errors import EpmigrateError, ValidationError
from epmigrate.model import EntryPointSpec
from epmigrate.scan import Cache, ScanResult, scan
from epmigrate.write.run import planned_entry_points

__all__ = ["NewPackage", "create", "package_name"]

_DIST_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


@dataclass(frozen=True)
class NewPackage:
    """What :func:`create` wrote."""

    root: str
    package: str
    files: tuple[str, ...]
    entry_points: tuple[EntryPointSpec, ...]
    scan: ScanResult | None = None
    """The scan of the loose files (its unverified extensions got no entry point)."""


def package_name(dist_name: str) -> str:
    """The import name for a distribution name: ``widget-contrib`` -> ``widget_contrib``."""
    if not _DIST_RE.match(dist_name):
        raise ValidationError(
            f"invalid distribution name {dist_name!r}",
            hint="use letters, digits, '-', '_' and '.', starting and ending with a letter "
            "or digit",
        )
    name = re.sub(r"[-_.]+", "_", dist_name).lower()
    if not name.isidentifier():
        raise ValidationError(
            f"{dist_name!r} does not give a valid Python package name ({name!r})",
            hint="start the distribution name with a letter",
        )
    return name


def create(
    dist_name: str,
    paths: Sequence[str],
    outdir: str,
    *,
    group: str,
    profile: str = "neutron",
    bases: Sequence[str] = (),
    search_path: Sequence[str] = (),
    name_style: str = "stem",
    cache: Cache | None = None,
) -> NewPackage:
    """Write the project into ``outdir`` (which must not exist or be empty)."""
    package = package_name(dist_name)
    if os.path.exists(outdir) and (not os.path.isdir(outdir) or os.listdir(outdir)):
        raise EpmigrateError(
            f"{outdir} already exists and is not empty",
            hint="name a new directory for the package",
        )
    result = scan(
        list(paths), profile, bases=bases, search_path=search_path, group=group, cache=cache
    )
    sources: dict[str, str] = {}
    leaving: list[str] = []
    for directory in result.paths:
        top = os.path.realpath(directory)
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if name.endswith(".py") and name != "__init__.py" and os.path.isfile(path):
                if name in sources:
                    raise EpmigrateError(
                        f"{name} is in both {os.path.dirname(sources[name])} and {directory}",
                        hint="rename one of them or make two packages",
                    )
                real = os.path.realpath(path)
                if os.path.islink(path) and os.path.commonpath([top, real]) != top:
                    leaving.append(f"{path} -> {real}")
                # The file checked is the file copied, even if the link changes.
                sources[name] = real
    if leaving:
        raise EpmigrateError(
            f"{len(leaving)} file(s) in {', '.join(result.paths)} are symbolic links to files "
            "outside the directory, which --new-package does not copy into a package: "
            + "; ".join(leaving),
            hint="copy the files you mean to ship into the directory (or remove the links), "
            "then run again; nothing was written",
        )
    # Raises, saying what to check, when the loader would load nothing.
    planned = planned_entry_points(_as_packaged(result, package), name_style)
    eps = tuple(sorted(planned, key=lambda s: s.name))
    pkg_dir = os.path.join(outdir, "src", package)
    os.makedirs(pkg_dir)
    written = []
    for name, source in sources.items():
        shutil.copy2(source, os.path.join(pkg_dir, name), follow_symlinks=False)
        written.append(os.path.join(pkg_dir, name))
    _write(os.path.join(pkg_dir, "__init__.py"), f'"""{dist_name}: API extensions."""\n')
    _write(
        os.path.join(outdir, "pyproject.toml"), _pyproject(dist_name, package, result.paths, eps)
    )
    _write(os.path.join(outdir, "README.md"), _readme(dist_name, package, result.paths, eps))
    written += [os.path.join(pkg_dir, "__init__.py"), os.path.join(outdir, "pyproject.toml")]
    written.append(os.path.join(outdir, "README.md"))
    return NewPackage(outdir, package, tuple(written), eps, result)


def _as_packaged(result: ScanResult, package: str) -> ScanResult:
    # The scan saw files outside any package: give each the module name of
    # its copy, so the shared entry-point rules apply unchanged.
    exts = tuple(
        replace(e, module=f"{package}.{os.path.splitext(os.path.basename(e.path))[0]}")
        for e in result.extensions
    )
    return replace(result, extensions=exts)


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _pyproject(dist: str, package: str, dirs: Sequence[str], eps: Sequence[EntryPointSpec]) -> str:
    # Imported here: the write command imports this module for every write,
    # and only a new package needs tomlkit.
    import tomlkit

    doc = tomlkit.document()
    build = tomlkit.table()
    build["requires"] = ["setuptools>=68"]
    build["build-backend"] = "setuptools.build_meta"
    doc["build-system"] = build
    project = tomlkit.table()
    project["name"] = dist
    project["version"] = "0.1.0"
    project["description"] = f"API extensions that were loaded from {', '.join(dirs)}"
    project["requires-python"] = ">=3.8"
    groups = tomlkit.table(is_super_table=True)
    for spec in eps:
        if spec.group not in groups:
            groups[spec.group] = tomlkit.table()
        groups[spec.group][spec.name] = spec.value
    project["entry-points"] = groups
    doc["project"] = project
    tool = tomlkit.table(is_super_table=True)
    setuptools = tomlkit.table()
    setuptools["package-dir"] = {"": "src"}
    setuptools["packages"] = [package]
    tool["setuptools"] = setuptools
    doc["tool"] = tool
    return tomlkit.dumps(doc)


def _readme(dist: str, package: str, dirs: Sequence[str], eps: Sequence[EntryPointSpec]) -> str:
    lines = [
        f"# {dist}",
        "",
        f"API extensions that used to be copied into {', '.join(dirs)}, now a package",
        f"(`{package}`) whose extensions are found through entry points. Install it",
        "next to the service instead of copying files:",
        "",
        "```console",
        "pip install .",
        "```",
        "",
        f"Entry points (group `{eps[0].group}`):",
        "",
    ]
    lines += [f"- `{spec.line}`" for spec in eps]
    return "\n".join(lines) + "\n"
