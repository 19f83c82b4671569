"""A business reports concerns and sees what it reported; a housing provider sees cuckooing concerns at its own tenancies.

Over HTTP with API tokens, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crossline.access.actor import LOCAL_ADMIN
from crossline.api.app import create_app
from crossline.service import users
from crossline.service.agencies import add_agency
from crossline.service.tenancies import WHAT_TO_DO
from crossline.workspace import Workspace
from helpers import import_as_hub, write_bundle

EVENTS = "record_id,event_type,occurred_at,postcode,address,summary,handling_code,handling_conditions\n"
PERSONS = "record_id,given_name,family_name,address,postcode\n"


@pytest.fixture
def call(workspace: Workspace, tmp_path: Path) -> Callable[[str, str, str], TestClient]:
    bundle = write_bundle(tmp_path / "b", {
        "police/events.csv": ("events", "gwent-police", EVENTS
                              + "C1,cuckooing_report,2026-11-02,NP20 2ZZ,\"Flat 3, 5 River Row\",Dealers using the flat of a man in his 60s,P,\n"
                              + "C2,cuckooing_report,2026-11-09,NP20 2ZZ,\"Flat 3, 5 River Row\",Named runner seen at flat,C,Not for partners\n"
                              + "C3,cuckooing_report,2026-11-10,NP20 2ZZ,\"Flat 9, 5 River Row\",Another flat in the block,P,\n"
                              + "C4,cuckooing_report,2026-11-11,CF10 1AA,1 Far Street,Elsewhere,P,\n"),
        "homes/tenants.csv": ("persons", "valley-homes", PERSONS + "T1,Glyn,Parry,\"Flat 3, 5 River Row\",NP20 2ZZ\n"),
        "other/tenants.csv": ("persons", "hill-homes", PERSONS + "T1,Ann,Rees,2 Hill Road,NP44 1AA\n"),
    }, {"gwent-police": "police", "valley-homes": "housing", "hill-homes": "housing"})
    import_as_hub(workspace, bundle)
    add_agency(workspace, LOCAL_ADMIN, "sevenways-taxis", "Sevenways Taxis", "business")
    add_agency(workspace, LOCAL_ADMIN, "riverside-hotels", "Riverside Hotels", "business")
    add_agency(workspace, LOCAL_ADMIN, "valleys-schools-trust", "Valleys Schools Trust", "education")
    tokens = {
        who: users.issue_token(workspace, LOCAL_ADMIN, name=who, agency=agency, role=role)[0]
        for who, (agency, role) in {
            "taxi": ("sevenways-taxis", "reporter"), "hotel": ("riverside-hotels", "reporter"),
            "homes": ("valley-homes", "practitioner"), "hill": ("hill-homes", "practitioner"),
            "school": ("valleys-schools-trust", "practitioner"), "police": ("gwent-police", "police_analyst"),
        }.items()
    }
    client = TestClient(create_app(workspace), base_url="https://testserver")

    def make(who: str, method: str, path: str, **kw: object) -> object:
        return client.request(method, f"/api/v1{path}", headers={"Authorization": f"Bearer {tokens[who]}"}, **kw)

    return make  # type: ignore[return-value]


def test_a_business_reports_and_sees_only_what_it_reported(call: Callable[..., object]) -> None:
    made = call("taxi", "POST", "/reports", json={"concern": "Two boys, about 14, taken from Newport station to a flat late at night", "area": "Newport"})
    assert made.status_code == 201, made.text  # type: ignore[attr-defined]
    assert made.json()["status"] == "new"  # type: ignore[attr-defined]
    call("hotel", "POST", "/reports", json={"concern": "A girl brought to room 12 by older men, several nights"})
    mine = call("taxi", "GET", "/reports").json()  # type: ignore[attr-defined]
    assert [r["area"] for r in mine] == ["Newport"] and "triage_note" not in mine[0]
    assert [r["concern"][:7] for r in call("hotel", "GET", "/reports").json()] == ["A girl "]  # type: ignore[attr-defined]
    queue = call("police", "GET", "/concerns").json()  # type: ignore[attr-defined]
    assert {r["reported_by"] for r in queue} == {"sevenways-taxis", "riverside-hotels"}
    for path in ("/search?q=Glyn%20Parry", "/alerts", "/referrals", "/tenancies/concerns", "/counts"):
        answer = call("taxi", "GET", path)
        assert answer.status_code == (200 if path == "/counts" else 403), (path, answer.text)  # type: ignore[attr-defined]
    assert call("taxi", "GET", "/counts").json()["young_people"] == 0  # type: ignore[attr-defined]
    assert call("school", "POST", "/reports", json={"concern": "x"}).status_code == 201  # type: ignore[attr-defined]
    assert call("taxi", "GET", "/safeguarding/NZZZ?purpose=check").status_code == 403  # type: ignore[attr-defined]


def test_a_housing_provider_sees_cuckooing_at_its_own_tenancies_and_what_to_do(call: Callable[..., object]) -> None:
    seen = call("homes", "GET", "/tenancies/concerns")
    assert seen.status_code == 200, seen.text  # type: ignore[attr-defined]
    rows = seen.json()  # type: ignore[attr-defined]
    assert [(r["tenancy"], r["reported_on"]) for r in rows] == [("Flat 3, 5 River Row, NP20 2ZZ", "2026-11-02")]  # not C2 (C), C3, C4
    assert rows[0]["what_to_do"] == list(WHAT_TO_DO)
    assert "report" not in rows[0] and "Dealers" not in seen.text and "gwent-police" not in seen.text  # type: ignore[attr-defined]
    assert call("hill", "GET", "/tenancies/concerns").json() == []  # type: ignore[attr-defined]
    assert call("school", "GET", "/tenancies/concerns").status_code == 403  # type: ignore[attr-defined]
    police = call("police", "GET", "/tenancies/concerns").json()  # type: ignore[attr-defined]
    assert sorted(r["report"] for r in police) == ["gwent-police:C1", "gwent-police:C2"]
