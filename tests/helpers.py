"""Small helpers the tests share: write a bundle from Python data, snapshot a workspace."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sqlalchemy import inspect, text

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
