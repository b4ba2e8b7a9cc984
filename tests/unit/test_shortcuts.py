"""A code's shortcut is never silently shadowed: ``qualcode.shortcuts`` and every path in.

The pure functions first; then each way a shortcut enters the project (codebook import,
merge-file, edit, REFI import), codebook merge and retire, and ``qualcode check``, through
the CLI on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from qualcode.shortcuts import (
    COMMAND_KEYS,
    CodeKey,
    check_shortcut,
    held_shortcuts,
    key_character,
    key_problem,
    keymap_conflicts,
    shortcut_problems,
)
from tests.cli_run import Runner

# --- the rule -------------------------------------------------------------------------------


def test_command_keys_are_the_coding_screens_default_keys() -> None:
    assert set(COMMAND_KEYS) == set("jkGvhlwbWB/xnmud[]ASTCKq?")
    assert COMMAND_KEYS["h"] == "shrink a span selection by a character"
    assert COMMAND_KEYS["/"] == "code search"
    assert all(what and what == what.strip() for what in COMMAND_KEYS.values())


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", None),
        ("a", None),
        ("7", None),
        ("F", None),
        ("é", None),
        (";", None),
        ("ab", "'ab' is not one key: a shortcut is a single character"),
        (" ", "a space cannot be a shortcut"),
        ("\t", "'\\t' is not a printable character"),
        ("\x01", "'\\x01' is not a printable character"),
    ],
)
def test_a_shortcut_is_one_printable_character(key: str, problem: str | None) -> None:
    assert key_problem(key) == problem
    assert check_shortcut(key, {}) == problem


def test_check_shortcut_names_the_key_and_what_uses_it() -> None:
    taken = {"1": "Exposure/News"}
    assert check_shortcut("h", taken) == (
        "'h' is a command key of the coding screen (shrink a span selection by a character)"
    )
    assert check_shortcut("?", taken) == "'?' is a command key of the coding screen (help)"
    assert check_shortcut("1", taken) == "'1' is already the shortcut of 'Exposure/News'"
    assert check_shortcut("2", taken) is None
    assert check_shortcut("", taken) is None  # no shortcut: nothing to check
    # with other command keys (a remapped keymap)
    assert check_shortcut("h", taken, {"f": "code search"}) is None
    assert check_shortcut("f", taken, {"f": "code search"}) is not None


def test_merged_and_retired_codes_hold_no_shortcut() -> None:
    codes = [
        CodeKey("A", "1"),
        CodeKey("B", "2", "proposed"),
        CodeKey("C", "3", "merged"),
        CodeKey("D", "4", "retired"),
        CodeKey("E", ""),
        CodeKey("F", "1"),  # a duplicate in an older project: the first keeps it
    ]
    assert held_shortcuts(codes) == {"1": "A", "2": "B"}
    assert held_shortcuts(codes, skip="A") == {"1": "F", "2": "B"}
    assert check_shortcut("3", held_shortcuts(codes)) is None
    assert [c.holds for c in codes] == [True, True, False, False, False, True]


def test_shortcut_problems_of_a_whole_codebook() -> None:
    problems = shortcut_problems(
        [
            CodeKey("Risk/Doubts", "h"),
            CodeKey("Exposure/News", "1"),
            CodeKey("Exposure/Talks", "1", "proposed"),
            CodeKey("Risk/News", "1"),
            CodeKey("Old", "l", "retired"),
            CodeKey("Gone", "2", "merged"),
            CodeKey("Training", "2"),
            CodeKey("Bad", "ab"),
        ]
    )
    assert problems == [
        "the code 'Risk/Doubts' has the shortcut 'h', a command key of the coding screen "
        "(shrink a span selection by a character): the command wins and the shortcut does "
        "nothing; give the code another key with `qualcode codebook edit CODE --shortcut KEY`",
        "the code 'Bad' has the shortcut 'ab', which cannot work: 'ab' is not one key: a "
        "shortcut is a single character; give the code another key with "
        "`qualcode codebook edit CODE --shortcut KEY`",
        "the codes 'Exposure/News', 'Exposure/Talks' and 'Risk/News' share the shortcut '1': "
        "the key applies only one of them; give the others other keys with "
        "`qualcode codebook edit CODE --shortcut KEY`",
    ]
    assert shortcut_problems([CodeKey("A", "1"), CodeKey("B", "2"), CodeKey("C", "")]) == []


def test_keymap_conflicts_name_the_code_the_key_and_the_command() -> None:
    commands = {"f": "code search", "slash": "code search", "down": "next segment", "j": "next"}
    shortcuts = {"f": "Exposure/News", "/": "Risk/Odd", "1": "Training"}
    found = keymap_conflicts(commands, shortcuts)
    assert found == [
        "The code 'Exposure/News' has the shortcut 'f', which is also the key for code "
        "search: the command wins, and the code's shortcut does nothing until one of them is "
        "changed (the shortcut with `qualcode codebook edit CODE --shortcut KEY`, the "
        "command's key in keys.toml).",
        "The code 'Risk/Odd' has the shortcut '/', which is also the key for code search: the "
        "command wins, and the code's shortcut does nothing until one of them is changed (the "
        "shortcut with `qualcode codebook edit CODE --shortcut KEY`, the command's key in "
        "keys.toml).",
    ]
    assert keymap_conflicts(COMMAND_KEYS, {"a": "A", "1": "B", "F": "C"}) == []
    assert len(keymap_conflicts(COMMAND_KEYS, {"h": "A", "?": "B"})) == 2
    assert keymap_conflicts({}, {"h": "A"}) == []


@pytest.mark.parametrize(
    ("key", "character"),
    [
        ("j", "j"),
        ("G", "G"),
        ("slash", "/"),
        ("question_mark", "?"),
        ("left_square_bracket", "["),
        ("full_stop", "."),
        ("minus", "-"),
        (" j ", "j"),
        ("down", None),
        ("ctrl+d", None),
        ("escape", None),
        ("space", None),
        ("tab", None),
        ("pagedown", None),
        ("", None),
    ],
)
def test_key_names_stand_for_characters(key: str, character: str | None) -> None:
    assert key_character(key) == character


# --- through the CLI ----------------------------------------------------------------------


def _ok(qc: Runner, *args: str) -> str:
    result = qc(*args)
    assert result.ok, result.err
    return result.out


def _codes(qc: Runner) -> dict[str, dict[str, Any]]:
    return {r["path"]: r for r in json.loads(_ok(qc, "codebook", "list", "--format", "json"))}


def _keys(qc: Runner) -> dict[str, str]:
    return {path: row["shortcut"] for path, row in _codes(qc).items()}


def _history(qc: Runner) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(_ok(qc, "codebook", "history", "--format", "json"))
    return rows


def _replay_is_live(db_url: str) -> None:
    from qualcode.services.codebook_events import current_seq
    from qualcode.services.codebook_history import codebook_at, live_codebook
    from qualcode.store.project import open_project

    keys = ("name", "parent", "status", "merged_into", "shortcut", "description", "color")
    project = open_project(db_url)
    try:
        with project.session() as session:
            replay = codebook_at(session, current_seq(session))
            live = live_codebook(session)
    finally:
        project.close()
    assert {g: {k: s[k] for k in keys} for g, s in replay.items()} == {
        g: {k: s[k] for k in keys} for g, s in live.items()
    }


def _set_shortcuts(db_url: str, keys: dict[str, str]) -> None:
    """Write shortcuts directly, as an older version (or another tool) may have left them."""
    from qualcode.services.lookup import CodeIndex
    from qualcode.store.project import open_project

    project = open_project(db_url)
    try:
        with project.transaction() as session:
            index = CodeIndex.load(session)
            for ref, key in keys.items():
                index.resolve(ref).shortcut = key
    finally:
        project.close()


NEW_CODES = """\
name: extra
codes:
  - name: Exposure
    children:
      - name: Podcasts
        shortcut: h
      - name: Blogs
        shortcut: "1"
      - name: Friends
        shortcut: z
      - name: Family
        shortcut: z
      - name: Work
        shortcut: "9"
      - name: Search
        shortcut: /
