"""Hybrid managers over real legacy trees, in this process.

Each test uses a group no distribution provides, so only the legacy path
contributes; the installed-package cases are in test_installed.py.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from stevedore.driver import DriverManager
from stevedore.enabled import EnabledExtensionManager
from stevedore.exception import MultipleMatches, NoMatches
from stevedore.extension import Extension, ExtensionManager
from stevedore.hook import HookManager
from stevedore.named import NamedExtensionManager

from epmigrate.errors import InsecurePathError, ProfileError
from epmigrate.loader import (
    ExtensionOrigin,
    HybridDriverManager,
    HybridEnabledExtensionManager,
    HybridExtensionManager,
    HybridHookManager,
    HybridNamedExtensionManager,
    LegacyExtensionWarning,
)

T = Any


@pytest.fixture(autouse=True)
def _forget_loaded_modules() -> Iterator[None]:
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("_epmigrate_legacy_", "hybridpkg_")):
            del sys.modules[name]


@pytest.fixture
def group(request: pytest.FixtureRequest) -> str:
    """A group name no installed distribution provides."""
    return "epmigrate.test." + request.node.name.replace("[", "_").replace("]", "")


def legacy_dir(root: Path, files: dict[str, str], name: str = "legacy") -> Path:
    """A directory holding ``files`` (dedented), mode 0755, files 0644."""
    directory = root / name
    directory.mkdir(parents=True)
    os.chmod(directory, 0o755)
    for filename, text in files.items():
        path = directory / filename
        path.parent.mkdir(exist_ok=True)
        path.write_text(textwrap.dedent(text))
        os.chmod(path, 0o644)
    return directory


def cls(name: str, alias: str | None = None, body: str = "") -> str:
    """An extension module defining class ``name``."""
    return f"{body}\nclass {name}:\n    alias = {alias or name.lower()!r}\n"


def marking(marker: Path, name: str) -> str:
    """A module that leaves ``marker`` behind when it runs."""
    return cls(name, body=f"with open({str(marker)!r}, 'a') as f:\n    f.write('x')\n")


def quietly(build: Callable[[], T]) -> T:
    """Build a manager, ignoring the legacy warnings this test is not about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LegacyExtensionWarning)
        return build()


# -- stevedore compatibility -------------------------------------------------


def test_every_hybrid_manager_is_its_stevedore_counterpart(tmp_path: Path, group: str) -> None:
    d = legacy_dir(tmp_path, {"drv.py": cls("Drv")})
    built = quietly(
        lambda: [
            HybridExtensionManager(group, legacy_paths=[str(d)]),
            HybridEnabledExtensionManager(group, lambda e: True, legacy_paths=[str(d)]),
            HybridNamedExtensionManager(group, ["drv"], legacy_paths=[str(d)]),
            HybridDriverManager(group, "drv", legacy_paths=[str(d)]),
            HybridHookManager(group, "drv", legacy_paths=[str(d)]),
        ]
    )
    bases = [
        ExtensionManager,
        EnabledExtensionManager,
        NamedExtensionManager,
        DriverManager,
        HookManager,
    ]
    for mgr, base in zip(built, bases, strict=True):
        assert isinstance(mgr, base)
        assert isinstance(mgr, HybridExtensionManager)
        assert mgr.names() == ["drv"]
    plain, enabled, named, drv, hook = built
    assert enabled.check_func(plain["drv"]) is True
    assert "drv" in plain and "nope" not in plain
    assert [e.name for e in plain] == ["drv"]
    assert plain["drv"].plugin.__name__ == "Drv"
    assert dict(plain.items())["drv"] is plain["drv"]
    assert plain.map(lambda ext: ext.name) == ["drv"]
    assert drv.driver.__name__ == "Drv"
    assert [e.name for e in hook["drv"]] == ["drv"]
    assert isinstance(named, HybridNamedExtensionManager)
    assert isinstance(drv, HybridNamedExtensionManager)


def test_every_extension_carries_a_synthetic_entry_point(tmp_path: Path, group: str) -> None:
    d = legacy_dir(tmp_path, {"thing.py": cls("Thing")})
    mgr = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(d), invoke_on_load=True))
    ext = mgr["thing"]
    assert isinstance(ext, Extension)
    assert isinstance(ext.entry_point, EntryPoint)
    assert ext.entry_point.group == group
    assert ext.entry_point.name == "thing"
    assert ext.entry_point.attr == "Thing"
    assert ext.module_name.startswith("_epmigrate_legacy_")
    assert ext.entry_point.load() is ext.plugin
    assert isinstance(ext.obj, ext.plugin)


