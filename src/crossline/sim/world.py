"""The simulated world: every table the stages build, held in one place.

Stages read what earlier stages put here and add their own part; the writer
and the truth files read it at the end. Phones are numbered (a phone index)
so that comms can be generated as integer arrays and turned into text only
when written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from crossline.sim.geography import Cells
from crossline.sim.scenario import Scenario


@dataclass
class PhoneBook:
    """Every number in the scenario, by phone index.

    ``owner`` is a person's pidx (-1 for a business); ``kind`` is personal,
    second, burner, line or business; cells are indices into the cell table
    (``work_cell`` -1 where none); ``imei`` indexes ``imeis``.
    """

    number: list[np.ndarray] = field(default_factory=list)
    owner: list[np.ndarray] = field(default_factory=list)
    town: list[np.ndarray] = field(default_factory=list)
    kind: list[np.ndarray] = field(default_factory=list)
    size: int = 0

    def add(self, numbers: np.ndarray, owners: np.ndarray, towns: np.ndarray, kind: str) -> np.ndarray:
        """Register numbers; returns their phone indices."""
        n = len(numbers)
        self.number.append(np.asarray(numbers).astype("<U13"))
        self.owner.append(np.asarray(owners, dtype=np.int64))
        self.town.append(np.asarray(towns).astype("<U12"))
        self.kind.append(np.full(n, kind, dtype="<U8"))
        idx = np.arange(self.size, self.size + n)
        self.size += n
        return idx


@dataclass
class Phones:
    """The finished phone table (see :class:`PhoneBook`)."""

    number: np.ndarray
    owner: np.ndarray
    town: np.ndarray
    kind: np.ndarray
    imei: np.ndarray
    home_cell: np.ndarray
    work_cell: np.ndarray
    rate: np.ndarray  # background calls and messages started per day (0 outside the panel)
    in_panel: np.ndarray


@dataclass
class Segment:
    """One number's time as a line: [start, end) in Unix seconds, and who it texts."""

    phone: int
    start: int
    end: int
    customers: np.ndarray  # phone indices
    ended_by: str  # disrupted | closed | period_end


@dataclass
class Line:
    """A deal line: a brand, its OCG, hub and markets, numbers over time, people."""

    line_id: str
    brand: str
    ocg_id: str
    hub: str
    markets: tuple[str, ...]
    holder: int  # pidx
    controller: int  # pidx
    runners: np.ndarray  # pidx
    runner_phones: np.ndarray  # phone index each runner uses for the line
    segments: list[Segment]
    flare_times: np.ndarray  # local seconds after midnight
    hub_cells: np.ndarray  # cell indices the holder's handset uses

    @property
    def internal(self) -> bool:
        """Hub and market in one force area (Gwent)."""
        return self.hub == "newport"


@dataclass
class Confounder:
    """A bulk sender that is not a deal line."""

    name: str
    kind: str  # taxi | takeaway | gp_surgery | sports_club
    town: str
    phone: int
    contacts: np.ndarray  # phone indices of its customers, patients or members
    cell: int


@dataclass
class World:
    """Everything simulated for one run."""

    scenario: Scenario
    cells: Cells
    households: pl.DataFrame
    people: pl.DataFrame
    phones: Phones | None = None
    person_phone: np.ndarray | None = None  # pidx -> first personal phone index, -1 if none
    imeis: np.ndarray | None = None
    lines: list[Line] = field(default_factory=list)
    ocg_members: pl.DataFrame | None = None
    cuckooed: pl.DataFrame | None = None
    vehicles: pl.DataFrame | None = None
    confounders: list[Confounder] = field(default_factory=list)
    chatty: np.ndarray | None = None
    events: list[pl.DataFrame] = field(default_factory=list)
    participants: list[pl.DataFrame] = field(default_factory=list)
    links: list[pl.DataFrame] = field(default_factory=list)
    interventions: pl.DataFrame | None = None
    next_event: int = 0
    _columns: dict[str, np.ndarray] = field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        """A column of ``people`` as numpy, converted once (people are indexed by pidx)."""
        if name not in self._columns:
            self._columns[name] = self.people[name].to_numpy()
        return self._columns[name]

    def forget_columns(self) -> None:
        """Drop cached columns after ``people`` changes."""
        self._columns.clear()

    def event_keys(self, n: int) -> np.ndarray:
        """``n`` fresh event keys (global, before agencies number their own records)."""
        keys = np.arange(self.next_event, self.next_event + n)
        self.next_event += n
        return keys
