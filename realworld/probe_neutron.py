"""Run Neutron's own extension loader on a path setting and record what it did.

Runs inside a tree's virtualenv (``record_oracle.py`` starts it), where the
tree's released packages are installed; never in epmigrate's environment.
Usage: ``python probe_neutron.py PATH OUT.json``, PATH one directory or
several joined with ``:`` (as Neutron joins its own ``neutron/extensions``,
its service plugins' and ``api_extensions_path``). The record names each
file by its absolute path.

The loader is ``neutron.api.extensions.ExtensionManager(PATH)``, the
project's own class: its constructor runs ``_load_all_extensions`` (the
``:`` split, a missing directory logged and skipped) and so, per directory,
``_load_all_extensions_from_path`` (sorted listing, the ``.py`` / ``_``
filter, the file executed as a module named by its stem, the
``stem.capitalize()`` lookup, ``_check_extension``: the four methods and
``isinstance(ext, neutron_lib.api.extensions.ExtensionDescriptor)``, the
duplicate-alias check of ``add_extension``, each file in its own try/except).

Only observation is added:

- the file being loaded comes from the directory passed to
  ``_load_all_extensions_from_path`` (a subclass notes it and calls the
  original) and the loader's own DEBUG record ``Loading extension file:
  %s`` (a logging handler on the ``neutron.api.extensions``
  logger), and a skip or failure from its own records (``Did not find
  expected name``, ``wasn't loaded due to``, the ``LOG.exception`` of
  ``_check_extension``);
- a subclass overrides ``add_extension`` to call the original and then note
  the instance's class name, its ``get_alias()`` and whether the original
  kept it;
- after the load, ``_other_descriptors`` lists the extension classes of
  each file that the loader did not look up.

``PluginAwareExtensionManager`` is not used: on top of the same loop it drops
the extensions no configured plugin supports, which depends on a running
service's configuration, not on the files.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any


def _other_descriptors(path: str, record: dict[str, Any]) -> None:
    """Note the extension classes of a file that the loader did not look up.

    After the load, the file is executed once more, as the loader executes
    it (a fresh module named by its stem), and every class defined in it
    that subclasses ``neutron_lib.api.extensions.ExtensionDescriptor``,
    other than the one the loader loaded, goes to ``never_loaded``: the
    classes an entry point could name but the loader never reaches (such as
    neutron-fwaas's ``Standard_attr_fwaas``). This second run cannot change
    what the load recorded.
    """
    from importlib import util

    from neutron_lib.api.extensions import (  # type: ignore[import-not-found]
        ExtensionDescriptor,
    )

    stem = os.path.splitext(os.path.basename(path))[0]
    spec = util.spec_from_file_location(stem, path)
    assert spec is not None and spec.loader is not None
    module = util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        record["never_loaded_error"] = repr(exc)
        return
    kept = {item["class"] for item in record["loaded"]}
    record["never_loaded"] = sorted(
        attr
        for attr, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, ExtensionDescriptor)
        and value.__module__ == stem
        and value.__name__ == attr
        and attr not in kept
    )


def main(path: str, out: str) -> None:
    """Load PATH with Neutron's ExtensionManager; write the record to OUT."""
    from neutron.api import extensions  # type: ignore[import-not-found]

    files: dict[str, dict[str, Any]] = {}
    current: list[str] = []
    directory: list[str] = []

    def entry() -> dict[str, Any]:
        return files.setdefault(current[-1], {"status": "attempted", "loaded": []})

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            template = str(record.msg)
            if template.startswith("Loading extension file:"):
                name = str(record.args[0])  # type: ignore[index]
                current.append(os.path.join(directory[-1], name))
            elif not current:
                return
            elif template.startswith("Did not find expected name"):
                entry().update(status="skipped", reason=record.getMessage())
            elif "wasn't loaded due to" in template:
                entry().update(status="failed", reason=record.getMessage())
            elif template.startswith("Exception loading extension"):
                exc = record.exc_info[1] if record.exc_info else None
                entry().update(status="rejected", reason=f"{template}: {exc!r}")

    class RecordingManager(extensions.ExtensionManager):  # type: ignore[misc]
        def _load_all_extensions_from_path(self, path: str) -> None:
            directory.append(path)
            super()._load_all_extensions_from_path(path)

        def add_extension(self, ext: Any) -> None:
            before = {id(v) for v in self.extensions.values()}
            try:
                super().add_extension(ext)
            finally:
                kept = id(ext) not in before and any(v is ext for v in self.extensions.values())
                try:
                    alias = ext.get_alias()
                except Exception as exc:
                    alias = None
                    entry()["alias_error"] = repr(exc)
                item = {"class": type(ext).__name__, "alias": alias}
                if kept:
                    entry()["status"] = "loaded"
                    entry()["loaded"].append(item)
                else:
                    entry()["refused"] = item
                    if entry()["status"] == "attempted":
                        entry().update(
                            status="rejected",
                            reason="_check_extension returned False: "
                            "not a neutron_lib ExtensionDescriptor",
                        )

    logger = logging.getLogger(extensions.__name__)
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Recorder())
    RecordingManager(path)
    for name, record in files.items():
        if record["status"] in ("loaded", "skipped"):
            _other_descriptors(name, record)
    for listed in directory:
        for name in sorted(os.listdir(listed)):
            full = os.path.join(listed, name)
            if name.endswith(".py") and full not in files:
                files[full] = {"status": "not-attempted", "loaded": []}
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"loader": "neutron.api.extensions.ExtensionManager", "files": files}, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
