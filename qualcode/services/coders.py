"""The project's people: ``qualcode coders add|list``.

Roles: ``lead`` (changes the codebook, merges projects, records consensus, may see and
change every coder's codings) and ``coder`` (codes blind to the others, proposes codes).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.audit import audit
from qualcode.services.lookup import CONSENSUS, get_coder, require_lead
from qualcode.store.models import Coder, Coding, Progress

ROLES = ("lead", "coder")
CODER_COLUMNS = ("name", "role", "codings", "done", "added")


def add_coder(session: Session, actor: str, name: str, role: str) -> str:
    """Register a coder, or change an existing one's role; returns what happened."""
    require_lead(session, actor, "coders add")
    name = name.strip()
    if role not in ROLES:
        raise QualcodeError(f"--role {role}: choose lead or coder")
    if not name or name == CONSENSUS:
        raise QualcodeError(f"{name!r} cannot be a coder's name; choose another")
    coder = get_coder(session, name)
    if coder is None:
        session.add(Coder(name=name, role=role))
        session.flush()
        audit(session, "add coder", name, role)
        return f"added {name} ({role})"
    if coder.role == role:
        return f"{name} is already a {role}"
    if coder.role == "lead":
        leads = session.scalar(select(func.count()).where(Coder.role == "lead")) or 0
        if leads <= 1:
            raise QualcodeError(
                f"{name} is the project's only lead; add another lead before changing this role"
            )
    coder.role = role
    session.flush()
    audit(session, "role", name, role)
    return f"{name} is now a {role}"


def coder_rows(session: Session) -> list[tuple[Any, ...]]:
    codings = dict(
        session.execute(select(Coding.coder_id, func.count()).group_by(Coding.coder_id)).all()
    )
    done = dict(
        session.execute(
            select(Progress.coder_id, func.count())
            .where(Progress.status == "done")
            .group_by(Progress.coder_id)
        ).all()
    )
    return [
        (
            c.name,
            c.role if c.name != CONSENSUS else "consensus",
            codings.get(c.id, 0),
            done.get(c.id, 0),
            c.created_at.date().isoformat(),
        )
        for c in session.scalars(select(Coder).order_by(Coder.name))
    ]
