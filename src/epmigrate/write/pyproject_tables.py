"""What a pyproject.toml declares about entry points, and in which tables.

Which tables the build reads them from (:func:`detect_style`), whether
``project.dynamic`` hands them to setuptools (:func:`entry_points_dynamic`),
and the entries already there (:func:`existing_entry_points`). The rewriter,
:mod:`epmigrate.write.pyproject`, builds on the same readings.

tomllib (what build backends use) decides what is valid; tomlkit only words
the error, with a line and column, and spells keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import tomlkit
import tomlkit.exceptions

from epmigrate.config import TOO_DEEP_START, read_toml
from epmigrate.errors import ParseError
from epmigrate.write.merge import Existing
from epmigrate.write.text import file_name, strip_bom
from epmigrate.write.toml_offsets import TomlLayout, TomlPath

__all__ = [
    "PYPROJECT",
    "Style",
    "declared_entry_points",
    "detect_style",
    "dynamic_field",
    "dynamic_fields",
    "entry_points_dynamic",
    "existing_entry_points",
    "parse_pyproject",
    "render_key",
    "style_of",
    "table_label",
    "target_table",
    "value_at",
]

PYPROJECT = "pyproject.toml"

Style = Literal["project", "poetry", "none"]
"""How a pyproject.toml declares its project: PEP 621, Poetry, or not at all."""


def parse_pyproject(text: str, path: str | None) -> dict[str, Any]:
    """Parse ``text`` (without BOM); raise :class:`ParseError` with a location.

    tomllib (what build backends use) decides what is valid; tomlkit, whose
    messages carry a line and column, only words the error for a file tomllib
    refuses. tomlkit refuses values nested over 100 levels that tomllib reads:
    such a file is valid, and the edit (made in the text) does not need tomlkit.
    """
    try:
        return read_toml(text, path)
    except ParseError as error:
        if error.message.startswith(TOO_DEEP_START):
            raise
        try:
            tomlkit.parse(text)
        except tomlkit.exceptions.ParseError as exc:
            message = re.sub(r" at line \d+ col \d+$", "", str(exc))
            if "nested more than" not in message:
                raise ParseError(
                    f"{file_name(path, PYPROJECT)} is not valid TOML: {message}",
                    path=path,
                    line=exc.line,
                    # tomlkit counts columns from 0; editors and tomllib count from 1.
                    col=exc.col + 1,
                    hint="fix the TOML syntax there first; nothing was written",
                ) from exc
        except RecursionError:
            pass
        raise


def style_of(data: Mapping[str, Any]) -> Style:
    """:func:`detect_style` of data already parsed."""
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if isinstance(poetry, dict) and "plugins" in poetry:
        return "poetry"
    if "project" in data:
        return "project"
    if isinstance(poetry, dict):
        return "poetry"
    return "none"


def detect_style(text: str, *, path: str | None = None) -> Style:
    """Which tables of this pyproject.toml the build reads entry points from.

    ``"project"`` for a ``[project]`` table, ``"poetry"`` for a ``[tool.poetry]``
    table without ``[project]`` or for an existing ``[tool.poetry.plugins]``,
    ``"none"`` otherwise. Raises :class:`ParseError` for invalid TOML.
    """
    return style_of(parse_pyproject(strip_bom(text)[1], path))


def dynamic_fields(data: Mapping[str, Any]) -> list[str]:
    """The field names listed in ``project.dynamic`` (none without a list)."""
    project = data.get("project")
    dynamic = project.get("dynamic") if isinstance(project, dict) else None
    if not isinstance(dynamic, list):
        return []
    return [name for name in dynamic if isinstance(name, str)]


def entry_points_dynamic(text: str) -> bool:
    """Whether ``"entry-points"`` is listed in ``project.dynamic``.

    Then the build takes entry points from setup.cfg or setup.py, not from
    ``[project.entry-points]``. Raises :class:`ParseError` for invalid TOML.
    """
    return "entry-points" in dynamic_fields(parse_pyproject(strip_bom(text)[1], None))


def target_table(style: Style, group: str) -> TomlPath:
    """The table the build reads ``group`` from, in a file of ``style``."""
    if style == "poetry":
        if group == "console_scripts":
            return ("tool", "poetry", "scripts")
        return ("tool", "poetry", "plugins", group)
    if group == "console_scripts":
        return ("project", "scripts")
    if group == "gui_scripts":
        return ("project", "gui-scripts")
    return ("project", "entry-points", group)


def dynamic_field(group: str) -> str:
    """The ``project.dynamic`` field that hands ``group`` to setuptools."""
    return {"console_scripts": "scripts", "gui_scripts": "gui-scripts"}.get(group, "entry-points")


def render_key(key: str) -> str:
    """``key`` as TOML spells it: quoted only when a bare key cannot (tomlkit decides)."""
    return tomlkit.key(key).as_string()


def table_label(path: TomlPath) -> str:
    """The ``[a.b."c d"]`` header of the table at ``path``, for files and messages."""
    return "[" + ".".join(render_key(p) for p in path) + "]"


def value_at(data: Mapping[str, Any], path: TomlPath) -> Any:
    """The value at ``path`` in parsed data, or ``None`` when nothing is there."""
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _entry_value(value: Any, poetry_script: bool) -> str | None:
    if isinstance(value, str):
        return value
    if poetry_script and isinstance(value, dict):
        # Poetry scripts may be tables: {callable = "m:f"} or
        # {reference = "m:f", type = "console"}; a "file" script is no entry point.
        if isinstance(value.get("callable"), str):
            return str(value["callable"])
        if value.get("type", "console") == "console" and isinstance(value.get("reference"), str):
            return str(value["reference"])
        return None
    # Not an entry point the build accepts; still reported so a write of the
    # same name conflicts with it instead of breaking the file.
    return str(value)


def _existing_at(
    data: Mapping[str, Any], layout: TomlLayout, path: TomlPath, poetry_script: bool
) -> dict[str, Existing]:
    table = value_at(data, path)
    if not isinstance(table, dict):
        return {}
    out: dict[str, Existing] = {}
    for name, raw in table.items():
        value = _entry_value(raw, poetry_script)
        if value is not None:
            out[name] = Existing(value, layout.line_of_key((*path, name)))
    return out


def declared_entry_points(
    data: Mapping[str, Any], layout: TomlLayout, style: Style
) -> dict[str, dict[str, Existing]]:
    """:func:`existing_entry_points` of data already parsed, with its layout for the lines."""
    out: dict[str, dict[str, Existing]] = {}
    if style == "project":
        groups = value_at(data, ("project", "entry-points"))
        for group in groups if isinstance(groups, dict) else ():
            out[group] = _existing_at(data, layout, ("project", "entry-points", group), False)
        for group in ("console_scripts", "gui_scripts"):
            found = _existing_at(data, layout, target_table(style, group), False)
            if found:
                out[group] = found
    elif style == "poetry":
        groups = value_at(data, ("tool", "poetry", "plugins"))
        for group in groups if isinstance(groups, dict) else ():
            out[group] = _existing_at(data, layout, ("tool", "poetry", "plugins", group), False)
        scripts = _existing_at(data, layout, ("tool", "poetry", "scripts"), True)
        if scripts:
            out["console_scripts"] = scripts
    return out


def existing_entry_points(text: str, *, path: str | None = None) -> dict[str, dict[str, Existing]]:
    """Entry points the file declares where the build reads them, by group.

    Scripts are reported under ``console_scripts`` and ``gui_scripts``. Lines
    are 1-based. A file of style ``"none"`` declares none. Raises
    :class:`ParseError` for invalid TOML.
    """
    body = strip_bom(text)[1]
    data = parse_pyproject(body, path)
    return declared_entry_points(data, TomlLayout(body), style_of(data))
