"""What the network stage reads, as nominal-level frames: the one place it touches the store and the picture.

Every record is mapped to its nominal through the resolve stage's ``nominals``
table, so the graph is of people, not of records; a record that resolve has not
placed stays its own nominal (``record:SOURCE:ID``) rather than being dropped.
The pure functions in the other modules take an :class:`Inputs` and never read
a file, so a hand-built group is a test fixture.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

S = pl.String
PERSON_PHONES = {"nominal_id": S, "number": S, "evidence": S, "seen": S, "force_area": S}  # force_area: of the agency that recorded it
PERSON_PLACES = {"nominal_id": S, "kind": S, "place": S, "evidence": S, "seen": S}  # kind: address | vehicle
PERSON_LINKS = {"a": S, "relation": S, "b": S, "evidence": S, "seen": S}
EVENT_PEOPLE = {"event": S, "event_type": S, "occurred_at": S, "force_area": S, "phone": S, "address": S, "nominal_id": S, "role": S}
CONTACTS = {"u": S, "v": S, "contacts": pl.Int64, "voice": pl.Int64, "texts": pl.Int64, "first_t": pl.Int64, "last_t": pl.Int64}
HANDSETS = {"number": S, "imei": S, "contacts": pl.Int64, "first_t": pl.Int64, "last_t": pl.Int64}
LINES = {"line_id": S, "status": S, "confidence": pl.Float64, "controller_area": S, "market_areas": S, "customers": pl.Int64}
LINE_NUMBERS = {"line_id": S, "number": S, "active_from": S, "active_to": S}
RUNNERS = {"line_id": S, "number": S, "instructions": pl.Int64, "force_area": S}
CUSTOMERS = {"line_id": S, "number": S, "force_area": S}
PEOPLE = {"nominal_id": S, "age": pl.Int64, "home_force": S, "label": S}
MEMBERS = {"ocg_id": S, "nominal_id": S}


def empty(schema: Mapping[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def shaped(frame: pl.DataFrame | None, schema: Mapping[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    """``frame`` with exactly these columns and types (missing columns null), so thin workspaces never break a join."""
    if frame is None:
        return empty(schema)
    return frame.select([(pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c) for c, t in schema.items()])


@dataclass
class Inputs:
    person_phones: pl.DataFrame = field(default_factory=lambda: empty(PERSON_PHONES))
    person_places: pl.DataFrame = field(default_factory=lambda: empty(PERSON_PLACES))
    person_links: pl.DataFrame = field(default_factory=lambda: empty(PERSON_LINKS))
    event_people: pl.DataFrame = field(default_factory=lambda: empty(EVENT_PEOPLE))
    contacts: pl.DataFrame = field(default_factory=lambda: empty(CONTACTS))
    handsets: pl.DataFrame = field(default_factory=lambda: empty(HANDSETS))
    lines: pl.DataFrame = field(default_factory=lambda: empty(LINES))
    line_numbers: pl.DataFrame = field(default_factory=lambda: empty(LINE_NUMBERS))
    runners: pl.DataFrame = field(default_factory=lambda: empty(RUNNERS))
    customers: pl.DataFrame = field(default_factory=lambda: empty(CUSTOMERS))
    people: pl.DataFrame = field(default_factory=lambda: empty(PEOPLE))
    previous_members: pl.DataFrame = field(default_factory=lambda: empty(MEMBERS))

    def __post_init__(self) -> None:
        for name, schema in (
            ("person_phones", PERSON_PHONES), ("person_places", PERSON_PLACES), ("person_links", PERSON_LINKS),
            ("event_people", EVENT_PEOPLE), ("contacts", CONTACTS), ("handsets", HANDSETS), ("lines", LINES),
            ("line_numbers", LINE_NUMBERS), ("runners", RUNNERS), ("customers", CUSTOMERS), ("people", PEOPLE),
            ("previous_members", MEMBERS),
        ):
            setattr(self, name, shaped(getattr(self, name), schema))
