"""``qualcode pseudonymise`` leaves a name nowhere: every place a name can be stored, then a
scan, a second dry run that finds nothing, and (SQLite) no old text in the file's bytes."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode.store.models import Memo, Segment, Transcript
from qualcode.store.project import open_project
from tests.cli_run import Runner

NAMES = ("Ann Lee", "Acme Corp", "Bob Stone")
TEXT = (
    "Interviewer: Tell me about Acme Corp.\n\n"
    "Ann Lee: I work at Acme Corp with Bob Stone. My manager called me ann lee once.\n\n"
    "Interviewer: Anything else?\n\n"
    "Ann Lee: The Annual review was fine.\n"
)


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out + result.err


def _names_in(text: str) -> list[str]:
    lowered = text.casefold().replace("_", " ")
    return [n for n in NAMES if n.casefold() in lowered]


def _everything(qc: Runner) -> str:
    """What the CLI shows of the project, everywhere a name could surface."""
    out = []
    for args in (
        ("transcripts", "--format", "csv"),
        ("participants", "list", "--format", "csv"),
        ("segments", "Ann_Lee", "--format", "csv"),
        ("segments", "[P1]", "--format", "csv"),
        ("codings", "export", "--format", "csv"),
        ("codebook", "list", "--format", "json"),
        ("codebook", "history", "--format", "csv"),
        ("consensus", "list", "--format", "csv"),
        ("log", "--format", "csv"),
        ("status",),
    ):
        result = qc(*args)  # segments: one of the two names fails, the other shows them
        out.append(result.out)
    return "\n".join(out)


def test_pseudonymise_leaves_a_name_nowhere(
    qc: Runner, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "Ann_Lee.txt"
    source.write_text(TEXT, encoding="utf-8")
    _ok(qc, "init", "--lead", "alice")
    _ok(qc, "import", "--spacy-model", "blank", "--unit", "turn", str(source))
    people = tmp_path / "people.csv"
    people.write_text("participant,employer,mentor\nAnn_Lee,Acme Corp,Bob Stone\n", "utf-8")
    _ok(qc, "participants", "import", str(people))
    book = tmp_path / "book.yaml"
    book.write_text(
        "name: Study at Acme Corp\ncodes:\n  - name: Work\n    description: about Acme Corp\n"
        '    example: "I work at Acme Corp"\n  - name: Bob Stone stories\n',
        encoding="utf-8",
    )
    _ok(qc, "codebook", "import", str(book))
    _ok(qc, "codebook", "edit", "Work", "--include", "mentions of Bob Stone",
        "--why", "Ann Lee asked for it")  # fmt: skip
    _ok(qc, "codebook", "tag", "before Ann Lee")
    _ok(qc, "apply", "--coder", "alice", "--transcript", "Ann_Lee", "--segment", "2",
        "--code", "Work", "--memo", "Ann Lee seemed tense")  # fmt: skip
    _ok(qc, "apply", "--coder", "bob", "--transcript", "Ann_Lee", "--segment", "2",
        "--code", "Work", as_="bob")  # fmt: skip
    _ok(qc, "done", "--coder", "alice", "Ann_Lee")
    _ok(qc, "done", "--coder", "bob", "Ann_Lee", as_="bob")
    _ok(qc, "consensus", "set", "Ann_Lee", "2", "--from", "alice", "--note", "Ann Lee agreed")
    project = open_project(db_url)
    try:
        with project.transaction() as session:
            transcript = session.scalars(select(Transcript)).one()
            segment = session.scalars(select(Segment).where(Segment.ordinal == 2)).one()
            session.add(Memo(transcript_id=transcript.id, segment_id=segment.id, author_id=1,
                             text="Bob Stone is Ann Lee's colleague"))  # fmt: skip
    finally:
        project.close()
    before = _everything(qc)
    assert set(_names_in(before)) == set(NAMES)
    quote = next(line for line in before.splitlines() if "Ann Lee seemed tense" in line)
    assert "I work at Acme Corp with Bob Stone." in quote
    if "://" not in db_url:  # an upgrade backup beside the file keeps the old text
        shutil.copyfile(db_url, f"{db_url}.0003-20260101T000000.bak")

    names = tmp_path / "names.csv"
    names.write_text(
        "name,placeholder\nAnn Lee,[P1]\nAcme Corp,[EMPLOYER]\nBob Stone,[COLLEAGUE]\n", "utf-8"
    )
    dry = _ok(qc, "pseudonymise", "--names", str(names), "--dry-run")
    assert dry.startswith("dry run, nothing stored: 6 replacement(s) in 1 transcript(s)")
    assert "scan: no listed name left anywhere in the project (after this run)" in dry
    assert _everything(qc) == before  # a dry run stores nothing

    out = _ok(qc, "pseudonymise", "--names", str(names))
    for place in ("transcript names: 1", "source paths: 1", "participant ids: 1",
                  "participant attributes: 2", "consensus notes: 1", "code names: 1",
                  "code definitions and examples: 1", "codebook history entries",
                  "codebook tags: 1", "audit log entries", "project facts: 1"):  # fmt: skip
        assert f"  {place}" in out, place
    assert "scan: no listed name left anywhere in the project\n" in out
    assert not _names_in(out)  # the report names no one either
    if "://" in db_url:
        assert "VACUUM FULL" in out
    else:
        assert "vacuumed with secure_delete" in out
        assert ".0003-20260101T000000.bak is an older copy that still holds the names" in out

    after = _everything(qc)
    assert not _names_in(after), [line for line in after.splitlines() if _names_in(line)]
    assert "[P1]" in after and "[EMPLOYER]" in after and "[COLLEAGUE] stories" in after
    assert "Annual review" in after  # whole words only
    # codings still cover the same words, with the placeholders
    quote = next(line for line in after.splitlines() if "[P1] seemed tense" in line)
    assert "I work at [EMPLOYER] with [COLLEAGUE]." in quote
    assert "no problems found" in _ok(qc, "check")
    assert "pseudonymise" in _ok(qc, "log", "--format", "csv")  # the fact of the change stays
    diff = _ok(qc, "codebook", "diff", "before [P1]", "current")  # the history still replays
    assert "no changes between" in diff  # replaying the history gives the live codebook

    again = _ok(qc, "pseudonymise", "--names", str(names), "--dry-run")
    assert again.startswith("dry run, nothing stored: 0 replacement(s)")
    assert "scan: no listed name left anywhere" in again and "changed" not in again
    if "://" not in db_url:
        with sqlite3.connect(db_url) as conn:  # vacuumed: no free page keeps old text
            assert conn.execute("PRAGMA freelist_count").fetchone() == (0,)
        for path in Path(db_url).parent.glob("project.db*"):
            if path.suffix == ".bak":
                continue
            raw = path.read_bytes()
            for name in (*NAMES, "Ann_Lee"):
                assert name.encode() not in raw, (path.name, name)


def test_the_scan_reports_what_it_cannot_change(mini: Runner, tmp_path: Path) -> None:
    names = tmp_path / "names.csv"
    names.write_text("bob,[CODER]\nP01,[PX]\nP02,[PX]\n", "utf-8")
    clash = mini("pseudonymise", "--names", str(names))
    assert clash.code == 2 and clash.err.startswith("error: pseudonymise: transcript")
    assert "would both become '[PX]'" in clash.err
    names.write_text("bob,[CODER]\n", "utf-8")
    _ok(mini, "apply", "--coder", "bob", "--transcript", "P01", "--segment", "3",
        "--code", "Training", as_="bob")  # fmt: skip
    out = _ok(mini, "pseudonymise", "--names", str(names))
    assert "scan: listed names still found" in out
    assert "coder names (identities: not changed): 1" in out
    looped = tmp_path / "loop.csv"
    looped.write_text("Ann,[Ann-1]\n", "utf-8")
    bad = mini("pseudonymise", "--names", str(looped))
    assert bad.code == 2 and "contains its own name" in bad.err
