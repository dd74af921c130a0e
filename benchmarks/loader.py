"""Benchmark the hybrid loader against what it replaces, in fresh processes.

Run with the project's interpreter: ``.venv/bin/python benchmarks/loader.py``.

Two identical copies (``a`` and ``b``) of 200 generated extensions, each
shaped like a Neutron one (the file imports its API definition module,
subclasses a shared descriptor base and declares an abstract plugin
interface), are installed as real packages (``pip install --no-deps`` into a
throw-away virtualenv that sees this interpreter's packages, as the test
fixture does) and copied into plain legacy directories.

Each measurement is a new ``python -c`` process that imports everything
first, then loads one copy with the hybrid manager and the other with the
baseline, timing only the loads, in CPU time (``time.process_time``: on a
shared machine, wall time mostly measures the neighbours). On the shared
virtual machine this runs on, one process can be a third slower than the
next; both loads of one process see the same machine, so the goal is checked
on the median of the per-process ratios. Which copy each side loads and
which side runs first rotate over every four processes. The ratio of the
median times is printed beside it.

* all migrated: ``HybridExtensionManager`` with the legacy path still
  configured (the installed package's own extension directory, as Neutron
  lists it), against a plain ``stevedore.ExtensionManager`` on the same kind
  of group; goal <= 1.05x.
* all legacy: ``HybridExtensionManager`` on a group without entry points,
  against a plain Neutron-style loop (``spec_from_file_location`` +
  ``exec_module`` + instantiate) over the same 200 files; goal <= 1.10x.

Before the clock starts, each process has used stevedore once for another
group, as a service has by the time it loads its API extensions (Neutron
loads its core plugin through stevedore first): stevedore reads its
entry-point cache once per process, and that read is not part of loading
extensions. The all-legacy case is also shown without that earlier use,
where the hybrid manager pays the read (about 2 ms), for information.

``--bytecode compile`` (the default) gives the legacy directories no
bytecode cache, so each start compiles them, as when a root-owned directory
(what the hybrid loader's ownership rule asks for) is read by a non-root
service; ``--bytecode cached`` writes hash-based bytecode there first
(``compileall --invalidation-mode checked-hash``, the only kind the hybrid
loader reads). The installed packages always have pip's
bytecode.

The processes configure logging as a service would (a handler at WARNING),
so the hybrid loader's per-extension WARNING is paid for, and build the
managers from a module other than ``__main__``, where Python hides
deprecation warnings by default, as in a service. Exits 1 when a goal is
missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import Row, report

COUNT = 200
SIDES = ("a", "b")
"""Two identical copies of everything, one per loader in a child process."""

# Shaped like a Neutron extension: the file imports its API definition (as
# from neutron_lib.api.definitions), subclasses a shared descriptor base and
# declares an abstract plugin interface.
EXTENSION = '''"""Widget {n:03d} API extension."""

import abc

from {pkg} import api
from {pkg}.definitions import widget_{n:03d} as apidef


class Ext_{n:03d}(api.APIExtensionDescriptor):
    """Extension class supporting widget {n:03d}."""

    api_definition = apidef

    @classmethod
    def get_resources(cls):
        return api.build_resources(apidef.COLLECTION_NAME, apidef.RESOURCE_ATTRIBUTE_MAP)

    def get_extended_resources(self, version):
        if version == "2.0":
            return apidef.RESOURCE_ATTRIBUTE_MAP
        return {{}}


class Widget{n:03d}PluginBase(metaclass=abc.ABCMeta):
    """What a plugin implements to offer widget {n:03d}."""

    @abc.abstractmethod
    def create_widget(self, context, widget):
        pass

    @abc.abstractmethod
    def update_widget(self, context, widget_id, widget):
        pass

    @abc.abstractmethod
    def get_widget(self, context, widget_id, fields=None):
        pass

    @abc.abstractmethod
    def get_widgets(self, context, filters=None, fields=None):
        pass

    @abc.abstractmethod
    def delete_widget(self, context, widget_id):
        pass
'''

DEFINITION = '''"""API definition of widget {n:03d}."""

ALIAS = "widget-{n:03d}"
IS_SHIM_EXTENSION = False
IS_STANDARD_ATTR_EXTENSION = False
NAME = "Widget {n:03d}"
API_PREFIX = ""
DESCRIPTION = "Widgets of kind {n:03d}"
UPDATED_TIMESTAMP = "2024-01-01T10:00:00-00:00"
RESOURCE_NAME = "widget{n:03d}"
COLLECTION_NAME = RESOURCE_NAME + "s"
RESOURCE_ATTRIBUTE_MAP = {{
    COLLECTION_NAME: {{
        "id": {{"allow_post": False, "allow_put": False, "validate": {{"type:uuid": None}},
               "is_visible": True, "primary_key": True, "is_filter": True}},
        "name": {{"allow_post": True, "allow_put": True, "validate": {{"type:string": 255}},
                 "default": "", "is_visible": True, "is_filter": True}},
        "description": {{"allow_post": True, "allow_put": True,
                        "validate": {{"type:string": 1024}}, "default": "", "is_visible": True}},
        "project_id": {{"allow_post": True, "allow_put": False, "required_by_policy": True,
                       "validate": {{"type:string": 255}}, "is_visible": True}},
        "admin_state_up": {{"allow_post": True, "allow_put": True, "default": True,
                           "convert_to": bool, "is_visible": True}},
        "status": {{"allow_post": False, "allow_put": False, "is_visible": True}},
        "size": {{"allow_post": True, "allow_put": True, "default": 1,
                 "validate": {{"type:range": [1, 4096]}}, "convert_to": int, "is_visible": True}},
    }}
}}
SUB_RESOURCE_ATTRIBUTE_MAP = None
ACTION_MAP = {{}}
REQUIRED_EXTENSIONS = []
OPTIONAL_EXTENSIONS = []
ACTION_STATUS = {{}}
'''

API = '''"""The descriptor bases, as neutron_lib.api.extensions has them."""


class ExtensionDescriptor:
    """Base class that defines the contract for extensions."""

    def get_name(self):
        raise NotImplementedError()

    def get_alias(self):
        raise NotImplementedError()

    def get_description(self):
        raise NotImplementedError()

    def get_updated(self):
        raise NotImplementedError()

    def get_resources(self):
        return []

    def get_extended_resources(self, version):
        return {}


class APIExtensionDescriptor(ExtensionDescriptor):
    """An extension whose facts come from its api_definition module."""

    api_definition = None

    @classmethod
    def get_name(cls):
        return cls.api_definition.NAME

    @classmethod
    def get_alias(cls):
        return cls.api_definition.ALIAS

    @classmethod
    def get_description(cls):
        return cls.api_definition.DESCRIPTION

    @classmethod
    def get_updated(cls):
        return cls.api_definition.UPDATED_TIMESTAMP


def build_resources(collection, attribute_map):
    return [(collection, sorted(attribute_map[collection]))]
'''

# Every child imports what it needs before the clock starts, then runs the
# hybrid manager on one copy and the baseline on the other, in the order it
# is given, inside functions of a module named "service", not __main__.
CHILD = """
import json, logging, os, sys, time, types, importlib.util
logging.basicConfig(level=logging.WARNING, stream=open(os.devnull, "w"))
import stevedore.extension
from epmigrate.loader import HybridExtensionManager
if EARLIER_STEVEDORE_USE:
    # A service has used stevedore before it loads its API extensions (Neutron
    # loads its core plugin through it): stevedore's per-process read of its
    # entry-point cache is paid by then.
    stevedore.extension.ExtensionManager("bench.service.core_plugins")
