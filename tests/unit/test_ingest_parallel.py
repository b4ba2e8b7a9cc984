"""Worker-process segmentation gives exactly the segments of the in-process segmenter."""

from __future__ import annotations

from qualcode.ingest.model import Document, Turn
from qualcode.ingest.parallel import ParallelSegmenter
from qualcode.ingest.segmenter import Segmenter


def _doc(n: int) -> Document:
    question = f"Interviewer: What happened in project {n}? Tell me more."
    answer = f"P{n}: We saw odd inputs. Nobody owned security!\n\nThen it stopped. Really."
    text = f"{question}\n\n{answer}\n"
    q_start = len("Interviewer: ")
    a_label = text.index(f"P{n}:")
    a_start = a_label + len(f"P{n}: ")
    return Document(
        text,
        (
            Turn("Interviewer", q_start, len(question)),
            Turn(f"P{n}", a_start, len(text) - 1),
        ),
        "txt",
    )


def test_parallel_matches_sequential() -> None:
    docs = [_doc(n) for n in range(40)]
    expected = list(Segmenter("sentence", "blank").segment_many(docs))
    parallel = ParallelSegmenter("sentence", "blank", processes=2)
    try:
        assert parallel.pipeline_name == "blank:en+sentencizer"
        got = list(parallel.segment_many(docs))
    finally:
        parallel.close()
    assert got == expected
    assert [s.text for s in got[0]][:2] == ["What happened in project 0?", "Tell me more."]
