"""Reading the files of a scan: listing, opening safely, and their facts.

Every file is opened once, without blocking and (unless it was listed as a
link) without following a link, then checked with ``fstat``: only a regular
file under :data:`MAX_SOURCE` is read, and only as many bytes as ``fstat``
reports. A FIFO or device put in place after the listing is never waited on;
a link to a kernel file (``/proc/kmsg``, size 0) is never read from.

Facts come from :mod:`epmigrate.scan.parsing`, imported only when a file
is parsed (a scan the cache answers never is). Nothing read here is ever run.

The :class:`Reader` keeps a record of what it read (each file's digest and
the findings reading gave), which the scan cache compares on the next run
(:mod:`epmigrate.scan.memo`).
"""

from __future__ import annotations

import gc
import os
import stat

from epmigrate.profiles import Delegated, LegacyFile, Profile
from epmigrate.scan.locate import Located, PackagePlace

try:
    # What hashlib.blake2b is; imported directly, hashlib would load OpenSSL
    # for nothing on every cache-hit scan.
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from epmigrate.model import Finding
    from epmigrate.scan import codes
    from epmigrate.scan.facts import ModuleFacts
else:

    class _Codes:
        """:mod:`epmigrate.scan.codes`, imported when a finding is made: never on a cache hit."""

        def __getattr__(self, name: str) -> object:
            from epmigrate.scan import codes

            return getattr(codes, name)

    codes = _Codes()

__all__ = [
    "MAX_SOURCE",
    "ListedFile",
    "Reader",
    "blake2b",
    "content_hash",
    "gc_paused",
    "list_files",
    "loose_name",
]

MAX_SOURCE = 16 * 1024 * 1024
"""Largest source file read (bytes): bigger ones are a scanner-limit finding."""


def content_hash(data: bytes) -> str:
    """The digest of a file's bytes the scan cache compares (BLAKE2b, 128 bits)."""
    return blake2b(data, digest_size=16).hexdigest()


class ListedFile:
    """A file the profile lists, and what reading it gave."""

    __slots__ = ("directory", "facts", "findings", "item", "module", "shown")

    def __init__(
        self,
        directory: str,
        item: LegacyFile,
        shown: str,
        module: str | None,
        facts: ModuleFacts | None = None,
        findings: list[Finding] | None = None,
    ) -> None:
        self.directory = directory
        self.item = item
        self.shown = shown
        self.module = module
        self.facts = facts
        self.findings: list[Finding] = [] if findings is None else findings

    def __repr__(self) -> str:
        return f"ListedFile({self.shown!r}, module={self.module!r})"


def loose_name(f: ListedFile) -> str:
    """The index name of a file outside any package.

    It still gets a unique name, so names inside it resolve; it can never
    collide with a dotted module name.
    """
    return f"<{f.directory}>.{f.item.relpath}"


def list_files(
    directory: str,
    prof: Profile,
    place: PackagePlace,
    reader: Reader,
    findings: list[Finding],
) -> list[ListedFile]:
    """The files ``prof``'s loader would consider in ``directory``, in its order."""
    if place.package is None:
        findings.append(codes.not_importable(directory))
    out: list[ListedFile] = []

    def skipped(path: str, relpath: str) -> None:
        findings.append(codes.skip_listed(os.path.join(directory, relpath), prof))

    try:
        if type(prof).iter_files is Profile.iter_files:
            items = list(prof.iter_files(directory, reader.delegates(prof), on_skip=skipped))
        else:
            # A profile that lists files its own way reports its own skips.
            items = list(prof.iter_files(directory, reader.delegates(prof)))
    except OSError as exc:
        findings.append(codes.unreadable(directory, exc))
        return out
    for item in items:
        shown = os.path.join(directory, item.relpath)
        if shown == item.path:
            shown = item.path  # one string, not two equal ones, per file
        if isinstance(item, Delegated):
            findings.append(codes.delegated(shown, prof))
            continue
        module = None
        if place.package is not None:
            module = ".".join((place.package, *item.subpackage, item.stem))
        out.append(ListedFile(directory, item, shown, module))
    return out


Observed = tuple[str | None, tuple[str, ...]]
"""What reading a scanned file's bytes gave: their digest (``None`` when they
were not read) and the messages of the findings on the way."""


