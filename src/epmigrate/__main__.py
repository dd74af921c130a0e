"""The ``epmigrate`` console script and ``python -m epmigrate``.

``epmigrate --version`` is answered here, before click and the command
modules are imported: a version check (in a CI step, a pre-commit hook or a
packaging script) then costs little more than starting Python. So is a scan
whose output the cache holds and whose files are unchanged
(:mod:`epmigrate.quick`). Every other invocation goes to
:func:`epmigrate.cli.main`, whose ``--version`` prints the same line (a test
compares the two) and whose ``scan`` prints what a replay would.
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
    """Run the command line; ``--version`` and a scan the cache answers go without click."""
    argv = sys.argv[1:]
    if argv == ["--version"]:
        sys.stdout.write(VERSION_MESSAGE.format(version=__version__) + "\n")
        return
    if argv[:1] == ["scan"]:
        from epmigrate.quick import answer

        try:
            code = answer(argv)
        except KeyboardInterrupt:
            sys.stderr.write("Aborted!\n")  # as click's main says it
            sys.exit(1)
        if code is not None:
            sys.exit(code)
    from epmigrate.cli import main as cli_main

    cli_main(argv)


if __name__ == "__main__":
    main()
