"""The small functions ``fix-callers`` adds to a module, each only where it is used.

Each is the meaning of one pkg_resources call in ``importlib.metadata``
(Python 3.10 and later). The entry points of a group are read once and kept
(:data:`ENTRY_POINTS`): pkg_resources read every installed distribution once,
when it was imported, so a lookup cost nothing after; calling
``importlib.metadata.entry_points()`` on every lookup instead reads every
distribution's metadata each time, which is what made the hand-made ports of
2026 10 to 30 times slower to start.
"""

from __future__ import annotations

__all__ = ["HELPERS", "IMPORTS"]

ENTRY_POINTS = '''\
@functools.cache
def {name}(group, name=None):
    """The entry points of ``group`` (only ``name``, when given), read once.

    Written by epmigrate fix-callers for pkg_resources.iter_entry_points.
    """
    found = importlib.metadata.entry_points(group=group)
    return tuple(found if name is None else found.select(name=name))
'''

LOAD_ENTRY_POINT = '''\
def {name}(dist, group, name):
    """Load entry point ``name`` of ``group`` of distribution ``dist``.

    Written by epmigrate fix-callers for pkg_resources.load_entry_point.
    """
    for entry_point in importlib.metadata.distribution(dist).entry_points.select(
        group=group, name=name
    ):
        return entry_point.load()
    raise ImportError(f"Entry point {{(group, name)!r}} not found")
'''

ENTRY_INFO = '''\
def {name}(dist, group, name):
    """Entry point ``name`` of ``group`` of distribution ``dist``, or None.

    Written by epmigrate fix-callers for pkg_resources.get_entry_info.
    """
    found = importlib.metadata.distribution(dist).entry_points.select(group=group, name=name)
    return next(iter(found), None)
'''

ENTRY_MAP = '''\
def {name}(dist, group=None):
    """The entry points of distribution ``dist`` by group, then by name.

    Written by epmigrate fix-callers for pkg_resources.get_entry_map.
    """
    found = importlib.metadata.distribution(dist).entry_points
    if group is not None:
        return {{ep.name: ep for ep in found.select(group=group)}}
    return {{g: {{ep.name: ep for ep in found.select(group=g)}} for g in found.groups}}
'''

PARSE_ENTRY_POINT = '''\
def {name}(src):
    """An entry point from its ``name = module:attr [extras]`` line.

    Written by epmigrate fix-callers for pkg_resources.EntryPoint.parse.
    """
    name, sep, value = src.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise ValueError(f"EntryPoint must be in 'name=module:attrs [extras]' format: {{src!r}}")
    return importlib.metadata.EntryPoint(name=name.strip(), value=value.strip(), group=None)
'''

RESOURCE_FILENAME = '''\
def {name}(package, resource):
    """The path of file ``resource`` (``/``-separated) beside module ``package``.

    Written by epmigrate fix-callers for pkg_resources.resource_filename, as it
    is for a module imported from a directory.
    """
    module = sys.modules.get(package) or importlib.import_module(package)
    return os.path.join(os.path.dirname(module.__file__), *resource.split("/"))
'''

RESOURCE_STRING = '''\
def {name}(package, resource):
    """The bytes of file ``resource`` (``/``-separated) beside module ``package``.

    Written by epmigrate fix-callers for pkg_resources.resource_string, as it
    is for a module imported from a directory.
    """
    module = sys.modules.get(package) or importlib.import_module(package)
    path = os.path.join(os.path.dirname(module.__file__), *resource.split("/"))
    with open(path, "rb") as stream:
        return stream.read()
'''

HELPERS = {
    "entry_points": ("_entry_points", ENTRY_POINTS),
    "load_entry_point": ("_load_entry_point", LOAD_ENTRY_POINT),
    "entry_info": ("_entry_info", ENTRY_INFO),
    "entry_map": ("_entry_map", ENTRY_MAP),
    "parse_entry_point": ("_parse_entry_point", PARSE_ENTRY_POINT),
    "resource_filename": ("_resource_filename", RESOURCE_FILENAME),
    "resource_string": ("_resource_string", RESOURCE_STRING),
}
"""Each helper: the name it is given in the module (when free) and its source."""

IMPORTS = {
    "entry_points": ("functools", "importlib.metadata"),
    "load_entry_point": ("importlib.metadata",),
    "entry_info": ("importlib.metadata",),
    "entry_map": ("importlib.metadata",),
    "parse_entry_point": ("importlib.metadata",),
    "resource_filename": ("importlib", "os", "sys"),
    "resource_string": ("importlib", "os", "sys"),
}
"""The imports each helper needs."""
