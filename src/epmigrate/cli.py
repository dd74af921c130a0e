"""The ``epmigrate`` command: click commands only, over library functions.

Domain errors (:class:`~epmigrate.errors.EpmigrateError`) become
``click.ClickException`` here and nowhere else.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import click

from epmigrate import __version__
from epmigrate.__main__ import VERSION_MESSAGE
from epmigrate.errors import EpmigrateError

if TYPE_CHECKING:
    from typing import Any

    import click._termui_impl

    from epmigrate.config import Defaults
    from epmigrate.model import Finding
    from epmigrate.scan import ScanResult
    from epmigrate.write.metadata import MetadataCheck, Session
    from epmigrate.write.run import Request


__all__ = [
    "PROGRESS_MIN_FILES",
    "UsageError",
    "adopt_command",
    "cli",
    "fix_callers_command",
    "main",
    "move_command",
    "profiles_command",
    "scan_command",
    "scan_options",
    "verify_command",
    "write_command",
]


PROGRESS_MIN_FILES = 50
"""Show a progress bar on a terminal when a scan reads at least this many files."""


class UsageError(click.UsageError):
    """Exit 2 with a message (a missing path, a bad option)."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, prog_name="epmigrate", message=VERSION_MESSAGE.replace("{version}", "%(version)s")
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Move plugin systems from legacy path scanning to entry points."""
    if os.environ.get("FORCE_COLOR") and not os.environ.get("NO_COLOR"):
        # click strips colour from what is not a terminal unless told otherwise.
        ctx.color = True


@cli.command("profiles")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format; json prints one document on stdout (docs/profiles.md).",
)
def profiles_command(fmt: str) -> None:
    """List the installed legacy-loader profiles, one line each."""
    from epmigrate.profiles import available_profiles

    try:
        found = available_profiles()
    except EpmigrateError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        import json

        document = {
            "schema": 1,
            "profiles": [
                {
                    "name": name,
                    "summary": profile.summary,
                    "recursive": profile.recursive,
                    "import_by": profile.import_by,
                    "default_bases": list(profile.default_bases),
                    "group_template": profile.group_template,
                    "services": list(profile.services),
                }
                for name, profile in found.items()
            ],
        }
        click.echo(json.dumps(document, indent=2))
        return
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
            click.option(
                "--max-parse-memory",
                type=click.IntRange(min=0),
                metavar="MIB",
                expose_value=False,
                callback=_parse_memory,
                help="Address space one large file's parse may add, in MiB; 0 for no bound "
                "[default: $EPMIGRATE_PARSE_MEMORY, else 2048].",
            ),
            click.option(
                "--follow-links",
                is_flag=True,
                expose_value=False,
                callback=_follow_links,
                help="Read (and write) a setup.cfg or pyproject.toml that is a link out of "
                "the project.",
            ),
        ]
    ):
        func = option(func)
    return func


def _parse_memory(ctx: click.Context, _param: click.Parameter, value: int | None) -> None:
    # For the rest of this command only (epmigrate.scan.limits).
    if value is not None:
        from epmigrate.scan.limits import parse_memory

        ctx.with_resource(parse_memory(value))


def _follow_links(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # For the rest of this command only (fileio.following_links).
    if value:
        from epmigrate.fileio import following_links

        ctx.with_resource(following_links())


@cli.command("scan")
@click.argument("paths", nargs=-1)
@scan_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "entry-points", "ini"]),
    default="text",
    show_default=True,
    help="Report format; entry-points (or ini) prints the entry points to paste, in the "
    "syntax of the file the build reads.",
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
    Defaults (PATH too) come from [tool.epmigrate] in ./pyproject.toml or
    [tool:epmigrate] in ./setup.cfg. Exit status: 0 no error findings, 1 error
    findings, 2 usage error.
    """
    from epmigrate.model import Severity
    from epmigrate.scan import Cache, report, scan

    warned: list[str] = []
    cache = None if no_cache else Cache()
    replay_key = None
    argv = click.get_current_context().find_root().obj
    if cache is not None and isinstance(argv, list):
        # Taken before the settings are read and stdout reconfigured: what a
        # replay of this command (epmigrate.quick) will look up.
        from epmigrate import quick

        replay_key = quick.output_key(argv)
    try:
        settings = _project_settings(
            ".", paths, profile, bases, search_path, group, tolerate_config=warned
        )
        if not settings.paths:
            raise UsageError("no directory to scan: pass PATH or set paths in [tool.epmigrate]")
        chosen: dict[str, Any] = {
            "paths": list(settings.paths),
            "profile": settings.profile or profile,
            "bases": list(settings.bases),
            "search_path": list(settings.search_path),
            "group": settings.group,
        }
        result = scan(
            chosen["paths"],
            chosen["profile"],
            bases=chosen["bases"],
            search_path=chosen["search_path"],
            group=chosen["group"],
            cache=cache,
            progress=_progress(),
        )
        if not settings.group:
            result = _mark_guessed_group(result, settings.profile or profile, settings.bases)
        snippet = ""
        if fmt in ("ini", "entry-points"):
            from epmigrate.write import snippet as snippets

            snippet = snippets.render_entry_points(
                snippets.for_scan(result.paths[0]),
                result.group,
                result.entry_points,
                result.unverified,
            )
    except EpmigrateError as exc:
        raise UsageError(str(exc)) from exc
    if fmt != "json" and hasattr(sys.stdout, "reconfigure"):
        # A name the locale's encoding cannot spell is escaped, not a crash.
        sys.stdout.reconfigure(errors="backslashreplace")
    err = ""
    if fmt == "json":
        out = report.render_json(result)
    elif snippet:
        out = snippet
        # The section has no room for findings: warnings and errors go to stderr.
        err = "".join(
            report.finding_line(f, colour=_colour_err()) + "\n"
            for f in result.findings
            if f.severity is not Severity.INFO
        )
    else:
        from epmigrate import term

        out = report.render_text(result, width=term.width(), colour=term.colour_on())
    click.echo(out, nl=False)
    if err:
        click.echo(err, err=True, nl=False)
    code = 1 if result.has_errors else 0
    if cache is not None and not warned:
        # The next identical command is answered before click is imported.
        from epmigrate import quick

        quick.remember(cache, replay_key, chosen, out, err, code, reconfigure=fmt != "json")
    sys.exit(code)


