"""The ``epmigrate`` command: click commands only, over library functions.

Domain errors (:class:`~epmigrate.errors.EpmigrateError`) become
``click.ClickException`` here and nowhere else.
"""

from __future__ import annotations

import click

from epmigrate import __version__
from epmigrate.errors import EpmigrateError
from epmigrate.profiles import available_profiles


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="epmigrate")
def cli() -> None:
    """Move plugin systems from legacy path scanning to entry points."""


@cli.command("profiles")
def profiles_command() -> None:
    """List the installed legacy-loader profiles, one line each."""
    try:
        found = available_profiles()
    except EpmigrateError as exc:
        raise click.ClickException(str(exc)) from exc
    width = max((len(n) for n in found), default=0)
    for name, profile in found.items():
        click.echo(f"{name:<{width}}  {profile.summary}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="epmigrate")
