"""One group as an interactive picture in a single HTML file: layout computed here (igraph), drawn as inline SVG,
with a small inline script for hover details and dragging; no external assets, so it opens offline."""

from __future__ import annotations

import html
import json
from pathlib import Path

import igraph as ig
import polars as pl

from crossline.exchange.graph import Graph

ROLE_COLOURS = {"controller": "#b2182b", "holder": "#ef8a62", "runner": "#2166ac", "occupant": "#7b3294", "associate": "#4d9221",
                "line": "#222222", "other": "#bbbbbb"}


def render_group(g: Graph, members: pl.DataFrame, ocg_id: str, path: Path) -> Path:
    roles = {f"nominal:{n}": r for n, r in members.filter(pl.col("ocg_id") == ocg_id).select("nominal_id", "role").iter_rows()}
    keys = set(("nominal:" + members.filter((pl.col("ocg_id") == ocg_id) & pl.col("key_player").fill_null(False))["nominal_id"]).to_list())
    reasons = {f"nominal:{n}": r for n, r in members.filter(pl.col("ocg_id") == ocg_id).select("nominal_id", "reasons").iter_rows()}
    ids = g.nodes["node_id"].to_list()
    index = {n: i for i, n in enumerate(ids)}
    edges = [(index[a], index[b]) for a, b in g.edges.select("src", "dst").iter_rows() if a in index and b in index]
    graph = ig.Graph(n=len(ids), edges=edges, directed=False)
    layout = graph.layout_fruchterman_reingold(seed=[(i % 7, i // 7) for i in range(len(ids))], niter=500) if ids else []
    xs = [p[0] for p in layout] or [0.0]
    ys = [p[1] for p in layout] or [0.0]
    w, h, pad = 960, 680, 40

    def sx(x: float) -> float:
        return pad + (x - min(xs)) / ((max(xs) - min(xs)) or 1) * (w - 2 * pad)

    def sy(y: float) -> float:
        return pad + (y - min(ys)) / ((max(ys) - min(ys)) or 1) * (h - 2 * pad)

    nodes = []
    for i, row in enumerate(g.nodes.iter_rows(named=True)):
        nid = row["node_id"]
        role = roles.get(nid, "line" if row["kind"] == "line" else "other")
        nodes.append({"id": nid, "x": round(sx(layout[i][0]), 1), "y": round(sy(layout[i][1]), 1), "role": role, "kind": row["kind"],
                      "label": row["label"] or nid, "key": nid in keys, "why": reasons.get(nid, "")})
    links = [{"s": a, "t": b, "kind": k} for a, b, k in g.edges.select("src", "dst", "kind").iter_rows() if a in index and b in index]
    legend = "".join(f'<span><i style="background:{c}"></i>{html.escape(r)}</span>' for r, c in ROLE_COLOURS.items())
    page = TEMPLATE.replace("__TITLE__", html.escape(ocg_id)).replace("__LEGEND__", legend).replace(
        "__DATA__", json.dumps({"nodes": nodes, "links": links, "colours": ROLE_COLOURS}).replace("</", "<\\/")).replace(
        "__W__", str(w)).replace("__H__", str(h))
    path.write_text(page, encoding="utf-8")
    return path


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Group __TITLE__</title>
<style>body{font:14px sans-serif;margin:16px}svg{border:1px solid #ccc;background:#fff}#info{min-height:3em;margin-top:8px}
.legend span{margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;border-radius:6px;margin-right:4px}
line{stroke:#999;stroke-opacity:.6}circle{cursor:pointer;stroke:#fff;stroke-width:1.5}circle.key{stroke:#000;stroke-width:3}
</style></head>
<body><h1>Group __TITLE__</h1><p class="legend">__LEGEND__<span>thick black ring: key player</span></p>
<svg id="g" width="__W__" height="__H__" role="img" aria-label="network of group __TITLE__"></svg>
<div id="info">Hover a node for who it is and why; drag to move.</div>
<script>
const D=__DATA__;const svg=document.getElementById('g');const NS='http://www.w3.org/2000/svg';
const pos={};
D.nodes.forEach(n=>pos[n.id]=n);const lines=D.links.map(l=>{const e=document.createElementNS(NS,'line');svg.appendChild(e);return [e,l];});
function draw(){lines.forEach(([e,l])=>{e.setAttribute('x1',pos[l.s].x);e.setAttribute('y1',pos[l.s].y);
e.setAttribute('x2',pos[l.t].x);e.setAttribute('y2',pos[l.t].y);});
D.nodes.forEach(n=>{n.el.setAttribute('cx',n.x);n.el.setAttribute('cy',n.y);});}
const info=document.getElementById('info');let drag=null;
D.nodes.forEach(n=>{const c=document.createElementNS(NS,'circle');c.setAttribute('r',n.kind==='nominal'||n.kind==='line'?9:5);
c.setAttribute('fill',D.colours[n.role]||'#bbb');if(n.key)c.setAttribute('class','key');
c.addEventListener('mouseover',()=>{info.textContent=n.label+' ('+n.role+(n.key?', key player':'')+')'+(n.why?': '+n.why:'');});
c.addEventListener('mousedown',()=>{drag=n;});svg.appendChild(c);n.el=c;});
svg.addEventListener('mousemove',ev=>{if(!drag)return;const r=svg.getBoundingClientRect();drag.x=ev.clientX-r.left;drag.y=ev.clientY-r.top;draw();});
window.addEventListener('mouseup',()=>{drag=null;});draw();
</script></body></html>
"""
