"""The network stage's logic on a hand-built group: roles, stable ids, cross-border counting, priorities, exports, edge lists."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import igraph as ig
import networkx as nx
import polars as pl
import pytest

from crossline.exchange.graph import assemble
from crossline.exchange.graphml import write_graphml
from crossline.exchange.i2 import write_i2
from crossline.exchange.neo4j import write_neo4j
from crossline.settings.network import NetworkSettings
from crossline.stages.network import crossborder, keyplayers, pole, priorities
from crossline.stages.network.edgelist import graph_of, measures_table, read_edges
from crossline.stages.network.groups import find_groups
from crossline.stages.network.inputs import Inputs
from crossline.stages.network.measures import disruption

S = NetworkSettings()
LINE_NO, HOLDER_PH, CTRL_PH = "+447700900001", "+447700900002", "+447700900003"
R1, R2, CUST = "+447700900011", "+447700900012", "+447700900021"


def hand(controller_area: str = "merseyside", violence: int = 0, previous: pl.DataFrame | None = None, extra_runner: bool = False) -> Inputs:
    phones = [("H", HOLDER_PH), ("H", LINE_NO), ("C", CTRL_PH), ("R1", R1), ("R2", R2), ("U", CUST)]
    runners = [("L1", R1, 40, "gwent"), ("L1", R2, 30, "gwent")]
    if extra_runner:
        phones.append(("R3", "+447700900013"))
        runners.append(("L1", "+447700900013", 25, "gwent"))
    events = [("pol:E1", "cuckooing_report", "2026-07-01", "gwent", None, "1 Made Up Road", "R1", "suspect"),
              ("pol:E1", "cuckooing_report", "2026-07-01", "gwent", None, "1 Made Up Road", "O", "victim"),
              ("pol:E2", "found_out_of_area", "2026-07-02", "gwent", None, None, "R2", "missing_person")]
    events += [(f"pol:V{i}", "violence_incident", "2026-07-03", "gwent", None, None, "R1", "suspect") for i in range(violence)]
    return Inputs(
        person_phones=pl.DataFrame({"nominal_id": [p for p, _ in phones], "number": [n for _, n in phones],
                                    "evidence": [f"pol:{p}" for p, _ in phones], "seen": [None] * len(phones)}),
        person_links=pl.DataFrame({"a": ["C", "C", "R1"], "relation": ["controls", "associate_of", "family_of"], "b": ["H", "A", "M"],
                                   "evidence": ["pol:link1", "pol:link2", "pol:link3"], "seen": ["2026-06-01"] * 3}),
        event_people=pl.DataFrame(events, schema=["event", "event_type", "occurred_at", "force_area", "phone", "address", "nominal_id", "role"],
                                  orient="row"),
        contacts=pl.DataFrame({"u": [HOLDER_PH, LINE_NO, LINE_NO], "v": [CTRL_PH, R1, CUST], "contacts": [30, 50, 20], "voice": [30, 5, 0],
                               "texts": [0, 45, 20], "first_t": [1780000000] * 3, "last_t": [1790000000] * 3}),
        lines=pl.DataFrame({"line_id": ["L1"], "status": ["active"], "confidence": [0.9], "controller_area": [controller_area],
                            "market_areas": ["gwent"], "customers": [1]}),
        line_numbers=pl.DataFrame({"line_id": ["L1"], "number": [LINE_NO], "active_from": ["2026-06-01"], "active_to": ["2026-10-31"]}),
        runners=pl.DataFrame(runners, schema=["line_id", "number", "instructions", "force_area"], orient="row"),
        customers=pl.DataFrame({"line_id": ["L1", "L1"], "number": [CUST, CUST], "force_area": ["gwent", "gwent"]}),
        people=pl.DataFrame({"nominal_id": ["R1", "R2", "H", "C"], "age": [15, 16, 20, 35],
                             "home_force": ["merseyside", "merseyside", "merseyside", "merseyside"], "label": ["a", "b", "c", "d"]}),
        previous_members=previous,
    )


def roles_of(inp: Inputs) -> dict[str, str]:
    found = find_groups(inp, S)
    return dict(found.members.select("nominal_id", "role").iter_rows())


def test_roles_on_a_hand_built_group() -> None:
    found = find_groups(hand(), S)
    roles = dict(found.members.select("nominal_id", "role").iter_rows())
    assert roles == {"H": "holder", "C": "controller", "R1": "runner", "R2": "runner", "A": "associate", "O": "occupant"}
    assert "U" not in roles and "M" not in roles  # a customer is the market, family alone is no role
    reasons = dict(found.members.select("nominal_id", "reasons").iter_rows())
    assert "line L1's number" in reasons["H"] and "recorded as controlling them" in reasons["C"]
    assert "pol:E1" in found.members.filter(pl.col("nominal_id") == "O")["evidence"][0]
    assert found.members["ocg_id"].n_unique() == 1
    scored = keyplayers.score_members(found, S)
    assert scored["key_player"].any() and scored["centrality"].is_not_null().all()


def test_roles_inferred_from_who_works_with_whom() -> None:
    """A holder with no phone on record, a runner with none, one carrying the line phone in the market, and an older associate."""
    base = hand()
    phones = base.person_phones.filter(pl.col("nominal_id") != "H").vstack(pl.DataFrame(
        {"nominal_id": ["R3"], "number": [LINE_NO], "evidence": ["gwent-police:link:9"], "seen": [None], "force_area": ["gwent"]}))
    links = base.person_links.vstack(pl.DataFrame({"a": ["H", "H", "H"], "relation": ["associate_of"] * 3, "b": ["R1", "Y", "Z"],
                                                   "evidence": ["mer:link:4", "mer:link:5", "mer:link:6"], "seen": ["2026-06-01"] * 3}))
    people = base.people.vstack(pl.DataFrame({"nominal_id": ["Y", "Z"], "age": [16, 31], "home_force": ["merseyside"] * 2, "label": ["e", "f"]}))
    found = find_groups(Inputs(**{**base.__dict__, "person_phones": phones, "person_links": links, "people": people}), S)
    roles = dict(found.members.select("nominal_id", "role").iter_rows())
    reasons = dict(found.members.select("nominal_id", "reasons").iter_rows())
    assert roles["H"] == "holder" and "recorded as controlled by C" in reasons["H"] and "R1" in reasons["H"]
    assert roles["C"] == "controller"  # found through the inferred holder
    assert roles["Y"] == "runner" and "aged 16" in reasons["Y"]
    assert roles["Z"] == "associate"  # an older associate of the holder, never missing: not taken for a runner
    assert roles["R3"] == "runner" and "carrying the line's phone" in reasons["R3"]


def test_conflicting_evidence_keeps_the_role_that_explains_it() -> None:
    """The controller charged with the line's phone when it closed, and a runner arrested with it where it is run from."""
    base = hand()
    arrests = pl.DataFrame([("pol:A1", "charge", "2026-08-01", "merseyside", LINE_NO, None, "C", "subject"),
                            ("pol:A2", "arrest", "2026-08-02", "merseyside", LINE_NO, None, "R2", "subject")],
                           schema=list(base.event_people.columns), orient="row")
    roles = roles_of(Inputs(**{**base.__dict__, "event_people": base.event_people.vstack(arrests)}))
    assert roles["C"] == "controller" and roles["H"] == "holder"
    assert roles["R2"] == "runner"  # the line sends work to their own number: holders give orders, they do not take them


