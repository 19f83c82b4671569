"""Who a nominal is, in words a practitioner recognises: a display name, an age and an area, under need to know.

A nominal id (``N4753E72F4D6D9FF3``) is what the picture joins on; a person
reading a risk list needs a name. The name, date of birth and area come from
the person records behind the nominal that the viewer may open
(crossline.access.need_to_know.visible_agencies): police and national
standing see every agency's records, a partner only its own agency's, so a
partner never learns a name another agency holds. The most common value
across those records wins (ties: the first in order), so the same records give
the same name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import bindparam, text

from crossline.access import need_to_know as ntk
from crossline.store import picture as picture_store
from crossline.workspace import Workspace


@dataclass(frozen=True)
class Who:
    nominal_id: str
    name: str  # "" when no visible record has a name
    date_of_birth: str | None
    age: int | None
    area: str  # town, else postcode district; "" when none is known
    sources: list[str] = field(default_factory=list)  # agencies whose records the name comes from

    def line(self) -> str:
        """"Name, 15, Newport" (the parts known), or the nominal id when nothing is known."""
        parts = [self.name or "(no name on a record you may see)"]
        if self.age is not None:
            parts.append(str(self.age))
        if self.area:
            parts.append(self.area)
        return ", ".join(parts)


def _commonest(values: list[str]) -> str | None:
    values = [v for v in values if v]
    if not values:
        return None
    counts = Counter(values)
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)


def _age(dob: str | None, on: date) -> int | None:
    if not dob or len(dob) < 4 or not dob[:4].isdigit():
        return None
    year = int(dob[:4])
    month = int(dob[5:7]) if len(dob) >= 7 and dob[5:7].isdigit() else 7
    day = int(dob[8:10]) if len(dob) >= 10 and dob[8:10].isdigit() else 1
    return on.year - year - ((on.month, on.day) < (month, day))


def who(ws: Workspace, viewer: ntk.Viewer, nominal_ids: list[str], on: date | None = None) -> dict[str, Who]:
    """Name, age (on ``on``, default today) and area of each nominal, from the records the viewer may open.

    The caller checks the permission and audits the read (it is part of the list or view it is shown in).
    """
    on = on or date.today()
    wanted = sorted(set(nominal_ids))
    nominals = picture_store.read_table(ws.engine, ws.path, "nominals", False)
    if nominals is None or not wanted:
        return {n: Who(n, "", None, None, "") for n in wanted}
    records = nominals.filter(pl.col("nominal_id").cast(pl.String).is_in(wanted)).select(
        pl.col("nominal_id").cast(pl.String), pl.col("source").cast(pl.String), pl.col("record_id").cast(pl.String))
    visible = ntk.visible_agencies(viewer, records["source"].unique().to_list())
    records = records.filter(pl.col("source").is_in(list(visible)))
    of = {(s, r): n for n, s, r in records.iter_rows()}
    rows: dict[str, list[tuple[str, str | None, str | None, str | None, str | None, str]]] = {}
    sql = text("SELECT source, record_id, given_name, family_name, date_of_birth, town, postcode FROM persons "
               "WHERE source = :s AND record_id IN :ids").bindparams(bindparam("ids", expanding=True))
    with ws.engine.connect() as conn:
        for source, ids in records.group_by("source").agg(pl.col("record_id")).sort("source").iter_rows():
            for s, r, given, family, dob, town, postcode in conn.execute(sql, {"s": source, "ids": list(ids)}):
                name = " ".join(p.strip() for p in (given, family) if p and p.strip())
                district = (postcode or "").upper().split(" ")[0] or None
                rows.setdefault(of[(s, r)], []).append((name, dob, town, district, None, s))
    out = {}
    for n in wanted:
        got = rows.get(n, [])
        dobs = [d for _, d, *_ in got if d]
        full = [d for d in dobs if len(d) == 10]
        dob = _commonest(full) or _commonest(dobs)
        area = _commonest([t.strip().title() for _, _, t, *_ in got if t]) or _commonest([d for _, _, _, d, *_ in got if d]) or ""
        out[n] = Who(n, _commonest([g[0] for g in got]) or "", dob, _age(dob, on), area, sorted({g[5] for g in got}))
    return out


def nominal_people(nominals: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """One row per nominal: ``nominal_id, display_name, date_of_birth, sources`` (the ``nominal_people.csv`` export).

    ``persons``: ``source, record_id, given_name, family_name, date_of_birth`` of the records. The commonest name and
    full date of birth across a nominal's records win, ties to the first in order, so the same records give the same file.
    """
    joined = nominals.select(pl.col("nominal_id").cast(pl.String), pl.col("source").cast(pl.String), pl.col("record_id").cast(pl.String)).join(
        persons.select(pl.col("source").cast(pl.String), pl.col("record_id").cast(pl.String), "given_name", "family_name", "date_of_birth"),
        on=["source", "record_id"], how="left",
    ).with_columns(
        pl.concat_str([pl.col("given_name").str.strip_chars(), pl.col("family_name").str.strip_chars()], separator=" ", ignore_nulls=True)
        .str.strip_chars().replace("", None).alias("name"),
    )

    # a nominal of one record (most of them) is that record: only the rest need counting, which is a third of the
    # work (3.3 s to 1.6 s at a million records)
    alone = pl.col("nominal_id").is_unique()
    singles = joined.filter(alone).select(
        "nominal_id", pl.col("name").fill_null("").alias("display_name"), "date_of_birth", pl.col("source").alias("sources"))
    joined = joined.filter(~alone)

    def commonest(column: str, where: pl.Expr) -> pl.DataFrame:
        return (
            joined.filter(where & pl.col(column).is_not_null()).group_by("nominal_id", column).len()
            .sort(["nominal_id", "len", column], descending=[False, True, False])
            .group_by("nominal_id", maintain_order=True).agg(pl.col(column).first())
        )

    names = commonest("name", pl.lit(True))
    dobs = pl.concat([commonest("date_of_birth", pl.col("date_of_birth").str.len_chars() == 10).with_columns(pl.lit(0).alias("rank")),
                      commonest("date_of_birth", pl.lit(True)).with_columns(pl.lit(1).alias("rank"))])
    dobs = dobs.sort("nominal_id", "rank").group_by("nominal_id", maintain_order=True).agg(pl.col("date_of_birth").first())
    sources = joined.group_by("nominal_id").agg(pl.col("source").unique().sort().str.join(";").alias("sources"))
    several = (
        sources.join(names, on="nominal_id", how="left").join(dobs, on="nominal_id", how="left")
        .select("nominal_id", pl.col("name").fill_null("").alias("display_name"), "date_of_birth", "sources")
    )
    return pl.concat([singles, several]).sort("nominal_id")
