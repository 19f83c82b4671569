"""The authorisation matrix, generated from the policy tables and run over HTTP, on SQLite and PostgreSQL.

Every service role at every agency type it may hold (``roles.SERVICE_ROLES``)
gets an API token; every record kind and action below is called with it.
What each call must answer is worked out from the tables, never written by
hand: ``policy.PERMISSIONS``/``POLICE_ONLY``/``REPORTER_MAY`` say whether the
action is open at all, ``need_to_know`` which records and young people the
token may know. Each check is positive and negative (every action is both
allowed to some tokens and refused to others), and the leaks are checked on
their own: a person record through an error message, a count, a search, a
graph expansion and an export must say nothing about what the token may not
see.

The workspace is the contract's good example, built once per database.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from crossline.access import need_to_know as ntk
from crossline.access.actor import LOCAL_ADMIN, Actor
from crossline.access.policy import require
from crossline.access.roles import SERVICE_ROLES
from crossline.api.app import create_app
from crossline.contract.enums import AGENCY_TYPES
from crossline.errors import NotAllowed
from crossline.service import users
from crossline.service.agencies import add_agency
from crossline.service.build import build
from crossline.store import picture as picture_store
from crossline.workspace import Workspace, init_workspace
from helpers import import_as_hub

EXAMPLES = Path(__file__).resolve().parents[1] / "contract-examples"
PG_ADMIN_URL = os.environ.get("CROSSLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
OWNERS = {"police": "gwent-police", "education": "valleys-schools-trust", "telecoms": "csp-data"}  # the example's agencies
PURPOSE = {"purpose": "authorisation matrix"}


def agency_for(kind: str) -> str:
    """The agency a token of this type acts for: the example's own where it has one (so own records exist), else a made-up one."""
    return OWNERS.get(kind, f"m-{kind.replace('_', '-')}")


@dataclass(frozen=True)
class Token:
    role: str  # service role
    agency_type: str
    secret: str

    @property
    def viewer(self) -> ntk.Viewer:
        return ntk.Viewer(Actor(f"token-{self.role}", agency_for(self.agency_type), SERVICE_ROLES[self.role].actor_role), self.agency_type)

    def may(self, permission: str) -> bool:
        try:
            require(self.viewer, permission)
        except NotAllowed:
            return False
        return True

    def __str__(self) -> str:
        return f"{self.role}@{self.agency_type}"


def grid() -> list[tuple[str, str]]:
    """Every (service role, agency type) the roles table allows: the matrix's rows."""
    return [(name, kind) for name, r in SERVICE_ROLES.items() for kind in sorted(r.agency_types or AGENCY_TYPES)]


@dataclass
class World:
    ws: Workspace
    client: TestClient
    tokens: list[Token]
    admin: Token
    nominal: dict[str, str]  # "source:record_id" -> nominal id
    holders: dict[str, set[str]]  # nominal id -> agencies holding a record of them or responsible for them
    record_holders: dict[str, set[str]]  # nominal id -> agencies holding a record of them
    records: dict[str, list[ntk.RecordRef]]  # kind -> every record, as the policy sees it
    asked: set[tuple[str, str]] = field(default_factory=set)
    everything: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # query -> what the administrator's search finds

    def get(self, token: Token, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params=params, headers={"Authorization": f"Bearer {token.secret}"})

    def post(self, token: Token, path: str, json: Any = None, **params: Any) -> Any:
        return self.client.post(f"/api/v1{path}", params=params, json=json, headers={"Authorization": f"Bearer {token.secret}"})


