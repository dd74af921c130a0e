"""Project defaults read from ``[tool.epmigrate]`` (pyproject.toml) or ``[tool:epmigrate]``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from epmigrate.config import KEYS, TOO_DEEP_START, Defaults, load, read_toml
from epmigrate.errors import EpmigrateError, ParseError


def test_a_project_without_settings_gives_empty_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "svc"\n')
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = svc\n")
    assert load(str(tmp_path)) == Defaults()
    assert load(str(tmp_path / "missing")) == Defaults()


def test_pyproject_settings_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.epmigrate]\n"
        'paths = ["src/svc/extensions"]\n'
        'profile = "neutron"\n'
        'group = "svc.api.extensions"\n'
        'bases = ["svc.api.extensions.ExtensionDescriptor"]\n'
        'name = "alias"\n'
        'search-path = ["../lib", "/opt/abs"]\n'
    )
    root = str(tmp_path)
    assert load(root) == Defaults(
        source=f"{os.path.join(root, 'pyproject.toml')} [tool.epmigrate]",
        paths=[os.path.join(root, "src", "svc", "extensions")],
        profile="neutron",
        group="svc.api.extensions",
        bases=["svc.api.extensions.ExtensionDescriptor"],
        name="alias",
        search_path=[os.path.join(str(tmp_path.parent), "lib"), "/opt/abs"],
    )


def test_a_single_string_counts_as_a_list_of_one(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.epmigrate]\npaths = "ext"\nbases = "a.B"\n')
    found = load(str(tmp_path))
    assert found.paths == [os.path.join(str(tmp_path), "ext")]
    assert found.bases == ["a.B"]


def test_a_byte_order_mark_before_pyproject_is_read_past(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'\xef\xbb\xbf[tool.epmigrate]\nprofile = "nova"\n')
    assert load(str(tmp_path)).profile == "nova"


def test_setup_cfg_settings_split_lists_on_white_space(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = svc\n\n"
        "[tool:epmigrate]\n"
        "paths =\n    svc/extensions\n    svc/more\n"
        "profile = nova\n"
        "group = svc.extensions\n"
        "bases = svc.Base other.Base\n"
        "name = stem\n"
    )
    root = str(tmp_path)
    assert load(root) == Defaults(
        source=f"{os.path.join(root, 'setup.cfg')} [tool:epmigrate]",
        paths=[os.path.join(root, "svc", "extensions"), os.path.join(root, "svc", "more")],
        profile="nova",
        group="svc.extensions",
        bases=["svc.Base", "other.Base"],
        name="stem",
    )


def test_pyproject_settings_win_over_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.epmigrate]\nprofile = "neutron"\n')
    (tmp_path / "setup.cfg").write_text("[tool:epmigrate]\nprofile = nova\n")
    assert load(str(tmp_path)).profile == "neutron"


def test_setup_cfg_is_read_when_pyproject_has_no_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 99\n")
    (tmp_path / "setup.cfg").write_text("[tool:epmigrate]\nprofile = nova\n")
    found = load(str(tmp_path))
    assert (found.profile, found.source) == (
        "nova",
        f"{os.path.join(str(tmp_path), 'setup.cfg')} [tool:epmigrate]",
    )


def test_an_unknown_setting_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.epmigrate]\nprofiles = "nova"\n')
    with pytest.raises(ParseError) as caught:
        load(str(tmp_path))
    assert caught.value.path == str(tmp_path / "pyproject.toml")
    assert caught.value.message == "[tool.epmigrate] has unknown setting 'profiles'"
    assert caught.value.hint == f"known settings: {', '.join(KEYS)}"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param("paths = [1]", "[tool.epmigrate] paths must be a list of strings", id="list"),
        pytest.param("bases = 3", "[tool.epmigrate] bases must be a list of strings", id="int"),
        pytest.param("profile = ['a']", "[tool.epmigrate] profile must be a string", id="str"),
        pytest.param(
            'name = "class"',
            "[tool.epmigrate] name must be 'stem' or 'alias', not 'class'",
            id="name-choice",
        ),
    ],
)
def test_a_setting_of_the_wrong_type_is_refused(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.epmigrate]\n{line}\n")
    with pytest.raises(ParseError) as caught:
        load(str(tmp_path))
    assert caught.value.message == message


def test_invalid_toml_is_a_located_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.epmigrate]\nprofile = "nova\n')
    with pytest.raises(ParseError) as caught:
        load(str(tmp_path))
    err = caught.value
    assert isinstance(err, EpmigrateError) and isinstance(err, ValueError)
    assert (err.path, err.line) == (str(path), 2)
    assert err.message.startswith("pyproject.toml is not valid TOML: ")


def test_read_toml_reads_valid_text() -> None:
    assert read_toml('a = [1, {b = "c"}]\n', None) == {"a": [1, {"b": "c"}]}


def test_nesting_beyond_tomllib_names_the_line_where_it_gets_deep() -> None:
    depth = 100_000
    text = 'title = "x"\n# [ [ not counted\ns = "[[["\nv = ' + "[" * depth + "]" * depth + "\n"
    with pytest.raises(ParseError) as caught:
        read_toml(text, "/p/pyproject.toml")
    err = caught.value
    assert err.message == (
        f"{TOO_DEEP_START}{depth} levels deep, more than Python's TOML reader (tomllib, "
        "which build backends use) can read: pyproject.toml cannot be built as it is"
    )
    assert (err.path, err.line) == ("/p/pyproject.toml", 4)
