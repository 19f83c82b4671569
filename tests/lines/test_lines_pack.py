"""The DDTRO evidence pack renders as HTML and PDF, names numbers and handsets, and says what it lacks."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text

from crossline.access.actor import LOCAL_ADMIN
from crossline.report.ddtro import context
from crossline.service import lines as svc
from crossline.settings.lines import FEATURES
from crossline.store import picture
from lines_comms import Built


def _pages(pdf: bytes) -> int:
    """Pages in a PDF, read the way a viewer finds them: page objects, in object streams too (Flate)."""
    texts = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            texts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    pages = sum(len(re.findall(rb"/Type\s*/Page(?![s\w])", t)) for t in texts)
    counts = [int(c) for t in texts for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", t)]
    assert not counts or max(counts) == pages, (counts, pages)
    return pages


@pytest.fixture(scope="module")
def line_id(built: Built) -> str:
    """The scenario's line with most numbers (a rebrand to show)."""
    lines = svc.list_lines(built.ws, LOCAL_ADMIN).sort(["numbers", "line_id"], descending=[True, False])
    return str(lines["line_id"][0])


def test_the_pack_renders_as_html_and_pdf(built: Built, line_id: str, tmp_path: Path) -> None:
    pack = svc.write_evidence_pack(built.ws, LOCAL_ADMIN, line_id, tmp_path)
    html = pack.html.read_text(encoding="utf-8")
    detail = svc.line_detail(built.ws, LOCAL_ADMIN, line_id)
    for number in detail.numbers["number"]:
        assert number in html
    for imei in (detail.line["imeis"] or "").split(";"):
        assert imei in html
    assert "Succession history" in html and detail.successions["new_number"][0] in html
    assert html.count("data:image/png;base64,") == 3  # daily activity, customers over time, the map of cells
    assert "No nominals table in the picture yet" in html
    pdf = pack.pdf.read_bytes()
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]
    assert _pages(pdf) >= 2


def test_the_pack_context_is_the_pictures_evidence(built: Built, line_id: str) -> None:
    detail = svc.line_detail(built.ws, LOCAL_ADMIN, line_id)
    ctx = context(detail, "tester")
    assert [n["number"] for n in ctx["numbers"]] == detail.numbers.sort("active_from")["number"].to_list()
    assert {e["feature"] for e in ctx["evidence"]} == set(FEATURES)
    total = sum(e["contribution"] for e in ctx["evidence"] if e["contribution"] is not None)
    current = detail.numbers.filter(pl.col("number") == detail.line["current_number"])["score"][0]
    assert total == pytest.approx(current, abs=2e-3)  # the contributions add up to the number's score
    assert ctx["totals"]["flares"] == int(detail.daily["flares"].sum()) > 0


def test_linked_nominals_appear_when_the_resolve_stage_has_run(built: Built, tmp_path: Path) -> None:
    ws = built.ws
    with ws.engine.connect() as conn:
        persons = conn.execute(text("SELECT source, record_id FROM persons")).all()
        links = conn.execute(text("SELECT \"left\", \"right\" FROM links WHERE relation = 'uses_phone'")).all()
    numbers = pl.read_parquet(picture.current_table(ws.engine, ws.path, "line_numbers"))
    linked = {(r.split(":", 1)[1], left.split(":", 1)[1]) for left, r in links if r.split(":", 1)[1] in set(numbers["number"])}
    # The simulator links the person arrested when a line number stops (its holder or a runner) to that number
    # (sim/policing.py); seed 1 at scale 1 has three such records (two Gwent Police, one Met), so one must be here.
    assert linked, "no person record is linked (uses_phone) to a line number the lines stage found"
    number, record_id = min(linked)
    line_id = numbers.filter(pl.col("number") == number)["line_id"][0]
    path = picture.version_dir(ws.path, picture.current_version(ws.engine)) / "nominals.parquet"
    pl.DataFrame({"nominal_id": [f"N{i:06d}" for i in range(len(persons))], "source": [p[0] for p in persons],
                  "record_id": [p[1] for p in persons], "match_probability": [1.0] * len(persons)}).write_parquet(path)
    try:
        pack = svc.write_evidence_pack(ws, LOCAL_ADMIN, line_id, tmp_path)
        html = pack.html.read_text(encoding="utf-8")
        assert record_id in html and f"named as the user of phone {number}" in html
        assert "No nominals table" not in html
    finally:
        path.unlink()
