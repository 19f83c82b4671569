"""Commands for organised crime groups, priorities and the cross-border picture: thin, each calls crossline.service.network."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from crossline.cli.common import DEFAULT, WorkspaceOpt, call, console, err, esc, print_json
from crossline.cli.output import Col, FormatOpt, check_format, emit

app = typer.Typer()
network_app = typer.Typer(help="Organised crime groups around the lines: list them (the default), show one, export, measure an edge list.",
                          invoke_without_command=True)
app.add_typer(network_app, name="network")


@network_app.callback()
def network(ctx: typer.Context, format_: FormatOpt = "table", workspace: WorkspaceOpt = DEFAULT) -> None:
    """List the groups: size, lines, people by role, key players."""
    if ctx.invoked_subcommand is not None:
        return
    from crossline.service.network import list_groups

    check_format(format_)
    groups = call(workspace, list_groups)
    emit(groups.to_dicts(), [
        Col("ocg_id", "group", whole=True), Col("lines", "lines", keep=8, ids=True), Col("size", "size", keep=9, right=True),
        Col("controllers", "controllers", keep=4, right=True), Col("holders", "holders", keep=3, right=True),
        Col("runners", "runners", keep=5, right=True), Col("occupants", "occupants", keep=2, right=True),
        Col("associates", "associates", keep=1, right=True), Col("run_from", "run from", keep=6), Col("sells_into", "sells into", keep=6),
        Col("key_players", "key players", keep=7, ids=True)], format_, title=f"{groups.height} group(s)")
    if groups.height:
        console.print("Next: [bold]crossline network show OCG_ID[/] for members, roles and reasons.")


@network_app.command("show")
def show(
    ocg_id: Annotated[str, typer.Argument(help="The group's id, from `crossline network`.")],
    member: Annotated[str | None, typer.Option("--member", help="One member's nominal id: every reason for their role, and the evidence.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write an interactive picture of the group to this HTML file.")] = None,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Show one group: members, roles and the first reason for each, key players; --member all of one's reasons; --out draws it."""
    from crossline.errors import NotFound
    from crossline.service.network import group_detail, group_picture

    check_format(format_)
    d = call(workspace, group_detail, ocg_id)
    rows = d.members.to_dicts()
    if member is not None:
        rows = [r for r in rows if r["nominal_id"] == member]
        if not rows:
            raise NotFound(f"{member!r} is not a member of {ocg_id}", next_step="list_groups")
    if format_ != "table":
        emit(rows, [], format_)
    elif member is not None:
        r = rows[0]
        console.print(f"[bold]{esc(member)}[/] in {esc(ocg_id)}: {esc(r['role'])} on {esc(r['line_ids'] or '-')}"
                      f"{' (a key player: ' + esc(r['key_reason']) + ')' if r['key_player'] else ''}")
        console.print(f"disruption {r['disruption']:.2f}, betweenness {r['betweenness']:.3f}, PageRank {r['pagerank']:.3f}, "
                      f"degree {r['degree']}")
        console.print("[bold]Why this role[/]")
        for reason in filter(None, (x.strip() for x in (r["reasons"] or "").split(";"))):
            console.print(f"  - {esc(reason)}")
        console.print("[bold]Evidence[/] (records, links and handsets behind it)")
        for item in filter(None, (r["evidence"] or "").split(";")):
            console.print(f"  {esc(item)}")
    else:
        console.print(f"[bold]{esc(ocg_id)}[/]: lines {esc(d.group.get('lines'))}, run from {esc(d.group.get('run_from'))}, "
                      f"sells into {esc(d.group.get('sells_into'))}")
        emit([{**r, "why": (r["reasons"] or "").split(";")[0], "key": "yes" if r["key_player"] else "",
               "disruption": f"{r['disruption']:.2f}", "betweenness": f"{r['betweenness']:.3f}", "pagerank": f"{r['pagerank']:.3f}"}
              for r in rows],
             [Col("nominal_id", "member", whole=True), Col("role", "role", keep=9), Col("key", "key", keep=8),
              Col("disruption", "disruption", keep=6, right=True), Col("betweenness", "betweenness", keep=3, right=True),
              Col("pagerank", "pagerank", keep=2, right=True), Col("degree", "degree", keep=4, right=True),
              Col("why", "why (the first reason)", keep=7, cut=True)], "table")
        console.print(f"Every reason for one member, and the evidence: [bold]crossline network show {esc(ocg_id)} --member NOMINAL[/]")
    if out is not None:
        console.print(f"Picture written to {esc(call(workspace, group_picture, ocg_id, out))}")


