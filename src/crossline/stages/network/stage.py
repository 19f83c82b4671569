"""The ``network`` build stage: after resolve and lines (and risk, whose ages and home forces the priorities read).

Writes the POLE graph (``network_nodes``, ``network_edges``), the groups
(``ocgs``, ``ocg_members`` with roles, reasons, evidence and key-player
measures), the cross-border picture (``crossborder_flows``,
``crossborder_matrix``, ``crossborder_harm``) and ``priorities``; exports
``ocgs`` and ``priorities`` (DATA-CONTRACT section 3); and fills the
``lines`` table's ``ocg_id`` (the lines stage runs before any group exists).
docs/network.md.
"""

from __future__ import annotations

import polars as pl

from crossline.stages.network import crossborder, keyplayers, pole, priorities
from crossline.stages.network.groups import find_groups, line_groups
from crossline.stages.network.load import load
from crossline.stages.stage import BuildContext, Export, Stage

TABLES = ("network_nodes", "network_edges", "ocgs", "ocg_members", "crossborder_flows", "crossborder_matrix", "crossborder_harm", "priorities")


def run(ctx: BuildContext) -> None:
    s = ctx.ws.settings.network
    ctx.progress("reading records, lines and comms", 0.05)
    inp = load(ctx)
    if inp.lines.is_empty():
        ctx.note("network: no deal lines in the picture, so no groups to map around them")
    ctx.progress("the POLE graph", 0.4)
    edges = pole.pole_edges(inp, s)
    ctx.write("network_edges", edges)
    ctx.write("network_nodes", pole.pole_nodes(edges, inp.people))
    ctx.progress("groups and roles", 0.6)
    found = find_groups(inp, s)
    members = keyplayers.score_members(found, s)
    ctx.write("ocg_members", members)
    ctx.progress("cross-border flows and priorities", 0.8)
    prio = priorities.prioritise(inp, members, s)
    flows = crossborder.flows(inp, members)
    ctx.write("crossborder_flows", flows)
    ctx.write("crossborder_matrix", crossborder.matrix(flows))
    ctx.write("crossborder_harm", crossborder.harm_landing(flows, prio))
    ctx.write("priorities", prio)
    ctx.write("ocgs", keyplayers.group_table(found.groups, members, inp))
    lines_path = ctx.table_path("lines")  # this build's lines (or the carried-over ones), with the group behind each filled in
    if lines_path is not None:
        ctx.write("lines", line_groups(pl.read_parquet(lines_path), found.groups))
    ctx.progress(f"{found.groups.height} groups, {members.height} memberships", 1.0)


STAGE = Stage(
    name="network",
    run=run,
    outputs=TABLES,
    exports=(
        Export("ocgs", "ocg_members", ("ocg_id", "nominal_id", "role", "centrality")),
        Export("priorities", "priorities", ("rank", "subject_type", "subject_id", "score", "force_areas", "reasons")),
    ),
    help="Organised crime groups, roles, key players, cross-border flows and harm priorities (docs/network.md).",
)
