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

from epmigrate.move._cfg import comments_above, items_of, parts
from epmigrate.move._errors import MoveError
from epmigrate.move._toml import Item, array, string, table
from epmigrate.write.ini import Document, Option

__all__ = ["ProjectTable", "project_table"]


# Which key wins where two name one field: pbr passes its own keys to setup(),
# which override what setuptools reads from setup.cfg itself, so pbr's key
# comes first; setuptools applies its aliases in file order, the later wins.
_PRECEDENCE = {
    "url": (("home_page", "url"), ("url", "home_page")),
    "classifiers": (("classifier", "classifiers"), ("classifiers", "classifier")),
    "long_description_content_type": (
        ("description_content_type", "long_description_content_type"),
        ("long_description_content_type",),
    ),
}
_TEST_REQUIREMENTS = ("test-requirements.txt", "tools/test-requires")
"""The files pbr turns into an extra named ``test`` (pbr.packaging.TEST_REQUIREMENTS_FILES)."""


def _canonical(name: str) -> str:
    """A setup.cfg key as pbr and setuptools match it: ``-`` read as ``_``."""
    return name.replace("-", "_").lower()


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
                self.keys.setdefault((section, _canonical(opt.name)), opt)
        self.shadowed: dict[int, list[Option]] = {}
        """Options another key of the same field overrides, by the winner's line."""
        self.out = ProjectTable(name="")
        self.tool_setuptools = False
        """Whether pyproject.toml has a [tool.setuptools] table already."""

    def opt(self, section: str, key: str) -> Option | None:
        return self.keys.get((section, key))

    def choose(self, *names: str) -> Option | None:
        """The option the build uses among keys that set one field.

        With pbr the first of ``names`` present wins (pass pbr's key first);
        with setuptools the one written last. The others go with it when it
        moves.
        """
        present = [o for o in (self.opt("metadata", n) for n in names) if o is not None]
        if not present:
            return None
        winner = present[0] if self.pbr else max(present, key=lambda o: o.line)
        self.shadowed[winner.line] = [o for o in present if o is not winner]
        return winner

    def field(self, name: str) -> Option | None:
        """:meth:`choose` over the keys :data:`_PRECEDENCE` names for ``name``."""
        pbr_order, setuptools_order = _PRECEDENCE[name]
        return self.choose(*(pbr_order if self.pbr else setuptools_order))

    def value(self, opt: Option) -> str:
        got = self.doc.get(opt.section, opt.name)
        return got if got is not None else ""

    def take(self, opt: Option) -> tuple[str, ...]:
        """Mark the option's lines (and the comments right above) as moved."""
        above, comments = comments_above(self.doc, opt)
        self.out.drop.update(above)
        self.out.drop.update(range(opt.line, opt.end + 1))
        self.out.moved.append(f"[{opt.section}] {opt.name}")
        for other in self.shadowed.pop(opt.line, ()):
            self.take(other)
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
    value = doc.get(opt.section, opt.name) or ""
    if "\n" not in value and separator:
        return items_of(doc, opt, split=separator)
    return items_of(doc, opt)


