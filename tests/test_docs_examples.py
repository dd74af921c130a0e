"""Every shell example in README.md and docs/*.md runs and prints what it shows.

The convention (docs/design.md, "Contributing", says the same):

* Shell examples are fenced code blocks tagged ``console``. Blocks with any
  other tag (``python``, ``ini``, ``toml``, ``text``, ...) are not run; a
  synopsis or an illustration that is not real output is tagged ``text``.
  The tags ``sh``, ``bash``, ``shell`` and ``shell-session`` are refused, so
  an example cannot escape the test by its tag.
* In a ``console`` block, a line starting with ``$ `` is a command, run by
  bash. A command line ending in a backslash continues on the next line.
  The lines after a command, up to the next ``$ `` line or the end of the
  block, are its expected output. A ``console`` block starts with a command.
* The output compared is the command's stdout and stderr together, in the
  order they were written (``PYTHONUNBUFFERED=1``). Both sides are
  normalised: every run of whitespace becomes one space, lines are stripped,
  blank lines are dropped.
* The expected lines must match the whole output, in order. A line that is
  exactly ``...`` stands for any number of lines (none included); ``...``
  inside a line stands for any text within that line. Output that is
  neither shown nor elided is a mismatch: a command shown without output
  must print nothing, and trailing output needs a final ``...``.
* A command ending with the comment ``# exit N`` must exit with status N;
  every other command must exit 0.
* The commands of one document run in order in one bash process, so ``cd``
  and ``export`` carry over to the next command. The process starts in a
  fresh scratch directory holding a copy of ``sample_projects/`` (a document
  may begin with ``$ cd widget_service``), with the repository's
  ``.venv/bin`` first on ``PATH``, ``HOME`` and ``XDG_CACHE_HOME`` inside the
  scratch directory, ``NO_COLOR=1``, ``COLUMNS=100``, ``LC_ALL=C.UTF-8``,
  umask 022 (nothing in the copy is writable by group or others, as in a
  checkout made with that umask) and stdin from ``/dev/null``. Each command has
  ``TIMEOUT`` seconds.
* ``EXCEPTIONS`` below lists every command that is not run as written, and
  why. A document's first failing command stops it; the failure names the
  document, the line, the command, and the expected and actual output.
"""

from __future__ import annotations

import os
import queue
import re
import shlex
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
TIMEOUT = 120.0
"""Seconds one command may take before the document fails."""

ELLIPSIS = "..."
_EXIT_COMMENT = re.compile(r"(?:^|\s)#\s*exit\s+(\d+)\s*$")
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
_REFUSED_TAGS = frozenset({"sh", "bash", "shell", "shell-session", "zsh"})


@dataclass(frozen=True)
class Exempt:
    """A documented command the test does not run as written."""

    document: str
    command: str
    """The command as written, without its comment."""
    how: Literal["in-repo", "not-run"]
    """``in-repo``: run from the repository root; ``not-run``: ``check`` runs instead."""
    why: str
    check: Callable[[], None] | None = None


def check_make_test_is_ci() -> None:
    """``make test`` is what CI runs, and the Makefile defines it."""
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "make test" in [line.strip() for line in ci], ".ci/run no longer runs 'make test'"
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test:", makefile, re.M), "the Makefile has no 'test' target"


EXCEPTIONS: tuple[Exempt, ...] = (
    Exempt(
        "README.md",
        "make demo",
        "in-repo",
        "a set-up command for a fresh clone: it runs from the repository root, not from "
        "the scratch copy of sample_projects/ (the demo itself works on a temporary copy)",
    ),
    Exempt(
        "README.md",
        "make test",
        "not-run",
        "'make test' runs the whole suite, this test included: running it here would "
        "recurse. Instead the test checks that it is the command CI runs (.ci/run) and "
        "that the Makefile defines it",
        check_make_test_is_ci,
    ),
)


# --- reading the documents ------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One command of a ``console`` block and the output it must print."""

    line: int
    """1-based line of the ``$ `` line in the document."""
    command: str
    expected: tuple[str, ...]
    exit_code: int = 0


class DocError(ValueError):
    """A document breaks the convention (not a failing example)."""


@dataclass
class Block:
    """A fenced code block: its tag, and its lines with their line numbers."""

    tag: str
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)


