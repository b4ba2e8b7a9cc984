"""Decoding and normalisation of text files."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.ingest.decoding import normalise, read_text


def write(tmp_path: Path, data: bytes, name: str = "t.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_plain(tmp_path: Path) -> None:
    text, warnings = read_text(write(tmp_path, "Café: ok\n".encode()))
    assert text == "Café: ok\n"
    assert warnings == []


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    text, warnings = read_text(write(tmp_path, b"\xef\xbb\xbfP01: hello"))
    assert text == "P01: hello"
    assert warnings == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, encoding: str) -> None:
    bom = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
    path = write(tmp_path, bom + "Interviewer: Grüße\r\nP01: ça va".encode(encoding))
    text, warnings = read_text(path)
    assert text == "Interviewer: Grüße\nP01: ça va"
    assert warnings == []


def test_cp1252_fallback_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "P01: naïve café “quoted”".encode("cp1252"))
    text, warnings = read_text(path)
    assert text == "P01: naïve café “quoted”"
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}: not UTF-8; read as Windows-1252 (cp1252)")


def test_undecodable_bytes_ask_to_resave(tmp_path: Path) -> None:
    path = write(tmp_path, b"abc \x81\x8d\x8f\x90 def")  # invalid UTF-8 and undefined in cp1252
    with pytest.raises(QualcodeError, match="re-save it as UTF-8") as info:
        read_text(path)
    assert str(info.value).startswith(f"{path}: ")


def test_binary_file_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, b"PK\x03\x04\x00\x00binary\x00stuff", "t.txt")
    with pytest.raises(QualcodeError) as info:
        read_text(path)
    assert str(info.value) == (
        f"{path}: not a text file (it contains binary data); "
        "convert it to .txt, .docx, .vtt, .srt or .csv"
    )


@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t "])
def test_empty_file_is_rejected(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, data)
    with pytest.raises(QualcodeError, match="the file is empty") as info:
        read_text(path)
    assert str(info.value).startswith(f"{path}: ")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(QualcodeError, match="no such file"):
        read_text(tmp_path / "nope.txt")


def test_crlf_and_cr_become_newlines_and_offsets_follow(tmp_path: Path) -> None:
    text, _ = read_text(write(tmp_path, b"a\r\nbc\rd\r\n\r\ne"))
    assert text == "a\nbc\nd\n\ne"
    assert text.index("e") == 8


def test_nfc_composes_decomposed_characters(tmp_path: Path) -> None:
    decomposed = "Cafe\u0301 au lait"
    assert len(decomposed) == 13
    text, _ = read_text(write(tmp_path, decomposed.encode()))
    assert text == "Café au lait"
    assert len(text) == 12  # one code point fewer
    assert unicodedata.is_normalized("NFC", text)


def test_normalise_keeps_everything_else() -> None:
    assert normalise("\ufeffa\u00a0b  \nc\u2028d\u2029e\t ") == "a\u00a0b  \nc\nd\ne\t "
