"""`T`: the theme frequency screen shows the numbers of `qualcode export themes`.

The mini study (tests/data/mini): alice (lead) coded P01 and P02, bob P01; nobody marked a
transcript done, so each coder counts in the transcripts they coded.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.themes_screen import ThemesScreen
from tests.cli_run import runner_for
from tests.tui.conftest import AppFactory, run, settle

SIZE = (120, 40)


def cli_rows(db: str, capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[Any, ...]]:
    """``export themes --format csv`` as typed tuples, to compare with the screen's rows."""
    result = runner_for(db, capsys)("export", "themes", "--format", "csv", *args)
    assert result.ok, result.err
    rows = list(csv.reader(io.StringIO(result.out)))[1:]
    typed = []
    for row in rows:
        *text, participants, total, pct, segments = row
        typed.append((*text, int(participants), int(total), float(pct), int(segments)))
    return typed


def themes(app: QualcodeApp) -> ThemesScreen:
    screen = app.screen
    assert isinstance(screen, ThemesScreen)
    assert screen.table is not None
    return screen


def records(app: QualcodeApp) -> list[tuple[Any, ...]]:
    table = themes(app).table
    assert table is not None
    return table.records()


def chart_text(app: QualcodeApp) -> list[str]:
    lines = []
    for chart in themes(app).charts:
        lines += ["".join(s.text for s in chart.render_line(y)) for y in range(chart.size.height)]
    return lines


def test_the_lead_sees_the_export_numbers_and_switches_attribute(
    app_for: AppFactory, project_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = cli_rows(project_db, capsys)
    by_role = cli_rows(project_db, capsys, "--by", "role")
    by_size = cli_rows(project_db, capsys, "--by", "company_size")
    own = cli_rows(project_db, capsys, "--coders", "alice", "--level", "theme")
    assert expected[0] == ("Exposure", "", 2, 2, 100.0, 4)

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("T")
            await settle(app, pilot)
            screen = themes(app)
            assert records(app) == expected
            assert "alice, bob (rule any)" in screen.sub_title
            assert len(screen.charts) == 1
            items = screen.charts[0].items
            assert [(i.label, i.value, i.note) for i in items[:2]] == [
                ("Exposure", 2, "100.0%  4 seg"),
                ("  News", 2, "100.0%  2 seg"),
            ]
            lines = chart_text(app)
            assert len(lines) == 6
            assert "Exposure" in lines[0] and "█" in lines[0]
            assert "█" not in lines[5]  # Risk/News: nobody
            # the bars are a share of the participants: 1 of 2 is half of 2 of 2
            assert abs(lines[3].count("█") * 2 - lines[0].count("█")) <= 1

            await pilot.press("b")
            await settle(app, pilot)
            assert themes(app).by == "role"
            assert records(app) == by_role
            assert len(themes(app).charts) == 2
            headings = [str(h.render()) for h in app.screen.query(".themes-heading")]
            assert headings == [
                "role = ML engineer  1 participant(s)",
                "role = team lead  1 participant(s)",
            ]
            await pilot.press("b")
            await settle(app, pilot)
            assert themes(app).by == "company_size"
            assert records(app) == by_size
            await pilot.press("b")
            await settle(app, pilot)
            assert themes(app).by is None
            assert records(app) == expected

            await pilot.press("l")  # themes only
            await pilot.press("A")  # the lead's own codings
            await settle(app, pilot)
            assert records(app) == own
            assert themes(app).sub_title.endswith("· alice")
            await pilot.press("escape")
            assert isinstance(app.screen, CodingScreen)

    run(scenario())


def test_a_coder_sees_only_their_own_codings(
    app_for: AppFactory, project_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = cli_rows(project_db, capsys, "--coders", "bob")
    assert expected[0] == ("Exposure", "", 1, 1, 100.0, 2)

    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("T")
            await settle(app, pilot)
            screen = themes(app)
            assert screen.table is not None
            assert screen.table.selection.coders == ("bob",)
            assert records(app) == expected
            await pilot.press("A")  # blind coding: not for bob
            await settle(app, pilot)
            assert not themes(app).show_all
            assert records(app) == expected
            await pilot.press("escape")
            assert isinstance(app.screen, CodingScreen)

    run(scenario())
