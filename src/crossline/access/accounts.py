"""Named users: argon2 password hashes, lock-out after repeated failures, no user enumeration.

The login answer is the same for an unknown user, a wrong password, a
disabled account and a locked account, and takes the same time (an unknown
user's password is checked against a dummy hash), so the login form cannot be
used to find out who has an account. Failures are counted per account; after
``MAX_FAILURES`` the account locks for ``LOCK_MINUTES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, insert, select, update

from crossline.access.actor import Actor
from crossline.access.roles import check_role_for_agency
from crossline.errors import Conflict, InvalidInput, NotFound
from crossline.store.models import Agency, User
from crossline.store.times import stamp

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 12
LOGIN_FAILED = "the user name or password is wrong, or the account is locked or disabled; ask an administrator if this persists"

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password anyone has")


def _now() -> datetime:
    return datetime.now(UTC)



@dataclass(frozen=True)
class Account:
    user_id: str
    display_name: str
    agency: str
    role: str
    disabled: bool
    locked_until: str | None

    def actor(self) -> Actor:
        from crossline.access.roles import service_role

        return Actor(user=self.user_id, agency=self.agency, role=service_role(self.role).actor_role)


def check_password_rules(password: str) -> None:
    """Length over composition rules (NCSC guidance): long passphrases, nothing else demanded."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters; a phrase of three or four words is easiest to remember")


def _account(row: Row[Any]) -> Account:
    return Account(row.user_id, row.display_name, row.agency, row.role, row.disabled, row.locked_until)


def add_user(conn: Connection, *, user_id: str, display_name: str, agency: str, role: str, password: str, by: str) -> Account:
    agency_row = conn.execute(select(Agency.type).where(Agency.agency_id == agency)).scalar_one_or_none()
    if agency_row is None:
        raise NotFound(f"no agency {agency!r}; add the agency first", next_step="list_agencies")
    check_role_for_agency(role, agency_row)
    check_password_rules(password)
    if conn.execute(select(User.user_id).where(User.user_id == user_id)).first():
        raise Conflict(f"a user {user_id!r} already exists")
    conn.execute(insert(User).values(
        user_id=user_id, display_name=display_name, agency=agency, role=role, password_hash=_hasher.hash(password),
        disabled=False, failed_logins=0, locked_until=None, must_change_password=False, created_at=stamp(_now()), created_by=by,
    ))
    return get(conn, user_id)


def get(conn: Connection, user_id: str) -> Account:
    row = conn.execute(select(User).where(User.user_id == user_id)).first()
    if row is None:
        raise NotFound(f"no user {user_id!r}", next_step="list_users")
    return _account(row)


def list_users(conn: Connection) -> list[Account]:
    return [_account(r) for r in conn.execute(select(User).order_by(User.agency, User.user_id))]


def set_disabled(conn: Connection, user_id: str, disabled: bool) -> Account:
    get(conn, user_id)
    conn.execute(update(User).where(User.user_id == user_id).values(disabled=disabled))
    return get(conn, user_id)


def reset_password(conn: Connection, user_id: str, password: str) -> Account:
    get(conn, user_id)
    check_password_rules(password)
    conn.execute(update(User).where(User.user_id == user_id).values(
        password_hash=_hasher.hash(password), failed_logins=0, locked_until=None, must_change_password=True))
    return get(conn, user_id)


def authenticate(conn: Connection, user_id: str, password: str, now: datetime | None = None) -> Account | None:
    """The account if the password is right and the account usable; None otherwise, counting the failure.

    Callers show LOGIN_FAILED for None whatever the reason.
    """
    now = now or _now()
    row = conn.execute(select(User).where(User.user_id == user_id)).first()
    if row is None:
        _verify(_DUMMY, password)  # same cost as a real check
        return None
    locked = row.locked_until is not None and row.locked_until > stamp(now)
    ok = _verify(row.password_hash, password)
    if ok and not locked and not row.disabled:
        if _hasher.check_needs_rehash(row.password_hash):
            conn.execute(update(User).where(User.user_id == user_id).values(password_hash=_hasher.hash(password)))
        conn.execute(update(User).where(User.user_id == user_id).values(failed_logins=0, locked_until=None))
        return _account(row)
    if not locked:
        failures = row.failed_logins + 1
        lock = stamp(now + timedelta(minutes=LOCK_MINUTES)) if failures >= MAX_FAILURES else None
        conn.execute(update(User).where(User.user_id == user_id).values(
            failed_logins=0 if lock else failures, locked_until=lock))
    return None


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
