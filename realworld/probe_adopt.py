"""Build a service's own extension manager and record what it loaded.

Runs inside a service's virtualenv (``adopt.py`` starts it), never in
epmigrate's environment. Usage: ``python probe_adopt.py SERVICE PATH OUT``:

- ``neutron``: ``neutron.api.extensions.ExtensionManager(PATH)``, PATH one
  directory or several joined with ``:``, as neutron-server builds it;
- ``cinder`` or ``manila``: ``<service>.objects.register_all()``, then
  ``<service>.api.extensions.ExtensionManager()``, which loads
  ``osapi_volume_extension`` (``standard_extensions``: its ``api/contrib``);
  PATH is ignored (``-``).

The manager is the service's own class, patched or not: nothing is
subclassed. OUT gets, per alias, the class's module and name; every
warning logged while loading (the service's own lines and epmigrate's);
and the messages of the ``LegacyExtensionWarning``\\ s raised. ``OUT`` may be
``-`` to write nothing (the start-up timing runs this same file).
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import warnings
from typing import Any


def main(service: str, path: str, out: str) -> None:
    """Build SERVICE's manager on PATH; write the record to OUT."""
    logged: list[str] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append(f"{record.levelname} {record.name}: {record.getMessage()}")

    handler = Recorder(level=logging.WARNING)
    logging.getLogger().addHandler(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if service == "neutron":
            from neutron.api import extensions  # type: ignore[import-not-found]

            manager: Any = extensions.ExtensionManager(path)
        else:
            importlib.import_module(f"{service}.objects").register_all()
            module = importlib.import_module(f"{service}.api.extensions")
            manager = module.ExtensionManager()
    if out == "-":
        return
    loaded = {
        alias: f"{type(ext).__module__}:{type(ext).__qualname__}"
        for alias, ext in sorted(manager.extensions.items())
    }
    legacy = [
        str(w.message) for w in caught if type(w.message).__name__ == "LegacyExtensionWarning"
    ]
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"loaded": loaded, "logged": logged, "legacy_warnings": legacy}, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
