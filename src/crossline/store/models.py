"""The system of record's tables.

Timestamps are kept as ISO 8601 UTC text (``2026-10-03T11:30:00Z``) and partial
dates as text with a precision, so that SQLite and PostgreSQL hold exactly the
same values and sort them the same way. Every imported row carries its
provenance: bundle, file and line.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Provenance:
    """Where a stored row came from; the UI's answer to "why is this here?"."""

    bundle_id: Mapped[str] = mapped_column(String(64))
    file: Mapped[str] = mapped_column(Text)
    line: Mapped[int] = mapped_column(Integer)
    row_hash: Mapped[str] = mapped_column(String(32))
    attributes: Mapped[str | None] = mapped_column(Text)  # JSON: the feed's extra columns
    invalid: Mapped[str | None] = mapped_column(Text)  # JSON: raw values blanked with a warning


class Bundle(Base):
    __tablename__ = "bundles"
    bundle_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # import id: one per import run
    name: Mapped[str] = mapped_column(Text)
    produced_at: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[str] = mapped_column(Text)
    imported_by: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[str] = mapped_column(Text)
    from_agency: Mapped[str | None] = mapped_column(String(64))  # the agency the import was made for (migration 0004)


class Agency(Base):
    __tablename__ = "agencies"
    agency_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(32))
    force_area: Mapped[str | None] = mapped_column(String(64))


class ImportLog(Base):
    __tablename__ = "import_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bundle_id: Mapped[str] = mapped_column(String(64), index=True)
    file: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)


class Person(Provenance, Base):
    __tablename__ = "persons"
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    given_name: Mapped[str | None] = mapped_column(Text)
    family_name: Mapped[str | None] = mapped_column(Text)
    other_names: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[str | None] = mapped_column(Text)  # JSON list
    date_of_birth: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD, YYYY-MM or YYYY
    date_of_birth_precision: Mapped[str | None] = mapped_column(String(8))
    sex: Mapped[str | None] = mapped_column(String(1))
    address: Mapped[str | None] = mapped_column(Text)
    town: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(32))
    postcode_is_uk: Mapped[bool | None] = mapped_column(Boolean)
    phone: Mapped[str | None] = mapped_column(Text)  # JSON list of E.164
    pnc_id: Mapped[str | None] = mapped_column(Text)
    nhs_number: Mapped[str | None] = mapped_column(Text)
    upn: Mapped[str | None] = mapped_column(Text)
    other_ids: Mapped[str | None] = mapped_column(Text)  # JSON list of type:value


class Event(Provenance, Base):
    __tablename__ = "events"
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(32), index=True)
    occurred_at: Mapped[str] = mapped_column(String(20))
    occurred_at_date_only: Mapped[bool] = mapped_column(Boolean)
    ended_at: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(32))
    postcode_is_uk: Mapped[bool | None] = mapped_column(Boolean)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    force_area: Mapped[str | None] = mapped_column(String(64))
    force_area_derived: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    vehicle: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    source_eval: Mapped[str | None] = mapped_column(String(1))
    intel_assessment: Mapped[str | None] = mapped_column(String(1))
    handling_code: Mapped[str | None] = mapped_column(String(1))
    handling_conditions: Mapped[str | None] = mapped_column(Text)
    shareable: Mapped[bool] = mapped_column(Boolean)  # False: C without conditions, owner only
    programme: Mapped[str | None] = mapped_column(Text)


class EventPerson(Provenance, Base):
    __tablename__ = "event_people"
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    __table_args__ = (Index("ix_event_people_person", "source", "person_id"),)


class Link(Provenance, Base):
    __tablename__ = "links"
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    link_key: Mapped[str] = mapped_column(String(32), primary_key=True)  # md5 of left|relation|right|observed_at
    left: Mapped[str] = mapped_column(Text)
    relation: Mapped[str] = mapped_column(String(32))
    right: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[str | None] = mapped_column(String(20))
    observed_at_date_only: Mapped[bool | None] = mapped_column(Boolean)


