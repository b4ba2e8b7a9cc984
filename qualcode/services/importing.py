"""Import transcripts: read files, split into segments, store — one transaction per command."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.ingest.model import Document, SegmentSpan
from qualcode.services.audit import audit
from qualcode.services.remap import OffsetMap
from qualcode.store.bulk import insert_rows
from qualcode.store.models import Coding, Memo, Participant, Segment, Transcript

if TYPE_CHECKING:
    from qualcode.store.project import Project

UNITS = ("sentence", "turn", "paragraph")


@dataclass(frozen=True)
class ImportOptions:
    unit: str = "sentence"
    participant: str | None = None
    text_columns: tuple[str, ...] | None = None
    id_column: str | None = None
    replace: bool = False
    spacy_model: str = "auto"


@dataclass
class Source:
    """One transcript to be: its name, participant, document and where it came from."""

    name: str
    participant: str
    document: Document
    origin: Path
    sha256: str = ""

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.document.text.encode("utf-8")).hexdigest()


@dataclass
class ImportReport:
    imported: list[tuple[str, int, int]] = field(default_factory=list)  # name, segments, words
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    codings_kept: int = 0
    codings_dropped: list[str] = field(default_factory=list)
    segmenter: str = ""


def collect_files(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Expand folders (recursively, sorted, hidden files left out) into supported files."""
    from qualcode.ingest.readers import SUPPORTED

    files: list[Path] = []
    skipped: list[str] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if child.is_dir() or any(part.startswith(".") for part in rel.parts):
                    continue
                if child.suffix.lower() == ".csv":
                    skipped.append(
                        f"{child}: CSV files inside a folder are not imported; name a survey "
                        "CSV explicitly, or use 'qualcode participants import' for attributes"
                    )
                elif child.suffix.lower() in SUPPORTED:
                    files.append(child)
                else:
                    skipped.append(f"{child}: not a transcript format; skipped")
        elif path.is_file():
            files.append(path)
        else:
            raise QualcodeError(f"{path}: no such file or folder")
    if not files:
        raise QualcodeError(
            "no transcripts to import: give .txt, .md, .docx, .vtt, .srt or .csv files or folders"
        )
    return files, skipped


def read_sources(files: Iterable[Path], options: ImportOptions) -> tuple[list[Source], list[str]]:
    """Read and check every file before anything is stored."""
    from qualcode.ingest.readers import read_document
    from qualcode.ingest.survey_csv import read_survey

    sources: list[Source] = []
    warnings: list[str] = []
    for path in files:
        if path.suffix.lower() == ".csv":
            columns = list(options.text_columns) if options.text_columns else None
            for respondent in read_survey(path, columns, options.id_column):
                participant = options.participant or respondent.respondent_id
                name = f"{path.stem}-{respondent.respondent_id}"
                sources.append(Source(name, participant, respondent.document, path))
                warnings.extend(respondent.document.warnings)
            continue
        if options.text_columns or options.id_column:
            raise QualcodeError(
                f"{path}: --text-column and --id-column apply to .csv survey files only"
            )
        document = read_document(path)
        warnings.extend(document.warnings)
        if not document.turns:
            raise QualcodeError(f"{path}: no text to code was found in the file")
        sources.append(Source(path.stem, options.participant or path.stem, document, path))
    seen: dict[str, Path] = {}
    for source in sources:
        if source.name in seen and seen[source.name] != source.origin:
            raise QualcodeError(
                f"{source.origin}: transcript name {source.name!r} is also given by "
                f"{seen[source.name]}; import them separately or rename one"
            )
        seen[source.name] = source.origin
    # A survey's decoding warning rides on every respondent: say it once.
    return sources, list(dict.fromkeys(warnings))


def _participant_id(session: Session, key: str, cache: dict[str, int]) -> int:
    if key not in cache:
        found = session.scalar(select(Participant.id).where(Participant.key == key))
        if found is None:
            participant = Participant(key=key)
            session.add(participant)
            session.flush()
            found = participant.id
        cache[key] = found
    return cache[key]


