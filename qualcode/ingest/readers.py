"""Pick the reader for a transcript file by its suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qualcode.errors import QualcodeError
from qualcode.ingest.model import Document
from qualcode.ingest.turns_captions import read_srt, read_vtt
from qualcode.ingest.turns_docx import read_docx
from qualcode.ingest.turns_text import read_plain

SUPPORTED = {".txt", ".md", ".docx", ".vtt", ".srt", ".csv"}

_READERS: dict[str, Callable[[Path], Document]] = {
    ".txt": read_plain,
    ".md": read_plain,
    ".markdown": read_plain,
    ".docx": read_docx,
    ".vtt": read_vtt,
    ".srt": read_srt,
}


def read_document(path: Path) -> Document:
    """Read one transcript file (.txt, .md, .docx, .vtt, .srt); .csv surveys use read_survey."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is not None:
        return reader(path)
    if suffix == ".csv":
        raise QualcodeError(
            f"{path}: a .csv file holds survey answers (one transcript per respondent); "
            "import it as a survey"
        )
    if suffix == ".doc":
        raise QualcodeError(
            f"{path}: old Word .doc files are not supported; save it as .docx from Word"
        )
    shown = suffix or "no suffix"
    raise QualcodeError(
        f"{path}: unsupported file type ({shown}); use .txt, .md, .docx, .vtt, .srt or .csv"
    )
