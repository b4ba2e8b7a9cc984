"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg_server import PostgresServer, find_pg_bin

# --- PostgreSQL ---
# A real server, started once per session and only when a test asks for it (pg_url, db_url[pg]).
# Missing binaries: skip locally, fail in CI (env CI non-empty). See tests/pg_server.py.


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        msg = (
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb); "
            "install them with `apt-get install postgresql` (or run .ci/ensure-postgres)"
        )
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except BaseException as exc:
        server.stop()
        if isinstance(exc, Exception):
            pytest.fail(f"could not start PostgreSQL: {exc}", pytrace=False)
        raise
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> Iterator[str]:
    """URL of a fresh, empty database, dropped (WITH (FORCE)) after the test."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(pg_server.database_name(url))


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="pg", marks=pytest.mark.pg),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test runs twice: a SQLite file path, then a fresh PostgreSQL database URL."""
    if request.param == "sqlite":
        return str(tmp_path / "project.db")
    url: str = request.getfixturevalue("pg_url")
    return url
