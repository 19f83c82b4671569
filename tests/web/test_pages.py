"""Every page and its JSON twin, in-process, under the policy: what each role sees, and what it never sees."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from service_users import PASSWORD
from sqlalchemy import text
from web_sites import Site

from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.api.app import create_app
from crossline.contract.geography import WORKSPACE_BOUNDARIES
from crossline.service import agencies, resolve, safeguarding, users

Login = Callable[[str], TestClient]

ANALYST_PAGES = {  # path -> keys of its JSON twin
    "/": {"active_lines_by_area", "successor_alerts", "priorities", "review_queue_size"},
    "/search?q=Kai+Morgan": {"q", "rows", "page", "pages", "total"},
    "/people/{kai}": {"view", "risk", "reasons", "timeline", "records", "links", "groups", "referrals", "nrm", "flags", "suspect_in"},
    "/records/gwent-police/P1": {"record", "safeguarding", "source"},
    "/lines": {"rows", "page", "pages", "total"},
    "/network": {"nodes", "edges", "edge_kinds"},
    "/network?kind=person&start={kai}": {"nodes", "edges", "start"},
    "/network/expand?node=phone:%2B447711123456": {"nodes", "edges", "start"},
    "/map": {"force_areas", "flows", "cells"},
    "/review": {"rows", "page", "has_next"},
    "/inbox": {"alerts", "waiting", "casework"},
    "/what-works": {"programmes"},
    "/upload": {"may_import"},
    "/known": {"asked", "purpose", "answer"},
}
SCRIPT_WITHOUT_SRC = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
OUTSIDE = re.compile(r"""(?:src|href)=["']?(?:https?:)?//""", re.IGNORECASE)


def _twin(path: str) -> str:
    return path + ("&" if "?" in path else "?") + "format=json"


@pytest.mark.parametrize("path", list(ANALYST_PAGES))
def test_each_analyst_page_and_its_json_twin(site: Site, login: Login, path: str) -> None:
    ana = login("ana")
    url = path.format(kai=site.kai)
    html = ana.get(url)
    assert html.status_code == 200, html.text[:500]
    assert html.headers["content-type"].startswith("text/html")
    assert '<a class="skip" href="#main">' in html.text and "<h1>" in html.text
    assert not SCRIPT_WITHOUT_SRC.search(html.text), "an inline script: the CSP forbids it"
    assert not OUTSIDE.search(html.text), "a script, style or picture from elsewhere: the pages must work air-gapped"
    assert "script-src 'self'" in html.headers["content-security-policy"]
    twin = ana.get(_twin(url))
    assert twin.status_code == 200 and twin.headers["content-type"].startswith("application/json")
    assert ANALYST_PAGES[path] <= set(twin.json())
    same = ana.get(url, headers={"Accept": "application/json"})  # the Accept header picks the twin too
    assert same.json().keys() == twin.json().keys()


def test_the_profile_shows_records_with_provenance_reasons_and_the_timeline(site: Site, login: Login) -> None:
    data = login("ana").get(f"/people/{site.kai}?format=json&purpose=casework+review").json()
    assert {(r["source"], r["record_id"]) for r in data["records"]} == {("gwent-police", "P1"), ("valleys-schools-trust", "S-001")}
    assert any(r["indicator"] == "intelligence" and r["handling_code"] == "C" for r in data["reasons"])  # police see C records
    assert data["timeline"] and all(e["occurred_at"] for e in data["timeline"])
    assert data["links"], "the network links of the person"
    page = login("ana").get(f"/people/{site.kai}").text
    assert "Not to be shared with schools without DI approval" in page


def test_a_partner_sees_the_safeguarding_view_never_the_intelligence(site: Site, login: Login) -> None:
    sam = login("sam")
    data = sam.get(f"/people/{site.kai}?format=json").json()
    assert data["view"] == "partner" and "reasons" not in data and "links" not in data
    text = sam.get(f"/people/{site.kai}").text + str(data)
    assert "DI approval" not in text and "intelligence" not in text.lower().replace("police intelligence", "")
    assert "gwent-police" not in str(data["known_as"])


def test_an_officer_opens_the_profile_as_the_safeguarding_view_and_a_record_in_full(site: Site, login: Login) -> None:
    oli = login("oli")
    data = oli.get(f"/people/{site.kai}?format=json").json()
    assert data["view"] == "partner" and data["risk"]["band"]  # officers have no risk detail (read_risk): the plain-words view
    assert oli.get("/records/gwent-police/P1?format=json").json()["record"]["given_name"] == "Kai"
    assert oli.get("/lines").status_code == 404
    board = oli.get("/?format=json").json()
    assert board["active_lines_by_area"] is False and board["review_queue_size"] is False  # left out, not "not built"
    assert "Active lines by force area" not in oli.get("/").text
    assert 'href="/lines"' not in oli.get("/").text and 'href="/lines"' in login("ana").get("/").text  # links only where they lead
    assert 'href="/lines"' not in login("sam").get("/").text


