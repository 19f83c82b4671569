"""What a simulation run produced, for the CLI's and the demo's summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SimulationSummary:
    """Counts and paths from one :func:`crossline.sim.simulate` run."""

    bundle: Path
    truth: Path
    seed: int
    scale: float
    rows: dict[str, int] = field(default_factory=dict)  # feed file (relative to the bundle) -> rows
    persons: int = 0  # true people simulated
    person_records: int = 0  # person rows across all partners' feeds
    lines: int = 0
    line_numbers: int = 0
    successions: int = 0
    ocgs: int = 0
    exploited: int = 0  # exploited children and young people
    interventions: int = 0
    comms_rows: int = 0
    events: int = 0
    agencies: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        """A few plain-English lines about what was simulated."""
        return "\n".join([
            f"Simulated the Gwent scenario (seed {self.seed}, scale {self.scale:g}) in {self.seconds:.1f} s.",
            f"{self.persons:,} people; {_n(self.person_records, 'person record')} and {_n(self.events, 'event')} "
            f"from {_n(self.agencies, 'partner agency', 'partner agencies')} in {_n(len(self.rows), 'feed file')}.",
            f"{_n(self.ocgs, 'organised crime group')} running {_n(self.lines, 'deal line')} on "
            f"{_n(self.line_numbers, 'number')} ({_n(self.successions, 'handover')} to a new number).",
            f"{_n(self.exploited, 'exploited young person', 'exploited young people')}; "
            f"{_n(self.interventions, 'young person', 'young people')} on a programme.",
            f"{_n(self.comms_rows, 'call and message record')} from the CSP.",
            f"Bundle: {self.bundle}",
            f"Ground truth: {self.truth}",
        ])


def _n(count: int, one: str, many: str | None = None) -> str:
    """``1 deal line``, ``8 deal lines``."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
