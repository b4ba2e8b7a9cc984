"""Split documents into segments (units for coding): sentences, paragraphs or whole turns.

Segments never cross turns, exclude surrounding whitespace, and are numbered from 1 in
document order. Sentence mode streams the paragraphs of all documents through ONE spaCy
``nlp.pipe`` call, so thousands of documents flow lazily. spaCy is imported only when a
sentence segmenter is created; loaded pipelines are cached per model name.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Literal

from qualcode.errors import QualcodeError
from qualcode.ingest.model import Document, SegmentSpan

if TYPE_CHECKING:
    from spacy.language import Language

Unit = Literal["sentence", "turn", "paragraph"]
UNITS: tuple[Unit, ...] = ("sentence", "turn", "paragraph")
DEFAULT_MODEL = "en_core_web_sm"
MAX_LENGTH = 50_000_000  # characters per paragraph handed to spaCy

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# spaCy's tokenizer peels prefixes and suffixes off a token one character at a time and
# searches the rest again each time: quadratic in the token's length (8,000 '*' in one token
# took 7 s, 60 KB of '**' more than 300 s). What spaCy sees of a run of more than
# LONG_TOKEN non-space characters keeps its first and last KEEP characters and has 'x' in
# between: the same length, so every offset holds, and the segments are cut from the
# original text. No sentence ends inside such a run (a URL, a row of '=' or '*').
LONG_TOKEN = 64
KEEP = 16
_LONG_RUN = re.compile(rf"\S{{{LONG_TOKEN + 1},}}")
_EXCLUDE = ["ner", "lemmatizer", "attribute_ruler", "tagger"]
_SENTENCE_COMPONENTS = {"parser", "senter", "sentencizer"}
_PIPELINES: dict[str, tuple[Language, str]] = {}

# (start offset of the paragraph in the document, paragraph text, speaker)
_Paragraph = tuple[int, str, str | None]


def word_count(text: str) -> int:
    """Number of whitespace-separated tokens in ``text``."""
    return len(text.split())


def paragraphs(doc: Document) -> list[_Paragraph]:
    """The paragraphs of every turn (split on blank lines), stripped, empty ones dropped."""
    text = doc.text
    result: list[_Paragraph] = []
    for turn in doc.turns:
        start = turn.start
        for m in _PARAGRAPH_BREAK.finditer(text, turn.start, turn.end):
            _add_stripped(result, text, start, m.start(), turn.speaker)
            start = m.end()
        _add_stripped(result, text, start, turn.end, turn.speaker)
    return result


def _add_stripped(
    out: list[_Paragraph], text: str, start: int, end: int, speaker: str | None
) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        out.append((start + piece.index(stripped[0]), stripped, speaker))


def _mask_run(m: re.Match[str]) -> str:
    run = m.group()
    return run[:KEEP] + "x" * (len(run) - 2 * KEEP) + run[-KEEP:]


def tame_long_tokens(text: str) -> str:
    """``text`` with every very long run of non-space characters masked (same length)."""
    return _LONG_RUN.sub(_mask_run, text) if len(text) > LONG_TOKEN else text


def load_pipeline(model: str = "auto") -> tuple[Language, str]:
    """Return a spaCy pipeline that sets sentence boundaries, and its name (cached)."""
    if model == "auto":
        import spacy

        model = DEFAULT_MODEL if spacy.util.is_package(DEFAULT_MODEL) else "blank"
    cached = _PIPELINES.get(model)
    if cached is None:
        cached = _PIPELINES[model] = _load(model)
    return cached


def _load(model: str) -> tuple[Language, str]:
    import spacy

    if model == "blank":
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.max_length = MAX_LENGTH
        return nlp, "blank:en+sentencizer"
    try:
        nlp = spacy.load(model, exclude=_EXCLUDE)
    except (OSError, ImportError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
        raise QualcodeError(
            f"{model}: cannot load the spaCy model ({first or exc.__class__.__name__}); "
            f"install it with 'pip install {model}' (or 'python -m spacy download {model}') "
            "or use --spacy-model blank"
        ) from None
    if not _SENTENCE_COMPONENTS & set(nlp.pipe_names):
        nlp.add_pipe("sentencizer")
    nlp.max_length = MAX_LENGTH
    meta = nlp.meta
    name = f"{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}"
    return nlp, f"{name}-{meta.get('version', '0')}"


class Segmenter:
    """Turn Documents into SegmentSpans of one unit: sentence, paragraph or turn.

    Only sentence segmentation needs spaCy; it is loaded (and a missing model reported) when
    the Segmenter is created. ``pipeline_name`` names what produced the boundaries, e.g.
    ``"blank:en+sentencizer"``, ``"en_core_web_sm-3.8.0"``, or ``"rules:paragraph"``.
    """

    def __init__(self, unit: Unit = "sentence", model: str = "auto") -> None:
        if unit not in UNITS:
            raise QualcodeError(f"{unit}: unknown segment unit; use sentence, paragraph or turn")
        self.unit: Unit = unit
        self._nlp: Language | None = None
        if unit == "sentence":
            self._nlp, self.pipeline_name = load_pipeline(model)
        else:
            self.pipeline_name = f"rules:{unit}"

    def segment(self, doc: Document) -> list[SegmentSpan]:
        """The segments of one document."""
        return next(self.segment_many([doc]))

    def segment_many(
        self, docs: Iterable[Document], batch_size: int = 256
    ) -> Iterator[list[SegmentSpan]]:
        """One list of segments per document, in order, produced lazily."""
        if self._nlp is None:
            for doc in docs:
                yield self._simple(doc)
        else:
            yield from self._sentences(docs, self._nlp, batch_size)

    def _simple(self, doc: Document) -> list[SegmentSpan]:
        if self.unit == "paragraph":
            pieces = paragraphs(doc)
        else:
            pieces = []
            for turn in doc.turns:
                _add_stripped(pieces, doc.text, turn.start, turn.end, turn.speaker)
        return [
            SegmentSpan(i, start, start + len(text), speaker, text)
            for i, (start, text, speaker) in enumerate(pieces, start=1)
        ]

    @staticmethod
    def _sentences(
        docs: Iterable[Document], nlp: Language, batch_size: int
    ) -> Iterator[list[SegmentSpan]]:
        # Each pending entry: [paragraphs of a document, paragraphs still to come, segments].
        pending: deque[tuple[list[_Paragraph], list[int], list[SegmentSpan]]] = deque()

        def texts() -> Iterator[str]:
            for doc in docs:
                paras = paragraphs(doc)
                pending.append((paras, [len(paras)], []))
                for _start, text, _speaker in paras:
                    yield tame_long_tokens(text)

        def ready() -> Iterator[list[SegmentSpan]]:
            while pending and pending[0][1][0] == 0:
                yield pending.popleft()[2]

        for parsed in nlp.pipe(texts(), batch_size=batch_size):
            yield from ready()
            paras, left, out = pending[0]
            base, text, speaker = paras[len(paras) - left[0]]
            left[0] -= 1
            ordinal = len(out)
            for sent in parsed.sents:
                s, e = sent.start_char, sent.end_char
                piece = text[s:e]
                if piece[0].isspace() or piece[-1].isspace():
                    stripped = piece.strip()
                    if not stripped:
                        continue
                    s += piece.index(stripped[0])
                    piece = stripped
                ordinal += 1
                out.append(SegmentSpan(ordinal, base + s, base + s + len(piece), speaker, piece))
        yield from ready()
