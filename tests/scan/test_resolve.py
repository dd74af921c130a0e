"""Following names across real module trees: imports, re-exports, bases, constants.

Each test writes a small tree in ``tmp_path`` and builds the index as the
scanner does: a :class:`Locator` on a search path, facts read with
:mod:`epmigrate.scan.ast_facts` on demand, scanned modules added up front.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from epmigrate.scan import ast_facts
from epmigrate.scan.facts import ModuleFacts
from epmigrate.scan.locate import Located, Locator
from epmigrate.scan.resolve import (
    ClassT,
    ExternalT,
    FunctionT,
    Index,
    ModuleT,
    Target,
    Unresolved,
    ValueT,
    Verdict,
    base_matches,
)

NOT_ON_PATH = "module {} is not on the search path (add it with --search-path)"


def _read(located: Located) -> ModuleFacts | None:
    try:
        return ast_facts.module_facts(Path(located.path).read_bytes())
    except SyntaxError:
        return None


def _index(root: Path, files: dict[str, str]) -> Index:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Index(Locator([str(root)]), _read)


def _qualname(target: Target) -> str:
    assert isinstance(target, ClassT | FunctionT | ExternalT), target
    return target.qualname


def _cls(index: Index, module: str, name: str) -> ClassT:
    target = index.resolve(module, name)
    assert isinstance(target, ClassT), target
    return target


LIB = {
    "lib/__init__.py": "from .base import Base\nfrom . import helpers\n",
    "lib/base.py": (
        'PREFIX = "svc"\n\n\n'
        "class Root:\n"
        '    ALIAS = PREFIX + "-root"\n\n\n'
        "class Base(Root):\n"
        "    pass\n\n\n"
        "def factory():\n"
        "    pass\n"
    ),
    "lib/helpers.py": "X = 1\n",
}


@pytest.mark.parametrize(
    ("source", "name"),
    [
        pytest.param("import lib.base as lb\n", "lb.Base", id="import-as"),
        pytest.param("import lib.base\n", "lib.base.Base", id="dotted-import"),
        pytest.param("from lib import Base as B\n", "B", id="package-re-export"),
        pytest.param("from lib.base import Base\n", "Base", id="from-module"),
        pytest.param("import lib.base as lb\nAlias = lb.Base\n", "Alias", id="assignment"),
        pytest.param("import lib\n", "lib.Base", id="attribute-of-package"),
    ],
)
def test_a_class_is_found_where_it_is_defined(tmp_path: Path, source: str, name: str) -> None:
    index = _index(tmp_path, {**LIB, "ext.py": source})
    assert _qualname(index.resolve("ext", name)) == "lib.base.Base"


def test_a_submodule_is_reached_as_an_attribute(tmp_path: Path) -> None:
    index = _index(tmp_path, {**LIB, "ext.py": "import lib\n"})
    assert index.resolve("ext", "lib.helpers") == ModuleT("lib.helpers")
    assert index.resolve("ext", "lib") == ModuleT("lib")


def test_from_package_import_name_inside_the_package(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            "pkg/__init__.py": (
                "from . import sub\n"
                "from . import missing\n"
                'kind = "bound first"\n'
                "from . import kind\n"
            ),
            "pkg/sub.py": "",
            "pkg/kind.py": "",
        },
    )
    # No earlier binding: Python imports the submodule.
    assert index.resolve("pkg", "sub") == ModuleT("pkg.sub")
    # A binding made before the import wins over the submodule of that name.
    assert index.resolve("pkg", "kind") == ValueT("pkg", ("str", "bound first"))
    assert index.resolve("pkg", "missing") == Unresolved(
        "line 2 of pkg imports 'missing' from pkg itself, which binds no 'missing' before "
        "that line and has no submodule of that name (an ImportError when it runs)"
    )


def test_relative_imports_resolve_against_the_package(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            **LIB,
            "lib/sub/__init__.py": "from .. import base as b\nfrom ... import above\n",
        },
    )
    assert _qualname(index.resolve("lib.sub", "b.Base")) == "lib.base.Base"
    assert index.resolve("lib.sub", "above") == Unresolved(
        "relative import at line 2 of lib.sub goes above its top-level package"
    )
    assert index.absolute("lib.sub", 2, "helpers") == "lib.helpers"
    assert index.absolute("lib.base", 1, "helpers") == "lib.helpers"
    assert index.absolute("lib.base", 3, "x") is None


def test_an_import_cycle_is_unresolved_not_endless(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            "cyc/__init__.py": "",
            "cyc/a.py": "from cyc.b import X\n",
            "cyc/b.py": "from cyc.a import X\n",
        },
    )
    assert index.resolve("cyc.a", "X") == Unresolved("import cycle: cyc.a.X refers to itself")
    # The answer is kept: asking again gives the same, from either end.
    assert index.resolve("cyc.a", "X") == Unresolved("import cycle: cyc.a.X refers to itself")
    assert isinstance(index.resolve("cyc.b", "X"), Unresolved)


def test_a_chain_of_assignments_longer_than_the_recursion_limit(tmp_path: Path) -> None:
    count = 5000
    lines = [f"A{i} = A{i + 1}\n" for i in range(count)]
    index = _index(tmp_path, {"chain.py": "".join(lines) + f'A{count} = "end"\n'})
    assert index.resolve("chain", "A0") == ValueT("chain", ("str", "end"))
    assert index.evaluate("chain", ("ref", "A0")) == ("end", "")


def test_a_module_off_the_search_path_is_external(tmp_path: Path) -> None:
    index = _index(tmp_path, {"ext.py": "from outside.lib import Remote\nimport os\n"})
    assert index.resolve("ext", "Remote") == ExternalT(
        "outside.lib.Remote", NOT_ON_PATH.format("outside.lib")
    )
    assert index.resolve("ext", "Remote.inner") == ExternalT(
        "outside.lib.Remote.inner", NOT_ON_PATH.format("outside.lib")
    )
    assert index.resolve("ext", "os.path") == ExternalT("os.path", NOT_ON_PATH.format("os"))


def test_names_that_cannot_be_told_give_the_reason(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            **LIB,
            "star.py": "from lib.base import *\n",
            "ext.py": (
                "import sys\n"
                "from lib.base import factory, Root\n"
                'if sys.platform == "win32":\n'
                "    Twice = 1\n"
                "else:\n"
                "    Twice = 2\n"
            ),
            "dyn.py": 'globals()["Made"] = 1\n',
        },
    )
    assert index.resolve("star", "Base") == Unresolved(
        "'Base' is not bound in star; it may come from 'from lib.base import *' at line 1"
    )
    assert index.resolve("ext", "Twice") == Unresolved(
        "ext, line 6: 'Twice' is bound differently at lines 4 and 6"
    )
    assert index.resolve("ext", "Nothing") == Unresolved("'Nothing' is not defined in ext")
    assert index.resolve("ext", "factory") == FunctionT("lib.base", "factory", 12)
    assert index.resolve("ext", "factory.attr") == Unresolved(
        "attribute 'attr' of lib.base.factory is a function (line 12)"
    )
    assert index.resolve("ext", "Root.MISSING") == Unresolved(
        "lib.base.Root has no class attribute 'MISSING'"
    )
    dynamic = index.resolve("dyn", "Made")
    assert isinstance(dynamic, Unresolved) and dynamic.reason.startswith(
        "'Made' is not bound in dyn, which "
    )


def test_a_builtin_name_is_external_to_every_tree(tmp_path: Path) -> None:
    index = _index(tmp_path, {"ext.py": "class Ext(object):\n    pass\n"})
    assert index.resolve("ext", "object") == ExternalT("builtins.object", "a built-in")
    # A built-in base is no reason for doubt: the class does not derive.
    assert index.derives(_cls(index, "ext", "Ext"), frozenset({"lib.Base"})) == Verdict(False)


def test_a_scanned_module_added_up_front_is_not_read_again(tmp_path: Path) -> None:
    # The scanner adds the files it scanned (with facts it already has), even
    # a loose file outside any package, so only consulted modules are read.
    asked: list[str] = []

    def read(located: Located) -> ModuleFacts | None:
        asked.append(located.name)
        return _read(located)

    _index(tmp_path, LIB)  # writes the tree
    index = Index(Locator([str(tmp_path)]), read)
    source = "from lib.base import Base\n\nclass Plugin(Base):\n    pass\n"
    facts = ast_facts.tree_facts(ast.parse(source), source)
    index.add(Located("plugin", str(tmp_path / "elsewhere" / "plugin.py"), False), facts)
    plugin = _cls(index, "plugin", "Plugin")
    assert index.derives(plugin, frozenset({"lib.base.Root"})) == Verdict(True)
    assert index.facts("plugin") is facts
    # Read on demand: lib.base only; lib itself is never needed.
    assert asked == ["lib.base"]


def test_derives_through_classes_in_several_modules(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            **LIB,
            "ext.py": "from lib import Base\n\n\nclass Ext(Base):\n    pass\n",
        },
    )
    ext = _cls(index, "ext", "Ext")
    assert index.derives(ext, frozenset({"lib.base.Root"})) == Verdict(True)
    assert index.derives(ext, frozenset({"*.base.Root"})) == Verdict(True)
    assert index.derives(ext, frozenset({"other.Base"})) == Verdict(False)
    assert [c.qualname for c in index.bases(ext) if isinstance(c, ClassT)] == ["lib.base.Base"]


def test_a_base_that_cannot_be_read_is_matched_by_name_or_left_unknown(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            "ext.py": (
                "from neutron_lib.api import extensions\n\n\n"
                "class Ext(extensions.Descriptor):\n"
                "    pass\n"
            )
        },
    )
    ext = _cls(index, "ext", "Ext")
    assert index.derives(ext, frozenset({"neutron_lib.api.extensions.Descriptor"})) == Verdict(True)
    assert index.derives(ext, frozenset({"*.extensions.Descriptor"})) == Verdict(True)
    assert index.derives(ext, frozenset({"svc.Base"})) == Verdict(
        None,
        "base neutron_lib.api.extensions.Descriptor: " + NOT_ON_PATH.format("neutron_lib.api"),
    )


def test_classes_that_derive_from_each_other_do_not_hang(tmp_path: Path) -> None:
    index = _index(tmp_path, {"m.py": "class A(B):\n    pass\n\n\nclass B(A):\n    pass\n"})
    assert index.derives(_cls(index, "m", "A"), frozenset({"x.Y"})) == Verdict(False)
    assert index.derives(_cls(index, "m", "A"), frozenset({"m.B"})) == Verdict(True)
    chain, stop = index.mro(_cls(index, "m", "A"))
    assert ([c.qualname for c in chain], stop) == (["m.A", "m.B"], "")


def test_a_chain_of_classes_deeper_than_the_recursion_limit(tmp_path: Path) -> None:
    count = 3000
    body = "class C0:\n    pass\n" + "".join(
        f"class C{i}(C{i - 1}):\n    pass\n" for i in range(1, count)
    )
    index = _index(tmp_path, {"deep.py": body})
    last = _cls(index, "deep", f"C{count - 1}")
    assert index.derives(last, frozenset({"deep.C0"})) == Verdict(True)
    assert len(index.mro(last)[0]) == count


def test_mro_is_depth_first_left_to_right_and_says_where_it_stopped(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            "m.py": (
                "import abc\n"
                "class Left:\n    pass\n"
                "class Right(abc.ABC):\n    pass\n"
                "class Mid(Left):\n    pass\n"
                "class Leaf(Mid, Right):\n    pass\n"
            )
        },
    )
    chain, stop = index.mro(_cls(index, "m", "Leaf"))
    assert [c.qualname for c in chain] == ["m.Leaf", "m.Mid", "m.Left", "m.Right"]
    assert stop == f"abc.ABC cannot be read: {NOT_ON_PATH.format('abc')}"


def test_evaluate_folds_constants_across_modules_and_class_attributes(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            **LIB,
            "ext.py": (
                "import lib.base as lb\n"
                "from lib import Base\n\n\n"
                "class Ext(Base):\n"
                '    ALIAS = "ext-" + lb.PREFIX\n\n\n'
                "class Inherits(Base):\n"
                "    pass\n"
            ),
        },
    )
    ext = _cls(index, "ext", "Ext")
    assert index.evaluate("ext", ("ref", "self.ALIAS"), ext) == ("ext-svc", "")
    assert index.evaluate("ext", ("ref", "Ext.ALIAS")) == ("ext-svc", "")
    # Set on a base in another module, folded where the base defines it.
    inherits = _cls(index, "ext", "Inherits")
    assert index.evaluate("ext", ("ref", "cls.ALIAS"), inherits) == ("svc-root", "")
    assert index.evaluate("ext", ("ref", "self.NAME"), inherits) == (
        None,
        "no class in the bases of Inherits sets 'NAME'",
    )


def test_evaluate_says_why_a_value_is_not_a_string(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            **LIB,
            "ext.py": (
                "import lib\n"
                "from lib import Base\n"
                "from outside import NAME\n"
                'A = C + "x"\n'
                'C = A + "y"\n'
                "N = 3\n"
            ),
        },
    )
    assert index.evaluate("ext", ("ref", "A")) == (None, "A in ext needs its own value")
    assert index.evaluate("ext", ("ref", "N")) == (None, "a number is not a str")
    assert index.evaluate("ext", ("ref", "Base")) == (
        None,
        "Base is the class lib.base.Base, not a string",
    )
    assert index.evaluate("ext", ("ref", "lib")) == (None, "lib is the module lib, not a string")
    assert index.evaluate("ext", ("ref", "NAME")) == (
        None,
        f"outside.NAME cannot be read: {NOT_ON_PATH.format('outside')}",
    )
    assert index.evaluate("ext", ("concat", [])) == ("", "")


def test_evaluate_refuses_a_value_longer_than_any_alias(tmp_path: Path) -> None:
    # 17 doublings of 'x': 131,072 characters, built from a few lines.
    lines = ['V0 = "x"\n'] + [f"V{i} = V{i - 1} + V{i - 1}\n" for i in range(1, 18)]
    index = _index(tmp_path, {"big.py": "".join(lines)})
    assert index.evaluate("big", ("ref", "V10")) == ("x" * 1024, "")
    assert index.evaluate("big", ("ref", "V17")) == (
        None,
        "the value folds to over 65,536 characters",
    )


@pytest.mark.parametrize(
    ("qualname", "bases", "matches"),
    [
        pytest.param("a.b.Base", ["a.b.Base"], True, id="exact"),
        pytest.param("a.b.Base", ["a.Base"], False, id="other"),
        pytest.param("x.a.b.Base", ["*.b.Base"], True, id="any-prefix"),
        pytest.param("b.Base", ["*.b.Base"], True, id="no-prefix"),
        pytest.param("xb.Base", ["*.b.Base"], False, id="prefix-ends-at-a-dot"),
    ],
)
def test_base_matches(qualname: str, bases: list[str], matches: bool) -> None:
    assert base_matches(qualname, bases) is matches
