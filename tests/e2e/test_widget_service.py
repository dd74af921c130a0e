"""widget_service migrated end to end: scan, write, pip install, hybrid loading, verify.

One migration runs per module, stage by stage, in a copy of sample_projects/
and one virtualenv; each test checks what one stage showed. The operator's
``api_extensions_path`` holds copies of widget_contrib's loose files until
they become the package widget-contrib.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
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

OWN = ("colors", "gadgets", "quotas", "tags")
PLUGINS = ("labels", "paint")
CONTRIB = ("audit_log", "sprockets")
ALIASES = {
    "audit_log": "audit-log",
    "colors": "colors",
    "gadgets": "gadgets",
    "labels": "widget-labels",
    "paint": "paint",
    "quotas": "quotas",
    "sprockets": "widget-sprockets",
    "tags": "widget-tags",
}
Result = subprocess.CompletedProcess[str]


@dataclass
class Migration:
    """The samples, the virtualenv, and what each stage printed."""

    samples: Path
    venv: Venv
    api_path: Path
    own_dir: Path = Path()
    out: dict[str, Result] = field(default_factory=dict)

    @property
    def service(self) -> Path:
        return self.samples / "widget_service"

    def cli(self, stage: str, *args: str | Path, cwd: Path | None = None) -> Result:
        self.out[stage] = epmigrate(cwd or self.service, self.venv.env, *args)
        return self.out[stage]

    def list_extensions(self, stage: str, **env: str) -> Result:
        self.out[stage] = self.venv.python_run(
            "-m", "widget_service", "list-extensions", "--legacy-path", self.api_path, **env
        )
        assert self.out[stage].returncode == 0, self.out[stage].stderr
        return self.out[stage]

    def verify(self, stage: str) -> Result:
        return self.cli(
            stage,
            "verify",
            WIDGET_GROUP,
            "--legacy-path",
            self.own_dir,
            "--legacy-path",
            self.api_path,
            "--python",
            self.venv.python,
        )


@pytest.fixture(scope="module")
def migration(tmp_path_factory: pytest.TempPathFactory) -> Migration:
    tmp = tmp_path_factory.mktemp("widget")
    samples = copy_samples(tmp / "samples")
    api_path = tmp / "etc" / "api_extensions"
    api_path.mkdir(parents=True)
    os.chmod(api_path, 0o755)
    for stem in CONTRIB:
        shutil.copy(samples / "widget_contrib" / f"{stem}.py", api_path)
    m = Migration(samples, Venv.create(tmp / "venv", environment(tmp)), api_path)

    m.cli("scan", "scan", "src/widget_service/extensions", "--base", WIDGET_BASE)

    # Installed as it is: the hybrid loader finds everything on the legacy path.
    m.venv.install(m.service, samples / "widget_plugins")
    own = m.venv.python_run(
        "-c", "from widget_service.api import extensions; print(extensions.EXTENSIONS_DIR)"
    )
    m.own_dir = Path(own.stdout.strip())
    m.list_extensions("unmigrated")
    m.list_extensions("unmigrated-off", EPMIGRATE_LEGACY="off")
    m.verify("verify-unmigrated")

    m.cli("check-before", "write", "--check")
    m.cli("write", "write")
    m.cli("check-after", "write", "--check")
    m.venv.install(m.service)
    m.list_extensions("written")
    m.out["written-env"] = m.venv.python_run(
        "-m", "widget_service", "list-extensions", WIDGET_API_EXTENSIONS_PATH=f":{api_path}"
    )

    m.cli(
        "new-package",
        "write",
        "--new-package",
        "widget-contrib",
        "--path",
        "widget_contrib",
        "--group",
        WIDGET_GROUP,
        "--base",
        WIDGET_BASE,
        "--search-path",
        "widget_service/src",
        "widget_contrib_pkg",
        cwd=samples,
    )
    m.venv.install(samples / "widget_contrib_pkg")
    m.list_extensions("stale-copies")
    m.verify("verify-stale-copies")
    for stem in CONTRIB:
        (api_path / f"{stem}.py").unlink()
    m.list_extensions("packaged")
    m.list_extensions("packaged-off", EPMIGRATE_LEGACY="off")
    m.verify("verify-packaged")
    return m


def test_scan_finds_four_extensions_and_skips_the_helper(migration: Migration) -> None:
    scan = migration.out["scan"]
    assert scan.returncode == 0, scan.stdout + scan.stderr
    rows = {line.split()[0]: line.split() for line in scan.stdout.splitlines()[1:6]}
    prefix = "src/widget_service/extensions/"
    assert rows[prefix + "color_utils.py"][-1] == "helper"
    for stem in OWN:
        row = rows[prefix + f"{stem}.py"]
        assert row[-1] == "loaded"
        assert row[-2] == ALIASES[stem]  # tags and gadgets: aliases two modules away
        assert f"{stem} = widget_service.extensions.{stem}:{stem.capitalize()}" in " ".join(row)
    assert "5 files, 4 loaded, 0 never loaded" in scan.stdout


def test_unmigrated_service_loads_its_own_and_contrib_files_from_the_legacy_path(
    migration: Migration,
) -> None:
    result = migration.out["unmigrated"]
    rows = table(result.stdout)
    assert sorted(rows) == sorted(ALIASES)
    assert {name: alias for name, (alias, _) in rows.items()} == ALIASES
    for stem in OWN:
        assert rows[stem][1] == f"legacy {migration.own_dir / stem}.py"
    for stem in CONTRIB:
        assert rows[stem][1] == f"legacy {migration.api_path / stem}.py"
    for name in PLUGINS:
        assert rows[name][1] == "entry point widget-plugins 2.1.0"
    warnings = legacy_warnings(result.stderr)
    assert len(warnings) == len(OWN) + len(CONTRIB), result.stderr
    for stem in (*OWN, *CONTRIB):
        assert sum(f"extension '{stem}' " in w for w in warnings) == 1
    # Files of the service's package are named with the entry point to add.
    assert (
        "no installed package declares the entry point 'widget_service.api.extensions: "
        "tags = widget_service.extensions.tags:Tags'" in result.stderr
    )


def test_verify_fails_before_the_migration_naming_every_legacy_extension(
    migration: Migration,
) -> None:
    result = migration.out["verify-unmigrated"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL: 6 problem(s); keep the legacy path for now:" in result.stdout
    for stem in (*OWN, *CONTRIB):
        assert f"  {stem}: no entry point provides it" in result.stdout.splitlines()


def test_kill_switch_before_the_migration_loses_the_legacy_extensions(
    migration: Migration,
) -> None:
    result = migration.out["unmigrated-off"]
    assert sorted(table(result.stdout)) == sorted(PLUGINS)
    assert legacy_warnings(result.stderr) == []


def test_write_adds_the_entry_points_and_check_then_passes(migration: Migration) -> None:
    before, write, after = (migration.out[k] for k in ("check-before", "write", "check-after"))
    assert before.returncode == 1
    assert "pyproject.toml would change: 4 entry points to write" in before.stderr
    assert write.returncode == 0, write.stderr
    assert write.stdout == "wrote 4 entry points to pyproject.toml\n"
    text = (migration.service / "pyproject.toml").read_text()
    assert (
        '[project.entry-points."widget_service.api.extensions"]\n'
        'colors = "widget_service.extensions.colors:Colors"\n'
        'gadgets = "widget_service.extensions.gadgets:Gadgets"\n'
        'quotas = "widget_service.extensions.quotas:Quotas"\n'
        'tags = "widget_service.extensions.tags:Tags"\n' in text
    )
    assert (after.returncode, after.stdout) == (0, "")


def test_reinstalled_service_loads_its_own_extensions_from_entry_points(
    migration: Migration,
) -> None:
    result = migration.out["written"]
    rows = table(result.stdout)
    assert sorted(rows) == sorted(ALIASES)
    for stem in OWN:
        assert rows[stem][1] == "entry point widget-service 1.0.0"
    for stem in CONTRIB:
        assert rows[stem][1] == f"legacy {migration.api_path / stem}.py"
    warnings = legacy_warnings(result.stderr)
    assert [w.split("'")[1] for w in warnings] == list(CONTRIB)
    assert all("is not an importable package" in w for w in warnings)


def test_the_legacy_path_can_come_from_the_environment_as_in_a_service_config(
    migration: Migration,
) -> None:
    from_env = migration.out["written-env"]
    assert from_env.returncode == 0, from_env.stderr
    assert from_env.stdout == migration.out["written"].stdout
    assert len(legacy_warnings(from_env.stderr)) == len(CONTRIB)


def test_new_package_makes_the_loose_files_an_installable_package(
    migration: Migration,
) -> None:
    made = migration.out["new-package"]
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(
        "created widget_contrib_pkg: package widget_contrib with 2 entry points"
    )
    result = migration.out["packaged"]
    rows = table(result.stdout)
    assert {name: alias for name, (alias, _) in rows.items()} == ALIASES
    for stem in CONTRIB:
        assert rows[stem][1] == "entry point widget-contrib 0.1.0"
    assert all(origin.startswith("entry point ") for _, origin in rows.values())
    assert result.stderr == ""


def test_a_loose_copy_left_beside_its_package_is_not_loaded_and_fails_verify(
    migration: Migration,
) -> None:
    listed = migration.out["stale-copies"]
    assert table(listed.stdout)["sprockets"][1] == "entry point widget-contrib 0.1.0"
    assert legacy_warnings(listed.stderr) == []
    for stem in CONTRIB:
        assert f"legacy file {migration.api_path / stem}.py" in listed.stderr
    assert listed.stderr.count("the entry point wins and the legacy file is not loaded") == 2
    verify = migration.out["verify-stale-copies"]
    assert verify.returncode == 1
    assert "  sprockets: the entry point loads another class than Sprockets" in verify.stdout


def test_verify_passes_once_everything_is_migrated(migration: Migration) -> None:
    result = migration.out["verify-packaged"]
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for stem in OWN:
        target = f"widget_service.extensions.{stem}:{stem.capitalize()}"
        assert [stem, target, target, "yes", "yes"] in [line.split() for line in lines]
    assert lines[-1].startswith("OK: the entry points provide everything the legacy path does")


def test_kill_switch_after_the_migration_changes_nothing(migration: Migration) -> None:
    off = migration.out["packaged-off"]
    assert (off.stdout, off.stderr) == (migration.out["packaged"].stdout, "")


def test_the_repository_samples_are_untouched(migration: Migration) -> None:
    pristine = Path(__file__).resolve().parents[2] / "sample_projects" / "widget_service"
    assert "entry-points" not in (pristine / "pyproject.toml").read_text()
    assert not (pristine.parent / "widget_contrib_pkg").exists()
