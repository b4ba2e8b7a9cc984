"""``qualcode refi import``: real REFI-QDA files, files imitating each tool's quirks, and
hostile files.

* the offset helpers alone (``ingest.refi_offsets``), with a property test against
  ``decoding.normalise``;
* the readers alone, on the real samples (NVivo 15 for Mac, ATLAS.ti 23) and the quirk files
  written by ``tests/data/refi/make_quirks.py``;
* the command on SQLite and PostgreSQL: every imported coding must mark the same text it
  marked in the file, and a hostile file must give ``error: FILE: why``, exit 2, and leave
  the project as it was.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import itertools
import json
import warnings
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.errors import QualcodeError
from qualcode.ingest import refi_zip
from qualcode.ingest.decoding import normalise
from qualcode.ingest.qde_read import decode_text, parse_qde, read_qdpx
from qualcode.ingest.refi_offsets import (
    READINGS,
    STANDARD,
    Reading,
    Selection,
    choose_reading,
    convert,
    normalise_with_map,
    unit_map,
)
from qualcode.ingest.refi_zip import open_qdpx, unsafe_name_reason
from tests.cli_run import Result, Runner
from tests.unit.conftest import DATA

REFI = DATA / "refi"
NS = "urn:QDA-XML:project:1.0"


def _quirks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_quirks", REFI / "make_quirks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


Q = _quirks()


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


def _import(qc: Runner, path: Path, *extra: str) -> Result:
    return qc("refi", "import", "--spacy-model", "blank", *extra, str(path))


def _codings(qc: Runner) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_ok(qc, "codings", "export", "--format", "csv"))))


def _codes(qc: Runner) -> dict[str, dict[str, str]]:
    return {r["path"]: r for r in json.loads(_ok(qc, "codebook", "list", "--format", "json"))}


# --- offsets ------------------------------------------------------------------------------

PIECES = ["a", "b", " ", ".", "\r", "\n", "\r\n", "e\u0301", "\u0301", "é", "\U0001f642"]
PIECES += ["\u2028", "\ufeff", "\u1100\u1161", "\u00a0", "Z", "\t"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_normalise_with_map_matches_normalise(pieces: list[str]) -> None:
    raw = "".join(pieces)
    text, where = normalise_with_map(raw)
    assert text == normalise(raw)
    assert len(where) == len(raw) + 1 and where[0] == 0 and where[-1] == len(text)
    assert all(a <= b for a, b in itertools.pairwise(where))
    for i in range(len(raw) + 1):
        # at a boundary before an ASCII character (not inside a CRLF) the map is exact
        if i == len(raw) or (raw[i].isascii() and not (raw[i] == "\n" and raw[i - 1 : i] == "\r")):
            assert where[i] == len(normalise(raw[:i])), (raw, i)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_unit_maps_convert_both_ways(pieces: list[str]) -> None:
    raw = "".join(pieces)
    for reading in READINGS:
        units = unit_map(raw, reading)
        if units is None:
            continue
        for i in range(len(raw) + 1):
            back = units.to_code_point(units.from_code_point(i))
            # a CRLF counted as one shares its position with the LF
            assert back == i or raw[back:i] == "\r"


def test_nvivo_windows_positions_are_detected_and_converted() -> None:
    raw = "I: Hi \U0001f642\nR: It went well \U0001f389 and fine.\nR: We trust it.\n"
    quotes = ["It went well", "and fine", "We trust it"]
    selections = [Selection(*Q.span(raw, q, count="utf16"), q) for q in quotes]
    reading, scores = choose_reading([(raw, selections)])
    assert reading == Reading("utf16", "crlf")
    assert scores[reading].names == 3 and scores[STANDARD].names == 0
    units = unit_map(raw, reading)
    for selection, quote in zip(selections, quotes, strict=True):
        span = convert(raw, selection, units)
        assert span is not None and raw[span[0] : span[1]] == quote
    # without names the word boundaries decide
    bare = [Selection(s.start, s.end) for s in selections]
    assert choose_reading([(raw, bare)])[0] == Reading("utf16", "crlf")


def test_standard_positions_stay_standard() -> None:
    raw = "I: Hi \U0001f642\r\nR: It went well \U0001f389 and fine.\r\n"
    selections = [Selection(*Q.span(raw, q), "") for q in ("It went well", "and fine")]
    assert choose_reading([(raw, selections)])[0] == STANDARD
    # no emoji and CRLF in the file: every reading but "lf" gives the same positions
    plain = "A: one two\r\nB: three four\r\n"
    assert choose_reading([(plain, [Selection(*Q.span(plain, "three four"))])])[0] == STANDARD
    assert choose_reading([])[0] == STANDARD


def test_half_an_emoji_is_invalid() -> None:
    raw = "x\U0001f642y"
    units = unit_map(raw, Reading("utf16", "file"))
    assert units is not None
    assert units.to_code_point(2) is None  # between the two UTF-16 units
    assert (units.to_code_point(1), units.to_code_point(3)) == (1, 2)


def test_decode_text_drops_the_bom_and_falls_back_to_cp1252() -> None:
    assert decode_text(b"\xef\xbb\xbfabc") == ("abc", None)
    assert decode_text(b"\xff\xfe" + "é".encode("utf-16-le")) == ("é", None)
    text, warning = decode_text("café".encode("cp1252"))
    assert text == "café" and warning is not None and "Windows-1252" in warning


# --- the zip reader alone -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "'..'"),
        ("sources/../../evil.txt", "'..'"),
        ("/etc/passwd", "leading '/'"),
        ("sources\\evil.txt", "backslash"),
        ("C:/Windows/evil.txt", "drive letter"),
        ("a\x00b", "NUL"),
        ("", "empty"),
    ],
)
def test_unsafe_member_names(name: str, reason: str) -> None:
    found = unsafe_name_reason(name)
    assert found is not None and reason in found
    assert unsafe_name_reason("sources/0b6c7a52.txt") is None


# --- the readers on real samples and quirk files --------------------------------------------


def test_nvivo_mac_sample_reads_codes_users_and_empty_sources() -> None:
    project = read_qdpx(REFI / "nvivo-mac15.qdpx")
    assert project.origin == "NVivo for Mac 15.0.0"
    assert [u.name for u in project.users] == ["chrisp", "cp"]
    count = 0
    stack = list(project.codes)
    while stack:
        code = stack.pop()
        count += 1
        stack.extend(code.children)
    assert count == 262
    assert len(project.sources) == 2
    for source in project.sources:
        assert source.raw == "\n"  # NVivo for Mac keeps the text in the docx
        assert source.rich_path.endswith(".docx")
        assert any("rich text" in notice for notice in source.notices)


def test_atlas_sample_reads_upper_case_guids() -> None:
    project = read_qdpx(REFI / "atlasti23-target.qdpx")
    assert project.origin.startswith("ATLAS.ti")
    assert project.user == "088b08ac-d5cd-4adb-8b71-b4f3459c177f"
    [commits] = project.codes
    assert commits.guid == "a182cd3a-d83c-4d8c-bc80-26d9103ec6d6"
    assert [c.name for c in commits.children] == [
        "2022-05-10T02:05:59Z 19e4dce",
        "2022-02-11T10:39:25Z cdbfd92",
    ]
    assert project.sources == []


def test_atlas_quirks_read() -> None:
    project = read_qdpx(REFI / "atlas-quirks.qdpx")
    assert [u.guid for u in project.users] == [
        "088b08ac-d5cd-4adb-8b71-b4f3459c177f",
        "c32a2bd5-537f-4838-8b17-df9efbafdf4b",
    ]
    [themes, places] = project.codes
    assert (themes.codable, places.name, places.renamed_from) == (
        False,
        "Places-Spaces",
        "Places/Spaces",
    )
    assert [c.children[0].name for c in themes.children] == ["Trust", "Trust"]
    first, second = project.sources
    assert first.raw == Q.A_TEXT_1  # found under Sources/, BOM dropped, not normalised
    assert second.raw == Q.A_TEXT_2 and second.notices


@pytest.mark.parametrize("namespace", ["1.0", "1:0", "0:4", "0:10", None])
def test_project_namespaces_read_alike(namespace: str | None) -> None:
    xmlns = f' xmlns="urn:QDA-XML:project:{namespace}"' if namespace else ""
    data = (
        f'<Project{xmlns} name="x"><Users><User guid="{{ABCDEF01-2345-4678-9ABC-DEF012345678}}" '
        'name="U"/></Users></Project>'
    ).encode()
    project = parse_qde(data, Path("x.qde"))
    assert [(u.guid, u.name) for u in project.users] == [
        ("abcdef01-2345-4678-9abc-def012345678", "U")
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<Project", "not well-formed XML"),
        (b"<CodeBook/>", "the root element is <CodeBook>"),
        (b'<Project name="x"><Users><User guid="nope"/></Users></Project>', "is not a GUID"),
        (
            b'<Project name="x"><Sources><TextSource guid="0b6c7a52-3f0e-4c51-9d8e-2a51c3f0a001">'
            b'<PlainTextSelection guid="0b6c7a52-3f0e-4c51-9d8e-2a51c3f0a002" startPosition="a" '
            b'endPosition="3"/></TextSource></Sources></Project>',
            "startPosition 'a' is not a whole number",
        ),
    ],
)
def test_malformed_projects_name_the_problem(content: bytes, message: str) -> None:
    with pytest.raises(QualcodeError, match=message) as caught:
        parse_qde(content, Path("p.qde"))
    assert caught.value.message.startswith("p.qde: ")


# --- the command: samples and quirk files -----------------------------------------------------


@pytest.fixture
def fresh(qc: Runner) -> Runner:
    _ok(qc, "init", "--lead", "alice")
    return qc


def test_minimal_example_lands_on_its_text(fresh: Runner) -> None:
    result = _import(fresh, REFI / "minimal.qdpx")
    assert result.ok, result.err
    assert "transcripts: 1 added" in result.out
    [row] = _codings(fresh)
    assert (row["coder"], row["transcript"], row["code"], row["text"]) == (
        "Alice Researcher",
        "Interview 7",
        "Trust",
        "I don't trust them at all",
    )
    people = list(
        csv.DictReader(io.StringIO(_ok(fresh, "participants", "list", "--format", "csv")))
    )
    assert people == [
        {"participant": "Respondent 7", "transcripts": "1", "Age": "54", "District": "North"}
    ]
    assert "notes on codes (qualcode has no code memos)" in result.out
    assert "sets (qualcode has no sets)" in result.out
    assert "Round 1" in result.out
    codes = _codes(fresh)
    assert codes["Themes/Trust"]["description"] == "Statements about trusting institutions."
    assert codes["Themes/Trust"]["color"] == "#1f77b4"
    coders = _ok(fresh, "status")
    assert "Alice Researcher" in coders


def test_nvivo_mac_sample_brings_its_codebook_and_says_why_sources_are_left_out(
    fresh: Runner,
) -> None:
    result = _import(fresh, REFI / "nvivo-mac15.qdpx")
    assert result.ok, result.err
    assert "added 262" in result.out
    assert "skipped 2: text sources without text" in result.out
    assert "only in the rich-text file" in result.out
    codes = _codes(fresh)
    assert len(codes) == 262
    assert "rq1_definition/competencies/programming" in codes
    assert "rq1_definition/framings/cs_as_programming/programming" in codes
    assert codes["rq1_definition"]["guid"] == "34653336-3766-3235-6466-363134396437"


def test_atlas_sample(fresh: Runner) -> None:
    result = _import(fresh, REFI / "atlasti23-target.qdpx")
    assert result.ok, result.err
    assert sorted(_codes(fresh)) == [
        "Commits",
        "Commits/2022-02-11T10:39:25Z cdbfd92",
        "Commits/2022-05-10T02:05:59Z 19e4dce",
    ]


def test_atlas_quirks_land_on_their_text(fresh: Runner) -> None:
    result = _import(fresh, REFI / "atlas-quirks.qdpx")
    assert result.ok, result.err
    assert "Places/Spaces' → 'Places-Spaces'" in result.out
    assert "(rich text) was not read" in result.out
    assert "coders added (role coder): Enric, Mara" in result.out
    rows = [
        (r["coder"], r["transcript"], r["code"], r["start"], r["end"], r["text"])
        for r in _codings(fresh)
    ]
    one, two = normalise(Q.A_TEXT_1), normalise(Q.A_TEXT_2)  # BOM gone, CRLF → LF, NFC

    def at(text: str, quote: str) -> tuple[str, str, str]:
        start = text.index(quote)
        return str(start), str(start + len(quote)), quote

    assert rows == [
        ("Enric", "Council 1", "Themes/Institutions/Trust", *at(one, "I don't trust them")),
        ("Mara", "Council 1", "Themes/People/Trust", *at(one, "My neighbours trust them more.")),
        ("Mara", "Council 2", "Places-Spaces", *at(two, "the café near the mairie")),
        ("Enric", "Council 2", "Places-Spaces", *at(two, "our place")),
    ]
    codes = _codes(fresh)
    assert codes["Themes"]["guid"] == "9a1e0c3b-0000-4f50-8a6b-000000000001"  # no braces
    roles = _ok(fresh, "status")
    assert "Enric" in roles


def test_nvivo_windows_utf16_crlf_positions_are_converted(fresh: Runner) -> None:
    result = _import(fresh, REFI / "nvivo-windows-quirks.qdpx")
    assert result.ok, result.err
    assert "UTF-16 code units, every line break counted as two" in result.out
    rows = _codings(fresh)
    day1, day2 = normalise(Q.N_TEXT_1), normalise(Q.N_TEXT_2)
    got = sorted((r["transcript"], int(r["start"]), r["text"], r["coder"]) for r in rows)
    fallback = "nvivo-windows-quirks"  # no creating user anywhere: the file's coder
    expected = sorted(
        [
            ("Day 1", day1.index(q), q, fallback if q == "the team was happy" else "Sam")
            for q in Q.N_QUOTES_1
        ]
        + [("Day 2", day2.index(q), q, "Sam") for q in Q.N_QUOTES_2]
    )
    assert got == expected
    people = list(
        csv.DictReader(io.StringIO(_ok(fresh, "participants", "list", "--format", "csv")))
    )
    assert people == [{"participant": "P01", "transcripts": "2", "Age": "34", "Consent": "true"}]


def test_notes_sets_and_what_cannot_come_in(fresh: Runner) -> None:
    result = _import(fresh, REFI / "transana-quirks.qdpx")
    assert result.ok, result.err
    out = result.out
    for reason in (
        "selections outside their text (or empty)",
        "codings of a code not in the codebook",
        "notes not attached to a source, selection or coding",
        "notes on codes (qualcode has no code memos)",
        "sources that are not text (qualcode codes text)",
        "sets (qualcode has no sets)",
    ):
        assert reason in out, reason
    assert "audio: Group 1 recording" in out
    assert "memos: 2 added" in out
    [row] = _codings(fresh)
    assert (row["text"], row["memo"], row["coder"]) == (
        "We waited for hours.",
        "Hours, not minutes.",
        "Chris",
    )
    codes = _codes(fresh)
    assert (codes["Time"]["include"], codes["Time"]["color"]) == ("waiting, delays.", "#abc")
    # the set "Done by Chris" marks the transcript done for Chris
    [transcript] = json.loads(_ok(fresh, "transcripts", "--format", "json"))
    assert transcript["done_by"] == "Chris"


def test_importing_twice_adds_nothing(fresh: Runner) -> None:
    for name in ("atlas-quirks.qdpx", "nvivo-windows-quirks.qdpx", "transana-quirks.qdpx"):
        assert _import(fresh, REFI / name).ok
    before = (_codings(fresh), _codes(fresh), _ok(fresh, "transcripts", "--format", "csv"))
    for name in ("atlas-quirks.qdpx", "nvivo-windows-quirks.qdpx", "transana-quirks.qdpx"):
        again = _import(fresh, REFI / name)
        assert again.ok, again.err
        assert "nothing new" in again.out, again.out
    after = (_codings(fresh), _codes(fresh), _ok(fresh, "transcripts", "--format", "csv"))
    assert before == after


def test_unit_option_segments_like_any_import(fresh: Runner) -> None:
    assert _import(fresh, REFI / "atlas-quirks.qdpx", "--unit", "turn").ok
    segments = _ok(fresh, "segments", "Council 1", "--format", "csv")
    assert len(segments.strip().splitlines()) == 1 + 3  # header + one segment per turn


def test_done_option_marks_the_coders_done(fresh: Runner) -> None:
    assert _import(fresh, REFI / "atlas-quirks.qdpx", "--done").ok
    listing = json.loads(_ok(fresh, "transcripts", "--format", "json"))
    assert {row["name"]: row["done_by"] for row in listing} == {
        "Council 1": "Enric,Mara",
        "Council 2": "Enric,Mara",
    }


def test_a_codebook_import_goes_through_the_merge_rules(mini: Runner) -> None:
    before = _codes(mini)
    result = _import(mini, REFI / "atlas-0-4.qdc")
    assert result.ok, result.err
    assert "codebook: matched" in result.out
    after = _codes(mini)
    for path, row in before.items():  # nothing of ours overwritten
        for field in ("name", "description", "include", "exclude", "example", "guid"):
            if row[field]:
                assert after[path][field] == row[field]
    assert "Exposure/Podcasts" in after
    again = _import(mini, REFI / "atlas-0-4.qdc")
    assert again.ok and "added 0" in again.out


def test_only_the_lead_imports(mini: Runner) -> None:
    result = mini("refi", "import", "--spacy-model", "blank", str(REFI / "minimal.qdpx"), as_="bob")
    assert result.code == 2
    assert "needs the lead role" in result.err


# --- hostile files --------------------------------------------------------------------------

GOOD_TEXT = "I: Hello there.\nR: Fine, thanks.\n"
SRC = "0b6c7a52-3f0e-4c51-9d8e-2a51c3f0a0aa"


def _project(source_path: str = f"internal://{SRC}.txt", prolog: str = "", name: str = "x") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}'
        f'<Project xmlns="{NS}" name="{name}"><Sources>'
        f'<TextSource guid="{SRC}" name="Hostile" plainTextPath="{source_path}"/>'
        "</Sources></Project>"
    )


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with (
        warnings.catch_warnings(),
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        warnings.simplefilter("ignore")  # duplicate names are the point of one test
        for name, data in members:
            archive.writestr(name, data)
    return path


def _hostile(tmp_path: Path, kind: str) -> Path:
    good = [("project.qde", _project().encode()), (f"sources/{SRC}.txt", GOOD_TEXT.encode())]
    target = tmp_path / f"{kind}.qdpx"
    if kind == "xxe":
        prolog = '<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        qde = _project(prolog=prolog, name="&xxe;")
        return _zip(target, [("project.qde", qde.encode()), good[1]])
    if kind == "billion-laughs":
        entities = '<!ENTITY lol "lol">' + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        qde = _project(prolog=f"<!DOCTYPE Project [{entities}]>\n", name="&lol9;")
        return _zip(target, [("project.qde", qde.encode()), good[1]])
    if kind == "zip-bomb":
        return _zip(target, [good[0], (f"sources/{SRC}.txt", b"\0" * (20 * 1024 * 1024))])
    if kind == "path-traversal":
        return _zip(target, [*good, ("sources/../../evil.txt", b"owned")])
    if kind == "leading-slash":
        return _zip(target, [*good, ("/etc/evil.txt", b"owned")])
    if kind == "backslash":
        return _zip(target, [*good, ("sources\\evil.txt", b"owned")])
    if kind == "duplicate":
        return _zip(target, [*good, (f"sources/{SRC}.txt", b"other")])
    if kind in ("absolute", "relative", "internal-traversal"):
        secret = tmp_path / "secret.txt"
        secret.write_text("I: secret\n")
        path = {
            "absolute": f"absolute://{secret}",
            "relative": "relative://secret.txt",
            "internal-traversal": "internal://../secret.txt",
        }[kind]
        return _zip(target, [("project.qde", _project(path).encode()), good[1]])
    if kind == "two-qde":
        return _zip(target, [*good, ("other.qde", good[0][1])])
    if kind == "no-qde":
        return _zip(target, [good[1]])
    if kind == "not-a-zip":
        target.write_bytes(b"PK but not really a zip")
        return target
    raise AssertionError(kind)


HOSTILE = {
    "xxe": "refused: the file declares a DTD or entities",
    "billion-laughs": "refused: the file declares a DTD or entities",
    "zip-bomb": "(more than 100:1: a zip bomb?)",
    "path-traversal": "refused: member 'sources/../../evil.txt' has '..' in the name",
    "leading-slash": "refused: member '/etc/evil.txt' has a leading '/'",
    "backslash": "has a backslash in the name",
    "duplicate": "appears twice",
    "absolute": "plainTextPath",
    "relative": "points outside the file (relative://)",
    "internal-traversal": "refused: internal path '../secret.txt' has '..' in the name",
    "two-qde": "several .qde files",
    "no-qde": "no .qde file in the archive",
    "not-a-zip": "not a zip file",
}


def _state(qc: Runner) -> tuple[str, ...]:
    return (
        _ok(qc, "codings", "export", "--format", "csv"),
        _ok(qc, "codebook", "list", "--format", "csv"),
        _ok(qc, "transcripts", "--format", "csv"),
        _ok(qc, "participants", "list", "--format", "csv"),
        _ok(qc, "status"),
    )


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_files_are_refused_and_change_nothing(
    mini: Runner, tmp_path: Path, kind: str
) -> None:
    path = _hostile(tmp_path, kind)
    before = _state(mini)
    result = _import(mini, path)
    assert result.code == 2, (result.out, result.err)
    assert result.err.startswith(f"error: {path}: "), result.err
    assert HOSTILE[kind] in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1
    assert _state(mini) == before
    if kind == "absolute":
        assert "points outside the file (absolute://)" in result.err
        assert "Sources/TextSource[1] (Hostile)" in result.err  # which source


def test_hostile_codebook_is_refused(mini: Runner) -> None:
    before = _state(mini)
    for name in ("xxe.qdc", "billion-laughs.qdc"):
        result = _import(mini, REFI / name)
        assert result.code == 2
        assert result.err.startswith(f"error: {REFI / name}: refused")
    assert _state(mini) == before


def test_member_count_and_total_size_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = [("project.qde", _project().encode()), (f"sources/{SRC}.txt", GOOD_TEXT.encode())]
    many = _zip(tmp_path / "many.qdpx", [*good, *((f"sources/{i}.txt", b"x") for i in range(5))])
    monkeypatch.setattr(refi_zip, "MAX_MEMBERS", 4)
    with pytest.raises(QualcodeError, match=r"refused: 7 members \(the limit is 4\)"):
        open_qdpx(many)
    monkeypatch.setattr(refi_zip, "MAX_MEMBERS", 10_000)
    monkeypatch.setattr(refi_zip, "MAX_TOTAL_BYTES", 200)
    with pytest.raises(QualcodeError, match="would bring the uncompressed data read over"):
        read_qdpx(_zip(tmp_path / "big.qdpx", good))


def test_media_outside_the_file_are_never_opened(fresh: Runner, tmp_path: Path) -> None:
    qde = (
        f'<Project xmlns="{NS}" name="x"><Sources>'
        '<AudioSource guid="0b6c7a52-3f0e-4c51-9d8e-2a51c3f0a0ab" name="Tape" '
        'path="absolute:///nonexistent/tape.mp3"/></Sources></Project>'
    )
    result = _import(fresh, _zip(tmp_path / "media.qdpx", [("project.qde", qde.encode())]))
    assert result.ok, result.err
    assert "audio: Tape" in result.out


def test_project_unchanged_when_a_late_step_fails(mini: Runner, tmp_path: Path) -> None:
    """A good source followed by a refused one: the good one is not stored either."""
    before = _state(mini)
    qde = (
        f'<Project xmlns="{NS}" name="x"><Sources>'
        f'<TextSource guid="{SRC}" name="Good" plainTextPath="internal://{SRC}.txt"/>'
        '<TextSource guid="0b6c7a52-3f0e-4c51-9d8e-2a51c3f0a0ac" name="Bad" '
        'plainTextPath="relative://../../etc/passwd"/></Sources></Project>'
    )
    path = _zip(
        tmp_path / "mixed.qdpx",
        [("project.qde", qde.encode()), (f"sources/{SRC}.txt", GOOD_TEXT.encode())],
    )
    result = _import(mini, path)
    assert result.code == 2 and "TextSource[2] (Bad)" in result.err
    assert _state(mini) == before
