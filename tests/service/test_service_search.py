"""Search by name (nicknames, misspellings), phone, record id and identifiers, from the index and under need-to-know."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from crossline.access.actor import Actor
from crossline.service import search
from crossline.store.models import SearchKey
from crossline.workspace import Workspace
from helpers import import_as_hub, write_bundle

POLICE = Actor("ana", "gwent-police", "analyst")
SCHOOL = Actor("sam", "valleys-schools-trust", "partner")


def found(ws: Workspace, actor: Actor, q: str) -> set[tuple[str, str]]:
    return {(r.source, r.record_id) for r in search.search(ws, actor, q)}


def test_names_are_found_through_misspellings_and_both_agencies(served: Workspace) -> None:
    assert {("gwent-police", "P2"), ("valleys-schools-trust", "S-002")} <= found(served, POLICE, "Rhys Evans")
    assert ("valleys-schools-trust", "S-002") in found(served, POLICE, "Rhys Evens")  # the school's spelling
    assert ("gwent-police", "P1") in found(served, POLICE, "Kai Morgen")  # misspelt
    assert ("gwent-police", "P1") in found(served, POLICE, "Morgan")  # family name alone


def test_phone_numbers_in_any_format_and_identifiers(served: Workspace) -> None:
    assert {("gwent-police", "P1"), ("valleys-schools-trust", "S-001")} <= found(served, POLICE, "07711 123456")
    assert ("gwent-police", "P1") in found(served, POLICE, "+447711123456")
    assert found(served, POLICE, "S-003") == {("valleys-schools-trust", "S-003")}
    assert ("valleys-schools-trust", "S-001") in found(served, POLICE, "A123456789012")  # a UPN
    assert ("gwent-police", "P1") in found(served, POLICE, "09/123456A")  # a PNC id


def test_nicknames_find_the_formal_name(served: Workspace, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "b", {"people.csv": ("persons", "gwent-police",
                                                          "record_id,given_name,family_name\nP9,William,Pritchard\n")},
                          agencies={"gwent-police": "police"})
    import_as_hub(served, bundle)
    assert ("gwent-police", "P9") in found(served, POLICE, "Bill Pritchard")


def test_a_partner_finds_only_what_it_may_know_and_the_count_says_nothing_more(served: Workspace) -> None:
    assert found(served, SCHOOL, "Kai Morgan") == {("valleys-schools-trust", "S-001")}
    assert found(served, SCHOOL, "07711 123456") == {("valleys-schools-trust", "S-001")}
    assert found(served, SCHOOL, "P1") == set()  # a police record id finds nothing, as a made-up one would


def test_the_index_is_refreshed_once_per_import_not_rebuilt(served: Workspace) -> None:
    search.search(served, POLICE, "Kai")
    with served.engine.connect() as conn:
        keys = conn.execute(select(func.count()).select_from(SearchKey)).scalar()
    search.search(served, POLICE, "Jade")
    with served.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SearchKey)).scalar() == keys


def test_search_over_http_is_audited(login: Callable[[str], TestClient], served: Workspace) -> None:
    answer = login("ana").get("/api/v1/search", params={"q": "Jade Price"})
    assert answer.status_code == 200 and any(r["record_id"] == "P3" for r in answer.json())
    with served.engine.connect() as conn:
        from crossline.store.models import AuditEntry

        last = conn.execute(select(AuditEntry.action, AuditEntry.details).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert last.action == "search" and "Jade Price" in last.details and "gwent-police:P3" in last.details and '"channel":"api"' in last.details


def test_a_misspelling_keeps_a_pair_of_pieces_word_for_word() -> None:
    """Why name search can ask the index for pairs of pieces instead of ranking every name sharing a trigram."""
    import random

    from crossline.store.search_index import _fuzzy_groups

    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for term in ("kai morgan", "rhys evans", "william pritchard", "jade price", "bethan llewellyn"):
        for _ in range(200):
            i = rng.randrange(len(term))
            edit = rng.choice(("change", "drop", "add"))
            typed = (term[:i] + rng.choice(letters) + term[i + 1:] if edit == "change" else
                     term[:i] + term[i + 1:] if edit == "drop" else term[:i] + rng.choice(letters) + term[i:])
            assert any(all(g in typed for g in group) for group in _fuzzy_groups(term)[1:]), (term, typed)


def test_only_an_id_like_query_reads_the_nominals() -> None:
    assert search._id_like("N3C053EC0C2ABE954") and search._id_like("P1")
    assert not any(search._id_like(q) for q in ("Kai Morgan", "Morgan", "07711 123456", "+447711123456"))
