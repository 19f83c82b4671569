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


def test_a_reimported_record_is_found_by_its_new_name_only_and_a_name_nobody_holds_leaves_the_index(served: Workspace, tmp_path: Path) -> None:
    feed = "record_id,given_name,family_name\nP9,Wilhelmina,Quartermaine\n"
    import_as_hub(served, write_bundle(tmp_path / "a", {"people.csv": ("persons", "gwent-police", feed)}, agencies={"gwent-police": "police"}))
    assert ("gwent-police", "P9") in found(served, POLICE, "Wilhelmina Quartermaine")
    renamed = "record_id,given_name,family_name\nP9,Wilhelmina,Oddfellow\n"
    import_as_hub(served, write_bundle(tmp_path / "b", {"people.csv": ("persons", "gwent-police", renamed)}, agencies={"gwent-police": "police"}))
    assert ("gwent-police", "P9") in found(served, POLICE, "Wilhelmina Oddfelow")  # misspelt
    assert ("gwent-police", "P9") not in found(served, POLICE, "Wilhelmina Quartermaine")
    with served.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM search_names_terms WHERE term LIKE '%quartermaine%'")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM search_names_terms WHERE term = 'wilhelmina oddfellow'")).scalar() == 1


def test_many_people_sharing_a_name_come_back_best_first_up_to_the_limit(served: Workspace, tmp_path: Path) -> None:
    """Names are indexed once however many records hold them; the records of the best names come first, in order."""
    rows = [f"Z{i:02d},Gethin,Llewellyn" for i in range(30)] + [f"Y{i:02d},Gethin,Llewelyn" for i in range(5)]
    feed = "record_id,given_name,family_name\n" + "\n".join(rows) + "\n"
    import_as_hub(served, write_bundle(tmp_path / "a", {"people.csv": ("persons", "gwent-police", feed)}, agencies={"gwent-police": "police"}))
    exact = search.search(served, POLICE, "Gethin Llewellyn", limit=100)
    assert [r.record_id for r in exact][:30] == [f"Z{i:02d}" for i in range(30)] and {r.score for r in exact[:30]} == {1.0}
    assert {r.record_id for r in exact[30:]} == {f"Y{i:02d}" for i in range(5)} and all(r.score < 1.0 for r in exact[30:])
    top = search.search(served, POLICE, "Gethin Llewelyn", limit=7)  # the misspelling is now the exact name
    assert [r.record_id for r in top] == [f"Y{i:02d}" for i in range(5)] + ["Z00", "Z01"]
    with served.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM search_names_terms WHERE term = 'gethin llewellyn'")).scalar() == 1
