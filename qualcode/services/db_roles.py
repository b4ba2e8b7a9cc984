"""Blind coding enforced by PostgreSQL itself: a database role per coder, row-level security.

On a shared SQLite file the roles are a convention kept by qualcode: anyone who can read the
file can read everything in it. On PostgreSQL, ``qualcode db grant`` makes them hold even for
a coder who connects with ``psql``:

* group roles ``qualcode_coder`` and ``qualcode_lead`` (a lead is also a coder);
* one role per coder, named exactly like the coder, member of the right group (``--login``
  lets it log in; how it authenticates — password, peer, certificate — is the DBA's choice);
* row-level security on ``coding`` and ``memo``: a coder sees and writes only rows of their
  own coder id, a lead every row; the ``consensus`` coder's rows are the lead's;
* privileges: coders may read every table and write codings, memos, progress, codes (their
  proposals) and the audit log; only leads may change the other tables.

Running it again brings everything up to date (new coders, changed roles).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.lookup import CONSENSUS
from qualcode.store.models import Base, Coder

CODER_GROUP = "qualcode_coder"
LEAD_GROUP = "qualcode_lead"
OWN_ROWS = {"coding": "coder_id", "memo": "author_id"}
CODER_WRITES = ("coding", "memo", "progress", "code", "codebook_event", "audit_entry", "coder")
OWNER_CHECK = (
    "{column} = (SELECT id FROM coder WHERE name = current_user) "
    "OR pg_has_role(current_user, 'qualcode_lead', 'MEMBER')"
)


@dataclass
class GrantReport:
    roles: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)


def _quote(session: Session, name: str) -> str:
    quoted = session.connection().dialect.identifier_preparer.quote_identifier(name)
    return str(quoted)


def _role_exists(session: Session, name: str) -> bool:
    found = session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


def grant(session: Session, login: bool = False) -> GrantReport:
    """Create or update the roles, privileges and policies (PostgreSQL only; the lead's)."""
    if session.connection().dialect.name != "postgresql":
        raise QualcodeError(
            "db grant: database roles and row-level security need PostgreSQL; on a shared "
            "SQLite file anyone who can read the file can read every coder's codings"
        )
    report = GrantReport()
    quote = _quote
    for group in (CODER_GROUP, LEAD_GROUP):
        if not _role_exists(session, group):
            session.execute(text(f"CREATE ROLE {group} NOLOGIN"))
    session.execute(text(f"GRANT {CODER_GROUP} TO {LEAD_GROUP}"))
    database = session.execute(text("SELECT current_database()")).scalar_one()
    session.execute(text(f"GRANT CONNECT ON DATABASE {quote(session, database)} TO {CODER_GROUP}"))
    session.execute(text(f"GRANT USAGE ON SCHEMA public TO {CODER_GROUP}"))
    tables = [t.name for t in Base.metadata.sorted_tables]
    for table in tables:
        session.execute(text(f"GRANT SELECT ON {quote(session, table)} TO {CODER_GROUP}"))
        session.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {quote(session, table)} TO {LEAD_GROUP}")
        )
    session.execute(text("GRANT SELECT ON alembic_version TO " + CODER_GROUP))
    for table in CODER_WRITES:
        session.execute(
            text(f"GRANT INSERT, UPDATE, DELETE ON {quote(session, table)} TO {CODER_GROUP}")
        )
    session.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {CODER_GROUP}"))
    for table, column in OWN_ROWS.items():
        session.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        session.execute(text(f"DROP POLICY IF EXISTS qualcode_own_rows ON {table}"))
        check = OWNER_CHECK.format(column=column)
        session.execute(
            text(
                f"CREATE POLICY qualcode_own_rows ON {table} TO {CODER_GROUP} "
                f"USING ({check}) WITH CHECK ({check})"
            )
        )
    for coder in session.scalars(select(Coder).order_by(Coder.name)):
        if coder.name == CONSENSUS:
            continue
        role = quote(session, coder.name)
        if not _role_exists(session, coder.name):
            session.execute(text(f"CREATE ROLE {role} {'LOGIN' if login else 'NOLOGIN'}"))
        elif login:
            session.execute(text(f"ALTER ROLE {role} LOGIN"))
        session.execute(text(f"GRANT {CODER_GROUP} TO {role}"))
        if coder.role == "lead":
            session.execute(text(f"GRANT {LEAD_GROUP} TO {role}"))
            report.leads.append(coder.name)
        else:
            session.execute(text(f"REVOKE {LEAD_GROUP} FROM {role}"))
        report.roles.append(coder.name)
    return report
