"""Linked pairs -> clusters (one per person), honouring "not the same person" and the constraints even through a chain.

Connected components over the links are found with array operations (label
hooking and pointer jumping over numpy arrays: a handful of passes over the
edges, no row loop). Then every component is checked against the cannot-link
constraints (``constraints.py``: strong identifiers that differ, dates of
birth a generation apart). Only components that hold such a pair, or a pair a
person said are different people, are split, greedily: their edges are
replayed strongest first (people's "same person" decisions before any score),
and an edge that would put two such records into one cluster is skipped, so
the split falls on the weakest links. A "same person" decision may join
records a constraint keeps apart (a person checked it); a "different"
decision nothing joins. Those components are few and small, so that replay
is a loop over tens of edges, not millions.

**A record without a date of birth is not a bridge** (issue 13 item 2). A
record with no full date of birth, linked to two people the constraints keep
apart (a father and his son of one name and home), matches the name and home
they share; the replay would give it to whichever link scored higher, often
by a hair. Such a record is *ambiguous* when its best links into the two
sides differ by less than ``AMBIGUOUS_MARGIN`` bits: its links are dropped
and the replay run again, so it stands alone, and both links go to the
review queue saying why. A record's own side is measured by its best link
to a *dated* record there (a second undated record of the same name and
home, such as the father's housing record beside his council record, says
nothing about which dated person the two are). ``near_bridges`` applies the
same test to a link just short of the threshold, when it carries a phone in
common (a daughter's youth record at her mother's old address, holding her
own phone). Only evidence worth more than a phone decides: an
identifier only one side shares (an NHS number, a PNC id) stays with that
side; a phone alone does not, because a child's school or council record carries
a parent's number as its contact, so "the son's phone" is often the
father's too (the simulator's seed 1 had a mother's undated police record
joined to her daughter on exactly that, 6 bits clear of her own records).

A phone decides only when both sides' own numbers are known and tell them
apart (``prefer``, from ``undated_phones.tells_sides``, asked only where the
data says adults keep their numbers): the record's number is on its side's
own records (an adult's, from an agency that records the person's own
number) and on no record of the other side, which has an own number of its
own. Nathan Radstock's undated police record holds his mobile, as his GP
record does; his father's records hold the father's: the record is the
son's, though name and home match both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from crossline.stages.resolve.constraints import Constraint

FORCED = 2.0  # probability given to a person's "same person" decision, above any score, so it is replayed first
AMBIGUOUS_MARGIN = 8.0  # bits: a record without a date of birth must match one side 256 times better to join it


@dataclass
class Clustering:
    labels: np.ndarray  # cluster label per record index (the smallest record index in the cluster)
    split_components: int  # components that had to be split to honour "different" decisions
    conflicts: int  # "same" decisions that could not be honoured because they contradict a "different" one
    splits: list[Split] = field(default_factory=list)  # links left out so that constrained records stay apart
    overridden: list[Constraint] = field(default_factory=list)  # constraints a person's "same" decision overrode
    ambiguous: list[int] = field(default_factory=list)  # records without a date of birth left alone between two people
    settled: list[int] = field(default_factory=list)  # such records whose phone said whose they are (``prefer``)


@dataclass(frozen=True)
class Split:
    """A link at or above the threshold left out: it would have joined the two records of ``constraint``."""

    a: int
    b: int
    p: float
    constraint: Constraint


def components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Connected components of n nodes: each node's label is the smallest node index in its component."""
    parent = np.arange(n, dtype=np.int64)
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    while True:
        ps, pd = parent[src], parent[dst]
        lo, hi = np.minimum(ps, pd), np.maximum(ps, pd)
        differ = lo != hi
        if not differ.any():
            return parent
        np.minimum.at(parent, hi[differ], lo[differ])
        while True:  # pointer jumping: every node points at its root
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


Prefer = Callable[[int, set[int], set[int]], bool]
"""``prefer(r, own, other)``: whether record r's phone says it is of its own side's person, not the other's."""


