"""``epmigrate write`` on files that fight back.

Every case runs the real command on a small real project and checks the exit
status, the exact error text (file, line where there is one, what to do), that
the target's bytes are unchanged (SHA-256 before and after) and that no
temporary file is left beside it.

Tests run as root here, and root ignores permission bits. The read-only cases
therefore run the writer in a subprocess whose capability bounding set lacks
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER: the kernel then checks
the mode bits for it as for anyone (an unprivileged uid cannot be used: the
interpreter lives under /root, which only root may enter). Run as a normal
user, the same subprocess simply runs as that user.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from epmigrate.cli import cli
from epmigrate.fileio import TEMP_SUFFIX
from tests.write.test_write_command import ARGS, SETUP_CFG, make_service

_PR_CAPBSET_DROP = 24
# CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER (linux/capability.h).
_FILE_CAPABILITIES = (1, 2, 3)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temps(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(TEMP_SUFFIX))


def run_cli(root: Path, *args: str) -> Result:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(cli, ["write", *args], catch_exceptions=False)
    finally:
        os.chdir(cwd)


def drop_file_capabilities() -> None:
    """In a child before exec: lose the capabilities that bypass permission bits."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _FILE_CAPABILITIES:
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def unprivileged() -> Callable[[], None] | None:
    return drop_file_capabilities if os.geteuid() == 0 else None


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("EPMIGRATE_TEST_SLOW_WRITE", None)
    return {**env, **extra}


def run_sub(
    root: Path,
    *args: str,
    preexec: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "epmigrate", "write", *args],
        cwd=root,
        env=env or child_env(),
        preexec_fn=preexec,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    make_service(tmp_path)
    yield tmp_path
    # A read-only case may leave the directory without a write bit.
    tmp_path.chmod(0o755)


def write_target(project: Path, name: str, text: str) -> tuple[Path, str]:
    path = project / name
    path.write_text(text)
    return path, digest(path)


def assert_untouched(path: Path, before: str) -> None:
    assert digest(path) == before
    assert temps(path.parent) == []


# -- files the build itself would refuse ---------------------------------------

SETUP_CFG_REFUSED = [
    pytest.param(
        "name = svc\n[metadata]\nversion = 1\n",
        "{path}:1: line 'name = svc' comes before any section header\n"
        "  hint: put it under a section such as [metadata], or comment it out with '#'",
        id="line before any section",
    ),
    pytest.param(
        "[metadata]\nname = svc\n\n[metadata]\nversion = 1\n",
        "{path}:4: duplicate section [metadata] (first at line 1)\n"
        "  hint: merge the two sections into one; setuptools and pbr refuse a file that "
        "repeats a section",
        id="duplicate section",
    ),
    pytest.param(
        "[metadata]\nname = svc\nversion = 1\nname = other\n",
        "{path}:4: duplicate option 'name' in [metadata] (first at line 2)\n"
        "  hint: merge the two values into one option; setuptools and pbr refuse a section "
        "that repeats an option",
        id="duplicate key",
    ),
    pytest.param(
        "[metadata]\nname = svc\n[options\npackages = find:\n",
        "{path}:3: section header '[options' is not closed\n"
        "  hint: end the header with ']', e.g. [options.entry_points]",
        id="unterminated section header",
    ),
    pytest.param(
        "[metadata]\nname = svc\ndescription = 100% pure\n",
        "{path}:3: option 'description' in [metadata] has a bare '%': '%' must be followed "
        "by '%' or '(', found: '% pure'; setuptools and pbr read setup.cfg with '%' "
        "interpolation, so the build would stop here\n"
        "  hint: write a literal '%' as '%%', then run again; nothing was written",
        id="bare percent",
    ),
    pytest.param(
        "[metadata]\nname = svc\n\n[options]\npackages = find:\npython_requires = %(pyver)s\n",
        "{path}:6: option 'python_requires' in [options] uses '%(pyver)s', but no option "
        "'pyver' is in [options] or [DEFAULT]; setuptools and pbr read setup.cfg with '%' "
        "interpolation, so the build would stop here\n"
        "  hint: write a literal '%' as '%%', then run again; nothing was written",
        id="percent reference to no option",
    ),
]


