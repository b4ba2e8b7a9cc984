"""The codebook's history: tags, the event log, the codebook replayed at any point, diffs."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.codebook_events import current_seq
from qualcode.services.lookup import CodeIndex
from qualcode.store.models import (
    Code,
    CodebookEvent,
    CodebookTag,
    Coder,
    Coding,
    Segment,
    Transcript,
    iso_utc,
)

HISTORY_COLUMNS = ("at", "actor", "action", "code", "rationale", "before", "after", "seq")
STALE_COLUMNS = ("coder", "transcript", "segment", "code", "coded_at_seq", "changed_at_seq")
DEFINITION = ("description", "include", "exclude", "example", "color", "shortcut")
LIVE = ("active", "proposed")
# Actions after which a code's definition means something else than when it was applied.
MEANING_CHANGES = ("edit", "rename")


def tag(session: Session, label: str) -> int:
    """Name the current codebook version; returns its sequence number."""
    label = label.strip()
    if not label:
        raise QualcodeError("a tag needs a label")
    existing = session.scalar(select(CodebookTag).where(CodebookTag.label == label))
    if existing is not None:
        raise QualcodeError(f"tag {label!r} already exists (at version {existing.seq})")
    seq = current_seq(session)
    session.add(CodebookTag(label=label, seq=seq))
    session.flush()
    return seq


def tag_seq(session: Session, label: str) -> int:
    """The version a tag names; ``current`` is the newest version."""
    found = session.scalar(select(CodebookTag.seq).where(CodebookTag.label == label))
    if found is not None:
        return found
    if label == "current":
        return current_seq(session)
    known = ", ".join(session.scalars(select(CodebookTag.label).order_by(CodebookTag.seq)))
    raise QualcodeError(
        f"no codebook tag {label!r}; the tags are: {known or 'none'} (or 'current')"
    )


def _load(text: str) -> dict[str, Any]:
    return json.loads(text) if text else {}


def history_rows(session: Session, code_ref: str | None = None) -> list[tuple[Any, ...]]:
    """The event log, oldest first, with the columns of HISTORY_COLUMNS."""
    query = select(CodebookEvent).order_by(CodebookEvent.seq)
    if code_ref:
        code = CodeIndex.load(session).resolve(code_ref)
        query = query.where(CodebookEvent.code_guid == code.guid)
    rows = []
    for event in session.scalars(query):
        after, before = _load(event.after), _load(event.before)
        name = after.get("name") or before.get("name") or event.code_guid
        rows.append(
            (
                iso_utc(event.at),
                event.actor,
                event.action,
                name,
                event.rationale,
                event.before,
                event.after,
                event.seq,
            )
        )
    return rows


def codebook_at(session: Session, seq: int) -> dict[str, dict[str, Any]]:
    """The codebook after event ``seq``, replayed: code GUID -> its recorded fields."""
    state: dict[str, dict[str, Any]] = {}
    query = select(CodebookEvent).where(CodebookEvent.seq <= seq).order_by(CodebookEvent.seq)
    for event in session.scalars(query):
        after = _load(event.after)
        if not after:  # e.g. "withdraw": the code no longer exists
            state.pop(event.code_guid, None)
            continue
        previous = state.get(event.code_guid, {})
        snap = {
            "name": after.get("name"),
            "parent": after.get("parent"),
            "status": after.get("status"),
            "merged_into": after.get("merged_into", previous.get("merged_into")),
            "into": after.get("into", previous.get("into")),
        }
        for key in DEFINITION:
            snap[key] = after.get(key, "")
        state[event.code_guid] = snap
    return state


def live_codebook(session: Session) -> dict[str, dict[str, Any]]:
    """The project's codes now, in the shape of ``codebook_at`` (to compare with a replay)."""
    codes = list(session.scalars(select(Code)))
    guid = {c.id: c.guid for c in codes}
    result = {}
    for code in codes:
        snap: dict[str, Any] = {
            "name": code.name,
            "parent": guid.get(code.parent_id) if code.parent_id is not None else None,
            "status": code.status,
            "merged_into": guid.get(code.merged_into_id) if code.merged_into_id else None,
        }
        for key in DEFINITION:
            snap[key] = getattr(code, key)
        result[code.guid] = snap
    return result


