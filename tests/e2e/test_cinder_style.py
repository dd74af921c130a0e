"""cinder_style migrated end to end under the nova profile.

Its ``contrib`` directory is walked recursively (the ``admin`` sub-package
too), extensions are imported by dotted name and aliases are class
attributes, some taken from a microversions module. The service's own
``ExtensionManager`` builds a hybrid manager with profile ``nova``; each
loaded extension registers itself with it, as in Cinder.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.conftest import Venv, copy_samples, environment, epmigrate, legacy_warnings

pytestmark = pytest.mark.venv

GROUP = "cinder_style.api.extensions"
CONTRIB = "cinder_style.api.contrib"
EXTENSIONS = {
    # name: (module, class, alias)
    "backup_project_attribute": (
        f"{CONTRIB}.backup_project_attribute",
        "Backup_project_attribute",
        "os-backup-project-attr",
    ),
    "hosts": (f"{CONTRIB}.hosts", "Hosts", "os-hosts"),
    "quota_classes": (f"{CONTRIB}.admin.quota_classes", "Quota_classes", "os-quota-class-sets"),
    "volume_manage": (f"{CONTRIB}.volume_manage", "Volume_manage", "os-volume-manage"),
}

# Run in the virtualenv: the service's manager, and where each extension came from.
LOAD = """\
import json, logging
logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
from cinder_style.api import extensions
mgr = extensions.ExtensionManager()
origins = {}
for ext in mgr.loader.extensions:
    o = mgr.loader.origin(ext)
    origins[ext.name] = [o.kind, o.distribution, o.version, o.path, type(ext.obj).__module__]
print(json.dumps({
    "profile": mgr.loader.profile.name,
    "contrib": extensions.CONTRIB_DIR,
    "origins": origins,
    "registered": sorted(mgr.extensions),
}))
"""
Result = subprocess.CompletedProcess[str]


@dataclass
class Migration:
    project: Path
    venv: Venv
    out: dict[str, Result] = field(default_factory=dict)

    def cli(self, stage: str, *args: str | Path) -> Result:
        self.out[stage] = epmigrate(self.project, self.venv.env, *args)
        return self.out[stage]

    def load(self, stage: str) -> dict[str, object]:
        self.out[stage] = self.venv.python_run("-c", LOAD)
        assert self.out[stage].returncode == 0, self.out[stage].stderr
        loaded: dict[str, object] = json.loads(self.out[stage].stdout)
        return loaded

    def verify(self, stage: str, contrib: str) -> Result:
        # Run from the flat-layout checkout, whose package must not shadow the
        # installed one in the interpreter verify inspects.
        return self.cli(
            stage, "verify", GROUP, "--profile", "nova", "--legacy-path", contrib,
            "--python", self.venv.python,
        )  # fmt: skip


@pytest.fixture(scope="module")
def migration(tmp_path_factory: pytest.TempPathFactory) -> Migration:
    tmp = tmp_path_factory.mktemp("cinder")
    project = copy_samples(tmp / "samples") / "cinder_style"
    m = Migration(project, Venv.create(tmp / "venv", environment(tmp)))
    m.cli("scan", "scan", "cinder_style/api/contrib", "--profile", "nova", "--format", "json")
    m.venv.install(project)
    contrib = str(m.load("unmigrated")["contrib"])
    m.verify("verify-unmigrated", contrib)
    m.cli("write", "write")
    m.cli("check", "write", "--check")
    m.venv.install(project)
    m.load("migrated")
    m.verify("verify-migrated", contrib)
    return m


def loaded(m: Migration, stage: str) -> dict[str, object]:
    result: dict[str, object] = json.loads(m.out[stage].stdout)
    return result


def test_scan_walks_contrib_recursively_and_resolves_class_attribute_aliases(
    migration: Migration,
) -> None:
    scan = migration.out["scan"]
    assert scan.returncode == 0, scan.stderr
    report = json.loads(scan.stdout)
    assert (report["profile"], report["group"]) == ("nova", GROUP)
    found = {
        e["name"]: (e["module"], e["class"], e["alias"], e["status"]) for e in report["extensions"]
    }
    assert found == {name: (*spec, "loaded") for name, spec in EXTENSIONS.items()}
    assert [(f["code"], f["path"]) for f in report["findings"]] == [
        ("EPM114", "cinder_style/api/contrib/resource_common_manage.py")
    ]


def test_unmigrated_service_loads_contrib_and_its_sub_package_from_the_legacy_path(
    migration: Migration,
) -> None:
    result = loaded(migration, "unmigrated")
    assert result["profile"] == "nova"
    contrib = Path(str(result["contrib"]))
    origins = result["origins"]
    assert isinstance(origins, dict)
    assert sorted(origins) == sorted(EXTENSIONS)
    for name, (module, _, _) in EXTENSIONS.items():
        relative = module.removeprefix(CONTRIB + ".").replace(".", "/") + ".py"
        assert origins[name] == ["legacy", None, None, str(contrib / relative), module]
    assert result["registered"] == sorted(alias for _, _, alias in EXTENSIONS.values())
    warnings = legacy_warnings(migration.out["unmigrated"].stderr)
    assert sorted(w.split("'")[1] for w in warnings) == sorted(EXTENSIONS)


def test_verify_fails_until_the_entry_points_are_installed(migration: Migration) -> None:
    result = migration.out["verify-unmigrated"]
    assert result.returncode == 1
    for name in EXTENSIONS:
        assert f"  {name}: no entry point provides it" in result.stdout.splitlines()


def test_write_puts_the_entry_points_in_setup_cfg(migration: Migration) -> None:
    write = migration.out["write"]
    assert write.returncode == 0, write.stderr
    assert write.stdout == "wrote 4 entry points to setup.cfg [options.entry_points]\n"
    text = (migration.project / "setup.cfg").read_text()
    section = (
        "[options.entry_points]\n"
        + f"{GROUP} =\n"
        + "".join(f"    {name} = {module}:{cls}\n" for name, (module, cls, _) in EXTENSIONS.items())
    )
    assert section in text
    assert (migration.out["check"].returncode, migration.out["check"].stdout) == (0, "")


def test_installed_entry_points_replace_the_legacy_files(migration: Migration) -> None:
    result = loaded(migration, "migrated")
    origins = result["origins"]
    assert isinstance(origins, dict)
    assert origins == {
        name: ["entry_point", "cinder-style", "3.0.0", None, module]
        for name, (module, _, _) in EXTENSIONS.items()
    }
    assert result["registered"] == sorted(alias for _, _, alias in EXTENSIONS.values())
    assert migration.out["migrated"].stderr == ""


def test_verify_passes_after_the_migration(migration: Migration) -> None:
    result = migration.out["verify-migrated"]
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    for name, (module, cls, _) in EXTENSIONS.items():
        assert [name, f"{module}:{cls}", f"{module}:{cls}", "yes", "yes"] in rows


def test_scan_without_the_nova_profile_misses_the_sub_package(tmp_path: Path) -> None:
    project = copy_samples(tmp_path / "samples") / "cinder_style"
    env = environment(tmp_path)
    # The project's [tool.epmigrate] names the nova profile; the neutron rule,
    # given on the command line, does not walk sub-packages.
    scan = epmigrate(project, env, "scan", "--profile", "neutron", "--format", "json")
    names = {e["name"] for e in json.loads(scan.stdout)["extensions"]}
    assert "quota_classes" not in names
    default = epmigrate(project, env, "scan", "--format", "json")
    assert json.loads(default.stdout)["profile"] == "nova"
    assert "quota_classes" in {e["name"] for e in json.loads(default.stdout)["extensions"]}
