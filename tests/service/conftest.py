"""A served workspace: the contract's good example imported, users of each kind, and an HTTPS test client per user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_users import PASSWORD, USERS

from crossline.access.actor import LOCAL_ADMIN
from crossline.api.app import create_app
from crossline.service import users
from crossline.workspace import Workspace
from helpers import import_as_hub


@pytest.fixture
def served(workspace: Workspace, examples: Path) -> Workspace:
    import_as_hub(workspace, examples / "good")
    for user_id, (agency, role) in USERS.items():
        users.add_user(workspace, LOCAL_ADMIN, user_id=user_id, display_name=user_id.title(), agency=agency, role=role, password=PASSWORD)
    return workspace


@pytest.fixture
def client(served: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(served), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def login(served: Workspace) -> Iterator[Callable[[str], TestClient]]:
    """A logged-in client for a user, with the session's CSRF token sent on every request."""
    opened: list[TestClient] = []

    def make(user: str) -> TestClient:
        c = TestClient(create_app(served), base_url="https://testserver")
        opened.append(c)
        answer = c.post("/api/v1/session", json={"user": user, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        c.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return c

    yield make
    for c in opened:
        c.close()
