"""The review queue lists each pair of nominals once, with values as the partners sent them and weights in bits.

A picture is written by hand (one review_queue table) so the test takes a moment, not a build.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from sqlalchemy import insert

from crossline.access.actor import LOCAL_ADMIN
from crossline.service.resolve import review_queue
from crossline.store import picture as picture_store
from crossline.store.models import Person, PictureVersion
from crossline.workspace import init_workspace


def _explanation(left: str, right: str) -> str:
    return json.dumps({"prior": -10.0, "fields": [
        {"comparison": "given_name", "description": "Given name", "level": "Jaro-Winkler >= 0.9", "weight": 4.5,
         "left": left, "right": right},
        {"comparison": "date_of_birth", "description": "Date of birth", "level": "Exact match", "weight": 6.25,
         "left": "2010-3-4", "right": "2010-3-4"},
    ]})


def test_each_pair_of_nominals_is_listed_once_with_values_as_sent(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    try:
        people = [("pol", "P1", "Kayden", "N-1"), ("pol", "P2", "Kaydn", "N-1"), ("edu", "S1", "KAYDEN", "N-2"),
                  ("hea", "H1", "Kayden-Lee", "N-2"), ("hea", "H2", "Mercy", "N-3"), ("edu", "S2", "Mercie", "N-4")]
        with ws.engine.begin() as conn:
            for source, record, name, _ in people:
                conn.execute(insert(Person).values(source=source, record_id=record, given_name=name, date_of_birth="2010-03-04",
                                                   bundle_id="b", file="f.csv", line=1, row_hash="h"))
            conn.execute(insert(PictureVersion).values(version=1, built_at="2026-12-01T00:00:00Z", built_by="t", stages="{}", tables="{}"))
        nominal = {(s, r): n for s, r, _, n in people}
        pairs = [("pol", "P1", "edu", "S1"), ("edu", "S1", "pol", "P2"), ("pol", "P2", "hea", "H1"),  # N-1 / N-2 three times
                 ("hea", "H2", "edu", "S2")]
        queue = pl.DataFrame([{
            "rank": i + 1, "source_a": sa, "record_a": ra, "nominal_a": nominal[(sa, ra)],
            "source_b": sb, "record_b": rb, "nominal_b": nominal[(sb, rb)], "match_probability": 0.6,
            "match_weight": 0.8, "linked": False, "impact": 1.0 - i / 10, "explanation": _explanation("kayden", "kayden"),
        } for i, (sa, ra, sb, rb) in enumerate(pairs)])
        folder = picture_store.version_dir(ws.path, 1)
        folder.mkdir(parents=True)
        queue.write_parquet(folder / "review_queue.parquet")

        items = review_queue(ws, LOCAL_ADMIN, limit=10)
        assert [(i.nominal_a, i.nominal_b, i.also) for i in items] == [("N-1", "N-2", 2), ("N-3", "N-4", 0)]
        first = items[0]
        assert (first.record_a, first.record_b) == ("P1", "S1")  # the highest-impact pair stands for the others
        name_line = next(line for line in first.explanation if line.startswith("Given name"))
        assert "(Kayden / KAYDEN)" in name_line and name_line.endswith("+4.5 bits")  # as sent, not as prepared
        assert any("(2010-03-04 / 2010-03-04)" in line for line in first.explanation)
        assert first.explanation[-1].startswith("Total +0.8 bits")
        assert [i.nominal_a for i in review_queue(ws, LOCAL_ADMIN, limit=10, offset=1)] == ["N-3"]  # offset counts nominal pairs
    finally:
        ws.close()
