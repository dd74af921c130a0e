"""Writes under faults: concurrent writers, other writers' temporary files,
symbolic links, read-only files (also for root), metadata the new file must keep."""

from __future__ import annotations

import errno
import os
import stat
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from epmigrate import fileio
from epmigrate.errors import WriteError
from epmigrate.fileio import TEMP_SUFFIX, read_text, remove_stale_temps, write_text
from epmigrate.write import run
from tests.scan.conftest import NEUTRON_EXT
from tests.write.test_write_command import ARGS, BASE, SETUP_CFG, make_service
from tests.write.test_write_command import run as run_cli

pytestmark = pytest.mark.usefixtures("deadline")


def temps(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(TEMP_SUFFIX))


def two_services(root: Path) -> None:
    make_service(root, exts=("alpha", "beta"))
    other = root / "svc" / "more"
    other.mkdir()
    (other / "__init__.py").write_text("")
    (other / "gamma.py").write_text(
        "from svc.api import extensions\n\n"
        "class Gamma(extensions.ExtensionDescriptor):\n"
        "    def get_alias(self):\n        return 'os-gamma'\n"
    )


def request(root: Path, directory: str, group: str) -> run.Request:
    return run.Request(
        root=str(root), paths=[str(root / "svc" / directory)], bases=[BASE], group=group
    )


# -- concurrent writers --------------------------------------------------------


def test_second_commit_merges_into_what_the_first_wrote(tmp_path: Path) -> None:
    # Both writers read the same bytes; the second commit must not drop the first's group.
    two_services(tmp_path)
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG)
    first = run.prepare(request(tmp_path, "extensions", "svc.a"))
    second = run.prepare(request(tmp_path, "more", "svc.b"))
    run.commit(first)
    done = run.commit(second)
    text = cfg.read_text()
    assert "svc.a =\n    alpha = svc.extensions.alpha:Alpha\n" in text
    assert "svc.b =\n    gamma = svc.more.gamma:Gamma\n" in text
    assert done.edit.text == text
    assert temps(tmp_path) == []


def test_stale_snapshot_is_refused_under_the_lock(tmp_path: Path) -> None:
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG)
    a, b = read_text(str(cfg)), read_text(str(cfg))
    write_text(a, SETUP_CFG + "[a]\n")
    with pytest.raises(WriteError, match="changed on disk since it was read; nothing was written"):
        write_text(b, SETUP_CFG + "[b]\n")
    assert cfg.read_text() == SETUP_CFG + "[a]\n"


def test_a_writer_waits_for_the_lock_then_merges(tmp_path: Path) -> None:
    # The lock is held across read, check and replace: a commit that starts
    # while another writer holds it waits, and then sees that writer's bytes.
    two_services(tmp_path)
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG)
    outcome = run.prepare(request(tmp_path, "more", "svc.b"))
    script = (
        "import sys, time\n"
        "from epmigrate.fileio import lock\n"
        "with lock(sys.argv[1]) as held:\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(0.5)\n"
        "    held.read()\n"
        "    open(sys.argv[1], 'a').write('[held]\\n')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(cfg)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"
    start = time.monotonic()
    run.commit(outcome)
    waited = time.monotonic() - start
    holder.communicate(timeout=30)
    assert holder.returncode == 0
    text = cfg.read_text()
    assert waited > 0.2
    assert "[held]\n" in text
    assert "svc.b =\n    gamma = svc.more.gamma:Gamma\n" in text


def test_lock_follows_the_file_replaced_meanwhile(tmp_path: Path) -> None:
    # A waiter on the old inode must not write on the strength of a lock on
    # a file the name no longer leads to.
    cfg = tmp_path / "setup.cfg"
    cfg.write_text("one\n")
    order: list[str] = []
    with fileio.lock(str(cfg)) as held:
        old_ino = os.fstat(held.fd).st_ino

        def other() -> None:
            with fileio.lock(str(cfg)) as second:
                order.append("second")
                assert os.fstat(second.fd).st_ino != old_ino

        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.2)
        order.append("first")
        write = read_text(str(cfg))
        fileio.replace_locked(held, write, "two\n")
    thread.join(timeout=30)
    assert order == ["first", "second"]
    assert cfg.read_text() == "two\n"


def test_a_live_writers_temporary_file_is_kept(tmp_path: Path) -> None:
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with open(f"/proc/{sleeper.pid}/stat", "rb") as fh:
            start = fh.read().rsplit(b")", 1)[1].split()[19].decode()
        live = tmp_path / f".setup.cfg.{sleeper.pid}-{start}.x1{TEMP_SUFFIX}"
        reused = tmp_path / f".setup.cfg.{sleeper.pid}-{int(start) + 1}.x2{TEMP_SUFFIX}"
        foreign = tmp_path / f".setup.cfg.abc123{TEMP_SUFFIX}"
        for p in (live, reused, foreign):
            p.write_text("partial")
        assert remove_stale_temps(str(cfg)) == [reused.name]
        write_text(read_text(str(cfg)), SETUP_CFG + "[x]\n")
        assert temps(tmp_path) == sorted([live.name, foreign.name])
    finally:
        sleeper.kill()
        sleeper.wait()
    assert remove_stale_temps(str(cfg)) == [live.name]


