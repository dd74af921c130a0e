"""The child of ``epmigrate verify``: compare entry points and legacy files in the service's Python.

Standard library only, importing nothing of epmigrate: ``epmigrate verify``
copies this file and the vetting modules (:data:`VETTING_MODULES`) into a
fresh private temporary directory and runs ``python probe.py`` there, so the
child sees the service's environment (its ``sys.path``, its stevedore, its
entry points) and nothing of epmigrate's own installation. The temporary
directory is taken off ``sys.path`` before anything else is imported.

Protocol: a JSON request on stdin (``group``, ``setup``, ``directories``:
each ``path`` and ``files`` as ``[relpath, stem, class_name, subpackage]``
in the profile's order, listed by the parent); one JSON document on stdout.
Whatever the loaded code prints goes to stderr.
"""

from __future__ import annotations

import os
import sys


def _own_directory() -> str | None:
    """This file's directory, taken off ``sys.path``; ``None`` when imported by epmigrate.

    From ``__file__``, not ``sys.path[0]``: under ``-P``, ``-I`` or
    ``PYTHONSAFEPATH`` the script's directory is not on the path at all,
    and ``sys.path[0]`` is the first ``PYTHONPATH`` directory (or the
    standard library), whose ``_rules.py`` must never be taken for ours.
    """
    if __name__ != "__main__":
        return None
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    return here


_HERE = _own_directory()
sys.dont_write_bytecode = True

import importlib  # noqa: E402
import importlib.machinery  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import traceback  # noqa: E402
import types  # noqa: E402
from typing import Any  # noqa: E402

__all__ = [
    "VETTING_MODULES",
    "ProbeError",
    "class_alias",
    "describe",
    "installed_entry_points",
    "probe",
    "respond",
]

VETTING_MODULES = ("_rules", "_vetted", "_modules")
"""The modules of :mod:`epmigrate.loader` copied beside this file, in import order."""

_CHILD_PACKAGE = "_epmigrate_probe"


def _load_vetting() -> list[types.ModuleType]:
    if _HERE is None:  # imported as part of epmigrate (tests)
        package = "epmigrate.loader"
    else:
        # The copies beside this file become a package of their own, so their
        # relative imports find one another and nothing else: the directory
        # itself is no longer on sys.path.
        package = _CHILD_PACKAGE
        spec = importlib.machinery.ModuleSpec(package, None, is_package=True)
        spec.submodule_search_locations = [_HERE]
        sys.modules[package] = importlib.util.module_from_spec(spec)
    return [importlib.import_module(f"{package}.{name}") for name in VETTING_MODULES]


rules, vetted, modules = _load_vetting()


def describe(exc: BaseException) -> str:
    """``Type: message``, one line, control characters escaped."""
    message = str(exc)
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return str(rules.escape(text))


def class_alias(cls: type) -> str | None:
    """The alias a descriptor class declares: ``get_alias()``, else ``alias``.

    ``get_alias`` is tried as a class or static method, then as an instance
    method given the class for ``self`` (descriptors return a constant or a
    class attribute); ``None`` when neither gives a string.
    """
    getter = getattr(cls, "get_alias", None)
    if callable(getter):
        for args in ((), (cls,)):
            try:
                value = getter(*args)
            except Exception:
                continue
            if isinstance(value, str):
                return value
            break
    value = getattr(cls, "alias", None)
    return value if isinstance(value, str) else None


class ProbeError(Exception):
    """The comparison cannot be made in this interpreter; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def run_setup(setup: list[str]) -> None:
    """Call each ``module:function`` of the service's start-up code, in order."""
    for ref in setup:
        module_name, _, func_name = ref.partition(":")
        try:
            obj: Any = importlib.import_module(module_name.strip())
            for part in func_name.strip().split("."):
                obj = getattr(obj, part)
            obj()
        except BaseException as exc:  # a SystemExit is the setup's failure too
            raise ProbeError(
                f"--setup {ref} failed: {describe(exc)}",
                "check the start-up function the service calls before loading extensions",
            ) from exc


def installed_entry_points(group: str) -> list[Any]:
    """The group's entry points in stevedore's order, from the metadata installed now.

    stevedore lists a group from an on-disk cache keyed on the modification
    times of the ``sys.path`` directories, stored as 32-bit floats: 128-second
    buckets at today's epoch, so for up to two minutes after a reinstall it
    lists what was installed before. verify must answer from the present, so
    the list is built here as stevedore builds its cache
    (``importlib.metadata.entry_points()``, the group selected, repeats of
    one ``(name, value, group)`` dropped) and no cache is read or written.
    """
    import importlib.metadata

    seen: set[tuple[str, str, str]] = set()
    out: list[Any] = []
    for ep in importlib.metadata.entry_points().select(group=group):
        item = (ep.name, ep.value, ep.group)
        if item not in seen:
            seen.add(item)
            out.append(ep)
    return out


