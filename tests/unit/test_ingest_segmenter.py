"""Segmentation into sentences, paragraphs and turns."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.ingest.model import Document, SegmentSpan
from qualcode.ingest.segmenter import Segmenter, load_pipeline, word_count
from qualcode.ingest.turns_text import detect_turns

TEXT = (
    "Title line without a speaker.\n\n"
    "Interviewer: How did it start? Tell me.\n"
    "P01: It started in 2019.  We had no idea!\n\n"
    "   Then came the attack. It was bad\n"
    "\n"
    "Interviewer: Why\n"
    "P01: Because.\n"
)


def make_doc(text: str = TEXT) -> Document:
    return Document(text, detect_turns(text), "txt")


@pytest.fixture(scope="module")
def sentences() -> Segmenter:
    return Segmenter("sentence", model="blank")


def check_invariants(doc: Document, segments: list[SegmentSpan]) -> None:
    assert [s.ordinal for s in segments] == list(range(1, len(segments) + 1))
    for seg in segments:
        assert seg.text == doc.text[seg.start : seg.end]
        assert seg.text and seg.text == seg.text.strip()
        owners = [t for t in doc.turns if t.start <= seg.start and seg.end <= t.end]
        assert len(owners) == 1, f"segment {seg} crosses a turn"
        assert owners[0].speaker == seg.speaker
    starts = [s.start for s in segments]
    assert starts == sorted(starts)


def texts(segments: list[SegmentSpan]) -> list[tuple[str | None, str]]:
    return [(s.speaker, s.text) for s in segments]


def test_sentences(sentences: Segmenter) -> None:
    doc = make_doc()
    segments = sentences.segment(doc)
    check_invariants(doc, segments)
    assert texts(segments) == [
        (None, "Title line without a speaker."),
        ("Interviewer", "How did it start?"),
        ("Interviewer", "Tell me."),
        ("P01", "It started in 2019."),
        ("P01", "We had no idea!"),
        ("P01", "Then came the attack."),
        ("P01", "It was bad"),
        ("Interviewer", "Why"),
        ("P01", "Because."),
    ]
    assert sentences.pipeline_name == "blank:en+sentencizer"


def test_paragraphs() -> None:
    doc = make_doc()
    segments = Segmenter("paragraph").segment(doc)
    check_invariants(doc, segments)
    assert texts(segments) == [
        (None, "Title line without a speaker."),
        ("Interviewer", "How did it start? Tell me."),
        ("P01", "It started in 2019.  We had no idea!"),
        ("P01", "Then came the attack. It was bad"),
        ("Interviewer", "Why"),
        ("P01", "Because."),
    ]


def test_turns() -> None:
    doc = make_doc()
    segments = Segmenter("turn", model="no-such-model-needed").segment(doc)
    check_invariants(doc, segments)
    assert [s.speaker for s in segments] == [None, "Interviewer", "P01", "Interviewer", "P01"]
    assert (
        segments[2].text
        == "It started in 2019.  We had no idea!\n\n   Then came the attack. It was bad"
    )


def test_sentence_never_crosses_a_turn(sentences: Segmenter) -> None:
    # No final punctuation, so only the turn boundary separates the two turns.
    text = "A: this goes on without a stop\nB: and so does this\nA: ok then\nB: fine"
    doc = make_doc(text)
    segments = sentences.segment(doc)
    check_invariants(doc, segments)
    assert texts(segments) == [
        ("A", "this goes on without a stop"),
        ("B", "and so does this"),
        ("A", "ok then"),
        ("B", "fine"),
    ]


def test_segment_many_streams_in_order(sentences: Segmenter) -> None:
    docs = [make_doc(f"P{i:02d}: First {i}. Second {i}.\n\nThird {i}.") for i in range(300)]
    docs.insert(5, Document("", (), "txt"))  # a document without turns yields []
    stream = sentences.segment_many(iter(docs), batch_size=16)
    first = next(stream)  # lazy: works before the rest is consumed
    assert [s.text for s in first] == ["First 0.", "Second 0.", "Third 0."]
    rest = list(stream)
    assert len(rest) == len(docs) - 1
    assert rest[4] == []
    for doc, segments in zip(docs[1:], rest, strict=True):
        check_invariants(doc, segments)
    assert [s.text for s in rest[-1]] == ["First 299.", "Second 299.", "Third 299."]


def test_saved_pipeline_loads_by_path(tmp_path: Path) -> None:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(tmp_path / "mini")
    seg = Segmenter("sentence", model=str(tmp_path / "mini"))
    assert seg.pipeline_name == "en_pipeline-0.0.0"
    doc = make_doc("P01: One. Two.")
    assert [s.text for s in seg.segment(doc)] == ["One.", "Two."]
    assert load_pipeline(str(tmp_path / "mini"))[0] is load_pipeline(str(tmp_path / "mini"))[0]


def test_missing_model_is_a_clear_error() -> None:
    with pytest.raises(QualcodeError) as info:
        Segmenter("sentence", model="xx_no_such_model_sm")
    message = str(info.value)
    assert message.startswith("xx_no_such_model_sm: cannot load the spaCy model")
    assert "pip install xx_no_such_model_sm" in message
    assert "--spacy-model blank" in message


def test_unknown_unit() -> None:
    with pytest.raises(QualcodeError, match="unknown segment unit"):
        Segmenter("word")  # type: ignore[arg-type]


def test_word_count() -> None:
    assert word_count("  one two\nthree\t four  ") == 4
    assert word_count("") == 0


def test_auto_model_picks_an_installed_pipeline() -> None:
    name = Segmenter("sentence", model="auto").pipeline_name
    assert name == "blank:en+sentencizer" or name.startswith("en_core_web_sm-")
