"""Locating modules on a search path without importing them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from epmigrate.scan.locate import Located, Locator, PackagePlace, default_search_path, package_of


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_package_of_walks_up_to_the_top_level_package(tmp_path: Path) -> None:
    _tree(
        tmp_path, {"svc/__init__.py": "", "svc/api/__init__.py": "", "svc/api/ext/__init__.py": ""}
    )
    assert package_of(str(tmp_path / "svc" / "api" / "ext")) == PackagePlace(
        "svc.api.ext", str(tmp_path)
    )


def test_package_of_stops_below_a_directory_without_init(tmp_path: Path) -> None:
    # tmp/outer/ has no __init__.py, so the top package is inner.
    _tree(tmp_path, {"outer/inner/__init__.py": "", "outer/inner/sub/__init__.py": ""})
    assert package_of(str(tmp_path / "outer" / "inner" / "sub")) == PackagePlace(
        "inner.sub", str(tmp_path / "outer")
    )


def test_package_of_a_directory_outside_any_package(tmp_path: Path) -> None:
    _tree(tmp_path, {"plugins/a.py": ""})
    assert package_of(str(tmp_path / "plugins")) == PackagePlace(None, str(tmp_path / "plugins"))


def test_package_of_a_package_whose_name_is_no_identifier(tmp_path: Path) -> None:
    # ``import my-plugins`` is not Python: no dotted name exists for it.
    _tree(tmp_path, {"my-plugins/__init__.py": "", "my-plugins/ext/__init__.py": ""})
    ext = tmp_path / "my-plugins" / "ext"
    assert package_of(str(ext)) == PackagePlace(None, str(ext))


def test_default_search_path_puts_extra_then_roots_then_sys_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra, root, site = (tmp_path / n for n in ("extra", "root", "site"))
    for d in (extra, root, site):
        d.mkdir()
    monkeypatch.setattr(sys, "path", [str(site), str(root), str(tmp_path / "missing")])
    found = default_search_path([str(root)], [str(extra), str(tmp_path / "gone")])
    # Each directory once, at its first place; directories that do not exist are left out.
    assert found == [str(extra), str(root), str(site)]


def test_default_search_path_reads_an_empty_entry_as_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [""])
    assert default_search_path([]) == [os.path.abspath(str(tmp_path))]


def test_find_a_module_and_a_package(tmp_path: Path) -> None:
    _tree(tmp_path, {"svc/__init__.py": "", "svc/base.py": "", "svc/api/__init__.py": ""})
    locator = Locator([str(tmp_path)])
    assert locator.find("svc.base") == Located("svc.base", str(tmp_path / "svc" / "base.py"), False)
    assert locator.find("svc.api") == Located(
        "svc.api", str(tmp_path / "svc" / "api" / "__init__.py"), True
    )
    assert locator.find("svc.missing") is None
    assert locator.find("svc.base.deeper") is None


def test_the_first_root_that_has_the_module_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _tree(first, {"lib/__init__.py": ""})
    _tree(second, {"lib/__init__.py": "", "other.py": ""})
    locator = Locator([str(first), str(second)])
    assert locator.find("lib") == Located("lib", str(first / "lib" / "__init__.py"), True)
    assert locator.find("other") == Located("other", str(second / "other.py"), False)


def test_a_package_wins_over_a_module_of_the_same_name(tmp_path: Path) -> None:
    _tree(tmp_path, {"dup/__init__.py": "", "dup.py": ""})
    found = Locator([str(tmp_path)]).find("dup")
    assert found is not None and found.is_package


def test_a_namespace_package_exists_and_its_modules_are_found(tmp_path: Path) -> None:
    _tree(tmp_path, {"ns/plugin.py": "", "ns/sub/__init__.py": ""})
    locator = Locator([str(tmp_path)])
    # No __init__.py: no file to read, but the name imports.
    assert locator.find("ns") is None
    assert locator.exists("ns")
    assert locator.find("ns.plugin") == Located(
        "ns.plugin", str(tmp_path / "ns" / "plugin.py"), False
    )
    assert locator.find("ns.sub") == Located(
        "ns.sub", str(tmp_path / "ns" / "sub" / "__init__.py"), True
    )
    assert not locator.exists("nothere")


def test_names_that_cannot_be_imported_are_not_found(tmp_path: Path) -> None:
    _tree(tmp_path, {"my-mod.py": "", "dir.py/__init__.py": ""})
    locator = Locator([str(tmp_path)])
    assert locator.find("my-mod") is None
    # A directory named like a module file is no module.
    assert locator.find("dir") is None


def test_an_added_module_is_known_without_a_file(tmp_path: Path) -> None:
    locator = Locator([str(tmp_path)])
    loose = Located("plugin", str(tmp_path / "elsewhere" / "plugin.py"), False)
    locator.add(loose)
    assert locator.find("plugin") == loose
    assert locator.exists("plugin")


ORACLE = """
import importlib.util, json, sys
sys.path[:0] = sys.argv[2:]
found = {}
for name in sys.argv[1].split(","):
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        spec = None
    found[name] = spec.origin if spec is not None and spec.has_location else None
print(json.dumps(found))
"""


@pytest.mark.parametrize(
    ("files", "names"),
    [
        pytest.param(
            {
                "r1/lib/__init__.py": "",
                "r1/lib/a.py": "",
                "r2/lib/__init__.py": "",
                "r2/lib/b.py": "",
            },
            ["lib", "lib.a", "lib.b"],
            id="a-regular-package-hides-a-later-one",
        ),
        pytest.param(
            {"r1/ns/a.py": "", "r2/ns/b.py": "", "r2/ns/sub/__init__.py": ""},
            ["ns.a", "ns.b", "ns.sub", "ns.c"],
            id="namespace-portions-on-every-root",
        ),
        pytest.param(
            {"r1/lib.py": "", "r2/lib/__init__.py": "", "r2/lib/x.py": ""},
            ["lib", "lib.x"],
            id="a-plain-module-has-no-submodules",
        ),
        pytest.param(
            {"r1/ns/__init__.py": "", "r2/ns/deep/__init__.py": "", "r1/ns/deep/leaf.py": ""},
            ["ns.deep", "ns.deep.leaf"],
            id="a-namespace-directory-inside-a-regular-package",
        ),
    ],
)
def test_find_agrees_with_the_import_system(
    tmp_path: Path, files: dict[str, str], names: list[str]
) -> None:
    import json
    import subprocess

    _tree(tmp_path, files)
    roots = [str(tmp_path / "r1"), str(tmp_path / "r2")]
    done = subprocess.run(
        [sys.executable, "-I", "-c", ORACLE, ",".join(names), *roots],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    expected = json.loads(done.stdout)
    locator = Locator(roots)
    got = {}
    for name in names:
        located = locator.find(name)
        got[name] = None if located is None else located.path
    assert got == expected


def test_a_name_of_thousands_of_parts_is_looked_up_without_recursion(tmp_path: Path) -> None:
    parts = ["p"] * 5000
    assert Locator([str(tmp_path)]).find(".".join(parts)) is None
    assert not Locator([str(tmp_path)]).exists(".".join(parts))
