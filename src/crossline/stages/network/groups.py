"""Organised crime groups around the lines, and each member's role with its reasons and evidence.

Roles come first, from what the records and the comms say about each line:

- **holder**: gives one of the line's numbers as their own, or a number that ran
  in a handset (IMEI) that carried one of the line's numbers, unless only an
  agency where the line sells (a market area, or where its runners are seen)
  recorded it (then a runner carrying the phone): a record by another force
  of the hub city (London's two) stays the holder's;
  or, inferred, is recorded as controlled by someone and as an associate of
  the line's runners;
- **runner**: uses a number the line sends work instructions to (the lines
  stage's runners); or, inferred, is an associate of the line's holder or
  runners and young (``runner_max_age``) or reported missing;
- **occupant**: the victim of a cuckooing report in which the line's people are
  suspects, or at which one of its numbers was given;
- **controller**: of the people tied to a line's holders, the one with the
  strongest tie: a partner's assertion that they control the holder, then phone
  contact with the holder's own phones; never a holder, runner or customer;
- **associate**: tied to the controller by an assertion that they work with
  them, a shared offence, or repeated contact; family ties alone make nobody
  an associate.

Customers (people whose phones only buy from a line) are the market, not the
group: they are nodes of the graph but never members.

Groups are then found by Leiden on the graph of these people and the lines
(weighted by how strong each tie is), and each group keeps the id of the
previous build's group its members overlap most, when the overlap (Jaccard)
reaches ``stable_id_overlap``. A person belongs to every group for whose lines
they hold a role (a runner for two groups' lines is in both).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field

import igraph as ig
import polars as pl

from crossline.settings.network import NetworkSettings
from crossline.stages.network.inputs import Inputs
from crossline.stages.network.measures import communities

CRIME_EVENTS = ("arrest", "charge", "stop_search", "drug_seizure", "cash_seizure", "weapon_seizure", "violence_incident",
                "cuckooing_report", "intelligence", "anpr_sighting")
OFFENDER_ROLES = ("suspect", "subject")
TIE_WEIGHT = {"controls": 5.0, "associate_of": 3.0, "co_offending": 2.0, "family_of": 0.5}
ROLE_WEIGHT = {"holder": 10.0, "runner": 3.0, "occupant": 2.0}
ROLE_ORDER = {"controller": 0, "holder": 1, "runner": 2, "occupant": 3, "associate": 4, "unknown": 5}

MEMBER_SCHEMA = {"ocg_id": pl.String, "nominal_id": pl.String, "role": pl.String, "line_ids": pl.String,
                 "reasons": pl.String, "evidence": pl.String}


@dataclass
class Claim:
    """One reason for a role, with the ids that back it."""

    role: str
    line_id: str | None
    reason: str
    evidence: list[str]
    basis: str = "phone"  # phone: their own phone ties them; instructions: the line sends work to it; record: named in a record


@dataclass
class Found:
    members: pl.DataFrame  # ocg_id, nominal_id, role, line_ids, reasons, evidence
    groups: pl.DataFrame  # ocg_id, lines, size, controllers
    graph: ig.Graph  # people and lines, with "name", "kind" vertex and "weight" edge attributes
    notes: list[str] = field(default_factory=list)


def _users(inp: Inputs, s: NetworkSettings) -> dict[str, list[tuple[str, str]]]:
    """number -> [(nominal, evidence)], leaving out numbers too many people give (a shared landline ties nobody)."""
    rows = inp.person_phones.drop_nulls(["nominal_id", "number"]).group_by("number", "nominal_id").agg(
        pl.col("evidence").drop_nulls().unique().sort().str.join(";"))
    shared = rows.group_by("number").len().filter(pl.col("len") > s.max_phone_users)["number"]
    users: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for number, nominal, ev in rows.filter(~pl.col("number").is_in(shared.implode())).sort("number", "nominal_id").iter_rows():
        users[number].append((nominal, ev))
    return users


class _Ties:
    """Nominal-to-nominal ties with their kind, strength and evidence."""

    def __init__(self) -> None:
        self.kinds: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.evidence: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.directed: set[tuple[str, str, str]] = set()  # (a, relation, b) as asserted

    def add(self, a: str, b: str, kind: str, amount: float, evidence: str) -> None:
        if a == b:
            return
        key = (a, b) if a < b else (b, a)
        self.kinds[key][kind] += amount
        if evidence and len(self.evidence[key]) < 20:
            self.evidence[key].append(evidence)

    def get(self, a: str, b: str) -> dict[str, float]:
        return self.kinds.get((a, b) if a < b else (b, a), {})

    def ev(self, a: str, b: str) -> list[str]:
        return self.evidence.get((a, b) if a < b else (b, a), [])

    def neighbours(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for a, b in self.kinds:
            out[a].add(b)
            out[b].add(a)
        return out

    def weight(self, a: str, b: str) -> float:
        k = self.get(a, b)
        w = sum(TIE_WEIGHT.get(kind, 0.0) * min(v, 3.0) for kind, v in k.items() if kind != "contact")
        return w + min(5.0, math.log1p(k.get("contact", 0.0)))


def _ties(inp: Inputs, s: NetworkSettings, users: dict[str, list[tuple[str, str]]], line_numbers: set[str]) -> _Ties:
    ties = _Ties()
    for a, rel, b, ev in inp.person_links.filter(pl.col("relation").is_in(["controls", "associate_of", "family_of"])).drop_nulls(
            ["a", "b"]).select("a", "relation", "b", "evidence").iter_rows():
        ties.add(a, b, rel, 1.0, ev or "")
        ties.directed.add((a, rel, b))
    ep = inp.event_people.filter(pl.col("event_type").is_in(CRIME_EVENTS) & pl.col("role").is_in(OFFENDER_ROLES)).unique(["event", "nominal_id"])
    sizes = ep.group_by("event").len().filter((pl.col("len") >= 2) & (pl.col("len") <= s.max_event_people))
    for event, people in ep.join(sizes, on="event").group_by("event").agg(pl.col("nominal_id").sort()).sort("event").iter_rows():
        for i, a in enumerate(people):
            for b in people[i + 1:]:
                ties.add(a, b, "co_offending", 1.0, event)
    contacts = inp.contacts.filter(pl.col("contacts") >= s.min_contacts)
    contacts = contacts.filter(~pl.col("u").is_in(list(line_numbers)) & ~pl.col("v").is_in(list(line_numbers)))
    for u, v, n, voice, texts in contacts.select("u", "v", "contacts", "voice", "texts").iter_rows():
        for a, _ in users.get(u, []):
            for b, _ in users.get(v, []):
                ties.add(a, b, "contact", float(n), f"{u}~{v}: {voice} calls, {texts} texts")
    return ties


def _claims(inp: Inputs, s: NetworkSettings, users: dict[str, list[tuple[str, str]]]) -> tuple[dict[str, list[Claim]], set[str]]:
    """nominal -> the roles the evidence supports (holder, runner, occupant), and the set of customers."""
    claims: dict[str, list[Claim]] = defaultdict(list)
    nums = inp.line_numbers.drop_nulls(["line_id", "number"]).unique(["line_id", "number"]).sort("line_id", "number")
    imeis: dict[str, set[str]] = defaultdict(set)
    on_handset: dict[str, set[str]] = defaultdict(set)
    for number, imei in inp.handsets.drop_nulls(["number", "imei"]).select("number", "imei").iter_rows():
        imeis[number].add(imei)
        on_handset[imei].add(number)
    line_of: dict[str, set[str]] = defaultdict(set)
    owner = dict(inp.lines.select("line_id", "controller_area").iter_rows())
    # where each line sells: its market areas, and where its runners are seen (a quiet line has runners but no flare
    # recipients, so no published market)
    sells_in: dict[str, set[str]] = defaultdict(set)
    for line_id, markets in inp.lines.drop_nulls(["line_id", "market_areas"]).select("line_id", "market_areas").iter_rows():
        sells_in[line_id].update(m for m in markets.split(";") if m)
    for line_id, force in inp.runners.drop_nulls(["line_id", "force_area"]).select("line_id", "force_area").iter_rows():
        sells_in[line_id].add(force)
    recorded_in: dict[tuple[str, str], set[str | None]] = defaultdict(set)  # (number, nominal) -> forces of the agencies that recorded it
    for nominal, number, force in inp.person_phones.drop_nulls(["nominal_id", "number"]).select("nominal_id", "number", "force_area").iter_rows():
        recorded_in[(number, nominal)].add(force)

    def carried_away(nominal: str, number: str, line_id: str) -> str | None:
        """The force where the line sells, not where it is run from, that alone recorded this person with this number (a runner carrying the line phone).

        Where it sells, not merely anywhere but the controller area: a hub city can span forces (London: the Met and
        the City of London), and a record by the hub's other force is the holder's.
        """
        where, home = recorded_in.get((number, nominal), set()), owner.get(line_id)
        if not home or not where or None in where or home in where or not where <= sells_in.get(line_id, set()):
            return None
        return ", ".join(sorted(f for f in where if f))

    def phone_claim(nominal: str, line_id: str, number: str, holds: str, ev: list[str]) -> Claim:
        away = carried_away(nominal, number, line_id)
        if away:
            return Claim("runner", line_id, f"recorded only by {away}, away from where line {line_id} is run from ({owner[line_id]}), as "
                         f"using {number}: carrying the line's phone in its market, not holding it", ev)
        return Claim("holder", line_id, holds, ev)

    for line_id, number in nums.select("line_id", "number").iter_rows():
        line_of[number].add(line_id)
        for nominal, ev in users.get(number, []):
            claims[nominal].append(phone_claim(nominal, line_id, number, f"gives line {line_id}'s number {number} as their own", ev.split(";")))
        for imei in sorted(imeis.get(number, ())):
            for other in sorted(on_handset[imei] - {number}):
                for nominal, ev in users.get(other, []):
                    claims[nominal].append(phone_claim(
                        nominal, line_id, other, f"uses {other}, which ran in handset {imei} that carried line {line_id}'s number {number}",
                        [*ev.split(";"), f"handset:{imei}"]))
    for line_id, number, instructions, force in inp.runners.drop_nulls(["line_id", "number"]).select(
            "line_id", "number", "instructions", "force_area").sort("line_id", "number").iter_rows():
        for nominal, ev in users.get(number, []):
            where = f", seen in {force}" if force else ""
            times = f" ({instructions} times)" if instructions else ""
            claims[nominal].append(Claim("runner", line_id, f"uses {number}, which line {line_id} sent work instructions to{times}{where}",
                                         ev.split(";"), "instructions"))
    # people named as subject or suspect in a record that gives one of the line's numbers (intelligence, an arrest with the
    # phone): a holder unless they already run for the line (a runner caught carrying the line phone stays a runner)
    runs = {(n, c.line_id) for n, cl in claims.items() for c in cl if c.role == "runner"}
    named = inp.event_people.filter(pl.col("role").is_in(OFFENDER_ROLES) & pl.col("phone").is_not_null()).select(
        "event", "event_type", "phone", "nominal_id").unique().sort("event", "nominal_id")
    named = named.join(inp.event_people.select("event", "force_area").unique("event"), on="event", how="left")
    for event, event_type, phone, nominal, where in named.select("event", "event_type", "phone", "nominal_id", "force_area").iter_rows():
        for line_id in sorted(line_of.get(phone, ())):
            if (nominal, line_id) in runs:
                continue
            kind = event_type.replace("_", " ")
            what = f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind} record ({event})"
            if where and owner.get(line_id) and where != owner[line_id] and where in sells_in.get(line_id, set()):
                # the holder keeps the phone where the line is run from; whoever carries it in the market is running it
                claims[nominal].append(Claim("runner", line_id, f"named in {what} in {where}, where line {line_id} sells, away from "
                                             f"where it is run from, that gives its number {phone}", [event]))
            else:
                claims[nominal].append(Claim("holder", line_id, f"named in {what} that gives line {line_id}'s number {phone}", [event],
                                             "record"))
    _settle(claims, inp)
    customers: set[str] = set()
    for number in inp.customers.drop_nulls("number")["number"].unique().to_list():
        customers.update(n for n, _ in users.get(number, []))
    _inferred(inp, s, claims, customers)
    # occupants: victims of cuckooing reports with the line's people as suspects, or at which its numbers were given
    cuck = inp.event_people.filter(pl.col("event_type") == "cuckooing_report")
    people_line: dict[str, set[str]] = defaultdict(set)
    for nominal, cl in claims.items():
        for c in cl:
            if c.line_id:
                people_line[nominal].add(c.line_id)
    for (event,), rows in cuck.group_by("event", maintain_order=True):
        suspects = rows.filter(pl.col("role").is_in(OFFENDER_ROLES))["nominal_id"].drop_nulls().to_list()
        victims = rows.filter(pl.col("role") == "victim")["nominal_id"].drop_nulls().unique().sort().to_list()
        phone = rows["phone"][0]
        address = rows["address"][0] or "an address"
        lines = {ln for p in suspects for ln in people_line.get(p, ())} | (line_of.get(phone, set()) if phone else set())
        for ln in sorted(lines):
            n_named = sum(1 for p in suspects if ln in people_line.get(p, ()))
            for v in victims:
                claims[v].append(Claim("occupant", ln, f"lives at {address}, reported taken over ({event}) with {n_named} of line {ln}'s "
                                       "people as suspects", [str(event)]))
    return claims, customers


def _settle(claims: dict[str, list[Claim]], inp: Inputs) -> None:
    """Where the evidence points two ways for one line, keep the role that explains it all (changes ``claims`` in place).

    - Someone whose own number the line sends work instructions to is its
      runner, even when a record also has them with the line's phone: holders
      give the orders, they do not receive them.
    - Someone named in a record with the line's number who is also recorded as
      controlling one of its other holders is the controller (arrested with the
      rest when the line closed), not a second holder.
    """
    controls = {(a, b) for a, rel, b in inp.person_links.filter(pl.col("relation") == "controls").drop_nulls(["a", "b"]).select(
        "a", "relation", "b").iter_rows()}
    holders: dict[str, set[str]] = defaultdict(set)
    for nominal, cl in claims.items():
        for c in cl:
            if c.role == "holder" and c.line_id:
                holders[c.line_id].add(nominal)
    for nominal in list(claims):
        cl = claims[nominal]
        instructed = {c.line_id for c in cl if c.role == "runner" and c.basis == "instructions"}
        by_record = {c.line_id for c in cl if c.role == "holder"} - {c.line_id for c in cl if c.role == "holder" and c.basis != "record"}
        boss_of = {ln for ln in by_record if ln and any((nominal, h) in controls for h in holders.get(ln, ()) if h != nominal)}
        kept = [c for c in cl if not (c.role == "holder" and (c.line_id in instructed or c.line_id in boss_of))]
        if kept:
            claims[nominal] = kept
        else:
            del claims[nominal]


def _inferred(inp: Inputs, s: NetworkSettings, claims: dict[str, list[Claim]], customers: set[str]) -> None:
    """Roles inferred from partners' records of who works with whom, for people no phone ties to a line (adds to ``claims``).

    Runners often carry no number anyone has recorded, and a holder's own phone
    need not touch the line's; what partners record is who answers to whom.
    Two rules, applied until nothing changes:

    - a person recorded as controlled by someone, and as an associate of one of
      line L's runners, holds line L (the runners answer to them);
    - a person recorded as an associate of line L's holder or of one of its
      runners runs for L, when they are young (``runner_max_age`` or under) or
      have been reported missing from home; an older associate stays an associate.

    Customers and people with a role already are never re-labelled.
    """
    links = inp.person_links.filter(pl.col("relation").is_in(["associate_of", "controls"])).drop_nulls(["a", "b"])
    assoc: dict[str, list[tuple[str, str]]] = defaultdict(list)  # person -> [(associate, link evidence)]
    controlled_by: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, rel, b, ev in links.select("a", "relation", "b", "evidence").sort("a", "relation", "b").iter_rows():
        if rel == "associate_of":
            assoc[a].append((b, ev or ""))
            assoc[b].append((a, ev or ""))
        else:
            controlled_by[b].append((a, ev or ""))
    age = {n: a for n, a in inp.people.drop_nulls(["nominal_id", "age"]).select("nominal_id", "age").iter_rows()}
    missing = inp.event_people.filter(pl.col("role") == "missing_person").drop_nulls("nominal_id").group_by("nominal_id").agg(
        pl.col("event").sort().first())
    went_missing = dict(missing.iter_rows())

    def with_role(role: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for nominal, cl in claims.items():
            for c in cl:
                if c.role == role and c.line_id:
                    out[nominal].add(c.line_id)
        return out

    for _ in range(4):
        added = False
        runs, holds = with_role("runner"), with_role("holder")
        for person in sorted(set(controlled_by) & set(assoc)):
            if person in claims or person in customers:
                continue
            boss, boss_ev = controlled_by[person][0]
            for line_id in sorted({ln for other, _ in assoc[person] for ln in runs.get(other, ())}):
                tied = [(o, ev) for o, ev in assoc[person] if line_id in runs.get(o, ())]
                claims[person].append(Claim("holder", line_id, f"recorded as controlled by {boss} and as an associate of "
                                            f"{', '.join(o for o, _ in tied)}, who run(s) for line {line_id}: the runners answer to them",
                                            [boss_ev, *(ev for _, ev in tied)]))
                added = True
        runs, holds = with_role("runner"), with_role("holder")
        for person in sorted(assoc):
            if person in claims or person in customers:
                continue
            young = age.get(person) is not None and age[person] <= s.runner_max_age
            if not young and person not in went_missing:
                continue
            why = f"aged {age[person]}" if young else f"reported missing from home ({went_missing[person]})"
            extra = [] if young else [went_missing[person]]
            for other, ev in assoc[person]:
                for line_id in sorted(holds.get(other, set()) | runs.get(other, set())):
                    part = "holder" if line_id in holds.get(other, ()) else "runner"
                    claims[person].append(Claim("runner", line_id, f"recorded as an associate of {other}, line {line_id}'s {part}, and {why}",
                                                [ev, *extra]))
                    added = True
        if not added:
            break


def _stable_ids(groups: dict[int, set[str]], lines_of: dict[int, list[str]], previous: pl.DataFrame, threshold: float) -> dict[int, str]:
    """Each new group's id: the previous group it overlaps most (Jaccard >= threshold, each old id used once), else a new one."""
    prev: dict[str, set[str]] = defaultdict(set)
    for ocg_id, nominal in previous.drop_nulls().iter_rows():
        prev[ocg_id].add(nominal)
    scored = sorted(
        ((len(m & p) / len(m | p), k, old) for k, m in groups.items() for old, p in prev.items() if m & p),
        key=lambda x: (-x[0], x[1], x[2]),
    )
    out: dict[int, str] = {}
    used: set[str] = set()
    for j, k, old in scored:
        if j >= threshold and k not in out and old not in used:
            out[k] = old
            used.add(old)
    for k in groups:
        if k not in out:
            seed = "|".join(sorted(lines_of[k])) + "#" + "|".join(sorted(groups[k]))
            new = "OCG-" + hashlib.sha1(seed.encode()).hexdigest()[:8]
            while new in used:
                new = "OCG-" + hashlib.sha1((new + seed).encode()).hexdigest()[:8]
            out[k] = new
            used.add(new)
    return out


