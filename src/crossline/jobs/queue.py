"""Jobs as rows in the system of record: queued, claimed by one worker, finished or failed.

A job row is written in the request and committed before the answer goes
back, so a server restart loses no job; a worker claims a job with a
conditional UPDATE (only one worker's update matches), so no job runs twice;
a running job whose worker stopped beating is put back in the queue when a
worker starts. Uploads carry a ``dedupe_key`` (the bundle's content hash), so
two concurrent uploads of one bundle make one job.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError as DbIntegrityError

from crossline.access.actor import Actor
from crossline.errors import NotFound
from crossline.store.models import Job
from crossline.store.times import stamp

KINDS = ("import", "build")
STALE_MINUTES = 10



@dataclass(frozen=True)
class JobInfo:
    job_id: str
    kind: str
    status: str
    params: dict[str, Any]
    requested_by: dict[str, str]
    created_at: str
    started_at: str | None
    finished_at: str | None
    progress: str | None
    result: dict[str, Any] | None
    error: str | None

    def public(self) -> dict[str, Any]:
        """What the requester sees: never a server path."""
        return {
            "job_id": self.job_id, "kind": self.kind, "status": self.status, "created_at": self.created_at,
            "started_at": self.started_at, "finished_at": self.finished_at, "progress": self.progress,
            "result": self.result, "error": self.error, "requested_by": self.requested_by.get("user"),
        }


def _info(row: Row[Any]) -> JobInfo:
    return JobInfo(row.job_id, row.kind, row.status, json.loads(row.params), json.loads(row.requested_by), row.created_at,
                   row.started_at, row.finished_at, row.progress, json.loads(row.result) if row.result else None, row.error)


def enqueue(conn: Connection, kind: str, params: dict[str, Any], actor: Actor, dedupe_key: str | None = None) -> tuple[JobInfo, bool]:
    """(the job, True if new); a job with the same ``dedupe_key`` is returned instead of a second one."""
    assert kind in KINDS, kind
    if dedupe_key is not None:
        existing = conn.execute(select(Job).where(Job.dedupe_key == dedupe_key)).first()
        if existing is not None:
            return _info(existing), False
    job_id = secrets.token_hex(8)
    try:
        with conn.begin_nested():
            conn.execute(insert(Job).values(
                job_id=job_id, kind=kind, params=json.dumps(params, sort_keys=True), dedupe_key=dedupe_key, status="queued",
                requested_by=json.dumps({"user": actor.user, "agency": actor.agency, "role": actor.role}), created_at=stamp(),
                attempts=0,
            ))
    except DbIntegrityError:  # the same bundle, uploaded at the same moment by another request
        existing = conn.execute(select(Job).where(Job.dedupe_key == dedupe_key)).one()
        return _info(existing), False
    return get(conn, job_id), True


def get(conn: Connection, job_id: str) -> JobInfo:
    row = conn.execute(select(Job).where(Job.job_id == job_id)).first()
    if row is None:
        raise NotFound(f"no job {job_id!r}", next_step="list_jobs")
    return _info(row)


def listed(conn: Connection, status: str | None = None, limit: int = 50) -> list[JobInfo]:
    q = select(Job).order_by(Job.created_at.desc(), Job.job_id).limit(limit)
    if status:
        q = q.where(Job.status == status)
    return [_info(r) for r in conn.execute(q)]


def claim(conn: Connection, worker: str) -> JobInfo | None:
    """The oldest queued job, now running under ``worker``; None when the queue is empty or another worker won."""
    for row in conn.execute(select(Job.job_id).where(Job.status == "queued").order_by(Job.created_at, Job.job_id).limit(5)):
        now = stamp()
        won = conn.execute(update(Job).where(Job.job_id == row.job_id, Job.status == "queued").values(
            status="running", worker=worker, started_at=now, heartbeat_at=now, attempts=Job.attempts + 1))
        if won.rowcount == 1:
            return get(conn, row.job_id)
    return None


def beat(conn: Connection, job_id: str, progress: str | None = None) -> None:
    values: dict[str, Any] = {"heartbeat_at": stamp()}
    if progress is not None:
        values["progress"] = progress[:500]
    conn.execute(update(Job).where(Job.job_id == job_id).values(**values))


def finish(conn: Connection, job_id: str, result: dict[str, Any]) -> None:
    conn.execute(update(Job).where(Job.job_id == job_id).values(status="done", finished_at=stamp(), result=json.dumps(result, default=str)))


def fail(conn: Connection, job_id: str, error: str) -> None:
    conn.execute(update(Job).where(Job.job_id == job_id).values(status="failed", finished_at=stamp(), error=error[:2000]))


def requeue_stale(conn: Connection, now: datetime | None = None, stale_minutes: int = STALE_MINUTES) -> int:
    """Put back jobs whose worker stopped beating (a server or worker that died mid-job); returns how many."""
    limit = stamp((now or datetime.now(UTC)) - timedelta(minutes=stale_minutes))
    done = conn.execute(update(Job).where(Job.status == "running", Job.heartbeat_at < limit)
                        .values(status="queued", worker=None, progress="requeued after its worker stopped"))
    return int(done.rowcount or 0)