def cluster(
    n: int, edges: pl.DataFrame, different: pl.DataFrame, constrain: Callable[[np.ndarray], list[Constraint]] | None = None,
    undated: np.ndarray | None = None, prefer: Prefer | None = None,
) -> Clustering:
    """Cluster n records.

    ``edges``: ``a, b, p`` (record indexes and probability; decisions "same" carry ``FORCED``), and optionally
    ``w``, the match weight in bits (otherwise taken from ``p``).
    ``different``: ``a, b`` pairs that must never share a cluster.
    ``constrain``: given the components' labels, the conflicting pairs inside them (``constraints.within_clusters``).
    ``undated``: per record, True when it has no full date of birth (a possible bridge; see the module's docstring).
    ``prefer``: whether an ambiguous undated record's phone settles which side it is on (the module's docstring).
    """
    labels = components(n, edges["a"].to_numpy(), edges["b"].to_numpy()) if edges.height else np.arange(n)
    constraints = constrain(labels) if constrain is not None else []
    a = np.concatenate([different["a"].to_numpy(), np.array([c.a for c in constraints], dtype=np.int64)]).astype(np.int64)
    b = np.concatenate([different["b"].to_numpy(), np.array([c.b for c in constraints], dtype=np.int64)]).astype(np.int64)
    if a.size == 0:
        return Clustering(labels, 0, 0)
    clashing = np.unique(labels[a][labels[a] == labels[b]])
    if clashing.size == 0:
        return Clustering(labels, 0, 0)
    in_clash = np.isin(labels, clashing)
    members = np.flatnonzero(in_clash)
    local = edges.filter(pl.Series(in_clash[edges["a"].to_numpy()]))
    if "w" not in local.columns:
        p = pl.col("p").clip(1e-300, 1 - 1e-16)
        local = local.with_columns((p / (1 - p)).log(2).alias("w"))
    local = local.with_columns(pl.when(pl.col("p") >= FORCED).then(float("inf")).otherwise(pl.col("w")).alias("w"))
    local = local.select("a", "b", "p", "w").sort(["p", "w", "a", "b"], descending=[True, True, False, False])
    decided: dict[int, set[int]] = {}
    for x, y in zip(different["a"].to_list(), different["b"].to_list(), strict=True):
        if in_clash[x]:
            decided.setdefault(x, set()).add(y)
            decided.setdefault(y, set()).add(x)
    constrained: dict[int, dict[int, Constraint]] = {}
    for c in constraints:
        constrained.setdefault(c.a, {})[c.b] = c
        constrained.setdefault(c.b, {})[c.a] = c
    rows = list(local.iter_rows())
    group, splits, conflicts = _replay(members, rows, decided, constrained)
    alone: list[int] = []
    settled: set[int] = set()
    if undated is not None:
        for _ in range(3):  # leaving a bridge alone can expose another; a few rounds settle it
            found, notes, moved, kept = _ambiguous(rows, group, splits, undated, constrained, prefer)
            settled |= set(moved) | set(kept)
            if not found and not moved:
                break
            alone += found
            rows = [r for r in rows if ((r[0] not in found and r[1] not in found) or r[2] >= FORCED)
                    and not _leaves(r, moved)]
            group, splits, conflicts = _replay(members, rows, decided, constrained)
            splits = notes + splits
    new = labels.copy()
    for m in members.tolist():
        new[m] = min(group[m])
    overridden = [c for c in constraints if new[c.a] == new[c.b]]
    return Clustering(new, int(clashing.size), conflicts, splits, overridden, sorted(set(alone)), sorted(settled - set(alone)))


Row = tuple[int, int, float, float]


def _replay(members: np.ndarray, rows: list[Row], decided: dict[int, set[int]],
            constrained: dict[int, dict[int, Constraint]]) -> tuple[dict[int, set[int]], list[Split], int]:
    """Replay ``rows`` (strongest first), skipping any that would join records decided or constrained apart."""
    group = {int(m): {int(m)} for m in members}  # record -> the set of records in its current group
    conflicts, splits = 0, []
    for x, y, p, _ in rows:  # bounded: edges of the clashing components only
        gx, gy = group[x], group[y]
        if gx is gy:
            continue
        if any(decided.get(r, set()) & gy for r in gx):
            conflicts += p >= FORCED
            continue
        blocking = next((c for r in gx for s, c in constrained.get(r, {}).items() if s in gy), None)
        if blocking is not None and p < FORCED:
            splits.append(Split(int(x), int(y), float(p), blocking))
            continue
        merged = gx | gy
        for r in merged:
            group[r] = merged
    return group, splits, conflicts


