"""``qualcode codebook merge-file``: YAML and REFI-QDA .qdc codebooks merged by GUID, then path.

The reader tests need no project; the command tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from qualcode.errors import QualcodeError
from qualcode.ingest.qdc_read import format_description, parse_description, parse_qdc, read_qdc
from qualcode.services.codebook_merge import read_codebook_file
from tests.cli_run import Result, Runner
from tests.unit.conftest import DATA, MINI_CODEBOOK

REFI = DATA / "refi"

# --- the .qdc reader alone ------------------------------------------------------------------


def _qdc(codes: str, namespace: str = "urn:QDA-XML:codebook:1.0") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<CodeBook xmlns="{namespace}">'
        f"<Codes>{codes}</Codes></CodeBook>"
    ).encode()


def _parse(codes: str, namespace: str = "urn:QDA-XML:codebook:1.0") -> Any:
    return parse_qdc(_qdc(codes, namespace), Path("test.qdc"))


def test_minimal_qdc_keeps_nesting_guids_colours_and_folders() -> None:
    book = read_qdc(REFI / "minimal.qdc")
    assert book.origin == "qualcode 0.1"
    [themes, emotion] = book.codes
    assert (themes.name, themes.codable) == ("Themes", False)
    assert themes.guid == "0b6c7a52-3f0e-4c51-9d8e-2a51c3f0a001"
    assert themes.description == "Folder only; cannot be applied to text."
    [trust] = themes.children
    assert (trust.name, trust.codable, trust.color) == ("Trust", True, "#1f77b4")
    assert [c.name for c in trust.children] == ["Distrust"]
    assert (emotion.name, emotion.children, emotion.description) == ("Emotion", [], "")


@pytest.mark.parametrize(
    "namespace",
    [
        "urn:QDA-XML:codebook:1.0",
        "urn:QDA-XML:codebook:1:0",
        "urn:QDA-XML:codebook:0:4",
        "urn:QDA-XML:codebook:0:10",
    ],
)
def test_namespace_variants_read_alike(namespace: str) -> None:
    book = _parse(
        '<Code guid="0d3f5e7a-1b2c-4d5e-8f90-a1b2c3d4e5f6" name="A" isCodable="true">'
        "<Description>d</Description></Code>",
        namespace,
    )
    assert [(c.name, c.description) for c in book.codes] == [("A", "d")]


@pytest.mark.parametrize(
    ("name", "paths"),
    [
        ("atlas-0-4.qdc", ["Exposure", "Exposure/Podcasts", "Risk", "Risk/News"]),
        ("transana-0-10.qdc", ["Work", "Work/Workload", "Work/Workload/Overtime"]),
        ("no-namespace.qdc", ["Plain"]),
        ("minimal.qdc", ["Themes", "Themes/Trust", "Themes/Trust/Distrust", "Emotion"]),
    ],
)
def test_sample_files_read_as_codebooks(name: str, paths: list[str]) -> None:
    book = read_codebook_file(REFI / name)
    assert [path for _spec, path, _parent in book.walk()] == paths
    assert book.name == Path(name).stem


def test_nvivo_sample_with_repeated_names_under_different_parents() -> None:
    book = read_codebook_file(REFI / "nvivo-mac15-codebook.qdc")
    walked = book.walk()
    assert len(walked) == 262
    paths = [path for _spec, path, _parent in walked]
    assert "rq1_definition/competencies/programming" in paths
    assert "rq1_definition/framings/cs_as_programming/programming" in paths
    assert all(spec.guid for spec, _path, _parent in walked)


def test_guids_lose_braces_and_case() -> None:
    book = read_qdc(REFI / "atlas-0-4.qdc")
    assert book.codes[0].guid == "9a1e0c3b-1d2e-4f50-8a6b-7c8d9e0f1a21"
    assert book.codes[0].children[0].color == "#2ca02c"


def test_structured_description_is_parsed_back() -> None:
    podcasts = read_qdc(REFI / "atlas-0-4.qdc").codes[0].children[0]
    assert podcasts.description == "Heard about it on a podcast."
    assert podcasts.include == "Any audio show, also recorded talks."
    assert podcasts.exclude == "Live conference talks (use News)."
    assert podcasts.example == '"There was this episode about poisoning."'


@pytest.mark.parametrize(
    "fields",
    [
        ("A definition.", "When it says so.", "When it does not.", '"An example."'),
        ("Two lines\nof description.", "", "Not this.", ""),
        ("", "Only include.", "", ""),
        ("Only a description.", "", "", ""),
        ("", "", "", ""),
        ("Desc.", "Multi\nline include.", "", "Example\nover lines."),
    ],
)
def test_description_format_and_parse_round_trip(fields: tuple[str, str, str, str]) -> None:
    text = format_description(*fields)
    assert parse_description(text) == fields


def test_description_format_is_readable() -> None:
    assert format_description("Def.", "In.", "", "Ex.") == "Def.\n\nInclude: In.\nExample: Ex."


def test_plain_descriptions_and_stray_labels_stay_text() -> None:
    assert parse_description("Just text.\r\nSecond line.") == (
        "Just text.\nSecond line.",
        "",
        "",
        "",
    )
    # out of order or repeated labels continue the field before them
    text = "D.\nExample: e1\nInclude: not a field\nExample: e2"
    assert parse_description(text) == ("D.", "", "", "e1\nInclude: not a field\nExample: e2")
    assert parse_description("include:  lower case") == ("", "lower case", "", "")


@pytest.mark.parametrize("name", ["xxe.qdc", "billion-laughs.qdc"])
def test_hostile_files_are_refused(name: str) -> None:
    with pytest.raises(QualcodeError, match=r"refused: the file declares a DTD or entities"):
        read_qdc(REFI / name)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<CodeBook><Codes>", "not well-formed XML"),
        (b'<!DOCTYPE CodeBook SYSTEM "http://example.org/x.dtd"><CodeBook/>', "refused"),
        (b"<Project><CodeBook/></Project>", "the root element is <Project>"),
        (b"<CodeBook/>", "expected one <Codes> element"),
        (_qdc('<Code guid="nope" name="A" isCodable="true"/>'), "guid 'nope' is not a GUID"),
        (_qdc('<Code name="A/B" isCodable="true"/>'), "contains '/'"),
        (_qdc('<Code name=" " isCodable="true"/>'), "has no name"),
        (_qdc('<Code name="A" isCodable="maybe"/>'), "isCodable 'maybe'"),
        (_qdc('<Code name="A" isCodable="true" color="red"/>'), "color 'red'"),
        (
            _qdc(
                '<Code guid="0d3f5e7a-1b2c-4d5e-8f90-a1b2c3d4e5f6" name="A" isCodable="true"/>'
                '<Code guid="{0D3F5E7A-1B2C-4D5E-8F90-A1B2C3D4E5F6}" name="B" isCodable="true"/>'
            ),
            "is also used by Codes/Code[1] (A)",
        ),
    ],
)
def test_malformed_files_name_the_problem(content: bytes, message: str) -> None:
    with pytest.raises(QualcodeError, match=re.escape(message)) as caught:
        parse_qdc(content, Path("other.qdc"))
    assert caught.value.message.startswith("other.qdc: ")


def test_too_deep_nesting_is_refused() -> None:
    nested = '<Code name="A" isCodable="true">' * 70 + "</Code>" * 70
    with pytest.raises(QualcodeError, match="nested more than 64 deep"):
        _parse(nested)


def test_duplicate_paths_are_refused_after_conversion(tmp_path: Path) -> None:
    twice = tmp_path / "twice.qdc"
    twice.write_bytes(_qdc('<Code name="A" isCodable="true"/><Code name="a" isCodable="true"/>'))
    with pytest.raises(QualcodeError, match="appears twice"):
        read_codebook_file(twice)


def test_xml_content_is_recognised_without_the_qdc_suffix(tmp_path: Path) -> None:
    other = tmp_path / "codebook.txt"
    other.write_bytes(b"\xef\xbb\xbf" + _qdc('<Code name="A" isCodable="true"/>'))
    assert [c.name for c in read_codebook_file(other).codes] == ["A"]


def test_qdc_reader_is_headless() -> None:
    code = (
        "import sys, qualcode.ingest.qdc_read\n"
        "bad = [m for m in ('sqlalchemy', 'textual', 'qualcode.services') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


# --- the command ----------------------------------------------------------------------------


def _codes(qc: Runner) -> dict[str, dict[str, Any]]:
    rows = json.loads(qc("codebook", "list", "--format", "json").out)
    return {r["path"]: r for r in rows}


def _history(qc: Runner) -> list[dict[str, Any]]:
    result = qc("codebook", "history", "--format", "json")
    assert result.ok, result.err
    rows: list[dict[str, Any]] = json.loads(result.out)
    return rows


def _merge(qc: Runner, path: Path, *options: str, as_: str | None = None) -> Result:
    return qc("codebook", "merge-file", str(path), *options, as_=as_)


def _conflicts(qc: Runner, path: Path) -> list[tuple[str, str, str, str]]:
    result = _merge(qc, path, "--format", "json")
    assert result.ok, result.err
    return [(r["code"], r["field"], r["ours"], r["theirs"]) for r in json.loads(result.out)]


def _exported(qc: Runner, tmp_path: Path) -> Path:
    out = tmp_path / "exported.yaml"
    result = qc("codebook", "export", "--format", "yaml", "--out", str(out))
    assert result.ok, result.err
    return out


NEW_CODES = """\
  - name: Podcasts
    kind: inductive
    guid: "{0D3F5E7A-1B2C-4D5E-8F90-A1B2C3D4E5F6}"
    description: Heard about it on a podcast.
    shortcut: "7"
