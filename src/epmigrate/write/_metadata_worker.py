"""The child process of ``write --metadata``: the project's backend, run by ``build``.

:mod:`epmigrate.write.metadata` starts ``python -m
epmigrate.write._metadata_worker`` in a session of its own, so that a backend
that hangs is stopped with every process it started, and sends it one JSON
request on stdin::

    {"trees": ["/tmp/.../before", "/tmp/.../after"], "isolated": true,
     "installer": "pip"}

The PyPA's ``build`` library does the work: :class:`build.env.DefaultIsolatedEnv`
makes the isolated environment (once, for every tree) and installs
``build-system.requires``, :class:`build.ProjectBuilder` asks the backend for
its extra requirements and calls ``prepare_metadata_for_build_wheel`` (or
builds a wheel when the backend has no such hook), the trees side by side.
The answer is one JSON document on stdout::

    {"backend": "setuptools.build_meta", "error": null,
     "trees": [{"entry_points": [["group", "name", "value"], ...],
                "seconds": 0.41}, ...]}

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
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
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


def _metadata(builder: Any, out: str) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        path = builder.metadata_path(out)
    except Exception as exc:
        raise StageError("hook", _describe(exc), _output(exc)) from exc
    return {"entry_points": _entry_points(path), "seconds": time.perf_counter() - start}


def _requires(builder: Any) -> set[str]:
    try:
        return set(builder.get_requires_for_build("wheel"))
    except Exception as exc:
        raise StageError("requirements", _describe(exc), _output(exc)) from exc


def run(request: Mapping[str, Any]) -> dict[str, Any]:
    """Answer one request (the module docstring's protocol)."""
    import build
    import build.env

    trees: list[str] = list(request["trees"])
    answer: dict[str, Any] = {"backend": None, "trees": [], "error": None}
    try:
        try:
            first = build.ProjectBuilder(trees[0], runner=_runner)
        except build.BuildException as exc:
            raise StageError("project", str(exc)) from exc
        answer["backend"] = first._backend  # build keeps it only there
        with (
            tempfile.TemporaryDirectory(prefix="epmigrate-metadata-") as out,
            ThreadPoolExecutor(len(trees)) as pool,
        ):
            if request.get("isolated", True):
                answer["trees"] = _isolated(build, trees, request, out, pool)
            else:
                builders = [build.ProjectBuilder(t, runner=_runner) for t in trees]
                missing = sorted(
                    {
                        " -> ".join(chain)
                        for b in builders
                        for chain in b.check_dependencies("wheel")
                    }
                )
                if missing:
                    raise StageError(
                        "requirements",
                        "the backend's requirements are not installed in this environment "
                        f"({sys.executable}): {', '.join(missing)}",
                    )
                answer["trees"] = list(
                    pool.map(
                        lambda b: _metadata(b[1], os.path.join(out, str(b[0]))), enumerate(builders)
                    )
                )
    except StageError as exc:
        answer["error"] = {"stage": exc.stage, "message": exc.message, "output": exc.output}
    return answer


def _isolated(
    build: Any, trees: list[str], request: Mapping[str, Any], out: str, pool: ThreadPoolExecutor
) -> list[dict[str, Any]]:
    try:
        env_cm = build.env.DefaultIsolatedEnv(installer=request.get("installer", "pip"))
        env = env_cm.__enter__()
    except Exception as exc:
        raise StageError("environment", _describe(exc), _output(exc)) from exc
    try:
        builders = [build.ProjectBuilder.from_isolated_env(env, t, runner=_runner) for t in trees]
        try:
            env.install(builders[0].build_system_requires)
        except Exception as exc:
            raise StageError("environment", _describe(exc), _output(exc)) from exc
        extra = set().union(*pool.map(_requires, builders))
        if extra:
            try:
                env.install(extra)
            except Exception as exc:
                raise StageError("requirements", _describe(exc), _output(exc)) from exc
        return list(
            pool.map(lambda b: _metadata(b[1], os.path.join(out, str(b[0]))), enumerate(builders))
        )
    finally:
        env_cm.__exit__(None, None, None)


def main() -> None:
    request = json.loads(sys.stdin.read())
    json.dump(run(request), sys.stdout)


if __name__ == "__main__":
    main()
