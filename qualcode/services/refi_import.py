"""Bring in a REFI-QDA project (.qdpx) or codebook (.qdc): ``qualcode refi import FILE``.

The steps follow ``qualcode import`` and ``project merge``:

1. **Read** (no database): the file is checked and parsed (``ingest.qde_read``, defusedxml,
   zip limits); each text source is normalised like any transcript and its selections'
   positions are converted to offsets of the normalised text (``ingest.refi_offsets``: the
   standard's code points, or what NVivo for Windows counts, whichever the evidence shows).
2. **Plan** (a read-only session): sources whose text is already here (same sha256) are
   matched, not imported again; a new source whose name is taken gets ``NAME (2)``.
3. **Segment** the new sources with spaCy, like any import, holding no lock.
4. **Store**, in one transaction (any error stores nothing):

   * users → coders, by name; a missing one is created with the role ``coder`` (never
     ``lead``). A coding's coder is its ``creatingUser``, else its selection's, else its
     source's, else a coder named after the file; a user called ``consensus`` (a reserved
     coder: only the lead's consensus commands create its codings) is mapped to the coder
     ``consensus-imported``, reported in the notes;
   * the codebook → through the codebook merge rules (``services.codebook_merge``): matched
     by GUID, then by path; new codes added, conflicts listed, nothing overwritten;
   * text sources → transcripts (GUID kept when free);
   * cases → participants (by name), their variables → attributes (a value already set
     here is kept and reported), ``SourceRef`` → the participant of a new transcript;
   * each ``Coding`` of a ``PlainTextSelection`` → a span coding (identity: the selection's
     GUID when it has one coding, else the Coding's GUID; and span × code × coder);
   * notes → memos: on a source → the transcript's memo; on a selection → a memo on the
     segment holding its start; on a coding → that coding's memo;
   * progress: ``in_progress`` for each coder × transcript with codings; ``done`` for the
     sources of a set named ``Done by NAME`` (how our export carries progress), or for all
     with ``--done``.

Whatever cannot come in is reported with the reason: other source kinds (PDF, audio, video,
pictures), codings of a whole source, notes on codes or on nothing, links, graphs, sets.
Importing the same file again adds nothing.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.ingest.model import Document, Turn
from qualcode.services.audit import audit
from qualcode.services.codebook_events import current_seq
from qualcode.services.codebook_file import CodebookSpec, CodeSpec
from qualcode.services.coding import PROGRESS_RANK, coding_keys
from qualcode.services.importing import (
    ImportOptions,
    Segmented,
    SegmenterLike,
    Source,
    segment_sources,
    store_segmented,
)
from qualcode.services.lookup import CONSENSUS, get_coder, merge_target, require_lead
from qualcode.store.models import (
    Code,
    Coder,
    Coding,
    Memo,
    Participant,
    ParticipantAttribute,
    Progress,
    Segment,
    Transcript,
    utcnow,
)

if TYPE_CHECKING:
    from qualcode.ingest.qdc_read import QdcCode
    from qualcode.ingest.qde_read import (
        RefiCoding,
        RefiNote,
        RefiProject,
        RefiSelection,
        RefiSource,
    )
    from qualcode.ingest.refi_offsets import UnitMap
    from qualcode.services.codebook_merge import MergeReport
    from qualcode.store.project import Project

TEXT_SUFFIXES = (".txt", ".text", ".md", ".docx", ".doc", ".rtf", ".odt", ".pdf")
IMPORTED_CONSENSUS = "consensus-imported"  # what a file's user "consensus" becomes
DONE_SET = re.compile(r"^done by (?P<coder>.+)$", re.IGNORECASE)
SHOWN_PER_REASON = 8
MAX_NAME = 190  # transcript, participant and code names (room for a " (2)")
BOLD_LABEL = re.compile(r"^\*\*[^*\n]{1,60}:\*\*", re.MULTILINE)
TITLE_END = (".", "?", "!", ":", ",", ";")


def read_turns(text: str) -> tuple[tuple[Turn, ...], str]:
    """Speaker turns of a plain-text source, read as our own readers read them.

    Markdown speaker labels (``**P05:**``) or headings switch on the Markdown rules, as the
    ``.md`` reader does; short title lines before the first speaker (a docx's heading, say)
    are headings, not speech, as the ``.docx`` reader makes them. Returns turns and format.
    """
    from qualcode.ingest.turns_text import detect_turns

    markdown = bool(BOLD_LABEL.search(text)) or text.lstrip().startswith("# ")
    if markdown:
        return tuple(detect_turns(text, markdown=True)), "md"
    turns = tuple(detect_turns(text))
    first = min((t.start for t in turns if t.speaker), default=len(text))
    headings: list[int] = []
    pos = 0
    for line in text[:first].split("\n"):
        stripped = line.strip()
        if stripped and len(stripped) <= 80 and not stripped.endswith(TITLE_END):
            headings.append(pos)
        pos += len(line) + 1
    if not headings:
        return turns, "txt"
    return tuple(detect_turns(text, heading_starts=headings)), "txt"


@dataclass(frozen=True)
class RefiImportOptions:
    unit: str = "sentence"
    spacy_model: str = "auto"
    done: bool = False  # mark every coder × transcript with codings done


@dataclass
class RefiImportReport:
    """What came in, and what was left out and why."""

    file: str
    kind: str = "project"  # or "codebook"
    reading: str = ""  # how positions were counted, when not as the standard says
    coders_added: list[str] = field(default_factory=list)
    codebook: MergeReport | None = None
    codes_renamed: list[str] = field(default_factory=list)
    transcripts_added: list[tuple[str, int, int]] = field(default_factory=list)
    transcripts_matched: list[str] = field(default_factory=list)
    transcripts_renamed: list[tuple[str, str]] = field(default_factory=list)
    participants_added: list[str] = field(default_factory=list)
    attributes_added: int = 0
    attributes_kept: list[str] = field(default_factory=list)
    codings_added: int = 0
    codings_present: int = 0
    memos_added: int = 0
    memos_present: int = 0
    memos_extended: int = 0
    progress_updated: int = 0
    segmenter: str = ""
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason -> what

    def skip(self, reason: str, what: str) -> None:
        self.skipped.setdefault(reason, []).append(what)

    @property
    def changed(self) -> bool:
        book = self.codebook
        return bool(
            self.coders_added
            or (book is not None and (book.added or book.filled))
            or self.transcripts_added
            or self.participants_added
            or self.attributes_added
            or self.codings_added
            or self.memos_added
            or self.memos_extended
            or self.progress_updated
        )

    def lines(self) -> list[str]:
        out: list[str] = []
        book = self.codebook
        if book is not None:
            out.append(f"codebook: {book.summary()}")
            out.extend(f"  added: {path}" for path in book.added)
            out.extend(f"  filled: {path} ({', '.join(f)})" for path, f in book.filled)
            out.extend(
                f"  conflict: {c.code}: {c.field}: kept {c.ours!r}, the file has {c.theirs!r}"
                for c in book.conflicts
            )
            out.extend(f"  renamed: {line}" for line in self.codes_renamed)
        if self.kind == "project":
            out.append(
                f"transcripts: {len(self.transcripts_added)} added, "
                f"{len(self.transcripts_matched)} already here (same text)"
            )
            for name, segments, words in self.transcripts_added:
                out.append(f"  {name}: {segments} segments, {words} words")
            for old, new in self.transcripts_renamed:
                out.append(f"  {old!r} is taken by another text here: imported as {new!r}")
            out.append(f"codings: {self.codings_added} added, {self.codings_present} already here")
            out.append(
                f"memos: {self.memos_added} added, {self.memos_present} already here"
                + (f", {self.memos_extended} extended" if self.memos_extended else "")
            )
            if self.coders_added:
                out.append(f"coders added (role coder): {', '.join(self.coders_added)}")
            if self.participants_added:
                out.append(f"participants added: {', '.join(self.participants_added)}")
            if self.attributes_added:
                out.append(f"participant attributes added: {self.attributes_added}")
            out.extend(f"  kept: {line}" for line in self.attributes_kept)
            if self.progress_updated:
                out.append(f"progress updated: {self.progress_updated} coder × transcript")
        if self.reading:
            out.append(f"note: {self.reading}")
        out.extend(f"note: {line}" for line in self.notes)
        for reason, items in self.skipped.items():
            out.append(f"skipped {len(items)}: {reason}")
            out.extend(f"  {item}" for item in items[:SHOWN_PER_REASON])
            if len(items) > SHOWN_PER_REASON:
                out.append(f"  … and {len(items) - SHOWN_PER_REASON} more")
        if not self.changed:
            out.append("nothing new: everything in the file is already here")
        return out


# -- 1. read and prepare (no database) ------------------------------------------------------


@dataclass
class Prepared:
    """A text source ready to store: its transcript-to-be and its selections' spans."""

    refi: RefiSource
    source: Source  # name, participant, document (normalised text)
    spans: dict[str, tuple[int, int]]  # selection GUID -> (start, end) in the text
    transcript_id: int | None = None
    same_as: Prepared | None = None  # an earlier source of the file with the same text


def _transcript_name(source: RefiSource) -> str:
    name = source.name.strip()
    lowered = name.lower()
    for suffix in TEXT_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)].rstrip()
            break
    return (name or source.guid)[:MAX_NAME]


