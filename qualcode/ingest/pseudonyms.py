"""Finding real names in a text and replacing them with placeholders, with an offset map.

Names are matched as whole words, case-insensitively (so "Ann" does not match inside
"Annual"); overlapping matches keep the longest (:class:`NameMatcher`). Replacing shifts the
text after each name, so :class:`Shift` maps any old offset to the new text: positions
before a name stay, positions after move by the length difference, and a position inside a
replaced name goes to the start (for a span's start) or the end (for its end) of its
placeholder — a coding that covered a name covers its placeholder.
"""

from __future__ import annotations

import bisect
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import QualcodeError


@dataclass(frozen=True)
class Replacement:
    start: int
    end: int
    placeholder: str


class Shift:
    """Old offsets → new offsets after a set of non-overlapping replacements."""

    def __init__(self, replacements: list[Replacement]) -> None:
        self.items = sorted(replacements, key=lambda r: r.start)
        self.starts = [r.start for r in self.items]
        self.deltas: list[int] = []
        delta = 0
        for r in self.items:
            delta += len(r.placeholder) - (r.end - r.start)
            self.deltas.append(delta)

    def map(self, offset: int, side: str = "start") -> int:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0:
            return offset
        r = self.items[i]
        before = self.deltas[i - 1] if i > 0 else 0
        if offset < r.end and offset > r.start:  # inside a replaced name
            new_start = r.start + before
            return new_start if side == "start" else new_start + len(r.placeholder)
        if offset == r.start:
            return r.start + before
        return offset + self.deltas[i]


def read_names(path: Path) -> dict[str, str]:
    """``name,placeholder`` rows (a header is optional); each name maps to its placeholder."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise QualcodeError(
            f"{path}: no such file; give the names CSV (name,placeholder)"
        ) from None
    except UnicodeDecodeError:
        raise QualcodeError(f"{path}: not UTF-8 text; save the names CSV as UTF-8") from None
    names: dict[str, str] = {}
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # over csv's 128 KB
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if number == 1 and [c.strip().lower() for c in row[:2]] == ["name", "placeholder"]:
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise QualcodeError(
                f"{path}: line {number}: give a name and its placeholder, e.g. Ann Lee,[PERSON-1]"
            )
        name, placeholder = row[0].strip(), row[1].strip()
        if name.casefold() in (n.casefold() for n in names):
            raise QualcodeError(f"{path}: line {number}: {name!r} is listed twice")
        names[name] = placeholder
    if not names:
        raise QualcodeError(f"{path}: no names; give rows of name,placeholder")
    return names


class NameMatcher:
    """The listed names as whole words, case-insensitively (one compiled regular expression).

    A name matches where it is not part of a longer word: not preceded or followed by a
    letter or digit ("Ann" is not found in "Annual" nor "Joanne", but is in "Ann's",
    "Ann-Marie" and "Ann_Lee.docx"). The words of a name may be separated by any run of
    whitespace or underscores ("Ann Lee" also matches "Ann\nLee" and "Ann_Lee"). Where names
    overlap the longest wins. The same matcher replaces and, afterwards, scans for what is
    left, so a scan after a replacement finds nothing a replacement could have taken.
    """

    def __init__(self, names: dict[str, str]) -> None:
        import re

        self.placeholders: dict[str, str] = {}
        self.patterns: dict[str, str] = {}
        for name, placeholder in names.items():
            words = name.split()
            pattern = r"[\s_]+".join(re.escape(word) for word in words)
            key = f"n{len(self.placeholders)}"
            self.placeholders[key] = placeholder
            self.patterns[key] = pattern
            for other in names:
                if other.casefold() != name.casefold() and _whole_word(other, placeholder):
                    raise QualcodeError(
                        f"the placeholder {placeholder!r} contains the listed name {other!r}; "
                        "choose placeholders without names"
                    )
            if _whole_word(name, placeholder):
                raise QualcodeError(
                    f"the placeholder {placeholder!r} contains its own name {name!r}"
                )
        order = sorted(self.patterns, key=lambda k: -len(self.patterns[k]))
        alternatives = "|".join(f"(?P<{k}>{self.patterns[k]})" for k in order)
        self.regex = re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)

    def find(self, text: str) -> list[Replacement]:
        out = []
        for match in self.regex.finditer(text):
            key = match.lastgroup or ""
            out.append(Replacement(match.start(), match.end(), self.placeholders[key]))
        return out

    def count(self, text: str | None) -> int:
        """How many listed names occur in ``text``."""
        return sum(1 for _ in self.regex.finditer(text)) if text else 0

    def replace(self, text: str) -> str:
        found = self.find(text)
        return apply(text, found) if found else text


def _whole_word(name: str, text: str) -> bool:
    import re

    pattern = r"[\s_]+".join(re.escape(word) for word in name.split())
    return re.search(rf"(?<![^\W_]){pattern}(?![^\W_])", text, re.IGNORECASE) is not None


def apply(text: str, replacements: list[Replacement]) -> str:
    parts: list[str] = []
    last = 0
    for r in sorted(replacements, key=lambda r: r.start):
        parts.append(text[last : r.start])
        parts.append(r.placeholder)
        last = r.end
    parts.append(text[last:])
    return "".join(parts)


def suggest(texts: list[str], known: set[str]) -> list[tuple[str, str, int]]:
    """Names a trained pipeline sees (PERSON, ORG, PRODUCT) and the list lacks, with counts.

    Returns [] when no trained English pipeline is installed (the caller says so).
    """
    import spacy

    for model in ("en_core_web_trf", "en_core_web_lg", "en_core_web_md", "en_core_web_sm"):
        try:
            nlp = spacy.load(model, disable=["lemmatizer"])
            break
        except OSError:
            continue
    else:
        return []
    found: dict[tuple[str, str], int] = {}
    lowered = {k.casefold() for k in known}
    for doc in nlp.pipe(texts):
        for ent in doc.ents:
            if ent.label_ in ("PERSON", "ORG", "PRODUCT") and ent.text.casefold() not in lowered:
                found[(ent.text, ent.label_)] = found.get((ent.text, ent.label_), 0) + 1
    return sorted(((t, lab, n) for (t, lab), n in found.items()), key=lambda r: (-r[2], r[0]))
