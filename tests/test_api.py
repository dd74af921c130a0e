"""The library API (src/epmigrate/api.py): every public name, and what importing it costs."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import epmigrate.api as api


@pytest.mark.parametrize("name", api.__all__)
def test_each_public_name_is_its_home_modules_object(name: str) -> None:
    module, attribute = api._HOMES[name]
    assert getattr(api, name) is getattr(importlib.import_module(module), attribute)


def test_the_list_of_names_and_their_homes_agree() -> None:
    assert sorted(api.__all__) == sorted(api._HOMES)
    assert set(api.__all__) <= set(dir(api))


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match=r"'epmigrate\.api' has no attribute 'nope'"):
        api.nope  # noqa: B018


def test_star_import_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from epmigrate.api import *", namespace)
    assert set(api.__all__) <= set(namespace)


def test_importing_the_api_imports_no_part_until_a_name_is_used() -> None:
    code = (
        "import sys, epmigrate.api\n"
        "before = sorted(m for m in sys.modules if m.startswith('epmigrate'))\n"
        "epmigrate.api.HybridExtensionManager\n"
        "after = set(sys.modules)\n"
        "print(before, 'epmigrate.scan' in after, 'stevedore' in after)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["['epmigrate',", "'epmigrate.api']", "False", "True"]