def _pg_database() -> Iterator[str]:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            name = f"crossline_m_{secrets.token_hex(4)}"
            conn.execute(f"CREATE DATABASE {name}")
    except Exception as exc:  # noqa: BLE001 - any failure to reach it is a skip, as in tests/conftest.py
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} does not answer ({type(exc).__name__})")
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    pg = _pg_database() if request.param == "postgresql" else None
    url = next(pg) if pg else ""
    ws = init_workspace(tmp_path_factory.mktemp("matrix") / "ws", url)
    import_as_hub(ws, EXAMPLES / "good")
    build(ws, LOCAL_ADMIN)
    for kind in sorted(AGENCY_TYPES):
        if agency_for(kind) not in OWNERS.values():
            add_agency(ws, LOCAL_ADMIN, agency_for(kind), f"Made-up {kind}", kind)
    tokens = [Token(role, kind, users.issue_token(ws, LOCAL_ADMIN, name=f"{role}@{kind}", agency=agency_for(kind), role=role)[0])
              for role, kind in grid()]
    nominals = pl.read_parquet(picture_store.current_table(ws.engine, ws.path, "nominals"))  # type: ignore[arg-type]
    risk = pl.read_parquet(picture_store.current_table(ws.engine, ws.path, "risk"))  # type: ignore[arg-type]
    record_holders: dict[str, set[str]] = {}
    for r in nominals.iter_rows(named=True):
        record_holders.setdefault(str(r["nominal_id"]), set()).add(r["source"])
    holders = {n: set(held) for n, held in record_holders.items()}
    for r in risk.iter_rows(named=True):
        holders.setdefault(str(r["nominal_id"]), set()).update(a for a in (r["responsible_agencies"] or "").split(";") if a)
    with ws.engine.connect() as conn:
        records = {
            "person": [ntk.RecordRef(s, "person") for (s,) in conn.execute(text("SELECT source FROM persons"))],
            "event": [ntk.RecordRef(s, "event", t, c, d) for s, t, c, d in conn.execute(
                text("SELECT source, event_type, handling_code, handling_conditions FROM events"))],
            "link": [ntk.RecordRef(s, "link") for (s,) in conn.execute(text("SELECT source FROM links"))],
        }
    client = TestClient(create_app(ws), base_url="https://testserver")
    admin = next(t for t in tokens if t.role == "admin" and t.agency_type == "police")
    yield World(ws, client, tokens, admin, {f"{r['source']}:{r['record_id']}": str(r["nominal_id"]) for r in nominals.iter_rows(named=True)},
                holders, record_holders, records)
    client.close()
    ws.close()
    if pg:
        next(pg, None)


def test_the_grid_is_every_role_at_every_type_it_may_hold(world: World) -> None:
    assert len(world.tokens) == len(grid()) >= 40
    assert {t.viewer.standing for t in world.tokens} == set(ntk.STANDINGS)


Check = Callable[[World, Token], None]


def _status(world: World, token: Token, permission: str, answer: Any, ok: int = 200) -> bool:
    """The answer is ``ok`` when the tables open the permission to the token, else 403; returns whether it was open."""
    open_ = token.may(permission)
    assert answer.status_code == (ok if open_ else 403), f"{token} {permission}: {answer.status_code} {answer.text[:200]}"
    if not open_:
        assert answer.headers["content-type"].startswith("application/problem+json")
    return open_


def _same_words(a: Any, b: Any, a_id: str, b_id: str) -> None:
    """Two refusals that must not be told apart: the same status and the same problem, but for the id asked about."""
    ja, jb = a.json(), b.json()
    assert a.status_code == b.status_code
    assert {k: str(v).replace(a_id, "?") for k, v in ja.items()} == {k: str(v).replace(b_id, "?") for k, v in jb.items()}


def check_person_records_and_error_messages(world: World, token: Token) -> None:
    """A person record opens when its owner's sharing allows; an invisible one answers exactly as a made-up one does."""
    made_up = world.get(token, "/persons/gwent-police/ZZ-NONE", **PURPOSE)
    for source, record in (("gwent-police", "P1"), ("valleys-schools-trust", "S-001")):
        answer = world.get(token, f"/persons/{source}/{record}", **PURPOSE)
        if not token.may("read_person"):
            assert answer.status_code == 403
            continue
        sees = ntk.can_see_record(token.viewer, ntk.RecordRef(source, "person"))
        assert answer.status_code == (200 if sees else 404), f"{token} {source}:{record}: {answer.status_code}"
        if sees:
            assert answer.json()["record_id"] == record
        else:
            gone = world.get(token, f"/persons/{source}/ZZ-NONE", **PURPOSE)
            _same_words(answer, gone, record, "ZZ-NONE")
    assert made_up.status_code == (404 if token.may("read_person") else 403)