def _insert_segments(session: Session, transcript_id: int, spans: list[SegmentSpan]) -> None:
    insert_rows(
        session,
        Segment.__table__,  # type: ignore[arg-type]
        ("transcript_id", "ordinal", "start", "end", "speaker", "text"),
        [(transcript_id, *span) for span in spans],
    )


@dataclass
class Segmented:
    """A source cut into segments, ready to be stored."""

    source: Source
    spans: list[SegmentSpan]
    words: int
    pipeline: str


def plan_import(
    session: Session, sources: Sequence[Source], options: ImportOptions
) -> tuple[list[Source], list[str]]:
    """Which sources need storing, and which are already there with the same text.

    A changed text under an existing name is refused unless ``options.replace``.
    """
    if options.unit not in UNITS:
        raise QualcodeError(f"--unit {options.unit}: use sentence, turn or paragraph")
    existing = {
        name: (sha, unit)
        for name, sha, unit in session.execute(
            select(Transcript.name, Transcript.sha256, Transcript.unit).where(
                Transcript.name.in_([s.name for s in sources])
            )
        )
    }
    todo: list[Source] = []
    unchanged: list[str] = []
    for source in sources:
        if source.name not in existing:
            todo.append(source)
            continue
        sha, unit = existing[source.name]
        if sha == source.sha256 and (not options.replace or unit == options.unit):
            unchanged.append(source.name)
        elif sha != source.sha256 and not options.replace:
            raise QualcodeError(
                f"{source.origin}: transcript {source.name!r} already exists with different "
                "text; add --replace to replace it (its codings move with the unchanged text)"
            )
        else:
            todo.append(source)
    return todo, unchanged


class SegmenterLike(Protocol):
    @property
    def pipeline_name(self) -> str: ...

    def segment_many(self, docs: Sequence[Document]) -> Iterator[list[SegmentSpan]]: ...


def make_segmenter(options: ImportOptions, files: Sequence[Path]) -> SegmenterLike:
    """A segmenter for these files: worker processes for a big sentence import, else one.

    Create it before reading the files: its workers load spaCy meanwhile.
    """
    from qualcode.ingest.parallel import ParallelSegmenter, worth_parallel
    from qualcode.ingest.segmenter import Segmenter

    if options.unit not in UNITS:
        raise QualcodeError(f"--unit {options.unit}: use sentence, turn or paragraph")
    total = sum(f.stat().st_size for f in files if f.is_file())
    if worth_parallel(total, options.unit):
        return ParallelSegmenter("sentence", options.spacy_model)
    return Segmenter(options.unit, options.spacy_model)  # type: ignore[arg-type]


def spoken_words(document: Document) -> int:
    """Words said in the turns (labels and timestamps left out)."""
    text = document.text
    return sum(len(text[t.start : t.end].split()) for t in document.turns)


def segment_sources(
    sources: Sequence[Source],
    segmenter: SegmenterLike,
    on_progress: Callable[[str], None] | None = None,
) -> list[Segmented]:
    """Cut every source into segments; no database work, so no lock is held meanwhile."""
    if not sources:
        return []
    result: list[Segmented] = []
    documents = [s.document for s in sources]
    for source, spans in zip(sources, segmenter.segment_many(documents), strict=True):
        if not spans:
            raise QualcodeError(f"{source.origin}: no text to code was found in the file")
        words = spoken_words(source.document)
        result.append(Segmented(source, spans, words, segmenter.pipeline_name))
        if on_progress:
            on_progress(source.name)
    return result


def import_files(
    project: Project,
    files: Sequence[Path],
    options: ImportOptions,
    segmenter: SegmenterLike,
    warn: Callable[[str], None] = lambda _message: None,
    track: Callable[[int], AbstractContextManager[Callable[[str], None]]] | None = None,
) -> ImportReport:
    """The whole import: read and check every file, plan, segment, then store everything
    in one short write transaction (so spaCy's work never holds the write lock)."""
    sources, warnings = read_sources(files, options)
    for warning in warnings:
        warn(warning)
    with project.session() as session:
        todo, unchanged = plan_import(session, sources, options)
    if track is None:
        segmented = segment_sources(todo, segmenter)
    else:
        with track(len(todo)) as advance:
            segmented = segment_sources(todo, segmenter, advance)
    with project.transaction() as session:
        report = store_segmented(session, segmented, options)
    report.unchanged = unchanged
    return report


