"""Finding real names in a text and replacing them with placeholders, with an offset map.

Names are matched as whole tokens, case-insensitively, by spaCy's PhraseMatcher (so "Ann"
does not match inside "Annual"); overlapping matches keep the longest. Replacing shifts the
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
from typing import Any

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
    """A PhraseMatcher over a blank English tokenizer (no model needed)."""

    def __init__(self, names: dict[str, str]) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self.nlp: Any = spacy.blank("en")
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.placeholders: dict[str, str] = {}
        for name, placeholder in names.items():
            key = f"N{len(self.placeholders)}"
            self.placeholders[key] = placeholder
            self.matcher.add(key, [self.nlp.make_doc(name)])

    def find(self, text: str) -> list[Replacement]:
        from spacy.util import filter_spans

        doc = self.nlp.make_doc(text)
        spans = [doc[s:e] for _m, s, e in self.matcher(doc)]
        label = {(doc[s:e].start_char, doc[s:e].end_char): self.nlp.vocab.strings[m]
                 for m, s, e in self.matcher(doc)}  # fmt: skip
        out = []
        for span in filter_spans(spans):
            key = label[(span.start_char, span.end_char)]
            out.append(Replacement(span.start_char, span.end_char, self.placeholders[key]))
        return out


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