"""


def test_codebook_import_leaves_out_a_clashing_shortcut_and_says_so(
    mini: Runner, tmp_path: Path
) -> None:
    book = tmp_path / "extra.yaml"
    book.write_text(NEW_CODES, encoding="utf-8")
    result = mini("codebook", "import", str(book))
    assert result.ok, result.err
    assert f"{book}: 6 code(s) added, 1 already there, 4 shortcut(s) not stored" in result.out
    dropped = [line for line in result.err.splitlines() if line.startswith("shortcut not stored")]
    assert dropped == [
        "shortcut not stored: Exposure/Podcasts: 'h' is a command key of the coding screen "
        "(shrink a span selection by a character)",
        "shortcut not stored: Exposure/Blogs: '1' is already the shortcut of 'Exposure/News'",
        "shortcut not stored: Exposure/Family: 'z' is already the shortcut of 'Exposure/Friends'",
        "shortcut not stored: Exposure/Search: '/' is a command key of the coding screen "
        "(code search)",
    ]
    assert "qualcode codebook edit CODE --shortcut KEY" in result.err
    keys = _keys(mini)
    assert keys["Exposure/Podcasts"] == keys["Exposure/Blogs"] == keys["Exposure/Family"] == ""
    assert (keys["Exposure/Friends"], keys["Exposure/Work"], keys["Exposure/News"]) == (
        "z",
        "9",
        "1",
    )
    created = [r for r in _history(mini) if r["code"] == "Podcasts"]
    assert json.loads(created[0]["after"])["shortcut"] == ""
    again = mini("codebook", "import", str(book))
    assert again.ok and "0 code(s) added" in again.out


def test_codebook_import_with_a_clean_file_says_nothing_about_shortcuts(
    mini: Runner, tmp_path: Path
) -> None:
    book = tmp_path / "clean.yaml"
    book.write_text("codes:\n  - name: Peers\n    shortcut: F\n", encoding="utf-8")
    result = mini("codebook", "import", str(book))
    assert result.ok and result.out.strip() == f"{book}: 1 code(s) added, 0 already there"
    assert "shortcut" not in result.err
    assert _keys(mini)["Peers"] == "F"


def test_a_retired_codes_key_is_free_for_an_imported_code(mini: Runner, tmp_path: Path) -> None:
    _ok(mini, "codebook", "retire", "Training", "--why", "unused")
    book = tmp_path / "reuse.yaml"
    book.write_text("codes:\n  - name: Courses\n    shortcut: '2'\n", encoding="utf-8")
    result = mini("codebook", "import", str(book))
    assert result.ok and "not stored" not in result.err
    assert _keys(mini)["Courses"] == "2"


def test_a_malformed_shortcut_still_stops_the_import(mini: Runner, tmp_path: Path) -> None:
    book = tmp_path / "bad.yaml"
    book.write_text("codes:\n  - name: Peers\n    shortcut: pq\n", encoding="utf-8")
    result = mini("codebook", "import", str(book))
    assert result.code == 2
    assert result.err.strip() == (
        f"error: {book}: codes[0] (Peers): 'pq' is not one key: a shortcut is a single character"
    )
    assert "Peers" not in _codes(mini)


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("h", "'h' is a command key of the coding screen (shrink a span selection by a character)"),
        ("K", "'K' is a command key of the coding screen (agreement)"),
        ("1", "'1' is already the shortcut of 'Exposure/News'"),
        ("ab", "'ab' is not one key: a shortcut is a single character"),
    ],
)
def test_codebook_edit_refuses_a_clashing_shortcut(mini: Runner, key: str, why: str) -> None:
    events = len(_history(mini))
    result = mini("codebook", "edit", "Training", "--shortcut", key, "--description", "new")
    assert result.code == 2
    assert result.err == (
        f"error: codebook edit: cannot give 'Exposure/Training' the shortcut {key!r}: {why}; "
        "choose another key\n"
    )
    training = _codes(mini)["Exposure/Training"]
    assert (training["shortcut"], training["description"]) == ("2", "Covered in formal education.")
    assert len(_history(mini)) == events


def test_codebook_edit_takes_a_free_key_and_a_freed_one(mini: Runner, db_url: str) -> None:
    assert "edited Training: shortcut" in _ok(
        mini, "codebook", "edit", "Training", "--shortcut", "F"
    )
    assert _keys(mini)["Exposure/Training"] == "F"
    _ok(mini, "codebook", "merge", "Exposure/News", "--into", "Training", "--why", "same")
    # News is merged: its key '1' is free again (Training kept its own 'F')
    assert _keys(mini)["Exposure/News"] == ""
    _ok(mini, "codebook", "edit", "Never seen an attack", "--shortcut", "1")
    assert _keys(mini)["Risk/Never seen an attack"] == "1"
    _ok(mini, "codebook", "edit", "Never seen an attack", "--shortcut", "")
    assert _keys(mini)["Risk/Never seen an attack"] == ""
    retired = mini("codebook", "edit", "Exposure/News", "--shortcut", "7")
    assert retired.code == 2
    assert retired.err == (
        "error: codebook edit: 'Exposure/News' is merged; a merged code holds no shortcut\n"
    )
    _replay_is_live(db_url)


def _conflicts(qc: Runner, path: Path) -> list[tuple[str, ...]]:
    result = qc("codebook", "merge-file", str(path), "--format", "csv")
    assert result.ok, result.err
    return [tuple(row.values()) for row in csv.DictReader(io.StringIO(result.out))]


def test_merge_file_does_not_take_a_clashing_shortcut(mini: Runner, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(
        "codes:\n"
        "  - name: Exposure\n"
        "    shortcut: x\n"  # our Exposure has none: x is remove a code
        "    children:\n"
        "      - name: Talks\n"
        "        shortcut: l\n"  # new code, command key
        "      - name: Peers\n"
        "        shortcut: '7'\n"
        "      - name: Friends\n"
        "        shortcut: '7'\n"  # new code, key taken earlier in the file
        "  - name: Risk\n"
        "    shortcut: '2'\n"  # our Risk has none: '2' is Training's
        "    children:\n"
        "      - name: News\n"
        "        shortcut: '9'\n",  # our Risk/News has none: filled
        encoding="utf-8",
    )
    rows = _conflicts(mini, other)
    assert rows == [
        (
            "Exposure",
            "shortcut",
            "(none: 'x' is a command key of the coding screen (remove a code))",
            "x",
        ),
        (
            "Exposure/Talks",
            "shortcut",
            "(none: 'l' is a command key of the coding screen "
            "(extend a span selection by a character))",
            "l",
        ),
        (
            "Exposure/Friends",
            "shortcut",
            "(none: '7' is already the shortcut of 'Exposure/Peers')",
            "7",
        ),
        ("Risk", "shortcut", "(none: '2' is already the shortcut of 'Exposure/Training')", "2"),
    ]
    keys = _keys(mini)
    assert (keys["Exposure"], keys["Exposure/Talks"], keys["Exposure/Friends"]) == ("", "", "")
    assert (keys["Exposure/Peers"], keys["Risk"], keys["Risk/News"]) == ("7", "", "9")
    # a second run changes nothing and lists the same conflicts
    assert _conflicts(mini, other) == rows
    assert _keys(mini) == keys


def test_merge_file_takes_a_retired_codes_key(mini: Runner, tmp_path: Path) -> None:
    _ok(mini, "codebook", "retire", "Training", "--why", "unused")
    other = tmp_path / "other.yaml"
    other.write_text(
        "codes:\n  - name: Risk\n    children:\n      - name: News\n        shortcut: '2'\n",
        encoding="utf-8",
    )
    assert _conflicts(mini, other) == []
    assert _keys(mini)["Risk/News"] == "2"


def test_refi_import_sets_no_shortcut(mini: Runner, tmp_path: Path) -> None:
    """REFI-QDA carries no shortcuts; its codebook goes through merge-file's rules."""
    book = tmp_path / "book.qdc"
    _ok(mini, "refi", "export", "--out", str(book))
    assert "Shortcut" not in book.read_text(encoding="utf-8")
    _ok(mini, "codebook", "edit", "Exposure/News", "--shortcut", "")
    before = _keys(mini)
    result = mini("refi", "import", "--spacy-model", "blank", str(book))
    assert result.ok, result.err
    assert "shortcut" not in result.out
    assert _keys(mini) == before


