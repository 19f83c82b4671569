"""Whether a process still runs: how the job worker and the demo tell abandoned work from work in progress."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """True while ``pid`` runs (or exists under another account, which we cannot signal but must not treat as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