@cli.command("write")
@click.argument("target", required=False)
@click.option(
    "--path",
    "paths",
    multiple=True,
    metavar="DIR",
    help="Legacy extension directory to scan; repeatable [default: from the project].",
)
@scan_options
@click.option(
    "--name",
    "name_style",
    type=click.Choice(["stem", "alias"]),
    help="Entry-point names: the file stem (Trove's convention) or the alias.  [default: stem]",
)
@click.option("--dry-run", "--diff", "dry_run", is_flag=True, help="Print the diff; write nothing.")
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 when the file would change (for CI)."
)
@click.option("--replace", is_flag=True, help="Re-point entries of the same name elsewhere.")
@click.option(
    "--force", is_flag=True, help="Write to TARGET even if the build ignores it or it is read-only."
)
@click.option(
    "--allow-unverified",
    is_flag=True,
    help="Exit 0 although some extensions could not be verified (they get no entry point).",
)
@click.option(
    "--new-package",
    metavar="DIST_NAME",
    help="Make the loose files of --path an installable package in TARGET (a new directory).",
)
@click.option(
    "--metadata",
    is_flag=True,
    help="Check with the project's own build backend that the built metadata carries the "
    "plan (docs/cli.md); write only if it does.",
)
@click.option(
    "--no-isolation",
    is_flag=True,
    help="With --metadata: run the backend in this environment, not an isolated one.",
)
@click.option(
    "--installer",
    type=click.Choice(["pip", "uv"]),
    default="pip",
    show_default=True,
    help="With --metadata: what installs the isolated build environment.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="With --metadata: stop the backend after this long.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format; json prints one document on stdout (docs/write-json.md).",
)
def write_command(
    target: str | None,
    paths: Sequence[str],
    profile: str,
    bases: Sequence[str],
    search_path: Sequence[str],
    group: str | None,
    no_cache: bool,
    name_style: str | None,
    dry_run: bool,
    check: bool,
    replace: bool,
    force: bool,
    allow_unverified: bool,
    new_package: str | None,
    metadata: bool,
    no_isolation: bool,
    installer: str,
    timeout: float,
    fmt: str,
) -> None:
    """Write entry points for the extensions found in the legacy directories.

    TARGET is setup.cfg, pyproject.toml or setup.py; without it, epmigrate
    writes to the file the build reads and says why. Defaults come from
    [tool.epmigrate] in pyproject.toml or [tool:epmigrate] in setup.cfg.

    With --metadata, the project's build backend builds its metadata before
    and after the change (on copies of the project): the write happens only
    when the metadata would carry every planned entry point and keep the rest.

    Exit status: 0 written or nothing to change, 1 error (or, with --check,
    the file would change; or the scan has error findings or extensions it
    could not verify, unless --allow-unverified: the other files' entry points
    are still written, the findings listed on stderr; or, with --metadata, the
    built metadata would not carry the plan), 2 usage error.
    """
    import os

    from epmigrate.scan import Cache
    from epmigrate.term import colour_on, coloured_diff, plural, shown
    from epmigrate.write import newpackage, run

    root = os.path.dirname(os.path.abspath(target)) if target and not new_package else "."
    try:
        settings = _project_settings(root, paths, profile, bases, search_path, group)
        request = run.Request(
            root=root,
            paths=settings.paths,
            profile=settings.profile or profile,
            target=target,
            group=settings.group,
            bases=settings.bases,
            search_path=settings.search_path,
            name_style=name_style or settings.name or "stem",
            replace=replace,
            force=force,
            cache=None if no_cache else Cache(),
        )
        if not request.paths:
            raise UsageError(
                "no directory to scan: pass --path DIR or set paths in [tool.epmigrate]"
            )
        if not request.group and not new_package:
            from epmigrate.groups import foreign_bases

            foreign = foreign_bases(request.paths, request.profile, request.bases)
            if foreign is not None:
                raise UsageError(
                    f"no group configured, and {foreign.message}\n  hint: {foreign.hint}"
                )
        build = (
            _BuildCheck(isolated=not no_isolation, installer=installer, timeout=timeout)
            if metadata
            else None
        )
        if build is None and (no_isolation or _given("installer") or _given("timeout")):
            raise UsageError("--no-isolation, --installer and --timeout need --metadata")
        if build is not None and not new_package:
            build = _open_session(build, root)
        if fmt == "json":
            if new_package:
                raise UsageError("--format json does not apply to --new-package")
            _write_json(
                request,
                dry_run=dry_run,
                check=check,
                allow_unverified=allow_unverified,
                build=build,
            )
        if new_package and build is not None:
            raise UsageError("--metadata does not apply to --new-package")
        if new_package:
            if not target:
                raise UsageError("--new-package needs TARGET, the directory to create")
            if not request.group:
                raise UsageError("--new-package needs --group: the service's entry-point group")
            made = newpackage.create(
                new_package,
                request.paths,
                target,
                group=request.group,
                profile=request.profile,
                bases=request.bases,
                search_path=request.search_path,
                name_style=request.name_style,
                cache=request.cache,
            )
            from epmigrate.term import pip_path

            click.echo(
                f"created {shown(made.root)}: package {made.package} with "
                f"{plural(len(made.entry_points), 'entry point')}; install it with: "
                f"pip install {pip_path(made.root)}"
            )
            unverified = _unverified(made.scan) if made.scan else 0
            _closing(0, unverified, allow_unverified)
            if unverified and not allow_unverified:
                sys.exit(1)
            return
        outcome = run.prepare(request)
    except EpmigrateError as exc:
        raise click.ClickException(str(exc)) from exc
    errors = _scan_errors(outcome.scan)
    unverified = _unverified(outcome.scan)
    _print_traps(outcome.traps)
    failed = bool(errors) or (bool(unverified) and not allow_unverified)
    if not dry_run and not check:
        click.echo(f"target: {outcome.target.where}: {outcome.target.reason}", err=True)
    if build is not None:
        try:
            built = run.check_metadata(
                outcome,
                isolated=build.isolated,
                installer=build.installer,
                timeout=build.timeout,
                session=build.session,
            )
        except EpmigrateError as exc:
            raise click.ClickException(str(exc)) from exc
        _print_metadata(built, writing=not dry_run and not check)
        if not built.ok:
            if dry_run or check:
                click.echo(coloured_diff(outcome.diff(), colour_on()), nl=False)
            _closing(errors, unverified, allow_unverified)
            sys.exit(1)
    if dry_run or check:
        click.echo(coloured_diff(outcome.diff(), colour_on()), nl=False)
        if check and outcome.changed:
            click.echo(
                f"{shown(outcome.target.path)} would change: "
                f"{plural(outcome.added, 'entry point')} to write; "
                "run 'epmigrate write' to write them",
                err=True,
            )
            _closing(errors, unverified, allow_unverified)
            sys.exit(1)
        _closing(errors, unverified, allow_unverified)
        if failed:
            sys.exit(1)
        return
    try:
        outcome = run.commit(outcome)
    except EpmigrateError as exc:
        raise click.ClickException(str(exc)) from exc
    if outcome.changed:
        click.echo(f"wrote {plural(outcome.added, 'entry point')} to {outcome.target.where}")
    elif len(outcome.specs) == 1:
        click.echo(f"{outcome.target.where} already has its 1 entry point")
    else:
        click.echo(f"{outcome.target.where} already has all {len(outcome.specs)} entry points")
    _closing(errors, unverified, allow_unverified)
    if failed:
        sys.exit(1)