def _unique(name: str, taken: set[str], fold: bool = False) -> str:
    """``name``, or ``name (2)``, ``name (3)``… whichever is not in ``taken`` (casefolded
    names with ``fold``)."""

    def key(value: str) -> str:
        return value.casefold() if fold else value

    candidate, n = name, 2
    while key(candidate) in taken:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def prepare_sources(project: RefiProject, report: RefiImportReport) -> list[Prepared]:
    """Normalise each text source and convert its selections' positions (no database)."""
    from qualcode.ingest.refi_offsets import (
        Selection,
        choose_reading,
        convert,
        normalise_with_map,
        unit_map,
    )

    case_of: dict[str, str] = {}
    for case in project.cases:
        for guid in case.sources:
            if guid in case_of and case_of[guid] != case.name:
                report.skip(
                    "a source belongs to one participant here",
                    f"{case.where}: source {guid} stays with {case_of[guid]!r}",
                )
            case_of.setdefault(guid, case.name)
    texts: list[tuple[RefiSource, str, list[int]]] = []
    for refi in project.sources:
        if refi.skipped:
            report.skip("text sources that cannot be read", f"{refi.where}: {refi.skipped}")
            continue
        assert refi.raw is not None
        text, where = normalise_with_map(refi.raw)
        if not text.strip():
            hint = " (its text is only in the rich-text file, which is not read)"
            report.skip(
                "text sources without text",
                f"{refi.where}: the plain text is empty{hint if refi.rich_path else ''}",
            )
            continue
        report.notes.extend(f"{refi.where}: {notice}" for notice in refi.notices)
        texts.append((refi, text, where))
    samples = [
        (refi.raw or "", [Selection(s.start, s.end, s.name) for s in refi.selections])
        for refi, _text, _where in texts
    ]
    reading, _scores = choose_reading(samples)
    if not reading.standard:
        report.reading = (
            f"selection positions read as {reading.describe()} (not code points, as the "
            "standard says; NVivo for Windows counts this way) and converted"
        )
    prepared: list[Prepared] = []
    names: set[str] = set()
    for refi, text, where in texts:
        raw = refi.raw or ""
        units: UnitMap | None = unit_map(raw, reading)
        spans: dict[str, tuple[int, int]] = {}
        for selection in refi.selections:
            span = convert(raw, Selection(selection.start, selection.end), units)
            start, end = (where[span[0]], where[span[1]]) if span is not None else (0, 0)
            if span is None or start >= end:
                report.skip(
                    "selections outside their text (or empty)",
                    f"{selection.where}: positions {selection.start}–{selection.end}, "
                    f"the text has {len(raw):,} characters",
                )
                continue
            spans[selection.guid] = (start, end)
        turns, fmt = read_turns(text)
        name = _unique(_transcript_name(refi), names)
        names.add(name)
        document = Document(text, turns, fmt)
        participant = case_of.get(refi.guid, name)[:MAX_NAME]
        source = Source(name, participant, document, project.path)
        prepared.append(Prepared(refi, source, spans))
    return prepared


