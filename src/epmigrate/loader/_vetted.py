"""Vetted file access: open, check and execute exactly the bytes that were checked.

Standard library only, and importing nothing of epmigrate: ``epmigrate
verify`` copies this file beside its probe into the service's interpreter,
which must not see epmigrate's own installation.

The rules (docs/loader.md, "Security", lists them against OpenSSH's
StrictModes):

* A directory is reached from ``/`` one component at a time, each opened
  with ``O_NOFOLLOW | O_DIRECTORY`` relative to the descriptor of the one
  above and checked with ``fstat`` on that descriptor: owned by root or the
  effective user, not writable by group or others. A group- or
  other-writable directory with the sticky bit (``/tmp``) is crossed only
  when the entry taken in it belongs to root or the effective user, since
  the sticky bit stops anyone else from renaming or removing that entry.
  Symbolic links met on the way are read through the descriptor of the
  checked directory that holds them and followed component by component,
  so every directory the path really goes through is checked, and a
  component swapped afterwards cannot redirect anything: later opens are
  relative to the descriptors.
* A file is opened once, ``O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC``
  relative to its directory's descriptor (a FIFO cannot block the open),
  and ``fstat`` of that descriptor must show a regular file, at most
  :data:`MAX_SIZE` bytes, with the owner and mode rule above. The bytes read
  from that descriptor are compiled and executed; no bytecode cache is read
  or written.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.machinery
import importlib.util
import logging
import marshal
import os
import pwd
import re
import stat
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple, cast

if TYPE_CHECKING:
    import importlib.abc

LOG = logging.getLogger("epmigrate")

MAX_SIZE = 8 * 1024 * 1024
"""Largest legacy file read, in bytes (the biggest real extension is under 100 kB)."""

SYNTHETIC_PREFIX = "_epmigrate_legacy_"
"""Prefix of the module names given to legacy files outside any package."""

MAX_LINKS = 40
"""Symbolic links followed while resolving one path, as Linux's ``ELOOP`` limit."""

_O_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_O_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_WRITABLE = stat.S_IWGRP | stat.S_IWOTH
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape(text: object) -> str:
    """``text`` with control characters escaped, for one log line that cannot be forged.

    Printable text is kept as it is; a newline becomes ``\\n``, and so on,
    as ``repr`` writes them.
    """
    value = str(text)
    if _CONTROL.search(value) is None and value.isprintable():
        return value
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in value)


class Refused(PermissionError):
    """A directory or file that the rules forbid to execute from.

    ``message`` says why, ``path`` names it (unescaped) and ``hint`` says
    what to do; ``str()`` gives all three, escaped.
    """

    def __init__(self, message: str, path: str, hint: str | None = None) -> None:
        self.message = message
        self.path = path
        self.hint = hint
        super().__init__(f"{escape(path)}: {message}")


