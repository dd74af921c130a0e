"""setup.cfg: add entry points and change nothing else.

The document model, which keeps every line as written, is :mod:`.ini`; this
module decides where the entries go: after a group's last entry with its
indentation, a new group at the end of its section, a new section at the end
of the file. What to add, keep or replace is decided by
:func:`~epmigrate.write.merge.plan_merge`. It also refuses what setuptools and
pbr would read otherwise than written: a ``%`` (both read setup.cfg with
interpolation on) and, for pbr, a group name it would rename.
"""

from __future__ import annotations

import configparser
from collections.abc import Sequence
from typing import NoReturn

from epmigrate.errors import ConflictError, ParseError, ValidationError
from epmigrate.model import EntryPointSpec
from epmigrate.write.ini import DEFAULT_SECTION, Document, Section, parse, pbr_group
from epmigrate.write.merge import EditResult, Existing, MergePlan, group_by, plan_merge

# The document model is part of this module's interface: setup.cfg is read
# through it by every caller.
__all__ = [
    "DEFAULT_SECTION",
    "ENTRY_POINT_SECTIONS",
    "PBR_SECTION",
    "SETUPTOOLS_SECTION",
    "Document",
    "add_entry_points",
    "add_to_entry_points_file",
    "parse",
    "pbr_group",
]

SETUPTOOLS_SECTION = "options.entry_points"
PBR_SECTION = "entry_points"
ENTRY_POINT_SECTIONS = (SETUPTOOLS_SECTION, PBR_SECTION)

_NEW_INDENT = "    "


def add_entry_points(
    text: str,
    section: str,
    specs: Sequence[EntryPointSpec],
    *,
    replace: bool = False,
    path: str | None = None,
) -> EditResult:
    """Add entry points to ``[section]`` of setup.cfg text; change nothing else.

    ``section`` is ``options.entry_points`` (setuptools) or ``entry_points``
    (pbr). Each group is merged with :func:`~epmigrate.write.merge.plan_merge`:
    existing entries are kept where they are, new ones go after the group's last
    entry with its indentation, a missing group is added at the end of the
    section and a missing section at the end of the file. With ``replace`` only
    the value part of a replaced entry line is rewritten. New lines use the
    file's most common line ending.

    Raises :class:`ValidationError` for a ``%`` in an entry point or a group
    name pbr would rename, :class:`ConflictError` when a name already points
    elsewhere (unless ``replace``), :class:`ParseError` when the text is not
    valid setup.cfg.
    """
    if section not in ENTRY_POINT_SECTIONS:
        raise ValueError(f"section must be one of {ENTRY_POINT_SECTIONS}, not {section!r}")
    by_group = group_by(specs)
    for group, wanted in by_group.items():
        for spec in wanted:
            if "%" in spec.name or "%" in spec.value or "%" in group:
                _refuse_percent(spec, path)
        if section == PBR_SECTION:
            _refusepbr_group(group, path)
    doc = parse(text, path=path)
    if "%" in text:
        _refuse_bad_interpolation(doc, path)
    sect = doc.section(section)
    newline = doc.newline()
    replaced: dict[int, str] = {}
    after: dict[int, list[str]] = {}
    plans: list[MergePlan] = []
    new_groups: list[MergePlan] = []
    for group, wanted in by_group.items():
        opt = sect.options.get(group) if sect is not None else None
        # Only an existing section sees [DEFAULT]; a new one hides the default
        # group behind its own option, which loses nothing it showed before.
        inherited = doc.defaults.options.get(group) if sect is not None and opt is None else None
        source = opt if opt is not None else inherited
        entries = {e.name: e for e in doc.entry_lines(source)} if source else {}
        plan = plan_merge(
            group,
            {name: Existing(e.value, e.line + 1) for name, e in entries.items()},
            wanted,
            replace=replace,
            path=path,
        )
        plans.append(plan)
        if not plan.changes:
            continue
        if inherited is not None:
            raise ConflictError(
                f"group {group!r} of [{section}] comes from [DEFAULT]; an option of its "
                f"own in [{section}] would hide the entries written there",
                path=path,
                line=inherited.line + 1,
                hint=f"move {group!r} from [DEFAULT] into [{section}] by hand, then run again",
            )
        if opt is None:
            if sect is not None and section == PBR_SECTION:
                _refuse_pbr_alias(sect, group, path)
            new_groups.append(plan)
            continue
        for rep in plan.replace:
            entry = entries[rep.new.name]
            content = replaced.get(entry.line, doc.lines[entry.line])
            replaced[entry.line] = _repoint_line(content, entry.search_from, rep.new.value)
        if plan.add:
            # A group's own continuation lines show its indentation; a group
            # written only inline has none, so indent deeper than its option line.
            indent = (
                doc.indent(opt.end) if opt.end != opt.line else doc.indent(opt.line) + _NEW_INDENT
            )
            after.setdefault(opt.end, []).extend(indent + s.line for s in plan.add)
    if new_groups:
        block = []
        indent = _section_indent(doc, sect)
        for plan in new_groups:
            block.append(f"{plan.group} =")
            block.extend(indent + s.line for s in plan.add)
        if sect is not None:
            # After the entries added to existing groups that end the section.
            after.setdefault(sect.end, []).extend(block)
        else:
            last = len(doc.lines) - 1
            head = [f"[{section}]"]
            if last >= 0 and doc.lines[last].strip():
                head.insert(0, "")
            after[last] = head + block
    new_text = doc.render_edited(replaced, after, newline) if replaced or after else text
    return EditResult(text, new_text, tuple(plans), target=f"[{section}]")


