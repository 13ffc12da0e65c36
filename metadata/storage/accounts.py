"""Editor accounts: users, API tokens and failed-login counts. Not record concerns, but kept in the same
database so that several app servers share them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from metadata.storage.database import Database
from metadata.storage.states import NotFound
from metadata.storage.tables import login_failures, tokens, users


class Accounts:
    """Users with password hashes and roles, tokens by digest, and the login failure log."""

    def __init__(self, db: Database):
        self.db = db

    def put_user(self, name: str, password_hash: str, role: str) -> None:
        with self.db.writing() as conn:
            exists = conn.execute(select(users.c.name).where(users.c.name == name)).first()
            if exists:
                conn.execute(users.update().where(users.c.name == name).values(password_hash=password_hash, role=role))
            else:
                conn.execute(users.insert().values(name=name, password_hash=password_hash, role=role,
                                                   created_at=self.db.clock()))

    def set_password(self, name: str, password_hash: str) -> None:
        with self.db.writing() as conn:
            if conn.execute(users.update().where(users.c.name == name).values(
                    password_hash=password_hash)).rowcount != 1:
                raise NotFound(f"no user {name}")

    def user(self, name: str) -> dict | None:
        with self.db.reading() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return dict(row._mapping) if row else None

    def list_users(self) -> list[dict]:
        with self.db.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(select(users.c.name, users.c.role, users.c.created_at)
                                                           .order_by(users.c.name))]

    def add_token(self, user_name: str, token_hash: str, label: str = "") -> int:
        with self.db.writing() as conn:
            if conn.execute(select(users.c.name).where(users.c.name == user_name)).first() is None:
                raise NotFound(f"no user {user_name}")
            return conn.execute(tokens.insert().values(user_name=user_name, token_hash=token_hash, label=label,
                                                       created_at=self.db.clock())).inserted_primary_key[0]

    def token_user(self, token_hash: str) -> dict | None:
        """The user an unrevoked API token belongs to."""
        with self.db.reading() as conn:
            row = conn.execute(select(users.c.name, users.c.role).join(tokens, tokens.c.user_name == users.c.name)
                               .where(tokens.c.token_hash == token_hash, tokens.c.revoked.is_(False))).first()
        return dict(row._mapping) if row else None

    def list_tokens(self, user_name: str) -> list[dict]:
        with self.db.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(tokens.c.id, tokens.c.label, tokens.c.created_at, tokens.c.revoked)
                .where(tokens.c.user_name == user_name).order_by(tokens.c.id))]

    def revoke_token(self, user_name: str, token_id: int) -> bool:
        with self.db.writing() as conn:
            return conn.execute(tokens.update().where(tokens.c.id == token_id, tokens.c.user_name == user_name)
                                .values(revoked=True)).rowcount == 1

    def count_login_failures(self, key: str, since: datetime) -> int:
        """Failed logins for ``key`` since ``since``, shared by every app server using this database."""
        with self.db.reading() as conn:
            return conn.execute(select(func.count()).select_from(login_failures).where(
                login_failures.c.key == key, login_failures.c.at >= since)).scalar_one()

    def add_login_failure(self, key: str) -> None:
        with self.db.writing() as conn:
            conn.execute(login_failures.insert().values(key=key, at=self.db.clock()))

    def clear_login_failures(self, key: str, before: datetime | None = None) -> None:
        """Forget ``key``'s failures (after a successful login), and everyone's older than ``before``."""
        with self.db.writing() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.key == key))
            if before is not None:
                conn.execute(login_failures.delete().where(login_failures.c.at < before))