def user_name(uid: int) -> str:
    """The login name of ``uid``, or ``uid N``."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def check_owner_and_mode(
    st: os.stat_result,
    path: str,
    kind: str,
    *,
    sticky_ok: bool,
    refusal: str = "refusing to load legacy extensions from it",
) -> None:
    """Raise :class:`Refused` unless ``st`` is owned by root or us and not writable by others.

    With ``sticky_ok``, a writable directory with the sticky bit passes (the
    caller then checks the entry it takes there).
    """
    euid = os.geteuid()
    if st.st_mode & _WRITABLE and not (sticky_ok and st.st_mode & stat.S_ISVTX):
        raise Refused(
            f"{kind} is writable by group or others (mode {stat.filemode(st.st_mode)}); " + refusal,
            path,
            f"run 'chmod go-w {escape(path)}', or pass allow_insecure_legacy_path=True",
        )
    if st.st_uid not in (0, euid):
        me = user_name(euid)
        raise Refused(
            f"{kind} is owned by {user_name(st.st_uid)}, not by root or the current user "
            f"{me}; {refusal}",
            path,
            f"run 'chown {me} {escape(path)}', or pass allow_insecure_legacy_path=True",
        )


def _check_entry_in_sticky(parent: os.stat_result, entry: os.stat_result, path: str) -> None:
    # Others may write a sticky directory; only the owner of an entry (or of
    # the directory) may rename or remove it there, so the entry must be ours.
    if parent.st_mode & _WRITABLE and entry.st_uid not in (0, os.geteuid()):
        raise Refused(
            f"is owned by {user_name(entry.st_uid)} inside a directory that others can "
            "write; refusing to load legacy extensions through it",
            path,
            f"run 'chown {user_name(os.geteuid())} {escape(path)}', or move the legacy "
            "directory elsewhere",
        )


class Directory:
    """An opened, checked directory: its descriptor, the path asked for and the real path.

    Close it with :meth:`close` (or use it as a context manager).
    """

    __slots__ = ("caches", "fd", "path", "real", "stat")

    def __init__(self, fd: int, path: str, real: str, st: os.stat_result) -> None:
        self.fd = fd
        self.path = path
        self.real = real
        self.stat = st
        # The checked __pycache__ descriptor of each directory below (or None).
        self.caches: dict[str, int | None] = {}

    def close(self) -> None:
        """Close the descriptor (once), and those of the bytecode caches."""
        for fd in self.caches.values():
            if fd is not None:
                os.close(fd)
        self.caches.clear()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Directory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _split(path: str) -> list[str]:
    return [p for p in path.split("/") if p and p != "."]


def _open_dir_at(fd: int, name: str) -> int:
    return os.open(name, _O_DIR, dir_fd=fd)


def _is_link_error(exc: OSError) -> bool:
    # O_NOFOLLOW on a link gives ELOOP; O_DIRECTORY on a link, ENOTDIR.
    return exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK)


def open_directory(
    path: str, *, check: bool = True, kind: str = "legacy extension directory"
) -> Directory:
    """Open the absolute directory ``path`` from ``/``, checking every directory on the way.

    Raises :class:`Refused` for an insecure component (the last one, the
    directory itself, may not rely on the sticky bit), ``FileNotFoundError``
    or ``NotADirectoryError`` when it does not exist. With ``check=False``
    only the walk is done (``allow_insecure_legacy_path``).
    """
    if not os.path.isabs(path):
        path = os.path.abspath(path)
    fd = os.open("/", _O_DIR)
    try:
        st = os.fstat(fd)
        real: list[str] = []
        stack: list[tuple[int, os.stat_result]] = []
        todo = _split(path)
        todo.reverse()
        links = 0
        if check:
            check_owner_and_mode(st, "/", "directory", sticky_ok=bool(todo))
        while todo:
            name = todo.pop()
            if name == "..":
                if stack:
                    os.close(fd)
                    fd, st = stack.pop()
                    real.pop()
                continue
            shown = "/" + "/".join((*real, name))
            entry = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if check:
                _check_entry_in_sticky(st, entry, shown)
            if stat.S_ISLNK(entry.st_mode):
                links += 1
                if links > MAX_LINKS:
                    raise OSError(errno.ELOOP, "too many levels of symbolic links", path)
                target = os.readlink(name, dir_fd=fd)
                parts = _split(target)
                if target.startswith("/"):
                    for held, _ in stack:
                        os.close(held)
                    stack.clear()
                    os.close(fd)
                    fd = os.open("/", _O_DIR)
                    st = os.fstat(fd)
                    real.clear()
                todo.extend(reversed(parts))
                continue
            try:
                child = _open_dir_at(fd, name)
            except OSError as exc:
                if _is_link_error(exc):
                    raise Refused("changed while it was being opened", shown) from exc
                raise
            stack.append((fd, st))
            fd, st = child, os.fstat(child)
            real.append(name)
            if check:
                what = kind if not todo else "directory"
                check_owner_and_mode(st, shown, what, sticky_ok=bool(todo))
        for held, _ in stack:
            os.close(held)
        return Directory(fd, path, "/" + "/".join(real), st)
    except BaseException:
        os.close(fd)
        raise


def open_subdirectory(parent: Directory, name: str, *, check: bool = True) -> Directory:
    """Open the sub-directory ``name`` of ``parent`` (no link followed) and check it."""
    shown = f"{parent.path}/{name}"
    fd = _open_dir_at(parent.fd, name)
    try:
        st = os.fstat(fd)
        if check:
            check_owner_and_mode(st, shown, "legacy extension directory", sticky_ok=False)
    except BaseException:
        os.close(fd)
        raise
    return Directory(fd, shown, f"{parent.real}/{name}", st)


class Outside(Exception):
    """A symbolic link in a legacy directory leads outside it; it is not followed."""

    def __init__(self, path: str, target: str) -> None:
        self.path = path
        self.target = target
        super().__init__(f"{escape(path)} leads to {escape(target)}")


def _resolve_inside(
    root: Directory, relpath: str, *, check: bool = True
) -> tuple[int, str, str, bool]:
    """Follow ``relpath`` inside ``root``: (descriptor of its directory, name, real path, owned).

    Links are followed while they stay inside ``root``; one leading out
    raises :class:`Outside`. The descriptor must be closed by the caller
    unless it is ``root.fd`` (``owned`` False).
    """
    parts: list[str] = []  # directories below root, as opened
    fds: list[int] = []
    todo = _split(relpath)
    todo.reverse()
    links = 0
    shown = f"{root.path}/{relpath}"
    try:
        while True:
            name = todo.pop()
            fd = fds[-1] if fds else root.fd
            if name == "..":
                if not fds:
                    raise Outside(shown, os.path.normpath(f"{root.real}/{'/'.join(parts)}/.."))
                os.close(fds.pop())
                parts.pop()
                continue
            entry = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(entry.st_mode):
                links += 1
                if links > MAX_LINKS:
                    raise OSError(errno.ELOOP, "too many levels of symbolic links", shown)
                target = os.readlink(name, dir_fd=fd)
                if target.startswith("/"):
                    real_target = os.path.normpath(target)
                    if not (real_target + "/").startswith(root.real.rstrip("/") + "/"):
                        raise Outside(shown, real_target)
                    for held in fds:
                        os.close(held)
                    fds.clear()
                    parts.clear()
                    rest = real_target[len(root.real.rstrip("/")) :]
                    todo.extend(reversed(_split(rest)))
                else:
                    todo.extend(reversed(_split(target)))
                if not todo:
                    raise Outside(shown, root.real)
                continue
            if not todo:
                real = "/".join((root.real, *parts, name))
                dir_fd = fds.pop() if fds else root.fd
                for held in fds:
                    os.close(held)
                return dir_fd, name, real, dir_fd != root.fd
            fds.append(_open_dir_at(fd, name))
            parts.append(name)
            if check:
                # Sub-directories of a recursive profile are part of the legacy directory.
                where = "/".join((root.path, *parts))
                check_owner_and_mode(
                    os.fstat(fds[-1]), where, "legacy extension directory", sticky_ok=False
                )
    except BaseException:
        for held in fds:
            os.close(held)
        raise


class Vetted(NamedTuple):
    """The bytes of one checked file and where they came from."""

    data: bytes
    path: str
    real: str
    stat: os.stat_result
    bytecode: bytes | None = None
    """A vetted ``__pycache__`` file matching ``data`` (see :func:`cached_bytecode`)."""


def read_file(
    dir_fd: int, name: str, path: str, *, check: bool = True
) -> tuple[bytes, os.stat_result]:
    """Open ``name`` once relative to ``dir_fd``, check the descriptor, return its bytes.

    ``path`` is only for messages. Raises :class:`Refused` for a link, a
    special file (FIFO, device, socket), a file over :data:`MAX_SIZE`, one
    whose size does not match what it gives (``/proc``), and, when
    ``check``, the owner and mode rule.
    """
    try:
        fd = os.open(name, _O_FILE, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(
                "is a symbolic link (changed after it was listed); not followed", path
            ) from exc
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused(
                f"is not a regular file (mode {stat.filemode(st.st_mode)}); not read", path
            )
        if st.st_size > MAX_SIZE:
            raise Refused(f"is {st.st_size} bytes, over the {MAX_SIZE} byte limit; not read", path)
        if check:
            check_owner_and_mode(st, path, "legacy extension file", sticky_ok=False)
        chunks = []
        left = st.st_size + 1  # one more byte shows a file that says less than it holds
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) != st.st_size:
            raise Refused(
                f"gave {len(data)}{'+' if left <= 0 else ''} bytes where fstat says "
                f"{st.st_size} (a /proc file, or one being written); not executed",
                path,
            )
        return data, st
    finally:
        os.close(fd)


def vet(root: Directory, relpath: str, *, check: bool = True) -> Vetted:
    """The vetted bytes of ``relpath`` inside ``root`` (links followed while inside it).

    Directories between ``root`` and the file are checked like ``root``.
    Raises :class:`Refused`, :class:`Outside` or ``OSError``.
    """
    dir_fd, name, real, owned = _resolve_inside(root, relpath, check=check)
    path = f"{root.path}/{relpath}"
    try:
        data, st = read_file(dir_fd, name, path, check=check)
        bytecode = None
        if check and name.endswith(".py"):
            key = real.rpartition("/")[0]
            if key not in root.caches:
                root.caches[key] = _open_cache(dir_fd, os.path.dirname(path))
            cache_fd = root.caches[key]
            if cache_fd is not None:
                bytecode = cached_bytecode(cache_fd, name, data, st, os.path.dirname(path))
    finally:
        if owned:
            os.close(dir_fd)
    return Vetted(data, path, real, st, bytecode)


def _open_cache(dir_fd: int, directory: str) -> int | None:
    # The __pycache__ beside the files, checked like a legacy directory; one
    # that fails is not read (each start then compiles), and said so once.
    if sys.pycache_prefix is not None or sys.flags.optimize:
        return None
    try:
        fd = _open_dir_at(dir_fd, "__pycache__")
    except OSError:
        return None
    try:
        check_owner_and_mode(
            os.fstat(fd),
            f"{directory}/__pycache__",
            "bytecode cache directory",
            sticky_ok=False,
            refusal="its bytecode is not read: the sources are compiled at each start",
        )
    except Refused as exc:
        os.close(fd)
        LOG.warning("%s", escape(exc))
        return None
    return fd


def cached_bytecode(
    cache_fd: int, name: str, source: bytes, st: os.stat_result, directory: str
) -> bytes | None:
    """The ``__pycache__`` bytecode of ``name`` when it is vetted and matches ``source``.

    Read like a legacy file (one open relative to the checked cache
    directory, regular, owner and mode) and accepted only when its header
    matches the vetted source: the interpreter's magic number, and the
    source's modification time and size (as recorded at ``fstat``) or, for a
    hash-based file, the hash of ``source``. Anything else gives ``None``:
    the source is compiled.
    """
    pyc = f"{name[:-3]}.{sys.implementation.cache_tag}.pyc"
    try:
        data, _ = read_file(cache_fd, pyc, f"{directory}/__pycache__/{pyc}")
    except FileNotFoundError:
        return None
    except (Refused, OSError) as exc:
        LOG.warning("%s; compiled from source instead", escape(exc))
        return None
    if len(data) < 16 or data[:4] != importlib.util.MAGIC_NUMBER:
        return None
    flags = int.from_bytes(data[4:8], "little")
    if flags & ~0b11:
        return None
    if flags & 0b1:
        return data if data[8:16] == importlib.util.source_hash(source) else None
    mtime = int.from_bytes(data[8:12], "little")
    size = int.from_bytes(data[12:16], "little")
    if mtime != int(st.st_mtime) & 0xFFFFFFFF or size != st.st_size & 0xFFFFFFFF:
        return None
    return data


# -- executing vetted bytes ----------------------------------------------------


class VettedLoader:
    """The loader of a module made from vetted bytes: ``exec_module`` runs those bytes only.

    ``get_source`` serves the same bytes to ``inspect`` and tracebacks.
    """

    def __init__(self, vetted: Vetted, is_package: bool = False) -> None:
        self.vetted = vetted
        self._is_package = is_package

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        """Default module creation."""
        return None

    def get_code(self, fullname: str) -> types.CodeType:
        """Compile (or, for ``.pyc``, unmarshal) the vetted bytes."""
        data, path = self.vetted.data, self.vetted.path
        if self.vetted.bytecode is not None:
            code = marshal.loads(memoryview(self.vetted.bytecode)[16:])
            if isinstance(code, types.CodeType):
                return code
        if path.endswith(".pyc"):
            if data[:4] != importlib.util.MAGIC_NUMBER or len(data) < 16:
                raise ImportError(f"{escape(path)}: bad magic number", name=fullname)
            code = marshal.loads(data[16:])
            if not isinstance(code, types.CodeType):
                raise ImportError(f"{escape(path)}: not a code object", name=fullname)
            return code
        return compile(data, path, "exec", dont_inherit=True)

    def exec_module(self, module: types.ModuleType) -> None:
        """Execute the vetted code in ``module``."""
        exec(self.get_code(module.__name__), module.__dict__)

    def get_source(self, fullname: str) -> str | None:
        """The vetted source text (``None`` for bytecode)."""
        if self.vetted.path.endswith(".pyc"):
            return None
        return importlib.util.decode_source(self.vetted.data)

    def is_package(self, fullname: str) -> bool:
        """Whether the module is a package's ``__init__``."""
        return self._is_package


