"""Codebook evolution by the lead: add, edit, rename, move, merge, split, retire, review proposals.

Every function changes the codebook inside the caller's transaction and records one
CodebookEvent per changed code (before/after snapshots and the rationale).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services import lookup
from qualcode.services.codebook_events import record, snapshot
from qualcode.services.lookup import CodeIndex, ensure_coder, get_coder
from qualcode.shortcuts import check_shortcut, held_shortcuts
from qualcode.store.models import Code, CodebookEvent, Coder, Coding, Segment, Transcript

LIVE = ("active", "proposed")
EDITABLE = ("description", "include", "exclude", "example", "color", "shortcut")


def require_lead(session: Session, actor_name: str, action: str = "change") -> Coder:
    """The acting coder, who must be the lead, for the codebook action ``action``."""
    return lookup.require_lead(session, actor_name, f"codebook {action}")


def _why(action: str, why: str) -> str:
    why = (why or "").strip()
    if not why:
        raise QualcodeError(f"codebook {action}: give the reason with --why TEXT")
    return why


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise QualcodeError("a code needs a name")
    if "/" in name:
        raise QualcodeError(f"code name {name!r} cannot contain '/' (it separates path parts)")
    return name


def _siblings(session: Session, parent_id: int | None) -> list[Code]:
    where = Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id
    return list(session.scalars(select(Code).where(where)))


def _check_free(
    session: Session, name: str, parent_id: int | None, skip: Code | None = None
) -> None:
    for sibling in _siblings(session, parent_id):
        if sibling is not skip and sibling.name.casefold() == name.casefold():
            state = "" if sibling.status in LIVE else f"{sibling.status} "
            raise QualcodeError(
                f"a {state}code named {sibling.name!r} already exists there; choose another name"
            )


def _next_position(session: Session, parent_id: int | None) -> int:
    return max((c.position for c in _siblings(session, parent_id)), default=-1) + 1


def _descendant_ids(index: CodeIndex, code: Code) -> set[int]:
    found: set[int] = set()
    frontier = [code.id]
    while frontier:
        current = frontier.pop()
        for other in index.by_id.values():
            if other.parent_id == current and other.id not in found:
                found.add(other.id)
                frontier.append(other.id)
    return found


def _live(index: CodeIndex, code: Code, action: str) -> None:
    if code.status not in LIVE:
        raise QualcodeError(f"codebook {action}: code {index.path(code)!r} is {code.status}")


def _new_code(session: Session, name: str, parent_id: int | None, status: str, by: Coder) -> Code:
    code = Code(
        name=name,
        parent_id=parent_id,
        position=_next_position(session, parent_id),
        kind="inductive",
        status=status,
        created_by_id=by.id,
    )
    session.add(code)
    session.flush()
    return code


def create_inductive_code(
    session: Session,
    actor: str,
    creator: Coder,
    name: str,
    parent_id: int | None,
    description: str,
    rationale: str,
    guid: str | None = None,
) -> Code:
    """A new inductive code: active when the lead makes it, else ``creator``'s proposal.

    The one place codes are created outside a codebook import (CLI ``add`` and the TUI).
    ``guid``: the TUI's redo of a code's creation makes the same code again.
    """
    name = _check_name(name)
    _check_free(session, name, parent_id)
    proposal = creator.role != "lead"
    code = _new_code(session, name, parent_id, "proposed" if proposal else "active", creator)
    if guid:
        code.guid = guid
    code.description = (description or "").strip()
    session.flush()
    action = "propose" if proposal else "create"
    record(session, actor, action, code, None, snapshot(session, code), rationale)
    return code


def add_code(
    session: Session,
    actor: str,
    name: str,
    parent_ref: str | None = None,
    description: str = "",
    by: str | None = None,
) -> tuple[Code, str]:
    """A new inductive code: active when the lead adds it, else a proposal; returns its path."""
    index = CodeIndex.load(session)
    parent = index.resolve(parent_ref) if parent_ref else None
    if parent is not None:
        _live(index, parent, "add")
    acting = get_coder(session, actor)
    is_lead = acting is not None and acting.role == "lead"
    proposer_name = by.strip() if by else actor
    if not is_lead and proposer_name != actor:
        raise QualcodeError(
            f"codebook add --by {proposer_name}: needs the lead role "
            f"({actor} is not the project's lead)"
        )
    proposer = ensure_coder(session, proposer_name)
    rationale = "added by the lead" if proposer.role == "lead" else f"proposed by {proposer.name}"
    code = create_inductive_code(
        session,
        actor,
        proposer,
        name,
        parent.id if parent is not None else None,
        description,
        rationale,
    )
    return code, CodeIndex.load(session).path(code)


def edit_code(
    session: Session,
    actor: str,
    ref: str,
    description: str | None = None,
    include: str | None = None,
    exclude: str | None = None,
    example: str | None = None,
    color: str | None = None,
    shortcut: str | None = None,
    why: str = "",
) -> list[str]:
    """Change the given definition fields; returns the names of the fields that changed.

    A shortcut must be one printable key that is neither a command key of the coding screen
    nor the shortcut of another active or proposed code (``qualcode.shortcuts``); a merged or
    retired code holds none. Otherwise nothing is changed.
    """
    require_lead(session, actor, "edit")
    index = CodeIndex.load(session)
    code = index.resolve(ref)
    given = dict(
        description=description,
        include=include,
        exclude=exclude,
        example=example,
        color=color,
        shortcut=shortcut,
    )
    changes = {k: v.strip() for k, v in given.items() if v is not None}
    changes = {k: v for k, v in changes.items() if getattr(code, k) != v}
    if not changes:
        return []
    if changes.get("shortcut"):
        _check_shortcut(index, code, changes["shortcut"])
    before = snapshot(session, code)
    for key, value in changes.items():
        setattr(code, key, value)
    session.flush()
    record(session, actor, "edit", code, before, snapshot(session, code), why.strip())
    return sorted(changes)


def _check_shortcut(index: CodeIndex, code: Code, key: str) -> None:
    path = index.path(code)
    if code.status not in LIVE:
        raise QualcodeError(
            f"codebook edit: {path!r} is {code.status}; a {code.status} code holds no shortcut"
        )
    problem = check_shortcut(key, held_shortcuts(index.code_keys(skip=code)))
    if problem is not None:
        raise QualcodeError(
            f"codebook edit: cannot give {path!r} the shortcut {key!r}: {problem}; "
            "choose another key"
        )


def rename_code(session: Session, actor: str, ref: str, new_name: str, why: str) -> str:
    """Rename a code (its codings follow it); returns its old path."""
    require_lead(session, actor, "rename")
    why = _why("rename", why)
    new_name = _check_name(new_name)
    index = CodeIndex.load(session)
    code = index.resolve(ref)
    old_path = index.path(code)
    if code.name == new_name:
        raise QualcodeError(f"code {old_path!r} already has that name")
    _check_free(session, new_name, code.parent_id, skip=code)
    before = snapshot(session, code)
    code.name = new_name
    session.flush()
    record(session, actor, "rename", code, before, snapshot(session, code), why)
    return old_path


def move_code(session: Session, actor: str, ref: str, parent_ref: str | None, why: str) -> str:
    """Move a code under another parent (``None`` or empty: top level); returns its new path."""
    require_lead(session, actor, "move")
    why = _why("move", why)
    index = CodeIndex.load(session)
    code = index.resolve(ref)
    parent = index.resolve(parent_ref) if parent_ref else None
    if parent is not None:
        if parent.id == code.id or parent.id in _descendant_ids(index, code):
            raise QualcodeError(
                f"cannot move {index.path(code)!r} under {index.path(parent)!r}: "
                "that is the code itself or one of its own codes"
            )
        _live(index, parent, "move")
    parent_id = parent.id if parent is not None else None
    if parent_id == code.parent_id:
        raise QualcodeError(f"code {index.path(code)!r} is already there")
    _check_free(session, code.name, parent_id, skip=code)
    before = snapshot(session, code)
    code.parent_id = parent_id
    code.position = _next_position(session, parent_id)
    session.flush()
    record(session, actor, "move", code, before, snapshot(session, code), why)
    return CodeIndex.load(session).path(code)


def _end_code(
    session: Session, actor: str, ref: str, why: str, action: str, proposed_only: bool
) -> str:
    require_lead(session, actor, action)
    why = _why(action, why)
    index = CodeIndex.load(session)
    code = index.resolve(ref)
    path = index.path(code)
    if proposed_only and code.status != "proposed":
        raise QualcodeError(f"codebook {action}: {path!r} is {code.status}, not a proposal")
    _live(index, code, action)
    live_children = [
        index.path(index.by_id[i])
        for i in _descendant_ids(index, code)
        if index.by_id[i].status in LIVE
    ]
    if live_children:
        raise QualcodeError(
            f"codebook {action}: {path!r} still has codes ({', '.join(sorted(live_children))}); "
            "move, merge or retire them first"
        )
    before = snapshot(session, code)
    code.status = "retired"
    code.shortcut = ""  # a retired code holds no shortcut: its key is free
    session.flush()
    record(session, actor, action, code, before, snapshot(session, code), why)
    return path


def retire_code(session: Session, actor: str, ref: str, why: str) -> str:
    """Retire a code: it can no longer be applied; its codings stay; its shortcut is freed.

    Returns its path.
    """
    return _end_code(session, actor, ref, why, "retire", proposed_only=False)


def reject_code(session: Session, actor: str, ref: str, why: str) -> str:
    """Reject a coder's proposal (it becomes retired). Returns its path."""
    return _end_code(session, actor, ref, why, "reject", proposed_only=True)


