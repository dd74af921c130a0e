"""``epmigrate move``: entry points (and a project's metadata) into pyproject.toml.

Where the build reads entry points from setup.cfg (pbr's ``[entry_points]``,
setuptools' ``[options.entry_points]`` or the file an ``entry_points = file:``
directive names) or from a literal ``entry_points=`` of setup.py,
:func:`plan` moves them to ``[project.scripts]``, ``[project.gui-scripts]``
and ``[project.entry-points."group"]``: groups, names, values, order and
comments kept, the old lines taken out and every other byte of each file
left as it was. When pyproject.toml has no ``[project]`` table yet, the whole
table is written from setup.cfg (:mod:`._metadata`), as OpenStack's own moves
of 2025 did.

Nothing is written until :func:`commit`; before that, the new pyproject.toml
is read back with :mod:`tomllib` and must hold exactly the old data plus what
moved, and the new setup.cfg must read as the old one without what moved.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from typing import Any, Literal

from epmigrate import fileio
from epmigrate.errors import ConflictError, EpmigrateError, ParseError, toml_error
from epmigrate.fileio import Snapshot
from epmigrate.move import _cfg, _toml
from epmigrate.move._errors import MoveError
from epmigrate.move._metadata import ProjectTable, project_table
from epmigrate.move._setuppy import SetupPy, read_setup_py, without_entry_points
from epmigrate.move._toml import Item, comment, string, table
from epmigrate.write.ini import Document, Option, parse, pbr_group
from epmigrate.write.text import strip_bom, unified_diff
from epmigrate.write.toml_offsets import TomlLayout

__all__ = ["FileChange", "Move", "MoveError", "Moved", "commit", "plan"]

_BACKENDS = ("setuptools.build_meta", "setuptools.build_meta:__legacy__", "pbr.build")
_ENTRY_FIELDS = ("scripts", "gui-scripts", "entry-points")
_PBR_BUILD_SYSTEM = ["[build-system]", 'requires = ["pbr>=6.1.1"]', 'build-backend = "pbr.build"']
_WSGI_FIX = (
    "serve the WSGI application by its module instead, as OpenStack did when it moved to "
    "pyproject.toml: point the WSGI server at 'package.wsgi.module:application' (uwsgi "
    "--module, gunicorn, mod_wsgi), then delete the wsgi_scripts group and run again"
)


@dataclass(frozen=True)
class Moved:
    """One entry point as moved: where it was and the table it went to."""

    group: str
    name: str
    value: str
    source: str
    """``setup.cfg:12``-style place it was read from."""
    table: str


@dataclass(frozen=True)
class FileChange:
    """One file as read and as ``move`` leaves it (``snapshot`` ``None``: a new file)."""

    path: str
    snapshot: Snapshot | None
    original: str
    text: str

    @property
    def changed(self) -> bool:
        return self.snapshot is None or self.text != self.original

    def diff(self, root: str) -> str:
        name = os.path.relpath(self.path, root)
        return unified_diff(self.original, self.text, name, created=self.snapshot is None)


@dataclass(frozen=True)
class Move:
    """A planned (or, after :func:`commit`, written) move of one project."""

    root: str
    files: tuple[FileChange, ...]
    moved: tuple[Moved, ...]
    project: Literal["created", "existing", "none"]
    """Whether ``[project]`` was written now, was there, or nothing moved."""
    dynamic: tuple[str, ...] = ()
    metadata: tuple[str, ...] = ()
    """The ``[section] key`` of each setup.cfg value moved into ``[project]``."""
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return any(f.changed for f in self.files)

    def diff(self) -> str:
        return "".join(f.diff(self.root) for f in self.files if f.changed)


@dataclass
class _Group:
    name: str
    items: list[Item]
    path: str
    line: int
    before: tuple[str, ...] = ()
    trailing: tuple[str, ...] = ()


@dataclass
class _Source:
    """Entry points of one place in setup.cfg, an entry-points file or setup.py."""

    label: str
    path: str
    line: int
    groups: list[_Group] = field(default_factory=list)


def _read(path: str) -> Snapshot | None:
    return fileio.read_text(path) if os.path.isfile(path) else None


def _table_of(group: str) -> tuple[str, ...]:
    if group == "console_scripts":
        return ("project", "scripts")
    if group == "gui_scripts":
        return ("project", "gui-scripts")
    return ("project", "entry-points", group)


def _header(path: tuple[str, ...]) -> str:
    return "[" + ".".join(_toml.key(p) for p in path) + "]"


def _entry(part: _cfg.Part, path: str, group: str, warnings: list[str]) -> Item:
    name, eq, value = part.text.partition("=")
    if not eq or not name.strip():
        raise ParseError(
            f"line {part.text!r} of entry-point group {group!r} is not 'name = value'",
            path=path,
            line=part.line,
            hint="write each entry point as 'name = package.module:attr' on its own line",
        )
    value, inline = _cfg.split_inline(value.strip())
    if inline:
        warnings.append(
            f"{os.path.basename(path)}:{part.line}: {inline!r} after entry point "
            f"{name.strip()!r} was read by the build as part of its value; it is now a "
            "TOML comment"
        )
    return Item(value, name=name.strip(), before=part.before, inline=inline, line=part.line)


def _cfg_groups(doc: Document, opt: Option, path: str, group: str, w: list[str]) -> _Group:
    found, trailing = _cfg.parts(doc, opt)
    items = [_entry(p, path, group, w) for p in found]
    _, above = _cfg.comments_above(doc, opt)
    return _Group(group, items, path, opt.line + 1, above, tuple(trailing))


def _file_directive(root: str, doc: Document, cfg_path: str, w: list[str]) -> _Source | None:
    opt = doc.option("options", "entry_points")
    value = doc.get("options", "entry_points")
    if opt is None or value is None or not value.strip().startswith("file:"):
        return None
    names = [n.strip() for n in value.strip()[len("file:") :].split(",") if n.strip()]
    source = _Source(f"setup.cfg [options] entry_points = {value.strip()}", cfg_path, opt.line + 1)
    for name in names:
        path = os.path.normpath(os.path.join(root, name))
        if os.path.relpath(path, root).startswith(os.pardir) or not os.path.isfile(path):
            raise MoveError(
                f"[options] entry_points names {name}, which is not a file of the project",
                path=cfg_path,
                line=opt.line + 1,
                hint="fix the directive so that the build can read it, then run again",
            )
        snap = fileio.read_text(path)
        eps = parse(snap.text, path=path, delimiters="=")
        for sect in eps.all_sections()[1:]:
            items = []
            for entry in sect.options.values():
                found, _ = _cfg.parts(eps, entry)
                value_text = eps.get(sect.name, entry.name) or ""
                part = _cfg.Part(f"{entry.name} = {value_text}", (), entry.line + 1)
                if found:
                    items.append(_entry(part, path, sect.name, w))
            source.groups.append(_Group(sect.name, items, path, sect.header + 1))
        w.append(
            f"{name} is no longer read by the build once its entry points are in "
            "pyproject.toml; delete it when you commit the move"
        )
    return source


def _cfg_sources(
    root: str, doc: Document, cfg_path: str, pbr: bool, w: list[str]
) -> tuple[list[_Source], set[int]]:
    """Each place in setup.cfg that holds entry points, and the lines they take."""
    sources: list[_Source] = []
    drop: set[int] = set()
    if doc.defaults.options:
        raise MoveError(
            "setup.cfg has a [DEFAULT] section, whose options show through every section "
            "(entry-point groups among them)",
            path=cfg_path,
            line=doc.defaults.header + 1,
            hint="move the [DEFAULT] options into the sections that use them, then run again",
        )
    for section, registered in (("entry_points", pbr), ("options.entry_points", False)):
        sect = doc.section(section)
        if sect is None:
            continue
        source = _Source(f"setup.cfg [{section}]", cfg_path, sect.header + 1)
        for opt in sect.options.values():
            group = pbr_group(opt.name) if registered else opt.name
            source.groups.append(_cfg_groups(doc, opt, cfg_path, group, w))
        sources.append(source)
        drop.update(range(sect.header, sect.end + 1))
    directive = _file_directive(root, doc, cfg_path, w)
    if directive is not None:
        sources.append(directive)
        directive_opt = doc.option("options", "entry_points")
        assert directive_opt is not None
        drop.update(range(directive_opt.line, directive_opt.end + 1))
    return sources, drop


def _setup_source(setup: SetupPy) -> _Source | None:
    if setup.entry_points is None:
        return None
    source = _Source("setup.py entry_points=", setup.path, setup.entry_points.lineno)
    for group, items in setup.groups.items():
        line = items[0].line if items and items[0].line else setup.entry_points.lineno
        source.groups.append(_Group(group, list(items), setup.path, line))
    return source


def _where(path: str, line: int | None, root: str) -> str:
    name = os.path.relpath(path, root)
    return f"{name}:{line}" if line else name


def _pyproject_entry_points(data: dict[str, Any], layout: TomlLayout) -> list[tuple[str, int]]:
    project = data.get("project", {})
    found = []
    for key in _ENTRY_FIELDS:
        if project.get(key):
            found.append((f"[project.{key}]", _line_of(layout, ("project", key))))
    return found


def _line_of(layout: TomlLayout, path: tuple[str, ...]) -> int:
    """The line that sets ``path``: its key, its own header or the first header below it."""
    line = layout.line_of_key(path)
    if line is not None:
        return line
    headers = layout.headers_under(path)
    return layout.line_of(max(headers[0].line_end - 1, 0)) if headers else 1


def _check_groups(sources: list[_Source], pbr: bool, root: str, w: list[str]) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for source in sources:
        for group in source.groups:
            if group.name in groups:
                raise ConflictError(
                    f"entry-point group {group.name!r} is given twice, at "
                    f"{_where(groups[group.name].path, groups[group.name].line, root)} and "
                    f"{_where(group.path, group.line, root)}",
                    path=group.path,
                    line=group.line,
                    hint="merge the two into one, then run again",
                )
            if group.name == "wsgi_scripts" and pbr:
                raise MoveError(
                    "pbr's wsgi_scripts group makes pbr write WSGI scripts; pyproject.toml has "
                    "no such thing, so it cannot move",
                    path=group.path,
                    line=group.line,
                    hint=_WSGI_FIX,
                )
            seen: dict[str, Item] = {}
            for item in group.items:
                assert item.name is not None
                if item.name in seen:
                    raise ConflictError(
                        f"entry point {item.name!r} of group {group.name!r} is given twice "
                        f"(lines {seen[item.name].line} and {item.line})",
                        path=group.path,
                        line=item.line,
                        hint="keep one of them, then run again: pyproject.toml allows a name "
                        "once in a table",
                    )
                seen[item.name] = item
                if "[" in item.value:
                    w.append(
                        f"{_where(group.path, item.line, root)}: entry point {item.name!r} "
                        "names extras; the entry points specification deprecates extras in "
                        "entry points (they are kept as written)"
                    )
            groups[group.name] = group
    # [project.scripts] and [project.gui-scripts] first, the others in their order.
    order = {"console_scripts": 0, "gui_scripts": 1}
    return sorted(groups.values(), key=lambda g: order.get(g.name, 2))


def _group_table(group: _Group) -> list[str]:
    """The group's table, the comments above its setup.cfg option first."""
    lines = table(_header(_table_of(group.name)), group.items, group.trailing)
    return [lines[0], *(comment(c) for c in group.before), *lines[1:]]


