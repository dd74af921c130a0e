"""The static scanner: what a legacy loader would load, without running it.

``scan()`` lists each directory with the profile's rules, reads every file
once with libcst (facts cached on disk), follows imports across modules with
:class:`~epmigrate.scan.resolve.Index`, and returns the extensions and
findings. No scanned code runs: modules are located on the search path and
read as text, never imported.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import io
import os
import re
import stat
import tokenize
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from epmigrate import __version__
from epmigrate.errors import EpmigrateError
from epmigrate.model import EntryPointSpec, Extension, Finding, Severity, Status
from epmigrate.profiles import Delegated, LegacyFile, Profile, get_profile
from epmigrate.scan import ast_facts, codes
from epmigrate.scan.cache import Cache, ast_entry, content_hash, cst_entry
from epmigrate.scan.facts import FORMAT, ModuleFacts
from epmigrate.scan.locate import Located, Locator, PackagePlace, default_search_path, package_of
from epmigrate.scan.resolve import (
    ClassT,
    ExternalT,
    FunctionT,
    Index,
    Unresolved,
    base_matches,
)

__all__ = ["Cache", "ScanError", "ScanResult", "scan"]

if TYPE_CHECKING:
    from libcst import ParserSyntaxError

_CST = f"cst{FORMAT}"
_AST = f"ast{FORMAT}"
"""Cache kinds: the front end and the facts' format, so a new format never reads old entries."""

Progress = Callable[[int, int], None]
"""Called with (files done, files in all) as the scan reads files."""


class ScanError(EpmigrateError):
    """The scan cannot start: a missing directory, no base classes."""


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan found, in the legacy loader's order."""

    profile: str
    group: str
    paths: tuple[str, ...]
    extensions: tuple[Extension, ...]
    findings: tuple[Finding, ...]
    files: int
    epmigrate_version: str = __version__
    missing_bases: tuple[str, ...] = ()
    """Base classes whose module is on no directory of the search path."""

    @property
    def has_errors(self) -> bool:
        """Whether any finding is an error (``scan`` then exits 1)."""
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def unverified(self) -> list[Extension]:
        """Extensions the scan could not tell about: no entry point is written for them."""
        return [e for e in self.extensions if e.status is Status.UNVERIFIED]

    @property
    def entry_points(self) -> list[EntryPointSpec]:
        """The entry points a migration writes: every loaded extension in a package."""
        return [
            ep
            for ext in self.extensions
            if ext.status is Status.LOADED and (ep := ext.entry_point) is not None
        ]


@dataclass
class _File:
    directory: str
    item: LegacyFile
    shown: str
    module: str | None
    facts: ModuleFacts | None = None
    findings: list[Finding] = field(default_factory=list)


