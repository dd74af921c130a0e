"""Named tuples declared as with :class:`typing.NamedTuple`, without importing :mod:`typing`.

``class LegacyFile(NamedTuple): path: str ...`` reads the same as the
standard library's form, and the type checker sees exactly that (it is
imported as ``typing.NamedTuple`` under ``TYPE_CHECKING``). At run time the
class is made by :func:`collections.namedtuple` from the annotations (kept
as strings: every declaring module has ``from __future__ import
annotations``), with the body's methods, properties and docstring on it, as
``typing`` does.

Why not ``typing`` itself: importing it costs about a quarter of a cache-hit
``epmigrate scan`` process and of a service start's share (it imports ``re``,
``functools``, ``contextlib`` and more), and the records the scanner's cache
hit and the runtime loader use are all that needs it there.
"""

from __future__ import annotations

from collections import namedtuple

__all__ = ["NamedTuple"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple
else:
    _OWN = frozenset(
        {"__module__", "__qualname__", "__annotations__", "__dict__", "__weakref__", "__slots__"}
    )

    class _Declared(type):
        """Makes each class declared with :class:`NamedTuple` a named tuple."""

        def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, object]) -> type:
            if not bases:  # NamedTuple itself
                return super().__new__(mcls, name, bases, namespace)
            annotations = namespace.get("__annotations__")
            if not isinstance(annotations, dict):
                raise TypeError(
                    f"{name}: declare its fields with annotations, under "
                    "'from __future__ import annotations'"
                )
            fields = list(annotations)
            defaults: list[object] = []
            for field in fields:
                if field in namespace:
                    defaults.append(namespace[field])
                elif defaults:
                    raise TypeError(f"{name}: field {field!r} without a default follows one with")
            made = namedtuple(
                name, fields, defaults=defaults, module=str(namespace.get("__module__"))
            )
            for key, value in namespace.items():
                if key not in _OWN and key not in annotations:
                    setattr(made, key, value)
            made.__qualname__ = str(namespace.get("__qualname__", name))
            made.__annotations__ = dict(annotations)
            return made

    class NamedTuple(metaclass=_Declared):
        """Base of a declared named tuple (see the module's docstring)."""