def _far_end(row: Row, r: int) -> int:
    """The record at the other end of a link from ``r``."""
    return row[1] if row[0] == r else row[0]


def _by_record(rows: Iterable[Row]) -> dict[int, list[Row]]:
    """Each record's links."""
    links: dict[int, list[Row]] = {}
    for row in rows:
        links.setdefault(row[0], []).append(row)
        links.setdefault(row[1], []).append(row)
    return links


def _leaves(row: Row, moved: dict[int, set[int]]) -> bool:
    """Whether ``row`` links a record that ``moved`` to the side it leaves (a person's decision always stays)."""
    x, y, p, _ = row
    return p < FORCED and (y in moved.get(x, ()) or x in moved.get(y, ()))


def _ambiguous(rows: list[Row], group: dict[int, set[int]], splits: list[Split], undated: np.ndarray,
               constrained: dict[int, dict[int, Constraint]], prefer: Prefer | None = None,
               ) -> tuple[list[int], list[Split], dict[int, set[int]], list[int]]:
    """Records without a date of birth whose best links into two sides kept apart differ by less than the margin.

    Returns them, the review notes, the records whose phone says they are the other side's (``prefer``), each
    with the side it leaves (their links to that side are dropped, so the replay gives them to the other), and
    those whose phone says they are where they are.
    """
    best: dict[tuple[int, int], tuple[float, Row]] = {}  # (record, a member of the other side's group) -> best link
    for row in rows:
        x, y, _, w = row
        for r, other in ((x, y), (y, x)):
            for m in group[other]:
                if (r, m) not in best or w > best[(r, m)][0]:
                    best[(r, m)] = (w, row)
    links = _by_record(rows)
    found: list[int] = []
    notes: list[Split] = []
    moved: dict[int, set[int]] = {}
    kept: list[int] = []
    for split in splits:
        for r, other in ((split.a, split.b), (split.b, split.a)):
            if (not undated[r] or r in found or r in moved or len(group[r]) < 2
                    or any(s in group[other] for s in constrained.get(r, {}))):
                continue  # dated, done, alone, or itself kept apart from the other side: not a bridge
            # its own side's evidence is its best link to a *dated* record there: a second undated record of the
            # same name and home (the father's council and housing records) says nothing about which dated person
            # the two are, and only when the side holds no dated link is any link counted
            own = [row for row in links.get(r, []) if _far_end(row, r) in group[r]]
            if any(row[3] == float("inf") for row in own):
                continue  # a person decided it is one of this side
            dated = [row for row in own if not undated[_far_end(row, r)]]
            strongest = max(dated or own, default=None, key=lambda row: row[3])
            mine = None if strongest is None else (strongest[3], strongest)
            theirs = max((best[(r, m)] for m in group[other] if (r, m) in best), default=None, key=lambda t: t[0])
            if mine is None or theirs is None or mine[0] - theirs[0] >= AMBIGUOUS_MARGIN:
                continue
            if prefer is not None and prefer(r, group[r], group[other]):
                kept.append(r)  # its phone is its own side's person's, and not the other's
                continue
            if prefer is not None and prefer(r, group[other] | {r}, group[r]):
                moved[r] = group[r] - {r}  # its phone is the other side's person's, and not this one's
                continue
            found.append(r)
            reason = (f"{split.constraint.reason}; this record has no date of birth and matches both "
                      f"({mine[0]:.1f} and {theirs[0]:.1f} bits): cannot tell which, so it joins neither")
            for _w, row in (mine, theirs):
                notes.append(Split(row[0], row[1], row[2], Constraint(split.constraint.a, split.constraint.b, reason)))
    return found, notes, moved, kept


