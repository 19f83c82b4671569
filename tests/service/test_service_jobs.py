"""Uploads start import jobs that a worker runs outside the request; a restart loses no job; one bundle counts once."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from crossline.jobs import queue, worker
from crossline.store.models import Bundle, Job
from crossline.workspace import Workspace


def zipped(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(folder).as_posix())
    return buf.getvalue()


def test_an_upload_becomes_a_job_that_the_worker_runs(login: Callable[[str], TestClient], served: Workspace, examples: Path) -> None:
    admin = login("adm")
    answer = admin.post("/api/v1/imports", files={"bundle": ("bad.zip", zipped(examples / "bad"), "application/zip")})
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["status"] == "queued" and answer.headers["location"] == f"/api/v1/jobs/{job['job_id']}"
    assert "bundle" not in str(job)  # no server path goes back
    done = worker.run_one(served)
    assert done is not None and done.status == "done", done
    polled = admin.get(answer.headers["location"]).json()
    assert polled["status"] == "done" and polled["result"]["accepted"] > 0
    with served.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Bundle).where(Bundle.name == "example-bad")).scalar() == 1


def test_two_concurrent_uploads_of_one_bundle_make_one_job(login: Callable[[str], TestClient], served: Workspace, examples: Path) -> None:
    data = zipped(examples / "bad")
    clients = [login("adm"), login("adm")]
    answers: list[dict[str, object]] = []

    def send(c: TestClient) -> None:
        answers.append(c.post("/api/v1/imports", files={"bundle": ("b.zip", data, "application/zip")}).json())

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({a["job_id"] for a in answers}) == 1 and sorted(bool(a["new"]) for a in answers) == [False, True]
    while worker.run_one(served) is not None:
        pass
    with served.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Job)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(Bundle).where(Bundle.name == "example-bad")).scalar() == 1


def test_a_job_left_running_by_a_dead_worker_is_run_after_a_restart(login: Callable[[str], TestClient], served: Workspace) -> None:
    started = login("ana").post("/api/v1/builds", json={"only": ["resolve"]}).json()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    with served.engine.begin() as conn:  # as a server killed mid-job leaves it
        claimed = queue.claim(conn, f"{socket.gethostname()}:{dead.pid}")
        assert claimed is not None and claimed.job_id == started["job_id"]
    assert worker.run_one(served) is None  # nothing queued: the job looks taken
    assert worker.recover(served) == 1
    done = worker.run_one(served)
    assert done is not None and done.job_id == started["job_id"] and done.status == "done", done


def test_a_job_without_heartbeat_is_put_back(served: Workspace) -> None:
    from crossline.access.actor import LOCAL_ADMIN

    with served.engine.begin() as conn:
        job, _ = queue.enqueue(conn, "build", {"only": ["resolve"]}, LOCAL_ADMIN)
        queue.claim(conn, "another-host:1")
        conn.execute(update(Job).values(heartbeat_at="2026-01-01T00:00:00Z"))
    assert worker.recover(served) == 1
    with served.engine.connect() as conn:
        assert queue.get(conn, job.job_id).status == "queued"


def test_a_failed_job_says_why_and_others_cannot_see_it(login: Callable[[str], TestClient], served: Workspace) -> None:
    admin = login("adm")
    answer = admin.post("/api/v1/imports", files={"bundle": ("x.zip", b"this is not a zip file", "application/zip")})
    done = worker.run_one(served)
    assert done is not None and done.status == "failed" and done.error
    assert admin.get(answer.headers["location"]).json()["status"] == "failed"
    school = login("sam")
    assert school.get(answer.headers["location"]).status_code == 404  # not "not allowed": that would say it exists
    assert school.post("/api/v1/imports", files={"bundle": ("x.zip", b"PK", "application/zip")}).status_code == 403
