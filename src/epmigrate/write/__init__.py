"""Rewriters: add entry points to packaging files and change nothing else.

Each target kind has one module with a pure ``str -> str`` core
(:mod:`.setupcfg`, :mod:`.pyproject`, :mod:`.setuppy`); :mod:`.merge` decides
what to add, keep or replace, the same way for all of them.
"""
