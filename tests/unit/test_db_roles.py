"""Blind coding enforced by PostgreSQL (row-level security), and the honest refusal on SQLite."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.cli_run import Runner, runner_for
from tests.unit.conftest import MINI


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


def _as_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.split("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


def _coders_in_export(qc: Runner, as_: str) -> set[str]:
    out = _ok(qc, "codings", "export", "--format", "csv", as_=as_)
    return {row["coder"] for row in csv.DictReader(io.StringIO(out))}


@pytest.mark.pg
def test_a_coder_with_sql_access_sees_only_their_own_codings(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    qc = runner_for(pg_url, capsys)
    _ok(qc, "init", "--lead", "alice")
    _ok(qc, "import", "--spacy-model", "blank", str(MINI))
    _ok(qc, "codebook", "import", str(MINI.parent / "mini_codebook.yaml"))
    _ok(qc, "codings", "import", str(MINI / "codings.csv"))
    out = _ok(qc, "db", "grant", "--login")
    assert "roles: alice, bob" in out and "leads: alice" in out
    refused = qc("db", "grant", as_="bob")
    assert refused.code == 2 and "needs the lead role" in refused.err

    # bob, connected as himself: plain SQL shows his rows only, and cannot write alice's
    params = dict(p.split("=", 1) for p in urlsplit(pg_url).query.split("&") if p)
    dbname = urlsplit(pg_url).path.lstrip("/")
    with psycopg.connect(host=params["host"], dbname=dbname, user="bob") as conn:
        coders = conn.execute(
            "SELECT DISTINCT c.name FROM coding JOIN coder c ON c.id = coding.coder_id"
        ).fetchall()
        assert coders == [("bob",)]
        total = conn.execute("SELECT count(*) FROM coding").fetchone()
        assert total == (2,)
        alice = conn.execute("SELECT id FROM coder WHERE name = 'alice'").fetchone()
        assert alice is not None
        updated = conn.execute(
            "UPDATE coding SET memo = 'x' WHERE coder_id = %s RETURNING id", alice
        ).fetchall()
        assert updated == []  # alice's rows do not exist for bob
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO coding (guid, transcript_id, segment_id, start, \"end\", code_id, "
                "coder_id, memo, created_at, codebook_seq) SELECT 'g', transcript_id, "
                "segment_id, start, \"end\", code_id, %s, '', now(), 0 FROM coding LIMIT 1",
                alice,
            )
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM participant")

    # the same through qualcode, connected as each person
    as_bob = runner_for(_as_user(pg_url, "bob"), capsys, actor="bob")
    assert _coders_in_export(as_bob, "bob") == {"bob"}
    _ok(as_bob, "apply", "--coder", "bob", "--transcript", "P02", "--segment", "2",
        "--code", "Training", as_="bob")  # fmt: skip
    as_alice = runner_for(_as_user(pg_url, "alice"), capsys)
    assert _coders_in_export(as_alice, "alice") == {"alice", "bob"}


def test_on_sqlite_the_limits_are_said_plainly(mini: Runner, db_url: str) -> None:
    if "://" in db_url:
        pytest.skip("the SQLite case")
    refused = mini("db", "grant")
    assert refused.code == 2 and "anyone who can read the file" in refused.err
