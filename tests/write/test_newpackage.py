"""``write.newpackage``: loose extension files become an installable package.

Each test builds a small service (its base class in ``svc``) and a directory of
loose files outside any package, calls :func:`newpackage.create` and checks
the files it writes, byte for byte, or the error and that nothing was written.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from epmigrate.errors import EpmigrateError, ValidationError
from epmigrate.model import EntryPointSpec
from epmigrate.write import newpackage

BASE = "svc.api.extensions.ExtensionDescriptor"
GROUP = "svc.api.extensions"

# CRLF line endings and a non-ASCII comment: the copy must keep both.
ALPHA = (
    b"# \xc3\xa9t\xc3\xa9: summer\r\n"
    b"from svc.api import extensions\r\n\r\n\r\n"
    b"class Alpha(extensions.ExtensionDescriptor):\r\n"
    b"    def get_alias(self):\r\n        return 'os-alpha'\r\n"
)
BETA = (
    b"from svc.api import extensions\n\n\n"
    b"class Beta(extensions.ExtensionDescriptor):\n"
    b"    def get_alias(self):\n        return 'os-beta'\n"
)

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "contrib-pkg"
version = "0.1.0"
description = "API extensions that were loaded from {dirs}"
requires-python = ">=3.8"

[project.entry-points."svc.api.extensions"]
alpha = "contrib_pkg.alpha:Alpha"
beta = "contrib_pkg.beta:Beta"

[tool.setuptools]
packages = ["contrib_pkg"]

[tool.setuptools.package-dir]
"" = "src"
"""

README = """\
# contrib-pkg

API extensions that used to be copied into contrib, now a package
(`contrib_pkg`) whose extensions are found through entry points. Install it
next to the service instead of copying files:

```console
pip install .
```

Entry points (group `svc.api.extensions`):

- `alpha = contrib_pkg.alpha:Alpha`
- `beta = contrib_pkg.beta:Beta`
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A service package ``svc`` and loose files in ``contrib/``; the cwd is its root."""
    api = tmp_path / "svc" / "api"
    api.mkdir(parents=True)
    (tmp_path / "svc" / "__init__.py").write_text("")
    (api / "__init__.py").write_text("")
    (api / "extensions.py").write_text("class ExtensionDescriptor:\n    pass\n")
    contrib = tmp_path / "contrib"
    contrib.mkdir()
    (contrib / "alpha.py").write_bytes(ALPHA)
    (contrib / "beta.py").write_bytes(BETA)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def create(
    paths: tuple[str, ...] = ("contrib",), outdir: str = "out", **kwargs: str
) -> newpackage.NewPackage:
    return newpackage.create(
        "contrib-pkg",
        list(paths),
        outdir,
        group=GROUP,
        bases=[BASE],
        search_path=["."],
        **kwargs,
    )


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_the_package_holds_byte_identical_copies_a_pyproject_and_a_readme(
    project: Path,
) -> None:
    os.chmod(project / "contrib" / "alpha.py", 0o640)
    made = create()
    out = project / "out"
    assert tree(out) == [
        "README.md",
        "pyproject.toml",
        "src/contrib_pkg/__init__.py",
        "src/contrib_pkg/alpha.py",
        "src/contrib_pkg/beta.py",
    ]
    assert (out / "src/contrib_pkg/alpha.py").read_bytes() == ALPHA
    assert (out / "src/contrib_pkg/beta.py").read_bytes() == BETA
    # shutil.copy2: the permission bits come along with the bytes.
    assert stat.S_IMODE((out / "src/contrib_pkg/alpha.py").stat().st_mode) == 0o640
    assert (out / "src/contrib_pkg/__init__.py").read_bytes() == (
        b'"""contrib-pkg: API extensions."""\n'
    )
    assert (out / "pyproject.toml").read_text() == PYPROJECT.format(dirs="contrib")
    assert (out / "README.md").read_text() == README
    assert made.root == "out"
    assert made.package == "contrib_pkg"
    assert made.files == (
        "out/src/contrib_pkg/alpha.py",
        "out/src/contrib_pkg/beta.py",
        "out/src/contrib_pkg/__init__.py",
        "out/pyproject.toml",
        "out/README.md",
    )
    assert made.entry_points == (
        EntryPointSpec(GROUP, "alpha", "contrib_pkg.alpha:Alpha"),
        EntryPointSpec(GROUP, "beta", "contrib_pkg.beta:Beta"),
    )
    assert made.scan is not None and made.scan.paths == ("contrib",)


def test_the_pyproject_declares_what_the_build_reads(project: Path) -> None:
    create()
    data = tomllib.loads((project / "out" / "pyproject.toml").read_text())
    assert data["project"]["entry-points"] == {
        GROUP: {"alpha": "contrib_pkg.alpha:Alpha", "beta": "contrib_pkg.beta:Beta"}
    }
    assert data["tool"]["setuptools"] == {"package-dir": {"": "src"}, "packages": ["contrib_pkg"]}