"""


def _with_new_code(tmp_path: Path) -> Path:
    """The mini codebook with a new code under Exposure (upper-case GUID in braces)."""
    text = MINI_CODEBOOK.read_text()
    marker = "      - name: Training\n"
    indented = "".join(f"    {line}\n" for line in NEW_CODES.splitlines())
    other = tmp_path / "other.yaml"
    other.write_text(text.replace(marker, indented + marker))
    return other


def test_yaml_merge_adds_a_new_code_with_its_guid(mini: Runner, tmp_path: Path) -> None:
    other = _with_new_code(tmp_path)
    result = _merge(mini, other)
    assert result.ok, result.err
    assert f"{other}: matched 6, added 1, filled 0, conflicts 0" in result.out
    assert "added: Exposure/Podcasts" in result.out
    new = _codes(mini)["Exposure/Podcasts"]
    assert new["guid"] == "0d3f5e7a-1b2c-4d5e-8f90-a1b2c3d4e5f6"
    assert (new["status"], new["kind"], new["shortcut"]) == ("active", "inductive", "7")
    assert new["description"] == "Heard about it on a podcast."
    event = _history(mini)[-1]
    assert (event["action"], event["code"], event["rationale"]) == (
        "create",
        "Podcasts",
        f"merged from {other}",
    )


def test_same_name_other_definition_is_a_conflict_and_kept(mini: Runner, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(
        MINI_CODEBOOK.read_text()
        .replace("Has not experienced an attack.", "Never attacked, as far as they know.")
        .replace('shortcut: "2"', 'shortcut: "2"\n        color: "#00ff00"')
    )
    before = _codes(mini)
    events = len(_history(mini))
    result = _merge(mini, other)
    assert result.ok, result.err
    assert "matched 6, added 0, filled 1, conflicts 1" in result.out
    assert "filled: Exposure/Training (color)" in result.out
    assert "qualcode codebook edit" in result.out
    assert _conflicts(mini, other) == [
        (
            "Risk/Never seen an attack",
            "description",
            "Has not experienced an attack.",
            "Never attacked, as far as they know.",
        )
    ]
    after = _codes(mini)
    assert after["Risk/Never seen an attack"] == before["Risk/Never seen an attack"]
    assert after["Exposure/Training"]["color"] == "#00ff00"
    new_events = _history(mini)[events:]
    assert [(e["action"], e["code"]) for e in new_events] == [("edit", "Training")]


def test_an_empty_definition_is_filled(mini: Runner, tmp_path: Path) -> None:
    assert mini("codebook", "edit", "Risk/News", "--description", "").ok
    result = _merge(mini, MINI_CODEBOOK)
    assert result.ok, result.err
    assert "filled: Risk/News (description)" in result.out
    assert _codes(mini)["Risk/News"]["description"].startswith("A second code named News")
    assert _history(mini)[-1]["rationale"] == f"merged from {MINI_CODEBOOK}"


def test_guid_match_after_a_local_rename_is_not_a_new_code(mini: Runner, tmp_path: Path) -> None:
    exported = _exported(mini, tmp_path)
    assert mini("codebook", "rename", "Training", "Education", "--why", "broader").ok
    assert mini("codebook", "move", "Education", "--parent", "Risk", "--why", "risk").ok
    result = _merge(mini, exported)
    assert result.ok, result.err
    assert "matched 6, added 0, filled 0, conflicts 2" in result.out
    assert _conflicts(mini, exported) == [
        ("Risk/Education", "name", "Education", "Training"),
        ("Risk/Education", "parent", "Risk", "Exposure"),
    ]
    assert "Exposure/Training" not in _codes(mini)


def test_guid_of_a_merged_code_follows_to_its_target(mini: Runner, tmp_path: Path) -> None:
    exported = _exported(mini, tmp_path)
    assert mini("codebook", "merge", "Exposure/News", "--into", "Risk/News", "--why", "same").ok
    result = _merge(mini, exported)
    assert result.ok, result.err
    assert "matched 6, added 0, filled 0, conflicts 0" in result.out
    assert "matched through an earlier merge: Exposure/News → Risk/News" in result.out
    codes = _codes(mini)
    assert codes["Exposure/News"]["status"] == "merged"
    assert len(codes) == 6


def test_a_path_match_on_a_merged_code_follows_too(mini: Runner, tmp_path: Path) -> None:
    assert mini("codebook", "merge", "Exposure/News", "--into", "Risk/News", "--why", "same").ok
    # the original file has no GUIDs: Exposure/News is found by path, then followed
    result = _merge(mini, MINI_CODEBOOK)
    assert result.ok, result.err
    assert "added 0" in result.out and "Exposure/News → Risk/News" in result.out


def test_second_run_changes_nothing(mini: Runner, tmp_path: Path) -> None:
    other = _with_new_code(tmp_path)
    assert mini("codebook", "edit", "Risk/News", "--description", "").ok
    first = _merge(mini, other)
    assert first.ok and "added 1, filled 1" in first.out
    codes, events = _codes(mini), _history(mini)
    second = _merge(mini, other)
    assert second.ok, second.err
    assert "matched 7, added 0, filled 0, conflicts 0" in second.out
    assert _codes(mini) == codes and _history(mini) == events


def test_dry_run_stores_nothing(mini: Runner, tmp_path: Path) -> None:
    other = _with_new_code(tmp_path)
    codes, events = _codes(mini), _history(mini)
    result = _merge(mini, other, "--dry-run")
    assert result.ok, result.err
    assert result.out.startswith("dry run, nothing stored: ")
    assert "added: Exposure/Podcasts" in result.out
    assert _codes(mini) == codes and _history(mini) == events


def test_csv_and_json_keep_the_summary_off_stdout(mini: Runner, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(MINI_CODEBOOK.read_text().replace("Covered in formal", "Taught in formal"))
    result = _merge(mini, other, "--format", "csv")
    assert result.ok, result.err
    assert result.out.splitlines() == [
        "code,field,ours,theirs",
        "Exposure/Training,description,Covered in formal education.,Taught in formal education.",
    ]
    assert "conflicts 1" in result.err and "codebook edit" in result.err


def test_a_shortcut_in_use_is_not_taken(mini: Runner, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(
        "codes:\n  - name: Exposure\n    children:\n      - name: Talks\n        shortcut: '1'\n"
    )
    result = _merge(mini, other)
    assert result.ok, result.err
    assert "added 1" in result.out and "conflicts 1" in result.out
    assert _codes(mini)["Exposure/Talks"]["shortcut"] == ""
    assert _conflicts(mini, other) == [
        (
            "Exposure/Talks",
            "shortcut",
            "(none: '1' is already the shortcut of 'Exposure/News')",
            "1",
        )
    ]


def test_nothing_is_added_under_a_retired_code(mini: Runner, tmp_path: Path) -> None:
    assert mini("codebook", "retire", "Never seen an attack", "--why", "vague").ok
    other = tmp_path / "other.yaml"
    other.write_text(
        "codes:\n  - name: Risk\n    children:\n      - name: Never seen an attack\n"
        "        children:\n          - name: Deeper\n"
    )
    result = _merge(mini, other)
    assert result.ok, result.err
    assert "added 0" in result.out
    assert _conflicts(mini, other) == [
        ("Risk/Never seen an attack", "status", "retired", "in the file"),
        (
            "Risk/Never seen an attack/Deeper",
            "status",
            "not added: Risk/Never seen an attack is retired",
            "new code",
        ),
    ]


def test_qdc_merge_matches_by_path_and_reads_the_structure(mini: Runner) -> None:
    qdc = REFI / "atlas-0-4.qdc"
    result = _merge(mini, qdc)
    assert result.ok, result.err
    assert "matched 3, added 1, filled 0, conflicts 1" in result.out
    podcasts = _codes(mini)["Exposure/Podcasts"]
    assert podcasts["guid"] == "9a1e0c3b-1d2e-4f50-8a6b-7c8d9e0f1a22"
    assert (podcasts["kind"], podcasts["color"]) == ("descriptive", "#2ca02c")
    assert podcasts["include"] == "Any audio show, also recorded talks."
    assert podcasts["example"] == '"There was this episode about poisoning."'
    assert _conflicts(mini, qdc) == [
        (
            "Risk/News",
            "description",
            "A second code named News under another theme, to test paths.",
            "Risk judged from news stories.",
        )
    ]


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("minimal.qdc", 4),
        ("nvivo-mac15-codebook.qdc", 262),
        ("transana-0-10.qdc", 3),
        ("no-namespace.qdc", 1),
    ],
)
def test_qdc_files_merge_into_an_empty_codebook(qc: Runner, name: str, codes: int) -> None:
    assert qc("init", "--lead", "alice").ok
    result = _merge(qc, REFI / name)
    assert result.ok, result.err
    assert f"matched 0, added {codes}, filled 0, conflicts 0" in result.out
    listed = _codes(qc)
    assert len(listed) == codes and {r["status"] for r in listed.values()} == {"active"}
    again = _merge(qc, REFI / name)
    assert f"matched {codes}, added 0, filled 0, conflicts 0" in again.out


def test_nested_qdc_codes_keep_their_parents(qc: Runner) -> None:
    assert qc("init", "--lead", "alice").ok
    assert _merge(qc, REFI / "transana-0-10.qdc").ok
    overtime = _codes(qc)["Work/Workload/Overtime"]
    assert (overtime["guid"], overtime["color"]) == ("5c0b2a10-0000-4000-8000-00000000a003", "#abc")


@pytest.mark.parametrize("name", ["xxe.qdc", "billion-laughs.qdc"])
def test_hostile_qdc_leaves_the_project_unchanged(mini: Runner, name: str) -> None:
    codes, events = _codes(mini), _history(mini)
    result = _merge(mini, REFI / name)
    assert result.code == 2
    assert result.err.startswith(f"error: {REFI / name}: refused")
    assert _codes(mini) == codes and _history(mini) == events


def test_bad_files_store_nothing(mini: Runner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("codes:\n  - name: A\n    children: [\n")
    result = _merge(mini, broken)
    assert result.code == 2 and result.err.startswith(f"error: {broken}: line")
    missing = _merge(mini, tmp_path / "missing.qdc")
    assert missing.code == 2 and "no such file" in missing.err
    kind = tmp_path / "kind.yaml"
    kind.write_text("codes:\n  - name: A\n    kind: deductive\n")
    result = _merge(mini, kind)
    assert result.code == 2 and "kind 'deductive'" in result.err
    assert "A" not in _codes(mini)


def test_only_the_lead_merges(mini: Runner, tmp_path: Path) -> None:
    other = _with_new_code(tmp_path)
    codes = _codes(mini)
    result = _merge(mini, other, as_="bob")
    assert result.code == 2
    assert "error: codebook merge-file: needs the lead role" in result.err
    assert _codes(mini) == codes


def test_yaml_export_keeps_an_inductive_kind(
    mini: Runner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.cli_run import runner_for

    assert mini("codebook", "add", "Fear", "--parent", "Risk").ok
    exported = _exported(mini, tmp_path)
    assert "kind: inductive" in exported.read_text()
    fresh = runner_for(str(tmp_path / "fresh.db"), capsys)
    assert fresh("init", "--lead", "alice").ok
    assert fresh("codebook", "import", str(exported)).ok
    assert _codes(fresh)["Risk/Fear"]["kind"] == "inductive"
    assert mini("codebook", "retire", "Risk/Fear", "--why", "test").ok
    other = tmp_path / "other.yaml"
    other.write_text(exported.read_text().replace("name: Fear", "name: Dread"))
    # same GUID, retired here and renamed there: conflicts, not a new code
    assert _conflicts(mini, other) == [
        ("Risk/Fear", "name", "Fear", "Dread"),
        ("Risk/Fear", "status", "retired", "in the file"),
    ]
