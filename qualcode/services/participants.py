"""Participants and their attributes (role, company size, sector, …)."""

from __future__ import annotations

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


def _participant_row(header: list[str], fields: list[str]) -> bool:
    """A line inside a quoted field that is a participant row (an unclosed quote swallowed
    it): as many fields as the header, three or more, an id without spaces first. With two
    columns a line of prose ("Well, yes") would look the same, so it is not judged."""
    if len(header) < 3 or len(fields) != len(header):
        return False
    key = fields[0].strip()
    return bool(key) and " " not in key and len(key) <= 40


def import_attributes(session: Session, path: Path) -> AttributesImport:
    """Read a CSV whose first column is the participant id and whose other columns are
    attributes; unknown participants are created, given attributes are set (replaced)."""
    from qualcode.export.csv_safe import read_csv_file, unguard_cell

    table = read_csv_file(path, looks_like_row=_participant_row)
    header = table.header
    if len(header) < 2:
        raise QualcodeError(
            f"{path}: line {table.header_line}: only one column; "
            "give the participant id first, then attributes"
        )
    names = header[1:]
    seen: set[str] = set()
    created = 0
    for record in table.records:
        line = record.line
        row = [unguard_cell(cell.strip()) for cell in record.cells]
        key = row[0]
        if not key:
            raise QualcodeError(
                f"{path}: line {line}: empty participant id; give every row an id in the "
                "first column"
            )
        if key in seen:
            raise QualcodeError(
                f"{path}: line {line}: participant {key!r} appears twice; keep one row per "
                "participant"
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
                current[name].value = value
            else:
                participant.attributes.append(ParticipantAttribute(name=name, value=value))
        session.flush()
    if not seen:
        raise QualcodeError(
            f"{path}: no participant rows under the header; add one row per participant"
        )
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
