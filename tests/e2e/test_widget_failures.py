"""Each stage of the migration matters: skip or break one and a later stage says so.

Every test installs its own copy of widget_service into one virtualenv
shared by the module (a reinstall replaces the previous copy).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import (
    WIDGET_BASE,
    WIDGET_GROUP,
    Venv,
    copy_samples,
    environment,
    epmigrate,
    legacy_warnings,
    table,
)

pytestmark = pytest.mark.venv


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    tmp = tmp_path_factory.mktemp("failures")
    return Venv.create(tmp / "venv", environment(tmp))


def own_dir(venv: Venv) -> str:
    out = venv.python_run(
        "-c", "from widget_service.api import extensions; print(extensions.EXTENSIONS_DIR)"
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_an_entry_point_missing_from_the_install_fails_verify_by_name(
    venv: Venv, tmp_path: Path
) -> None:
    service = copy_samples(tmp_path / "samples") / "widget_service"
    assert epmigrate(service, venv.env, "write").returncode == 0
    pyproject = service / "pyproject.toml"
    line = 'tags = "widget_service.extensions.tags:Tags"\n'
    assert line in pyproject.read_text()
    pyproject.write_text(pyproject.read_text().replace(line, ""))
    venv.install(service)

    listed = venv.python_run("-m", "widget_service", "list-extensions")
    rows = table(listed.stdout)
    assert rows["tags"][1] == f"legacy {own_dir(venv)}/tags.py"
    assert [w.split("'")[1] for w in legacy_warnings(listed.stderr)] == ["tags"]

    verify = epmigrate(
        tmp_path, venv.env, "verify", WIDGET_GROUP, "--legacy-path", own_dir(venv),
        "--python", venv.python,
    )  # fmt: skip
    assert verify.returncode == 1, verify.stdout + verify.stderr
    assert verify.stdout.splitlines()[-2:] == [
        "FAIL: 1 problem(s); keep the legacy path for now:",
        "  tags: no entry point provides it",
    ]
    # The check a CI job runs catches the same gap before anything is installed.
    check = epmigrate(service, venv.env, "write", "--check")
    assert check.returncode == 1
    assert '+tags = "widget_service.extensions.tags:Tags"' in check.stdout


def test_a_broken_extension_file_fails_scan_and_then_verify(venv: Venv, tmp_path: Path) -> None:
    service = copy_samples(tmp_path / "samples") / "widget_service"
    (service / "src/widget_service/extensions/tags.py").write_text("class Tags(:\n")

    scan = epmigrate(
        service, venv.env, "scan", "src/widget_service/extensions", "--base", WIDGET_BASE
    )
    assert scan.returncode == 1
    assert "src/widget_service/extensions/tags.py:1: error EPM001 syntax-error" in scan.stdout

    # The three other entry points are written; write exits 1 and names the
    # broken file, which still keeps the legacy path from being removable.
    write = epmigrate(service, venv.env, "write")
    assert write.returncode == 1
    assert "wrote 3 entry points to pyproject.toml" in write.stdout
    assert "src/widget_service/extensions/tags.py:1: error EPM001 syntax-error" in write.stderr
    assert "1 error finding above: the legacy loader fails on it too" in write.stderr
    venv.install(service)
    verify = epmigrate(
        tmp_path, venv.env, "verify", WIDGET_GROUP, "--legacy-path", own_dir(venv),
        "--python", venv.python,
    )  # fmt: skip
    assert verify.returncode == 1
    assert "  tags: the legacy file fails to load (SyntaxError" in verify.stdout


def test_a_missing_scan_directory_is_a_usage_error(tmp_path: Path) -> None:
    service = copy_samples(tmp_path / "samples") / "widget_service"
    scan = epmigrate(service, environment(tmp_path), "scan", "src/widget_service/no_such_dir")
    assert scan.returncode == 2
    assert "no_such_dir" in scan.stderr
