"""The database tables (SQLAlchemy Core). Alembic migrations in ``metadata/migrations`` create and evolve them."""
from __future__ import annotations

import secrets

from sqlalchemy import (Boolean, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

records = Table(
    "records", metadata,
    Column("id", String(128), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("datestamp", DateTime, nullable=False),  # UTC, whole seconds: the OAI-PMH datestamp
    Column("deleted", Boolean, nullable=False, default=False),
    Column("published", Boolean, nullable=False, default=True),
    Column("harvestable", Boolean, nullable=False, default=False),  # has ever been published
    Column("title", Text, nullable=False, default=""),
    Column("created", String(64)),  # the EDTF date as written, for listings
    Column("date_lower", String(10)),
    Column("date_upper", String(10)),
    Column("content_hash", String(64), nullable=False),
    Index("ix_records_datestamp_id", "datestamp", "id"),
    Index("ix_records_date_lower", "date_lower", "id"),
)

record_sets = Table(
    "record_sets", metadata,
    Column("record_id", String(128), ForeignKey("records.id"), primary_key=True),
    Column("spec", String(255), primary_key=True),
    Index("ix_record_sets_spec", "spec", "record_id"),
)

revisions = Table(
    "revisions", metadata,
    Column("record_id", String(128), ForeignKey("records.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("data", Text, nullable=False),  # the record's JSON (stored base); a tombstone keeps the last data
    Column("deleted", Boolean, nullable=False, default=False),
    Column("published", Boolean, nullable=False, default=True),
    Column("author", String(255), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("content_hash", String(64), nullable=False),
)

derived = Table(
    "derived", metadata,
    Column("record_id", String(128), ForeignKey("records.id"), primary_key=True),
    Column("format", String(32), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("content", Text, nullable=False),
    # What Records.rebuild(stale_only=True) asks at every start, answered without reading the outputs (0016).
    Index("ix_derived_record_revision", "record_id", "revision"),
)

changes = Table(
    "changes", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("record_id", String(128), ForeignKey("records.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # create, update, delete, restore, publish, unpublish
    Column("revision", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("author", String(255), nullable=False),
    Index("ix_changes_record", "record_id", "seq"),
)

sets = Table(
    "sets", metadata,
    Column("spec", String(255), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("parent", String(255), ForeignKey("sets.spec")),
)

users = Table(
    "users", metadata,
    Column("name", String(255), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    # What the public history shows instead of the login name: an opaque id (its IRI) and a display name.
    Column("public_id", String(32), nullable=False, default=lambda: secrets.token_hex(12)),
    Column("display_name", Text, nullable=False, default=""),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("deleted_at", DateTime),  # a deleted user keeps only its name, public id and display name
    Column("session_epoch", Integer, nullable=False, default=0),  # bumped to end every session at once
    UniqueConstraint("public_id", name="uq_users_public_id"),
)

tokens = Table(
    "tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(255), ForeignKey("users.name"), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("label", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("expires_at", DateTime),  # UTC; none means the token never expires
    UniqueConstraint("token_hash", name="uq_tokens_hash"),
)

login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(320), nullable=False),  # client address and the name tried
    Column("at", DateTime, nullable=False),
    Index("ix_login_failures_key_at", "key", "at"),
)

mentions = Table(
    "mentions", metadata,  # who and what each record mentions (metadata/record/mentions.py), kept on write
    Column("record_id", String(128), ForeignKey("records.id"), primary_key=True),
    Column("kind", String(24), primary_key=True),
    Column("key", String(2048), primary_key=True),
    Column("role", String(16), primary_key=True, default=""),
    Column("label", Text, nullable=False),
    Index("ix_mentions_kind_key", "kind", "key", "record_id"),
)

search_documents = Table(
    "search_documents", metadata,  # one per record: the integer key of its full-text row, its title's sort key
    Column("doc", Integer, primary_key=True, autoincrement=True),
    Column("record_id", String(128), ForeignKey("records.id"), nullable=False),
    Column("title_key", Text, nullable=False),
    UniqueConstraint("record_id", name="uq_search_documents_record"),
)

IMPORT_KEY_LENGTH = 1000  # import keys longer than this are shortened with a digest (metadata/importers/keys.py)

record_imports = Table(
    "record_imports", metadata,  # which file each imported record came from and what its last import wrote
    Column("record_id", String(128), ForeignKey("records.id"), primary_key=True),
    # The import key (metadata/importers/keys.py); NULL when the record is found by its identifier alone (JSON-LD
    # imports) or when the migration that made this table could not tell it.
    Column("key", String(IMPORT_KEY_LENGTH)),
    Column("revision", Integer, nullable=False),  # the revision the last import wrote
    Column("content_hash", String(64), nullable=False),  # the content it wrote: another hash now means an edit
    Column("file", Text, nullable=False),  # the name of the file last imported
    Column("imported_at", DateTime, nullable=False),
    UniqueConstraint("key", name="uq_record_imports_key"),
)

entities = Table(
    "entities", metadata,  # authority control: people, places and subjects (metadata/record/authority.py)
    Column("kind", String(16), primary_key=True),  # agent, place, subject
    Column("key", String(1024), primary_key=True),  # the last segment of its IRI (…/agents/KEY), unquoted
    Column("revision", Integer, nullable=False),  # its current revision in entity_revisions
    Column("type", String(16)),  # agents: Person, Organization or Agent
    Column("name", Text, nullable=False),  # JSON language map: the preferred name per language
    Column("variants", Text, nullable=False, default="{}"),  # JSON: language -> [other names]
    Column("same_as", Text, nullable=False, default="[]"),  # JSON list of authority IRIs
    Column("sort_name", Text),
    Column("search_text", Text, nullable=False),  # every name folded (no case, no accents), one a line
    Column("merged_into", String(1024)),  # the key (same kind) this entity was merged into
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

entity_revisions = Table(
    "entity_revisions", metadata,  # every state an entity has had, like a record's revisions
    Column("kind", String(16), primary_key=True),
    Column("key", String(1024), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("data", Text, nullable=False),  # the entity as JSON (metadata/record/authority.py)
    Column("author", String(255), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("message", Text, nullable=False, default=""),
)

search_generation = Table(
    "search_generation", metadata,  # one row (id 1), absent until the first write: see metadata/storage/search_generation.py
    Column("id", Integer, primary_key=True),
    Column("value", Integer, nullable=False),
)

search_changes = Table(
    "search_changes", metadata,  # which records each generation changed ("" = all of them)
    Column("generation", Integer, primary_key=True),
    Column("record_id", String(128), primary_key=True),
)
