"""``epmigrate adopt``: the edit of each loader shape, the file edge and the command."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner, Result

from epmigrate.adopt import AdoptError, adopt_text
from epmigrate.adopt._cst import insert_import
from epmigrate.cli import cli
from epmigrate.errors import ParseError
from tests.adopt.loaders import OSLO_LOADER, PATH_LOADER, PATH_LOADER_ADOPTED, WALK_LOADER

ENTRY_LOOP = """\
        for f in epmigrate.loader.entry_points('widget.api.extensions'):
            try:
                self.add_extension(f.load()())
            except Exception as exception:
                LOG.warning("Extension file %(f)s wasn't loaded due to "
                            "%(exception)s",
                            {'f': f, 'exception': exception})

"""


def adopt(text: str, **kwargs: object) -> str:
    kwargs.setdefault("package", "widget")
    result = adopt_text(text, path="widget/api/extensions.py", **kwargs)  # type: ignore[arg-type]
    return result.text


def test_the_path_loader_gets_two_edits_and_nothing_else() -> None:
    result = adopt_text(PATH_LOADER, path="x.py", package="widget")
    assert result.text == PATH_LOADER_ADOPTED
    assert (result.profile, result.group) == ("neutron", "widget.api.extensions")
    assert [(c.function, c.line) for c in result.changes] == [
        ("ExtensionManager._load_all_extensions", 29),
        ("ExtensionManager._load_all_extensions_from_path", 41),
    ]


@pytest.mark.parametrize("text", [PATH_LOADER, OSLO_LOADER, WALK_LOADER], ids=str.__len__)
def test_adopting_twice_changes_nothing(text: str) -> None:
    once = adopt_text(text, path="x.py", package="widget")
    twice = adopt_text(once.text, path="x.py", package="widget")
    assert once.changed and not twice.changed
    assert twice.text == once.text and twice.changes == ()


def test_the_oslo_copy_keeps_aborting_on_the_first_error() -> None:
    result = adopt_text(OSLO_LOADER, path="x.py", package="widget")
    assert result.profile == "oslo-incubator"
    assert (
        "    def _load_all_extensions(self):\n"
        "        for f in epmigrate.loader.entry_points('widget.api.extensions'):\n"
        "            self.add_extension(f.load()())\n"
        "        for path in self.path.split(':'):\n"
    ) in result.text
    assert (
        "        for f in epmigrate.loader.legacy_listing(\n"
        "                path, group='widget.api.extensions', profile='oslo-incubator'):\n"
    ) in result.text
    assert "try:" not in result.text


def test_the_walking_loader_runs_its_own_checks_for_each_entry_point() -> None:
    result = adopt_text(WALK_LOADER, path="x.py", package="widget")
    assert result.profile == "nova"
    expected = (
        '    """Registers all standard API extensions."""\n\n'
        "    for entry_point in epmigrate.loader.entry_points('widget.api.extensions'):\n"
        "        classname = entry_point.attr\n"
        "        classpath = '%s.%s' % (entry_point.module, entry_point.attr)\n\n"
        "        if ext_list is not None and classname not in ext_list:\n"
        '            logger.debug("Skipping extension: %s" % classpath)\n'
        "            continue\n\n"
        "        try:\n"
        "            ext_mgr.load_extension(classpath)\n"
        "        except Exception as exc:\n"
        "            logger.warning('Failed to load extension %(classpath)s: '\n"
        "                           '%(exc)s',\n"
        "                           {'classpath': classpath, 'exc': exc})\n\n"
        "    # Walk through all the modules in our directory...\n"
        "    our_dir = path[0]\n"
        "    for dirpath, dirnames, filenames in epmigrate.loader.legacy_walk(\n"
        "            our_dir, group='widget.api.extensions', profile='nova'):\n"
    )
    assert expected in result.text
    rest = result.text.replace(expected, "").replace("\nimport epmigrate.loader\n", "", 1)
    original = WALK_LOADER.replace(
        '    """Registers all standard API extensions."""\n\n'
        "    # Walk through all the modules in our directory...\n"
        "    our_dir = path[0]\n"
        "    for dirpath, dirnames, filenames in os.walk(our_dir):\n",
        "",
    )
    assert rest == original, "nothing else changes"


def test_a_given_group_and_profile_are_used() -> None:
    text = adopt(PATH_LOADER, group="other.group", profile="neutron")
    assert "entry_points('other.group')" in text and "group='other.group'" in text


def test_line_endings_and_a_bom_are_kept() -> None:
    crlf = "\ufeff" + PATH_LOADER.replace("\n", "\r\n")
    result = adopt(crlf)
    assert result == "\ufeff" + PATH_LOADER_ADOPTED.replace("\n", "\r\n")


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        # a third-party group: the line goes in at its alphabetical place
        (
            "import os\n\nfrom alembic import op\nfrom oslo_log import log\n",
            "import os\n\nfrom alembic import op\nimport epmigrate.loader\n"
            "from oslo_log import log\n",
        ),
        (
            "import os\n\nfrom oslo_config import cfg\n\nfrom widget import policy\n",
            "import os\n\nimport epmigrate.loader\nfrom oslo_config import cfg\n\n"
            "from widget import policy\n",
        ),
        # none: a group of its own between the standard library and the project
        (
            '"""Doc."""\nimport os\n\nfrom widget import policy\n\nX = 1\n',
            '"""Doc."""\nimport os\n\nimport epmigrate.loader\n\nfrom widget import policy\n'
            "\nX = 1\n",
        ),
        ("import os\nX = 1\n", "import os\n\nimport epmigrate.loader\nX = 1\n"),
        ("import epmigrate.loader\n", "import epmigrate.loader\n"),
    ],
)
def test_the_import_goes_where_pep8_groups_it(module: str, expected: str) -> None:
    got = insert_import(cst.parse_module(module), "epmigrate.loader", project="widget")
    assert got.code == expected


HALF = PATH_LOADER_ADOPTED.replace(ENTRY_LOOP, "")


@pytest.mark.parametrize(
    ("text", "kwargs", "line", "words"),
    [
        ("import os\n", {}, None, "this file is not a legacy extension loader"),
        (
            PATH_LOADER.replace("self.extensions = {}", "self.extensions = {"),
            {},
            26,
            "is not valid Python: '{' was never closed",
        ),
        (
            PATH_LOADER.replace(
                "        # A comment of",
                "        from stevedore import extension\n"
                "        extension.ExtensionManager('g')\n"
                "        # A comment of",
            ),
            {},
            33,
            "ExtensionManager already reads entry points (stevedore.extension.ExtensionManager)",
        ),
        (HALF, {}, 31, "a half-adopted loader would load the migrated extensions from nowhere"),
        (
            PATH_LOADER,
            {"profile": "oslo-incubator"},
            41,
            "profile 'oslo-incubator' does not sort file names; "
            "ExtensionManager._load_all_extensions_from_path sorts them",
        ),
        (
            WALK_LOADER,
            {"profile": "neutron"},
            18,
            "profile 'neutron' lists one directory and runs files by their stem; "
            "load_standard_extensions walks packages and imports by dotted name",
        ),
        (PATH_LOADER, {"package": None}, None, "the group its service reads cannot be told"),
        (
            PATH_LOADER.replace(
                '    def _load_all_extensions(self):\n        """Load extensions from the '
                'configured path."""\n',
                "    def _load_all_extensions(self): pass\n\n    def _unused(self):\n",
            ),
            {},
            29,
            "ExtensionManager._load_all_extensions has its body on its def line",
        ),
    ],
    ids=[
        "not-a-loader",
        "syntax-error",
        "reads-stevedore",
        "half-adopted",
        "unsorted-profile",
        "walk-not-path",
        "no-package",
        "one-line-body",
    ],
)
def test_refusals_are_located_and_say_what_differs(
    text: str, kwargs: dict[str, object], line: int | None, words: str
) -> None:
    with pytest.raises((AdoptError, ParseError)) as caught:
        adopt(text, **kwargs)
    assert words in caught.value.message
    assert caught.value.line == line
    assert caught.value.hint


