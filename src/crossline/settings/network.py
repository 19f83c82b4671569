"""The ``[network]`` section of crossline.toml: the graph's reach, the grouping, key-player measures and harm priorities.

The priority weights follow the spirit of MoRiLE (Management of Risk in Law
Enforcement): harm first, then threat and capability, then the opportunity to
act. Each weight is the most points its factor can add; docs/network.md,
"Priorities", says why each has the value it has. The owning force is never a
factor.
"""

from __future__ import annotations

from typing import Literal

from crossline.settings.declare import Section, setting


class NetworkSettings(Section):
    engine: Literal["duckdb", "spark"] = setting("duckdb", "Engine that builds the phone contact edges from the comms lake (the lines stage's SQL engines).")
    spark_master: str = setting("local[2]", "Spark master when engine = \"spark\".")
    min_contacts: int = setting(2, "Comms between two numbers before their contact counts towards grouping (one wrong number is not a tie).")
    max_event_people: int = setting(6, "Events with more people than this are crowds, not co-offending (a fight at a festival).")
    max_phone_users: int = setting(3, "A number that more people than this give as theirs (a hostel landline) ties nobody together.")
    runner_max_age: int = setting(24, "Oldest age at which an associate of a line's holder or runners, with no phone of "
                                  "their own on the line, is taken for a runner (lines recruit children and young adults).")
    resolution: float = setting(0.5, "Leiden resolution (modularity with a resolution parameter): higher splits groups finer.")
    seed: int = setting(7, "Seed for Leiden and for sampled betweenness, so a rebuild of the same data gives the same groups.")
    stable_id_overlap: float = setting(0.5, "A new group keeps a previous group's id when their members overlap (Jaccard) at least this much.")
    exact_betweenness_max_nodes: int = setting(5000, "Betweenness is exact up to this many nodes and sampled above it (docs/network.md, 'Sampling error').")
    betweenness_samples: int = setting(200, "Source nodes sampled for betweenness above the exact size.")
    key_players: int = setting(3, "Members marked as key players in each group (by disruption, then betweenness).")
    # priorities: the most points each factor adds (MoRiLE-style: harm, then threat and capability, then opportunity)
    weight_violence: float = setting(12.0, "Harm: violence incidents involving the line's or group's people or numbers.")
    weight_weapons: float = setting(12.0, "Harm: weapon seizures involving its people.")
    weight_children: float = setting(16.0, "Harm: children (under 18) running for it.")
    weight_cuckooing: float = setting(10.0, "Harm: homes taken over (cuckooing reports, occupants).")
    weight_nrm: float = setting(8.0, "Harm: National Referral Mechanism referrals of its people.")
    weight_customers: float = setting(8.0, "Threat: customers (the market it supplies).")
    weight_numbers: float = setting(4.0, "Capability: numbers it has used.")
    weight_rebrands: float = setting(6.0, "Capability: number changes after disruption (resilience).")
    weight_reach: float = setting(8.0, "Threat: force areas it reaches (where it is run from, sells and sends runners).")
    weight_evidence: float = setting(8.0, "Opportunity: strength of the evidence that it is a deal line (the lines stage's confidence).")
    weight_ddtro: float = setting(8.0, "Opportunity: eligible for a Drug Dealing Telecommunications Restriction Order (an active line with strong evidence).")
    ddtro_min_confidence: float = setting(0.7, "Line confidence from which an active line counts as DDTRO-eligible.")
