"""The short exception hierarchy the core raises; the CLI turns each into a message that says what to do next."""

from __future__ import annotations


class CrosslineError(Exception):
    """Base of every error Crossline raises on purpose."""


class BundleError(CrosslineError):
    """A bundle or one of its files cannot be imported; nothing from the bundle was written."""

    def __init__(self, file: str, problem: str) -> None:
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class WorkspaceError(CrosslineError):
    """The workspace is missing, unreadable or misconfigured."""


class PermissionDenied(CrosslineError):
    """The actor's role or agency does not allow this operation."""


class AuditIntegrityError(CrosslineError):
    """The audit log's hash chain is broken: an entry was edited or deleted."""
