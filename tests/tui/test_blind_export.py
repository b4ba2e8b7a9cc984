"""The TUI's "Export codings to CSV": a coder writes only their own codings (blind coding)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.tui.conftest import AppFactory, run, settle


def _export(app_for: AppFactory, coder: str) -> tuple[list[dict[str, str]], list[str]]:
    rows: list[dict[str, str]] = []
    messages: list[str] = []

    async def scenario() -> None:
        app = app_for(coder, "P01")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            commands = {c.title: c for c in app.get_system_commands(app.screen)}
            commands["Export codings to CSV"].callback()
            await settle(app, pilot)
            messages.extend(n.message for n in app._notifications)

    run(scenario())
    with (Path.cwd() / "qualcode-codings.csv").open(encoding="utf-8") as handle:
        rows.extend(csv.DictReader(handle))
    return rows, messages


def test_a_coder_exports_only_their_own_codings(
    app_for: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    everyone, said = _export(app_for, "alice")
    assert {r["coder"] for r in everyone} == {"alice", "bob"}
    assert any(m.startswith(f"wrote {len(everyone)} codings to ") for m in said)
    own, said = _export(app_for, "bob")
    assert own and {r["coder"] for r in own} == {"bob"}
    assert own == [r for r in everyone if r["coder"] == "bob"]
    assert any(f"wrote {len(own)} of your own codings (bob: blind coding)" in m for m in said)


def test_nobody_opens_the_coding_screen_as_the_consensus_coder(app_for: AppFactory) -> None:
    async def scenario() -> None:
        app = app_for("consensus", "P01")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
        assert app.return_code == 2
        assert app.failure is not None and "reserved coder" in app.failure

    run(scenario())
