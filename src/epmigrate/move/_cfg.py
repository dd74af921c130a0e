"""What ``move`` reads from setup.cfg, line by line, and the lines it takes out.

A value is read as configparser (and so setuptools and pbr) reads it; the
comment lines inside it are kept beside the parts they stood above, so that
they go into pyproject.toml with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from epmigrate.move._toml import Item
from epmigrate.write.ini import Document, Option

__all__ = ["Part", "comments_above", "items_of", "parts", "split_inline"]


@dataclass(frozen=True)
class Part:
    """One line of a value: its text (stripped), the comments above it, its line (1-based)."""

    text: str
    before: tuple[str, ...]
    line: int


def parts(doc: Document, opt: Option) -> tuple[list[Part], list[str]]:
    """The non-empty parts of ``opt``'s value and the comment lines after the last one."""
    out: list[Part] = []
    comments: list[str] = []
    if opt.first:
        out.append(Part(opt.first, (), opt.line + 1))
    for index in range(opt.line + 1, opt.end + 1):
        stripped = doc.lines[index].strip()
        if not stripped:
            continue
        if stripped.startswith(("#", ";")):
            comments.append(stripped)
            continue
        out.append(Part(stripped, tuple(comments), index + 1))
        comments = []
    return out, comments


def split_inline(text: str) -> tuple[str, str | None]:
    """``value  # comment`` -> ``("value", "# comment")``; a ``#`` in a word stays."""
    for mark in (" #", "\t#", " ;", "\t;"):
        at = text.find(mark)
        if at >= 0:
            return text[:at].rstrip(), text[at:].strip()
    return text, None


def items_of(doc: Document, opt: Option, *, split: str = "") -> tuple[list[Item], list[str]]:
    """The parts of a list value as array items (also split at ``split``, e.g. ``,``)."""
    found, trailing = parts(doc, opt)
    items: list[Item] = []
    for part in found:
        value, inline = split_inline(part.text)
        pieces = [p.strip() for p in value.split(split)] if split else [value]
        pieces = [p for p in pieces if p]
        for i, piece in enumerate(pieces):
            items.append(
                Item(
                    piece,
                    before=part.before if i == 0 else (),
                    inline=inline if i == len(pieces) - 1 else None,
                    line=part.line,
                )
            )
    return items, trailing


def comments_above(doc: Document, opt: Option) -> tuple[list[int], tuple[str, ...]]:
    """Comment lines right above an option (no blank line between), with their indexes."""
    index = opt.line - 1
    found: list[int] = []
    while index >= 0 and doc.lines[index].strip().startswith(("#", ";")):
        found.append(index)
        index -= 1
    found.reverse()
    return found, tuple(doc.lines[i].strip() for i in found)