def scan(
    paths: str | Sequence[str],
    profile: str | Profile = "neutron",
    *,
    bases: Sequence[str] = (),
    search_path: Sequence[str] = (),
    group: str | None = None,
    cache: Cache | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan legacy extension directories the way ``profile``'s loader reads them.

    ``paths`` is a list of directories or a ``:``-joined string, as in a
    service config. ``bases`` overrides the profile's base classes (qualified
    names). ``search_path`` directories come first when resolving imports,
    before the scanned directories' import roots and this interpreter's
    ``sys.path``. ``cache=None`` disables the content cache.
    """
    prof = get_profile(profile)
    dirs = prof.paths(paths)
    if not dirs:
        raise ScanError("no directory to scan", hint="name at least one directory")
    for d in dirs:
        if not os.path.isdir(d):
            what = "is not a directory" if os.path.exists(d) else "does not exist"
            raise ScanError(f"{d} {what}", hint="pass the directory that holds the extensions")
    base_names = frozenset(bases or prof.default_bases)
    if not base_names and (prof.base_check or prof.class_rule == "any"):
        raise ScanError(
            f"profile {prof.name!r} has no default base classes",
            hint="name them with --base package.module.Class",
        )
    # The collector is paused for the whole scan: facts are many small
    # acyclic objects that live until the end, and its passes over them
    # cost a third of a large scan for nothing.
    with _gc_paused():
        places = {d: package_of(d) for d in dirs}
        locator = Locator(default_search_path([p.root for p in places.values()], search_path))
        reader = _Reader(cache)
        index = Index(locator, reader.consulted)
        findings: list[Finding] = []
        files: list[_File] = []
        for d in dirs:
            files.extend(_list(d, prof, places[d], reader, findings))
        for n, f in enumerate(files, 1):
            reader.scanned(f, prof)
            if f.facts is not None and f.module is not None:
                index.add(Located(f.module, f.item.path, f.item.stem == "__init__"), f.facts)
            elif f.facts is not None:
                index.add(Located(_loose_name(f), f.item.path, False), f.facts)
            if progress is not None:
                progress(n, len(files))
        top = next((p.package for p in places.values() if p.package), None)
        grp = group or prof.default_group(top.split(".")[0] if top else None)
        extensions: list[Extension] = []
        rejected: list[tuple[str, ClassT]] = []
        for f in files:
            extensions.extend(_judge(f, prof, index, base_names, grp, rejected))
            findings.extend(f.findings)
        findings.extend(_duplicates(extensions, prof))
        findings.extend(_other_profiles(rejected, prof, index))
        return ScanResult(
            profile=prof.name,
            group=grp,
            paths=tuple(dirs),
            extensions=tuple(extensions),
            findings=tuple(findings),
            files=len(files),
            missing_bases=tuple(
                base
                for base in sorted(base_names)
                if not base.startswith("*.") and locator.find(base.rpartition(".")[0]) is None
            ),
        )


def _other_profiles(
    rejected: Sequence[tuple[str, ClassT]], prof: Profile, index: Index
) -> list[Finding]:
    """Suggest a built-in profile whose bases the rejected classes derive from."""
    if not rejected:
        return []
    from epmigrate.profiles import builtin_profiles

    out: list[Finding] = []
    for other in builtin_profiles():
        if other.name == prof.name:
            continue
        for base in other.default_bases:
            if base in prof.default_bases:
                continue
            paths = [
                path
                for path, cls in rejected
                if index.derives(cls, frozenset({base})).derives
                and other.expected_class(os.path.splitext(os.path.basename(path))[0])
                == cls.cls.name
            ]
            if paths:
                out.append(codes.other_profile(paths, base, other, prof))
                return out
    return out


def _loose_name(f: _File) -> str:
    # A file outside any package still gets a unique name in the index, so
    # names inside it resolve; it can never collide with a dotted module name.
    return f"<{f.directory}>.{f.item.relpath}"


def _list(
    directory: str,
    prof: Profile,
    place: PackagePlace,
    reader: _Reader,
    findings: list[Finding],
) -> list[_File]:
    if place.package is None:
        findings.append(codes.not_importable(directory))
    out: list[_File] = []

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
        if isinstance(item, Delegated):
            findings.append(codes.delegated(shown, prof))
            continue
        module = None
        if place.package is not None:
            module = ".".join((place.package, *item.subpackage, item.stem))
        out.append(_File(directory, item, shown, module))
    return out


class _Reader:
    """Reads files once: scanned ones with libcst, consulted ones with ast.

    Every file is opened once, without blocking and (unless it was listed as
    a link) without following a link, then checked with ``fstat``: only a
    regular file under :data:`MAX_SOURCE` is read, and only as many bytes as
    ``fstat`` reports. A FIFO or device put in place after the listing is
    never waited on; a link to a kernel file (``/proc/kmsg``, size 0) is
    never read from.
    """

    MAX_SOURCE = 16 * 1024 * 1024
    """Largest source file read (bytes): bigger ones are a scanner-limit finding."""

    def __init__(self, cache: Cache | None) -> None:
        self.cache = cache

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

    def scanned(self, f: _File, prof: Profile) -> None:
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
            return
        if not stat.S_ISREG(st.st_mode):
            # Never opened: open() on a FIFO blocks until a writer comes.
            f.findings.append(codes.not_a_file(f.shown, st, prof))
            return
        if link:
            self._link(f, path)
        if f.item.path.endswith(".pyc"):
            f.findings.append(codes.bytecode_only(f.shown))
            return
        try:
            st, fd = self._open(path, follow=link)
        except OSError as exc:
            f.findings.append(codes.unreadable(f.shown, exc, prof))
            return
        try:
            # What was opened is what counts: a file exchanged for a FIFO or a
            # link since the listing is reported, never waited on.
            if not stat.S_ISREG(st.st_mode):
                f.findings.append(codes.not_a_file(f.shown, st, prof))
                return
            if st.st_size > self.MAX_SOURCE:
                f.findings.append(
                    codes.scanner_limit(
                        f.shown,
                        f"the file is {st.st_size:,} bytes, more than the "
                        f"{self.MAX_SOURCE:,} the scanner reads",
                    )
                )
                return
            data = self._read_fd(fd, st.st_size)
        except OSError as exc:
            f.findings.append(codes.unreadable(f.shown, exc, prof))
            return
        finally:
            os.close(fd)
        digest = content_hash(data) if self.cache is not None else ""
        if self.cache is not None:
            hit = self.cache.get(path, st, _CST, digest, cst_entry)
            if hit is not None:
                self._restore(f, hit)
                return
        with _gc_paused():
            entry = self._read_cst(f, data, prof)
        if self.cache is not None:
            self.cache.put(path, st, _CST, digest, _stored(entry))

    def _link(self, f: _File, path: str) -> None:
        """Note a link whose target lies outside the scanned directory."""
        target = os.path.realpath(path)
        top = os.path.realpath(f.directory)
        if os.path.commonpath([top, target]) != top:
            f.findings.append(codes.outside_link(f.shown, target, f.directory, f.module))

    def _restore(self, f: _File, entry: tuple[ModuleFacts | None, list[Any] | None]) -> None:
        facts, error = entry
        if facts is not None:
            f.facts = facts
        elif error is not None:
            f.findings.append(codes.file_error(error[0], f.shown, error[1], error[2]))

    def _read_cst(self, f: _File, data: bytes, prof: Profile) -> dict[str, Any]:
        def error(code: str, line: int | None, message: str) -> dict[str, Any]:
            f.findings.append(codes.file_error(code, f.shown, line, message))
            return {"error": [code, line, message]}

        try:
            source = _decode(data)
        except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
            return error(codes.UNDECODABLE, *codes.decode_reason(exc, data))
        nul = source.find("\0")
        if nul >= 0:
            # Every Python refuses it (ValueError or SyntaxError by version),
            # and libcst's tokenizer does not: decide before parsing.
            line = source.count("\n", 0, nul) + 1
            return error(
                codes.SYNTAX,
                line,
                "the source contains a NUL byte, which Python refuses to compile; the "
                "loader fails on it; remove the byte",
            )
        # Python's own parser first: it is a tenth of libcst's cost (its tree
        # gives the line numbers anyway), and it stops the inputs that are beyond
        # every Python, such as 100,000 nested brackets, on which libcst's
        # native parser overflows its stack and kills the process.
        tree: ast.Module | None = None
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            # Grammar this interpreter lacks (a newer or an older one) goes on
            # to libcst, unless no Python accepts it or libcst cannot take it.
            if (
                exc.msg in _PYTHON_LIMITS
                or exc.msg.startswith(_DIGITS_LIMIT)
                or _nesting_bound(source) > _MAX_NESTING
            ):
                return error(codes.SYNTAX, exc.lineno, _python_says(exc))
        except (RecursionError, MemoryError) as exc:
            return error(codes.SYNTAX, None, _too_deep(exc))
        if tree is not None:
            # Facts from Python's own tree: the loader runs what Python reads,
            # and the walk costs a fraction of a libcst parse. The libcst
            # front end gives the same facts (tests/scan/test_front_ends.py).
            try:
                f.facts = ast_facts.tree_facts(tree, source)
            except RecursionError:
                pass
            else:
                return {"facts": f.facts}
        return self._read_libcst(f, source, tree, error)

    def _read_libcst(
        self,
        f: _File,
        source: str,
        tree: ast.Module | None,
        error: Callable[[str, int | None, str], dict[str, Any]],
    ) -> dict[str, Any]:
        """Facts with libcst: grammar this Python lacks, or a tree ``ast`` could not walk."""
        import libcst as cst

        from epmigrate.scan import cst_facts

        try:
            module = cst_facts.parse(source)
            f.facts = cst_facts.module_facts(module, tree)
        except cst.ParserSyntaxError as exc:
            if tree is None:
                return error(codes.SYNTAX, *_syntax_error(source, exc))
            return self._scanner_limit(f, "its expressions nest too deeply to walk")
        except (RecursionError, MemoryError) as exc:
            if tree is None:
                return error(codes.SYNTAX, None, _too_deep(exc))
            return self._scanner_limit(f, "its expressions nest too deeply to walk")
        return {"facts": f.facts}

    def _scanner_limit(self, f: _File, reason: str) -> dict[str, Any]:
        finding = codes.scanner_limit(f.shown, reason)
        f.findings.append(finding)
        return {"error": [finding.code, None, finding.message]}

    def consulted(self, located: Located) -> ModuleFacts | None:
        """Facts of a module resolution needs (``None`` when it cannot be read)."""
        try:
            st = os.stat(located.path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > self.MAX_SOURCE:
                return None
            st, fd = self._open(located.path, follow=True)
            try:
                if not stat.S_ISREG(st.st_mode) or st.st_size > self.MAX_SOURCE:
                    return None
                data = self._read_fd(fd, st.st_size)
            finally:
                os.close(fd)
        except OSError:
            return None
        digest = content_hash(data) if self.cache is not None else ""
        if self.cache is not None:
            hit = self.cache.get(located.path, st, _AST, digest, ast_entry)
            if hit is not None:
                return hit[0]
        try:
            result: ModuleFacts | None = ast_facts.module_facts(data)
        except (SyntaxError, ValueError, RecursionError, UnicodeDecodeError):
            result = None
        if self.cache is not None:
            entry = {"facts": result.to_json() if result else None}
            self.cache.put(located.path, st, _AST, digest, entry)
        return result

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


def _stored(entry: dict[str, Any]) -> dict[str, Any]:
    """A read's outcome as the cache stores it (facts as JSON, made only when stored)."""
    facts = entry.get("facts")
    return {"facts": facts.to_json()} if isinstance(facts, ModuleFacts) else entry


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is parsed and read.

    A libcst tree is hundreds of thousands of acyclic objects: reference
    counting frees them, and the collector's passes over them during parsing
    are about a sixth of the parse time for nothing (mypy pauses it around
    parsing for the same reason). Any cycle made meanwhile is collected once
    the collector runs again; a paused collector stays paused.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_PYTHON_LIMITS = frozenset(
    {
        "too many nested parentheses",
        "too many levels of indentation",
        "too many statically nested blocks",
    }
)
"""Python's messages for limits every CPython version has: no interpreter runs such a file."""