@dataclass(frozen=True)
class _BuildCheck:
    """How ``write --metadata`` runs the backend, and its session once opened."""

    isolated: bool
    installer: str
    timeout: float
    session: Session | None = None


def _open_session(build: _BuildCheck, root: str) -> _BuildCheck:
    """Start the backend on the project now, while the scan runs; closed with the command."""
    from dataclasses import replace

    from epmigrate.write.metadata import Session

    session = Session(
        root, isolated=build.isolated, installer=build.installer, timeout=build.timeout
    )
    session.__enter__()
    click.get_current_context().call_on_close(lambda: session.__exit__(None, None, None))
    return replace(build, session=session)


def _given(param: str) -> bool:
    """Whether ``param`` was set on the command line (not left at its default)."""
    source = click.get_current_context().get_parameter_source(param)
    return source is click.core.ParameterSource.COMMANDLINE


def _print_traps(found: Sequence[Finding]) -> None:
    """The packaging traps on stderr, as ``scan`` words findings."""
    from epmigrate.scan.report import finding_line

    for f in found:
        click.echo(finding_line(f, colour=_colour_err()), err=True)


def _print_metadata(built: MetadataCheck, *, writing: bool) -> None:
    """What the backend's metadata says about the plan, on stderr."""
    from epmigrate.term import plural

    where = "an isolated build environment" if built.isolated else "this environment"
    head = f"metadata: {built.backend} in {where} ({built.seconds:.1f} s): "
    if built.ok:
        kept = len(built.before)
        click.echo(
            head
            + f"the built metadata carries all {plural(len(built.planned), 'planned entry point')}"
            f" and keeps the {plural(kept, 'entry point')} it had",
            err=True,
        )
        return
    click.echo(
        head + f"the built metadata would not carry the plan "
        f"({plural(len(built.differences), 'difference')}):",
        err=True,
    )
    for diff in built.differences:
        click.echo(f"  {diff.describe()}", err=True)
    if writing:
        click.echo("nothing was written", err=True)


