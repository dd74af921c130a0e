"""No scanned code runs: not the files, not their packages, not the bases' packages."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.scan.conftest import scan_json

MARK = "import pathlib; pathlib.Path(__file__ + '.ran').touch()\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(MARK + text)


def test_scan_executes_nothing(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    write(lib / "baselib" / "__init__.py", "")
    write(lib / "baselib" / "api" / "__init__.py", "")
    write(
        lib / "baselib" / "api" / "extensions.py",
        "class ExtensionDescriptor:\n    pass\n\n"
        "class APIExtensionDescriptor(ExtensionDescriptor):\n"
        "    @classmethod\n    def get_alias(cls):\n        return cls.api_definition.ALIAS\n",
    )
    write(lib / "baselib" / "defs" / "__init__.py", "")
    write(lib / "baselib" / "defs" / "widget.py", "ALIAS = 'widget'\n")
    proj = tmp_path / "proj"
    write(proj / "svc" / "__init__.py", "")
    write(proj / "svc" / "extensions" / "__init__.py", "")
    write(
        proj / "svc" / "extensions" / "widget.py",
        "from baselib.api import extensions\nfrom baselib.defs import widget as apidef\n\n"
        "class Widget(extensions.APIExtensionDescriptor):\n    api_definition = apidef\n",
    )
    before = set(sys.modules)
    code, doc = scan_json(
        str(proj / "svc" / "extensions"),
        "--base",
        "baselib.api.extensions.ExtensionDescriptor",
        "--search-path",
        str(lib),
    )
    assert code == 0
    [ext] = doc["extensions"]
    # The facts came from every level: the base's package and the definition.
    assert (ext["class"], ext["alias"], ext["status"]) == ("Widget", "widget", "loaded")
    assert sorted(p.name for p in tmp_path.rglob("*.ran")) == []
    assert not {m for m in set(sys.modules) - before if m.split(".")[0] in {"baselib", "svc"}}
