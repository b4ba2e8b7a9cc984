"""Several people on one project: changes appear, failures become notifications, keys remap."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.store.models import Code, Coding
from qualcode.store.project import Project
from qualcode.tui.app import make_app
from tests.tui.conftest import AppFactory, coding_screen, run, settle

SIZE = (140, 40)


def test_codebook_changes_by_others_appear_without_a_restart(
    app_for: AppFactory, project: Project
) -> None:
    from qualcode.services import workspace

    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = coding_screen(app)
            assert "Insider threat" not in {c.name for c in screen.codebook.codes}
            with project.transaction() as session:  # the lead adds a code elsewhere
                lead = workspace.coder_info(session, "alice")
                workspace.create_code(session, lead.id, "Insider threat", None, "")
            screen._poll()
            await settle(app, pilot)
            assert "Insider threat" in {c.name for c in screen.codebook.codes}

    run(scenario())


def test_a_vanished_code_is_a_notification_not_a_crash(
    app_for: AppFactory, project: Project
) -> None:
    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            with project.transaction() as session:
                code = session.query(Code).filter(Code.name == "Training").one()
                session.query(Coding).filter(Coding.code_id == code.id).delete()
                session.delete(code)
            await pilot.press("j", "2")  # Training's shortcut, from the stale codebook
            await settle(app, pilot)
            messages = [n.message for n in app._notifications]
            assert any("no longer exists" in m for m in messages), messages
            assert app.is_running

    run(scenario())


def test_keys_can_be_remapped_in_a_config_file(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\ncode_search = "f"\nnext_segment = "n,j"\n', encoding="utf-8")
    monkeypatch.setenv("QUALCODE_KEYS", str(keys))

    async def scenario() -> None:
        app = make_app(project, "bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("j")
            assert coding_screen(app).view.cursor == 1
            await pilot.press("f")
            assert type(app.screen).__name__ == "CodeSearchScreen"

    run(scenario())


def test_command_palette_offers_filters_and_transcripts(app_for: AppFactory) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = coding_screen(app)
            commands = {c.title: c for c in app.get_system_commands(app.screen)}
            assert "Open transcript P02" in commands
            assert "Show uncoded segments" in commands
            commands["Filter segments by code: Exposure/News"].callback()
            await pilot.pause()
            assert "filter: News" in screen.sub_title
            visible = screen.view.current
            assert visible is not None and visible.ordinal == 3  # alice coded segment 3 News
            commands["Open transcript P02"].callback()
            await settle(app, pilot)
            assert screen.content is not None and screen.content.transcript.name == "P02"

    run(scenario())


def test_the_app_can_open_the_project_itself(project_db: str) -> None:
    """Given a --db location, the app paints first and opens the project in its thread."""

    async def scenario() -> None:
        app = make_app(project_db, "bob", "P02", use_keymap_file=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = coding_screen(app)
            assert screen.content is not None and screen.content.transcript.name == "P02"
        app.db.close()

    run(scenario())


def test_a_project_that_cannot_open_ends_the_app_with_the_reason(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")

    async def scenario() -> None:
        app = make_app(str(other), "bob", use_keymap_file=False)
        async with app.run_test(size=SIZE) as pilot:
            await app.db.settle()
            await pilot.pause()
        assert app.failure is not None and "not a qualcode project" in app.failure
        assert app.return_code == 2

    run(scenario())


def test_code_command_on_a_missing_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.cli_run import run_cli

    result = run_cli(capsys, ["--db", str(tmp_path / "none.db"), "code", "--coder", "bob"])
    assert result.code == 2 and "qualcode init" in result.err


def test_a_locked_database_becomes_a_readable_message(tmp_path: Path) -> None:
    import sqlite3

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from qualcode.tui.db import describe_error

    db = tmp_path / "locked.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_engine(f"sqlite:///{db}", connect_args={"timeout": 0})
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
    except OperationalError as exc:
        message = describe_error(exc)
    else:  # pragma: no cover
        raise AssertionError("the write should have met the lock")
    finally:
        holder.close()
        engine.dispose()
    assert message.startswith("database: database is locked") and "not saved" in message


def test_a_key_press_waits_out_another_writer_instead_of_failing(
    app_for: AppFactory, project: Project, project_db: str
) -> None:
    """Another process holds the write lock for a while (a bulk import, say): the coder's
    key press is saved once the lock is free, and no "database is locked" reaches the screen."""
    import sqlite3
    import threading
    import time

    holder = sqlite3.connect(project_db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE project_info SET value = value WHERE key = 'created_by'")
    released = threading.Event()

    def release() -> None:
        time.sleep(1.5)
        holder.execute("COMMIT")
        holder.close()
        released.set()

    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(app, pilot)
            threading.Thread(target=release, daemon=True).start()
            await pilot.press("j", "j", "j", "j", "1")  # segment 5, while the lock is held
            for _ in range(100):
                await app.db.settle(timeout=30)
                await pilot.pause()
                if released.is_set() and not app.db.pending:
                    break
            messages = [n.message for n in app._notifications]
            assert not [m for m in messages if "locked" in m or "not saved" in m], messages

    run(scenario())
    assert released.is_set()
    with project.session() as session:
        from qualcode.services.coding import export_codings

        mine = [(r[2], r[3]) for r in export_codings(session) if r[0] == "bob"]
    assert (5, "Exposure/News") in mine
