"""The child process of ``write --metadata``: the project's backend, run by ``build``.

:mod:`epmigrate.write.metadata` starts ``python -m
epmigrate.write._metadata_worker`` in a session of its own, so that a backend
that hangs is stopped with every process it started, and sends it two JSON
lines on stdin: first the copy of the project as it is, which the worker
starts building at once (the isolated environment, then the hook), while the
parent still scans and plans::

    {"before": "/tmp/.../before", "isolated": true, "installer": "pip"}

then the copy with the change (or ``{}`` to call the run off)::

    {"after": "/tmp/.../after"}

The PyPA's ``build`` library does the work: :class:`build.env.DefaultIsolatedEnv`
makes the isolated environment (once, for every tree) and installs
``build-system.requires``, :class:`build.ProjectBuilder` asks the backend for
its extra requirements and calls ``prepare_metadata_for_build_wheel`` (or
builds a wheel when the backend has no such hook), the trees side by side.
The answer is one JSON document on stdout::

    {"backend": "setuptools.build_meta", "error": null,
     "trees": [{"entry_points": [["group", "name", "value"], ...],
                "seconds": 0.41, "source": "metadata"}, ...]}

(``source`` is ``wheel`` when the wheel was built to read them).

or, when a stage fails, ``"error": {"stage": "project" | "environment" |
"requirements" | "hook", "message": ..., "output": ...}`` with the tail of
what the failing process printed. The backends' own output never reaches
stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_OUTPUT_TAIL = 4000
"""How much of a failing process's output the error carries."""


class StageError(Exception):
    """A stage of the build that failed, with what its process printed."""

    def __init__(self, stage: str, message: str, output: str = "") -> None:
        super().__init__(message)
        self.stage = stage
        self.message = message
        self.output = output[-_OUTPUT_TAIL:]


def _runner(
    cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
) -> None:
    """pyproject-hooks' runner contract, with the backend's output captured."""
    env = dict(os.environ)
    env.update(extra_environ or {})
    subprocess.run(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=True
    )


def _output(exc: BaseException) -> str:
    """What the process behind ``exc`` printed, as text."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        out = getattr(exc, "output", None) or getattr(exc, "stderr", None)
        if isinstance(out, bytes):
            return out.decode("utf-8", "replace")
        if isinstance(out, str):
            return out
        inner = getattr(exc, "exception", None)
        exc = inner if isinstance(inner, BaseException) else exc.__cause__  # type: ignore[assignment]
    return ""


def _describe(exc: BaseException) -> str:
    inner = getattr(exc, "exception", None)
    text = str(exc)
    if isinstance(inner, subprocess.CalledProcessError):
        # Its text is the whole command line; the status is what tells.
        return f"{text} (exit status {inner.returncode})"
    if isinstance(inner, BaseException) and str(inner) and str(inner) not in text:
        text = f"{text}: {inner}"
    return text


def _entry_points(metadata_dir: str) -> list[list[str]]:
    """The entry points of a ``.dist-info`` directory, in the file's order."""
    from importlib.metadata import PathDistribution

    dist = PathDistribution(Path(metadata_dir))
    return [[ep.group, ep.name, ep.value] for ep in dist.entry_points]


@dataclass
class _Built:
    """The metadata of one tree: the builder, the ``.dist-info`` and where it came from."""

    builder: Any
    out: str
    path: str
    seconds: float
    source: str = "metadata"

    @property
    def has_entry_points_file(self) -> bool:
        return os.path.exists(os.path.join(self.path, "entry_points.txt"))

    def from_wheel(self) -> _Built:
        """The wheel's ``.dist-info`` instead (the wheel is what gets installed)."""
        start = time.perf_counter()
        try:
            path = _wheel_metadata(self.builder, os.path.join(self.out, "wheel"), self.path)
        except Exception as exc:
            raise StageError("hook", _describe(exc), _output(exc)) from exc
        seconds = self.seconds + time.perf_counter() - start
        return _Built(self.builder, self.out, path, seconds, "wheel")

    def to_json(self) -> dict[str, Any]:
        return {
            "entry_points": _entry_points(self.path),
            "seconds": self.seconds,
            "source": self.source,
        }


def _metadata(builder: Any, out: str) -> _Built:
    """``prepare_metadata_for_build_wheel`` on the tree of ``builder``."""
    start = time.perf_counter()
    try:
        path = builder.metadata_path(os.path.join(out, "metadata"))
    except Exception as exc:
        raise StageError("hook", _describe(exc), _output(exc)) from exc
    return _Built(builder, out, path, time.perf_counter() - start)


def _answers(built: list[_Built], pool: ThreadPoolExecutor) -> list[dict[str, Any]]:
    """The entry points of each tree, from the wheels when no metadata has the file.

    A backend that writes ``entry_points.txt`` into the prepared metadata
    writes it for the tree with the planned entries; setuptools leaves it
    out of a tree that has none, which is then no entry point. When no tree
    has the file (hatchling's hook writes only ``METADATA``; a backend
    without the hook), the wheels are built and read.
    """
    if not any(b.has_entry_points_file for b in built):
        built = list(pool.map(_Built.from_wheel, built))
    return [b.to_json() for b in built]


