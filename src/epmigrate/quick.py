"""``epmigrate scan`` answered from the cache, before click is imported.

A scan run again on an unchanged tree (a pre-commit hook, a CI step, an
editor's on-save check) should cost little more than starting Python. When
the ``scan`` command prints its report, it also stores what it printed
(:func:`remember`), under a key of everything the command's output depends
on besides the scan itself: the arguments as typed, the working directory,
the bytes of ``./pyproject.toml`` and ``./setup.cfg`` (where its defaults come
from), the interpreter and its ``sys.path``, and the output streams (terminal
or not, encodings, width, ``NO_COLOR``). With it go the scan's resolved
settings and which stored scan the report was made from.

:func:`answer` looks that up first. It then asks the scan cache the same
questions a scan does (:func:`epmigrate.scan.lookup`: list every directory,
read and hash every scanned and consulted file, ask the locator again) and
replays the output only when the stored scan still holds and is the one the
report was made from. Otherwise it answers nothing, and the click command
runs as it always does. So a replay prints exactly what the command would
(``tests/test_quick.py`` compares them over many arguments), without
importing click, the model or a renderer.
"""

from __future__ import annotations

import codecs
import os
import stat
import sys

from epmigrate import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, TextIO

    from epmigrate.scan.cache import Cache

__all__ = ["FORMAT", "Replay", "answer", "output_key", "remember"]

FORMAT = 1
"""The layout of a stored output; part of its key."""

MAX_CONFIG = 64 * 1024 * 1024
"""Largest settings file hashed for a key: :data:`epmigrate.fileio.MAX_SIZE`."""

CONFIG_FILES = ("pyproject.toml", "setup.cfg")
"""The files in the working directory the ``scan`` command takes defaults from."""


def _file_state(path: str) -> str:
    """What ``path`` holds, for a key: a digest of a regular file's bytes, or why none.

    Opened as the scanner opens a file (:class:`~epmigrate.scan.reading.Reader`):
    without blocking, ``fstat``-ed, read only when regular.
    """
    from epmigrate.links import outside_link
    from epmigrate.scan.reading import Reader, content_hash

    leaving = outside_link(path)
    if leaving is not None:
        return f"outside link {leaving[0]}"  # never read (see fileio.refuse_outside_link)
    try:
        st, fd = Reader._open(path, follow=True)
    except FileNotFoundError:
        return "absent"
    except OSError as exc:
        return f"unreadable {exc.errno}"
    try:
        if not stat.S_ISREG(st.st_mode):
            return f"mode {st.st_mode:o}"
        if st.st_size > MAX_CONFIG:
            # Never read whole (a sparse file of gigabytes): reading the
            # settings refuses it too (fileio.MAX_SIZE), so no output is stored.
            return f"size {st.st_size}"
        return content_hash(Reader._read_fd(fd, st.st_size))
    except OSError as exc:
        return f"unreadable {exc.errno}"
    finally:
        os.close(fd)


def _stream(stream: TextIO | None) -> list[object] | None:
    """What a stream's output depends on; ``None`` when click would not write to it as is."""
    if stream is None:
        return None
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return None
    try:
        if codecs.lookup(encoding).name == "ascii":
            return None  # click wraps an ASCII stream in one of its own
    except LookupError:
        return None
    from epmigrate.term import colour_on, is_terminal

    return [is_terminal(stream), encoding, getattr(stream, "errors", None), colour_on(stream)]


