"""``epmigrate move`` on the files of OpenStack's own moves to pyproject.toml (2025).

tests/data/openstack_moves holds, for each project, setup.cfg, pyproject.toml
and setup.py at the parent of its commit "Migrate setup configuration to
pyproject.toml" (``before``) and at the commit (``after``); MANIFEST.tsv names
the commits (realworld/record_openstack_moves.py records them again).

``move`` runs on ``before``; the result is compared with the commit field by
field. Where the commit's author changed a value by hand while moving it (a
classifier list rewritten, a licence or URL added, a description reworded),
``move`` keeps the value the project had: :data:`HAND_EDITS` names each such
field with what the commit did, and the test requires that the field differs
from the commit *and* equals the value of the parent's setup.cfg. Every other
field must equal the commit's exactly. The entry points are always compared
with the parent's setup.cfg as read by configparser, as pbr reads it: group,
name, value and order.
"""

from __future__ import annotations

import configparser
import csv
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from epmigrate.move import commit, plan

DATA = Path(__file__).resolve().parents[1] / "data" / "openstack_moves"
with open(DATA / "MANIFEST.tsv", encoding="utf-8") as _manifest:
    PROJECTS = sorted(row["project"] for row in csv.DictReader(_manifest, delimiter="\t"))

FIELDS = (
    "name",
    "description",
    "authors",
    "readme",
    "license",
    "dynamic",
    "requires-python",
    "keywords",
    "classifiers",
    "urls",
    "optional-dependencies",
    "scripts",
    "gui-scripts",
    "entry-points",
)

_URLS = "urls: home_page/url dropped by hand; URLs added or renamed"
_LICENSE = "license: added by hand (setup.cfg had none)"
_CLASSIFIERS = "classifiers: rewritten by hand"
_GROUP_ORDER = "entry-points: groups re-ordered by hand"

HAND_EDITS: dict[str, dict[str, str]] = {
    "cinder": {"license": _LICENSE, "classifiers": _CLASSIFIERS, "urls": _URLS},
    "cliff": {"license": _LICENSE, "classifiers": _CLASSIFIERS, "urls": _URLS},
    "glance": {
        "license": _LICENSE,
        "classifiers": _CLASSIFIERS,
        "urls": _URLS,
        "entry-points": _GROUP_ORDER,
    },
    "keystone": {
        "license": _LICENSE,
        "classifiers": _CLASSIFIERS,
        "urls": _URLS,
        "entry-points": _GROUP_ORDER,
    },
    "keystoneauth": {
        "license": _LICENSE,
        "classifiers": "classifiers: re-ordered by hand",
        "urls": "urls: trailing '/' added by hand",
    },
    "manila": {
        "description": "description: reworded by hand",
        "license": _LICENSE,
        "classifiers": _CLASSIFIERS,
        "urls": _URLS,
        "entry-points": _GROUP_ORDER,
    },
    "neutron": {
        "license": _LICENSE,
        "classifiers": _CLASSIFIERS,
        "urls": _URLS,
        "optional-dependencies": "optional-dependencies: nova's extras pasted in by hand "
        "(neutron had no [extras])",
        "entry-points": _GROUP_ORDER,
    },
    "nova": {"license": _LICENSE, "urls": _URLS},
    "octavia": {
        "description": "description: reworded by hand",
        "license": _LICENSE,
        "classifiers": _CLASSIFIERS,
        "urls": _URLS,
        "entry-points": "entry-points: groups re-ordered, and the stale "
        "octavia.distributor.drivers single_VIP_amphora dropped by hand",
    },
    "osc-lib": {"license": _LICENSE, "classifiers": _CLASSIFIERS, "urls": _URLS},
    "oslo.config": {"license": _LICENSE, "urls": _URLS},
    "oslo.log": {"readme": "readme: written as a plain string by hand", "urls": _URLS},
    "oslo.messaging": {"readme": "readme: written as a plain string by hand", "urls": _URLS},
    "oslo.utils": {"license": _LICENSE, "classifiers": _CLASSIFIERS, "urls": _URLS},
    "placement": {
        "license": _LICENSE,
        "classifiers": "classifiers: re-ordered by hand",
        "urls": _URLS,
    },
    "python-openstackclient": {
        "license": _LICENSE,
        "urls": _URLS,
        "entry-points": "entry-points: entries re-ordered by hand in openstack.compute.v2 "
        "and openstack.volume.v3",
    },
    "stevedore": {"license": _LICENSE, "classifiers": _CLASSIFIERS, "urls": _URLS},
    "taskflow": {
        "license": _LICENSE,
        "keywords": "keywords: dropped by hand",
        "classifiers": _CLASSIFIERS,
        "urls": _URLS,
    },
    "tooz": {
        "license": "license: 'Apache-2' rewritten as 'Apache-2.0' by hand",
        "classifiers": _CLASSIFIERS,
        "urls": _URLS,
    },
}

SETUP_CFG_HAND_EDITS = {
    "cinder": "[mypy] moved to [tool.mypy] and the duplicate [options] packages dropped by hand",
    "oslo.config": "the [mypy] sections moved to [tool.mypy] by hand",
}