def test_temporary_file_names_its_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG)
    seen: list[str] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        seen.append(os.path.basename(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_text(read_text(str(cfg)), "new\n")
    assert len(seen) == 1
    assert seen[0].startswith(f".setup.cfg.{os.getpid()}-")
    assert seen[0].endswith(TEMP_SUFFIX)


# -- symbolic links --------------------------------------------------------------


def test_symlinked_setup_cfg_is_edited_where_it_points(tmp_path: Path) -> None:
    make_service(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "common.cfg"
    real.write_text(SETUP_CFG)
    (tmp_path / "setup.cfg").symlink_to("shared/common.cfg")
    result = run_cli(tmp_path, *ARGS)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "setup.cfg").is_symlink()
    assert os.readlink(tmp_path / "setup.cfg") == "shared/common.cfg"
    assert "alpha = svc.extensions.alpha:Alpha" in real.read_text()
    assert f"setup.cfg is a symbolic link: the entries go into {real}, and the link is kept" in (
        result.stderr
    )
    assert temps(tmp_path) == [] and temps(shared) == []


# -- read-only files, metadata -------------------------------------------------


def test_read_only_mode_is_refused_also_for_root(tmp_path: Path) -> None:
    make_service(tmp_path)
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG)
    cfg.chmod(0o444)
    result = run_cli(tmp_path, *ARGS)
    assert result.exit_code == 1
    assert f"{cfg.name} is read-only (mode 0444); nothing was written" in result.output
    assert "or pass --force to replace it anyway" in result.output
    assert cfg.read_text() == SETUP_CFG
    forced = run_cli(tmp_path, *ARGS, "--force")
    assert forced.exit_code == 0, forced.output
    assert "alpha = svc.extensions.alpha:Alpha" in cfg.read_text()
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o444


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the file another owner")
def test_setuid_bit_survives_the_owner_change(tmp_path: Path) -> None:
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG)
    os.chown(cfg, 1234, 5678)
    cfg.chmod(0o6755)
    # Root writes another user's file only when told to (force).
    write_text(read_text(str(cfg)), SETUP_CFG + "[x]\n", force=True)
    st = cfg.stat()
    assert (st.st_uid, st.st_gid) == (1234, 5678)
    assert stat.S_IMODE(st.st_mode) == 0o6755


def _acl(entries: list[tuple[int, int, int]]) -> bytes:
    # The kernel's posix_acl_access xattr: version 2, then (tag, perm, id) entries.
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def test_extended_attributes_and_acl_are_copied(tmp_path: Path) -> None:
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG)
    undefined = 0xFFFFFFFF
    acl = _acl(
        [
            (0x01, 6, undefined),  # user::rw-
            (0x02, 6, 1234),  # user:1234:rw-
            (0x04, 4, undefined),  # group::r--
            (0x10, 6, undefined),  # mask::rw-
            (0x20, 4, undefined),  # other::r--
        ]
    )
    try:
        os.setxattr(cfg, "user.origin", b"shared config")
        os.setxattr(cfg, "system.posix_acl_access", acl)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            pytest.skip(f"the file system of {tmp_path} has no xattrs or ACLs")
        raise
    mode = stat.S_IMODE(cfg.stat().st_mode)
    write_text(read_text(str(cfg)), SETUP_CFG + "[x]\n")
    assert cfg.read_text() == SETUP_CFG + "[x]\n"
    assert os.getxattr(cfg, "user.origin") == b"shared config"
    assert os.getxattr(cfg, "system.posix_acl_access") == acl
    assert stat.S_IMODE(cfg.stat().st_mode) == mode


def test_a_fifo_target_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "setup.cfg"
    os.mkfifo(fifo)
    with pytest.raises(WriteError, match="not a regular file"):
        read_text(str(fifo))


DUP_ROUTER = NEUTRON_EXT / "dup_router.py"


def test_new_package_refuses_links_that_leave_the_directory(tmp_path: Path) -> None:
    loose = tmp_path / "contrib"
    loose.mkdir()
    (loose / "dup_router.py").write_bytes(DUP_ROUTER.read_bytes())
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    (loose / "leak.py").symlink_to(secret)
    out = tmp_path / "out"
    result = run_cli(
        tmp_path, "--new-package", "widget-contrib", "--path", "contrib", "--group", "g", str(out)
    )
    assert result.exit_code == 1
    assert f"contrib/leak.py -> {secret}" in result.output
    assert "symbolic links to files outside the directory" in result.output
    assert not out.exists()