def test_refi_import_of_a_yaml_codebook_keeps_the_rule(mini: Runner, tmp_path: Path) -> None:
    """``refi import`` takes a file that starts with ``<`` as a codebook; when that is YAML
    (a shortcut can come with it), the merge rules refuse a clashing key all the same."""
    odd = tmp_path / "odd.yaml"
    odd.write_text(
        "<note: not XML\ncodes:\n  - name: Exposure\n    children:\n"
        "      - name: Podcasts\n        shortcut: h\n",
        encoding="utf-8",
    )
    result = mini("refi", "import", "--spacy-model", "blank", str(odd))
    assert result.ok, result.err
    assert "conflict: Exposure/Podcasts: shortcut" in result.out
    assert "'h' is a command key of the coding screen" in result.out
    assert _keys(mini)["Exposure/Podcasts"] == ""


def test_merge_passes_the_shortcut_to_a_target_without_one(mini: Runner, db_url: str) -> None:
    out = _ok(mini, "codebook", "merge", "Exposure/News", "--into", "Risk/News", "--why", "same")
    assert "shortcut '1' of Exposure/News passed to Risk/News" in out
    keys = _keys(mini)
    assert (keys["Exposure/News"], keys["Risk/News"]) == ("", "1")
    target = [r for r in _history(mini) if r["code"] == "News" and r["action"] == "merge"][-1]
    assert (json.loads(target["before"])["shortcut"], json.loads(target["after"])["shortcut"]) == (
        "",
        "1",
    )
    assert "took the shortcut '1' of Exposure/News" in target["rationale"]
    _replay_is_live(db_url)


