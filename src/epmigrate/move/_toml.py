"""TOML text for what ``move`` writes: keys, strings, arrays and tables with comments.

Every value is spelled here, by hand, so that the comments of setup.cfg and
setup.py go with the entries they stood next to; tomllib reads the result
back before anything is written (:mod:`epmigrate.move`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Item", "array", "comment", "key", "string", "table"]

_BARE = re.compile(r"[A-Za-z0-9_-]+\Z")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_INDENT = "    "
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\\x7f]')


def string(value: str) -> str:
    """``value`` as a TOML basic string."""
    if not _NEEDS_ESCAPE.search(value):
        return f'"{value}"'
    out = ['"']
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def key(name: str) -> str:
    """``name`` as a TOML key: bare when it can be, quoted otherwise."""
    return name if _BARE.match(name) else string(name)


def comment(text: str) -> str:
    """A setup.cfg or Python comment line (``#`` or ``;`` and its text) as a TOML comment."""
    body = text.strip()
    if body.startswith(";"):
        body = "#" + body[1:]
    elif not body.startswith("#"):
        body = "# " + body
    return body


@dataclass(frozen=True)
class Item:
    """One value of an array or one entry of a table, with its comments."""

    value: str
    """The value, as the build read it."""
    name: str | None = None
    """The key of a table entry; ``None`` for an array item."""
    before: tuple[str, ...] = ()
    """Comment lines that stood above it."""
    inline: str | None = None
    """A comment that stood after it on its line."""
    rendered: str | None = None
    """The TOML text of the value when it is not a plain string (an inline table)."""
    line: int | None = None
    """Where it came from (1-based), for messages."""
    after: tuple[str, ...] = ()
    """Comment lines that stood below it, before the next item."""

    def toml_value(self) -> str:
        return self.rendered if self.rendered is not None else string(self.value)


def _with_inline(line: str, inline: str | None) -> str:
    return f"{line}  {comment(inline)}" if inline else line


def array(name: str, items: Sequence[Item], trailing: Sequence[str] = ()) -> list[str]:
    """``name = [...]``, one item per line, comments kept in place."""
    lines = [f"{key(name)} = ["]
    for item in items:
        lines += [_INDENT + comment(c) for c in item.before]
        lines.append(_with_inline(f"{_INDENT}{item.toml_value()},", item.inline))
        lines += [_INDENT + comment(c) for c in item.after]
    lines += [_INDENT + comment(c) for c in trailing]
    lines.append("]")
    return lines


def table(header: str, items: Sequence[Item], trailing: Sequence[str] = ()) -> list[str]:
    """A ``[header]`` table of ``name = value`` entries, comments kept in place."""
    lines = [header]
    for item in items:
        assert item.name is not None
        lines += [comment(c) for c in item.before]
        lines.append(_with_inline(f"{key(item.name)} = {item.toml_value()}", item.inline))
        lines += [comment(c) for c in item.after]
    lines += [comment(c) for c in trailing]
    return lines
