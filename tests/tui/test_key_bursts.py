"""Every key lands where it was aimed: keys sent in bursts, as a terminal over SSH sends them.

``pilot.press`` waits for the app to go idle after each key, which hides the races a coder
meets; these tests post whole sequences at once (``burst``) and then check the stored
codings exactly, and a property test runs random sequences of moves, applies, removes,
undos and redos against a model of the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.services.coding import export_codings
from qualcode.store.models import Code, Memo
from qualcode.store.project import Project, open_project
from qualcode.tui.app import make_app
from qualcode.tui.screens.code_search import CodeSearchScreen
from qualcode.tui.screens.memo import MemoScreen, UnsavedScreen
from qualcode.tui.screens.new_code import NewCodeScreen
from tests.cli_run import runner_for
from tests.tui.conftest import AppFactory, burst, coding_screen, drain, run, settle

SIZE = (80, 24)  # the terminal a coder over SSH often has
SHORTCUTS = {"1": "Exposure/News", "2": "Training", "3": "Never seen an attack"}
LONG = "L01"


def long_transcript(sentences: int = 60) -> str:
    body = " ".join(f"Sentence number {i} is about attacks." for i in range(1, sentences + 1))
    return f"Interviewer: Tell me about it?\n\n{LONG}: {body}\n"


@pytest.fixture
def long_db(project_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The mini study plus L01: one question and 60 one-sentence segments."""
    folder = tmp_path / "long"
    folder.mkdir()
    (folder / f"{LONG}.txt").write_text(long_transcript(), encoding="utf-8")
    qc = runner_for(project_db, capsys)
    assert qc("import", "--spacy-model", "blank", str(folder)).ok
    return project_db


def stored(project: Project, coder: str, transcript: str | None = None) -> list[tuple[int, str]]:
    """The coder's codings as (segment ordinal, code path), sorted."""
    with project.session() as session:
        rows = export_codings(session)
    return sorted(
        (r[2], r[3]) for r in rows if r[0] == coder and (transcript is None or r[1] == transcript)
    )


def status_text(app: Any) -> str:
    return str(coding_screen(app).query_one("#status").render())


def test_next_apply_bursts_code_consecutive_segments(long_db: str) -> None:
    project = open_project(long_db)

    async def scenario() -> None:
        app = make_app(project, "bob", LONG, use_keymap_file=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            for _ in range(10):
                burst(app, "j", "1", "j", "1")
            await drain(app, pilot)
            assert coding_screen(app).view.cursor == 20

    try:
        run(scenario())
        assert stored(project, "bob", LONG) == [(n, "Exposure/News") for n in range(2, 22)]
    finally:
        project.close()


def test_keys_typed_before_the_screen_has_loaded_wait_for_it(long_db: str) -> None:
    project = open_project(long_db)

    async def scenario() -> None:
        app = make_app(project, "bob", LONG, use_keymap_file=False)
        async with app.run_test(size=SIZE) as pilot:
            burst(app, "j", "j", "2", "j", "3")  # before the first transcript is shown
            await drain(app, pilot)

    try:
        run(scenario())
        assert stored(project, "bob", LONG) == [(3, "Training"), (4, "Never seen an attack")]
    finally:
        project.close()


def test_search_burst_applies_one_code_to_the_segment_it_was_opened_on(
    app_for: AppFactory, project: Project
) -> None:
    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "j", "/", *"never", "enter", "j", "2")
            await drain(app, pilot)

    run(scenario())
    assert stored(project, "carol") == [(2, "Never seen an attack"), (3, "Training")]


def test_search_lists_no_theme_and_enter_on_no_match_offers_a_new_code(
    app_for: AppFactory, project: Project
) -> None:
    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "/")
            await drain(app, pilot)
            search = app.screen
            assert isinstance(search, CodeSearchScreen)
            assert {c.path for c in search.codes} == {
                "Exposure/News",
                "Exposure/Training",
                "Risk/Never seen an attack",
                "Risk/News",
            }  # the themes Exposure and Risk are not codable
            burst(app, *"zebra crossing", "enter")
            await drain(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, NewCodeScreen)
            assert dialog.query_one("#name").value == "zebra crossing"  # type: ignore[attr-defined]
            burst(app, "escape")
            await drain(app, pilot)

    run(scenario())
    assert stored(project, "carol") == []


def test_a_theme_shortcut_applies_nothing_and_says_so(
    app_for: AppFactory, project: Project
) -> None:
    with project.transaction() as session:
        theme = session.query(Code).filter(Code.name == "Risk").one()
        theme.shortcut = "4"

    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "j", "4")
            await drain(app, pilot)
            assert "Risk is a theme" in status_text(app)

    run(scenario())
    assert stored(project, "carol") == []