def _backend(data: dict[str, Any], path: str, layout: TomlLayout | None) -> str | None:
    backend = data.get("build-system", {}).get("build-backend")
    if backend is not None and backend not in _BACKENDS:
        raise MoveError(
            f"pyproject.toml builds with {backend}, not setuptools or pbr; move takes "
            "setuptools' and pbr's setup.cfg and setup.py to pyproject.toml",
            path=path,
            line=layout.line_of_key(("build-system", "build-backend")) if layout else None,
            hint="that backend reads its own tables: write entry points there with "
            "'epmigrate write pyproject.toml'",
        )
    return backend if isinstance(backend, str) else None


def _uses_pbr(backend: str | None, doc: Document | None, setup: SetupPy | None) -> bool:
    if backend == "pbr.build":
        return True
    if doc is not None and any(doc.has_section(s) for s in ("pbr", "entry_points", "files")):
        return True
    return setup is not None and any(
        kw.arg == "pbr" for kw in (setup.call.keywords if setup.call else ())
    )


def _drop_blank_around(doc: Document, drop: set[int]) -> set[int]:
    """With a whole section gone, the blank lines that set it apart go too."""
    out = set(drop)
    n = len(doc.lines)
    for sect in doc.all_sections()[1:]:
        if sect.header not in drop:
            continue
        index = sect.end + 1
        while index < n and not doc.lines[index].strip():
            out.add(index)
            index += 1
        if index >= n:
            # The section ended the file: the blank lines before it go instead.
            before = sect.header - 1
            while before >= 0 and (before in out or not doc.lines[before].strip()):
                out.add(before)
                before -= 1
    # Never leave a file of blank lines only.
    if all(i in out or not doc.lines[i].strip() for i in range(n)):
        out.update(range(n))
    return out


