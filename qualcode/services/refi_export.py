"""Export to REFI-QDA: ``qualcode refi export --out FILE.qdc`` (the codebook) or
``--out FILE.qdpx`` (the whole project), for colleagues in NVivo, ATLAS.ti, MAXQDA, QualCoder.

What goes where (``export/qde_write.py`` writes the XML):

* coders → ``<User>``; a coder has no GUID of its own, so its GUID is derived from its name
  (UUID 5), the same in every export;
* codes → ``<Code>`` with their own GUIDs and hierarchy; definition, include, exclude and
  example are flattened into ``<Description>`` (``qdc_read.format_description``, which our
  import parses back); colours as ``#RRGGBB``. ``isCodable``: a code without codes under it
  is codable, and so is any code that was applied; a theme never applied is a folder
  (``false``), as other tools show themes. Merged codes are left out (their codings moved
  to the code they were merged into); retired and proposed codes are written like the
  others, since the standard has no status (the export says how many);
* transcripts → ``<TextSource plainTextPath="internal://GUID.txt">`` and the member
  ``sources/GUID.txt`` holding the stored text (UTF-8, NFC, ``\\n``), so positions are our
  offsets (code points, as the standard says);
* codings → one ``<PlainTextSelection>`` each (GUID = the coding's GUID), holding one
  ``<Coding>`` with its ``<CodeRef>`` and ``creatingUser``;
* participants → ``<Case>`` with a ``<VariableValue>`` per attribute (declared as Text
  ``<Variable>``s) and a ``<SourceRef>`` per transcript;
* memos → ``<Note>``: a transcript memo is referenced by its TextSource, a segment memo by
  a selection spanning the segment, a coding's memo by its ``<Coding>``;
* progress → a set ``Done by NAME`` of the transcripts each coder marked done, so that an
  import gives the same agreement table.

Not carried (the standard has no place for them): shortcuts, code kinds and statuses, the
segmentation unit, consensus decisions, the codebook history. GUIDs derived from names are
salted with the project's creation time, so two projects do not share participant GUIDs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode import __version__
from qualcode.export.qde_write import (
    XCase,
    XCode,
    XNote,
    XProject,
    XSelection,
    XSet,
    XSource,
    codebook_xml,
    qdpx_bytes,
)
from qualcode.ingest.qdc_read import format_description
from qualcode.services.lookup import CodeIndex, get_coder
from qualcode.store.models import (
    Code,
    Coder,
    Coding,
    Memo,
    Participant,
    ParticipantAttribute,
    Progress,
    ProjectInfo,
    Segment,
    Transcript,
    utcnow,
)

# UUID 5 namespace of the GUIDs qualcode derives (coders, cases, variables, selections…).
NAMESPACE = uuid.UUID("6f1c3c56-32a4-4f0e-9a8e-7d0b5a1e2c3d")
SELECTION_NAME_CHARS = 120


def derived_guid(*parts: str) -> str:
    """A stable GUID for something that has none of its own."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


def coder_guid(name: str) -> str:
    return derived_guid("coder", name)


@dataclass
class ExportSummary:
    codes: int = 0
    users: int = 0
    transcripts: int = 0
    codings: int = 0
    participants: int = 0
    memos: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self, kind: str) -> str:
        if kind == "codebook":
            return f"{self.codes} code(s)"
        return (
            f"{self.codes} code(s), {self.transcripts} transcript(s), {self.codings} coding(s), "
            f"{self.participants} participant(s), {self.users} coder(s), {self.memos} memo(s)"
        )


def _codes(session: Session, summary: ExportSummary) -> tuple[list[XCode], dict[int, str]]:
    """The code tree (merged codes left out) and each code id → the GUID codings point to."""
    index = CodeIndex.load(session)
    applied = set(session.scalars(select(Coding.code_id).distinct()))
    kept = [code for code in index.ordered() if code.status != "merged"]
    kept_ids = {code.id for code in kept}

    def shown_parent(code: Code) -> int | None:
        current = code.parent_id
        while current is not None and current not in kept_ids:
            parent = index.by_id[current]
            target = index.target(parent)
            current = target.id if target.id in kept_ids else parent.parent_id
        return current

    nodes: dict[int, XCode] = {}
    parents = {code.id: shown_parent(code) for code in kept}
    has_children = {parent for parent in parents.values() if parent is not None}
    roots: list[XCode] = []
    for code in kept:
        leaf = code.id not in has_children
        node = XCode(
            guid=code.guid.lower(),
            name=code.name,
            codable=code.id in applied or (leaf and code.status != "retired"),
            color=code.color,
            description=format_description(
                code.description, code.include, code.exclude, code.example
            ),
        )
        nodes[code.id] = node
        parent = parents[code.id]
        (nodes[parent].children if parent is not None else roots).append(node)
    summary.codes = len(kept)
    statuses = [code.status for code in kept if code.status != "active"]
    for status in ("proposed", "retired"):
        if statuses.count(status):
            summary.notes.append(
                f"{statuses.count(status)} {status} code(s) written as ordinary codes "
                "(REFI-QDA has no code status)"
            )
    targets = {code_id: index.target(code).guid.lower() for code_id, code in index.by_id.items()}
    return roots, targets


def export_codebook(session: Session) -> tuple[bytes, ExportSummary]:
    """The codebook as a .qdc document."""
    summary = ExportSummary()
    codes, _targets = _codes(session, summary)
    return codebook_xml(codes, f"qualcode {__version__}"), summary