def test_map_method_and_invoke_arguments_reach_legacy_extensions(
    tmp_path: Path, group: str
) -> None:
    body = "class Greeter:\n    def __init__(self, who):\n        self.who = who\n"
    body += "    def greet(self, greeting):\n        return greeting + ' ' + self.who\n"
    d = legacy_dir(tmp_path, {"greeter.py": body})
    mgr = quietly(
        lambda: HybridExtensionManager(
            group, invoke_on_load=True, invoke_args=("world",), legacy_paths=str(d)
        )
    )
    assert mgr.map_method("greet", "hello") == ["hello world"]


def test_make_test_instance_works_and_reports_origins() -> None:
    ep = EntryPoint("fake", "fake.module:Fake", "TESTING")
    ext: Extension[Any] = Extension("fake", ep, object, None)
    mgr: HybridExtensionManager[Any] = HybridExtensionManager.make_test_instance([ext])
    assert mgr.names() == ["fake"]
    assert mgr["fake"] is ext
    assert mgr.legacy_mode == "off"
    assert mgr.origin("fake") == ExtensionOrigin("entry_point", "fake", "fake.module:Fake")
    drv: HybridDriverManager[Any] = HybridDriverManager.make_test_instance(ext)
    assert drv.driver is object


# -- the profile's rules -------------------------------------------------------


def test_legacy_files_follow_the_profile_order_filter_and_class_rule(
    tmp_path: Path, group: str, caplog: pytest.LogCaptureFixture
) -> None:
    d = legacy_dir(
        tmp_path,
        {
            "b_ext.py": cls("B_ext"),
            "a_ext.py": cls("A_ext"),
            "Upper.PY": cls("Upper"),
            "_private.py": "raise SystemExit('not loaded')\n",
            "helper.py": "HELPER = 1\n",
            "notes.txt": "not python\n",
            "mixedCase.py": cls("MixedCase") + cls("Mixedcase"),
        },
    )
    caplog.set_level(logging.DEBUG, logger="epmigrate")
    neutron = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(d)))
    # sorted() file order; '.PY' counts; '_' files and helpers are skipped.
    assert neutron.names() == ["Upper", "a_ext", "b_ext", "mixedCase"]
    assert neutron["mixedCase"].plugin.__name__ == "Mixedcase"  # stem.capitalize()
    assert "did not find expected name 'Helper'" in caplog.text
    older = quietly(
        lambda: HybridExtensionManager(group, legacy_paths=str(d), profile="neutron-legacy")
    )
    assert older["mixedCase"].plugin.__name__ == "MixedCase"  # stem[0].upper() + stem[1:]


def test_colon_joined_paths_are_split_by_the_profile_rule(tmp_path: Path, group: str) -> None:
    a = legacy_dir(tmp_path, {"one.py": cls("One")}, "a")
    b = legacy_dir(tmp_path, {"two.py": cls("Two")}, "b")
    mgr = quietly(lambda: HybridExtensionManager(group, legacy_paths=f"{a}:{b}"))
    assert mgr.legacy_paths == (str(a), str(b))
    assert mgr.names() == ["one", "two"]
    # The oslo-incubator loader never split its setting: one directory.
    oslo = HybridExtensionManager(group, legacy_paths=f"{a}:{b}", profile="oslo-incubator")
    assert oslo.legacy_paths == (f"{a}:{b}",)


def test_a_missing_directory_is_logged_and_skipped(
    tmp_path: Path, group: str, caplog: pytest.LogCaptureFixture
) -> None:
    d = legacy_dir(tmp_path, {"one.py": cls("One")})
    mgr = quietly(lambda: HybridExtensionManager(group, legacy_paths=[str(tmp_path / "gone"), d]))
    assert mgr.names() == ["one"]
    assert f"legacy extension path {tmp_path / 'gone'} does not exist" in caplog.text


def test_a_profile_object_can_be_passed(tmp_path: Path, group: str) -> None:
    from epmigrate.profiles import Profile

    mine = Profile(name="mine", summary="upper-case everything", class_rule="upper-first")
    d = legacy_dir(tmp_path, {"fooBar.py": cls("FooBar")})
    mgr = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(d), profile=mine))
    assert mgr.profile is mine
    assert mgr.names() == ["fooBar"]