def fenced_blocks(text: str) -> Iterator[Block]:
    """The fenced code blocks of a markdown text, indentation of the fence removed."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = len(m["indent"]), m["fence"]
        block = Block(m["info"].lower(), i + 1)
        i += 1
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                break
            raw = lines[i]
            cut = len(raw) - len(raw.lstrip())
            block.lines.append((i + 1, raw[min(indent, cut) :]))
            i += 1
        else:
            raise DocError(f"line {block.line}: the code block is never closed")
        i += 1
        yield block


def examples(text: str) -> list[Example]:
    """The commands of every ``console`` block of a markdown text, in order."""
    out: list[Example] = []
    for block in fenced_blocks(text):
        if block.tag in _REFUSED_TAGS:
            raise DocError(
                f"line {block.line}: a code block tagged {block.tag!r}; tag shell examples "
                "'console' (they are run) and anything else 'text'"
            )
        if block.tag != "console":
            continue
        out.extend(_console_examples(block))
    return out


def _console_examples(block: Block) -> list[Example]:
    out: list[Example] = []
    command: list[str] | None = None
    start = 0
    expected: list[str] = []
    continued = False

    def close() -> None:
        if command is not None:
            text = "\n".join(command)
            m = _EXIT_COMMENT.search(command[-1])
            code = int(m.group(1)) if m else 0
            out.append(Example(start, text, tuple(expected), code))

    for number, line in block.lines:
        if continued:
            assert command is not None
            command.append(line)
            continued = line.endswith("\\")
            continue
        if line.startswith("$ "):
            close()
            command, start, expected = [line[2:]], number, []
            continued = line.endswith("\\")
        elif command is None:
            if line.strip():
                raise DocError(
                    f"line {number}: a console block must start with a '$ ' command; "
                    "tag a synopsis or an illustration 'text'"
                )
        else:
            expected.append(line)
    if continued:
        raise DocError(f"line {start}: the command's last line ends with a backslash")
    close()
    return out


# --- comparing output -----------------------------------------------------


def normalise(text: str) -> list[str]:
    """Lines with whitespace runs collapsed and stripped; blank lines dropped."""
    return [n for line in text.splitlines() if (n := " ".join(line.split()))]


def _line_matches(pattern: str, actual: str) -> bool:
    if ELLIPSIS not in pattern:
        return pattern == actual
    regex = ".*".join(re.escape(part) for part in pattern.split(ELLIPSIS))
    return re.fullmatch(regex, actual, re.S) is not None


def mismatch(expected: list[str], actual: list[str]) -> str | None:
    """``None`` when ``actual`` matches ``expected`` (both normalised), else where not.

    A line ``...`` of ``expected`` matches any number of actual lines.
    """
    n, m = len(expected), len(actual)
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    furthest = (0, 0)
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        furthest = max(furthest, (i, j))
        if i == n:
            if j == m:
                return None
            continue
        if expected[i] == ELLIPSIS:
            todo.append((i + 1, j))
            if j < m:
                todo.append((i, j + 1))
        elif j < m and _line_matches(expected[i], actual[j]):
            todo.append((i + 1, j + 1))
    i, j = furthest
    if i == n:
        return f"unexpected output from actual line {j + 1}: {actual[j]!r} (end with '...')"
    if j == m:
        return f"the output ended before expected line {i + 1}: {expected[i]!r}"
    return f"expected line {i + 1} {expected[i]!r} but actual line {j + 1} is {actual[j]!r}"


# --- running a document ---------------------------------------------------


class Shell:
    """One bash process that runs commands in turn and keeps its state between them."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.marker = f"__docs_example_done_{uuid.uuid4().hex}__"
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"umask 022\n")
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        assert self.proc.stdout is not None
        self.pump = threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True)
        self.pump.start()

    def _pump(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self.lines.put(raw)
        self.lines.put(None)

    def run(self, command: str, timeout: float = TIMEOUT) -> tuple[int, str]:
        """Run ``command``; its exit status and its stdout and stderr together."""
        assert self.proc.stdin is not None
        script = f"{{ {command}\n}} </dev/null 2>&1\nprintf '\\n%s %d\\n' {self.marker} \"$?\"\n"
        self.proc.stdin.write(script.encode())
        self.proc.stdin.flush()
        out: list[str] = []
        while True:
            try:
                raw = self.lines.get(timeout=timeout)
            except queue.Empty:
                self.close()
                raise TimeoutError(
                    f"no end after {timeout:.0f} s; output so far:\n" + "".join(out)
                ) from None
            if raw is None:
                return -1, "".join(out) + "\n[bash exited: the command ended the shell]"
            line = raw.decode("utf-8", "replace")
            if line.startswith(self.marker):
                return int(line.split()[1]), "".join(out)
            out.append(line)

    def close(self) -> None:
        """End the bash process."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.pump.join(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def scratch(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A scratch directory with a copy of sample_projects/, and the environment."""
    work = tmp_path / "work"
    shutil.copytree(
        REPO / "sample_projects",
        work,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".venv"),
    )
    # As a checkout made with umask 022: the hybrid loader refuses legacy
    # directories that group or others can write.
    for path in [work, *work.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o022)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
        "NO_COLOR": "1",
        "COLUMNS": "100",
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TERM": "dumb",
    }
    return work, env


