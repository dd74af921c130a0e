"""Benchmark the hybrid loader against what it replaces, in fresh processes.

Run with the project's interpreter: ``.venv/bin/python benchmarks/loader.py``.

200 generated extensions, each shaped like a Neutron one (the file imports
its API definition module, subclasses a shared descriptor base and declares
an abstract plugin interface), are installed as a real package (``pip
install --no-deps`` into a throw-away virtualenv that sees this
interpreter's packages, as the test fixture does) and copied into a plain
legacy directory. Each measurement is a new ``python -c`` process that
imports everything first and measures only the load, from before the
manager is built to after, in CPU time (``time.process_time``: on a shared
machine, wall time mostly measures the neighbours). Each round runs every
case once, so a change in machine load hits a hybrid run and its baseline
alike; after one warm-up round, ``--runs`` rounds are made and the goal is
checked on the ratio of the medians (the ratio of the minimums is printed
beside it):

* all migrated: ``HybridExtensionManager`` with the legacy path still
  configured (the installed package's own extension directory, as Neutron
  lists it), against a plain ``stevedore.ExtensionManager`` on the same
  group; goal <= 1.05x.
* all legacy: ``HybridExtensionManager`` on a group without entry points,
  against a plain Neutron-style loop (``spec_from_file_location`` +
  ``exec_module`` + instantiate) over the same 200 files; goal <= 1.10x.

``--bytecode compile`` (the default) gives the legacy directory no bytecode
cache, so each start compiles it, as when a root-owned directory (what the
hybrid loader's ownership rule asks for) is read by a non-root service;
``--bytecode cached`` lets the warm-up round write ``__pycache__`` there
first. The installed package always has pip's bytecode.

The child processes configure logging as a service would (a handler at
WARNING), so the hybrid loader's per-extension WARNING is paid for, and
build the managers from a module other than ``__main__``, where Python hides
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import Row, report

COUNT = 200
GROUP = "bench.migrated"
LEGACY_GROUP = "bench.unmigrated"

# Shaped like a Neutron extension: the file imports its API definition (as
# from neutron_lib.api.definitions), subclasses a shared descriptor base and
# declares an abstract plugin interface.
EXTENSION = '''"""Widget {n:03d} API extension."""

import abc

from bench_plugins import api
from bench_plugins.definitions import widget_{n:03d} as apidef


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

# Every child imports what it needs before the clock starts; the load runs
# inside a function of a module named "service", not __main__.
PRELUDE = """
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
exec(compile(CODE, "service.py", "exec"), service.__dict__)
print(json.dumps(service.measure(*ARGS)))
"""

CASES = {
    "stevedore": """
def measure(group):
    t0 = clock()
    mgr = stevedore.extension.ExtensionManager(group, invoke_on_load=True)
    t1 = clock()
    return [t1 - t0, len(mgr.extensions)]
""",
    "hybrid": """
def measure(group, path):
    t0 = clock()
    mgr = HybridExtensionManager(group, invoke_on_load=True, legacy_paths=path)
    t1 = clock()
    return [t1 - t0, len(mgr.extensions)]
""",
    "neutron_loop": """
