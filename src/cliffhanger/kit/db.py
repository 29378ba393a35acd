"""Database engine, sessions and the declarative Base shared by every domain's models.

One model layer serves SQLite (embedded) and PostgreSQL (scale-out). On SQLite every transaction
starts with `BEGIN IMMEDIATE`: writers queue on the database lock up front instead of failing
half-way with "database is locked" when a read transaction tries to upgrade. Threads of one
process first queue on a process-wide writer lock per database file (`_SQLiteWriter`), so they
are woken in turn instead of polling SQLite's busy timeout. On PostgreSQL, writers that must
serialise on a row (wallet balances) lock it with `SELECT ... FOR UPDATE`.
"""

from __future__ import annotations

import enum
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Enum,
    MetaData,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from cliffhanger.kit.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def new_id() -> str:
    """Random, unguessable identifiers for every public object."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which stores naive text) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


SQLITE_BUSY_TIMEOUT_S = 30.0
_HELD = "cliffhanger.sqlite_writer"
_WRITER_LOCKS: dict[str, threading.Lock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


class _SQLiteWriter:
    """Transactions of one process on one SQLite file, one at a time.

    Every SQLite transaction here is `BEGIN IMMEDIATE`, i.e. takes the database write lock. When
    it is taken, SQLite's busy handler makes the others sleep and retry (1, 2, 5, 10 ... 100 ms),
    so 32 threads polling one lock give long, random waits. A `threading.Lock` taken before
    `BEGIN IMMEDIATE` and released once COMMIT or ROLLBACK has run lets the threads of this process
    wait in the kernel instead and run as soon as the previous transaction ends. Other processes
    (a second web worker, `cliffhanger worker`, the CLI) still meet at SQLite's own lock and its
    busy timeout, as before. The lock is shared by every engine of this process on the file.
    """

    def __init__(self, engine: Engine, timeout_s: float) -> None:
        database = engine.url.database or ""
        key = os.path.realpath(database) if database not in ("", ":memory:") else f"@{id(engine)}"
        with _WRITER_LOCKS_GUARD:
            self.lock = _WRITER_LOCKS.setdefault(key, threading.Lock())
        self.timeout_s = timeout_s
        dialect = engine.dialect
        self._commit, self._rollback = dialect.do_commit, dialect.do_rollback
        # The dialect's hooks receive the pooled connection, whose `info` outlives a checkout.
        setattr(dialect, "do_begin", self.begin)  # noqa: B010 (instance hooks of this engine)
        setattr(dialect, "do_commit", self.commit)  # noqa: B010
        setattr(dialect, "do_rollback", self.rollback)  # noqa: B010
        event.listen(engine, "close", self._closed)
        event.listen(engine, "invalidate", self._invalidated)

    def begin(self, conn: Any) -> None:
        if not self.lock.acquire(timeout=self.timeout_s):
            raise sqlite3.OperationalError("database is locked (waited for the writer lock)")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        conn.info[_HELD] = True

    def commit(self, conn: Any) -> None:
        try:
            self._commit(conn)
        finally:
            self._settle(conn)

    def rollback(self, conn: Any) -> None:
        try:
            self._rollback(conn)
        finally:
            self._settle(conn)

    def _settle(self, conn: Any) -> None:
        """Release the lock once the connection has left its transaction (a failed COMMIT
        keeps it until the ROLLBACK that follows)."""
        try:
            info = conn.info
        except NotImplementedError:  # the engine's first-connect probe, never in a transaction
            return
        if not info.get(_HELD):
            return
        try:
            busy = bool(conn.in_transaction)
        except sqlite3.Error:  # closed: SQLite released its lock with the connection
            busy = False
        if not busy:
            del info[_HELD]
            self.lock.release()

    def _gone(self, record: ConnectionPoolEntry) -> None:
        if record.info.pop(_HELD, False):
            self.lock.release()

    def _closed(self, _dbapi: Any, record: ConnectionPoolEntry) -> None:
        self._gone(record)

    def _invalidated(self, _dbapi: Any, record: ConnectionPoolEntry, _exc: Any) -> None:
        self._gone(record)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN IMMEDIATE below is what runs.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    _SQLiteWriter(engine, SQLITE_BUSY_TIMEOUT_S)


def make_engine(settings: Settings) -> Engine:
    url = settings.db_url
    if url.startswith("sqlite"):
        settings.ensure_dirs()
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=8,
            max_overflow=32,
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    # The pool holds as many connections as a web process runs requests at once (the threadpool
    # runs up to 40 sync endpoints), so a burst does not open and close overflow connections
    # (a new PostgreSQL backend each) on every request.
    return create_engine(url, pool_size=24, max_overflow=24, pool_pre_ping=True)


class Database:
    """An engine plus its session factory; one per process and settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def enum_column(cls: type[enum.Enum], length: int = 16) -> Enum:
    return Enum(cls, native_enum=False, length=length)


def insert_ignore(session: Session):  # type: ignore[no-untyped-def]
    """The dialect's INSERT that supports ON CONFLICT DO NOTHING."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