# --- the command, on files -----------------------------------------------------


def service(root: Path, text: str = PATH_LOADER) -> Path:
    """``widget/api/extensions.py`` in a package tree under ``root``."""
    api = root / "widget" / "api"
    api.mkdir(parents=True)
    for d in (root / "widget", api):
        (d / "__init__.py").write_text("")
    loader = api / "extensions.py"
    loader.write_bytes(text.encode())
    return loader


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_check_exits_1_and_writes_nothing_then_a_write_then_check_passes(tmp_path: Path) -> None:
    loader = service(tmp_path)
    os.chmod(loader, 0o640)
    checked = run("adopt", "--check", str(loader))
    assert checked.exit_code == 1
    assert "+import epmigrate.loader" in checked.stdout
    assert "-        for f in sorted(os.listdir(path)):" in checked.stdout
    assert "would change" in checked.stderr and "run 'epmigrate adopt'" in checked.stderr
    assert loader.read_text() == PATH_LOADER
    written = run("adopt", str(loader))
    assert written.exit_code == 0, written.output
    assert f"{loader}:29: ExtensionManager._load_all_extensions loads" in written.stderr
    assert loader.read_text() == PATH_LOADER_ADOPTED
    assert stat.S_IMODE(loader.stat().st_mode) == 0o640
    again = run("adopt", "--check", str(loader))
    assert again.exit_code == 0
    assert "already reads group 'widget.api.extensions'" in again.stderr
    assert again.stdout == ""


