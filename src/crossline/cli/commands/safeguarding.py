"""Commands for exploitation risk, referrals, NRM and what works: thin, each calls crossline.service.safeguarding."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crossline.cli.common import DEFAULT, WorkspaceOpt, call, console, esc, plain, print_json
from crossline.cli.output import Col, FormatOpt, as_json, check_format, emit

app = typer.Typer()
risk_app = typer.Typer(help="Young people at risk of exploitation: scores with reasons, groups, places, alerts.", no_args_is_help=True)
refer_app = typer.Typer(help="Referrals to partners: make, accept or decline, interventions, outcomes.", no_args_is_help=True)
nrm_app = typer.Typer(help="National Referral Mechanism: referrals and grounds decisions.", no_args_is_help=True)
app.add_typer(risk_app, name="risk")
app.add_typer(refer_app, name="refer")
app.add_typer(nrm_app, name="nrm")


# --- risk -----------------------------------------------------------------------------------------


def _top(reasons: str | None, n: int = 3) -> str:
    """The first ``n`` reasons (the strongest), for a one-line list; ``risk show`` gives them all."""
    parts = [r for r in (reasons or "").split("; ") if r]
    return "; ".join(parts[:n]) + (f" (+{len(parts) - n} more)" if len(parts) > n else "")


def _who(name: str | None, age: object, area: str | None) -> str:
    return ", ".join(str(p) for p in (name or "(no name)", age, area) if p not in (None, ""))


@risk_app.command("list")
def risk_list(
    band: Annotated[str | None, typer.Option(help="Only this band and above: low, medium, high, very_high.")] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 30,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """The young people at highest risk: who (never cut), score, band and the strongest reasons on one line (an audited read)."""
    from crossline.service.safeguarding import risk_list as get

    check_format(format_)
    rows = call(workspace, get, band, limit)
    if format_ != "table":
        emit(rows, [], format_)
        return
    shown = [{"nominal_id": r["nominal_id"], "score": f"{r['score']:.1f}", "band": r["band"].replace("_", " "),
              "who": _who(r.get("name"), r.get("age"), r.get("area")), "reasons": _top(r["reasons"])} for r in rows]
    emit(shown, [Col("nominal_id", "nominal", whole=True), Col("score", "score", whole=True, right=True), Col("band", "band", keep=8),
                 Col("who", "who", keep=9), Col("reasons", "strongest reasons", keep=7, cut=True)],
         format_, title=f"{len(rows)} young people, highest risk first")
    if rows:
        console.print("Next: [bold]crossline risk show NOMINAL[/] for every reason and the records behind it (a unique start of the id will do).")


@risk_app.command("show")
def risk_show(
    nominal_id: Annotated[str, typer.Argument(help="A nominal id from `crossline risk list`, or a unique start of one.")],
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """One young person: who, score, every reason, the records behind them, referrals, NRM and flags (analysts)."""
    from crossline.service.safeguarding import risk_detail

    check_format(format_)
    d = call(workspace, risk_detail, nominal_id)
    if as_json(format_, d):
        return
    r, w = d["risk"], d["who"]
    console.print(f"[bold]{esc(_who(w['name'], w['age'], w['area']))}[/]  ({esc(d['nominal_id'])}"
                  + (f", born {esc(w['date_of_birth'])}" if w.get("date_of_birth") else "") + ")")
    console.print(f"Score {r['score']:.1f} ({esc(r['band'].replace('_', ' '))}), as of {esc(r['as_of'])}; "
                  f"contact with deal lines: {esc(r['line_contact'])}")
    for flag in d["flags"]:
        console.print(f"[red]SAFEGUARDING[/] {esc(flag['reason'])}")
    console.rule("Reasons, strongest first")
    for reason in (r["reasons"] or "").split("; "):
        if reason:
            console.print(f"  - {esc(reason)}")
    emit([{**e, "points": f"{e['points']:.1f}", "when": str(e["occurred_at"] or "")[:10]} for e in d["evidence"]],
         [Col("indicator", "indicator", keep=6), Col("points", "points", keep=5, right=True), Col("when", "when", keep=4),
          Col("source", "source", keep=7), Col("record_id", "record", whole=True), Col("detail", "what it shows", keep=3)],
         "table", title="Records behind the reasons")
    for key in ("referrals", "interventions", "nrm"):
        if d[key]:
            console.print(f"{esc(key)}: " + ", ".join(esc(x.get("referral_id") or x.get("intervention_id") or x.get("nrm_id")) for x in d[key]))


def _section(title: str, pairs: list[tuple[str, object]]) -> None:
    """A heading and ``label: value`` lines (values that are empty are left out)."""
    console.rule(esc(title), align="left")
    for label, value in pairs:
        if value not in (None, "", [], {}):
            console.print(f"  [bold]{esc(label)}[/]: {esc(value)}")


@risk_app.command("partner-view")
def partner_view(
    nominal_id: Annotated[str, typer.Argument(help="A nominal id.")],
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Exactly what a partner sees: who, at risk and why in plain words, referrals; never the intelligence."""
    from crossline.service.safeguarding import partner_view as view

    check_format(format_)
    d = call(workspace, view, nominal_id)
    if as_json(format_, d):
        return
    names = sorted({" ".join(p for p in (k.get("given_name"), k.get("family_name")) if p) for k in d["known_as"]} - {""})
    dobs = sorted({k["date_of_birth"] for k in d["known_as"] if k.get("date_of_birth")})
    console.print(f"[bold]{esc(names[0] if names else '(no name on your agency' + chr(39) + 's records)')}[/]  ({esc(d['nominal_id'])})")
    _section("Who", [("also recorded as", ", ".join(names[1:])), ("date of birth", ", ".join(dobs))])
    risk = d["risk"]
    if risk is None:
        _section("Risk", [("scored", "not scored in the current picture")])
    else:
        _section("Risk", [("at risk", "yes" if risk["at_risk"] else "no"), ("band", risk["band"].replace("_", " ")), ("as of", risk["as_of"])])
        for reason in risk["reasons"]:
            console.print(f"    - {esc(reason)}")
        for c in risk.get("conditional") or []:
            console.print(f"    - {esc(c['reason'])} (from {esc(c['agency'])}; conditions: {esc(c['conditions'])})")
    for flag in d["flags"]:
        console.print(f"[red]SAFEGUARDING[/] {esc(flag['reason'])}")
    for title, key, fields in (("Referrals", "referrals", ("referral_id", "to_agency", "service", "status", "made_at", "reason")),
                               ("Interventions", "interventions", ("intervention_id", "programme", "provider_agency", "started_at", "ended_at")),
                               ("NRM", "nrm", ("nrm_id", "referred_at", "reasonable_grounds", "conclusive_grounds"))):
        if d[key]:
            console.rule(title, align="left")
            for item in d[key]:
                console.print("  " + "; ".join(esc(f"{f.replace('_', ' ')} {item[f]}") for f in fields if item.get(f)))
    if d["alerts"]:
        console.rule("Alerts", align="left")
        for a in d["alerts"]:
            console.print(f"  {esc(a['alert_id'])} {esc(a['status'])}: {esc(a['message'])}")


