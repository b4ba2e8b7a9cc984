"""Every codebook change is recorded as an event (time, actor, action, before/after, why)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.store.models import Code, CodebookEvent

SNAPSHOT_FIELDS = (
    "name",
    "description",
    "include",
    "exclude",
    "example",
    "color",
    "shortcut",
    "status",
    "kind",
)


def snapshot(session: Session, code: Code) -> dict[str, Any]:
    """The fields of a code worth recording, with its parent by GUID."""
    data: dict[str, Any] = {name: getattr(code, name) for name in SNAPSHOT_FIELDS}
    parent_guid = None
    if code.parent_id is not None:
        parent_guid = session.scalar(select(Code.guid).where(Code.id == code.parent_id))
    data["parent"] = parent_guid
    data["position"] = code.position
    return data


def record(
    session: Session,
    actor: str,
    action: str,
    code: Code,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    rationale: str = "",
) -> CodebookEvent:
    event = CodebookEvent(
        actor=actor,
        action=action,
        code_guid=code.guid,
        before=json.dumps(before, ensure_ascii=False, sort_keys=True) if before else "",
        after=json.dumps(after, ensure_ascii=False, sort_keys=True) if after else "",
        rationale=rationale,
    )
    session.add(event)
    session.flush()
    return event


def current_seq(session: Session) -> int:
    """The codebook version: the sequence number of the newest event (0 before any)."""
    return session.scalar(select(func.coalesce(func.max(CodebookEvent.seq), 0))) or 0
