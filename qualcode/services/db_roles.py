"""Team mode on PostgreSQL: who you are is your database login, and the database holds the rules.

On a shared SQLite file the roles are a convention kept by qualcode: anyone who can write the
file can change anything in it. On PostgreSQL, ``qualcode db grant`` (run by the database
owner, acting for the lead) makes them hold for any SQL a coder can send, ``psql`` included:

* group roles ``qualcode_coder`` and ``qualcode_lead`` (a lead is also a coder);
* one login role per coder, and the table ``qualcode_login`` (login → coder id): the immutable
  key that says which coder a database login is. Only the owner writes it (``db grant`` adds
  a coder's login, named like the coder, the first time); renaming a coder changes nothing;
* row-level security keyed on ``session_user`` through that table: a coder reads and writes
  only their own codings, memos and progress, inserts codes only as their own proposals (and
  changes only those), sees only their own audit entries and no consensus decision; a lead
  every row;
* privileges: coders read the rest and write nothing else (codebook, coders, roles,
  consensus, participants, transcripts are the lead's);
* ``audit_entry`` and ``codebook_event`` are append-only for everyone (a trigger refuses
  UPDATE, DELETE and TRUNCATE), and a trigger stamps the acting coder of the login on every
  new row, whatever the client says;
* a coder is made a member of ``qualcode_lead`` only when their row says *lead* and no coder
  could have written that row: when an older grant let coders write ``coder``, a lead role
  that is not a database lead yet is held back (set back to *coder*; a lead confirms it with
  ``coders add NAME --role lead`` and runs ``db grant`` again).

Running it again brings everything up to date (new coders, changed roles).

``acting_person`` is the other half: which coder a connection acts as (``--as`` may only name
the login's own coder).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.lookup import CONSENSUS
from qualcode.store.models import Base, Coder

CODER_GROUP = "qualcode_coder"
LEAD_GROUP = "qualcode_lead"
LOGIN_TABLE = "qualcode_login"
OWN_ROWS = {"coding": "coder_id", "memo": "author_id", "progress": "coder_id"}
APPEND_ONLY = ("audit_entry", "codebook_event")
CODER_EVENTS = ("propose", "withdraw")  # the codebook events a coder's own proposals make

_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION qualcode_me() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT coder_id FROM {LOGIN_TABLE} WHERE login = session_user
$$;
CREATE OR REPLACE FUNCTION qualcode_is_lead() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT pg_has_role(session_user, '{LEAD_GROUP}', 'MEMBER')
$$;
CREATE OR REPLACE FUNCTION qualcode_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'qualcode: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE OR REPLACE FUNCTION qualcode_stamp_actor() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  me text;
BEGIN
  SELECT c.name INTO me FROM {LOGIN_TABLE} l JOIN coder c ON c.id = l.coder_id
   WHERE l.login = session_user;
  IF me IS NOT NULL THEN
    NEW.actor := me;
  ELSIF pg_has_role(session_user, '{CODER_GROUP}', 'MEMBER')
        AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
    NEW.actor := session_user;
  END IF;
  RETURN NEW;
END
$$;
"""

_ME = "qualcode_me()"
_LEAD = "qualcode_is_lead()"


@dataclass
class GrantReport:
    roles: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)


def _quote(session: Session, name: str) -> str:
    quoted = session.connection().dialect.identifier_preparer.quote_identifier(name)
    return str(quoted)


def _role_exists(session: Session, name: str) -> bool:
    found = session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


def _is_member(session: Session, role: str, group: str) -> bool:
    """Direct membership (``pg_has_role`` is true for every superuser)."""
    found = session.execute(
        text(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
            "JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = :r AND g.rolname = :g"
        ),
        {"r": role, "g": group},
    )
    return found.first() is not None


def _coders_could_write_coder(session: Session) -> bool:
    """An older grant let coders write the coder table (their roles are not to be trusted)."""
    if not _role_exists(session, CODER_GROUP):
        return False
    found = session.execute(
        text(
            "SELECT has_table_privilege(:g, 'coder', 'INSERT') "
            "OR has_table_privilege(:g, 'coder', 'UPDATE')"
        ),
        {"g": CODER_GROUP},
    )
    return bool(found.scalar())


def _exec(session: Session, sql: str) -> None:
    session.execute(text(sql))


