"""Read a text file into normalised text: the one place that guesses encodings.

Order of attempts: UTF-8 with a byte-order mark, UTF-16 LE/BE with a byte-order mark,
plain UTF-8, then Windows-1252 (with a warning). The result is normalised by
:func:`normalise`; every offset downstream is a code point of that normalised text.
"""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

from qualcode.errors import QualcodeError

CONVERT_HINT = "convert it to .txt, .docx, .vtt, .srt or .csv"

_NEWLINES = str.maketrans({"\u2028": "\n", "\u2029": "\n"})


def normalise(text: str) -> str:
    """Return ``text`` with ``\\n`` line endings, in Unicode NFC, without a leading BOM.

    CRLF and lone CR become ``\\n``; the Unicode line and paragraph separators
    (U+2028, U+2029) become ``\\n``. Everything else is kept as it is: non-breaking
    spaces, tabs and trailing whitespace at line ends stay.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_NEWLINES)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def read_bytes(path: Path) -> bytes:
    """Read a file's bytes; an unreadable path becomes a QualcodeError."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise QualcodeError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise QualcodeError(f"{path}: is a directory, not a file; name a file") from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise QualcodeError(f"{path}: cannot read the file ({reason})") from None


def read_text(path: Path) -> tuple[str, list[str]]:
    """Return the normalised text of ``path`` and a list of warnings.

    Raises QualcodeError for an empty file (no bytes, or only whitespace), a binary
    file, or bytes that are neither UTF-8/UTF-16 nor Windows-1252.
    """
    raw = read_bytes(path)
    if not raw:
        raise QualcodeError(f"{path}: the file is empty")
    text, warnings = _decode(path, raw)
    if _looks_binary(text):
        raise _binary(path)
    if "\x00" in text:  # a stray NUL in text: PostgreSQL cannot store it, so refuse it here
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        raise QualcodeError(
            f"{path}: line {line}: a NUL character (code 0) in the text, which a project "
            "cannot store (PostgreSQL refuses it); remove it and import again"
        )
    text = normalise(text)
    if not text.strip():
        raise QualcodeError(f"{path}: the file is empty (it contains only whitespace)")
    return text, warnings


_TEXT_CONTROLS = frozenset("\t\n\r\x0c")


def _looks_binary(text: str, sample: int = 8192) -> bool:
    """Many control characters (as in a PDF or an image read as text) mean binary data."""
    head = text[:sample]
    controls = sum(1 for ch in head if ch < " " and ch not in _TEXT_CONTROLS)
    return controls > max(2, len(head) // 200)


def _binary(path: Path) -> QualcodeError:
    return QualcodeError(f"{path}: not a text file (it contains binary data); {CONVERT_HINT}")


def _resave(path: Path, what: str) -> QualcodeError:
    return QualcodeError(f"{path}: {what}; re-save it as UTF-8 text")


def _decode(path: Path, raw: bytes) -> tuple[str, list[str]]:
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), []
        except UnicodeDecodeError as exc:
            raise _resave(
                path, f"starts like UTF-8 but byte {exc.start + 3} is not valid UTF-8"
            ) from None
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(encoding), []
            except UnicodeDecodeError:
                raise _resave(path, "starts like UTF-16 but is not valid UTF-16") from None
    if b"\x00" in raw and _looks_binary(raw[:8192].decode("latin-1")):
        raise _binary(path)
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        if b"\x00" in raw:
            raise _binary(path) from None
        raise _resave(
            path, f"unknown text encoding (byte {exc.start} is neither UTF-8 nor Windows-1252)"
        ) from None
    warning = f"{path}: not UTF-8; read as Windows-1252 (cp1252) — check accented characters"
    return text, [warning]