def exemption(document: str, example: Example) -> Exempt | None:
    """The entry of ``EXCEPTIONS`` for this command, if any."""
    command = _EXIT_COMMENT.sub("", example.command)
    command = re.sub(r"\s#.*$", "", command).strip()
    for exempt in EXCEPTIONS:
        if exempt.document == document and exempt.command == command:
            return exempt
    return None


def report(document: str, example: Example, code: int, output: str, why: str) -> str:
    """The failure message for one command."""
    shown = "\n".join(f"    {line}" for line in example.expected) or "    (no output)"
    got = "\n".join(f"    {line}" for line in output.splitlines()) or "    (no output)"
    return (
        f"{document}:{example.line}: $ {example.command}\n"
        f"  {why}\n"
        f"  exit status: expected {example.exit_code}, got {code}\n"
        f"  expected output:\n{shown}\n"
        f"  actual output:\n{got}"
    )


def run_document(document: str, text: str, tmp_path: Path) -> int:
    """Run every example of a document in one shell; fail at the first mismatch.

    Returns how many commands ran or were checked.
    """
    found = examples(text)
    work, env = scratch(tmp_path)
    shell = Shell(work, env)
    try:
        for example in found:
            exempt = exemption(document, example)
            command = example.command
            timeout = TIMEOUT
            if exempt is not None and exempt.how == "not-run":
                assert exempt.check is not None, f"{exempt}: a command not run needs a check"
                exempt.check()
                continue
            if exempt is not None and exempt.how == "in-repo":
                command = f"(cd {shlex.quote(str(REPO))} && {command}\n)"
                timeout = 3 * TIMEOUT
            code, output = shell.run(command, timeout)
            problem = mismatch(normalise("\n".join(example.expected)), normalise(output))
            if code != example.exit_code:
                problem = f"exit status {code}, expected {example.exit_code}"
            if problem is not None:
                pytest.fail(report(document, example, code, output, problem), pytrace=False)
    finally:
        shell.close()
    return len(found)