def execute(name: str, vetted: Vetted, *, search: Sequence[str] | None = None) -> types.ModuleType:
    """Execute ``vetted`` as module ``name`` (a package when ``search`` is given).

    The module is in ``sys.modules`` while it runs, as an import would have
    it, bound on its parent package afterwards, and removed again if it
    fails.
    """
    loader = VettedLoader(vetted, search is not None)
    spec = importlib.machinery.ModuleSpec(
        name,
        cast("importlib.abc.Loader", loader),
        origin=vetted.path,
        is_package=search is not None,
    )
    if search is not None:
        spec.submodule_search_locations = list(search)
    module = importlib.util.module_from_spec(spec)
    # Set here rather than through spec.has_location, which would derive a
    # bytecode path for __cached__ from the origin at every load.
    module.__file__ = vetted.path
    module.__cached__ = None  # type: ignore[attr-defined]
    spec.has_location = True
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    parent, _, attr = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], attr, sys.modules.get(name, module))
    return sys.modules.get(name, module)


# -- module names ------------------------------------------------------------


def synthetic_package(real_directory: str) -> str:
    """The module name prefix for files of ``real_directory`` outside any package.

    Derived from the resolved directory, so it is stable across processes and
    cannot collide with a real module (nothing importable starts with it).
    """
    digest = hashlib.sha256(os.fsencode(real_directory)).hexdigest()[:16]
    return SYNTHETIC_PREFIX + digest


