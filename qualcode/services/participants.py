"""Participants and their attributes (role, company size, sector, …)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.audit import audit
from qualcode.store.models import Participant, ParticipantAttribute, Transcript


@dataclass(frozen=True)
class AttributesImport:
    participants: int
    created: int
    attributes: tuple[str, ...]


def import_attributes(session: Session, path: Path) -> AttributesImport:
    """Read a CSV whose first column is the participant id and whose other columns are
    attributes; unknown participants are created, given attributes are set (replaced)."""
    from qualcode.ingest.decoding import read_text

    text, _warnings = read_text(path)
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise QualcodeError(f"{path}: no header row; the first row must name the columns")
    header = [h.strip() for h in rows[0]]
    if len(header) < 2:
        raise QualcodeError(
            f"{path}: line 1: only one column; give the participant id first, then attributes"
        )
    names = header[1:]
    for i, name in enumerate(names, start=2):
        if not name:
            raise QualcodeError(f"{path}: line 1: column {i} has no name")
    if len(set(names)) != len(names):
        raise QualcodeError(f"{path}: line 1: a column name appears twice")
    seen: set[str] = set()
    created = 0
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise QualcodeError(
                f"{path}: line {line}: {len(row)} fields, expected {len(header)}; "
                "check quoting and commas; nothing was stored"
            )
        key = row[0].strip()
        if not key:
            raise QualcodeError(f"{path}: line {line}: empty participant id; nothing was stored")
        if key in seen:
            raise QualcodeError(
                f"{path}: line {line}: participant {key!r} appears twice; nothing was stored"
            )
        seen.add(key)
        participant = session.scalar(select(Participant).where(Participant.key == key))
        if participant is None:
            participant = Participant(key=key)
            session.add(participant)
            created += 1
        current = {a.name: a for a in participant.attributes}
        for name, value in zip(names, row[1:], strict=True):
            if name in current:
                current[name].value = value.strip()
            else:
                participant.attributes.append(ParticipantAttribute(name=name, value=value.strip()))
        session.flush()
    if not seen:
        raise QualcodeError(f"{path}: no participant rows under the header")
    audit(session, "import participants", path.name, f"{len(seen)} participant(s)")
    return AttributesImport(len(seen), created, tuple(names))


def participant_rows(session: Session) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A table of participants: key, transcripts, then one column per attribute."""
    names = sorted(set(session.scalars(select(ParticipantAttribute.name))))
    counts = dict(
        session.execute(
            select(Transcript.participant_id, func.count()).group_by(Transcript.participant_id)
        ).all()
    )
    rows = []
    for participant in session.scalars(select(Participant).order_by(Participant.key)):
        values = {a.name: a.value for a in participant.attributes}
        rows.append(
            (participant.key, counts.get(participant.id, 0), *(values.get(n, "") for n in names))
        )
    return ["participant", "transcripts", *names], rows