# -- 2. plan (read-only session) --------------------------------------------------------


def plan_sources(session: Session, prepared: list[Prepared], report: RefiImportReport) -> None:
    """Match sources already here by their text; give new ones a free name."""
    existing = list(session.execute(select(Transcript.id, Transcript.name, Transcript.sha256)))
    by_hash = {sha: (tid, name) for tid, name, sha in existing}
    taken = {name for _tid, name, _sha in existing}
    new: dict[str, Prepared] = {}
    for item in prepared:
        found = by_hash.get(item.source.sha256)
        if found is not None:
            item.transcript_id = found[0]
            report.transcripts_matched.append(found[1])
            continue
        twin = new.get(item.source.sha256)
        if twin is not None:
            item.same_as = twin
            report.notes.append(
                f"{item.refi.where}: the same text as {twin.refi.where}; "
                f"its codings and notes go to {twin.source.name!r}"
            )
            continue
        new[item.source.sha256] = item
        wanted = item.source.name
        if wanted in taken:
            item.source.name = _unique(wanted, taken | {p.source.name for p in prepared})
            report.transcripts_renamed.append((wanted, item.source.name))
            if item.source.participant == wanted:
                item.source.participant = item.source.name
        taken.add(item.source.name)


# -- 4. store (one transaction) ------------------------------------------------------------


