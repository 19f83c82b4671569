"""Enumerated values of contract v1, in one place so importer, simulator and tests agree."""

from __future__ import annotations

AGENCY_TYPES = frozenset(
    {"police", "nca", "local_authority", "education", "health", "housing", "charity", "telecoms", "other",
     "youth_service", "business", "transport_police"}
)
AGENCY_TYPE_NAMES: dict[str, str] = {
    "police": "police force",
    "transport_police": "transport police",
    "nca": "national (NCA / NCLCC)",
    "local_authority": "local authority",
    "education": "education (school, college, trust)",
    "health": "health",
    "youth_service": "youth service",
    "charity": "charity",
    "housing": "housing provider",
    "business": "business (hotel, taxi firm, rail operator)",
    "telecoms": "telecoms (CSP)",
    "other": "other",
}
"""Readable names of the agency types: the codes above are the contract's and never change; these are what people read."""
assert set(AGENCY_TYPE_NAMES) == AGENCY_TYPES
FEED_KINDS = ("persons", "events", "event_people", "links", "comms", "cell_sites")
SEX = frozenset({"F", "M", "X", "U"})
EVENT_TYPES = frozenset(
    {
        "intelligence", "missing_episode", "found_out_of_area", "stop_search", "arrest", "charge",
        "drug_seizure", "cash_seizure", "weapon_seizure", "cuckooing_report", "violence_incident",
        "ae_attendance", "school_exclusion", "persistent_absence", "safeguarding_referral",
        "nrm_referral", "anonymous_report", "asb_report", "anpr_sighting", "address_visit",
        "domestic_abuse", "care_placement", "intervention", "other",
    }
)
ROLES = frozenset(
    {"subject", "suspect", "victim", "witness", "associate", "missing_person", "reporter", "pupil", "patient"}
)
RELATIONS = frozenset(
    {"uses_phone", "resides_at", "frequents", "drives", "associate_of", "family_of", "controls", "uses_handset"}
)
ENDPOINT_TYPES = frozenset({"person", "phone", "vehicle", "address", "handset"})
COMMS_KINDS = frozenset({"voice", "sms", "mms"})
SOURCE_EVAL = frozenset({"1", "2", "3"})
INTEL_ASSESSMENT = frozenset({"A", "B", "C", "D", "E"})
HANDLING_CODES = frozenset({"P", "C"})
