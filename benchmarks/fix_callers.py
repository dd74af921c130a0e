"""``epmigrate fix-callers`` against one libcst parse of the files it touches, whole processes.

The tree is 200 modules that read entry points through pkg_resources (a
loop, a lookup by name, an attribute, a handler) and 800 that never name it,
as a plugin host's package has them. The command is ``epmigrate fix-callers
--check``, which reads the 1,000 files, rewrites the 200 and prints the diff.
Two baselines, each one process over the 200 files the command rewrites: a
libcst parse (printed), and a libcst parse with the qualified names libcst
computes for it (the goal's baseline: a codemod that finds calls by what a
name is bound to, not by its text, cannot do less; libcst's scope analysis
costs about 14 times its parse). All are whole processes as a user starts
them (bytecode written), alternated, medians of RUNS runs. The goal is at
most 2x that baseline: the rewrite itself, the diff and the start-up on top
of the metadata.

Run: ``python benchmarks/fix_callers.py [--runs N]`` (exit 1 when the goal is missed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _processes import bytecode_env, epmigrate_script, wall
from _report import Row, report

GOAL = 2.0
READER = '''\
"""Plugin host {i}."""

import logging

import pkg_resources

LOG = logging.getLogger(__name__)
GROUP = "host{i}.plugins"


def load_all():
    plugins = {{}}
    for ep in pkg_resources.iter_entry_points(GROUP):
        try:
            plugins[ep.name] = ep.load(require=False)
        except (ImportError, pkg_resources.DistributionNotFound):
            LOG.warning("cannot load %s from %s", ep.name, ep.module_name)
    return plugins


def lookup(name):
    ep = next(pkg_resources.iter_entry_points(GROUP, name))
    return ep.load(), ep.dist.project_name
'''
PLAIN = '''\
"""Module {i}, which never reads entry points."""


def f{i}(x):
    return [y * {i} for y in range(x)]
'''
PARSE = (
    "import pathlib, sys, libcst\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).glob('read_*.py')):\n"
    "    libcst.parse_module(p.read_text(encoding='utf-8'))\n"
)
NAMES = (
    "import pathlib, sys, libcst\n"
    "from libcst.metadata import MetadataWrapper, QualifiedNameProvider\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).glob('read_*.py')):\n"
    "    module = libcst.parse_module(p.read_text(encoding='utf-8'))\n"
    "    MetadataWrapper(module, unsafe_skip_copy=True).resolve(QualifiedNameProvider)\n"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    env = bytecode_env()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "host"
        tree.mkdir()
        for i in range(200):
            (tree / f"read_{i}.py").write_text(READER.format(i=i), encoding="utf-8")
        for i in range(800):
            (tree / f"plain_{i}.py").write_text(PLAIN.format(i=i), encoding="utf-8")
        tool = [str(epmigrate_script()), "fix-callers", "--check", str(tree)]
        parse = [sys.executable, "-c", PARSE, str(tree)]
        names = [sys.executable, "-c", NAMES, str(tree)]
        times: dict[str, list[float]] = {"tool": [], "parse": [], "names": []}
        for i in range(args.runs):
            order = [("tool", tool), ("parse", parse), ("names", names)]
            for key, argv in order if i % 2 == 0 else order[::-1]:
                times[key].append(wall(argv, env, ok=(0, 1)))
        t, p, n = (statistics.median(times[k]) for k in ("tool", "parse", "names"))
        print(
            f"fix-callers --check, 1,000 files (200 rewritten): {t:.2f} s; libcst parse of the "
            f"200: {p:.2f} s ({t / p:.1f}x); parse and qualified names of the 200: {n:.2f} s "
            f"({t / n:.2f}x); medians of {args.runs} alternated runs"
        )
    return report([Row("fix-callers / libcst parse + qualified names of its files", t / n, GOAL)])


if __name__ == "__main__":
    sys.exit(main())
