"""Rewriters: add entry points to packaging files and change nothing else.

Each target kind has one rewriter with a pure ``str -> str`` core
(:mod:`.setupcfg`, :mod:`.pyproject`, :mod:`.setuppy`) beside the model it
reads the file with: :mod:`.ini` (setup.cfg lines), :mod:`.pyproject_tables`
and :mod:`.toml_offsets` (what a pyproject.toml declares, and where),
:mod:`.setup_source` and :mod:`.setup_call` (setup.py's ``setup()`` call, with
ast and then libcst) and :mod:`.setuppy_layout` (spelling like the
neighbours). :mod:`.merge` decides what to add, keep or replace, the same way
for all of them; :mod:`.text` holds what they share about text. :mod:`.target`
chooses the file, :mod:`.run` is the ``write`` command as a library.

Each module is imported when its job comes: a setup.cfg write imports neither
libcst nor tomlkit.
"""

__all__: list[str] = []
