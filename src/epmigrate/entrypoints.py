"""Entry-point syntax from the PyPA entry points specification.

* group: ``\\w+(\\.\\w+)*`` (dots separate words; no dashes in new groups);
* name: any characters but ``=``; must not start with ``[`` or start or end
  with white space; names are case sensitive;
* object reference: ``importable.module`` or ``importable.module:obj.attr``,
  each part a Python identifier.

Every function raises :class:`~epmigrate.errors.ValidationError` with a message
that says which rule broke and what to write instead.
"""

from __future__ import annotations

import re

from epmigrate.errors import ValidationError
from epmigrate.model import EntryPointSpec

GROUP_RE = re.compile(r"\w+(\.\w+)*\Z")
RECOMMENDED_NAME_RE = re.compile(r"[\w.-]+\Z")
# Fast paths for the common ASCII spellings; anything else takes the slow,
# precise path that explains what is wrong.
_ASCII_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_PLAIN_VALUE_RE = re.compile(
    rf"{_ASCII_IDENT}(\.{_ASCII_IDENT})*(:{_ASCII_IDENT}(\.{_ASCII_IDENT})*)?\Z"
)


def validate_group(group: str) -> str:
    """Return ``group`` when it is a valid entry-point group name."""
    if not GROUP_RE.match(group):
        fixed = re.sub(r"[^\w.]+", "_", group).strip(".") or "group"
        raise ValidationError(
            f"invalid entry-point group {group!r}: a group is words of letters, "
            "digits and underscores joined by dots",
            hint=f"use a name such as {fixed!r}",
        )
    return group


def validate_name(name: str) -> str:
    """Return ``name`` when it is a valid entry-point name."""
    if RECOMMENDED_NAME_RE.match(name) and not name.startswith("["):
        return name
    if not name:
        raise ValidationError("invalid entry-point name '': a name cannot be empty")
    if "=" in name:
        raise ValidationError(
            f"invalid entry-point name {name!r}: a name cannot contain '='",
            hint="use letters, digits, '_', '.' and '-' only",
        )
    if name.startswith("["):
        raise ValidationError(
            f"invalid entry-point name {name!r}: a name cannot start with '['",
            hint="use letters, digits, '_', '.' and '-' only",
        )
    if name != name.strip():
        raise ValidationError(
            f"invalid entry-point name {name!r}: a name cannot start or end with white space"
        )
    if any(ch in name for ch in "\r\n#;"):
        # Legal by the grammar but unwritable: INI and TOML readers cut a value
        # at a newline or an inline comment character.
        raise ValidationError(
            f"invalid entry-point name {name!r}: it contains a line break, '#' or ';'",
            hint="use letters, digits, '_', '.' and '-' only",
        )
    return name


def validate_value(value: str) -> str:
    """Return ``value`` when it is a valid object reference."""
    if _PLAIN_VALUE_RE.match(value):
        return value
    module, sep, attr = value.partition(":")
    parts = module.split(".")
    bad = [p for p in parts if not p.isidentifier()]
    if bad:
        raise ValidationError(
            f"invalid object reference {value!r}: {bad[0]!r} is not a Python identifier",
            hint="write it as package.module:Attribute",
        )
    if sep:
        attrs = attr.split(".")
        bad = [a for a in attrs if not a.isidentifier()]
        if bad:
            raise ValidationError(
                f"invalid object reference {value!r}: attribute {bad[0]!r} "
                "is not a Python identifier",
                hint="write it as package.module:Attribute",
            )
    return value


def validate(spec: EntryPointSpec) -> EntryPointSpec:
    """Validate all three parts of an entry point; return it unchanged."""
    validate_group(spec.group)
    validate_name(spec.name)
    validate_value(spec.value)
    return spec


def normalise_value(value: str) -> str:
    """The canonical spelling of an object reference (no spaces around ':')."""
    if " " not in value and "\t" not in value:
        return value
    module, sep, attr = value.partition(":")
    return f"{module.strip()}{sep}{attr.strip()}"
