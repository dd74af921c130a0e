"""oslo-incubator (old Trove) and nova (Cinder) trees."""

from __future__ import annotations

import json
import os

from tests.scan.conftest import CINDER_CONTRIB, TROVE_ROUTES, scan_json


def test_oslo_incubator_re_exported_base_with_extra_s() -> None:
    code, doc = scan_json(str(TROVE_ROUTES), "--profile", "oslo-incubator")
    exts = {e["class"]: e for e in doc["extensions"]}
    assert exts["Security_group"]["entry_point"] == (
        "security_group = trove.extensions.routes.security_group:Security_group"
    )
    assert exts["Security_group"]["alias"] == "SecurityGroup"
    assert exts["MgmtHosts"]["alias"] == "MgmtHosts"  # stem[0].upper() keeps camel case
    assert all(e["status"] == "loaded" for e in exts.values())
    assert doc["group"] == "trove.api.extensions"
    # os.listdir order, as the loader saw it on this machine.
    listed = [n[:-3] for n in os.listdir(TROVE_ROUTES) if n.endswith(".py") and n[0] != "_"]
    assert [e["name"] for e in doc["extensions"]] == listed
    # A duplicate alias aborts the whole oslo-incubator load: an error, exit 1.
    [dup] = [f for f in doc["findings"] if f["code"] == "EPM103"]
    assert dup["severity"] == "error"
    assert "aborts the whole load" in dup["message"]
    assert code == 1


def test_oslo_incubator_does_not_split_paths() -> None:
    _, doc = scan_json(f"{TROVE_ROUTES}", "--profile", "oslo-incubator")
    assert doc["paths"] == [str(TROVE_ROUTES)]


def test_nova_recursive_dotted_underscore_and_class_attribute_alias() -> None:
    code, doc = scan_json(str(CINDER_CONTRIB), "--profile", "nova")
    assert code == 0
    exts = {e["class"]: e for e in doc["extensions"]}
    assert set(exts) == {"Hosts", "Backup_project_attribute", "_underscored", "Nested_thing"}
    assert exts["Nested_thing"]["module"] == "cinder.api.contrib.sub.nested_thing"
    assert exts["Nested_thing"]["path"] == f"{CINDER_CONTRIB}/sub/nested_thing.py"
    assert exts["Hosts"]["alias"] == "os-hosts"
    assert exts["Backup_project_attribute"]["alias"] == "os-backup-project-attr"
    assert exts["_underscored"]["entry_point"] == (
        "_underscored = cinder.api.contrib._underscored:_underscored"
    )
    found = {(f["code"], os.path.basename(f["path"])) for f in doc["findings"]}
    # Cinder's loader never imports the file on its FILES_TO_SKIP list.
    assert ("EPM114", "resource_common_manage.py") in found
    (skipped,) = [f for f in doc["findings"] if f["code"] == "EPM114"]
    assert "Cinder's FILES_TO_SKIP" in skipped["message"]
    assert "Did not find expected name" not in json.dumps(doc)
    assert ("EPM109", "delegating") in found
    # notpkg/ has no __init__.py: os.walk loaders never descend into it.
    assert not any("notpkg" in e["path"] for e in doc["extensions"])


def test_subclass_profile_needs_a_base() -> None:
    from tests.scan.conftest import run_cli

    result = run_cli("scan", str(CINDER_CONTRIB), "--profile", "subclass")
    assert result.exit_code == 2
    assert "has no default base classes" in result.output
    assert "--base" in result.output


def test_subclass_profile_finds_every_concrete_subclass() -> None:
    code, doc = scan_json(
        str(CINDER_CONTRIB),
        "--profile",
        "subclass",
        "--base",
        "cinder.api.extensions.ExtensionDescriptor",
    )
    assert code == 0
    names = sorted(e["class"] for e in doc["extensions"])
    # Any file name, recursive (the delegating package included).
    assert names == ["Backup_project_attribute", "Hosts", "Inner", "Nested_thing", "_underscored"]


def test_a_nova_tree_scanned_with_the_neutron_profile_suggests_the_nova_profile() -> None:
    code, doc = scan_json(str(CINDER_CONTRIB))
    assert code == 0
    rejected = [e for e in doc["extensions"] if e["status"] == "not-extension"]
    assert len(rejected) == 2
    (hint,) = [f for f in doc["findings"] if f["code"] == "EPM113"]
    assert hint["message"] == (
        "2 classes derive from cinder.api.extensions.ExtensionDescriptor, a base of profile "
        "'nova', not of profile 'neutron': if that is this tree's loader, scan with "
        "--profile nova"
    )
    # Under the profile it names, the hint is gone and the classes load.
    code, doc = scan_json(str(CINDER_CONTRIB), "--profile", "nova")
    assert not [f for f in doc["findings"] if f["code"] == "EPM113"]
    assert {e["status"] for e in doc["extensions"]} == {"loaded"}