def check_search(world: World, token: Token) -> None:
    """Search returns what the admin's search returns, less every record the token may not open; nothing else."""
    for q in ("Kai Morgan", "07711 123456", "P1"):
        answer = world.get(token, "/search", q=q)
        if _status(world, token, "search", answer):
            if q not in world.everything:
                world.everything[q] = {(r["source"], r["record_id"]) for r in world.get(world.admin, "/search", q=q).json()}
            everything = world.everything[q]
            assert everything, f"the administrator's search for {q!r} finds nothing: the check would be empty"
            allowed = {k for k in everything if ntk.can_see_record(token.viewer, ntk.RecordRef(k[0], "person"))}
            assert {(r["source"], r["record_id"]) for r in answer.json()} == allowed, f"{token} searching {q!r}"


def check_counts(world: World, token: Token) -> None:
    """Counts add up exactly the records the token may open (worked out here record by record), and name no other agency."""
    answer = world.get(token, "/counts")
    if not _status(world, token, "status", answer):
        return
    body = answer.json()
    for kind, refs in world.records.items():
        visible = [r for r in refs if ntk.can_see_record(token.viewer, r)]
        assert body["records"][kind] == len(visible), f"{token} counts {kind}"
    for source in body["by_source"]:
        assert any(ntk.can_see_record(token.viewer, r) for refs in world.records.values() for r in refs if r.owner == source)
    rule = token.viewer.rule
    known = [n for n, held in world.record_holders.items()
             if rule.every_child or (rule.held_children and token.viewer.actor.agency in held)]
    assert body["young_people"] == len(known), f"{token} counts young people"
    assert sum(body["bands"].values()) <= len(known)


def check_graph_expansion(world: World, token: Token) -> None:
    """Expansion needs line standing; refused, it says the same for a person in the graph and one who is not."""
    nominal = world.nominal["gwent-police:P1"]
    answer = world.get(token, f"/network/{nominal}")
    made_up = world.get(token, "/network/NZZZZ")
    if _status(world, token, "read_lines", answer):
        body = answer.json()
        assert body["centre"] == f"nominal:{nominal}" and any(e["src"] == body["centre"] or e["dst"] == body["centre"] for e in body["edges"])
        assert made_up.status_code == 404
    else:
        _same_words(answer, made_up, nominal, "NZZZZ")


def check_export(world: World, token: Token) -> None:
    answer = world.post(token, "/exports")
    if _status(world, token, "export", answer):
        assert answer.json()["files"]["nominals.csv"] == len(world.nominal)


def check_safeguarding_view(world: World, token: Token) -> None:
    """The partners' view of a young person: open to those who may know the child, "not found" (as made up) to the rest."""
    made_up = world.get(token, "/safeguarding/NZZZZ", **PURPOSE)
    for key in ("gwent-police:P1", "valleys-schools-trust:S-003", "gwent-police:P4"):
        nominal = world.nominal[key]
        answer = world.get(token, f"/safeguarding/{nominal}", **PURPOSE)
        if not token.may("safeguarding_view"):
            assert answer.status_code == 403 and made_up.status_code == 403
            continue
        knows = ntk.knows_child(token.viewer, world.holders[nominal], [])
        assert answer.status_code == (200 if knows else 404), f"{token} safeguarding view of {key}: {answer.status_code}"
        if knows:
            body = answer.json()
            if not token.viewer.rule.intelligence:  # the example's intelligence report (E3, C-coded) about the Tiny line
                assert "tiny line" not in answer.text.lower() and "DI approval" not in answer.text
            if not token.viewer.rule.foreign_kinds:  # names only from the token's own agency's records
                own = sum(1 for k, n in world.nominal.items() if n == nominal and k.startswith(f"{token.viewer.actor.agency}:"))
                assert len(body["known_as"]) <= own
        else:
            _same_words(answer, made_up, nominal, "NZZZZ")


