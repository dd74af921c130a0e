"""``epmigrate write`` never passes an incomplete migration off as complete.

An extension the scan cannot verify gets no entry point; ``write``,
``--check`` and ``--dry-run`` name each one on stderr with the reason and the
fix, and exit 1 unless ``--allow-unverified`` accepts the partial write.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.write.test_write_command import ARGS, BASE, SETUP_CFG, make_service, run

DECORATED = """\
from svc.api import extensions


def drop(cls):
    return None


@drop
class Beta(extensions.ExtensionDescriptor):
    def get_alias(self):
        return 'os-beta'
"""

FOREIGN = """\
from otherlib.api import extensions


class Gamma(extensions.ExtensionDescriptor):
    def get_alias(self):
        return 'os-gamma'
"""


@pytest.fixture
def service(tmp_path: Path) -> Path:
    ext = make_service(tmp_path, exts=("alpha",))
    (ext / "beta.py").write_text(DECORATED)
    (ext / "gamma.py").write_text(FOREIGN)
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    return tmp_path


ALPHA_ONLY = SETUP_CFG + (
    "\n[options.entry_points]\nsvc.api.extensions =\n    alpha = svc.extensions.alpha:Alpha\n"
)


@pytest.mark.parametrize("mode", [(), ("--check",), ("--dry-run",)])
def test_unverified_extensions_are_named_with_the_fix_and_exit_1(
    service: Path, mode: tuple[str, ...]
) -> None:
    result = run(service, *ARGS, *mode)
    assert result.exit_code == 1
    err = result.stderr
    assert "svc/extensions/beta.py:9: unverified Beta: Beta is decorated with @drop" in err
    assert "svc/extensions/gamma.py:4: unverified Gamma:" in err
    assert "otherlib" in err and "--search-path" in err
    assert "2 extension(s) above could not be verified and got no entry point" in err
    assert "--allow-unverified" in err
    expected = ALPHA_ONLY if not mode else SETUP_CFG
    assert (service / "setup.cfg").read_text() == expected


def test_allow_unverified_accepts_the_partial_write(service: Path) -> None:
    result = run(service, *ARGS, "--allow-unverified")
    assert result.exit_code == 0, result.output
    assert "wrote 1 entry points" in result.stdout
    assert "unverified Beta" in result.stderr
    assert "left out, as --allow-unverified asks" in result.stderr
    assert (service / "setup.cfg").read_text() == ALPHA_ONLY
    check = run(service, *ARGS, "--check", "--allow-unverified")
    assert check.exit_code == 0, check.output


def test_a_bases_package_off_the_search_path_is_named_with_search_path(tmp_path: Path) -> None:
    ext = make_service(tmp_path, exts=())
    # Derived from a subclass of the base: the base's name alone cannot tell.
    (ext / "gamma.py").write_text(FOREIGN.replace("ExtensionDescriptor", "APIExtensionDescriptor"))
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    base = "otherlib.api.extensions.ExtensionDescriptor"
    args = ("--path", "svc/extensions", "--base", base, "--group", "svc.api.extensions")
    result = run(tmp_path, *args, "--no-cache", "--check")
    assert result.exit_code == 1
    assert "none of the 1 extension(s) found in svc/extensions could be verified" in result.stderr
    assert f"package otherlib (for {base}) is on no directory of the search path" in result.stderr
    assert "pass --search-path DIR" in result.stderr
    assert "--profile / --base" not in result.stderr
    # The fix the message names works.
    lib = tmp_path / "vendor" / "otherlib" / "api"
    lib.mkdir(parents=True)
    (lib.parent / "__init__.py").write_text("")
    (lib / "__init__.py").write_text("")
    (lib / "extensions.py").write_text(
        "class ExtensionDescriptor:\n    pass\n\n\n"
        "class APIExtensionDescriptor(ExtensionDescriptor):\n    pass\n"
    )
    fixed = run(tmp_path, *args, "--no-cache", "--search-path", "vendor")
    assert fixed.exit_code == 0, fixed.output
    assert "gamma = svc.extensions.gamma:Gamma" in (tmp_path / "setup.cfg").read_text()


def test_new_package_names_unverified_files_and_exits_1(tmp_path: Path) -> None:
    make_service(tmp_path, exts=())
    contrib = tmp_path / "contrib"
    contrib.mkdir()
    (contrib / "alpha.py").write_text(
        "from svc.api import extensions\n\n\n"
        "class Alpha(extensions.ExtensionDescriptor):\n"
        "    def get_alias(self):\n        return 'os-alpha'\n"
    )
    (contrib / "beta.py").write_text(DECORATED)
    args = ("--new-package", "contrib-pkg", "--path", "contrib", "--group", "svc.api.extensions")
    args += ("--base", BASE, "--search-path", ".", "--no-cache")
    result = run(tmp_path, *args, str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "with 1 entry points" in result.stdout
    assert "contrib/beta.py:9: unverified Beta: Beta is decorated with @drop" in result.stderr
    allowed = run(tmp_path, *args, "--allow-unverified", str(tmp_path / "out2"))
    assert allowed.exit_code == 0, allowed.output
    assert "unverified Beta" in allowed.stderr
