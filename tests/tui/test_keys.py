"""The coding screen's command keys and qualcode.shortcuts.COMMAND_KEYS cannot drift apart,
and the shipped codebook's shortcut keys are all usable in the coding screen."""

from __future__ import annotations

from pathlib import Path

import yaml
from textual.binding import Binding
from textual.keys import _character_to_key

from qualcode.shortcuts import COMMAND_KEYS, check_shortcut, key_character
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.widgets.transcript_view import TranscriptView

CODEBOOK = Path(__file__).resolve().parents[2] / "codebooks" / "aml_barriers.yaml"


def _keys(bindings: list[Binding]) -> set[str]:
    """Every printable character the bindings use (``slash`` → ``/``; ``down`` is left out)."""
    keys: set[str] = set()
    for binding in bindings:
        for key in binding.key.split(","):
            character = key_character(key)
            if character is not None:
                keys.add(character)
    return keys


def _bound() -> set[str]:
    return (
        _keys(QualcodeApp.BINDINGS)  # type: ignore[arg-type]
        | _keys(CodingScreen.BINDINGS)  # type: ignore[arg-type]
        | _keys(TranscriptView.BINDINGS)  # type: ignore[arg-type]
    )


def _shortcuts(codes: list[dict[str, object]]) -> list[str]:
    found: list[str] = []
    for code in codes:
        if code.get("shortcut"):
            found.append(str(code["shortcut"]))
        found.extend(_shortcuts(code.get("children", [])))  # type: ignore[arg-type]
    return found


def test_command_keys_cover_every_printable_key_the_coding_screen_binds() -> None:
    bound = _bound()
    assert bound - set(COMMAND_KEYS) == set(), "add these keys to qualcode.shortcuts.COMMAND_KEYS"
    # the selection keys are command keys too, though they act only while a span is selected
    assert {"v", "h", "l", "w", "b", "W", "B"} <= bound


def test_every_command_key_is_bound() -> None:
    assert set(COMMAND_KEYS) - _bound() == set(), "COMMAND_KEYS lists keys nothing binds"


def test_key_names_are_read_as_textual_names_them() -> None:
    """key_character() is the inverse of Textual's name for a typed character."""
    for code in range(33, 127):
        assert key_character(_character_to_key(chr(code))) == chr(code)
    for binding in [*QualcodeApp.BINDINGS, *CodingScreen.BINDINGS, *TranscriptView.BINDINGS]:
        for key in binding.key.split(","):  # type: ignore[union-attr]
            character = key_character(key)
            if character is not None:
                assert _character_to_key(character) == key.strip(), key
            else:  # keys that type no character: arrows, Esc, Ctrl+…, PgUp
                assert len(key.strip()) > 1


def test_no_shortcut_of_the_shipped_codebook_is_a_command_key() -> None:
    shortcuts = _shortcuts(yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))["codes"])
    assert len(shortcuts) == 27
    assert len(set(shortcuts)) == 27
    assert not set(shortcuts) & set(COMMAND_KEYS), set(shortcuts) & set(COMMAND_KEYS)
    assert not set(shortcuts) & _bound()
    assert all(check_shortcut(key, {}) is None for key in shortcuts)
