"""``crossline worker``: claims queued jobs and runs them, one at a time, as the user who asked.

Imports and builds already hold the workspace's writer lock, so two workers
(or a worker and a command-line build) never build at once; the queue makes
sure one job is claimed by one worker. On start a worker puts back the jobs
of workers that died (same host, process gone; or no heartbeat for
``queue.STALE_MINUTES``), so a restart loses nothing: imports and builds are
all-or-nothing, so running one again is safe.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from crossline.access.actor import ROLES, Actor, Role
from crossline.errors import CrosslineError
from crossline.jobs import queue
from crossline.processes import alive
from crossline.store.models import Job
from crossline.workspace import Workspace

BEAT_SECONDS = 2.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"



def recover(ws: Workspace) -> int:
    """Requeue running jobs whose worker on this host is gone, and any job without a heartbeat for a while."""
    host = socket.gethostname()
    n = 0
    with ws.engine.begin() as conn:
        for row in conn.execute(select(Job.job_id, Job.worker).where(Job.status == "running")):
            name, _, pid = (row.worker or "").rpartition(":")
            if name == host and pid.isdigit() and not alive(int(pid)):
                conn.execute(update(Job).where(Job.job_id == row.job_id, Job.status == "running").values(
                    status="queued", worker=None, progress="requeued: its worker stopped"))
                n += 1
        n += queue.requeue_stale(conn)
    return n


def _role(name: str) -> Role:
    for role in ROLES:
        if role == name:
            return role
    raise ValueError(f"a job names an unknown role {name!r}")


def run_one(ws: Workspace, name: str | None = None) -> queue.JobInfo | None:
    """Claim and run one job; None when there was nothing to do."""
    name = name or worker_name()
    with ws.engine.begin() as conn:
        job = queue.claim(conn, name)
    if job is None:
        return None
    who = job.requested_by
    actor = Actor(user=who["user"], agency=who["agency"], role=_role(who["role"]))
    last = [0.0]

    def progress(text: str) -> None:
        if time.monotonic() - last[0] >= BEAT_SECONDS:
            last[0] = time.monotonic()
            with ws.engine.begin() as conn:
                queue.beat(conn, job.job_id, text)

    try:
        result = RUNNERS[job.kind](ws, actor, job.params, progress)
    except CrosslineError as exc:
        with ws.engine.begin() as conn:
            queue.fail(conn, job.job_id, str(exc))
    except Exception as exc:  # a job must end as failed, never stay running; the message is kept for the requester
        with ws.engine.begin() as conn:
            queue.fail(conn, job.job_id, f"{type(exc).__name__}: {exc}")
    else:
        with ws.engine.begin() as conn:
            queue.finish(conn, job.job_id, result)
    with ws.engine.connect() as conn:
        return queue.get(conn, job.job_id)


def _import(ws: Workspace, actor: Actor, params: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    from crossline.service.imports import import_bundle

    def report(phase: str, item: str, done: int, total: int | None) -> None:
        progress(f"{phase} {item} {done:,}" + (f" of {total:,}" if total else ""))

    result = import_bundle(ws, actor, Path(params["bundle"]), report)
    return {"bundle_id": result.bundle_id, "accepted": result.accepted, "seconds": round(result.seconds, 1)}


def _build(ws: Workspace, actor: Actor, params: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    from crossline.service.build import build

    def report(stage: str, what: str, fraction: float) -> None:
        progress(f"{stage}: {what} ({fraction:.0%})")

    built, exported = build(ws, actor, params.get("only"), report)
    return {"version": built.version, "stages": built.stages, "notes": built.notes, "exports": exported.files}


RUNNERS: dict[str, Callable[[Workspace, Actor, dict[str, Any], Callable[[str], None]], dict[str, Any]]] = {"import": _import, "build": _build}


def run_forever(ws: Workspace, poll_seconds: float = 1.0, stop: Callable[[], bool] = lambda: False) -> None:
    recover(ws)
    while not stop():
        if run_one(ws) is None:
            time.sleep(poll_seconds)