def _moved(project: str, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    root = tmp_path / project
    shutil.copytree(DATA / project / "before", root)
    commit(plan(str(root)))
    return root, tomllib.loads((root / "pyproject.toml").read_text())


def _ordered(value: Any) -> Any:
    """Dicts as lists of pairs: the comparison sees the order of keys too."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def _parent_entry_points(project: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The parent's entry points as pbr reads them: configparser, groups lower-cased."""
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.optionxform = str  # type: ignore[assignment,method-assign]
    cfg.read(DATA / project / "before" / "setup.cfg")
    out = []
    if not cfg.has_section("entry_points"):
        return []
    for group, value in cfg["entry_points"].items():
        lines = [ln.strip() for ln in value.splitlines() if ln.strip()]
        entries = [tuple(p.strip() for p in ln.split("=", 1)) for ln in lines]
        out.append((group.lower().replace("-", "_"), entries))
    return out  # type: ignore[return-value]


def _entry_points(project: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for key, group in (("scripts", "console_scripts"), ("gui-scripts", "gui_scripts")):
        if key in project:
            out.append((group, list(project[key].items())))
    out += [(g, list(e.items())) for g, e in project.get("entry-points", {}).items()]
    return out


def test_the_manifest_names_nova_and_stevedore_and_more() -> None:
    assert {"nova", "stevedore"} <= set(PROJECTS)
    assert len(PROJECTS) >= 12


@pytest.mark.parametrize("project", PROJECTS)
def test_entry_points_move_exactly_as_pbr_read_them(project: str, tmp_path: Path) -> None:
    _, ours = _moved(project, tmp_path)
    got = _entry_points(ours["project"])
    # Scripts come first (as OpenStack wrote them); the other groups keep their order.
    want = sorted(
        _parent_entry_points(project),
        key=lambda g: {"console_scripts": 0, "gui_scripts": 1}.get(g[0], 2),
    )
    assert got == want


@pytest.mark.parametrize("project", PROJECTS)
def test_each_field_is_the_commits_or_a_hand_edit_named(project: str, tmp_path: Path) -> None:
    root, ours = _moved(project, tmp_path)
    theirs = tomllib.loads((DATA / project / "after" / "pyproject.toml").read_text())
    edits = HAND_EDITS.get(project, {})
    for field in FIELDS:
        a = _ordered(ours["project"].get(field))
        b = _ordered(theirs["project"].get(field))
        if field in edits:
            assert a != b, f"{project}: {field} is listed as a hand edit but equals the commit's"
        else:
            assert a == b, f"{project}: {field} differs from the commit: {a!r} != {b!r}"
    tool_ours = ours.get("tool", {}).get("setuptools", {})
    tool_theirs = theirs.get("tool", {}).get("setuptools", {})
    for key in ("packages", "data-files"):
        assert tool_ours.get(key) == tool_theirs.get(key), f"{project}: tool.setuptools.{key}"
    cfg_ours = (root / "setup.cfg").read_text()
    cfg_theirs = (DATA / project / "after" / "setup.cfg").read_text()
    if project in SETUP_CFG_HAND_EDITS:
        assert cfg_ours != cfg_theirs
        assert cfg_ours.startswith(f"[metadata]\nname = {ours['project']['name']}\n")
    else:
        assert cfg_ours == cfg_theirs
    # setup.py is pbr's shim, untouched.
    assert (root / "setup.py").read_bytes() == (DATA / project / "before" / "setup.py").read_bytes()


@pytest.mark.parametrize("project", ["nova", "stevedore"])
def test_nova_and_stevedore_entry_points_equal_the_commit(project: str, tmp_path: Path) -> None:
    _, ours = _moved(project, tmp_path)
    theirs = tomllib.loads((DATA / project / "after" / "pyproject.toml").read_text())
    assert _entry_points(ours["project"]) == _entry_points(theirs["project"])


@pytest.mark.parametrize("project", ["nova", "tooz", "taskflow", "manila"])
def test_a_hand_edited_field_keeps_the_parents_value(project: str, tmp_path: Path) -> None:
    _, ours = _moved(project, tmp_path)
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(DATA / project / "before" / "setup.cfg")
    meta = cfg["metadata"]
    classifiers = meta.get("classifiers", meta.get("classifier", ""))
    assert ours["project"]["classifiers"] == [c for c in classifiers.splitlines() if c.strip()]
    summary = meta.get("summary", meta.get("description"))
    assert ours["project"]["description"] == summary
    if "license" in meta:
        assert ours["project"]["license"] == {"text": meta["license"]}
    if "keywords" in meta:
        words = [w.strip() for w in meta["keywords"].replace("\n", ",").split(",") if w.strip()]
        assert ours["project"]["keywords"] == words


@pytest.mark.parametrize("project", PROJECTS)
def test_a_second_move_changes_nothing(project: str, tmp_path: Path) -> None:
    root, _ = _moved(project, tmp_path)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    again = plan(str(root))
    assert not again.changed and again.moved == ()
    commit(again)
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before
