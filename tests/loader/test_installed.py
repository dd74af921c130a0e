"""The hybrid managers against a pip-installed plugin package, in fresh processes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.loader.conftest import DemoInstall

pytestmark = pytest.mark.venv

MIXED = """
import json, logging, sys, warnings
logs = []
class Keep(logging.Handler):
    def emit(self, record):
        logs.append([record.name, record.levelname, record.getMessage()])
logging.getLogger("epmigrate").addHandler(Keep())
logging.getLogger("epmigrate").setLevel(logging.INFO)

from epmigrate.loader import HybridExtensionManager, LegacyExtensionWarning
from hybrid_demo import base

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    mgr = HybridExtensionManager("hybrid.demo", invoke_on_load=True, legacy_paths=sys.argv[1])
first_logs = list(logs)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", LegacyExtensionWarning)
    again = HybridExtensionManager("hybrid.demo", legacy_paths=sys.argv[1])

executed = list(base.EXECUTED)
import hybrid_demo.extensions.unmigrated as unmigrated
origins = {}
for name in mgr.names():
    o = mgr.origin(name)
    origins[name] = [o.kind, o.target, o.distribution, o.version, o.path]
print(json.dumps({
    "names": mgr.names(),
    "again": again.names(),
    "aliases": [ext.obj.alias for ext in mgr],
    "targets": [ext.entry_point_target for ext in mgr],
    "origins": origins,
    "warnings": [
        [w.category.__name__, issubclass(w.category, DeprecationWarning), str(w.message)]
        for w in caught
    ],
    "logs": first_logs,
    "executed": executed,
    "same_class": "unmigrated" in mgr and mgr["unmigrated"].plugin is unmigrated.Unmigrated,
    "mode": mgr.legacy_mode,
}))
"""


def mixed(demo: DemoInstall, plain: Path, **env: str) -> dict[str, Any]:
    paths = f"{demo.package_dir / 'extensions'}:{plain}"
    result = demo.run(MIXED, paths, env=env)
    assert isinstance(result, dict)
    assert not (plain.parent / "marker").exists(), "a shadowed legacy file was executed"
    return result


def test_mixed_set_loads_each_extension_once_in_documented_order(
    demo: DemoInstall, plain_legacy: Path
) -> None:
    out = mixed(demo, plain_legacy)
    # Entry points first (stevedore's order), then legacy files in the
    # profile's order: the package directory, then the plain one.
    assert sorted(out["names"][:2]) == ["both", "migrated"]
    assert out["names"][2:] == ["unmigrated", "outside"]
    assert out["again"] == out["names"]
    assert sorted(out["aliases"]) == ["both", "migrated", "outside", "unmigrated"]
    assert out["targets"][2] == "hybrid_demo.extensions.unmigrated:Unmigrated"
    assert out["targets"][3].startswith("_epmigrate_legacy_")
    assert out["targets"][3].endswith(".outside:Outside")


def test_mixed_set_warns_only_for_unmigrated_extensions(
    demo: DemoInstall, plain_legacy: Path
) -> None:
    out = mixed(demo, plain_legacy)
    warned = out["warnings"]
    assert [w[0] for w in warned] == ["LegacyExtensionWarning"] * 2
    assert all(w[1] for w in warned)  # a DeprecationWarning
    unmigrated, outside = (w[2] for w in warned)
    pkg = demo.package_dir / "extensions"
    assert (
        "no installed package declares the entry point 'hybrid.demo: unmigrated = "
        "hybrid_demo.extensions.unmigrated:Unmigrated'"
    ) in unmigrated
    assert (
        f"(epmigrate write --group hybrid.demo --path {pkg} --profile neutron "
        "--base hybrid_demo.base.Base)"
    ) in unmigrated
    assert "is not an importable package" in outside
    assert "'hybrid.demo: outside = <package>.outside:Outside'" in outside
    assert (
        f"(epmigrate write --new-package <dist-name> --group hybrid.demo --path {plain_legacy} "
        "--profile neutron --base hybrid_demo.base.Base <new-project-dir>), and install it"
    ) in outside
    legacy_logs = [m for name, level, m in out["logs"] if "loaded from the legacy path" in m]
    assert len(legacy_logs) == 2
    assert all(
        name == "epmigrate" and level == "WARNING"
        for name, level, m in out["logs"]
        if m in legacy_logs
    )


def test_shadowed_legacy_file_is_never_executed_and_the_clash_is_named(
    demo: DemoInstall, plain_legacy: Path
) -> None:
    out = mixed(demo, plain_legacy)
    assert not (plain_legacy.parent / "marker").exists()
    clash = [m for _, level, m in out["logs"] if "share a name" in m]
    assert len(clash) == 1
    assert str(plain_legacy / "both.py") in clash[0]
    assert "both = hybrid_demo.extensions.both:Both" in clash[0]
    assert "Both" in clash[0]


def test_package_modules_run_once_whichever_way_they_are_reached(
    demo: DemoInstall, plain_legacy: Path
) -> None:
    out = mixed(demo, plain_legacy)
    executed = out["executed"]
    for module in ("migrated", "both", "unmigrated"):
        assert executed.count(f"hybrid_demo.extensions.{module}") == 1, executed
    outside = [m for m in executed if m.endswith(".outside")]
    assert len(outside) == 1 and outside[0].startswith("_epmigrate_legacy_")
    assert out["same_class"] is True


def test_origin_names_distribution_or_legacy_file(demo: DemoInstall, plain_legacy: Path) -> None:
    origins = mixed(demo, plain_legacy)["origins"]
    assert origins["migrated"] == [
        "entry_point",
        "hybrid_demo.extensions.migrated:Migrated",
        "epm-hybrid-demo",
        "1.2.3",
        None,
    ]
    kind, target, dist, version, path = origins["outside"]
    assert target.endswith(".outside:Outside")
    assert (kind, dist, version, path) == ("legacy", None, None, str(plain_legacy / "outside.py"))
    assert origins["unmigrated"][4] == str(demo.package_dir / "extensions" / "unmigrated.py")


def test_kill_switch_leaves_only_entry_points(demo: DemoInstall, plain_legacy: Path) -> None:
    out = mixed(demo, plain_legacy, EPMIGRATE_LEGACY="off")
    assert sorted(out["names"]) == ["both", "migrated"]
    assert out["warnings"] == []
    assert out["mode"] == "off"
    assert "hybrid_demo.extensions.unmigrated" not in out["executed"]
    assert not any(m.endswith(".outside") for m in out["executed"])


TROVE = """
import json, sys, warnings
from epmigrate.loader import HybridEnabledExtensionManager as EnabledExtensionManager
from epmigrate.loader import HybridDriverManager as DriverManager
from hybrid_demo.base import Base

