"""The codebook screen driven like the lead (and a coder) would, on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import select
from textual.widgets import Input, Static, Tree

from qualcode.services.codebook_changes import split_code
from qualcode.store.models import Code, CodebookEvent
from qualcode.store.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_search import CodeSearchScreen
from qualcode.tui.screens.codebook_screen import CodebookScreen
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.pick import PickScreen
from qualcode.tui.screens.rationale import RationaleScreen
from tests.cli_run import runner_for
from tests.tui.conftest import AppFactory, coding_screen, run, settle
from tests.tui.test_snapshots import SIZE as SNAPSHOT_SIZE
from tests.tui.test_snapshots import check

SIZE = (140, 40)


@pytest.fixture
def proposal(project_db: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Bob's proposal, added through the CLI."""
    qc = runner_for(project_db, capsys)
    assert qc("codebook", "add", "Podcasts", "--parent", "Exposure", "--by", "bob").ok
    return "Exposure/Podcasts"


def codebook(app: QualcodeApp) -> CodebookScreen:
    screen = app.screen
    assert isinstance(screen, CodebookScreen)
    return screen


def detail_text(screen: CodebookScreen) -> str:
    console = Console(width=100, record=True, color_system=None)
    console.print(screen.query_one("#detail-text", Static).content)
    return console.export_text()


def statuses(project: Project) -> dict[str, str]:
    with project.session() as session:
        return {c.name: c.status for c in session.scalars(select(Code))}


def notes(app: QualcodeApp) -> list[str]:
    return [n.message for n in app._notifications]


async def open_codebook(app: QualcodeApp, pilot: Any) -> CodebookScreen:
    await settle(app, pilot)
    await pilot.press("C")
    await settle(app, pilot)
    return codebook(app)


async def highlight(app: QualcodeApp, pilot: Any, path: str) -> None:
    """Move the tree's cursor to the code with that path."""
    screen = codebook(app)
    assert screen.view is not None
    target = next(c.id for c in screen.view.codes if c.path == path)
    for _ in range(len(screen.view.codes)):
        if screen.current_id == target:
            break
        await pilot.press("down")
    await settle(app, pilot)
    assert screen.current_id == target, path


async def answer(app: QualcodeApp, pilot: Any, *values: str) -> None:
    """Fill the prompt's fields in order (replacing what they hold) and save."""
    assert isinstance(app.screen, RationaleScreen)
    for value in values:
        field = app.screen.focused
        assert isinstance(field, Input)
        field.value = value
        await pilot.press("enter")
    await settle(app, pilot)


def test_opens_with_C_shows_the_tree_the_definition_and_history(app_for: AppFactory) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_codebook(app, pilot)
            tree = screen.code_tree
            themes = [str(node.label) for node in tree.root.children]
            assert [t.split()[1] for t in themes] == ["Exposure", "Risk"]
            codes = [str(n.label) for n in tree.root.children[0].children]
            assert codes[0].startswith("▌ News 3")  # alice's two and bob's one (lead: everyone's)
            await highlight(app, pilot, "Exposure/News")
            text = detail_text(screen)
            assert "Exposure/News" in text
            assert "Use when: Mentions articles, conference talks, podcasts." in text
            assert "History" in text and "create" in text and "imported from codebook" in text
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, CodingScreen)

    run(scenario())


def test_lead_accepts_a_proposal_from_the_queue(
    app_for: AppFactory, project: Project, proposal: str
) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_codebook(app, pilot)
            await pilot.press("p")
            await settle(app, pilot)
            assert screen.showing_proposals and screen.proposals.row_count == 1
            row = screen.proposals.get_row_at(0)
            assert row[:4] == ["Podcasts", "Exposure", "bob", "0"]
            assert screen.current is not None and screen.current.path == proposal
            assert "proposed by bob" in detail_text(screen)
            await pilot.press("a")
            await answer(app, pilot, "")  # the reason is optional for an accept
            assert statuses(project)["Podcasts"] == "active"
            assert screen.proposals.row_count == 0
            assert f"accepted {proposal}" in notes(app)

    run(scenario())


def test_lead_rejects_with_a_reason_and_an_empty_reason_is_refused(
    app_for: AppFactory, project: Project, proposal: str
) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await open_codebook(app, pilot)
            await pilot.press("p")
            await settle(app, pilot)
            await pilot.press("r")
            await answer(app, pilot, "")
            prompt = app.screen
            assert isinstance(prompt, RationaleScreen)  # still open: a reason is required
            assert "Give the reason" in str(prompt.query_one("#problem").render())
            await answer(app, pilot, "covered by News")
            assert statuses(project)["Podcasts"] == "retired"
            with project.session() as session:
                event = session.scalars(
                    select(CodebookEvent).order_by(CodebookEvent.seq.desc())
                ).first()
                assert event is not None
                assert (event.action, event.rationale) == ("reject", "covered by News")

    run(scenario())


