"""The neutron profile on a realistic tree: every extension and every trap."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scan.conftest import NEUTRON_EXT, NEUTRON_LIB, scan_json

ARGS = (str(NEUTRON_EXT), "--search-path", str(NEUTRON_LIB))


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    code, doc = scan_json(*ARGS)
    assert code == 0
    return doc


def by_class(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["class"]: e for e in doc["extensions"]}


def codes_at(doc: dict[str, Any], filename: str) -> list[str]:
    return [f["code"] for f in doc["findings"] if f["path"].endswith("/" + filename)]


@pytest.mark.parametrize(
    ("cls", "module", "alias"),
    [
        pytest.param("Dvr", "neutron.extensions.dvr", "dvr", id="api_definition-two-hops"),
        pytest.param("L3", "neutron.extensions.l3", "router", id="aliased-import-constant-chain"),
        pytest.param(
            "Extra_dhcp_opt",
            "neutron.extensions.extra_dhcp_opt",
            "extra_dhcp_opt",
            id="import-a.b-as-c-module-constant",
        ),
        pytest.param(
            "Metering", "neutron.extensions.metering", "metering", id="relative-import-in-base"
        ),
        pytest.param(
            "Tagging", "neutron.extensions.tagging", "standard-attr-tags", id="concatenation"
        ),
        pytest.param(
            "Portsecurity", "neutron.extensions.portsecurity", "port-security", id="rebound-name"
        ),
        pytest.param("Dup_router", "neutron.extensions.dup_router", "router", id="duplicate"),
    ],
)
def test_loaded_extensions(report: dict[str, Any], cls: str, module: str, alias: str) -> None:
    ext = by_class(report)[cls]
    stem = module.rsplit(".", 1)[1]
    assert ext["module"] == module
    assert ext["name"] == stem
    assert ext["entry_point"] == f"{stem} = {module}:{cls}"
    assert ext["alias"] == alias
    assert ext["status"] == "loaded"
    assert ext["loaded_by_legacy"] is True
    assert ext["path"] == f"{NEUTRON_EXT}/{stem}.py"


def test_loaded_set_and_order_match_the_loader(report: dict[str, Any]) -> None:
    loaded = [e["name"] for e in report["extensions"] if e["loaded_by_legacy"]]
    assert loaded == [
        "dup_router",
        "dvr",
        "extra_dhcp_opt",
        "l3",
        "metering",
        "portsecurity",
        "tagging",
    ]
    assert report["files"] == 11  # _base.py and __init__.py are filtered out


def test_helper_file_is_reported(report: dict[str, Any]) -> None:
    assert codes_at(report, "stdattrs_common.py") == ["EPM101"]
    (helper,) = [f for f in report["findings"] if f["path"].endswith("stdattrs_common.py")]
    assert helper["message"].endswith("a helper module, nothing to migrate")
    assert "Stdattrs_common" not in by_class(report)


def test_descriptor_the_rule_never_loads(report: dict[str, Any]) -> None:
    ext = by_class(report)["Standard_attr_fwaas"]
    assert ext["status"] == "never-loaded"
    assert ext["loaded_by_legacy"] is False
    assert codes_at(report, "firewall_v2_stdattrs.py") == ["EPM101", "EPM102"]
    (skipped,) = [
        f
        for f in report["findings"]
        if f["code"] == "EPM101" and f["path"].endswith("firewall_v2_stdattrs.py")
    ]
    # No "helper module, nothing to migrate" beside the EPM102 that says otherwise.
    assert "nothing to migrate" not in skipped["message"]
    assert "its extension classes under other names are never loaded" in skipped["message"]


def test_capitalize_lowercases_the_rest(report: dict[str, Any]) -> None:
    # str.capitalize: Capital_Case.py is looked up as Capital_case, never found.
    assert by_class(report)["Capital_Case"]["status"] == "never-loaded"
    helper = [f for f in report["findings"] if f["code"] == "EPM101" and "Capital" in f["path"]]
    assert "defines no Capital_case" in helper[0]["message"]


def test_duplicate_alias_names_the_kept_one(report: dict[str, Any]) -> None:
    [dup] = [f for f in report["findings"] if f["code"] == "EPM103"]
    assert dup["path"].endswith("/l3.py")
    assert dup["severity"] == "warning"
    assert "keeps Dup_router" in dup["message"]


def test_import_time_call(report: dict[str, Any]) -> None:
    [call] = [f for f in report["findings"] if f["code"] == "EPM104"]
    assert call["path"].endswith("/tagging.py")
    assert call["line"] == 5
    assert "extensions.append_api_extensions_path(...)" in call["message"]


def test_star_import_is_unresolved_not_guessed(report: dict[str, Any]) -> None:
    ext = by_class(report)["Starred"]
    assert ext["status"] == "unverified"
    assert ext["loaded_by_legacy"] is None
    [finding] = [f for f in report["findings"] if f["code"] == "EPM105"]
    assert "from neutron_lib.api.extensions import *' at line 1" in finding["message"]


def test_rebound_name_uses_the_last_binding() -> None:
    # portsecurity.py imports neutron_lib's 'extensions', then neutron's under
    # the same name: its base is neutron.api.extensions.ExtensionDescriptor.
    code, doc = scan_json(*ARGS, "--base", "neutron_lib.api.extensions.ExtensionDescriptor")
    assert code == 0
    assert by_class(doc)["Portsecurity"]["status"] == "not-extension"
    assert "EPM106" in codes_at(doc, "portsecurity.py")
    assert by_class(doc)["Dvr"]["status"] == "loaded"


def test_base_package_missing_from_search_path_is_unverified() -> None:
    code, doc = scan_json(str(NEUTRON_EXT))
    assert code == 0
    dvr = by_class(doc)["Dvr"]
    # APIExtensionDescriptor cannot be read without neutron_lib: say so.
    assert dvr["status"] == "unverified"
    assert dvr["alias"] is None
    assert dvr["alias_reason"].startswith("neutron_lib.api.definitions.dvr.ALIAS cannot be read")
    assert "--search-path" in dvr["alias_reason"]
    # A direct ExtensionDescriptor subclass still matches by qualified name.
    assert by_class(doc)["Extra_dhcp_opt"]["status"] == "loaded"


def test_relative_import_in_an_extension_fails_under_the_stem_loader(tmp_path: Any) -> None:
    pkg = tmp_path / "proj" / "svc" / "extensions"
    pkg.mkdir(parents=True)
    (tmp_path / "proj" / "svc" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "base.py").write_text("class Base:\n    pass\n")
    (pkg / "thing.py").write_text(
        "from .base import Base\n\nclass Thing(Base):\n    alias = 'thing'\n"
    )
    code, doc = scan_json(str(pkg), "--base", "svc.extensions.base.Base")
    assert code == 0
    thing = by_class(doc)["Thing"]
    assert thing["status"] == "never-loaded"
    [rel] = [f for f in doc["findings"] if f["code"] == "EPM107"]
    assert rel["line"] == 1
    assert "top-level module 'thing'" in rel["message"]
