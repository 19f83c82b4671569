"""The what-works results as one table: the ``what_works`` export (DATA-CONTRACT section 3) and ``crossline what-works --format``.

One row per programme, outcome and horizon. The first ten columns are the
contract's; the rest were added after them and may only grow. A programme
refused as a whole gives a refused row for every outcome and horizon, and a
known programme nobody started gives refused rows too: a reader of the file
learns what was not estimated, and why, rather than finding nothing.
"""

from __future__ import annotations

import polars as pl

from crossline.evaluate.costs import cost_per_harm_avoided
from crossline.evaluate.effects import HORIZONS, OUTCOMES, PROGRAMME_NAMES, RECORDED, Estimate, ProgrammeResult, WhatWorks
from crossline.evaluate.fragility import e_value, e_value_limit, in_words

CONTRACT_COLUMNS = ("programme", "outcome", "horizon_months", "participants", "matched", "estimate", "ci_low", "ci_high", "status", "reason")
SCHEMA: dict[str, pl.DataType] = {
    "programme": pl.String(), "outcome": pl.String(), "horizon_months": pl.Int64(), "participants": pl.Int64(), "matched": pl.Int64(),
    "estimate": pl.Float64(), "ci_low": pl.Float64(), "ci_high": pl.Float64(), "status": pl.String(), "reason": pl.String(),
    "outcome_source": pl.String(), "method": pl.String(), "e_value": pl.Float64(), "e_value_ci": pl.Float64(), "fragility": pl.String(),
    "harm_avoided_per_participant": pl.Float64(), "harm_avoided_low": pl.Float64(), "harm_avoided_high": pl.Float64(),
    "cost_per_participant": pl.Float64(), "cost_per_harm_avoided": pl.Float64(), "cost_low": pl.Float64(), "cost_high": pl.Float64(),
    "cost_status": pl.String(), "ratio_of_means": pl.Float64(), "ratio_of_means_low": pl.Float64(), "ratio_of_means_high": pl.Float64(),
    "verdict": pl.String(),
}
MONTHS = {"3 months": 3, "6 months": 6, "12 months": 12, "to the end of the data": None}
EXPORTED_NAMES = {"harm_indicators": "all_harm"}  # the contract's name for all harm indicators together
KNOWN_PROGRAMMES = ("mentoring", "sport", "education", "family_support")


def outcome_name(outcome: str) -> str:
    return EXPORTED_NAMES.get(outcome, outcome)


def verdict(ratio: float | None, low: float | None, high: float | None) -> str:
    """The estimate in words, from its interval only (the point alone never decides)."""
    if ratio is None or low is None or high is None:
        return "no estimate"
    if high < 1.0:
        return f"fewer harm events than matched young people (about {100 * (1 - ratio):.0f}% fewer)"
    if low > 1.0:
        return f"more harm events than matched young people (about {100 * (ratio - 1):.0f}% more)"
    return "no clear effect: the interval includes no effect"


def what_works_table(results: WhatWorks) -> pl.DataFrame:
    rows: list[dict[str, object]] = []
    outcomes = [(o, "events") for o, _, _ in OUTCOMES] + [(f"recorded_{m}", "partner_recorded") for m, _ in RECORDED]
    seen = set()
    for p in results.programmes:
        seen.add(p.programme)
        for outcome, source in outcomes:
            for horizon, _ in HORIZONS:
                e = p.estimate(outcome, horizon)
                if p.status != "estimated":
                    rows.append(_refused(p.programme, outcome, source, horizon, p.participants, p.matched, p.reason))
                elif e is None:
                    if source == "events":
                        rows.append(_refused(p.programme, outcome, source, horizon, p.participants, p.matched, "not estimated", "not_assessable"))
                    # partner-recorded rows exist only when the records hold outcomes at all (else they would be noise)
                else:
                    rows.append(_row(p, e, results))
    for programme in KNOWN_PROGRAMMES:
        if programme not in seen:
            reason = f"no young person in the cohort started {PROGRAMME_NAMES.get(programme, programme)} before the data end"
            for outcome, source in outcomes[:len(OUTCOMES)]:
                for horizon, _ in HORIZONS:
                    rows.append(_refused(programme, outcome, source, horizon, 0, 0, reason))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)


def _base(programme: str, outcome: str, source: str, horizon: str, participants: int, matched: int, status: str, reason: str) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(SCHEMA)
    row.update(programme=programme, outcome=outcome_name(outcome), horizon_months=MONTHS[horizon], participants=participants, matched=matched,
               status=status, reason=reason, outcome_source=source)
    return row


def _refused(programme: str, outcome: str, source: str, horizon: str, participants: int, matched: int, reason: str,
             status: str = "refused") -> dict[str, object]:
    row = _base(programme, outcome, source, horizon, participants, matched, status, reason)
    row["verdict"] = "no estimate"
    return row


