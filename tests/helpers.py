"""Small helpers the tests share: write a bundle from Python data, snapshot a workspace, read a simulated scenario."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import inspect, text

from crossline.ingest.importer import Progress
from crossline.ingest.report import ImportResult
from crossline.sim import SimulationSummary
from crossline.workspace import Workspace

AGENCY = '[[agency]]\nid = "{id}"\nname = "{id}"\ntype = "{type}"\n'


def write_bundle(root: Path, feeds: dict[str, tuple[str, str, str]], agencies: dict[str, str] | None = None,
                 extra_feed_toml: dict[str, str] | None = None) -> Path:
    """feeds: file -> (kind, source, file text). Writes manifest.toml and the files."""
    root.mkdir(parents=True, exist_ok=True)
    agencies = agencies or {src: "police" for _, src, _ in feeds.values()}
    parts = ['contract_version = 1\nbundle = "test-bundle"\nproduced_at = "2026-11-21T09:00:00Z"\n']
    parts += [AGENCY.format(id=a, type=t) for a, t in agencies.items()]
    for file, (kind, source, body) in feeds.items():
        parts.append(f'[[feed]]\nfile = "{file}"\nkind = "{kind}"\nsource = "{source}"\n')
        if extra_feed_toml and file in extra_feed_toml:
            parts.append(extra_feed_toml[file])
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
    (root / "manifest.toml").write_text("\n".join(parts), encoding="utf-8")
    return root


def snapshot(ws: Workspace) -> dict[str, object]:
    """Every table's rows and every lake file's bytes: 'exactly as before' is equality of snapshots."""
    out: dict[str, object] = {}
    with ws.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            out[f"table:{table}"] = sorted(tuple(str(v) for v in r) for r in rows)
    for root, _dirs, files in os.walk(ws.lake):
        for name in files:
            p = Path(root) / name
            out[f"file:{p.relative_to(ws.path)}"] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@dataclass
class Sim:
    """A finished simulator run (the ``sim`` fixture): its summary, manifest, and readers for its files."""

    out: Path  # bundle/ and truth/; shared by the whole session, so read it, never write into it
    summary: SimulationSummary
    manifest: dict

    @property
    def bundle(self) -> Path:
        return self.out / "bundle"

    @property
    def truth_dir(self) -> Path:
        return self.out / "truth"

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
        return pl.read_csv(self.truth_dir / name, infer_schema=False)


def fingerprint(root: Path) -> dict[str, tuple[int, int]]:
    """Each file's size and modification time: enough to notice a test that wrote into a shared folder."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*")) if p.is_file()}



TEST_HUB = "test-hub"


def declared_agencies(bundle: Path) -> list[str]:
    """The agency ids a bundle's manifest declares (folder or .zip); none when it cannot be read."""
    import tomllib
    import zipfile

    bundle = Path(bundle)
    try:
        if bundle.suffix.lower() == ".zip":
            with zipfile.ZipFile(bundle) as zf:
                name = next((n for n in zf.namelist() if n.rsplit("/", 1)[-1] == "manifest.toml"), None)
                text = zf.read(name).decode("utf-8-sig") if name else ""
        else:
            text = (bundle / "manifest.toml").read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, zipfile.BadZipFile):
        return []
    agencies = data.get("agency", [])
    return [str(a["id"]) for a in agencies if isinstance(a, dict) and "id" in a] if isinstance(agencies, list) else []


def import_as_hub(ws: Workspace, bundle: Path, progress: Progress | None = None) -> ImportResult:
    """Import as a data hub allowed to send for every agency the bundle's manifest declares.

    For tests that are not about agency authority; tests/test_agency_authority.py checks the authority itself.
    A bundle whose manifest cannot be read goes to the import unchanged, to fail there.
    """
    from crossline.access.actor import LOCAL_ADMIN
    from crossline.service.imports import import_bundle

    allow_hub(ws, bundle)
    return import_bundle(ws, LOCAL_ADMIN, bundle, progress, TEST_HUB)


def allow_hub(ws: Workspace, bundle: Path) -> None:
    """Let the test hub send for every agency the bundle declares (an audited grant, like an administrator's)."""
    from crossline.access.actor import LOCAL_ADMIN
    from crossline.service.agencies import allow_sender

    others = [a for a in declared_agencies(bundle) if a != TEST_HUB]
    if others:
        allow_sender(ws, LOCAL_ADMIN, TEST_HUB, others)
