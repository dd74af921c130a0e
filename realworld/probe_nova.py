"""Run a nova-style (Cinder) extension loader on its contrib package; record what it did.

Runs inside a tree's virtualenv (``record_oracle.py`` starts it), where the
tree's released packages are installed; never in epmigrate's environment.
Usage: ``python probe_nova.py MANAGER SETUP PACKAGE OUT.json``, for instance
``cinder.api.extensions.ExtensionManager cinder.objects.register_all
cinder.api.contrib``; PACKAGE only names the files in the record (a class
path ``PACKAGE.sub.stem.Class`` is the file ``sub/stem.py``).

MANAGER is the project's own extension manager class, built with no
argument, as the API service builds it: its constructor reads the
``osapi_volume_extension`` option (default
``cinder.api.contrib.standard_extensions``) and calls that factory, which
runs ``load_standard_extensions`` on the contrib package (``os.walk``, the
``.py``/``.pyc`` filter, ``FILES_TO_SKIP``, ``stem[0].upper() + stem[1:]``,
the import by dotted path, each file in its own try/except, the delegation to
a sub-package's ``extension``); each extension's constructor calls
``register``, which runs ``_check_extension`` and the duplicate-alias check.

SETUP (``-`` for none) is called first: Cinder's API service calls
``cinder.objects.register_all()`` before it loads extensions, and many
extension modules need the registered objects at import time.

Only observation is added: a subclass overrides ``load_extension`` (the one
call per file the walk makes) to note the class path being loaded and any
exception before re-raising it to the walk, and ``register`` to call the
original and note the instance's class name, its ``alias`` and whether the
original kept it.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any


def _import(dotted: str) -> Any:
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def main(manager: str, setup: str, package: str, out: str) -> None:
    """Build MANAGER after calling SETUP; write the record of PACKAGE's files to OUT."""
    if setup != "-":
        _import(setup)()
    base = _import(manager)
    directory = importlib.import_module(package).__path__[0]

    files: dict[str, dict[str, Any]] = {}
    current: list[str] = []
    depth: list[Any] = []

    def file_of(classpath: str) -> str:
        parts = classpath[len(package) + 1 :].split(".")[:-1]
        return "/".join(parts) + ".py"

    def entry() -> dict[str, Any]:
        return files.setdefault(current[-1], {"status": "attempted", "loaded": []})

    class RecordingManager(base):  # type: ignore[misc,valid-type]
        def load_extension(self, ext_factory: Any) -> Any:
            # The outermost call loads a factory from ``osapi_volume_extension``
            # (``standard_extensions``); the calls it makes are the files.
            nested = bool(depth) and isinstance(ext_factory, str)
            if nested:
                current.append(file_of(ext_factory))
                entry()
            depth.append(ext_factory)
            try:
                return super().load_extension(ext_factory)
            except Exception as exc:
                if nested:
                    entry().update(status="failed", reason=f"{type(exc).__name__}: {exc}")
                raise
            finally:
                depth.pop()

        def register(self, ext: Any) -> None:
            before = {id(v) for v in self.extensions.values()}
            try:
                super().register(ext)
            finally:
                kept = id(ext) not in before and any(v is ext for v in self.extensions.values())
                item = {"class": type(ext).__name__, "alias": getattr(ext, "alias", None)}
                if current and kept:
                    entry()["status"] = "loaded"
                    entry()["loaded"].append(item)
                elif current:
                    entry()["refused"] = item
                    if entry()["status"] == "attempted":
                        entry().update(status="rejected", reason="_check_extension returned False")

    RecordingManager()
    # The loader's own skip list, read to explain the files it passed over.
    skip_list = getattr(sys.modules[base.__module__], "FILES_TO_SKIP", ())
    for dirpath, _dirs, names in os.walk(directory):
        rel = os.path.relpath(dirpath, directory)
        for name in sorted(names):
            key = name if rel == "." else f"{rel.replace(os.sep, '/')}/{name}"
            if name.endswith(".py") and key not in files:
                files[key] = {"status": "not-attempted", "loaded": []}
                if name in skip_list:
                    files[key]["reason"] = f"{name} is in {base.__module__}.FILES_TO_SKIP"
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"loader": manager, "directory": directory, "files": files}, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4])
