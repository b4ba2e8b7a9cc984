"""Team mode on PostgreSQL (issue 13): a coder connected as themselves — through ``psql`` or
qualcode — cannot change the codebook, coders, roles, consensus, the audit log or history,
cannot see or write anyone else's codings, memos or progress, and acts only as themselves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.cli_run import Runner, run_cli, runner_for
from tests.unit.conftest import MINI, MINI_CODEBOOK

pytestmark = pytest.mark.pg


def _as_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.split("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


def _connect(url: str, user: str) -> psycopg.Connection:
    params = dict(p.split("=", 1) for p in urlsplit(url).query.split("&") if p)
    dbname = urlsplit(url).path.lstrip("/")
    from urllib.parse import unquote

    return psycopg.connect(host=unquote(params["host"]), dbname=dbname, user=user, autocommit=True)


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


@dataclass
class Team:
    url: str
    admin: Runner  # the tables' owner (a superuser here), acting for the lead alice
    ids: dict[str, int]


@pytest.fixture
def team(pg_url: str, capsys: pytest.CaptureFixture[str]) -> Iterator[Team]:
    qc = runner_for(pg_url, capsys)
    _ok(qc, "init", "--lead", "alice")
    _ok(qc, "import", "--spacy-model", "blank", str(MINI))
    _ok(qc, "codebook", "import", str(MINI_CODEBOOK))
    _ok(qc, "codings", "import", str(MINI / "codings.csv"))
    _ok(qc, "coders", "add", "carol", "--role", "coder")
    _ok(qc, "apply", "--coder", "carol", "--transcript", "P01", "--segment", "3", "--code",
        "Training")  # fmt: skip
    _ok(qc, "done", "--coder", "carol", "P01")
    out = _ok(qc, "db", "grant", "--login")
    assert "roles: alice, bob, carol" in out and "leads: alice" in out
    with _connect(pg_url, "postgres") as admin:
        ids = {str(n): int(i) for i, n in admin.execute("SELECT id, name FROM coder")}
        admin.execute(
            "INSERT INTO memo (guid, transcript_id, segment_id, author_id, text, created_at) "
            "SELECT 'memo-alice', id, NULL, %s, 'alice thinks', now() FROM transcript LIMIT 1",
            (ids["alice"],),
        )
        admin.execute(
            "INSERT INTO consensus_decision (transcript_id, segment_id, how, actor, note, at) "
            "SELECT transcript_id, id, 'bob', 'alice', '', now() FROM segment LIMIT 1"
        )
    yield Team(pg_url, qc, ids)


def _refused(conn: psycopg.Connection, sql: str, *params: object) -> str:
    """The statement fails, or (row-level security) touches no row; returns which."""
    try:
        cursor = conn.execute(sql, params or None)
    except psycopg.errors.InsufficientPrivilege as exc:
        return f"refused: {str(exc).splitlines()[0]}"
    assert cursor.rowcount == 0, f"{sql} changed {cursor.rowcount} rows"
    return "no row visible"


# (statement, parameters by coder name) — each tried as bob with plain SQL
STATEMENTS = [
    ("UPDATE code SET name = 'Hijacked'", ()),
    ("UPDATE code SET status = 'retired' WHERE status = 'active'", ()),
    ("DELETE FROM code", ()),
    (
        "INSERT INTO code (guid, name, position, kind, description, include, exclude, example, "
        "color, shortcut, status, created_at) VALUES ('g1', 'Mine', 0, 'descriptive', '', '', '', "
        "'', '', '', 'active', now())",
        (),
    ),
    (
        "INSERT INTO code (guid, name, position, kind, description, include, exclude, example, "
        "color, shortcut, status, created_by_id, created_at) VALUES ('g2', 'Theirs', 0, "
        "'descriptive', '', '', '', '', '', '', 'proposed', %s, now())",
        ("carol",),
    ),
    ("UPDATE coder SET role = 'lead' WHERE name = 'bob'", ()),
    ("UPDATE coder SET name = 'carol2' WHERE name = 'carol'", ()),
    ("UPDATE coder SET name = 'bob' WHERE name = 'carol'", ()),
    ("INSERT INTO coder (name, role, created_at) VALUES ('mallory', 'lead', now())", ()),
    ("DELETE FROM coder WHERE name = 'carol'", ()),
    ("DELETE FROM audit_entry", ()),
    ("UPDATE audit_entry SET actor = 'alice'", ()),
    ("TRUNCATE audit_entry", ()),
    ("UPDATE codebook_event SET actor = 'carol', rationale = 'forged'", ()),
    ("DELETE FROM codebook_event", ()),
    ("TRUNCATE codebook_event", ()),
    (
        "INSERT INTO codebook_event (at, actor, action, code_guid, before, after, rationale) "
        "VALUES (now(), 'alice', 'rename', 'x', '', '', 'forged')",
        (),
    ),
    ("UPDATE progress SET status = 'not_started' WHERE coder_id = %s", ("carol",)),
    ("DELETE FROM progress WHERE coder_id = %s", ("carol",)),
    (
        "INSERT INTO progress (coder_id, transcript_id, status, updated_at) "
        "SELECT %s, id, 'done', now() FROM transcript",
        ("carol",),
    ),
    (
        'INSERT INTO coding (guid, transcript_id, segment_id, start, "end", code_id, coder_id, '
        "memo, created_at, codebook_seq) SELECT 'g3', transcript_id, segment_id, start, \"end\", "
        "code_id, %s, '', now(), 0 FROM coding LIMIT 1",
        ("alice",),
    ),
    ("UPDATE coding SET memo = 'x' WHERE coder_id = %s", ("carol",)),
    ("UPDATE coding SET coder_id = %s", ("carol",)),
    ("DELETE FROM coding WHERE coder_id = %s", ("alice",)),
    (
        "INSERT INTO memo (guid, transcript_id, author_id, text, created_at) "
        "SELECT 'g4', id, %s, 'as alice', now() FROM transcript LIMIT 1",
        ("alice",),
    ),
    ("UPDATE memo SET text = 'changed'", ()),
    ("DELETE FROM memo", ()),
    (
        "INSERT INTO consensus_decision (transcript_id, segment_id, how, actor, note, at) "
        "SELECT transcript_id, id, 'x', 'alice', '', now() FROM segment LIMIT 1",
        (),
    ),
    ("DELETE FROM consensus_decision", ()),
    ("DELETE FROM transcript", ()),
    ("UPDATE segment SET text = 'x'", ()),
    ("DELETE FROM participant", ()),
    ("INSERT INTO codebook_tag (label, seq, at) VALUES ('v9', 0, now())", ()),
    ("UPDATE project_info SET value = 'x'", ()),
    ("UPDATE qualcode_login SET login = 'bob' WHERE coder_id = %s", ("carol",)),
    ("INSERT INTO qualcode_login (login, coder_id) VALUES ('bob2', %s)", ("alice",)),
    ("DELETE FROM qualcode_login", ()),
    ("UPDATE alembic_version SET version_num = '0001'", ()),
    ("GRANT qualcode_lead TO bob", ()),
    ("SET ROLE alice", ()),
    ("SET ROLE qualcode_lead", ()),
    ("ALTER TABLE coding DISABLE ROW LEVEL SECURITY", ()),
    ("DROP TRIGGER qualcode_append_only ON audit_entry", ()),
    ("SELECT setval('coder_id_seq', 1)", ()),
]


def _state(url: str) -> tuple[object, ...]:
    """Everything the statements above aim at, read by the superuser."""
    with _connect(url, "postgres") as admin:
        tables = ("code", "coder", "audit_entry", "codebook_event", "progress", "coding", "memo",
                  "consensus_decision", "transcript", "segment", "participant", "codebook_tag",
                  "project_info", "qualcode_login", "alembic_version")  # fmt: skip
        rows = [sorted(map(str, admin.execute(f"SELECT * FROM {t}").fetchall())) for t in tables]
        return (*rows, admin.execute("SELECT last_value FROM coder_id_seq").fetchone())


def test_every_forbidden_statement_is_refused_for_a_coder(team: Team) -> None:
    before = _state(team.url)
    outcomes: dict[str, str] = {}
    with _connect(team.url, "bob") as bob:
        for sql, who in STATEMENTS:
            params = tuple(team.ids[name] for name in who)
            outcomes[sql] = _refused(bob, sql, *params)
    assert _state(team.url) == before, outcomes
    changes = [s for s, o in outcomes.items() if not o.startswith(("refused", "no row"))]
    assert changes == []
    print("\n".join(f"{o[:70]:70} | {s[:60]}" for s, o in outcomes.items()))


def test_blind_coding_holds_for_any_select(team: Team) -> None:
    with _connect(team.url, "bob") as bob:
        bob_id = team.ids["bob"]
        coders = bob.execute("SELECT DISTINCT coder_id FROM coding").fetchall()
        assert coders == [(bob_id,)]
        assert bob.execute("SELECT count(*) FROM memo").fetchone() == (0,)
        assert bob.execute("SELECT count(*) FROM consensus_decision").fetchone() == (0,)
        assert bob.execute("SELECT DISTINCT coder_id FROM progress").fetchall() in ([], [(bob_id,)])
        actors = {a for (a,) in bob.execute("SELECT actor FROM audit_entry")}
        assert actors <= {"bob"}
        # a coder's own rows: still theirs to write
        assert bob.execute("UPDATE coding SET memo = 'mine' WHERE coder_id = %s",
                           (bob_id,)).rowcount == 2  # fmt: skip
        # an audit entry a coder writes names the login's coder, whatever it says
        bob.execute(
            "INSERT INTO audit_entry (at, actor, action, target, detail) "
            "VALUES (now(), 'alice', 'rename', 'x', 'forged')"
        )
    with _connect(team.url, "postgres") as admin:
        row = admin.execute("SELECT actor FROM audit_entry WHERE detail = 'forged'").fetchone()
    assert row == ("bob",)


def _bob(team: Team, capsys: pytest.CaptureFixture[str]) -> Runner:
    return runner_for(_as_user(team.url, "bob"), capsys, actor="bob")


@pytest.mark.parametrize(
    "args",
    [
        ("codebook", "rename", "Training", "Schooling", "--why", "x"),
        ("codebook", "retire", "Training", "--why", "x"),
        ("codebook", "merge", "Exposure/News", "--into", "Training", "--why", "x"),
        ("coders", "add", "bob", "--role", "lead"),
        ("consensus", "auto"),
        ("db", "grant"),
        ("apply", "--coder", "alice", "--transcript", "P02", "--segment", "2", "--code", "Tra"),
    ],
)
def test_as_a_lead_through_qualcode_is_refused(
    team: Team, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    bob = _bob(team, capsys)
    pretending = bob(*args, as_="alice")
    assert pretending.code == 2
    assert "you are connected to the database as 'bob'" in pretending.err
    assert pretending.err.startswith("error: ") and pretending.err.count("\n") == 1
    as_himself = bob(*args, as_="bob")
    assert as_himself.code == 2, as_himself.out


def test_qualcode_user_may_only_name_the_login(
    team: Team, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _as_user(team.url, "bob")
    for variable in ("QUALCODE_USER", "QUALCODE_AS"):
        monkeypatch.setenv(variable, "alice")
        refused = run_cli(capsys, ["--db", url, "codebook", "retire", "Training", "--why", "x"])
        assert refused.code == 2 and "connected to the database as 'bob'" in refused.err
        monkeypatch.delenv(variable)
    # no name given: the OS user is not asked, bob acts as bob and the log says so
    done = run_cli(capsys, ["--db", url, "apply", "--coder", "bob", "--transcript", "P02",
                            "--segment", "2", "--code", "Training"])  # fmt: skip
    assert done.ok, done.err
    log = team.admin("log", "--format", "csv").out
    assert "bob,apply" in log.replace(", ", ",")


def test_grant_again_never_promotes_a_coder(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    _ok(team.admin, "coders", "add", "dave", "--role", "coder")
    out = _ok(team.admin, "db", "grant", "--login")
    assert "leads: alice)" in out
    # an older grant let coders write the coder table: a lead role it did not grant is held back
    with _connect(team.url, "postgres") as admin:
        admin.execute("GRANT UPDATE ON coder TO qualcode_coder")
    with _connect(team.url, "bob") as bob:
        bob.execute("UPDATE coder SET role = 'lead' WHERE name = 'bob'")
    out = _ok(team.admin, "db", "grant")
    assert "leads: alice)" in out and "held back: bob" in out
    with _connect(team.url, "postgres") as admin:
        member = admin.execute(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
            "JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = 'bob' "
            "AND g.rolname = 'qualcode_lead'"
        ).fetchall()
        assert member == []
        assert admin.execute("SELECT role FROM coder WHERE name = 'bob'").fetchone() == ("coder",)
        writable = admin.execute("SELECT has_table_privilege('qualcode_coder', 'coder', 'UPDATE')")
        assert writable.fetchone() == (False,)
    # a lead's own decision is honoured
    _ok(team.admin, "coders", "add", "bob", "--role", "lead")
    assert "leads: alice, bob)" in _ok(team.admin, "db", "grant")


def test_a_coder_proposes_codes_and_codes_through_qualcode(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    bob = _bob(team, capsys)
    _ok(bob, "codebook", "add", "Curiosity", "--description", "wants to know")
    _ok(bob, "apply", "--coder", "bob", "--transcript", "P02", "--segment", "2",
        "--code", "Curiosity")  # fmt: skip
    _ok(bob, "done", "--coder", "bob", "P01", "P02")
    listed = _ok(team.admin, "codebook", "list", "--format", "csv")
    assert "Curiosity" in listed and "proposed" in listed
    alice = runner_for(_as_user(team.url, "alice"), capsys)
    _ok(alice, "codebook", "accept", "Curiosity")
    _ok(alice, "consensus", "auto")  # the lead's login: consensus, and its codings
    assert "alice" in _ok(alice, "log", "--format", "csv")
    assert "you are connected" in alice("coders", "list", as_="bob").err


def test_audit_and_history_are_append_only_for_everyone(team: Team) -> None:
    for user in ("alice", "postgres"):  # a lead's login, and the tables' owner
        with _connect(team.url, user) as conn:
            for sql in ("UPDATE audit_entry SET actor = 'x'", "DELETE FROM codebook_event",
                        "TRUNCATE audit_entry"):  # fmt: skip
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)


def test_the_tui_and_unknown_logins_follow_the_same_rule(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    tui = _bob(team, capsys)("code", "--coder", "alice")
    assert tui.code == 2 and "bob may change only their own codings, not alice's" in tui.err
    with _connect(team.url, "postgres") as admin:
        admin.execute("DROP ROLE IF EXISTS eve")
        admin.execute("CREATE ROLE eve LOGIN IN ROLE qualcode_coder")
    try:
        eve = runner_for(_as_user(team.url, "eve"), capsys, actor="alice")("coders", "list")
        assert eve.code == 2 and "login 'eve' is not a coder of this project" in eve.err
    finally:
        with _connect(team.url, "postgres") as admin:
            admin.execute("DROP OWNED BY eve")
            admin.execute("DROP ROLE eve")
