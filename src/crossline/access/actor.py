"""Who is acting: every service function takes an Actor and checks policy before it reads."""

from __future__ import annotations

import os
import pwd
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


def os_account() -> str:
    """The operating-system account running this process, from its real user id.

    Never from $LOGNAME or $USER (what getpass.getuser reads first): anyone can
    set those, and the audit log would then name someone else.
    """
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no passwd entry (some containers): the number is still the truth
        return f"uid:{uid}"


def local_admin() -> Actor:
    """The CLI acts as the workspace's local administrator, named after the account that runs it."""
    return Actor(user=os_account(), agency="local", role="admin")


LOCAL_ADMIN = Actor(user="local-admin", agency="local", role="admin")