@pytest.mark.parametrize(("text", "error"), SETUP_CFG_REFUSED)
def test_setup_cfg_the_build_refuses_is_left_as_it_is(project: Path, text: str, error: str) -> None:
    path, before = write_target(project, "setup.cfg", text)
    result = run_cli(project, str(path), *ARGS)
    assert result.exit_code == 1
    assert result.stderr == "Error: " + error.format(path=path) + "\n"
    assert_untouched(path, before)


def test_percent_the_build_reads_is_kept_and_the_build_reads_the_entries(
    project: Path,
) -> None:
    text = "[metadata]\nname = svc\ndescription = 100%% pure, %(name)s\n"
    path, _ = write_target(project, "setup.cfg", text)
    result = run_cli(project, str(path), *ARGS)
    assert result.exit_code == 0, result.output
    assert path.read_text() == text + (
        "\n[options.entry_points]\nsvc.api.extensions =\n"
        "    alpha = svc.extensions.alpha:Alpha\n    beta = svc.extensions.beta:Beta\n"
    )
    # What setuptools itself makes of the file: '%%' is '%', '%(name)s' the name.
    from setuptools.dist import Distribution

    dist = Distribution()
    dist.parse_config_files([str(path)])
    assert dist.metadata.description == "100% pure, svc"
    assert dist.entry_points == {
        "svc.api.extensions": [
            "alpha = svc.extensions.alpha:Alpha",
            "beta = svc.extensions.beta:Beta",
        ]
    }
    assert temps(project) == []


def test_invalid_toml_names_line_and_column(project: Path) -> None:
    path, before = write_target(
        project, "pyproject.toml", '[project]\nname = "svc"\nversion = 1.0.0\n'
    )
    result = run_cli(project, str(path), *ARGS)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}:3:14: pyproject.toml is not valid TOML: Expected newline or end of "
        "document after a statement\n"
        "  hint: fix the TOML syntax there first; nothing was written\n"
    )
    assert_untouched(path, before)


def test_invalid_toml_is_reported_the_same_without_a_target(project: Path) -> None:
    path, before = write_target(project, "pyproject.toml", '[project\nname = "svc"\n')
    result = run_cli(project, *ARGS)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: ./pyproject.toml:1:9: pyproject.toml is not valid TOML: Expected ']' at the "
        "end of a table declaration\n"
        "  hint: fix the TOML syntax there first; nothing was written\n"
    )
    assert_untouched(path, before)


def test_setup_py_syntax_error_names_line_and_column(project: Path) -> None:
    path, before = write_target(
        project, "setup.py", 'from setuptools import setup\n\nsetup(name="svc",\n'
    )
    result = run_cli(project, str(path), *ARGS)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}:3:6: setup.py is not valid Python: '(' was never closed\n"
        "  hint: fix the syntax error first; nothing was written\n"
    )
    assert_untouched(path, before)


# -- the file system says no ---------------------------------------------------


def test_the_subprocess_really_obeys_permission_bits(project: Path) -> None:
    # Guard for the read-only cases: the writer's subprocess cannot write a
    # file or a directory without a write bit, even when the tests run as root.
    locked = project / "locked"
    locked.write_text("x\n")
    locked.chmod(0o444)
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; open(sys.argv[1], 'ab')", str(locked)],
        preexec_fn=unprivileged(),
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 1
    assert "PermissionError: [Errno 13] Permission denied" in probe.stderr


def test_read_only_file_is_refused(project: Path) -> None:
    path, before = write_target(project, "setup.cfg", SETUP_CFG)
    path.chmod(0o444)
    result = run_sub(project, str(path), *ARGS, preexec=unprivileged())
    assert result.returncode == 1
    assert result.stderr.endswith(
        f"Error: {path}: {path} is read-only (mode 0444); nothing was written\n"
        f"  hint: make it writable (chmod u+w {path}) and run again, or pass --force to "
        "replace it anyway\n"
    )
    assert_untouched(path, before)
    assert path.stat().st_mode & 0o777 == 0o444


def test_read_only_directory_is_refused(project: Path) -> None:
    path, before = write_target(project, "setup.cfg", SETUP_CFG)
    project.chmod(0o555)
    result = run_sub(project, str(path), *ARGS, preexec=unprivileged())
    project.chmod(0o755)
    assert result.returncode == 1
    assert result.stderr.endswith(
        f"Error: {path}: cannot create a temporary file in {project}: Permission denied; "
        f"{path} is untouched\n"
        "  hint: the directory must be writable: epmigrate writes a new file beside the old "
        "one and renames it, so the old file is never half-written\n"
    )
    assert_untouched(path, before)


