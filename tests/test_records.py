"""epmigrate.records: named tuples declared as with typing.NamedTuple, without typing."""

from __future__ import annotations

import subprocess
import sys
import typing

import pytest

from epmigrate.profiles import LegacyFile, Profile, get_profile
from epmigrate.records import NamedTuple


class Point(NamedTuple):
    """A point."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.x + self.y

    def moved(self, by: int) -> Point:
        return self._replace(x=self.x + by)


class TypedPoint(typing.NamedTuple):
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


def test_a_declared_tuple_behaves_as_the_typing_one() -> None:
    ours, theirs = Point(1), TypedPoint(1)
    assert ours == theirs == (1, 0, ())
    assert Point._fields == TypedPoint._fields == ("x", "y", "tags")
    assert Point._field_defaults == TypedPoint._field_defaults == {"y": 0, "tags": ()}
    assert repr(ours) == "Point(x=1, y=0, tags=())"
    assert Point(x=2, y=3).total == 5
    assert Point(1).moved(2) == Point(3)
    assert type(Point(1).moved(2)) is Point
    assert Point.__doc__ == "A point."
    assert Point.__qualname__ == "Point"
    assert Point.__module__ == __name__
    assert Point.__annotations__ == {"x": "int", "y": "int", "tags": "tuple[str, ...]"}
    with pytest.raises(AttributeError):
        ours.x = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_a_subclass_overrides_methods_as_third_party_profiles_do() -> None:
    class Mine(Profile):
        def expected_class(self, stem: str) -> str | None:
            return "Fixed"

    mine = Mine(**get_profile("neutron")._asdict())
    assert mine.expected_class("anything") == "Fixed"
    assert mine._replace(name="mine").name == "mine"
    assert type(mine._replace(name="mine")) is Mine


def test_a_field_without_a_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="'y' without a default"):

        class Bad(NamedTuple):
            x: int = 0
            y: int


def test_the_profile_records_are_named_tuples_without_typing() -> None:
    assert LegacyFile("/a/b.py", "b.py", "b") == ("/a/b.py", "b.py", "b", ())
    code = "import sys, epmigrate.profiles; print('typing' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
