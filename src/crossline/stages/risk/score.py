"""Points, weights and the 0-100 score, with reasons in plain words.

Every indicator carries points per record (decayed by age: recency matters)
up to a cap (so frequency counts, but no one indicator runs away with the
score); adverse childhood experiences together are capped lower still, since
they raise risk and never decide it. The total becomes a score

    score = 100 x points / (points + score_half_points)

which is 0 with no indicator, 50 at ``score_half_points`` and approaches 100
without ever reaching it, so ranking stays meaningful at the top. Sex and
ethnicity are never inputs; age is (the issue allows it).

``INDICATORS`` is the documented table: docs/risk.md renders it with each
figure's reason. Points were set from the Home Office guidance and the
strength of each signal (how much likelier it is for an exploited child than
for another), then checked, not fitted, against the simulator
(benchmarks/risk_accuracy.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from crossline.settings.risk import RiskSettings

POLICE_GENERIC = "police hold further information of concern (ask the police safeguarding lead)"


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str  # indicator | ace | age
    points: float  # per record, before recency decay
    cap: float  # most points this indicator adds
    words: str  # reason for analysts: {times}, {n}, {latest} are filled in
    partner_words: str  # reason partners see (no intelligence, no record ids, no names)
    police_only: bool  # the evidence is police information partners never see the substance of
    why: str  # why these points (docs/risk.md)


INDICATORS: tuple[Indicator, ...] = (
    Indicator("missing_episode", "indicator", 10, 30, "reported missing {times}, latest {latest}", "reported missing {times}", False,
              "The key indicator in the Home Office guidance; each episode counts, up to three."),
    Indicator("missing_long", "indicator", 5, 10, "missing for a day or more {times}", "missing for a day or more {times}", False,
              "Long episodes (overnight, days) are typical of children taken to a market; short ones of rows at home."),
    Indicator("missing_repeat", "indicator", 4, 12, "went missing 3 or more times in 90 days", "went missing 3 or more times in 90 days", False,
              "Frequency: repeated episodes close together add to the per-episode points."),
    Indicator("out_of_area", "indicator", 10, 20, "found or stopped out of area {times}, latest {latest}", "found out of their home area {times}", False,
              "Being found out of area is a named indicator: children are moved to where the line sells."),
    Indicator("out_of_area_hub_market", "indicator", 8, 16, "out of area in a county lines hub or a line's market {times}",
              "found in a county lines hub or market area", False,
              "More so when the place is a hub or a detected line's market than anywhere else."),
    Indicator("line_contact", "indicator", 12, 24, "in contact with {n} deal line number(s), latest {latest}", POLICE_GENERIC, True,
              "Contact with a line the lines stage detected: strong, but customers contact lines too, so capped."),
    Indicator("runner_contact", "indicator", 6, 12, "in contact with {n} runner number(s), latest {latest}", POLICE_GENERIC, True,
              "Contact with a known runner's number: a peer already working for a line."),
    Indicator("runner_number", "indicator", 20, 20, "uses a phone number acting as a runner's", POLICE_GENERIC, True,
              "The young person's own number takes a line's instructions: they are very likely being used as a runner."),
    Indicator("stop_search_finds", "indicator", 14, 28, "stopped and searched with cash, drugs or several phones {times}, latest {latest}",
              "stopped and searched by police with cash, drugs or phones {times}", False,
              "A named indicator: unexplained cash and several handsets are the tools of running a line."),
    Indicator("stop_search", "indicator", 2, 4, "stopped and searched with nothing found {times}", "stopped and searched by police {times}", False,
              "Contact with police, weak on its own: most searches of young people find nothing."),
    Indicator("arrest_supply_weapons", "indicator", 10, 20, "arrested or charged for drug supply or a weapon {times}, latest {latest}",
              "arrested for drug supply or a weapon {times}", False,
              "Exploited children are often arrested as offenders; supply and knives are the typical offences."),
    Indicator("arrest_other", "indicator", 3, 6, "arrested or charged for another offence {times}", "arrested {times}", False,
              "Other offending: a weak sign on its own."),
    Indicator("seizure", "indicator", 8, 16, "a suspect in a drug, cash or weapon seizure "
        "{times}", "involved in a police seizure of drugs, cash or a weapon", False,
              "Seizures name the people holding a line's drugs and cash."),
    Indicator("cuckooing_suspect", "indicator", 14, 28, "named in a cuckooing report {times}", "linked to a home taken over for drug dealing "
        "(cuckooing)", False,
              "Runners work from cuckooed homes; being named there is a strong sign."),
    Indicator("cuckooing_victim", "indicator", 14, 14, "their home was reported as cuckooed", "their home was taken over for drug dealing (cuckooing)", False,
              "A cuckooed resident is an exploited vulnerable adult."),
    Indicator("cuckooed_address", "indicator", 10, 20, "frequents {n} address(es) reported as "
        "cuckooed", "spends time at a home taken over for drug dealing", False,
              "Links to cuckooed addresses are a named indicator."),
    Indicator("exclusion_permanent", "indicator", 12, 12, "permanently excluded from school", "permanently excluded from school", False,
              "Exclusion is a named indicator; permanent exclusion (often for a weapon) most of all."),
    Indicator("exclusion", "indicator", 7, 14, "excluded from school {times}, latest {latest}", "excluded from school {times}", False,
              "Fixed-term exclusions: a named indicator, though many excluded children are not exploited."),
    Indicator("absence", "indicator", 7, 14, "persistently absent from school without good reason {times}", "persistently absent from school {times}", False,
              "Unauthorised absence: children run lines in school hours."),
    Indicator("absence_illness", "indicator", 1, 2, "absent from school through illness", "absent from school through illness", False,
              "Authorised absence for illness: recorded, hardly a sign."),
    Indicator("ae_injury", "indicator", 10, 20, "attended A&E with a stab wound, assault or unexplained injury {times}",
              "attended A&E with an injury of concern {times}", False,
              "Unexplained injuries and violence are named indicators; sports injuries, falls and illness are not counted."),
    Indicator("concern_exploitation", "indicator", 12, 12, "a partner referred them for exploitation "
        "concerns", "a partner has raised concerns of exploitation", False,
              "A professional has already seen signs: weighed like one strong indicator, never the whole score."),
    Indicator("nrm_referral", "indicator", 12, 12, "referred to the National Referral Mechanism", "referred to the National Referral Mechanism", False,
              "A first responder judged them a potential victim."),
    Indicator("intelligence", "indicator", 8, 16, "named in police intelligence {times}", POLICE_GENERIC, True,
              "Graded intelligence naming the young person; its text and grading stay with the police."),
    Indicator("group_association", "indicator", 10, 20, "linked to {n} member(s) of a criminal group", "associates with people involved in drug supply", False,
              "Relationships with controlling older people and group members are a named indicator."),
    Indicator("ace_domestic_abuse", "ace", 4, 6, "domestic abuse at home or in the family {times}", "domestic abuse at home", False,
              "An ACE: raises risk, never decides it (ACE points together are capped)."),
    Indicator("ace_parent_custody", "ace", 4, 4, "a parent or relative remanded or in custody", "a parent in custody", False,
              "An ACE: parental imprisonment."),
    Indicator("ace_parental_substance", "ace", 4, 4, "parental substance misuse", "parental substance misuse", False,
              "An ACE: parental substance misuse."),
    Indicator("ace_neglect", "ace", 4, 4, "neglect referral", "neglect concerns", False, "An ACE: neglect."),
    Indicator("ace_care", "ace", 6, 6, "in or leaving care", "in or leaving care", False,
              "Being in or leaving care is a named indicator and an ACE."),
    Indicator("age_peak", "age", 4, 4, "aged {age} (most exploited children are 14 to 17)", "aged 14 to 17", False,
              "Age is allowed as an input: 14 to 17 is the peak age of exploitation."),
    Indicator("age_young", "age", 2, 2, "aged {age}", "young", False, "Younger teenagers and young adults: a little."),
)
BY_CODE = {i.code: i for i in INDICATORS}


def indicator_table() -> pl.DataFrame:
    return pl.DataFrame([
        {"indicator": i.code, "group": i.group, "per_record": float(i.points), "cap": float(i.cap), "words": i.words,
         "partner_words": i.partner_words, "police_only": i.police_only}
        for i in INDICATORS
    ])


def weigh(evidence: pl.DataFrame, rs: RiskSettings, as_of: datetime | None = None) -> pl.DataFrame:
    """Evidence rows with ``weight`` (recency) and ``points`` (after caps), as of ``as_of`` or each row's ``as_of``.

    A row dated after the as-of moment does not count yet. An undated row
    (age, an undated link) counts in full.
    """
    ev = evidence if as_of is None else evidence.with_columns(pl.lit(as_of).alias("as_of"))
    keys = ["nominal_id", "as_of"]
    age_days = (pl.col("as_of") - pl.col("occurred_at")).dt.total_seconds() / 86400.0
    ev = ev.filter(pl.col("occurred_at").is_null() | (pl.col("occurred_at") <= pl.col("as_of")))
    ev = ev.join(indicator_table().select("indicator", "group", "per_record", "cap"), on="indicator", how="inner")
    ev = ev.with_columns(
        pl.when(pl.col("occurred_at").is_null()).then(1.0).otherwise(0.5 ** (age_days.clip(lower_bound=0) / rs.half_life_days)).alias("weight")
    ).with_columns((pl.col("per_record") * pl.col("weight")).alias("raw"))
    per_ind = pl.col("raw").sum().over([*keys, "indicator"])
    capped = pl.min_horizontal(per_ind, pl.col("cap"))
    ev = ev.with_columns((pl.col("raw") * capped / per_ind).alias("points"))
    ace_total = pl.col("points").filter(pl.col("group") == "ace").sum().over(keys)
    ace_factor = pl.when(ace_total > rs.ace_cap).then(rs.ace_cap / ace_total).otherwise(1.0)
    ev = ev.with_columns(pl.when(pl.col("group") == "ace").then(pl.col("points") * ace_factor).otherwise(pl.col("points")).alias("points"))
    return ev.drop("per_record", "cap", "raw")


def to_score(points: pl.Expr, rs: RiskSettings) -> pl.Expr:
    return (100.0 * points / (points + rs.score_half_points)).round(1)


def score(weighed: pl.DataFrame, rs: RiskSettings) -> pl.DataFrame:
    """One row per (nominal, as_of): points, score, and reasons for analysts and for partners."""
    per = (
        weighed.group_by("nominal_id", "as_of", "indicator")
        .agg(
            pl.col("points").sum(),
            pl.len().alias("n"),
            pl.col("occurred_at").max().alias("latest"),
            pl.col("detail").first().alias("first_detail"),
        )
        .join(indicator_table().select("indicator", "words", "partner_words", "police_only"), on="indicator")
        .with_columns(
            _fill(pl.col("words")).alias("reason"),
            _fill(pl.col("partner_words")).alias("partner_reason"),
        )
        # reasons in the order of the points shown (rounded), ties by indicator: parallel sums differ in the last digit
        .sort([pl.col("nominal_id"), pl.col("as_of"), pl.col("points").round(0), pl.col("indicator")], descending=[False, False, True, False])
    )
    reason = pl.format("{} ({} points)", pl.col("reason"), pl.col("points").round(0).cast(pl.Int64))
    return (
        per.filter(pl.col("points") > 0.05)
        .group_by("nominal_id", "as_of", maintain_order=True)
        .agg(
            pl.col("points").sum().round(2).alias("points"),
            reason.str.join("; ").alias("reasons"),
            pl.col("partner_reason").unique(maintain_order=True).str.join("; ").alias("partner_reasons"),
            pl.col("indicator").str.join(";").alias("indicators"),
        )
        .with_columns(to_score(pl.col("points"), rs).alias("score"))
    )


def points_only(weighed: pl.DataFrame, rs: RiskSettings) -> pl.DataFrame:
    """(nominal_id, as_of, points, score) without the reasons: for scoring many (person, date) pairs at once."""
    return weighed.group_by("nominal_id", "as_of").agg(pl.col("points").sum()).with_columns(to_score(pl.col("points"), rs).alias("score"))


def _fill(template: pl.Expr) -> pl.Expr:
    times = (
        pl.when(pl.col("n") == 1).then(pl.lit("once"))
        .when(pl.col("n") == 2).then(pl.lit("twice"))
        .otherwise(pl.format("{} times", pl.col("n")))
    )
    latest = pl.col("latest").dt.strftime("%-d %b %Y").fill_null("unknown")
    age = pl.col("first_detail").str.extract(r"aged (\d+)", 1).fill_null("")
    return (
        template.str.replace_all("{times}", times, literal=True)
        .str.replace_all("{n}", pl.col("n").cast(pl.String), literal=True)
        .str.replace_all("{latest}", latest, literal=True)
        .str.replace_all("{age}", age, literal=True)
        .str.replace_all(";", ",", literal=True)  # reasons are ;-separated in risk.csv
    )


def indicator_markdown() -> str:
    """The points table as docs/risk.md shows it (a test keeps the page and this table the same)."""
    lines = [
        "| indicator | kind | points per record | at most | what partners see | why |",
        "| --- | --- | ---: | ---: | --- | --- |",
    ]
    for i in INDICATORS:
        partner = "police information of concern (generic)" if i.police_only else i.partner_words.replace(" {times}", "")
        lines.append(f"| `{i.code}` | {i.group} | {i.points:g} | {i.cap:g} | {partner} | {i.why} |")
    return "\n".join(lines)
