"""Running the simulator: the stages in order, from people to the written bundle.

population -> exploitation -> phones -> OCGs and lines -> confounders ->
handsets and panel -> contact graph -> events (ACEs, indicators and
interventions, policing, everyday) -> person records -> feeds -> comms
(streamed) -> truth -> manifest.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from crossline.sim.aces import make_ace_events
from crossline.sim.agencies import AGENCIES, AGENCY_BY_ID, CSP, SCHOOL_COLUMNS, SCHOOL_DATE_FORMAT, SCHOOLS
from crossline.sim.background import build_contacts
from crossline.sim.comms import write_comms
from crossline.sim.confounders import make_confounders
from crossline.sim.everyday import make_everyday_events
from crossline.sim.exploitation import add_risk
from crossline.sim.feeds import event_feeds, link_feeds, person_feeds
from crossline.sim.geography import make_cells
from crossline.sim.handsets import finish_phones, register_people
from crossline.sim.households import make_households
from crossline.sim.indicators import make_indicator_events
from crossline.sim.namesakes import plant_namesakes
from crossline.sim.ocgs import build_ocgs
from crossline.sim.phones import NumberPool
from crossline.sim.policing import make_police_events
from crossline.sim.population import make_people
from crossline.sim.records import make_records
from crossline.sim.rng import stream
from crossline.sim.scenario import Scenario
from crossline.sim.summary import SimulationSummary
from crossline.sim.truth import write_truth
from crossline.sim.world import PhoneBook, World
from crossline.sim.writer import BundleWriter

Progress = Callable[[str, float], None]


def simulate(outdir: Path, seed: int = 1, scale: float = 1.0, progress: Progress | None = None,
             scenario: Scenario | None = None) -> SimulationSummary:
    """Simulate the default Gwent scenario; write ``outdir/bundle/`` and ``outdir/truth/``.

    The same ``seed`` and ``scale`` always give byte-identical files, whatever
    the date. ``scale`` multiplies the population, lines and panel (1 builds
    in seconds for tests; 100 is a national-sized benchmark). ``progress`` is
    called as ``progress(stage, fraction_done)``. An existing ``bundle/`` and
    ``truth/`` under ``outdir`` are replaced. A ``scenario`` given overrides
    ``seed`` and ``scale`` (tests use it to change one parameter).
    """
    began = time.perf_counter()
    sc = scenario or Scenario(seed=seed, scale=scale)
    if sc.scale <= 0:
        raise ValueError(f"scale must be positive, not {sc.scale}")
    note: Progress = progress or (lambda stage, fraction: None)
    outdir = Path(outdir)
    bundle_dir, truth_dir = outdir / "bundle", outdir / "truth"
    for d in (bundle_dir, truth_dir):
        if d.exists():
            shutil.rmtree(d)

    note("population", 0.0)
    cells = make_cells(sc)
    market_h = make_households(sc, "market")
    hub_h = make_households(sc, "hub", first_id=market_h.height)
    households = pl.concat([market_h, hub_h])
    expected = int((market_h.height + hub_h.height) * 3.2 + 1000 * sc.scale + 5000)
    pool = NumberPool(stream(sc.seed, "numbers"), expected)
    market_p = make_people(sc, market_h, pool, "market")
    people = pl.concat([market_p, make_people(sc, hub_h, pool, "hub", first_pidx=market_p.height)])
    people = plant_namesakes(sc, people)
    people = add_risk(sc, people, households)
    world = World(scenario=sc, cells=cells, households=households, people=people)
    note("population", 1.0)

    note("organised crime", 0.0)
    book = PhoneBook()
    person_phone, _ = register_people(book, world.people)
    build_ocgs(world, book, pool, person_phone)
    make_confounders(world, book, pool, person_phone)
    finish_phones(world, book, person_phone)
    world.person_phone = person_phone
    graph = build_contacts(world, person_phone)
    note("organised crime", 1.0)

    note("events", 0.0)
    make_ace_events(world)
    make_indicator_events(world)
    make_police_events(world)
    make_everyday_events(world)
    note("events", 1.0)

    note("records", 0.0)
    records = make_records(world)
    writer_rows: dict[str, int] = {}
    writer = BundleWriter(bundle_dir)
    persons = person_feeds(records, world.people)
    events, event_people, _ = event_feeds(world, records)
    links = link_feeds(world, records)
    for source in sorted(set(persons) | set(events) | set(links)):
        folder = AGENCY_BY_ID[source].folder
        if source in persons:
            if source == SCHOOLS:
                writer.write_csv(f"{folder}/pupils.csv", persons[source], "persons", source,
                                 columns=dict(SCHOOL_COLUMNS), formats={"date_of_birth": SCHOOL_DATE_FORMAT})
            else:
                writer.write_csv(f"{folder}/persons.csv", persons[source], "persons", source)
        if source in events:
            writer.write_csv(f"{folder}/events.csv", events[source], "events", source)
        if source in event_people:
            writer.write_csv(f"{folder}/event_people.csv", event_people[source], "event_people", source)
        if source in links:
            writer.write_csv(f"{folder}/links.csv", links[source], "links", source)
    c = world.cells
    cells_df = pl.DataFrame({"cell_id": c.cell_id.astype(str), "lat": c.lat, "lon": c.lon,
                             "force_area": pl.Series(c.force_area.tolist(), dtype=pl.String).replace("", None)})
    writer.write_csv(f"{AGENCY_BY_ID[CSP].folder}/cell_sites.csv", cells_df, "cell_sites", CSP)
    note("records", 1.0)

    comms_rows = write_comms(world, graph, writer.comms(AGENCY_BY_ID[CSP].folder, CSP, sc.comms_format), note)

    note("truth", 0.0)
    write_truth(world, records, truth_dir)
    note("truth", 1.0)

    used = {f.source for f in writer.feeds}
    writer.write_manifest(f"crossline-sim-seed{sc.seed}-scale{sc.scale:g}", sc.produced_at,
                          [a for a in AGENCIES if a.id in used])
    for f in writer.feeds:
        writer_rows[f.file] = f.rows
    note("done", 1.0)

    ocg_ids = {ln.ocg_id for ln in world.lines}
    return SimulationSummary(
        bundle=bundle_dir, truth=truth_dir, seed=sc.seed, scale=sc.scale, rows=writer_rows,
        persons=world.people.height, person_records=records.height, lines=len(world.lines),
        line_numbers=sum(len(ln.segments) for ln in world.lines),
        successions=sum(len(ln.segments) - 1 for ln in world.lines), ocgs=len(ocg_ids),
        exploited=int(world.people["exploited"].sum()),
        interventions=0 if world.interventions is None else world.interventions.height,
        comms_rows=comms_rows, events=sum(v.height for v in events.values()), agencies=len(used),
        seconds=time.perf_counter() - began,
    )

