"""Commands for entity resolution: the review queue, decisions on pairs, "is this child known?".

Thin: each calls crossline.service.resolve as the workspace's local administrator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel

from crossline.cli.common import DEFAULT, WorkspaceOpt, call, console, esc, local, plain
from crossline.cli.output import Col, FormatOpt, check_format, emit
from crossline.errors import InvalidInput

app = typer.Typer()
review_app = typer.Typer(
    help="The review queue of borderline record pairs: list it (the default), decide a pair, list decisions.",
    invoke_without_command=True,
)
app.add_typer(review_app, name="review")

LimitOpt = Annotated[int, typer.Option("--limit", "-n", help="How many pairs to show.")]


@review_app.callback()
def review_default(
    ctx: typer.Context,
    limit: LimitOpt = 10,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """List the review queue (highest impact first) with each match explained; `decide` records a decision."""
    if ctx.invoked_subcommand is None:
        _show_queue(workspace, limit, 0)


@review_app.command("list")
def review_list(
    limit: LimitOpt = 10,
    offset: Annotated[int, typer.Option(help="Skip this many pairs first.")] = 0,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """List borderline pairs once per pair of nominals, highest impact first, each explained field by field (values as sent)."""
    _show_queue(workspace, limit, offset)


def _show_queue(workspace: Path, limit: int, offset: int) -> None:
    from crossline.service.resolve import review_queue

    items = call(workspace, review_queue, limit, offset)
    if not items:
        console.print("The review queue is empty: no borderline pairs are waiting for a decision.")
        return
    for item in items:
        state = "linked now, in one nominal" if item.linked else "apart now, in two nominals"
        title = plain(f"#{item.rank}  {item.source_a} {item.record_a}  /  {item.source_b} {item.record_b}")
        body = f"[bold]match probability {item.match_probability:.3f}[/], {state}\n" + "\n".join(esc(line) for line in item.explanation)
        nominals = f"nominal {item.nominal_a}" if item.nominal_a == item.nominal_b else f"nominals {item.nominal_a} and {item.nominal_b}"
        also = f" {item.also} other record pair(s) between them wait behind this one." if item.also else ""
        body += (f"\n[dim]A decision would {esc(item.would)} ({esc(nominals)}); expected record pairs changed: "
                 f"{item.impact:.2f} pairs.{esc(also)}[/]")
        console.print(Panel(body, title=title, title_align="left"))
    console.print(
        "Decide with [bold]crossline review decide RANK --same|--different --reason TEXT[/] "
        "(or give SOURCE_A RECORD_A SOURCE_B RECORD_B instead of RANK); the next build honours it."
    )


@review_app.command("decide")
def review_decide(
    pair: Annotated[list[str], typer.Argument(help="RANK from the queue, or SOURCE_A RECORD_A SOURCE_B RECORD_B.")],
    same: Annotated[bool, typer.Option("--same", help="The two records are one person.")] = False,
    different: Annotated[bool, typer.Option("--different", help="The two records are not the same person.")] = False,
    reason: Annotated[str, typer.Option(help="Why: kept with the decision and in the audit log.")] = "",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Record a decision on a pair (same person, or not); every later build honours it."""
    from crossline.service.resolve import queue_item, record_decision

    if same == different:
        raise InvalidInput("say --same or --different (one of them)")
    if not (len(pair) == 4 or len(pair) == 1 and pair[0].isdigit()):
        raise InvalidInput("give a queue RANK, or SOURCE_A RECORD_A SOURCE_B RECORD_B")
    with local(workspace) as (ws, actor):
        if len(pair) == 1:
            item = queue_item(ws, actor, int(pair[0]))
            keys = (item.source_a, item.record_a, item.source_b, item.record_b)
        else:
            keys = (pair[0], pair[1], pair[2], pair[3])
        new_id = record_decision(ws, actor, *keys, "same" if same else "different", reason)
    console.print(f"Decision {esc(new_id)} recorded: {esc(keys[0])} {esc(keys[1])} and {esc(keys[2])} {esc(keys[3])} are "
                  f"{esc('the same person' if same else 'not the same person')}. Run [bold]crossline build[/] to apply it.")


