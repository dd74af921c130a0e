"""Hostile trees: every odd file becomes a finding, never a crash, a hang or a miss.

Each case builds a real package in a temporary directory with one good
extension on each side of the odd file (``aaa_first.py`` and ``zzz_last.py``
in the neutron profile's sorted order), runs the scan, and checks the finding
(code, path, text), the exit code, that both good extensions are still found
and that no traceback was printed.

Cases that could kill or hang the interpreter (libcst's native parser on deep
nesting, ``open()`` on a FIFO) run the CLI in a subprocess with a timeout, so a
regression fails the test instead of taking the test run down with it.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from epmigrate.scan import scan
from tests.scan.conftest import run_cli

BASE = "proj.base.ExtensionDescriptor"
REPO = Path(__file__).resolve().parents[2]


def extension(cls: str, alias: str, coding: str = "") -> str:
    """The source of a neutron-style extension module defining ``cls``."""
    head = f"# -*- coding: {coding} -*-\n" if coding else ""
    return head + textwrap.dedent(
        f"""\
        from proj import base


        class {cls}(base.ExtensionDescriptor):
            def get_alias(self):
                return {alias!r}
        """
    )


def make_tree(root: Path) -> Path:
    """``root/proj`` with a base module and ``proj/ext`` holding two good extensions."""
    ext = root / "proj" / "ext"
    ext.mkdir(parents=True)
    (root / "proj" / "__init__.py").write_text("")
    (root / "proj" / "base.py").write_text("class ExtensionDescriptor:\n    pass\n")
    (ext / "__init__.py").write_text("")
    (ext / "aaa_first.py").write_text(extension("Aaa_first", "first"))
    (ext / "zzz_last.py").write_text(extension("Zzz_last", "last"))
    return ext


@pytest.fixture
def ext(tmp_path: Path) -> Path:
    return make_tree(tmp_path)


def scan_cli(*args: str) -> tuple[int, dict[str, Any]]:
    """``epmigrate scan --format json`` in-process; asserts no traceback was printed."""
    result = run_cli("scan", "--format", "json", "--no-cache", "--base", BASE, *args)
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout)


def scan_subprocess(
    *args: str, timeout: float = 120, preexec: Callable[[], None] | None = None
) -> tuple[int, dict[str, Any]]:
    """The same in a fresh interpreter: a crash or a hang fails the test, not the run."""
    command = [sys.executable, "-m", "epmigrate", "scan", "--format", "json", "--no-cache"]
    proc = subprocess.run(
        [*command, "--base", BASE, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        check=False,
        preexec_fn=preexec,
    )
    assert proc.returncode in (0, 1), f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def finding(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    """The one finding about ``path``."""
    found = [f for f in doc["findings"] if f["path"] == str(path)]
    assert len(found) == 1, found
    return found[0]


def assert_good_ones_found(doc: dict[str, Any]) -> None:
    loaded = {e["class"]: e["alias"] for e in doc["extensions"] if e["status"] == "loaded"}
    assert loaded["Aaa_first"] == "first"
    assert loaded["Zzz_last"] == "last"


# -- encodings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line", "text"),
    [
        pytest.param(
            b'# comment\nY = "\xff"\n',
            2,
            "byte 0xff at offset 15 is not UTF-8 and no encoding is declared, so Python "
            "refuses the file and the loader fails on it",
            id="in-the-first-two-lines",
        ),
        pytest.param(
            b'x = 1\ny = 2\nz = 3\nY = "caf\xe9"\n',
            4,
            "cannot decode byte 0xe9 at offset 26 as utf-8, so the loader fails on it",
            id="after-the-cookie-lines",
        ),
    ],
)
def test_invalid_utf8_is_undecodable(ext: Path, content: bytes, line: int, text: str) -> None:
    (ext / "bad.py").write_bytes(content)
    code, doc = scan_cli(str(ext))
    assert code == 1
    f = finding(doc, ext / "bad.py")
    assert (f["code"], f["line"]) == ("EPM002", line)
    assert text in f["message"]
    assert_good_ones_found(doc)


def test_latin1_coding_cookie_is_decoded_like_python(ext: Path) -> None:
    (ext / "latin.py").write_bytes(extension("Latin", "café", coding="latin-1").encode("latin-1"))
    assert b"caf\xe9" in (ext / "latin.py").read_bytes()
    code, doc = scan_cli(str(ext))
    assert code == 0
    latin = [e for e in doc["extensions"] if e["class"] == "Latin"]
    assert latin[0]["alias"] == "café"
    assert latin[0]["status"] == "loaded"
    assert not [f for f in doc["findings"] if f["path"] == str(ext / "latin.py")]
    assert_good_ones_found(doc)


# -- NUL bytes, size, nesting ----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line"),
    [
        pytest.param(b"x = 1\0\n", 1, id="in-code"),
        pytest.param(b"x = 1\n# a comment \0 here\n", 2, id="in-a-comment"),
        pytest.param(b'x = 1\ny = 2\nX = "a\0b"\n', 3, id="in-a-string"),
    ],
)
def test_nul_byte_is_a_syntax_error(ext: Path, content: bytes, line: int) -> None:
    (ext / "nul.py").write_bytes(content + extension("Nul", "nul").encode())
    code, doc = scan_cli(str(ext))
    assert code == 1
    f = finding(doc, ext / "nul.py")
    assert (f["code"], f["line"]) == ("EPM001", line)
    assert "contains a NUL byte, which Python refuses to compile" in f["message"]
    assert not [e for e in doc["extensions"] if e["class"] == "Nul"]
    assert_good_ones_found(doc)


def test_five_megabyte_module_is_scanned_in_reasonable_time(ext: Path) -> None:
    doc_line = "Documentation of the large module, kept in its docstring. " * 2 + "\n"
    comment = "# " + "padding " * 12 + "\n"
    big = '"""' + doc_line * 25_000 + '"""\n' + comment * 25_000 + extension("Big", "big")
    (ext / "big.py").write_text(big)
    assert (ext / "big.py").stat().st_size > 5_000_000
    start = time.monotonic()
    code, doc = scan_cli(str(ext))
    assert time.monotonic() - start < 60
    assert code == 0
    assert [e["alias"] for e in doc["extensions"] if e["class"] == "Big"] == ["big"]
    assert_good_ones_found(doc)


N = 100_000


@pytest.fixture(scope="module")
def deep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict[str, Any]]:
    """One subprocess scan of a directory of deeply nested files."""
    ext = make_tree(tmp_path_factory.mktemp("deep"))
    files = {
        "parens.py": "X = " + "(" * N + "1" + ")" * N + "\n",
        "brackets.py": "X = " + "[" * N + "]" * N + "\n",
        "plus_chain.py": "X = " + " + ".join(["'a'"] * N) + "\n",
        "nots.py": "X = " + "not " * N + "x\n",
        # Grammar this interpreter refuses (async as a name) sends the file to
        # libcst; the nesting behind it must not reach libcst's native parser.
        "legacy_parens.py": "async = 1\nX = " + "(" * N + "1" + ")" * N + "\n",
        "legacy_nots.py": "async = 1\nX = " + "not " * N + "x\n",
    }
    for name, text in files.items():
        (ext / name).write_text(text)
    # Python compiles these; the scanner must read them and fold the alias.
    chain = " + ".join(["'a'"] * 1500)
    (ext / "long_chain.py").write_text(f"A = {chain}\n" + extension("Long_chain", "x"))
    (ext / "long_chain.py").write_text(
        (ext / "long_chain.py").read_text().replace("return 'x'", "return A")
    )
    adjacent = " ".join(["'b'"] * N)
    (ext / "adjacent.py").write_text(
        f"B = {adjacent}\n" + extension("Adjacent", "x").replace("return 'x'", "return B[:3]")
    )
    subscripts = "x" + "[0]" * 2000
    (ext / "walk_limit.py").write_text(f"B = {adjacent}\nY = {subscripts}\n")
    code, doc = scan_subprocess(str(ext), timeout=300)
    return ext, code, doc


@pytest.mark.parametrize(
    ("name", "line", "text"),
    [
        pytest.param(
            "parens.py", 1, "syntax error: too many nested parentheses; the loader fails on it"
        ),
        pytest.param(
            "brackets.py", 1, "syntax error: too many nested parentheses; the loader fails on it"
        ),
        pytest.param(
            "plus_chain.py",
            None,
            "the file nests expressions too deeply for Python to compile (RecursionError)",
        ),
        pytest.param(
            "nots.py",
            None,
            "the file nests expressions too deeply for Python to compile (MemoryError)",
        ),
        pytest.param(
            "legacy_parens.py",
            2,
            "syntax error: too many nested parentheses; the loader fails on it",
        ),
        pytest.param("legacy_nots.py", 1, "syntax error: invalid syntax; the loader fails on it"),
    ],
)
def test_deep_nesting_is_a_syntax_error_not_a_crash(
    deep: tuple[Path, int, dict[str, Any]], name: str, line: int | None, text: str
) -> None:
    ext, code, doc = deep
    assert code == 1
    f = finding(doc, ext / name)
    assert (f["code"], f["line"], f["severity"]) == ("EPM001", line, "error")
    assert text in f["message"]
    assert_good_ones_found(doc)


def test_long_concatenation_python_compiles_is_folded(
    deep: tuple[Path, int, dict[str, Any]],
) -> None:
    # 1,500 terms: past the recursion limit of a recursive fold.
    ext, _, doc = deep
    (long_chain,) = [e for e in doc["extensions"] if e["class"] == "Long_chain"]
    assert long_chain["alias"] == "a" * 1500
    assert long_chain["status"] == "loaded"
    assert not [f for f in doc["findings"] if f["path"] == str(ext / "long_chain.py")]


def test_file_libcst_refuses_but_python_compiles_is_read_with_ast(
    deep: tuple[Path, int, dict[str, Any]],
) -> None:
    # libcst rejects 100,000 adjacent string literals; Python compiles them.
    ext, _, doc = deep
    (adjacent,) = [e for e in doc["extensions"] if e["class"] == "Adjacent"]
    assert adjacent["status"] == "loaded"
    assert adjacent["line"] == 5
    # ``return B[:3]`` is no constant: the unknown alias is said, and nothing else.
    assert adjacent["alias"] is None
    found = [f for f in doc["findings"] if f["path"] == str(ext / "adjacent.py")]
    assert [f["code"] for f in found] == ["EPM112"]
    assert "an expression (subscript) is not a constant string" in found[0]["message"]


def test_file_whose_expressions_nest_deep_is_still_read(
    deep: tuple[Path, int, dict[str, Any]],
) -> None:
    # 100,000 adjacent literals (libcst refuses them) and subscripts nested as
    # deep as Python compiles: the scanner describes values by kind and walks
    # no expression it does not fold, so the file is read like any other.
    ext, _, doc = deep
    f = finding(doc, ext / "walk_limit.py")
    assert (f["code"], f["severity"]) == ("EPM101", "info")
    assert f["message"].startswith("defines no Walk_limit")


# -- symbolic links ------------------------------------------------------------------


def test_symlink_loop_is_unreadable(ext: Path) -> None:
    (ext / "loop_a.py").symlink_to("loop_b.py")
    (ext / "loop_b.py").symlink_to("loop_a.py")
    code, doc = scan_cli(str(ext))
    assert code == 1
    for name in ("loop_a.py", "loop_b.py"):
        f = finding(doc, ext / name)
        assert f["code"] == "EPM003"
        assert f["message"] == (
            "is a symbolic link loop; the neutron loader fails on it and skips it with a "
            "warning; point the link at a real file or remove it"
        )
    assert_good_ones_found(doc)


def test_symlink_to_a_file_outside_is_followed_like_the_loader(ext: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "impl.py").write_text(extension("Linked", "linked"))
    (ext / "linked.py").symlink_to(outside / "impl.py")
    code, doc = scan_cli(str(ext))
    assert code == 0
    (linked,) = [e for e in doc["extensions"] if e["class"] == "Linked"]
    assert (linked["alias"], linked["status"]) == ("linked", "loaded")
    assert linked["entry_point"] == "linked = proj.ext.linked:Linked"
    f = finding(doc, ext / "linked.py")
    assert (f["code"], f["severity"]) == ("EPM110", "info")
    assert f["message"].startswith(
        f"is a symbolic link to {outside.resolve() / 'impl.py'}, outside {ext}: the loader "
        "follows it and runs that file, and an entry point imports it as proj.ext.linked"
    )
    assert_good_ones_found(doc)


def test_symlink_inside_the_directory_is_no_finding(ext: Path) -> None:
    # The loader skips _same.py (leading underscore) and runs it through same.py.
    (ext / "_same.py").write_text(extension("Same", "same"))
    (ext / "same.py").symlink_to("_same.py")
    code, doc = scan_cli(str(ext))
    assert code == 0
    assert not [f for f in doc["findings"] if f["path"] == str(ext / "same.py")]
    assert [e["alias"] for e in doc["extensions"] if e["class"] == "Same"] == ["same"]
    assert_good_ones_found(doc)


def test_symlink_to_a_directory_outside_is_not_a_file(ext: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere_dir"
    outside.mkdir()
    (outside / "inner.py").write_text(extension("Inner", "inner"))
    (ext / "dirlink.py").symlink_to(outside, target_is_directory=True)
    code, doc = scan_cli(str(ext))
    assert code == 1
    f = finding(doc, ext / "dirlink.py")
    assert f["code"] == "EPM004"
    assert f["message"] == (
        "is a directory with a module's name: the neutron loader fails on it and skips it "
        "with a warning; rename or remove it"
    )
    assert not [e for e in doc["extensions"] if e["class"] == "Inner"]
    assert_good_ones_found(doc)


def test_nova_walk_does_not_follow_directory_links(tmp_path: Path) -> None:
    # os.walk lists a link to a directory with the directories and never enters it.
    contrib = tmp_path / "svc" / "contrib"
    contrib.mkdir(parents=True)
    (tmp_path / "svc" / "__init__.py").write_text("")
    (contrib / "__init__.py").write_text("")
    nova_ext = "class {0}(object):\n    alias = {1!r}\n"
    (contrib / "kept.py").write_text(nova_ext.format("Kept", "os-kept"))
    outside = tmp_path / "outside_pkg"
    outside.mkdir()
    (outside / "__init__.py").write_text("")
    (outside / "hidden.py").write_text(nova_ext.format("Hidden", "os-hidden"))
    (contrib / "linked_pkg").symlink_to(outside, target_is_directory=True)
    (contrib / "linked_dir.py").symlink_to(outside, target_is_directory=True)
    result = run_cli("scan", "--format", "json", "--no-cache", "--profile", "nova", str(contrib))
    doc = json.loads(result.stdout)
    assert result.exit_code == 0
    assert [e["class"] for e in doc["extensions"]] == ["Kept"]
    assert doc["findings"] == []
    assert doc["files"] == 1


# -- what cannot be read -----------------------------------------------------------


@pytest.fixture
def shared_tree() -> Iterator[Path]:
    """A tree an unprivileged user can traverse (pytest's tmp_path is private to root)."""
    top = Path(tempfile.mkdtemp(prefix="epm-unreadable-"))
    top.chmod(0o755)
    try:
        yield top
    finally:
        for p in (top / "proj" / "ext" / "secret.py", top / "proj" / "locked"):
            if p.exists():
                p.chmod(0o755)
        shutil.rmtree(top)


def test_unreadable_file_and_directory(shared_tree: Path) -> None:
    """Mode 000 on a file and on a second scanned directory.

    As root, permission bits do not stop reads (the legacy loader running as
    root reads the file too), so the unreadable case runs in a child whose
    capability bounding set lacks the capabilities that bypass them (see
    tests/write/test_adversarial.drop_file_capabilities): it stays root, so it
    can still reach the interpreter and the checkout wherever they are (a
    0700 home directory, a ``mktemp -d`` clone), and the kernel checks the
    mode bits for it as for anyone. A plain child first scans as root, and
    that result is asserted too. Run as an ordinary user, the test scans
    in-process.
    """
    from tests.write.test_adversarial import drop_file_capabilities

    ext = make_tree(shared_tree)
    (ext / "secret.py").write_text(extension("Secret", "secret"))
    (ext / "secret.py").chmod(0)
    locked = shared_tree / "proj" / "locked"
    locked.mkdir()
    (locked / "__init__.py").write_text("")
    locked.chmod(0)
    paths = f"{ext}:{locked}"
    if os.geteuid() == 0:
        root_code, root_doc = scan_subprocess(paths)
        # Root reads the file, as the loader would when run as root; the
        # directory lists too.
        assert root_code == 0
        assert [e["alias"] for e in root_doc["extensions"] if e["class"] == "Secret"] == ["secret"]
        assert root_doc["findings"] == []
        code, doc = scan_subprocess(paths, preexec=drop_file_capabilities)
    else:
        code, doc = scan_cli(paths)
    assert code == 1
    f = finding(doc, ext / "secret.py")
    assert f["code"] == "EPM003"
    assert f["message"] == (
        "cannot be read: Permission denied; the neutron loader fails on it and skips it "
        "with a warning; fix its permissions or remove it"
    )
    # Nor can its __init__.py be seen, so it is also outside any package (EPM010).
    (d,) = [f for f in doc["findings"] if f["path"] == str(locked) and f["code"] == "EPM003"]
    assert d["message"] == "cannot be read: Permission denied; fix its permissions or remove it"
    assert not [e for e in doc["extensions"] if e["class"] == "Secret"]
    assert_good_ones_found(doc)


# -- entries that are not files ------------------------------------------------------


def test_fifo_is_never_opened(ext: Path) -> None:
    os.mkfifo(ext / "foo.py")
    assert stat.S_ISFIFO((ext / "foo.py").lstat().st_mode)
    # A scan that opened it would block for ever: the timeout turns that into a failure.
    code, doc = scan_subprocess(str(ext), timeout=60)
    assert code == 1
    f = finding(doc, ext / "foo.py")
    assert f["code"] == "EPM004"
    assert f["message"] == (
        "is a FIFO: the neutron loader opens it to execute it and blocks until something "
        "writes to it, so the service hangs at start-up (the scan never opens it); remove it"
    )
    assert_good_ones_found(doc)


@pytest.mark.parametrize(
    ("profile", "effect"),
    [
        pytest.param("neutron", "fails on it and skips it with a warning", id="per-file-errors"),
        pytest.param("oslo-incubator", "fails on it and aborts the whole load", id="aborts"),
    ],
)
def test_directory_named_like_a_module(ext: Path, profile: str, effect: str) -> None:
    (ext / "foo.py").mkdir()
    (ext / "foo.py" / "__init__.py").write_text(extension("Foo", "foo"))
    code, doc = scan_cli(str(ext), "--profile", profile)
    assert code == 1
    f = finding(doc, ext / "foo.py")
    assert f["code"] == "EPM004"
    assert f["message"] == (
        f"is a directory with a module's name: the {profile} loader {effect}; rename or remove it"
    )
    assert not [e for e in doc["extensions"] if e["class"] == "Foo"]
    assert_good_ones_found(doc)


# -- a file that goes away ----------------------------------------------------------------


def test_file_deleted_between_listing_and_reading(ext: Path) -> None:
    """A real removal after the directory was listed, before the file is read.

    ``scan()`` lists every directory first, then reads the files in the
    loader's order and reports each one to its public ``progress`` callback.
    The callback after the first file removes the next one (sorted order:
    ``aaa_first.py``, ``gone.py``, ...), so the removal happens on the real
    filesystem between the listing and the read, with nothing of ours mocked.
    """
    (ext / "gone.py").write_text(extension("Gone", "gone"))
    done: list[int] = []

    def progress(n: int, total: int) -> None:
        done.append(n)
        if n == 1:
            (ext / "gone.py").unlink()

    result = scan(str(ext), bases=[BASE], progress=progress)
    assert done == [1, 2, 3]  # aaa_first.py, gone.py, zzz_last.py: gone.py was listed
    (f,) = [f for f in result.findings if f.path == str(ext / "gone.py")]
    assert f.code == "EPM003"
    assert f.message == (
        "no longer exists (removed after the directory was listed, or a symbolic link to a "
        "missing file); the neutron loader fails on it and skips it with a warning; remove "
        "the entry or restore the file"
    )
    assert {e.class_name for e in result.extensions} == {"Aaa_first", "Zzz_last"}
    assert result.has_errors


def test_dangling_symlink_is_a_missing_file(ext: Path, tmp_path: Path) -> None:
    (ext / "dangling.py").symlink_to(tmp_path / "no-such-file.py")
    code, doc = scan_cli(str(ext))
    assert code == 1
    f = finding(doc, ext / "dangling.py")
    assert f["code"] == "EPM003"
    assert f["message"].startswith("no longer exists (removed after the directory was listed")
    assert_good_ones_found(doc)


def test_integer_literal_over_pythons_digit_limit_is_a_syntax_error(ext: Path) -> None:
    # libcst reads it; every Python epmigrate runs on refuses to compile it.
    (ext / "big.py").write_text(
        extension("Big", "big").replace("class Big", "BIG = " + "1" * 5000 + "\n\n\nclass Big")
    )
    code, doc = scan_cli(str(ext))
    assert code == 1
    found = finding(doc, ext / "big.py")
    assert found["code"] == "EPM001"
    assert "Exceeds the limit (4300 digits) for integer string conversion" in found["message"]
    assert [e["status"] for e in doc["extensions"] if e["class"] == "Big"] in ([], ["error"])
    assert_good_ones_found(doc)


def test_raw_fstring_alias_keeps_its_backslash(ext: Path) -> None:
    (ext / "raw.py").write_text(
        "from proj import base\n\nS = 'x'\n\n\nclass Raw(base.ExtensionDescriptor):\n"
        "    def get_alias(self):\n        return rf'a\\{S}'\n"
    )
    code, doc = scan_cli(str(ext))
    assert code == 0
    assert {e["class"]: e["alias"] for e in doc["extensions"]}["Raw"] == "a\\x"