def test_unknown_or_classless_profiles_are_refused(tmp_path: Path, group: str) -> None:
    d = legacy_dir(tmp_path, {"one.py": cls("One")})
    with pytest.raises(ProfileError, match="unknown profile 'nonesuch'"):
        HybridExtensionManager(group, legacy_paths=str(d), profile="nonesuch")
    with pytest.raises(ProfileError, match="does not name one class per file"):
        HybridExtensionManager(group, legacy_paths=str(d), profile="subclass")


def test_nova_profile_recurses_into_packages_and_skips_delegating_ones(
    tmp_path: Path, group: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "marker"
    root = tmp_path / "site"
    contrib = root / "hybridpkg_nova" / "api" / "contrib"
    files = {
        "hybridpkg_nova/__init__.py": "",
        "hybridpkg_nova/api/__init__.py": "",
        "hybridpkg_nova/api/contrib/__init__.py": "",
        "hybridpkg_nova/api/contrib/foo.py": cls("Foo"),
        "hybridpkg_nova/api/contrib/sub/__init__.py": "",
        "hybridpkg_nova/api/contrib/sub/barExt.py": cls("BarExt"),
        "hybridpkg_nova/api/contrib/plain/notes.py": marking(marker, "Notes"),
        "hybridpkg_nova/api/contrib/deleg/__init__.py": "def extension(ext_mgr):\n    pass\n",
        "hybridpkg_nova/api/contrib/deleg/inner.py": marking(marker, "Inner"),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    monkeypatch.syspath_prepend(str(root))
    mgr = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(contrib), profile="nova"))
    assert sorted(mgr.names()) == ["barExt", "foo"]
    assert mgr["barExt"].entry_point_target == "hybridpkg_nova.api.contrib.sub.barExt:BarExt"
    assert mgr["foo"].plugin is importlib.import_module("hybridpkg_nova.api.contrib.foo").Foo
    assert "loads its own extensions through extension()" in caplog.text
    assert not marker.exists()  # not a package, and a delegating package


# -- import: package modules by name, others under a unique name -------------


def test_files_in_an_importable_package_are_imported_by_dotted_name_once(
    tmp_path: Path, group: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = "hybridpkg_once"
    root = tmp_path / "site"
    (root / pkg / "ext").mkdir(parents=True)
    (root / pkg / "__init__.py").write_text("RUNS = []\n")
    (root / pkg / "ext" / "__init__.py").write_text("")
    (root / pkg / "ext" / "counted.py").write_text(
        f"import {pkg}\n{pkg}.RUNS.append(__name__)\n" + cls("Counted")
    )
    monkeypatch.syspath_prepend(str(root))
    path = str(root / pkg / "ext")
    with pytest.warns(LegacyExtensionWarning) as caught:
        first = HybridExtensionManager(group, legacy_paths=path)
    second = quietly(lambda: HybridExtensionManager(group, legacy_paths=path))
    module = importlib.import_module(f"{pkg}.ext.counted")
    assert first["counted"].plugin is module.Counted is second["counted"].plugin
    runs = importlib.import_module(pkg).RUNS
    assert runs == [f"{pkg}.ext.counted"]
    assert first["counted"].entry_point_target == f"{pkg}.ext.counted:Counted"
    message = str(caught[0].message)
    assert (
        "no installed package declares the entry point "
        f"'{group}: counted = {pkg}.ext.counted:Counted': write it" in message
    )
    assert f"epmigrate write --group {group} --path {path} --profile neutron" in message


def test_a_package_whose_parent_is_not_on_sys_path_is_loaded_from_its_path(
    tmp_path: Path, group: str
) -> None:
    pkg = tmp_path / "hybridpkg_unlisted" / "ext"
    pkg.mkdir(parents=True)
    (pkg.parent / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "loose.py").write_text(cls("Loose"))
    mgr = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(pkg)))
    assert mgr["loose"].module_name.startswith("_epmigrate_legacy_")
    assert "hybridpkg_unlisted" not in sys.modules


