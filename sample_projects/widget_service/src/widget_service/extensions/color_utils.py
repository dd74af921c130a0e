"""Helpers for the colors extension (no extension class: the loader skips it)."""

ALIAS = "colors"


def parse_color(value):
    return value.lower()
