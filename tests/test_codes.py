"""The table of finding codes against docs/scan-json.md and the builders."""

from __future__ import annotations

import re
from pathlib import Path

from epmigrate.model import Extension, Severity, Status
from epmigrate.profiles import get_profile
from epmigrate.scan import codes

DOC = Path(__file__).resolve().parents[1] / "docs" / "scan-json.md"


def _constants() -> dict[str, str]:
    return {
        name: getattr(codes, name)
        for name in codes.__all__
        if name.isupper() and name not in ("ALL", "TABLE")
    }


def test_every_constant_has_its_own_code_in_the_table() -> None:
    constants = _constants()
    assert sorted(constants.values()) == sorted(codes.ALL)
    assert all(re.fullmatch(r"EPM\d{3}", code) for code in constants.values())


def test_the_documented_severity_is_the_table_severity() -> None:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| (EPM\d{3}) \| ([a-z-]+) \| ([a-z]+)", line)
        if m:
            rows[m.group(1)] = (m.group(2), Severity(m.group(3)))
    assert rows == {c.code: (c.name, c.severity) for c in codes.TABLE.values()}


def test_builders_give_the_table_severity() -> None:
    prof = get_profile("nova")
    assert codes.helper_file("a.py", "A", prof).severity is Severity.INFO
    assert codes.base_unresolved("a.py", 1, "A", "why").severity is Severity.WARNING
    assert codes.scanner_limit("a.py", "why").severity is Severity.ERROR
    # file_error is an error whatever the code it carries.
    assert codes.file_error(codes.SYNTAX, "a.py", 2, "bad").severity is Severity.ERROR


def test_duplicate_alias_is_an_error_only_where_the_loader_aborts() -> None:
    def ext(name: str) -> Extension:
        return Extension(f"{name}.py", 1, name, "C", name, "g", "x", None, Status.LOADED)

    aborting, lenient = get_profile("oslo-incubator"), get_profile("neutron")
    assert aborting.abort_on_error and not lenient.abort_on_error
    found = codes.duplicate_alias(ext("a"), ext("b"), aborting)
    assert (found.code, found.severity) == ("EPM103", Severity.ERROR)
    found = codes.duplicate_alias(ext("a"), ext("b"), lenient)
    assert (found.code, found.severity) == ("EPM103", Severity.WARNING)
