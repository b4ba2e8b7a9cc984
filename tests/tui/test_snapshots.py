"""SVG snapshots of the main screens (drawn with the textual and rich pinned in pyproject).

On a difference the new picture is written beside the old one as ``NAME.new.svg`` to look
at; ``QUALCODE_UPDATE_SNAPSHOTS=1 make test`` accepts the new pictures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qualcode.tui.app import QualcodeApp
from tests.tui.conftest import AppFactory, run, settle

SNAPSHOTS = Path(__file__).parent / "snapshots"
SIZE = (120, 32)


def check(name: str, svg: str) -> None:
    expected = SNAPSHOTS / f"{name}.svg"
    new = SNAPSHOTS / f"{name}.new.svg"
    if os.environ.get("QUALCODE_UPDATE_SNAPSHOTS") or not expected.exists():
        expected.write_text(svg, encoding="utf-8")
        new.unlink(missing_ok=True)
        return
    if expected.read_text(encoding="utf-8") != svg:
        new.write_text(svg, encoding="utf-8")
        pytest.fail(f"{name}: the screen changed; compare {new} with {expected}")
    new.unlink(missing_ok=True)


async def shoot(app: QualcodeApp, keys: list[str]) -> str:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        return app.export_screenshot()


@pytest.mark.parametrize(
    ("name", "coder", "keys"),
    [
        ("coding_screen", "bob", ["j", "j"]),
        ("lead_view_all_coders", "alice", ["j", "j", "A"]),
        ("code_search", "bob", ["j", "j", "slash", "n", "e", "w"]),
        ("help", "bob", ["question_mark"]),
    ],
)
def test_snapshot(app_for: AppFactory, name: str, coder: str, keys: list[str]) -> None:
    svg: list[str] = []

    async def scenario() -> None:
        svg.append(await shoot(app_for(coder, "P01"), keys))

    run(scenario())
    check(name, svg[0])
