"""``qualcode pseudonymise --names FILE.csv``: real names out of the transcripts, codings kept.

Every transcript's text, segment texts and speaker labels, and every memo, have the listed
names replaced by their placeholders; segments and codings are moved by the exact shift of
each replacement (see :mod:`qualcode.ingest.pseudonyms`), so each coding still covers the
same words. One transaction for the whole project. The names themselves are never written
into the project: the audit log records how many replacements were made, not what was
replaced; the names file stays wherever the lead keeps it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.ingest.pseudonyms import NameMatcher, Shift, apply
from qualcode.services.audit import audit
from qualcode.services.lookup import require_lead
from qualcode.store.models import Coding, Memo, Segment, Transcript


@dataclass
class PseudonymReport:
    transcripts: dict[str, int] = field(default_factory=dict)  # name -> replacements
    speakers: int = 0
    memos: int = 0
    codings_moved: int = 0

    @property
    def total(self) -> int:
        return sum(self.transcripts.values())


def _replace_all(matcher: NameMatcher, text: str) -> str:
    found = matcher.find(text)
    return apply(text, found) if found else text


def pseudonymise(session: Session, actor: str, names: dict[str, str]) -> PseudonymReport:
    """Replace ``names`` (real name → placeholder) everywhere, keeping codings in place."""
    require_lead(session, actor, "pseudonymise")
    matcher = NameMatcher(names)
    report = PseudonymReport()
    for transcript in session.scalars(select(Transcript).order_by(Transcript.name)):
        found = matcher.find(transcript.text)
        segments = list(
            session.scalars(select(Segment).where(Segment.transcript_id == transcript.id))
        )
        for segment in segments:
            if segment.speaker:
                speaker = _replace_all(matcher, segment.speaker)
                if speaker != segment.speaker:
                    segment.speaker = speaker
                    report.speakers += 1
        if not found:
            continue
        shift = Shift(found)
        new_text = apply(transcript.text, found)
        for segment in segments:
            segment.start, segment.end = shift.map(segment.start), shift.map(segment.end, "end")
            segment.text = new_text[segment.start : segment.end]
        for coding in session.scalars(select(Coding).where(Coding.transcript_id == transcript.id)):
            start, end = shift.map(coding.start), shift.map(coding.end, "end")
            if (start, end) != (coding.start, coding.end):
                coding.start, coding.end = start, end
                report.codings_moved += 1
        transcript.text = new_text
        transcript.sha256 = hashlib.sha256(new_text.encode("utf-8")).hexdigest()
        report.transcripts[transcript.name] = len(found)
    for memo in session.scalars(select(Memo)):
        text = _replace_all(matcher, memo.text)
        if text != memo.text:
            memo.text = text
            report.memos += 1
    for coding in session.scalars(select(Coding).where(Coding.memo != "")):
        text = _replace_all(matcher, coding.memo)
        if text != coding.memo:
            coding.memo = text
            report.memos += 1
    session.flush()
    audit(
        session,
        "pseudonymise",
        f"{len(report.transcripts)} transcript(s)",
        f"{report.total} replacement(s) of {len(names)} listed name(s)",
    )
    return report
