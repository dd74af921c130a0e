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
from dataclasses import dataclass, field
from typing import Any

from epmigrate.errors import ParseError, toml_error

# The readers of each file are imported only when the file exists: a scan
# in a directory with neither (the common case) pays for none of them.

__all__ = [
    "KEYS",
    "TOO_DEEP_START",
    "Defaults",
    "load",
    "read_toml",
]

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
        from epmigrate.fileio import read_text

        text = read_text(pyproject).text.removeprefix("\ufeff")
        table = read_toml(text, pyproject).get("tool", {}).get("epmigrate")
        if table is not None:
            return _defaults(root, pyproject, "[tool.epmigrate]", table)
    cfg = os.path.join(root, "setup.cfg")
    if os.path.isfile(cfg):
        from epmigrate.fileio import read_text
        from epmigrate.write import ini

        doc = ini.parse(read_text(cfg).text, path=cfg)
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


TOO_DEEP_START = "nests values "


def read_toml(text: str, path: str | None) -> dict[str, Any]:
    """``tomllib.loads(text)`` with every failure a located :class:`ParseError`.

    A ``TOMLDecodeError`` says where tomllib stopped; a value nested deeper
    than Python's recursion limit lets tomllib overflow: the error then names
    the line where the nesting gets that deep, and says that the build's own
    TOML reader stops there too.
    """
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(exc, path) from exc
    except (RecursionError, MemoryError) as exc:
        line, depth = _deepest(text)
        name = os.path.basename(path) if path else "pyproject.toml"
        raise ParseError(
            f"{TOO_DEEP_START}{depth} levels deep, more than Python's TOML reader (tomllib, "
            f"which build backends use) can read: {name} cannot be built as it is",
            path=path,
            line=line,
            hint="flatten the nested arrays or inline tables there; nothing was written",
        ) from exc


def _deepest(text: str) -> tuple[int, int]:
    """The line where ``[``/``{`` nesting (outside strings and comments) peaks, and the peak."""
    depth = peak = 0
    line = peak_line = 1
    quote = ""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote or (ch == "\n" and len(quote) == 1):
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif ch in "[{":
            depth += 1
            if depth > peak:
                peak, peak_line = depth, line
        elif ch in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return peak_line, peak
