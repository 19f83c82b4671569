"""The stages of ``crossline build``, in pipeline order: the one place a stage is added.

A stage reads what earlier stages wrote, so the order is the tuple's order;
nothing registers itself on import.
"""

from __future__ import annotations

from crossline.stages.lines.stage import STAGE as LINES
from crossline.stages.network.stage import STAGE as NETWORK
from crossline.stages.resolve.stage import STAGE as RESOLVE
from crossline.stages.risk.stage import STAGE as RISK
from crossline.stages.stage import Export, Stage

STAGES: tuple[Stage, ...] = (RESOLVE, LINES, RISK, NETWORK)  # network after risk: priorities read ages and home forces


def stage_names() -> list[str]:
    return [s.name for s in STAGES]


def exports() -> list[Export]:
    return [e for s in STAGES for e in s.exports]