def _check_cfg(old: Document, new_text: str, drop: set[int], path: str) -> None:
    """The new setup.cfg reads as the old one without the options taken out."""
    new = parse(new_text, path=path)
    expected: dict[str, dict[str, str | None]] = {}
    for sect in old.all_sections()[1:]:
        kept = {
            name: old.get(sect.name, name)
            for name, opt in sect.options.items()
            if opt.line not in drop
        }
        if sect.header not in drop:
            expected[sect.name] = kept
    got = {s: {o: new.get(s, o) for o in new.options(s)} for s in new.sections()}
    if got != expected:
        raise MoveError(
            "cannot take the moved values out of setup.cfg without changing what the build "
            "reads from the rest of it",
            path=path,
            hint="report this with the file; nothing was written",
        )


def _insert_at(layout: TomlLayout, family: tuple[str, ...]) -> int | None:
    """The offset after the last table at or below ``family``, or ``None``."""
    headers = layout.headers_under(family)
    if not headers:
        return None
    last = headers[-1]
    return last.kvs[-1].line_end if last.kvs else last.line_end


def _block(lines: list[str], newline: str) -> str:
    return newline.join(lines) + newline


def _blocks(chunks: list[list[str]]) -> list[str]:
    out: list[str] = []
    for chunk in chunks:
        if out:
            out.append("")
        out += chunk
    return out