@pytest.mark.parametrize("path", ["/lines", "/lines/L-ANY", "/lines/L-ANY/pack", "/network", "/network?kind=person&start={kai}",
                                  "/network/expand?node=nominal:{kai}", "/map", "/review", "/what-works", "/records/gwent-police/P1",
                                  "/people/{police_only}", "/audit", "/upload"])
def test_a_partner_gets_the_one_not_found_page_where_police_information_is(site: Site, login: Login, path: str) -> None:
    sam = login("sam")
    url = path.format(kai=site.kai, police_only=site.police_only)
    refused, missing = sam.get(url), sam.get("/people/N-NO-SUCH-PERSON")
    assert refused.status_code == missing.status_code == 404
    assert refused.text == missing.text, "a refusal must read exactly as a record that does not exist"
    assert sam.get(_twin(url)).json() == sam.get(_twin("/people/N-NO-SUCH-PERSON")).json()


def test_the_map_draws_land_from_the_coastline_the_application_serves(site: Site, login: Login) -> None:
    land = login("ana").get("/map/coastline.json")
    assert land.status_code == 200 and land.headers["content-type"] == "application/json"
    names = {f["properties"]["name"] for f in land.json()["features"]}
    assert "United Kingdom" in names, names
    assert "/map/coastline.json" in login("ana").get("/static/map.js").text  # fetched from this application, never a tile server
    with TestClient(create_app(site.ws), base_url="https://testserver", follow_redirects=False) as anon:
        assert anon.get("/map/coastline.json").status_code in (303, 401)  # behind the login, like the map


def test_the_map_outlines_force_areas_when_the_workspace_holds_the_official_boundaries(site: Site, login: Login) -> None:
    ana = login("ana")
    path = site.ws.path / WORKSPACE_BOUNDARIES
    assert ana.get("/map/force-areas.json").status_code == 404  # none shipped: the centres alone
    assert ana.get("/map?format=json").json()["force_boundaries"] is False
    square = [[[-3.2, 51.5], [-2.7, 51.5], [-2.7, 51.9], [-3.2, 51.9], [-3.2, 51.5]]]  # a made-up square, not Gwent's shape
    path.parent.mkdir(exist_ok=True)
    try:
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"PFA23NM": "Gwent"}, "geometry": {"type": "Polygon", "coordinates": square}}]}))
        drawn = ana.get("/map/force-areas.json")
        assert drawn.status_code == 200 and drawn.json()["features"][0]["properties"]["PFA23NM"] == "Gwent"
        assert ana.get("/map?format=json").json()["force_boundaries"] is True
        assert "outlined from the official boundaries" in ana.get("/map").text
        assert login("sam").get("/map/force-areas.json").status_code == 404  # a partner learns nothing either way
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"PFA23NM": "Atlantis"}, "geometry": {"type": "Polygon", "coordinates": square}}]}))
        refused = ana.get("/map/force-areas.json")
        assert refused.status_code == 422 and "Atlantis" in refused.text  # an unknown force is refused, not drawn
    finally:
        path.unlink(missing_ok=True)


def test_not_allowed_and_not_found_are_the_same_for_police_too(site: Site, login: Login) -> None:
    ana = login("ana")
    assert ana.get("/lines/L-NO-SUCH").text == ana.get("/people/N-NO-SUCH").text == ana.get("/audit").text


def test_pages_ask_for_a_login_and_the_login_form_says_nothing_about_who_has_an_account(site: Site) -> None:
    with TestClient(create_app(site.ws), base_url="https://testserver", follow_redirects=False) as anon:
        first = anon.get(f"/people/{site.kai}")
        assert first.status_code == 303 and first.headers["location"].startswith("/login?next=")
        assert anon.get("/?format=json").status_code == 401
        wrong = anon.post("/login", data={"user": "ana", "password": "not the passphrase"})
        nobody = anon.post("/login", data={"user": "nobody-at-all", "password": "not the passphrase"})
        assert wrong.status_code == nobody.status_code == 401 and wrong.text == nobody.text
        away = anon.post("/login", data={"user": "aud", "password": PASSWORD, "next": "//elsewhere.example/"})
        assert away.headers["location"] == "/", "never an open redirect"
        assert anon.get("/report").status_code == 200  # the anonymous form needs no login


