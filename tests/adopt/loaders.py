"""Small service loaders in the shapes ``epmigrate adopt`` knows, written for the tests.

Each is a whole module a service could ship: ``PATH_LOADER`` follows the
shape of Neutron's ``ExtensionManager`` (sorted listing, ``capitalize``,
a per-file ``try``), ``OSLO_LOADER`` the oslo-incubator copy (plain listing,
``stem[0].upper()``, no ``try``) and ``WALK_LOADER`` the nova-style
``load_standard_extensions`` of Cinder and Manila. The classes they
instantiate derive from nothing and record what they load, so the adopted
modules can be run against a real installed distribution.
"""

PATH_LOADER = '''\
"""The extension manager of a small service (the shape of Neutron's)."""

import importlib.util
import logging
import os

LOG = logging.getLogger(__name__)


class DuplicatedExtension(Exception):
    pass


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ExtensionManager:
    """Loads every extension of the directories of ``path`` (joined by ``:``)."""

    def __init__(self, path):
        self.path = path
        self.extensions = {}
        self._load_all_extensions()

    def _load_all_extensions(self):
        """Load extensions from the configured path."""

        # A comment of the service's own, kept where it is.
        for path in self.path.split(':'):
            if os.path.exists(path):
                self._load_all_extensions_from_path(path)
            else:
                LOG.error("Extension path '%s' doesn't exist!", path)

    def _load_all_extensions_from_path(self, path):
        # Sorted, so every server of a cluster loads in the same order.
        for f in sorted(os.listdir(path)):
            try:
                mod_name, file_ext = os.path.splitext(os.path.split(f)[-1])
                ext_path = os.path.join(path, f)
                if file_ext.lower() == '.py' and not mod_name.startswith('_'):
                    mod = load_module(mod_name, ext_path)
                    ext_name = mod_name.capitalize()
                    new_ext_class = getattr(mod, ext_name, None)
                    if not new_ext_class:
                        LOG.warning('Did not find expected name '
                                    '"%(ext_name)s" in %(file)s',
                                    {'ext_name': ext_name, 'file': ext_path})
                        continue
                    new_ext = new_ext_class()
                    self.add_extension(new_ext)
            except Exception as exception:
                LOG.warning("Extension file %(f)s wasn't loaded due to "
                            "%(exception)s",
                            {'f': f, 'exception': exception})

    def add_extension(self, ext):
        alias = ext.get_alias()
        LOG.info('Loaded extension: %s', alias)
        if alias in self.extensions:
            raise DuplicatedExtension(alias)
        self.extensions[alias] = ext
'''

PATH_LOADER_ADOPTED = (
    PATH_LOADER.replace("import os\n", "import os\n\nimport epmigrate.loader\n", 1)
    .replace(
        '''        """Load extensions from the configured path."""

        # A comment''',
        '''        """Load extensions from the configured path."""

        for f in epmigrate.loader.entry_points('widget.api.extensions'):
            try:
                self.add_extension(f.load()())
            except Exception as exception:
                LOG.warning("Extension file %(f)s wasn't loaded due to "
                            "%(exception)s",
                            {'f': f, 'exception': exception})

        # A comment''',
    )
    .replace(
        "        for f in sorted(os.listdir(path)):\n",
        "        for f in epmigrate.loader.legacy_listing(\n"
        "                path, group='widget.api.extensions', profile='neutron'):\n",
    )
)

OSLO_LOADER = """\
import imp
import os


class ExtensionManager(object):

    def __init__(self, path):
        self.path = path
        self.extensions = {}
        self._load_all_extensions()

    def _load_all_extensions(self):
        for path in self.path.split(':'):
            if os.path.exists(path):
                self._load_all_extensions_from_path(path)

    def _load_all_extensions_from_path(self, path):
        for f in os.listdir(path):
            mod_name, file_ext = os.path.splitext(os.path.split(f)[-1])
            ext_path = os.path.join(path, f)
            if file_ext.lower() == '.py' and not mod_name.startswith('_'):
                mod = imp.load_source(mod_name, ext_path)
                ext_name = mod_name[0].upper() + mod_name[1:]
                new_ext_class = getattr(mod, ext_name, None)
                if not new_ext_class:
                    continue
                new_ext = new_ext_class()
                self.add_extension(new_ext)

    def add_extension(self, ext):
        self.extensions[ext.get_alias()] = ext
"""

WALK_LOADER = '''\
"""Standard extensions of a small service (the shape of Cinder's)."""

import logging
import os

from widget import importutils

LOG = logging.getLogger(__name__)

FILES_TO_SKIP = ['resource_common_manage.py']


def load_standard_extensions(ext_mgr, logger, path, package, ext_list=None):
    """Registers all standard API extensions."""

    # Walk through all the modules in our directory...
    our_dir = path[0]
    for dirpath, dirnames, filenames in os.walk(our_dir):
        # Compute the relative package name from the dirpath
        relpath = os.path.relpath(dirpath, our_dir)
        if relpath == '.':
            relpkg = ''
        else:
            relpkg = '.%s' % '.'.join(relpath.split(os.sep))

        # Now, consider each file in turn, only considering .py files
        for fname in filenames:
            root, ext = os.path.splitext(fname)

            # Skip __init__ and anything that's not .py
            if (ext != '.py' or root == '__init__' or
                    fname in FILES_TO_SKIP):
                continue

            # Try loading it
            classname = "%s%s" % (root[0].upper(), root[1:])
            classpath = ("%s%s.%s.%s" %
                         (package, relpkg, root, classname))

            if ext_list is not None and classname not in ext_list:
                logger.debug("Skipping extension: %s" % classpath)
                continue

            try:
                ext_mgr.load_extension(classpath)
            except Exception as exc:
                logger.warning('Failed to load extension %(classpath)s: '
                               '%(exc)s',
                               {'classpath': classpath, 'exc': exc})

        # Now, let's consider any subdirectories we may have...
        subdirs = []
        for dname in dirnames:
            # Skip it if it does not have __init__.py
            if not os.path.exists(os.path.join(dirpath, dname,
                                               '__init__.py')):
                continue

            # If it has extension(), delegate...
            ext_name = ("%s%s.%s.extension" %
                        (package, relpkg, dname))
            try:
                ext = importutils.import_class(ext_name)
            except ImportError:
                # extension() doesn't exist on it, so we'll explore
                # the directory for ourselves
                subdirs.append(dname)
            else:
                try:
                    ext(ext_mgr)
                except Exception as exc:
                    logger.warning('Failed to load extension %(ext_name)s:'
                                   '%(exc)s',
                                   {'ext_name': ext_name, 'exc': exc})

        # Update the list of directories we'll explore...
        dirnames[:] = subdirs
'''