_DIGITS_LIMIT = "Exceeds the limit ("
"""The start of Python's message for an integer literal over ``sys.get_int_max_str_digits()``
(every interpreter epmigrate runs on, 3.11 and later, refuses it by default)."""

_MAX_NESTING = 4000
"""Most nesting tokens in one statement handed to libcst when Python refuses the file.

libcst's native parser overflows its stack (and kills the process) between
5,000 and 10,000 levels of nesting; Python's own limit is lower (about 3,000),
so only files Python refuses can reach libcst that deep.
"""

_NESTING = re.compile(r"\\\n|\b(?:not|lambda|await|if)\b|[-+~.(\[{]|[)\]}]|\n")


def _nesting_bound(source: str) -> int:
    """An upper bound of the nesting depth of any one statement.

    Counts the tokens that can open a level (unary operators, ``not``,
    ``lambda``, ``await``, conditional expressions, attribute and bracket
    chains) between newlines outside brackets. Only asked for files Python
    refuses, before libcst parses them; tokens in strings and comments only
    over-count, and such a file is already one this interpreter refuses.
    """
    depth = count = peak = 0
    for match in _NESTING.finditer(source):
        token = match.group()
        if token == "\n":
            if depth == 0:
                peak = max(peak, count)
                count = 0
        elif token in ")]}":
            depth = max(depth - 1, 0)
        elif token != "\\\n":
            count += 1
            if token in "([{":
                depth += 1
    return max(peak, count)


