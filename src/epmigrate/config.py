"""Project defaults for ``epmigrate write``: ``[tool.epmigrate]`` or ``[tool:epmigrate]``.

pyproject.toml::

    [tool.epmigrate]
    paths = ["src/svc/extensions"]
    profile = "neutron"
    group = "svc.api.extensions"
    bases = ["svc.api.extensions.ExtensionDescriptor"]
    name = "stem"              # or "alias"
    search-path = ["../lib"]

setup.cfg (lists one per line)::

    [tool:epmigrate]
    paths = svc/extensions
    profile = neutron

Paths are relative to the file's directory. Command-line flags override.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from typing import Any

from epmigrate.errors import ParseError, toml_error
from epmigrate.fileio import read_text
from epmigrate.write import setupcfg

KEYS = ("paths", "profile", "group", "bases", "name", "search-path")


@dataclass(frozen=True)
class Defaults:
    """Settings read from the project, with where they came from."""

    source: str | None = None
    paths: list[str] = field(default_factory=list)
    profile: str | None = None
    group: str | None = None
    bases: list[str] = field(default_factory=list)
    name: str | None = None
    search_path: list[str] = field(default_factory=list)


def load(root: str) -> Defaults:
    """The defaults of the project in ``root`` (empty when it sets none)."""
    pyproject = os.path.join(root, "pyproject.toml")
    if os.path.isfile(pyproject):
        text = read_text(pyproject).text.removeprefix("\ufeff")
        try:
            table = tomllib.loads(text).get("tool", {}).get("epmigrate")
        except tomllib.TOMLDecodeError as exc:
            raise toml_error(exc, pyproject) from exc
        if table is not None:
            return _defaults(root, pyproject, "[tool.epmigrate]", table)
    cfg = os.path.join(root, "setup.cfg")
    if os.path.isfile(cfg):
        doc = setupcfg.parse(read_text(cfg).text, path=cfg)
        if doc.has_section("tool:epmigrate"):
            raw: dict[str, Any] = {}
            for key in doc.options("tool:epmigrate"):
                value = doc.get("tool:epmigrate", key) or ""
                raw[key] = value if key in ("profile", "group", "name") else value.split()
            return _defaults(root, cfg, "[tool:epmigrate]", raw)
    return Defaults()


def _defaults(root: str, path: str, table: str, raw: dict[str, Any]) -> Defaults:
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ParseError(
            f"{table} has unknown setting {unknown[0]!r}",
            path=path,
            hint=f"known settings: {', '.join(KEYS)}",
        )

    def strings(key: str) -> list[str]:
        value = raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParseError(f"{table} {key} must be a list of strings", path=path)
        return value

    def string(key: str) -> str | None:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise ParseError(f"{table} {key} must be a string", path=path)
        return value

    def rooted(values: list[str]) -> list[str]:
        return [v if os.path.isabs(v) else os.path.normpath(os.path.join(root, v)) for v in values]

    name = string("name")
    if name not in (None, "stem", "alias"):
        raise ParseError(f"{table} name must be 'stem' or 'alias', not {name!r}", path=path)
    return Defaults(
        source=f"{path} {table}",
        paths=rooted(strings("paths")),
        profile=string("profile"),
        group=string("group"),
        bases=strings("bases"),
        name=name,
        search_path=rooted(strings("search-path")),
    )