def _spec_tree(codes: list[QdcCode], report: RefiImportReport) -> list[CodeSpec]:
    """The file's codes as CodeSpecs; a name repeated among siblings gets `` (2)``."""

    def convert(items: list[QdcCode]) -> list[CodeSpec]:
        siblings: set[str] = set()
        out: list[CodeSpec] = []
        for code in items:
            name = _unique(code.name[:MAX_NAME], siblings, fold=True)
            siblings.add(name.casefold())
            if code.renamed_from:
                report.codes_renamed.append(
                    f"{code.renamed_from!r} → {code.name!r} ('/' separates path parts here)"
                )
            if name != code.name:
                report.codes_renamed.append(
                    f"{code.where}: {code.name!r} → {name!r} (the name repeats among siblings)"
                )
            out.append(
                CodeSpec(
                    name=name,
                    where=code.where,
                    description=code.description,
                    include=code.include,
                    exclude=code.exclude,
                    example=code.example,
                    color=code.color,
                    guid=code.guid,
                    children=convert(code.children),
                )
            )
        return out

    return convert(codes)


def place_codes(session: Session, book: CodebookSpec) -> dict[str, Code | None]:
    """Each file code's GUID → the project code it now stands for (the merge's matching:
    by GUID, else by name under the matched parent; following merges). None: not placed."""
    from qualcode.services.codebook_changes import LIVE

    codes = list(session.scalars(select(Code)))
    by_id = {code.id: code for code in codes}
    by_guid = {code.guid.lower(): code for code in codes}
    children: dict[tuple[int | None, str], Code] = {}
    for code in codes:
        key = (code.parent_id, code.name.casefold())
        known = children.get(key)
        if known is None or (known.status not in LIVE and code.status in LIVE):
            children[key] = code
    placed: dict[int, Code | None] = {}
    result: dict[str, Code | None] = {}
    for spec, _path, parent_spec in book.walk():
        parent = placed.get(id(parent_spec)) if parent_spec is not None else None
        found: Code | None = None
        if spec.guid and spec.guid in by_guid:
            found = by_guid[spec.guid]
        elif parent_spec is None or parent is not None:
            parent_id = parent.id if parent is not None else None
            found = children.get((parent_id, spec.name.casefold()))
        target = merge_target(found, by_id) if found is not None else None
        placed[id(spec)] = target
        if spec.guid:
            result[spec.guid] = target
    return result


