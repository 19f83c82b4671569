"""One scale-1 simulation shared by the simulator's tests (it takes a few seconds)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from crossline.sim import SimulationSummary, simulate


@dataclass
class Sim:
    """A finished run: its summary, manifest, and readers for its files."""

    out: Path
    summary: SimulationSummary
    manifest: dict

    @property
    def bundle(self) -> Path:
        return self.out / "bundle"

    def feeds(self, kind: str) -> list[dict]:
        return [f for f in self.manifest["feed"] if f["kind"] == kind]

    def read(self, feed: dict) -> pl.DataFrame:
        """A feed as text columns, renamed to contract names where the manifest maps them."""
        path = self.bundle / feed["file"]
        if str(path).endswith(".parquet"):
            df = pl.read_parquet(path).with_columns(pl.all().cast(pl.String))
        else:
            df = pl.read_csv(path, infer_schema=False)
        mapping = {v: k for k, v in feed.get("columns", {}).items()}
        return df.rename({c: mapping[c] for c in df.columns if c in mapping})

    def comms(self) -> pl.DataFrame:
        return pl.concat([self.read(f) for f in self.feeds("comms")])

    def truth(self, name: str) -> pl.DataFrame:
        return pl.read_csv(self.out / "truth" / name, infer_schema=False)


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Sim:
    out = tmp_path_factory.mktemp("sim1")
    summary = simulate(out, seed=1, scale=1.0)
    manifest = tomllib.loads((out / "bundle" / "manifest.toml").read_text(encoding="utf-8"))
    return Sim(out=out, summary=summary, manifest=manifest)
