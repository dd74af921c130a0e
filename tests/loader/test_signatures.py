"""Each hybrid manager is a drop-in for its stevedore class, plus the hybrid keywords."""

from __future__ import annotations

import inspect

import pytest
from stevedore.driver import DriverManager
from stevedore.enabled import EnabledExtensionManager
from stevedore.extension import ExtensionManager
from stevedore.hook import HookManager
from stevedore.named import NamedExtensionManager

from epmigrate.loader import (
    HybridDriverManager,
    HybridEnabledExtensionManager,
    HybridExtensionManager,
    HybridHookManager,
    HybridNamedExtensionManager,
)
from epmigrate.loader.settings import HybridOptions

PAIRS = [
    pytest.param(HybridExtensionManager, ExtensionManager, id="extension"),
    pytest.param(HybridEnabledExtensionManager, EnabledExtensionManager, id="enabled"),
    pytest.param(HybridNamedExtensionManager, NamedExtensionManager, id="named"),
    pytest.param(HybridDriverManager, DriverManager, id="driver"),
    pytest.param(HybridHookManager, HookManager, id="hook"),
]


@pytest.mark.parametrize(("hybrid", "stevedore"), PAIRS)
def test_a_hybrid_manager_takes_its_stevedore_parameters_in_order_with_their_defaults(
    hybrid: type, stevedore: type
) -> None:
    ours = list(inspect.signature(hybrid.__init__).parameters.values())
    theirs = list(inspect.signature(stevedore.__init__).parameters.values())
    assert ours[-1].kind is inspect.Parameter.VAR_KEYWORD
    shape = [(p.name, p.kind, p.default) for p in ours[:-1]]
    assert shape == [(p.name, p.kind, p.default) for p in theirs]


def test_the_hybrid_keyword_arguments_are_the_documented_five() -> None:
    assert HybridOptions.__optional_keys__ == {
        "legacy_paths",
        "profile",
        "legacy",
        "fail_fast",
        "allow_insecure_legacy_path",
    }


@pytest.mark.parametrize(
    ("hybrid", "args"),
    [
        pytest.param(HybridExtensionManager, ("g",), id="extension"),
        pytest.param(HybridEnabledExtensionManager, ("g", lambda ext: True), id="enabled"),
        pytest.param(HybridNamedExtensionManager, ("g", ["x"]), id="named"),
        pytest.param(HybridDriverManager, ("g", "x"), id="driver"),
        pytest.param(HybridHookManager, ("g", "x"), id="hook"),
    ],
)
def test_an_unknown_keyword_argument_is_a_type_error_naming_it(
    hybrid: type, args: tuple[object, ...]
) -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'legacy_path'$"):
        hybrid(*args, legacy_path="/nowhere")
