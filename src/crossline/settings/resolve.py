"""The ``[resolve]`` table of crossline.toml: thresholds, engine, model file and training sizes."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from crossline.settings.declare import Section, setting

ENGINES = ("duckdb", "spark")


class ResolveSettings(Section):
    engine: Literal["duckdb", "spark"] = setting("duckdb", "Where Splink runs: duckdb (one machine) or spark (Spark local or a cluster).")
    link_probability: float = setting(
        0.9, "Two records are linked into one nominal when their match probability is at least this."
    )
    review_low: float = setting(
        0.3, "Pairs scored from this probability up to review_high are borderline: they go to the review queue."
    )
    review_high: float = setting(0.995, "Upper end of the borderline band (see review_low).")
    review_limit: int = setting(5000, "Most borderline pairs kept in the review queue (the highest-impact first).")
    model: str = setting(
        "",
        "A saved Splink model (JSON, relative to the workspace) to use instead of training in each build; "
        "blank: train in the build (u by random sampling, m by expectation maximisation).",
    )
    save_model: str = setting(
        "", "Also write the model used by each build to this file (relative to the workspace); blank: don't."
    )
    train_records: int = setting(
        200_000,
        "Train on a random sample of at most this many records (the same seed gives the same sample); "
        "prediction always covers every record. m and u are shares within pairs, which a record sample keeps.",
    )
    u_max_pairs: float = setting(5e5, "Random pairs sampled to estimate u probabilities.")
    em_max_pairs: float = setting(5e5, "Most blocked pairs used by each expectation maximisation session.")
    seed: int = setting(42, "Seed for the random sampling of u probabilities (same seed, same model).")
    phone_max_weight: float = setting(
        2.0,
        "Most a shared phone may add to a pair's match weight, in bits: households share landlines and runners "
        "pass phones around, so a phone in common is weak evidence (issue 4 item 9).",
    )
    twin_guard: bool = setting(
        True,
        "Give an agreeing date of birth no weight when the given names clearly differ and no identifier agrees: "
        "that is what twins and siblings look like. Costs some recall where given names are badly recorded. "
        "Each build may lift it when the data shows no sign of twins (see twin_evidence_pairs).",
    )
    twin_evidence_pairs: int = setting(
        50,
        "Lift the twins guard for a build when at least this many twin-like pairs at one home hold identifiers of "
        "one kind and their identifiers differ no more often than one person's recorded differently do "
        "(docs/resolve.md, \"Twins guard\"); 0: never lift it.",
    )
    namesake_guard: bool = setting(
        True,
        "Take back what the name and the home gave when two full dates of birth differ in a way no typo explains and "
        "no identifier agrees: that is what two people of one name at one home look like (cousins, a boy named like "
        "his brother, a junior and his father). Costs recall where one person's date is recorded wholly wrongly. "
        "Each build may lift it when the data shows no sign of such namesakes (see namesake_evidence_pairs).",
    )
    namesake_evidence_pairs: int = setting(
        50,
        "Lift the namesakes guard for a build when at least this many namesake pairs at one home hold identifiers "
        "of one kind and their identifiers differ no more often than one person's recorded differently do "
        "(docs/resolve.md, \"Namesakes guard\"); 0: never lift it.",
    )
    max_comparisons: float = setting(
        3e8, "Stop with an error when the blocking rules would generate more pairs than this."
    )
    spark_master: str = setting("local[2]", "Spark master URL when engine = \"spark\".")
    spark_memory: str = setting("2g", "Spark driver memory when engine = \"spark\".")


    @model_validator(mode="after")
    def _consistent(self) -> ResolveSettings:
        problems = []
        if not 0 < self.review_low <= self.link_probability <= self.review_high < 1:
            problems.append(
                "needs 0 < review_low <= link_probability <= review_high < 1, "
                f"not {self.review_low}, {self.link_probability}, {self.review_high}"
            )
        if self.phone_max_weight < 0:
            problems.append("phone_max_weight should be 0 or more")
        if problems:
            raise ValueError("; ".join(problems))
        return self
