"""The ``epmigrate`` console script and ``python -m epmigrate``.

``epmigrate --version`` is answered here, before click and the command
modules are imported: a version check (in a CI step, a pre-commit hook or a
packaging script) then costs little more than starting Python. Every other
invocation goes to :func:`epmigrate.cli.main`, whose ``--version`` prints the
same line (a test compares the two).
"""

from __future__ import annotations

import sys

from epmigrate import __version__

__all__ = [
    "VERSION_MESSAGE",
    "main",
]


VERSION_MESSAGE = "epmigrate, version {version}"
"""click's ``version_option`` message, with the program name filled in."""


def main() -> None:
    """Run the command line; ``--version`` alone is answered without click."""
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(VERSION_MESSAGE.format(version=__version__) + "\n")
        return
    from epmigrate.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