def module_part(stem: str) -> str:
    """A module name part for ``stem``: itself when it is an identifier.

    Other characters become ``_XX_`` (their code point in hex), so
    ``foo-bar`` and ``foo_bar`` get different names, as the neutron loader,
    which names the module by the bare stem, runs both.
    """
    if stem.isidentifier():
        return stem
    part = "".join(
        c if (c == "_" or c.isalnum()) and c.isascii() else f"_{ord(c):02x}_" for c in stem
    )
    return f"_{part}" if part[:1].isdigit() else part


def synthetic_names(stems: Iterable[str]) -> dict[str, str]:
    """Module name parts for the stems of one directory, none shared.

    Identifier stems keep their name; the others get :func:`module_part`,
    with ``_2``, ``_3``... appended in the given order if that is taken.
    """
    stems = list(stems)
    taken = {s for s in stems if s.isidentifier()}
    names: dict[str, str] = {}
    for stem in stems:
        if stem in names:
            continue
        if stem.isidentifier():
            names[stem] = stem
            continue
        base = candidate = module_part(stem)
        n = 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        names[stem] = candidate
    return names


class PackageResolver:
    """Tell the dotted package name of a directory, when it is importable by it.

    A directory is a package when it and its parents up to some top directory
    hold ``__init__.py``; it is importable when the top package's parent is
    on ``sys.path`` and the top package resolves to that very directory (an
    installed copy of the same package earlier on the path would not).
    """

    def __init__(self) -> None:
        self._roots: frozenset[str] | None = None
        self._cache: dict[str, str | None] = {}

    def package_of(self, directory: str) -> str | None:
        """The dotted name of ``directory`` as a package, or ``None``."""
        if directory not in self._cache:
            self._cache[directory] = self._resolve(directory)
        return self._cache[directory]

    def _on_sys_path(self, directory: str) -> bool:
        entries = [os.path.abspath(p) for p in sys.path if isinstance(p, str)]
        if directory in entries:
            return True
        # Spelled differently (a symbolic link on either side): compare real paths.
        if self._roots is None:
            self._roots = frozenset(os.path.realpath(p) for p in entries)
        return os.path.realpath(directory) in self._roots

    def _resolve(self, directory: str) -> str | None:
        parts: list[str] = []
        current = os.path.abspath(directory)
        while os.path.isfile(os.path.join(current, "__init__.py")):
            parts.insert(0, os.path.basename(current))
            parent = os.path.dirname(current)
            if parent == current:
                return None
            current = parent
        if not parts or not all(p.isidentifier() for p in parts):
            return None
        if not self._on_sys_path(current):
            return None
        top_dir = os.path.realpath(os.path.join(current, parts[0]))
        top = sys.modules.get(parts[0])
        if top is not None:
            locations = list(getattr(top, "__path__", []))
        else:
            try:
                spec = importlib.util.find_spec(parts[0])
            except (ImportError, ValueError):
                return None
            locations = list(spec.submodule_search_locations or []) if spec else []
        if top_dir not in {os.path.realpath(p) for p in locations}:
            return None
        return ".".join(parts)


