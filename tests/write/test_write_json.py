"""``write --format json``: the documented schema, the same exit codes, stdout only JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.e2e.conftest import copy_samples, environment, epmigrate

DOC = Path(__file__).resolve().parents[2] / "docs" / "write-json.md"


def documented_schema() -> dict[str, Any]:
    block = re.search(r"## Schema\n\n```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/write-json.md has no json schema block"
    schema: dict[str, Any] = json.loads(block.group(1))
    return schema


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    return copy_samples(tmp_path / "samples")


def write_json(cwd: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """Exit status, the document (all of stdout) and stderr; the document is validated."""
    proc = epmigrate(cwd, environment(cwd), "write", "--format", "json", *args)
    doc: dict[str, Any] = json.loads(proc.stdout)
    jsonschema.validate(doc, documented_schema())
    assert doc["exit_code"] == proc.returncode
    return proc.returncode, doc, proc.stderr


def text_status(cwd: Path, *args: str) -> int:
    return epmigrate(cwd, environment(cwd), "write", *args).returncode


def test_widget_service_dry_run_write_then_kept(samples: Path) -> None:
    root = samples / "widget_service"
    before = (root / "pyproject.toml").read_bytes()
    code, doc, err = write_json(root, "--dry-run")
    assert (code, err) == (0, "")
    assert doc["target"]["path"] == "pyproject.toml"
    assert doc["target"]["kind"] == "pyproject.toml"
    assert "[project] table" in doc["target"]["reason"]
    assert [e["name"] for e in doc["entries"]["written"]] == ["colors", "gadgets", "quotas", "tags"]
    assert doc["changed"] and not doc["written"]
    assert '+[project.entry-points."widget_service.api.extensions"]' in doc["diff"]
    assert (root / "pyproject.toml").read_bytes() == before

    code, doc, _ = write_json(root)
    assert code == 0 and doc["written"] and doc["mode"] == "write"
    assert (
        '[project.entry-points."widget_service.api.extensions"]'
        in (root / "pyproject.toml").read_text()
    )

    code, doc, _ = write_json(root, "--check")
    assert code == 0 == text_status(root, "--check")
    assert not doc["changed"] and doc["diff"] == "" and doc["entries"]["written"] == []
    assert [e["name"] for e in doc["entries"]["kept"]] == ["colors", "gadgets", "quotas", "tags"]


def test_cinder_style_check_exits_1_like_text(samples: Path) -> None:
    root = samples / "cinder_style"
    code, doc, _ = write_json(root, "--check")
    assert code == 1 == text_status(root, "--check")
    assert doc["target"] == {
        "path": "setup.cfg",
        "kind": "setup.cfg",
        "section": "options.entry_points",
        "reason": "a setuptools project: setuptools reads [options.entry_points]",
    }
    assert doc["profile"] == "nova"
    assert len(doc["entries"]["written"]) == 4


def test_conflicts_are_listed_and_nothing_is_written(samples: Path) -> None:
    root = samples / "widget_service"
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + '\n[project.entry-points."widget_service.api.extensions"]\n'
        + 'colors = "elsewhere.colors:Colors"\n'
    )
    before = pyproject.read_bytes()
    code, doc, _ = write_json(root)
    assert code == 1 == text_status(root)
    assert pyproject.read_bytes() == before
    assert doc["entries"]["conflicting"] == [
        {
            "group": "widget_service.api.extensions",
            "name": "colors",
            "value": "widget_service.extensions.colors:Colors",
            "existing_value": "elsewhere.colors:Colors",
            "existing_line": doc["entries"]["conflicting"][0]["existing_line"],
        }
    ]
    assert doc["entries"]["written"] == [] and not doc["written"]
    assert "already points to elsewhere.colors:Colors" in doc["error"]["message"]
    # With --replace, the same entry is re-pointed and says what it was.
    code, doc, _ = write_json(root, "--replace")
    assert code == 0
    assert [(r["name"], r["existing_value"]) for r in doc["entries"]["replaced"]] == [
        ("colors", "elsewhere.colors:Colors")
    ]


def test_unverified_are_skipped_with_their_reason(samples: Path) -> None:
    root = samples / "widget_service"
    ext = root / "src" / "widget_service" / "extensions" / "remote.py"
    ext.write_text(
        "from far_away.api import extensions\n\n"
        "class Remote(extensions.ExtensionDescriptor):\n"
        "    def get_alias(self):\n        return 'remote'\n"
    )
    args = ("--dry-run",)
    code, doc, err = write_json(root, *args)
    assert code == 1 == text_status(root, *args)
    assert err == ""
    assert [(s["class"], s["status"]) for s in doc["skipped"]] == [("Remote", "unverified")]
    assert "far_away" in doc["skipped"][0]["reason"]
    code, doc, _ = write_json(root, *args, "--allow-unverified")
    assert code == 0 == text_status(root, *args, "--allow-unverified")


def test_an_error_is_a_document_too(tmp_path: Path) -> None:
    (tmp_path / "ext").mkdir()
    code, doc, _ = write_json(tmp_path, "--path", "ext")
    assert code == 1 == text_status(tmp_path, "--path", "ext")
    assert doc["target"] is None
    assert "no packaging file" in doc["error"]["message"]
    assert doc["error"]["hint"]


def test_schema_rejects_a_broken_document(samples: Path) -> None:
    _, doc, _ = write_json(samples / "widget_service", "--dry-run")
    doc["mode"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, documented_schema())
