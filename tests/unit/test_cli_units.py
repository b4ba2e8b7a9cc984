"""Segmentation units through the CLI: sentence (default), paragraph, turn."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_run import Runner

TEXT = """Interviewer: Tell me about your models. What do they do?

P03: We score loans. It is mostly gradient boosting.

Also some deep learning for documents. That part is new.

Interviewer: Thanks.
"""


def _segments(qc: Runner, name: str) -> list[dict[str, object]]:
    return json.loads(qc("segments", name, "--format", "json").out)


def test_units_never_cross_turns(qc: Runner, tmp_path: Path) -> None:
    qc("init")
    for unit in ("sentence", "paragraph", "turn"):
        path = tmp_path / f"{unit}.txt"
        path.write_text(TEXT)
        assert qc("import", "--spacy-model", "blank", "--unit", unit, str(path)).ok
    sentences = _segments(qc, "sentence")
    paragraphs = _segments(qc, "paragraph")
    turns = _segments(qc, "turn")
    assert [s["text"] for s in sentences][:4] == [
        "Tell me about your models.",
        "What do they do?",
        "We score loans.",
        "It is mostly gradient boosting.",
    ]
    assert len(sentences) == 7
    assert [p["speaker"] for p in paragraphs] == ["Interviewer", "P03", "P03", "Interviewer"]
    assert len(turns) == 3
    assert turns[1]["text"] == (
        "We score loans. It is mostly gradient boosting.\n\n"
        "Also some deep learning for documents. That part is new."
    )
    for segs in (sentences, paragraphs, turns):
        assert [s["ordinal"] for s in segs] == list(range(1, len(segs) + 1))


def test_participant_option_and_vtt(qc: Runner, tmp_path: Path) -> None:
    qc("init")
    vtt = tmp_path / "zoom_call.vtt"
    vtt.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nInterviewer: Hello, can you hear me?\n\n"
        "2\n00:00:03.500 --> 00:00:06.000\nDana: Yes. I work on fraud\n\n"
        "3\n00:00:06.000 --> 00:00:08.000\nDana: detection models.\n"
    )
    result = qc("import", "--spacy-model", "blank", "--participant", "P20", str(vtt))
    assert result.ok, result.err
    segments = _segments(qc, "zoom_call")
    assert segments[-1]["text"] == "I work on fraud detection models."
    assert segments[-1]["speaker"] == "Dana"
    rows = qc("participants", "list", "--format", "json").out
    assert json.loads(rows)[0]["participant"] == "P20"
