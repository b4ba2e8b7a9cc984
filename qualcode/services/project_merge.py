"""Bring a coder's offline copy of the project back in: ``qualcode project merge OTHER``.

Everything is matched by identity, never by position:

* transcripts by the sha256 of their text (a copy's transcript whose name is known here but
  whose text differs is reported, and its codings stay out: their offsets would be wrong);
  transcripts the copy has and this project lacks arrive with their segments;
* codes by GUID, following ``merged_into`` to the code a merge made since the copy was
  taken (a rename keeps the GUID); codes only the copy has arrive as proposals;
* codings and memos by GUID (and codings also by their span, code and coder, so a coding
  made in both places, or collapsed by a merge here, is not doubled).

A copy is one coder's: its **owner** is the coder named by ``owner`` (the CLI's ``--owner``),
else the one coder with *new* codings in it (codings not here by GUID nor by span × code ×
coder; codings made before the copy was taken are already here). New codings attributed to
any other coder — a copy carrying two coders' new work, or work made under someone else's
name — refuse the whole merge unless the lead passes ``accept_other_coders``
(``--accept-other-coders``). The coder ``consensus`` is reserved: its codings are made here
by the lead's consensus commands only, so a copy's new consensus codings (and its progress)
are left out and reported, never merged. The report counts the codings added per coder.

The merge only adds: nothing here is deleted or overwritten. It runs in the caller's
transaction, so merging the same copy twice changes nothing the second time.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.audit import audit
from qualcode.services.codebook_events import record, snapshot
from qualcode.services.coding import PROGRESS_RANK, coding_keys
from qualcode.services.consensus import consensus_coder
from qualcode.services.lookup import (
    CONSENSUS,
    RESERVED_CONSENSUS,
    get_coder,
    merge_target,
    require_lead,
)
from qualcode.services.project_read import ProjectCopy
from qualcode.store.bulk import insert_rows
from qualcode.store.models import (
    Code,
    CodebookEvent,
    Coder,
    Coding,
    Memo,
    Participant,
    ParticipantAttribute,
    Progress,
    Segment,
    Transcript,
)

CODING_COLUMNS = (
    "guid",
    "transcript_id",
    "segment_id",
    "start",
    "end",
    "code_id",
    "coder_id",
    "memo",
    "created_at",
    "codebook_seq",
)


@dataclass
class MergeReport:
    """What came in from the copy, and what was left out and why."""

    transcripts_matched: int = 0
    transcripts_added: list[str] = field(default_factory=list)
    transcripts_differ: list[tuple[str, int]] = field(default_factory=list)
    coders_added: list[str] = field(default_factory=list)
    participants_added: list[str] = field(default_factory=list)
    attributes_added: int = 0
    codes_proposed: list[str] = field(default_factory=list)
    codes_renamed: list[tuple[str, str]] = field(default_factory=list)
    codings_added: int = 0
    codings_present: int = 0
    codings_on_retired: int = 0
    codings_outside: int = 0
    codings_by_coder: dict[str, int] = field(default_factory=dict)  # added, per coder
    consensus_left_out: int = 0
    memos_added: int = 0
    memos_extended: int = 0
    progress_updated: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.transcripts_added
            or self.coders_added
            or self.participants_added
            or self.attributes_added
            or self.codes_proposed
            or self.codings_added
            or self.memos_added
            or self.memos_extended
            or self.progress_updated
        )

    def lines(self) -> list[str]:
        out = [
            f"transcripts: {self.transcripts_matched} matched, "
            f"{len(self.transcripts_added)} added"
            + (f" ({', '.join(self.transcripts_added)})" if self.transcripts_added else ""),
            f"codings: {self.codings_added} added, {self.codings_present} already here"
            + (
                " (" + ", ".join(f"{c} {n}" for c, n in sorted(self.codings_by_coder.items())) + ")"
                if self.codings_by_coder
                else ""
            ),
            f"memos: {self.memos_added} added"
            + (f", {self.memos_extended} extended" if self.memos_extended else ""),
        ]
        if self.coders_added:
            out.append(f"coders added: {', '.join(self.coders_added)}")
        if self.participants_added:
            out.append(f"participants added: {', '.join(self.participants_added)}")
        if self.attributes_added:
            out.append(f"participant attributes added: {self.attributes_added}")
        if self.progress_updated:
            out.append(f"progress updated: {self.progress_updated} coder × transcript")
        if self.codes_proposed:
            out.append(
                f"new codes, as proposals for the lead: {', '.join(self.codes_proposed)} "
                "('qualcode codebook list' shows them; accept, merge or reject each)"
            )
        for old, new in self.codes_renamed:
            out.append(
                f"warning: the copy's new code {old!r} clashes with a code here; "
                f"it came in as {new!r}"
            )
        for name, count in self.transcripts_differ:
            out.append(
                f"warning: transcript {name!r} has different text in the copy; its {count} "
                "coding(s) were left out (their offsets would not fit this text)"
            )
        if self.codings_on_retired:
            out.append(
                f"note: {self.codings_on_retired} coding(s) are on codes retired or split "
                "here; 'qualcode codings recode' lists those to recode"
            )
        if self.consensus_left_out:
            out.append(
                f"warning: {self.consensus_left_out} coding(s) of the reserved coder "
                "'consensus' were left out (only the lead's consensus commands here create them)"
            )
        if self.codings_outside:
            out.append(
                f"warning: {self.codings_outside} coding(s) lay outside their transcript's "
                "text and were left out"
            )
        if not self.changed:
            out.append("nothing new: this copy was already merged")
        return out


class _Merger:
    def __init__(
        self,
        session: Session,
        copy: ProjectCopy,
        actor: str,
        owner: str | None = None,
        accept_other_coders: bool = False,
    ) -> None:
        self.session = session
        self.copy = copy
        self.actor = actor
        self.owner = owner
        self.accept_other_coders = accept_other_coders
        self.consensus_ids = {i for i, (name, _r) in copy.coders.items() if name == CONSENSUS}
        self.report = MergeReport()
        self.coder_ids: dict[int, int] = {}
        self.participant_ids: dict[int, int] = {}
        self.transcript_ids: dict[int, int] = {}
        self.code_ids: dict[int, int] = {}
        # local transcript id -> sorted segment starts and their ids
        self.segment_index: dict[int, tuple[list[int], list[int], list[int]]] = {}

    # -- people ---------------------------------------------------------------------------

    def coders(self) -> None:
        names = {name for name, _role in self.copy.coders.values()}
        if self.owner is not None and self.owner not in names:
            raise QualcodeError(
                f"project merge --owner {self.owner}: the copy has no coder of that name "
                f"(it has {', '.join(sorted(names)) or 'none'})"
            )
        for copy_id, (name, _role) in sorted(self.copy.coders.items()):
            coder = get_coder(self.session, name)
            if coder is None and name == CONSENSUS:
                coder = consensus_coder(self.session)  # reserved: not reported as added
            elif coder is None:  # never take a role from the copy: the lead is decided here
                coder = Coder(name=name, role="coder")
                self.session.add(coder)
                self.session.flush()
                self.report.coders_added.append(name)
            self.coder_ids[copy_id] = coder.id

    def participants(self) -> None:
        local = {p.key: p for p in self.session.scalars(select(Participant))}
        for copy_id, key in sorted(self.copy.participants.items()):
            participant = local.get(key)
            if participant is None:
                participant = Participant(key=key)
                self.session.add(participant)
                self.session.flush()
                local[key] = participant
                self.report.participants_added.append(key)
            self.participant_ids[copy_id] = participant.id
        have = {
            (pid, name)
            for pid, name in self.session.execute(
                select(ParticipantAttribute.participant_id, ParticipantAttribute.name)
            )
        }
        for copy_pid, name, value in self.copy.attributes:
            pid = self.participant_ids[copy_pid]
            if (pid, name) not in have:
                self.session.add(ParticipantAttribute(participant_id=pid, name=name, value=value))
                have.add((pid, name))
                self.report.attributes_added += 1
        self.session.flush()

    # -- transcripts ------------------------------------------------------------------------

    def transcripts(self) -> None:
        local = list(
            self.session.execute(select(Transcript.id, Transcript.name, Transcript.sha256))
        )
        by_hash = {sha: tid for tid, _name, sha in local}
        names = {name for _tid, name, _sha in local}
        codings_per = _count(c["transcript_id"] for c in self.copy.codings)
        for item in sorted(self.copy.transcripts, key=lambda t: t["name"]):
            if item["sha256"] in by_hash:
                self.transcript_ids[item["id"]] = by_hash[item["sha256"]]
                self.report.transcripts_matched += 1
            elif item["name"] in names:
                self.report.transcripts_differ.append(
                    (item["name"], codings_per.get(item["id"], 0))
                )
            else:
                self.transcript_ids[item["id"]] = self._add_transcript(item)
                by_hash[item["sha256"]] = self.transcript_ids[item["id"]]
                self.report.transcripts_added.append(item["name"])

    def _add_transcript(self, item: dict[str, Any]) -> int:
        guid_taken = self.session.scalar(
            select(Transcript.id).where(Transcript.guid == item["guid"])
        )
        transcript = Transcript(
            name=item["name"],
            participant_id=self.participant_ids[item["participant_id"]],
            sha256=item["sha256"],
            text=item["text"],
            format=item["format"],
            source=item["source"],
            unit=item["unit"],
            segmenter=item["segmenter"],
            words=item["words"],
        )
        if guid_taken is None:
            transcript.guid = item["guid"]
        self.session.add(transcript)
        self.session.flush()
        insert_rows(
            self.session,
            Segment.__table__,  # type: ignore[arg-type]
            ("transcript_id", "ordinal", "start", "end", "speaker", "text"),
            [
                (transcript.id, ordinal, start, end, speaker, text)
                for ordinal, start, end, speaker, text in self.copy.segments.get(item["id"], [])
            ],
        )
        return transcript.id

    def _segment_at(self, transcript_id: int, start: int) -> int | None:
        if transcript_id not in self.segment_index:
            rows = list(
                self.session.execute(
                    select(Segment.start, Segment.end, Segment.id)
                    .where(Segment.transcript_id == transcript_id)
                    .order_by(Segment.start)
                )
            )
            self.segment_index[transcript_id] = (
                [r[0] for r in rows],
                [r[1] for r in rows],
                [r[2] for r in rows],
            )
        starts, ends, ids = self.segment_index[transcript_id]
        i = bisect.bisect_right(starts, start) - 1
        if i < 0 or start >= ends[i]:
            return None
        return ids[i]

    # -- codes ------------------------------------------------------------------------------

    def codes(self) -> None:
        local = {c.guid.lower(): c for c in self.session.scalars(select(Code))}
        by_id = {c.id: c for c in local.values()}
        pending = dict(self.copy.codes)
        # Parents before children, so a new code under a new theme finds its parent.
        while pending:
            progressed = False
            for copy_id, item in sorted(pending.items()):
                parent = item["parent_id"]
                if parent is not None and parent not in self.code_ids and parent in pending:
                    continue
                code = local.get(item["guid"].lower())
                if code is None:
                    code = self._propose(item, local)
                    local[code.guid.lower()] = code
                    by_id[code.id] = code
                self.code_ids[copy_id] = merge_target(code, by_id).id
                del pending[copy_id]
                progressed = True
            if not progressed:  # a cycle in the copy's tree: cannot happen with our writes
                raise QualcodeError("the copy's codebook has a cycle of parents; cannot merge it")

    def _propose(self, item: dict[str, Any], local: dict[str, Code]) -> Code:
        parent_id = self.code_ids.get(item["parent_id"]) if item["parent_id"] is not None else None
        siblings = {c.name.casefold() for c in local.values() if c.parent_id == parent_id}
        name = item["name"]
        creator = self.copy.coders.get(item["created_by_id"] or -1, ("", ""))[0]
        if name.casefold() in siblings:
            base = f"{name} ({creator or 'copy'})"
            name, n = base, 2
            while name.casefold() in siblings:
                name, n = f"{base} {n}", n + 1
            self.report.codes_renamed.append((item["name"], name))
        position = max((c.position for c in local.values() if c.parent_id == parent_id), default=-1)
        code = Code(
            guid=item["guid"],
            name=name,
            parent_id=parent_id,
            position=position + 1,
            kind=item["kind"],
            description=item["description"],
            include=item["include"],
            exclude=item["exclude"],
            example=item["example"],
            color=item["color"],
            status="proposed",
            created_by_id=self.coder_ids.get(item["created_by_id"])
            if item["created_by_id"] is not None
            else None,
        )
        self.session.add(code)
        self.session.flush()
        path = _path(code, local | {code.guid.lower(): code})
        record(
            self.session,
            self.actor,
            "propose",
            code,
            None,
            snapshot(self.session, code),
            f"arrived with a merged project copy (proposed by {creator or 'unknown'})",
        )
        self.report.codes_proposed.append(path)
        return code

    # -- codings, memos, progress -----------------------------------------------------------

    def codings(self, fork_seq: int) -> None:
        have_guids = set(self.session.scalars(select(Coding.guid)))
        have_keys = coding_keys(self.session, set(self.transcript_ids.values()))
        retired = {c.id for c in self.session.scalars(select(Code).where(Code.status == "retired"))}
        texts = {t["id"]: len(t["text"]) for t in self.copy.transcripts}
        rows: list[tuple[Any, ...]] = []
        by_coder: dict[str, int] = {}
        for item in self.copy.codings:
            transcript_id = self.transcript_ids.get(item["transcript_id"])
            if transcript_id is None:
                continue  # reported with its transcript
            code_id = self.code_ids[item["code_id"]]
            coder_id = self.coder_ids[item["coder_id"]]
            key = (transcript_id, item["start"], item["end"], code_id, coder_id)
            if item["guid"] in have_guids or key in have_keys:
                self.report.codings_present += 1
                continue
            segment_id = self._segment_at(transcript_id, item["start"])
            if (
                segment_id is None
                or not 0 <= item["start"] < item["end"] <= texts[item["transcript_id"]]
            ):
                self.report.codings_outside += 1
                continue
            if item["coder_id"] in self.consensus_ids:
                self.report.consensus_left_out += 1
                continue
            name = self.copy.coders[item["coder_id"]][0]
            by_coder[name] = by_coder.get(name, 0) + 1
            have_guids.add(item["guid"])
            have_keys.add(key)
            if code_id in retired:
                self.report.codings_on_retired += 1
            rows.append(
                (
                    item["guid"],
                    transcript_id,
                    segment_id,
                    item["start"],
                    item["end"],
                    code_id,
                    coder_id,
                    item["memo"],
                    item["created_at"],
                    min(item["codebook_seq"], fork_seq),
                )
            )
        self._check_owner(by_coder)
        self.report.codings_by_coder = by_coder
        if rows:
            self.session.execute(
                Coding.__table__.insert(),  # type: ignore[attr-defined]
                [dict(zip(CODING_COLUMNS, row, strict=True)) for row in rows],
            )
        self.report.codings_added = len(rows)

    def _check_owner(self, by_coder: dict[str, int]) -> None:
        """New codings by anyone but the copy's owner need the lead's explicit yes."""
        if self.accept_other_coders or not by_coder:
            return
        owner = self.owner
        if owner is None and len(by_coder) == 1:
            return  # the one coder with new work is the copy's owner
        others = {c: n for c, n in by_coder.items() if c != owner}
        if not others:
            return
        counts = ", ".join(f"{c} {n}" for c, n in sorted(by_coder.items()))
        whose = (
            f"other coders than its owner {owner}"
            if owner is not None
            else "more than one coder (a copy is one coder's)"
        )
        raise QualcodeError(
            f"project merge: the copy has new codings by {whose}: {counts}; nothing was "
            "stored. If that is right, merge with --accept-other-coders (or name the owner "
            "with --owner CODER)"
        )

    def memos(self) -> None:
        """Memos by GUID, and one memo per coder and segment: a different text is appended."""
        local = list(self.session.scalars(select(Memo)))
        by_guid = {m.guid: m for m in local}
        by_place = {
            (m.transcript_id, m.segment_id, m.author_id): m
            for m in local
            if m.segment_id is not None
        }
        for item in self.copy.memos:
            transcript_id = self.transcript_ids.get(item["transcript_id"])
            if transcript_id is None:
                continue
            segment_id = None
            if item["segment_id"] is not None:
                segment_id = self._copy_segment(item["transcript_id"], item["segment_id"])
                if segment_id is None:
                    continue
            author_id = self.coder_ids[item["author_id"]]
            memo = by_guid.get(item["guid"])
            if memo is None and segment_id is not None:
                memo = by_place.get((transcript_id, segment_id, author_id))
            text = item["text"]
            if memo is not None:
                if text.strip() and text.strip() not in memo.text:
                    memo.text = f"{memo.text.rstrip()}\n\n{text}".strip()
                    self.report.memos_extended += 1
                continue
            memo = Memo(
                transcript_id=transcript_id,
                segment_id=segment_id,
                author_id=author_id,
                text=text,
                created_at=item["created_at"],
            )
            if item["guid"] not in by_guid:
                memo.guid = item["guid"]
            self.session.add(memo)
            by_guid[item["guid"]] = memo
            if segment_id is not None:
                by_place[(transcript_id, segment_id, author_id)] = memo
            self.report.memos_added += 1
        self.session.flush()

    def _copy_segment(self, copy_transcript: int, copy_segment_id: int) -> int | None:
        """The local segment holding the start of the copy's segment."""
        start = self.copy.segment_starts.get(copy_segment_id)
        transcript_id = self.transcript_ids[copy_transcript]
        return None if start is None else self._segment_at(transcript_id, start)

    def progress(self) -> None:
        local = {(p.coder_id, p.transcript_id): p for p in self.session.scalars(select(Progress))}
        for copy_coder, copy_transcript, status in self.copy.progress:
            transcript_id = self.transcript_ids.get(copy_transcript)
            if transcript_id is None or copy_coder in self.consensus_ids:
                continue
            key = (self.coder_ids[copy_coder], transcript_id)
            current = local.get(key)
            if current is None:
                if status == "not_started":
                    continue
                current = Progress(coder_id=key[0], transcript_id=key[1], status=status)
                self.session.add(current)
                local[key] = current
                self.report.progress_updated += 1
            elif PROGRESS_RANK.get(status, 0) > PROGRESS_RANK.get(current.status, 0):
                current.status = status
                self.report.progress_updated += 1
        self.session.flush()


