"""The memory one file's parse may take: a bound on the address space while it runs.

Python's tree of a module costs several hundred times the text for dense
code (a 3 MB list literal: about 1.5 GB), so one valid file could take the
machine's memory (a 14 MB module took 6.8 GB). While a file larger than
:data:`UNBOUNDED_BELOW` is parsed, the process's soft ``RLIMIT_AS`` is
lowered to its current size plus the allowance, and restored after: a parse
that needs more raises ``MemoryError``, which the scanner reports as a
resource-limit finding (EPM007, never cached). Smaller files cannot come
near the bound and pay nothing.

The allowance is ``--max-parse-memory MIB`` on the command line, else the
environment variable ``EPMIGRATE_PARSE_MEMORY`` (MiB), else
:data:`DEFAULT_MIB`; ``0`` turns the bound off. The limit is the process's:
a thread allocating while another thread's parse runs may also see a
``MemoryError``, so a threaded host that calls :func:`epmigrate.api.scan`
can set 0. Where ``/proc/self/statm`` cannot be read (not Linux), there is
no bound.

libcst's parser (native code) cannot recover from a failed allocation (it
aborts the process), so it never runs under the bound: a file that only
libcst can read is parsed only up to :data:`LIBCST_MAX_BYTES`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar
from types import TracebackType

__all__ = [
    "DEFAULT_MIB",
    "ENV",
    "LIBCST_MAX_BYTES",
    "UNBOUNDED_BELOW",
    "allowance_mib",
    "bounded",
    "parse_memory",
    "shortage",
]

DEFAULT_MIB = 2048
"""Address space one file's parse may add, in MiB, unless told otherwise."""

ENV = "EPMIGRATE_PARSE_MEMORY"

UNBOUNDED_BELOW = 256 * 1024
"""Files smaller than this (bytes) are parsed without a bound: their tree stays far below it."""

LIBCST_MAX_BYTES = 4 * 1024 * 1024
"""Largest file handed to libcst, whose native parser cannot be bounded safely."""

_ALLOWANCE: ContextVar[int | None] = ContextVar("epmigrate_parse_memory", default=None)


def allowance_mib() -> int:
    """The allowance in force, in MiB (0: no bound)."""
    chosen = _ALLOWANCE.get()
    if chosen is not None:
        return chosen
    value = os.environ.get(ENV, "").strip()
    if value.isdigit():
        return int(value)
    return DEFAULT_MIB


@contextlib.contextmanager
def parse_memory(mib: int) -> Iterator[None]:
    """Within the block, parses may add ``mib`` MiB of address space (0: unbounded)."""
    if mib < 0:
        raise ValueError("the parse memory allowance is a number of MiB, 0 or more")
    token = _ALLOWANCE.set(mib)
    try:
        yield
    finally:
        _ALLOWANCE.reset(token)


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as fh:
            pages = int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


class bounded:
    """Lower the soft ``RLIMIT_AS`` while a file of ``size`` bytes is parsed, when it is large."""

    __slots__ = ("active", "saved", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self.saved: tuple[int, int] | None = None
        self.active = False
        """Whether a bound was put in force for this parse (it stays true after it)."""

    def __enter__(self) -> bounded:
        if self.size < UNBOUNDED_BELOW:
            return self
        mib = allowance_mib()
        used = _address_space() if mib else None
        if used is None:
            return self
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = used + mib * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft != resource.RLIM_INFINITY and soft <= limit:
            return self  # already tighter: the caller's own limit holds
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        except (ValueError, OSError):
            return self
        self.saved = (soft, hard)
        self.active = True
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.saved is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, self.saved)
            self.saved = None


def shortage(bound: bounded, what: str) -> str:
    """The reason of a resource-limit finding: ``what`` ran out, within the bound or not."""
    if bound.active:
        return (
            f"{what} needed more than the {allowance_mib():,} MiB allowed for one file; raise "
            f"the allowance with --max-parse-memory or {ENV}"
        )
    return f"{what} ran out of memory"