def test_new_code_dialog_fields_get_what_was_typed_for_them(
    app_for: AppFactory, project: Project
) -> None:
    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "j", "n", *"Conference talks", "enter", *"Heard at a talk", "enter", "j")
            await drain(app, pilot)
            assert coding_screen(app).view.cursor == 2

    run(scenario())
    with project.session() as session:
        code = session.query(Code).filter(Code.name == "Conference talks").one()
        assert code.description == "Heard at a talk"
    assert ("bob", "P01", 2, "Conference talks") in [
        r[:4] for r in export_codings_of(project, "bob")
    ]


def export_codings_of(project: Project, coder: str) -> list[tuple[Any, ...]]:
    with project.session() as session:
        return [r for r in export_codings(session) if r[0] == coder]


def test_apply_then_remove_on_the_same_segment_before_the_database_answers(
    app_for: AppFactory, project: Project
) -> None:
    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "j", "1", "x", "j", "2", "2")  # the second 2 finds it applied
            await drain(app, pilot)
            assert "already applied" in status_text(app)

    run(scenario())
    assert stored(project, "carol") == [(3, "Training")]


def test_undo_and_redo_are_exact_through_a_restored_coding(
    app_for: AppFactory, project: Project
) -> None:
    """Apply, remove, undo the remove, undo the apply, one undo too many; then redo all:
    the restored coding is found again by its identity, not by a row id that changed."""

    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "j", "1", "2", "x", "down", "enter", "u", "u", "u", "u")
            await drain(app, pilot)
            assert "nothing to undo" in status_text(app)
            assert stored(project, "carol") == []
            burst(app, "ctrl+r", "ctrl+r", "ctrl+r")
            await drain(app, pilot)
            assert stored(project, "carol") == [(2, "Exposure/News")]
            burst(app, "u", "ctrl+r", "ctrl+r", "ctrl+r")
            await drain(app, pilot)
            assert "nothing to redo" in status_text(app)

    run(scenario())
    assert stored(project, "carol") == [(2, "Exposure/News")]


def test_undo_of_memo_new_code_and_done(app_for: AppFactory, project: Project) -> None:
    async def scenario() -> None:
        app = app_for("bob", "P02")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "m", *"first thought", "ctrl+s", "d", "n", *"Fresh code", "enter", "enter")
            await drain(app, pilot)
            screen = coding_screen(app)
            assert "done" in screen.sub_title
            burst(app, "u", "u", "u")
            await drain(app, pilot)
            assert "done" not in screen.sub_title

    run(scenario())
    with project.session() as session:
        assert session.query(Memo).count() == 0
        assert session.query(Code).filter(Code.name == "Fresh code").count() == 0
    assert stored(project, "bob", "P02") == []


def test_memo_being_typed_is_never_lost(app_for: AppFactory, project: Project) -> None:
    async def scenario() -> None:
        app = app_for("bob", "P02")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "m", *"half a thought", "escape")
            await drain(app, pilot)
            assert isinstance(app.screen, UnsavedScreen)
            burst(app, "k", *" and the rest", "escape", "s")  # keep editing, then save
            await drain(app, pilot)
            assert not isinstance(app.screen, (MemoScreen, UnsavedScreen))
            burst(app, "j", "m", *"scratch", "escape", "d")  # discard: asked, then nothing
            await drain(app, pilot)
            burst(app, "j", "m", *"typed when quitting", "ctrl+q")
            await drain(app, pilot)
            assert isinstance(app.screen, UnsavedScreen)
            burst(app, "s")
            await drain(app, pilot)
            assert not app.is_running

    run(scenario())
    with project.session() as session:
        assert sorted(m.text for m in session.query(Memo)) == [
            "half a thought and the rest",
            "typed when quitting",
        ]


def test_quitting_right_after_a_burst_stores_every_change(long_db: str) -> None:
    project = open_project(long_db)

    async def scenario() -> None:
        app = make_app(project, "bob", LONG, use_keymap_file=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, *("j", "1") * 15, "q")
            await drain(app, pilot)

    try:
        run(scenario())
        assert stored(project, "bob", LONG) == [(n, "Exposure/News") for n in range(2, 17)]
    finally:
        project.close()


def test_a_click_on_a_code_shows_it_and_a_double_click_applies_it(
    app_for: AppFactory, project: Project
) -> None:
    from qualcode.tui.widgets.codebook_panel import CodeTree

    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(app, pilot)
            screen = coding_screen(app)
            tree = screen.query_one(CodeTree)
            line = next(
                i
                for i in range(tree.last_line + 1)
                if (node := tree.get_node_at_line(i)) is not None
                and node.data is not None
                and screen.codebook.by_id()[node.data].path == "Exposure/Training"
            )
            offset = (8, line - tree.scroll_offset.y)
            await pilot.click(CodeTree, offset=offset)
            await settle(app, pilot)
            assert stored(project, "carol") == []
            definition = str(screen.query_one("#definition-text").render())
            assert "Exposure/Training" in definition
            assert screen.view.has_focus  # j/k go on moving in the transcript
            await pilot.press("j")
            assert screen.view.cursor == 1
            await pilot.click(CodeTree, offset=offset, times=2)
            await settle(app, pilot)
            assert screen.view.has_focus

    run(scenario())
    assert stored(project, "carol") == [(2, "Training")]


