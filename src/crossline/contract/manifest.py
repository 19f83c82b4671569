"""The bundle manifest (``manifest.toml``): agencies, feeds, column mappings and formats.

Validated in full before any data is read, so a bad manifest fails the bundle
with every problem listed at once.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crossline.contract import enums
from crossline.contract.schema import SCHEMAS
from crossline.errors import BundleError

MANIFEST_NAME = "manifest.toml"
FEED_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".jsonl")


class Agency(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    type: str
    force_area: str | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in enums.AGENCY_TYPES:
            raise ValueError(f"unknown agency type {v!r}; expected one of {', '.join(sorted(enums.AGENCY_TYPES))}")
        return v

    @field_validator("force_area")
    @classmethod
    def _force(cls, v: str | None) -> str | None:
        from crossline.contract.geography import FORCE_AREAS

        if v and v not in FORCE_AREAS:
            raise ValueError(f"unknown force_area {v!r} (see DATA-CONTRACT section 5)")
        return v or None


class Feed(BaseModel):
    model_config = ConfigDict(extra="allow")

    file: str
    kind: str
    source: str
    columns: dict[str, str] = Field(default_factory=dict)
    formats: dict[str, str] = Field(default_factory=dict)

    @field_validator("file")
    @classmethod
    def _file(cls, v: str) -> str:
        if v.startswith("/") or ".." in v.split("/"):
            raise ValueError(f"feed file {v!r} must be a path inside the bundle")
        if not v.lower().endswith(FEED_SUFFIXES):
            raise ValueError(f"feed file {v!r} must end in one of {', '.join(FEED_SUFFIXES)}")
        return v

    @model_validator(mode="after")
    def _mapping(self) -> Feed:
        schema = SCHEMAS.get(self.kind)
        if schema is None:
            return self  # reported by Manifest with the file named
        unknown = [c for c in list(self.columns) + list(self.formats) if c not in schema.names]
        if unknown:
            raise ValueError(f"feed {self.file}: {', '.join(sorted(set(unknown)))} not a {self.kind} column of the contract")
        return self


class Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    contract_version: int
    bundle: str
    produced_at: str | None = None
    agency: list[Agency] = Field(default_factory=list)
    feed: list[Feed] = Field(default_factory=list)

    @field_validator("contract_version")
    @classmethod
    def _version(cls, v: int) -> int:
        if v != 1:
            raise ValueError(f"contract_version {v} is not supported; this Crossline reads contract_version = 1")
        return v

    @property
    def agencies(self) -> dict[str, Agency]:
        return {a.id: a for a in self.agency}


def parse_manifest(text: str) -> Manifest:
    """Parse and validate a manifest; raise one BundleError that lists every problem."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BundleError(MANIFEST_NAME, f"not valid TOML ({exc})") from exc
    for feed in data.get("feed", []) or []:
        if isinstance(feed, dict) and feed.get("kind") not in SCHEMAS:
            raise BundleError(
                str(feed.get("file", "?")),
                f"unknown kind {feed.get('kind')!r}; expected one of {', '.join(enums.FEED_KINDS)}",
            )
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {re.sub(r'^Value error, ', '', err['msg'])}"
            for err in exc.errors()
        )
        raise BundleError(MANIFEST_NAME, problems) from exc
    ids = manifest.agencies
    for feed in manifest.feed:
        if feed.source not in ids:
            raise BundleError(feed.file, f"source {feed.source!r} is not an [[agency]] id in the manifest")
    if not manifest.feed:
        raise BundleError(MANIFEST_NAME, "no [[feed]] entries: nothing to import")
    files = [f.file for f in manifest.feed]
    dupes = sorted({f for f in files if files.count(f) > 1})
    if dupes:
        raise BundleError(dupes[0], "listed twice in the manifest")
    return manifest
