"""Code shortcuts and the coding screen's command keys: the one rule, in one place.

In the coding screen a code's ``shortcut`` (one printable character) applies the code. The
screen's commands use keys too, and a command wins over a shortcut, so a shortcut that is a
command key would silently do nothing. The rule, applied wherever a shortcut enters the
project (``codebook import``, ``codebook merge-file`` and so REFI import, ``codebook edit``),
reported by ``qualcode check`` and by the coding screen at start-up:

* a shortcut is one printable character, not a space;
* it is not a key in :data:`COMMAND_KEYS` (the coding screen's default command keys);
* no other *active or proposed* code has it. Merged and retired codes hold no shortcut:
  theirs are free.

Plain Python only (no Textual, SQLAlchemy or spaCy): the services, the CLI and the TUI use it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Every printable single character the coding screen uses as a command key by default, and
# what it does (words a user reads in an error). tests/tui/test_keys.py keeps it equal to the
# TUI's bindings.
COMMAND_KEYS: dict[str, str] = {
    "j": "next segment",
    "k": "previous segment",
    "G": "last segment",
    "v": "select a span",
    "h": "shrink a span selection by a character",
    "l": "extend a span selection by a character",
    "w": "extend a span selection to the next word",
    "b": "shrink a span selection by a word",
    "W": "start a span selection a word later",
    "B": "start a span selection a word earlier",
    "/": "code search",
    "x": "remove a code",
    "n": "new code",
    "m": "memo",
    "u": "undo",
    "d": "mark the transcript done",
    "[": "previous transcript",
    "]": "next transcript",
    "A": "show all coders (lead)",
    "S": "saturation",
    "T": "theme frequencies",
    "C": "codebook screen",
    "K": "agreement",
    "q": "quit",
    "?": "help",
}

# The statuses whose codes hold their shortcut (merged and retired codes hold none).
HOLDING = ("active", "proposed")

EDIT_HINT = "give the code another key with `qualcode codebook edit CODE --shortcut KEY`"


@dataclass(frozen=True)
class CodeKey:
    """A code as far as shortcuts go: its path, its shortcut and its status."""

    path: str
    shortcut: str
    status: str = "active"

    @property
    def holds(self) -> bool:
        """True when the code holds its shortcut (it has one and is active or proposed)."""
        return bool(self.shortcut) and self.status in HOLDING


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a shortcut at all (its shape), or None. An empty key is none."""
    if not key:
        return None
    if len(key) > 1:
        return f"{key!r} is not one key: a shortcut is a single character"
    if key == " ":
        return "a space cannot be a shortcut"
    if not key.isprintable():
        return f"{key!r} is not a printable character"
    return None


def held_shortcuts(codes: Iterable[CodeKey], skip: str | None = None) -> dict[str, str]:
    """Shortcut -> path of the code holding it, for the active and proposed codes.

    ``skip`` leaves out the code with that path (the code whose shortcut is being checked).
    When two codes share a key (an older project), the first one keeps it here.
    """
    held: dict[str, str] = {}
    for code in codes:
        if code.holds and code.path != skip:
            held.setdefault(code.shortcut, code.path)
    return held


def check_shortcut(
    key: str, taken: Mapping[str, str], command_keys: Mapping[str, str] = COMMAND_KEYS
) -> str | None:
    """Why ``key`` cannot be a code's shortcut, naming the key and what uses it; else None.

    ``taken`` maps the shortcuts of the *other* active or proposed codes to their paths
    (:func:`held_shortcuts`). An empty key (no shortcut) is always fine.
    """
    problem = key_problem(key)
    if problem is not None or not key:
        return problem
    if key in command_keys:
        return f"{key!r} is a command key of the coding screen ({command_keys[key]})"
    if key in taken:
        return f"{key!r} is already the shortcut of {taken[key]!r}"
    return None


def shortcut_problems(
    codes: Iterable[CodeKey], command_keys: Mapping[str, str] = COMMAND_KEYS
) -> list[str]:
    """Every shortcut problem of a whole codebook, one plain sentence each.

    A shortcut that is not one printable character or is a command key, and a key that
    several active or proposed codes share. Merged and retired codes are left out.
    """
    holders: dict[str, list[str]] = {}
    problems: list[str] = []
    for code in codes:
        if not code.holds:
            continue
        problem = key_problem(code.shortcut)
        if problem is None and code.shortcut in command_keys:
            problem = f"a command key of the coding screen ({command_keys[code.shortcut]})"
            problems.append(
                f"the code {code.path!r} has the shortcut {code.shortcut!r}, {problem}: "
                f"the command wins and the shortcut does nothing; {EDIT_HINT}"
            )
            continue
        if problem is not None:
            problems.append(
                f"the code {code.path!r} has the shortcut {code.shortcut!r}, which cannot "
                f"work: {problem}; {EDIT_HINT}"
            )
            continue
        holders.setdefault(code.shortcut, []).append(code.path)
    for key, paths in holders.items():
        if len(paths) > 1:
            names = ", ".join(repr(p) for p in paths[:-1]) + f" and {paths[-1]!r}"
            problems.append(
                f"the codes {names} share the shortcut {key!r}: the key applies only one of "
                "them; give the others other keys with `qualcode codebook edit CODE --shortcut KEY`"
            )
    return problems


# Textual names the printable keys after their Unicode names, with a few short forms.
_SHORT_NAMES = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def _key_name(character: str) -> str:
    if character.isalnum():
        return character
    name = unicodedata.name(character, character).lower().replace("-", "_").replace(" ", "_")
    return _SHORT_NAMES.get(name, name)


_BY_NAME = {_key_name(chr(code)): chr(code) for code in range(33, 127)}


def key_character(key: str) -> str | None:
    """The printable character a key stands for: ``"j"`` → ``j``, ``"slash"`` → ``/``,
    ``"question_mark"`` → ``?``; None for a key that types no character (``down``,
    ``ctrl+d``, ``escape``, ``space``)."""
    key = key.strip()
    if len(key) == 1:
        return key if key.isprintable() and key != " " else None
    if not key or "+" in key:
        return None
    if key in _BY_NAME:
        return _BY_NAME[key]
    try:
        character = unicodedata.lookup(key.replace("_", " "))
    except KeyError:
        return None
    return character if character.isprintable() and character != " " else None


def keymap_conflicts(command_keys: Mapping[str, str], shortcuts: Mapping[str, str]) -> list[str]:
    """One plain sentence per code shortcut that a command key takes.

    ``command_keys``: key -> what the command does, as the coding screen binds them after the
    user's ``keys.toml`` (a key is a character or a key name such as ``slash``; keys that type
    no character are ignored). ``shortcuts``: shortcut -> the path of the code holding it.
    """
    commands: dict[str, str] = {}
    for key, what in command_keys.items():
        character = key_character(key)
        if character is not None:
            commands.setdefault(character, what)
    found: list[str] = []
    for shortcut, path in shortcuts.items():
        if shortcut in commands:
            found.append(
                f"The code {path!r} has the shortcut {shortcut!r}, which is also the key for "
                f"{commands[shortcut]}: the command wins, and the code's shortcut does nothing "
                "until one of them is changed (the shortcut with `qualcode codebook edit "
                "CODE --shortcut KEY`, the command's key in keys.toml)."
            )
    return found
