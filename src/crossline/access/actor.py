"""Who is acting: every service function takes an Actor and checks policy before it reads."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Literal

Role = Literal["admin", "analyst", "auditor", "safeguarding", "partner", "officer", "coordinator"]
ROLES: tuple[Role, ...] = ("admin", "analyst", "auditor", "safeguarding", "partner", "officer", "coordinator")


@dataclass(frozen=True)
class Actor:
    user: str
    agency: str
    role: Role

    def __str__(self) -> str:
        return f"{self.user} ({self.role}, {self.agency})"


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def local_admin() -> Actor:
    """The CLI acts as the workspace's local administrator, named after the operating-system user."""
    return Actor(user=_local_user(), agency="local", role="admin")


LOCAL_ADMIN = Actor(user="local-admin", agency="local", role="admin")
