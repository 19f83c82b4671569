"""Safeguarding casework tables (migration 0003): referrals, interventions, outcomes, NRM, flags, alert recipients.

Declared on the system of record's ``Base`` so that one metadata describes the
whole schema; the migration creates them by hand
(store/migrations/versions/0003_safeguarding_casework.py) and a test checks
that the two agree. Times are ISO 8601 UTC text, like every other table.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crossline.store.models import Base


class Referral(Base):
    """A young person referred to a partner who can act: children's services or the MASH, a school, a youth service, a charity."""

    __tablename__ = "referrals"
    referral_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nominal_id: Mapped[str] = mapped_column(String(64), index=True)
    to_agency: Mapped[str] = mapped_column(String(64), index=True)
    service: Mapped[str] = mapped_column(String(32))  # childrens_services | mash | school | youth_service | charity
    programme: Mapped[str | None] = mapped_column(String(32))  # mentoring | sport | education | family_support
    reason: Mapped[str] = mapped_column(Text)  # plain words: why this partner, why now
    status: Mapped[str] = mapped_column(String(16))  # made | accepted | declined | closed
    decision_reason: Mapped[str | None] = mapped_column(Text)
    made_at: Mapped[str] = mapped_column(String(32))
    made_by: Mapped[str] = mapped_column(Text)
    made_by_agency: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(32))


class ReferralUpdate(Base):
    """Every change of a referral's status, with who, when and why (the referral's history)."""

    __tablename__ = "referral_updates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(32))


class Intervention(Base):
    """A young person's time on a programme, from start to end (the end is blank while it runs)."""

    __tablename__ = "interventions"
    intervention_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    referral_id: Mapped[str | None] = mapped_column(String(64), index=True)
    nominal_id: Mapped[str] = mapped_column(String(64), index=True)
    programme: Mapped[str] = mapped_column(String(32))
    provider_agency: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[str] = mapped_column(String(32))
    ended_at: Mapped[str | None] = mapped_column(String(32))
    end_reason: Mapped[str | None] = mapped_column(Text)  # completed | disengaged | moved away | ...
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[str] = mapped_column(String(32))


class Outcome(Base):
    """An outcome observed for a young person over time (missing episodes, arrests, exclusions, risk score, engagement)."""

    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nominal_id: Mapped[str] = mapped_column(String(64), index=True)
    intervention_id: Mapped[str | None] = mapped_column(String(64), index=True)
    referral_id: Mapped[str | None] = mapped_column(String(64))
    measure: Mapped[str] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[str] = mapped_column(String(32))  # the date the outcome describes
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_agency: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[str] = mapped_column(String(32))


class NrmReferral(Base):
    """A first responder's National Referral Mechanism referral, with the reasonable and conclusive grounds decisions."""

    __tablename__ = "nrm_referrals"
    nrm_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nominal_id: Mapped[str] = mapped_column(String(64), index=True)
    first_responder: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(String(64))
    referred_at: Mapped[str] = mapped_column(String(32))
    exploitation: Mapped[str] = mapped_column(String(32))  # criminal | sexual | labour | domestic_servitude | other
    summary: Mapped[str] = mapped_column(Text)
    reasonable_grounds: Mapped[str] = mapped_column(String(16))  # pending | positive | negative
    reasonable_grounds_at: Mapped[str | None] = mapped_column(String(32))
    conclusive_grounds: Mapped[str] = mapped_column(String(16))  # pending | positive | negative | not_reached
    conclusive_grounds_at: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))


class NrmDecision(Base):
    """A decision on an NRM referral as recorded (the history behind the referral's current grounds)."""

    __tablename__ = "nrm_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nrm_id: Mapped[str] = mapped_column(String(64), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # reasonable | conclusive
    decision: Mapped[str] = mapped_column(String(16))  # positive | negative
    decided_at: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[str] = mapped_column(String(32))


class SafeguardingFlag(Base):
    """A marker every officer who opens the young person's record sees (e.g. both suspect and potential victim)."""

    __tablename__ = "safeguarding_flags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nominal_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # dual_status
    reason: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(128))  # what raised it: nrm:<id>, build
    raised_at: Mapped[str] = mapped_column(String(32))
    raised_by: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (UniqueConstraint("nominal_id", "kind", name="uq_safeguarding_flag"),)


class AlertRecipient(Base):
    """Every agency an alert is for (``alerts.for_agency`` holds one; a child's council and school both need to know)."""

    __tablename__ = "alert_recipients"
    alert_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
