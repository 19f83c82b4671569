"""Login sessions for people and API tokens for systems: random secrets held by the client, only their hashes here.

A stolen database copy therefore holds no usable session or token. Sessions
expire after ``IDLE_MINUTES`` without use and ``ABSOLUTE_HOURS`` after login;
each carries its own CSRF token, which every form and state-changing request
made with the session cookie must echo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from crossline.access.actor import Actor
from crossline.access.roles import check_role_for_agency, service_role
from crossline.errors import NotFound
from crossline.store.models import Agency, ApiToken, User, WebSession
from crossline.store.times import stamp

IDLE_MINUTES = 30
ABSOLUTE_HOURS = 10
TOKEN_PREFIX = "cl_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()



@dataclass(frozen=True)
class SessionInfo:
    user_id: str
    actor: Actor
    csrf_token: str
    expires_at: str


def open_session(conn: Connection, user_id: str, now: datetime | None = None, lifetime: timedelta = timedelta(hours=ABSOLUTE_HOURS)) -> tuple[str, str]:
    """A new session for a user who has just authenticated: (the cookie's token, the CSRF token)."""
    now = now or datetime.now(UTC)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    conn.execute(insert(WebSession).values(
        token_hash=_digest(token), user_id=user_id, csrf_token=csrf, created_at=stamp(now), last_seen_at=stamp(now),
        expires_at=stamp(now + lifetime),
    ))
    return token, csrf


def session(conn: Connection, token: str, now: datetime | None = None, idle: timedelta = timedelta(minutes=IDLE_MINUTES)) -> SessionInfo | None:
    """The live session for a cookie token (touching its idle timer), or None if unknown, expired or its user disabled."""
    now = now or datetime.now(UTC)
    digest = _digest(token)
    row = conn.execute(
        select(WebSession.csrf_token, WebSession.expires_at, WebSession.last_seen_at, User.user_id, User.agency, User.role, User.disabled)
        .join(User, User.user_id == WebSession.user_id).where(WebSession.token_hash == digest)
    ).first()
    if row is None:
        return None
    if row.expires_at <= stamp(now) or row.last_seen_at < stamp(now - idle) or row.disabled:
        conn.execute(delete(WebSession).where(WebSession.token_hash == digest))
        return None
    conn.execute(update(WebSession).where(WebSession.token_hash == digest).values(last_seen_at=stamp(now)))
    actor = Actor(user=row.user_id, agency=row.agency, role=service_role(row.role).actor_role)
    return SessionInfo(row.user_id, actor, row.csrf_token, row.expires_at)


def close_session(conn: Connection, token: str) -> None:
    conn.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def close_sessions_of(conn: Connection, user_id: str) -> None:
    """Log a user out everywhere (on disable or password reset)."""
    conn.execute(delete(WebSession).where(WebSession.user_id == user_id))


def csrf_ok(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected, given)


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    name: str
    agency: str
    role: str
    created_by: str
    created_at: str
    revoked_at: str | None


def issue_token(conn: Connection, *, name: str, agency: str, role: str, by: str) -> tuple[str, TokenInfo]:
    """A new API token: (the secret, shown once and never again; what is stored about it)."""
    agency_row = conn.execute(select(Agency.type).where(Agency.agency_id == agency)).scalar_one_or_none()
    if agency_row is None:
        raise NotFound(f"no agency {agency!r}; add the agency first", next_step="list_agencies")
    check_role_for_agency(role, agency_row)
    token_id = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    now = stamp(datetime.now(UTC))
    conn.execute(insert(ApiToken).values(token_id=token_id, token_hash=_digest(secret), name=name, agency=agency, role=role,
                                         created_by=by, created_at=now, revoked_at=None))
    return secret, TokenInfo(token_id, name, agency, role, by, now, None)


def token_actor(conn: Connection, secret: str) -> Actor | None:
    row = conn.execute(select(ApiToken).where(ApiToken.token_hash == _digest(secret))).first()
    if row is None or row.revoked_at is not None:
        return None
    return Actor(user=f"token:{row.token_id}:{row.name}", agency=row.agency, role=service_role(row.role).actor_role)


def list_tokens(conn: Connection) -> list[TokenInfo]:
    rows = conn.execute(select(ApiToken).order_by(ApiToken.created_at))
    return [TokenInfo(r.token_id, r.name, r.agency, r.role, r.created_by, r.created_at, r.revoked_at) for r in rows]


def revoke_token(conn: Connection, token_id: str) -> None:
    done = conn.execute(update(ApiToken).where(ApiToken.token_id == token_id, ApiToken.revoked_at.is_(None))
                        .values(revoked_at=stamp(datetime.now(UTC))))
    if not done.rowcount:
        raise NotFound(f"no live API token {token_id!r}")