def accept_code(session: Session, actor: str, ref: str, why: str = "") -> str:
    """Accept a proposed code into the codebook. Returns its path."""
    require_lead(session, actor, "accept")
    index = CodeIndex.load(session)
    code = index.resolve(ref)
    if code.status != "proposed":
        raise QualcodeError(
            f"codebook accept: {index.path(code)!r} is {code.status}, not a proposal"
        )
    before = snapshot(session, code)
    code.status = "active"
    session.flush()
    record(session, actor, "accept", code, before, snapshot(session, code), why.strip())
    return index.path(code)


@dataclass(frozen=True)
class MergeResult:
    sources: tuple[str, ...]
    target: str
    moved: int
    collapsed: int
    # what became of the merged codes' shortcuts, in plain words ("" when they had none)
    shortcuts: str = ""


def merge_codes(
    session: Session, actor: str, refs: list[str], into_ref: str, why: str
) -> MergeResult:
    """Merge codes into a target: their codings move to it (same-span duplicates collapse).

    The merged codes' shortcuts are freed; when the target has none, it takes the first of
    them (in the order given) that the shortcut rule allows. Both are codebook events.
    """
    require_lead(session, actor, "merge")
    why = _why("merge", why)
    if not refs:
        raise QualcodeError("codebook merge: name the code(s) to merge")
    index = CodeIndex.load(session)
    target = index.resolve(into_ref)
    _live(index, target, "merge")
    sources: list[Code] = []
    for ref in refs:
        code = index.resolve(ref)
        if code.id == target.id:
            raise QualcodeError(f"cannot merge {index.path(code)!r} into itself")
        if target.id in _descendant_ids(index, code):
            raise QualcodeError(
                f"cannot merge {index.path(code)!r} into {index.path(target)!r}, "
                "one of its own codes"
            )
        _live(index, code, "merge")
        if code not in sources:
            sources.append(code)
    merging = {c.id for c in sources}
    for code in sources:
        left = [
            index.path(index.by_id[i])
            for i in _descendant_ids(index, code)
            if i not in merging and index.by_id[i].status in LIVE
        ]
        if left:
            raise QualcodeError(
                f"cannot merge {index.path(code)!r}: its codes {', '.join(sorted(left))} would be "
                "left without their theme; merge them too, or move them first"
            )
    kept = {
        (c.transcript_id, c.start, c.end, c.coder_id): c
        for c in session.scalars(select(Coding).where(Coding.code_id == target.id))
    }
    moved = collapsed = 0
    codings = session.scalars(
        select(Coding).where(Coding.code_id.in_(merging)).order_by(Coding.id)
    ).all()
    for coding in codings:
        key = (coding.transcript_id, coding.start, coding.end, coding.coder_id)
        survivor = kept.get(key)
        if survivor is None:
            coding.code_id = target.id
            kept[key] = coding
            moved += 1
            continue
        if coding.memo and coding.memo not in survivor.memo:
            survivor.memo = f"{survivor.memo}\n{coding.memo}".strip()
        session.delete(coding)
        collapsed += 1
    session.flush()
    keys = [(index.path(c), c.shortcut) for c in sources if c.shortcut]
    for code in sources:
        before = snapshot(session, code)
        code.status = "merged"
        code.merged_into_id = target.id
        code.shortcut = ""  # a merged code holds no shortcut
        session.flush()
        after = snapshot(session, code) | {"merged_into": target.guid}
        record(session, actor, "merge", code, before, after, why)
    note = _pass_shortcut(session, actor, index, target, keys, why)
    return MergeResult(
        tuple(index.path(c) for c in sources), index.path(target), moved, collapsed, note
    )