def _privileges(session: Session) -> None:
    quote = _quote
    tables = [t.name for t in Base.metadata.sorted_tables]
    for table in [*tables, "alembic_version", LOGIN_TABLE]:
        name = quote(session, table)
        _exec(session, f"REVOKE ALL ON {name} FROM {CODER_GROUP}, {LEAD_GROUP}")
        _exec(session, f"GRANT SELECT ON {name} TO {CODER_GROUP}")
    for table in tables:
        writes = "INSERT" if table in APPEND_ONLY else "INSERT, UPDATE, DELETE"
        _exec(session, f"GRANT {writes} ON {quote(session, table)} TO {LEAD_GROUP}")
    for table in (*OWN_ROWS, "code"):
        _exec(session, f"GRANT INSERT, UPDATE, DELETE ON {table} TO {CODER_GROUP}")
    for table in APPEND_ONLY:
        _exec(session, f"GRANT INSERT ON {table} TO {CODER_GROUP}")
    _exec(session, f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {CODER_GROUP}")
    _exec(session, f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {CODER_GROUP}")
    _exec(session, f"GRANT EXECUTE ON FUNCTION qualcode_me(), qualcode_is_lead() TO {CODER_GROUP}")


def _policy(session: Session, table: str, name: str, spec: str) -> None:
    _exec(session, f"DROP POLICY IF EXISTS {name} ON {table}")
    _exec(session, f"CREATE POLICY {name} ON {table} {spec}")


def _policies(session: Session) -> None:
    for table in (*OWN_ROWS, "code", *APPEND_ONLY, "consensus_decision"):
        _exec(session, f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    # how each segment was decided (which coder's version won) is the leads' alone
    _policy(session, "consensus_decision", "qualcode_leads",
            f"TO {CODER_GROUP} USING ({_LEAD}) WITH CHECK ({_LEAD})")  # fmt: skip
    for table, column in OWN_ROWS.items():
        own = f"{column} = {_ME} OR {_LEAD}"
        _policy(session, table, "qualcode_own_rows", f"TO {CODER_GROUP} USING ({own}) "
                f"WITH CHECK ({own})")  # fmt: skip
    proposal = f"{_LEAD} OR (status = 'proposed' AND created_by_id = {_ME})"
    _policy(session, "code", "qualcode_read", f"FOR SELECT TO {CODER_GROUP} USING (true)")
    for command in ("INSERT", "UPDATE", "DELETE"):
        using = "" if command == "INSERT" else f"USING ({proposal})"
        check = "" if command == "DELETE" else f"WITH CHECK ({proposal})"
        _policy(session, "code", f"qualcode_{command.lower()}",
                f"FOR {command} TO {CODER_GROUP} {using} {check}")  # fmt: skip
    mine = f"{_LEAD} OR actor = (SELECT name FROM coder WHERE id = {_ME})"
    _policy(session, "audit_entry", "qualcode_read", f"FOR SELECT TO {CODER_GROUP} USING ({mine})")
    _policy(session, "codebook_event", "qualcode_read", f"FOR SELECT TO {CODER_GROUP} USING (true)")
    events = ", ".join(f"'{a}'" for a in CODER_EVENTS)
    inserts = {"audit_entry": "true", "codebook_event": f"{_LEAD} OR action IN ({events})"}
    for table, check in inserts.items():
        _policy(
            session, table, "qualcode_insert", f"FOR INSERT TO {CODER_GROUP} WITH CHECK ({check})"
        )
    for table in APPEND_ONLY:
        _exec(session, f"DROP TRIGGER IF EXISTS qualcode_append_only ON {table}")
        _exec(session, f"CREATE TRIGGER qualcode_append_only BEFORE UPDATE OR DELETE ON {table} "
              "FOR EACH ROW EXECUTE FUNCTION qualcode_append_only()")  # fmt: skip
        _exec(session, f"DROP TRIGGER IF EXISTS qualcode_no_truncate ON {table}")
        _exec(session, f"CREATE TRIGGER qualcode_no_truncate BEFORE TRUNCATE ON {table} "
              "FOR EACH STATEMENT EXECUTE FUNCTION qualcode_append_only()")  # fmt: skip
        _exec(session, f"DROP TRIGGER IF EXISTS qualcode_stamp_actor ON {table}")
        _exec(session, f"CREATE TRIGGER qualcode_stamp_actor BEFORE INSERT ON {table} "
              "FOR EACH ROW EXECUTE FUNCTION qualcode_stamp_actor()")  # fmt: skip


def logins(session: Session) -> dict[int, str]:
    """coder id → database login, from the immutable mapping (empty before ``db grant``)."""
    if not _has_login_table(session.connection()):
        return {}
    rows = session.execute(text(f"SELECT coder_id, login FROM {LOGIN_TABLE}")).all()
    return {int(coder_id): str(login) for coder_id, login in rows}


def _has_login_table(conn: Connection) -> bool:
    found = conn.execute(text("SELECT to_regclass(:t)"), {"t": f"public.{LOGIN_TABLE}"})
    return found.scalar() is not None


def grant(session: Session, login: bool = False) -> GrantReport:
    """Create or update the roles, privileges, policies and triggers (PostgreSQL only).

    Run by the owner of the project's tables (or a superuser), acting for the lead.
    """
    if session.connection().dialect.name != "postgresql":
        raise QualcodeError(
            "db grant: database roles and row-level security need PostgreSQL; on a shared "
            "SQLite file anyone who can read the file can read every coder's codings"
        )
    owner = session.execute(
        text(
            "SELECT pg_has_role(session_user, tableowner, 'MEMBER') FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename = 'coder'"
        )
    ).scalar()
    if not owner:
        raise QualcodeError(
            "db grant: run it connected as the owner of the project's tables (the database "
            "login that created the project) or a superuser"
        )
    report = GrantReport()
    untrusted_roles = _coders_could_write_coder(session)
    quote = _quote
    for group in (CODER_GROUP, LEAD_GROUP):
        if not _role_exists(session, group):
            _exec(session, f"CREATE ROLE {group} NOLOGIN")
    _exec(session, f"GRANT {CODER_GROUP} TO {LEAD_GROUP}")
    database = session.execute(text("SELECT current_database()")).scalar_one()
    _exec(session, f"GRANT CONNECT ON DATABASE {quote(session, database)} TO {CODER_GROUP}")
    _exec(session, f"GRANT USAGE ON SCHEMA public TO {CODER_GROUP}")
    _exec(
        session,
        f"CREATE TABLE IF NOT EXISTS {LOGIN_TABLE} (login text PRIMARY KEY, coder_id integer "
        "NOT NULL UNIQUE REFERENCES coder(id) ON DELETE CASCADE)",
    )
    _exec(session, _FUNCTIONS)
    _privileges(session)
    _policies(session)
    mapped = logins(session)
    taken = set(mapped.values())
    for coder in session.scalars(select(Coder).order_by(Coder.name)):
        if coder.name == CONSENSUS:
            continue
        name = mapped.get(coder.id)
        if name is None:
            name = coder.name
            if name in taken:
                raise QualcodeError(
                    f"db grant: the database login {name!r} already belongs to another coder; "
                    f"rename coder {coder.name!r} first"
                )
            session.execute(
                text(f"INSERT INTO {LOGIN_TABLE} (login, coder_id) VALUES (:l, :c)"),
                {"l": name, "c": coder.id},
            )
            taken.add(name)
        role = quote(session, name)
        if not _role_exists(session, name):
            _exec(session, f"CREATE ROLE {role} {'LOGIN' if login else 'NOLOGIN'}")
        elif login:
            _exec(session, f"ALTER ROLE {role} LOGIN")
        _exec(session, f"GRANT {CODER_GROUP} TO {role}")
        if coder.role == "lead":
            if untrusted_roles and not _is_member(session, name, LEAD_GROUP):
                coder.role = "coder"  # a coder could have written this row
                session.flush()
                report.held_back.append(coder.name)
                _exec(session, f"REVOKE {LEAD_GROUP} FROM {role}")
            else:
                _exec(session, f"GRANT {LEAD_GROUP} TO {role}")
                report.leads.append(coder.name)
        else:
            _exec(session, f"REVOKE {LEAD_GROUP} FROM {role}")
        report.roles.append(coder.name)
    return report


def acting_person(conn: Connection, requested: str, explicit: bool) -> str:
    """The coder a PostgreSQL connection acts as.

    A login mapped to a coder (by ``db grant``) is that coder: ``requested`` (``--as``,
    ``QUALCODE_AS``, ``QUALCODE_USER``) may only name them when ``explicit``, and the OS
    user name is ignored. A login outside team mode (the tables' owner, a superuser, or any
    login before ``db grant``) acts as ``requested``: it can write every table anyway. A
    member of ``qualcode_coder`` with no coder is refused.
    """
    if conn.dialect.name != "postgresql":
        return requested
    login, mine = login_coder(conn)
    if mine is not None:
        if explicit and requested != mine:
            raise QualcodeError(
                f"--as {requested}: you are connected to the database as {login!r}, who is "
                f"coder {mine!r}; on PostgreSQL you act as your database login (connect as "
                f"{requested!r} to act as them)"
            )
        return str(mine)
    in_team = (
        _role_exists_conn(conn, CODER_GROUP)
        and conn.execute(
            text(
                "SELECT NOT r.rolsuper AND pg_has_role(r.oid, :g, 'MEMBER') "
                "FROM pg_roles r WHERE r.rolname = :l"
            ),
            {"l": login, "g": CODER_GROUP},
        ).scalar()
    )
    if in_team:
        raise QualcodeError(
            f"the database login {login!r} is not a coder of this project; the lead adds "
            "the coder and runs 'qualcode db grant' (connected as the tables' owner)"
        )
    return requested


def login_coder(conn: Connection) -> tuple[str, str | None]:
    """The database login of a PostgreSQL connection, and the coder it is (None: no coder)."""
    login = str(conn.execute(text("SELECT session_user")).scalar_one())
    if not _has_login_table(conn):
        return login, None
    mine = conn.execute(
        text(
            f"SELECT c.name FROM {LOGIN_TABLE} l JOIN coder c ON c.id = l.coder_id "
            "WHERE l.login = :l"
        ),
        {"l": login},
    ).scalar_one_or_none()
    return login, None if mine is None else str(mine)


def _role_exists_conn(conn: Connection, name: str) -> bool:
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None
