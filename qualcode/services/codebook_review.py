"""What the codebook screen shows: every code with its status, creator and counts, one code's
definition, history and codings to recode. Plain frozen data; the changes themselves are
made by ``codebook_changes``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.codebook_changes import codings_to_recode
from qualcode.services.codebook_events import current_seq
from qualcode.services.codebook_history import history_rows
from qualcode.services.lookup import CodeIndex, get_coder
from qualcode.services.workspace_types import CodeItem, code_item
from qualcode.store.models import CodebookEvent, Coder, Coding


@dataclass(frozen=True)
class ReviewCode:
    item: CodeItem  # the code as the coding screen knows it (count: codings visible here)
    creator: str  # who created or proposed it ("" for an imported code without one)
    merged_into: str  # the target's path, for a merged code
    split_into: tuple[str, ...]  # the new codes' paths, for a code that was split

    @property
    def id(self) -> int:
        return self.item.id

    @property
    def path(self) -> str:
        return self.item.path

    @property
    def status(self) -> str:
        return self.item.status


@dataclass(frozen=True)
class ReviewView:
    codes: tuple[ReviewCode, ...]  # every code, in codebook order
    seq: int  # the codebook version
    coder: str
    is_lead: bool

    def by_id(self) -> dict[int, ReviewCode]:
        return {code.id: code for code in self.codes}

    @property
    def proposals(self) -> tuple[ReviewCode, ...]:
        return tuple(code for code in self.codes if code.status == "proposed")


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    at: str
    actor: str
    action: str
    change: str  # a short note on what changed (old → new name, fields edited, …)
    rationale: str


@dataclass(frozen=True)
class RecodeItem:
    transcript: str
    segment: int
    coder: str
    split_into: str


@dataclass(frozen=True)
class CodeDetail:
    code: ReviewCode
    history: tuple[HistoryEntry, ...]
    recode: tuple[RecodeItem, ...]  # its codings waiting for one of those codes


def review_view(session: Session, coder_name: str) -> ReviewView:
    """Every code; counts are everyone's codings for the lead, the coder's own otherwise."""
    coder = get_coder(session, coder_name)
    is_lead = coder is not None and coder.role == "lead"
    index = CodeIndex.load(session)
    query = select(Coding.code_id, func.count()).group_by(Coding.code_id)
    if not is_lead:
        query = query.where(Coding.coder_id == (coder.id if coder else -1))
    counts: dict[int, int] = {row[0]: row[1] for row in session.execute(query)}
    names: dict[int, str] = {
        row[0]: row[1] for row in session.execute(select(Coder.id, Coder.name))
    }
    splits = _splits(session, index)
    codes = []
    for code in index.ordered():
        merged = index.by_id.get(code.merged_into_id) if code.merged_into_id else None
        codes.append(
            ReviewCode(
                code_item(code, index, counts.get(code.id, 0)),
                names.get(code.created_by_id, "") if code.created_by_id else "",
                index.path(merged) if merged is not None else "",
                splits.get(code.guid, ()) if code.status == "retired" else (),
            )
        )
    return ReviewView(tuple(codes), current_seq(session), coder_name, is_lead)


def code_detail(session: Session, code_id: int, coder_name: str) -> CodeDetail:
    """One code's definition, history and (for a split code) its codings to recode.

    A coder who is not the lead sees only their own codings to recode (blind coding).
    """
    view = review_view(session, coder_name)
    code = view.by_id().get(code_id)
    if code is None:
        raise QualcodeError("that code no longer exists; the codebook was changed")
    names = {c.item.guid: c.item.name for c in view.codes}
    history = tuple(
        HistoryEntry(row[7], row[0], row[1], row[2], _change(row[2], row[5], row[6], names), row[4])
        for row in history_rows(session, code.path)
    )
    recode = tuple(
        RecodeItem(row[0], row[1], row[2], row[4])
        for row in codings_to_recode(session, code.path)
        if view.is_lead or row[2] == coder_name
    )
    return CodeDetail(code, history, recode)


def _splits(session: Session, index: CodeIndex) -> dict[str, tuple[str, ...]]:
    """Code GUID -> the paths of the codes it was (last) split into."""
    paths = {code.guid: index.path(code) for code in index.by_id.values()}
    splits: dict[str, tuple[str, ...]] = {}
    query = select(CodebookEvent).where(CodebookEvent.action == "split")
    for event in session.scalars(query.order_by(CodebookEvent.seq)):
        guids = _load(event.after).get("into", [])
        splits[event.code_guid] = tuple(paths[g] for g in guids if g in paths)
    return splits


def _load(text: str) -> dict[str, Any]:
    return json.loads(text) if text else {}


def _change(action: str, before_text: str, after_text: str, names: dict[str, str]) -> str:
    before, after = _load(before_text), _load(after_text)
    if action == "rename":
        return f"{before.get('name', '')} → {after.get('name', '')}"
    if action == "move":
        old, new = before.get("parent"), after.get("parent")
        return f"{names.get(old, 'top level') if old else 'top level'} → " + (
            names.get(new, "?") if new else "top level"
        )
    if action == "merge" and after.get("merged_into"):
        return f"into {names.get(after['merged_into'], '?')}"
    if action == "split":
        return "into " + ", ".join(names.get(g, "?") for g in after.get("into", []))
    if action in ("edit", "merge"):  # a merge target's event: the shortcut it took over
        fields = sorted(k for k in after if k in before and before[k] != after[k])
        return ", ".join(fields)
    return ""
