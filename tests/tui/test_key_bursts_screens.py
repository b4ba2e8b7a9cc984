"""Long key sequences in single bursts on every screen and modal (issue 12).

``pilot.press`` waits for the app to go idle after every key, which hides the races a burst
of keys (over SSH several arrive in one packet) runs into. Here every sequence is posted at
once with ``burst`` and only then ``drain``-ed: each key must act on the state it was pressed
in, in the order pressed, and the keys pressed while a screen or a modal is opening go to it.
The stored result (codebook events, consensus decisions, codings) is compared exactly.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import select

from qualcode.services.agreement import agreement
from qualcode.services.lookup import CONSENSUS
from qualcode.store.models import (
    Code,
    CodebookEvent,
    Coder,
    Coding,
    ConsensusDecision,
    Memo,
    Segment,
    Transcript,
)
from qualcode.store.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.agreement_screen import AgreementScreen
from qualcode.tui.screens.codebook_screen import CodebookScreen
from qualcode.tui.screens.themes_screen import ThemesScreen
from qualcode.tui.widgets.agreement_render import sort_rows
from tests.cli_run import runner_for
from tests.tui.conftest import AppFactory, burst, coding_screen, drain, run, settle

SIZE = (120, 40)
SMALL = (80, 24)

Event = tuple[str, dict[str, Any], dict[str, Any], str]


# ---- reading the project back ---------------------------------------------------------------


def last_seq(project: Project) -> int:
    with project.session() as session:
        seq = session.scalars(select(CodebookEvent.seq).order_by(CodebookEvent.seq.desc())).first()
        return seq or 0


def events_since(project: Project, seq: int) -> list[Event]:
    """(action, before, after, rationale) of every codebook event after ``seq``, in order."""
    with project.session() as session:
        rows = session.scalars(
            select(CodebookEvent).where(CodebookEvent.seq > seq).order_by(CodebookEvent.seq)
        ).all()
        return [
            (e.action, json.loads(e.before or "{}"), json.loads(e.after or "{}"), e.rationale)
            for e in rows
        ]


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields an event changed: name -> (before, after)."""
    return {k: (before.get(k), after.get(k)) for k in after if before.get(k) != after.get(k)}


def code_rows(project: Project) -> dict[str, dict[str, Any]]:
    """Every code by path: its status, what it was merged into and its definition."""
    with project.session() as session:
        found = session.scalars(select(Code)).all()
        by_id = {c.id: c for c in found}

        def path(code: Code) -> str:
            parent = by_id.get(code.parent_id) if code.parent_id is not None else None
            return f"{path(parent)}/{code.name}" if parent is not None else code.name

        return {
            path(c): {
                "status": c.status,
                "merged_into": path(by_id[c.merged_into_id]) if c.merged_into_id else None,
                "description": c.description,
                "include": c.include,
                "exclude": c.exclude,
                "example": c.example,
                "shortcut": c.shortcut,
            }
            for c in found
        }


def coded(project: Project, coder: str | None = None) -> list[tuple[str, str, int, str]]:
    """(coder, transcript, segment, code path) of every coding, sorted."""
    with project.session() as session:
        by_id = {c.id: c for c in session.scalars(select(Code))}

        def path(code_id: int | None) -> str:
            code = by_id[code_id] if code_id is not None else None
            if code is None:
                return ""
            parent = path(code.parent_id) if code.parent_id is not None else ""
            return f"{parent}/{code.name}" if parent else code.name

        rows = session.execute(
            select(Coder.name, Transcript.name, Segment.ordinal, Coding.code_id)
            .join(Coder, Coding.coder_id == Coder.id)
            .join(Transcript, Coding.transcript_id == Transcript.id)
            .join(Segment, Coding.segment_id == Segment.id)
        ).all()
        return sorted(
            (who, name, ordinal, path(code_id))
            for who, name, ordinal, code_id in rows
            if coder is None or who == coder
        )