def same_file(module: types.ModuleType, real: str) -> bool:
    """Whether ``module`` was made from the file at ``real`` (a resolved path)."""
    spec = getattr(module, "__spec__", None)
    loader = getattr(spec, "loader", None)
    if isinstance(loader, VettedLoader):
        return loader.vetted.real == real
    origin = getattr(module, "__file__", None)
    return isinstance(origin, str) and os.path.realpath(origin) == real


def same_directory(package: types.ModuleType, real: str) -> bool:
    """Whether the package module ``package`` is the directory at ``real`` (a resolved path)."""
    locations = [p for p in getattr(package, "__path__", ()) if isinstance(p, str)]
    return real in locations or any(os.path.realpath(p) == real for p in locations)


# -- loading one legacy file ------------------------------------------------


def load_module(
    root: Directory, relpath: str, module: str, package: str | None, *, check: bool = True
) -> types.ModuleType:
    """The module of ``relpath`` in ``root``: vetted, then executed once per process.

    ``package`` is the dotted name of ``root`` when the file is imported by
    its dotted name ``module`` (``None``: a synthetic name outside any
    package). Raises :class:`Refused` when the dotted name would import
    another file than the one vetted (a package or an extension module of
    the same name beside it, or another file already imported under it).
    """
    loaded = sys.modules.get(module)
    if package is None:
        if loaded is not None:
            return loaded
        _synthetic_parent(module, root.path)
        return execute(module, vet(root, relpath, check=check))
    path = f"{root.path}/{relpath}"
    vetted = vet(root, relpath, check=check)
    if loaded is not None:
        if same_file(loaded, vetted.real):
            return loaded
        raise Refused(
            f"module {module} is already imported from "
            f"{escape(getattr(loaded, '__file__', None))}, not from this file; not executed",
            path,
            "remove the other copy, or give the extension an entry point",
        )
    _ensure_packages(root, relpath, module, package, check=check)
    shadow = _shadowing(root, relpath)
    if shadow is not None:
        raise Refused(
            f"importing {module} would run {escape(shadow)} instead of this file; not executed",
            path,
            f"remove {escape(shadow)} if it is not yours",
        )
    return execute(module, vetted)


