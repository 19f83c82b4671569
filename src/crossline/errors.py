"""The short exception hierarchy the core raises.

Each error says what went wrong in words that hold for every interface; what
the user can do next is a ``next_step`` key, which each interface turns into
its own words (the CLI into a command, the API into a problem-details field,
the pages into a link). The core therefore never names a CLI command.

Each kind maps to one exit code and one HTTP status, so the CLI and the API
agree on what kind of failure happened:

| kind | exit code | HTTP |
| --- | --- | --- |
| invalid input (a bundle, an argument, a value) | 2 | 422 |
| not found (or not visible to this user) | 3 | 404 |
| not allowed | 4 | 403 |
| conflict (an invalid state change, a clash) | 5 | 409 |
| configuration (settings, workspace, database) | 6 | 500 |
| integrity (the audit log does not verify) | 7 | 500 |
| disk full (the workspace's or the database's disk) | 8 | 507 |

An operating-system error that is not one of these (a folder that cannot be
read, a file that vanished) is one line too, with exit code 1: the user sees
what failed on which file, never a traceback.
"""

from __future__ import annotations

import errno
from typing import ClassVar


class CrosslineError(Exception):
    """Base of every error Crossline raises on purpose."""

    kind: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, next_step: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.next_step = next_step  # a key of NEXT_STEPS, or None


class InvalidInput(CrosslineError):
    """A value, an argument or a file the user gave cannot be used as it is."""

    kind = "invalid_input"
    exit_code = 2
    http_status = 422


class NotFound(CrosslineError):
    """The thing asked for does not exist, or is not visible to this user (the two are never told apart)."""

    kind = "not_found"
    exit_code = 3
    http_status = 404


class NotAllowed(CrosslineError):
    """The user's role or agency does not allow this operation."""

    kind = "not_allowed"
    exit_code = 4
    http_status = 403


class Conflict(CrosslineError):
    """The operation does not fit the current state (an invalid state change, a duplicate, a build running)."""

    kind = "conflict"
    exit_code = 5
    http_status = 409


class ConfigurationError(CrosslineError):
    """The workspace, its settings or its database cannot be used as configured."""

    kind = "configuration"
    exit_code = 6
    http_status = 500


class IntegrityError(CrosslineError):
    """Stored data fails a check that should never fail (the audit chain, a published picture)."""

    kind = "integrity"
    exit_code = 7
    http_status = 500


class DiskFull(CrosslineError):
    """A disk filled up while writing; what was being written was not kept as if complete."""

    kind = "disk_full"
    exit_code = 8
    http_status = 507


# How each store says "the disk is full": the OS (ENOSPC, EDQUOT), SQLite, DuckDB and Polars in their messages,
# PostgreSQL by SQLSTATE 53100 (disk_full) on the server's disk.
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_FULL_WORDS = ("no space left on device", "database or disk is full", "disk quota exceeded", "not enough space on the disk")
_FULL_SQLSTATE = "53100"


def disk_full(exc: BaseException) -> DiskFull | None:
    """The DiskFull that ``exc`` (or anything in its cause chain) stands for, or None if it is not a full disk."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DiskFull):
            return current
        if isinstance(current, OSError) and current.errno in _FULL_ERRNOS:
            return DiskFull(_full_message(current.filename))
        if getattr(current, "sqlstate", None) == _FULL_SQLSTATE:
            return DiskFull("the database server's disk is full: its administrator must free space before anything can be written")
        if not isinstance(current, CrosslineError) and any(words in str(current).lower() for words in _FULL_WORDS):
            return DiskFull(_full_message(None))
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def _full_message(filename: object) -> str:
    where = f" (writing {filename})" if filename else ""
    return (
        f"the disk is full{where}: nothing was kept half-written; "
        "free some space or move the workspace to a larger disk, then run the same command again"
    )


def os_error_line(exc: OSError) -> str:
    """One line for an operating-system error: what failed, on which file, without a traceback."""
    what = exc.strerror or str(exc) or type(exc).__name__
    names = [str(n) for n in (exc.filename, exc.filename2) if n]
    return f"{what}: {' -> '.join(names)}" if names else what


class BundleError(InvalidInput):
    """A bundle or one of its files cannot be imported; nothing from the bundle was written."""

    kind = "bundle"

    def __init__(self, file: str, problem: str) -> None:
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


# What a user can do next, by key. Interfaces word these themselves (crossline.cli.hints for the CLI).
NEXT_STEPS: frozenset[str] = frozenset({
    "init_workspace",  # create a workspace first
    "build",  # run the build (the picture lacks a table)
    "list_sources",  # see which sources and records exist
    "list_lines",  # see the deal lines
    "list_groups",  # see the organised crime groups
    "list_priorities",  # see the ranked lines and groups
    "show_line",  # see one line's numbers
    "list_applications",  # see the DDTRO applications
    "list_alerts",  # see the alerts
    "list_risk",  # see who is scored
    "list_referrals",  # see referrals
    "list_nrm",  # see NRM referrals
    "list_review",  # see the review queue
    "list_agencies",  # see the agencies
    "list_stages",  # see the build stages
    "settings_docs",  # read docs/settings.md
    "list_users",  # see the service's users
    "list_jobs",  # see import and build jobs
    "restore_audit_key",  # put the workspace's audit key file back (docs/audit.md)
    "import_as_agency",  # name the agency a bundle is from (or configure the workspace's)
    "allow_sender",  # let one agency send records for another (an administrator)
})
