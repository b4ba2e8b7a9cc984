"""The coding TUI on PostgreSQL: the same app, opened from a postgresql:// location."""

from __future__ import annotations

import pytest

from qualcode.services.coding import export_codings
from qualcode.store.project import open_project
from qualcode.tui.app import make_app
from qualcode.tui.screens.code_search import CodeSearchScreen
from tests.cli_run import runner_for
from tests.tui.conftest import coding_screen, run, settle
from tests.unit.conftest import MINI, MINI_CODEBOOK


@pytest.mark.pg
def test_code_and_undo_on_postgresql(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    qc = runner_for(pg_url, capsys)
    for args in (
        ("init", "--lead", "alice"),
        ("import", "--spacy-model", "blank", str(MINI)),
        ("codebook", "import", str(MINI_CODEBOOK)),
        ("coders", "add", "carol"),
    ):
        assert qc(*args).ok

    async def scenario() -> None:
        app = make_app(pg_url, "carol", "P01", use_keymap_file=False)  # opened in its DB thread
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(app, pilot)
            assert coding_screen(app).content is not None
            await pilot.press("j", "j", "slash")
            assert isinstance(app.screen, CodeSearchScreen)
            await pilot.press(*"never", "enter")
            await settle(app, pilot)
            await pilot.press("d")  # done
            await settle(app, pilot)
        app.db.close()

    run(scenario())
    project = open_project(pg_url)
    try:
        with project.session() as session:
            rows = [r for r in export_codings(session) if r[0] == "carol"]
    finally:
        project.close()
    assert [(r[1], r[2], r[3]) for r in rows] == [("P01", 3, "Never seen an attack")]
    log = qc("log", "--actor", "carol", "--format", "csv").out
    assert ",carol,apply," in log and ",carol,status," in log