def test_merge_drops_the_shortcut_when_the_target_has_one(mini: Runner, db_url: str) -> None:
    out = _ok(
        mini,
        "codebook",
        "merge",
        "Exposure/News",
        "Never seen an attack",
        "--into",
        "Training",
        "--why",
        "same",
    )
    assert (
        "shortcuts '1' of Exposure/News, '3' of Risk/Never seen an attack freed "
        "(Exposure/Training keeps its own, '2')"
    ) in out
    keys = _keys(mini)
    assert (keys["Exposure/News"], keys["Risk/Never seen an attack"]) == ("", "")
    assert keys["Exposure/Training"] == "2"
    _replay_is_live(db_url)


def test_merge_passes_the_first_usable_key_only(mini: Runner, db_url: str) -> None:
    _set_shortcuts(db_url, {"Exposure/News": "h"})  # an older project: a command key
    out = _ok(
        mini,
        "codebook",
        "merge",
        "Exposure/News",
        "Never seen an attack",
        "--into",
        "Risk/News",
        "--why",
        "same",
    )
    assert (
        "shortcut '3' of Risk/Never seen an attack passed to Risk/News; 'h' of Exposure/News freed"
    ) in out
    assert _keys(mini)["Risk/News"] == "3"
    _replay_is_live(db_url)


