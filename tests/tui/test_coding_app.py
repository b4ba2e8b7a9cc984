"""The coding TUI driven like a coder would, with the real app on a real SQLite file."""

from __future__ import annotations

import asyncio
from typing import Any

from qualcode.services.coding import export_codings
from qualcode.store.models import Code, Memo, Progress
from qualcode.store.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_search import CodeSearchScreen
from qualcode.tui.screens.pick import PickScreen
from tests.tui.conftest import AppFactory, coding_screen, run, settle

SIZE = (140, 40)


def codings(project: Project, coder: str | None = None) -> list[tuple[Any, ...]]:
    with project.session() as session:
        rows = export_codings(session)
    return [r for r in rows if coder is None or r[0] == coder]


def test_opens_a_transcript_and_moves_between_segments(app_for: AppFactory) -> None:
    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = coding_screen(app)
            assert screen.content is not None and screen.content.transcript.name == "P01"
            view = screen.view
            assert view.cursor == 0
            await pilot.press("j", "j", "down")
            assert view.cursor == 3
            await pilot.press("k")
            assert view.cursor == 2
            assert view.current is not None and view.current.ordinal == 3
            assert "bob" in screen.sub_title and "blind" in screen.sub_title

    run(scenario())


def test_search_apply_remove_and_undo(app_for: AppFactory, project: Project) -> None:
    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("j", "j")  # segment 3
            await pilot.press("slash")
            assert isinstance(app.screen, CodeSearchScreen)
            await pilot.press(*"never", "enter")
            await settle(app, pilot)
            mine = codings(project, "carol")
            assert [(r[2], r[3]) for r in mine] == [(3, "Never seen an attack")]
            await pilot.press("x")
            await settle(app, pilot)
            assert codings(project, "carol") == []
            await pilot.press("u")
            await settle(app, pilot)
            assert [(r[2], r[3]) for r in codings(project, "carol")] == [
                (3, "Never seen an attack")
            ]
            await pilot.press("u")  # undo the apply too
            await settle(app, pilot)
            assert codings(project, "carol") == []

    run(scenario())


def test_shortcut_keys_apply_and_x_asks_which_code(app_for: AppFactory, project: Project) -> None:
    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("j", "j", "1", "2")  # shortcuts of Exposure/News and Training
            await settle(app, pilot)
            assert sorted(r[3] for r in codings(project, "carol")) == ["Exposure/News", "Training"]
            await pilot.press("x")
            assert isinstance(app.screen, PickScreen)
            await pilot.press("down", "enter")
            await settle(app, pilot)
            assert len(codings(project, "carol")) == 1

    run(scenario())


def test_sub_span_selection_codes_only_the_span(app_for: AppFactory, project: Project) -> None:
    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("j", "j", "v", "w", "w", "3")
            await settle(app, pilot)
            (row,) = codings(project, "carol")
            segment_text = "Honestly, I read about it in a blog post."
            assert row[2] == 3 and row[6] != segment_text and segment_text.startswith(row[6])

    run(scenario())


def test_new_code_by_a_coder_is_a_proposal(app_for: AppFactory, project: Project) -> None:
    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("j", "n")
            await pilot.press(*"Conference talks", "enter", *"Heard at a talk", "enter")
            await settle(app, pilot)
        with project.session() as session:
            code = session.query(Code).filter(Code.name == "Conference talks").one()
            assert code.status == "proposed" and code.kind == "inductive"
        assert ("bob", "P01", 2, "Conference talks") in [r[:4] for r in codings(project)]

    run(scenario())


def test_memo_and_done(app_for: AppFactory, project: Project) -> None:
    async def scenario() -> None:
        app = app_for("bob", "P02")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("j", "m")
            await pilot.press(*"check with alice")
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            await pilot.press("d")
            await settle(app, pilot)
            assert "done" in coding_screen(app).sub_title
        with project.session() as session:
            assert [m.text for m in session.query(Memo)] == ["check with alice"]
            assert {p.status for p in session.query(Progress)} >= {"done"}

    run(scenario())


def test_blind_by_default_and_the_lead_sees_everyone(app_for: AppFactory) -> None:
    async def scenario() -> None:
        bob = app_for("bob", "P01")
        async with bob.run_test(size=SIZE) as pilot:
            await settle(bob, pilot)
            screen = coding_screen(bob)
            assert {c.coder for c in screen.codings} == {"bob"}
            await pilot.press("A")
            await settle(bob, pilot)
            assert {c.coder for c in screen.codings} == {"bob"}  # a coder cannot unblind
        lead = app_for("alice", "P01")
        async with lead.run_test(size=SIZE) as pilot:
            await settle(lead, pilot)
            screen = coding_screen(lead)
            assert {c.coder for c in screen.codings} == {"alice"}
            await pilot.press("A")
            await settle(lead, pilot)
            assert {c.coder for c in screen.codings} == {"alice", "bob"}

    run(scenario())


def test_two_coders_write_at_once_and_nothing_is_lost(
    app_for: AppFactory, project: Project
) -> None:
    async def code_all(app: QualcodeApp, key: str) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            for _ in range(8):
                await pilot.press(key, "j")
            await settle(app, pilot)

    async def scenario() -> None:
        await asyncio.gather(
            code_all(app_for("carol", "P01"), "1"), code_all(app_for("dana", "P01"), "2")
        )

    run(scenario())
    assert len(codings(project, "carol")) == 8
    assert len(codings(project, "dana")) == 8


def test_transcript_navigation_and_help(app_for: AppFactory) -> None:
    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("right_square_bracket")
            await settle(app, pilot)
            screen = coding_screen(app)
            assert screen.content is not None and screen.content.transcript.name == "P02"
            await pilot.press("question_mark")
            await pilot.pause()
            assert type(app.screen).__name__ == "HelpScreen"
            await pilot.press("escape")
            await pilot.press("q")

    run(scenario())