def _pass_shortcut(
    session: Session,
    actor: str,
    index: CodeIndex,
    target: Code,
    keys: list[tuple[str, str]],
    why: str,
) -> str:
    """Give ``target`` the first merged code's shortcut it may have, if it has none.

    ``keys``: (path, shortcut) of the merged codes that had one. Returns what became of them.
    """
    if not keys:
        return ""
    path = index.path(target)
    noun = "shortcut" if len(keys) == 1 else "shortcuts"
    freed = f"{noun} " + ", ".join(f"{key!r} of {source}" for source, key in keys)
    if target.shortcut:
        return f"{freed} freed ({path} keeps its own, {target.shortcut!r})"
    taken = held_shortcuts(index.code_keys(skip=target))  # the merged codes hold none now
    for source, key in keys:
        if check_shortcut(key, taken) is None:
            before = snapshot(session, target)
            target.shortcut = key
            session.flush()
            rationale = f"{why} (took the shortcut {key!r} of {source}, merged into it)"
            record(session, actor, "merge", target, before, snapshot(session, target), rationale)
            rest = [f"{k!r} of {s}" for s, k in keys if (s, k) != (source, key)]
            also = f"; {', '.join(rest)} freed" if rest else ""
            return f"shortcut {key!r} of {source} passed to {path}{also}"
    return f"{freed} freed (not usable for {path}: a command key, or another code's)"