class CellSite(Provenance, Base):
    __tablename__ = "cell_sites"
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    cell_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    force_area: Mapped[str | None] = mapped_column(String(64))
    force_area_derived: Mapped[bool] = mapped_column(Boolean)


class Quarantine(Base):
    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bundle_id: Mapped[str] = mapped_column(String(64), index=True)
    bundle: Mapped[str] = mapped_column(Text)
    file: Mapped[str] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(8))


class LakeFile(Base):
    """The lake's manifest: a Parquet file is part of the lake only once it is listed here.

    A partition (a day of comms) may span several files when it is too large to merge in one go.
    """

    __tablename__ = "lake_files"
    path: Mapped[str] = mapped_column(String(512), primary_key=True)  # relative to lake/
    dataset: Mapped[str] = mapped_column(String(32))
    partition: Mapped[str] = mapped_column(String(32))
    rows: Mapped[int] = mapped_column(Integer)
    bundle_id: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_lake_files_partition", "dataset", "partition"),)


class AuditEntry(Base):
    """Append-only and hash-chained: each entry's hash covers its fields and the previous hash."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    os_user: Mapped[str | None] = mapped_column(Text)  # the operating-system account that ran it (migration 0004)
    mac: Mapped[str | None] = mapped_column(String(64))  # authentication with the workspace's audit key


class AuditHead(Base):
    """The last entry's seq, hash and authentication code, so that deleting the newest entries is detected too."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))  # authentication with the workspace's audit key (migration 0005)


class PictureVersion(Base):
    """A published build of the picture: Parquet tables under picture/<version>/; the newest is current."""

    __tablename__ = "picture_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    built_at: Mapped[str] = mapped_column(String(32))
    built_by: Mapped[str] = mapped_column(Text)
    stages: Mapped[str] = mapped_column(Text)  # JSON: the stages run in this build, with their seconds
    tables: Mapped[str] = mapped_column(Text)  # JSON: table name -> rows


class MatchDecision(Base):
    """A person's decision that two source records are, or are not, the same person; every build honours it."""

    __tablename__ = "match_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_a: Mapped[str] = mapped_column(String(64))
    record_a: Mapped[str] = mapped_column(String(256))
    source_b: Mapped[str] = mapped_column(String(64))
    record_b: Mapped[str] = mapped_column(String(256))
    decision: Mapped[str] = mapped_column(String(16))  # same | different
    reason: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[str] = mapped_column(String(32))
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)  # a later decision on the same pair replaces it
    __table_args__ = (Index("ix_match_decisions_pair", "source_a", "record_a", "source_b", "record_b"),)


class LineReview(Base):
    """An analyst's confirmation or rejection of a detected deal line (labels for the optional supervised model)."""

    __tablename__ = "line_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    line_id: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[str | None] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(16))  # confirmed | rejected
    reason: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[str] = mapped_column(String(32))


class DdtroApplication(Base):
    """A drug dealing telecommunications restriction order application for one line, tracked through its life."""

    __tablename__ = "ddtro_applications"
    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    line_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # drafted | applied | granted | refused | disconnected
    numbers: Mapped[str] = mapped_column(Text)  # JSON list of E.164 numbers named
    imeis: Mapped[str] = mapped_column(Text)  # JSON list of handset IMEIs named
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(32))


class DdtroStatusChange(Base):
    __tablename__ = "ddtro_status_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(Text)
    at: Mapped[str] = mapped_column(String(32))


class Alert(Base):
    """Something a person should look at: a successor line after a granted order, a child newly at high risk."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(256))
    for_agency: Mapped[str | None] = mapped_column(String(64))  # who should act; None: analysts
    raised_at: Mapped[str] = mapped_column(String(32))
    details: Mapped[str] = mapped_column(Text)  # JSON
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | acknowledged
    acknowledged_by: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (UniqueConstraint("kind", "subject_type", "subject_id", name="uq_alert_subject"),)



class WorkspaceMeta(Base):
    """Facts about the workspace itself (its id, when its audit key was made), one row each."""

    __tablename__ = "workspace_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RecordVersion(Base):
    """The version of a partner's record that an import replaced: nothing is lost, even to a wrong correction."""

    __tablename__ = "record_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))
    record_key: Mapped[str] = mapped_column(Text)  # the row's key within its source, e.g. the record_id
    bundle_id: Mapped[str | None] = mapped_column(String(64))  # the import that wrote the replaced version
    superseded_by: Mapped[str] = mapped_column(String(64))  # the import that replaced it
    superseded_at: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)  # the replaced row as canonical JSON
    __table_args__ = (Index("ix_record_versions_record", "kind", "source", "record_key"),)


