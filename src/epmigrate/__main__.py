"""``python -m epmigrate``: the same as the ``epmigrate`` command."""

from epmigrate.cli import main

main()