def _count(values: Any) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _path(code: Code, local: dict[str, Code]) -> str:
    by_id = {c.id: c for c in local.values()}
    parts = [code.name]
    current = code.parent_id
    while current is not None and current in by_id:
        parts.append(by_id[current].name)
        current = by_id[current].parent_id
    return "/".join(reversed(parts))


def fork_seq(session: Session, copy_events: list[tuple[int, str, str, datetime]]) -> int:
    """The last codebook event both projects share: where the copy was taken."""
    local = {
        seq: (guid, action)
        for seq, guid, action in session.execute(
            select(CodebookEvent.seq, CodebookEvent.code_guid, CodebookEvent.action)
        )
    }
    shared = 0
    for seq, guid, action, _at in sorted(copy_events):
        if local.get(seq) != (guid, action):
            break
        shared = seq
    return shared


def merge_copy(
    session: Session,
    copy: ProjectCopy,
    actor: str,
    owner: str | None = None,
    accept_other_coders: bool = False,
) -> MergeReport:
    """Merge a copy read with :func:`read_copy` into this project (caller's transaction).

    ``owner``: the coder whose copy it is (default: the one coder with new codings in it);
    new codings by anyone else refuse the merge unless ``accept_other_coders``.
    """
    require_lead(session, actor, "project merge")
    if owner == CONSENSUS:
        raise QualcodeError(f"project merge --owner: {RESERVED_CONSENSUS}")
    merger = _Merger(session, copy, actor, owner, accept_other_coders)
    merger.coders()
    merger.participants()
    merger.transcripts()
    merger.codes()
    merger.codings(fork_seq(session, copy.events))
    merger.memos()
    merger.progress()
    report = merger.report
    if report.changed:
        audit(session, "merge project", "", "; ".join(report.lines()[:2]))
    return report
