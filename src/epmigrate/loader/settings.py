"""The hybrid keyword arguments every manager takes, and what they resolve to.

Each hybrid manager takes all the arguments of its stevedore class, in the
same positions, plus the keyword arguments of :class:`HybridOptions`:

``legacy_paths``
    The legacy directories, a list or a ``:``-joined string as in service
    configs (split the way ``profile`` splits it).
``profile``
    The legacy loader's rules, a profile name or a
    :class:`~epmigrate.profiles.Profile` (default ``"neutron"``).
``legacy``
    ``"fallback"`` (default) loads legacy files that no entry point
    provides; ``"off"`` loads entry points only. The environment variable
    ``EPMIGRATE_LEGACY=off`` overrides it.
``fail_fast``
    Raise the first load failure, as the oslo-incubator loader did. Defaults
    to the profile's ``abort_on_error``.
``allow_insecure_legacy_path``
    Load from directories and files that group or others can write, or that
    another user owns.

They are declared once here, and resolved once per manager by
:func:`resolve_options`, so that the managers' constructors only restate
their stevedore signature. This module must stay import-light: no libcst,
click or tomlkit.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any, Literal, TypedDict

from epmigrate.profiles import GROUP as PROFILES_GROUP
from epmigrate.profiles import Profile, get_profile, is_builtin

# Imported with the loader, so resolving the default profile by name at
# construction imports nothing.
from epmigrate.profiles import neutron as _default_profile  # noqa: F401

__all__ = [
    "DEFAULT_PROFILE",
    "ENV_VAR",
    "HybridOptions",
    "HybridSettings",
    "LegacyMode",
    "effective_mode",
    "resolve_options",
    "resolve_profile",
]

LOG = logging.getLogger("epmigrate")

LegacyMode = Literal["fallback", "off"]
"""``fallback``: entry points, then legacy files; ``off``: entry points only."""

ENV_VAR = "EPMIGRATE_LEGACY"
"""Set to ``off`` to switch every hybrid manager of the process to entry points only."""

DEFAULT_PROFILE = "neutron"
"""The profile a manager uses when it is given none."""


class HybridOptions(TypedDict, total=False):
    """The keyword arguments a hybrid manager takes beside its stevedore ones.

    Each may be left out; the module docstring gives their meaning and
    defaults.
    """

    legacy_paths: str | Sequence[str] | None
    profile: str | Profile
    legacy: LegacyMode
    fail_fast: bool | None
    allow_insecure_legacy_path: bool


class HybridSettings:
    """A manager's :class:`HybridOptions`, resolved: the mode after the override, and so on."""

    # A plain class: a NamedTuple costs a quarter of a millisecond to define
    # at every start, for one instance per manager read by attribute only.
    __slots__ = ("allow_insecure", "directories", "fail_fast", "mode", "profile")

    def __init__(
        self,
        mode: LegacyMode,
        directories: tuple[str, ...],
        profile: Profile,
        fail_fast: bool,
        allow_insecure: bool,
    ) -> None:
        self.mode = mode
        self.directories = directories
        self.profile = profile
        self.fail_fast = fail_fast
        self.allow_insecure = allow_insecure


def effective_mode(legacy: str) -> LegacyMode:
    """``legacy`` after the ``EPMIGRATE_LEGACY`` override; invalid values raise ``ValueError``."""
    if legacy not in ("fallback", "off"):
        raise ValueError(f"legacy must be 'fallback' or 'off', not {legacy!r}")
    env = os.environ.get(ENV_VAR, "").strip().lower()
    if env == "off":
        return "off"
    if env not in ("", "fallback"):
        LOG.warning("%s=%r is not 'off' or 'fallback'; ignored", ENV_VAR, os.environ[ENV_VAR])
    return "off" if legacy == "off" else "fallback"


def resolve_profile(profile: str | Profile) -> Profile:
    """The :class:`Profile` named ``profile`` (a ``Profile`` is returned as is).

    The usual case reads the profile group through stevedore's entry-point
    cache, which the manager reads right after for its own group, instead of
    a second ``importlib.metadata`` scan of every distribution (milliseconds
    at start-up); anything unusual is left to
    :func:`epmigrate.profiles.get_profile`, which also words the errors.
    """
    if isinstance(profile, Profile):
        return profile
    if is_builtin(profile):
        # Imported directly: no entry-point scan at all, with or without
        # stevedore's cache (an interpreter under /tmp has none).
        return get_profile(profile)
    from stevedore.extension import ExtensionManager

    lister: ExtensionManager[Any] = ExtensionManager.make_test_instance(
        [], namespace=PROFILES_GROUP
    )
    for ep in lister.list_entry_points():
        if ep.name == profile:
            try:
                found = ep.load()
            except Exception:
                break
            if isinstance(found, Profile):
                return found
            break
    return get_profile(profile)


def resolve_options(manager: str, options: HybridOptions) -> HybridSettings:
    """The settings of ``options``, given to the constructor of the class named ``manager``.

    A keyword that is not a hybrid option raises ``TypeError`` as Python
    words it for a constructor that does not take it. The profile is
    resolved even when the legacy path is off, so that switching it off does
    not change the failure policy (``abort_on_error``) of entry points.
    """
    for name in options:
        if name not in HybridOptions.__optional_keys__:
            raise TypeError(f"{manager}.__init__() got an unexpected keyword argument {name!r}")
    mode = effective_mode(options.get("legacy", "fallback"))
    profile = resolve_profile(options.get("profile", DEFAULT_PROFILE))
    legacy_paths = options.get("legacy_paths")
    directories = tuple(profile.paths(legacy_paths)) if legacy_paths else ()
    fail_fast = options.get("fail_fast")
    fail = profile.abort_on_error if fail_fast is None else fail_fast
    allow_insecure = options.get("allow_insecure_legacy_path", False)
    return HybridSettings(mode, directories, profile, fail, allow_insecure)
