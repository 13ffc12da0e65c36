"""Editor accounts: users, API tokens and failed-login counts, kept in the same database as the records so
that several app servers share them.

Accounts can be cut off: disabled, deleted and logged out everywhere (each browser session carries the
user's session epoch, bumped by logout, password reset and disabling); tokens expire or are revoked by an
admin; no change may leave zero active admins (checked inside the same transaction, so concurrent admin
actions cannot both win). A deleted user keeps its row with only its name, public id and display name: the
published history still names it, and the name cannot be taken over by someone else's account.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from metadata.storage.database import Database
from metadata.storage.states import Conflict, NotFound, StorageError
from metadata.storage.tables import login_failures, tokens, users

DEFAULT_DISPLAY_NAME = "Muniment user"


class LastAdmin(StorageError):
    """The change would leave no active admin, so nobody could manage accounts any more."""


def _live():
    return users.c.deleted_at.is_(None)


class Accounts:
    """Users with password hashes, roles, state and public face; tokens by digest; the login failure log."""

    def __init__(self, db: Database):
        self.db = db

    def put_user(self, name: str, password_hash: str, role: str) -> None:
        """Create a user or reset one's password and role (a reset ends its sessions)."""
        self.save_user(name, role, password_hash)

    # ---------------------------------------------------------------- users
    def user(self, name: str) -> dict | None:
        """A user that has not been deleted (with its password hash, role, state and session epoch)."""
        with self.db.reading() as conn:
            row = conn.execute(select(users).where(users.c.name == name, _live())).first()
        return dict(row._mapping) if row else None

    def session_user(self, name: str, epoch) -> dict | None:
        """The user a browser session names, if that session has not been ended (logout, reset, disabling)."""
        found = self.user(name)
        if found is None or found["disabled"] or found["session_epoch"] != epoch:
            return None
        return found

    def list_users(self) -> list[dict]:
        with self.db.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(users.c.name, users.c.role, users.c.created_at, users.c.display_name, users.c.disabled,
                       users.c.public_id).where(_live()).order_by(users.c.name))]

    @staticmethod
    def _check_admins_remain(conn) -> None:
        count = conn.execute(select(func.count()).select_from(users).where(
            users.c.role == "admin", users.c.disabled.is_(False), _live())).scalar_one()
        if count == 0:
            raise LastAdmin("this would leave no active admin; make another user admin first")

    def save_user(self, name: str, role: str, password_hash: str | None = None,
                  display_name: str | None = None) -> None:
        """Create a user, or change an existing one's role, password (which ends its sessions) or display
        name. A name that belonged to a deleted user cannot be reused (its history stays its own)."""
        with self.db.writing() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
            if row is None:
                if password_hash is None:
                    raise NotFound(f"no user {name}")
                conn.execute(users.insert().values(name=name, password_hash=password_hash, role=role,
                                                   created_at=self.db.clock(),
                                                   display_name=display_name or DEFAULT_DISPLAY_NAME))
                return
            if row.deleted_at is not None:
                raise Conflict(f"the name {name} belonged to a deleted user; choose another")
            values: dict = {"role": role}
            if password_hash is not None:
                values.update(password_hash=password_hash, session_epoch=row.session_epoch + 1)
            if display_name:
                values["display_name"] = display_name
            conn.execute(users.update().where(users.c.name == name).values(**values))
            if row.role == "admin" and role != "admin":
                self._check_admins_remain(conn)

    def set_password(self, name: str, password_hash: str) -> None:
        found = self.user(name)
        if found is None:
            raise NotFound(f"no user {name}")
        self.save_user(name, found["role"], password_hash)

    def end_sessions(self, name: str) -> None:
        """Every browser session of this user stops working (each carries the epoch it began in)."""
        with self.db.writing() as conn:
            conn.execute(users.update().where(users.c.name == name)
                         .values(session_epoch=users.c.session_epoch + 1))

    def set_disabled(self, name: str, disabled: bool) -> None:
        """A disabled user can neither log in nor use a session or a token until enabled again."""
        with self.db.writing() as conn:
            changed = conn.execute(users.update().where(users.c.name == name, _live()).values(
                disabled=disabled, session_epoch=users.c.session_epoch + 1)).rowcount
            if changed != 1:
                raise NotFound(f"no user {name}")
            self._check_admins_remain(conn)

    def delete_user(self, name: str) -> None:
        """Remove a user's access for good: password, tokens and sessions; the public face stays."""
        with self.db.writing() as conn:
            changed = conn.execute(users.update().where(users.c.name == name, _live()).values(
                deleted_at=self.db.clock(), disabled=True, password_hash="", role="editor",
                session_epoch=users.c.session_epoch + 1)).rowcount
            if changed != 1:
                raise NotFound(f"no user {name}")
            conn.execute(tokens.update().where(tokens.c.user_name == name).values(revoked=True))
            self._check_admins_remain(conn)

    # ---------------------------------------------------------------- the public face of authors
    def agents(self, names) -> dict[str, dict]:
        """``{login name: {public_id, display_name}}`` for the names that are (or were) users."""
        names = sorted(set(names))
        if not names:
            return {}
        with self.db.reading() as conn:
            rows = conn.execute(select(users.c.name, users.c.public_id, users.c.display_name)
                                .where(users.c.name.in_(names))).all()
        return {r.name: {"public_id": r.public_id, "display_name": r.display_name or DEFAULT_DISPLAY_NAME}
                for r in rows}

    def display_name(self, public_id: str) -> str | None:
        """The display name behind a public user id (deleted users included), None for an unknown id."""
        with self.db.reading() as conn:
            row = conn.execute(select(users.c.display_name).where(users.c.public_id == public_id)).first()
        return (row.display_name or DEFAULT_DISPLAY_NAME) if row else None

    # ---------------------------------------------------------------- API tokens
    def add_token(self, user_name: str, token_hash: str, label: str = "",
                  expires_at: datetime | None = None) -> int:
        with self.db.writing() as conn:
            if conn.execute(select(users.c.name).where(users.c.name == user_name, _live())).first() is None:
                raise NotFound(f"no user {user_name}")
            return conn.execute(tokens.insert().values(user_name=user_name, token_hash=token_hash, label=label,
                                                       created_at=self.db.clock(), expires_at=expires_at)
                                ).inserted_primary_key[0]

    def token_user(self, token_hash: str) -> dict | None:
        """The user behind a token that is unrevoked, unexpired, and whose user may still get in."""
        now = self.db.clock()
        with self.db.reading() as conn:
            row = conn.execute(
                select(users.c.name, users.c.role).join(tokens, tokens.c.user_name == users.c.name)
                .where(tokens.c.token_hash == token_hash, tokens.c.revoked.is_(False),
                       (tokens.c.expires_at.is_(None)) | (tokens.c.expires_at > now),
                       users.c.disabled.is_(False), _live())).first()
        return dict(row._mapping) if row else None

    def list_tokens(self, user_name: str | None = None) -> list[dict]:
        """One user's tokens, or everyone's (for an admin) when ``user_name`` is None."""
        query = select(tokens.c.id, tokens.c.user_name, tokens.c.label, tokens.c.created_at, tokens.c.expires_at,
                       tokens.c.revoked).order_by(tokens.c.id)
        if user_name is not None:
            query = query.where(tokens.c.user_name == user_name)
        with self.db.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def revoke_token(self, user_name: str | None, token_id: int) -> bool:
        """Revoke a token; limited to ``user_name``'s own tokens unless None (an admin revoking any)."""
        condition = tokens.c.id == token_id
        if user_name is not None:
            condition = condition & (tokens.c.user_name == user_name)
        with self.db.writing() as conn:
            return conn.execute(tokens.update().where(condition).values(revoked=True)).rowcount == 1

    def revoke_tokens(self, user_name: str) -> int:
        with self.db.writing() as conn:
            return conn.execute(tokens.update().where(tokens.c.user_name == user_name, tokens.c.revoked.is_(False))
                                .values(revoked=True)).rowcount

    # ---------------------------------------------------------------- failed logins
    def failures(self, key: str, since: datetime) -> tuple[int, datetime | None]:
        """How many failed logins ``key`` had since ``since``, and when the latest was."""
        with self.db.reading() as conn:
            row = conn.execute(select(func.count(), func.max(login_failures.c.at)).where(
                login_failures.c.key == key, login_failures.c.at >= since)).first()
        latest = row[1]
        if isinstance(latest, str):
            latest = datetime.fromisoformat(latest)
        return row[0], latest

    def add_failure(self, keys: list[str], forget_before: datetime) -> None:
        """Count a failed login under each key, and drop every row older than any limit still reads."""
        with self.db.writing() as conn:
            now = self.db.clock()
            conn.execute(login_failures.insert(), [{"key": key, "at": now} for key in keys])
            conn.execute(login_failures.delete().where(login_failures.c.at < forget_before))

    def clear_failures(self, key: str) -> None:
        with self.db.writing() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.key == key))