def test_new_package_copies_a_link_inside_the_directory_as_a_file(tmp_path: Path) -> None:
    loose = tmp_path / "contrib"
    loose.mkdir()
    (loose / "real").mkdir()
    (loose / "real" / "dup_router.py").write_bytes(DUP_ROUTER.read_bytes())
    (loose / "dup_router.py").symlink_to("real/dup_router.py")
    out = tmp_path / "out"
    result = run_cli(
        tmp_path, "--new-package", "widget-contrib", "--path", "contrib", "--group", "g", str(out)
    )
    assert result.exit_code == 0, result.output
    copied = out / "src" / "widget_contrib" / "dup_router.py"
    assert not copied.is_symlink()
    assert copied.read_bytes() == DUP_ROUTER.read_bytes()


# -- encodings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "said"),
    [
        ("utf-16-le", "UTF-16 (little-endian, without a BOM)"),
        ("utf-16-be", "UTF-16 (big-endian, without a BOM)"),
        ("utf-16", "UTF-16 (little-endian, with a BOM)"),
        ("utf-32-le", "UTF-32 (little-endian, without a BOM)"),
    ],
)
def test_a_utf16_or_utf32_file_is_named_as_such(tmp_path: Path, encoding: str, said: str) -> None:
    # Without a BOM, UTF-16 decodes as UTF-8 full of NULs: the message used
    # to quote '\x00n\x00a\x00m\x00e' from the INI reader.
    make_service(tmp_path)
    cfg = tmp_path / "setup.cfg"
    data = SETUP_CFG.encode(encoding)
    cfg.write_bytes(data)
    result = run_cli(tmp_path, "--check", *ARGS)
    assert result.exit_code == 1, result.output
    assert f"setup.cfg:1: looks like {said}, not UTF-8" in result.stderr
    assert "save it as UTF-8" in result.stderr
    assert "\\x00" not in result.stderr
    assert cfg.read_bytes() == data


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "1e9", "inf"])
def test_a_bad_value_of_the_crash_tests_pause_is_an_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    make_service(tmp_path)
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG)
    monkeypatch.setenv("EPMIGRATE_TEST_SLOW_WRITE", value)
    result = run_cli(tmp_path, *ARGS)
    assert result.exit_code == 1, result.output
    assert f"EPMIGRATE_TEST_SLOW_WRITE={value!r} is not a number of seconds" in result.stderr
    assert "unset EPMIGRATE_TEST_SLOW_WRITE" in result.stderr
    assert cfg.read_text() == SETUP_CFG
    assert temps(tmp_path) == []


# -- a file system whose flock excludes nothing ------------------------------------


def _commit_in_child(outcome: run.Outcome) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        code = 1
        try:
            run.commit(outcome)
            code = 0
        finally:
            os._exit(code)
    return pid


def test_writers_on_a_file_system_without_locking_take_turns_on_a_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On file systems mounted without locking (NFS with nolock, some FUSE
    # ones), flock succeeds for everyone and excludes no one: two writers
    # read the same bytes and one update was lost while both exited 0. The
    # file system is stood in for by an flock that always succeeds.
    monkeypatch.setattr(fileio.fcntl, "flock", lambda fd, op: None)
    monkeypatch.setenv("EPMIGRATE_TEST_SLOW_WRITE", "0.02")  # writes that overlap
    two_services(tmp_path)
    cfg = tmp_path / "setup.cfg"
    for _ in range(6):
        cfg.write_text(SETUP_CFG)
        first = run.prepare(request(tmp_path, "extensions", "svc.a"))
        second = run.prepare(request(tmp_path, "more", "svc.b"))
        pids = [_commit_in_child(first), _commit_in_child(second)]
        assert [os.waitpid(pid, 0)[1] for pid in pids] == [0, 0]
        text = cfg.read_text()
        assert "svc.a =\n    alpha = svc.extensions.alpha:Alpha\n" in text
        assert "svc.b =\n    gamma = svc.more.gamma:Gamma\n" in text
        assert sorted(os.listdir(tmp_path)) == ["setup.cfg", "svc"]  # no lock file left


def test_a_lock_file_left_by_a_dead_writer_does_not_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fileio.fcntl, "flock", lambda fd, op: None)
    make_service(tmp_path)
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    (tmp_path / f".setup.cfg{fileio.LOCK_SUFFIX}").write_text(f"{dead.stdout.strip()}-1\n")
    result = run_cli(tmp_path, *ARGS)
    assert result.exit_code == 0, result.output
    assert "svc.api.extensions" in cfg.read_text()
    assert not (tmp_path / f".setup.cfg{fileio.LOCK_SUFFIX}").exists()
