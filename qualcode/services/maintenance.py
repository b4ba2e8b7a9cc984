"""``qualcode check`` (integrity, in plain words) and ``qualcode backup FILE``."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, aliased

from qualcode.errors import QualcodeError
from qualcode.store.models import (
    Code,
    Coding,
    ConsensusDecision,
    Memo,
    Segment,
    Transcript,
)
from qualcode.store.project import Project

LIMIT = 10  # problems shown per kind


@dataclass
class CheckReport:
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # not damage, but something that does not work as meant (a code shortcut no key reaches)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _some(rows: list[str], total: int) -> list[str]:
    more = [f"… and {total - len(rows)} more"] if total > len(rows) else []
    return rows + more


def _sqlite_checks(project: Project, report: CheckReport) -> None:
    with project.engine.connect() as conn:
        result = [r[0] for r in conn.execute(text("PRAGMA integrity_check")).all()]
        if result != ["ok"]:
            report.problems += [f"SQLite integrity check: {line}" for line in result[:LIMIT]]
        keys = conn.execute(text("PRAGMA foreign_key_check")).all()
        for table, rowid, parent, _fk in keys[:LIMIT]:
            report.problems.append(
                f"row {rowid} of table {table} points to a missing row of {parent}"
            )
        if len(keys) > LIMIT:
            report.problems.append(f"… and {len(keys) - LIMIT} more missing references")
    report.checked.append("SQLite file integrity and foreign keys")


def _codings(session: Session, report: CheckReport) -> None:
    length = func.length(Transcript.text)
    outside = (
        select(Transcript.name, Coding.start, Coding.end)
        .join(Transcript, Coding.transcript_id == Transcript.id)
        .where((Coding.start < 0) | (Coding.end <= Coding.start) | (Coding.end > length))
    )
    rows = session.execute(outside.limit(LIMIT)).all()
    total = session.scalar(select(func.count()).select_from(outside.subquery())) or 0
    report.problems += _some(
        [f"a coding in {t} spans {s}–{e}, outside the transcript's text" for t, s, e in rows],
        total,
    )
    misplaced = (
        select(Transcript.name, Coding.start, Segment.ordinal)
        .join(Segment, Coding.segment_id == Segment.id)
        .join(Transcript, Coding.transcript_id == Transcript.id)
        .where(
            (Segment.transcript_id != Coding.transcript_id)
            | (Coding.start < Segment.start)
            | (Coding.start >= Segment.end)
        )
    )
    rows = session.execute(misplaced.limit(LIMIT)).all()
    total = session.scalar(select(func.count()).select_from(misplaced.subquery())) or 0
    report.problems += _some(
        [f"a coding in {t} at {s} is filed under segment {o}, which does not hold it"
         for t, s, o in rows],
        total,
    )  # fmt: skip
    count = session.scalar(select(func.count()).select_from(Coding)) or 0
    report.checked.append(f"{count} codings lie inside their transcripts and segments")


def _segments(session: Session, report: CheckReport) -> None:
    length = func.length(Transcript.text)
    bad = (
        select(Transcript.name, Segment.ordinal)
        .join(Transcript, Segment.transcript_id == Transcript.id)
        .where((Segment.start < 0) | (Segment.end <= Segment.start) | (Segment.end > length))
    )
    rows = session.execute(bad.limit(LIMIT)).all()
    report.problems += [f"segment {o} of {t} lies outside the transcript's text" for t, o in rows]
    gaps = session.execute(
        select(Transcript.name, func.count(), func.min(Segment.ordinal), func.max(Segment.ordinal))
        .join(Transcript, Segment.transcript_id == Transcript.id)
        .group_by(Transcript.name)
    ).all()
    for name, count, low, high in gaps:
        if (low, high) != (1, count):
            report.problems.append(f"the segments of {name} are not numbered 1–{count}")
    count = session.scalar(select(func.count()).select_from(Segment)) or 0
    report.checked.append(f"{count} segments are numbered and inside their transcripts")


def _codes(session: Session, report: CheckReport) -> None:
    codes = {c.id: c for c in session.scalars(select(Code))}
    for code in codes.values():
        for attribute, label in (("parent_id", "parent"), ("merged_into_id", "merge target")):
            seen = {code.id}
            current = getattr(code, attribute)
            while current is not None:
                if current not in codes:
                    report.problems.append(f"code {code.name!r} has a missing {label}")
                    break
                if current in seen:
                    report.problems.append(f"code {code.name!r} is in a cycle of {label}s")
                    break
                seen.add(current)
                current = getattr(codes[current], attribute)
        if code.status == "merged" and code.merged_into_id is None:
            report.problems.append(f"code {code.name!r} is merged but names no target")
    used = session.execute(
        select(Code.name, Code.status, func.count())
        .join(Coding, Coding.code_id == Code.id)
        .where(Code.status == "merged")
        .group_by(Code.name, Code.status)
    ).all()
    for name, _status, count in used:
        report.problems.append(
            f"{count} coding(s) still point to {name!r}, which was merged away"
        )
    report.checked.append(f"{len(codes)} codes resolve (parents and merge targets)")


def _shortcuts(session: Session, report: CheckReport) -> None:
    from qualcode.services.lookup import CodeIndex
    from qualcode.shortcuts import shortcut_problems

    keys = [key for key in CodeIndex.load(session).code_keys() if key.holds]
    found = shortcut_problems(keys)
    report.warnings += found
    report.checked.append(
        f"{len(keys)} code shortcut(s): {len(found)} cannot work as meant (warnings below)"
        if found
        else f"{len(keys)} code shortcut(s) are distinct and none is a command's key"
    )


def _others(session: Session, report: CheckReport) -> None:
    seg = aliased(Segment)
    wrong = session.scalar(
        select(func.count())
        .select_from(ConsensusDecision)
        .join(seg, ConsensusDecision.segment_id == seg.id)
        .where(seg.transcript_id != ConsensusDecision.transcript_id)
    )
    if wrong:
        report.problems.append(f"{wrong} consensus decision(s) name the wrong transcript")
    memo_wrong = session.scalar(
        select(func.count())
        .select_from(Memo)
        .join(seg, Memo.segment_id == seg.id)
        .where(seg.transcript_id != Memo.transcript_id)
    )
    if memo_wrong:
        report.problems.append(f"{memo_wrong} memo(s) are filed under another transcript")
    report.checked.append("memos and consensus decisions belong to their transcripts")


def check_project(project: Project) -> CheckReport:
    """Every check, in plain words; problems are listed, nothing is changed."""
    report = CheckReport()
    if project.location.is_sqlite:
        _sqlite_checks(project, report)
    with project.session() as session:
        _segments(session, report)
        _codings(session, report)
        _codes(session, report)
        _shortcuts(session, report)
        _others(session, report)
    return report


def backup(project: Project, target: Path) -> str:
    """A consistent copy of the project while others keep working.

    SQLite: the online backup API (pages copied under a read snapshot). PostgreSQL: a copy
    of every row into a new SQLite file from one REPEATABLE READ snapshot. The file is
    created private (0600) and must not exist yet.
    """
    target = target.expanduser().resolve()
    if target.exists():
        raise QualcodeError(f"{target}: a file is already there; choose a new backup name")
    if project.location.path is not None and target == project.location.path:
        raise QualcodeError(f"{target}: that is the project itself; choose a new backup name")
    if project.location.path is None:
        from qualcode.services.project_copy import copy_project

        report = copy_project(project, str(target))
        return f"backed up {report.total} rows into {target} (a SQLite project file)"
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        source = sqlite3.connect(project.location.path, timeout=15)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
            source.close()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    os.chmod(target, 0o600)
    return f"backed up {project.location.path} into {target}"
