"""What the command line prints for a person: paths, plurals, colour, widths.

Kept apart from the renderers so that JSON and pasted snippets stay plain:
colour only on a terminal (or under ``FORCE_COLOR``) and never under
``NO_COLOR``; tables fitted to the terminal's width only when stdout is one
(a pipe gets every column whole).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO

__all__ = [
    "colour_on",
    "coloured_diff",
    "is_terminal",
    "pip_path",
    "plural",
    "shown",
    "style",
    "table",
    "width",
    "wrapped",
]


def shown(path: str) -> str:
    """``path`` relative to the working directory when it is under it, else absolute."""
    full = os.path.abspath(path)
    cwd = os.getcwd()
    try:
        if os.path.commonpath([full, cwd]) == cwd:
            return os.path.relpath(full, cwd)
    except ValueError:  # another drive
        pass
    return full


def pip_path(path: str) -> str:
    """``path`` as pip reads a path, not a project name: ``./DIR`` for a bare ``DIR``."""
    path = shown(path)
    if os.path.isabs(path) or path.startswith(("./", "../")) or path in (".", ".."):
        return path
    return "./" + path


def coloured_diff(diff: str, on: bool) -> str:
    """A unified diff with added lines green, removed lines red, hunks cyan (when ``on``)."""
    if not on:
        return diff
    out = []
    for line in diff.splitlines(keepends=True):
        body, end = line.rstrip("\n"), line[len(line.rstrip("\n")) :]
        if line.startswith(("+++", "---")):
            out.append(style(body, on, bold=True) + end)
        elif line.startswith("+"):
            out.append(style(body, on, fg="green") + end)
        elif line.startswith("-"):
            out.append(style(body, on, fg="red") + end)
        elif line.startswith("@@"):
            out.append(style(body, on, fg="cyan") + end)
        else:
            out.append(line)
    return "".join(out)


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 note``, ``2 notes``, ``1 entry point``, ``0 entry points``."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


def is_terminal(stream: IO[str] | None = None) -> bool:
    """Whether ``stream`` (stdout by default) is a terminal."""
    stream = stream if stream is not None else sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def colour_on(stream: IO[str] | None = None) -> bool:
    """Colour on a terminal; never with ``NO_COLOR`` set, always with ``FORCE_COLOR`` set.

    Both count when set to anything but the empty string (https://no-color.org,
    https://force-color.org); ``NO_COLOR`` wins when both are set.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return is_terminal(stream)


def style(text: str, on: bool, **styles: object) -> str:
    """``click.style`` when ``on``; ``text`` unchanged otherwise."""
    if not on or not any(v is not None for v in styles.values()):
        return text
    import click

    return click.style(text, **styles)  # type: ignore[arg-type]


def width() -> int | None:
    """The terminal's width when stdout is a terminal; ``None`` for a pipe or a file."""
    if not is_terminal():
        return None
    import shutil

    return shutil.get_terminal_size().columns


def _wrap(cell: str, width: int) -> list[str]:
    """``cell`` cut into pieces of at most ``width``, after a ``/ . : -`` or space if it can."""
    pieces = []
    while len(cell) > width:
        cut = max(cell.rfind(c, 0, width) for c in "/.:- ") + 1
        if cut <= width // 3:
            cut = width
        pieces.append(cell[:cut].rstrip())
        cell = cell[cut:].lstrip()
    pieces.append(cell)
    return pieces


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """The lines of a table (header row first), columns two spaces apart, last cell unpadded."""
    n = max((len(r) for r in rows), default=0)
    widths = [max((len(r[i]) for r in rows if i < len(r)), default=0) for i in range(n)]
    return [
        "  ".join(c if i == len(r) - 1 else c.ljust(widths[i]) for i, c in enumerate(r))
        for r in rows
    ]


def wrapped(text: str, total: int | None, indent: int) -> list[str]:
    """``text`` (which starts indented by ``indent``) as lines of at most ``total`` columns.

    Continuation lines are indented four more; ``total=None`` keeps one line.
    """
    if total is None or len(text) <= total:
        return [text]
    first, rest = text[:indent], text[indent:]
    room = max(total - indent - 4, 20)
    pieces = _wrap(rest, max(total - indent, 20))
    head, tail = pieces[0], " ".join(pieces[1:])
    out = [first + head]
    out.extend(" " * (indent + 4) + p for p in _wrap(tail, room) if p)
    return out
