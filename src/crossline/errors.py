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
"""

from __future__ import annotations

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
})