def _python_says(exc: SyntaxError) -> str:
    return f"syntax error: {exc.msg}; the loader fails on it"


def _too_deep(exc: RecursionError | MemoryError) -> str:
    kind = type(exc).__name__
    return (
        f"the file nests expressions too deeply for Python to compile ({kind}); the "
        "loader fails on it; split the expression"
    )


def _syntax_error(source: str, exc: ParserSyntaxError) -> tuple[int, str]:
    """Python's own message and line when it agrees the file is broken, else libcst's."""
    try:
        compile(source, "<scanned>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as py_exc:
        return py_exc.lineno or exc.raw_line, f"syntax error: {py_exc.msg}; the loader fails on it"
    except (ValueError, RecursionError):
        pass
    return exc.raw_line, f"syntax error: {exc.message}; the loader fails on it"


def _decode(data: bytes) -> str:
    """Source bytes to text the way Python reads a module (PEP 263 cookie, BOM)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def _judge(
    f: _File,
    prof: Profile,
    index: Index,
    bases: frozenset[str],
    group: str,
    rejected: list[tuple[str, ClassT]],
) -> list[Extension]:
    facts = f.facts
    if facts is None:
        return []
    helper_at: int | None = None
    module_name = f.module or _loose_name(f)
    out: list[Extension] = []
    expected = prof.expected_class(f.item.stem)
    loaded_here: set[str] = set()

    def make(cls_name: str, line: int, status: Status, alias: tuple[str | None, str]) -> Extension:
        return Extension(
            path=f.shown,
            line=line,
            module=f.module,
            class_name=cls_name,
            name=f.item.stem,
            group=group,
            alias=alias[0],
            alias_reason=alias[1] or None,
            status=status,
        )

    stem_fails = prof.import_by == "stem" and bool(facts.relative_imports)
    if stem_fails:
        f.findings.append(codes.relative_import(f.shown, facts.relative_imports[0], f.item.stem))

    if expected is not None:
        binding = facts.bindings.get(expected)
        if binding is None and not (facts.stars or facts.dynamic):
            helper_at = len(f.findings)
            f.findings.append(codes.helper_file(f.shown, expected, prof))
        else:
            target = index.resolve(module_name, expected)
            line = binding.line if binding else 1
            if isinstance(target, ClassT):
                verdict = index.derives(target, bases)
                alias = _alias(index, target, prof)
                decoration = _decoration(index, target)
                if stem_fails:
                    status = Status.NEVER_LOADED
                elif decoration is not None and (not prof.base_check or verdict.derives):
                    status = Status.UNVERIFIED
                    f.findings.append(codes.decorated(f.shown, line, expected, *decoration))
                elif not prof.base_check or verdict.derives:
                    status = Status.LOADED
                elif verdict.derives is None:
                    status = Status.UNVERIFIED
                    f.findings.append(
                        codes.base_unresolved(f.shown, line, expected, verdict.reason)
                    )
                else:
                    status = Status.NOT_EXTENSION
                    f.findings.append(codes.not_extension(f.shown, line, expected, bases))
                    rejected.append((f.shown, target))
                out.append(make(expected, line, status, alias))
                loaded_here.add(target.qualname)
                if target.module == module_name:
                    loaded_here.update(c.qualname for c in index.mro(target)[0])
            else:
                reason = (
                    target.reason
                    if isinstance(target, Unresolved | ExternalT)
                    else f"{expected} is not a class"
                )
                f.findings.append(codes.base_unresolved(f.shown, line, expected, reason))
                out.append(make(expected, line, Status.UNVERIFIED, (None, reason)))

    # Classes of this file that derive from a base but that the rule never
    # reaches (or, for the subclass profile, that it loads).
    for name, binding in facts.bindings.items():
        if binding.kind != "class" or binding.cls is None or name == expected:
            continue
        cls = ClassT(module_name, binding.cls)
        if cls.qualname in loaded_here or binding.cls.abstract or base_matches(cls.qualname, bases):
            continue
        verdict = index.derives(cls, bases)
        if expected is None:
            decoration = _decoration(index, cls) if verdict.derives else None
            if decoration is not None:
                f.findings.append(codes.decorated(f.shown, binding.line, name, *decoration))
                out.append(make(name, binding.line, Status.UNVERIFIED, _alias(index, cls, prof)))
            elif verdict.derives:
                out.append(make(name, binding.line, Status.LOADED, _alias(index, cls, prof)))
            elif verdict.derives is None:
                f.findings.append(
                    codes.base_unresolved(f.shown, binding.line, name, verdict.reason)
                )
        elif verdict.derives:
            f.findings.append(codes.never_loaded(f.shown, binding.line, name, expected, prof))
            if helper_at is not None:
                # Not a helper after all: its extension classes are named.
                f.findings[helper_at] = codes.helper_file(
                    f.shown, expected, prof, extension_classes=True
                )
            out.append(make(name, binding.line, Status.NEVER_LOADED, _alias(index, cls, prof)))

    if expected is None and len(out) > 1:
        out = [replace(e, name=f"{e.name}.{e.class_name}") for e in out]
    told = {x.message for x in f.findings if x.code == codes.BASE_UNRESOLVED}
    for ext in out:
        if ext.alias is not None or ext.status is Status.NOT_EXTENSION:
            continue
        reason = ext.alias_reason or "no reason known"
        if not any(reason in message for message in told):
            f.findings.append(codes.alias_unknown(f.shown, ext.line, ext.class_name, reason))
    for call in facts.calls:
        f.findings.append(codes.import_time_call(f.shown, call, prof, f.module, f.item.stem))
    return out


_RETURN_THE_CLASS = frozenset(
    {
        ("six.add_metaclass", True),
        ("functools.total_ordering", False),
        ("dataclasses.dataclass", False),
        ("dataclasses.dataclass", True),
        ("typing.final", False),
        ("typing_extensions.final", False),
        ("debtcollector.removals.removed_class", True),
    }
)
"""Class decorators known to return the class they get (or one like it, with
the same name and bases): ``(qualified name, called with arguments)``."""


def _decoration(index: Index, cls: ClassT) -> tuple[str, str] | None:
    """The first decorator of ``cls`` not known to return the class, and why not."""
    for decorator in cls.cls.decorators:
        if not decorator.name:
            return decorator.text, "not a plain name"
        target = index.resolve(cls.module, decorator.name)
        if isinstance(target, ClassT | FunctionT | ExternalT):
            if (target.qualname, decorator.called) in _RETURN_THE_CLASS:
                continue
            return decorator.text, f"{target.qualname} is not known to return the class"
        if isinstance(target, Unresolved):
            return decorator.text, target.reason
        return decorator.text, "not a function"
    return None


def _alias(index: Index, cls: ClassT, prof: Profile) -> tuple[str | None, str]:
    """The alias the loader would read, or ``(None, reason)``."""
    chain, stop = index.mro(cls)
    sources = [s for s in prof.alias_sources if s != "api_definition"]
    for klass in chain:
        for source in sources:
            if source == "get_alias" and source in klass.cls.returns:
                return index.evaluate(klass.module, klass.cls.returns[source], cls)
            if source == "alias" and source in klass.cls.attrs:
                return index.evaluate(klass.module, klass.cls.attrs[source], cls)
    if "api_definition" in prof.alias_sources:
        # APIExtensionDescriptor.get_alias() returns api_definition.ALIAS; when
        # that base cannot be read, the same rule is applied here.
        for klass in chain:
            if "api_definition" in klass.cls.attrs:
                return index.evaluate(klass.module, ("ref", "cls.api_definition.ALIAS"), cls)
    where = " or ".join(prof.alias_sources)
    return None, stop or f"no {where} found on {cls.cls.name} or its bases"


def _duplicates(extensions: Sequence[Extension], prof: Profile) -> list[Finding]:
    out: list[Finding] = []
    first_alias: dict[str, Extension] = {}
    first_name: dict[str, Extension] = {}
    for ext in extensions:
        if ext.status is not Status.LOADED:
            continue
        if ext.alias is not None:
            kept = first_alias.setdefault(ext.alias, ext)
            if kept is not ext:
                out.append(codes.duplicate_alias(ext, kept, prof))
        kept = first_name.setdefault(ext.name, ext)
        if kept is not ext:
            out.append(codes.duplicate_name(ext, kept))
    return out
