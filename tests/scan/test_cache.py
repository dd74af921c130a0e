"""The scan cache (scan/cache.py, scan/memo.py): one entry per scan, reused only while it holds.

A stored result is reused when the listing, the bytes of every scanned and
consulted file and every answer the locator gave are as they were; each test
changes one of them and checks that the next scan sees the change.
"""

from __future__ import annotations

import importlib.util
import marshal
import os
import sys
import textwrap
from pathlib import Path

import pytest

from epmigrate.model import Status
from epmigrate.scan import Cache, ScanResult, scan
from tests.scan.test_adversarial import BASE, extension, make_tree


def entries(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.entry") if p.is_file())


def run(ext: Path, cache_dir: Path, **options: object) -> tuple[ScanResult, Cache]:
    cache = Cache(str(cache_dir))
    result = scan(str(ext), "neutron", bases=[BASE], cache=cache, **options)  # type: ignore[arg-type]
    return result, cache


def statuses(result: ScanResult) -> dict[str, str]:
    return {e.class_name: str(e.status) for e in result.extensions}


def same_time(path: Path, text: str) -> None:
    """Rewrite ``path`` with other bytes of the same size, keeping its times."""
    st = path.stat()
    assert len(text.encode()) == st.st_size
    path.write_text(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_scan_stores_one_entry_and_the_next_returns_the_same_result(tmp_path: Path) -> None:
    ext = make_tree(tmp_path)
    for n in range(30):
        (ext / f"more{n:02}.py").write_text(extension(f"More{n:02}", f"more-{n}"))
    cache_dir = tmp_path / "cache"
    first, cache = run(ext, cache_dir)
    assert (cache.hits, cache.misses) == (0, 1)
    assert len(entries(cache_dir)) == 1
    second, again = run(ext, cache_dir)
    assert (again.hits, again.misses) == (1, 0)
    assert second == first == scan(str(ext), "neutron", bases=[BASE], cache=None)
    assert len(first.extensions) == 32


def test_a_consulted_module_rewritten_with_the_same_size_and_time_is_read_again(
    tmp_path: Path,
) -> None:
    ext = make_tree(tmp_path)
    base = tmp_path / "proj" / "base.py"  # outside the scanned directory: consulted
    cache_dir = tmp_path / "cache"
    first, _ = run(ext, cache_dir)
    assert set(statuses(first).values()) == {"loaded"}
    same_time(base, base.read_text().replace("ExtensionDescriptor", "ExtensionDescriptoX"))
    second, cache = run(ext, cache_dir)
    assert cache.misses == 1
    assert set(statuses(second).values()) == {"unverified"}


def test_a_module_that_appears_earlier_on_the_search_path_is_seen(tmp_path: Path) -> None:
    ext = make_tree(tmp_path / "tree")
    (tmp_path / "tree" / "proj" / "base.py").unlink()
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    cache_dir = tmp_path / "cache"
    first, _ = run(ext, cache_dir, search_path=[str(shadow)])
    assert set(statuses(first).values()) == {"unverified"}
    (shadow / "proj").mkdir()
    (shadow / "proj" / "__init__.py").write_text("")
    (shadow / "proj" / "base.py").write_text("class ExtensionDescriptor:\n    pass\n")
    second, cache = run(ext, cache_dir, search_path=[str(shadow)])
    assert cache.misses == 1
    assert set(statuses(second).values()) == {"loaded"}


def test_a_file_added_to_the_directory_is_listed(tmp_path: Path) -> None:
    ext = make_tree(tmp_path)
    cache_dir = tmp_path / "cache"
    run(ext, cache_dir)
    (ext / "mmm_new.py").write_text(extension("Mmm_new", "new"))
    second, cache = run(ext, cache_dir)
    assert cache.misses == 1
    assert [e.class_name for e in second.extensions] == ["Aaa_first", "Mmm_new", "Zzz_last"]


def test_a_scanned_file_replaced_by_a_fifo_is_reported_not_served_from_the_cache(
    tmp_path: Path,
) -> None:
    ext = make_tree(tmp_path)
    cache_dir = tmp_path / "cache"
    run(ext, cache_dir)
    (ext / "zzz_last.py").unlink()
    os.mkfifo(ext / "zzz_last.py")
    second, cache = run(ext, cache_dir)
    assert cache.misses == 1
    assert [f.code for f in second.findings if f.path.endswith("zzz_last.py")] == ["EPM004"]
    assert [e.class_name for e in second.extensions] == ["Aaa_first"]


def test_the_same_relative_path_from_another_directory_is_another_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, alias in (("one", "from-one"), ("two", "from-two")):
        ext = make_tree(tmp_path / name)
        (ext / "aaa_first.py").write_text(extension("Aaa_first", alias))
    cache_dir = tmp_path / "cache"
    relative = Path("proj") / "ext"
    aliases = []
    for name in ("one", "two"):
        monkeypatch.chdir(tmp_path / name)
        result, cache = run(relative, cache_dir)
        assert cache.misses == 1
        aliases.append(result.extensions[0].alias)
    assert aliases == ["from-one", "from-two"]


def test_other_bases_are_another_entry_and_each_is_reused(tmp_path: Path) -> None:
    ext = make_tree(tmp_path)
    cache_dir = tmp_path / "cache"
    other = "proj.base.Other"
    for bases in ([BASE], [other], [BASE], [other]):
        cache = Cache(str(cache_dir))
        result = scan(str(ext), "neutron", bases=bases, cache=cache)
        status = Status.LOADED if bases == [BASE] else Status.NOT_EXTENSION
        assert {e.status for e in result.extensions} == {status}
    assert len(entries(cache_dir)) == 2
    assert (cache.hits, cache.misses) == (1, 0)


def test_a_third_party_profile_whose_code_changed_is_not_reused(tmp_path: Path) -> None:
    ext = make_tree(tmp_path / "tree")
    module = tmp_path / "third_party_rules.py"
    source = textwrap.dedent(
        """\
        from epmigrate.profiles import Profile

        class Rules(Profile):
            def expected_class(self, stem):
                return stem.capitalize()

        PROFILE = Rules(name="third", summary="a third party's loader", class_rule="capitalize")
        """
    )
    module.write_text(source)
    spec = importlib.util.spec_from_file_location("third_party_rules", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules["third_party_rules"] = loaded
    try:
        spec.loader.exec_module(loaded)
        cache_dir = tmp_path / "cache"
        for expected in ((0, 1), (1, 0)):
            cache = Cache(str(cache_dir))
            scan(str(ext), loaded.PROFILE, bases=[BASE], cache=cache)
            assert (cache.hits, cache.misses) == expected
        module.write_text(source.replace("stem.capitalize()", "stem.upper()"))
        cache = Cache(str(cache_dir))
        scan(str(ext), loaded.PROFILE, bases=[BASE], cache=cache)
        assert (cache.hits, cache.misses) == (0, 1)
    finally:
        del sys.modules["third_party_rules"]


def test_a_package_made_above_an_empty_directory_is_another_scan(tmp_path: Path) -> None:
    # The group comes from the top-level package. With every possible import
    # root already on the search path and no file to list, only the package
    # the directory sits in tells the two scans apart.
    inner = tmp_path / "outer" / "inner"
    ext = inner / "ext"
    ext.mkdir(parents=True)
    (inner / "__init__.py").write_text("")
    (ext / "__init__.py").write_text("")
    roots = [str(tmp_path), str(tmp_path / "outer")]
    cache_dir = tmp_path / "cache"
    first, _ = run(ext, cache_dir, search_path=roots)
    assert first.group == "inner.api.extensions"
    (tmp_path / "outer" / "__init__.py").write_text("")
    second, cache = run(ext, cache_dir, search_path=roots)
    assert cache.misses == 1
    assert second.group == "outer.api.extensions"


@pytest.mark.parametrize(
    "payload",
    [b"\xff not marshal data", marshal.dumps(["a", "list"]), marshal.dumps({"listing": 1})],
    ids=["not-marshal", "not-a-dict", "wrong-shape"],
)
def test_an_entry_whose_checksum_holds_but_whose_data_is_not_a_scan_is_a_miss(
    tmp_path: Path, payload: bytes
) -> None:
    from epmigrate.scan.cache import _checksum

    ext = make_tree(tmp_path)
    cache_dir = tmp_path / "cache"
    first, _ = run(ext, cache_dir)
    [entry] = entries(cache_dir)
    key = entry.name.removesuffix(".entry")
    entry.write_bytes(f"{key} {_checksum(key, payload)}\n".encode() + payload)
    second, cache = run(ext, cache_dir)
    assert (cache.hits, cache.misses) == (0, 1)
    assert second == first
    assert entry.read_bytes() != f"{key} {_checksum(key, payload)}\n".encode() + payload


def _forgeries(
    data: object, path: tuple[object, ...] = ()
) -> list[tuple[tuple[object, ...], object]]:
    """Every place in an entry with a value of another type put there: (path, value)."""
    out: list[tuple[tuple[object, ...], object]] = []
    others: tuple[object, ...] = (7, None, [], {}, "x", True, [7, 7, 7])
    textual = (str, type(None))
    for other in others:
        # Another type, and not merely text for nothing (or the reverse),
        # which optional fields may hold: those would be other values.
        if type(other) is not type(data) and not (
            isinstance(data, textual) and isinstance(other, textual)
        ):
            out.append((path, other))
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_forgeries(v, (*path, k)))
        if data:
            out.append(((*path, 5), "injected key"))
    elif isinstance(data, list):
        for i, v in enumerate(data[:3]):
            out.extend(_forgeries(v, (*path, i)))
    return out


def _put(data: object, path: tuple[object, ...], value: object) -> object:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        copy = dict(data)
        copy[head] = _put(data.get(head), rest, value) if rest else value
        return copy
    assert isinstance(data, list) and isinstance(head, int)
    copy_list = list(data)
    copy_list[head] = _put(data[head], rest, value)
    return copy_list


def test_an_entry_forged_by_its_owner_with_a_valid_checksum_is_a_miss_whatever_its_shape(
    tmp_path: Path,
) -> None:
    # Every field of a real entry replaced by a value of another type (a
    # number for a path, a dict for a list, an extra key), the checksum made
    # valid: each scan is a miss that gives the true result, never an
    # exception (an int consulted path used to be stat-ed as a descriptor,
    # a locator answer of another shape raised AttributeError).
    from epmigrate.scan.cache import _checksum

    ext = make_tree(tmp_path)
    (ext / "user.py").write_text(
        "from proj import base\nfrom proj.base import *\n\n"
        "class User(base.ExtensionDescriptor):\n    alias = 'user'\n"
    )
    cache_dir = tmp_path / "cache"
    first, _ = run(ext, cache_dir)
    [entry] = entries(cache_dir)
    key = entry.name.removesuffix(".entry")
    original = marshal.loads(entry.read_bytes().split(b"\n", 1)[1])
    forgeries = _forgeries(original)
    assert len(forgeries) > 100
    for path, value in forgeries:
        payload = marshal.dumps(_put(original, path, value))
        entry.write_bytes(f"{key} {_checksum(key, payload)}\n".encode() + payload)
        second, _ = run(ext, cache_dir)
        assert second == first, path


def test_a_change_to_the_code_that_makes_the_verdict_is_another_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A libcst upgrade, or epmigrate's own code changed under the same
    # version number: the key holds a fingerprint of both, so no stored
    # verdict of the old code is replayed. Here a stand-in library
    # directory takes libcst's place in the fingerprint.
    from epmigrate.scan import memo

    library = tmp_path / "library"
    library.mkdir()
    (library / "__init__.py").write_text("VERSION = '1.0'\n")
    real_dirs = memo.verdict_code_dirs()
    assert real_dirs[0].endswith("epmigrate")
    assert os.path.isfile(os.path.join(real_dirs[1], "__init__.py"))  # libcst's, found
    monkeypatch.setattr(memo, "verdict_code_dirs", lambda: (real_dirs[0], str(library)))
    ext = make_tree(tmp_path)
    cache_dir = tmp_path / "cache"
    run(ext, cache_dir)
    _, cache = run(ext, cache_dir)
    assert (cache.hits, cache.misses) == (1, 0)
    (library / "__init__.py").write_text("VERSION = '1.1'\n")  # the upgrade
    memo._fingerprint.cache_clear()
    _, cache = run(ext, cache_dir)
    assert (cache.hits, cache.misses) == (0, 1)
    assert len(entries(cache_dir)) == 2
