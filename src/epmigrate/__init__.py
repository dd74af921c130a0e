"""epmigrate: move plugin systems from legacy path scanning to entry points.

The package has three parts that share one data model (:mod:`epmigrate.model`)
and one set of legacy-loader profiles (:mod:`epmigrate.profiles`):

* the static scanner (:mod:`epmigrate.scan`), which predicts what a legacy
  loader would load without running any scanned code;
* the rewriters (:mod:`epmigrate.write`), which add entry points to setup.cfg,
  pyproject.toml or setup.py and change nothing else;
* the hybrid loader (:mod:`epmigrate.loader`), stevedore managers that load
  entry points first and fall back to the legacy path.

What a user may import is named in :mod:`epmigrate.api` (``from epmigrate.api
import scan, prepare_write, HybridExtensionManager``); every other module is
internal. This module stays import-light: the runtime loader imports it, so
it must not pull in libcst, click or tomlkit.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
