"""The audit log (``qualcode log``) and the rule that coders change only their own codings.

Who acts comes from the unit of work: ``Project.actor`` (settled by ``cli.context.Context``:
the name given on SQLite, the database login's coder on PostgreSQL) is put on every writing
session as ``session.info["actor"]``. Codebook changes are already recorded as codebook
events; ``log`` shows both, newest first. On PostgreSQL after ``db grant`` both tables are
append-only and their ``actor`` is stamped by a trigger from the login
(``services.db_roles``), so a coder's SQL cannot write another name; a coder's ``log`` shows
their own audit entries only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.lookup import get_coder
from qualcode.store.models import AuditEntry, CodebookEvent, iso_utc

LOG_COLUMNS = ("at", "actor", "action", "target", "detail")


def actor_of(session: Session) -> str:
    return str(session.info.get("actor") or "")


def audit(session: Session, action: str, target: str = "", detail: str = "") -> None:
    """Record one change in the caller's transaction (it is kept only if the change is)."""
    session.add(
        AuditEntry(actor=actor_of(session) or "?", action=action, target=target, detail=detail)
    )


def require_own_or_lead(session: Session, coder_name: str, what: str) -> None:
    """A coder changes their own codings; the lead may change anyone's.

    Sessions opened without an actor (internal use, tests of a service) are not checked.
    """
    actor = actor_of(session)
    if not actor or actor == coder_name:
        return
    acting = get_coder(session, actor)
    if acting is None or acting.role != "lead":
        raise QualcodeError(
            f"{what}: {actor} may change only their own codings, not {coder_name}'s "
            "(the lead may change anyone's)"
        )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def log_rows(
    session: Session,
    actor: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[tuple[Any, ...]]:
    """Audit entries and codebook events together, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    events = select(CodebookEvent).order_by(CodebookEvent.seq.desc())
    if actor:
        query = query.where(AuditEntry.actor == actor)
        events = events.where(CodebookEvent.actor == actor)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
        events = events.where(CodebookEvent.at >= since)
    rows: list[tuple[Any, ...]] = [
        (e.at, e.id, e.actor, e.action, e.target, e.detail)
        for e in session.scalars(query.limit(limit))
    ]
    import json

    for event in session.scalars(events.limit(limit)):
        after = json.loads(event.after) if event.after else {}
        before = json.loads(event.before) if event.before else {}
        name = after.get("name") or before.get("name") or event.code_guid
        rows.append((event.at, 0, event.actor, f"codebook {event.action}", name, event.rationale))
    rows.sort(key=lambda r: (_utc(r[0]), r[1]), reverse=True)
    return [(iso_utc(at), who, action, target, detail) for at, _i, who, action, target, detail
            in rows[:limit]]  # fmt: skip
