"""Entry-point syntax from the PyPA entry points specification.

* group: ``\\w+(\\.\\w+)*`` (dots separate words; no dashes in new groups);
* name: any characters but ``=``; must not start with ``[`` or start or end
  with white space; names are case sensitive;
* object reference: ``importable.module`` or ``importable.module:obj.attr``,
  each part a Python identifier; readers accept spaces around the ``:``;
* extras (optional, no longer recommended): ``[extra, ...]`` after the object
  reference, each a PEP 508 extra name.

Some names the grammar allows cannot be written to any file: a line break
(anything ``str.splitlines`` breaks at, as ``importlib.metadata`` reads
entry_points.txt), a leading ``#`` or ``;`` (a comment line in setup.cfg and
entry_points.txt) or a lone surrogate (not UTF-8). Those are refused too.

Every function raises :class:`~epmigrate.errors.ValidationError` with a message
that says which rule broke and what to write instead.
"""

from __future__ import annotations

import re

from epmigrate.errors import ValidationError
from epmigrate.model import EntryPointSpec

__all__ = [
    "GROUP_RE",
    "RECOMMENDED_NAME_RE",
    "normalise_value",
    "validate",
    "validate_group",
    "validate_name",
    "validate_value",
]

GROUP_RE = re.compile(r"\w+(\.\w+)*\Z")
RECOMMENDED_NAME_RE = re.compile(r"[\w.-]+\Z")
# Fast paths for the common ASCII spellings; anything else takes the slow,
# precise path that explains what is wrong.
_ASCII_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_PLAIN_VALUE_RE = re.compile(
    rf"{_ASCII_IDENT}(\.{_ASCII_IDENT})*(:{_ASCII_IDENT}(\.{_ASCII_IDENT})*)?\Z"
)
# PEP 508 extra names: letters and digits, with '-', '_' and '.' inside.
_EXTRA_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
_WORD_RE = re.compile(r"\w+\Z")
# Characters str.splitlines() breaks a line at.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


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
    if name[0] in "#;":
        # Legal by the grammar but unwritable: setup.cfg and entry_points.txt
        # read a line that starts with it as a comment.
        raise ValidationError(
            f"invalid entry-point name {name!r}: a name cannot start with {name[0]!r}, "
            "which starts a comment line",
            hint="use letters, digits, '_', '.' and '-' only",
        )
    if not _LINE_BREAKS.isdisjoint(name):
        raise ValidationError(
            f"invalid entry-point name {name!r}: it contains a line break, and "
            "entry-point files hold one entry per line",
            hint="use letters, digits, '_', '.' and '-' only",
        )
    if not name.isprintable() and any("\ud800" <= ch <= "\udfff" for ch in name):
        raise ValidationError(
            f"invalid entry-point name {name!r}: a lone surrogate cannot be written as UTF-8",
            hint="use letters, digits, '_', '.' and '-' only",
        )
    return name


def _identifier(part: str) -> bool:
    # A Python identifier that importlib.metadata's ``[\w.]+`` also matches
    # (a combining mark is an identifier character but not a \w one).
    return part.isidentifier() and _WORD_RE.match(part) is not None


def _split_value(value: str) -> tuple[str, str | None, list[str] | None]:
    """``module``, ``attr`` (or ``None``) and the extras (or ``None``) of a value.

    Raises :class:`ValidationError` for anything that breaks the grammar.
    """
    hint = "write it as package.module:Attribute"
    ref, bracket, rest = value.partition("[")
    extras = None
    if bracket:
        inner, close, tail = rest.partition("]")
        if not close or tail.strip():
            raise ValidationError(
                f"invalid object reference {value!r}: extras are one '[...]' at the end",
                hint="write it as package.module:Attribute [extra1,extra2]",
            )
        extras = [e.strip() for e in inner.split(",")] if inner.strip() else []
        bad = [e for e in extras if not _EXTRA_RE.match(e)]
        if bad:
            raise ValidationError(
                f"invalid object reference {value!r}: {bad[0]!r} is not an extra name",
                hint="extras are letters and digits, with '-', '_' or '.' inside, "
                "separated by commas",
            )
    module, sep, attr = ref.partition(":")
    # Readers accept spaces around the colon and before the extras.
    module, attr = module.strip(), attr.strip()
    bad = [p for p in module.split(".") if not _identifier(p)]
    if bad:
        raise ValidationError(
            f"invalid object reference {value!r}: {bad[0]!r} is not a Python identifier",
            hint=hint,
        )
    if not sep:
        return module, None, extras
    bad = [a for a in attr.split(".") if not _identifier(a)]
    if bad:
        raise ValidationError(
            f"invalid object reference {value!r}: attribute {bad[0]!r} is not a Python identifier",
            hint=hint,
        )
    return module, attr, extras


def validate_value(value: str) -> str:
    """Return ``value`` when it is a valid object reference, with optional extras."""
    if _PLAIN_VALUE_RE.match(value):
        return value
    _split_value(value)
    return value


def validate(spec: EntryPointSpec) -> EntryPointSpec:
    """Validate all three parts of an entry point; return it unchanged."""
    validate_group(spec.group)
    validate_name(spec.name)
    validate_value(spec.value)
    return spec


def normalise_value(value: str) -> str:
    """The canonical spelling of an object reference.

    No spaces around ``:``; extras, if any, as ``module:attr [a,b]`` (the
    spelling the specification recommends to writers). An invalid value (one
    read from a file) only loses the spaces around ``:``.
    """
    if _PLAIN_VALUE_RE.match(value):
        return value
    try:
        module, attr, extras = _split_value(value)
    except ValidationError:
        # An invalid value already in a file is compared as written, trimmed.
        module, sep, attr_text = value.partition(":")
        return f"{module.strip()}{sep}{attr_text.strip()}"
    ref = module if attr is None else f"{module}:{attr}"
    return ref if extras is None else f"{ref} [{','.join(extras)}]"
