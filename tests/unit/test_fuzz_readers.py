"""Fuzzing every reader: any input either reads or gives a clean QualcodeError — never a
crash — and an import that fails leaves the project exactly as it was."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from qualcode.cli.main import main
from qualcode.errors import QualcodeError
from qualcode.ingest.qdc_read import parse_qdc
from qualcode.ingest.qde_read import parse_qde
from qualcode.ingest.readers import read_document
from qualcode.services.codebook_file import parse_codebook
from qualcode.services.coding import import_codings
from qualcode.services.participants import import_attributes
from qualcode.store.models import Coding, Participant, ParticipantAttribute
from qualcode.store.project import open_project
from tests.unit.conftest import MINI, MINI_CODEBOOK

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SUFFIXES = [".txt", ".md", ".vtt", ".srt", ".docx", ".csv"]

# Text that looks a little like each format, so the fuzzer gets past the first check.
LINES = st.sampled_from(
    [
        "WEBVTT",
        "",
        "1",
        "00:00:01.000 --> 00:00:04.000",
        "00:00:01,000 --> 00:00:04,000",
        "Interviewer: hello",
        "P01: I think so.",
        "Speaker 1: yes",
        "[00:01:02] P01: right",
        "coder,transcript,segment,code",
        "alice,P01,3,Training",
        "bob,P01,x,News",
        "participant,role",
        "P01,engineer",
        "name: x",
        "codes:",
        "  - name: A",
        "    children: 3",
        "<v Speaker>text</v>",
        "\ufeff",
        "\x00",
        "=cmd()",
    ]
)
TEXTS = st.one_of(
    st.lists(LINES, max_size=12).map("\n".join),
    st.text(max_size=200),
)
DATA = st.one_of(TEXTS.map(lambda t: t.encode("utf-8")), st.binary(max_size=300))


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="qualcode-fuzz-"))
    db = str(folder / "t.db")
    for args in (
        ["init", "--lead", "alice"],
        ["import", "--spacy-model", "blank", str(MINI)],
        ["participants", "import", str(MINI / "participants.csv")],
        ["codebook", "import", str(MINI_CODEBOOK)],
        ["codings", "import", str(MINI / "codings.csv")],
    ):
        try:
            main(["--db", db, "--as", "alice", *args])
        except SystemExit as exc:
            assert not exc.code, args
    yield Path(db)
    shutil.rmtree(folder, ignore_errors=True)


def _clean(call: Callable[[], object]) -> None:
    try:
        call()
    except QualcodeError as exc:
        assert exc.message.strip() and "\n" not in exc.message.strip()


@FUZZ
@given(data=DATA, suffix=st.sampled_from(SUFFIXES))
def test_transcript_readers_never_crash(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"P99{suffix}"
        path.write_bytes(data)
        _clean(lambda: read_document(path))


@FUZZ
@given(text=TEXTS)
def test_codebook_yaml_never_crashes(text: str) -> None:
    _clean(lambda: parse_codebook(text, Path("book.yaml")))


@FUZZ
@given(data=DATA)
def test_refi_xml_never_crashes(data: bytes) -> None:
    wrapped = [
        data,
        b'<?xml version="1.0"?><CodeBook><Codes>' + data + b"</Codes></CodeBook>",
        b'<Project name="x"><CodeBook><Codes>' + data + b"</Codes></CodeBook></Project>",
    ]
    for blob in wrapped:
        _clean(lambda blob=blob: parse_qdc(blob, Path("x.qdc")))  # type: ignore[misc]
        _clean(lambda blob=blob: parse_qde(blob, Path("x.qdpx")))  # type: ignore[misc]


def _counts(db: Path) -> tuple[int, int, int]:
    project = open_project(str(db))
    try:
        with project.session() as session:
            return (
                session.scalar(select(func.count()).select_from(Coding)) or 0,
                session.scalar(select(func.count()).select_from(Participant)) or 0,
                session.scalar(select(func.count()).select_from(ParticipantAttribute)) or 0,
            )
    finally:
        project.close()


@FUZZ
@given(data=DATA, which=st.sampled_from(["codings", "participants"]))
def test_csv_imports_store_all_or_nothing(template: Path, data: bytes, which: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "p.db"
        shutil.copyfile(template, db)
        source = Path(folder) / "in.csv"
        source.write_bytes(data)
        before = _counts(db)
        project = open_project(str(db))
        project.actor = "alice"
        failed = False
        try:
            with project.transaction() as session:
                if which == "codings":
                    import_codings(session, source)
                else:
                    import_attributes(session, source)
        except QualcodeError as exc:
            failed = True
            assert "\n" not in exc.message.strip()
        finally:
            project.close()
        if failed:
            assert _counts(db) == before


@FUZZ
@given(data=DATA, member=st.sampled_from(["project.qde", "x.qde", "sources/a.txt", "../a"]))
def test_qdpx_archives_never_crash(data: bytes, member: str) -> None:
    import zipfile

    from qualcode.ingest.qde_read import read_qdpx

    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "raw.qdpx"
        raw.write_bytes(data)
        _clean(lambda: read_qdpx(raw))
        packed = Path(folder) / "packed.qdpx"
        with zipfile.ZipFile(packed, "w") as archive:
            archive.writestr(member, data)
        _clean(lambda: read_qdpx(packed))
