"""Real files from released sdists that the write once misread.

tests/data/sdists/MANIFEST.tsv says where each comes from. New continuation
lines must be indented like the file's own (here tabs) even when the target
section has none of its own; a refusal must give the true reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.write.test_write_command import ARGS, make_service, run

SDISTS = Path(__file__).resolve().parents[1] / "data" / "sdists"
TAB_INDENTED = [
    "pep8-naming-0.15.1__setup.cfg",
    "sphinxcontrib-apidoc-0.6.0__setup.cfg",
    "celery-5.7.0__setup.cfg",
]


@pytest.mark.parametrize("name", TAB_INDENTED)
def test_new_entries_use_the_files_tab_indentation(tmp_path: Path, name: str) -> None:
    make_service(tmp_path)
    source = SDISTS / name
    shutil.copy(source, tmp_path / "setup.cfg")
    before = source.read_text(encoding="utf-8")
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 0, result.output
    after = (tmp_path / "setup.cfg").read_text(encoding="utf-8")
    assert after.startswith(before)
    section = "entry_points" if "[files]" in before else "options.entry_points"
    gap = "" if before.endswith("\n\n") else "\n"
    assert after[len(before) :] == gap + (
        f"[{section}]\nsvc.api.extensions =\n"
        "\talpha = svc.extensions.alpha:Alpha\n\tbeta = svc.extensions.beta:Beta\n"
    )


def test_two_space_file_gets_two_space_entries_in_an_existing_bare_section(
    tmp_path: Path,
) -> None:
    make_service(tmp_path)
    text = (
        "[metadata]\nname = svc\nclassifiers =\n  Programming Language :: Python\n"
        "  License :: OSI Approved\n\n[options.entry_points]\n"
    )
    (tmp_path / "setup.cfg").write_text(text)
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "setup.cfg").read_text() == text + (
        "svc.api.extensions =\n"
        "  alpha = svc.extensions.alpha:Alpha\n  beta = svc.extensions.beta:Beta\n"
    )


def test_dynamic_entry_points_without_setup_cfg_gives_the_true_reason(tmp_path: Path) -> None:
    # pbr's own pyproject.toml: [project] lists entry-points in dynamic.
    make_service(tmp_path)
    source = SDISTS / "pbr-7.1.3__pyproject.toml"
    shutil.copy(source, tmp_path / "pyproject.toml")
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 1
    assert "has no [project] table" not in result.output
    assert result.output == (
        "Error: ./pyproject.toml lists entry-points in [project] dynamic, so the build "
        "(pbr.build) takes them from setup.cfg or setup.py, and . has neither: they belong "
        "in ./setup.cfg [entry_points]\n"
        "  hint: create setup.cfg with a [metadata] section and run again (or take "
        "entry-points out of dynamic to write them into pyproject.toml)\n"
    )
    assert (tmp_path / "pyproject.toml").read_bytes() == source.read_bytes()
