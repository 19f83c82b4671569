"""Users and API tokens of the multi-agency service: administrator only, every change audited."""

from __future__ import annotations

from datetime import timedelta

from crossline.access import accounts, credentials
from crossline.access import audit as audit_log
from crossline.access.actor import Actor
from crossline.access.policy import require
from crossline.workspace import Workspace


def add_user(ws: Workspace, actor: Actor, *, user_id: str, display_name: str, agency: str, role: str, password: str) -> accounts.Account:
    require(actor, "manage_users")
    with ws.engine.begin() as conn:
        account = accounts.add_user(conn, user_id=user_id, display_name=display_name, agency=agency, role=role, password=password, by=actor.user)
        audit_log.record(conn, actor, "user_add", f"user:{user_id}", {"agency": agency, "role": role})
    return account


def list_users(ws: Workspace, actor: Actor) -> list[accounts.Account]:
    require(actor, "manage_users")
    with ws.engine.connect() as conn:
        return accounts.list_users(conn)


def set_disabled(ws: Workspace, actor: Actor, user_id: str, disabled: bool = True) -> accounts.Account:
    require(actor, "manage_users")
    with ws.engine.begin() as conn:
        account = accounts.set_disabled(conn, user_id, disabled)
        if disabled:
            credentials.close_sessions_of(conn, user_id)
        audit_log.record(conn, actor, "user_disable" if disabled else "user_enable", f"user:{user_id}", {})
    return account


def reset_password(ws: Workspace, actor: Actor, user_id: str, password: str) -> accounts.Account:
    require(actor, "manage_users")
    with ws.engine.begin() as conn:
        account = accounts.reset_password(conn, user_id, password)
        credentials.close_sessions_of(conn, user_id)
        audit_log.record(conn, actor, "user_reset_password", f"user:{user_id}", {})
    return account


def issue_token(ws: Workspace, actor: Actor, *, name: str, agency: str, role: str) -> tuple[str, credentials.TokenInfo]:
    require(actor, "manage_users")
    with ws.engine.begin() as conn:
        secret, info = credentials.issue_token(conn, name=name, agency=agency, role=role, by=actor.user)
        audit_log.record(conn, actor, "token_issue", f"token:{info.token_id}", {"name": name, "agency": agency, "role": role})
    return secret, info


def list_tokens(ws: Workspace, actor: Actor) -> list[credentials.TokenInfo]:
    require(actor, "manage_users")
    with ws.engine.connect() as conn:
        return credentials.list_tokens(conn)


def revoke_token(ws: Workspace, actor: Actor, token_id: str) -> None:
    require(actor, "manage_users")
    with ws.engine.begin() as conn:
        credentials.revoke_token(conn, token_id)
        audit_log.record(conn, actor, "token_revoke", f"token:{token_id}", {})


def login(ws: Workspace, user_id: str, password: str, lifetime_hours: int = credentials.ABSOLUTE_HOURS) -> tuple[str, str, Actor] | None:
    """(session token, CSRF token, actor) for a right password on a usable account; None otherwise (and the failure is audited)."""
    with ws.engine.begin() as conn:
        account = accounts.authenticate(conn, user_id, password)
        if account is None:
            # the attempted name is recorded only as given, so auditors can see guessing; nothing says whether it exists
            audit_log.record(conn, Actor(user="anonymous", agency="-", role="partner"), "login_failed", "session", {"as": user_id[:64]})
            return None
        actor = account.actor()
        token, csrf = credentials.open_session(conn, user_id, lifetime=timedelta(hours=lifetime_hours))
        audit_log.record(conn, actor, "login", "session", {})
    return token, csrf, actor


def logout(ws: Workspace, token: str) -> None:
    with ws.engine.begin() as conn:
        info = credentials.session(conn, token)
        credentials.close_session(conn, token)
        if info is not None:
            audit_log.record(conn, info.actor, "logout", "session", {})