def test_group_id_stays_when_one_member_joins() -> None:
    first = find_groups(hand(), S).members
    again = find_groups(hand(extra_runner=True, previous=first.select("ocg_id", "nominal_id")), S).members
    assert again["ocg_id"].unique().to_list() == first["ocg_id"].unique().to_list()
    assert again.height == first.height + 1
    fresh = find_groups(hand(extra_runner=True), S).members  # without the previous version the id is derived afresh
    assert fresh["ocg_id"][0] != first["ocg_id"][0]


def test_a_cross_border_flow_is_counted_once() -> None:
    inp = hand()
    members = find_groups(inp, S).members
    flows = crossborder.flows(inp, members)
    cust = flows.filter(pl.col("kind") == "customer")
    assert cust.height == 1  # the customer appears twice in line_customers, once as a flow
    m = crossborder.matrix(flows)
    row = m.filter((pl.col("from_force") == "merseyside") & (pl.col("to_force") == "gwent")).row(0, named=True)
    assert row["customers"] == 1 and row["runners"] == 2 and row["lines"] == 1
    missing = flows.filter(pl.col("kind") == "missing")
    assert missing.height == 1 and missing["to_force"][0] == "gwent"


def _score(inp: Inputs) -> tuple[float, str]:
    p = priorities.prioritise(inp, find_groups(inp, S).members, S).filter(pl.col("subject_type") == "line")
    return float(p["score"][0]), str(p["reasons"][0])


def test_priorities_change_with_harm_not_with_the_owning_force() -> None:
    base, reasons = _score(hand())
    assert "violence incidents" in reasons and "children running for it" in reasons
    assert _score(hand(controller_area="metropolitan"))[0] == base
    assert _score(hand(controller_area="gwent"))[0] == base
    assert _score(hand(violence=2))[0] > base
    # and ranks: two lines differing only in owner keep the same order whichever owns which
    two = [hand(violence=1), hand(controller_area="gwent")]
    assert all(_score(x)[0] >= base for x in two)


