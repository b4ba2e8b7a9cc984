"""Open-ended survey answers from CSV: one transcript per respondent."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.ingest.model import Respondent
from qualcode.ingest.survey_csv import read_survey

Q1 = "What slows you down?"
Q2 = "Anything else?"


def write(tmp_path: Path, text: str, name: str = "survey.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def answers(r: Respondent) -> list[tuple[str | None, str]]:
    doc = r.document
    return [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]


def test_with_id_column(tmp_path: Path) -> None:
    text = (
        f'id,age,"{Q1}",{Q2}\r\n'
        'R1,34,"Data access,\r\nmostly.\r\n\r\nAnd tooling.",\r\n'
        "R2,41,,\r\n"
        'R3,29,Nothing,"He said ""no""."\r\n'
    )
    path = write(tmp_path, text)
    result = read_survey(path, [Q1, Q2], id_column="id")
    assert [r.respondent_id for r in result] == ["R1", "R3"]  # R2 answered nothing
    r1, r3 = result
    assert r1.document.format == "csv"
    assert r1.document.text == f"{Q1}: Data access,\nmostly.\n\nAnd tooling."
    assert answers(r1) == [(Q1, "Data access,\nmostly.\n\nAnd tooling.")]
    assert answers(r3) == [(Q1, "Nothing"), (Q2, 'He said "no".')]
    assert r3.document.text == f'{Q1}: Nothing\n\n{Q2}: He said "no".'


def test_without_id_column_all_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "q1;q2\nyes, really;no\n\n;\nmaybe;\n")
    result = read_survey(path, None, None)
    assert [r.respondent_id for r in result] == ["row001", "row003"]
    assert answers(result[0]) == [("q1", "yes, really"), ("q2", "no")]
    assert answers(result[1]) == [("q1", "maybe")]


def test_all_columns_except_id(tmp_path: Path) -> None:
    path = write(tmp_path, "pid,q\nA,one\nB,two\n")
    result = read_survey(path, None, "pid")
    assert [(r.respondent_id, answers(r)) for r in result] == [
        ("A", [("q", "one")]),
        ("B", [("q", "two")]),
    ]


def test_missing_column_lists_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "id,q1,q2\n1,a,b\n")
    with pytest.raises(QualcodeError) as info:
        read_survey(path, ["q3"], "id")
    assert str(info.value) == f"{path}: no column named 'q3'; the columns are: id, q1, q2"


def test_duplicate_and_empty_ids_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'id,q\n1,a\n2,"multi\nline"\n1,c\n')
    with pytest.raises(QualcodeError, match=r": line 5: id '1' already used on line 2"):
        read_survey(path, ["q"], "id")
    path = write(tmp_path, "id,q\n1,a\n ,b\n", "empty_id.csv")
    with pytest.raises(QualcodeError, match=r": line 3: the 'id' column is empty"):
        read_survey(path, ["q"], "id")


def test_broken_quotes_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, 'id,q\n1,a\n2,"never closed\n3,c\n')
    with pytest.raises(QualcodeError) as info:
        read_survey(path, ["q"], "id")
    assert str(info.value).startswith(f"{path}: line 3: invalid CSV")


def test_too_many_fields_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "id,q\n1,a,b\n")
    with pytest.raises(QualcodeError, match=r": line 2: 3 fields but the header has 2"):
        read_survey(path, ["q"], "id")


def test_cp1252_and_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "id,q\n1,café\n", encoding="cp1252")
    (r,) = read_survey(path, ["q"], "id")
    assert answers(r) == [("q", "café")]
    assert "cp1252" in r.document.warnings[0]
    path = write(tmp_path, "\ufeffid,q\n1,x\n", "bom.csv")
    (r,) = read_survey(path, ["q"], "id")
    assert r.respondent_id == "1"


def test_empty_csv(tmp_path: Path) -> None:
    with pytest.raises(QualcodeError, match="the file is empty"):
        read_survey(write(tmp_path, ""), None, None)
