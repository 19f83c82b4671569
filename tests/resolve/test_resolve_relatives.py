"""Issue 13 item 1: records a source says are relatives never end up in one nominal, even with no date to tell them apart."""

from __future__ import annotations

import polars as pl

from crossline.stages.resolve import cluster as clustering
from crossline.stages.resolve import relatives
from crossline.stages.resolve.constraints import within_clusters

NO_DECISIONS = pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64})


def _records() -> pl.DataFrame:
    """A council's daughter Susan (no date of birth) and mother Susan (born 1986), one home; the school's Susan (2016)."""
    return pl.DataFrame({
        "unique_id": [0, 1, 2],
        "source": ["council", "council", "school"],
        "record_id": ["C-2", "C-1", "S-9"],
        "dob": [None, "1986-10-06", "2016-07-12"],
        "nhs": [None, None, None], "pnc": [None, None, None], "upn": [None, None, None],
        "dob_year": [None, "1986", "2016"],
        "other_ids": [[], [], []],
    }, schema={"unique_id": pl.Int64, "source": pl.String, "record_id": pl.String, "dob": pl.String, "nhs": pl.String,
               "pnc": pl.String, "upn": pl.String, "dob_year": pl.String, "other_ids": pl.List(pl.String)})


def test_family_links_become_record_pairs_of_one_source() -> None:
    links = pl.DataFrame({
        "source": ["council", "council", "school"],
        "left": ["person:C-2", "person:C-404", "person:C-2"],  # a record the store lacks; another source's namesake id
        "right": ["person:C-1", "person:C-1", "person:C-1"],
    })
    pairs = relatives.as_indexes(links, _records())
    assert pairs.select("a", "b").rows() == [(0, 1)]


def test_a_parent_and_child_the_source_calls_family_stay_apart_without_a_date() -> None:
    """Name and address link the undated daughter to her mother (the only link there is); no date can object, the council's link does."""
    records = _records()
    family = relatives.as_indexes(pl.DataFrame({"source": ["council"], "left": ["person:C-2"], "right": ["person:C-1"]}), records)
    edges = pl.DataFrame({"a": [0], "b": [1], "p": [0.9996], "w": [11.2]})
    found = clustering.cluster(3, edges, NO_DECISIONS,
                               lambda labels: within_clusters(records, labels) + relatives.within_clusters(family, labels),
                               undated=records["dob"].is_null().to_numpy())
    assert found.labels[0] != found.labels[1]
    assert [(s.a, s.b) for s in found.splits] == [(0, 1)]
    assert "family of each other" in found.splits[0].constraint.reason
    # without the council's link the two are one nominal: the date rule cannot see an undated record
    alone = clustering.cluster(3, edges, NO_DECISIONS, lambda labels: within_clusters(records, labels),
                               undated=records["dob"].is_null().to_numpy())
    assert alone.labels[0] == alone.labels[1]


def test_a_same_person_decision_still_overrides_a_family_link() -> None:
    records = _records()
    family = relatives.as_indexes(pl.DataFrame({"source": ["council"], "left": ["person:C-2"], "right": ["person:C-1"]}), records)
    edges = pl.DataFrame({"a": [0], "b": [1], "p": [clustering.FORCED], "w": [float("inf")]})
    found = clustering.cluster(3, edges, NO_DECISIONS, lambda labels: relatives.within_clusters(family, labels))
    assert found.labels[0] == found.labels[1] and len(found.overridden) == 1