def _write_json(
    request: Request,
    *,
    dry_run: bool,
    check: bool,
    allow_unverified: bool,
    build: _BuildCheck | None = None,
) -> None:
    """``write --format json``: the same decisions and exit status, one document on stdout."""
    from dataclasses import replace

    from epmigrate.errors import ConflictError
    from epmigrate.write import report, run

    mode = "check" if check else "dry-run" if dry_run else "write"
    try:
        outcome = run.prepare(request)
    except ConflictError as exc:
        # Plan it again re-pointing the conflicts, to name every one of them.
        try:
            planned = run.prepare(replace(request, replace=True))
        except EpmigrateError:
            click.echo(
                report.render_document(report.error_json(exc, mode=mode, exit_code=1)), nl=False
            )
            sys.exit(1)
        conflicts = [r for p in planned.edit.plans for r in p.replace]
        doc = report.outcome_json(
            planned, mode=mode, written=False, exit_code=1, conflicts=conflicts
        )
        doc["error"] = report.error_json(exc, mode=mode, exit_code=1)["error"]
        click.echo(report.render_document(doc), nl=False)
        sys.exit(1)
    except EpmigrateError as exc:
        click.echo(report.render_document(report.error_json(exc, mode=mode, exit_code=1)), nl=False)
        sys.exit(1)
    result = outcome.scan
    failed = result.has_errors or (bool(result.unverified) and not allow_unverified)
    written = False
    built = None
    if build is not None:
        try:
            built = run.check_metadata(
                outcome,
                isolated=build.isolated,
                installer=build.installer,
                timeout=build.timeout,
                session=build.session,
            )
        except EpmigrateError as exc:
            doc = report.outcome_json(outcome, mode=mode, written=False, exit_code=1)
            doc["error"] = report.error_json(exc, mode=mode, exit_code=1)["error"]
            click.echo(report.render_document(doc), nl=False)
            sys.exit(1)
        if not built.ok:
            doc = report.outcome_json(outcome, mode=mode, written=False, exit_code=1, built=built)
            click.echo(report.render_document(doc), nl=False)
            sys.exit(1)
    if mode == "write":
        try:
            run.commit(outcome)
        except EpmigrateError as exc:
            click.echo(
                report.render_document(report.error_json(exc, mode=mode, exit_code=1)), nl=False
            )
            sys.exit(1)
        written = outcome.changed
    code = 1 if failed or (mode == "check" and outcome.changed) else 0
    doc = report.outcome_json(
        outcome, mode=mode, written=written, exit_code=code, replace=request.replace, built=built
    )
    click.echo(report.render_document(doc), nl=False)
    sys.exit(code)