@risk_app.command("record")
def record(
    source: Annotated[str, typer.Argument(help="Agency id that holds the record.")],
    record_id: Annotated[str, typer.Argument(help="The record's id in that agency.")],
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Open a person record with the safeguarding context of the young person it belongs to."""
    from crossline.service.safeguarding import record_context

    d = call(workspace, record_context, source, record_id)
    for flag in d["safeguarding"]["flags"]:
        console.print(f"[red bold]SAFEGUARDING[/] {esc(flag['reason'])}")
    print_json(d)


@risk_app.command("groups")
def groups(limit: Annotated[int, typer.Option(help="How many groups.")] = 10, format_: FormatOpt = "table",
           workspace: WorkspaceOpt = DEFAULT) -> None:
    """Peer groups ranked by the risk concentrated in them, with members and what links them."""
    from crossline.service.safeguarding import peer_groups

    check_format(format_)
    rows = call(workspace, peer_groups, limit)
    emit(rows if format_ != "table" else [{**r, "group_risk": f"{r['group_risk']:.2f}", "score": f"{r['score']:.1f}"} for r in rows],
         [Col("rank", "rank", whole=True, right=True), Col("group_id", "group", whole=True), Col("group_size", "size", keep=6, right=True),
          Col("high_members", "high", keep=5, right=True), Col("group_risk", "group risk", keep=4, right=True),
          Col("nominal_id", "member", whole=True), Col("score", "score", keep=7, right=True), Col("band", "band", keep=3),
          Col("links", "links", keep=2)], format_, title="Peer groups")


@risk_app.command("places")
def places(limit: Annotated[int, typer.Option(help="How many places.")] = 15, format_: FormatOpt = "table",
           workspace: WorkspaceOpt = DEFAULT) -> None:
    """Schools, postcode sectors, stations and cuckooed addresses ranked by the risk concentrated there."""
    from crossline.service.safeguarding import places as get

    check_format(format_)
    rows = call(workspace, get, limit)
    emit(rows if format_ != "table" else [{**r, "kind": r["kind"].replace("_", " "), "risk_concentration": f"{r['risk_concentration']:.2f}"}
                                          for r in rows],
         [Col("rank", "rank", whole=True, right=True), Col("kind", "kind", keep=6), Col("place", "place", keep=9),
          Col("members", "members", keep=5, right=True), Col("at_risk", "at risk", keep=8, right=True), Col("high", "high", keep=4, right=True),
          Col("risk_concentration", "concentration", keep=3, right=True), Col("reasons", "commonest reasons", keep=2, cut=True)],
         format_, title="Places")


@risk_app.command("alerts")
def alerts(
    all_: Annotated[bool, typer.Option("--all", help="Include acknowledged alerts.")] = False,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Safeguarding alerts: young people newly at high risk, or rising, and the agencies they are for."""
    from crossline.cli.commands.alerts import show

    show(workspace, "safeguarding_risk", all_, None, format_)


@risk_app.command("ack")
def ack(alert_id: Annotated[int, typer.Argument(help="Alert number.")], workspace: WorkspaceOpt = DEFAULT) -> None:
    """Acknowledge a safeguarding alert."""
    from crossline.cli.commands.alerts import show

    show(workspace, "safeguarding_risk", False, alert_id)


@risk_app.command("fairness")
def fairness(
    truth: Annotated[Path, typer.Option(help="A simulator truth/ folder (young_people.csv, person_records.csv).")],
    band: Annotated[str, typer.Option(help="Flagged at this band or above.")] = "high",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """False positive and false negative rates by sex and age group, against known outcomes (simulated truth)."""
    from crossline.errors import InvalidInput
    from crossline.evaluate.fairness import report, to_markdown
    from crossline.service.safeguarding import scores_against_truth
    from crossline.stages.risk.bands import BANDS

    if band not in BANDS:  # before the truth is read
        raise InvalidInput(f"unknown band {band!r}; the bands are {', '.join(BANDS)}")
    frame = call(workspace, scores_against_truth, truth)
    console.print(plain(to_markdown(report(frame, band), band)))


# --- referrals --------------------------------------------------------------------------------------


@refer_app.command("make")
def refer_make(
    nominal_id: Annotated[str, typer.Argument(help="The young person (nominal id).")],
    to: Annotated[str, typer.Option("--to", help="Agency id referred to.")],
    service: Annotated[str, typer.Option(help="childrens_services, mash, school, youth_service or charity.")],
    reason: Annotated[str, typer.Option(help="Why this partner, why now (plain words).")],
    programme: Annotated[str | None, typer.Option(help="mentoring, sport, education or family_support.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Refer a young person to a partner who can act."""
    from crossline.service.safeguarding import make_referral

    r = call(workspace, make_referral, nominal_id, to, service, reason, programme)
    console.print(f"Referral [bold]{esc(r['referral_id'])}[/] made to {esc(r['to_agency'])} ({esc(r['service'])}); waiting for them to accept or decline.")


def _decide(referral_id: str, accept: bool, reason: str, workspace: Path) -> None:
    from crossline.service.safeguarding import decide_referral

    r = call(workspace, decide_referral, referral_id, accept, reason)
    console.print(f"Referral {esc(referral_id)} {esc(r['status'])}.")


@refer_app.command("accept")
def refer_accept(referral_id: str, reason: Annotated[str, typer.Option(help="Why.")], workspace: WorkspaceOpt = DEFAULT) -> None:
    """Accept a referral (the receiving agency), with a reason."""
    _decide(referral_id, True, reason, workspace)


@refer_app.command("decline")
def refer_decline(referral_id: str, reason: Annotated[str, typer.Option(help="Why.")], workspace: WorkspaceOpt = DEFAULT) -> None:
    """Decline a referral (the receiving agency), with a reason."""
    _decide(referral_id, False, reason, workspace)


@refer_app.command("close")
def refer_close(referral_id: str, reason: Annotated[str, typer.Option(help="Why.")], workspace: WorkspaceOpt = DEFAULT) -> None:
    """Close a referral."""
    from crossline.service.safeguarding import close_referral

    call(workspace, close_referral, referral_id, reason)
    console.print(f"Referral {esc(referral_id)} closed.")


@refer_app.command("show")
def refer_show(referral_id: str, format_: FormatOpt = "table", workspace: WorkspaceOpt = DEFAULT) -> None:
    """A referral and its history."""
    from crossline.service.safeguarding import referral

    check_format(format_)
    r = call(workspace, referral, referral_id)
    if as_json(format_, r):
        return
    _section(f"Referral {r['referral_id']}", [
        ("young person", f"{r.get('who')} ({r.get('nominal_id')})"), ("to", r.get("to_agency")), ("service", r.get("service")),
        ("programme", r.get("programme")), ("status", r.get("status")), ("reason", r.get("reason")),
        ("decision", r.get("decision_reason")), ("made", f"{r.get('made_at')} by {r.get('made_by')} ({r.get('made_by_agency')})"),
    ])
    console.rule("History", align="left")
    for h in r.get("history") or []:
        console.print("  " + esc("  ".join(str(h.get(k) or "") for k in ("at", "status", "user", "agency", "reason") if k in h)))


@refer_app.command("list")
def refer_list(
    nominal: Annotated[str | None, typer.Option(help="Only this young person's (a nominal id, or a unique start of one).")] = None,
    status: Annotated[str | None, typer.Option(help="made, accepted, declined or closed.")] = None,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Referrals, oldest first."""
    from crossline.service.safeguarding import list_referrals

    check_format(format_)
    rows = call(workspace, list_referrals, nominal, status)
    emit([{**r, "made": r["made_at"][:10]} for r in rows] if format_ == "table" else rows,
         [Col("referral_id", "referral", whole=True), Col("nominal_id", "nominal", whole=True), Col("who", "who", keep=8),
          Col("to_agency", "to", keep=7, ids=True),
          Col("service", "service", keep=4), Col("programme", "programme", keep=2), Col("status", "status", keep=8),
          Col("made", "made", keep=5), Col("reason", "reason", keep=3, cut=True)], format_, title=f"{len(rows)} referral(s)")


@refer_app.command("start")
def refer_start(
    referral_id: str,
    date: Annotated[str, typer.Option(help="Start date, YYYY-MM-DD.")],
    programme: Annotated[str | None, typer.Option(help="Programme, if not the referral's.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Start an intervention on an accepted referral."""
    from crossline.service.safeguarding import start_intervention

    iv = call(workspace, start_intervention, referral_id, date, programme)
    console.print(f"Intervention [bold]{esc(iv['intervention_id'])}[/] ({esc(iv['programme'])}) started {esc(iv['started_at'])}.")


@refer_app.command("end")
def refer_end(
    intervention_id: str,
    date: Annotated[str, typer.Option(help="End date, YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option(help="completed, disengaged, moved away, ...")],
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """End an intervention."""
    from crossline.service.safeguarding import end_intervention

    call(workspace, end_intervention, intervention_id, date, reason)
    console.print(f"Intervention {esc(intervention_id)} ended {esc(date)}.")


@refer_app.command("outcome")
def refer_outcome(
    nominal_id: str,
    measure: Annotated[str, typer.Option(help="missing_episodes, arrests, exclusions, risk_score, engagement or other.")],
    date: Annotated[str, typer.Option(help="The date the outcome describes, YYYY-MM-DD.")],
    value: Annotated[float | None, typer.Option(help="A count or score, where there is one.")] = None,
    note: Annotated[str, typer.Option(help="Plain words.")] = "",
    intervention: Annotated[str | None, typer.Option(help="The intervention it follows.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Record an outcome for a young person."""
    from crossline.service.safeguarding import record_outcome

    oid = call(workspace, record_outcome, nominal_id, measure, date, value, note, intervention)
    console.print(f"Outcome {esc(oid)} recorded.")


# --- NRM ------------------------------------------------------------------------------------------------


@nrm_app.command("record")
def nrm_record(
    nominal_id: str,
    summary: Annotated[str, typer.Option(help="Why the young person is a potential victim.")],
    date: Annotated[str, typer.Option(help="Date of referral, YYYY-MM-DD.")],
    exploitation: Annotated[str, typer.Option(help="criminal, sexual, labour, domestic_servitude or other.")] = "criminal",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Record a first responder's NRM referral (a suspect in an event is flagged dual status)."""
    from crossline.service.safeguarding import record_nrm

    r = call(workspace, record_nrm, nominal_id, summary, date, exploitation)
    console.print(f"NRM referral [bold]{esc(r['nrm_id'])}[/] recorded; reasonable grounds pending.")
    if r.get("dual_status_flagged"):  # told only to police and national standing
        console.print("[red]Also a suspect in an event: flagged so every officer opening the record sees the safeguarding context.[/]")


@nrm_app.command("decide")
def nrm_decide(
    nrm_id: str,
    stage: Annotated[str, typer.Option(help="reasonable or conclusive.")],
    decision: Annotated[str, typer.Option(help="positive or negative.")],
    date: Annotated[str, typer.Option(help="Decision date, YYYY-MM-DD.")],
    note: Annotated[str, typer.Option(help="Plain words.")] = "",
    reconsider: Annotated[bool, typer.Option(help="A reconsideration of a decision already recorded.")] = False,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Record a reasonable or conclusive grounds decision."""
    from crossline.service.safeguarding import record_nrm_decision

    r = call(workspace, record_nrm_decision, nrm_id, stage, decision, date, note, reconsider)
    console.print(f"{esc(nrm_id)}: reasonable grounds {esc(r['reasonable_grounds'])}, conclusive grounds {esc(r['conclusive_grounds'])}.")


@nrm_app.command("show")
def nrm_show(nominal_id: str, format_: FormatOpt = "table", workspace: WorkspaceOpt = DEFAULT) -> None:
    """A young person's NRM referrals and decisions."""
    from crossline.service.safeguarding import nrm_for

    check_format(format_)
    rows = call(workspace, nrm_for, nominal_id)
    if as_json(format_, rows):
        return
    if not rows:
        console.print(f"No NRM referrals for {esc(nominal_id)}.")
    for r in rows:
        _section(f"NRM referral {r['nrm_id']}", [
            ("young person", r.get("nominal_id")), ("referred by", r.get("agency")), ("referred on", r.get("referred_at")),
            ("exploitation", r.get("exploitation")), ("summary", r.get("summary")),
            ("reasonable grounds", " ".join(str(x) for x in (r.get("reasonable_grounds"), r.get("reasonable_grounds_at")) if x)),
            ("conclusive grounds", " ".join(str(x) for x in (r.get("conclusive_grounds"), r.get("conclusive_grounds_at")) if x)),
        ])
        for dec in r.get("decisions") or []:
            console.print("    - " + esc("; ".join(f"{k.replace('_', ' ')} {v}" for k, v in dec.items() if v not in (None, ""))))


# --- what works -------------------------------------------------------------------------------------------


@app.command("what-works")
def what_works(
    out: Annotated[Path | None, typer.Option(help="File (or folder, for html) to write. Default: what-works.html for html; "
                                             "the terminal for csv and json.")] = None,
    format_: Annotated[str, typer.Option("--format", help="html (the report, charts embedded), csv or json (the what_works table).")] = "html",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Each programme against matched young people who did not take part: the commissioner's report, or its table as CSV or JSON."""
    from crossline.service.what_works import what_works as run

    path, text = call(workspace, run, format_, out)
    if path is None:
        typer.echo(text, nl=False)
    else:
        console.print(f"{'Report' if format_ == 'html' else 'Table'} written to [bold]{esc(path)}[/]")