class Reader:
    """Reads files once: scanned ones for their facts, consulted ones on demand.

    ``scanned_log`` holds, per scanned file in order, what :meth:`observe`
    gives; ``consulted_log`` maps each consulted path to the digest of its
    bytes (``None`` when it could not be read).
    """

    def __init__(self, *, recording: bool = True) -> None:
        self.recording = recording
        """Whether the logs are kept (a scan without a cache hashes nothing)."""
        self.scanned_log: list[Observed] = []
        self.consulted_log: dict[str, str | None] = {}
        self.exhausted = False
        """Whether reading a file ran out of memory: such a scan is never cached."""

    @staticmethod
    def _open(path: str, *, follow: bool) -> tuple[os.stat_result, int]:
        """``fstat`` and an fd of ``path``, opened without blocking."""
        flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
        if not follow:
            flags |= getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
        try:
            return os.fstat(fd), fd
        except BaseException:
            os.close(fd)
            raise

    @staticmethod
    def _read_fd(fd: int, size: int) -> bytes:
        """The first ``size`` bytes (what ``fstat`` reported), read in full."""
        chunks: list[bytes] = []
        left = size
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _source(self, f: ListedFile, prof: Profile) -> bytes | None:
        """The bytes of a scanned file, or ``None`` with a finding saying why not."""
        path = f.item.path
        try:
            # lstat costs what stat does and tells a symbolic link apart; only
            # links pay for a second call, before anything is opened.
            st = os.lstat(path)
            link = stat.S_ISLNK(st.st_mode)
            if link:
                st = os.stat(path)
        except OSError as exc:
            f.findings.append(codes.unreadable(f.shown, exc, prof))
            return None
        if not stat.S_ISREG(st.st_mode):
            # Never opened: open() on a FIFO blocks until a writer comes.
            f.findings.append(codes.not_a_file(f.shown, st, prof))
            return None
        if link:
            self._link(f, path)
        if path.endswith(".pyc"):
            f.findings.append(codes.bytecode_only(f.shown))
            return None
        try:
            st, fd = self._open(path, follow=link)
        except OSError as exc:
            f.findings.append(codes.unreadable(f.shown, exc, prof))
            return None
        try:
            # What was opened is what counts: a file exchanged for a FIFO or a
            # link since the listing is reported, never waited on.
            if not stat.S_ISREG(st.st_mode):
                f.findings.append(codes.not_a_file(f.shown, st, prof))
                return None
            if st.st_size > MAX_SOURCE:
                f.findings.append(
                    codes.scanner_limit(
                        f.shown,
                        f"the file is {st.st_size:,} bytes, more than the "
                        f"{MAX_SOURCE:,} the scanner reads",
                    )
                )
                return None
            return self._read_fd(fd, st.st_size)
        except OSError as exc:
            f.findings.append(codes.unreadable(f.shown, exc, prof))
            return None
        finally:
            os.close(fd)

    def observe(self, f: ListedFile, prof: Profile) -> tuple[Observed, bytes | None]:
        """Read a scanned file's bytes: what that gave, and the bytes."""
        data = self._source(f, prof)
        digest = None if data is None else content_hash(data)
        return (digest, tuple(x.message for x in f.findings)), data

    def scanned(self, f: ListedFile, prof: Profile) -> None:
        """Read a scanned file: its facts into ``f.facts``, or findings into ``f.findings``."""
        if self.recording:
            seen, data = self.observe(f, prof)
            self.scanned_log.append(seen)
        else:
            data = self._source(f, prof)
        if data is not None:
            from epmigrate.scan.parsing import read_facts

            f.facts = read_facts(f.shown, data, f.findings)

    def _link(self, f: ListedFile, path: str) -> None:
        """Note a link whose target lies outside the scanned directory."""
        target = os.path.realpath(path)
        top = os.path.realpath(f.directory)
        if os.path.commonpath([top, target]) != top:
            f.findings.append(codes.outside_link(f.shown, target, f.directory, f.module))

    def consulted_source(self, path: str) -> bytes | None:
        """The bytes of a module resolution consults, or ``None`` when it cannot be read."""
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SOURCE:
                return None
            st, fd = self._open(path, follow=True)
            try:
                if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SOURCE:
                    return None
                return self._read_fd(fd, st.st_size)
            finally:
                os.close(fd)
        except OSError:
            return None

    def consulted(self, located: Located) -> ModuleFacts | None:
        """Facts of a module resolution needs (``None`` when it cannot be read)."""
        data = self.consulted_source(located.path)
        if self.recording:
            self.consulted_log[located.path] = None if data is None else content_hash(data)
        if data is None:
            return None
        from epmigrate.scan import ast_facts, limits

        try:
            with limits.bounded(len(data)):
                return ast_facts.module_facts(data)
        except (SyntaxError, ValueError, RecursionError, LookupError):
            # Python would not import it either: nothing resolves through it.
            return None
        except MemoryError:
            # Unknown, not absent: what resolves through it is unresolved
            # this time, and the result must not outlive the shortage.
            self.exhausted = True
            return None

    def delegates(self, prof: Profile) -> Callable[[str], bool] | None:
        """Whether a sub-package defines the profile's delegate name (read, not run)."""
        name = prof.delegate_name
        if name is None:
            return None

        def check(package_dir: str) -> bool:
            init = os.path.join(package_dir, "__init__.py")
            facts = self.consulted(Located("__delegate__", init, True))
            return facts is not None and name in facts.bindings

        return check


class gc_paused:
    """Pause the cyclic garbage collector while a scan builds its facts.

    Facts are many small acyclic objects that live until the end of a scan,
    and a libcst tree is hundreds of thousands more: reference counting frees
    them, and the collector's passes over them are about a third of a large
    scan for nothing (mypy pauses it around parsing for the same reason). Any
    cycle made meanwhile is collected once the collector runs again; a paused
    collector stays paused. A class, not ``contextlib.contextmanager``: a
    cache-hit scan imports nothing it can do without.
    """

    __slots__ = ("was_enabled",)

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.was_enabled:
            gc.enable()
