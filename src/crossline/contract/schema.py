"""Feed schemas of contract v1 as data: column, type, required, and how a bad value is treated.

The importer, the simulator's validator and the docs read these tables; nothing
else hard-codes a column list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crossline.contract import enums

ColumnType = Literal[
    "text", "date", "partial_date", "datetime", "datetime_or_date", "int", "float",
    "phone", "phone_list", "postcode", "enum", "list", "endpoint",
]


@dataclass(frozen=True)
class Column:
    """One contract column.

    ``required`` columns reject the row when blank or bad; so do ``defining``
    enums (the value that says what the row *is*). Any other bad value is
    blanked with a warning and the row is kept.
    """

    name: str
    type: ColumnType
    required: bool = False
    values: frozenset[str] | None = None
    defining: bool = False
    upper: bool = False


@dataclass(frozen=True)
class FeedSchema:
    kind: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _force_areas() -> frozenset[str]:
    from crossline.contract.geography import FORCE_AREAS

    return FORCE_AREAS


PERSONS = FeedSchema(
    "persons",
    (
        Column("record_id", "text", required=True),
        Column("given_name", "text"),
        Column("family_name", "text"),
        Column("other_names", "text"),
        Column("aliases", "list"),
        Column("date_of_birth", "partial_date"),
        Column("sex", "enum", values=enums.SEX, upper=True),
        Column("address", "text"),
        Column("town", "text"),
        Column("postcode", "postcode"),
        Column("phone", "phone_list"),
        Column("pnc_id", "text"),
        Column("nhs_number", "text"),
        Column("upn", "text"),
        Column("other_ids", "list"),
    ),
    key=("record_id",),
)

EVENTS = FeedSchema(
    "events",
    (
        Column("record_id", "text", required=True),
        Column("event_type", "enum", required=True, values=enums.EVENT_TYPES, defining=True),
        Column("occurred_at", "datetime_or_date", required=True),
        Column("ended_at", "datetime"),
        Column("postcode", "postcode"),
        Column("lat", "float"),
        Column("lon", "float"),
        Column("force_area", "enum"),  # values filled from geography at validation time
        Column("summary", "text"),
        Column("phone", "phone"),
        Column("vehicle", "text", upper=True),
        Column("address", "text"),
        Column("source_eval", "enum", values=enums.SOURCE_EVAL),
        Column("intel_assessment", "enum", values=enums.INTEL_ASSESSMENT, upper=True),
        Column("handling_code", "enum", values=enums.HANDLING_CODES, upper=True),
        Column("handling_conditions", "text"),
        Column("programme", "text"),
    ),
    key=("record_id",),
)

EVENT_PEOPLE = FeedSchema(
    "event_people",
    (
        Column("event_id", "text", required=True),
        Column("person_id", "text", required=True),
        Column("role", "enum", required=True, values=enums.ROLES, defining=True),
    ),
    key=("event_id", "person_id", "role"),
)

LINKS = FeedSchema(
    "links",
    (
        Column("left", "endpoint", required=True),
        Column("relation", "enum", required=True, values=enums.RELATIONS, defining=True),
        Column("right", "endpoint", required=True),
        Column("observed_at", "datetime_or_date"),
    ),
    key=("left", "relation", "right", "observed_at"),
)

COMMS = FeedSchema(
    "comms",
    (
        Column("a_number", "phone", required=True),
        Column("b_number", "phone", required=True),
        Column("kind", "enum", required=True, values=enums.COMMS_KINDS, defining=True),
        Column("started_at", "datetime", required=True),
        Column("duration_s", "int"),
        Column("a_imei", "text"),
        Column("a_cell", "text"),
        Column("b_cell", "text"),
    ),
    key=("a_number", "b_number", "kind", "started_at", "duration_s"),
)

CELL_SITES = FeedSchema(
    "cell_sites",
    (
        Column("cell_id", "text", required=True),
        Column("lat", "float", required=True),
        Column("lon", "float", required=True),
        Column("force_area", "enum"),
    ),
    key=("cell_id",),
)

SCHEMAS: dict[str, FeedSchema] = {
    s.kind: s for s in (PERSONS, EVENTS, EVENT_PEOPLE, LINKS, COMMS, CELL_SITES)
}


def enum_values(column: Column) -> frozenset[str]:
    """The allowed values of an enum column (force areas come from the geography lookup)."""
    if column.name == "force_area":
        return _force_areas()
    assert column.values is not None, column.name
    return column.values
