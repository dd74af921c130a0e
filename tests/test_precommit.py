"""The ``epmigrate-check`` hook run by pre-commit itself, from the package index.

pre-commit is installed from PyPI into a session-scoped virtualenv; the hook
repository is a git clone of this repository at HEAD (``repo:`` a local
path, ``rev:`` its commit), so pre-commit builds the hook's environment the
way it does for users: ``pip install`` of the repository, plus the
``additional_dependencies``. PRE_COMMIT_HOME is shared by the cases, so each
distinct environment is built once per session. Skipped, with the reason,
when the package index cannot be reached.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
INDEX = "https://pypi.org/simple/pre-commit/"

BASE_PACKAGE = {
    "pyproject.toml": """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "svcbase"
version = "1.0"
""",
    "svcbase/__init__.py": "",
    "svcbase/api/__init__.py": "",
    "svcbase/api/extensions.py": (
        "class ExtensionDescriptor:\n    pass\n\n\n"
        "class APIExtensionDescriptor(ExtensionDescriptor):\n    pass\n"
    ),
}
"""The service library whose base class a plugin's extensions derive from."""


def extension(stem: str, base_module: str) -> str:
    # Derived through the library's own subclass, as networking-* plugins do
    # (neutron_lib's APIExtensionDescriptor): telling that it is an extension
    # takes the library's source.
    return (
        f"from {base_module} import extensions\n\n\n"
        f"class {stem.capitalize()}(extensions.APIExtensionDescriptor):\n"
        f"    def get_alias(self):\n        return 'os-{stem}'\n"
    )


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def index_reachable() -> str | None:
    """``None`` when the package index answers; else why not."""
    try:
        with urllib.request.urlopen(INDEX, timeout=15) as response:
            response.read(1)
    except OSError as exc:
        return f"the package index cannot be reached ({INDEX}: {exc})"
    return None


@dataclass(frozen=True)
class PreCommit:
    """pre-commit from PyPI, this repository as a hook repo, one shared PRE_COMMIT_HOME."""

    executable: Path
    hook_repo: Path
    rev: str
    home: Path

    def run(
        self, project: Path, additional: tuple[str, ...] = ()
    ) -> subprocess.CompletedProcess[str]:
        deps = "".join(f"\n          - {d}" for d in additional)
        (project / ".pre-commit-config.yaml").write_text(
            f"repos:\n"
            f"  - repo: {self.hook_repo}\n"
            f"    rev: {self.rev}\n"
            f"    hooks:\n"
            f"      - id: epmigrate-check\n"
            + (f"        additional_dependencies:{deps}\n" if additional else "")
        )
        git(project, "add", "-A")
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "VIRTUAL_ENV"))
        }
        env.update(
            PRE_COMMIT_HOME=str(self.home),
            XDG_CACHE_HOME=str(self.home / "xdg-cache"),
            PATH=os.pathsep.join([str(self.executable.parent), env.get("PATH", "")]),
        )
        return subprocess.run(
            [str(self.executable), "run", "--all-files", "--color", "never"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )


@pytest.fixture(scope="session")
def pre_commit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreCommit]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: pre-commit needs it")
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout: pre-commit clones its hook repository")
    reason = index_reachable()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("pre-commit")
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "pre-commit"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    # The hook repository: a clone of this one at HEAD (what a tag would give users).
    clone = root / "epmigrate"
    git(root, "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone))
    rev = git(REPO, "rev-parse", "HEAD")
    git(clone, "checkout", "--quiet", rev)
    yield PreCommit(python.with_name("pre-commit"), clone, rev, root / "home")


def make_project(root: Path, *, base_module: str, config: str, entry_points: str = "") -> Path:
    """A setuptools project ``svcplugin`` in a fresh git repository."""
    pkg = root / "svcplugin"
    (pkg / "extensions").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "extensions" / "__init__.py").write_text("")
    for stem in ("alpha", "beta"):
        (pkg / "extensions" / f"{stem}.py").write_text(extension(stem, base_module))
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "svcplugin"\nversion = "1.0"\n' + entry_points + "\n" + config
    )
    git(root, "init", "--quiet")
    return root


OWN_CONFIG = """\
[tool.epmigrate]
paths = ["svcplugin/extensions"]
group = "svcplugin.api.extensions"
bases = ["svcplugin.api.extensions.ExtensionDescriptor"]
"""

WRITTEN = """
[project.entry-points."svcplugin.api.extensions"]
alpha = "svcplugin.extensions.alpha:Alpha"
beta = "svcplugin.extensions.beta:Beta"
"""


def own_service(root: Path, entry_points: str) -> Path:
    project = make_project(
        root, base_module="svcplugin.api", config=OWN_CONFIG, entry_points=entry_points
    )
    (project / "svcplugin" / "api").mkdir()
    (project / "svcplugin" / "api" / "__init__.py").write_text("")
    (project / "svcplugin" / "api" / "extensions.py").write_text(
        BASE_PACKAGE["svcbase/api/extensions.py"]
    )
    return project


def test_hook_passes_when_entry_points_are_written(pre_commit: PreCommit, tmp_path: Path) -> None:
    project = own_service(tmp_path, WRITTEN)
    proc = pre_commit.run(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "epmigrate check" in proc.stdout and "Passed" in proc.stdout


def test_hook_fails_and_shows_the_diff_when_they_are_missing(
    pre_commit: PreCommit, tmp_path: Path
) -> None:
    project = own_service(tmp_path, "")
    before = (project / "pyproject.toml").read_bytes()
    proc = pre_commit.run(project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert '+alpha = "svcplugin.extensions.alpha:Alpha"' in proc.stdout
    assert "pyproject.toml would change: 2 entry points to write" in proc.stdout
    assert (project / "pyproject.toml").read_bytes() == before  # --check writes nothing


PLUGIN_CONFIG = """\
[tool.epmigrate]
paths = ["svcplugin/extensions"]
group = "svcbase.api.extensions"
bases = ["svcbase.api.extensions.ExtensionDescriptor"]
"""


def test_bases_from_another_package_need_additional_dependencies(
    pre_commit: PreCommit, tmp_path: Path
) -> None:
    base = tmp_path / "svcbase"
    for name, text in BASE_PACKAGE.items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).write_text(text)
    written = WRITTEN.replace("svcplugin.api.extensions", "svcbase.api.extensions")
    project = make_project(
        tmp_path / "plugin", base_module="svcbase.api", config=PLUGIN_CONFIG, entry_points=written
    )
    # Without the bases' package in the hook's environment the extensions
    # cannot be verified: the hook fails and says which package is missing.
    missing = pre_commit.run(project)
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert "none of the 2 extensions found in svcplugin/extensions could be verified" in (
        missing.stdout
    )
    assert "the base classes' package svcbase" in missing.stdout
    assert "list it in the hook's additional_dependencies" in missing.stdout
    # Listed in additional_dependencies, it is installed next to epmigrate.
    proc = pre_commit.run(project, additional=(str(base),))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
