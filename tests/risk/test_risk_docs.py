"""docs/risk.md shows the points table exactly as the code has it."""

from __future__ import annotations

from pathlib import Path

from crossline.stages.risk.score import indicator_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "risk.md"


def test_the_points_table_in_the_docs_is_the_code_s() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- indicators:start -->\n", 1)[1].split("\n<!-- indicators:end -->", 1)[0]
    assert table == indicator_markdown(), "docs/risk.md is stale: paste crossline.stages.risk.score.indicator_markdown()"