def load_entry_points(group: str) -> tuple[list[Any], dict[str, Any], dict[str, str]]:
    """The group's entry points as stevedore lists them, each loaded (or its error)."""
    try:
        from stevedore.extension import ExtensionManager
    except ImportError as exc:
        raise ProbeError(
            f"stevedore is not importable by {sys.executable}: {exc}",
            "install stevedore into that environment, or pass --python with "
            "the interpreter the service runs",
        ) from exc
    del ExtensionManager  # imported only to tell that the service has stevedore
    listed = installed_entry_points(group)
    loaded: dict[str, Any] = {}
    failures: dict[str, str] = {}
    for ep in listed:
        if ep.name in loaded or ep.name in failures:
            continue
        try:
            loaded[ep.name] = ep.load()
        except BaseException as exc:  # SystemExit in a plugin is its failure
            failures[ep.name] = describe(exc)
    return listed, loaded, failures


def _row(**values: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(
        (
            "name",
            "entry_point_name",
            "entry_point",
            "entry_point_error",
            "legacy_path",
            "legacy_target",
            "legacy_class",
            "legacy_error",
            "entry_point_alias",
            "legacy_alias",
            "same_object",
            "same_alias",
        )
    )
    row.update(values)
    return row


def probe(request: dict[str, Any]) -> dict[str, object]:
    """Load the group through entry points only, then the legacy files only; compare.

    The identity of the two classes can only be told in the process that
    loaded both, so the comparison is made here, not in the parent.
    """
    run_setup(list(request.get("setup") or ()))
    group = request["group"]
    listed, loaded, failures = load_entry_points(group)
    rows: list[dict[str, object]] = []
    matched: set[str] = set()
    resolver = modules.PackageResolver()
    for directory in request["directories"]:
        try:
            root = vetted.open_directory(directory["path"])
        except rules.Refused as exc:
            raise ProbeError(str(exc), exc.hint) from exc
        except OSError as exc:
            raise ProbeError(f"{rules.escape(directory['path'])}: {exc}") from exc
        try:
            files = [tuple(f) for f in directory["files"]]
            namer = modules.ModuleNamer(
                resolver,
                root,
                lambda sub, files=files: [f[1] for f in files if "/".join(f[3]) == sub],
            )
            for rel, stem, class_name, subpackage in files:
                path = f"{root.path}/{rel}"
                module, package = namer.name(path, stem, subpackage)
                cls: type | None = None
                error: str | None = None
                try:
                    mod = modules.load_module(root, rel, module, package)
                    found = getattr(mod, class_name, None)
                    if found is not None and not isinstance(found, type):
                        raise TypeError(f"{class_name} is a {type(found).__name__}, not a class")
                    cls = found
                except rules.Outside:
                    continue  # the loader does not follow it either
                except BaseException as exc:  # SystemExit is this file's failure
                    error = describe(exc)
                if cls is None and error is None:
                    continue  # a helper module without the expected class
                ep = next((e for e in listed if e.name == stem), None)
                if ep is None and package is not None:
                    ep = next(
                        (e for e in listed if (e.module, e.attr) == (module, class_name)), None
                    )
                row = _row(
                    name=stem,
                    legacy_path=path,
                    legacy_target=f"{module}:{class_name}" if package is not None else None,
                    legacy_class=cls.__qualname__ if cls is not None else class_name,
                    legacy_error=error,
                    legacy_alias=class_alias(cls) if cls is not None else None,
                )
                if ep is not None:
                    matched.add(ep.name)
                    plugin = loaded.get(ep.name)
                    row.update(
                        entry_point_name=ep.name,
                        entry_point=ep.value,
                        entry_point_error=failures.get(ep.name),
                        entry_point_alias=class_alias(plugin) if isinstance(plugin, type) else None,
                    )
                    if plugin is not None and cls is not None:
                        row["same_object"] = plugin is cls
                        row["same_alias"] = row["entry_point_alias"] == row["legacy_alias"]
                rows.append(row)
        finally:
            root.close()
    for ep in listed:
        if ep.name in matched:
            continue
        plugin = loaded.get(ep.name)
        rows.append(
            _row(
                name=ep.name,
                entry_point_name=ep.name,
                entry_point=ep.value,
                entry_point_error=failures.get(ep.name),
                entry_point_alias=class_alias(plugin) if isinstance(plugin, type) else None,
            )
        )
        matched.add(ep.name)
    return {"python": sys.executable, "rows": rows}


def respond() -> int:
    """Read the request on stdin, write the report on stdout (anything else to stderr)."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    request = json.load(sys.stdin)
    try:
        document = probe(request)
    except ProbeError as exc:
        document = {"error": exc.message, "hint": exc.hint}
    except BaseException as exc:  # report, whatever the loaded code did
        traceback.print_exc()
        document = {"error": f"the comparison stopped: {describe(exc)}", "hint": None}
    out.write(json.dumps(document) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(respond())
