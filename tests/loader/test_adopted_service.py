"""Loaders changed by ``epmigrate adopt``, run against a pip-installed plugin distribution.

The loaders are the test shapes of tests/adopt/loaders.py, adopted by the
command itself, imported in the session virtualenv where ``epm-hybrid-demo``
is installed (tests/loader/conftest.py): each loads the group's entry points
through its own registration and checks, and its legacy directory only for
what no entry point provides.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from epmigrate.cli import cli
from tests.adopt.loaders import PATH_LOADER, WALK_LOADER
from tests.loader.conftest import DemoInstall, extension

pytestmark = pytest.mark.venv


def adopted(root: Path, text: str, group: str) -> Path:
    """``widget/api/extensions.py`` under ``root``, adopted for ``group`` by the command."""
    api = root / "widget" / "api"
    api.mkdir(parents=True)
    for d in (root / "widget", api):
        (d / "__init__.py").write_text("")
    (root / "widget" / "importutils.py").write_text(
        "import importlib\n\n\ndef import_class(path):\n"
        "    module, _, name = path.rpartition('.')\n"
        "    return getattr(importlib.import_module(module), name)\n"
    )
    loader = api / "extensions.py"
    loader.write_text(text)
    done = CliRunner().invoke(cli, ["adopt", "--group", group, str(loader)])
    assert done.exit_code == 0, done.output
    return root


PATH_SERVICE = """
import json, logging, sys, warnings
sys.path.insert(0, sys.argv[1])
logs = []
class Keep(logging.Handler):
    def emit(self, record):
        logs.append(record.getMessage())
logging.getLogger().addHandler(Keep())
logging.getLogger().setLevel(logging.INFO)
from hybrid_demo import base
from widget.api import extensions
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    mgr = extensions.ExtensionManager(sys.argv[2])
print(json.dumps({
    "loaded": {a: type(e).__module__ for a, e in mgr.extensions.items()},
    "order": list(mgr.extensions),
    "executed": list(base.EXECUTED),
    "warnings": [str(w.message) for w in caught],
    "logs": logs,
}))
"""


@pytest.fixture
def path_service(tmp_path: Path) -> Path:
    return adopted(tmp_path / "svc", PATH_LOADER, "hybrid.demo")


def legacy_dir(tmp_path: Path) -> Path:
    """An operator's directory: a copy of ``both`` (migrated) and ``outside`` (not)."""
    directory = tmp_path / "legacy"
    directory.mkdir()
    marker = tmp_path / "executed-both"
    (directory / "both.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n\nclass Both:\n"
        "    @classmethod\n    def get_alias(cls):\n        return 'both'\n"
    )
    (directory / "outside.py").write_text(extension("Outside", "outside"))
    return directory


def run_path(demo: DemoInstall, service: Path, legacy: Path, **env: str) -> dict[str, Any]:
    doc = demo.run(PATH_SERVICE, str(service), str(legacy), env=env)
    assert isinstance(doc, dict)
    return doc


def test_entry_points_load_through_the_services_own_add_extension(
    demo: DemoInstall, path_service: Path, tmp_path: Path
) -> None:
    legacy = legacy_dir(tmp_path)
    doc = run_path(demo, path_service, legacy)
    assert doc["loaded"] == {
        "both": "hybrid_demo.extensions.both",
        "migrated": "hybrid_demo.extensions.migrated",
        "outside": "outside",
    }
    # entry points first, sorted by name, then the legacy files
    assert doc["order"] == ["both", "migrated", "outside"]
    assert not (tmp_path / "executed-both").exists(), "the copy on the path never runs"
    assert [m for m in doc["logs"] if m.startswith("Loaded extension")] == [
        "Loaded extension: both",
        "Loaded extension: migrated",
        "Loaded extension: outside",
    ]
    assert (
        len(doc["warnings"]) == 1
        and "outside.py is loaded from the legacy path" in (doc["warnings"][0])
    )


def test_legacy_off_loads_entry_points_only(
    demo: DemoInstall, path_service: Path, tmp_path: Path
) -> None:
    doc = run_path(demo, path_service, legacy_dir(tmp_path), EPMIGRATE_LEGACY="off")
    assert doc["order"] == ["both", "migrated"]
    assert doc["warnings"] == []


def test_a_broken_entry_point_goes_through_the_services_own_except(
    demo: DemoInstall, tmp_path: Path
) -> None:
    service = adopted(tmp_path / "svc", PATH_LOADER, "hybrid.broken")
    doc = run_path(demo, service, legacy_dir(tmp_path))
    # "broken" names a module that does not exist: the service's own
    # warning line, and the next entry point still loads.
    assert doc["logs"][0] == (
        "Extension file EntryPoint(name='broken', value='hybrid_demo.not_there:Nope', "
        "group='hybrid.broken') wasn't loaded due to No module named 'hybrid_demo.not_there'"
    )
    assert doc["order"] == ["alpha", "both", "outside"]


def test_the_services_duplicate_check_applies_to_entry_points(
    demo: DemoInstall, tmp_path: Path
) -> None:
    # hybrid.disagree's entry point "gamma" has alias "gamma"; a legacy
    # file other than the entry point's with the same alias is the
    # service's DuplicatedExtension, caught by its own except clause.
    service = adopted(tmp_path / "svc", PATH_LOADER, "hybrid.disagree")
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "other_gamma.py").write_text(
        "class Other_gamma:\n    @classmethod\n    def get_alias(cls):\n        return 'gamma'\n"
    )
    doc = run_path(demo, service, legacy)
    assert doc["loaded"] == {"gamma": "hybrid_demo.disagree.other"}
    assert any("wasn't loaded due to gamma" in m for m in doc["logs"]), doc["logs"]


WALK_SERVICE = """
import json, logging, sys, warnings
sys.path.insert(0, sys.argv[1])
from widget import importutils
from widget.api import extensions
lines = []
class Logger:
    def debug(self, msg, *args):
        lines.append(msg % args if args else msg)
    warning = debug
class Manager:
    def __init__(self):
        self.loaded = []
    def load_extension(self, classpath):
        self.loaded.append(classpath)
        importutils.import_class(classpath)
ext_list = json.loads(sys.argv[3])
mgr = Manager()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    extensions.load_standard_extensions(
        mgr, Logger(), [sys.argv[2]], "hybrid_demo.verified", ext_list)
print(json.dumps({"loaded": mgr.loaded, "lines": lines, "warnings": len(caught)}))
"""


@pytest.mark.parametrize(
    ("ext_list", "loaded", "skipped"),
    [
        (None, ["hybrid_demo.verified.alpha.Alpha"], []),
        (["Other"], [], ["Skipping extension: hybrid_demo.verified.alpha.Alpha"]),
    ],
)
def test_the_walking_loader_applies_its_ext_list_to_entry_points(
    demo: DemoInstall,
    tmp_path: Path,
    ext_list: list[str] | None,
    loaded: list[str],
    skipped: list[str],
) -> None:
    import json

    service = adopted(tmp_path / "svc", WALK_LOADER, "hybrid.verified")
    directory = demo.package_dir / "verified"  # alpha.py: provided by the entry point
    code = textwrap.dedent(WALK_SERVICE)
    doc = demo.run(code, str(service), str(directory), json.dumps(ext_list))
    assert isinstance(doc, dict)
    assert doc["loaded"] == loaded, "the entry point once, the legacy copy never"
    assert doc["lines"] == skipped
    assert doc["warnings"] == 0