def test_forms_need_the_csrf_token_and_the_inbox_accepts_a_referral(site: Site, login: Login) -> None:
    made = safeguarding.make_referral(site.ws, Actor("ana", "gwent-police", "analyst"), site.kai, "valleys-schools-trust", "school",
                                      "a second worry this term", "mentoring")
    sam = login("sam")
    page = sam.get("/inbox").text
    assert made["referral_id"] in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    refused = sam.post(f"/inbox/referrals/{made['referral_id']}", data={"decision": "accept", "reason": "we can mentor"})
    assert refused.status_code == 403
    done = sam.post(f"/inbox/referrals/{made['referral_id']}", data={"decision": "accept", "reason": "we can mentor", "csrf_token": csrf.group(1)})
    assert done.status_code == 303
    assert safeguarding.referral(site.ws, Actor("sam", "valleys-schools-trust", "partner"), made["referral_id"])["status"] == "accepted"
    outcome = sam.post("/inbox/outcomes", data={"nominal_id": site.kai, "measure": "engagement", "observed_at": "2026-11-01", "value": "1",
                                                "csrf_token": csrf.group(1)})
    assert outcome.status_code == 303
    hidden = sam.post("/inbox/outcomes", data={"nominal_id": site.police_only, "measure": "engagement", "observed_at": "2026-11-01",
                                               "csrf_token": csrf.group(1)})
    assert hidden.status_code == 404  # a child only the police hold: not found, as one that does not exist


def test_an_analyst_decides_a_match_from_the_queue(site: Site, login: Login) -> None:
    ana = login("ana")
    pair = site.pair
    assert pair["explanation"], "each pair comes with its explanation"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', ana.get("/review").text)
    assert csrf
    reason = "different dates of birth on the two records (in-process test)"
    answer = ana.post("/review/decide", data={k: str(pair[k]) for k in ("source_a", "record_a", "source_b", "record_b")}
                      | {"decision": "different", "reason": reason, "csrf_token": csrf.group(1)})
    assert answer.status_code == 303
    assert any(d["reason"] == reason for d in resolve.decisions(site.ws, Actor("ana", "gwent-police", "analyst")))
    after = ana.get("/review?format=json").json()["rows"]
    assert (pair["source_a"], pair["record_a"], pair["source_b"], pair["record_b"]) not in {
        (p["source_a"], p["record_a"], p["source_b"], p["record_b"]) for p in after}


def test_the_auditor_verifies_the_chain_and_pages_through_it(site: Site, login: Login) -> None:
    login("ana").get("/network/expand?node=phone:%2B447711123456&format=json")  # an access to find, whatever ran before
    aud = login("aud")
    assert aud.get("/").headers["location"] == "/audit"
    data = aud.get("/audit?verify=true&format=json").json()
    assert data["verification"]["ok"] is True and data["verification"]["entries"] > 0
    assert len(data["entries"]) <= 50
    assert {e["action"] for e in data["entries"]} & {"read_audit", "expand_network", "read_person", "read_risk"}
    if data["older"]:
        older = aud.get(f"/audit?before={data['older']}&format=json").json()
        assert all(e["seq"] < data["older"] for e in older["entries"])


def test_every_network_expansion_is_audited_with_the_web_channel(site: Site, login: Login) -> None:
    login("ana").get("/network/expand?node=phone:%2B447711123456&format=json")
    entries = login("aud").get("/audit?format=json").json()["entries"]
    hit = [e for e in entries if e["action"] == "expand_network" and e["subject"] == "phone:+447711123456"]
    assert hit and hit[0]["details"]["channel"] == "web" and hit[0]["user"] == "ana"


def test_static_files_are_served_with_their_licences(site: Site, login: Login) -> None:
    c = login("ana")
    for path in ("/static/vendor/htmx/htmx.min.js", "/static/vendor/cytoscape/cytoscape.min.js", "/static/vendor/chartjs/chart.umd.js",
                 "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css", "/static/site.css", "/static/network.js"):
        assert c.get(path).status_code == 200, path
    for licence in ("htmx/LICENSE", "cytoscape/LICENSE", "chartjs/LICENSE.md", "leaflet/LICENSE"):
        assert "Permission is hereby granted" in c.get(f"/static/vendor/{licence}").text or "BSD" in c.get(f"/static/vendor/{licence}").text


def test_lists_are_paginated(site: Site, login: Login) -> None:
    data = login("ana").get("/search?q=Evans&format=json&page=1").json()
    assert data["page"] == 1 and len(data["rows"]) <= 25 and data["pages"] >= 1
    assert login("ana").get("/search?q=Evans&page=0").status_code == 422