# --- the documents --------------------------------------------------------


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_document_examples_run_as_shown(path: Path, tmp_path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        found = examples(text)
    except DocError as exc:
        pytest.fail(f"{path.name}: {exc}", pytrace=False)
    if not found:
        pytest.skip(f"{path.name} has no console block (nothing to run)")
    assert run_document(path.name, text, tmp_path) == len(found)


def test_every_exception_names_a_documented_command() -> None:
    documented = {
        (exempt.document, exempt.command)
        for path in DOCUMENTS
        for example in examples(path.read_text(encoding="utf-8"))
        if (exempt := exemption(path.name, example)) is not None
    }
    stale = [e for e in EXCEPTIONS if (e.document, e.command) not in documented]
    assert not stale, f"EXCEPTIONS name commands no document shows: {stale}"


def test_readme_shows_exactly_the_two_setup_commands() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Set up.*?(?=^## )", text, re.S | re.M)
    assert section, "README.md has no 'Set up' section"
    commands = [e.command for e in examples(section.group(0))]
    assert [re.sub(r"\s#.*$", "", c).strip() for c in commands] == ["make demo", "make test"]


def test_readme_python_is_complete_code() -> None:
    # Not run (it is a module of the sample service), but every name it uses
    # is defined or imported, so it can be pasted as it is.
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in fenced_blocks(text) if b.tag == "python"]
    assert blocks, "README.md shows no Python"
    for block in blocks:
        source = "\n".join(line for _, line in block.lines) + "\n"
        ruff = [str(REPO / ".venv" / "bin" / "ruff"), "check", "--isolated", "--select", "F,E9"]
        checked = subprocess.run(
            [*ruff, "--output-format", "concise", "--stdin-filename", "readme.py", "-"],
            input=source,
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, f"README.md:{block.line}: {checked.stdout}"


# --- the convention itself, on synthetic documents ------------------------

SAMPLE = """\
# Title

```python
print("not run")
```

```console
$ echo one   two
one two
$ false  # exit 1
$ printf 'a\\nb\\nc\\n'
a
...
$ echo \\
  continued
continued
```

    ```console
    $ echo indented
    indented
    ```
"""


def test_examples_are_read_with_lines_exit_codes_and_continuations() -> None:
    found = examples(SAMPLE)
    assert [(e.line, e.command, e.expected, e.exit_code) for e in found] == [
        (8, "echo one   two", ("one two",), 0),
        (10, "false  # exit 1", (), 1),
        (11, "printf 'a\\nb\\nc\\n'", ("a", "..."), 0),
        (14, "echo \\\n  continued", ("continued",), 0),
        (20, "echo indented", ("indented",), 0),
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("```console\nepmigrate COMMAND\n```\n", id="synopsis-in-console"),
        pytest.param("```bash\n$ ls\n```\n", id="bash-tag"),
        pytest.param("```console\n$ ls\n", id="unclosed"),
        pytest.param("```console\n$ ls \\\n```\n", id="dangling-backslash"),
    ],
)
def test_a_document_breaking_the_convention_is_refused(text: str) -> None:
    with pytest.raises(DocError):
        examples(text)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (["a", "b"], ["a", "b"]),
        (["a  b"], ["  a b "]),
        (["a", "...", "d"], ["a", "b", "c", "d"]),
        (["a", "...", "b"], ["a", "b"]),
        (["...", "c"], ["a", "b", "c"]),
        (["a", "..."], ["a"]),
        (["wrote ... to pyproject.toml"], ["wrote 4 entry points to pyproject.toml"]),
        ([], []),
    ],
)
def test_matching_output(expected: list[str], actual: list[str]) -> None:
    assert mismatch(normalise("\n".join(expected)), normalise("\n".join(actual))) is None


@pytest.mark.parametrize(
    ("expected", "actual", "message"),
    [
        (["a", "x"], ["a", "b"], "expected line 2 'x' but actual line 2 is 'b'"),
        (["a", "c"], ["a", "b", "c"], "expected line 2 'c' but actual line 2 is 'b'"),
        (["a"], ["a", "b"], "unexpected output from actual line 2: 'b'"),
        ([], ["a"], "unexpected output from actual line 1: 'a'"),
        (["a", "b"], ["a"], "the output ended before expected line 2: 'b'"),
        (["b", "a"], ["a", "b"], "expected line 1 'b' but actual line 1 is 'a'"),
        (["...", "z"], ["a", "b"], "the output ended before expected line 2: 'z'"),
        (["w... x"], ["w y"], "expected line 1 'w... x' but actual line 1 is 'w y'"),
    ],
)
def test_mismatching_output(expected: list[str], actual: list[str], message: str) -> None:
    problem = mismatch(expected, actual)
    assert problem is not None
    assert problem.startswith(message)


def test_a_document_runs_in_one_shell_from_the_sample_copy(tmp_path: Path) -> None:
    doc = """\
```console
$ ls -d widget_service
widget_service
$ cd widget_service && export GREETING=hello
$ pwd
.../work/widget_service
$ echo "$GREETING from $HOME" >&2
hello from .../home
$ cat /dev/stdin
$ exit 3  # exit 3
...
```
"""
    with pytest.raises(pytest.fail.Exception, match=r"bash exited"):
        run_document("synthetic.md", doc, tmp_path)
    # Everything before the last command passed; without it the document passes.
    assert run_document(
        "synthetic.md", doc.replace("$ exit 3  # exit 3\n...\n", ""), tmp_path / "b"
    )


def test_a_wrong_expected_line_fails_with_document_line_and_output(tmp_path: Path) -> None:
    doc = "Some text.\n\n```console\n$ echo right\nwrong\n```\n"
    with pytest.raises(pytest.fail.Exception) as info:
        run_document("synthetic.md", doc, tmp_path)
    message = str(info.value)
    assert "synthetic.md:4: $ echo right" in message
    assert "expected line 1 'wrong' but actual line 1 is 'right'" in message
    assert "expected output:\n    wrong\n  actual output:\n    right" in message


def test_a_wrong_exit_status_fails(tmp_path: Path) -> None:
    doc = "```console\n$ true  # exit 1\n```\n"
    with pytest.raises(pytest.fail.Exception, match="exit status 0, expected 1"):
        run_document("synthetic.md", doc, tmp_path)
