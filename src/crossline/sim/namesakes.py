"""Namesakes at one address: a child named after a parent, and two children of one name (issue 13).

A father and his son who share a name and a home, or two cousins of one name
brought up in one house, are the records a resolver most easily merges: the
name, the address and often the phone agree, and only the date of birth (and
any identifier) tells them apart. The name lists alone make such pairs rare,
so this module plants them, from a random stream of its own (every other draw
of a scenario stays as it was):

- a child given the name of the parent of the same sex and family name, when
  their births are 25 to 45 years apart (``p_child_named_after_parent`` of
  such children);
- in a household with two children of one sex and family name born one to
  three years apart, the younger given the elder's name
  (``p_same_name_children`` of such households: cousins living together).

Each person keeps their own identifiers (NHS number, UPN, PNC id), so two
namesakes' identifiers always differ.
"""

from __future__ import annotations

import polars as pl

from crossline.sim.rng import stream
from crossline.sim.scenario import Scenario

PARENT_GAP_YEARS = (25, 45)
CHILD_GAP_YEARS = (1, 3)


def plant_namesakes(scenario: Scenario, people: pl.DataFrame) -> pl.DataFrame:
    """``people`` with some children renamed after a parent or an elder child at the same address."""
    p = scenario.population
    rng = stream(scenario.seed, "namesakes")
    born = pl.col("date_of_birth")
    base = people.select("pidx", "household_id", "member", "given_name", "family_name", "sex", born)
    children = base.filter(pl.col("member") == "child")
    parents = base.filter(pl.col("member").is_in(["parent", "partner"]))
    years = (born - pl.col("parent_born")).dt.total_days() / 365.25
    after_parent = (
        children.join(parents.select("household_id", "sex", "family_name", pl.col("given_name").alias("parent_name"),
                                     born.alias("parent_born")), on=["household_id", "sex", "family_name"])
        .filter((years >= PARENT_GAP_YEARS[0]) & (years <= PARENT_GAP_YEARS[1]))
        .unique("pidx", keep="first", maintain_order=True)
        .sort("pidx")
    )
    chosen = after_parent.filter(pl.Series(rng.random(after_parent.height) < p.p_child_named_after_parent))
    renamed = dict(zip(chosen["pidx"].to_list(), chosen["parent_name"].to_list(), strict=True))

    elder = children.select("household_id", "sex", "family_name", pl.col("pidx").alias("elder"),
                            pl.col("given_name").alias("elder_name"), born.alias("elder_born"))
    gap = (born - pl.col("elder_born")).dt.total_days() / 365.25
    pairs = (
        children.join(elder, on=["household_id", "sex", "family_name"])
        .filter((pl.col("pidx") != pl.col("elder")) & (gap >= CHILD_GAP_YEARS[0]) & (gap <= CHILD_GAP_YEARS[1]))
        .filter(~pl.col("pidx").is_in(list(renamed)) & ~pl.col("elder").is_in(list(renamed)))
        .unique("household_id", keep="first", maintain_order=True)
        .sort("household_id")
    )
    chosen = pairs.filter(pl.Series(rng.random(pairs.height) < p.p_same_name_children))
    renamed.update(zip(chosen["pidx"].to_list(), chosen["elder_name"].to_list(), strict=True))
    # drawn after every other draw of the stream, so adding it changed no other namesake
    spellable = pairs.filter(~pl.col("pidx").is_in(list(renamed)) & ~pl.col("elder").is_in(list(renamed))
                             & pl.col("elder_name").is_in(list(RESPELLINGS)))
    spelt = spellable.filter(pl.Series(rng.random(spellable.height) < p.p_same_name_spelt_otherwise))
    renamed.update(zip(spelt["pidx"].to_list(), [respelt(n) for n in spelt["elder_name"].to_list()], strict=True))
    if not renamed:
        return people
    new = pl.DataFrame({"pidx": list(renamed), "new_name": list(renamed.values())}, schema={"pidx": pl.Int64, "new_name": pl.String})
    out = people.join(new, on="pidx", how="left").with_columns(
        pl.coalesce("new_name", "given_name").alias("given_name"),
        # a middle name equal to the new given name would read oddly; drop it
        pl.when(pl.col("new_name").is_not_null() & (pl.col("other_names") == pl.col("new_name"))).then(pl.lit(""))
        .otherwise(pl.col("other_names")).alias("other_names"),
    ).drop("new_name")
    return out.select(people.columns)


# Common other spellings of the simulator's children's names: a family may spell a cousin's name their own way.
RESPELLINGS = {
    "Jayden": "Jaden", "Connor": "Conor", "Katie": "Katy", "Zara": "Sara", "Hana": "Hannah", "Megan": "Meghan",
    "Evie": "Evey", "Harri": "Harry", "Jac": "Jack", "Jack": "Jac", "Isla": "Islay", "Kai": "Cai", "Cai": "Kai",
    "Catrin": "Katrin", "Gwyn": "Gwynn", "Gethin": "Gethyn", "Elis": "Ellis", "Sophie": "Sofie", "Callum": "Calum",
    "Caitlin": "Katelyn", "Lily": "Lilly", "Holly": "Hollie", "Maja": "Maia", "Zayn": "Zain", "Tobi": "Toby",
}


def respelt(name: str) -> str:
    """``name`` spelt another common way (``RESPELLINGS``); a name with none keeps its spelling."""
    return RESPELLINGS.get(name, name)


def namesake_pairs(people: pl.DataFrame) -> pl.DataFrame:
    """Pairs of people at one address with the same family name and given names the same or one spelt the other's way
    (``respelt``): ``pidx_a, pidx_b, years`` (tests, docs)."""
    cols = people.select("pidx", "household_id", "given_name", "family_name", "date_of_birth")
    joined = (
        cols.join(cols, on=["household_id", "family_name"], suffix="_b")
        .filter((pl.col("pidx") < pl.col("pidx_b")) & (
            (pl.col("given_name") == pl.col("given_name_b"))
            | (pl.col("given_name").map_elements(respelt, return_dtype=pl.String) == pl.col("given_name_b"))
            | (pl.col("given_name_b").map_elements(respelt, return_dtype=pl.String) == pl.col("given_name"))))
    )
    return joined.select(
        pl.col("pidx").alias("pidx_a"), "pidx_b",
        ((pl.col("date_of_birth") - pl.col("date_of_birth_b")).dt.total_days().abs() / 365.25).alias("years"),
    )