warnings.simplefilter("ignore", DeprecationWarning)
extensions = []

def add_extension(ext):
    extensions.append([ext.name, ext.obj.get_alias()])

# As trove.common.extensions does it, with only the class swapped.
mgr = EnabledExtensionManager(
    namespace="hybrid.demo",
    check_func=lambda ext: isinstance(ext.obj, Base),
    invoke_on_load=True,
    legacy_paths=sys.argv[1],
)
mgr.map(add_extension)
driver = DriverManager("hybrid.demo", "outside", invoke_on_load=True, legacy_paths=sys.argv[1])
print(json.dumps({
    "extensions": extensions,
    "driver": type(driver.driver).__name__,
    "driver_alias": driver.driver.get_alias(),
}))
"""


def test_trove_pattern_runs_unchanged_and_driver_finds_legacy_only_driver(
    demo: DemoInstall, tmp_path: Path, plain_legacy: Path
) -> None:
    # A legacy descriptor that is not a Base: the check_func drops it.
    (plain_legacy / "stray.py").write_text("class Stray:\n    def get_alias(self):\n        pass\n")
    out = demo.run(TROVE, f"{demo.package_dir / 'extensions'}:{plain_legacy}")
    assert isinstance(out, dict)
    assert not (plain_legacy.parent / "marker").exists()
    assert sorted(out["extensions"]) == [
        ["both", "both"],
        ["migrated", "migrated"],
        ["outside", "outside"],
        ["unmigrated", "unmigrated"],
    ]
    assert out["driver"] == "Outside"
    assert out["driver_alias"] == "outside"


BROKEN = """
import json, sys, warnings
from epmigrate.loader import HybridExtensionManager

seen = []
def on_failure(manager, ep, exc):
    seen.append([type(manager).__name__, type(ep).__name__, ep.name, ep.value, type(exc).__name__])

mgr = HybridExtensionManager("hybrid.broken", on_load_failure_callback=on_failure)
try:
    HybridExtensionManager("hybrid.broken", fail_fast=True)
    raised = None
except Exception as exc:
    raised = type(exc).__name__
print(json.dumps({"names": mgr.names(), "seen": seen, "raised": raised}))
"""


def test_entry_point_failures_reach_the_callback_or_stop_a_fail_fast_load(
    demo: DemoInstall,
) -> None:
    out = demo.run(BROKEN)
    assert out == {
        "names": ["fine"],
        "seen": [
            [
                "HybridExtensionManager",
                "EntryPoint",
                "broken",
                "hybrid_demo.not_there:Nope",
                "ModuleNotFoundError",
            ]
        ],
        "raised": "ModuleNotFoundError",
    }
