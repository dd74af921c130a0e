"""Properties of the scanner on generated input.

(a) The alias the scanner folds from constants equals what Python computes:
two generated modules (a constants module and an extension module importing
it three ways) are written to disk and scanned; the test's oracle executes
the same generated assignments and expression (the test runs them, the
scanner only reads them).

(b) The scanner returns a result for any file: grammatical Python generated
by hypothesmith from CPython's grammar, arbitrary text and arbitrary bytes.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import hypothesmith
from hypothesis import example, given
from hypothesis import strategies as st

from epmigrate.scan import ScanResult, scan
from tests.properties import examples

BASE = "proj.base.ExtensionDescriptor"


def write_package(root: Path, files: dict[str, str | bytes]) -> Path:
    """``root/proj`` (a package with a base class) plus ``files`` under it."""
    ext = root / "proj" / "ext"
    ext.mkdir(parents=True)
    (root / "proj" / "__init__.py").write_text("")
    (root / "proj" / "base.py").write_text("class ExtensionDescriptor:\n    pass\n")
    (ext / "__init__.py").write_text("")
    for name, content in files.items():
        path = root / "proj" / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return ext


def scan_files(files: dict[str, str | bytes]) -> ScanResult:
    with tempfile.TemporaryDirectory() as tmp:
        ext = write_package(Path(tmp), files)
        return scan(str(ext), bases=[BASE], search_path=[tmp])


# -- (a) alias folding ----------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Names an expression may use, as source text."""

    refs: tuple[str, ...]


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)


def literal(s: str) -> str:
    return repr(s)


def fstring_text(s: str) -> str:
    # Inside f'...': repr's escaping for a single-quoted literal, braces doubled.
    body = repr(s)
    if body[0] == '"':
        body = "'" + body[1:-1].replace("'", "\\'") + "'"
    return body[1:-1].replace("{", "{{").replace("}", "}}")


@st.composite
def expressions(draw: st.DrawFn, names: Names, depth: int = 0) -> str:
    """A constant string expression over literals and ``names``."""
    kinds = ["literal", "adjacent"] + (["name"] * 2 if names.refs else [])
    if depth < 3:
        kinds += ["plus", "plus", "paren"]
        if names.refs:
            kinds.append("fstring")
    kind = draw(st.sampled_from(kinds))
    if kind == "literal":
        return literal(draw(TEXT))
    if kind == "adjacent":
        return f"{literal(draw(TEXT))} {literal(draw(TEXT))}"
    if kind == "name":
        return draw(st.sampled_from(names.refs))
    if kind == "paren":
        return f"({draw(expressions(names, depth + 1))})"
    if kind == "fstring":
        # Replacement fields hold names only: 3.11 forbids quotes and
        # backslashes inside them.
        parts = draw(st.lists(st.tuples(TEXT, st.sampled_from(names.refs)), max_size=3))
        tail = draw(TEXT)
        return (
            "f'" + "".join(f"{fstring_text(t)}{{{n}}}" for t, n in parts) + fstring_text(tail) + "'"
        )
    left = draw(expressions(names, depth + 1))
    right = draw(expressions(names, depth + 1))
    return f"{left} + {right}"


@st.composite
def programs(draw: st.DrawFn) -> tuple[str, str, str, list[str]]:
    """(constants module, extension prelude, alias expression, local names)."""
    consts: list[str] = []
    for i in range(draw(st.integers(0, 4))):
        value = draw(expressions(Names(tuple(f"C{j}" for j in range(i)))))
        consts.append(f"C{i} = {value}")
    imported = [ref for i in range(len(consts)) for ref in (f"consts.C{i}", f"c.C{i}", f"F{i}")]
    local: list[str] = []
    for i in range(draw(st.integers(0, 3))):
        value = draw(expressions(Names(tuple(imported + [f"L{j}" for j in range(i)]))))
        local.append(f"L{i} = {value}")
    refs = tuple(imported + [f"L{j}" for j in range(len(local))])
    alias = draw(expressions(Names(refs)))
    return "\n".join(consts) + "\n", "\n".join(local) + "\n", alias, consts


