"""The scanner's reads under hostile files and a hostile cache: no hang, no crash,
no stale or forged answer.

Cases that could hang run under an alarm (or in a subprocess with a timeout),
so a regression fails the test instead of stopping the suite.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from epmigrate.scan import Cache, ScanResult, scan
from tests.scan.test_adversarial import BASE, REPO, extension, make_tree

pytestmark = pytest.mark.usefixtures("deadline")


SCAN = (sys.executable, "-m", "epmigrate", "scan", "--format", "json", "--no-cache")


@pytest.fixture
def ext(tmp_path: Path) -> Path:
    return make_tree(tmp_path)


def run_scan(ext: Path, cache: Cache | None = None) -> ScanResult:
    return scan(str(ext), "neutron", bases=[BASE], cache=cache)


def aliases(result: ScanResult) -> dict[str, str | None]:
    return {e.class_name: e.alias for e in result.extensions}


def entries(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.entry") if p.is_file())


# -- reading scanned files -------------------------------------------------------------


def swap_after_lstat(
    monkeypatch: pytest.MonkeyPatch, victim: Path, make: Callable[[Path], None]
) -> None:
    """Write ``victim`` as an extension, and replace it with ``make`` just after
    the scanner's ``lstat`` of it: the window between listing and opening."""
    victim.write_text(extension("Victim", "victim"))
    real_lstat = os.lstat

    def lstat_then_swap(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        st = real_lstat(path, *args, **kwargs)
        if os.fspath(path) == str(victim) and stat.S_ISREG(st.st_mode):
            os.unlink(victim)
            make(victim)
        return st

    monkeypatch.setattr(os, "lstat", lstat_then_swap)


def test_file_exchanged_for_a_fifo_after_lstat_is_a_finding(
    ext: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = ext / "victim.py"
    # The race: a regular file when listed, a FIFO when opened.
    swap_after_lstat(monkeypatch, victim, os.mkfifo)
    result = run_scan(ext)
    (found,) = [f for f in result.findings if f.path == str(victim)]
    assert found.code == "EPM004"
    assert found.message.startswith("is a FIFO")
    assert set(aliases(result)) == {"Aaa_first", "Zzz_last"}


def test_file_exchanged_for_a_link_after_lstat_is_not_followed(
    ext: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = ext / "victim.py"
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text(extension("Victim", "forged"))
    swap_after_lstat(monkeypatch, victim, lambda p: os.symlink(elsewhere, p))
    result = run_scan(ext)
    (found,) = [f for f in result.findings if f.path == str(victim)]
    assert found.code == "EPM003"
    assert "forged" not in aliases(result).values()


@pytest.mark.skipif(not os.path.exists("/proc/kmsg"), reason="needs /proc/kmsg")
def test_link_to_proc_kmsg_never_blocks(ext: Path) -> None:
    # /proc/kmsg is a "regular" file of size 0 whose read blocks (for root)
    # until the kernel logs something: the scan reads what fstat reports.
    (ext / "evil.py").symlink_to("/proc/kmsg")
    proc = subprocess.run(
        [*SCAN, "--base", BASE, str(ext)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    codes = sorted(f["code"] for f in doc["findings"] if f["path"] == str(ext / "evil.py"))
    # Outside the directory (EPM110) and, for whoever may open it, a module
    # without the class (EPM101); unreadable (EPM003) for anyone else.
    assert "EPM110" in codes, doc["findings"]
    assert proc.returncode in (0, 1)


def test_file_over_the_size_cap_is_a_scanner_limit(
    ext: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from epmigrate.scan import reading

    big = ext / "big.py"
    big.write_text(extension("Big", "big") + "#" * 5000 + "\n")
    monkeypatch.setattr(reading, "MAX_SOURCE", 4096)
    result = run_scan(ext)
    (found,) = [f for f in result.findings if f.path == str(big)]
    assert found.code == "EPM006"
    assert "more than the 4,096 the scanner reads" in found.message
    # What the loader finds there is unknown: unverified, never left out silently.
    (unread,) = [e for e in result.extensions if e.class_name == "Big"]
    assert (unread.status.value, unread.alias) == ("unverified", None)
    assert unread.alias_reason == "the scanner could not read the file (EPM006 scanner-limit)"


# -- the cache ---------------------------------------------------------------------


def test_cache_entry_of_the_wrong_shape_is_a_miss_and_rewritten(ext: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    first = run_scan(ext, Cache(str(cache_dir)))
    stored = entries(cache_dir)
    assert stored
    for entry in stored:
        entry.write_text('{"bogus": 1}')
    again = Cache(str(cache_dir))
    second = run_scan(ext, again)
    assert second == first
    assert again.hits == 0
    assert all(p.read_bytes() != b'{"bogus": 1}' for p in entries(cache_dir))
    third = Cache(str(cache_dir))
    assert run_scan(ext, third) == first
    assert third.misses == 0


def test_cache_entry_edited_by_hand_does_not_change_the_report(ext: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    first = run_scan(ext, Cache(str(cache_dir)))
    edited = 0
    for entry in entries(cache_dir):
        data = entry.read_bytes()
        if b"first" in data:
            entry.write_bytes(data.replace(b"first", b"forge"))  # the same length
            edited += 1
    assert edited
    second = run_scan(ext, Cache(str(cache_dir)))
    assert aliases(second) == aliases(first) == {"Aaa_first": "first", "Zzz_last": "last"}


def test_same_size_and_mtime_with_new_bytes_is_a_miss(ext: Path, tmp_path: Path) -> None:
    # Reproducible archives set every mtime to one value: size and time agree,
    # the bytes do not.
    cache_dir = tmp_path / "cache"
    target = ext / "aaa_first.py"
    target.write_text(extension("Aaa_first", "os-v1"))
    os.utime(target, ns=(10**18, 10**18))
    assert aliases(run_scan(ext, Cache(str(cache_dir))))["Aaa_first"] == "os-v1"
    target.write_text(extension("Aaa_first", "os-v2"))
    os.utime(target, ns=(10**18, 10**18))
    assert aliases(run_scan(ext, Cache(str(cache_dir))))["Aaa_first"] == "os-v2"


def test_cache_directory_is_private_and_never_followed_through_a_link(
    ext: Path, tmp_path: Path
) -> None:
    private = tmp_path / "private-cache"
    run_scan(ext, Cache(str(private)))
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert entries(private)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    linked = tmp_path / "linked-cache"
    linked.symlink_to(elsewhere, target_is_directory=True)
    cache = Cache(str(linked))
    result = run_scan(ext, cache)
    assert set(aliases(result)) == {"Aaa_first", "Zzz_last"}
    assert list(elsewhere.iterdir()) == []


def test_fifo_and_unreadable_cache_entries_are_skipped(ext: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    first = run_scan(ext, Cache(str(cache_dir)))
    stored = entries(cache_dir)
    for entry in stored:
        entry.unlink()
        os.mkfifo(entry)
    again = Cache(str(cache_dir))
    assert run_scan(ext, again) == first
    assert again.hits == 0
    # Each was a miss, and the scan wrote a regular entry in its place.
    assert all(stat.S_ISREG(p.lstat().st_mode) for p in stored)


def test_cache_entries_are_not_found_by_a_tree_with_other_bytes(
    tmp_path: Path,
) -> None:
    # The same path with other contents (a checkout switched branches and
    # kept the time) reads its own facts.
    root = tmp_path / "tree"
    ext = make_tree(root)
    cache_dir = tmp_path / "cache"
    run_scan(ext, Cache(str(cache_dir)))
    (ext / "zzz_last.py").write_text(extension("Zzz_last", "tsal"))
    assert aliases(run_scan(ext, Cache(str(cache_dir))))["Zzz_last"] == "tsal"


def test_a_letter_of_a_newer_unicode_ends_in_a_finding_not_a_traceback(tmp_path: Path) -> None:
    # Five bytes: a letter Python 3.11 refuses and libcst's tokenizer takes,
    # and a newline. libcst's node validation used to raise uncaught.
    ext = make_tree(tmp_path)
    (ext / "nag.py").write_bytes("\U0001e4d0\n".encode())
    proc = subprocess.run(
        [sys.executable, "-m", "epmigrate", "scan", "--base", BASE, str(ext)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = [x for x in proc.stdout.splitlines() if "nag.py:1: error EPM001" in x]
    assert "invalid non-printable character U+1E4D0" in line
    assert "is not a valid identifier" in line


def big_module_tree(root: Path) -> Path:
    """The test tree plus ``big.py``: a valid 3 MB module whose tree takes about 1.5 GB."""
    ext = make_tree(root)
    (ext / "big.py").write_text(
        "from proj import base\nDATA = [" + "1," * 1_500_000 + "]\n\n\n"
        "class Big(base.ExtensionDescriptor):\n    def get_alias(self):\n        return 'big'\n"
    )
    return ext


LIMITED = """\
import resource, sys
import ast, epmigrate.cli, epmigrate.scan.parsing  # loaded before the limit
with open("/proc/self/status") as status:
    size = next(int(x.split()[1]) * 1024 for x in status if x.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (size + (200 << 20), size + (200 << 20)))
sys.argv = ["epmigrate", *sys.argv[1:]]
from epmigrate.__main__ import main
main()
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc")
def test_out_of_memory_is_its_own_finding_and_never_cached(tmp_path: Path) -> None:
    # A valid 3 MB module whose tree takes over 1 GB, scanned under a 200 MB
    # address-space allowance: Python's parser raises MemoryError.
    ext = big_module_tree(tmp_path)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = ["scan", "--format", "json", "--base", BASE, str(ext)]

    def run(*prefix: str) -> dict[str, Any]:
        proc = subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode in (0, 1), proc.stderr
        document: dict[str, Any] = json.loads(proc.stdout)
        return document

    limited = run(sys.executable, "-c", LIMITED)
    big = [e for e in limited["extensions"] if e["class"] == "Big"]
    assert [e["status"] for e in big] == ["unverified"]
    codes = [f["code"] for f in limited["findings"] if f["path"].endswith("big.py")]
    assert codes == ["EPM007"]  # not EPM001: nothing says the file is broken
    assert not (tmp_path / "cache" / "epmigrate").exists() or not any(
        (tmp_path / "cache" / "epmigrate").rglob("*.entry")
    )
    # The same command without the limit reads the file: nothing stale replays.
    full = run(sys.executable, "-m", "epmigrate")
    assert [e["status"] for e in full["extensions"] if e["class"] == "Big"] == ["loaded"]
    assert not [f for f in full["findings"] if f["path"].endswith("big.py")]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: the victim is a root-owned directory")
def test_the_cache_is_not_reached_through_a_link_in_a_directory_others_can_write(
    ext: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Only the last component used to be opened with O_NOFOLLOW: through a
    # link planted in a world-writable (not sticky) directory on the way,
    # root chmod-ed a root-owned directory elsewhere to 0700 and wrote its
    # entries there.
    top = tmp_path_factory.mktemp("cache-walk")
    top.chmod(0o755)
    victim = top / "victim" / "epmigrate"
    victim.mkdir(parents=True)
    victim.chmod(0o755)
    shared = top / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    os.symlink(top / "victim", shared / "c")  # what another user may put there
    result = run_scan(ext, Cache(str(shared / "c" / "epmigrate")))
    assert set(aliases(result)) == {"Aaa_first", "Zzz_last"}
    assert stat.S_IMODE(victim.stat().st_mode) == 0o755
    assert list(victim.iterdir()) == []


def test_a_cache_home_that_is_a_link_of_the_users_own_is_followed(
    ext: Path, tmp_path: Path
) -> None:
    # ~/.cache on another disk: a link in a directory of the user's is
    # followed component by component, and the cache works there.
    disk = tmp_path / "disk"
    disk.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    (home / ".cache").symlink_to(disk, target_is_directory=True)
    cache = Cache(str(home / ".cache" / "epmigrate"))
    run_scan(ext, cache)
    assert entries(disk / "epmigrate")
    second = Cache(str(home / ".cache" / "epmigrate"))
    run_scan(ext, second)
    assert second.hits == 1


def _peak_rss_mib_of(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, float]:
    """Run a child: its exit status, its stdout, and its peak RSS in MiB (Linux's ru_maxrss)."""
    code = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(done.stderr)\n"
        "print(done.returncode)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
        "sys.stdout.write(done.stdout)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )
    status, peak, rest = done.stdout.split("\n", 2)
    assert "Traceback" not in done.stderr, done.stderr
    return int(status), rest, float(peak)


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux's /proc")
def test_one_files_parse_is_bounded_by_the_documented_allowance(tmp_path: Path) -> None:
    # A valid 3 MB module whose tree takes about 1.5 GB: with an allowance
    # of 300 MiB it is a resource-limit finding, at a fraction of the memory.
    ext = big_module_tree(tmp_path)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    scan = [sys.executable, "-m", "epmigrate", "scan", "--format", "json", "--base", BASE]
    status, out, peak = _peak_rss_mib_of(
        [*scan, "--max-parse-memory", "300", str(ext)], tmp_path, env
    )
    assert status == 1
    document = json.loads(out)
    [finding] = [f for f in document["findings"] if f["path"].endswith("big.py")]
    assert finding["code"] == "EPM007"
    assert "needed more than the 300 MiB allowed for one file" in finding["message"]
    assert "--max-parse-memory" in finding["message"]
    assert peak < 600, peak
    # The environment variable sets it too; 0 lifts the bound.
    status, out, _ = _peak_rss_mib_of(
        [*scan, str(ext)], tmp_path, {**env, "EPMIGRATE_PARSE_MEMORY": "0"}
    )
    assert [e["status"] for e in json.loads(out)["extensions"] if e["class"] == "Big"] == ["loaded"]


def test_a_sparse_settings_file_of_gigabytes_is_never_read_whole(tmp_path: Path) -> None:
    # The replay's key hashed ./pyproject.toml and ./setup.cfg whole before
    # anything else: a sparse 3 GiB file cost 6 GB.
    from epmigrate import fileio, quick

    assert quick.MAX_CONFIG == fileio.MAX_SIZE
    ext = make_tree(tmp_path)
    with open(tmp_path / "pyproject.toml", "wb") as fh:
        fh.truncate(3 << 30)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    scan = [sys.executable, "-m", "epmigrate", "scan", "--base", BASE, str(ext)]
    for _ in range(2):  # the second run asks the replay first
        status, out, peak = _peak_rss_mib_of(scan, tmp_path, env)
        assert status == 0, out
        assert "2 loaded" in out
        assert peak < 200, peak