def _newline(text: str) -> str:
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _without_dynamic(body: str, layout: TomlLayout, data: dict[str, Any], path: str) -> str:
    """``project.dynamic`` without ``entry-points``, ``scripts`` and ``gui-scripts``."""
    dynamic = data.get("project", {}).get("dynamic", [])
    gone = [d for d in dynamic if d in _ENTRY_FIELDS]
    if not gone:
        return body
    kv = layout.key_value(("project", "dynamic"))
    if kv is None:
        raise MoveError(
            "project.dynamic lists entry points, and epmigrate cannot find where to edit it",
            path=path,
            hint=f"take {', '.join(gone)} out of project.dynamic by hand, then run again",
        )
    rest = [d for d in dynamic if d not in _ENTRY_FIELDS]
    value = "[" + ", ".join(string(d) for d in rest) + "]"
    return body[: kv.value_start] + value + body[kv.value_end :]


def plan(root: str = ".") -> Move:
    """Work out the move of the project at ``root``; nothing is written."""
    root = os.path.abspath(root)
    pp_path = os.path.join(root, "pyproject.toml")
    cfg_path = os.path.join(root, "setup.cfg")
    py_path = os.path.join(root, "setup.py")
    pp_snap, cfg_snap, py_snap = _read(pp_path), _read(cfg_path), _read(py_path)
    if pp_snap is None and cfg_snap is None and py_snap is None:
        raise MoveError(
            f"{root} has no pyproject.toml, setup.cfg or setup.py",
            path=root,
            hint="run 'epmigrate move' in the project's root directory (or pass it)",
        )
    bom, body = strip_bom(pp_snap.text) if pp_snap is not None else ("", "")
    try:
        data: dict[str, Any] = tomllib.loads(body) if pp_snap is not None else {}
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(exc, pp_path) from exc
    layout = TomlLayout(body) if pp_snap is not None else None
    backend = _backend(data, pp_path, layout)
    doc = parse(cfg_snap.text, path=cfg_path) if cfg_snap is not None else None
    setup = read_setup_py(py_path, py_snap.text) if py_snap is not None else None
    pbr = _uses_pbr(backend, doc, setup)
    warnings: list[str] = []
    sources: list[_Source] = []
    cfg_drop: set[int] = set()
    if doc is not None:
        sources, cfg_drop = _cfg_sources(root, doc, cfg_path, pbr, warnings)
    if setup is not None:
        found = _setup_source(setup)
        if found is not None:
            sources.append(found)
    with_eps = [s for s in sources if s.groups]
    if len(with_eps) > 1:
        a, b = with_eps[0], with_eps[1]
        raise ConflictError(
            f"entry points are in two places: {a.label} ({_where(a.path, a.line, root)}) and "
            f"{b.label} ({_where(b.path, b.line, root)}); the build reads only one of them",
            path=b.path,
            line=b.line,
            hint="keep the one the build reads ('epmigrate write --check' says which), "
            "delete the other, then run again",
        )
    in_pyproject = _pyproject_entry_points(data, layout) if layout is not None else []
    if with_eps and in_pyproject:
        label, line = in_pyproject[0]
        a = with_eps[0]
        raise ConflictError(
            f"entry points are in two places: {a.label} ({_where(a.path, a.line, root)}) and "
            f"pyproject.toml {label} ({_where(pp_path, line, root)})",
            path=pp_path,
            line=line,
            hint="pyproject.toml's are the ones the build reads: merge the others into it by "
            "hand (or delete them), then run again",
        )
    dyn_file = data.get("tool", {}).get("setuptools", {}).get("dynamic", {}).get("entry-points")
    if dyn_file is not None:
        raise MoveError(
            "[tool.setuptools.dynamic] entry-points names a file the build reads entry points "
            "from; move does not edit that table",
            path=pp_path,
            line=layout.line_of_key(("tool", "setuptools", "dynamic")) if layout else None,
            hint='copy the file\'s groups into [project.entry-points."group"] tables, drop '
            "entry-points from project.dynamic and the table, by hand",
        )
    groups = _check_groups(sources, pbr, root, warnings)

    creating = "project" not in data
    meta: ProjectTable | None = None
    if creating:
        if doc is None and setup is None:
            return Move(root, (), (), "none", warnings=tuple(warnings))
        if setup is not None and setup.star_kwargs is not None:
            raise MoveError(
                "setup() in setup.py passes **kwargs, so epmigrate cannot tell which "
                "[project] fields it gives",
                path=py_path,
                line=setup.star_kwargs,
                hint="pass the fields by name, or write the [project] table by hand; "
                "nothing was written",
            )
        meta = project_table(
            doc if doc is not None else parse("", path=cfg_path),
            pbr=pbr,
            setup_fields=setup.fields if setup is not None else {},
            setup_name=setup.name if setup is not None else None,
            setup_keywords=setup.keywords if setup is not None else {},
            setup_path=py_path,
            path=cfg_path if doc is not None else py_path,
            root=root,
            tool_setuptools="setuptools" in data.get("tool", {}),
        )
        cfg_drop |= meta.drop
    elif not groups:
        return Move(root, (), (), "existing", warnings=tuple(warnings))

    moved: list[Moved] = []
    for group in groups:
        label = _header(_table_of(group.name))
        for item in group.items:
            assert item.name is not None
            moved.append(
                Moved(group.name, item.name, item.value, _where(group.path, item.line, root), label)
            )
    group_blocks = [_group_table(g) for g in groups]

    newline = (
        _newline(body) if pp_snap is not None else (doc.newline() if doc is not None else "\n")
    )
    expected = _expected(data, meta, groups)
    if creating:
        assert meta is not None
        project_lines = ["[project]", *[line for f in meta.fields for line in f]]
        chunks = [project_lines, *meta.tables, *group_blocks, *meta.tool]
        if "build-system" not in data:
            chunks.insert(0, _PBR_BUILD_SYSTEM if pbr else _setuptools_build_system(setup))
            expected["build-system"] = tomllib.loads("\n".join(chunks[0]))["build-system"]
        new_block = _blocks(chunks)
        at = (
            _insert_at(layout, ("build-system",))
            if layout is not None and "build-system" in data
            else None
        )
        if at is None:
            text = _block(new_block, newline) + (newline + body if body.strip() else body)
        else:
            text = body[:at] + newline + _block(new_block, newline) + body[at:]
    else:
        assert layout is not None
        body2 = _without_dynamic(body, layout, data, pp_path)
        layout2 = TomlLayout(body2) if body2 != body else layout
        at = _insert_at(layout2, ("project",))
        block = _block(_blocks(group_blocks), newline)
        if at is None:
            sep = "" if body2.endswith(("\n", "\r")) or not body2 else newline
            text = body2 + sep + newline + block
        else:
            text = body2[:at] + newline + block + body2[at:]
    _check_pyproject(text, expected, pp_path)

    files: list[FileChange] = [
        FileChange(pp_path, pp_snap, pp_snap.text if pp_snap else "", bom + text)
    ]
    if doc is not None and cfg_snap is not None:
        full = _drop_blank_around(doc, cfg_drop)
        new_cfg = doc.render_without(full)
        _check_cfg(doc, new_cfg, full, cfg_path)
        files.append(FileChange(cfg_path, cfg_snap, cfg_snap.text, new_cfg))
        if not new_cfg.strip():
            warnings.append("setup.cfg is empty now; delete it when you commit the move")
    if setup is not None and py_snap is not None and setup.entry_points is not None:
        files.append(FileChange(py_path, py_snap, py_snap.text, without_entry_points(setup)))
    return Move(
        root,
        tuple(files),
        tuple(moved),
        "created" if creating else "existing",
        dynamic=tuple(meta.dynamic) if meta else (),
        metadata=tuple(meta.moved) if meta else (),
        warnings=tuple(warnings),
        notes=tuple(meta.notes) if meta else (),
    )


