"""Uploads that start an import job, builds as jobs, and polling their progress.

The request only writes the upload to the workspace's ``uploads/`` folder
(owner-only) and a job row; the worker does the work. Two uploads of the same
bundle (the same bytes) make one job, whoever sent them and however close
together.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Request, Response, UploadFile
from pydantic import BaseModel

from crossline.access import audit as audit_log
from crossline.access import purpose as purposes
from crossline.access.policy import require, viewer
from crossline.api import problems
from crossline.api.auth import Caller, caller, workspace
from crossline.errors import NotAllowed, NotFound
from crossline.jobs import queue
from crossline.service import exports as export_service

router = APIRouter(tags=["jobs"])
Who = Annotated[Caller, Depends(caller)]
CHUNK = 1 << 20


def _job_response(response: Response, job: queue.JobInfo, new: bool) -> dict[str, Any]:
    response.headers["Location"] = f"/api/v1/jobs/{job.job_id}"
    return {**job.public(), "new": new}


@router.post("/imports", status_code=202, responses=problems.documented(413))
async def upload(request: Request, response: Response, who: Who, bundle: Annotated[UploadFile, File(description="A bundle as a .zip")]) -> dict[str, Any]:
    """Upload a bundle (.zip); an import job starts and its progress is polled at the Location given."""
    require(who.actor, "import")
    ws = workspace(request)
    limit = ws.settings.service.upload_max_mb << 20
    uploads = ws.path / "uploads"
    uploads.mkdir(mode=0o700, exist_ok=True)
    partial = uploads / f".upload-{secrets.token_hex(8)}.part"
    digest, size = hashlib.sha256(), 0
    try:
        with open(partial, "xb") as out:
            os.chmod(partial, 0o600)
            while chunk := await bundle.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise HTTPException(413, f"the upload is larger than the {ws.settings.service.upload_max_mb} MB allowed (setting service.upload_max_mb)")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise HTTPException(422, "the upload is empty; send the bundle's .zip file")
        stored = uploads / f"{digest.hexdigest()}.zip"
        os.replace(partial, stored)
    finally:
        partial.unlink(missing_ok=True)
    with ws.engine.begin() as conn:
        job, new = queue.enqueue(conn, "import", {"bundle": str(stored)}, who.actor, dedupe_key=f"import:{digest.hexdigest()}")
        audit_log.record(conn, who.actor, "job_import", f"job:{job.job_id}", {"sha256": digest.hexdigest(), "bytes": size, "new": new})
    return _job_response(response, job, new)


class BuildRequest(BaseModel):
    only: list[str] | None = None


@router.post("/builds", status_code=202)
def start_build(body: BuildRequest, request: Request, response: Response, who: Who) -> dict[str, Any]:
    """Queue a build; builds run one at a time on a workspace, in the order asked."""
    require(viewer(workspace(request).engine, who.actor), "build")
    ws = workspace(request)
    with ws.engine.begin() as conn:
        job, new = queue.enqueue(conn, "build", {"only": body.only}, who.actor)
        audit_log.record(conn, who.actor, "job_build", f"job:{job.job_id}", {"only": body.only})
    return _job_response(response, job, new)


@router.get("/jobs")
def jobs(request: Request, who: Who, status: str | None = None) -> list[dict[str, Any]]:
    require(viewer(workspace(request).engine, who.actor), "jobs")
    with workspace(request).engine.connect() as conn:
        return [j.public() for j in queue.listed(conn, status)]


@router.get("/jobs/{job_id}")
def job(job_id: str, request: Request, who: Who) -> dict[str, Any]:
    """A job's status and progress: to whoever asked for it, and to those who may see jobs."""
    with workspace(request).engine.connect() as conn:
        found = queue.get(conn, job_id)
    if found.requested_by.get("user") != who.actor.user:
        try:
            require(viewer(workspace(request).engine, who.actor), "jobs")
        except NotAllowed:
            raise NotFound(f"no job {job_id!r}", next_step="list_jobs") from None  # never "not allowed": that would say it exists
    return found.public()


@router.post("/exports", tags=["exports"])
def exports(request: Request, who: Who) -> dict[str, Any]:
    """Write the contract's exports into the workspace's exports folder (police standing: they carry every agency's records)."""
    with purposes.stated(None, "api"):
        result = export_service.export(workspace(request), who.actor)
    return {"files": result.files}