def test_files_outside_packages_run_once_under_a_unique_module_name(
    tmp_path: Path, group: str
) -> None:
    runs = tmp_path / "runs"
    d = legacy_dir(tmp_path, {"json.py": marking(runs, "Json")})
    first = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(d)))
    second = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(d)))
    plugin = first["json"].plugin
    # A stem that names a real module does not shadow it.
    assert importlib.import_module("json").dumps([]) == "[]"
    assert plugin.__module__ in sys.modules
    assert plugin.__module__.startswith("_epmigrate_legacy_")
    assert second["json"].plugin is plugin
    assert runs.read_text() == "x"
    assert pickle.loads(pickle.dumps(plugin)) is plugin
    other = legacy_dir(tmp_path, {"json.py": cls("Json")}, "other")
    third = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(other)))
    assert third["json"].plugin.__module__ != plugin.__module__


# -- warnings --------------------------------------------------------------------


def test_each_legacy_extension_warns_once_at_the_caller(
    tmp_path: Path, group: str, caplog: pytest.LogCaptureFixture
) -> None:
    d = legacy_dir(tmp_path, {"one.py": cls("One"), "two.py": cls("Two")})
    with pytest.warns(LegacyExtensionWarning) as caught:
        HybridExtensionManager(group, legacy_paths=str(d))
    assert issubclass(LegacyExtensionWarning, DeprecationWarning)
    assert len(caught) == 2
    assert {w.filename for w in caught} == {__file__}
    assert "extension 'one' of group" in str(caught[0].message)
    logged = [r for r in caplog.records if r.name == "epmigrate" and r.levelname == "WARNING"]
    assert len(logged) == 2
    assert "loaded from the legacy path" in logged[0].getMessage()


# -- failures --------------------------------------------------------------------


def test_a_failure_goes_to_the_callback_and_loading_goes_on(tmp_path: Path, group: str) -> None:
    d = legacy_dir(
        tmp_path,
        {"a_bad.py": "raise ValueError('boom')\n", "b_good.py": cls("B_good")},
    )
    seen: list[tuple[object, EntryPoint, BaseException]] = []

    def on_failure(manager: object, ep: EntryPoint, exc: BaseException) -> None:
        seen.append((manager, ep, exc))

    mgr = quietly(
        lambda: HybridExtensionManager(
            group, legacy_paths=str(d), on_load_failure_callback=on_failure
        )
    )
    assert mgr.names() == ["b_good"]
    [(manager, ep, exc)] = seen
    assert manager is mgr
    assert isinstance(ep, EntryPoint)
    assert (ep.name, ep.group, ep.attr) == ("a_bad", group, "A_bad")
    assert isinstance(exc, ValueError) and str(exc) == "boom"
    assert ep.module not in sys.modules  # a failed module is not left half-made


def test_without_a_callback_failures_are_logged_and_loading_goes_on(
    tmp_path: Path, group: str, caplog: pytest.LogCaptureFixture
) -> None:
    d = legacy_dir(tmp_path, {"a_bad.py": "raise ValueError('boom')\n", "b_good.py": cls("B_good")})
    mgr = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(d)))
    assert mgr.names() == ["b_good"]
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.getMessage() == f"Could not load 'a_bad' from {d / 'a_bad.py'}: boom"
    assert not record.exc_info  # tracebacks only at DEBUG


def test_fail_fast_raises_the_first_error_after_the_callback(tmp_path: Path, group: str) -> None:
    marker = tmp_path / "marker"
    d = legacy_dir(
        tmp_path, {"a_bad.py": "raise ValueError('boom')\n", "b_later.py": marking(marker, "B")}
    )
    seen: list[str] = []
    with pytest.raises(ValueError, match="boom"):
        HybridExtensionManager(
            group,
            legacy_paths=str(d),
            fail_fast=True,
            on_load_failure_callback=lambda m, ep, exc: seen.append(ep.name),
        )
    assert seen == ["a_bad"]
    assert not marker.exists()


def test_abort_on_error_profiles_fail_fast_by_default(tmp_path: Path, group: str) -> None:
    d = legacy_dir(tmp_path, {"bad.py": "raise ValueError('boom')\n"})
    with pytest.raises(ValueError, match="boom"):
        HybridExtensionManager(group, legacy_paths=str(d), profile="oslo-incubator")
    mgr = HybridExtensionManager(
        group, legacy_paths=str(d), profile="oslo-incubator", fail_fast=False
    )
    assert mgr.names() == [] and mgr.fail_fast is False