def store_segmented(
    session: Session, segmented: Sequence[Segmented], options: ImportOptions
) -> ImportReport:
    """Store segmented sources in the caller's transaction (new ones, or replacements)."""
    report = ImportReport()
    existing = {
        t.name: t
        for t in session.scalars(
            select(Transcript).where(Transcript.name.in_([s.source.name for s in segmented]))
        )
    }
    participants: dict[str, int] = {}
    for item in segmented:
        source = item.source
        report.segmenter = item.pipeline
        participant_id = _participant_id(session, source.participant, participants)
        old = existing.get(source.name)
        if old is not None:
            if old.sha256 != source.sha256 and not options.replace:
                raise QualcodeError(
                    f"{source.origin}: transcript {source.name!r} was imported meanwhile "
                    "with different text; add --replace to replace it"
                )
            _replace(session, old, source, item.spans, report)
            old.participant_id = participant_id
            old.unit = options.unit
            old.segmenter = item.pipeline
            old.words = item.words
            report.replaced.append(source.name)
        else:
            transcript = Transcript(
                name=source.name,
                participant_id=participant_id,
                sha256=source.sha256,
                text=source.document.text,
                format=source.document.format,
                source=source.origin.name,
                unit=options.unit,
                segmenter=item.pipeline,
                words=item.words,
            )
            session.add(transcript)
            session.flush()
            _insert_segments(session, transcript.id, item.spans)
        report.imported.append((source.name, len(item.spans), item.words))
    if report.imported:
        names = ", ".join(name for name, _n, _w in report.imported)
        audit(session, "import", names, f"{len(report.replaced)} replaced")
    return report


def _replace(
    session: Session,
    transcript: Transcript,
    source: Source,
    spans: list[SegmentSpan],
    report: ImportReport,
) -> None:
    """Swap in a changed text; codings and memos move with the text that did not change."""
    old_text = transcript.text
    mapping = OffsetMap(old_text, source.document.text)
    old_segments = dict(
        session.execute(
            select(Segment.id, Segment.start).where(Segment.transcript_id == transcript.id)
        ).all()
    )
    # Move the old segments out of the way of the new ordinals, then add the new ones.
    session.execute(
        update(Segment)
        .where(Segment.transcript_id == transcript.id)
        .values(ordinal=-Segment.ordinal)
    )
    _insert_segments(session, transcript.id, spans)
    rows = session.execute(
        select(Segment.id, Segment.start)
        .where(Segment.transcript_id == transcript.id, Segment.ordinal > 0)
        .order_by(Segment.start)
    ).all()
    ids = [r.id for r in rows]
    starts = [r.start for r in rows]

    def segment_at(offset: int) -> int:
        return ids[max(bisect.bisect_right(starts, offset) - 1, 0)]

    for coding in session.scalars(select(Coding).where(Coding.transcript_id == transcript.id)):
        span = mapping.map_span(coding.start, coding.end)
        if span is None:
            report.codings_dropped.append(
                f"{transcript.name} [{coding.start}:{coding.end}] "
                f"{old_text[coding.start : coding.end][:60]!r}"
            )
            session.delete(coding)
            continue
        coding.start, coding.end = span
        coding.segment_id = segment_at(span[0])
        report.codings_kept += 1
    for memo in session.scalars(select(Memo).where(Memo.transcript_id == transcript.id)):
        if memo.segment_id is not None:
            new_start = mapping.map(old_segments[memo.segment_id])
            memo.segment_id = segment_at(new_start) if new_start is not None else None
    session.flush()
    session.execute(delete(Segment).where(Segment.id.in_(list(old_segments))))
    transcript.text = source.document.text
    transcript.sha256 = source.sha256
    transcript.format = source.document.format
    transcript.source = source.origin.name
