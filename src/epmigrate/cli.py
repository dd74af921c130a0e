"""The ``epmigrate`` command: click commands only, over library functions.

Domain errors (:class:`~epmigrate.errors.EpmigrateError`) become
``click.ClickException`` here and nowhere else.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import click
import click._termui_impl

from epmigrate import __version__
from epmigrate.errors import EpmigrateError
from epmigrate.profiles import available_profiles

PROGRESS_MIN_FILES = 50
"""Show a progress bar on a terminal when a scan reads at least this many files."""


class UsageError(click.UsageError):
    """Exit 2 with a message (a missing path, a bad option)."""


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


class _Progress:
    """A progress bar on stderr, opened once the scan knows it is long."""

    def __init__(self) -> None:
        self.bar: click._termui_impl.ProgressBar[int] | None = None

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="scanning", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(1)
        if done == total:
            self.bar.__exit__(None, None, None)


def _progress() -> Callable[[int, int], None] | None:
    return _Progress() if sys.stderr.isatty() else None


def scan_options(func: Callable[..., None]) -> Callable[..., None]:
    """The options ``scan`` and ``write`` share."""
    for option in reversed(
        [
            click.option(
                "--profile",
                default="neutron",
                show_default=True,
                help="Legacy loader rules (see 'epmigrate profiles').",
            ),
            click.option(
                "--base",
                "bases",
                multiple=True,
                metavar="QUALNAME",
                help="Extension base class; repeatable; replaces the profile's defaults.",
            ),
            click.option(
                "--search-path",
                multiple=True,
                metavar="DIR",
                help="Directory to resolve imports in, before the defaults; repeatable.",
            ),
            click.option("--group", help="Entry-point group [default: from the profile]."),
            click.option("--no-cache", is_flag=True, help="Do not read or write the cache."),
        ]
    ):
        func = option(func)
    return func


@cli.command("scan")
@click.argument("paths", nargs=-1, required=True)
@scan_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "ini"]),
    default="text",
    show_default=True,
    help="Report format; ini prints the setup.cfg section to paste.",
)
def scan_command(
    paths: Sequence[str],
    profile: str,
    bases: Sequence[str],
    search_path: Sequence[str],
    group: str | None,
    no_cache: bool,
    fmt: str,
) -> None:
    """Find every extension a legacy loader would load in PATH, without running it.

    PATH is a directory, or several joined with ':' as in a service config.
    Exit status: 0 no error findings, 1 error findings, 2 usage error.
    """
    from epmigrate.scan import Cache, ScanError, report, scan

    try:
        result = scan(
            list(paths),
            profile,
            bases=bases,
            search_path=search_path,
            group=group,
            cache=None if no_cache else Cache(),
            progress=_progress(),
        )
    except (ScanError, EpmigrateError) as exc:
        raise UsageError(str(exc)) from exc
    if fmt == "json":
        click.echo(report.render_json(result), nl=False)
    elif fmt == "ini":
        section = report.setup_cfg_section(result.paths[0])
        click.echo(report.render_ini(result, section), nl=False)
    else:
        click.echo(report.render_text(result), nl=False)
    sys.exit(1 if result.has_errors else 0)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="epmigrate")