def find_groups(inp: Inputs, s: NetworkSettings) -> Found:
    users = _users(inp, s)
    line_numbers = set(inp.line_numbers["number"].drop_nulls().to_list())
    claims, customers = _claims(inp, s, users)
    ties = _ties(inp, s, users, line_numbers)
    near = ties.neighbours()
    holders: dict[str, set[str]] = defaultdict(set)  # line -> holders
    role_people = set(claims)
    for nominal, cl in claims.items():
        for claim in cl:
            if claim.role == "holder" and claim.line_id:
                holders[claim.line_id].add(nominal)
    # controller candidates: tied to a holder, with no role of their own and not a customer
    cand_score: dict[tuple[str, str], float] = {}  # (candidate, line) -> strength
    for line_id, hs in holders.items():
        for h in hs:
            for c in near.get(h, ()):
                if c in role_people or c in customers:
                    continue
                tie = ties.get(c, h)
                if set(tie) <= {"family_of"}:
                    continue
                asserted = 10.0 if (c, "controls", h) in ties.directed else 0.0
                strength = asserted + TIE_WEIGHT["co_offending"] * tie.get("co_offending", 0.0) + math.log1p(tie.get("contact", 0.0))
                if asserted or tie.get("contact", 0.0) >= s.min_contacts or tie.get("co_offending", 0.0) or tie.get("associate_of", 0.0):
                    cand_score[(c, line_id)] = max(cand_score.get((c, line_id), 0.0), strength)
    candidates = {c for c, _ in cand_score}
    # associates of candidates: a non-family tie
    assoc_cands: set[str] = set()
    for c in candidates:
        for a in near.get(c, ()):
            if a in customers or a in role_people or a in candidates:
                continue
            tie = ties.get(c, a)
            if tie.get("associate_of") or tie.get("controls") or tie.get("co_offending") or tie.get("contact", 0.0) >= 3 * s.min_contacts:
                assoc_cands.add(a)
    people = sorted(role_people | candidates | assoc_cands)
    line_ids = sorted(set(inp.lines["line_id"].drop_nulls().to_list()) | {x.line_id for cl in claims.values() for x in cl if x.line_id})
    names = [f"line:{ln}" for ln in line_ids] + people
    index = {n: i for i, n in enumerate(names)}
    edges: dict[tuple[int, int], float] = {}
    for nominal, cl in claims.items():
        for claim in cl:
            if claim.line_id is None:
                continue
            key = (index[f"line:{claim.line_id}"], index[nominal])
            edges[key] = max(edges.get(key, 0.0), ROLE_WEIGHT[claim.role])
    in_graph = set(people)
    for a, b in ties.kinds:
        if a in in_graph and b in in_graph:
            w = ties.weight(a, b)
            if w > 0:
                edges[(index[a], index[b])] = w
    g = ig.Graph(n=len(names), edges=list(edges), directed=False)
    g.vs["name"] = names
    g.vs["kind"] = ["line" if n.startswith("line:") else "person" for n in names]
    g.es["weight"] = list(edges.values())
    membership = communities(g, s.resolution, s.seed, weights="weight") if g.ecount() else list(range(g.vcount()))
    # lines whose holders answer to the same controller are one group, wherever modularity would cut between them
    best: dict[str, str] = {}
    for (cand, ln), _strength in sorted(cand_score.items(), key=lambda x: (-x[1], x[0])):
        best.setdefault(ln, cand)
    first_comm: dict[str, int] = {}
    for ln in line_ids:
        boss = best.get(ln)
        if boss is None:
            continue
        k0 = first_comm.setdefault(boss, membership[index[f"line:{ln}"]])
        k1 = membership[index[f"line:{ln}"]]
        if k1 != k0:
            membership = [k0 if x == k1 else x for x in membership]
    comm_lines: dict[int, list[str]] = defaultdict(list)
    for ln in line_ids:
        comm_lines[membership[index[f"line:{ln}"]]].append(ln)
    group_of_line = {ln: k for k, lns in comm_lines.items() for ln in lns}
    # membership: role holders in every group whose lines they serve; controllers and associates where Leiden put them
    roles: dict[tuple[int, str], list[Claim]] = defaultdict(list)
    for nominal, cl in claims.items():
        for claim in cl:
            if claim.line_id in group_of_line:
                roles[(group_of_line[claim.line_id], nominal)].append(claim)
    for k, lns in comm_lines.items():
        group_holders = {h for ln in lns for h in holders.get(ln, ())}
        scores: dict[str, float] = defaultdict(float)
        for (c, ln), v in cand_score.items():
            if ln in lns and membership[index[c]] == k:
                scores[c] += v
        controllers = sorted(scores, key=lambda c: (-scores[c], c))[:1]
        controllers += [c for c in scores if c not in controllers and any((c, "controls", h) in ties.directed for h in group_holders)]
        for c in controllers:
            tied = sorted(h for h in group_holders if ties.get(c, h))
            why = []
            for h in tied:
                k2 = ties.get(c, h)
                bits = (["recorded as controlling them"] if (c, "controls", h) in ties.directed else []) + (
                    [f"{int(k2['contact'])} calls and texts with their phones"] if k2.get("contact") else []) + (
                    [f"{int(k2['co_offending'])} shared offence(s)"] if k2.get("co_offending") else [])
                why.append(f"tied to holder {h} ({', '.join(bits) or 'linked'})")
            roles[(k, c)].append(Claim("controller", None, "; ".join(why) + f"; the strongest tie to the holders of {', '.join(lns)}",
                                       sorted({e for h in tied for e in ties.ev(c, h)})[:10]))
        for a in people:
            if membership[index[a]] != k or (k, a) in roles:
                continue
            for c in controllers + sorted(group_holders):
                t = ties.get(a, c)
                kinds = [w for w in ("associate_of", "controls", "co_offending") if t.get(w)] + (
                    ["contact"] if t.get("contact", 0.0) >= 3 * s.min_contacts else [])
                if kinds:
                    who = "controller" if c in controllers else "holder"
                    words = {"associate_of": "recorded as an associate", "controls": "recorded as controlled or controlling",
                             "co_offending": "shared offences", "contact": f"{int(t.get('contact', 0))} calls and texts"}
                    roles[(k, a)].append(Claim("associate", None, f"tied to the {who} {c}: " + ", ".join(words[w] for w in kinds),
                                               ties.ev(a, c)[:10]))
                    break
    groups: dict[int, set[str]] = defaultdict(set)
    for k, nominal in roles:
        groups[k].add(nominal)
    ids = _stable_ids(groups, comm_lines, inp.previous_members, s.stable_id_overlap)
    rows = []
    for (k, nominal), cl in sorted(roles.items(), key=lambda x: (ids[x[0][0]], x[0][1])):
        top_role = min(cl, key=lambda c: ROLE_ORDER[c.role]).role
        rows.append({
            "ocg_id": ids[k], "nominal_id": nominal, "role": top_role,
            "line_ids": ";".join(sorted({c.line_id for c in cl if c.line_id})) or None,
            "reasons": "; ".join(dict.fromkeys(c.reason for c in sorted(cl, key=lambda c: ROLE_ORDER[c.role]))),
            "evidence": ";".join(sorted({e for c in cl for e in c.evidence if e})) or None,
        })
    members = pl.DataFrame(rows, schema=MEMBER_SCHEMA)
    grp_rows = [{"ocg_id": ids[k], "lines": ";".join(sorted(lns)), "size": len(groups.get(k, ()))} for k, lns in comm_lines.items() if k in ids]
    groups_frame = pl.DataFrame(grp_rows, schema={"ocg_id": pl.String, "lines": pl.String, "size": pl.Int64}).sort("ocg_id")
    return Found(members=members, groups=groups_frame, graph=g)


def line_groups(lines: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """The lines table with ``ocg_id`` filled from the groups (a line is in one group; a line nobody was placed around stays null).

    The lines stage finds lines before any group exists, so it leaves the
    column empty and the network stage fills it: ``lines.csv`` then names the
    group behind each line, as the contract asks.
    """
    of_line = groups.select("ocg_id", pl.col("lines").str.split(";").alias("line_id")).explode("line_id").filter(
        pl.col("line_id") != "").unique("line_id", keep="first")
    out = lines.drop("ocg_id", strict=False).join(of_line, on="line_id", how="left")
    return out.select(lines.columns if "ocg_id" in lines.columns else [*lines.columns, "ocg_id"])
