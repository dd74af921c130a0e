"""Run a service's own unit tests and record each test's outcome.

Runs inside a service's virtualenv (``adopt.py`` starts it). Usage:
``python run_tests.py OUT.json NAME...``, each NAME a test module or a
package (every ``test_*`` module below it). The tests run with the standard
library's runner, as ``python -m unittest`` runs them (the services' tests
are testtools cases, which it runs); OUT gets ``{test id: outcome}``,
outcome one of ``pass``, ``fail``, ``error``, ``skip``, ``xfail``,
``xpass``.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import unittest
from typing import Any, ClassVar


def _modules(name: str) -> list[str]:
    module = importlib.import_module(name)
    if not hasattr(module, "__path__"):
        return [name]
    found = []
    for info in pkgutil.walk_packages(module.__path__, prefix=f"{name}."):
        if info.name.rpartition(".")[2].startswith("test_") and not info.ispkg:
            found.append(info.name)
    return sorted(found)


class Recording(unittest.TextTestResult):
    """A text result that also keeps each test's outcome by id."""

    outcomes: ClassVar[dict[str, str]] = {}

    def _note(self, test: Any, outcome: str) -> None:
        self.outcomes[test.id()] = outcome

    def addSuccess(self, test: Any) -> None:
        super().addSuccess(test)
        self._note(test, "pass")

    def addFailure(self, test: Any, err: Any) -> None:
        super().addFailure(test, err)
        self._note(test, "fail")

    def addError(self, test: Any, err: Any) -> None:
        super().addError(test, err)
        self._note(test, "error")

    def addSkip(self, test: Any, reason: str) -> None:
        super().addSkip(test, reason)
        self._note(test, "skip")

    def addExpectedFailure(self, test: Any, err: Any) -> None:
        super().addExpectedFailure(test, err)
        self._note(test, "xfail")

    def addUnexpectedSuccess(self, test: Any) -> None:
        super().addUnexpectedSuccess(test)
        self._note(test, "xpass")


def main(out: str, names: list[str]) -> None:
    """Run the tests of NAMES; write their outcomes to OUT."""
    loader = unittest.defaultTestLoader
    suite = unittest.TestSuite()
    for name in names:
        for module in _modules(name):
            try:
                suite.addTests(loader.loadTestsFromName(module))
            except Exception as exc:  # a module that cannot be imported fails as a whole
                Recording.outcomes[module] = f"import-error: {type(exc).__name__}: {exc}"
    with open(os.devnull, "w") as quiet:
        runner = unittest.TextTestRunner(stream=quiet, resultclass=Recording, verbosity=0)
        runner.run(suite)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(dict(sorted(Recording.outcomes.items())), fh, indent=0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