def test_a_refused_apply_is_said_on_the_status_line_until_the_next_key(
    app_for: AppFactory, project: Project
) -> None:
    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "x")
            await drain(app, pilot)
            assert "nothing removed" in status_text(app)
            await pilot.pause(0.3)
            assert "nothing removed" in status_text(app)  # not a toast that goes away
            burst(app, "j")
            await drain(app, pilot)
            assert status_text(app) == ""

    run(scenario())


# ---- a property test: random key sequences against a model of the record ------------------


@dataclass
class Model:
    """What the coder's keys must leave in the database (segments as 0-based indexes)."""

    segments: int
    cursor: int = 0
    applied: set[tuple[int, str]] = field(default_factory=set)
    undo: list[tuple[str, int, str]] = field(default_factory=list)
    redo: list[tuple[str, int, str]] = field(default_factory=list)

    def _effect(self, op: tuple[str, int, str], forward: bool) -> None:
        kind, segment, code = op
        if (kind == "apply") == forward:
            self.applied.add((segment, code))
        else:
            self.applied.discard((segment, code))

    def press(self, key: str) -> list[str]:
        """The keys to send for ``key`` (an x on two codes also answers the picker)."""
        if key == "j":
            self.cursor = min(self.segments - 1, self.cursor + 1)
        elif key == "k":
            self.cursor = max(0, self.cursor - 1)
        elif key in SHORTCUTS:
            op = ("apply", self.cursor, SHORTCUTS[key])
            if (self.cursor, op[2]) not in self.applied:
                self._effect(op, True)
                self.undo.append(op)
                self.redo.clear()
        elif key == "x":
            here = sorted(code for seg, code in self.applied if seg == self.cursor)
            if not here:
                return [key]
            # the picker lists the codes by path: Exposure/News, Exposure/Training, Risk/…
            order = {"Exposure/News": 0, "Training": 1, "Never seen an attack": 2}
            first = min(here, key=order.__getitem__)
            op = ("remove", self.cursor, first)
            self._effect(op, True)
            self.undo.append(op)
            self.redo.clear()
            return [key] if len(here) == 1 else [key, "enter"]
        elif key == "u":
            if self.undo:
                op = self.undo.pop()
                self._effect(op, False)
                self.redo.append(op)
        elif key == "ctrl+r" and self.redo:
            op = self.redo.pop()
            self._effect(op, True)
            self.undo.append(op)
        return [key]


KEYS = st.lists(
    st.sampled_from(["j", "j", "k", "1", "2", "3", "1", "x", "u", "u", "ctrl+r"]),
    min_size=5,
    max_size=40,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(keys=KEYS)
def test_random_bursts_leave_exactly_the_record_the_keys_mean(
    long_db: str, keys: list[str]
) -> None:
    project = open_project(long_db)
    try:
        with project.transaction() as session:  # each example starts from no codings
            from qualcode.store.models import Coder, Coding

            carol = session.query(Coder).filter(Coder.name == "carol").first()
            if carol is not None:  # (she is registered when she first opens the TUI)
                session.query(Coding).filter(Coding.coder_id == carol.id).delete()
        model = Model(segments=61)
        sent: list[str] = []
        for key in keys:
            sent.extend(model.press(key))

        async def scenario() -> None:
            app = make_app(project, "carol", LONG, use_keymap_file=False)
            async with app.run_test(size=SIZE) as pilot:
                await settle(app, pilot)
                burst(app, *sent)
                await drain(app, pilot)
                assert coding_screen(app).view.cursor == model.cursor

        run(scenario())
        expected = sorted((segment + 1, code) for segment, code in model.applied)
        expected = [(n, "Exposure/News" if c == "Exposure/News" else c) for n, c in expected]
        assert stored(project, "carol", LONG) == expected, sent
    finally:
        project.close()


def test_a_keymap_that_takes_a_codes_shortcut_is_reported_at_start(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\ncode_search = "slash,2"\n', encoding="utf-8")
    monkeypatch.setenv("QUALCODE_KEYS", str(keys))

    async def scenario() -> None:
        app = make_app(project, "carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            said = status_text(app)
            assert "'Exposure/Training'" in said and "'2'" in said and "Code search" in said
            burst(app, "2")  # the command wins: the search opens, nothing is applied
            await drain(app, pilot)
            assert isinstance(app.screen, CodeSearchScreen)

    run(scenario())
    assert stored(project, "carol") == []
