"""``epmigrate fix-callers``: each pkg_resources read rewritten, the uses it leaves and
why, the tests' patch targets, and the rewritten code run against a real installed
plugin in a Python whose setuptools has no pkg_resources."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from epmigrate.callers import commit, prepare
from epmigrate.callers._rewrite import rewrite
from epmigrate.cli import cli
from tests.conftest import PipVenv

PLUGIN_GROUP = "epm.fixcallers.test"


def fixed(source: str) -> str:
    return rewrite(textwrap.dedent(source), path="host.py").text


# -- what each call becomes -----------------------------------------------------


def test_a_file_without_pkg_resources_is_not_even_parsed() -> None:
    text = "def broken(:\n    pass\n"
    result = rewrite(text, path="x.py")
    assert result.text == text and not result.rewrites and not result.findings


def test_iter_entry_points_in_a_loop_reads_once_through_a_helper() -> None:
    out = fixed(
        """\
        import pkg_resources


        def load(group):
            return {ep.name: ep.load() for ep in pkg_resources.iter_entry_points(group)}
        """
    )
    assert "import pkg_resources" not in out
    assert "@functools.cache\ndef _entry_points(group, name=None):" in out
    assert "return {ep.name: ep.load() for ep in _entry_points(group)}" in out
    assert out.startswith("import functools\nimport importlib.metadata\n\n\n@functools.cache")


@pytest.mark.parametrize(
    ("imports", "call"),
    [
        ("from pkg_resources import iter_entry_points as iep", "iep('g', 'n')"),
        ("import pkg_resources as pr", "pr.iter_entry_points('g', name='n')"),
        ("import pkg_resources", "pkg_resources.working_set.iter_entry_points('g', 'n')"),
    ],
)
def test_aliases_and_the_working_set_are_the_same_call(imports: str, call: str) -> None:
    out = fixed(f"{imports}\n\nep = next({call})\nprint(ep.module_name, ep.attrs)\n")
    assert "ep = next(iter(_entry_points('g', 'n')))" in out
    assert 'print(ep.module, tuple(ep.attr.split(".") if ep.attr else ()))' in out
    assert "pkg_resources" not in out.split('"""')[0] + out.split('"""')[-1]


def test_a_name_that_only_looks_the_same_is_left_alone() -> None:
    source = (
        "import pkg_resources\n\n"
        "def iter_entry_points(group):\n    return []\n\n"
        "x = iter_entry_points('g')\ny = pkg_resources.iter_entry_points('g')\n"
    )
    out = fixed(source)
    assert "x = iter_entry_points('g')" in out
    assert "y = iter(_entry_points('g'))" in out


def test_entry_point_attributes_follow_a_list_of_them() -> None:
    out = fixed(
        """\
        import pkg_resources

        eps = list(pkg_resources.iter_entry_points('g'))
        for ep in eps:
            print(ep.dist.project_name, ep.dist.version, ep.extras, ep.resolve())
        """
    )
    assert "eps = list(_entry_points('g'))" in out
    assert "print(ep.dist.name, ep.dist.version, tuple(ep.extras), ep.load())" in out


def test_distribution_calls_and_their_handlers() -> None:
    out = fixed(
        """\
        import pkg_resources

        try:
            main = pkg_resources.load_entry_point('widget', 'console_scripts', 'w')
            emap = pkg_resources.get_entry_map('widget', 'widget.ext')
            info = pkg_resources.get_entry_info('widget', 'widget.ext', 'a')
            one = pkg_resources.EntryPoint.parse('a = widget.a:A')
            version = pkg_resources.get_distribution('widget').version
        except (pkg_resources.DistributionNotFound, pkg_resources.VersionConflict):
            pass
        """
    )
    assert "main = _load_entry_point('widget', 'console_scripts', 'w')" in out
    assert "emap = _entry_map('widget', 'widget.ext')" in out
    assert "info = _entry_info('widget', 'widget.ext', 'a')" in out
    assert "one = _parse_entry_point('a = widget.a:A')" in out
    assert "version = importlib.metadata.version('widget')" in out
    assert "except (importlib.metadata.PackageNotFoundError):" in out
    assert "pkg_resources" not in out.replace("for pkg_resources.", "")


def test_a_helper_name_taken_in_the_module_gets_another() -> None:
    out = fixed(
        "import pkg_resources\n\n_entry_points = {}\n\n"
        "x = list(pkg_resources.iter_entry_points('g'))\n"
    )
    assert "def _entry_points_(group, name=None):" in out
    assert "x = list(_entry_points_('g'))" in out
    assert "_entry_points = {}" in out


def test_rewriting_twice_changes_nothing() -> None:
    once = fixed(
        "import pkg_resources\nfor ep in pkg_resources.iter_entry_points('g'):\n    ep.load()\n"
    )
    assert rewrite(once, path="host.py").text == once


# -- what is left as it was -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ep.load(require=True)", "require=True also checks"),
        ("ep.require()", "ep.require() checks"),
    ],
)
def test_a_requirement_check_is_left_with_its_import(code: str, message: str) -> None:
    source = (
        f"import pkg_resources\n\nfor ep in pkg_resources.iter_entry_points('g'):\n    {code}\n"
    )
    result = rewrite(source, path="host.py")
    assert [f.line for f in result.findings] == [4]
    assert message in result.findings[0].message
    # The loop gives what the call needs: both stay pkg_resources, never half a rewrite.
    assert result.text == source


def test_an_entry_point_attribute_epmigrate_cannot_follow_is_a_finding() -> None:
    source = (
        "import pkg_resources\n\n"
        "def names(group):\n"
        "    return [ep.name for ep in pkg_resources.iter_entry_points(group)]\n\n"
        "def where(entry_point):\n    return entry_point.module_name\n"
    )
    result = rewrite(source, path="host.py")
    assert "return [ep.name for ep in _entry_points(group)]" in result.text
    assert [f.line for f in result.findings] == [7]
    assert "entry_point.module_name: epmigrate cannot tell" in result.findings[0].message


def test_a_use_left_in_a_function_keeps_only_its_own_import() -> None:
    out = fixed(
        """        import pkg_resources

        VERSION = pkg_resources.require('w')[0].version


        def closure():
            import pkg_resources

            return pkg_resources.require('w')
        """
    )
    assert out.startswith("import importlib.metadata\n\nVERSION = importlib.metadata.version")
    assert "    import pkg_resources\n\n    return pkg_resources.require('w')\n" in out


def test_a_requirement_where_a_name_belongs_is_left() -> None:
    source = (
        "import pkg_resources\n"
        "f = pkg_resources.load_entry_point('w==1.0', 'console_scripts', 'w')\n"
    )
    result = rewrite(source, path="host.py")
    assert result.text == source
    assert "the requirement 'w==1.0', not a distribution name" in result.findings[0].message
    assert "pass the name alone ('w')" in result.findings[0].hint


def test_other_pkg_resources_uses_are_findings_and_keep_the_import() -> None:
    source = (
        "import pkg_resources\n"
        "env = pkg_resources.Environment(['/plugins'])\n"
        "pkg_resources.working_set.add_entry('/x')\n"
    )
    result = rewrite(source, path="host.py")
    assert result.text == source
    assert [f.line for f in result.findings] == [2, 3]
    assert "pkg_resources.Environment is not an entry-point read" in result.findings[0].message


def test_a_lone_version_conflict_handler_is_left() -> None:
    source = (
        "import pkg_resources\ntry:\n    pass\nexcept pkg_resources.VersionConflict:\n    pass\n"
    )
    result = rewrite(source, path="host.py")
    assert result.text == source and "VersionConflict alone" in result.findings[0].message


# -- the files and the tests' patch targets ----------------------------------------------


def project(tmp_path: Path) -> Path:
    pkg = tmp_path / "src" / "widget"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "host.py").write_text(
        "import pkg_resources\n\n\n"
        "def names(group):\n"
        "    return sorted(ep.name for ep in pkg_resources.iter_entry_points(group))\n"
    )
    (pkg / "plain.py").write_text("X = 1  # no pkg_resources here\n")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_host.py").write_text(
        "from unittest import mock\n\nfrom widget import host\n\n\n"
        "@mock.patch('pkg_resources.iter_entry_points')\n"
        "def test_names(iep):\n    iep.return_value = []\n    assert host.names('g') == []\n"
    )
    return tmp_path


def test_the_tests_patch_the_helper_the_code_calls_now(tmp_path: Path) -> None:
    root = project(tmp_path)
    plain = (root / "src/widget/plain.py").read_bytes()
    fixes = prepare([str(root)])
    commit(fixes)
    # plain.py names pkg_resources in a comment only: read, and left as it was.
    assert [Path(f.path).name for f in fixes if f.changed] == ["host.py", "test_host.py"]
    assert "@mock.patch('widget.host._entry_points')" in (root / "tests/test_host.py").read_text()
    assert (root / "src/widget/plain.py").read_bytes() == plain


def test_a_patch_target_two_modules_could_mean_is_a_finding(tmp_path: Path) -> None:
    root = project(tmp_path)
    other = root / "src/widget/other.py"
    other.write_text("import pkg_resources\nX = list(pkg_resources.iter_entry_points('g'))\n")
    fixes = {Path(f.path).name: f for f in prepare([str(root)])}
    assert "no module of the paths given reads it through one helper" in (
        fixes["test_host.py"].result.findings[0].message
    )


def test_the_command_checks_diffs_writes_and_reports(tmp_path: Path) -> None:
    root = project(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["fix-callers", "--check", str(root)])
    assert result.exit_code == 1
    assert "+    return sorted(ep.name for ep in _entry_points(group))" in result.stdout
    assert "would rewrite 2 uses of pkg_resources in 2 files" in result.stderr
    result = runner.invoke(cli, ["fix-callers", "--format", "json", str(root)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "rewritten"
    assert doc["files"][0]["helpers"] == ["_entry_points"]
    result = runner.invoke(cli, ["fix-callers", str(root)])
    assert (result.exit_code, "nothing to change" in result.stderr) == (0, True)


def test_a_use_left_as_it_was_exits_1(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import pkg_resources\nv = pkg_resources.require('x')\n")
    result = CliRunner().invoke(cli, ["fix-callers", str(tmp_path)])
    assert result.exit_code == 1
    assert "m.py:2: left as it was: pkg_resources.require other than for a distribution" in (
        result.stderr
    )


# -- the rewritten code against real installed entry points --------------------------------


@pytest.fixture(scope="module")
def plugin(test_venv: PipVenv, tmp_path_factory: pytest.TempPathFactory) -> PipVenv:
    root = tmp_path_factory.mktemp("plugin")
    (root / "epm_fc_plugin").mkdir()
    (root / "epm_fc_plugin" / "__init__.py").write_text(
        "class Red:\n    pass\n\nclass Blue:\n    pass\n"
    )
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "epm-fc-plugin"\nversion = "1.0"\n\n'
        f'[project.entry-points."{PLUGIN_GROUP}"]\n'
        'red = "epm_fc_plugin:Red"\nblue = "epm_fc_plugin:Blue"\n'
    )
    test_venv.install(root)
    return test_venv


def test_the_rewritten_host_loads_the_installed_plugins_reading_once(
    plugin: PipVenv, tmp_path: Path
) -> None:
    host = fixed(
        f"""\
        import pkg_resources

        GROUP = {PLUGIN_GROUP!r}


        def lookup(name):
            for ep in pkg_resources.iter_entry_points(GROUP):
                if ep.name == name:
                    return ep.load(require=False), ep.module_name, ep.dist.project_name
            raise KeyError(name)


        def main_version():
            try:
                return pkg_resources.get_distribution('epm-fc-plugin').version
            except pkg_resources.DistributionNotFound:
                return None
        """
    )
    (tmp_path / "host.py").write_text(host)
    probe = (
        "import importlib.metadata as md, sys\n"
        "calls = []\n"
        "real = md.entry_points\n"
        "md.entry_points = lambda **kw: calls.append(kw) or real(**kw)\n"
        "import host\n"
        "for _ in range(100):\n"
        "    red = host.lookup('red')\n"
        "print(red[0].__name__, red[1], red[2], host.main_version(), len(calls))\n"
        "try:\n    import pkg_resources\nexcept ImportError:\n    print('no pkg_resources')\n"
    )
    done = plugin.run("-c", probe, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # 100 lookups, one read of the group's entry points.
    assert done.stdout.splitlines() == ["Red epm_fc_plugin epm-fc-plugin 1.0 1", "no pkg_resources"]


# -- the other pkg_resources uses a module needs gone to import at all -------------------


def test_a_distribution_read_for_its_version_location_and_name() -> None:
    out = fixed(
        """\
        import pkg_resources
        from pkg_resources import get_distribution

        V = pkg_resources.require('widget')[0].version


        def where():
            dist = get_distribution('widget')
            return dist.location, dist.project_name, dist.version
        """
    )
    assert "V = importlib.metadata.version('widget')" in out
    assert "    dist = importlib.metadata.distribution('widget')\n" in out
    assert 'return str(dist.locate_file("")), dist.name, dist.version' in out
    assert "pkg_resources" not in out


def test_a_distribution_read_for_more_is_left() -> None:
    source = "import pkg_resources\nd = pkg_resources.get_distribution('w')\nd.has_metadata('x')\n"
    result = rewrite(source, path="host.py")
    assert result.text == source
    assert "get_distribution other than for a distribution's version" in result.findings[0].message


def test_resource_filename_and_the_namespace_declaration() -> None:
    out = fixed(
        """\
        __import__("pkg_resources").declare_namespace(__name__)
        from pkg_resources import resource_filename

        SCHEMA = resource_filename(__name__, "schemas/a.json")
        """
    )
    assert '__path__ = __import__("pkgutil").extend_path(__path__, __name__)' in out
    assert 'SCHEMA = _resource_filename(__name__, "schemas/a.json")' in out
    assert "def _resource_filename(package, resource):" in out


def test_the_resource_helper_gives_the_file_beside_the_module(tmp_path: Path) -> None:
    pkg = tmp_path / "epm_res"
    (pkg / "data").mkdir(parents=True)
    (pkg / "data" / "a.txt").write_text("A")
    (pkg / "__init__.py").write_text(
        fixed(
            """\
            import pkg_resources

            PATH = pkg_resources.resource_filename(__name__, "data/a.txt")
            TEXT = pkg_resources.resource_string(__name__, "data/a.txt")
            """
        )
    )
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import epm_res; print(epm_res.PATH, epm_res.TEXT)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(pkg / "data" / "a.txt"), "b'A'"]
