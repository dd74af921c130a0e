"""``epmigrate adopt``: make a service's own extension loader read entry points.

:func:`adopt_text` is the pure core (text in, :class:`Adoption` out): it
finds the loader the file holds (:mod:`~epmigrate.adopt.path_loader`, Neutron
and the oslo-incubator copy; :mod:`~epmigrate.adopt.walk_loader`, the
``load_standard_extensions`` of Nova, Cinder and Manila), checks it against
the profile and returns the edited text, or the same text when the loader
is adopted already. A file that is not such a loader, or not of the
profile's shape, raises :class:`AdoptError` located at the function and
naming the difference. :func:`prepare` and :func:`commit` are the file edge:
read with :mod:`epmigrate.fileio`, write atomically, keep the rest.

The adopted code calls :mod:`epmigrate.loader.adoption` at run time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper

from epmigrate import fileio
from epmigrate.adopt import path_loader, walk_loader
from epmigrate.adopt._cst import AdoptError, Facts, walk
from epmigrate.adopt.model import Change, Shape
from epmigrate.errors import ParseError, WriteError
from epmigrate.fileio import Snapshot
from epmigrate.profiles import Profile, get_profile
from epmigrate.scan.locate import package_of
from epmigrate.write.setup_source import nesting_guard, parse_python
from epmigrate.write.text import strip_bom, unified_diff

__all__ = [
    "AdoptError",
    "Adoption",
    "Change",
    "Outcome",
    "Shape",
    "adopt_text",
    "commit",
    "prepare",
    "service_package",
]

_READERS = (
    "stevedore.",
    "importlib.metadata.entry_points",
    "importlib_metadata.entry_points",
    "pkg_resources.iter_entry_points",
    "pkg_resources.EntryPoint",
)
_HAND = "see docs/adopt.md, 'Adopting by hand', to call epmigrate.loader yourself"


@dataclass(frozen=True)
class Adoption:
    """The result of adopting one loader's text."""

    text: str
    original: str
    profile: str
    group: str
    shape: Shape
    changes: tuple[Change, ...] = field(default=())

    @property
    def changed(self) -> bool:
        """Whether the text changes (``False``: the loader is adopted already)."""
        return self.text != self.original


def service_package(path: str) -> str | None:
    """The top-level package of the service whose loader module is at ``path``."""
    place = package_of(os.path.dirname(os.path.abspath(path)))
    return place.package.split(".")[0] if place.package else None


def _refuse_other_readers(facts: Facts, scope: cst.CSTNode, where: str) -> None:
    for node in walk(scope):
        if isinstance(node, (cst.Name, cst.Attribute)):
            names = facts.qualified(node)
            hit = next(
                (n for n in sorted(names) if n.startswith(_READERS) or n == "stevedore"), None
            )
            if hit is not None:
                raise facts.refuse(
                    f"{where} already reads entry points ({hit}); adopting it again "
                    "would load each extension twice",
                    node,
                    f"leave the loader as it is, or {_HAND}",
                )


