"""Commands for organised crime groups, priorities and the cross-border picture: thin, each calls crossline.service.network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from crossline.cli.common import DEFAULT, WorkspaceOpt, call, console, err

app = typer.Typer()
network_app = typer.Typer(help="Organised crime groups around the lines: list them (the default), show one, export, measure an edge list.",
                          invoke_without_command=True)
app.add_typer(network_app, name="network")


@network_app.callback()
def network(ctx: typer.Context, workspace: WorkspaceOpt = DEFAULT) -> None:
    """List the groups: size, lines, people by role, key players."""
    if ctx.invoked_subcommand is not None:
        return
    from crossline.service.network import list_groups

    groups = call(workspace, list_groups)
    table = Table(title=f"{groups.height} group(s)")
    for col in ("group", "lines", "size", "controllers", "holders", "runners", "occupants", "associates", "run from", "sells into", "key players"):
        table.add_column(col)
    for r in groups.iter_rows(named=True):
        table.add_row(r["ocg_id"], r["lines"] or "", str(r["size"]), str(r["controllers"]), str(r["holders"]), str(r["runners"]),
                      str(r["occupants"]), str(r["associates"]), r["run_from"] or "", r["sells_into"] or "", r["key_players"] or "")
    console.print(table)
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
    console.print(f"[bold]{ocg_id}[/]: lines {d.group.get('lines')}, run from {d.group.get('run_from')}, sells into {d.group.get('sells_into')}")
    table = Table()
    for col in ("member", "role", "key", "disruption", "betweenness", "pagerank", "degree", "why"):
        table.add_column(col)
    for r in d.members.iter_rows(named=True):
        why = r["reasons"] + (f" | key player: {r['key_reason']}" if r["key_player"] else "")
        table.add_row(r["nominal_id"], r["role"], "yes" if r["key_player"] else "", f"{r['disruption']:.2f}", f"{r['betweenness']:.3f}",
                      f"{r['pagerank']:.3f}", str(r["degree"]), why)
    console.print(table)
    if out is not None:
        console.print(f"Picture written to {call(workspace, group_picture, ocg_id, out)}")


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
        console.print(f"wrote {p}")


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
        err.print(f"[yellow]{p}[/]")
    g = graph_of(got.edges)
    table, how = measures_table(g, resolution, seed, exact_max, samples)
    out.mkdir(parents=True, exist_ok=True)
    path = write_csv(table, out / "measures.csv")
    console.print(f"{g.vcount():,} nodes, {g.ecount():,} edges, {table['group'].n_unique():,} groups; betweenness {how}; wrote {path}")


@app.command("priorities")
def priorities_(
    kind: Annotated[str | None, typer.Option("--kind", help="line or ocg; both when left out.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Lines and groups ranked by harm on one national scale, every factor shown with its value."""
    from crossline.service.network import priorities

    p = call(workspace, priorities, kind)
    table = Table(title="Priorities (harm, threat and capability, opportunity; the owning force is never a factor)")
    for col in ("rank", "type", "subject", "score", "force areas", "factors"):
        table.add_column(col)
    for r in p.iter_rows(named=True):
        table.add_row(str(r["rank"]), r["subject_type"], r["subject_id"], f"{r['score']:.1f}", r["force_areas"] or "",
                      "\n".join(r["reasons"].split(";")))
    console.print(table)


@app.command("crossborder")
def crossborder_(workspace: WorkspaceOpt = DEFAULT) -> None:
    """The force-by-force matrix of flows, and the harm landing in each force from lines run from elsewhere."""
    from crossline.service.network import crossborder

    m, h = call(workspace, crossborder)
    t = Table(title="Flows from (row) into (column's force): customers, runners, missing episodes, each counted once")
    for col in ("from", "to", "customers", "runners", "missing", "lines"):
        t.add_column(col)
    for r in m.iter_rows(named=True):
        t.add_row(r["from_force"], r["to_force"], str(r["customers"]), str(r["runners"]), str(r["missings"]), str(r["lines"]))
    console.print(t)
    t2 = Table(title="Harm landing here from lines run from elsewhere")
    for col in ("force", "lines from elsewhere", "harm points", "runners in", "customers", "missing here"):
        t2.add_column(col)
    for r in h.iter_rows(named=True):
        t2.add_row(r["force_area"], str(r["lines_from_elsewhere"]), f"{r['harm_points']:.1f}", str(r["runners_from_elsewhere"] or 0),
                   str(r["customers_from_elsewhere"] or 0), str(r["missings_from_elsewhere"] or 0))
    console.print(t2)