def extension_module(prelude: str, alias: str, n_consts: int) -> str:
    imports = ["from proj import base", "from proj import consts", "import proj.consts as c"]
    imports += [f"from proj.consts import C{i} as F{i}" for i in range(n_consts)]
    body = textwrap.dedent(
        """
        class Gen(base.ExtensionDescriptor):
            def get_alias(self):
                return {alias}
        """
    ).format(alias=alias)
    return "\n".join(imports) + "\n" + prelude + body


def python_value(consts_src: str, prelude: str, alias: str, n_consts: int) -> Any:
    """The oracle: Python evaluates the generated code (in the test, not the scanner)."""
    consts_ns: dict[str, Any] = {}
    exec(consts_src, consts_ns)  # the oracle runs the generated input
    module = SimpleNamespace(**{k: v for k, v in consts_ns.items() if k != "__builtins__"})
    ns: dict[str, Any] = {"consts": module, "c": module}
    ns.update({f"F{i}": consts_ns[f"C{i}"] for i in range(n_consts)})
    exec(prelude, ns)
    return eval(alias, ns)


@examples(150)
@given(programs())
def test_folded_alias_equals_what_python_computes(
    program: tuple[str, str, str, list[str]],
) -> None:
    consts_src, prelude, alias, consts = program
    expected = python_value(consts_src, prelude, alias, len(consts))
    source = extension_module(prelude, alias, len(consts))
    result = scan_files({"consts.py": consts_src, "ext/gen.py": source})
    (ext,) = result.extensions
    assert ext.class_name == "Gen"
    assert ext.alias_reason is None
    assert ext.alias == expected
    assert result.findings == ()


def test_alias_folding_oracle_sees_escapes_and_braces() -> None:
    # A fixed example of what the property covers: escapes and doubled braces
    # in f-string text are text, as Python reads them.
    consts_src = "C0 = 'x\\n' + 'y'\n"
    prelude = "L0 = f'{{a}}\\t{F0}'\n"
    alias = "L0 + c.C0"
    expected = python_value(consts_src, prelude, alias, 1)
    assert expected == "{a}\tx\nyx\ny"
    result = scan_files(
        {"consts.py": consts_src, "ext/gen.py": extension_module(prelude, alias, 1)}
    )
    assert [e.alias for e in result.extensions] == [expected]


# -- (b) the scanner never raises --------------------------------------------------------

HELPER_USER = textwrap.dedent(
    """\
    from proj import base
    from proj.helper import *
    from proj import helper


    class Gen(base.ExtensionDescriptor):
        def get_alias(self):
            return helper.ALIAS
    """
)


def assert_scans(content: str | bytes) -> None:
    # As a scanned file (libcst) and as a module resolution consults (ast).
    result = scan_files({"ext/gen.py": content, "helper.py": content, "ext/user.py": HELPER_USER})
    assert isinstance(result, ScanResult)
    assert result.files == 2
    assert all(f.message for f in result.findings)


# Inputs every run covers, whatever the seed: the classes of text on which
# the parsers disagree with each other or with this Python.

NEWER_LETTERS = (
    "\U0001e4d0",  # Nag Mundari (Unicode 15.0): libcst's tokenizer takes it, 3.11 does not
    "\U00011f04",  # Kawi (Unicode 15.0)
    "\U00031350",  # CJK Extension H (Unicode 15.0)
    "\U0002ebf0",  # CJK Extension I (Unicode 15.1, Python 3.13)
    "\U00010d4a",  # Garay (Unicode 16.0, Python 3.14)
    "a\u0cf3",  # a combining mark of Unicode 15.0 continuing an identifier
)
"""Identifiers in some Python's Unicode and not in another's."""

