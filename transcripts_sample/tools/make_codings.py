"""Build ``transcripts_sample/codings.csv`` from the intended codings in ``intended.tsv``.

``intended.tsv`` (participant, code, quote) was written with the synthetic interviews: each
quote is a verbatim fragment of the sentence that carries the code. This script finds the
segment (sentence, spaCy blank + sentencizer, as ``make demo`` imports them) holding each
quote and writes codings for three coders:

* alice (the lead) codes P01–P10 as intended;
* bob double-codes P01–P05 the way a second coder would: he misses some codings, codes a
  neighbouring sentence instead of the intended one now and then, and adds a few codings of
  his own (a related code of the same theme);
* carol codes P11–P15 as intended.

Run it again (``.venv/bin/python transcripts_sample/tools/make_codings.py``) whenever the
interviews or the segmenter change; it is deterministic.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import yaml

from qualcode.ingest.readers import read_document
from qualcode.ingest.segmenter import Segmenter

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent
INTERVIEWS = SAMPLE / "interviews"
CODEBOOK = SAMPLE.parent / "codebooks" / "aml_barriers.yaml"


def themes() -> dict[str, list[str]]:
    book = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    return {t["name"]: [c["name"] for c in t.get("children", [])] for t in book["codes"]}


def main() -> None:
    by_theme = themes()
    theme_of = {code: theme for theme, codes in by_theme.items() for code in codes}
    intended: dict[str, list[tuple[str, str]]] = {}
    with open(HERE / "intended.tsv", encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            participant, code, quote = line.rstrip("\n").split("\t")
            if code not in theme_of:
                raise SystemExit(f"intended.tsv: unknown code {code!r}")
            intended.setdefault(participant, []).append((code, quote))

    segmenter = Segmenter("sentence", "blank")
    rows: list[tuple[str, str, int, str]] = []
    rng = random.Random(20261123)
    for path in sorted(INTERVIEWS.iterdir()):
        name = path.stem
        spans = segmenter.segment(read_document(path))
        text = read_document(path).text
        located: list[tuple[str, int]] = []
        for code, quote in intended.get(name, []):
            at = text.find(quote)
            if at < 0:
                raise SystemExit(f"{path.name}: quote not found: {quote!r}")
            ordinal = next(s.ordinal for s in spans if s.start <= at < s.end)
            located.append((code, ordinal))
        number = int(name[1:])
        first = "alice" if number <= 10 else "carol"
        for code, ordinal in located:
            rows.append((first, name, ordinal, code))
        if number <= 5:
            for code, ordinal in located:
                roll = rng.random()
                if roll < 0.12:
                    continue  # missed
                if roll < 0.22:
                    neighbour = ordinal + rng.choice((-1, 1))
                    speaker = next(s.speaker for s in spans if s.ordinal == ordinal)
                    if any(s.ordinal == neighbour and s.speaker == speaker for s in spans):
                        rows.append(("bob", name, neighbour, code))
                        continue
                rows.append(("bob", name, ordinal, code))
                if rng.random() < 0.08:
                    related = [c for c in by_theme[theme_of[code]] if c != code]
                    rows.append(("bob", name, ordinal, rng.choice(related)))
    unique = sorted(set(rows), key=lambda r: (r[1], r[0], r[2], r[3]))
    with open(SAMPLE / "codings.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["coder", "transcript", "segment", "code"])
        writer.writerows(unique)
    print(f"wrote {len(unique)} codings to {SAMPLE / 'codings.csv'}")


if __name__ == "__main__":
    main()
