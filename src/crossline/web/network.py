"""The network view (Cytoscape.js) and the map (Leaflet, no tile server): both read through the service layer, so every
expansion is checked against need-to-know and audited."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from crossline.access import purpose as purposes
from crossline.access.policy import require, viewer
from crossline.api.auth import Caller, caller, workspace
from crossline.contract.geography import WORKSPACE_BOUNDARIES, force_area_centroids, load_boundaries
from crossline.errors import CrosslineError, InvalidInput
from crossline.service import expand as expansion
from crossline.service import lines as line_service
from crossline.web.render import PageRoute, page, plain

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Who = Annotated[Caller, Depends(caller)]
PREFIX = {"person": "nominal:", "line": "line:", "number": "phone:"}
EDGE_KINDS = ("associate_of", "controls", "family_of", "resides_at", "uses_phone", "contact", "runs", "member_of", "involved_in")


def force_area_points() -> list[dict[str, Any]]:
    """Force areas with their centroids, from the geography Crossline ships (no tile server, no outside file)."""
    return force_area_centroids()


def node_id(kind: str, value: str) -> str:
    """What the user typed (a nominal id, a line id, a number) to the graph's node id; a full node id passes through."""
    value = value.strip()
    if ":" in value:
        return value
    return PREFIX.get(kind, "nominal:") + value


def _expansion(request: Request, who: Caller, node: str, kinds: list[str] | None, since: str | None) -> dict[str, Any]:
    found = expansion.expand(workspace(request), who.actor, node, kinds=kinds or None, since=since or None)
    return {"start": node, "nodes": plain(found.nodes), "edges": plain(found.edges)}


@router.get("/network")
def view(request: Request, who: Who, kind: Annotated[str, Query(pattern="^(person|line|number)$")] = "person",
         start: Annotated[str, Query(max_length=200)] = "", edge_kind: Annotated[list[str] | None, Query()] = None,
         since: Annotated[str, Query(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "") -> Response:
    """The start form, and the first expansion when a start is given; the page's script asks ``/network/expand`` for more."""
    with purposes.stated(None, "web"):
        if start.strip():
            data = _expansion(request, who, node_id(kind, start), edge_kind, since)
        else:
            require(viewer(workspace(request).engine, who.actor), "read_lines")  # the empty form too: partners never reach it
            data = {"start": None, "nodes": [], "edges": []}
    data.update({"kind": kind, "start_text": start, "edge_kinds": EDGE_KINDS, "chosen_kinds": edge_kind or [], "since": since})
    return page(request, who, "network.html", data, "Network")


@router.get("/network/expand")
def expand(request: Request, who: Who, node: Annotated[str, Query(min_length=3, max_length=300)],
           edge_kind: Annotated[list[str] | None, Query()] = None,
           since: Annotated[str, Query(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "") -> Response:
    """One more step out from a node: the same service call, the same policy, another audit entry."""
    with purposes.stated(None, "web"):
        data = _expansion(request, who, node, edge_kind, since)
    return page(request, who, "network.html", {**data, "kind": "person", "start_text": node, "edge_kinds": EDGE_KINDS,
                                               "chosen_kinds": edge_kind or [], "since": since}, "Network")


@cache
def coastline_bytes() -> bytes:
    """The generalised coastline the DDTRO pack draws (Natural Earth, shipped): the map's land, with no tile server."""
    return files("crossline.contract").joinpath("data", "uk_coastline.json").read_bytes()


@router.get("/map/coastline.json")
def coastline(who: Who) -> Response:
    """Served by the application itself, so the map works on an air-gapped network; public data, but behind the login like the map."""
    return Response(coastline_bytes(), media_type="application/json", headers={"Cache-Control": "private, max-age=86400"})


@router.get("/map/force-areas.json")
def force_areas(request: Request, who: Who) -> Response:
    """The official force boundaries when the workspace holds them (docs/geography.md), checked before they are drawn.

    Crossline ships none (no registry it builds from carries them); an operator who adds the ONS file gets outlines,
    and without it the map keeps the force-area centres. A file whose forces are unknown is refused, not drawn.
    """
    ws = workspace(request)
    require(viewer(ws.engine, who.actor), "read_lines")  # the map's own standing: a partner gets the one not-found page
    path = ws.path / WORKSPACE_BOUNDARIES
    if not path.is_file():
        return Response(status_code=404)
    try:
        load_boundaries(path)
    except (ValueError, OSError) as bad:
        raise InvalidInput(f"the workspace's force boundaries ({WORKSPACE_BOUNDARIES}) cannot be drawn: {bad}") from None
    return Response(path.read_bytes(), media_type="application/json", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/map")
def map_view(request: Request, who: Who, line: Annotated[str, Query(max_length=100)] = "") -> Response:
    """Force areas from the workspace's own geography, flows from hub to market of each line, and a line's cells."""
    ws = workspace(request)
    with purposes.stated(None, "web"):
        frame = line_service.list_lines(ws, who.actor, None)  # police standing; refused (not found) to anyone else
        flows = []
        cols = {"controller_lat", "controller_lon", "market_lat", "market_lon"}
        if cols <= set(frame.columns):
            for r in frame.drop_nulls(list(cols)).head(500).iter_rows(named=True):
                flows.append({"line_id": r["line_id"], "status": r["status"], "from": [r["controller_lat"], r["controller_lon"]],
                              "to": [r["market_lat"], r["market_lon"]], "controller_area": r["controller_area"], "market_areas": r["market_areas"]})
        cells: list[Any] = []
        if line:
            try:
                cells = plain(line_service.line_detail(ws, who.actor, line).cells.drop_nulls(["lat", "lon"]).head(2000))
            except CrosslineError:
                cells = []
    data = {"force_areas": force_area_points(), "force_boundaries": (ws.path / WORKSPACE_BOUNDARIES).is_file(), "flows": flows,
            "line": line, "cells": cells}
    return page(request, who, "map.html", data, "Map")
