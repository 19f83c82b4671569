"""What an import did, per feed and in total: the import log users read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FeedResult:
    file: str
    kind: str
    source: str
    rows_read: int = 0
    accepted: int = 0  # distinct rows kept from this file (new + updated + unchanged)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # rows that repeat another row of this import (the same comms event, the same record_id)
    quarantined: int = 0  # rows rejected (severity error)
    warnings: int = 0  # values blanked or rows kept with a warning
    refused: str = ""  # why the whole feed was not read (its records belong to an agency the bundle may not write for)


@dataclass
class ImportResult:
    bundle_id: str
    bundle: str
    feeds: list[FeedResult] = field(default_factory=list)
    seconds: float = 0.0
    audit_hash: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds, for benchmarks and tuning
    from_agency: str = ""  # the agency the import was made for
    notes: list[str] = field(default_factory=list)  # what the manifest said about agencies that was not taken

    def feed(self, file: str) -> FeedResult:
        for f in self.feeds:
            if f.file == file:
                return f
        raise KeyError(file)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.feeds)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.feeds)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.feeds)