def _path(state: dict[str, dict[str, Any]], guid: str | None) -> str:
    parts: list[str] = []
    seen: set[str] = set()
    while guid is not None and guid in state and guid not in seen:
        seen.add(guid)
        parts.append(str(state[guid]["name"]))
        guid = state[guid]["parent"]
    return "/".join(reversed(parts)) if parts else "(top level)"


def diff(session: Session, label1: str, label2: str) -> list[str]:
    """What changed in the codebook between two tags, one readable line per change."""
    old = codebook_at(session, tag_seq(session, label1))
    new = codebook_at(session, tag_seq(session, label2))
    lines: list[str] = []
    split_products: set[str] = set()
    for guid, b in new.items():
        a = old.get(guid)
        if a is None or a["status"] not in LIVE or b["status"] not in ("retired", "merged"):
            continue
        if b["status"] == "merged":
            lines.append(f"merged: {_path(old, guid)} into {_path(new, b['merged_into'])}")
        elif b.get("into") and b["into"] != a.get("into"):
            split_products.update(b["into"])
            names = ", ".join(str(new[g]["name"]) for g in b["into"] if g in new)
            lines.append(f"split: {_path(old, guid)} into {names}")
        else:
            lines.append(f"removed: {_path(old, guid)}")
    for guid, b in new.items():
        a = old.get(guid)
        if a is None:
            if b["status"] in LIVE and guid not in split_products:
                note = " (proposed)" if b["status"] == "proposed" else ""
                lines.append(f"added: {_path(new, guid)}{note}")
            continue
        if a["name"] != b["name"]:
            lines.append(f"renamed: {_path(old, guid)} → {b['name']}")
        if a["parent"] != b["parent"]:
            lines.append(
                f"moved: {b['name']} from {_path(old, a['parent'])} to {_path(new, b['parent'])}"
            )
        changed = [k for k in DEFINITION if a.get(k, "") != b.get(k, "")]
        if changed:
            lines.append(f"definition changed: {_path(new, guid)} ({', '.join(changed)})")
        if a["status"] == "proposed" and b["status"] == "active":
            lines.append(f"accepted: {_path(new, guid)}")
    for guid in old.keys() - new.keys():
        lines.append(f"removed: {_path(old, guid)}")
    return lines


def stale_codings(session: Session, code_ref: str | None = None) -> list[tuple[Any, ...]]:
    """Codings made before their code's definition or name last changed."""
    changed = dict(
        session.execute(
            select(CodebookEvent.code_guid, func.max(CodebookEvent.seq))
            .where(CodebookEvent.action.in_(MEANING_CHANGES))
            .group_by(CodebookEvent.code_guid)
        ).all()
    )
    index = CodeIndex.load(session)
    codes = {c.id: c for c in index.by_id.values() if c.guid in changed}
    if code_ref:
        only = index.resolve(code_ref)
        codes = {i: c for i, c in codes.items() if i == only.id}
    if not codes:
        return []
    query = (
        select(Coder.name, Transcript.name, Segment.ordinal, Coding.code_id, Coding.codebook_seq)
        .join(Coder, Coding.coder_id == Coder.id)
        .join(Transcript, Coding.transcript_id == Transcript.id)
        .join(Segment, Coding.segment_id == Segment.id)
        .where(Coding.code_id.in_(list(codes)))
        .order_by(Coder.name, Transcript.name, Segment.ordinal, Coding.start)
    )
    rows: list[tuple[Any, ...]] = []
    for coder, transcript, ordinal, code_id, seq in session.execute(query):
        code = codes[code_id]
        if seq < changed[code.guid]:
            rows.append((coder, transcript, ordinal, index.label(code), seq, changed[code.guid]))
    return rows