def split_code(
    session: Session, actor: str, ref: str, into_names: list[str], why: str
) -> tuple[str, list[str]]:
    """Split a code into new sibling codes; its codings stay on it, to be recoded."""
    lead = require_lead(session, actor, "split")
    why = _why("split", why)
    names = [_check_name(n) for n in into_names if n.strip()]
    if len(names) < 2:
        raise QualcodeError("codebook split: give at least two new names, as --into A,B")
    if len({n.casefold() for n in names}) != len(names):
        raise QualcodeError("codebook split: the new names repeat")
    index = CodeIndex.load(session)
    code = index.resolve(ref)
    path = index.path(code)
    _live(index, code, "split")
    if any(index.by_id[i].status in LIVE for i in _descendant_ids(index, code)):
        raise QualcodeError(f"codebook split: {path!r} has codes under it; move them first")
    for name in names:
        _check_free(session, name, code.parent_id)
    created: list[Code] = []
    for name in names:
        new = _new_code(session, name, code.parent_id, "active", lead)
        rationale = f"split from {path}: {why}"
        record(session, actor, "create", new, None, snapshot(session, new), rationale)
        created.append(new)
    before = snapshot(session, code)
    code.status = "retired"
    code.shortcut = ""  # retired: its key is free
    session.flush()
    after = snapshot(session, code) | {"into": [c.guid for c in created]}
    record(session, actor, "split", code, before, after, why)
    index = CodeIndex.load(session)
    return path, [index.path(c) for c in created]


RECODE_COLUMNS = ("transcript", "segment", "coder", "code", "split_into")


def codings_to_recode(session: Session, code_ref: str | None = None) -> list[tuple[Any, ...]]:
    """Codings still on codes that were split: each needs one of the new codes instead."""
    import json

    index = CodeIndex.load(session)
    only = index.resolve(code_ref) if code_ref else None
    into: dict[str, list[str]] = {}
    for event in session.scalars(
        select(CodebookEvent).where(CodebookEvent.action == "split").order_by(CodebookEvent.seq)
    ):
        guids = json.loads(event.after or "{}").get("into", [])
        by_guid = {c.guid: c for c in index.by_id.values()}
        into[event.code_guid] = [index.path(by_guid[g]) for g in guids if g in by_guid]
    split_ids = [c.id for c in index.by_id.values() if c.guid in into and c.status == "retired"]
    if only is not None:
        split_ids = [i for i in split_ids if i == only.id]
    if not split_ids:
        return []
    query = (
        select(Transcript.name, Segment.ordinal, Coder.name, Coding.code_id)
        .join(Transcript, Coding.transcript_id == Transcript.id)
        .join(Segment, Coding.segment_id == Segment.id)
        .join(Coder, Coding.coder_id == Coder.id)
        .where(Coding.code_id.in_(split_ids))
        .order_by(Transcript.name, Segment.ordinal, Coder.name)
    )
    rows: list[tuple[Any, ...]] = []
    for transcript, ordinal, coder, code_id in session.execute(query):
        code = index.by_id[code_id]
        rows.append((transcript, ordinal, coder, index.path(code), ", ".join(into[code.guid])))
    return rows
