"""The scan cache (scan/cache.py, scan/memo.py): one entry per scan, reused only while it holds.

A stored result is reused when the listing, the bytes of every scanned and
consulted file and every answer the locator gave are as they were; each test
changes one of them and checks that the next scan sees the change.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import textwrap
from pathlib import Path

import pytest

from epmigrate.model import Status
from epmigrate.scan import Cache, ScanResult, scan
from tests.scan.test_adversarial import BASE, extension, make_tree


def entries(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.json") if p.is_file())


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


def test_an_entry_is_its_key_the_checksum_and_the_data_as_compact_json(tmp_path: Path) -> None:
    # Large lists and dicts are written in parts: the bytes are still those
    # of one json.dumps, and the checksum in the header covers all of them.
    import hashlib
    import json

    data = {
        "listing": [[f"f{n}.py", n, None, ["x"]] for n in range(5000)],
        "consulted": {f"/lib/m{n}.py": f"{n:032x}" if n % 7 else None for n in range(4500)},
        "result": {"extensions": [[f"caf\u00e9{n}", {"a": [n]}] for n in range(2049)], "files": 3},
        "empty": {},
    }
    cache = Cache(str(tmp_path / "cache"))
    key = "ab" + "0" * 62
    cache.put(key, data)
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode()
    checksum = hashlib.sha256(key.encode() + b"\0" + payload).hexdigest()
    (entry,) = entries(tmp_path / "cache")
    assert entry.read_bytes() == f"{key} {checksum}\n".encode() + payload
    assert cache.get(key, lambda stored: stored) == data
