"""The hybrid loader against a non-root attacker writing near the legacy path.

The loader runs here, in the test process (root in CI, as a service often
starts); the attacker is a child process running as uid 65534 (``nobody``)
with the system interpreter and the standard library only. Fixtures live in
a fresh directory under the system temporary directory with modes that
child can reach, so the tests also work when the clone sits in a 0700
directory. Races are forced, not hoped for: an audit hook on the ``open``
event runs the attacker at the moment the file is about to be opened.

Each case checks that the attacker's file never ran (its marker file is
absent) and that one record names what was refused.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import marshal
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from epmigrate.errors import InsecurePathError
from epmigrate.loader import HybridExtensionManager, LegacyExtensionWarning

NOBODY = 65534

# -- the attacker ----------------------------------------------------------------


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _attacker_python() -> str | None:
    if os.geteuid() != 0:
        return None
    candidates = [os.path.realpath(sys.executable), "/usr/bin/python3", "/usr/local/bin/python3"]
    for found in candidates:
        if not os.path.exists(found):
            continue
        try:
            done = subprocess.run(
                [found, "-I", "-S", "-c", "pass"],
                preexec_fn=_as_nobody,
                capture_output=True,
                timeout=30,
                check=False,
            )
        except OSError:
            continue
        if done.returncode == 0:
            return found
    return None


ATTACKER_PYTHON = _attacker_python()

needs_attacker = pytest.mark.skipif(
    ATTACKER_PYTHON is None,
    reason="needs root to run the attacker as uid 65534 with an interpreter that user can run",
)


def attack(code: str) -> None:
    """Run ``code`` (standard library only) as uid 65534; it must succeed."""
    assert ATTACKER_PYTHON is not None
    done = subprocess.run(
        [ATTACKER_PYTHON, "-I", "-S", "-c", textwrap.dedent(code)],
        preexec_fn=_as_nobody,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr


# -- fixtures ----------------------------------------------------------------------


@pytest.fixture
def public() -> Iterator[Path]:
    """A fresh root-owned 0755 directory in the system temporary directory."""
    path = Path(tempfile.mkdtemp(prefix="epmigrate-attack-", dir=tempfile.gettempdir()))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def _forget_loaded_modules() -> Iterator[None]:
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("_epmigrate_legacy_", "svcpkg")):
            del sys.modules[name]


@pytest.fixture
def group(request: pytest.FixtureRequest) -> str:
    return "epmigrate.attack." + request.node.name.replace("[", "_").replace("]", "")


class _OpenHook:
    """One process-wide audit hook (they cannot be removed) calling a settable action."""

    def __init__(self) -> None:
        self.action: Callable[[str, int], None] | None = None
        self.opens: list[tuple[str, int]] = []
        self.recording = False
        sys.addaudithook(self)

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "open" or not isinstance(args[0], str):
            return
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        if self.recording:
            self.opens.append((args[0], flags))
        action = self.action
        if action is not None:
            action(args[0], flags)


_HOOK = _OpenHook()


@pytest.fixture
def on_open() -> Iterator[_OpenHook]:
    yield _HOOK
    _HOOK.action = None
    _HOOK.recording = False
    _HOOK.opens.clear()


def make(path: Path, text: str = "", mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    path.chmod(mode)
    return path


def marking(marker: Path, cls: str, origin: str = "attacker") -> str:
    return (
        f"open({str(marker)!r}, 'a').close()\n"
        f"class {cls}:\n    alias = {cls.lower()!r}\n    ORIGIN = {origin!r}\n"
    )


def benign(cls: str) -> str:
    return f"class {cls}:\n    alias = {cls.lower()!r}\n    ORIGIN = 'vetted'\n"


def load(group: str, directory: Path, **kwargs: Any) -> tuple[Any, list[tuple[str, Any]]]:
    failures: list[tuple[str, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LegacyExtensionWarning)
        mgr = HybridExtensionManager(
            group,
            legacy_paths=str(directory),
            on_load_failure_callback=lambda _m, ep, exc: failures.append((ep.name, exc)),
            **kwargs,
        )
    return mgr, failures


# -- bytecode ------------------------------------------------------------------------


@needs_attacker
def test_bytecode_planted_in_a_writable_pycache_never_runs(
    public: Path, group: str, caplog: pytest.LogCaptureFixture
) -> None:
    marker = public / "marker"
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    source = make(ext / "foo.py", benign("Foo"))
    pycache = ext / "__pycache__"
    pycache.mkdir()
    pycache.chmod(0o777)  # left so by a first start under umask 000
    pyc = importlib.util.cache_from_source(str(source))
    attack(
        f"""
        import importlib.util, marshal, os
        st = os.stat({str(source)!r})
        code = compile({marking(marker, "Foo")!r}, {str(source)!r}, "exec")
        header = importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little")
        header += (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
        header += (st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
        with open({pyc!r}, "wb") as f:
            f.write(header + marshal.dumps(code))
        """
    )
    assert os.stat(pyc).st_uid == NOBODY
    mgr, failures = load(group, ext)
    assert not marker.exists()
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    [refused] = [m for m in warned if "__pycache__" in m]
    assert refused.startswith(f"{pycache}: bytecode cache directory is writable by group")
    assert failures == []
    assert mgr["foo"].plugin.ORIGIN == "vetted"
    # Nothing was written to the cache either: only the attacker's file is there.
    assert os.listdir(pycache) == [os.path.basename(pyc)]


def test_no_bytecode_is_written_beside_legacy_files(public: Path, group: str) -> None:
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    make(ext / "foo.py", benign("Foo"))
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        mgr, failures = load(group, ext)
    finally:
        sys.dont_write_bytecode = saved
    assert failures == [] and mgr.names() == ["foo"]
    assert sorted(os.listdir(ext)) == ["foo.py"]


# -- one open, and the parents ------------------------------------------------------


def test_the_file_is_opened_once_without_following_links_or_blocking(
    public: Path, group: str, on_open: _OpenHook
) -> None:
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    make(ext / "foo.py", benign("Foo"))
    on_open.recording = True
    mgr, failures = load(group, ext)
    on_open.recording = False
    assert failures == [] and mgr.names() == ["foo"]
    opens = [(p, f) for p, f in on_open.opens if os.path.basename(p) == "foo.py"]
    assert len(opens) == 1, opens
    flags = opens[0][1]
    wanted = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    assert flags & wanted == wanted
    assert flags & os.O_ACCMODE == os.O_RDONLY
    # Relative to the directory's descriptor: the name alone, no path to swap.
    assert opens[0][0] == "foo.py"


def test_a_file_swapped_for_a_link_after_listing_is_refused(
    public: Path, group: str, on_open: _OpenHook, caplog: pytest.LogCaptureFixture
) -> None:
    marker = public / "marker"
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    make(ext / "foo.py", benign("Foo"))
    elsewhere = make(public / "elsewhere" / "foo.py", marking(marker, "Foo"))

    def swap(path: str, _flags: int) -> None:
        if os.path.basename(path) == "foo.py" and not os.path.islink(ext / "foo.py"):
            on_open.action = None
            (ext / "foo.py").unlink()
            (ext / "foo.py").symlink_to(elsewhere)

    on_open.action = swap
    mgr, failures = load(group, ext)
    assert not marker.exists()
    assert mgr.names() == []
    [(name, exc)] = failures
    assert name == "foo"
    assert isinstance(exc, InsecurePathError)
    assert str(ext / "foo.py") in str(exc) and "symbolic link" in str(exc)


@needs_attacker
def test_a_directory_swapped_through_a_writable_parent_is_refused(
    public: Path, group: str, on_open: _OpenHook
) -> None:
    marker = public / "marker"
    parent = public / "parent"
    parent.mkdir()
    parent.chmod(0o777)  # not sticky: anyone may rename what is in it
    ext = parent / "ext"
    ext.mkdir(mode=0o755)
    make(ext / "foo.py", benign("Foo"))
    attack(
        f"""
        import os
        os.mkdir({str(parent / "evil")!r}, 0o755)
        with open({str(parent / "evil" / "foo.py")!r}, "w") as f:
            f.write({marking(marker, "Foo")!r})
        """
    )

    def swap(path: str, _flags: int) -> None:
        if os.path.basename(path) == "foo.py":
            on_open.action = None
            attack(
                f"""
                import os
                os.rename({str(ext)!r}, {str(parent / "old")!r})
                os.rename({str(parent / "evil")!r}, {str(ext)!r})
                """
            )

    on_open.action = swap
    with pytest.raises(InsecurePathError) as err:
        load(group, ext)
    assert not marker.exists()
    assert err.value.path == str(parent)
    assert "writable by group or others" in str(err.value)
    assert f"chmod go-w {parent}" in str(err.value)


@needs_attacker
def test_a_legacy_directory_replaced_by_a_link_to_root_owned_code_is_refused(
    public: Path, group: str
) -> None:
    marker = public / "marker"
    stdlib_like = public / "lib"  # root-owned code nobody meant to load (/usr/lib/python3)
    stdlib_like.mkdir(mode=0o755)
    make(stdlib_like / "this.py", marking(marker, "This", origin="root-owned"))
    parent = public / "parent"
    parent.mkdir()
    parent.chmod(0o777)
    ext = parent / "ext"
    ext.mkdir(mode=0o755)
    make(ext / "foo.py", benign("Foo"))
    attack(
        f"""
        import os
        os.rename({str(ext)!r}, {str(parent / "gone")!r})
        os.symlink({str(stdlib_like)!r}, {str(ext)!r})
        """
    )
    with pytest.raises(InsecurePathError) as err:
        load(group, ext)
    assert not marker.exists()
    assert err.value.path == str(parent)


@needs_attacker
def test_a_sticky_parent_is_crossed_only_to_an_entry_of_root_or_the_user(
    public: Path, group: str
) -> None:
    sticky = public / "shared"
    sticky.mkdir()
    sticky.chmod(0o1777)  # as /tmp
    mine = sticky / "mine"
    mine.mkdir(mode=0o755)
    make(mine / "foo.py", benign("Foo"))
    # The sticky bit stops the attacker from moving the directory away.
    with pytest.raises(AssertionError, match="PermissionError"):
        attack(f"import os; os.rename({str(mine)!r}, {str(sticky / 'x')!r})")
    mgr, failures = load(group, mine)
    assert failures == [] and mgr.names() == ["foo"]
    # A directory the attacker made there (and could swap) is refused.
    attack(
        f"""
        import os
        os.mkdir({str(sticky / "theirs")!r}, 0o755)
        os.symlink({str(mine)!r}, {str(sticky / "link")!r})
        """
    )
    for planted in ("theirs", "link"):
        with pytest.raises(InsecurePathError) as err:
            load(group, sticky / planted)
        assert err.value.path == str(sticky / planted)
        assert "owned by nobody" in str(err.value) or "owned by uid" in str(err.value)


# -- dotted imports -------------------------------------------------------------------


def _package(public: Path) -> Path:
    site = public / "site"
    make(site / "svcpkg" / "__init__.py")
    ext = site / "svcpkg" / "ext"
    make(ext / "__init__.py")
    return ext


def test_a_package_of_the_same_name_beside_the_file_is_refused(
    public: Path, group: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    marker = public / "marker"
    ext = _package(public)
    make(ext / "foo.py", benign("Foo"))
    make(ext / "foo" / "__init__.py", marking(marker, "Foo"))
    (ext / "foo").chmod(0o755)
    make(ext / "bar.py", benign("Bar"))
    monkeypatch.syspath_prepend(str(public / "site"))
    mgr, failures = load(group, ext)
    assert not marker.exists()
    assert mgr.names() == ["bar"]
    assert mgr["bar"].plugin.__module__ == "svcpkg.ext.bar"
    [(name, exc)] = failures
    assert name == "foo"
    assert isinstance(exc, InsecurePathError)
    assert str(ext / "foo" / "__init__.py") in str(exc)
    assert "svcpkg.ext.foo" not in sys.modules


def test_an_extension_module_of_the_same_name_beside_the_file_is_refused(
    public: Path, group: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = _package(public)
    make(ext / "foo.py", benign("Foo"))
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    make(ext / f"foo{suffix}", "not really a shared object")
    monkeypatch.syspath_prepend(str(public / "site"))
    mgr, failures = load(group, ext)
    assert mgr.names() == []
    [(name, exc)] = failures
    assert name == "foo" and str(ext / f"foo{suffix}") in str(exc)


@needs_attacker
def test_the_legacy_directorys_own_init_is_vetted(
    public: Path, group: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = public / "marker"
    ext = _package(public)
    (ext / "__init__.py").chmod(0o666)
    make(ext / "foo.py", benign("Foo"))
    attack(
        f"""
        with open({str(ext / "__init__.py")!r}, "a") as f:
            f.write("open({str(marker)!r}, 'a').close()\\n")
        """
    )
    monkeypatch.syspath_prepend(str(public / "site"))
    mgr, failures = load(group, ext)
    assert not marker.exists()
    assert mgr.names() == []
    [(name, exc)] = failures
    assert name == "foo"
    assert isinstance(exc, InsecurePathError)
    assert exc.path == str(ext / "__init__.py")
    assert "svcpkg.ext" not in sys.modules


def test_a_package_file_runs_from_the_vetted_bytes_under_its_dotted_name(
    public: Path, group: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = _package(public)
    make(ext / "foo.py", benign("Foo"))
    monkeypatch.syspath_prepend(str(public / "site"))
    mgr, failures = load(group, ext)
    assert failures == []
    module = sys.modules["svcpkg.ext.foo"]
    assert mgr["foo"].plugin is module.Foo
    assert module.__file__ == str(ext / "foo.py")
    # A later import (an entry point's) gets the same module, not a second run.
    assert importlib.import_module("svcpkg.ext.foo") is module


# -- odd trees -----------------------------------------------------------------------

_ODD_TREE = """
import logging, sys, warnings
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s")
warnings.simplefilter("ignore")
from epmigrate.loader import HybridExtensionManager
mgr = HybridExtensionManager("epmigrate.attack.odd", legacy_paths=sys.argv[1])
print(",".join(mgr.names()))
"""


def test_fifos_devices_and_oversized_files_are_refused_per_file_without_hanging(
    public: Path,
) -> None:
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    make(ext / "good.py", benign("Good"))
    os.mkfifo(ext / "fifo.py", 0o644)
    has_device = os.geteuid() == 0
    if has_device:
        os.mknod(ext / "zero.py", 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
    big = make(ext / "big.py", "")
    with open(big, "wb") as f:
        f.truncate(64 * 1024 * 1024)
    done = subprocess.run(
        [sys.executable, "-c", _ODD_TREE, str(ext)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "good"
    lines = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
    assert any(f"{ext / 'fifo.py'}: is not a regular file" in line for line in lines)
    assert any(f"{ext / 'big.py'}: is 67108864 bytes" in line for line in lines)
    if has_device:
        assert any(f"{ext / 'zero.py'}: is not a regular file" in line for line in lines)
    assert len(lines) == 2 + has_device, lines


_NOVA_SWAP = """
import os, stat, sys, warnings
warnings.simplefilter("ignore")
init = os.path.join(sys.argv[1], "sub", "__init__.py")

def swap(event, args):
    # The directory's owner puts a FIFO in place just as the file is opened.
    # By path (the old blocking open) or by name relative to a directory fd.
    if event == "open" and args[0] in (init, "__init__.py"):
        if stat.S_ISREG(os.lstat(init).st_mode):
            os.unlink(init)
            os.mkfifo(init, 0o644)

sys.addaudithook(swap)
from epmigrate.loader import HybridExtensionManager
mgr = HybridExtensionManager("epmigrate.attack.nova", legacy_paths=sys.argv[1], profile="nova")
print(",".join(sorted(mgr.names())))
"""


def test_a_fifo_swapped_in_for_a_nova_sub_packages_init_never_blocks(public: Path) -> None:
    # The nova profile reads each sub-package's __init__.py to tell whether
    # it delegates. It was opened by path, blocking, before its directory
    # was vetted: a FIFO swapped in hung the constructor (and verify's
    # parent, which lists the same way). Now it is one vetted,
    # non-blocking open relative to the checked directory.
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    make(ext / "good.py", benign("Good"))
    (ext / "sub").mkdir(mode=0o755)
    make(ext / "sub" / "__init__.py")
    make(ext / "sub" / "other.py", benign("Other"))
    done = subprocess.run(
        [sys.executable, "-c", _NOVA_SWAP, str(ext)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "good" in done.stdout.strip().split(",")
    assert stat.S_ISFIFO(os.lstat(ext / "sub" / "__init__.py").st_mode)  # the swap happened


def test_a_file_that_holds_more_than_its_size_is_refused() -> None:
    from epmigrate.loader import _vetted

    with (
        _vetted.open_directory("/proc/self", check=False) as proc,
        pytest.raises(_vetted.Refused, match="where fstat says 0"),
    ):
        _vetted.read_file(proc.fd, "status", "/proc/self/status", check=False)


def test_control_characters_in_names_are_escaped_in_every_record(
    public: Path, group: str, caplog: pytest.LogCaptureFixture
) -> None:
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    stem = "evil\nWARNING forged\x1b[2J"
    cls = stem.capitalize()
    make(ext / f"{stem}.py", f"globals()[{cls!r}] = type('E', (), {{'alias': 'e'}})\n")
    make(ext / "bad\nname.py", "raise RuntimeError('line one\\nline two')\n")
    caplog.set_level(logging.DEBUG, logger="epmigrate")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        mgr = HybridExtensionManager(group, legacy_paths=str(ext))
    assert mgr.names() == [stem]
    messages = [r.getMessage() for r in caplog.records]
    assert any("evil\\nWARNING forged\\x1b[2J.py" in m for m in messages)
    assert any("bad\\nname.py" in m and "line one\\nline two" in m for m in messages)
    for text in messages + [str(w.message) for w in seen]:
        assert "\n" not in text and "\x1b" not in text, text


def test_names_that_differ_only_by_dash_and_underscore_both_run(public: Path, group: str) -> None:
    marker = public / "marker"
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    for stem in ("foo-bar", "foo_bar"):
        make(
            ext / f"{stem}.py",
            f"with open({str(marker)!r}, 'a') as f:\n    f.write({stem!r} + '\\n')\n"
            f"globals()[{stem.capitalize()!r}] = type('X', (), {{'alias': {stem!r}}})\n",
        )
    mgr, failures = load(group, ext)
    assert failures == []
    assert marker.read_text().split() == ["foo-bar", "foo_bar"]
    assert mgr.names() == ["foo-bar", "foo_bar"]
    modules = {e.plugin.__module__ for e in mgr.extensions}
    assert len(modules) == 2


def test_a_module_loaded_from_vetted_bytes_pickles_and_has_its_source(
    public: Path, group: str
) -> None:
    import inspect
    import pickle

    ext = public / "ext"
    ext.mkdir(mode=0o755)
    make(ext / "foo.py", benign("Foo"))
    mgr, _ = load(group, ext)
    plugin = mgr["foo"].plugin
    assert pickle.loads(pickle.dumps(plugin)) is plugin
    assert "ORIGIN = 'vetted'" in inspect.getsource(plugin)


def test_every_directory_between_the_legacy_directory_and_a_file_is_checked(
    public: Path, group: str
) -> None:
    marker = public / "marker"
    ext = public / "ext"
    make(ext / "__init__.py")
    make(ext / "sub" / "__init__.py")
    make(ext / "sub" / "deeper" / "__init__.py")
    make(ext / "sub" / "deeper" / "foo.py", marking(marker, "Foo"))
    for d in (ext, ext / "sub", ext / "sub" / "deeper"):
        d.chmod(0o755)
    (ext / "sub").chmod(0o777)  # anyone could swap 'deeper' for their own
    mgr, failures = load(group, ext, profile="nova")
    assert not marker.exists()
    assert mgr.names() == []
    [(name, exc)] = failures
    assert name == "foo"
    assert isinstance(exc, InsecurePathError)
    assert exc.path == str(ext / "sub")


def _pyc_for(source: Path, code_text: str, *, header: str) -> bytes:
    """A ``.pyc`` of ``code_text`` whose header claims to match ``source``.

    ``timestamp``: the source's mtime and size, as ``touch -r`` or an archive
    keeps them while the bytes change; ``timestamp-stale``: a later mtime;
    ``hash``: the hash of the source's bytes; ``hash-stale``: of other bytes.
    """
    st = source.stat()
    code = compile(code_text, str(source), "exec")
    if header.startswith("hash"):
        hashed = source.read_bytes() if header == "hash" else b"other source"
        head = (0b11).to_bytes(4, "little") + importlib.util.source_hash(hashed)
    else:
        mtime = (int(st.st_mtime) + (1 if header.endswith("stale") else 0)) & 0xFFFFFFFF
        head = (0).to_bytes(4, "little") + mtime.to_bytes(4, "little")
        head += (st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    return importlib.util.MAGIC_NUMBER + head + marshal.dumps(code)


@pytest.mark.parametrize(
    ("header", "owner", "origin"),
    [
        pytest.param("hash", None, "bytecode", id="hash-of-the-vetted-bytes"),
        pytest.param("hash-stale", None, "vetted", id="hash-of-other-bytes"),
        # Same size and mtime, other bytes: a timestamp header cannot tell.
        pytest.param("timestamp", None, "vetted", id="timestamp-header-never-trusted"),
        pytest.param("timestamp-stale", None, "vetted", id="stale-timestamp"),
        pytest.param("hash", NOBODY, "vetted", id="owned-by-another-user"),
    ],
)
def test_bytecode_is_read_only_when_vetted_and_matching_the_vetted_source(
    public: Path,
    group: str,
    caplog: pytest.LogCaptureFixture,
    header: str,
    owner: int | None,
    origin: str,
) -> None:
    if owner is not None and os.geteuid() != 0:
        pytest.skip("needs root to give the bytecode file to another user")
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    source = make(ext / "foo.py", benign("Foo"))
    (ext / "__pycache__").mkdir(mode=0o755)
    pyc = Path(importlib.util.cache_from_source(str(source)))
    pyc.write_bytes(
        _pyc_for(source, benign("Foo").replace("'vetted'", "'bytecode'"), header=header)
    )
    pyc.chmod(0o644)
    if owner is not None:
        os.chown(pyc, owner, owner)
    mgr, failures = load(group, ext)
    assert failures == []
    assert origin == mgr["foo"].plugin.ORIGIN
    refused = [r.getMessage() for r in caplog.records if "compiled from source" in r.getMessage()]
    assert len(refused) == (1 if owner is not None else 0)
    if owner is not None:
        assert str(pyc) in refused[0]


# -- what a legacy file imports from beside it ---------------------------------------


def _pyc_planted(source: Path, marker: Path, cls: str) -> str:
    """The attacker's code: a timestamp ``.pyc`` of ``source`` that marks, in its cache."""
    pyc = importlib.util.cache_from_source(str(source))
    return f"""
        import importlib.util, marshal, os
        st = os.stat({str(source)!r})
        code = compile({marking(marker, cls)!r}, {str(source)!r}, "exec")
        header = importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little")
        header += (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
        header += (st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
        with open({pyc!r}, "wb") as f:
            f.write(header + marshal.dumps(code))
        """


@pytest.fixture
def _forget_helpers() -> Iterator[None]:
    yield
    for name in [n for n in sys.modules if n.startswith("_epm_helper")]:
        del sys.modules[name]


@needs_attacker
@pytest.mark.usefixtures("_forget_helpers")
def test_a_writable_sibling_module_on_sys_path_is_refused_not_run(
    public: Path, group: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # `import _epm_helper` from a vetted file, its directory on sys.path (as
    # services add it): the sibling is code the legacy path makes runnable.
    marker = public / "marker"
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    make(ext / "foo.py", "import _epm_helper\n" + benign("Foo"))
    make(ext / "_epm_helper.py", "", mode=0o666)
    attack(
        f"""
        with open({str(ext / "_epm_helper.py")!r}, "w") as f:
            f.write("open({str(marker)!r}, 'a').close()\\n")
        """
    )
    monkeypatch.syspath_prepend(str(ext))
    mgr, failures = load(group, ext)
    assert not marker.exists()
    assert mgr.names() == []
    [(name, exc)] = failures
    assert name == "foo" and isinstance(exc, ImportError)
    [record] = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert record.startswith("import of _epm_helper from the legacy path refused: ")
    assert f"{ext}/_epm_helper.py: legacy extension file is writable by group or others" in record


@needs_attacker
def test_a_sibling_imported_relatively_never_runs_bytecode_from_an_unsafe_cache(
    public: Path, group: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # `from . import _common` (a helper no profile lists) in a package
    # legacy directory: the sibling's bytecode planted in a 0777 __pycache__
    # is never read; its vetted source runs instead, and the cache is named.
    marker = public / "marker"
    ext = _package(public)
    make(ext / "foo.py", "from . import _common\n" + benign("Foo"))
    common = make(ext / "_common.py", "ORIGIN = 'vetted'\n")
    pycache = ext / "__pycache__"
    pycache.mkdir()
    pycache.chmod(0o777)
    attack(_pyc_planted(common, marker, "Common"))
    monkeypatch.syspath_prepend(str(public / "site"))
    mgr, failures = load(group, ext)
    assert failures == []
    assert not marker.exists()
    assert sys.modules["svcpkg.ext._common"].ORIGIN == "vetted"
    assert mgr["foo"].plugin.__module__ == "svcpkg.ext.foo"
    warned = [r.getMessage() for r in caplog.records if "__pycache__" in r.getMessage()]
    assert warned and all("bytecode cache directory is writable" in m for m in warned)


@needs_attacker
def test_a_sibling_owned_by_another_user_is_refused_in_a_package(
    public: Path, group: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    marker = public / "marker"
    ext = _package(public)
    make(ext / "foo.py", "import svcpkg.ext.sub.common\n" + benign("Foo"))
    (ext / "sub").mkdir(mode=0o755)
    make(ext / "sub" / "__init__.py")
    common = make(ext / "sub" / "common.py", marking(marker, "Common"))
    os.chown(common, NOBODY, NOBODY)
    monkeypatch.syspath_prepend(str(public / "site"))
    mgr, failures = load(group, ext)
    assert not marker.exists()
    assert mgr.names() == []
    [(name, exc)] = failures
    assert name == "foo" and isinstance(exc, ImportError)
    assert "svcpkg.ext.sub.common" not in sys.modules
    [record] = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert f"{ext}/sub/common.py: legacy extension file is owned by nobody" in record


def test_a_sibling_that_passes_runs_from_its_vetted_bytes(
    public: Path, group: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = _package(public)
    make(ext / "foo.py", "from . import _common\n" + benign("Foo"))
    make(ext / "_common.py", "VALUE = 1\n")
    monkeypatch.syspath_prepend(str(public / "site"))
    mgr, failures = load(group, ext)
    assert failures == [] and mgr.names() == ["foo"]
    common = sys.modules["svcpkg.ext._common"]
    assert type(common.__loader__).__name__ == "VettedLoader"
    assert common.__file__ == str(ext / "_common.py")
    assert inspect.getsource(common) == "VALUE = 1\n"


def test_a_sibling_found_through_the_current_directory_entry_is_vetted(
    public: Path, group: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # sys.path's '' (the current directory, as `python -c` and many service
    # wrappers have it) names the legacy directory when the service starts there.
    ext = public / "ext"
    ext.mkdir(mode=0o755)
    make(ext / "foo.py", "import _epm_cwd_helper\n" + benign("Foo"))
    make(ext / "_epm_cwd_helper.py", "VALUE = 1\n")
    monkeypatch.chdir(ext)
    monkeypatch.syspath_prepend("")
    try:
        mgr, failures = load(group, ext)
        assert failures == [] and mgr.names() == ["foo"]
        helper = sys.modules["_epm_cwd_helper"]
        assert type(helper.__loader__).__name__ == "VettedLoader"
    finally:
        sys.modules.pop("_epm_cwd_helper", None)
