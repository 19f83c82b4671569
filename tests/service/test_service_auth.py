"""Logging in: argon2 hashes, no user enumeration, lock-out, session expiry, CSRF, API token scope, security headers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from service_users import PASSWORD
from sqlalchemy import select, update

from crossline.access import credentials
from crossline.access.accounts import MAX_FAILURES
from crossline.access.actor import LOCAL_ADMIN
from crossline.service import users
from crossline.store.models import User, WebSession
from crossline.workspace import Workspace


def test_login_sets_a_strict_session_cookie_and_stores_only_hashes(client: TestClient, served: Workspace) -> None:
    answer = client.post("/api/v1/session", json={"user": "ana", "password": PASSWORD})
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    token = client.cookies["crossline_session"]
    with served.engine.connect() as conn:
        stored = conn.execute(select(User.password_hash)).scalars().all()
        sessions = conn.execute(select(WebSession.token_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in stored) and PASSWORD not in str(stored)
    assert token not in sessions and len(sessions) == 1
    me = client.get("/api/v1/session").json()
    assert me["user"] == "ana" and me["role"] == "analyst" and me["agency"] == "gwent-police"


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(client: TestClient) -> None:
    unknown = client.post("/api/v1/session", json={"user": "nobody", "password": PASSWORD})
    wrong = client.post("/api/v1/session", json={"user": "ana", "password": "wrong password entirely"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]
    assert "set-cookie" not in unknown.headers and "set-cookie" not in wrong.headers


def test_repeated_failures_lock_the_account_until_an_administrator_resets_it(client: TestClient, served: Workspace) -> None:
    for _ in range(MAX_FAILURES):
        assert client.post("/api/v1/session", json={"user": "sam", "password": "not the password"}).status_code == 401
    locked = client.post("/api/v1/session", json={"user": "sam", "password": PASSWORD})
    assert locked.status_code == 401  # the right password no longer opens it, and the answer does not say why
    users.reset_password(served, LOCAL_ADMIN, "sam", "a brand new passphrase")
    assert client.post("/api/v1/session", json={"user": "sam", "password": "a brand new passphrase"}).status_code == 200


def test_a_disabled_user_is_logged_out_everywhere(login: Callable[[str], TestClient], served: Workspace) -> None:
    c = login("ana")
    assert c.get("/api/v1/session").status_code == 200
    users.set_disabled(served, LOCAL_ADMIN, "ana", True)
    assert c.get("/api/v1/session").status_code == 401


def test_sessions_expire_when_idle_and_at_their_end(login: Callable[[str], TestClient], served: Workspace) -> None:
    c = login("ana")
    long_ago = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with served.engine.begin() as conn:
        conn.execute(update(WebSession).values(last_seen_at=long_ago))
    assert c.get("/api/v1/session").status_code == 401
    c = login("ana")
    with served.engine.begin() as conn:
        conn.execute(update(WebSession).values(expires_at=long_ago))
    assert c.get("/api/v1/session").status_code == 401


def test_a_state_change_with_the_cookie_needs_the_csrf_token(login: Callable[[str], TestClient]) -> None:
    c = login("ana")
    token = c.headers.pop("X-CSRF-Token")
    refused = c.post("/api/v1/builds", json={})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert c.post("/api/v1/builds", json={}, headers={"X-CSRF-Token": "guessed"}).status_code == 403
    assert c.post("/api/v1/builds", json={}, headers={"X-CSRF-Token": token}).status_code == 202


def test_api_tokens_are_shown_once_scoped_and_revocable(client: TestClient, served: Workspace) -> None:
    secret, info = users.issue_token(served, LOCAL_ADMIN, name="school MIS", agency="valleys-schools-trust", role="practitioner")
    with served.engine.connect() as conn:
        assert secret not in str(conn.execute(select(credentials.ApiToken)).all())
    school = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/session", headers=school).json()["role"] == "partner"
    assert client.get("/api/v1/lines", headers=school).status_code == 403  # a school's token cannot read deal lines
    assert client.post("/api/v1/builds", json={}, headers=school).status_code == 403
    users.revoke_token(served, LOCAL_ADMIN, info.token_id)
    assert client.get("/api/v1/session", headers=school).status_code == 401
    assert client.get("/api/v1/session", headers={"Authorization": "Bearer cl_forged_token"}).status_code == 401


def test_a_role_must_suit_the_agency(served: Workspace) -> None:
    import pytest

    from crossline.errors import InvalidInput

    with pytest.raises(InvalidInput, match="cannot hold the role"):
        users.add_user(served, LOCAL_ADMIN, user_id="x", display_name="X", agency="valleys-schools-trust", role="police_analyst", password=PASSWORD)
    with pytest.raises(InvalidInput, match="at least 12"):
        users.add_user(served, LOCAL_ADMIN, user_id="y", display_name="Y", agency="gwent-police", role="police_analyst", password="short")


def test_security_headers_and_problem_details(client: TestClient) -> None:
    answer = client.get("/api/v1/session")
    assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert set(body) >= {"type", "title", "status", "detail"} and body["status"] == 401
    h = answer.headers
    assert "script-src 'self'" in h["content-security-policy"] and "unsafe-inline" not in h["content-security-policy"].split("script-src")[1].split(";")[0]
    assert h["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["strict-transport-security"].startswith("max-age=") and h["x-content-type-options"] == "nosniff"


def test_not_found_speaks_as_the_command_line_does(login: Callable[[str], TestClient]) -> None:
    answer = login("ana").get("/api/v1/persons/gwent-police/NO-SUCH", params={"purpose": "checking a referral"})
    assert answer.status_code == 404
    assert answer.json()["detail"] == "no person record 'NO-SUCH' from source 'gwent-police'" and answer.json()["next_step"] == "list_sources"


def test_security_headers_on_answers_and_on_a_refused_nul(login: Callable[[str], TestClient]) -> None:
    client = login("ana")
    found = client.get("/api/v1/session")
    assert found.status_code == 200 and found.headers["x-frame-options"] == "DENY" and found.headers["cache-control"] == "no-store"
    refused = client.get("/api/v1/search", params={"q": "ab\x00cd"})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "a NUL character cannot be part of a request" and "frame-ancestors 'none'" in refused.headers["content-security-policy"]


def test_a_login_name_holding_a_nul_is_refused_as_invalid_not_a_server_error(client: TestClient) -> None:
    answer = client.post("/api/v1/session", json={"user": "\x00", "password": "whatever it is"})
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
