"""The PostgreSQL fixtures give working, separate databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from tests.pg_server import PostgresServer


def _engine(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


@pytest.mark.pg
def test_pg_url_is_a_working_database(pg_url: str) -> None:
    assert pg_url.startswith("postgresql://postgres@/t_") and "?host=/" in pg_url
    engine = _engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE item (id integer PRIMARY KEY, name text NOT NULL)"))
            conn.execute(
                text("INSERT INTO item (id, name) VALUES (:id, :name)"),
                [{"id": 1, "name": "alpha"}, {"id": 2, "name": "Müller"}],
            )
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, name FROM item ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, "alpha"), (2, "Müller")]
    finally:
        engine.dispose()


@pytest.mark.pg
def test_pg_urls_are_separate_databases(pg_url: str, pg_server: PostgresServer) -> None:
    other_url = pg_server.create_database()
    try:
        assert other_url != pg_url
        first, other = _engine(pg_url), _engine(other_url)
        try:
            with first.begin() as conn:
                conn.execute(text("CREATE TABLE only_here (id integer)"))
                first_name = conn.execute(text("SELECT current_database()")).scalar_one()
            with other.connect() as conn:
                other_name = conn.execute(text("SELECT current_database()")).scalar_one()
            assert first_name != other_name
            assert inspect(other).get_table_names() == []
        finally:
            first.dispose()
            other.dispose()
    finally:
        pg_server.drop_database(pg_server.database_name(other_url))
    with pg_server.admin_connect() as admin:
        cur = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (other_name,))
        assert cur.fetchone() is None


def test_db_url_is_sqlite_path_or_pg_url(db_url: str, request: pytest.FixtureRequest) -> None:
    if db_url.startswith("postgresql://"):
        assert request.node.get_closest_marker("pg") is not None
        engine = _engine(db_url)
    else:
        assert db_url.endswith("project.db")
        assert request.node.get_closest_marker("pg") is None
        engine = create_engine(f"sqlite:///{db_url}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
