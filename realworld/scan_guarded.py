"""Run ``epmigrate scan`` in this interpreter and prove it ran none of a tree's code.

Usage: ``python scan_guarded.py ROOT SCAN-ARGS...``. An audit hook records
every code object executed from a file under ROOT (Python raises the
``exec`` audit event for each module it imports and for each ``exec()``);
after the scan, every module in ``sys.modules`` whose file lies under ROOT
counts too. Any of either makes this exit 3 and name them on stderr;
otherwise the exit status is the scan's. (Source text passed to ``exec``
as a string would be compiled under another file name and escape the hook;
the scanner's own test, ``tests/scan/test_no_execution.py``, covers that.)
"""

from __future__ import annotations

import os
import sys
from typing import Any


def main() -> int:
    """Scan with the guard on; the scan's exit status, or 3 when tree code ran."""
    roots = tuple({os.path.abspath(sys.argv[1]) + os.sep, os.path.realpath(sys.argv[1]) + os.sep})
    ran: list[str] = []

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "exec" and args:
            filename = getattr(args[0], "co_filename", "")
            if isinstance(filename, str) and filename.startswith(roots):
                ran.append(filename)

    sys.addaudithook(hook)
    sys.argv = ["epmigrate", "scan", *sys.argv[2:]]
    from epmigrate.cli import main as cli_main

    status = 0
    try:
        cli_main()
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None)
        if isinstance(filename, str) and filename.startswith(roots):
            ran.append(f"{filename} (module {name})")
    if ran:
        sys.stdout.flush()
        print("the scan ran code of the scanned tree:", file=sys.stderr)
        for item in sorted(set(ran)):
            print(f"  {item}", file=sys.stderr)
        return 3
    return status


if __name__ == "__main__":
    sys.exit(main())
