"""The progress bar: on a terminal for long scans, never in pipes."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from _trees import make_tree


def scan_with_stderr(tree: Path, *, tty: bool) -> str:
    ext = make_tree(tree, 60)
    args = [
        sys.executable, "-m", "epmigrate", "scan", str(ext), "--no-cache",
        "--search-path", str(tree / "lib"),
        "--base", "benchlib.api.extensions.ExtensionDescriptor",
    ]  # fmt: skip
    if not tty:
        out = subprocess.run(args, capture_output=True, text=True, check=True)
        return out.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(leader)
    assert proc.returncode == 0
    return b"".join(chunks).decode(errors="replace")


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    text = scan_with_stderr(tmp_path, tty=True)
    assert "scanning" in text
    assert "100%" in text


def test_no_progress_bar_in_a_pipe(tmp_path: Path) -> None:
    assert scan_with_stderr(tmp_path, tty=False) == ""
