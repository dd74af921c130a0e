"""The ``[project]`` table ``move`` writes when pyproject.toml has none.

From setup.cfg's ``[metadata]`` (and ``[options]``, ``[options.extras_require]``
for setuptools, ``[extras]`` for pbr), read the way each build reads them:

* pbr computes the version (from git) and the dependencies (from
  requirements.txt), so both are ``dynamic``; the rest is static, as
  OpenStack's own moves wrote it, and setup.cfg keeps ``[metadata] name``;
* setuptools: every value that is literal becomes static; a value the build
  computes (``attr:``, ``file:`` of several files, a field setup.py passes)
  stays where it is and its field is listed in ``dynamic``.

A key ``move`` does not know stays in setup.cfg as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from epmigrate.move._cfg import items_of, parts
from epmigrate.move._errors import MoveError
from epmigrate.move._toml import Item, array, string, table
from epmigrate.write.ini import Document, Option

__all__ = ["ProjectTable", "project_table"]

_CONTENT_TYPES = {".rst": "text/x-rst", ".md": "text/markdown", ".txt": "text/plain"}

# setup.cfg [metadata] keys by the name the build knows them by: pbr and
# setuptools accept '-' for '_' and some older names.
_ALIASES = {
    "summary": "description",
    "home_page": "url",
    "classifier": "classifiers",
    "description_file": "long_description",
    "requires_python": "python_requires",
    "description_content_type": "long_description_content_type",
}


def _canonical(name: str) -> str:
    key = name.replace("-", "_").lower()
    return _ALIASES.get(key, key)


@dataclass
class ProjectTable:
    """What ``move`` writes into pyproject.toml and takes out of setup.cfg."""

    name: str
    fields: list[list[str]] = field(default_factory=list)
    """TOML lines of each ``[project]`` key, in order (``dynamic`` among them)."""
    tables: list[list[str]] = field(default_factory=list)
    """TOML lines of ``[project.optional-dependencies]`` and ``[project.urls]``."""
    tool: list[list[str]] = field(default_factory=list)
    """TOML lines of ``[tool.setuptools]`` tables (pbr's ``[files]``), after the entry points."""
    tool_expected: dict[str, object] = field(default_factory=dict)
    """The ``[tool.setuptools]`` data those read as."""
    expected: dict[str, object] = field(default_factory=dict)
    """The ``[project]`` data the new file must read as (without entry points)."""
    dynamic: list[str] = field(default_factory=list)
    drop: set[int] = field(default_factory=set)
    """setup.cfg line indexes moved out."""
    notes: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    """``[section] key`` of each setup.cfg value moved."""


def _comments_above(doc: Document, opt: Option) -> tuple[list[int], tuple[str, ...]]:
    """Comment lines right above an option (no blank line between), with their indexes."""
    index = opt.line - 1
    found: list[int] = []
    while index >= 0 and doc.lines[index].strip().startswith(("#", ";")):
        found.append(index)
        index -= 1
    found.reverse()
    return found, tuple(doc.lines[i].strip() for i in found)


class _Reader:
    """setup.cfg values for one ``[project]``, and the lines they take."""

    def __init__(self, doc: Document, pbr: bool, setup_fields: dict[str, int]) -> None:
        self.doc = doc
        self.pbr = pbr
        self.setup_fields = setup_fields
        self.keys: dict[tuple[str, str], Option] = {}
        for section in ("metadata", "options"):
            sect = doc.section(section)
            for opt in sect.options.values() if sect is not None else ():
                canonical = _canonical(opt.name) if section == "metadata" else opt.name
                self.keys.setdefault((section, canonical), opt)
        self.out = ProjectTable(name="")
        self.tool_setuptools = False
        """Whether pyproject.toml has a [tool.setuptools] table already."""

    def opt(self, section: str, key: str) -> Option | None:
        return self.keys.get((section, key))

    def value(self, opt: Option) -> str:
        got = self.doc.get(opt.section, opt.name)
        return got if got is not None else ""

    def take(self, opt: Option) -> tuple[str, ...]:
        """Mark the option's lines (and the comments right above) as moved."""
        above, comments = _comments_above(self.doc, opt)
        self.out.drop.update(above)
        self.out.drop.update(range(opt.line, opt.end + 1))
        self.out.moved.append(f"[{opt.section}] {opt.name}")
        return comments

    def dynamic(self, name: str) -> None:
        if name not in self.out.dynamic:
            self.out.dynamic.append(name)

    def from_setup_py(self, name: str) -> bool:
        """A field setup.py passes stays there, dynamic (setup.py wins over setup.cfg)."""
        if name in self.setup_fields:
            self.dynamic(name)
            return True
        return False


def _string_field(reader: _Reader, key: str, opt: Option, value: str) -> list[str]:
    comments = reader.take(opt)
    reader.out.expected[key] = value
    return [*comments, f"{key} = {string(value)}"]


def _list_value(doc: Document, opt: Option, separator: str) -> tuple[list[Item], list[str]]:
    """A list the way setuptools' ``_parse_list`` reads it: lines, else split at ``separator``."""
    if len(parts(doc, opt)[0]) == 1 and separator:
        return items_of(doc, opt, split=separator)
    return items_of(doc, opt)


def project_table(
    doc: Document,
    *,
    pbr: bool,
    setup_fields: dict[str, int],
    setup_name: str | None,
    path: str,
    root: str,
    tool_setuptools: bool,
) -> ProjectTable:
    """The ``[project]`` table for a project whose metadata is in setup.cfg ``doc``."""
    r = _Reader(doc, pbr, setup_fields)
    r.tool_setuptools = tool_setuptools
    out = r.out
    lines = out.fields

    name_opt = r.opt("metadata", "name")
    if name_opt is not None and "name" not in setup_fields:
        out.name = r.value(name_opt)
        if not pbr:
            r.take(name_opt)
    elif setup_name is not None:
        out.name = setup_name
    else:
        raise MoveError(
            "the project's name is in neither setup.cfg [metadata] name nor a literal "
            "setup.py name=, and [project] needs it",
            path=path,
            hint="add 'name = ...' to setup.cfg [metadata], then run again; nothing was written",
        )
    lines.append([f"name = {string(out.name)}"])
    out.expected["name"] = out.name

    # version
    opt = r.opt("metadata", "version")
    if pbr or r.from_setup_py("version"):
        r.dynamic("version")
    elif opt is not None and not r.value(opt).startswith(("attr:", "file:")):
        lines.append(_string_field(r, "version", opt, r.value(opt)))
    else:
        r.dynamic("version")

    for key, cfg in (("description", "description"),):
        opt = r.opt("metadata", cfg)
        if r.from_setup_py(key) or opt is None:
            continue
        text = r.value(opt)
        if text.startswith("file:"):
            r.dynamic(key)
        else:
            lines.append(_string_field(r, key, opt, text))

    _people(r, "authors", "author", "author_email")
    _people(r, "maintainers", "maintainer", "maintainer_email")
    _readme(r, path)
    opt = r.opt("metadata", "license")
    if opt is not None and not r.from_setup_py("license"):
        comments = r.take(opt)
        lines.append([*comments, f"license = {{text = {string(r.value(opt))}}}"])
        out.expected["license"] = {"text": r.value(opt)}

    dynamic_at = len(lines)

    opt = r.opt("metadata", "python_requires") or r.opt("options", "python_requires")
    if opt is not None and not r.from_setup_py("requires-python"):
        lines.append(_string_field(r, "requires-python", opt, r.value(opt)))

    if pbr:
        r.dynamic("dependencies")
    elif not r.from_setup_py("dependencies"):
        opt = r.opt("options", "install_requires")
        if opt is not None:
            if r.value(opt).startswith("file:"):
                r.dynamic("dependencies")
            else:
                _array_field(r, "dependencies", opt, ";")

    for key, cfg, sep in (("keywords", "keywords", ","), ("classifiers", "classifiers", ",")):
        opt = r.opt("metadata", cfg)
        if opt is None or r.from_setup_py(key):
            continue
        if r.value(opt).startswith("file:"):
            r.dynamic(key)
        else:
            _array_field(r, key, opt, sep)

    _extras(r, path)
    _urls(r)
    if pbr:
        _files(r, root)
    # A field setup.py gives that setup.cfg does not: setup.py keeps giving it.
    for given in setup_fields:
        if given != "name":
            r.dynamic(given)
    if out.dynamic:
        lines.insert(dynamic_at, [f"dynamic = [{', '.join(string(d) for d in out.dynamic)}]"])
        out.expected["dynamic"] = list(out.dynamic)
    _drop_empty_sections(doc, out)
    return out


def _array_field(r: _Reader, key: str, opt: Option, separator: str) -> None:
    items, trailing = _list_value(r.doc, opt, separator)
    comments = r.take(opt)
    r.out.fields.append([*comments, *array(key, items, trailing)])
    r.out.expected[key] = [i.value for i in items]


def _people(r: _Reader, key: str, name_key: str, email_key: str) -> None:
    name_opt = r.opt("metadata", name_key)
    email_opt = r.opt("metadata", email_key)
    if name_opt is None and email_opt is None:
        return
    if name_key in r.setup_fields or email_key in r.setup_fields or r.from_setup_py(key):
        r.dynamic(key)
        return
    name = r.value(name_opt) if name_opt is not None else ""
    email = r.value(email_opt) if email_opt is not None else ""
    if "\n" in name or "\n" in email:
        r.dynamic(key)
        return
    comments: tuple[str, ...] = ()
    for opt in (name_opt, email_opt):
        if opt is not None:
            comments += r.take(opt)
    person: dict[str, str] = {}
    parts_ = []
    if name:
        person["name"] = name
        parts_.append(f"name = {string(name)}")
    if email:
        person["email"] = email
        parts_.append(f"email = {string(email)}")
    r.out.fields.append([*comments, f"{key} = [", f"    {{{', '.join(parts_)}}},", "]"])
    r.out.expected[key] = [person]


def _readme(r: _Reader, path: str) -> None:
    opt = r.opt("metadata", "long_description")
    ctype_opt = r.opt("metadata", "long_description_content_type")
    if opt is None or r.from_setup_py("readme"):
        if opt is None and ctype_opt is not None and not r.from_setup_py("readme"):
            r.dynamic("readme")
        return
    value = r.value(opt)
    literal = False
    if value.startswith("file:"):
        files = [f.strip() for f in value[len("file:") :].split(",") if f.strip()]
    elif r.pbr and opt.name.replace("-", "_").lower() == "description_file":
        # pbr reads every file named, one per line, and joins them.
        files = [p.text for p in parts(r.doc, opt)[0]]
    else:
        files, literal = [], True
    ctype = r.value(ctype_opt) if ctype_opt is not None else None
    if literal:
        if ctype_opt is None or r.from_setup_py("readme"):
            r.dynamic("readme")
            return
        comments = r.take(opt) + r.take(ctype_opt)
        ctype = r.value(ctype_opt)
        r.out.fields.append(
            [*comments, f"readme = {{text = {string(value)}, content-type = {string(ctype)}}}"]
        )
        r.out.expected["readme"] = {"text": value, "content-type": ctype}
        return
    if len(files) != 1:
        r.dynamic("readme")
        return
    name = files[0]
    if ctype is None:
        ctype = _CONTENT_TYPES.get(os.path.splitext(name)[1].lower())
        if ctype is None:
            r.dynamic("readme")
            return
        r.out.notes.append(
            f"readme {name}: content-type {ctype} from its extension (setup.cfg named none)"
        )
    comments = r.take(opt)
    if ctype_opt is not None:
        comments += r.take(ctype_opt)
    r.out.fields.append(
        [*comments, f"readme = {{file = {string(name)}, content-type = {string(ctype)}}}"]
    )
    r.out.expected["readme"] = {"file": name, "content-type": ctype}


def _extras(r: _Reader, path: str) -> None:
    section = "extras" if r.pbr else "options.extras_require"
    sect = r.doc.section(section)
    if sect is None or not sect.options:
        return
    if r.from_setup_py("optional-dependencies"):
        return
    if not r.pbr and any(r.value(o).startswith("file:") for o in sect.options.values()):
        r.dynamic("optional-dependencies")
        return
    lines = ["[project.optional-dependencies]"]
    expected: dict[str, list[str]] = {}
    for opt in sect.options.values():
        if ":" in opt.name and r.pbr:
            raise MoveError(
                f"extra {opt.name!r} in [extras] carries an environment marker in its name, "
                "which pyproject.toml cannot say",
                path=r.doc.path,
                line=opt.line + 1,
                hint="put the marker on each requirement ('pkg; python_version < \"3.12\"'), "
                "then run again; nothing was written",
            )
        items, trailing = _list_value(r.doc, opt, "" if r.pbr else ";")
        lines += list(r.take(opt))
        lines += array(opt.name, items, trailing)
        expected[opt.name] = [i.value for i in items]
    r.out.drop.add(sect.header)
    r.out.tables.append(lines)
    r.out.expected["optional-dependencies"] = expected


def _urls(r: _Reader) -> None:
    if r.from_setup_py("urls"):
        return
    items: list[Item] = []
    for key, label in (("url", "Homepage"), ("download_url", "Download")):
        opt = r.opt("metadata", key)
        if opt is not None:
            items.append(Item(r.value(opt), name=label, before=r.take(opt)))
    opt = r.opt("metadata", "project_urls")
    if opt is not None:
        found, trailing = parts(r.doc, opt)
        before = r.take(opt)
        for part in found:
            label, eq, url = part.text.partition("=")
            if not eq:
                raise MoveError(
                    f"line {part.text!r} of [metadata] project_urls is not 'label = url'",
                    path=r.doc.path,
                    line=part.line,
                    hint="fix the line first; nothing was written",
                )
            items.append(Item(url.strip(), name=label.strip(), before=before + part.before))
            before = ()
        if trailing and items:
            # Comment lines after the last URL stay after it.
            last = items[-1]
            items[-1] = Item(last.value, name=last.name, before=last.before, after=tuple(trailing))
    if not items:
        return
    seen: dict[str, Item] = {}
    for item in items:
        assert item.name is not None
        if item.name in seen:
            raise MoveError(
                f"project URL label {item.name!r} is given twice in [metadata]",
                path=r.doc.path,
                hint="keep one of them, then run again; nothing was written",
            )
        seen[item.name] = item
    r.out.tables.append(table("[project.urls]", items))
    r.out.expected["urls"] = {i.name: i.value for i in items}


def _files(r: _Reader, root: str) -> None:
    """pbr's ``[files] packages`` and ``data_files`` as ``[tool.setuptools]``, as OpenStack did.

    Only what setuptools reads the same way moves: a list of packages, and
    data files whose sources are files or globs of files (pbr walks a
    ``target = dir/*`` line down its subdirectories, which setuptools' globs
    do not). Anything else stays in ``[files]``, which pbr still reads.
    """
    sect = r.doc.section("files")
    if sect is None or r.tool_setuptools:
        return
    tool: list[str] = []
    expected: dict[str, object] = {}
    packages = sect.options.get("packages")
    if packages is not None:
        items, trailing = items_of(r.doc, packages)
        if items and all(" " not in i.value for i in items):
            comments = r.take(packages)
            tool = ["[tool.setuptools]", *comments, *array("packages", items, trailing)]
            expected["packages"] = [i.value for i in items]
    data = sect.options.get("data_files")
    mapping = _data_files(r.doc, data, root) if data is not None else None
    data_lines: list[str] = []
    if data is not None and mapping is not None:
        comments = r.take(data)
        data_lines = ["[tool.setuptools.data-files]", *comments]
        for target, sources in mapping.items():
            data_lines += array(target, [Item(s) for s in sources])
        expected["data-files"] = mapping
    elif data is not None:
        r.out.notes.append(
            "[files] data_files stays in setup.cfg: pbr copies directories found by its globs "
            "recursively, which [tool.setuptools.data-files] does not"
        )
    if tool or data_lines:
        if tool:
            r.out.tool.append(tool)
        if data_lines:
            r.out.tool.append(data_lines)
        r.out.tool_expected = expected


def _data_files(doc: Document, opt: Option, root: str) -> dict[str, list[str]] | None:
    """pbr's ``data_files`` lines as a mapping, or ``None`` when setuptools would differ."""
    found, _ = parts(doc, opt)
    mapping: dict[str, list[str]] = {}
    current: list[str] | None = None
    for part in found:
        text = part.text
        if "'" in text or '"' in text or "\\" in text:
            return None
        if "=" in text:
            target, _eq, source = text.partition("=")
            current = mapping.setdefault(target.strip(), [])
            source = source.strip()
        else:
            source = text
        if not source:
            continue
        if current is None:
            return None
        if source.endswith("*"):
            prefix = os.path.join(root, source[:-1])
            if os.path.isdir(prefix) and any(
                os.path.isdir(os.path.join(prefix, n)) for n in os.listdir(prefix)
            ):
                return None
        elif os.path.isdir(os.path.join(root, source)):
            return None
        current.append(source)
    return mapping


def _drop_empty_sections(doc: Document, out: ProjectTable) -> None:
    """A section left with no option goes too (its header and its comment lines)."""
    for sect in doc.all_sections()[1:]:
        if sect.name == "metadata" and out.name and not sect.options:
            continue
        lines = range(sect.header, sect.end + 1)
        kept = [
            i
            for i in lines
            if i != sect.header
            and i not in out.drop
            and doc.lines[i].strip()
            and not doc.lines[i].strip().startswith(("#", ";"))
        ]
        if (
            sect.options
            and not kept
            and all(i in out.drop for o in sect.options.values() for i in range(o.line, o.end + 1))
        ):
            out.drop.update(lines)