def _shadowing(root: Directory, relpath: str) -> str | None:
    # What a path finder takes before stem.py in the same directory: a
    # package stem/ (an __init__ of any suffix), then an extension module.
    head, _, name = relpath.rpartition("/")
    base = f"{head}/" if head else ""
    stem = name.rpartition(".")[0]

    def exists(rel: str) -> os.stat_result | None:
        try:
            return os.stat(rel, dir_fd=root.fd)
        except OSError:
            return None

    found = exists(base + stem)
    if found is not None and stat.S_ISDIR(found.st_mode):
        for suffix in importlib.machinery.all_suffixes():
            if exists(f"{base}{stem}/__init__{suffix}") is not None:
                return f"{root.path}/{base}{stem}/__init__{suffix}"
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if exists(base + stem + suffix) is not None:
            return f"{root.path}/{base}{stem}{suffix}"
    return None


def _ensure_packages(
    root: Directory, relpath: str, module: str, package: str, *, check: bool
) -> None:
    # Packages above the legacy directory are imported as any code on
    # sys.path; the legacy directory's own __init__ and those of its
    # sub-packages are vetted files like the extensions.
    parents = module.split(".")[:-1]
    top_depth = package.count(".") + 1
    above = ".".join(parents[: top_depth - 1])
    if above and above not in sys.modules:
        importlib.import_module(above)
    rel = ""
    for depth in range(top_depth, len(parents) + 1):
        name = ".".join(parents[:depth])
        if depth > top_depth:
            rel = f"{rel}/{parents[depth - 1]}" if rel else parents[depth - 1]
        existing = sys.modules.get(name)
        if existing is not None:
            real = f"{root.real}/{rel}" if rel else root.real
            if not same_directory(existing, real):
                raise Refused(
                    f"package {name} is already imported from "
                    f"{escape(getattr(existing, '__file__', None))}, not from this directory; "
                    "not executed",
                    f"{root.path}/{relpath}",
                )
            continue
        vetted = vet(root, f"{rel}/__init__.py" if rel else "__init__.py", check=check)
        execute(name, vetted, search=[os.path.dirname(vetted.path)])