def near_bridges(n: int, edges: pl.DataFrame, near: pl.DataFrame, undated: np.ndarray,
                 conflict: Callable[[int, int], str | None]) -> tuple[list[int], list[Split]]:
    """Undated records whose link into one person is within the margin of a near miss, with a phone in common, to
    a dated record of someone the first person cannot be (a generation apart): cannot tell which, so neither.

    The ambiguity test of ``cluster`` sees only links at or above the threshold. A daughter's youth record as
    "Libby", at her mother's old address, holding the daughter's own phone, links to the mother's dated record on
    name and that address (9.3 bits) and falls short of the daughter's dated records (1.9 bits: the address
    differs, the phone is shared); nothing then holds the two women in one component, so nothing is split and the
    record stays with the mother. ``near``: ``a, b, w`` pairs below the threshold in which one record is undated,
    the other dated, and a phone is shared (a phone, not a name or address alone, is what a person carries with
    them); ``conflict(x, y)``: why records x and y cannot be one person, or None. Returns the records to leave out
    and the review notes (both links, the reason). Links between them and others are the caller's to drop.
    """
    if near.height == 0 or edges.height == 0:
        return [], []
    labels = components(n, edges["a"].to_numpy(), edges["b"].to_numpy())
    asked = pl.Series([a if undated[a] else b for a, b in near.select("a", "b").iter_rows()]).implode()
    direct = _by_record(  # the undated records' own links (a few of a million)
        edges.filter(pl.col("a").is_in(asked) | pl.col("b").is_in(asked)).select("a", "b", "p", "w").iter_rows())
    close: list[tuple[int, int, float, float, Row]] = []  # (undated record, the dated near miss, p, w, its best dated link)
    for a, b, p, w in near.select("a", "b", "p", "w").iter_rows():
        r, other = (a, b) if undated[a] else (b, a)
        if labels[r] == labels[other]:
            continue
        own = [row for row in direct.get(r, []) if not undated[_far_end(row, r)]]
        if not own or any(row[2] >= FORCED for row in direct.get(r, [])):
            continue  # linked to no dated record directly, or a person decided
        mine = max(own, key=lambda row: row[3])
        if mine[3] - w < AMBIGUOUS_MARGIN:
            close.append((r, other, p, w, mine))
    if not close:
        return [], []
    wanted = np.flatnonzero(np.isin(labels, [labels[c[0]] for c in close]))  # one pass over the labels, not one a record
    members: dict[int, list[int]] = {}
    for m in wanted.tolist():
        if not undated[m]:
            members.setdefault(int(labels[m]), []).append(m)
    found: list[int] = []
    notes: list[Split] = []
    for r, other, p, w, mine in close:
        if r in found:
            continue
        clash = next(((m, why) for m in members.get(int(labels[r]), []) if (why := conflict(m, other))), None)
        if clash is None:
            continue  # the near miss may be the same person as the dated records it is linked to: nothing to choose
        found.append(r)
        kept_apart = Constraint(min(clash[0], other), max(clash[0], other),
                                f"{clash[1]}; this record has no date of birth, is linked to one ({mine[3]:.1f} bits) and "
                                f"nearly to the other ({w:.1f} bits, a phone in common): cannot tell which, so it joins neither")
        notes.append(Split(int(mine[0]), int(mine[1]), float(mine[2]), kept_apart))
        notes.append(Split(int(min(r, other)), int(max(r, other)), float(p), kept_apart))
    return found, notes


def record_probability(labels: np.ndarray, edges: pl.DataFrame, n: int) -> np.ndarray:
    """Each record's strongest link inside its own cluster (1.0 for a person's decision); NaN when alone."""
    best = np.full(n, np.nan)
    if edges.height == 0:
        return best
    a = edges["a"].to_numpy()
    b = edges["b"].to_numpy()
    p = np.minimum(edges["p"].to_numpy().astype(float), 1.0)
    inside = labels[a] == labels[b]
    a, b, p = a[inside], b[inside], p[inside]
    frame = pl.DataFrame({"r": np.concatenate([a, b]), "p": np.concatenate([p, p])}).group_by("r").agg(pl.col("p").max())
    best[frame["r"].to_numpy()] = frame["p"].to_numpy()
    return best
