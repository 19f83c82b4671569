"""Does the data at hand hold twins? The evidence that decides whether the twins guard stays on.

The guard (``model.twin_guard``) takes back what an agreeing date of birth
gave when the given names clearly differ and no identifier is shared: that
is what twins look like, and also what one person looks like when one record
carries a wholly different given name. No single pair tells the two apart;
the data as a whole can, through identifiers:

- Among *twin-like pairs at one home* (same date of birth and family name,
  given names clearly different, same postcode or address) where both
  records hold an identifier of the same kind, twins never share it, while
  one person's two records share it unless it was recorded differently.
- How often one person's identifier is recorded differently is the model's
  own m for that identifier's "different" level (``q``). If every such pair
  were one person, the pairs with differing identifiers would number about
  ``agree * q / (1 - q)``.
- Many more than that (a one-sided Poisson test at 5%) means twins are here:
  the guard holds. About that many, with enough pairs to tell, means no sign
  of twins: the guard is lifted for this build. Too few pairs to tell: the
  guard holds.

The counts and the decision are kept in the build's ``resolve_model``
details, and ``twin_guard = false`` or ``twin_evidence_pairs = 0`` take the
choice back from the data.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from crossline.stages.resolve.model import (
    IDENTIFIER_DIFFERENT,
    Params,
    SqlFunctions,
    given_names_differ,
    same_home,
    shares_identifier,
)

ALPHA = 0.05
# The kind of identifier a pair is judged on: the first both records hold.
KINDS = ("nhs", "upn", "pnc", "other_ids")


COLUMNS = (
    "unique_id", "dob", "dob_year", "dob_month", "dob_day", "family_name", "given_name", "given_forms", "given_known",
    "forenames", "aliases", "postcode", "address", "pnc", "nhs", "upn", "other_ids", "other_id_types", "other_id_first",
)


def identifier_evidence_sql(table: str, dialect: str, join_on: str, where: str) -> str:
    """Pairs joined on ``join_on`` (l., r. columns) and kept by ``where`` (Splink's _l, _r columns) whose records both
    hold an identifier of one kind, counted by kind and by whether an identifier is shared (or one character apart)."""
    f = SqlFunctions(dialect)
    kind = "CASE " + " ".join(
        f"WHEN {f.overlap('other_id_types_l', 'other_id_types_r')} THEN '{k}'" if k == "other_ids"
        else f"WHEN {k}_l IS NOT NULL AND {k}_r IS NOT NULL THEN '{k}'"
        for k in KINDS
    ) + " END"
    pairs = (
        "SELECT " + ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in COLUMNS)
        + f" FROM {table} l JOIN {table} r ON {join_on} AND l.unique_id < r.unique_id"
    )
    return (
        f"SELECT kind, shared, COUNT(*) AS n FROM (SELECT {kind} AS kind, {shares_identifier(f)} AS shared FROM ({pairs}) p"
        f" WHERE {where}) t WHERE kind IS NOT NULL GROUP BY kind, shared"
    )


def evidence_sql(table: str, dialect: str) -> str:
    """Twin-like pairs at one home (same date of birth and family name, given names clearly different)."""
    f = SqlFunctions(dialect)
    return identifier_evidence_sql(
        table, dialect, "l.dob = r.dob AND l.family_name = r.family_name", f"{given_names_differ(f)} AND {same_home(f)}"
    )


@dataclass(frozen=True)
class TwinsEvidence:
    """Counts of relative-like pairs (twin-like here; namesakes at one home in ``namesakes.py``) holding identifiers of one kind."""

    agree: int  # pairs sharing an identifier (so one person)
    differ: int  # ... whose identifiers of one kind differ (one person recorded differently, or relatives)
    expected: float  # how many would differ if every such pair were one person

    @property
    def p_value(self) -> float:
        """Chance of at least ``differ`` differing pairs if none were twins (Poisson upper tail)."""
        if self.differ == 0:
            return 1.0
        if self.expected <= 0:
            return 0.0
        below = sum(math.exp(k * math.log(self.expected) - self.expected - math.lgamma(k + 1)) for k in range(self.differ))
        return max(0.0, 1.0 - below)


def gather(rows: list[dict[str, Any]], params: Params) -> TwinsEvidence:
    """Counts from ``evidence_sql`` rows and the model's rate of differently recorded identifiers."""
    agree, differ, expected = 0, 0, 0.0
    for row in rows:
        n = int(row["n"])
        if row["shared"]:
            agree += n
            q = different_rate(params, row["kind"])
            expected += n * q / (1 - q)
        else:
            differ += n
    return TwinsEvidence(agree=agree, differ=differ, expected=expected)


def different_rate(params: Params, kind: str) -> float:
    """Share of one person's record pairs, both holding this kind of identifier, whose values differ (EM's m)."""
    levels = params["levels"].get(kind, {})
    ms = {label: (values.get("m") or 0.0) for label, values in levels.items()}
    total = sum(ms.values())
    q = ms.get(IDENTIFIER_DIFFERENT[kind], 0.0) / total if total else 0.0
    return min(max(q, 1e-6), 0.5)


@dataclass(frozen=True)
class GuardDecision:
    on: bool
    reason: str
    evidence: TwinsEvidence | None = None

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"on": self.on, "reason": self.reason}
        if self.evidence is not None:
            out |= asdict(self.evidence) | {"expected": round(self.evidence.expected, 2),
                                            "p_value": round(self.evidence.p_value, 4)}
        return out


@dataclass(frozen=True)
class Relatives:
    """What a guard looks for, in the words its decision uses, and how much of it must be there to hold."""

    pairs: str  # "twin-like pairs at one home"
    present: str  # "twins"
    setting: str  # the [resolve] setting holding the fewest pairs to decide on
    # The guard holds only when at least this share of the pairs are two people (differing pairs beyond what
    # recording explains, over all pairs). 0: any significant excess holds it.
    min_share: float = 0.0


TWINS = Relatives("twin-like pairs at one home", "twins", "twin_evidence_pairs")


def decide(evidence: TwinsEvidence, min_pairs: int, relatives: Relatives = TWINS) -> GuardDecision:
    n = evidence.agree + evidence.differ
    said = (
        f"{n:,} {relatives.pairs} hold identifiers of one kind; {evidence.differ:,} differ where "
        f"identifiers recorded differently explain about {evidence.expected:.1f}"
    )
    if n < min_pairs:
        return GuardDecision(True, f"held: too few pairs to tell whether the data holds {relatives.present} ({said}; "
                                   f"{relatives.setting} = {min_pairs})", evidence)
    if evidence.p_value >= ALPHA:
        return GuardDecision(False, f"lifted: no sign of {relatives.present} in this data ({said})", evidence)
    two = max(evidence.differ - evidence.expected, 0.0)
    if two < relatives.min_share * n:
        return GuardDecision(False, f"lifted: few {relatives.present} in this data ({said}: about {two:.0f} pairs of "
                                    f"two people, under {relatives.min_share:.0%} of them)", evidence)
    return GuardDecision(True, f"held: the data holds {relatives.present} ({said})", evidence)