def measure(path):
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
""",
}


# The hybrid case in a process where it is the first to use stevedore.
FIRST_USE = "hybrid_first_stevedore_use"
CASES[FIRST_USE] = CASES["hybrid"]


@dataclass
class Comparison:
    """The hybrid case over its baseline: a goal (at most ``goal`` times slower) or shown only."""

    title: str
    hybrid: tuple[str, tuple[str, ...]]
    baseline: tuple[str, tuple[str, ...]]
    goal: float | None


def build(work: Path) -> tuple[Path, Path, Path]:
    """Create the virtualenv, install the package, write the legacy copy."""
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
    package = project / "bench_plugins" / "extensions"
    definitions = project / "bench_plugins" / "definitions"
    package.mkdir(parents=True)
    definitions.mkdir()
    (project / "bench_plugins" / "__init__.py").write_text("")
    (project / "bench_plugins" / "api.py").write_text(API)
    (package / "__init__.py").write_text("")
    (definitions / "__init__.py").write_text("")
    legacy = work / "legacy"
    legacy.mkdir()
    lines = []
    for n in range(COUNT):
        text = EXTENSION.format(n=n)
        (package / f"ext_{n:03d}.py").write_text(text)
        (legacy / f"ext_{n:03d}.py").write_text(text)
        (definitions / f"widget_{n:03d}.py").write_text(DEFINITION.format(n=n))
        lines.append(f'ext_{n:03d} = "bench_plugins.extensions.ext_{n:03d}:Ext_{n:03d}"')
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "bench-plugins"\nversion = "1.0"\n'
        f'[project.entry-points."{GROUP}"]\n' + "\n".join(lines) + "\n"
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
    installed = Path(site) / "bench_plugins" / "extensions"
    for d in (legacy, installed):
        os.chmod(d, 0o755)
    return python, installed, legacy


def measure(python: Path, case: str, args: tuple[str, ...], bytecode: str, cwd: Path) -> float:
    """Run one fresh child in ``cwd``; return the seconds it spent loading.

    ``cwd`` is on the child's ``sys.path`` (as ``''``) and stevedore hashes
    the modification time of every ``sys.path`` entry into its cache key: a
    directory nothing writes to keeps every child on the same cache file.
    """
    code = (
        f"CODE = {CASES[case]!r}\nARGS = {list(args)!r}\n"
        f"EARLIER_STEVEDORE_USE = {case != FIRST_USE!r}\n" + PRELUDE
    )
    env = {k: v for k, v in os.environ.items() if k != "EPMIGRATE_LEGACY"}
    if bytecode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, env=env, check=False, cwd=cwd
    )
    if done.returncode != 0:
        raise SystemExit(f"{case} failed:\n{done.stderr}")
    seconds, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    if loaded != COUNT:
        raise SystemExit(f"{case} {args} loaded {loaded} extensions, not {COUNT}")
    return float(seconds)


def main() -> int:
    """Build, measure, print the table; 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=81, help="measured rounds (%(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--bytecode",
        choices=("compile", "cached"),
        default="compile",
        help="compile: the legacy directory has no bytecode cache, so every start compiles "
        "it (a root-owned directory read by a non-root service); cached: the warm-up "
        "round writes __pycache__ there first (default: %(default)s)",
    )
    options = parser.parse_args()
    # Outside /tmp: stevedore disables its entry-point cache for interpreters
    # under /tmp, which no deployed service is.
    base = Path(__file__).resolve().parent.parent / "build"
    base.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-loader-", dir=base))
    try:
        python, installed, legacy = build(work)
        quiet = work / "cwd"
        quiet.mkdir()
        comparisons = [
            Comparison(
                "all migrated (legacy path configured)",
                ("hybrid", (GROUP, str(installed))),
                ("stevedore", (GROUP,)),
                1.05,
            ),
            Comparison(
                "all legacy (plain directory)",
                ("hybrid", (LEGACY_GROUP, str(legacy))),
                ("neutron_loop", (str(legacy),)),
                1.10,
            ),
            Comparison(
                "all legacy, first stevedore use",
                (FIRST_USE, (LEGACY_GROUP, str(legacy))),
                ("neutron_loop", (str(legacy),)),
                None,
            ),
        ]
        cases = {c.hybrid for c in comparisons} | {c.baseline for c in comparisons}
        ordered = sorted(cases)
        times: dict[tuple[str, tuple[str, ...]], list[float]] = {c: [] for c in ordered}
        for case, args in ordered:  # warm-up: bytecode caches, stevedore's cache
            measure(python, case, args, options.bytecode, quiet)
        for n in range(options.runs):
            # Each case once per round, so a change in machine load hits a
            # hybrid run and its baseline alike; the order rotates, so no
            # case always runs first (or right after a given other one).
            k = n % len(ordered)
            for case, args in ordered[k:] + ordered[:k]:
                times[(case, args)].append(measure(python, case, args, options.bytecode, quiet))
        print(
            f"{COUNT} extensions; {options.runs} rounds of fresh processes; CPU time of the "
            f"load only; legacy bytecode: {options.bytecode}"
        )
        print(
            f"{'comparison':<38} {'hybrid ms':>9} {'base ms':>8} {'ratio':>6} "
            f"{'by min':>6} {'paired':>6} {'us/ext':>6} {'goal':>6}"
        )
        rows = []
        for c in comparisons:
            h, b = times[c.hybrid], times[c.baseline]
            ratio = statistics.median(h) / statistics.median(b)
            by_min = min(h) / min(b)
            paired = statistics.median(x / y for x, y in zip(h, b, strict=True))
            per_ext = (statistics.median(h) - statistics.median(b)) / COUNT * 1e6
            if c.goal is not None:
                rows.append(Row(f"loader, {c.title}", ratio, c.goal))
            print(
                f"{c.title:<38} {statistics.median(h) * 1000:>9.1f} "
                f"{statistics.median(b) * 1000:>8.1f} {ratio:>6.3f} {by_min:>6.3f} {paired:>6.3f} "
                f"{per_ext:>6.1f} {f'{c.goal:.2f}x' if c.goal else 'shown':>6}"
            )
        print("ratio: median / median (checked against the goal); by min: min / min")
        return report(rows)
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
