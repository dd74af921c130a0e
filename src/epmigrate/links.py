"""Whether a packaging file is a symbolic link that leaves its project.

Standard library only (``os``, ``stat``): the replay of a cached scan
(:mod:`epmigrate.quick`) asks it before click is imported, and
:mod:`epmigrate.fileio` refuses to read such a file.
"""

from __future__ import annotations

import os
import stat

__all__ = ["outside_link", "work_tree"]


def work_tree(directory: str) -> str | None:
    """The git work tree that holds ``directory`` (nearest parent with ``.git``), or ``None``."""
    here = os.path.abspath(directory)
    while True:
        try:
            os.lstat(os.path.join(here, ".git"))
            return here
        except OSError:
            pass
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def outside_link(path: str) -> tuple[str, str, str] | None:
    """``(target, project, kind)`` when ``path`` is a link leading out of its project.

    The project is the git work tree holding the link (``kind`` "git work
    tree"), or else the directory holding it ("directory"). ``None`` for a
    file that is no link, a link that stays inside, and a path that cannot
    be read (the open says why).
    """
    try:
        if not stat.S_ISLNK(os.lstat(path).st_mode):
            return None
    except OSError:
        return None
    target = os.path.realpath(path)
    home = os.path.dirname(os.path.abspath(path))
    tree = work_tree(home)
    project = tree or home
    top = os.path.realpath(project)
    if os.path.commonpath([top, target]) == top:
        return None
    return target, project, "git work tree" if tree else "directory"