def test_rename_needs_a_reason_and_the_coding_screen_shows_the_new_name(
    app_for: AppFactory, project: Project
) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_codebook(app, pilot)
            await highlight(app, pilot, "Exposure/Training")
            await pilot.press("R")
            await answer(app, pilot, "Courses", "")  # no reason: refused, nothing changed
            assert isinstance(app.screen, RationaleScreen)
            await pilot.press("escape")
            await settle(app, pilot)
            assert statuses(project).get("Training") == "active"
            assert "Courses" not in statuses(project)
            await pilot.press("R")
            await answer(app, pilot, "Courses", "formal courses only")
            assert "Courses" in statuses(project) and "Training" not in statuses(project)
            assert screen.current is not None and screen.current.path == "Exposure/Courses"
            text = detail_text(screen)
            assert "rename" in text and "Training → Courses" in text
            assert "formal courses only" in text
            await pilot.press("escape")
            await settle(app, pilot)
            coding = coding_screen(app)
            assert app.screen is coding
            assert "Exposure/Courses" in [c.path for c in coding.codebook.codes]
            exposure = coding.query_one("#code-tree", Tree).root.children[0]
            panel = [str(node.label) for node in exposure.children]
            assert any("Courses" in label for label in panel)

    run(scenario())


def test_merge_picks_the_target_and_moves_the_codings(
    app_for: AppFactory, project: Project
) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_codebook(app, pilot)
            await highlight(app, pilot, "Exposure/Training")
            await pilot.press("g")
            assert isinstance(app.screen, CodeSearchScreen)
            await pilot.press(*"Exposure/News", "enter")
            await answer(app, pilot, "one exposure code is enough")
            assert statuses(project)["Training"] == "merged"
            assert screen.current is not None and screen.current.status == "merged"
            node = screen.code_tree.cursor_node
            assert node is not None and "merged → Exposure/News" in str(node.label)
            assert any(n.startswith("merged Exposure/Training into") for n in notes(app))

    run(scenario())


def test_split_then_the_codings_to_recode_are_listed(app_for: AppFactory, project: Project) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_codebook(app, pilot)
            await highlight(app, pilot, "Exposure/News")
            await pilot.press("s")
            await answer(app, pilot, "Press, Talks", "news and talks differ")
            assert statuses(project)["Press"] == "active"
            text = detail_text(screen)
            assert "Split into Exposure/Press, Exposure/Talks" in text
            assert "Codings to recode (3)" in text
            assert "P01" in text and "P02" in text and "bob" in text

    run(scenario())


def test_a_coder_sees_the_codebook_but_cannot_change_it(
    app_for: AppFactory, project: Project, proposal: str
) -> None:
    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_codebook(app, pilot)
            assert "read only" in screen.sub_title
            await highlight(app, pilot, "Exposure/News")
            assert "1 coding" in detail_text(screen)  # bob's own only: blind coding
            before = statuses(project)
            for key in ("a", "r", "R", "M", "g", "s", "t", "e"):
                await pilot.press(key)
                await settle(app, pilot)
                assert isinstance(app.screen, CodebookScreen), key  # no prompt opened
            assert statuses(project) == before
            messages = notes(app)
            assert messages and all("needs the lead role" in m for m in messages)

    run(scenario())


def test_a_coder_sees_only_their_own_codings_to_recode(
    app_for: AppFactory, project: Project
) -> None:
    with project.transaction() as session:
        split_code(session, "alice", "Exposure/News", ["Press", "Talks"], "they differ")

    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_codebook(app, pilot)
            await highlight(app, pilot, "Exposure/News")
            text = detail_text(screen)
            recode = text.split("Codings to recode (1)")[1]
            assert "bob" in recode and "alice" not in recode

    run(scenario())


def test_move_and_edit(app_for: AppFactory, project: Project) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await open_codebook(app, pilot)
            await highlight(app, pilot, "Exposure/Training")
            await pilot.press("M")
            assert isinstance(app.screen, PickScreen)
            await pilot.press("down", "down", "down")  # top level, Exposure, News, Risk
            await pilot.press("enter")
            await answer(app, pilot, "training is about risk")
            await pilot.press("e")
            await answer(app, pilot, "Formal courses.", "", "", "", "")
        with project.session() as session:
            code = session.scalars(select(Code).where(Code.name == "Training")).one()
            parent = session.get(Code, code.parent_id)
            assert parent is not None and parent.name == "Risk"
            assert code.description == "Formal courses."

    run(scenario())


def test_snapshot_of_the_codebook_screen(
    app_for: AppFactory, project: Project, proposal: str
) -> None:
    with project.transaction() as session:  # fixed times: the picture must not change
        for event in session.scalars(select(CodebookEvent)):
            event.at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    svg: list[str] = []

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
            await open_codebook(app, pilot)
            await highlight(app, pilot, "Exposure/News")
            svg.append(app.export_screenshot())

    run(scenario())
    check("codebook_screen", svg[0])
