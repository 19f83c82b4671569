"""Running the command line as a user does, in a child process: for the security tests that need a real umask, user or disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def crossline(*args: str | Path, cwd: Path, env: dict[str, str] | None = None, **popen: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crossline.cli", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600,
        env={**os.environ, "COLUMNS": "200", **(env or {})}, **popen,
    )


def loose(root: Path) -> list[str]:
    """Every folder or file under ``root`` (and root) that an account other than its owner could read, write or enter."""
    found = [] if not os.stat(root).st_mode & 0o077 else [f"{oct(os.stat(root).st_mode & 0o777)} {root}"]
    for here, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            p = Path(here) / name
            mode = os.lstat(p).st_mode & 0o777
            if mode & 0o077:
                found.append(f"{oct(mode)} {p.relative_to(root)}")
    return found
