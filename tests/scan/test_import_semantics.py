"""Python's own import rules, on the shapes real packages have.

neutron-lib's ``api/definitions/__init__.py`` imports its own submodules
(``from neutron_lib.api.definitions import dvr``); Python then gets the
submodule ``neutron_lib.api.definitions.dvr`` unless the package bound the
name before that line. Each tree here is built as real files and scanned with
the command a user runs; the long chains are valid Python a thousand deep.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from epmigrate.scan import scan

BASE = "lib.api.extensions.ExtensionDescriptor"


def write(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path -> source, dedented) under ``root``."""
    for rel, source in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")


def scan_cli(*args: str, timeout: float = 120) -> tuple[int, dict[str, Any], str]:
    """``epmigrate scan --format json --no-cache ARGS`` in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-m", "epmigrate", "scan", "--format", "json", "--no-cache", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def by_class(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["class"]: e for e in doc["extensions"]}


LIB = {
    "lib/__init__.py": "",
    # The base's package imports its own ``extensions`` submodule, as
    # neutron_lib/api/__init__.py-like packages do.
    "lib/api/__init__.py": "from lib.api import extensions\nfrom . import converters\n",
    "lib/api/converters.py": "",
    "lib/api/extensions.py": """\
        class ExtensionDescriptor:
            pass


        class APIExtensionDescriptor(ExtensionDescriptor):
            api_definition = None

            def get_alias(self):
                return self.api_definition.ALIAS
        """,
    "lib/constants.py": "DVR = 'dvr'\nL3 = 'router'\n",
    # Each submodule imported by the package itself, absolute and relative,
    # as neutron_lib/api/definitions/__init__.py does.
    "lib/api/definitions/__init__.py": """\
        from lib.api.definitions import dvr
        from . import l3
        from .l3 import ALIAS as L3_ALIAS

        flavors = 'bound before the import'
        from lib.api.definitions import flavors

        from lib.api.definitions import rebound
        rebound = 'bound after the import'
        """,
    "lib/api/definitions/dvr.py": "from lib import constants\n\nALIAS = constants.DVR\n",
    "lib/api/definitions/l3.py": "from lib import constants\n\nALIAS = constants.L3 + 's'\n",
    "lib/api/definitions/flavors.py": "ALIAS = 'flavors-submodule'\n",
    "lib/api/definitions/rebound.py": "ALIAS = 'rebound-submodule'\n",
}


def extension(cls: str, definition: str) -> str:
    return textwrap.dedent(
        f"""\
        from lib.api import definitions
        from lib.api import extensions


        class {cls}(extensions.APIExtensionDescriptor):
            api_definition = {definition}
        """
    )


@pytest.fixture(scope="module")
def package_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("semantics")
    write(root, LIB)
    write(
        root,
        {
            "svc/__init__.py": "",
            "svc/extensions/__init__.py": "",
            "svc/extensions/dvr.py": extension("Dvr", "definitions.dvr"),
            "svc/extensions/l3.py": extension("L3", "definitions.l3"),
            "svc/extensions/flavors.py": extension("Flavors", "definitions.flavors"),
            "svc/extensions/rebound.py": extension("Rebound", "definitions.rebound"),
            "svc/extensions/l3_alias.py": textwrap.dedent(
                """\
                from lib.api import definitions
                from lib.api import extensions


                class L3_alias(extensions.ExtensionDescriptor):
                    def get_alias(self):
                        return definitions.L3_ALIAS + '-again'
                """
            ),
        },
    )
    return root


def test_a_package_importing_its_own_submodules_gives_the_submodules(package_tree: Path) -> None:
    code, doc, _ = scan_cli(
        str(package_tree / "svc" / "extensions"), "--base", BASE, "--search-path", str(package_tree)
    )
    assert code == 0
    found = {c: (e["status"], e["alias"], e["alias_reason"]) for c, e in by_class(doc).items()}
    assert found["Dvr"] == ("loaded", "dvr", None)
    assert found["L3"] == ("loaded", "routers", None)
    assert found["L3_alias"] == ("loaded", "routers-again", None)
    assert not [f for f in doc["findings"] if "cycle" in f["message"]]


def test_a_name_the_package_bound_before_the_import_wins_over_the_submodule(
    package_tree: Path,
) -> None:
    _, doc, _ = scan_cli(
        str(package_tree / "svc" / "extensions"), "--base", BASE, "--search-path", str(package_tree)
    )
    exts = by_class(doc)
    # ``flavors`` was a string before ``from ... import flavors``: Python's
    # getattr finds it, so api_definition is a str with no ALIAS.
    assert exts["Flavors"]["alias"] is None
    assert "attribute 'ALIAS' of a value" in exts["Flavors"]["alias_reason"]
    # ``rebound`` was the submodule at the import, then a string: the last binding counts.
    assert exts["Rebound"]["alias"] is None
    assert exts["Rebound"]["status"] == "loaded"
    unknown = {(f["code"], Path(f["path"]).name) for f in doc["findings"]}
    assert ("EPM112", "flavors.py") in unknown
    assert ("EPM112", "rebound.py") in unknown


def test_a_missing_submodule_is_an_import_error_not_a_cycle(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg import nothere\n",
            "pkg/base.py": "class ExtensionDescriptor:\n    pass\n",
            "pkg/ext/__init__.py": "",
            "pkg/ext/one.py": """\
                import pkg
                from pkg import base


                class One(base.ExtensionDescriptor):
                    def get_alias(self):
                        return pkg.nothere
                """,
        },
    )
    result = scan(str(tmp_path / "pkg" / "ext"), bases=["pkg.base.ExtensionDescriptor"])
    (one,) = result.extensions
    assert one.alias is None
    assert one.alias_reason is not None
    assert "imports 'nothere' from pkg itself" in one.alias_reason
    assert "cycle" not in one.alias_reason


def test_a_real_cycle_is_still_called_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import NAME\n",
            "pkg/b.py": "from pkg.a import NAME\n",
            "pkg/base.py": "class ExtensionDescriptor:\n    pass\n",
            "pkg/ext/__init__.py": "",
            "pkg/ext/one.py": """\
                from pkg import a, base


                class One(base.ExtensionDescriptor):
                    def get_alias(self):
                        return a.NAME
                """,
        },
    )
    (one,) = scan(str(tmp_path / "pkg" / "ext"), bases=["pkg.base.ExtensionDescriptor"]).extensions
    assert one.alias is None
    assert one.alias_reason is not None
    assert "import cycle" in one.alias_reason


N = 1000


def test_a_thousand_assignments_in_one_module_resolve(tmp_path: Path) -> None:
    chain = "".join(f"C{i} = C{i - 1}\n" for i in range(1, N))
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": "class ExtensionDescriptor:\n    pass\n\n\n"
            f"C0 = ExtensionDescriptor\n{chain}",
            "pkg/ext/__init__.py": "",
            "pkg/ext/one.py": f"""\
                from pkg import base


                class One(base.C{N - 1}):
                    def get_alias(self):
                        return 'one'
                """,
        },
    )
    code, doc, _ = scan_cli(str(tmp_path / "pkg" / "ext"), "--base", "pkg.base.ExtensionDescriptor")
    assert code == 0
    assert by_class(doc)["One"]["status"] == "loaded"


def test_a_re_export_chain_across_forty_modules_resolves(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/m0.py": "class ExtensionDescriptor:\n    pass\n\n\nALIAS = 'far'\n",
    }
    for i in range(1, 41):
        files[f"pkg/m{i}.py"] = f"from pkg.m{i - 1} import ExtensionDescriptor, ALIAS\n"
    files["pkg/ext/__init__.py"] = ""
    files["pkg/ext/one.py"] = """\
        from pkg import m40


        class One(m40.ExtensionDescriptor):
            def get_alias(self):
                return m40.ALIAS
        """
    write(tmp_path, files)
    (one,) = scan(str(tmp_path / "pkg" / "ext"), bases=["pkg.m0.ExtensionDescriptor"]).extensions
    assert (str(one.status), one.alias) == ("loaded", "far")


def test_a_chain_of_a_thousand_classes_is_judged(tmp_path: Path) -> None:
    classes = "".join(f"class K{i}(K{i - 1}):\n    pass\n\n\n" for i in range(1, N))
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": "class ExtensionDescriptor:\n    def get_alias(self):\n"
            "        return 'deep'\n\n\nclass K0(ExtensionDescriptor):\n    pass\n\n\n" + classes,
            "pkg/ext/__init__.py": "",
            "pkg/ext/one.py": f"from pkg import base\n\n\nclass One(base.K{N - 1}):\n    pass\n",
        },
    )
    code, doc, _ = scan_cli(str(tmp_path / "pkg" / "ext"), "--base", "pkg.base.ExtensionDescriptor")
    assert code == 0
    assert (by_class(doc)["One"]["status"], by_class(doc)["One"]["alias"]) == ("loaded", "deep")


def test_an_alias_folded_over_a_thousand_concatenations_is_read(tmp_path: Path) -> None:
    parts = "".join(f"A{i} = A{i - 1} + 'x'\n" for i in range(1, N))
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": "class ExtensionDescriptor:\n    pass\n",
            "pkg/names.py": f"A0 = 'a'\n{parts}",
            "pkg/ext/__init__.py": "",
            "pkg/ext/one.py": f"""\
                from pkg import base, names


                class One(base.ExtensionDescriptor):
                    def get_alias(self):
                        return names.A{N - 1}
                """,
        },
    )
    code, doc, _ = scan_cli(str(tmp_path / "pkg" / "ext"), "--base", "pkg.base.ExtensionDescriptor")
    assert code == 0
    assert by_class(doc)["One"]["alias"] == "a" + "x" * (N - 1)


def test_an_alias_that_needs_itself_or_grows_without_end_is_refused(tmp_path: Path) -> None:
    doubling = "".join(f"D{i} = D{i - 1} + D{i - 1}\n" for i in range(1, 64))
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": "class ExtensionDescriptor:\n    pass\n",
            "pkg/names.py": f"X = Y + 'x'\nY = X + 'y'\nD0 = 'd'\n{doubling}",
            "pkg/ext/__init__.py": "",
            "pkg/ext/one.py": """\
                from pkg import base, names


                class One(base.ExtensionDescriptor):
                    def get_alias(self):
                        return names.X


                class Two(base.ExtensionDescriptor):
                    def get_alias(self):
                        return names.D63
                """,
            "pkg/ext/two.py": "from pkg.ext.one import Two\n",
        },
    )
    exts = {
        e.class_name: e
        for e in scan(
            str(tmp_path / "pkg" / "ext"), bases=["pkg.base.ExtensionDescriptor"]
        ).extensions
    }
    assert exts["One"].alias is None
    assert "needs its own value" in (exts["One"].alias_reason or "")
    assert exts["Two"].alias is None
    assert "folds to over" in (exts["Two"].alias_reason or "")


@pytest.fixture
def deep_tree(tmp_path: Path) -> Iterator[Path]:
    """A nova contrib package with packages nested a thousand deep.

    Removed here, deepest first: shutil.rmtree (and so pytest's own clean-up
    of old temporary directories) recurses and fails on such a tree.
    """
    files = {"svc/__init__.py": "", "svc/contrib/__init__.py": ""}
    rel = "svc/contrib"
    chain = []
    for _ in range(N):
        rel += "/p"
        chain.append(tmp_path / rel)
        files[f"{rel}/__init__.py"] = ""
    files[f"{rel}/deepest.py"] = "class Deepest:\n    alias = 'os-deepest'\n"
    write(tmp_path, files)
    yield tmp_path / "svc" / "contrib"
    for directory in reversed(chain):
        for entry in directory.iterdir():
            if not entry.is_dir():
                entry.unlink()
        directory.rmdir()


def test_a_nova_package_a_thousand_levels_deep_is_walked(deep_tree: Path) -> None:
    code, doc, _ = scan_cli(str(deep_tree), "--profile", "nova")
    assert code == 0
    (deepest,) = doc["extensions"]
    assert (deepest["class"], deepest["alias"], deepest["status"]) == (
        "Deepest",
        "os-deepest",
        "loaded",
    )
    assert deepest["module"] == "svc.contrib." + "p." * N + "deepest"


DECORATED = {
    "pkg/__init__.py": "",
    "pkg/base.py": "class ExtensionDescriptor:\n    pass\n",
    "pkg/ext/__init__.py": "",
    "pkg/ext/gone.py": """\
        from pkg import base


        def drop(cls):
            return None


        @drop
        class Gone(base.ExtensionDescriptor):
            def get_alias(self):
                return 'gone'
        """,
    "pkg/ext/undefined.py": """\
        from pkg import base


        @undefined_name
        class Undefined(base.ExtensionDescriptor):
            def get_alias(self):
                return 'undefined'
        """,
    "pkg/ext/kept.py": """\
        import abc
        import functools

        import six

        from pkg import base


        @six.add_metaclass(abc.ABCMeta)
        @functools.total_ordering
        class Kept(base.ExtensionDescriptor):
            def get_alias(self):
                return 'kept'
        """,
}


@pytest.mark.parametrize(
    ("cls", "decorator", "why"),
    [
        ("Gone", "@drop", "pkg.ext.gone.drop is not known to return the class"),
        ("Undefined", "@undefined_name", "'undefined_name' is not defined in pkg.ext.undefined"),
    ],
)
def test_a_decorated_extension_is_unverified_with_a_finding_naming_the_decorator(
    tmp_path: Path, cls: str, decorator: str, why: str
) -> None:
    write(tmp_path, DECORATED)
    code, doc, _ = scan_cli(str(tmp_path / "pkg" / "ext"), "--base", "pkg.base.ExtensionDescriptor")
    assert code == 0
    assert by_class(doc)[cls]["status"] == "unverified"
    (finding,) = [
        f
        for f in doc["findings"]
        if f["code"] == "EPM111" and f"{cls} is decorated" in f["message"]
    ]
    assert f"{decorator} ({why})" in finding["message"]
    assert finding["line"] == by_class(doc)[cls]["line"]


def test_a_decorator_known_to_return_the_class_keeps_it_loaded(tmp_path: Path) -> None:
    write(tmp_path, DECORATED)
    _, doc, _ = scan_cli(str(tmp_path / "pkg" / "ext"), "--base", "pkg.base.ExtensionDescriptor")
    assert (by_class(doc)["Kept"]["status"], by_class(doc)["Kept"]["alias"]) == ("loaded", "kept")
    assert not [f for f in doc["findings"] if f["path"].endswith("kept.py")]
