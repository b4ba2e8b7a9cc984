"""`K`: the agreement table, the disagreements on a code and the lead's consensus keys."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import select
from textual.widgets import DataTable

from qualcode.services.agreement import AgreementRow
from qualcode.services.lookup import CONSENSUS
from qualcode.store.models import Code, Coder, Coding, ConsensusDecision, Segment, Transcript
from qualcode.store.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.agreement_screen import AgreementScreen
from qualcode.tui.screens.code_picker import CodePickerScreen
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.pick import PickScreen
from qualcode.tui.widgets.agreement_render import sort_rows
from tests.cli_run import runner_for
from tests.tui.conftest import AppFactory, run, settle
from tests.tui.test_snapshots import SIZE as SNAPSHOT_SIZE
from tests.tui.test_snapshots import check

SIZE = (140, 45)
CODES = ["Exposure/News", "Exposure/Training", "Risk/Never seen an attack", "Risk/News"]


@pytest.fixture
def finished(project_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """alice and bob finished P01 and P02. They disagree on P01 segment 6 (Training: bob),
    P01 9 (Never seen an attack: alice), P02 6 (Training: alice) and P02 7 (News: alice)."""
    qc = runner_for(project_db, capsys)
    assert qc("done", "--coder", "alice", "P01", "P02").ok
    assert qc("done", "--coder", "bob", "P01", "P02").ok


def agreement(app: QualcodeApp) -> AgreementScreen:
    screen = app.screen
    assert isinstance(screen, AgreementScreen)
    return screen


def row_keys(screen: AgreementScreen) -> list[str]:
    return [str(row.key.value) for row in screen.table.ordered_rows]


def listed(screen: AgreementScreen) -> list[str]:
    """Each disagreement of the list as plain text."""
    out = []
    options = screen.review_list
    for index in range(options.option_count):
        console = Console(width=130, record=True, color_system=None)
        console.print(options.get_option_at_index(index).prompt)
        out.append(console.export_text())
    return out


def notes(app: QualcodeApp) -> list[str]:
    return [n.message for n in app._notifications]


async def open_agreement(app: QualcodeApp, pilot: Any) -> AgreementScreen:
    await settle(app, pilot)
    await pilot.press("K")
    await settle(app, pilot)
    return agreement(app)


async def review(app: QualcodeApp, pilot: Any, code: str) -> AgreementScreen:
    """Enter on a code's row: its disagreements are listed."""
    screen = agreement(app)
    screen.table.focus()
    screen.table.move_cursor(row=screen.table.get_row_index(code))
    await pilot.press("enter")
    await settle(app, pilot)
    assert screen.review is not None and screen.review.code == code
    return screen


def decisions(project: Project) -> dict[tuple[str, int], tuple[str, list[str]]]:
    """(transcript, segment) -> (how, the consensus codes' names)."""
    with project.session() as session:
        found: dict[tuple[str, int], tuple[str, list[str]]] = {}
        for decision, transcript, ordinal in session.execute(
            select(ConsensusDecision, Transcript.name, Segment.ordinal)
            .join(Transcript, ConsensusDecision.transcript_id == Transcript.id)
            .join(Segment, ConsensusDecision.segment_id == Segment.id)
        ):
            names = session.scalars(
                select(Code.name)
                .join(Coding, Coding.code_id == Code.id)
                .join(Coder, Coding.coder_id == Coder.id)
                .where(Coder.name == CONSENSUS, Coding.segment_id == decision.segment_id)
                .order_by(Code.name)
            ).all()
            found[(transcript, ordinal)] = (decision.how, list(names))
        return found