@network_app.command("export")
def export(
    fmt: Annotated[str, typer.Argument(help="graphml, i2 or neo4j.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the files.")],
    group: Annotated[str | None, typer.Option("--group", help="Only this group and what it touches.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Export the graph for Gephi or yEd (GraphML), i2 Analyst's Notebook, or Neo4j."""
    from crossline.service.network import export_graph

    for p in call(workspace, export_graph, fmt, out, group):
        console.print(f"wrote {esc(p)}")


@network_app.command("measures")
def measures(
    edges: Annotated[Path, typer.Argument(help="CSV with a header: two columns of node ids, an optional third with a weight.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for measures.csv.")],
    resolution: Annotated[float, typer.Option(help="Leiden resolution.")] = 1.0,
    exact_max: Annotated[int, typer.Option(help="Exact betweenness up to this many nodes, sampled above.")] = 5000,
    samples: Annotated[int, typer.Option(help="Sources sampled for betweenness above exact-max.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed for Leiden and sampling.")] = 7,
) -> None:
    """Key-player measures and groups for an edge list from elsewhere (no workspace needed)."""
    from crossline.exchange.csvout import write_csv
    from crossline.stages.network.edgelist import graph_of, measures_table, read_edges

    got = read_edges(edges)
    for p in got.problems:
        err.print(f"[yellow]{esc(p)}[/]")
    g = graph_of(got.edges)
    table, how = measures_table(g, resolution, seed, exact_max, samples)
    out.mkdir(parents=True, exist_ok=True)
    path = write_csv(table, out / "measures.csv")
    console.print(f"{g.vcount():,} nodes, {g.ecount():,} edges, {table['group'].n_unique():,} groups; betweenness {esc(how)}; wrote {esc(path)}")


FACTOR = re.compile(r"^(?P<what>.*) \((?P<points>[\d.]+) of (?P<most>[\d.]+) points\)$")


def factors(reasons: str) -> list[dict[str, object]]:
    """A priority's factors as the stage wrote them ("5 children running for it (16.0 of 16.0 points)"), most points first."""
    out: list[dict[str, object]] = []
    for part in filter(None, (r.strip() for r in reasons.split(";"))):
        m = FACTOR.match(part)
        out.append({"factor": m["what"], "points": float(m["points"]), "most": float(m["most"])} if m else
                   {"factor": part, "points": 0.0, "most": 0.0})
    return sorted(out, key=lambda f: -float(str(f["points"])))


@app.command("priorities")
def priorities_(
    kind: Annotated[str | None, typer.Option("--kind", help="line or ocg; both when left out.")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="One line or group id: every factor, its value and its points.")] = None,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Lines and groups ranked by harm on one national scale; the factors that score, most first (--subject: all of them)."""
    import polars as pl

    from crossline.errors import NotFound
    from crossline.service.network import priorities

    check_format(format_)
    p = call(workspace, priorities, kind)
    if subject is not None:
        p = p.filter(pl.col("subject_id") == subject)
        if p.is_empty():
            raise NotFound(f"no line or group {subject!r} among the priorities", next_step="list_priorities")
        row = p.row(0, named=True)
        if format_ != "table":
            emit([{**f, "subject_id": subject} for f in factors(row["reasons"])], [], format_)
            return
        console.print(f"[bold]{esc(subject)}[/] ({esc(row['subject_type'])}): rank {row['rank']}, score {row['score']:.1f} "
                      f"of 100; force areas {esc(row['force_areas'] or '-')} (shown, never scored).")
        emit([{**f, "points": f"{f['points']:.1f}", "most": f"{f['most']:.1f}"} for f in factors(row["reasons"])],
             [Col("factor", "factor (its value)", keep=9), Col("points", "points", whole=True, right=True),
              Col("most", "of at most", whole=True, right=True)], format_)
        return
    shown = [{**r, "score": f"{r['score']:.1f}",
              "reasons": "; ".join(f"{f['factor']} ({f['points']:.1f})" for f in factors(r["reasons"]) if float(str(f["points"])) > 0)}
             for r in p.iter_rows(named=True)]
    emit(p.to_dicts() if format_ != "table" else shown,
         [Col("rank", "rank", whole=True, right=True), Col("subject_type", "type", keep=5), Col("subject_id", "subject", whole=True),
          Col("score", "score", keep=8, right=True), Col("force_areas", "force areas", keep=4, ids=True),
          Col("reasons", "factors that score (points), most first", keep=6, cut=True)],
         format_, title="Priorities (harm, threat and capability, opportunity; the owning force is never a factor)")
    if format_ == "table" and shown:
        console.print("Every factor of one: [bold]crossline priorities --subject ID[/] (a line or group id above).")


@app.command("crossborder")
def crossborder_(
    harm: Annotated[bool, typer.Option("--harm", help="Only the harm landing in each force from lines run from elsewhere.")] = False,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Flows between force areas (each counted once), and the harm landing in each force from lines run from elsewhere."""
    from crossline.service.network import crossborder

    check_format(format_)
    m, h = call(workspace, crossborder)
    flows = [{"from": r["from_force"], "to": r["to_force"], "customers": r["customers"], "runners": r["runners"],
              "missing": r["missings"], "lines": r["lines"]} for r in m.iter_rows(named=True)]
    landing = [{"force": r["force_area"], "lines_from_elsewhere": r["lines_from_elsewhere"], "harm_points": round(r["harm_points"], 1),
                "runners_in": r["runners_from_elsewhere"] or 0, "customers": r["customers_from_elsewhere"] or 0,
                "missing_here": r["missings_from_elsewhere"] or 0} for r in h.iter_rows(named=True)]
    if format_ == "json" and not harm:
        print_json({"flows": flows, "harm_landing": landing})
        return
    if not harm:
        emit(flows, [Col("from", "from force", whole=True), Col("to", "into force", whole=True),
                     Col("lines", "lines", whole=True, right=True), Col("customers", "customers", whole=True, right=True),
                     Col("runners", "runners", whole=True, right=True), Col("missing", "missing", whole=True, right=True)],
             format_, title="Flows between force areas: the lines, their customers and runners; missing episodes from home to "
                            "where they ended; each counted once")
        if format_ == "csv":
            return
    if format_ == "table":
        landing = [{**r, "harm_points": f"{r['harm_points']:.1f}"} for r in landing]
    emit(landing, [Col("force", "force", whole=True), Col("lines_from_elsewhere", "lines from elsewhere", keep=6, right=True),
                   Col("harm_points", "harm points", keep=5, right=True), Col("runners_in", "runners in", keep=4, right=True),
                   Col("customers", "customers", keep=3, right=True), Col("missing_here", "missing here", keep=2, right=True)],
         format_, title="Harm landing in each force from lines run from elsewhere")