def _setuptools_build_system(setup: SetupPy | None) -> list[str]:
    backend = "setuptools.build_meta:__legacy__" if setup is not None else "setuptools.build_meta"
    return ["[build-system]", 'requires = ["setuptools>=61"]', f"build-backend = {string(backend)}"]


def _expected(
    data: dict[str, Any], meta: ProjectTable | None, groups: list[_Group]
) -> dict[str, Any]:
    import copy

    out = copy.deepcopy(data)
    project = out.setdefault("project", {})
    if meta is not None:
        project.update(meta.expected)
        if meta.tool_expected:
            out.setdefault("tool", {}).setdefault("setuptools", {}).update(meta.tool_expected)
        if meta.dynamic:
            project["dynamic"] = list(meta.dynamic)
    elif "dynamic" in project:
        project["dynamic"] = [d for d in project["dynamic"] if d not in _ENTRY_FIELDS]
    for group in groups:
        node = out
        for part in _table_of(group.name):
            node = node.setdefault(part, {})
        for item in group.items:
            assert item.name is not None
            node[item.name] = item.value
    return out


def _check_pyproject(text: str, expected: dict[str, Any], path: str) -> None:
    try:
        got = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        got = {"error": str(exc)}
    if got != expected or _order(got) != _order(expected):
        raise MoveError(
            "cannot write the moved entry points into pyproject.toml so that it reads as "
            "planned (its layout is not one epmigrate can edit)",
            path=path,
            hint="report this with the file; nothing was written",
        )


def _order(data: dict[str, Any]) -> list[tuple[str, list[str]]]:
    project = data.get("project", {})
    out = []
    for key in ("scripts", "gui-scripts"):
        out.append((key, list(project.get(key, {}))))
    for group, entries in project.get("entry-points", {}).items():
        out.append((group, list(entries)))
    return out


def commit(move: Move) -> Move:
    """Write the planned files, each atomically; undo the ones written if one fails."""
    done: list[FileChange] = []
    try:
        for change in move.files:
            if not change.changed:
                continue
            if change.snapshot is None:
                fileio.create_text(change.path, change.text)
            else:
                fileio.write_text(change.snapshot, change.text)
            done.append(change)
    except EpmigrateError:
        for change in reversed(done):
            if change.snapshot is None:
                os.unlink(change.path)
            else:
                fileio.write_text(fileio.read_text(change.path), change.original)
        raise
    return move