def test_an_empty_existing_outdir_is_filled(project: Path) -> None:
    (project / "out").mkdir()
    create()
    assert (project / "out" / "pyproject.toml").read_text() == PYPROJECT.format(dirs="contrib")


def test_alias_names_the_entry_points_by_get_alias(project: Path) -> None:
    made = create(name_style="alias")
    assert [spec.line for spec in made.entry_points] == [
        "os-alpha = contrib_pkg.alpha:Alpha",
        "os-beta = contrib_pkg.beta:Beta",
    ]
    text = (project / "out" / "pyproject.toml").read_text()
    assert 'os-alpha = "contrib_pkg.alpha:Alpha"\nos-beta = "contrib_pkg.beta:Beta"\n' in text


def test_files_of_two_directories_share_one_package(project: Path) -> None:
    more = project / "more"
    more.mkdir()
    (project / "contrib" / "beta.py").rename(more / "beta.py")
    create(("contrib", "more"))
    out = project / "out"
    assert (out / "src/contrib_pkg/beta.py").read_bytes() == BETA
    assert (out / "pyproject.toml").read_text() == PYPROJECT.format(dirs="contrib, more")


@pytest.mark.parametrize(
    ("dist", "package"),
    [
        pytest.param("widget-contrib", "widget_contrib", id="dash"),
        pytest.param("Widget.Contrib__x", "widget_contrib_x", id="dots-runs-and-case"),
        pytest.param("w", "w", id="one-letter"),
    ],
)
def test_package_name_normalises_the_distribution_name(dist: str, package: str) -> None:
    assert newpackage.package_name(dist) == package


@pytest.mark.parametrize(
    ("dist", "message"),
    [
        pytest.param("-widget", "invalid distribution name '-widget'", id="leading-dash"),
        pytest.param("widget contrib", "invalid distribution name 'widget contrib'", id="space"),
        pytest.param(
            "1widget",
            "'1widget' does not give a valid Python package name ('1widget')",
            id="leading-digit",
        ),
    ],
)
def test_package_name_refuses_what_gives_no_package(dist: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        newpackage.package_name(dist)
    assert caught.value.message == message


def test_an_invalid_distribution_name_writes_nothing(project: Path) -> None:
    with pytest.raises(ValidationError):
        newpackage.create("-bad", ["contrib"], "out", group=GROUP, bases=[BASE])
    assert not (project / "out").exists()


@pytest.mark.parametrize("kind", ["directory", "file"])
def test_an_outdir_in_use_is_refused(project: Path, kind: str) -> None:
    out = project / "out"
    if kind == "directory":
        out.mkdir()
        (out / "keep.txt").write_text("mine\n")
    else:
        out.write_text("mine\n")
    with pytest.raises(EpmigrateError) as caught:
        create()
    assert caught.value.message == "out already exists and is not empty"
    assert caught.value.hint == "name a new directory for the package"
    assert (out / "keep.txt" if kind == "directory" else out).read_text() == "mine\n"
    if kind == "directory":
        assert tree(out) == ["keep.txt"]


def test_one_file_name_in_two_directories_is_refused(project: Path) -> None:
    more = project / "more"
    more.mkdir()
    (more / "beta.py").write_bytes(BETA)
    with pytest.raises(EpmigrateError) as caught:
        create(("contrib", "more"))
    # The first is named by the real path of the file found there.
    first = os.path.realpath(project / "contrib")
    assert caught.value.message == f"beta.py is in both {first} and more"
    assert caught.value.hint == "rename one of them or make two packages"
    assert not (project / "out").exists()


def test_a_link_to_a_file_outside_is_refused_and_nothing_written(project: Path) -> None:
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    (project / "contrib" / "beta.py").rename(elsewhere / "beta.py")
    (project / "contrib" / "beta.py").symlink_to(elsewhere / "beta.py")
    with pytest.raises(EpmigrateError) as caught:
        create()
    real = os.path.realpath(elsewhere / "beta.py")
    assert caught.value.message == (
        "1 file(s) in contrib are symbolic links to files outside the directory, which "
        f"--new-package does not copy into a package: contrib/beta.py -> {real}"
    )
    assert not (project / "out").exists()


def test_a_link_inside_the_directory_is_copied_as_a_file(project: Path) -> None:
    (project / "contrib" / "beta.py").rename(project / "contrib" / "beta.txt")
    (project / "contrib" / "beta.py").symlink_to("beta.txt")
    create()
    copy = project / "out" / "src" / "contrib_pkg" / "beta.py"
    assert not copy.is_symlink()
    assert copy.read_bytes() == BETA


def test_no_loadable_extension_writes_nothing(project: Path) -> None:
    for name in ("alpha.py", "beta.py"):
        (project / "contrib" / name).write_text("VALUE = 1\n")
    with pytest.raises(EpmigrateError) as caught:
        create()
    assert caught.value.message.startswith("no loadable extension found in contrib")
    assert not (project / "out").exists()