TEXT_CASES = (
    *NEWER_LETTERS,
    *(f"class {letter}:\n    pass\n" for letter in NEWER_LETTERS),
    *(f"class {letter}(base.ExtensionDescriptor):\n    pass\n" for letter in NEWER_LETTERS),
    *(f"ALIAS = {letter}\n" for letter in NEWER_LETTERS),
    "x = 1if 1 else 2\n",  # valid, with a SyntaxWarning the filters must not turn into an error
    "y = '\\d'\n",  # an invalid escape: a warning, not an error
    "\x00",
    "class Gen:\n    pass\n\x00",
    "\ufeffclass Gen:\n    pass\n",
)

BYTES_CASES = (
    "\U0001e4d0".encode(),
    b"x = '\xed\xa0\x80'\n",  # a lone surrogate encoded as UTF-8: not UTF-8
    b"# coding: raw_unicode_escape\nx = '\\ud800'\n",  # a lone surrogate after decoding
    b"# coding: raw_unicode_escape\n\\ud800\n",
    b"\x00",
    b"x = 1  # \x00\n",
    b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",  # a BOM and another cookie
    b"# -*- coding: latin-1 -*-\nx = '\xc3\xa9' + '\xe9'\n",  # latin-1: both decode
    b"x = '\xc3\xa9' + '\xe9'\n",  # UTF-8 and latin-1 bytes in one UTF-8 file
    b"\xff\xfex\x00 \x00=\x00 \x001\x00",  # UTF-16 with its BOM
    b"# coding: utf-16\nx = 1\n",
    b"# coding: no-such-codec\nx = 1\n",
)


def with_examples(cases: tuple[object, ...]) -> Any:
    """``@example`` for each case, so every run tries them."""

    def apply(test: Any) -> Any:
        for case in reversed(cases):
            test = example(case)(test)
        return test

    return apply


@examples(60)
@given(hypothesmith.from_grammar())
def test_scanner_returns_a_result_for_grammatical_python(source: str) -> None:
    assert_scans(source)


@examples(100)
@given(st.text())
@with_examples(TEXT_CASES)
def test_scanner_returns_a_result_for_any_text(source: str) -> None:
    assert_scans(source)


@examples(100)
@given(st.binary())
@with_examples(BYTES_CASES)
def test_scanner_returns_a_result_for_any_bytes(data: bytes) -> None:
    assert_scans(data)


def test_a_letter_of_a_newer_unicode_is_a_located_syntax_error() -> None:
    # ast refuses it; libcst's tokenizer takes it and its node validation
    # refuses it again (CSTValidationError): a finding, not a traceback.
    for source in (NEWER_LETTERS[0], f"class {NEWER_LETTERS[0]}:\n    pass\n"):
        result = scan_files({"ext/gen.py": source})
        (finding,) = [f for f in result.findings if f.path.endswith("gen.py")]
        assert (finding.code, finding.line) == ("EPM001", 1)
        assert "invalid" in finding.message
        assert "is not a valid identifier" in finding.message


def test_a_syntax_warning_is_neither_shown_nor_an_error(tmp_path: Path) -> None:
    # `1if` is valid with a SyntaxWarning: the command printed
    # "<unknown>:1: SyntaxWarning" on the user's stderr, and under -W error
    # (pytest's filterwarnings here) the warning became a SyntaxError.
    ext = write_package(
        tmp_path,
        {
            "ext/gen.py": "from proj import base\nX = 1if 1 else 2\n\n"
            "class Gen(base.ExtensionDescriptor):\n    def get_alias(self):\n        return 'gen'\n"
        },
    )
    for flags in ((), ("-W", "error")):
        done = subprocess.run(
            [
                sys.executable,
                *flags,
                "-m",
                "epmigrate",
                "scan",
                "--no-cache",
                "--base",
                BASE,
                str(ext),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Warning" not in done.stderr, done.stderr
        assert "1 loaded" in done.stdout
