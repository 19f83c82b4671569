"""Named points where tests can kill an import or a build on purpose, to prove a kill leaves no trace.

Set ``CROSSLINE_FAULT=<point>`` in a child process's environment and the
process kills itself (SIGKILL, no clean-up) when it reaches that point. Unset,
a checkpoint costs one dictionary look-up.
"""

from __future__ import annotations

import os
import signal

IMPORT_POINTS = ("after_staging", "after_records", "after_lake_move", "before_commit")
BUILD_POINTS = ("publish_before_commit",)
POINTS = IMPORT_POINTS + BUILD_POINTS


def checkpoint(name: str) -> None:
    assert name in POINTS, name
    if os.environ.get("CROSSLINE_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