def adopt_text(
    text: str,
    *,
    path: str | None,
    group: str | None = None,
    package: str | None = None,
    profile: str | Profile | None = None,
) -> Adoption:
    """Adopt the loader in ``text`` (a Python module) so that it reads ``group`` first.

    ``group`` defaults to the group the profile names for the service whose
    top-level package is ``package`` (:meth:`Profile.service_group
    <epmigrate.profiles.Profile.service_group>`: ``neutron.api.extensions``
    for Neutron), the group ``epmigrate write`` writes the service's and its
    plugins' extensions to.

    ``profile`` defaults to the built-in profile whose rules the loader's
    code shows. Raises :class:`~epmigrate.errors.ParseError` when the text
    is not Python and :class:`AdoptError` when it holds no loader of a
    known shape, one whose rules differ from ``profile``'s, one that already
    reads entry points another way, or a half-adopted one.
    """
    bom, body = strip_bom(text)
    with nesting_guard(body, path):
        parse_python(body, path)
        try:
            module = cst.parse_module(body)
        except Exception as exc:  # libcst refusing what Python accepts
            raise ParseError(
                f"{path or 'the file'} cannot be read by libcst ({type(exc).__name__}: {exc})",
                path=path,
                hint=f"{_HAND}; nothing was written",
            ) from exc
        facts = Facts(MetadataWrapper(module, unsafe_skip_copy=True), path)
        found: path_loader.PathLoader | walk_loader.WalkLoader | None
        found = path_loader.find(facts) or walk_loader.find(facts)
        if found is None:
            raise AdoptError(
                "this file is not a legacy extension loader: it has no class with "
                f"{path_loader.LOAD_ALL} and {path_loader.FROM_PATH} (Neutron, the "
                f"oslo-incubator copy) and no {walk_loader.FUNCTION} function (Nova, Cinder, "
                "Manila)",
                path=path,
                hint="pass the service's loader module (neutron/api/extensions.py, "
                f"cinder/api/extensions.py), or {_HAND}",
            )
        shape = found.shape()
        if profile is None:
            name = shape.matching_profile()
            if name is None:
                raise facts.refuse(
                    f"{shape.function} matches no built-in profile",
                    found.loop if isinstance(found, path_loader.PathLoader) else found.walk_loop,
                    f"pass --profile with a profile of this loader's rules, or {_HAND}",
                )
            profile = name
        prof = get_profile(profile)
        if group is None:
            if package is None:
                raise AdoptError(
                    "the loader is in no package, so the group its service reads cannot be told",
                    path=path,
                    hint="pass --group with the entry-point group the service should read",
                )
            group = prof.service_group(package)
        if isinstance(found, path_loader.PathLoader):
            path_loader.check_profile(facts, found, prof)
            scope: cst.CSTNode = found.cls
            adopted = path_loader.is_adopted(facts, found)
        else:
            walk_loader.check_profile(facts, found, prof)
            scope = found.func
            adopted = walk_loader.is_adopted(facts, found)
        if adopted:
            return Adoption(text, text, prof.name, group, shape)
        where = (
            found.cls.name.value
            if isinstance(found, path_loader.PathLoader)
            else walk_loader.FUNCTION
        )
        _refuse_other_readers(facts, scope, where)
        if isinstance(found, path_loader.PathLoader):
            edits, changes = path_loader.edit(facts, found, group=group, profile=prof.name)
        else:
            edits, changes = walk_loader.edit(facts, found, group=group, profile=prof.name)
        new = bom + edits.apply(module, project=package).code
    return Adoption(new, text, prof.name, group, shape, tuple(changes))


@dataclass(frozen=True)
class Outcome:
    """A prepared adoption of one file: the file as read and the adoption."""

    path: str
    snapshot: Snapshot
    adoption: Adoption

    @property
    def changed(self) -> bool:
        """Whether writing would change the file."""
        return self.adoption.changed

    def diff(self) -> str:
        """A unified diff of the change (empty when nothing changes)."""
        return unified_diff(self.adoption.original, self.adoption.text, os.path.relpath(self.path))


def _refuse_link(path: str) -> None:
    if os.path.islink(path):
        raise WriteError(
            f"{path} is a symbolic link to {os.path.realpath(path)}; adopt edits the "
            "service's own module, not a link to it; nothing was written",
            path=path,
            hint="pass the file the link points to, if that is the service's loader",
        )


def prepare(path: str, *, group: str | None = None, profile: str | None = None) -> Outcome:
    """Read ``path`` and adopt its loader; nothing is written.

    ``group`` defaults to the one the profile names for the file's service
    (its top-level package: :func:`service_package`).
    """
    _refuse_link(path)
    snapshot = fileio.read_text(path)
    adoption = adopt_text(
        snapshot.text, path=path, group=group, package=service_package(path), profile=profile
    )
    return Outcome(path, snapshot, adoption)


def commit(outcome: Outcome) -> Outcome:
    """Write the adoption atomically (nothing when it changes nothing).

    Refused, with the file untouched, when the file changed since
    :func:`prepare` read it, is read-only, or became a link.
    """
    if not outcome.changed:
        return outcome
    _refuse_link(outcome.path)
    fileio.write_text(outcome.snapshot, outcome.adoption.text)
    return outcome
