"""WebVTT (Teams, Zoom) and SRT captions."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.ingest.model import Document
from qualcode.ingest.turns_captions import read_srt, read_vtt

TEAMS = """WEBVTT
Kind: captions

NOTE
This is a comment block
with two lines.

STYLE
::cue { color: red }

0a1b2c3d/12-0
00:00:01.000 --> 00:00:04.000
<v Jane Doe>Thanks for joining. I want to ask</v>

0a1b2c3d/13-0
00:00:04.000 --> 00:00:06.500 align:start
<v Jane Doe>about <i>robustness</i> &amp; testing.</v>

0a1b2c3d/14-0
00:01:02.000 --> 00:01:05.000
<v.loud Omar Farouk>Sure &lt;laughs&gt;, happy
to&nbsp;help.</v>

00:01:05.000 --> 00:01:07.000
<c.yellow>It was</c> <00:01:06.000>hard.

1:02:03.000 --> 1:02:04.000
<v Jane Doe>Bye.</v>
"""

ZOOM = """WEBVTT

1
00:00:00.500 --> 00:00:03.000
Interviewer: So how did you

2
00:00:03.000 --> 00:00:05.000
Interviewer: get started?

3
00:00:05.100 --> 00:00:08.000
Participant 4: By accident.
Really.

4
00:00:08.000 --> 00:00:09.000
No plan at all.
"""

SRT = """1
00:00:01,000 --> 00:00:02,500
Moderator: Welcome.

2
00:00:02,600 --> 00:00:05,000
P1: Thanks, glad to
be <i>here</i>.

3
00:00:05,000 --> 00:00:06,000
P1: Note: I'm late.
"""


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def turns(doc: Document) -> list[tuple[str | None, str, str | None]]:
    return [(t.speaker, doc.text[t.start : t.end], t.timestamp) for t in doc.turns]


def test_teams_voice_tags(tmp_path: Path) -> None:
    doc = read_vtt(write(tmp_path, TEAMS, "teams.vtt"))
    assert doc.format == "vtt"
    assert turns(doc) == [
        ("Jane Doe", "Thanks for joining. I want to ask about robustness & testing.", "00:00:01"),
        ("Omar Farouk", "Sure <laughs>, happy to help. It was hard.", "00:01:02"),
        ("Jane Doe", "Bye.", "01:02:03"),
    ]
    assert doc.text == (
        "Jane Doe: Thanks for joining. I want to ask about robustness & testing.\n\n"
        "Omar Farouk: Sure <laughs>, happy to help. It was hard.\n\n"
        "Jane Doe: Bye."
    )


def test_zoom_prefixes_merge_cues_split_mid_sentence(tmp_path: Path) -> None:
    doc = read_vtt(write(tmp_path, ZOOM, "zoom.vtt"))
    assert turns(doc) == [
        ("Interviewer", "So how did you get started?", "00:00:00"),
        ("Participant 4", "By accident. Really. No plan at all.", "00:00:05"),
    ]
    assert doc.text == (
        "Interviewer: So how did you get started?\n\n"
        "Participant 4: By accident. Really. No plan at all."
    )


def test_srt(tmp_path: Path) -> None:
    doc = read_srt(write(tmp_path, SRT, "a.srt"))
    assert doc.format == "srt"
    assert turns(doc) == [
        ("Moderator", "Welcome.", "00:00:01"),
        ("P1", "Thanks, glad to be here. Note: I'm late.", "00:00:02"),
    ]


def test_captions_without_speakers(tmp_path: Path) -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nHello there.\n\n2\n00:00:02,000 --> 00:00:03,000\nYes.\n"
    )
    doc = read_srt(write(tmp_path, text, "b.srt"))
    assert turns(doc) == [(None, "Hello there. Yes.", "00:00:01")]
    assert doc.text == "Hello there. Yes."


def test_no_cues_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "WEBVTT\n\nNOTE nothing here\n", "empty.vtt")
    with pytest.raises(QualcodeError, match="no captions found") as info:
        read_vtt(path)
    assert str(info.value).startswith(f"{path}: ")


def test_malformed_timing_names_the_line(tmp_path: Path) -> None:
    text = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nok\n\n2\n00:00:02 --> later\nbad\n"
    path = write(tmp_path, text, "bad.vtt")
    with pytest.raises(QualcodeError) as info:
        read_vtt(path)
    assert str(info.value).startswith(f"{path}: line 8: malformed cue timing")


def test_srt_block_without_timing_names_the_line(tmp_path: Path) -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\njust text\n"
    path = write(tmp_path, text, "bad.srt")
    with pytest.raises(QualcodeError, match=r": line 6: expected a cue timing line"):
        read_srt(path)
