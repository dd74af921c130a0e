"""Parsing a scanned file's bytes into facts, the way Python would read them.

Python's own ``ast`` reads every file it parses; libcst reads the rest
(grammar this Python lacks), imported only then. A file no Python runs (a
NUL byte, nesting beyond every interpreter's limits, a bad coding cookie) is
a finding, never a crash: libcst's native parser overflows its stack on
inputs Python refuses, so those never reach it.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from collections.abc import Callable
from typing import TYPE_CHECKING

from epmigrate.model import Finding
from epmigrate.pysource import parse_quietly, value_error_line
from epmigrate.scan import ast_facts, codes, limits
from epmigrate.scan.facts import ModuleFacts

if TYPE_CHECKING:
    from libcst import ParserSyntaxError

__all__ = ["read_facts"]


def read_facts(shown: str, data: bytes, findings: list[Finding]) -> ModuleFacts | None:
    """The facts of a scanned file's bytes; ``None``, with the finding that says why, if none.

    ``shown`` is the file's path as reports show it.
    """

    def error(code: str, line: int | None, message: str) -> None:
        findings.append(codes.file_error(code, shown, line, message))

    try:
        source = _decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        error(codes.UNDECODABLE, *codes.decode_reason(exc, data))
        return None
    nul = source.find("\0")
    if nul >= 0:
        # Every Python refuses it (ValueError or SyntaxError by version),
        # and libcst's tokenizer does not: decide before parsing.
        line = source.count("\n", 0, nul) + 1
        error(
            codes.SYNTAX,
            line,
            "the source contains a NUL byte, which Python refuses to compile; the "
            "loader fails on it; remove the byte",
        )
        return None
    # Python's own parser first: it is a tenth of libcst's cost (its tree
    # gives the line numbers anyway), and it stops the inputs that are beyond
    # every Python, such as 100,000 nested brackets, on which libcst's
    # native parser overflows its stack and kills the process.
    tree: ast.Module | None = None
    refused: SyntaxError | None = None
    bound = limits.bounded(len(data))
    try:
        with bound:
            tree = parse_quietly(source)
            facts = ast_facts.tree_facts(tree, source)
        return facts
    except SyntaxError as exc:
        # Grammar this interpreter lacks (a newer or an older one) goes on
        # to libcst, unless no Python accepts it or libcst cannot take it.
        if (
            exc.msg in _PYTHON_LIMITS
            or exc.msg.startswith(_DIGITS_LIMIT)
            or _nesting_bound(source) > _MAX_NESTING
        ):
            error(codes.SYNTAX, exc.lineno, _python_says(exc))
            return None
        refused = exc
    except ValueError as exc:
        if tree is not None:  # from the walk, not the compiler
            findings.append(codes.scanner_limit(shown, f"reading its tree failed: {exc}"))
            return None
        # What the compiler refuses outside its grammar: a lone surrogate that
        # a coding cookie (raw_unicode_escape) let through, and what a later
        # Python may refuse this way.
        error(
            codes.SYNTAX,
            value_error_line(exc),
            f"Python refuses to compile it: {exc}; the loader fails on it",
        )
        return None
    except RecursionError as exc:
        if tree is None:
            error(codes.SYNTAX, None, _too_deep(exc))
            return None
        # Python compiles it; only the walk of its tree is too deep: libcst.
    except MemoryError as exc:
        if tree is None and _nesting_bound(source) > _PARSER_DEPTH:
            # CPython's parser reports its own stack limit as MemoryError, at
            # any memory: every Python refuses the file.
            error(codes.SYNTAX, None, _too_deep(exc))
        else:
            what = "Python's parser" if tree is None else "reading its tree"
            findings.append(codes.resource_limit(shown, limits.shortage(bound, what)))
        return None
    if tree is None and len(data) > limits.LIBCST_MAX_BYTES:
        # libcst's native parser aborts the process when an allocation
        # fails: it never runs under the bound, so only on files it can take.
        findings.append(
            codes.resource_limit(
                shown,
                f"only libcst can read it (Python refuses: {refused.msg if refused else '?'}), "
                f"and libcst's parser is given files of at most "
                f"{limits.LIBCST_MAX_BYTES:,} bytes",
            )
        )
        return None
    # Here Python's tree was too deep to walk (RecursionError), or Python
    # refused grammar that libcst may know.
    return _read_libcst(shown, source, tree, refused, error, findings)


def _read_libcst(
    shown: str,
    source: str,
    tree: ast.Module | None,
    refused: SyntaxError | None,
    error: Callable[[str, int | None, str], None],
    findings: list[Finding],
) -> ModuleFacts | None:
    """Facts with libcst: grammar this Python lacks, or a tree ``ast`` could not walk.

    ``tree`` is Python's own parse, or ``None`` with ``refused``, Python's
    syntax error. Whatever libcst raises ends as a finding: its parser's
    errors, its node validation (which refuses some identifiers its tokenizer
    takes, such as letters newer than this Python's Unicode), its internal
    errors and the interpreter's limits.
    """
    import libcst as cst

    from epmigrate.scan import cst_facts

    try:
        module = cst_facts.parse_module(source)
        return cst_facts.module_facts(module, tree)
    except cst.ParserSyntaxError as exc:
        if tree is None:
            error(codes.SYNTAX, *_syntax_error(source, exc))
            return None
        reason = f"libcst refuses what Python accepts: {exc.message}"
    except SyntaxError as exc:  # libcst's CSTValidationError
        if refused is not None:
            error(codes.SYNTAX, refused.lineno, _both_refuse(refused, exc))
            return None
        reason = f"libcst refuses what Python accepts: {exc}"
    except RecursionError as exc:
        if tree is None:
            error(codes.SYNTAX, None, _too_deep(exc))
            return None
        reason = "its expressions nest too deeply to walk"
    except MemoryError:
        findings.append(codes.resource_limit(shown, "libcst's parser ran out of memory"))
        return None
    except Exception as exc:  # libcst's CSTLogicError, a native parser's panic
        if refused is not None:
            error(codes.SYNTAX, refused.lineno, _both_refuse(refused, exc))
            return None
        reason = f"libcst failed on it: {type(exc).__name__}: {exc}"
    findings.append(codes.scanner_limit(shown, reason))
    return None


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

_PARSER_DEPTH = 1000
"""Nesting below which a ``MemoryError`` from Python's parser is a shortage of memory.

CPython's parser raises ``MemoryError`` when its own stack (6,000 levels in
3.11) overflows, and ``RecursionError`` from about 3,000 levels: above this
bound the error is the file's, below it the machine's.
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


def _both_refuse(refused: SyntaxError, exc: Exception) -> str:
    """Python refused the file and libcst, which reads other versions' grammar, too."""
    version = "Python {}.{}".format(*sys.version_info[:2])
    return (
        f"syntax error: {refused.msg} ({version}; libcst, which reads other versions' "
        f"grammar, refuses it too: {str(exc).rstrip('.')}); the loader fails on it under {version}"
    )


def _too_deep(exc: RecursionError | MemoryError) -> str:
    kind = type(exc).__name__
    return (
        f"the file nests expressions too deeply for Python to compile ({kind}); the "
        "loader fails on it; split the expression"
    )


def _syntax_error(source: str, exc: ParserSyntaxError) -> tuple[int, str]:
    """Python's own message and line when it agrees the file is broken, else libcst's."""
    try:
        parse_quietly(source)
    except SyntaxError as py_exc:
        return py_exc.lineno or exc.raw_line, f"syntax error: {py_exc.msg}; the loader fails on it"
    except (ValueError, RecursionError, MemoryError):
        pass
    return exc.raw_line, f"syntax error: {exc.message}; the loader fails on it"


def _decode(data: bytes) -> str:
    """Source bytes to text the way Python reads a module (PEP 263 cookie, BOM)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text