class _Importer:
    def __init__(
        self,
        session: Session,
        project: RefiProject,
        prepared: list[Prepared],
        actor: str,
        options: RefiImportOptions,
        report: RefiImportReport,
    ) -> None:
        self.session = session
        self.project = project
        self.prepared = prepared
        self.actor = actor
        self.options = options
        self.report = report
        self.users = {user.guid: user.name for user in project.users}
        self.coders: dict[str, Coder] = {}
        self.unknown_users: set[str] = set()
        self.codes: dict[str, Code | None] = {}
        self.segments: dict[int, tuple[list[int], list[int]]] = {}
        self.pairs: set[tuple[int, int]] = set()  # coder id, transcript id (with codings)
        self.used_notes: set[str] = set()  # notes that became codings' memos

    # -- people -----------------------------------------------------------------------------

    def coder(self, *users: str | None) -> Coder:
        """The coder of the first of ``users`` that is a known User, else the file's coder."""
        name = None
        for guid in users:
            if guid is None:
                continue
            if guid in self.users:
                name = self.users[guid]
                break
            if guid not in self.unknown_users:
                self.unknown_users.add(guid)
                self.report.skip(
                    "user references that resolve to no <User> (the next known user is taken)",
                    guid,
                )
        if name is None:
            name = self.project.path.stem[:200] or "refi"
        if name == CONSENSUS:  # reserved: only the lead's consensus commands create its codings
            name = IMPORTED_CONSENSUS
            if IMPORTED_CONSENSUS not in self.coders:
                self.report.notes.append(
                    f"the file's user {CONSENSUS!r} is a reserved coder here (only the lead's "
                    f"consensus commands create its codings): its codings and notes are "
                    f"imported as coder {IMPORTED_CONSENSUS!r}"
                )
        if name not in self.coders:
            coder = get_coder(self.session, name)
            if coder is None:
                coder = Coder(name=name, role="coder")
                self.session.add(coder)
                self.session.flush()
                self.report.coders_added.append(name)
            self.coders[name] = coder
        return self.coders[name]

    def participants(self) -> None:
        local = {p.key: p for p in self.session.scalars(select(Participant))}

        def participant(key: str) -> Participant:
            found = local.get(key)
            if found is None:
                found = Participant(key=key)
                self.session.add(found)
                self.session.flush()
                local[key] = found
                self.report.participants_added.append(key)
            return found

        variables = {v.guid: v.name for v in self.project.variables}
        have = {
            (pid, name): value
            for pid, name, value in self.session.execute(
                select(
                    ParticipantAttribute.participant_id,
                    ParticipantAttribute.name,
                    ParticipantAttribute.value,
                )
            )
        }
        for case in self.project.cases:
            person = participant(case.name)
            for variable, value in case.values:
                name = variables.get(variable)
                if name is None:
                    self.report.skip(
                        "variable values of an unknown variable",
                        f"{case.where}: variable {variable}",
                    )
                    continue
                key = (person.id, name)
                if key in have:
                    if have[key] != value:
                        self.report.attributes_kept.append(
                            f"{case.name}: {name} = {have[key]!r} (the file has {value!r})"
                        )
                    continue
                self.session.add(
                    ParticipantAttribute(participant_id=person.id, name=name, value=value)
                )
                have[key] = value
                self.report.attributes_added += 1
        for item in self.prepared:
            if item.transcript_id is None and item.same_as is None:
                participant(item.source.participant)
        self.session.flush()

    # -- codebook ---------------------------------------------------------------------------

    def codebook(self) -> None:
        from qualcode.services.codebook_merge import merge_codebook

        if not self.project.codes:
            return
        specs = _spec_tree(self.project.codes, self.report)
        book = CodebookSpec(
            name=self.project.name or self.project.path.stem, description="", codes=specs
        )
        self.report.codebook = merge_codebook(
            self.session, book, self.actor, str(self.project.path)
        )
        self.codes = place_codes(self.session, book)

    # -- transcripts ------------------------------------------------------------------------

    def transcripts(self, segmented: list[Segmented]) -> None:
        stored = store_segmented(self.session, segmented, ImportOptions(unit=self.options.unit))
        self.report.transcripts_added = stored.imported
        self.report.segmenter = stored.segmenter
        new = [i for i in self.prepared if i.transcript_id is None and i.same_as is None]
        ids = {
            t.name: t
            for t in self.session.scalars(
                select(Transcript).where(Transcript.name.in_([i.source.name for i in new]))
            )
        }
        guids = set(self.session.scalars(select(Transcript.guid)))
        for item in new:
            transcript = ids[item.source.name]
            item.transcript_id = transcript.id
            if item.refi.guid not in guids:
                transcript.guid = item.refi.guid
                guids.add(item.refi.guid)
        for item in self.prepared:
            if item.same_as is not None:
                item.transcript_id = item.same_as.transcript_id
        self.session.flush()

    def segment_at(self, transcript_id: int, start: int) -> int | None:
        """The segment holding ``start``: the last one starting at or before it (the first
        one for a span before every segment), as ``apply_span`` and ``--replace`` place it."""
        if transcript_id not in self.segments:
            rows = list(
                self.session.execute(
                    select(Segment.start, Segment.id)
                    .where(Segment.transcript_id == transcript_id)
                    .order_by(Segment.start)
                )
            )
            self.segments[transcript_id] = ([r[0] for r in rows], [r[1] for r in rows])
        starts, ids = self.segments[transcript_id]
        if not ids:
            return None
        return ids[max(bisect.bisect_right(starts, start) - 1, 0)]

    # -- codings ----------------------------------------------------------------------------

    def codings(self) -> None:
        notes = {note.guid: note for note in self.project.notes}
        have_guids = set(self.session.scalars(select(Coding.guid)))
        wanted = [i.transcript_id for i in self.prepared if i.transcript_id is not None]
        have_keys = coding_keys(self.session, wanted)
        seq = current_seq(self.session)
        now = utcnow()
        rows: list[dict[str, Any]] = []
        for item in self.prepared:
            assert item.transcript_id is not None
            refi = item.refi
            if refi.source_codings:
                self.report.skip(
                    "codings of a whole source (qualcode codes spans of text)",
                    f"{refi.where}: {refi.source_codings}",
                )
            for selection in refi.selections:
                span = item.spans.get(selection.guid)
                if span is None:
                    continue
                for coding in selection.codings:
                    row = self._coding_row(item, selection, coding, span, notes)
                    if row is None:
                        continue
                    key = (
                        row["transcript_id"],
                        row["start"],
                        row["end"],
                        row["code_id"],
                        row["coder_id"],
                    )
                    self.pairs.add((row["coder_id"], row["transcript_id"]))
                    if row["guid"] in have_guids or key in have_keys:
                        self.report.codings_present += 1
                        continue
                    have_guids.add(row["guid"])
                    have_keys.add(key)
                    row["codebook_seq"] = seq
                    row["created_at"] = row["created_at"] or now
                    rows.append(row)
        if rows:
            self.session.execute(insert(Coding), rows)
        self.report.codings_added = len(rows)

    def _coding_row(
        self,
        item: Prepared,
        selection: RefiSelection,
        coding: RefiCoding,
        span: tuple[int, int],
        notes: dict[str, RefiNote],
    ) -> dict[str, Any] | None:
        where = selection.where
        if coding.code is None:
            self.report.skip("codings without a CodeRef", where)
            return None
        if coding.code not in self.codes:
            self.report.skip("codings of a code not in the codebook", f"{where}: {coding.code}")
            return None
        code = self.codes[coding.code]
        if code is None:
            self.report.skip(
                "codings of a code the codebook merge did not add (see its conflicts)",
                f"{where}: {coding.code}",
            )
            return None
        assert item.transcript_id is not None
        segment_id = self.segment_at(item.transcript_id, span[0])
        if segment_id is None:
            self.report.skip("codings on a transcript without segments", where)
            return None
        coder = self.coder(coding.user, selection.user, item.refi.user)
        memo = "\n\n".join(
            (notes[guid].content or "").strip()
            for guid in coding.notes
            if guid in notes and (notes[guid].content or "").strip()
        )
        self.used_notes.update(coding.notes)
        guid = selection.guid if len(selection.codings) == 1 else coding.guid
        return {
            "guid": guid,
            "transcript_id": item.transcript_id,
            "segment_id": segment_id,
            "start": span[0],
            "end": span[1],
            "code_id": code.id,
            "coder_id": coder.id,
            "memo": memo,
            "created_at": coding.created or selection.created,
        }

    # -- memos ------------------------------------------------------------------------------

    def memos(self) -> None:
        notes = {note.guid: note for note in self.project.notes}
        local = list(self.session.scalars(select(Memo)))
        by_guid = {m.guid: m for m in local}
        by_place = {(m.transcript_id, m.segment_id, m.author_id): m for m in local}
        placed: set[str] = set()

        def add(
            guid: str, transcript_id: int, segment_id: int | None, users: list[str | None]
        ) -> None:
            note = notes.get(guid)
            if note is None:
                self.report.skip("note references to no <Note>", guid)
                return
            if guid in placed:
                return
            placed.add(guid)
            text = (note.content or "").strip()
            if not text:
                self.report.skip("empty notes", note.where)
                return
            if guid in by_guid:
                self.report.memos_present += 1
                return
            author = self.coder(note.user, *users)
            memo = by_place.get((transcript_id, segment_id, author.id))
            if memo is not None:
                if text in memo.text:
                    self.report.memos_present += 1
                else:
                    memo.text = f"{memo.text.rstrip()}\n\n{text}".strip()
                    self.report.memos_extended += 1
                return
            memo = Memo(
                transcript_id=transcript_id,
                segment_id=segment_id,
                author_id=author.id,
                text=text,
                created_at=note.created or utcnow(),
                guid=guid,
            )
            self.session.add(memo)
            by_guid[guid] = memo
            by_place[(transcript_id, segment_id, author.id)] = memo
            self.report.memos_added += 1

        for item in self.prepared:
            assert item.transcript_id is not None
            refi = item.refi
            for guid in refi.notes:
                add(guid, item.transcript_id, None, [refi.user])
            for selection in refi.selections:
                span = item.spans.get(selection.guid)
                if span is None or not selection.notes:
                    continue
                segment_id = self.segment_at(item.transcript_id, span[0])
                for guid in selection.notes:
                    add(guid, item.transcript_id, segment_id, [selection.user, refi.user])
        self.session.flush()
        elsewhere = {guid for _code, guid in self.project.code_notes}
        for note in self.project.notes:
            if note.guid in placed or note.guid in self.used_notes:
                continue
            if note.guid in elsewhere:
                self.report.skip("notes on codes (qualcode has no code memos)", note.where)
            else:
                self.report.skip("notes not attached to a source, selection or coding", note.where)

    # -- progress ---------------------------------------------------------------------------

    def progress(self) -> None:
        wanted: dict[tuple[int, int], str] = {
            pair: "done" if self.options.done else "in_progress" for pair in self.pairs
        }
        by_source = {i.refi.guid: i.transcript_id for i in self.prepared}
        for refi_set in self.project.sets:
            match = DONE_SET.match(refi_set.name)
            if match is None:
                continue
            coder = get_coder(self.session, match.group("coder").strip())
            if coder is not None and coder.name == CONSENSUS:
                self.report.skip("'Done by' sets of the reserved coder consensus", refi_set.name)
                continue
            if coder is None:
                self.report.skip("'Done by' sets of an unknown coder", f"{refi_set.name!r}")
                continue
            for guid in refi_set.sources:
                transcript_id = by_source.get(guid)
                if transcript_id is not None:
                    wanted[(coder.id, transcript_id)] = "done"
        local = {(p.coder_id, p.transcript_id): p for p in self.session.scalars(select(Progress))}
        for (coder_id, transcript_id), status in sorted(wanted.items()):
            current = local.get((coder_id, transcript_id))
            if current is None:
                self.session.add(
                    Progress(coder_id=coder_id, transcript_id=transcript_id, status=status)
                )
                self.report.progress_updated += 1
            elif PROGRESS_RANK[status] > PROGRESS_RANK.get(current.status, 0):
                current.status = status
                current.updated_at = utcnow()
                self.report.progress_updated += 1
        self.session.flush()

    def other_things(self) -> None:
        """Report what the file has and qualcode has no place for."""
        project = self.project
        for kind, name in project.other_sources:
            self.report.skip("sources that are not text (qualcode codes text)", f"{kind}: {name}")
        if project.links:
            self.report.skip("links between objects", str(project.links))
        if project.graphs:
            self.report.skip("graphs", str(project.graphs))
        other_sets = [s.name for s in project.sets if DONE_SET.match(s.name) is None]
        if other_sets:
            self.report.skip("sets (qualcode has no sets)", ", ".join(other_sets))
        if project.project_notes:
            self.report.skip("notes on the project as a whole", str(len(project.project_notes)))
        for line in project.duplicates:
            self.report.skip("repeated GUIDs (the first is kept)", line)


