"""Shared fixtures: every database test runs on SQLite and, when reachable, on PostgreSQL.

With CLIFFHANGER_REQUIRE_SERVICES=1 (CI) an unreachable PostgreSQL or Redis fails the run
instead of skipping silently. Nothing of our own is mocked: tests use real databases, the real
Huey queue with real consumer threads, real storage folders and real ffmpeg.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cliffhanger import migrate
from cliffhanger.kit.config import Settings
from cliffhanger.kit.runtime import Runtime, install

# The money fixtures (`clock`, `client`) serve the access, ledger, orders, pricing and
# subscriptions suites alike.
pytest_plugins = ["tests.money"]

PG_ADMIN_URL = os.environ.get(
    "CLIFFHANGER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("CLIFFHANGER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("CLIFFHANGER_REQUIRE_SERVICES") == "1"


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _service_or_skip(name: str, port: int) -> None:
    if _port_open(port):
        return
    if REQUIRE_SERVICES:
        pytest.fail(
            f"{name} is required (CLIFFHANGER_REQUIRE_SERVICES=1) but 127.0.0.1:{port} is closed"
        )
    pytest.skip(f"{name} not reachable on 127.0.0.1:{port}")


class PgTemplates:
    """A migrated template database, cloned into a fresh database per test (fast and isolated)."""

    def __init__(self) -> None:
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.template = f"chtpl_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        engine = create_engine(self._url(self.template))
        migrate.upgrade(engine)
        engine.dispose()
        self.created: list[str] = []

    def _url(self, name: str) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def fresh(self) -> str:
        name = f"cht_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.created.append(name)
        return self._url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in [*self.created, self.template]:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_templates() -> Iterator[PgTemplates]:
    _service_or_skip("PostgreSQL", 5432)
    templates = PgTemplates()
    yield templates
    templates.close()


@pytest.fixture(params=["sqlite", "postgres"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _settings_for(tmp_path: Path, database_url: str | None, **overrides: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-" + uuid.uuid4().hex,
        queue_workers=2,
        **overrides,
    )


@pytest.fixture
def settings_factory(request: pytest.FixtureRequest, tmp_path: Path, db_backend: str):
    """Build settings on this test's backend; call with overrides (e.g. welcome_coins=100)."""
    urls: list[str] = []

    def make(**overrides: object) -> Settings:
        url = None
        if db_backend == "postgres":
            templates: PgTemplates = request.getfixturevalue("pg_templates")
            url = templates.fresh()
            urls.append(url)
        return _settings_for(tmp_path, url, **overrides)

    yield make
    if urls:
        templates = request.getfixturevalue("pg_templates")
        for url in urls:
            templates.drop(url)


@pytest.fixture
def make_runtime(settings_factory):
    runtimes: list[Runtime] = []

    def make(**overrides: object) -> Runtime:
        rt = install(Runtime.build(settings_factory(**overrides)))
        if rt.db.is_sqlite:
            migrate.upgrade(rt.db.engine)
        runtimes.append(rt)
        return rt

    yield make
    for rt in runtimes:
        rt.close()


@pytest.fixture
def rt(make_runtime) -> Runtime:
    return make_runtime()


@pytest.fixture
def redis_url() -> str:
    _service_or_skip("Redis", 6379)
    return REDIS_URL
