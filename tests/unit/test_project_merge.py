"""``qualcode project merge``: a coder's offline copy comes back without loss or misplacement."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from psycopg import sql

from tests.cli_run import Runner, runner_for
from tests.unit.conftest import MINI


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


def _codings(qc: Runner) -> list[dict[str, str]]:
    rows = csv.DictReader(io.StringIO(_ok(qc, "codings", "export", "--format", "csv")))
    return [
        {
            k: r[k]
            for k in ("coder", "transcript", "segment", "code", "start", "end", "text", "memo")
        }
        for r in rows
    ]


def _key(row: dict[str, str]) -> tuple[str, ...]:
    return (row["coder"], row["transcript"], row["start"], row["end"], row["code"])


def _codes(qc: Runner) -> dict[str, dict[str, str]]:
    rows = json.loads(_ok(qc, "codebook", "list", "--format", "json"))
    return {r["path"]: r for r in rows}


@pytest.fixture
def copy_of(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> object:
    """Take a copy of the project as a coder would carry it away (file copy / template db)."""
    made: list[str] = []

    def take(source: str) -> str:
        if "://" not in source:
            target = tmp_path / f"copy{len(made)}.db"
            shutil.copyfile(source, target)
            target.chmod(0o600)
            made.append(str(target))
            return str(target)
        server = request.getfixturevalue("pg_server")
        name = f"{server.database_name(source)}_copy{len(made)}"
        with server.admin_connect() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(server.database_name(source))
                )
            )
        made.append(name)
        request.addfinalizer(lambda: server.drop_database(name))
        return str(server.url(name))

    return take


@pytest.fixture
def coded(mini: Runner) -> Runner:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    return mini


def _apply(qc: Runner, coder: str, transcript: str, segment: str, code: str) -> None:
    _ok(
        qc,
        "apply",
        "--coder",
        coder,
        "--transcript",
        transcript,
        "--segment",
        segment,
        "--code",
        code,
        as_=coder,
    )


def test_offline_codings_come_back_under_the_codebook_as_it_is_now(
    coded: Runner, db_url: str, copy_of: object, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_db = copy_of(db_url)  # type: ignore[operator]
    offline = runner_for(copy_db, capsys, actor="bob")
    # bob codes offline: existing codes, one he proposes, and a memo on a coding
    _apply(offline, "bob", "P02", "6", "Training")
    _apply(offline, "bob", "P02", "2", "Risk/News")
    _ok(offline, "codebook", "add", "Vendor trust", "--parent", "Risk", as_="bob")
    _apply(offline, "bob", "P02", "4", "Vendor trust")
    _ok(offline, "done", "--coder", "bob", "P02", as_="bob")
    bob_offline = [r for r in _codings(offline) if r["coder"] == "bob"]

    # meanwhile the lead renames one of those codes and merges another away
    _ok(coded, "codebook", "rename", "Training", "Formal training", "--why", "clearer")
    _ok(coded, "codebook", "merge", "Risk/News", "--into", "Exposure/News", "--why", "same idea")

    out = _ok(coded, "project", "merge", copy_db)
    assert "codings: 3 added" in out
    assert "Risk/Vendor trust" in out and "proposals" in out
    after = _codings(coded)
    bob_here = sorted(_key(r) for r in after if r["coder"] == "bob")
    renamed = {"Exposure/Training": "Formal training", "Training": "Formal training"}
    expected = sorted(
        (
            r["coder"],
            r["transcript"],
            r["start"],
            r["end"],
            "News" if r["code"] == "Risk/News" else renamed.get(r["code"], r["code"]),
        )
        for r in bob_offline
    )
    # same spans (no misplaced offsets), codes followed through the rename and the merge
    assert [k[:4] for k in bob_here] == [k[:4] for k in expected]
    assert {k[4] for k in bob_here} >= {"Formal training", "Vendor trust"}
    texts_offline = {(_key(r)[:4]): r["text"] for r in bob_offline}
    for row in after:
        if row["coder"] == "bob":
            assert texts_offline[_key(row)[:4]] == row["text"]
    codes = _codes(coded)
    assert codes["Risk/Vendor trust"]["status"] == "proposed"
    assert "progress updated: 1" in out  # bob marked P02 done offline

    # the same copy again: nothing changes
    again = _ok(coded, "project", "merge", copy_db)
    assert "nothing new" in again and "codings: 0 added, " in again
    assert _codings(coded) == after
    history = json.loads(_ok(coded, "codebook", "history", "--format", "json"))
    assert [r["action"] for r in history].count("propose") == 1


def test_a_transcript_changed_here_keeps_the_copys_codings_out(
    coded: Runner, db_url: str, copy_of: object, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy_db = copy_of(db_url)  # type: ignore[operator]
    offline = runner_for(copy_db, capsys, actor="bob")
    _apply(offline, "bob", "P02", "6", "Training")
    _apply(offline, "bob", "P01", "2", "Training")
    changed = tmp_path / "P02.txt"
    changed.write_text(
        "Interviewer: A new opening line.\n" + (MINI / "P02.txt").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    _ok(coded, "import", "--spacy-model", "blank", "--replace", str(changed))
    before = _codings(coded)
    out = _ok(coded, "project", "merge", copy_db)
    assert "transcript 'P02' has different text in the copy" in out
    after = _codings(coded)
    added = [r for r in after if r not in before]
    assert [(r["coder"], r["transcript"]) for r in added] == [("bob", "P01")]


def test_new_transcript_and_coder_in_the_copy_arrive(
    coded: Runner, db_url: str, copy_of: object, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy_db = copy_of(db_url)  # type: ignore[operator]
    offline = runner_for(copy_db, capsys, actor="alice")
    extra = tmp_path / "P03.txt"
    extra.write_text(
        "Interviewer: Have you heard of adversarial examples?\n"
        "P03: Only from a podcast. We never tested our models.\n",
        encoding="utf-8",
    )
    _ok(offline, "import", "--spacy-model", "blank", str(extra))
    _apply(offline, "dana", "P03", "2", "Exposure/News")
    out = _ok(coded, "project", "merge", copy_db)
    assert "1 added (P03)" in out and "coders added: dana" in out
    rows = [r for r in _codings(coded) if r["transcript"] == "P03"]
    assert [(r["coder"], r["code"]) for r in rows] == [("dana", "Exposure/News")]
    assert "Only from a podcast." in rows[0]["text"]
    segments = json.loads(_ok(coded, "segments", "P03", "--format", "json"))
    assert len(segments) >= 2
    # a new coder never becomes lead through a merge
    refused = coded("codebook", "accept", "Training", as_="dana")
    assert refused.code == 2 and "needs the lead role" in refused.err


def test_merge_is_the_leads_and_refuses_bad_targets(
    coded: Runner, db_url: str, copy_of: object, tmp_path: Path
) -> None:
    copy_db = copy_of(db_url)  # type: ignore[operator]
    by_coder = coded("project", "merge", copy_db, as_="bob")
    assert by_coder.code == 2 and "needs the lead role" in by_coder.err
    itself = coded("project", "merge", db_url)
    assert itself.code == 2 and "that is this project" in itself.err
    missing = coded("project", "merge", str(tmp_path / "nowhere.db"))
    assert missing.code == 2 and missing.err.startswith("error: ")
    assert "nowhere.db" in missing.err


def test_dry_run_stores_nothing(
    coded: Runner, db_url: str, copy_of: object, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_db = copy_of(db_url)  # type: ignore[operator]
    offline = runner_for(copy_db, capsys, actor="bob")
    _apply(offline, "bob", "P02", "6", "Training")
    before = _codings(coded)
    out = _ok(coded, "project", "merge", "--dry-run", copy_db)
    assert "dry run" in out and "codings: 1 added" in out
    assert _codings(coded) == before


def test_memos_land_on_their_segment_and_a_differing_one_is_appended(
    coded: Runner, db_url: str, copy_of: object
) -> None:
    from sqlalchemy import select

    from qualcode.services.lookup import get_coder, get_segment, get_transcript
    from qualcode.services.workspace import set_memo
    from qualcode.store.models import Memo
    from qualcode.store.project import open_project

    copy_db = copy_of(db_url)  # type: ignore[operator]

    def write_memo(db: str, ordinal: int, text: str) -> None:
        project = open_project(db)
        try:
            with project.transaction() as session:
                coder = get_coder(session, "bob")
                assert coder is not None
                transcript = get_transcript(session, "P01")
                segment = get_segment(session, transcript, ordinal)
                set_memo(session, coder.id, transcript.id, segment.id, text)
        finally:
            project.close()

    write_memo(copy_db, 4, "sounds like a vendor problem")
    write_memo(copy_db, 5, "compare with P02")
    write_memo(db_url, 5, "first reading")
    out = _ok(coded, "project", "merge", copy_db)
    assert "memos: 1 added, 1 extended" in out
    again = _ok(coded, "project", "merge", copy_db)
    assert "nothing new" in again
    project = open_project(db_url)
    try:
        with project.session() as session:
            transcript = get_transcript(session, "P01")
            texts = {get_segment(session, transcript, n).id: n for n in (4, 5)}
            memos = {
                texts[m.segment_id]: m.text
                for m in session.scalars(select(Memo).where(Memo.segment_id.in_(texts)))
            }
    finally:
        project.close()
    assert memos == {4: "sounds like a vendor problem", 5: "first reading\n\ncompare with P02"}