def _row(p: ProgrammeResult, e: Estimate, results: WhatWorks) -> dict[str, object]:
    head = e.headline()
    if e.status != "estimated" or head is None:
        row = _refused(p.programme, e.outcome, e.source, e.horizon, p.participants, e.n_treated, e.reason or e.status, "not_assessable")
        return row
    method, ratio, low, high = head
    row = _base(p.programme, e.outcome, e.source, e.horizon, p.participants, e.n_treated, "estimated", "")
    row.update(estimate=ratio, ci_low=low, ci_high=high, method=method, ratio_of_means=e.ratio, ratio_of_means_low=e.ratio_low,
               ratio_of_means_high=e.ratio_high, verdict=verdict(ratio, low, high))
    if ratio > 0:
        row["e_value"] = round(e_value(ratio), 3)
        limit = e_value_limit(ratio, low, high)
        row["e_value_ci"] = None if limit is None else round(limit, 3)
        row["fragility"] = in_words(ratio, e_value(ratio), limit)
    if method == "doubly_robust":
        row.update(harm_avoided_per_participant=e.avoided, harm_avoided_low=e.avoided_low, harm_avoided_high=e.avoided_high)
        avoided, a_low, a_high = e.avoided, e.avoided_low, e.avoided_high
    else:
        avoided, a_low, a_high = (-e.difference if e.difference is not None else None, -e.diff_high if e.diff_high is not None else None,
                                  -e.diff_low if e.diff_low is not None else None)
        row.update(harm_avoided_per_participant=avoided, harm_avoided_low=a_low, harm_avoided_high=a_high)
    cost = results.costs.cost_of(p.programme)
    c = cost_per_harm_avoided(cost, avoided, a_low, a_high)
    row.update(cost_per_participant=cost, cost_per_harm_avoided=c.cost, cost_low=c.low, cost_high=c.high,
               cost_status=c.status if not c.reason else f"{c.status}: {c.reason}")
    return row


def _money(x: float) -> str:
    return f"£{x:,.0f}"


def summary(results: WhatWorks, outcome: str = "harm_indicators", horizon: str = "to the end of the data") -> list[dict[str, str]]:
    """The commissioner's one-page table: per programme, the effect on all harm with its interval, how fragile it is,
    the cost per harm event avoided, and a verdict in words (from the export's own rows, so the two never disagree)."""
    table = what_works_table(results).filter(
        (pl.col("outcome") == outcome_name(outcome)) & (pl.col("horizon_months").is_null() if MONTHS[horizon] is None
                                                       else pl.col("horizon_months") == MONTHS[horizon])
    )
    out = []
    for r in table.iter_rows(named=True):
        name = PROGRAMME_NAMES.get(r["programme"], r["programme"])
        if r["status"] != "estimated":
            out.append({"programme": name, "participants": str(r["participants"]), "effect": "-", "fragility": "-", "cost": "-",
                        "verdict": f"not estimated: {r['reason']}"})
            continue
        est, low, high = r["estimate"], r["ci_low"], r["ci_high"]
        effect = f"{est:.2f} ({low:.2f} to {high:.2f})" if low is not None and high is not None else f"{est:.2f} (no interval)"
        fragility = f"E-value {r['e_value']:.2f}" + (f"; interval {r['e_value_ci']:.2f}" if r["e_value_ci"] is not None else "")
        if r["cost_per_harm_avoided"] is not None:
            cost = f"{_money(r['cost_per_harm_avoided'])} ({_money(r['cost_low'])} to {_money(r['cost_high'])})"
        elif r["cost_per_participant"] is None:
            cost = "no cost given"
        else:
            cost = "not estimable: the interval includes no effect"
        out.append({"programme": name, "participants": f"{r['participants']} ({r['matched']} matched)", "effect": effect,
                    "fragility": fragility, "fragility_words": r["fragility"] or "", "cost": cost, "verdict": r["verdict"],
                    "cost_value": "" if r["cost_per_harm_avoided"] is None else f"{r['cost_per_harm_avoided']:.2f}",
                    "cost_words": (f"it costs {_money(r['cost_per_harm_avoided'])} per harm event avoided "
                                   f"(95% interval {_money(r['cost_low'])} to {_money(r['cost_high'])})"
                                   if r["cost_per_harm_avoided"] is not None else f"cost per harm event avoided: {cost}")})
    return out


def what_to_fund(rows: list[dict[str, str]]) -> list[str]:
    """The summary table's decision in plain words, one sentence per kind of finding, for the top of the report.

    Read from the verdicts only (which follow the intervals): a programme is named as worth funding on this evidence
    only when its whole interval shows fewer harm events; among those, the lowest cost per harm event avoided
    comes first, and the E-value goes with it because a fragile benefit is a weaker case. Nothing here is a
    recommendation the figures cannot carry: no clear effect is said as such, never as "does not work".
    """
    helps = [r for r in rows if r["verdict"].startswith("fewer")]
    helps.sort(key=lambda r: (r["cost_value"] == "", float(r["cost_value"]) if r["cost_value"] else 0.0))  # cheapest first
    unclear = [r["programme"] for r in rows if r["verdict"].startswith("no clear effect")]
    harms = [r["programme"] for r in rows if r["verdict"].startswith("more")]
    not_judged = [r["programme"] for r in rows if r["verdict"].startswith("not estimated")]
    out = []
    for r in helps:
        out.append(f"Worth funding on this evidence: {r['programme']}. {r['verdict'][0].upper()}{r['verdict'][1:]}; {r['cost_words']}. "
                   f"How fragile: {r['fragility_words'] or r['fragility']}.")
    if harms:
        out.append(f"Review before funding more: {_names(harms)} (more harm events than matched young people; the records may not show "
                   "why they were referred).")
    if unclear:
        out.append(f"Not shown either way yet: {_names(unclear)} (the interval includes no effect: neither a benefit nor harm is shown; "
                   "more participants or a longer follow-up would tell).")
    if not_judged:
        out.append(f"Cannot be judged yet: {_names(not_judged)} (see the reason in the table).")
    if not helps:
        out.insert(0, "No programme shows fewer harm events on this evidence yet.")
    return out


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
