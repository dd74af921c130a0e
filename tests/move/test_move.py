"""``epmigrate move``: each source of entry points, the [project] it writes, the refusals,
the file edge (bytes, line endings, BOM, modes) and the command."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from epmigrate.cli import cli
from epmigrate.errors import ConflictError, EpmigrateError
from epmigrate.move import MoveError, commit, plan

PBR_PYPROJECT = '[build-system]\nrequires = ["pbr>=6.1.1"]\nbuild-backend = "pbr.build"\n'
SETUPTOOLS_PYPROJECT = (
    '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
)
PROJECT_PYPROJECT = SETUPTOOLS_PYPROJECT + '\n[project]\nname = "widget"\nversion = "1.0"\n'


def project(tmp_path: Path, **files: str | bytes) -> Path:
    for name, content in files.items():
        path = tmp_path / name.replace("__", ".")
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return tmp_path


def move(root: Path) -> dict[str, object]:
    commit(plan(str(root)))
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8-sig"))


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["move", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


# -- existing [project]: only the entry points move ---------------------------


def test_options_entry_points_move_with_order_and_comments(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT + "\n[tool.black]\nline-length = 99\n",
        setup__cfg=(
            "[metadata]\nname = widget\n\n"
            "# the plugins\n"
            "[options.entry_points]\n"
            "# commands first\n"
            "console_scripts =\n"
            "    zeta = widget.cli:zeta\n"
            "    ; the old one\n"
            "    alpha = widget.cli:alpha\n"
            "widget.api.extensions =\n"
            "    b = widget.ext.b:B\n"
            "    a = widget.ext.a:A [fast]\n"
            "\n[flake8]\nmax-line-length = 99\n"
        ),
    )
    data = move(root)
    project_table = data["project"]
    assert isinstance(project_table, dict)
    assert list(project_table["scripts"].items()) == [
        ("zeta", "widget.cli:zeta"),
        ("alpha", "widget.cli:alpha"),
    ]
    assert list(project_table["entry-points"]["widget.api.extensions"].items()) == [
        ("b", "widget.ext.b:B"),
        ("a", "widget.ext.a:A [fast]"),
    ]
    text = (root / "pyproject.toml").read_text()
    assert text.startswith(PROJECT_PYPROJECT)
    assert "# commands first\nzeta = " in text and "# the old one\nalpha = " in text
    # The new tables follow [project]; [tool.black] stays after them, as it was.
    assert text.index("[project.scripts]") < text.index("[tool.black]")
    assert text.endswith("\n[tool.black]\nline-length = 99\n")
    assert (root / "setup.cfg").read_text() == (
        "[metadata]\nname = widget\n\n# the plugins\n[flake8]\nmax-line-length = 99\n"
    )


def test_extras_are_kept_with_the_specifications_warning(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT,
        setup__cfg="[options.entry_points]\nwidget.ext =\n    a = widget.a:A [fast]\n",
    )
    code, _, err = run(root)
    assert code == 0
    assert "names extras; the entry points specification deprecates" in err
    assert 'a = "widget.a:A [fast]"' in (root / "pyproject.toml").read_text()


def test_an_inline_comment_is_taken_out_of_the_value(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT,
        setup__cfg="[options.entry_points]\nwidget.ext =\n    a = widget.a:A  # the first\n",
    )
    code, _, err = run(root)
    assert code == 0 and "was read by the build as part of its value" in err
    text = (root / "pyproject.toml").read_text()
    assert 'a = "widget.a:A"  # the first\n' in text


def test_dynamic_entry_points_are_taken_out_of_dynamic(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=SETUPTOOLS_PYPROJECT
        + '\n[project]\nname = "widget"\ndynamic = ["version", "entry-points", "scripts"]\n',
        setup__cfg=(
            "[metadata]\nversion = attr: widget.__version__\n\n"
            "[options.entry_points]\nconsole_scripts =\n    w = widget:main\n"
        ),
    )
    data = move(root)
    assert data["project"] == {
        "name": "widget",
        "dynamic": ["version"],
        "scripts": {"w": "widget:main"},
    }
    assert (root / "setup.cfg").read_text() == "[metadata]\nversion = attr: widget.__version__\n"


def test_a_file_directive_is_followed_and_the_file_left(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT,
        setup__cfg="[options]\npackages = find:\nentry_points = file: eps.cfg\n",
        eps__cfg="[widget.ext]\na = widget.a:A\nb = widget.b:B\n",
    )
    code, _, err = run(root)
    assert code == 0, err
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert data["project"]["entry-points"] == {"widget.ext": {"a": "widget.a:A", "b": "widget.b:B"}}
    assert (root / "setup.cfg").read_text() == "[options]\npackages = find:\n"
    assert (root / "eps.cfg").exists() and "eps.cfg is no longer read by the build" in err


def test_a_literal_setup_py_argument_moves_and_the_rest_of_setup_py_stays(tmp_path: Path) -> None:
    setup_py = (
        "from setuptools import setup\n\n"
        "setup(\n"
        "    name='widget',\n"
        "    entry_points={\n"
        "        # the commands\n"
        "        'console_scripts': ['w = widget:main'],\n"
        "        'widget.ext': [\n"
        "            'a = widget.a:A',  # first\n"
        "            'b = widget.b:B',\n"
        "        ],\n"
        "    },\n"
        "    zip_safe=False,\n"
        ")\n"
    )
    root = project(tmp_path, pyproject__toml=PROJECT_PYPROJECT, setup__py=setup_py)
    data = move(root)
    assert data["project"]["scripts"] == {"w": "widget:main"}
    assert list(data["project"]["entry-points"]["widget.ext"]) == ["a", "b"]
    assert (root / "setup.py").read_text() == (
        "from setuptools import setup\n\nsetup(\n    name='widget',\n    zip_safe=False,\n)\n"
    )
    assert 'a = "widget.a:A"  # first\n' in (root / "pyproject.toml").read_text()


@pytest.mark.parametrize(
    ("call", "after"),
    [
        ("setup(name='w', entry_points={'g': ['a = m:A']})", "setup(name='w')"),
        ("setup(entry_points={'g': ['a = m:A']}, name='w')", "setup(name='w')"),
        ("setup(entry_points={'g': 'a = m:A'})", "setup()"),
    ],
)
def test_an_argument_on_the_calls_line_is_cut_with_its_comma(
    tmp_path: Path, call: str, after: str
) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT,
        setup__py=f"from setuptools import setup\n{call}\n",
    )
    move(root)
    assert (root / "setup.py").read_text() == f"from setuptools import setup\n{after}\n"


def test_a_setup_py_argument_that_is_not_literal_is_refused(tmp_path: Path) -> None:
    setup_py = "from setuptools import setup\nEPS = {}\nsetup(entry_points=EPS)\n"
    root = project(tmp_path, pyproject__toml=PROJECT_PYPROJECT, setup__py=setup_py)
    with pytest.raises(MoveError, match=r"entry_points= in setup.py is not literal \(EPS\)") as exc:
        plan(str(root))
    assert exc.value.line == 3
    assert (root / "setup.py").read_text() == setup_py


def test_pbr_wsgi_scripts_are_refused_with_openstacks_fix(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PBR_PYPROJECT,
        setup__cfg=(
            "[metadata]\nname = widget\n\n"
            "[entry_points]\nwsgi_scripts =\n    w-api = widget.wsgi:init\n"
        ),
    )
    code, _, err = run(root)
    assert code == 1
    assert "setup.cfg:5: pbr's wsgi_scripts group" in err
    assert "package.wsgi.module:application" in err


def test_entry_points_in_two_places_are_a_conflict_naming_both(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT + '\n[project.scripts]\nw = "widget:main"\n',
        setup__cfg="[options.entry_points]\nwidget.ext =\n    a = widget.a:A\n",
    )
    with pytest.raises(ConflictError) as exc:
        plan(str(root))
    message = str(exc.value)
    assert "setup.cfg [options.entry_points] (setup.cfg:1)" in message
    assert "pyproject.toml [project.scripts] (pyproject.toml:" in message


def test_setup_cfg_and_setup_py_both_giving_entry_points_is_a_conflict(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT,
        setup__cfg="[options.entry_points]\nwidget.ext =\n    a = widget.a:A\n",
        setup__py="from setuptools import setup\nsetup(entry_points={'g': ['b = m:B']})\n",
    )
    with pytest.raises(
        ConflictError, match=r"two places: setup\.cfg .* and setup\.py entry_points="
    ):
        plan(str(root))


def test_a_name_given_twice_in_a_group_is_refused(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT,
        setup__cfg="[options.entry_points]\ng =\n    a = m:A\n    a = m:B\n",
    )
    with pytest.raises(ConflictError, match=r"'a' of group 'g' is given twice \(lines 3 and 4\)"):
        plan(str(root))


def test_another_backend_is_refused(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=(
            '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        ),
        setup__cfg="[options.entry_points]\ng =\n    a = m:A\n",
    )
    with pytest.raises(MoveError, match=r"builds with hatchling\.build, not setuptools or pbr"):
        plan(str(root))


# -- no [project]: the whole table --------------------------------------------


def test_a_declarative_setuptools_project_gets_its_project_table(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=SETUPTOOLS_PYPROJECT,
        setup__cfg=(
            "[metadata]\n"
            "name = widget\n"
            "version = attr: widget.__version__\n"
            "description = A widget\n"
            "long_description = file: README.md\n"
            "long_description_content_type = text/markdown\n"
            "author = Ann\n"
            "author_email = ann@example.org\n"
            "license = MIT\n"
            "url = https://example.org\n"
            "keywords = widget, plugins\n"
            "classifiers =\n"
            "    Programming Language :: Python :: 3\n"
            "\n[options]\n"
            "packages = find:\n"
            "python_requires = >=3.10\n"
            "install_requires =\n"
            "    click>=8  # the command line\n"
            "    tomlkit\n"
            "\n[options.extras_require]\n"
            "test = pytest\n"
            "\n[options.entry_points]\n"
            "console_scripts =\n"
            "    widget = widget.cli:main\n"
        ),
    )
    data = move(root)
    assert data["project"] == {
        "name": "widget",
        "description": "A widget",
        "authors": [{"name": "Ann", "email": "ann@example.org"}],
        "readme": {"file": "README.md", "content-type": "text/markdown"},
        "license": {"text": "MIT"},
        "dynamic": ["version"],
        "requires-python": ">=3.10",
        "dependencies": ["click>=8", "tomlkit"],
        "keywords": ["widget", "plugins"],
        "classifiers": ["Programming Language :: Python :: 3"],
        "optional-dependencies": {"test": ["pytest"]},
        "urls": {"Homepage": "https://example.org"},
        "scripts": {"widget": "widget.cli:main"},
    }
    assert '    "click>=8",  # the command line\n' in (root / "pyproject.toml").read_text()
    assert (root / "setup.cfg").read_text() == (
        "[metadata]\nversion = attr: widget.__version__\n\n[options]\npackages = find:\n"
    )


def test_fields_setup_py_gives_stay_there_and_become_dynamic(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        setup__cfg="[metadata]\nname = widget\ndescription = A widget\n",
        setup__py=(
            "from setuptools import setup\n"
            "setup(version=open('VERSION').read(), install_requires=['click'],\n"
            "      classifiers=CLASSIFIERS)\n"
        ),
    )
    data = move(root)
    assert data["build-system"] == {
        "requires": ["setuptools>=61"],
        "build-backend": "setuptools.build_meta:__legacy__",
    }
    assert data["project"] == {
        "name": "widget",
        "description": "A widget",
        # classifiers: setup.cfg has none, setup.py gives them, so they stay dynamic too.
        "dynamic": ["version", "dependencies", "classifiers"],
    }
    assert (root / "setup.py").read_text().endswith("classifiers=CLASSIFIERS)\n")


def test_setup_py_passing_kwargs_is_refused_when_project_is_written(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        setup__cfg="[metadata]\nname = widget\n",
        setup__py="from setuptools import setup\nsetup(**CONFIG)\n",
    )
    with pytest.raises(MoveError, match=r"passes \*\*kwargs") as exc:
        plan(str(root))
    assert exc.value.line == 2


def test_a_pbr_project_without_pyproject_gets_one(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        setup__cfg=(
            "[metadata]\nname = widget\nsummary = A widget\n\n"
            "[entry_points]\nWidget-Ext =\n    a = widget.a:A\n"
        ),
        setup__py="import setuptools\nsetuptools.setup(setup_requires=['pbr'], pbr=True)\n",
    )
    data = move(root)
    assert data == {
        "build-system": {"requires": ["pbr>=6.1.1"], "build-backend": "pbr.build"},
        "project": {
            "name": "widget",
            "description": "A widget",
            "dynamic": ["version", "dependencies"],
            # pbr registers the group lower-cased, '-' as '_': so does the move.
            "entry-points": {"widget_ext": {"a": "widget.a:A"}},
        },
    }
    assert (root / "setup.cfg").read_text() == "[metadata]\nname = widget\n"
    assert oct(stat.S_IMODE((root / "pyproject.toml").stat().st_mode)) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_project_without_a_name_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, setup__cfg="[metadata]\ndescription = x\n")
    with pytest.raises(MoveError, match="project's name is in neither"):
        plan(str(root))


# -- the file edge --------------------------------------------------------------


def test_crlf_and_a_bom_are_kept(tmp_path: Path) -> None:
    cfg = (
        "\ufeff[options]\r\nzip_safe = False\r\n\r\n"
        "[options.entry_points]\r\ng =\r\n    a = m:A\r\n"
    )
    pyproject = "\ufeff" + PROJECT_PYPROJECT.replace("\n", "\r\n")
    root = project(
        tmp_path,
        setup__cfg=cfg.encode("utf-8"),
        pyproject__toml=pyproject.encode("utf-8"),
    )
    move(root)
    assert (root / "setup.cfg").read_bytes() == "\ufeff[options]\r\nzip_safe = False\r\n".encode()
    new = (root / "pyproject.toml").read_bytes()
    assert new.startswith(pyproject.encode("utf-8"))
    assert new.endswith(b'\r\n[project.entry-points.g]\r\na = "m:A"\r\n')
    assert b"\n" not in new.replace(b"\r\n", b"")


def test_modes_are_kept_and_a_read_only_file_is_refused_untouched(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT,
        setup__cfg="[options.entry_points]\ng =\n    a = m:A\n",
    )
    os.chmod(root / "pyproject.toml", 0o640)
    os.chmod(root / "setup.cfg", 0o444)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    with pytest.raises(EpmigrateError, match="read-only"):
        commit(plan(str(root)))
    # The first file written is put back when a later one cannot be written.
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before
    assert stat.S_IMODE((root / "pyproject.toml").stat().st_mode) == 0o640


def test_nothing_to_move_changes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, pyproject__toml=PROJECT_PYPROJECT, setup__cfg="[flake8]\nx = 1\n")
    code, out, err = run(root)
    assert (code, out) == (0, "")
    assert "nothing to move: the entry points are in pyproject.toml [project] already" in err
    assert (root / "setup.cfg").read_text() == "[flake8]\nx = 1\n"


# -- the command ------------------------------------------------------------------


def test_check_exits_1_with_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT,
        setup__cfg="[options.entry_points]\ng =\n    a = m:A\n",
    )
    code, out, err = run(root, "--check")
    assert code == 1
    assert "+[project.entry-points.g]\n" in out and "-[options.entry_points]\n" in out
    assert "would move 1 entry point in 1 group" in err
    assert (root / "setup.cfg").read_text() == "[options.entry_points]\ng =\n    a = m:A\n"
    code, out, _ = run(root, "--diff")
    assert code == 0 and "+[project.entry-points.g]" in out


def test_json_reports_what_moved(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT,
        setup__cfg="[options.entry_points]\ng =\n    a = m:A\n",
    )
    code, out, _ = run(root, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "moved" and doc["project_table"] == "existing"
    assert doc["entry_points"] == [
        {
            "group": "g",
            "name": "a",
            "value": "m:A",
            "from": "setup.cfg:3",
            "to": "[project.entry-points.g]",
        }
    ]
    assert [f["path"] for f in doc["files"]] == ["pyproject.toml", "setup.cfg"]
    code, out, _ = run(root, "--format", "json")
    assert json.loads(out)["status"] == "nothing-to-move"


def test_json_reports_an_error(tmp_path: Path) -> None:
    root = project(tmp_path, setup__cfg="[metadata]\ndescription = x\n")
    code, out, _ = run(root, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["status"] == "error" and "project's name" in doc["error"]["message"]


def test_check_and_diff_together_are_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "--check", "--diff")
    assert code == 2 and "exclusive" in err


def test_a_directory_without_packaging_files_is_an_error(tmp_path: Path) -> None:
    code, _, err = run(tmp_path)
    assert code == 1 and "has no pyproject.toml, setup.cfg or setup.py" in err


# -- which key the build reads, where two set one field ----------------------------


def test_pbr_reads_home_page_over_url_and_both_go(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PBR_PYPROJECT,
        setup__cfg=(
            "[metadata]\nname = w\nurl = https://old.example.org\n"
            "home_page = https://docs.example.org\nclassifiers =\n    A :: B\n"
            "classifier =\n    C :: D\n"
        ),
    )
    data = move(root)
    assert data["project"]["urls"] == {"Homepage": "https://docs.example.org"}
    # pbr passes 'classifier' to setup(), over setuptools' own 'classifiers'.
    assert data["project"]["classifiers"] == ["C :: D"]
    assert (root / "setup.cfg").read_text() == "[metadata]\nname = w\n"


def test_pbr_description_is_the_summary_only_beside_a_long_description(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PBR_PYPROJECT,
        setup__cfg=(
            "[metadata]\nname = w\nsummary = Old\ndescription = Short\n"
            "description_file = README.rst\n"
        ),
    )
    data = move(root)
    assert data["project"]["description"] == "Short"
    assert data["project"]["readme"] == {"file": "README.rst", "content-type": "text/x-rst"}
    assert (root / "setup.cfg").read_text() == "[metadata]\nname = w\n"


def test_pbr_description_alone_is_the_long_description_and_stays(tmp_path: Path) -> None:
    cfg = "[metadata]\nname = w\nsummary = Short\ndescription = A long text\n"
    root = project(tmp_path, pyproject__toml=PBR_PYPROJECT, setup__cfg=cfg)
    data = move(root)
    assert data["project"]["dynamic"] == ["version", "description", "readme", "dependencies"]
    assert "description" not in data["project"]
    assert (root / "setup.cfg").read_text() == cfg


def test_pbr_extras_stay_when_pbr_adds_a_test_extra(tmp_path: Path) -> None:
    cfg = "[metadata]\nname = w\n\n[extras]\nfast =\n    ujson\n"
    root = project(
        tmp_path, pyproject__toml=PBR_PYPROJECT, setup__cfg=cfg, test_requirements__txt="x\n"
    )
    (root / "test_requirements.txt").rename(root / "test-requirements.txt")
    code, _, err = run(root)
    assert code == 0
    assert "pbr adds an extra 'test' from test-requirements.txt" in err
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert "optional-dependencies" in data["project"]["dynamic"]
    assert (root / "setup.cfg").read_text() == cfg


def test_a_one_line_continuation_is_not_split_at_its_marker(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=SETUPTOOLS_PYPROJECT,
        setup__cfg=(
            "[metadata]\nname = w\nversion = 1\n\n[options]\ninstall_requires =\n"
            '    importlib-metadata; python_version<"3.8"\n'
            "\n[options.extras_require]\nx = a; b\n"
        ),
    )
    data = move(root)
    assert data["project"]["dependencies"] == ['importlib-metadata; python_version<"3.8"']
    # On the option's own line setuptools splits at ';' (its _parse_list).
    assert data["project"]["optional-dependencies"] == {"x": ["a", "b"]}


def test_a_markdown_readme_without_a_content_type_stays_dynamic(tmp_path: Path) -> None:
    cfg = "[metadata]\nname = w\nversion = 1\nlong_description = file: README.md\n"
    root = project(tmp_path, pyproject__toml=SETUPTOOLS_PYPROJECT, setup__cfg=cfg)
    data = move(root)
    assert data["project"]["dynamic"] == ["readme"]
    assert (root / "setup.cfg").read_text() == "[metadata]\nlong_description = file: README.md\n"


def test_setup_py_entry_points_in_the_entry_points_txt_layout_move(tmp_path: Path) -> None:
    setup_py = (
        "from setuptools import setup\n"
        "setup(\n"
        "    name='w',\n"
        '    entry_points="""\n'
        "      [w.app]\n"
        "      # the main one\n"
        "      main = w.app:make\n"
        "      [console_scripts]\n"
        "      w = w.cli:run\n"
        '      """,\n'
        ")\n"
    )
    root = project(tmp_path, pyproject__toml=PROJECT_PYPROJECT, setup__py=setup_py)
    data = move(root)
    assert data["project"]["scripts"] == {"w": "w.cli:run"}
    assert data["project"]["entry-points"] == {"w.app": {"main": "w.app:make"}}
    assert (
        '[project.entry-points."w.app"]\n# the main one\nmain = '
        in (root / "pyproject.toml").read_text()
    )
    assert (
        root / "setup.py"
    ).read_text() == "from setuptools import setup\nsetup(\n    name='w',\n)\n"


