"""What the page tests' workspaces hold (the fixtures that build them are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from crossline.workspace import Workspace


@dataclass(frozen=True)
class Site:
    ws: Workspace
    kai: str  # the nominal of Kai Morgan: police records and the school's S-001, a C-coded intelligence reason
    police_only: str  # a nominal only the police hold (P3)
    referral: str  # police -> school, waiting for the school's answer
    pair: dict[str, object]  # the review queue's first pair as the build left it, with its explanation


@dataclass(frozen=True)
class LineSite:
    ws: Workspace
    line_id: str
