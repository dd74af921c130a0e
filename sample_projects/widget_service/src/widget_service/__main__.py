"""``python -m widget_service list-extensions``: what the API would serve.

Prints one row per loaded extension: its name, its alias and where it came
from (an entry point of an installed distribution, or a legacy file).
Warnings about legacy files go to stderr through logging.
"""

import argparse
import logging
import os
import sys

from widget_service.api import extensions

PATH_ENV = "WIDGET_API_EXTENSIONS_PATH"


def split_paths(values):
    """Directories from ``:``-joined values, as in the service configuration."""
    return [d for value in values for d in value.split(":") if d]


def origin_text(origin):
    if origin.is_legacy:
        return f"legacy {origin.path}"
    if origin.distribution:
        return f"entry point {origin.distribution} {origin.version}"
    return f"entry point {origin.target}"


def list_extensions(paths, out):
    manager = extensions.extension_manager(paths)
    rows = [("NAME", "ALIAS", "ORIGIN")]
    for ext in sorted(manager.extensions, key=lambda e: e.name):
        rows.append((ext.name, ext.obj.get_alias(), origin_text(manager.origin(ext))))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for name, alias, origin in rows:
        out.write(f"{name:<{widths[0]}}  {alias:<{widths[1]}}  {origin}\n")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m widget_service")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser(
        "list-extensions", help="list the API extensions the service loads"
    )
    listing.add_argument(
        "--legacy-path",
        action="append",
        metavar="DIR",
        help="extra legacy extension directory; repeatable, or joined with ':' "
        f"(default: ${PATH_ENV})",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    given = args.legacy_path if args.legacy_path is not None else [os.environ.get(PATH_ENV, "")]
    return list_extensions(split_paths(given), sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