service = types.ModuleType("service")
sys.modules["service"] = service
service.__dict__.update(
    clock=time.process_time, os=os, importlib=importlib, stevedore=stevedore,
    HybridExtensionManager=HybridExtensionManager,
)
exec(compile(SERVICE, "service.py", "exec"), service.__dict__)
seconds = {}
for side, func, args in RUNS:
    seconds[side] = getattr(service, func)(*args)
print(json.dumps(seconds))
"""

SERVICE = """
def stevedore_manager(group):
    t0 = clock()
    mgr = stevedore.extension.ExtensionManager(group, invoke_on_load=True)
    t1 = clock()
    return [t1 - t0, len(mgr.extensions)]


def hybrid_manager(group, path):
    t0 = clock()
    mgr = HybridExtensionManager(group, invoke_on_load=True, legacy_paths=path)
    t1 = clock()
    return [t1 - t0, len(mgr.extensions)]


def neutron_loop(path):
    t0 = clock()
    exts = []
    for f in sorted(os.listdir(path)):
        mod_name, file_ext = os.path.splitext(os.path.split(f)[-1])
        ext_path = os.path.join(path, f)
        if file_ext.lower() == ".py" and not mod_name.startswith("_"):
            spec = importlib.util.spec_from_file_location(mod_name, ext_path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            new_ext_class = getattr(mod, mod_name.capitalize(), None)
            if new_ext_class:
                exts.append(new_ext_class())
    t1 = clock()
    return [t1 - t0, len(exts)]
"""


@dataclass(frozen=True)
class Tree:
    """One copy: its group with entry points, the installed package's extension
    directory, a plain legacy directory and a group without entry points."""

    group: str
    installed: Path
    legacy: Path
    unmigrated_group: str


@dataclass(frozen=True)
class Comparison:
    """The hybrid manager against a baseline: a goal (at most ``goal`` times) or shown only."""

    title: str
    hybrid: Callable[[Tree], tuple[str, tuple[str, ...]]]
    baseline: Callable[[Tree], tuple[str, tuple[str, ...]]]
    goal: float | None
    earlier_stevedore_use: bool = True


COMPARISONS = (
    Comparison(
        "all migrated (legacy path configured)",
        lambda t: ("hybrid_manager", (t.group, str(t.installed))),
        lambda t: ("stevedore_manager", (t.group,)),
        1.05,
    ),
    Comparison(
        "all legacy (plain directory)",
        lambda t: ("hybrid_manager", (t.unmigrated_group, str(t.legacy))),
        lambda t: ("neutron_loop", (str(t.legacy),)),
        1.10,
    ),
    Comparison(
        "all legacy, first stevedore use",
        lambda t: ("hybrid_manager", (t.unmigrated_group, str(t.legacy))),
        lambda t: ("neutron_loop", (str(t.legacy),)),
        None,
        earlier_stevedore_use=False,
    ),
)


def build(work: Path) -> tuple[Path, dict[str, Tree]]:
    """Create the virtualenv, install both copies of the package, write the legacy copies."""
    root = work / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # This interpreter's packages, and epmigrate itself: an editable install
    # is a .pth file, which a directory added by another .pth does not run.
    import epmigrate

    src = Path(epmigrate.__file__).resolve().parent.parent
    (Path(site) / "_epmigrate_outer.pth").write_text(f"{sysconfig.get_path('purelib')}\n{src}\n")
    project = work / "bench_plugins_dist"
    sections = []
    trees = {}
    for side in SIDES:
        pkg = f"bench_plugins_{side}"
        package = project / pkg / "extensions"
        definitions = project / pkg / "definitions"
        package.mkdir(parents=True)
        definitions.mkdir()
        (project / pkg / "__init__.py").write_text("")
        (project / pkg / "api.py").write_text(API)
        (package / "__init__.py").write_text("")
        (definitions / "__init__.py").write_text("")
        legacy = work / f"legacy_{side}"
        legacy.mkdir()
        lines = []
        for n in range(COUNT):
            text = EXTENSION.format(n=n, pkg=pkg)
            (package / f"ext_{n:03d}.py").write_text(text)
            (legacy / f"ext_{n:03d}.py").write_text(text)
            (definitions / f"widget_{n:03d}.py").write_text(DEFINITION.format(n=n))
            lines.append(f'ext_{n:03d} = "{pkg}.extensions.ext_{n:03d}:Ext_{n:03d}"')
        group = f"bench.{side}.migrated"
        sections.append(f'[project.entry-points."{group}"]\n' + "\n".join(lines) + "\n")
        os.chmod(legacy, 0o755)
        trees[side] = Tree(group, Path(site) / pkg / "extensions", legacy, f"bench.{side}.legacy")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "bench-plugins"\nversion = "1.0"\n'
        '[tool.setuptools.packages.find]\ninclude = ["bench_plugins_*"]\n' + "".join(sections)
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            str(project),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    for tree in trees.values():
        os.chmod(tree.installed, 0o755)
    return python, trees


def measure(
    python: Path, comparison: Comparison, trees: dict[str, Tree], n: int, bytecode: str, cwd: Path
) -> tuple[float, float]:
    """One fresh child: (hybrid seconds, baseline seconds).

    Round ``n`` picks which copy each side loads and which side runs first,
    so that over four rounds every arrangement is measured once. ``cwd`` is
    on the child's ``sys.path`` (as ``''``) and stevedore hashes the
    modification time of every ``sys.path`` entry into its cache key: a
    directory nothing writes to keeps every child on the same cache file.
    """
    hybrid_side, base_side = SIDES if n % 2 == 0 else SIDES[::-1]
    runs = [
        ("hybrid", *comparison.hybrid(trees[hybrid_side])),
        ("baseline", *comparison.baseline(trees[base_side])),
    ]
    if (n // 2) % 2:
        runs.reverse()
    code = (
        f"SERVICE = {SERVICE!r}\nRUNS = {runs!r}\n"
        f"EARLIER_STEVEDORE_USE = {comparison.earlier_stevedore_use!r}\n" + CHILD
    )
    env = {k: v for k, v in os.environ.items() if k != "EPMIGRATE_LEGACY"}
    # No child writes bytecode: with --bytecode cached, main() has written it.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, env=env, check=False, cwd=cwd
    )
    if done.returncode != 0:
        raise SystemExit(f"{comparison.title} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for side, (_, loaded) in result.items():
        if loaded != COUNT:
            raise SystemExit(f"{comparison.title}: {side} loaded {loaded} extensions, not {COUNT}")
    return float(result["hybrid"][0]), float(result["baseline"][0])


def main() -> int:
    """Build, measure, print the table; 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=120, help="measured rounds (%(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--bytecode",
        choices=("compile", "cached"),
        default="compile",
        help="compile: the legacy directory has no bytecode cache, so every start compiles "
        "it (a root-owned directory read by a non-root service); cached: hash-based "
        "bytecode is compiled there first (default: %(default)s)",
    )
    options = parser.parse_args()
    # Outside /tmp: stevedore disables its entry-point cache for interpreters
    # under /tmp, which no deployed service is.
    base = Path(__file__).resolve().parent.parent / "build"
    base.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-loader-", dir=base))
    try:
        python, trees = build(work)
        if options.bytecode == "cached":
            # Hash-based, as the directory's owner writes it for the hybrid
            # loader (docs/loader.md); the baseline's import system checks
            # the same files by hashing the source.
            for tree in trees.values():
                subprocess.run(
                    [
                        str(python),
                        "-m",
                        "compileall",
                        "-q",
                        "--invalidation-mode",
                        "checked-hash",
                        str(tree.legacy),
                    ],
                    check=True,
                )
        quiet = work / "cwd"
        quiet.mkdir()
        pairs: dict[str, list[tuple[float, float]]] = {c.title: [] for c in COMPARISONS}
        for n in range(4):  # warm-up: every arrangement once (bytecode, stevedore's cache)
            for c in COMPARISONS:
                measure(python, c, trees, n, options.bytecode, quiet)
        for n in range(options.runs):
            for c in COMPARISONS:
                pairs[c.title].append(measure(python, c, trees, n, options.bytecode, quiet))
        print(
            f"{COUNT} extensions per copy; {options.runs} fresh processes per comparison, each "
            f"loading one copy with each side; CPU time of the loads only; legacy bytecode: "
            f"{options.bytecode}"
        )
        print(
            f"{'comparison':<34} {'hybrid ms':>9} {'base ms':>8} {'ratio':>6} "
            f"{'q1-q3':>11} {'medians':>7} {'us/ext':>6} {'goal':>6}"
        )
        rows = []
        for c in COMPARISONS:
            h = [x for x, _ in pairs[c.title]]
            b = [y for _, y in pairs[c.title]]
            ratios = [x / y for x, y in pairs[c.title]]
            ratio = statistics.median(ratios)
            q1, _, q3 = statistics.quantiles(ratios, n=4)
            medians = statistics.median(h) / statistics.median(b)
            per_ext = statistics.median(x - y for x, y in pairs[c.title]) / COUNT * 1e6
            if c.goal is not None:
                rows.append(Row(f"loader, {c.title}", ratio, c.goal))
            print(
                f"{c.title:<34} {statistics.median(h) * 1000:>9.1f} "
                f"{statistics.median(b) * 1000:>8.1f} {ratio:>6.3f} {q1:>5.3f}-{q3:<5.3f} "
                f"{medians:>7.3f} {per_ext:>6.1f} {f'{c.goal:.2f}x' if c.goal else 'shown':>6}"
            )
        print(
            "ratio: median of the per-process ratios (checked against the goal); q1-q3: their "
            "quartiles; medians: median hybrid time / median baseline time"
        )
        return report(rows)
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