def test_retire_reject_and_split_free_the_shortcut(mini: Runner, db_url: str) -> None:
    _ok(mini, "codebook", "retire", "Training", "--why", "unused")
    assert _keys(mini)["Exposure/Training"] == ""
    retire = [r for r in _history(mini) if r["action"] == "retire"][-1]
    assert json.loads(retire["before"])["shortcut"] == "2"
    assert json.loads(retire["after"])["shortcut"] == ""
    _ok(mini, "codebook", "split", "Exposure/News", "--into", "Press,Talks", "--why", "two")
    assert _keys(mini)["Exposure/News"] == ""
    _ok(mini, "codebook", "add", "Cost", "--by", "bob")
    _ok(mini, "codebook", "edit", "Cost", "--shortcut", "2")  # a proposal holds its key
    taken = mini("codebook", "edit", "Exposure/Press", "--shortcut", "2")
    assert taken.code == 2 and "already the shortcut of 'Cost'" in taken.err
    _ok(mini, "codebook", "reject", "Cost", "--why", "out of scope")
    assert _keys(mini)["Cost"] == ""
    _ok(mini, "codebook", "edit", "Exposure/Press", "--shortcut", "2")
    _replay_is_live(db_url)


def test_check_warns_about_shortcuts_that_cannot_work(mini: Runner, db_url: str) -> None:
    assert "no problems found" in _ok(mini, "check")
    _ok(mini, "codebook", "merge", "Risk/News", "--into", "Exposure/News", "--why", "same")
    _set_shortcuts(
        db_url,
        {"Training": "h", "Never seen an attack": "1", "Risk/News": "?"},  # Risk/News: merged
    )
    result = mini("check")
    assert result.ok, result.err  # warnings do not change the exit status
    warnings = [line for line in result.out.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        "warning: the code 'Exposure/Training' has the shortcut 'h', a command key of the "
        "coding screen (shrink a span selection by a character): the command wins and the "
        "shortcut does nothing; give the code another key with "
        "`qualcode codebook edit CODE --shortcut KEY`",
        "warning: the codes 'Exposure/News' and 'Risk/Never seen an attack' share the shortcut "
        "'1': the key applies only one of them; give the others other keys with "
        "`qualcode codebook edit CODE --shortcut KEY`",
    ]
    assert "checked: 3 code shortcut(s): 2 cannot work as meant (warnings below)" in result.out
    assert "no problems found; 2 warning(s) above" in result.out