def _csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_a_practitioner_asks_is_this_child_known_from_the_form(site: Site, login: Login) -> None:
    """The question goes by POST with the session's token; the answer names the nominal, its agencies and why."""
    ana = login("ana")
    assert 'href="/known"' in ana.get("/").text  # in the navigation for those who may ask
    token = _csrf(ana, "/known")
    asked = {"given_name": "Kai", "family_name": "MORGAN", "date_of_birth": "2009-03-14", "postcode": "NP20 1AB",
             "purpose": "new referral from school", "csrf_token": token}
    assert ana.post("/known", data={k: v for k, v in asked.items() if k != "csrf_token"}).status_code == 403
    answer = ana.post("/known", data=asked)
    assert answer.status_code == 200, answer.text[:500]
    assert "<h2 id=\"answer-h\">Known</h2>" in answer.text and f'href="/people/{site.kai}?purpose=new%20referral%20from%20school"' in answer.text
    assert "Why this score" in answer.text and "Date of birth" in answer.text
    twin = ana.post("/known", data=asked, headers={"Accept": "application/json"}).json()
    assert twin["answer"]["known"] and twin["answer"]["candidates"][0]["nominal_id"] == site.kai
    assert twin["answer"]["candidates"][0]["reasons"] and "gwent-police" in twin["answer"]["candidates"][0]["agencies"]
    assert "Kai" not in str(answer.url)  # the child's details never go in the address
    with site.ws.engine.connect() as conn:
        entry = conn.execute(text("SELECT details FROM audit_log WHERE action = 'match_record' ORDER BY seq DESC")).first()
    assert entry is not None and site.kai in entry.details and "new referral from school" in entry.details


def test_is_this_child_known_by_name_alone_never_says_not_known_and_an_empty_form_is_refused(site: Site, login: Login) -> None:
    ana = login("ana")
    token = _csrf(ana, "/known")
    twin = ana.post("/known", data={"given_name": "Kai", "family_name": "Morgan", "purpose": "a call from a youth worker",
                                    "csrf_token": token}, headers={"Accept": "application/json"}).json()
    assert twin["answer"]["status"] in ("known", "cannot tell")
    empty = ana.post("/known", data={"purpose": "nothing to ask", "csrf_token": token})
    assert empty.status_code >= 400 and "fill in at least one field" in empty.text
    # a referral that gives an age, not a date of birth (Kai Morgan, born 2009-03-14): both years it allows are asked
    today = date.today()
    age = today.year - 2009 - ((today.month, today.day) < (3, 14))
    aged = ana.post("/known", data={"given_name": "Kai", "family_name": "Morgan", "age": str(age), "purpose": "a call from a youth worker",
                                    "csrf_token": token})
    assert aged.status_code == 200, aged.text[:500]
    assert f"Aged {age} today: born in {today.year - age - 1} or {today.year - age}, both asked." in aged.text
    assert f'href="/people/{site.kai}' in aged.text and f'value="{age}"' in aged.text
    wrong = ana.post("/known", data={"given_name": "Kai", "age": "14y", "purpose": "a call", "csrf_token": token})
    assert wrong.status_code >= 400 and "is not a number of whole years" in wrong.text


def test_a_partner_without_the_permission_finds_no_known_page(site: Site, login: Login) -> None:
    sam = login("sam")
    assert 'href="/known"' not in sam.get("/").text
    assert sam.get("/known").status_code == 404


def test_a_council_safeguarding_lead_is_told_a_summary_never_a_record(site: Site, login: Login) -> None:
    agencies.add_agency(site.ws, LOCAL_ADMIN, "gwent-valleys-council", "Gwent Valleys Council", "local_authority")
    users.add_user(site.ws, LOCAL_ADMIN, user_id="lia", display_name="Lia", agency="gwent-valleys-council", role="safeguarding_lead",
                   password=PASSWORD)
    lia = login("lia")
    answer = lia.post("/known", data={"given_name": "Kai", "family_name": "Morgan", "date_of_birth": "2009-03-14", "postcode": "NP20 1AB",
                                      "purpose": "referral to the MASH", "csrf_token": _csrf(lia, "/known")})
    assert answer.status_code == 200 and "<h2 id=\"answer-h\">Known</h2>" in answer.text
    assert "police" in answer.text and "safeguarding lead" in answer.text  # which kinds of agency, and what to do
    assert site.kai not in answer.text and "P1" not in answer.text and "Why this score" not in answer.text