def test_K_opens_the_table_sorted_worst_first_with_the_ALL_rows(
    app_for: AppFactory, finished: None
) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_agreement(app, pilot)
            assert screen.report is not None and screen.report.coders == ["alice", "bob"]
            keys = row_keys(screen)
            assert sorted(keys[:-2]) == sorted(CODES)
            assert keys[-2:] == ["ALL (mean)", "ALL (pooled)"]
            alphas = [r.alpha for r in sort_rows(screen.report.rows, "alpha") if not r.overall]
            defined = [a for a in alphas if a is not None]
            assert defined == sorted(defined)
            header = [str(c.label) for c in screen.table.columns.values()]
            assert header[:4] == ["code", "units", "alpha ▲", "% agree"]
            assert "rating" in header
            rating = screen.table.get_cell(keys[0], "rating")
            assert rating.plain in ("unreliable", "tentative", "reliable", "undefined")
            assert "sorted by alpha, worst first" in str(
                screen.query_one("#agreement-summary").render()
            )
            assert "alice (lead)" in str(screen.sub_title)
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, CodingScreen)

    run(scenario())


def test_s_r_and_a_click_on_a_heading_sort_the_table(app_for: AppFactory, finished: None) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_agreement(app, pilot)
            screen.table.move_cursor(row=screen.table.get_row_index("Risk/News"))
            await pilot.press("s")  # next column: % agreement, worst first
            assert screen.sort_key == "agree"
            report = screen.report
            assert report is not None
            expected = [r.code for r in sort_rows(report.rows, "agree")]
            assert row_keys(screen) == expected
            agree = [r.percent_agreement or 0 for r in sort_rows(report.rows, "agree")[:-2]]
            assert agree == sorted(agree)
            await pilot.press("r")
            assert row_keys(screen) == [r.code for r in sort_rows(report.rows, "agree", True)]
            assert row_keys(screen)[-2:] == ["ALL (mean)", "ALL (pooled)"]  # always last
            assert screen._highlighted_code() == "Risk/News"  # the cursor stays on its code
            # a click on the heading "code": codebook order; a second click reverses it
            table = screen.table
            x = 2
            await pilot.click(DataTable, offset=(x, 0))
            assert screen.sort_key == "code" and not screen.sort_reverse
            assert row_keys(screen)[:-2] == CODES
            await pilot.click(DataTable, offset=(x, 0))
            assert screen.sort_reverse and row_keys(screen)[:-2] == CODES[::-1]
            units_x = table.ordered_columns[0].get_render_width(table) + 2
            await pilot.click(DataTable, offset=(units_x, 0))
            assert screen.sort_key == "units"

    run(scenario())


def test_sort_rows_puts_undefined_values_last_and_the_ALL_rows_at_the_end() -> None:
    rows = [
        AgreementRow("T/a", 10, 0.9, coded_units=3),
        AgreementRow("T/b", 10, None, coded_units=0),
        AgreementRow("T/c", 10, 0.2, coded_units=5),
        AgreementRow("ALL (mean)", 10, 0.55, overall=True),
    ]
    assert [r.code for r in sort_rows(rows, "alpha")] == ["T/c", "T/a", "T/b", "ALL (mean)"]
    assert [r.code for r in sort_rows(rows, "alpha", True)] == ["T/a", "T/c", "T/b", "ALL (mean)"]
    assert [r.code for r in sort_rows(rows, "coded")][:3] == ["T/c", "T/a", "T/b"]  # most first
    assert [r.code for r in sort_rows(rows, "code", True)][:3] == ["T/c", "T/b", "T/a"]


def test_enter_lists_the_disagreements_with_every_coders_codes(
    app_for: AppFactory, finished: None
) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await open_agreement(app, pilot)
            screen = await review(app, pilot, "Exposure/Training")
            assert screen.review is not None and screen.review.coders == ("alice", "bob")
            assert screen.review_list.has_focus
            items = screen.review.items
            assert [(i.transcript, i.ordinal) for i in items] == [("P01", 6), ("P02", 6)]
            assert dict(items[0].codes_by_coder) == {"alice": (), "bob": ("Exposure/Training",)}
            assert dict(items[1].codes_by_coder) == {"alice": ("Exposure/Training",), "bob": ()}
            first, second = listed(screen)
            assert "P01 · segment 6" in first and "1 alice" in first and "2 bob" in first
            assert "• Training" in first and "no code" in first and "to decide" in first
            assert "P02 · segment 6" in second
            title = str(screen.query_one("#review-title").render())
            assert "2 segment(s) where the coders disagree, 2 to decide" in title
            assert screen.review_list.highlighted == 0
            await pilot.press("escape")  # back up to the table, then to coding
            assert screen.table.has_focus and app.screen is screen
            await pilot.press("escape")
            assert isinstance(app.screen, CodingScreen)

    run(scenario())


