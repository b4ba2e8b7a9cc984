"""The shipped codebook's shortcut keys are all usable in the coding screen."""

from __future__ import annotations

from pathlib import Path

import yaml
from textual.binding import Binding

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.widgets.transcript_view import SELECTION_ACTIONS, TranscriptView

CODEBOOK = Path(__file__).resolve().parents[2] / "codebooks" / "aml_barriers.yaml"
NAMED = {
    "question_mark": "?",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
}


def _keys(bindings: list[Binding], skip_actions: frozenset[str] = frozenset()) -> set[str]:
    keys: set[str] = set()
    for binding in bindings:
        if binding.action.split("(")[0] in skip_actions:
            continue
        keys.update(NAMED.get(k.strip(), k.strip()) for k in binding.key.split(","))
    return keys


def _shortcuts(codes: list[dict[str, object]]) -> list[str]:
    found: list[str] = []
    for code in codes:
        if code.get("shortcut"):
            found.append(str(code["shortcut"]))
        found.extend(_shortcuts(code.get("children", [])))  # type: ignore[arg-type]
    return found


def test_no_shortcut_of_the_shipped_codebook_is_taken_by_a_command() -> None:
    taken = (
        _keys(QualcodeApp.BINDINGS)  # type: ignore[arg-type]
        | _keys(CodingScreen.BINDINGS)  # type: ignore[arg-type]
        | _keys(TranscriptView.BINDINGS, SELECTION_ACTIONS)  # type: ignore[arg-type]
    )
    shortcuts = _shortcuts(yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))["codes"])
    assert len(shortcuts) == 27
    assert not set(shortcuts) & taken, set(shortcuts) & taken