def memos(project: Project, coder: str) -> dict[int, str]:
    """Segment ordinal -> memo text, of one coder's segment memos."""
    with project.session() as session:
        rows = session.execute(
            select(Segment.ordinal, Memo.text)
            .join(Segment, Memo.segment_id == Segment.id)
            .join(Coder, Memo.author_id == Coder.id)
            .where(Coder.name == coder)
        ).all()
        return dict(rows)


def decisions(project: Project) -> dict[tuple[str, int], tuple[str, list[str]]]:
    """(transcript, segment) -> (how it was decided, the consensus codes' names)."""
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


def listed(screen: AgreementScreen) -> list[str]:
    """Each disagreement of the agreement screen's list as plain text."""
    out = []
    for index in range(screen.review_list.option_count):
        console = Console(width=130, record=True, color_system=None)
        console.print(screen.review_list.get_option_at_index(index).prompt)
        out.append(console.export_text())
    return out


def cli_rows(db: str, capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[Any, ...]]:
    """``export themes --format csv`` as typed tuples, to compare with the screen's rows."""
    result = runner_for(db, capsys)("export", "themes", "--format", "csv", *args)
    assert result.ok, result.err
    typed = []
    for row in list(csv.reader(io.StringIO(result.out)))[1:]:
        *text, participants, total, pct, segments = row
        typed.append((*text, int(participants), int(total), float(pct), int(segments)))
    return typed


def records(app: QualcodeApp) -> list[tuple[Any, ...]]:
    screen = app.screen
    assert isinstance(screen, ThemesScreen) and screen.table is not None
    return screen.table.records()


def notes(app: QualcodeApp) -> list[str]:
    return [n.message for n in app._notifications]