def _synthetic_parent(module: str, directory: str) -> None:
    # A package module with an empty search path parents the synthetic name so
    # pickle and __import__ can resolve it, without making the directory's
    # other files importable through it.
    package_name = module.rpartition(".")[0]
    if package_name not in sys.modules:
        package = types.ModuleType(package_name, f"legacy extensions of {directory}")
        package.__path__ = []
        sys.modules[package_name] = package


class ModuleNamer:
    """Module names for the files of one opened legacy directory ``root``.

    :meth:`name` gives ``(module, package)`` for a file ``(path, stem,
    subpackage)``: in an importable package (:class:`PackageResolver`) its
    dotted name and the package of ``root``; otherwise a synthetic name
    (:func:`synthetic_package`, :func:`synthetic_names` over ``stems(sub)``,
    the stems of that sub-directory, asked only when needed) and ``None``.
    """

    def __init__(
        self,
        resolver: PackageResolver,
        root: Directory,
        stems: Callable[[str], Iterable[str]],
    ) -> None:
        self._resolver = resolver
        self._root = root
        self._stems = stems
        self._top = resolver.package_of(root.path)
        self._loose: dict[str, dict[str, str]] = {}
        self._prefixes: dict[str, str] = {}

    def name(self, path: str, stem: str, subpackage: Sequence[str]) -> tuple[str, str | None]:
        """``(module, package)`` for one file of ``root``."""
        top = self._top
        if top is not None and stem.isidentifier() and path.endswith((".py", ".pyc")):
            package = self._resolver.package_of(os.path.dirname(path)) if subpackage else top
            if package is not None:
                return f"{package}.{stem}", top
        sub = "/".join(subpackage)
        names = self._loose.get(sub)
        if names is None:
            names = self._loose[sub] = synthetic_names(self._stems(sub))
        prefix = self._prefixes.get(sub)
        if prefix is None:
            file_dir = f"{self._root.real}/{sub}" if sub else self._root.real
            prefix = self._prefixes[sub] = synthetic_package(file_dir)
        return f"{prefix}.{names[stem]}", None