def test_driver_manager_raises_a_legacy_load_failure_like_stevedore(
    tmp_path: Path, group: str
) -> None:
    d = legacy_dir(tmp_path, {"drv.py": "raise ImportError('no backend')\n"})
    with pytest.raises(ImportError, match="no backend"):
        HybridDriverManager(group, "drv", legacy_paths=str(d))
    with pytest.raises(NoMatches):
        HybridDriverManager(group, "absent", legacy_paths=str(d))


# -- name handling -------------------------------------------------------------


def test_non_adjacent_duplicates_reach_the_conflict_resolver(
    tmp_path: Path, group: str, caplog: pytest.LogCaptureFixture
) -> None:
    a = legacy_dir(tmp_path, {"dup.py": cls("Dup", "first"), "mid.py": cls("Mid")}, "a")
    b = legacy_dir(tmp_path, {"dup.py": cls("Dup", "second")}, "b")
    calls: list[tuple[str, str, list[str]]] = []

    def resolver(namespace: str, name: str, found: list[Extension[Any]]) -> Extension[Any]:
        calls.append((namespace, name, [e.plugin.alias for e in found]))
        return found[0]

    mgr = quietly(
        lambda: HybridExtensionManager(group, legacy_paths=[a, b], conflict_resolver=resolver)
    )
    assert mgr.names() == ["dup", "mid", "dup"]
    assert mgr["dup"].plugin.alias == "first"
    assert calls == [(group, "dup", ["first", "second"])]
    assert f"2 extensions named 'dup' in group '{group}'" in caplog.text
    assert str(b / "dup.py") in caplog.text


def test_driver_manager_refuses_two_drivers_of_one_name(tmp_path: Path, group: str) -> None:
    a = legacy_dir(tmp_path, {"drv.py": cls("Drv")}, "a")
    b = legacy_dir(tmp_path, {"drv.py": cls("Drv")}, "b")
    with pytest.raises(MultipleMatches):
        quietly(lambda: HybridDriverManager(group, "drv", legacy_paths=[a, b]))


def test_the_same_directory_listed_twice_loads_once(tmp_path: Path, group: str) -> None:
    d = legacy_dir(tmp_path, {"one.py": cls("One")})
    link = tmp_path / "alias"
    link.symlink_to(d)
    mgr = quietly(lambda: HybridExtensionManager(group, legacy_paths=[d, d, link]))
    assert mgr.names() == ["one"]


def test_named_manager_never_runs_unnamed_files_and_keeps_name_order(
    tmp_path: Path, group: str
) -> None:
    marker = tmp_path / "marker"
    d = legacy_dir(
        tmp_path,
        {
            "a_first.py": cls("A_first"),
            "z_last.py": cls("Z_last"),
            "other.py": marking(marker, "O"),
        },
    )
    missing: list[set[str]] = []
    mgr = quietly(
        lambda: HybridNamedExtensionManager(
            group,
            ["z_last", "a_first", "absent"],
            name_order=True,
            legacy_paths=str(d),
            on_missing_entrypoints_callback=lambda names: missing.append(set(names)),
        )
    )
    assert mgr.names() == ["z_last", "a_first"]
    assert missing == [{"absent"}]
    assert not marker.exists()


def test_check_func_sees_legacy_extensions(tmp_path: Path, group: str) -> None:
    d = legacy_dir(tmp_path, {"keep.py": cls("Keep"), "drop.py": cls("Drop")})
    with pytest.warns(LegacyExtensionWarning) as caught:
        mgr = HybridEnabledExtensionManager(
            group, check_func=lambda ext: ext.name == "keep", legacy_paths=str(d)
        )
    assert mgr.names() == ["keep"]
    assert len(caught) == 1  # only extensions the manager keeps are reported


def test_hook_manager_gathers_legacy_hooks(tmp_path: Path, group: str) -> None:
    d = legacy_dir(tmp_path, {"on_start.py": cls("On_start"), "other.py": cls("Other")})
    mgr = quietly(lambda: HybridHookManager(group, "on_start", legacy_paths=str(d)))
    assert [e.plugin.__name__ for e in mgr["on_start"]] == ["On_start"]


# -- the kill switch ---------------------------------------------------------------