def test_json_reports_the_change(tmp_path: Path) -> None:
    loader = service(tmp_path, WALK_LOADER)
    done = run("adopt", "--diff", "--format", "json", str(loader))
    assert done.exit_code == 0
    doc = json.loads(done.stdout)
    assert {k: doc[k] for k in ("schema", "status", "profile", "group", "loader")} == {
        "schema": 1,
        "status": "change-due",
        "profile": "nova",
        "group": "widget.api.extensions",
        "loader": "load_standard_extensions",
    }
    assert [c["line"] for c in doc["changes"]] == [13, 18]
    assert "+import epmigrate.loader" in doc["diff"]
    assert loader.read_text() == WALK_LOADER


def test_errors_are_located_and_leave_the_file(tmp_path: Path) -> None:
    loader = service(tmp_path, "import os\n")
    text = run("adopt", str(loader))
    assert text.exit_code == 1
    assert f"Error: {loader}: this file is not a legacy extension loader" in text.output
    as_json = run("adopt", "--format", "json", str(loader))
    assert as_json.exit_code == 1
    error = json.loads(as_json.stdout)["error"]
    assert error["path"] == str(loader) and error["line"] is None
    assert "docs/adopt.md" in error["hint"]
    assert loader.read_text() == "import os\n"


def test_a_link_is_refused(tmp_path: Path) -> None:
    loader = service(tmp_path)
    link = tmp_path / "link.py"
    link.symlink_to(loader)
    done = run("adopt", str(link))
    assert done.exit_code == 1
    assert "is a symbolic link to" in done.output
    assert loader.read_text() == PATH_LOADER


def test_a_read_only_file_is_refused(tmp_path: Path) -> None:
    loader = service(tmp_path)
    os.chmod(loader, 0o444)
    done = run("adopt", str(loader))
    assert done.exit_code == 1
    assert "read-only" in done.output
    assert loader.read_text() == PATH_LOADER
    assert stat.S_IMODE(loader.stat().st_mode) == 0o444


def test_check_and_diff_together_are_a_usage_error(tmp_path: Path) -> None:
    loader = service(tmp_path)
    done = run("adopt", "--check", "--diff", str(loader))
    assert done.exit_code == 2
    assert "--check and --diff are exclusive" in done.output