def test_url_and_the_same_homepage_in_project_urls_are_one_url(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=SETUPTOOLS_PYPROJECT,
        setup__cfg=(
            "[metadata]\nname = w\nversion = 1\nurl = https://w.example.org\n"
            "project_urls =\n    Homepage = https://w.example.org\n    Source = https://src\n"
        ),
    )
    data = move(root)
    assert data["project"]["urls"] == {"Homepage": "https://w.example.org", "Source": "https://src"}


def test_include_package_data_keeps_the_default_setuptools_used(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        setup__cfg="[metadata]\nname = w\nversion = 1\n\n[options]\npackages = find:\n",
    )
    data = move(root)
    assert data["tool"] == {"setuptools": {"include-package-data": False}}
    root2 = project(
        tmp_path / "set",
        setup__cfg="[metadata]\nname = w\nversion = 1\n\n[options]\ninclude_package_data = True\n",
    )
    assert "tool" not in move(root2)


def test_a_pbr_requirement_with_a_marker_keeps_optional_dependencies_dynamic(
    tmp_path: Path,
) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PBR_PYPROJECT,
        setup__cfg="[metadata]\nname = w\n",
        requirements__txt="pbr>=6\ncolorama>=0.3; platform_system == 'Windows'\n",
    )
    (root / "requirements.txt").write_text((root / "requirements.txt").read_text())
    code, _, err = run(root)
    assert code == 0
    assert "pbr passes requirements.txt:2" in err
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert data["project"]["dynamic"] == ["version", "dependencies", "optional-dependencies"]


def test_a_dict_call_of_literals_is_literal(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject__toml=PROJECT_PYPROJECT,
        setup__py=(
            "from setuptools import setup\n"
            "setup(entry_points=dict(console_scripts=['g = g:main']))\n"
        ),
    )
    assert move(root)["project"]["scripts"] == {"g": "g:main"}


def test_a_name_that_is_not_literal_is_refused_at_its_line(tmp_path: Path) -> None:
    root = project(
        tmp_path, setup__py="from setuptools import setup\nNAME = 'w'\nsetup(\n    name=NAME,\n)\n"
    )
    with pytest.raises(MoveError, match="passes a name= that is not a literal string") as exc:
        plan(str(root))
    assert (os.path.basename(exc.value.path or ""), exc.value.line) == ("setup.py", 4)