def _section_indent(doc: Document, sect: Section | None) -> str:
    """The entry indentation for a new group: that of the section's last
    group written on continuation lines, else the one most continuation lines
    of the file use (the first seen wins a tie), else four spaces."""
    if sect is not None:
        for opt in reversed(sect.options.values()):
            if opt.end != opt.line:
                return doc.indent(opt.end)
    counts: dict[str, int] = {}
    for each in doc.all_sections():
        for opt in each.options.values():
            if opt.end != opt.line:
                indent = doc.indent(opt.end)
                counts[indent] = counts.get(indent, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else _NEW_INDENT


def _repoint_line(content: str, search_from: int, value: str) -> str:
    """``content`` with the value after the entry's ``=`` replaced by ``value``.

    The name, the spacing around ``=`` and anything after the value's last
    non-blank character stay as they are.
    """
    eq = content.find("=", search_from)
    end = len(content.rstrip())
    start = eq + 1
    while start < end and content[start].isspace():
        start += 1
    if start >= end:  # an empty value: keep the spacing style 'name = value'
        return f"{content[:end]} {value}{content[end:]}"
    return content[:start] + value + content[end:]


def _refuse_percent(spec: EntryPointSpec, path: str | None) -> NoReturn:
    """Refuse an entry point with a ``%`` (the caller has found one)."""
    raise ValidationError(
        f"entry point {spec.line!r} in group {spec.group!r} contains '%': setuptools "
        "and pbr read setup.cfg with interpolation on, so a bare '%' breaks the build",
        path=path,
        hint="rename the entry point (or its group or target) without '%'",
    )


def _refuse_bad_interpolation(doc: Document, path: str | None) -> None:
    """Refuse a file that setuptools and pbr cannot read because of a ``%``.

    Both read setup.cfg with ``configparser.ConfigParser()``, whose default
    interpolation turns ``%%`` into ``%`` and ``%(name)s`` into another
    option's value, and stops the build at a bare ``%`` or an unknown name.
    Writing entry points into such a file would leave a build that still
    fails, so the error says where the ``%`` is. The same parser finds it,
    so the verdict is the one the build reaches.
    """
    parser = configparser.ConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    # Our line model already split lone "\r" endings the way a text-mode file does.
    parser.read_string("\n".join(doc.lines))
    for section in parser.sections():
        for option in parser.options(section):
            try:
                parser.get(section, option)
            except configparser.InterpolationError as exc:
                opt = doc.option(section, option)
                where = opt.section if opt is not None else section
                line = opt.line + 1 if opt is not None else None
                if isinstance(exc, configparser.InterpolationMissingOptionError):
                    what = (
                        f"option {option!r} in [{where}] uses '%({exc.reference})s', but no "
                        f"option {exc.reference!r} is in [{section}] or [DEFAULT]"
                    )
                elif isinstance(exc, configparser.InterpolationSyntaxError):
                    what = f"option {option!r} in [{where}] has a bare '%': {exc.message}"
                else:
                    what = f"option {option!r} in [{where}] cannot be interpolated: {exc.message}"
                raise ParseError(
                    f"{what}; setuptools and pbr read setup.cfg with '%' interpolation, so "
                    "the build would stop here",
                    path=path,
                    line=line,
                    hint="write a literal '%' as '%%', then run again; nothing was written",
                ) from exc


def _refusepbr_group(group: str, path: str | None) -> None:
    """Refuse a group name that pbr would register under another name."""
    registered = pbr_group(group)
    if registered != group:
        raise ValidationError(
            f"pbr lower-cases entry-point group names and turns '-' into '_', so group "
            f"{group!r} in [entry_points] would be registered as {registered!r}",
            path=path,
            hint=f"use the group name {registered!r} and load that group, or write to "
            "[options.entry_points] for setuptools",
        )


def _refuse_pbr_alias(sect: Section, group: str, path: str | None) -> None:
    """Refuse a new pbr group that pbr would read as the same as an existing one."""
    for name, opt in sect.options.items():
        if pbr_group(name) == group:
            raise ConflictError(
                f"[entry_points] already has group {name!r}, which pbr reads as {group!r}; "
                f"a second option {group!r} would make pbr fail on a duplicate option",
                path=path,
                line=opt.line + 1,
                hint=f"rename {name!r} to {group!r} by hand, then run again",
            )


def add_to_entry_points_file(
    text: str,
    specs: Sequence[EntryPointSpec],
    *,
    replace: bool = False,
    path: str | None = None,
) -> EditResult:
    """Add entry points to a file in the ``entry_points.txt`` layout; change nothing else.

    The file a setup.cfg ``[options] entry_points = file: ...`` directive
    names: one ``[GROUP]`` section per group, one ``name = value`` option per
    entry point (setuptools reads it with configparser, so the same ``%`` rule
    applies). New entries go after a group's last entry, a missing group at
    the end of the file.
    """
    # setuptools reads these files with delimiters=("=",) and
    # interpolation on: a ':' belongs to the name.
    doc = parse(text, path=path, delimiters="=")
    if "%" in text:
        _refuse_bad_interpolation(doc, path)
    newline = doc.newline()
    replaced: dict[int, str] = {}
    after: dict[int, list[str]] = {}
    plans: list[MergePlan] = []
    new_groups: list[MergePlan] = []
    for group, wanted in group_by(specs).items():
        for spec in wanted:
            if "%" in spec.name or "%" in spec.value or "%" in group:
                _refuse_percent(spec, path)
        sect = doc.section(group)
        options = sect.options if sect is not None else {}
        existing = {
            name: Existing(doc.get(group, name) or "", opt.line + 1)
            for name, opt in options.items()
        }
        plan = plan_merge(group, existing, wanted, replace=replace, path=path)
        plans.append(plan)
        if not plan.changes:
            continue
        if sect is None:
            new_groups.append(plan)
            continue
        for rep in plan.replace:
            opt = options[rep.new.name]
            content = doc.lines[opt.line]
            replaced[opt.line] = _repoint_line(content, opt.delim, rep.new.value)
        if plan.add:
            after.setdefault(sect.end, []).extend(s.line for s in plan.add)
    if new_groups:
        # After the last section's last line (blank lines and what closes a
        # string holding the text stay last), indented like its header.
        sections = doc.all_sections()[1:]
        last = max((sect.end for sect in sections), default=len(doc.lines) - 1)
        indent = doc.indent(sections[-1].header) if sections else ""
        block: list[str] = []
        for plan in new_groups:
            if block or (last >= 0 and doc.lines[last].strip()):
                block.append("")
            block.append(f"{indent}[{plan.group}]")
            block.extend(indent + s.line for s in plan.add)
        after.setdefault(last, []).extend(block)
    new_text = doc.render_edited(replaced, after, newline) if replaced or after else text
    return EditResult(text, new_text, tuple(plans), target="[GROUP] sections")