class AgencySender(Base):
    """An agency allowed to send records on behalf of another (a CSP for a police force, a trust for its schools)."""

    __tablename__ = "agency_senders"
    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    for_agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    granted_by: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[str] = mapped_column(String(32))

class User(Base):
    """A named Crossline user of the service: one agency, one role; the password only as an argon2 hash."""

    __tablename__ = "users"
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the login name
    display_name: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))  # a service role (access/roles.py)
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[str | None] = mapped_column(String(32))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(Text)


class WebSession(Base):
    """A server-side login session; the browser holds only a random token, stored here as its SHA-256."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))
    last_seen_at: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[str] = mapped_column(String(32))  # absolute expiry; idle expiry is checked from last_seen_at


class ApiToken(Base):
    """A system's API token: shown once, stored hashed, scoped to one agency and role, revocable."""

    __tablename__ = "api_tokens"
    token_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the public part, shown in lists
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32))


class Job(Base):
    """An import or build asked for over the API: a row, so a restart loses nothing and a worker picks it up."""

    __tablename__ = "jobs"
    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # import | build
    params: Mapped[str] = mapped_column(Text)  # JSON
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)  # one job per bundle content
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued | running | done | failed
    requested_by: Mapped[str] = mapped_column(Text)  # JSON: user, agency, role
    created_at: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[str | None] = mapped_column(String(32))
    finished_at: Mapped[str | None] = mapped_column(String(32))
    heartbeat_at: Mapped[str | None] = mapped_column(String(32))
    worker: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)  # JSON
    error: Mapped[str | None] = mapped_column(Text)


class AnonymousReport(Base):
    """A concern reported without login: nothing that identifies the reporter (no address, no cookie, no exact time)."""

    __tablename__ = "anonymous_reports"
    report_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    received_on: Mapped[str] = mapped_column(String(10))  # the day only
    area: Mapped[str | None] = mapped_column(Text)  # as the reporter described it
    concern: Mapped[str] = mapped_column(Text)
    grading: Mapped[str] = mapped_column(String(8))  # 3x5x2: 2/D (untested source, cannot be judged)
    status: Mapped[str] = mapped_column(String(16), index=True)  # new | triaged | no_further_action
    triaged_by: Mapped[str | None] = mapped_column(Text)
    triaged_at: Mapped[str | None] = mapped_column(String(32))
    triage_note: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[str | None] = mapped_column(String(64), index=True)  # the reporting agency (a business); NULL: anonymous


class SearchKey(Base):
    """Exact look-ups for search: a phone (E.164), an identifier (record id, PNC, NHS number, UPN) or a postcode -> record."""

    __tablename__ = "search_keys"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    __table_args__ = (Index("ix_search_keys_record", "source", "record_id"),)


class SearchNameRecord(Base):
    """Which records carry each name term of the search index.

    Fuzzy matching runs over the distinct terms (``search_names_terms``: FTS5
    trigram on SQLite, pg_trgm on PostgreSQL; dialect-specific, so not a model);
    the records of a matched term are then read here by key. Many people share
    a name, so the fuzzy index is far smaller than one row per record.
    """

    __tablename__ = "search_names_records"
    term: Mapped[str] = mapped_column(Text, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    __table_args__ = (Index("ix_search_names_records_record", "source", "record_id"),)


class SearchIndexed(Base):
    """Bundles whose person records are in the search index (names in ``search_names_*``, keys in ``search_keys``)."""

    __tablename__ = "search_indexed"
    bundle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    indexed_at: Mapped[str] = mapped_column(String(32))


def table_of(model: type[Base]) -> Table:
    """A model's Table (``Model.__table__`` is typed as any FROM clause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
