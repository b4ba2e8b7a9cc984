"""``qualcode refi export``: .qdc and .qdpx files that validate against the REFI-QDA schemas.

The files are checked with ``xmlschema`` against Codebook.xsd / Project.xsd (copied from the
REFI-QDA standard into tests/data/refi), then read back element by element.
"""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from qualcode.ingest.qdc_read import parse_qdc
from qualcode.services.coding import add_coding
from qualcode.services.lookup import CodeIndex, get_coder
from qualcode.store.models import Memo, Segment, Transcript
from qualcode.store.project import open_project
from tests.cli_run import Runner
from tests.unit.conftest import DATA, MINI

REFI = DATA / "refi"
P = "{urn:QDA-XML:project:1.0}"
C = "{urn:QDA-XML:codebook:1.0}"


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


def _schema(name: str) -> Any:
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(REFI / name))


def _qde(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("project.qde")


def add_extras(db_url: str) -> None:
    """A span coding with a memo, a segment memo and a transcript memo (as the TUI makes)."""
    project = open_project(db_url)
    try:
        with project.transaction() as session:
            transcript = session.scalars(select(Transcript).where(Transcript.name == "P01")).one()
            segment = session.scalars(
                select(Segment).where(Segment.transcript_id == transcript.id, Segment.ordinal == 2)
            ).one()
            alice = get_coder(session, "alice")
            assert alice is not None
            code = CodeIndex.load(session).resolve("Training")
            start = segment.start + 10
            add_coding(session, alice, transcript, segment, start, start + 16, code, "a span")
            session.add(
                Memo(
                    transcript_id=transcript.id,
                    segment_id=segment.id,
                    author_id=alice.id,
                    text="On this segment.",
                )
            )
            session.add(
                Memo(
                    transcript_id=transcript.id,
                    segment_id=None,
                    author_id=alice.id,
                    text="About the whole interview.\nSecond line.",
                )
            )
    finally:
        project.close()


@pytest.fixture
def coded(mini: Runner, db_url: str) -> Runner:
    _ok(mini, "codings", "import", "--done", str(MINI / "codings.csv"))
    add_extras(db_url)
    return mini


def _codings(qc: Runner) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_ok(qc, "codings", "export", "--format", "csv"))))


def test_qdpx_validates_against_the_project_schema(coded: Runner, tmp_path: Path) -> None:
    out = tmp_path / "study.qdpx"
    result = coded("refi", "export", "--out", str(out))
    assert result.ok, result.err
    assert "7 coding(s)" in result.out and "2 transcript(s)" in result.out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    _schema("Project.xsd").validate(io.BytesIO(_qde(out)))


