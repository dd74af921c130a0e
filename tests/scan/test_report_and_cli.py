"""JSON schema, exit codes, text and ini formats, cache, profiles listing."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from epmigrate import __version__
from epmigrate.scan import Cache, scan
from tests.scan.conftest import (
    CINDER_CONTRIB,
    NEUTRON_EXT,
    NEUTRON_LIB,
    TROVE_ROUTES,
    run_cli,
    scan_json,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "scan-json.md"


def documented_schema() -> dict[str, Any]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", text, re.S)
    assert block, "docs/scan-json.md has no json schema block"
    schema: dict[str, Any] = json.loads(block.group(1))
    return schema


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((str(NEUTRON_EXT), "--search-path", str(NEUTRON_LIB)), id="neutron"),
        pytest.param((str(NEUTRON_EXT),), id="neutron-unresolved"),
        pytest.param((str(TROVE_ROUTES), "--profile", "oslo-incubator"), id="oslo-incubator"),
        pytest.param((str(CINDER_CONTRIB), "--profile", "nova"), id="nova"),
    ],
)
def test_json_report_matches_documented_schema(args: tuple[str, ...]) -> None:
    _, doc = scan_json(*args)
    jsonschema.validate(doc, documented_schema())
    assert doc["epmigrate_version"] == __version__


def test_schema_rejects_a_broken_report() -> None:
    _, doc = scan_json(str(CINDER_CONTRIB), "--profile", "nova")
    doc["extensions"][0]["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, documented_schema())


def test_every_finding_code_is_documented() -> None:
    from epmigrate.scan import codes

    text = DOC.read_text(encoding="utf-8")
    for code, name in codes.ALL.items():
        assert f"| {code} | {name} |" in text


def test_exit_0_without_errors_1_with_errors_2_for_usage(tmp_path: Path) -> None:
    assert run_cli("scan", str(CINDER_CONTRIB), "--profile", "nova").exit_code == 0
    bad = tmp_path / "pkg" / "ext"
    bad.mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (bad / "__init__.py").write_text("")
    (bad / "broken.py").write_text("class Broken(:\n    pass\n")
    result = run_cli("scan", str(bad), "--base", "x.Y")
    assert result.exit_code == 1
    assert f"{bad}/broken.py:1: error EPM001 syntax-error: syntax error" in result.output
    missing = run_cli("scan", str(tmp_path / "nope"))
    assert missing.exit_code == 2
    assert f"{tmp_path / 'nope'} does not exist" in missing.output
    assert run_cli("scan", str(bad), "--profile", "nosuch").exit_code == 2
    assert run_cli("scan", str(bad), "--format", "yaml").exit_code == 2


def test_colon_joined_paths_are_split(tmp_path: Path) -> None:
    _, doc = scan_json(f"{NEUTRON_EXT}:{CINDER_CONTRIB}", "--search-path", str(NEUTRON_LIB))
    assert doc["paths"] == [str(NEUTRON_EXT), str(CINDER_CONTRIB)]


def test_text_report_rows_findings_and_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    # Paths are shown relative to the working directory.
    monkeypatch.chdir(CINDER_CONTRIB.parents[2])
    result = run_cli("scan", str(CINDER_CONTRIB), "--profile", "nova", "--no-cache")
    lines = result.output.splitlines()
    assert lines[0].split() == ["FILE", "CLASS", "ENTRY", "POINT", "ALIAS", "STATUS"]
    hosts = next(line for line in lines if line.startswith("cinder/api/contrib/hosts.py"))
    assert hosts.split() == [
        "cinder/api/contrib/hosts.py",
        "Hosts",
        "hosts",
        "=",
        "cinder.api.contrib.hosts:Hosts",
        "os-hosts",
        "loaded",
    ]
    helper = next(line for line in lines if "resource_common_manage.py" in line)
    assert helper.split()[-1] == "skipped"
    assert "Findings:" in lines
    assert lines[-1] == (
        "4 files, 4 loaded, 0 never loaded, 0 unverified, 0 rejected; 0 errors, 0 warnings, "
        "2 notes (profile nova, group cinder.api.extensions)"
    )


def test_ini_format_is_a_setup_cfg_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # CINDER_CONTRIB is not under it: shown whole
    result = run_cli(
        "scan",
        str(CINDER_CONTRIB),
        "--profile",
        "nova",
        "--group",
        "cinder.api.contrib",
        "--format",
        "ini",
    )
    assert result.output == (
        "# no pyproject.toml, setup.cfg or setup.py beside the package of "
        f"{CINDER_CONTRIB}: the setup.cfg section of a setuptools project\n"
        "[options.entry_points]\n"
        "cinder.api.contrib =\n"
        "    _underscored = cinder.api.contrib._underscored:_underscored\n"
        "    backup_project_attribute = "
        "cinder.api.contrib.backup_project_attribute:Backup_project_attribute\n"
        "    hosts = cinder.api.contrib.hosts:Hosts\n"
        "    nested_thing = cinder.api.contrib.sub.nested_thing:Nested_thing\n"
    )


def test_ini_format_uses_pbr_section_for_pbr_projects() -> None:
    result = run_cli("scan", str(NEUTRON_EXT), "--search-path", str(NEUTRON_LIB), "--format", "ini")
    lines = result.output.splitlines()
    assert lines[0].startswith("# for ") and lines[0].endswith(
        "setup.cfg: a pbr project: pbr reads [entry_points] from setup.cfg"
    )
    assert "\n".join(lines[1:]).startswith(
        "[entry_points]\nneutron.api.extensions =\n    dup_router ="
    )


def test_not_importable_directory_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "loose.py").write_text(
        "from neutron_lib.api import extensions\n\n"
        "class Loose(extensions.ExtensionDescriptor):\n    pass\n"
    )
    code, doc = scan_json(str(tmp_path))
    assert code == 1
    [finding] = [f for f in doc["findings"] if f["code"] == "EPM010"]
    assert "--new-package" in finding["message"]
    [ext] = doc["extensions"]
    assert (ext["module"], ext["entry_point"], ext["status"]) == (None, None, "loaded")


def test_profiles_command_lists_every_profile() -> None:
    result = run_cli("profiles")
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == ["neutron", "neutron-legacy", "nova", "oslo-incubator", "subclass"]
    assert result.exit_code == 0


def test_cache_hits_on_second_scan_and_misses_after_an_edit(tmp_path: Path) -> None:
    tree = tmp_path / "svc"
    (tree / "ext").mkdir(parents=True)
    (tree / "__init__.py").write_text("")
    (tree / "ext" / "__init__.py").write_text("")
    (tree / "ext" / "base.py").write_text("class Base:\n    pass\n")
    ext = tree / "ext" / "thing.py"
    ext.write_text("from svc.ext.base import Base\n\nclass Thing(Base):\n    alias = 'a'\n")
    cache = Cache(str(tmp_path / "cache"))
    first = scan(str(tree / "ext"), "nova", bases=["svc.ext.base.Base"], cache=cache)
    assert (cache.hits, cache.misses) == (0, 1)
    again = Cache(str(tmp_path / "cache"))
    second = scan(str(tree / "ext"), "nova", bases=["svc.ext.base.Base"], cache=again)
    assert (again.hits, again.misses) == (1, 0)
    assert first == second
    ext.write_text("from svc.ext.base import Base\n\nclass Thing(Base):\n    alias = 'bb'\n")
    os.utime(ext, ns=(1, 1))
    edited = Cache(str(tmp_path / "cache"))
    third = scan(str(tree / "ext"), "nova", bases=["svc.ext.base.Base"], cache=edited)
    assert (edited.hits, edited.misses) == (0, 1)
    assert [e.alias for e in third.extensions if e.class_name == "Thing"] == ["bb"]


def test_default_cache_location_follows_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert run_cli("scan", str(CINDER_CONTRIB), "--profile", "nova").exit_code == 0
    assert list((tmp_path / "xdg" / "epmigrate").rglob("*.entry"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg2"))
    assert run_cli("scan", str(CINDER_CONTRIB), "--profile", "nova", "--no-cache").exit_code == 0
    assert not (tmp_path / "xdg2").exists()


def test_project_settings_supply_paths_and_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.epmigrate]\npaths = ["{CINDER_CONTRIB}"]\nprofile = "nova"\ngroup = "g.ext"\n'
    )
    monkeypatch.chdir(tmp_path)
    from_table = run_cli("scan", "--format", "json", "--no-cache")
    explicit = run_cli(
        "scan", str(CINDER_CONTRIB), "--profile", "nova", "--group", "g.ext", "--format", "json",
        "--no-cache",
    )  # fmt: skip
    assert from_table.exit_code == explicit.exit_code == 0
    assert json.loads(from_table.output)["profile"] == "nova"
    assert from_table.output == explicit.output
    # A command-line value wins over the table.
    assert (
        json.loads(run_cli("scan", "--group", "other", "--format", "json").output)["group"]
        == "other"
    )
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    nothing = run_cli("scan")
    assert nothing.exit_code == 2
    assert "no directory to scan: pass PATH or set paths in [tool.epmigrate]" in nothing.output


def test_a_broken_project_table_is_ignored_when_paths_are_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project\nname = "x"\n')
    monkeypatch.chdir(tmp_path)
    given = run_cli("scan", str(CINDER_CONTRIB), "--profile", "nova", "--no-cache")
    assert given.exit_code == 0
    assert given.stderr.startswith(
        "warning: project settings ignored: pyproject.toml is not valid TOML"
    )
    assert "4 loaded" in given.stdout
    without = run_cli("scan")
    assert without.exit_code == 2
    assert "pyproject.toml:1:9: pyproject.toml is not valid TOML" in without.output


def test_ini_format_says_what_it_leaves_out(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "ext").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "ext" / "__init__.py").write_text("")
    (pkg / "base.py").write_text("class ExtensionDescriptor:\n    pass\n")
    (pkg / "ext" / "good.py").write_text(
        "from pkg import base\n\n\nclass Good(base.ExtensionDescriptor):\n"
        "    def get_alias(self):\n        return compute()\n"
    )
    (pkg / "ext" / "odd.py").write_text(
        "from pkg import base\n\n\n@unknown_decorator\nclass Odd(base.ExtensionDescriptor):\n"
        "    pass\n"
    )
    result = run_cli(
        "scan", str(pkg / "ext"), "--base", "pkg.base.ExtensionDescriptor", "--format", "ini"
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "    good = pkg.ext.good:Good" in lines
    assert f"# left out, unverified: {pkg / 'ext' / 'odd.py'}:5: Odd" in lines
    assert (
        "warning EPM111 decorated-class: Odd is decorated with @unknown_decorator" in result.stderr
    )
    assert "warning EPM112 alias-unknown: the alias of Good cannot be told" in result.stderr