def project_table(
    doc: Document,
    *,
    pbr: bool,
    setup_fields: dict[str, int],
    setup_name: str | None,
    setup_keywords: dict[str, int],
    setup_path: str,
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
    elif "name" in setup_keywords:
        raise MoveError(
            "setup() in setup.py passes a name= that is not a literal string, and [project] "
            "needs the name written out",
            path=setup_path,
            line=setup_keywords["name"],
            hint="write the name as a string in setup.py (or in setup.cfg [metadata] name), "
            "then run again; nothing was written",
        )
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

    _description(r)
    _people(r, "authors", "author", "author_email")
    _people(r, "maintainers", "maintainer", "maintainer_email")
    _readme(r)
    opt = r.opt("metadata", "license")
    if opt is not None and not r.from_setup_py("license"):
        comments = r.take(opt)
        lines.append([*comments, f"license = {{text = {string(r.value(opt))}}}"])
        out.expected["license"] = {"text": r.value(opt)}

    dynamic_at = len(lines)

    # pbr passes its [metadata] keys to setup() (requires_python last, so it
    # wins); setuptools reads only [options] python_requires, which they override.
    opt = r.choose("requires_python", "python_requires") if pbr else None
    native = r.opt("options", "python_requires")
    if opt is not None and native is not None:
        r.shadowed[opt.line].append(native)
    opt = opt or native
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

    for key, sep in (("keywords", ","), ("classifiers", ",")):
        opt = r.field(key) if key in _PRECEDENCE else r.opt("metadata", key)
        if opt is None or r.from_setup_py(key):
            continue
        if r.value(opt).startswith("file:"):
            r.dynamic(key)
        else:
            _array_field(r, key, opt, sep)

    _extras(r, root)
    if pbr and "optional-dependencies" not in out.dynamic:
        marked = _marked_requirement(root)
        if marked:
            r.dynamic("optional-dependencies")
            out.notes.append(
                f"optional-dependencies dynamic: pbr passes {marked} on as an extra of its own"
            )
    _urls(r)
    if pbr:
        _files(r, root)
    else:
        _package_data(r, setup_keywords)
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
    if r.from_setup_py(key):
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


def _description(r: _Reader) -> None:
    """The summary, from the key the build reads it from.

    pbr reads ``summary``; its ``description`` is the *long* description,
    except beside ``long_description`` or ``description_file``, where it is
    the summary (pbr's setup_cfg_to_setup_kwargs). setuptools reads
    ``description`` or its alias ``summary``.
    """
    if r.from_setup_py("description"):
        return
    winner: Option | None
    if r.pbr:
        desc, summary = r.opt("metadata", "description"), r.opt("metadata", "summary")
        if desc is not None and (
            r.opt("metadata", "long_description") or r.opt("metadata", "description_file")
        ):
            winner = desc
            r.shadowed[desc.line] = [summary] if summary is not None else []
        elif desc is not None:
            # The long description, which setuptools also reads as the
            # summary: both stay where they are.
            r.dynamic("description")
            r.dynamic("readme")
            return
        else:
            winner = summary
    else:
        winner = r.choose("description", "summary")
    if winner is None:
        return
    text = r.value(winner)
    if text.startswith("file:"):
        r.dynamic("description")
    else:
        r.out.fields.append(_string_field(r, "description", winner, text))


def _readme(r: _Reader) -> None:
    if "readme" in r.out.dynamic:
        return
    # pbr reads description_file only when there is no long_description.
    names = ("long_description", "description_file") if r.pbr else ("long_description",)
    opt = r.choose(*names)
    ctype_opt = r.field("long_description_content_type")
    if opt is None or r.from_setup_py("readme"):
        if opt is None and ctype_opt is not None and not r.from_setup_py("readme"):
            r.dynamic("readme")
        return
    value = r.value(opt)
    literal = False
    if value.startswith("file:"):
        files = [f.strip() for f in value[len("file:") :].split(",") if f.strip()]
    elif r.pbr and _canonical(opt.name) == "description_file":
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
        if os.path.splitext(name)[1].lower() != ".rst":
            # Without a content type, readers render the description as
            # reStructuredText (core metadata): only a .rst file says the same.
            r.dynamic("readme")
            return
        ctype = "text/x-rst"
        r.out.notes.append(
            f"readme {name}: content-type text/x-rst, which core metadata assumes when "
            "setup.cfg names none"
        )
    comments = r.take(opt)
    if ctype_opt is not None:
        comments += r.take(ctype_opt)
    r.out.fields.append(
        [*comments, f"readme = {{file = {string(name)}, content-type = {string(ctype)}}}"]
    )
    r.out.expected["readme"] = {"file": name, "content-type": ctype}


def _extras(r: _Reader, root: str) -> None:
    section = "extras" if r.pbr else "options.extras_require"
    sect = r.doc.section(section)
    if sect is None or not sect.options:
        return
    if r.from_setup_py("optional-dependencies"):
        return
    if not r.pbr and any(r.value(o).startswith("file:") for o in sect.options.values()):
        r.dynamic("optional-dependencies")
        return
    if r.pbr:
        why = _pbr_computes_extras(r, sect.options, root)
        if why:
            r.dynamic("optional-dependencies")
            r.out.notes.append(f"[extras] stays in setup.cfg, optional-dependencies dynamic: {why}")
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


_REQUIREMENTS = ("requirements.txt", "tools/pip-requires")
"""The files pbr reads the dependencies from (pbr.packaging.REQUIREMENTS_FILES)."""


def _marked_requirement(root: str) -> str | None:
    """A requirement with a marker in pbr's requirements files (``pkg; sys_platform == ...``)."""
    for name in _REQUIREMENTS:
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, 1):
                text = line.split("#", 1)[0].strip()
                if (
                    text
                    and not text.startswith("-")
                    and (";" in text or ":" in text.split("://")[0])
                ):
                    return f"{name}:{number} ({text!r}, with a marker)"
    return None