def _wheel_metadata(builder: Any, out: str, metadata_dir: str) -> str:
    """Build the wheel (from the prepared metadata) and unpack its ``.dist-info``."""
    import zipfile

    wheel = builder.build("wheel", out, metadata_directory=metadata_dir)
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        [info] = {
            n.split("/", 1)[0]
            for n in names
            if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        }
        dest = os.path.join(out, "unpacked")
        whl.extractall(dest, [n for n in names if n.startswith(info + "/")])
    return os.path.join(dest, info)


def _requires(builder: Any) -> set[str]:
    try:
        return set(builder.get_requires_for_build("wheel"))
    except Exception as exc:
        raise StageError("requirements", _describe(exc), _output(exc)) from exc


class _Env:
    """The build environment the trees share, and what has been installed in it."""

    def __init__(self, build: Any, env: Any | None) -> None:
        self.build = build
        self.env = env
        self.installed: set[str] = set()
        self.lock = threading.Lock()
        self.requirements_ready = threading.Event()
        """Set once the first tree's extra requirements are installed."""

    def builder(self, tree: str) -> Any:
        if self.env is None:
            return self.build.ProjectBuilder(tree, runner=_runner)
        return self.build.ProjectBuilder.from_isolated_env(self.env, tree, runner=_runner)

    def install(self, requirements: set[str], stage: str) -> None:
        with self.lock:
            wanted = requirements - self.installed
            if not wanted or self.env is None:
                return
            try:
                self.env.install(wanted)
            except Exception as exc:
                raise StageError(stage, _describe(exc), _output(exc)) from exc
            self.installed |= wanted


def _tree(shared: _Env, tree: str, out: str, *, requires: bool = True) -> _Built:
    """The metadata of one tree: its extra requirements installed, then the hook.

    Without ``requires`` the tree's ``get_requires_for_build_wheel`` is not
    asked: the copy with the change differs from the other copy only in its
    entry points, which no backend's requirements depend on.
    """
    builder = shared.builder(tree)
    if shared.env is not None:
        if requires:
            try:
                shared.install(_requires(builder), "requirements")
            finally:
                # Set on failure too: the waiting tree then runs, and the
                # failure is reported from the tree that had it.
                shared.requirements_ready.set()
        else:
            shared.requirements_ready.wait()
        return _metadata(builder, out)
    # As build.util does: no dependency check first (it costs a hook call);
    # a failing hook is explained by one.
    try:
        return _metadata(builder, out)
    except StageError as exc:
        try:
            chains = builder.check_dependencies("wheel")
        except Exception:
            # Not even get_requires_for_build_wheel runs: the backend itself
            # is missing, or broken.
            chains = {(r,) for r in sorted(builder.build_system_requires)}
            if "is not available" not in exc.message:
                raise exc from None
        missing = sorted(" -> ".join(chain) for chain in chains)
        if missing:
            raise StageError(
                "requirements",
                "the backend's requirements are not installed in this environment "
                f"({sys.executable}): {', '.join(missing)}",
                exc.output,
            ) from exc
        raise


def run(request: Mapping[str, Any], after: Callable[[], str | None]) -> dict[str, Any]:
    """Answer one request (the module docstring's protocol).

    The tree before the change is built as soon as the request comes;
    ``after()`` blocks until the tree with the change is ready (``None``:
    there is none, the run was called off).
    """
    import build
    import build.env

    before: str = request["before"]
    answer: dict[str, Any] = {"backend": None, "trees": [], "error": None}
    env_cm = None
    try:
        try:
            first = build.ProjectBuilder(before, runner=_runner)
        except build.BuildException as exc:
            raise StageError("project", str(exc)) from exc
        answer["backend"] = first._backend  # build keeps it only there
        with (
            tempfile.TemporaryDirectory(prefix="epmigrate-metadata-") as out,
            ThreadPoolExecutor(2) as pool,
        ):
            env = None
            if request.get("isolated", True):
                try:
                    env_cm = build.env.DefaultIsolatedEnv(installer=request.get("installer", "pip"))
                    env = env_cm.__enter__()
                except Exception as exc:
                    env_cm = None
                    raise StageError("environment", _describe(exc), _output(exc)) from exc
            shared = _Env(build, env)
            shared.install(set(first.build_system_requires), "environment")
            early = pool.submit(_tree, shared, before, os.path.join(out, "0"))
            tree = after()
            if tree is None:
                early.cancel()
                return answer
            late = pool.submit(_tree, shared, tree, os.path.join(out, "1"), requires=False)
            answer["trees"] = _answers([early.result(), late.result()], pool)
    except StageError as exc:
        answer["error"] = {"stage": exc.stage, "message": exc.message, "output": exc.output}
    finally:
        if env_cm is not None:
            env_cm.__exit__(None, None, None)
    return answer


def main() -> None:
    request = json.loads(sys.stdin.readline())

    def after() -> str | None:
        line = sys.stdin.readline()
        tree = json.loads(line).get("after") if line.strip() else None
        return tree if isinstance(tree, str) else None

    json.dump(run(request, after), sys.stdout)


if __name__ == "__main__":
    main()
