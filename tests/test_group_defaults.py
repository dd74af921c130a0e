"""A plugin whose bases are another distribution's gets no invented group.

``write`` refuses without a configured group and names the service's group;
``scan`` still shows the profile's default, marked as a guess (EPM201).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from epmigrate.cli import cli
from epmigrate.groups import foreign_bases

PLUGIN = """\
from neutron_lib.api import extensions


class Bgpvpn(extensions.ExtensionDescriptor):
    @classmethod
    def get_alias(cls):
        return 'bgpvpn'
"""


def make_plugin(root: Path, top: str = "networking_foo") -> Path:
    """A networking-* plugin: its extensions derive from neutron_lib's base."""
    ext = root / top / "extensions"
    ext.mkdir(parents=True)
    for d in (root / top, ext):
        (d / "__init__.py").write_text("")
    (ext / "bgpvpn.py").write_text(PLUGIN)
    (root / "setup.cfg").write_text(f"[metadata]\nname = {top}\n\n[pbr]\n")
    return ext


def run_in(root: Path, *args: str) -> Result:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(cli, [*args, "--no-cache"], catch_exceptions=False)
    finally:
        os.chdir(cwd)


def test_write_refuses_and_names_the_services_group(tmp_path: Path) -> None:
    make_plugin(tmp_path)
    before = (tmp_path / "setup.cfg").read_bytes()
    result = run_in(tmp_path, "write", "--path", "networking_foo/extensions")
    assert result.exit_code == 2
    assert "the default group networking_foo.api.extensions is the plugin's own" in result.output
    assert "--group" in result.output
    assert (
        "pass --group neutron.api.extensions, the group neutron reads once its loader has "
        "adopted epmigrate (`epmigrate adopt`" in " ".join(result.output.split())
    )
    assert (tmp_path / "setup.cfg").read_bytes() == before


def test_write_goes_on_with_a_group_from_the_command_line_or_the_project(tmp_path: Path) -> None:
    make_plugin(tmp_path)
    args = ("write", "--path", "networking_foo/extensions", "--allow-unverified", "--dry-run")
    given = run_in(tmp_path, *args, "--group", "neutron.api.extensions")
    assert given.exit_code != 2 and "is the plugin's own" not in given.output
    with (tmp_path / "setup.cfg").open("a") as f:
        f.write("\n[tool:epmigrate]\ngroup = neutron.api.extensions\n")
    configured = run_in(tmp_path, *args)
    assert configured.exit_code != 2 and "is the plugin's own" not in configured.output


def test_scan_marks_the_group_as_a_guess(tmp_path: Path) -> None:
    make_plugin(tmp_path)
    text = run_in(tmp_path, "scan", "networking_foo/extensions")
    assert text.exit_code == 0
    assert "warning EPM201 group-guessed:" in text.output
    assert text.output.rstrip().endswith(
        "(profile neutron, group networking_foo.api.extensions, a guess: see EPM201)"
    )
    doc = json.loads(
        run_in(tmp_path, "scan", "networking_foo/extensions", "--format", "json").stdout
    )
    assert doc["group"] == "networking_foo.api.extensions"
    [finding] = [f for f in doc["findings"] if f["code"] == "EPM201"]
    assert finding["severity"] == "warning"
    assert "neutron.api.extensions" in finding["message"]
    grouped = run_in(tmp_path, "scan", "networking_foo/extensions", "--group", "neutron.api.x")
    assert "EPM201" not in grouped.output


@pytest.mark.parametrize(
    ("top", "profile", "bases", "expected"),
    [
        ("neutron", "neutron", (), None),  # Neutron's own extensions
        ("networking_foo", "neutron", (), ("neutron.api.extensions",)),
        (
            "widget_plugins",
            "neutron",
            ("widget_service.api.extensions.ExtensionDescriptor",),
            ("widget_service.api.extensions",),
        ),
        ("widget_service", "neutron", ("widget_service.api.extensions.ExtensionDescriptor",), None),
        ("cinder", "nova", (), None),
        ("storage_plugin", "nova", (), None),  # nova duck-types: bases tell nothing
        ("trove", "oslo-incubator", (), None),  # bases in any package
    ],
)
def test_foreign_bases(
    tmp_path: Path,
    top: str,
    profile: str,
    bases: tuple[str, ...],
    expected: tuple[str, ...] | None,
) -> None:
    ext = make_plugin(tmp_path, top)
    found = foreign_bases([str(ext)], profile, bases)
    assert (found.service_groups if found else None) == expected


def test_loose_files_are_not_judged(tmp_path: Path) -> None:
    (tmp_path / "x.py").write_text(PLUGIN)
    assert foreign_bases([str(tmp_path)], "neutron") is None


def test_the_hint_says_adoption_only_for_a_service_that_can_adopt(tmp_path: Path) -> None:
    neutron_plugin = foreign_bases([str(make_plugin(tmp_path / "a", "networking_foo"))], "neutron")
    other = foreign_bases(
        [str(make_plugin(tmp_path / "b", "widget_plugins"))],
        "neutron",
        ("widget_service.api.extensions.ExtensionDescriptor",),
    )
    assert neutron_plugin is not None and other is not None
    assert (neutron_plugin.services, neutron_plugin.adoptable) == (("neutron",), True)
    assert neutron_plugin.hint.startswith("pass --group neutron.api.extensions, the group neutron")
    assert (other.services, other.adoptable) == (("widget_service",), False)
    assert other.hint == (
        "pass --group with the group the service reads, or set group in [tool.epmigrate]; "
        "a service adopted with `epmigrate adopt` reads widget_service.api.extensions"
    )