def test_qdpx_holds_coders_codes_sources_codings_cases_and_memos(
    coded: Runner, tmp_path: Path
) -> None:
    out = tmp_path / "study.qdpx"
    _ok(coded, "refi", "export", "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        root = ET.fromstring(archive.read("project.qde"))
        texts = {
            name.removeprefix("sources/").removesuffix(".txt"): archive.read(name).decode("utf-8")
            for name in names
            if name.startswith("sources/")
        }
    assert names[0] == "project.qde" and len(texts) == 2
    assert root.get("name") == "study" and root.get("origin", "").startswith("qualcode ")
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{P}User")}
    assert sorted(users.values()) == ["alice", "bob"]
    assert root.get("creatingUserGUID") in users

    # the codebook: hierarchy, GUIDs, colours, flattened definitions, folders
    codes = {c.get("name") + "@" + c.get("guid", ""): c for c in root.iter(f"{P}Code")}
    listed = json.loads(_ok(coded, "codebook", "list", "--format", "json"))
    assert len(codes) == len(listed)
    by_guid = {c.get("guid"): c for c in root.iter(f"{P}Code")}
    for row in listed:
        element = by_guid[row["guid"]]
        assert element.get("name") == row["name"]
        has_children = element.find(f"{P}Code") is not None
        assert element.get("isCodable") == ("false" if has_children else "true")
    exposure = next(c for c in root.iter(f"{P}Code") if c.get("name") == "Exposure")
    assert exposure.get("color") == "#1F77B4"
    news = exposure.find(f"{P}Code")
    assert news is not None
    assert news.findtext(f"{P}Description") == (
        "Learned about it from news or talks.\n\n"
        "Include: Mentions articles, conference talks, podcasts.\n"
        "Exclude: Formal courses (use Training).\n"
        "Example: I read about it in a blog post."
    )

    # sources and selections: each selection marks the coding's text, by its coder
    sources = {s.get("guid"): s for s in root.iter(f"{P}TextSource")}
    assert {s.get("name") for s in sources.values()} == {"P01", "P02"}
    rows = _codings(coded)
    seen = []
    for guid, source in sources.items():
        assert source.get("plainTextPath") == f"internal://{guid}.txt"
        for selection in source.iter(f"{P}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            coding = selection.find(f"{P}Coding")
            if coding is None:  # the selection that carries the segment memo
                assert selection.find(f"{P}NoteRef") is not None
                continue
            code_ref = coding.find(f"{P}CodeRef")
            assert code_ref is not None
            seen.append(
                (
                    users[coding.get("creatingUser")],
                    source.get("name"),
                    str(start),
                    str(end),
                    by_guid[code_ref.get("targetGUID")].get("name"),
                    texts[guid][start:end],
                )
            )
    expected = [
        (r["coder"], r["transcript"], r["start"], r["end"], r["code"].split("/")[-1], r["text"])
        for r in rows
    ]
    assert sorted(seen) == sorted(expected)

    # participants as cases with their attributes; progress as "Done by" sets
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{P}Variable")}
    assert sorted(variables.values()) == ["company_size", "role"]
    assert {v.get("typeOfVariable") for v in root.iter(f"{P}Variable")} == {"Text"}
    cases = {c.get("name"): c for c in root.iter(f"{P}Case")}
    p01 = {
        variables[v.find(f"{P}VariableRef").get("targetGUID")]: v.findtext(f"{P}TextValue")
        for v in cases["P01"].iter(f"{P}VariableValue")
    }
    assert p01 == {"role": "ML engineer", "company_size": "startup"}
    [ref] = cases["P01"].iter(f"{P}SourceRef")
    assert sources[ref.get("targetGUID")].get("name") == "P01"
    sets = {s.get("name"): [m.get("targetGUID") for m in s] for s in root.iter(f"{P}Set")}
    assert sorted(sets) == ["Done by alice", "Done by bob"]

    # memos as notes, referenced from the source, a selection and a coding
    notes = {n.get("guid"): n.findtext(f"{P}PlainTextContent") for n in root.iter(f"{P}Note")}
    assert sorted(notes.values()) == [
        "About the whole interview.\nSecond line.",
        "On this segment.",
        "a span",
        "blog post",
    ]
    refs = {r.get("targetGUID") for r in root.iter(f"{P}NoteRef")}
    assert refs == set(notes)


def test_a_theme_that_was_applied_is_codable(coded: Runner, tmp_path: Path) -> None:
    _ok(
        coded,
        "apply",
        "--coder",
        "alice",
        "--transcript",
        "P02",
        "--segment",
        "1",
        "--code",
        "Risk",
    )
    out = tmp_path / "study.qdpx"
    _ok(coded, "refi", "export", "--out", str(out))
    root = ET.fromstring(_qde(out))
    codable = {c.get("name"): c.get("isCodable") for c in root.iter(f"{P}Code")}
    assert codable["Risk"] == "true" and codable["Exposure"] == "false"


def test_guids_are_stable_from_one_export_to_the_next(coded: Runner, tmp_path: Path) -> None:
    guids = []
    for name in ("one.qdpx", "two.qdpx"):
        _ok(coded, "refi", "export", "--out", str(tmp_path / name))
        root = ET.fromstring(_qde(tmp_path / name))
        guids.append(sorted(e.get("guid", "") for e in root.iter() if e.get("guid")))
    assert guids[0] == guids[1]
    assert len(set(guids[0])) == len(guids[0])  # and unique


def test_qdc_validates_and_reads_back_the_definitions(mini: Runner, tmp_path: Path) -> None:
    awkward = 'Says "trust" & <means> it.\nSecond line; accents: éà, emoji 🙂.'
    _ok(mini, "codebook", "edit", "Training", "--description", awkward, "--exclude", "Hobbies.")
    _ok(mini, "codebook", "edit", "Risk", "--color", "#abc")
    out = tmp_path / "book.qdc"
    result = mini("refi", "export", "--out", str(out))
    assert result.ok, result.err
    assert result.out.strip() == f"{out}: 6 code(s)"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    _schema("Codebook.xsd").validate(str(out))
    root = ET.parse(out).getroot()
    assert root.tag == f"{C}CodeBook"
    book = parse_qdc(out.read_bytes(), out)
    read: dict[str, Any] = {}

    def walk(codes: list[Any], prefix: str) -> None:
        for code in codes:
            path = f"{prefix}/{code.name}" if prefix else code.name
            read[path] = code
            walk(code.children, path)

    walk(book.codes, "")
    listed = json.loads(_ok(mini, "codebook", "list", "--format", "json"))
    assert sorted(read) == sorted(row["path"] for row in listed)
    for row in listed:
        code = read[row["path"]]
        assert code.guid == row["guid"]
        for name in ("description", "include", "exclude", "example"):
            assert getattr(code, name) == row[name], (row["path"], name)
    assert read["Risk"].color == "#aabbcc"
    assert read["Exposure/Training"].description == awkward


def test_an_existing_file_is_replaced_and_keeps_its_mode(mini: Runner, tmp_path: Path) -> None:
    out = tmp_path / "book.qdc"
    out.write_text("old")
    out.chmod(0o644)  # the owner chose this mode: an export never changes it (issue 13)
    _ok(mini, "refi", "export", "--out", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert out.read_bytes().startswith(b"<?xml")


def test_export_needs_a_known_suffix_and_codes(qc: Runner, tmp_path: Path) -> None:
    _ok(qc, "init", "--lead", "alice")
    wrong = qc("refi", "export", "--out", str(tmp_path / "x.zip"))
    assert wrong.code == 2
    assert wrong.err.startswith(f"error: {tmp_path / 'x.zip'}: give a .qdc file")
    empty = qc("refi", "export", "--out", str(tmp_path / "x.qdc"))
    assert empty.code == 2 and "the codebook has no codes" in empty.err
    assert not (tmp_path / "x.qdc").exists()
    # an empty project is still a valid .qdpx: users only
    _ok(qc, "refi", "export", "--out", str(tmp_path / "x.qdpx"))
    _schema("Project.xsd").validate(io.BytesIO(_qde(tmp_path / "x.qdpx")))


def test_merged_codes_are_left_out_and_retired_ones_reported(mini: Runner, tmp_path: Path) -> None:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    _ok(mini, "codebook", "merge", "Training", "--into", "Exposure/News", "--why", "same")
    _ok(mini, "codebook", "split", "Never seen an attack", "--into", "Never,Not sure", "--why", "x")
    out = tmp_path / "study.qdpx"
    result = mini("refi", "export", "--out", str(out))
    assert result.ok, result.err
    assert "1 retired code(s) written as ordinary codes" in result.err
    root = ET.fromstring(_qde(out))
    names = [c.get("name") for c in root.iter(f"{P}Code")]
    assert "Training" not in names and "Never seen an attack" in names
    codable = {c.get("name"): c.get("isCodable") for c in root.iter(f"{P}Code")}
    assert codable["Never seen an attack"] == "true"  # it still holds a coding
    coded_refs = [r.get("targetGUID") for r in root.iter(f"{P}CodeRef")]
    guids = {c.get("guid") for c in root.iter(f"{P}Code")}
    assert coded_refs and set(coded_refs) <= guids
    _schema("Project.xsd").validate(io.BytesIO(_qde(out)))