def _mark_guessed_group(result: ScanResult, profile: str, bases: Sequence[str]) -> ScanResult:
    """The scan with an EPM201 finding when its default group is the plugin's own."""
    from dataclasses import replace

    from epmigrate.groups import foreign_bases
    from epmigrate.scan import codes

    foreign = foreign_bases(result.paths, profile, bases)
    if foreign is None:
        return result
    finding = codes.group_guessed(result.paths[0], f"{foreign.message}; {foreign.hint}")
    return replace(result, findings=(*result.findings, finding))


def _closing(errors: int, unverified: int, allowed: bool) -> None:
    """The closing lines on stderr for error findings and unverified extensions."""
    from epmigrate.term import plural

    if errors:
        click.echo(
            f"{plural(errors, 'error finding')} above: the legacy loader fails on "
            f"{'it' if errors == 1 else 'them'} too (files it "
            "cannot run get no entry point); fix "
            f"{'it' if errors == 1 else 'them'} and run 'epmigrate write' again",
            err=True,
        )
    if unverified:
        if allowed:
            effect = "left out, as --allow-unverified asks"
        else:
            effect = (
                "left out, so the migration is incomplete; fix them, or pass "
                "--allow-unverified to accept the partial write"
            )
        click.echo(
            f"{plural(unverified, 'extension')} above could not be verified and got no "
            "entry point: "
            f"{effect}",
            err=True,
        )


def _unverified(result: ScanResult) -> int:
    """Name each unverified extension on stderr with its reason and the fix; their count."""
    from epmigrate.scan import codes
    from epmigrate.term import shown
    from epmigrate.write.run import unverified_hint

    unverified = result.unverified
    if not unverified:
        return 0
    reasons = {
        (f.path, f.line): f.message
        for f in result.findings
        if f.code in (codes.BASE_UNRESOLVED, codes.DECORATED)
    }
    for ext in unverified:
        reason = reasons.get((ext.path, ext.line), ext.alias_reason or "no reason known")
        click.echo(f"{shown(ext.path)}:{ext.line}: unverified {ext.class_name}: {reason}", err=True)
    click.echo(f"hint: {unverified_hint(result)}", err=True)
    return len(unverified)


def _project_settings(
    root: str,
    paths: Sequence[str],
    profile: str,
    bases: Sequence[str],
    search_path: Sequence[str],
    group: str | None,
    *,
    tolerate_config: list[str] | None = None,
) -> Defaults:
    """The scan settings: command-line values over the project's [tool.epmigrate].

    With ``tolerate_config`` (a list) and PATH given, a project table that
    cannot be read is a warning, printed and added to the list.
    """
    from dataclasses import replace

    from epmigrate.config import Defaults, load

    try:
        defaults = load(root)
    except EpmigrateError as exc:
        if tolerate_config is None or not paths:
            raise
        # PATH was given: the project's table is only a source of defaults.
        warning = f"warning: project settings ignored: {exc.message}"
        click.echo(warning, err=True)
        tolerate_config.append(warning)
        defaults = Defaults()
    profile_set = click.get_current_context().get_parameter_source("profile")
    return replace(
        defaults,
        paths=list(paths) or defaults.paths,
        profile=defaults.profile
        if defaults.profile and profile_set is click.core.ParameterSource.DEFAULT
        else profile,
        group=group or defaults.group,
        bases=list(bases) or defaults.bases,
        search_path=list(search_path) or defaults.search_path,
    )


