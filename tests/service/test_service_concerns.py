"""Anonymous reporting: no login, nothing about the sender kept, size- and rate-limited, triaged by police only."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import inspect, select

from crossline.store.models import AnonymousReport
from crossline.workspace import Workspace


def test_the_form_sets_no_cookie_and_stores_nothing_about_the_sender(client: TestClient, served: Workspace) -> None:
    page = client.get("/report", headers={"X-Forwarded-For": "203.0.113.9"})
    assert page.status_code == 200 and "set-cookie" not in page.headers and "anonymously" in page.text
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token
    sent = client.post("/report", data={"form_token": token.group(1), "concern": "Older lads giving a year 9 boy new trainers and a phone",
                                        "area": "near the bus station"}, headers={"X-Forwarded-For": "203.0.113.9", "User-Agent": "FakeBrowser/1"})
    assert sent.status_code == 200 and "Thank you" in sent.text and "set-cookie" not in sent.headers
    with served.engine.connect() as conn:
        rows = conn.execute(select(AnonymousReport)).all()
        columns = {c["name"] for c in inspect(conn).get_columns("anonymous_reports")}
    assert len(rows) == 1 and rows[0].grading == "2/D" and rows[0].status == "new" and len(rows[0].received_on) == 10
    assert "203.0.113.9" not in str(rows) and "FakeBrowser" not in str(rows)
    assert not columns & {"ip", "ip_address", "user_agent", "received_at", "cookie"}


def test_a_stale_or_forged_form_token_is_refused(client: TestClient) -> None:
    answer = client.post("/report", data={"form_token": "1.deadbeef", "concern": "x"})
    assert answer.status_code == 400 and "too old" in answer.text


def test_reports_are_limited_in_size_and_number(client: TestClient, served: Workspace) -> None:
    assert client.post("/api/v1/concerns", json={"concern": "x" * (served.settings.service.report_max_chars + 1)}).status_code == 422
    limit = served.settings.service.reports_per_hour
    codes = [client.post("/api/v1/concerns", json={"concern": f"concern {i}"}).status_code for i in range(limit + 2)]
    assert codes[:limit] == [202] * limit and codes[limit:] == [429, 429]


def test_police_triage_the_queue_and_partners_cannot_see_it(client: TestClient, login: Callable[[str], TestClient]) -> None:
    assert client.post("/api/v1/concerns", json={"concern": "a flat where young people come and go all night", "area": "Newport"}).status_code == 202
    police = login("ana")
    queue = police.get("/api/v1/concerns").json()
    assert len(queue) == 1 and queue[0]["grading"] == "2/D"
    done = police.post(f"/api/v1/concerns/{queue[0]['report_id']}/triage", json={"outcome": "triaged", "note": "linked to an existing report"})
    assert done.status_code == 200 and done.json()["status"] == "triaged"
    assert police.get("/api/v1/concerns").json() == []
    assert login("sam").get("/api/v1/concerns").status_code == 403