def test_exports_read_back(tmp_path: Path) -> None:
    inp = hand()
    found = find_groups(inp, S)
    edges = pole.pole_edges(inp, S)
    g = assemble(pole.pole_nodes(edges, inp.people), edges, found.members)
    gx = nx.read_graphml(write_graphml(g, tmp_path / "g.graphml"))
    assert gx.number_of_nodes() == g.nodes.height and gx.number_of_edges() == edges.height
    assert gx.nodes["nominal:C"]["roles"] == "controller"
    ents, links, spec = write_i2(g, tmp_path / "i2")
    with ents.open() as f:
        assert {r["Identity"] for r in csv.DictReader(f)} == set(g.nodes["node_id"].to_list())
    with links.open() as f:
        assert sum(1 for _ in csv.DictReader(f)) == edges.height
    assert "i2_entities.csv" in spec.read_text()
    nodes_csv, rels_csv, script = write_neo4j(g, tmp_path / "neo")
    text = script.read_text()
    types = set(re.findall(r"row.type = '(\w+)'", text))
    with rels_csv.open() as f:
        assert types == {r["type"] for r in csv.DictReader(f)}
    labels = set(re.findall(r"row.label = '(\w+)'", text))
    with nodes_csv.open() as f:
        assert labels == {r["label"] for r in csv.DictReader(f)}


def test_exchange_csvs_are_safe_in_a_spreadsheet(tmp_path: Path) -> None:
    """A partner's name that is a formula reaches i2 and Neo4j as text, read back as the graph has it but with the quote in front."""
    base = hand()
    inp = Inputs(**{**base.__dict__, "people": base.people.with_columns(
        pl.when(pl.col("nominal_id") == "C").then(pl.lit("=HYPERLINK(\"http://example.invalid\")")).otherwise(pl.col("label")).alias("label"))})
    edges = pole.pole_edges(inp, S)
    g = assemble(pole.pole_nodes(edges, inp.people), edges, find_groups(inp, S).members)
    ents = write_i2(g, tmp_path / "i2")[0]
    nodes_csv = write_neo4j(g, tmp_path / "neo")[0]
    with ents.open() as f:
        labels = {r["Identity"]: r["Label"] for r in csv.DictReader(f)}
    with nodes_csv.open() as f:
        names = {r["id"]: r["name"] for r in csv.DictReader(f)}
    assert labels["nominal:C"] == names["nominal:C"] == "'=HYPERLINK(\"http://example.invalid\")"
    assert labels["phone:" + LINE_NO] == LINE_NO  # an E.164 number is a value, written as it is


def test_an_edge_list_with_bad_rows_says_why_and_uses_the_rest(tmp_path: Path) -> None:
    p = tmp_path / "edges.csv"
    p.write_text("source,target,weight\na,b,1\n,c,1\nb,c,two\nd,d,1\nc,d,2\nb,,3\n")
    got = read_edges(p)
    assert got.edges.height == 2
    text = "\n".join(got.problems)
    assert "2 row(s) with a blank node id" in text and "line 3" in text
    assert "1 row(s) with a weight that is not a positive number" in text and "line 4" in text
    assert "1 row(s) with a self-loop" in text and "line 5" in text
    table, how = measures_table(graph_of(got.edges), 1.0, 7, 5000, 200)
    assert how == "exact" and set(table["node"].to_list()) == {"a", "b", "c", "d"}


def test_disruption_of_a_star_and_a_path() -> None:
    star = ig.Graph.Star(6)
    d = disruption(star)
    assert d[0] == pytest.approx(0.8) and d[1:].max() == 0  # removing the hub leaves pieces of one out of five others
    path = ig.Graph(n=5, edges=[(0, 1), (1, 2), (2, 3), (3, 4)])
    assert disruption(path)[2] == pytest.approx(0.5)


def test_edge_steps_read_only_what_comes_before() -> None:
    from crossline.engine.steps import check_order
    from crossline.stages.network.sql import EDGE_STEPS

    check_order(EDGE_STEPS, {"ev", "seeds"})


def test_a_line_phone_recorded_by_the_hub_citys_other_force_stays_the_holders() -> None:
    """Run from the City of London, sold in Gwent: a Met record of the line phone is the holder's, a Gwent one a runner's."""
    base = hand(controller_area="city-of-london")
    phones = base.person_phones.filter(pl.col("nominal_id") != "H").vstack(pl.DataFrame(
        {"nominal_id": ["H", "R3"], "number": [LINE_NO, LINE_NO], "evidence": ["met:link:1", "gwent-police:link:9"], "seen": [None, None],
         "force_area": ["metropolitan", "gwent"]}))
    intel = pl.DataFrame([("met:I1", "intelligence", "2026-08-01", "metropolitan", LINE_NO, None, "K", "subject"),
                          ("gw:I2", "intelligence", "2026-08-02", "gwent", LINE_NO, None, "R4", "subject")],
                         schema=list(base.event_people.columns), orient="row")
    found = find_groups(Inputs(**{**base.__dict__, "person_phones": phones, "event_people": base.event_people.vstack(intel)}), S)
    roles = dict(found.members.select("nominal_id", "role").iter_rows())
    reasons = dict(found.members.select("nominal_id", "reasons").iter_rows())
    assert roles["H"] == "holder" and roles["K"] == "holder"  # London's other force: where the line is run from
    assert roles["R3"] == "runner" and "carrying the line's phone" in reasons["R3"]
    assert roles["R4"] == "runner" and "where line L1 sells" in reasons["R4"]