def _scan_errors(result: ScanResult) -> int:
    """Print the scan's error findings on stderr, as ``scan`` words them; their count."""
    from epmigrate.model import Severity
    from epmigrate.scan.report import finding_line

    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    for f in errors:
        click.echo(finding_line(f, colour=_colour_err()), err=True)
    return len(errors)


def _json_error(exc: EpmigrateError, **where: str) -> NoReturn:
    """The ``--format json`` document of a command that stopped on ``exc``; exit 1."""
    import json

    error = {"message": exc.message, "path": exc.path, "line": exc.line, "hint": exc.hint}
    click.echo(json.dumps({"schema": 1, **where, "status": "error", "error": error}))
    sys.exit(1)


def _colour_err() -> bool:
    """Colour on stderr: only on a terminal and without NO_COLOR."""
    from epmigrate.term import colour_on

    return colour_on(sys.stderr)


class _VerifyAbort(click.ClickException):
    exit_code = 2


@cli.command("adopt")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--profile",
    default=None,
    help="The loader's rules [default: the built-in profile its code shows].",
)
@click.option(
    "--group",
    default=None,
    help="Entry-point group the service reads [default: the profile's for the service].",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a change is due (for CI).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the diff; write nothing.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format; json prints one document on stdout (docs/adopt.md).",
)
def adopt_command(
    file: str, profile: str | None, group: str | None, check: bool, show_diff: bool, fmt: str
) -> None:
    """Make the service's own extension loader in FILE read entry points first.

    FILE is the service's loader module (neutron/api/extensions.py,
    cinder/api/extensions.py). The loader then loads the group's entry points
    with its own checks and log lines, and its legacy directories only for
    the extensions no entry point provides (docs/adopt.md).

    Exit status: 0 adopted or nothing to change, 1 error (or, with --check, a
    change is due), 2 usage error.
    """
    import json

    from epmigrate.adopt import commit, prepare
    from epmigrate.term import colour_on, coloured_diff, shown

    if check and show_diff:
        raise UsageError("--check and --diff are exclusive: --check prints the diff too")
    try:
        outcome = prepare(file, group=group, profile=profile)
        if not (check or show_diff):
            outcome = commit(outcome)
    except EpmigrateError as exc:
        if fmt == "json":
            _json_error(exc, file=file)
        raise click.ClickException(str(exc)) from exc
    adoption = outcome.adoption
    if not adoption.changed:
        status = "adopted"
    elif check or show_diff:
        status = "change-due"
    else:
        status = "written"
    if fmt == "json":
        document = {
            "schema": 1,
            "file": file,
            "status": status,
            "profile": adoption.profile,
            "group": adoption.group,
            "loader": adoption.shape.function,
            "changes": [
                {"function": c.function, "line": c.line, "what": c.what} for c in adoption.changes
            ],
            "diff": outcome.diff(),
        }
        click.echo(json.dumps(document, indent=2))
    else:
        if check or show_diff:
            click.echo(coloured_diff(outcome.diff(), colour_on()), nl=False)
        where = shown(file)
        if status == "adopted":
            click.echo(
                f"{where}: {adoption.shape.function} already reads group {adoption.group!r} "
                f"(profile {adoption.profile}); nothing to change",
                err=check or show_diff,
            )
        else:
            verb = "would change" if status == "change-due" else "adopted"
            for change in adoption.changes:
                click.echo(f"{where}:{change.line}: {change.function} {change.what}", err=True)
            tail = "; run 'epmigrate adopt' to write it" if status == "change-due" else ""
            click.echo(
                f"{where} {verb}: the loader reads group {adoption.group!r} first "
                f"(profile {adoption.profile}); the service needs epmigrate installed{tail}",
                err=status == "change-due",
            )
    if check and status == "change-due":
        sys.exit(1)