def _quote(text: str) -> str:
    squashed = " ".join(text.split())
    if len(squashed) <= SELECTION_NAME_CHARS:
        return squashed
    return squashed[: SELECTION_NAME_CHARS - 1].rstrip() + "…"


def export_project(
    session: Session, name: str, actor: str, now: datetime | None = None
) -> tuple[bytes, ExportSummary]:
    """The whole project as the bytes of a .qdpx archive."""
    summary = ExportSummary()
    created = session.get(ProjectInfo, "created_at")
    salt = created.value if created is not None else ""
    codes, code_guid = _codes(session, summary)

    coders = {c.id: c.name for c in session.scalars(select(Coder).order_by(Coder.name))}
    users = [(coder_guid(n), n) for n in coders.values()]
    summary.users = len(users)

    transcripts = list(session.scalars(select(Transcript).order_by(Transcript.name)))
    sources = {t.id: XSource(t.guid.lower(), t.name, t.text, t.imported_at) for t in transcripts}
    summary.transcripts = len(sources)
    notes: list[XNote] = []

    rows = session.execute(
        select(
            Coding.guid,
            Coding.transcript_id,
            Coding.start,
            Coding.end,
            Coding.code_id,
            Coding.coder_id,
            Coding.memo,
            Coding.created_at,
        ).order_by(Coding.transcript_id, Coding.start, Coding.end, Coding.coder_id, Coding.id)
    )
    for guid, tid, start, end, code_id, coder_id, coding_memo, at in rows:
        source = sources[tid]
        user = coder_guid(coders[coder_id])
        selection = XSelection(
            guid=guid.lower(),
            name=_quote(source.text[start:end]),
            start=start,
            end=end,
            user=user,
            created=at,
            coding_guid=derived_guid("coding", guid.lower()),
            code=code_guid[code_id],
        )
        if coding_memo.strip():
            selection.coding_note = derived_guid("coding memo", guid.lower())
            notes.append(
                XNote(
                    selection.coding_note,
                    f"Coding memo by {coders[coder_id]}",
                    user,
                    at,
                    coding_memo,
                )
            )
        source.selections.append(selection)
        summary.codings += 1

    memo_rows = session.execute(
        select(Memo, Segment.start, Segment.end, Segment.ordinal)
        .outerjoin(Segment, Memo.segment_id == Segment.id)
        .order_by(Memo.transcript_id, Segment.start, Memo.id)
    ).all()
    for memo, seg_start, seg_end, ordinal in memo_rows:
        source = sources[memo.transcript_id]
        author = coders[memo.author_id]
        user = coder_guid(author)
        where = f"{source.name}, segment {ordinal}" if ordinal is not None else source.name
        notes.append(
            XNote(
                memo.guid.lower(), f"Memo by {author} ({where})", user, memo.created_at, memo.text
            )
        )
        summary.memos += 1
        if seg_start is None:
            source.notes.append(memo.guid.lower())
            continue
        source.selections.append(
            XSelection(
                guid=derived_guid("memo selection", memo.guid.lower()),
                name=_quote(source.text[seg_start:seg_end]),
                start=seg_start,
                end=seg_end,
                user=user,
                created=memo.created_at,
                note=memo.guid.lower(),
            )
        )
    for source in sources.values():
        source.selections.sort(key=lambda s: (s.start, s.end, s.coding_guid is None))

    attribute_names = sorted(set(session.scalars(select(ParticipantAttribute.name))))
    variables = {n: derived_guid(salt, "attribute", n) for n in attribute_names}
    by_participant: dict[int, list[str]] = {}
    for t in transcripts:
        by_participant.setdefault(t.participant_id, []).append(sources[t.id].guid)
    cases = []
    for participant in session.scalars(select(Participant).order_by(Participant.key)):
        cases.append(
            XCase(
                guid=derived_guid(salt, "participant", participant.key),
                name=participant.key,
                values=[(variables[a.name], a.value) for a in participant.attributes],
                sources=by_participant.get(participant.id, []),
            )
        )
    summary.participants = len(cases)

    done: dict[int, list[str]] = {}
    for coder_id, tid in session.execute(
        select(Progress.coder_id, Progress.transcript_id)
        .where(Progress.status == "done")
        .order_by(Progress.coder_id, Progress.transcript_id)
    ):
        done.setdefault(coder_id, []).append(sources[tid].guid)
    sets = [
        XSet(
            guid=derived_guid(salt, "done", coders[coder_id]),
            name=f"Done by {coders[coder_id]}",
            description=f"qualcode progress: the transcripts {coders[coder_id]} marked done",
            sources=members,
        )
        for coder_id, members in sorted(done.items(), key=lambda item: coders[item[0]])
    ]

    actor_coder = get_coder(session, actor)
    project = XProject(
        name=name,
        origin=f"qualcode {__version__}",
        user=coder_guid(actor_coder.name) if actor_coder is not None else None,
        created=now or utcnow(),
        users=users,
        codes=codes,
        variables=[(guid, n) for n, guid in variables.items()],
        cases=cases,
        sources=list(sources.values()),
        notes=notes,
        sets=sets,
    )
    summary.notes.append(
        "not carried by REFI-QDA: shortcuts, code kinds, the segmentation unit, "
        "consensus decisions, the codebook history"
    )
    return qdpx_bytes(project), summary
