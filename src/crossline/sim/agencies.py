"""The partners who hand data to Crossline in the default scenario.

Police forces use their real names (public bodies, needed for force areas);
every other partner is made up. The school trust exports its own column names
and dd/mm/yyyy dates, mapped in the manifest, as partners do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Agency:
    """A source in the bundle: id, name, type, force area, and its folder and record-id prefix."""

    id: str
    name: str
    type: str
    force_area: str
    folder: str
    prefix: str


GWENT_POLICE = "gwent-police"
COUNCIL = "gwent-valleys-council"
SCHOOLS = "valleys-schools-trust"
HEALTH = "gwent-health-board"
MENTORING = "valleys-mentoring-trust"
SPORT = "street-sport-gwent"
EDUCATION = "safer-choices-wales"
CSP = "csp-returns"

AGENCIES: tuple[Agency, ...] = (
    Agency(GWENT_POLICE, "Gwent Police", "police", "gwent", "gwent_police", "GWP"),
    Agency("merseyside-police", "Merseyside Police", "police", "merseyside", "merseyside_police", "MERP"),
    Agency("west-midlands-police", "West Midlands Police", "police", "west-midlands", "west_midlands_police", "WMP"),
    Agency("met-police", "Metropolitan Police Service", "police", "metropolitan", "met_police", "MPS"),
    Agency("south-wales-police", "South Wales Police", "police", "south-wales", "south_wales_police", "SWP"),
    Agency(COUNCIL, "Gwent Valleys Council - Children's Services", "local_authority", "gwent", "council", "CS"),
    Agency(SCHOOLS, "Valleys Schools Trust", "education", "gwent", "schools", "S"),
    Agency(HEALTH, "Gwent Health Board - Emergency Department", "health", "gwent", "health", "ED"),
    Agency(MENTORING, "Valleys Mentoring Trust", "charity", "gwent", "mentoring", "VMT"),
    Agency(SPORT, "Street Sport Gwent", "charity", "gwent", "street_sport", "SSG"),
    Agency(EDUCATION, "Safer Choices Wales", "charity", "gwent", "safer_choices", "SCW"),
    Agency(CSP, "Communications data returns (CSP)", "telecoms", "gwent", "csp", ""),
)
AGENCY_BY_ID: dict[str, Agency] = {a.id: a for a in AGENCIES}

# police source for each force area
POLICE_BY_FORCE: dict[str, str] = {a.force_area: a.id for a in AGENCIES if a.type == "police"}
POLICE: tuple[str, ...] = tuple(a.id for a in AGENCIES if a.type == "police")

# who runs each intervention programme
PROVIDERS: dict[str, str] = {
    "mentoring": MENTORING,
    "sport": SPORT,
    "education": EDUCATION,
    "family_support": COUNCIL,
}

# the school trust's own column names (contract name -> name in its file)
SCHOOL_COLUMNS: dict[str, str] = {
    "record_id": "PupilRef",
    "given_name": "Forename",
    "family_name": "Surname",
    "other_names": "MiddleNames",
    "date_of_birth": "DOB",
    "sex": "Gender",
    "address": "Addr",
    "town": "Town",
    "postcode": "PC",
    "upn": "UPN",
    "phone": "ContactPhone",
}
SCHOOL_DATE_FORMAT = "%d/%m/%Y"