@cli.command("move")
@click.argument("project", default=".", type=click.Path(file_okay=False))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a move is due (for CI).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the diff; write nothing.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format; json prints one document on stdout (docs/move.md).",
)
def move_command(project: str, check: bool, show_diff: bool, fmt: str) -> None:
    """Move entry points (and setup.cfg metadata) of PROJECT into pyproject.toml.

    Entry points of pbr's [entry_points], [options.entry_points] (or the file
    of an 'entry_points = file:' directive) and a literal setup.py
    entry_points= go to [project.scripts], [project.gui-scripts] and
    [project.entry-points."group"], with their order and comments; the old
    lines are taken out and the rest of each file is kept byte for byte.
    Without a [project] table, one is written from setup.cfg [metadata]
    (docs/move.md). PROJECT is the project's root [default: .].

    Exit status: 0 moved or nothing to move, 1 error (or, with --check, a move
    is due), 2 usage error.
    """
    import json

    from epmigrate.move import commit, plan
    from epmigrate.term import colour_on, coloured_diff

    if check and show_diff:
        raise UsageError("--check and --diff are exclusive: --check prints the diff too")
    try:
        move = plan(project)
        if move.changed and not (check or show_diff):
            move = commit(move)
    except EpmigrateError as exc:
        if fmt == "json":
            _json_error(exc, project=project)
        raise click.ClickException(str(exc)) from exc
    if not move.changed:
        status = "nothing-to-move"
    elif check or show_diff:
        status = "move-due"
    else:
        status = "moved"
    if fmt == "json":
        document = {
            "schema": 1,
            "project": project,
            "status": status,
            "project_table": move.project,
            "entry_points": [
                {
                    "group": m.group,
                    "name": m.name,
                    "value": m.value,
                    "from": m.source,
                    "to": m.table,
                }
                for m in move.moved
            ],
            "metadata": list(move.metadata),
            "dynamic": list(move.dynamic),
            "files": [
                {
                    "path": os.path.relpath(f.path, move.root),
                    "changed": f.changed,
                    "created": f.snapshot is None,
                }
                for f in move.files
            ],
            "warnings": list(move.warnings),
            "notes": list(move.notes),
            "diff": move.diff(),
        }
        click.echo(json.dumps(document, indent=2))
    else:
        if move.changed and (check or show_diff):
            click.echo(coloured_diff(move.diff(), colour_on()), nl=False)
        for warning in move.warnings:
            click.echo(f"warning: {warning}", err=True)
        for note in move.notes:
            click.echo(f"note: {note}", err=True)
        click.echo(_move_summary(move, status), err=status != "moved")
    if check and status == "move-due":
        sys.exit(1)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _move_summary(move: Any, status: str) -> str:
    if status == "nothing-to-move":
        where = "in pyproject.toml [project] already" if move.project == "existing" else "none"
        return f"nothing to move: the entry points are {where}"
    verb = "would move" if status == "move-due" else "moved"
    groups = len({m.group for m in move.moved})
    text = (
        f"{verb} {_count(len(move.moved), 'entry point')} in {_count(groups, 'group')} "
        "into pyproject.toml"
    )
    if move.project == "created":
        text += f"; [project] written from {_count(len(move.metadata), 'setup.cfg value')}"
        if move.dynamic:
            text += f" (dynamic: {', '.join(move.dynamic)})"
    if status == "move-due":
        text += "; run 'epmigrate move' to write it"
    return text


