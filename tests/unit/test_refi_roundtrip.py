"""A project exported to .qdpx and imported into an empty project gives the same tables.

Compared on SQLite and PostgreSQL: every coding (coder, transcript, segment, code path,
span, text, memo, time), the agreement table, the theme table (``export themes``), the
codebook (but shortcuts and code kinds, which REFI-QDA cannot carry), participants and their
attributes, memos and progress. A
second import of the same file, or an import into the project it came from, adds nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from qualcode.store.models import Coder, Memo, Segment, Transcript
from qualcode.store.project import open_project
from tests.cli_run import Runner, runner_for
from tests.unit.conftest import MINI
from tests.unit.test_refi_export import add_extras

NOT_CARRIED = ("shortcut", "kind")  # REFI-QDA has no place for them


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


def _csv(text: str, drop: tuple[str, ...] = ()) -> list[dict[str, str]]:
    return [
        {k: v for k, v in row.items() if k not in drop} for row in csv.DictReader(io.StringIO(text))
    ]


def _memos(url: str) -> list[tuple[str, int | None, str, str]]:
    project = open_project(url)
    try:
        with project.session() as session:
            rows = session.execute(
                select(Transcript.name, Segment.ordinal, Coder.name, Memo.text)
                .join(Transcript, Memo.transcript_id == Transcript.id)
                .join(Coder, Memo.author_id == Coder.id)
                .outerjoin(Segment, Memo.segment_id == Segment.id)
            ).all()
            return sorted(
                ((t, o, c, text) for t, o, c, text in rows),
                key=lambda r: (r[0], r[1] or 0, r[2], r[3]),
            )
    finally:
        project.close()


def tables(qc: Runner) -> dict[str, Any]:
    """Everything the round trip must keep, as comparable values."""
    result: dict[str, Any] = {
        "codings": _csv(_ok(qc, "codings", "export", "--format", "csv")),
        "agreement": _csv(_ok(qc, "agreement", "--format", "csv")),
        "codebook": _csv(_ok(qc, "codebook", "list", "--format", "csv"), NOT_CARRIED),
        "participants": _csv(_ok(qc, "participants", "list", "--format", "csv")),
        "transcripts": _csv(_ok(qc, "transcripts", "--format", "csv")),
    }
    for extra in ((), ("--by", "role"), ("--coders", "alice,bob", "--rule", "all")):
        result[f"themes {' '.join(extra)}"] = _ok(qc, "export", "themes", "--format", "csv", *extra)
    return result


@pytest.fixture
def other_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second, empty database on the same backend."""
    if "://" not in db_url:
        yield str(tmp_path / "other.db")
        return
    server = request.getfixturevalue("pg_server")
    url = server.create_database()
    yield url
    server.drop_database(server.database_name(url))


@pytest.fixture
def source(mini: Runner, db_url: str) -> Runner:
    """The mini project coded by two coders (done), a third one still at work, a span coding
    with a memo, segment and transcript memos, a code applied to a theme."""
    _ok(mini, "codings", "import", "--done", str(MINI / "codings.csv"))
    add_extras(db_url)
    _ok(
        mini, "apply", "--coder", "carol", "--transcript", "P02", "--segment", "2", "--code", "Risk"
    )
    _ok(mini, "codebook", "edit", "Training", "--example", '"A course on ML security."')
    return mini


def test_round_trip_gives_the_same_tables(
    source: Runner,
    db_url: str,
    other_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "study.qdpx"
    _ok(source, "refi", "export", "--out", str(out))
    expected = tables(source)
    assert len(expected["codings"]) == 8

    target = runner_for(other_url, capsys)
    _ok(target, "init", "--lead", "alice")
    result = target("refi", "import", "--spacy-model", "blank", str(out))
    assert result.ok, result.err
    assert "skipped" not in result.out, result.out
    got = tables(target)
    for name in expected:
        assert got[name] == expected[name], name
    assert _memos(other_url) == _memos(db_url)

    # importing the same file again changes nothing
    again = target("refi", "import", "--spacy-model", "blank", str(out))
    assert again.ok, again.err
    assert "nothing new" in again.out
    assert tables(target) == expected
    assert _memos(other_url) == _memos(db_url)


def test_importing_an_export_into_its_own_project_adds_nothing(
    source: Runner, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "study.qdpx"
    _ok(source, "refi", "export", "--out", str(out))
    before = tables(source), _memos(db_url)
    result = source("refi", "import", "--spacy-model", "blank", str(out))
    assert result.ok, result.err
    assert "nothing new" in result.out, result.out
    assert (tables(source), _memos(db_url)) == before


def test_imported_coders_are_never_leads(
    source: Runner, other_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "study.qdpx"
    _ok(source, "refi", "export", "--out", str(out))
    target = runner_for(other_url, capsys, actor="dana")
    _ok(target, "init", "--lead", "dana")
    assert target("refi", "import", "--spacy-model", "blank", str(out)).ok
    project = open_project(other_url)
    try:
        with project.session() as session:
            roles = dict(session.execute(select(Coder.name, Coder.role)).all())
    finally:
        project.close()
    assert roles == {"dana": "lead", "alice": "coder", "bob": "coder", "carol": "coder"}


def test_codebook_round_trip_through_qdc(
    mini: Runner, other_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "book.qdc"
    _ok(mini, "codebook", "edit", "Risk", "--include", "Any risk.\nAlso: later risks.")
    _ok(mini, "refi", "export", "--out", str(out))
    target = runner_for(other_url, capsys)
    _ok(target, "init", "--lead", "alice")
    assert target("refi", "import", str(out)).ok
    listing = _csv(_ok(mini, "codebook", "list", "--format", "csv"), (*NOT_CARRIED, "codings"))
    assert _csv(_ok(target, "codebook", "list", "--format", "csv"), (*NOT_CARRIED, "codings")) == (
        listing
    )


def test_the_sample_study_survives_a_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every transcript format of the sample (txt, md, docx, vtt, srt) comes back with the same
    speakers and segments, so agreement and theme tables are identical."""
    root = Path(__file__).resolve().parents[2]
    sample = root / "transcripts_sample"
    here = runner_for(str(tmp_path / "study.db"), capsys)
    _ok(here, "init", "--lead", "alice")
    _ok(here, "import", "--spacy-model", "blank", str(sample / "interviews"))
    _ok(here, "participants", "import", str(sample / "participants.csv"))
    _ok(here, "codebook", "import", str(root / "codebooks" / "aml_barriers.yaml"))
    _ok(here, "codings", "import", "--done", str(sample / "codings.csv"))
    out = tmp_path / "study.qdpx"
    _ok(here, "refi", "export", "--out", str(out))
    there = runner_for(str(tmp_path / "back.db"), capsys)
    _ok(there, "init", "--lead", "alice")
    _ok(there, "refi", "import", "--spacy-model", "blank", str(out))
    for args in (
        ("agreement", "--format", "csv"),
        ("export", "themes", "--format", "csv"),
        ("export", "themes", "--by", "role", "--format", "csv"),
    ):
        assert _ok(there, *args) == _ok(here, *args), args
    columns = ("name", "participant", "segments", "words", "codings", "done_by")
    assert _csv(_ok(there, "transcripts", "--format", "csv"), ()) and [
        {k: r[k] for k in columns} for r in _csv(_ok(there, "transcripts", "--format", "csv"))
    ] == [{k: r[k] for k in columns} for r in _csv(_ok(here, "transcripts", "--format", "csv"))]