def test_the_kill_switch_and_legacy_off_load_nothing_from_the_legacy_path(
    tmp_path: Path, group: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "marker"
    d = legacy_dir(tmp_path, {"one.py": marking(marker, "One")})
    off = HybridExtensionManager(group, legacy_paths=str(d), legacy="off")
    assert off.names() == [] and off.legacy_mode == "off"
    monkeypatch.setenv("EPMIGRATE_LEGACY", "OFF")
    switched = HybridExtensionManager(group, legacy_paths=str(d), legacy="fallback")
    assert switched.names() == [] and switched.legacy_mode == "off"
    assert not marker.exists()


def test_an_unknown_kill_switch_value_is_reported_and_ignored(
    tmp_path: Path, group: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    d = legacy_dir(tmp_path, {"one.py": cls("One")})
    monkeypatch.setenv("EPMIGRATE_LEGACY", "of")
    mgr = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(d)))
    assert mgr.names() == ["one"]
    assert "EPMIGRATE_LEGACY='of' is not 'off' or 'fallback'; ignored" in caplog.text
    with pytest.raises(ValueError, match="legacy must be 'fallback' or 'off'"):
        HybridExtensionManager(group, legacy="sometimes")  # type: ignore[arg-type]


# -- security --------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o775, 0o757], ids=["group-writable", "world-writable"])
def test_a_writable_directory_is_refused_unless_allowed(
    tmp_path: Path, group: str, mode: int
) -> None:
    marker = tmp_path / "marker"
    d = legacy_dir(tmp_path, {"one.py": marking(marker, "One")})
    os.chmod(d, mode)
    with pytest.raises(InsecurePathError) as err:
        HybridExtensionManager(group, legacy_paths=str(d))
    assert str(err.value).startswith(f"{d}: legacy extension directory is writable by group")
    assert f"chmod go-w {d}" in str(err.value)
    assert isinstance(err.value, PermissionError)
    assert not marker.exists()
    mgr = quietly(
        lambda: HybridExtensionManager(group, legacy_paths=str(d), allow_insecure_legacy_path=True)
    )
    assert mgr.names() == ["one"]


def test_a_writable_file_is_a_per_extension_failure(tmp_path: Path, group: str) -> None:
    marker = tmp_path / "marker"
    d = legacy_dir(tmp_path, {"bad.py": marking(marker, "Bad"), "good.py": cls("Good")})
    os.chmod(d / "bad.py", 0o666)
    failures: list[BaseException] = []
    mgr = quietly(
        lambda: HybridExtensionManager(
            group,
            legacy_paths=str(d),
            on_load_failure_callback=lambda m, ep, exc: failures.append(exc),
        )
    )
    assert mgr.names() == ["good"]
    [exc] = failures
    assert isinstance(exc, InsecurePathError)
    assert f"chmod go-w {d / 'bad.py'}" in str(exc)
    assert not marker.exists()


def test_a_directory_owned_by_another_user_is_refused(tmp_path: Path, group: str) -> None:
    d = legacy_dir(tmp_path, {"one.py": cls("One")})
    try:
        os.chown(d, 4242, -1)
    except PermissionError:
        pytest.skip("changing ownership needs root, and this run is not root")
    with pytest.raises(InsecurePathError) as err:
        HybridExtensionManager(group, legacy_paths=str(d))
    message = str(err.value)
    assert "is owned by uid 4242, not by root or the current user" in message
    import pwd

    assert f"chown {pwd.getpwuid(os.geteuid()).pw_name} {d}" in message
    mgr = quietly(
        lambda: HybridExtensionManager(group, legacy_paths=str(d), allow_insecure_legacy_path=True)
    )
    assert mgr.names() == ["one"]


def test_a_symlink_leading_outside_is_not_followed(
    tmp_path: Path, group: str, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "marker"
    elsewhere = legacy_dir(tmp_path, {"escape.py": marking(marker, "Escape")}, "elsewhere")
    d = legacy_dir(tmp_path, {"impl/inner.py": cls("Inner")})
    (d / "escape.py").symlink_to(elsewhere / "escape.py")
    (d / "inner.py").symlink_to(d / "impl" / "inner.py")
    mgr = quietly(lambda: HybridExtensionManager(group, legacy_paths=str(d)))
    assert not marker.exists()
    assert "symbolic link not followed" in caplog.text
    assert str(d / "escape.py") in caplog.text
    # A link that stays inside the directory is followed.
    assert mgr.names() == ["inner"]


# -- packaging hygiene ---------------------------------------------------------------


def test_importing_the_loader_pulls_in_no_heavy_dependency() -> None:
    code = (
        "import sys, epmigrate.loader\n"
        "print(sorted(m for m in ('libcst', 'click', 'tomlkit') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