def test_the_shipped_codebook_passes_the_check(qc: Runner) -> None:
    root = Path(__file__).resolve().parents[2]
    _ok(qc, "init", "--lead", "alice")
    result = qc("codebook", "import", str(root / "codebooks" / "aml_barriers.yaml"))
    assert result.ok and "not stored" not in result.err
    out = _ok(qc, "check")
    assert "27 code shortcut(s) are distinct and none is a command's key" in out
    assert "warning" not in out


def test_a_shortcut_never_lands_on_a_command_key_whatever_the_path(
    mini: Runner, db_url: str, tmp_path: Path
) -> None:
    """After import, merge-file, edits, merges and retirements, the rule holds."""
    book = tmp_path / "extra.yaml"
    book.write_text(NEW_CODES, encoding="utf-8")
    _ok(mini, "codebook", "import", str(book))
    _conflicts(mini, book)
    mini("codebook", "edit", "Exposure/Podcasts", "--shortcut", "w")
    _ok(mini, "codebook", "merge", "Exposure/Friends", "--into", "Exposure/Podcasts", "--why", "x")
    _ok(mini, "codebook", "retire", "Exposure/Work", "--why", "x")

    from qualcode.services.lookup import CodeIndex
    from qualcode.store.models import Code
    from qualcode.store.project import open_project

    project = open_project(db_url)
    try:
        with project.session() as session:
            assert shortcut_problems(CodeIndex.load(session).code_keys()) == []
            held = session.scalars(select(Code.shortcut).where(Code.shortcut != "")).all()
            assert not set(held) & set(COMMAND_KEYS)
    finally:
        project.close()
    assert _keys(mini)["Exposure/Podcasts"] == "z"
