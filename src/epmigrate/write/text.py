"""Text helpers every rewriter shares: the byte order mark, the file's name in
messages, and edits made at offsets of the original text.

Nothing here knows a file format; each rewriter keeps the rules of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["BOM", "Source", "TextEdits", "file_name", "source", "strip_bom", "unified_diff"]

BOM = "\ufeff"
"""The UTF-8 byte order mark as a character, as a ``utf-8`` read leaves it."""


def strip_bom(text: str) -> tuple[str, str]:
    """``(bom, body)``: the byte order mark (or ``""``) and the text after it.

    Neither tomllib, tomlkit nor libcst keeps a byte order mark; the
    rewriters set it aside and put it back in front of the result.
    """
    if text.startswith(BOM):
        return BOM, text[1:]
    return "", text


def unified_diff(old: str, new: str, name: str, *, created: bool = False) -> str:
    """The ``a/NAME`` to ``b/NAME`` unified diff of a file's text (``/dev/null`` before a new one).

    Empty when nothing changes. difflib is imported here: only ``--diff`` and
    ``--check`` show one.
    """
    import difflib

    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile="/dev/null" if created else f"a/{name}",
            tofile=f"b/{name}",
        )
    )


def file_name(path: str | None, default: str) -> str:
    """The last part of ``path`` (``default`` when there is none), for messages.

    Messages name the file; the full path is already in the error's location.
    Both separators count, so a Windows path names its file anywhere.
    """
    return path.replace("\\", "/").rsplit("/", 1)[-1] if path else default


class Source(NamedTuple):
    """A packaging file's text taken apart for a rewriter."""

    bom: str
    """The byte order mark the text started with, or ``""``."""
    body: str
    """The text without it: what the parsers read and the edits change."""
    name: str
    """The file's name for messages."""


def source(text: str, path: str | None, default_name: str) -> Source:
    """The text as every ``add_entry_points`` starts from it (see :class:`Source`)."""
    bom, body = strip_bom(text)
    return Source(bom, body, file_name(path, default_name))


@dataclass(order=True)
class _Edit:
    start: int
    seq: int  # the order of the calls, for edits at the same offset
    end: int
    new: str


class TextEdits:
    """Edits collected against one text, applied at once by :meth:`apply`.

    Offsets are those of the original text, so edits found by one scan of it
    never shift each other; edits at the same offset keep the order they were
    made in.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._edits: list[_Edit] = []

    def replace(self, start: int, end: int, new: str) -> None:
        """Replace ``text[start:end]`` with ``new``."""
        self._edits.append(_Edit(start, len(self._edits), end, new))

    def insert(self, offset: int, new: str) -> None:
        """Insert ``new`` at ``offset``."""
        self.replace(offset, offset, new)

    def newline_at(self, offset: int) -> str:
        """The line ending of the line that ends right before ``offset``.

        The file's first line ending when no line ends there; ``\\n`` when the
        text has none.
        """
        text = self.text
        if offset > 0 and text[offset - 1] == "\n":
            return "\r\n" if text[offset - 2 : offset] == "\r\n" else "\n"
        first = text.find("\n")
        return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"

    def insert_lines(self, offset: int, lines: Sequence[str], *, blank_before: bool) -> None:
        """Insert whole lines at ``offset`` (a line start, or the end of the text)."""
        newline = self.newline_at(offset)
        block = (newline if blank_before else "") + newline.join(lines) + newline
        if offset == len(self.text) and self.text and not self.text.endswith("\n"):
            # The last line has no newline: start with one, and leave the file
            # without a final newline as it was.
            block = newline + block[: -len(newline)]
        self.insert(offset, block)

    def apply(self) -> str:
        """The text with every edit made; edits must not overlap."""
        out: list[str] = []
        pos = 0
        for edit in sorted(self._edits):
            assert edit.start >= pos, "overlapping edits"
            out.append(self.text[pos : edit.start])
            out.append(edit.new)
            pos = edit.end
        out.append(self.text[pos:])
        return "".join(out)