def store(
    session: Session,
    project: RefiProject,
    prepared: list[Prepared],
    segmented: list[Segmented],
    actor: str,
    options: RefiImportOptions,
    report: RefiImportReport,
) -> None:
    """Everything into the project, in the caller's transaction."""
    require_lead(session, actor, "refi import")
    importer = _Importer(session, project, prepared, actor, options, report)
    importer.codebook()
    importer.participants()
    importer.transcripts(segmented)
    importer.codings()
    importer.memos()
    importer.progress()
    importer.other_things()


# -- the whole import ----------------------------------------------------------------------


def refi_kind(path: Path) -> str:
    """``project`` (.qdpx, a zip) or ``codebook`` (.qdc, XML), by suffix, else by content."""
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        return "project"
    if suffix == ".qdc":
        return "codebook"
    try:
        with path.open("rb") as stream:
            head = stream.read(512)
    except FileNotFoundError:
        raise QualcodeError(f"{path}: no such file; check the path") from None
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot read the file ({exc.strerror})") from None
    if head.startswith(b"PK"):
        return "project"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "codebook"
    raise QualcodeError(f"{path}: not a REFI-QDA file: give a project (.qdpx) or a codebook (.qdc)")


def import_refi(
    project: Project,
    path: Path,
    actor: str,
    options: RefiImportOptions,
    make_segmenter: Callable[[], SegmenterLike],
) -> RefiImportReport:
    """Read, plan, segment, then store in one transaction (see the module docstring)."""
    report = RefiImportReport(file=str(path))
    kind = refi_kind(path)
    with project.session() as session:
        # before reading the file: refused early, and cheaply
        require_lead(session, actor, "refi import")
    if kind == "codebook":
        from qualcode.services.codebook_merge import merge_codebook, read_codebook_file

        report.kind = "codebook"
        book = read_codebook_file(path)
        with project.transaction() as session:
            require_lead(session, actor, "refi import")
            report.codebook = merge_codebook(session, book, actor, str(path))
        return report

    from qualcode.ingest.qde_read import read_qdpx

    refi = read_qdpx(path)
    report.warnings.extend(refi.warnings)
    prepared = prepare_sources(refi, report)
    with project.session() as session:
        plan_sources(session, prepared, report)
    todo = [i.source for i in prepared if i.transcript_id is None and i.same_as is None]
    segmented: list[Segmented] = []
    if todo:
        segmenter = make_segmenter()
        try:
            segmented = segment_sources(todo, segmenter)
        finally:
            close = getattr(segmenter, "close", None)
            if close is not None:
                close()
    with project.transaction() as session:
        store(session, refi, prepared, segmented, actor, options, report)
        audit(session, "refi import", path.name, f"{len(prepared)} source(s)")
    if report.codebook is None and not refi.codes:
        report.notes.append("the file has no codebook")
    return report