def test_file_too_large_for_the_process_limit(project: Path) -> None:
    path, before = write_target(project, "setup.cfg", SETUP_CFG)
    limit = len(SETUP_CFG) + 16  # the new text is longer: its write hits the limit

    def limited() -> None:
        # SIGXFSZ would kill the process; ignored, the write fails with EFBIG.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = run_sub(project, str(path), *ARGS, preexec=limited)
    assert result.returncode == 1
    assert result.stderr.endswith(
        f"Error: {path}: cannot write {path}: the file is too large for this file system or "
        f"process limit (File too large); {path} is untouched\n"
        "  hint: free some space (or raise the limit) and run again\n"
    )
    assert_untouched(path, before)


def test_full_disk(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulated at the OS boundary: the kernel reports ENOSPC when the data
    # reaches the disk, which is at fsync on file systems that allocate late.
    path, before = write_target(project, "setup.cfg", SETUP_CFG)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    result = run_cli(project, str(path), *ARGS)
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"Error: {path}: cannot write {path}: the disk is full (No space left on device); "
        f"{path} is untouched\n"
        "  hint: free some space (or raise the limit) and run again\n"
    )
    assert_untouched(path, before)


def test_file_changed_between_read_and_write(project: Path) -> None:
    path, _ = write_target(project, "setup.cfg", SETUP_CFG)
    # A slow write leaves time to edit the file while its temporary file exists.
    writer = subprocess.Popen(
        [sys.executable, "-m", "epmigrate", "write", str(path), *ARGS],
        cwd=project,
        env=child_env(EPMIGRATE_TEST_SLOW_WRITE="0.2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not temps(project):
        assert writer.poll() is None, writer.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    edited = SETUP_CFG + "# edited meanwhile\n"
    path.write_text(edited)
    edited_digest = digest(path)
    out, err = writer.communicate(timeout=30)
    assert writer.returncode == 1, out + err
    assert err.endswith(
        f"Error: {path}: {path} changed on disk since it was read; nothing was written\n"
        "  hint: run the command again on the new version\n"
    )
    assert_untouched(path, edited_digest)


# -- packaging files that are links out of the project ----------------------------

SECRET = "[metadata]\nname = x\nTOKEN-LEAKED-7f3a = ghp_secret\n%(broken\n[x\n"
"""What a link may lead to: text that the INI and TOML readers would quote in an error."""


def link_out(project: Path, name: str, outside: Path) -> Path:
    outside.mkdir(exist_ok=True)
    secret = outside / "secret"
    secret.write_text(SECRET)
    secret.chmod(0o600)
    (project / ".git").mkdir(exist_ok=True)  # the project is a git work tree
    link = project / name
    link.symlink_to(secret)
    return secret


@pytest.mark.parametrize("name", ["setup.cfg", "pyproject.toml"])
@pytest.mark.parametrize("mode", [("--check",), ("--diff",), ()])
def test_a_packaging_file_linked_out_of_the_project_is_never_read_or_written(
    project: Path, tmp_path_factory: pytest.TempPathFactory, name: str, mode: tuple[str, ...]
) -> None:
    # write --check (the pre-commit hook), --diff and a real write used to
    # print (or edit) whatever the link points to: /proc/self/environ, a
    # token file, root's 0600 files.
    secret = link_out(project, name, tmp_path_factory.mktemp("elsewhere"))
    before = digest(secret)
    done = run_sub(project, *mode, *ARGS)
    assert done.returncode == 1
    assert "TOKEN-LEAKED" not in done.stdout + done.stderr
    assert f"./{name} is a symbolic link to {secret}, outside its git work tree" in done.stderr
    assert "--follow-links" in done.stderr
    assert_untouched(secret, before)


def test_scan_reads_no_project_table_through_a_link_out_of_the_project(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    link_out(project, "pyproject.toml", tmp_path_factory.mktemp("elsewhere"))
    done = subprocess.run(
        [sys.executable, "-m", "epmigrate", "scan", "--no-cache", "svc/extensions"],
        cwd=project,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "TOKEN-LEAKED" not in done.stdout + done.stderr
    assert "project settings ignored: ./pyproject.toml is a symbolic link to" in done.stderr


def test_a_shared_config_linked_inside_the_work_tree_is_written_and_follow_links_opts_in(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    (project / ".git").mkdir()
    shared = project / "config" / "setup.cfg"
    shared.parent.mkdir()
    shared.write_text(SETUP_CFG)
    (project / "setup.cfg").symlink_to("config/setup.cfg")
    done = run_sub(project, *ARGS)
    assert done.returncode == 0, done.stderr
    assert "svc.api.extensions" in shared.read_text()
    assert (project / "setup.cfg").is_symlink()
    # Out of the tree, only with --follow-links.
    outside = tmp_path_factory.mktemp("elsewhere") / "setup.cfg"
    outside.write_text(SETUP_CFG)
    (project / "setup.cfg").unlink()
    (project / "setup.cfg").symlink_to(outside)
    assert run_sub(project, *ARGS).returncode == 1
    done = run_sub(project, "--follow-links", *ARGS)
    assert done.returncode == 0, done.stderr
    assert "svc.api.extensions" in outside.read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own files as another user")
def test_root_never_writes_another_users_file_without_force(project: Path) -> None:
    cfg, before = write_target(project, "setup.cfg", SETUP_CFG)
    os.chown(cfg, 65534, 65534)
    done = run_sub(project, *ARGS)
    assert done.returncode == 1
    assert "./setup.cfg is owned by nobody, not root; root does not write another user's file" in (
        done.stderr
    )
    assert_untouched(cfg, before)
    done = run_sub(project, "--force", *ARGS)
    assert done.returncode == 0, done.stderr
    assert os.stat(cfg).st_uid == 65534  # written, and still the user's


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: the attacker is uid 65534")
def test_a_link_planted_by_another_user_never_makes_root_edit_a_file_elsewhere() -> None:
    # A checkout of uid 65534's, where root runs `epmigrate write` (a CI
    # job, an operator's migration): the user swaps setup.cfg for a link to
    # a root-owned 0600 file outside the checkout.
    from tests.loader.test_attacks import ATTACKER_PYTHON, attack

    if ATTACKER_PYTHON is None:
        pytest.skip("no interpreter uid 65534 can run")
    # In the system temporary directory: the attacker must reach it, also
    # when the clone (and pytest's tmp_path) sits in a 0700 directory.
    top = Path(tempfile.mkdtemp(prefix="epmigrate-checkout-", dir=tempfile.gettempdir()))
    top.chmod(0o755)
    try:
        _plant_and_write(top, attack)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _plant_and_write(top: Path, attack: Callable[[str], None]) -> None:
    victim = top / "root-only.cfg"
    victim.write_text(SETUP_CFG + "# root's own\n")
    victim.chmod(0o600)
    before = digest(victim)
    checkout = top / "checkout"
    make_service(checkout)
    (checkout / ".git").mkdir()
    for path in [checkout, *checkout.rglob("*")]:
        os.chown(path, 65534, 65534, follow_symlinks=False)
    attack(f"import os; os.symlink({str(victim)!r}, {str(checkout / 'setup.cfg')!r})")
    done = run_sub(checkout, *ARGS)
    assert done.returncode == 1
    assert f"./setup.cfg is a symbolic link to {victim}, outside its git work tree" in done.stderr
    assert digest(victim) == before
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o600


def test_a_link_pointed_out_of_the_project_between_read_and_write_is_refused(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Read through a link inside the work tree, then the link is pointed at
    # a file elsewhere with the very same bytes: the lock, taken by name,
    # used to follow it there and the unchanged bytes passed the check.
    from epmigrate.errors import WriteError
    from epmigrate.fileio import read_text, write_text

    (project / ".git").mkdir()
    inside = project / "config" / "setup.cfg"
    inside.parent.mkdir()
    inside.write_text(SETUP_CFG)
    link = project / "setup.cfg"
    link.symlink_to("config/setup.cfg")
    snapshot = read_text(str(link))
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "setup.cfg"
    elsewhere.write_text(SETUP_CFG)
    link.unlink()
    link.symlink_to(elsewhere)
    with pytest.raises(WriteError, match=r"is a symbolic link to .*, outside its git work tree"):
        write_text(snapshot, SETUP_CFG + "[x]\n")
    assert elsewhere.read_text() == SETUP_CFG
