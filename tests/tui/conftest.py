from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from qualcode.store.project import Project, open_project
from qualcode.tui.app import QualcodeApp, make_app
from qualcode.tui.screens.coding import CodingScreen
from tests.cli_run import runner_for
from tests.unit.conftest import MINI, MINI_CODEBOOK


@pytest.fixture
def project_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The mini study on SQLite: lead alice, coders bob and carol, the mini codebook."""
    db = str(tmp_path / "tui.db")
    qc = runner_for(db, capsys)
    assert qc("init", "--lead", "alice").ok
    assert qc("import", "--spacy-model", "blank", str(MINI)).ok
    assert qc("participants", "import", str(MINI / "participants.csv")).ok
    assert qc("codebook", "import", str(MINI_CODEBOOK)).ok
    assert qc("codings", "import", str(MINI / "codings.csv")).ok
    return db


@pytest.fixture
def project(project_db: str) -> Iterator[Project]:
    opened = open_project(project_db)
    yield opened
    opened.close()


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


async def settle(app: QualcodeApp, pilot: Any) -> None:
    """Let every database job finish and the screen catch up."""
    for _ in range(3):
        await app.db.settle()
        await pilot.pause()


def coding_screen(app: QualcodeApp) -> CodingScreen:
    screen = app.coding
    assert screen is not None
    return screen


AppFactory = Callable[..., QualcodeApp]


@pytest.fixture
def app_for(project: Project) -> AppFactory:
    def factory(coder: str, transcript: str | None = None) -> QualcodeApp:
        return make_app(project, coder, transcript, use_keymap_file=False)

    return factory


Step = Callable[[QualcodeApp, Any], Awaitable[None]]


def burst(app: QualcodeApp, *keys: str) -> None:
    """Send ``keys`` the way a terminal over SSH does: all at once, with no pause between
    them (``pilot.press`` waits for the app to go idle after every key, which hides races).

    Each key is named as ``pilot.press`` names it ("j", "slash", "enter", "ctrl+s", or a
    single character such as "/")."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        original = REPLACED_KEYS.get(key, key)
        char: str | None
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(original))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app.post_message(event)


async def drain(app: QualcodeApp, pilot: Any, timeout: float = 20.0) -> None:
    """Wait until every key sent has been handled and every database job has run."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await pilot.pause()
        await app.db.settle()
        if app.keys.idle and not app.db.pending:
            await pilot.pause()
            if app.keys.idle and not app.db.pending:
                return
    raise AssertionError(f"keys still waiting after {timeout} s: {len(app.keys.backlog)}")