@cli.command("fix-callers")
@click.argument("paths", nargs=-1, required=True)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a change is due (for CI).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the diff; write nothing.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format; json prints one document on stdout (docs/fix-callers.md).",
)
def fix_callers_command(paths: tuple[str, ...], check: bool, show_diff: bool, fmt: str) -> None:
    """Rewrite reads of entry points through pkg_resources in PATHS for importlib.metadata.

    iter_entry_points, load_entry_point, get_entry_map, get_entry_info,
    EntryPoint.parse, the entry points' attributes and the
    DistributionNotFound handlers around them become importlib.metadata
    (Python 3.10+), the entry points of a group read once; tests' patch
    targets follow. A use whose meaning cannot be kept is reported at its
    line and left as it was (docs/fix-callers.md). Files that do not name
    pkg_resources are not touched.

    Exit status: 0 rewritten or nothing to change, 1 error, a use left as it
    was, or (with --check) a change is due; 2 usage error.
    """
    import json

    from epmigrate.callers import commit, prepare
    from epmigrate.term import colour_on, coloured_diff, shown

    if check and show_diff:
        raise UsageError("--check and --diff are exclusive: --check prints the diff too")
    try:
        fixes = prepare(list(paths))
        changed = [f for f in fixes if f.changed]
        if changed and not (check or show_diff):
            commit(changed)
    except EpmigrateError as exc:
        if fmt == "json":
            _json_error(exc)
        raise click.ClickException(str(exc)) from exc
    left = sum(len(f.result.findings) for f in fixes)
    if not changed:
        status = "nothing-to-change"
    elif check or show_diff:
        status = "change-due"
    else:
        status = "rewritten"
    if fmt == "json":
        document = {
            "schema": 1,
            "status": status,
            "files": [
                {
                    "path": f.path,
                    "module": f.module,
                    "changed": f.changed,
                    "helpers": list(f.result.helpers.values()),
                    "rewrites": [{"line": r.line, "what": r.what} for r in f.result.rewrites],
                    "findings": [
                        {"line": x.line, "message": x.message, "hint": x.hint}
                        for x in f.result.findings
                    ],
                }
                for f in fixes
            ],
            "diff": "".join(f.diff() for f in changed),
        }
        click.echo(json.dumps(document, indent=2))
    else:
        if changed and (check or show_diff):
            click.echo(coloured_diff("".join(f.diff() for f in changed), colour_on()), nl=False)
        for fix in fixes:
            for finding in fix.result.findings:
                click.echo(
                    f"{shown(fix.path)}:{finding.line}: left as it was: {finding.message}\n"
                    f"  hint: {finding.hint}",
                    err=True,
                )
        rewrites = sum(len(f.result.rewrites) for f in changed)
        verb = {"rewritten": "rewrote", "change-due": "would rewrite"}.get(status)
        if verb:
            tail = "; run 'epmigrate fix-callers' to write it" if status == "change-due" else ""
            click.echo(
                f"{verb} {_count(rewrites, 'use')} of pkg_resources in "
                f"{_count(len(changed), 'file')}; {_count(left, 'use')} left as "
                f"{'it was' if left == 1 else 'they were'}{tail}",
                err=True,
            )
        else:
            click.echo(
                f"nothing to change: {_count(len(fixes), 'file')} name pkg_resources; "
                f"{_count(left, 'use')} left as {'it was' if left == 1 else 'they were'}",
                err=True,
            )
    if (check and status == "change-due") or left:
        sys.exit(1)


@cli.command("verify")
@click.argument("group")
@click.option(
    "--legacy-path",
    "legacy_paths",
    multiple=True,
    required=True,
    metavar="DIR",
    help="Legacy extension directory (repeat, or join with ':' as in service configs).",
)
@click.option("--profile", default="neutron", show_default=True, help="The legacy loader's rules.")
@click.option(
    "--python",
    "python",
    default=None,
    metavar="PATH",
    help="Interpreter the service runs [default: this one].",
)
@click.option(
    "--setup",
    "setup",
    multiple=True,
    metavar="MODULE:FUNCTION",
    help="Start-up code the service runs before loading extensions (repeatable, in order).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="The parity table, or one JSON document (schema in docs/loader.md).",
)
def verify_command(
    group: str,
    legacy_paths: tuple[str, ...],
    profile: str,
    python: str | None,
    setup: tuple[str, ...],
    output_format: str,
) -> None:
    """Check that GROUP's entry points provide everything its legacy path does.

    Exits 0 when the legacy path can be switched off, 1 when it cannot, 2 on
    usage and environment errors.
    """
    import json

    from epmigrate.loader.verify import error_document, verify_parity

    try:
        report = verify_parity(
            group, list(legacy_paths), profile=profile, python=python, setup=setup
        )
    except EpmigrateError as exc:
        if output_format == "json":
            document = error_document(
                group,
                exc,
                profile=profile,
                python=python,
                directories=legacy_paths,
                setup=setup,
            )
            click.echo(json.dumps(document, indent=2))
            click.get_current_context().exit(2)
        raise _VerifyAbort(str(exc)) from exc
    click.echo(
        json.dumps(report.to_json(), indent=2) if output_format == "json" else report.render()
    )
    if not report.ok:
        click.get_current_context().exit(1)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point; ``argv`` defaults to ``sys.argv[1:]``.

    The arguments ride on the context (``obj``): a scan remembers its output
    under them (:func:`epmigrate.quick.remember`). Commands invoked another
    way (``CliRunner``, another program's click group) have no ``obj`` and
    store none.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    cli(args=args, prog_name="epmigrate", obj=args)