async def drain_unless_stopped(app: QualcodeApp, pilot: Any, timeout: float = 5.0) -> None:
    """``drain``, but return at once when the app has stopped (crashed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline and app.is_running:
        await pilot.pause()
        await app.db.settle(timeout=1.0)
        if app.keys.idle and not app.db.pending:
            await pilot.pause()
            if app.keys.idle and not app.db.pending:
                return


# ---- the codebook screen (C) -----------------------------------------------------------------


def test_codebook_rename_then_retire_with_reasons_in_one_burst_at_80x24(
    app_for: AppFactory, project: Project
) -> None:
    """C, move, R, a name, Enter, a reason, Enter, move on the reloaded tree, t, a reason,
    Enter, Esc: all in one burst. The name field holds the name only (the reason typed after
    Enter went to the reason field), and the second change is on the code the moves reach in
    the tree as the first change left it."""
    start = last_seq(project)

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SMALL) as pilot:
            await settle(app, pilot)
            burst(
                app,
                "C", "down", "down",  # the tree: Exposure, News, Training
                "R", *"Courses", "enter", *"formal courses only", "enter",
                "down", "down",  # Risk, Never seen an attack (in the reloaded tree)
                "t", *"nobody says it", "enter",
            )  # fmt: skip
            await drain(app, pilot)
            screen = app.screen
            assert isinstance(screen, CodebookScreen)
            assert screen.current is not None
            assert screen.current.path == "Risk/Never seen an attack"
            assert screen.current.status == "retired"
            assert screen.changed
            burst(app, "escape", "j")  # back to coding; j moves in the transcript
            await drain(app, pilot)
            coding = coding_screen(app)
            assert app.screen is coding
            assert coding.view.cursor == 1
            paths = {c.path: c.status for c in coding.codebook.codes}
            assert "Exposure/Training" not in paths and paths["Exposure/Courses"] == "active"
            assert paths["Risk/Never seen an attack"] == "retired"

    run(scenario())
    found = events_since(project, start)
    assert [(action, why) for action, _b, _a, why in found] == [
        ("rename", "formal courses only"),
        ("retire", "nobody says it"),
    ]
    (_r, renamed_before, renamed_after, _w), (_t, retired_before, retired_after, _w2) = found
    assert changed(renamed_before, renamed_after) == {"name": ("Training", "Courses")}
    assert retired_before["name"] == "Never seen an attack"
    assert changed(retired_before, retired_after) == {
        "status": ("active", "retired"),
        "shortcut": ("3", ""),  # retiring frees its key
    }
    rows = code_rows(project)
    assert "Exposure/Training" not in rows
    assert rows["Exposure/Courses"]["status"] == "active"
    assert rows["Risk/Never seen an attack"]["status"] == "retired"
    # the codings followed the renamed code
    assert ("bob", "P01", 6, "Exposure/Courses") in coded(project)


def test_codebook_a_refused_save_keeps_the_dialog_for_the_keys_after_it(
    app_for: AppFactory, project: Project
) -> None:
    """R, Backspace (the name, selected on focus, is deleted), Enter, a reason, Enter: refused
    (the name is required) and the name field has the focus again, so the name typed next
    lands there; Enter moves to the reason (kept), Enter saves. One burst."""
    start = last_seq(project)

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(
                app,
                "C", "down", "down",  # Exposure/Training
                "R", "backspace", "enter", *"formal only", "enter",  # refused: no name
                *"Courses", "enter", "enter",
            )  # fmt: skip
            await drain(app, pilot)
            assert isinstance(app.screen, CodebookScreen)

    run(scenario())
    found = events_since(project, start)
    assert [(a, changed(b, after), why) for a, b, after, why in found] == [
        ("rename", {"name": ("Training", "Courses")}, "formal only"),
    ]


def test_codebook_edit_dialogs_text_and_enter_per_field_in_one_burst(
    app_for: AppFactory, project: Project
) -> None:
    """e on News, then text + Enter for each of the five fields (one left as it was: Enter
    only), then down and e on Training with its own five fields: each field gets its own text,
    the first edit is saved before the second dialog opens on the next code."""
    start = last_seq(project)

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(
                app,
                "C", "down",  # Exposure/News
                "e",
                *"Heard of it in the news.", "enter",  # description (replaces the old one)
                *"Articles, talks.", "enter",  # include
                "enter",  # exclude: kept as it was
                *"I saw it on TV.", "enter",  # example
                *"sharper wording", "enter",  # why: saves
                "down",  # Exposure/Training
                "e",
                *"Formal courses.", "enter",
                "enter",
                *"Self-study", "enter",
                *"A university module.", "enter",
                "enter",  # no reason: it is optional for an edit
            )  # fmt: skip
            await drain(app, pilot)
            screen = app.screen
            assert isinstance(screen, CodebookScreen)
            assert screen.current is not None and screen.current.path == "Exposure/Training"

    run(scenario())
    rows = code_rows(project)
    news, training = rows["Exposure/News"], rows["Exposure/Training"]
    assert (news["description"], news["include"], news["exclude"], news["example"]) == (
        "Heard of it in the news.",
        "Articles, talks.",
        "Formal courses (use Training).",
        "I saw it on TV.",
    )
    assert (
        training["description"],
        training["include"],
        training["exclude"],
        training["example"],
    ) == ("Formal courses.", "", "Self-study", "A university module.")
    found = events_since(project, start)
    assert [(action, before["name"], why) for action, before, _a, why in found] == [
        ("edit", "News", "sharper wording"),
        ("edit", "Training", ""),
    ]
    assert set(changed(found[0][1], found[0][2])) == {"description", "include", "example"}
    assert set(changed(found[1][1], found[1][2])) == {"description", "exclude", "example"}


def test_codebook_merge_search_filter_enter_and_reason_in_one_burst(
    app_for: AppFactory, project: Project
) -> None:
    """g opens the search of the merge target; the letters typed right after it filter it
    (Risk/News, not the first code listed), Enter picks it, then the reason and Enter."""
    start = last_seq(project)

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(
                app,
                "C", "down", "down",  # Exposure/Training
                "g", *"Risk/News", "enter",
                *"one news code is enough", "enter",
            )  # fmt: skip
            await drain(app, pilot)
            screen = app.screen
            assert isinstance(screen, CodebookScreen)
            assert screen.current is not None and screen.current.path == "Exposure/Training"
            assert screen.current.status == "merged"
            burst(app, "escape")
            await drain(app, pilot)
            coding = coding_screen(app)
            assert app.screen is coding
            usable = {c.path for c in coding.codebook.codes if c.usable}
            assert "Exposure/Training" not in usable and "Risk/News" in usable
            assert any(n.startswith("merged Exposure/Training into Risk/News") for n in notes(app))

    run(scenario())
    found = events_since(project, start)
    assert [(action, before["name"]) for action, before, _a, _w in found] == [
        ("merge", "Training"),
        ("merge", "News"),  # the target, which took Training's shortcut
    ]
    assert found[0][3] == "one news code is enough"
    assert found[1][3].startswith("one news code is enough")
    assert changed(found[0][1], found[0][2]).keys() == {"status", "shortcut", "merged_into"}
    assert changed(found[1][1], found[1][2]) == {"shortcut": ("", "2")}
    rows = code_rows(project)
    assert rows["Exposure/Training"]["status"] == "merged"
    assert rows["Exposure/Training"]["merged_into"] == "Risk/News"
    assert rows["Risk/News"]["status"] == "active" and rows["Risk/News"]["shortcut"] == "2"
    training = [c for c in coded(project) if c[3] in ("Exposure/Training", "Risk/News")]
    assert training == [("alice", "P02", 6, "Risk/News"), ("bob", "P01", 6, "Risk/News")]


@pytest.fixture
def two_proposals(project_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """bob proposed Exposure/Podcasts, then Risk/Phishing."""
    qc = runner_for(project_db, capsys)
    assert qc("codebook", "add", "Podcasts", "--parent", "Exposure", "--by", "bob").ok
    assert qc("codebook", "add", "Phishing", "--parent", "Risk", "--by", "bob").ok


def test_codebook_proposals_accept_then_reject_the_next_in_one_burst(
    app_for: AppFactory, project: Project, two_proposals: None
) -> None:
    """C p a Enter r reason Enter: p shows the queue, a accepts the first proposal (no reason:
    Enter saves), and r rejects the proposal the reloaded queue then shows first."""
    start = last_seq(project)

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "C", "p", "a", "enter", "r", *"too broad", "enter")
            await drain(app, pilot)
            screen = app.screen
            assert isinstance(screen, CodebookScreen)
            assert screen.showing_proposals and screen.proposals.row_count == 0

    run(scenario())
    found = events_since(project, start)
    assert [(action, before["name"], why) for action, before, _a, why in found] == [
        ("accept", "Podcasts", ""),
        ("reject", "Phishing", "too broad"),
    ]
    rows = code_rows(project)
    assert rows["Exposure/Podcasts"]["status"] == "active"
    assert rows["Risk/Phishing"]["status"] == "retired"


async def open_close_and_move(app_for: AppFactory) -> None:
    """C Esc j in one burst: the app goes on, back on the coding screen, the j moved."""
    app = app_for("alice", "P01")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        burst(app, "C", "escape", "j")
        await drain_unless_stopped(app, pilot)
        assert app.is_running
        coding = coding_screen(app)
        assert app.screen is coding and coding.view.cursor == 1


def test_esc_while_the_codebook_detail_is_loading_does_not_crash(
    app_for: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """C Esc j with a slow database (a long history, a remote server): the codebook screen
    is closed before the highlighted code's detail has loaded. The app must go on, with the
    j moving in the transcript."""
    from qualcode.services import codebook_review

    real = codebook_review.code_detail

    def slow_detail(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.8)
        return real(*args, **kwargs)

    monkeypatch.setattr(codebook_review, "code_detail", slow_detail)

    run(open_close_and_move(app_for))


def test_esc_while_the_codebook_screen_is_still_closing_does_not_crash(
    app_for: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """C Esc j, the detail arriving while the codebook screen is being taken down (its
    widgets removed, its Unmount not finished: slow here on purpose, as with a large tree).
    The detail is for a screen that is gone; the app must go on, and j move the cursor."""
    from qualcode.services import codebook_review

    real = codebook_review.code_detail

    def slow_detail(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)
        return real(*args, **kwargs)

    async def slow_unmount(self: CodebookScreen) -> None:
        await asyncio.sleep(1.5)

    monkeypatch.setattr(codebook_review, "code_detail", slow_detail)
    monkeypatch.setattr(CodebookScreen, "on_unmount", slow_unmount, raising=False)

    run(open_close_and_move(app_for))


# ---- agreement and consensus (K) -------------------------------------------------------------


@pytest.fixture
def disagreements(project_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """bob also applied Training to P01 segments 1, 2 and 4; alice and bob finished P01 and
    P02. They disagree on Training in P01 1, 2, 4 and 6 (bob) and P02 6 (alice)."""
    qc = runner_for(project_db, capsys)
    for segment in ("1", "2", "4"):
        assert qc("apply", "--coder", "bob", "--transcript", "P01", "--segment", segment,
                  "--code", "Training").ok  # fmt: skip
    assert qc("done", "--coder", "alice", "P01", "P02").ok
    assert qc("done", "--coder", "bob", "P01", "P02").ok


def downs_to(project: Project, code: str) -> list[str]:
    """The moves from the first row of the agreement table (alpha, worst first) to ``code``."""
    with project.session() as session:
        report = agreement(session)
    order = [row.code for row in sort_rows(report.rows, "alpha")]
    return ["down"] * order.index(code)


TRAINING = [("P01", 1), ("P01", 2), ("P01", 4), ("P01", 6), ("P02", 6)]


def test_agreement_each_key_decides_the_next_disagreement(
    app_for: AppFactory, project: Project, disagreements: None
) -> None:
    """K, the moves to Training's row, Enter, then 1 2 n u 1 in the same burst: five keys,
    five disagreements decided in list order, none decided twice."""
    moves = downs_to(project, "Exposure/Training")

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "K", *moves, "enter", "1", "2", "n", "u", "1")
            await drain(app, pilot)
            screen = app.screen
            assert isinstance(screen, AgreementScreen)
            assert screen.review is not None and screen.review.code == "Exposure/Training"
            assert [(i.transcript, i.ordinal) for i in screen.review.items] == TRAINING
            assert screen.review.undecided == 0
            assert all(text.startswith("✓") for text in listed(screen))
            assert any("every disagreement on Exposure/Training" in n for n in notes(app))

    run(scenario())
    assert decisions(project) == {
        ("P01", 1): ("coder:alice", []),
        ("P01", 2): ("coder:bob", ["Training"]),
        ("P01", 4): ("edit", []),
        ("P01", 6): ("union", ["Training"]),
        ("P02", 6): ("coder:alice", ["Training"]),
    }


def test_agreement_code_picker_space_enter_and_filter_in_one_burst(
    app_for: AppFactory, project: Project, disagreements: None
) -> None:
    """e opens the code picker on the first disagreement (bob's Training checked): down,
    Space checks News, Enter saves; e again on the next one: / never Enter filters, Space
    checks Never seen an attack, Enter saves; then 1 decides the third. One burst."""
    moves = downs_to(project, "Exposure/Training")

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(
                app,
                "K", *moves, "enter",
                "e", "down", "space", "enter",  # P01 1: Exposure, News ← checked; save
                "e", "slash", *"never", "enter", "space", "enter",  # P01 2
                "1",  # P01 4: alice's codes (none)
            )  # fmt: skip
            await drain(app, pilot)
            screen = app.screen
            assert isinstance(screen, AgreementScreen)
            assert screen.review is not None and screen.review.undecided == 2
            assert screen.review_list.highlighted == 3  # P01 6, the next to decide

    run(scenario())
    assert decisions(project) == {
        ("P01", 1): ("edit", ["News", "Training"]),
        ("P01", 2): ("edit", ["Never seen an attack", "Training"]),
        ("P01", 4): ("coder:alice", []),
    }


# ---- theme frequencies (T) -------------------------------------------------------------------


def test_themes_b_and_l_in_bursts_end_where_the_keys_say(
    app_for: AppFactory, project_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """T b l b in one burst: by company_size, themes only (b cycles none → role →
    company_size); then b five times and l three times in one burst: two rounds less one
    (role), one toggle (codes); then Esc T b: a new screen, by role. The rows are
    those of ``export themes`` with the same options."""
    by_size_themes = cli_rows(project_db, capsys, "--by", "company_size", "--level", "theme")
    by_role_themes = cli_rows(project_db, capsys, "--by", "role", "--level", "theme")
    by_role = cli_rows(project_db, capsys, "--by", "role")

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(app, "T", "b", "l", "b")
            await drain(app, pilot)
            screen = app.screen
            assert isinstance(screen, ThemesScreen) and screen.table is not None
            assert (screen.by, screen.level) == ("company_size", "theme")
            assert (screen.table.by, records(app)) == ("company_size", by_size_themes)

            burst(app, "b", "b", "b", "b", "b", "l", "l", "l")
            await drain(app, pilot)
            still = app.screen is screen  # (not an assert: mypy would narrow ``screen``)
            assert still and screen.table is not None
            assert (screen.by, screen.level) == ("role", "code")
            assert (screen.table.by, records(app)) == ("role", by_role)

            burst(app, "escape", "T", "b", "l")
            await drain(app, pilot)
            fresh = app.screen
            assert isinstance(fresh, ThemesScreen) and fresh is not screen
            assert fresh.table is not None
            assert (fresh.by, fresh.level) == ("role", "theme")
            assert records(app) == by_role_themes
            headings = [str(h.render()) for h in fresh.query(".themes-heading")]
            assert headings == [
                "role = ML engineer  1 participant(s)",
                "role = team lead  1 participant(s)",
            ]

    run(scenario())


# ---- the coding screen's modals --------------------------------------------------------------


def test_x_on_two_codes_down_enter_removes_the_second_at_80x24(
    app_for: AppFactory, project: Project
) -> None:
    """j j 2 x down enter j: Training applied to segment 3 (News was there), x asks which to
    remove, down and Enter in the pick modal choose the second (Training), and the j after
    it moves in the transcript."""
    before = coded(project, "alice")

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SMALL) as pilot:
            await settle(app, pilot)
            screen = coding_screen(app)
            burst(app, "j", "j", "2", "x", "down", "enter", "j")
            await drain(app, pilot)
            assert app.screen is screen
            assert screen.view.cursor == 3

    run(scenario())
    assert coded(project, "alice") == before  # News stays on segment 3; Training is gone
    assert ("alice", "P01", 3, "Exposure/News") in before


def test_help_closed_in_a_burst_does_not_swallow_the_next_key(
    app_for: AppFactory, project: Project
) -> None:
    """? j Esc j ? ? j 1: the j pressed while the help opens goes to the help (the
    transcript does not move), Esc closes it and the next j moves; the help opens and closes
    again (? twice), then j moves and 1 applies News to segment 3."""

    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = coding_screen(app)
            burst(app, "?", "j", "escape", "j", "?", "?", "j", "1")
            await drain(app, pilot)
            assert app.screen is screen
            assert screen.view.cursor == 2

    run(scenario())
    assert coded(project, "carol") == [("carol", "P01", 3, "Exposure/News")]


def test_search_and_memo_modals_used_within_a_burst(app_for: AppFactory, project: Project) -> None:
    """/ never Enter codes segment 1 (the letters went to the search, not to the screen as
    shortcuts or commands); j m text Ctrl+S writes segment 2's memo; j 1 codes segment 3."""

    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = coding_screen(app)
            burst(
                app,
                "/", *"never", "enter",
                "j", "m", *"unsure about this one", "ctrl+s",
                "j", "1",
            )  # fmt: skip
            await drain(app, pilot)
            assert app.screen is screen
            assert screen.view.cursor == 2

    run(scenario())
    assert coded(project, "carol") == [
        ("carol", "P01", 1, "Risk/Never seen an attack"),
        ("carol", "P01", 3, "Exposure/News"),
    ]
    assert memos(project, "carol") == {2: "unsure about this one"}


def test_new_code_and_unsaved_memo_modals_used_within_a_burst(
    app_for: AppFactory, project: Project
) -> None:
    """j n name Enter description Enter: carol's proposal is created and applied to segment 2;
    j m text Esc s: Esc on a changed memo asks, s saves it; j 1 codes segment 4."""

    async def scenario() -> None:
        app = app_for("carol", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = coding_screen(app)
            burst(
                app,
                "j", "n", *"Insider threat", "enter", *"someone inside did it", "enter",
                "j", "m", *"ask about the incident", "escape", "s",
                "j", "1",
            )  # fmt: skip
            await drain(app, pilot)
            assert app.screen is screen
            assert screen.view.cursor == 3

    run(scenario())
    rows = code_rows(project)
    (path,) = [p for p in rows if p.rpartition("/")[2] == "Insider threat"]
    assert rows[path]["status"] == "proposed"
    assert rows[path]["description"] == "someone inside did it"
    assert coded(project, "carol") == [
        ("carol", "P01", 2, path),
        ("carol", "P01", 4, "Exposure/News"),
    ]
    assert memos(project, "carol") == {3: "ask about the incident"}


# ---- keys pressed while a screen is being pushed -----------------------------------------------


def test_keys_right_after_a_screen_key_go_to_the_new_screen(
    app_for: AppFactory, project: Project, disagreements: None
) -> None:
    """C down down: the codebook screen's tree moves (not the transcript); Esc T b: the new
    themes screen splits by role; Esc K s: the agreement table is sorted by the next column;
    Esc j: the transcript moves again. Each in one burst."""

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            coding = coding_screen(app)
            burst(app, "C", "down", "down")
            await drain(app, pilot)
            codebook = app.screen
            assert isinstance(codebook, CodebookScreen)
            assert codebook.current is not None
            assert codebook.current.path == "Exposure/Training"
            assert coding.view.cursor == 0

            burst(app, "escape", "T", "b")
            await drain(app, pilot)
            themes = app.screen
            assert isinstance(themes, ThemesScreen) and themes.by == "role"
            assert themes.table is not None and themes.table.by == "role"

            burst(app, "escape", "K", "s")
            await drain(app, pilot)
            table = app.screen
            assert isinstance(table, AgreementScreen) and table.sort_key == "agree"

            burst(app, "escape", "j")
            await drain(app, pilot)
            assert app.screen is coding and coding.view.cursor == 1

    run(scenario())


def test_merge_then_esc_in_the_same_burst_goes_back_to_coding(
    app_for: AppFactory, project: Project
) -> None:
    """The merge and the Esc that leaves the codebook screen in one burst: the screen closes
    while its reload may still be on its way; the app goes on and the j moves the transcript."""

    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            burst(
                app,
                "C", "down", "down",
                "g", *"Risk/News", "enter",
                *"one news code is enough", "enter",
                "escape", "j",
            )  # fmt: skip
            await drain(app, pilot)
            coding = coding_screen(app)
            assert app.is_running and app.screen is coding
            assert coding.view.cursor == 1
            assert not [n for n in app._notifications if n.severity == "error"]

    run(scenario())
