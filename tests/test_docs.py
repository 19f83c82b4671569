"""Docs that tests check: generated pages are current, every command and setting is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossline import docgen

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(docgen.GENERATED))
def test_generated_docs_are_current(name: str) -> None:
    committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert committed == docgen.GENERATED[name](), f"docs/{name} is stale: run `python -m crossline.docgen`"


def test_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0].strip().splitlines()
    assert first_block == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_doc_the_readme_links_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for part in readme.split("](")[1:]:
        target = part.split(")", 1)[0]
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
