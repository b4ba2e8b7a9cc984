"""Property test: any sequence of codebook changes keeps every coding and a faithful history.

Hypothesis draws random sequences of the lead's and coders' codebook actions (add, propose,
accept, reject, edit, rename, move, merge, split, retire, tag) interleaved with codings.
Each action runs in its own transaction, as a CLI command would; an action the services
refuse must leave the project exactly as it was. After every step:

* no coding is lost: each coding's (coder, span, code it now stands for — following merges)
  is still there; merges may only collapse codings that became identical;
* replaying the events gives the live codebook, and every tag still replays to the
  codebook as it was when the tag was made;
* the shortcut rule holds: no live code's shortcut is a command key or another live code's,
  and merged or retired codes hold none (edits try free, taken and command keys).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.cli.main import main
from qualcode.errors import QualcodeError
from qualcode.services import codebook_changes as changes
from qualcode.services.codebook_events import current_seq
from qualcode.services.codebook_history import codebook_at, live_codebook, tag, tag_seq
from qualcode.services.coding import apply_code
from qualcode.services.lookup import CodeIndex
from qualcode.shortcuts import shortcut_problems
from qualcode.store.models import Code, Coder, Coding, Segment, Transcript
from qualcode.store.project import Project, open_project
from tests.unit.conftest import MINI, MINI_CODEBOOK

Op = tuple[str, int, int, int]
COMPARED = ("name", "parent", "status", "merged_into", "description", "include", "shortcut")


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    """The mini study with its codings, built once; each example works on a copy."""
    folder = Path(tempfile.mkdtemp(prefix="qualcode-prop-"))
    db = str(folder / "template.db")
    for args in (
        ["init", "--lead", "alice"],
        ["import", "--spacy-model", "blank", str(MINI)],
        ["codebook", "import", str(MINI_CODEBOOK)],
        ["codings", "import", str(MINI / "codings.csv")],
    ):
        try:
            main(["--db", db, "--as", "alice", *args])
        except SystemExit as exc:
            assert not exc.code, args
    yield Path(db)
    shutil.rmtree(folder, ignore_errors=True)


def _codes(session: Session) -> list[Code]:
    return CodeIndex.load(session).ordered()


def _pick(items: list[Any], n: int) -> Any:
    return items[n % len(items)] if items else None


def _effective(code: Code, by_id: dict[int, Code]) -> int:
    seen: set[int] = set()
    while code.merged_into_id is not None and code.id not in seen:
        seen.add(code.id)
        code = by_id[code.merged_into_id]
    return code.id


def _coding_facts(session: Session) -> set[tuple[int, int, int, int, int]]:
    """Every coding as (coder, transcript, start, end, live code it stands for)."""
    by_id = {c.id: c for c in session.scalars(select(Code))}
    return {
        (coder, transcript, start, end, _effective(by_id[code], by_id))
        for coder, transcript, start, end, code in session.execute(
            select(Coding.coder_id, Coding.transcript_id, Coding.start, Coding.end, Coding.code_id)
        )
    }


def _shortcuts_keep_the_rule(session: Session) -> None:
    """No live code's shortcut is a command key or another live code's (merged, retired: none)."""
    index = CodeIndex.load(session)
    assert shortcut_problems(index.code_keys()) == []
    assert all(not k.shortcut for k in index.code_keys() if k.status not in changes.LIVE)


def _replay_matches_live(session: Session) -> None:
    replay = codebook_at(session, current_seq(session))
    live = live_codebook(session)
    assert {g: {k: s[k] for k in COMPARED} for g, s in replay.items()} == {
        g: {k: s[k] for k in COMPARED} for g, s in live.items()
    }


def _run_op(session: Session, op: Op, step: int) -> None:
    action, a, b, c = op
    index = CodeIndex.load(session)
    codes = _codes(session)
    live = [x for x in codes if x.status in changes.LIVE]
    code, other = _pick(live, a), _pick(live, b)

    def path(x):
        return index.path(x) if x is not None else ""

    if action == "add":
        changes.add_code(session, "alice", f"New {step}", path(_pick([*live, None], b)) or None)
    elif action == "propose":
        changes.add_code(session, "bob", f"Idea {step}", path(code) or None)
    elif action == "accept":
        changes.accept_code(
            session, "alice", path(_pick([x for x in live if x.status == "proposed"], a))
        )
    elif action == "reject":
        proposed = [x for x in live if x.status == "proposed"]
        changes.reject_code(session, "alice", path(_pick(proposed, a)), "not needed")
    elif action == "edit":
        # shortcuts: free keys, keys of the mini codebook's codes, command keys, none
        key = ("4", "5", "1", "3", "h", "x", "")[c % 7] if c % 2 else None
        changes.edit_code(
            session, "alice", path(code), description=f"meaning {step}", shortcut=key, why="w"
        )
    elif action == "rename":
        changes.rename_code(session, "alice", path(code), f"Renamed {step}", "clearer")
    elif action == "move":
        target = _pick([*live, None], b)
        changes.move_code(session, "alice", path(code), path(target) or None, "belongs there")
    elif action == "merge":
        sources = [path(code)] + ([path(_pick(live, c))] if c % 2 else [])
        changes.merge_codes(session, "alice", sources, path(other), "same idea")
    elif action == "split":
        changes.split_code(session, "alice", path(code), [f"A{step}", f"B{step}"], "two ideas")
    elif action == "retire":
        changes.retire_code(session, "alice", path(code), "unused")
    elif action == "tag":
        tag(session, f"v{step}")
    elif action == "code":
        coder = ("alice", "bob", "carol")[c % 3]
        transcript = ("P01", "P02")[b % 2]
        segments = session.scalar(
            select(Segment.ordinal)
            .join(Transcript, Segment.transcript_id == Transcript.id)
            .where(Transcript.name == transcript)
            .order_by(Segment.ordinal.desc())
        )
        apply_code(session, coder, transcript, 1 + b % (segments or 1), path(code))
    else:  # pragma: no cover - the strategy only draws the names above
        raise AssertionError(action)


ACTIONS = [
    "add",
    "propose",
    "accept",
    "reject",
    "edit",
    "rename",
    "move",
    "merge",
    "split",
    "retire",
    "tag",
    "code",
    "code",
]
OPS = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(0, 40),
        st.integers(0, 40),
        st.integers(0, 40),
    ),
    min_size=1,
    max_size=14,
)


def _with_copy(template: Path, body: Callable[[Project], None]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="qualcode-prop-"))
    try:
        shutil.copyfile(template, folder / "p.db")
        project = open_project(str(folder / "p.db"))
        try:
            body(project)
        finally:
            project.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_random_codebook_changes_lose_no_coding(template: Path, ops: list[Op]) -> None:
    def body(project: Project) -> None:
        tags: dict[str, dict[str, dict[str, Any]]] = {}
        with project.session() as session:
            facts = _coding_facts(session)
            coders = set(session.scalars(select(Coder.name)))
        for step, op in enumerate(ops):
            with project.session() as session:
                before_book = live_codebook(session)
                before_facts = _coding_facts(session)
            try:
                with project.transaction() as session:
                    _run_op(session, op, step)
            except QualcodeError:
                with project.session() as session:  # refused: nothing changed at all
                    assert live_codebook(session) == before_book
                    assert _coding_facts(session) == before_facts
            with project.session() as session:
                now = _coding_facts(session)
                # codings only ever join: every earlier fact still holds (via merges)
                by_id = {c.id: c for c in session.scalars(select(Code))}
                moved = {
                    (cd, t, s, e, _effective(by_id[code], by_id)) for cd, t, s, e, code in facts
                }
                assert moved <= now, (op, moved - now)
                facts = now
                _replay_matches_live(session)
                _shortcuts_keep_the_rule(session)
                if op[0] == "tag" and f"v{step}" not in tags:
                    tags[f"v{step}"] = codebook_at(session, tag_seq(session, f"v{step}"))
                for label, book in tags.items():
                    assert codebook_at(session, tag_seq(session, label)) == book
                assert set(session.scalars(select(Coder.name))) >= coders

    _with_copy(template, body)