def test_1_takes_coder_1s_codes_and_the_cursor_moves_to_the_next_to_decide(
    app_for: AppFactory, project: Project, finished: None
) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await open_agreement(app, pilot)
            screen = await review(app, pilot, "Exposure/Training")
            await pilot.press("1")  # alice: no code on P01 segment 6
            await settle(app, pilot)
            assert decisions(project) == {("P01", 6): ("coder:alice", [])}
            assert screen.review is not None and screen.review.items[0].is_decided
            assert screen.review_list.highlighted == 1  # P02 segment 6, still to decide
            assert "✓ P01 · segment 6" in listed(screen)[0]
            await pilot.press("2")  # bob: no code either
            await settle(app, pilot)
            await review(app, pilot, "Risk/Never seen an attack")
            await pilot.press("1")  # alice applied it
            await settle(app, pilot)
            assert decisions(project) == {
                ("P01", 6): ("coder:alice", []),
                ("P02", 6): ("coder:bob", []),
                ("P01", 9): ("coder:alice", ["Never seen an attack"]),
            }
            text = listed(screen)[0]
            assert "alice's codes" in text and "• Never seen an attack" in text
            assert any("every disagreement on" in n for n in notes(app))

    run(scenario())


def test_u_union_n_no_code_and_a_number_without_a_coder(
    app_for: AppFactory, project: Project, finished: None
) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await open_agreement(app, pilot)
            screen = await review(app, pilot, "Exposure/Training")
            await pilot.press("u")
            await settle(app, pilot)
            assert decisions(project)[("P01", 6)] == ("union", ["Training"])
            await pilot.press("n")  # the cursor moved on to P02 segment 6
            await settle(app, pilot)
            assert decisions(project)[("P02", 6)] == ("edit", [])
            await pilot.press("3")
            await settle(app, pilot)
            assert "no coder 3: the coders are 1 alice, 2 bob" in notes(app)
            assert len(decisions(project)) == 2
            assert screen.review is not None and screen.review.undecided == 0

    run(scenario())


def test_a_coder_who_did_not_finish_the_transcript_is_not_compared_there(
    app_for: AppFactory,
    project: Project,
    project_db: str,
    capsys: pytest.CaptureFixture[str],
    finished: None,
) -> None:
    qc = runner_for(project_db, capsys)
    assert qc("apply", "--coder", "carol", "--transcript", "P01", "--segment", "6",
              "--code", "Training").ok  # fmt: skip
    assert qc("done", "--coder", "carol", "P01").ok

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await open_agreement(app, pilot)
            screen = await review(app, pilot, "Exposure/Training")
            assert screen.review is not None and screen.review.coders == ("alice", "bob", "carol")
            assert "3 carol" in listed(screen)[1] and "did not finish" in listed(screen)[1]
            await pilot.press("down", "3")
            await settle(app, pilot)
            assert "carol did not finish P02: their codes are not compared" in notes(app)
            assert decisions(project) == {}
            await pilot.press("up", "3")
            await settle(app, pilot)
            assert decisions(project) == {("P01", 6): ("coder:carol", ["Training"])}

    run(scenario())


def test_e_chooses_the_codes_with_the_coders_ones_checked(
    app_for: AppFactory, project: Project, finished: None
) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await open_agreement(app, pilot)
            await review(app, pilot, "Exposure/Training")
            await pilot.press("e")
            await settle(app, pilot)
            picker = app.screen
            assert isinstance(picker, CodePickerScreen)
            assert picker.checked == {"Exposure/Training"}  # bob's code, pre-checked
            assert picker.checklist.selected == ["Exposure/Training"]
            await pilot.press("slash", *"never", "enter")  # filter
            await pilot.pause()
            await pilot.press("space")  # check the one left
            assert picker.checked == {"Exposure/Training", "Risk/Never seen an attack"}
            await pilot.press("enter")
            await settle(app, pilot)
            assert decisions(project) == {
                ("P01", 6): ("edit", ["Never seen an attack", "Training"])
            }
            assert isinstance(app.screen, AgreementScreen)
            await pilot.press("up", "e")  # a decided segment: its consensus is pre-checked
            await settle(app, pilot)
            again = app.screen
            assert isinstance(again, CodePickerScreen)
            assert again.checked == {"Exposure/Training", "Risk/Never seen an attack"}
            await pilot.press("escape")  # cancelled: nothing changes
            await settle(app, pilot)
            assert len(decisions(project)) == 1

    run(scenario())


