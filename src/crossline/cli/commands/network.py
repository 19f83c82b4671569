"""Commands for organised crime groups, priorities and the cross-border picture: thin, each calls crossline.service.network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crossline.cli.common import DEFAULT, DataTable, WorkspaceOpt, call, console, err, esc
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
    out: Annotated[Path | None, typer.Option("--out", help="Write an interactive picture of the group to this HTML file.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Show one group: members, roles and why, key players; --out FILE.html draws it."""
    from crossline.service.network import group_detail, group_picture

    d = call(workspace, group_detail, ocg_id)
    console.print(f"[bold]{esc(ocg_id)}[/]: lines {esc(d.group.get('lines'))}, run from {esc(d.group.get('run_from'))}, "
                  f"sells into {esc(d.group.get('sells_into'))}")
    emit([{**r, "why": r["reasons"] + (f" | key player: {r['key_reason']}" if r["key_player"] else ""), "key": "yes" if r["key_player"] else "",
            "disruption": f"{r['disruption']:.2f}", "betweenness": f"{r['betweenness']:.3f}", "pagerank": f"{r['pagerank']:.3f}"}
           for r in d.members.iter_rows(named=True)],
         [Col("nominal_id", "member", whole=True), Col("role", "role", keep=9), Col("key", "key", keep=8),
          Col("disruption", "disruption", keep=6, right=True), Col("betweenness", "betweenness", keep=3, right=True),
          Col("pagerank", "pagerank", keep=2, right=True), Col("degree", "degree", keep=4, right=True), Col("why", "why", keep=7)],
         "table")
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


@app.command("priorities")
def priorities_(
    kind: Annotated[str | None, typer.Option("--kind", help="line or ocg; both when left out.")] = None,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Lines and groups ranked by harm on one national scale, every factor shown with its value."""
    from crossline.service.network import priorities

    check_format(format_)
    p = call(workspace, priorities, kind)
    emit(p.to_dicts() if format_ != "table" else [{**r, "score": f"{r['score']:.1f}", "reasons": "; ".join(r["reasons"].split(";"))}
                                                  for r in p.iter_rows(named=True)],
         [Col("rank", "rank", whole=True, right=True), Col("subject_type", "type", keep=5), Col("subject_id", "subject", whole=True),
          Col("score", "score", keep=8, right=True), Col("force_areas", "force areas", keep=4), Col("reasons", "factors", keep=3)],
         format_, title="Priorities (harm, threat and capability, opportunity; the owning force is never a factor)")


@app.command("crossborder")
def crossborder_(workspace: WorkspaceOpt = DEFAULT) -> None:
    """The force-by-force matrix of flows, and the harm landing in each force from lines run from elsewhere."""
    from crossline.service.network import crossborder

    m, h = call(workspace, crossborder)
    t = DataTable(title="Flows from (row) into (column's force): customers, runners, missing episodes, each counted once")
    for col in ("from", "to", "customers", "runners", "missing", "lines"):
        t.add_column(col)
    for r in m.iter_rows(named=True):
        t.add_row(r["from_force"], r["to_force"], str(r["customers"]), str(r["runners"]), str(r["missings"]), str(r["lines"]))
    console.print(t)
    t2 = DataTable(title="Harm landing here from lines run from elsewhere")
    for col in ("force", "lines from elsewhere", "harm points", "runners in", "customers", "missing here"):
        t2.add_column(col)
    for r in h.iter_rows(named=True):
        t2.add_row(r["force_area"], str(r["lines_from_elsewhere"]), f"{r['harm_points']:.1f}", str(r["runners_from_elsewhere"] or 0),
                   str(r["customers_from_elsewhere"] or 0), str(r["missings_from_elsewhere"] or 0))
    console.print(t2)
