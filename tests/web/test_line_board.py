"""The line board on a built deal line: numbers, daily activity, runners, the pack download and the review form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from service_users import PASSWORD
from sqlalchemy import text
from web_sites import LineSite

from crossline.api.app import create_app


def _client(site: LineSite, user: str) -> TestClient:
    c = TestClient(create_app(site.ws), base_url="https://testserver", follow_redirects=False)
    assert c.post("/login", data={"user": user, "password": PASSWORD}).status_code == 303
    return c


def test_the_line_board_its_twin_the_pack_and_the_review(line_site: LineSite) -> None:
    with _client(line_site, "ana") as ana:
        board = ana.get(f"/lines/{line_site.line_id}")
        assert board.status_code == 200
        assert 'id="daily-chart"' in board.text and "/static/vendor/chartjs/chart.umd.js" in board.text
        data = ana.get(f"/lines/{line_site.line_id}?format=json").json()
        assert data["line"]["line_id"] == line_site.line_id
        assert data["numbers"] and data["daily"] and sum(d["messages"] or 0 for d in data["daily"]) > 0
        assert {r["number"] for r in data["runners"]} == {"+447713000001", "+447713000002"}
        listed = ana.get("/lines?format=json").json()
        assert [r["line_id"] for r in listed["rows"]] == [line_site.line_id]
        assert ana.get("/?format=json").json()["active_lines_by_area"], "the dashboard counts the active line"
        pack = ana.get(f"/lines/{line_site.line_id}/pack?file=pdf")
        assert pack.status_code == 200 and pack.content.startswith(b"%PDF") and "attachment" in pack.headers["content-disposition"]
        flows = ana.get(f"/map?line={line_site.line_id}&format=json").json()
        assert flows["flows"] and flows["cells"]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', board.text)
        assert csrf
        done = ana.post(f"/lines/{line_site.line_id}/review", data={"decision": "confirmed", "reason": "runners and customers fit",
                                                                     "csrf_token": csrf.group(1)})
        assert done.status_code == 303
    with line_site.ws.engine.connect() as conn:
        reviews = [(d, r) for d, r in conn.execute(text("SELECT decision, reason FROM line_reviews"))]
    assert reviews == [("confirmed", "runners and customers fit")]


def test_a_partner_cannot_reach_the_line_board(line_site: LineSite) -> None:
    with _client(line_site, "sam") as sam:
        refused, missing = sam.get(f"/lines/{line_site.line_id}"), sam.get("/lines/NO-SUCH-LINE")
        assert refused.status_code == 404 and refused.text == missing.text
        assert sam.get(f"/lines/{line_site.line_id}/pack").text == missing.text