def test_a_records_the_consensus_where_all_agree_after_a_confirm(
    app_for: AppFactory, project: Project, finished: None
) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await open_agreement(app, pilot)
            await pilot.press("a")
            assert isinstance(app.screen, PickScreen)
            await pilot.press("down", "enter")  # No
            await settle(app, pilot)
            assert decisions(project) == {}
            await pilot.press("a", "enter")  # Yes
            await settle(app, pilot)
            assert decisions(project) == {("P01", 3): ("auto:all", ["News"])}
            assert any(n.startswith("consensus where all agree: 1 segment(s)") for n in notes(app))

    run(scenario())


def test_a_coder_sees_only_the_overall_figures_until_the_lead_opens_them(
    app_for: AppFactory, project_db: str, finished: None, capsys: pytest.CaptureFixture[str]
) -> None:
    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_agreement(app, pilot)
            assert sorted(row_keys(screen)) == ["ALL (mean)", "ALL (pooled)"]
            summary = str(screen.query_one("#agreement-summary").render())
            assert "per-code figures are for the lead" in summary

    run(scenario())
    qc = runner_for(project_db, capsys)
    refused = qc("agreement", "--open-to-coders", "on", as_="bob")
    assert refused.code == 2 and "needs the lead role" in refused.err
    opened = qc("agreement", "--open-to-coders", "on")
    assert opened.ok and "open to coders" in opened.out


def test_a_coder_sees_the_figures_but_no_other_coders_codes(
    app_for: AppFactory,
    project: Project,
    finished: None,
    capsys: pytest.CaptureFixture[str],
    project_db: str,
) -> None:
    assert runner_for(project_db, capsys)("agreement", "--open-to-coders", "on").ok

    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_agreement(app, pilot)
            assert sorted(row_keys(screen)[:-2]) == sorted(CODES)  # the figures, once opened
            assert "Blind coding" in str(screen.query_one("#review-title").render())
            screen.table.move_cursor(row=screen.table.get_row_index("Exposure/Training"))
            await pilot.press("enter")
            await settle(app, pilot)
            assert screen.review is None and screen.review_list.option_count == 0
            assert not screen.review_list.display
            for key in ("1", "2", "u", "n", "e", "a"):
                await pilot.press(key)
                await settle(app, pilot)
                assert app.screen is screen, key  # no prompt opened
            messages = notes(app)
            assert any(m.startswith("Blind coding") for m in messages)
            assert sum("needs the lead role" in m for m in messages) == 6
            assert decisions(project) == {}

    run(scenario())


def test_with_nothing_finished_the_screen_says_why(app_for: AppFactory) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_agreement(app, pilot)
            assert screen.report is None and not screen.table.loading
            summary = str(screen.query_one("#agreement-summary").render())
            assert "at least two coders with transcripts marked done" in summary

    run(scenario())


def test_the_command_palette_opens_it(app_for: AppFactory, finished: None) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            commands = {c.title: c for c in app.get_system_commands(app.screen)}
            commands["Agreement and consensus"].callback()
            await settle(app, pilot)
            assert isinstance(app.screen, AgreementScreen)

    run(scenario())


def test_snapshot_of_the_agreement_screen(app_for: AppFactory, finished: None) -> None:
    svg: list[str] = []

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
            await open_agreement(app, pilot)
            await review(app, pilot, "Exposure/Training")
            svg.append(app.export_screenshot())

    run(scenario())
    check("agreement_screen", svg[0])