@review_app.command("decisions")
def review_decisions(
    all_: Annotated[bool, typer.Option("--all", help="Include decisions later ones replaced.")] = False,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """List the decisions recorded: who, when, which pair, what and why."""
    from crossline.service.resolve import decisions

    check_format(format_)
    rows = call(workspace, decisions, include_superseded=all_)
    shown = rows if format_ != "table" else [
        {**r, "a": f"{r['source_a']} {r['record_a']}", "b": f"{r['source_b']} {r['record_b']}",
         "what": r["decision"] + (" (replaced)" if r["superseded"] else "")} for r in rows]
    emit(shown, [Col("id", "id", whole=True, right=True), Col("decided_at", "decided at", keep=4), Col("user", "by", keep=5),
                 Col("a", "record a", whole=True), Col("b", "record b", whole=True), Col("what", "decision", keep=9),
                 Col("reason", "reason", keep=3, cut=True)], format_, title=f"{len(rows)} decision(s)")


@app.command("known")
def known(
    given_name: Annotated[str | None, typer.Option(help="Given name.")] = None,
    family_name: Annotated[str | None, typer.Option(help="Family name.")] = None,
    other_names: Annotated[str | None, typer.Option(help="Middle names.")] = None,
    alias: Annotated[list[str] | None, typer.Option(help="A street name or nickname (repeatable).")] = None,
    dob: Annotated[str | None, typer.Option(help="Date of birth: YYYY-MM-DD, YYYY-MM or YYYY (a year for an approximate age).")] = None,
    age: Annotated[int | None, typer.Option(help="Age in whole years today, when the referral gives no date of birth: "
                                            "both years of birth it allows are asked.")] = None,
    sex: Annotated[str | None, typer.Option(help="F, M, X or U.")] = None,
    address: Annotated[str | None, typer.Option(help="House and street.")] = None,
    town: Annotated[str | None, typer.Option(help="Town.")] = None,
    postcode: Annotated[str | None, typer.Option(help="Postcode.")] = None,
    phone: Annotated[list[str] | None, typer.Option(help="A phone number (repeatable).")] = None,
    pnc: Annotated[str | None, typer.Option(help="PNC id.")] = None,
    nhs: Annotated[str | None, typer.Option(help="NHS number.")] = None,
    upn: Annotated[str | None, typer.Option(help="Unique pupil number.")] = None,
    other_id: Annotated[list[str] | None, typer.Option(help="Another identifier as type:value (repeatable).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at least this many candidates (every one above the threshold is shown).")] = 3,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Is this child known? Match one record (e.g. from a new referral) against the picture, without a rebuild."""
    from crossline.service.resolve import KnownSummary, match_record

    record = {
        "given_name": given_name, "family_name": family_name, "other_names": other_names, "aliases": alias or None,
        "date_of_birth": dob, "sex": sex, "address": address, "town": town, "postcode": postcode,
        "phone": phone or None, "pnc_id": pnc, "nhs_number": nhs, "upn": upn, "other_ids": other_id or None,
    }
    if not any(v for v in record.values()):
        raise InvalidInput("give at least one field, e.g. --given-name and --family-name and --dob")
    result = call(workspace, match_record, record, limit, age)
    if not isinstance(result, KnownSummary) and result.born_in:
        console.print(f"Aged {esc(age)} today: born in {esc(result.born_in[0])} or {esc(result.born_in[1])}, both asked.")
    for doubt in result.doubts:
        console.print(f"[yellow]{esc(doubt[0].upper() + doubt[1:])}.[/]")
    if isinstance(result, KnownSummary):  # a partner's answer: no records, no reasons by field
        head = "[bold green]Known[/]" if result.known else ("[bold]Cannot tell or not known for certain[/]" if result.uncertain else "[bold]Not known[/]")
        console.print(f"{head}. {escape(result.what_to_do)}")
        return
    if result.excluded:  # said first, so "not known" is never read as "nobody alike"
        console.print(f"{esc(result.excluded)} person(s) alike left out: they cannot be this child (another "
                      "NHS number, PNC id or UPN; born ten or more years away; or an age their own records rule out).")
    if not result.candidates:
        if result.status == "cannot tell":
            console.print(f"[bold]{esc(result.advice[0].upper() + result.advice[1:])}[/] ({esc(result.compared)} record(s) compared).")
        else:
            console.print(f"[bold]Not known[/]: no record shares a name, date, phone, address or identifier with this one "
                          f"({esc(result.compared)} record(s) compared).")
        return
    best = result.candidates[0]
    if result.known:
        console.print(f"[bold green]Known[/] as nominal [bold]{esc(best.nominal_id)}[/] "
                      f"(match probability {best.match_probability:.3f}, {esc(best.records_in_nominal)} record(s)).")
    elif result.status == "cannot tell":
        console.print(f"[bold]{esc(result.advice[0].upper() + result.advice[1:])}[/]: the best candidate reaches "
                      f"{best.match_probability:.3f}, below the link threshold {result.link_probability}.")
    else:
        console.print(f"[bold]Not known for certain[/]: the best candidate reaches {best.match_probability:.3f}, "
                      f"below the link threshold {esc(result.link_probability)}. A person should look.")
    for c in result.candidates:
        body = "\n".join(esc(reason) for reason in c.reasons())
        if result.risk_shown:  # the viewer may see the young person's safeguarding picture
            band = f"risk band [bold]{esc(c.risk_band.replace('_', ' '))}[/]" if c.risk_band else "no risk score"
            alerts = "; ".join(f"{esc(a['kind'].replace('_', ' '))} alert {esc(a['alert_id'])} raised {esc(str(a['raised_at'])[:10])}"
                               for a in c.open_alerts) or "no open alert"
            body = f"{band}; {alerts}\n{body}"
        console.print(Panel(body, title=f"{esc(c.nominal_id)}: best record {esc(c.source)} {esc(c.record_id)}, "
                                        f"p={c.match_probability:.3f}, held by {esc(', '.join(c.agencies))}", title_align="left"))
    if result.nominals > len(result.candidates):
        console.print(f"{len(result.candidates)} of {result.nominals} candidate nominals shown, best first; "
                      f"--limit {result.nominals} shows them all.")