def check_is_this_child_known(world: World, token: Token) -> None:
    """Detail (agencies, records) by standing, a summary otherwise. A comparison costs a quarter of a second, so each
    (role, standing) is asked once: the agency type enters the answer only through the standing."""
    key = (token.role, token.viewer.standing)
    if key in world.asked:
        return
    world.asked.add(key)
    answer = world.post(token, "/known", json={"given_name": "Kai", "family_name": "Morgan", "date_of_birth": "2009-03-14"}, **PURPOSE)
    if _status(world, token, "match_record", answer):
        detail = ntk.disclosure(token.viewer) == "detail"
        assert ("gwent-police" in answer.text) is detail, f"{token}: the summary names an agency or the detail does not"
        if detail and ("age", "asked") not in world.asked:  # once: a referral's age instead of a date of birth (Kai: 2009-03-14)
            world.asked.add(("age", "asked"))
            today = date.today()
            age = today.year - 2009 - ((today.month, today.day) < (3, 14))
            aged = world.post(token, "/known", json={"given_name": "Kai", "family_name": "Morgan", "age": age}, **PURPOSE)
            assert aged.status_code == 200 and aged.json()["born_in"] == [today.year - age - 1, today.year - age], aged.text
            assert "gwent-police" in aged.text
            assert world.post(token, "/known", json={"given_name": "Kai", "age": -1}, **PURPOSE).status_code == 422


ACTIONS: dict[str, tuple[str, str, str]] = {  # what -> (method, path, permission); the answer is 200 exactly when the tables allow
    "risk list": ("GET", "/risk", "read_risk"),
    "lines": ("GET", "/lines", "read_lines"),
    "DDTRO casework": ("GET", "/ddtro", "ddtro"),
    "review queue": ("GET", "/review", "review_matches"),
    "anonymous report triage": ("GET", "/concerns", "triage_reports"),
    "jobs": ("GET", "/jobs", "jobs"),
    "audit verification": ("GET", "/audit/verify", "verify_audit"),
    "alerts": ("GET", "/alerts", "read_alerts"),
    "referrals": ("GET", "/referrals", "partner_casework"),
    "my reports": ("GET", "/reports", "my_reports"),
    "tenancy concerns": ("GET", "/tenancies/concerns", "tenancy_concerns"),
}


def check_actions(world: World, token: Token) -> None:
    for what, (method, path, permission) in ACTIONS.items():
        answer = world.get(token, path) if method == "GET" else world.post(token, path)
        open_ = token.may(permission)
        if path == "/referrals":  # listed by anyone who refers or takes referrals
            open_ = token.may("refer") or token.may("partner_casework")
        if path == "/tenancies/concerns":  # a partner sees tenancy concerns only as a housing provider
            open_ = open_ and (token.viewer.standing != "partner" or token.agency_type == "housing")
        assert answer.status_code == (200 if open_ else 403), f"{token} {what}: {answer.status_code} {answer.text[:200]}"


def check_risk_detail(world: World, token: Token) -> None:
    nominal = world.nominal["gwent-police:P1"]
    answer = world.get(token, f"/risk/{nominal}", **PURPOSE)
    if _status(world, token, "read_risk", answer):
        assert nominal in answer.text
    else:
        _same_words(answer, world.get(token, "/risk/NZZZZ", **PURPOSE), nominal, "NZZZZ")


CHECKS: list[Check] = [check_person_records_and_error_messages, check_search, check_counts, check_graph_expansion, check_export,
                       check_safeguarding_view, check_is_this_child_known, check_actions, check_risk_detail]


def test_every_role_and_agency_type_against_every_record_kind_and_action(world: World) -> None:
    failures: list[str] = []
    for token in world.tokens:
        for check in CHECKS:
            try:
                check(world, token)
            except Exception as exc:  # noqa: BLE001 - every failure of every token is reported together
                failures.append(f"{token} {check.__name__}: {exc}"[:400])
    assert not failures, "\n".join(failures[:30])


def test_every_action_is_both_allowed_and_refused_somewhere(world: World) -> None:
    """The matrix cannot pass by refusing (or allowing) everything: each permission it checks splits the tokens."""
    permissions = {"read_person", "search", "status", "read_lines", "export", "safeguarding_view", "match_record",
                   *(p for _, _, p in ACTIONS.values())} - {"status"}
    for permission in permissions:
        outcomes = {t.may(permission) for t in world.tokens}
        assert outcomes == {True, False}, permission
    standings = {t.viewer.standing: t for t in world.tokens}
    assert ntk.can_see_record(standings["police"].viewer, ntk.RecordRef("valleys-schools-trust", "person"))
    assert not ntk.can_see_record(standings["partner"].viewer, ntk.RecordRef("gwent-police", "person"))
