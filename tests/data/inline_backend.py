"""A PEP 517 backend kept in the test project's tree (``backend-path``).

It needs nothing installed, so an isolated build environment works offline.
It reads ``[project]`` like any backend and, for the tests, ``[tool.inline]``:
``sleep`` seconds before answering (after writing its pid to ``pidfile``),
``fail`` to raise with that message, ``own-table = true`` to read entry points
from ``[tool.inline.entry-points]`` only, as a backend with a table of its own,
``metadata-only = true`` to leave entry_points.txt out of the prepared
metadata (as hatchling does) and put it in the wheel only, ``fail-requires``
to raise from get_requires_for_build_wheel.
"""

import os
import shutil
import tempfile
import time
import tomllib


def _config():
    with open("pyproject.toml", "rb") as fh:
        return tomllib.load(fh)


def get_requires_for_build_wheel(config_settings=None):
    message = _config().get("tool", {}).get("inline", {}).get("fail-requires")
    if message:
        raise RuntimeError(message)
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    data = _config()
    tool = data.get("tool", {}).get("inline", {})
    if tool.get("sleep"):
        with open(tool["pidfile"], "w") as fh:
            fh.write(str(os.getpid()))
        time.sleep(tool["sleep"])
    if tool.get("fail"):
        raise RuntimeError(tool["fail"])
    project = data["project"]
    name, version = project["name"], project["version"]
    out = os.path.join(metadata_directory, f"{name}-{version}.dist-info")
    os.makedirs(out)
    with open(os.path.join(out, "METADATA"), "w") as fh:
        fh.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    tables = tool.get("entry-points", {}) if tool.get("own-table") else project.get(
        "entry-points", {}
    )
    if tool.get("metadata-only") and not (config_settings or {}).get("wheel"):
        return os.path.basename(out)
    with open(os.path.join(out, "entry_points.txt"), "w") as fh:
        for group, entries in tables.items():
            fh.write(f"[{group}]\n")
            fh.writelines(f"{k} = {v}\n" for k, v in entries.items())
    return os.path.basename(out)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with tempfile.TemporaryDirectory() as tmp:
        info = prepare_metadata_for_build_wheel(tmp, {"wheel": True})
        name = info[: -len(".dist-info")]
        base = os.path.join(wheel_directory, f"{name}-py3-none-any")
        shutil.make_archive(base, "zip", tmp, info)
        os.rename(base + ".zip", base + ".whl")
    return os.path.basename(base + ".whl")