def _pbr_computes_extras(r: _Reader, options: dict[str, Option], root: str) -> str | None:
    """Why pbr's extras are not what [extras] says, or ``None`` when they are."""
    if "test" not in options:
        for name in _TEST_REQUIREMENTS:
            if os.path.isfile(os.path.join(root, name)):
                return f"pbr adds an extra 'test' from {name}"
    marked = _marked_requirement(root)
    if marked:
        return f"pbr passes {marked} on as an extra of its own"
    for opt in options.values():
        for part in parts(r.doc, opt)[0]:
            # pbr reads 'package:marker' (its own spelling of a marker).
            text = part.text.split("#", 1)[0]
            if ":" in text and "://" not in text and ";" not in text:
                return (
                    f"{part.text!r} (line {part.line}) puts a marker after ':', which pbr rewrites"
                )
    return None


def _urls(r: _Reader) -> None:
    if r.from_setup_py("urls"):
        return
    items: list[Item] = []
    for key, label in (("url", "Homepage"), ("download_url", "Download")):
        opt = r.field(key) if key in _PRECEDENCE else r.opt("metadata", key)
        if opt is not None:
            items.append(Item(r.value(opt), name=label, before=r.take(opt), line=opt.line + 1))
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
            items.append(
                Item(url.strip(), name=label.strip(), before=before + part.before, line=part.line)
            )
            before = ()
        if trailing and items:
            # Comment lines after the last URL stay after it.
            last = items[-1]
            items[-1] = Item(
                last.value,
                name=last.name,
                before=last.before,
                after=tuple(trailing),
                line=last.line,
            )
    if not items:
        return
    seen: dict[str, Item] = {}
    unique: list[Item] = []
    for item in items:
        assert item.name is not None
        if item.name in seen and seen[item.name].value == item.value:
            # url and a project_urls entry of the same label and address: one URL.
            continue
        unique.append(item)
        if item.name in seen:
            raise MoveError(
                f"project URL label {item.name!r} is given twice in [metadata], at lines "
                f"{seen[item.name].line} and {item.line}, with different URLs; the build "
                "writes both (Home-page and a Project-URL), [project.urls] can hold one",
                path=r.doc.path,
                line=item.line,
                hint="give one of them another label (e.g. 'Documentation'), then run again; "
                "nothing was written",
            )
        seen[item.name] = item
    r.out.tables.append(table("[project.urls]", unique))
    r.out.expected["urls"] = {i.name: i.value for i in unique}


def _package_data(r: _Reader, setup_keywords: dict[str, int]) -> None:
    """``include-package-data = false`` where the build did not include package data.

    setuptools includes the files MANIFEST.in names in the wheel by default
    once pyproject.toml has a ``[project]`` table; without one, only when
    ``include_package_data`` says so. A project that left it unset keeps its
    wheel as it was only with the old default written out. (pbr sets it
    true itself.)
    """
    if r.opt("options", "include_package_data") is not None:
        return
    if "include_package_data" in setup_keywords:
        return
    if r.tool_setuptools:
        raise MoveError(
            "pyproject.toml has a [tool.setuptools] table without include-package-data, and "
            "with a [project] table setuptools' default for it becomes true",
            path=r.doc.path,
            hint="add 'include-package-data = false' to [tool.setuptools] (the default "
            "setuptools used until now), then run again; nothing was written",
        )
    r.out.tool.append(["[tool.setuptools]", "include-package-data = false"])
    r.out.tool_expected = {"include-package-data": False}
    r.out.notes.append(
        "[tool.setuptools] include-package-data = false: setuptools' default until now, "
        "which a [project] table would turn to true"
    )


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