def output_key(argv: Sequence[str]) -> str | None:
    """The key of what ``epmigrate *argv`` prints here and now; ``None`` if none can be made."""
    from epmigrate.scan.reading import blake2b
    from epmigrate.term import width

    out, err = _stream(sys.stdout), _stream(sys.stderr)
    if out is None or err is None:
        return None
    try:
        here = os.getcwd()
    except OSError:
        return None
    inputs = [
        FORMAT,
        __version__,
        sys.version,
        sys.executable,
        list(sys.path),
        here,
        list(argv),
        [_file_state(name) for name in CONFIG_FILES],
        out,
        err,
        width(),
    ]
    return blake2b(repr(inputs).encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()


class Replay:
    """A stored output, its shape checked."""

    __slots__ = (
        "bases",
        "checksum",
        "code",
        "group",
        "key",
        "paths",
        "profile",
        "reconfigure",
        "search_path",
        "stderr",
        "stdout",
    )

    def __init__(self, data: dict[str, Any]) -> None:
        scan = data["scan"]
        self.paths: list[str] = scan["paths"]
        self.profile: str = scan["profile"]
        self.bases: list[str] = scan["bases"]
        self.search_path: list[str] = scan["search_path"]
        self.group: str | None = scan["group"]
        self.key: str = data["key"]
        self.checksum: str = data["checksum"]
        self.stdout: str = data["stdout"]
        self.stderr: str = data["stderr"]
        self.code: int = data["exit"]
        self.reconfigure: bool = data["reconfigure"]
        texts = (self.profile, self.key, self.checksum, self.stdout, self.stderr)
        lists = (self.paths, self.bases, self.search_path)
        if not (
            all(isinstance(t, str) for t in texts)
            and all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in lists)
            and (self.group is None or isinstance(self.group, str))
            and type(self.code) is int
            and type(self.reconfigure) is bool
        ):
            raise ValueError("not a stored output")


def answer(argv: Sequence[str]) -> int | None:
    """Replay the stored output of ``epmigrate *argv``: its exit status, or ``None``.

    ``None`` means nothing was printed: the click command must run.
    """
    if argv[:1] != ["scan"] or "--no-cache" in argv:
        return None
    from epmigrate.scan.cache import Cache

    key = output_key(argv)
    if key is None:
        return None
    cache = Cache()
    replay = cache.get(key, Replay)
    if replay is None:
        return None
    from epmigrate.errors import EpmigrateError
    from epmigrate.scan import lookup
    from epmigrate.scan.reading import gc_paused

    try:
        with gc_paused():
            found = lookup(
                replay.paths,
                replay.profile,
                bases=replay.bases,
                search_path=replay.search_path,
                group=replay.group,
                cache=cache,
            )
    except EpmigrateError:
        return None
    if (
        found.stored is None
        or found.key != replay.key
        or cache.checksums.get(found.key) != replay.checksum
    ):
        return None
    return _emit(replay)


def _emit(replay: Replay) -> int:
    """Write a replay's output as the command writes it (``click.echo``); its exit status."""
    try:
        if replay.reconfigure and hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(errors="backslashreplace")
        for stream, text in ((sys.stdout, replay.stdout), (sys.stderr, replay.stderr)):
            if text:
                stream.write(text)
            stream.flush()
    except BrokenPipeError:
        # As click's main: a closed pipe ends the command with status 1, quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return replay.code


def remember(
    cache: Cache,
    key: str | None,
    settings: dict[str, Any],
    stdout: str,
    stderr: str,
    code: int,
    *,
    reconfigure: bool,
) -> None:
    """Store what a ``scan`` command printed, for :func:`answer` to replay.

    ``key`` is :func:`output_key` of its arguments, taken when the command
    started (before it read its settings or changed a stream). ``settings``
    are the scan's arguments (``paths``, ``profile``, ``bases``,
    ``search_path``, ``group``) and :attr:`Cache.answered` names the stored
    scan the output was made from. Nothing is stored when no scan was, or
    when click would have changed the text on its way out (it strips escape
    sequences from what goes to a pipe).
    """
    if key is None or cache.answered is None:
        return
    from epmigrate.term import is_terminal

    for stream, text in ((sys.stdout, stdout), (sys.stderr, stderr)):
        if "\x1b" in text and not is_terminal(stream):
            return
    scan_key, checksum = cache.answered
    cache.put(
        key,
        {
            "scan": settings,
            "key": scan_key,
            "checksum": checksum,
            "stdout": stdout,
            "stderr": stderr,
            "exit": code,
            "reconfigure": reconfigure,
        },
    )
