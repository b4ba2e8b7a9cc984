"""Codebook evolution: rename, move, merge, split, retire, proposals, history, diff, stale."""

from __future__ import annotations

import csv
import io
import json

from tests.cli_run import Runner
from tests.unit.conftest import MINI


def _codes(qc: Runner) -> dict[str, dict[str, str]]:
    rows = json.loads(qc("codebook", "list", "--format", "json").out)
    return {r["path"]: r for r in rows}


def _codings(qc: Runner) -> list[dict[str, str]]:
    result = qc("codings", "export", "--format", "csv")
    assert result.ok, result.err
    return list(csv.DictReader(io.StringIO(result.out)))


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


def test_rename_move_retire_and_history(mini: Runner) -> None:
    out = _ok(mini, "codebook", "rename", "Training", "Education", "--why", "broader")
    assert "renamed: Exposure/Training → Education" in out
    _ok(mini, "codebook", "move", "Education", "--parent", "Risk", "--why", "it is about risk")
    assert "Risk/Education" in _codes(mini)
    _ok(mini, "codebook", "move", "Risk/Education", "--parent", "", "--why", "a theme now")
    assert "Education" in _codes(mini)
    moved_in = mini("codebook", "move", "Exposure", "--parent", "Exposure/News", "--why", "x")
    assert moved_in.code == 2 and "its own codes" in moved_in.err
    out = _ok(mini, "codebook", "retire", "Never seen an attack", "--why", "too vague")
    assert "retired: Risk/Never seen an attack" in out
    assert _codes(mini)["Risk/Never seen an attack"]["status"] == "retired"
    dup = mini("codebook", "rename", "Exposure/News", "Training", "--why", "x")
    assert dup.ok  # Training no longer exists under Exposure
    clash = mini("codebook", "rename", "Risk/News", "Never seen an attack", "--why", "x")
    assert clash.code == 2 and "already exists" in clash.err

    history = _ok(mini, "codebook", "history", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(history)))
    assert history.splitlines()[0].startswith("at,actor,action,code,rationale")
    rename = next(r for r in rows if r["action"] == "rename")
    assert (rename["actor"], rename["code"], rename["rationale"]) == (
        "alice",
        "Education",
        "broader",
    )
    own = json.loads(_ok(mini, "codebook", "history", "--code", "Education", "--format", "json"))
    assert [r["action"] for r in own] == ["create", "rename", "move", "move"]


def test_merge_moves_every_coding_and_collapses_duplicates(mini: Runner) -> None:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    # alice already has Exposure/News on P01 segment 3: the same span on Risk/News collapses.
    _ok(
        mini,
        "apply",
        "--coder",
        "alice",
        "--transcript",
        "P01",
        "--segment",
        "3",
        "--code",
        "Risk/News",
    )
    before = _codings(mini)
    out = _ok(mini, "codebook", "merge", "Exposure/News", "--into", "Risk/News", "--why", "same")
    assert "2 coding(s) moved, 1 duplicate(s) collapsed" in out
    after = _codings(mini)
    assert len(after) == len(before) - 1
    assert not any(r["code"] in ("Exposure/News",) for r in after)
    on_target = [
        (r["coder"], r["transcript"], r["segment"])
        for r in after
        if r["code"] in ("News", "Risk/News")
    ]
    assert sorted(on_target) == [("alice", "P01", "3"), ("alice", "P02", "7"), ("bob", "P01", "3")]
    assert _codes(mini)["Exposure/News"]["status"] == "merged"
    # applying the merged code now lands on its target
    _ok(
        mini,
        "apply",
        "--coder",
        "bob",
        "--transcript",
        "P02",
        "--segment",
        "7",
        "--code",
        "Exposure/News",
    )
    merge = [
        r
        for r in json.loads(_ok(mini, "codebook", "history", "--format", "json"))
        if r["action"] == "merge"
    ]
    # the merged code's event, then the target's: it took over the merged code's shortcut
    assert len(merge) == 2 and json.loads(merge[0]["after"])["merged_into"]
    assert json.loads(merge[0]["after"])["shortcut"] == ""
    assert json.loads(merge[1]["after"])["shortcut"] == "1"
    assert "merged_into" not in json.loads(merge[1]["after"])
    assert "shortcut '1' of Exposure/News passed to Risk/News" in out


def test_merge_refusals(mini: Runner) -> None:
    itself = mini("codebook", "merge", "Training", "--into", "Exposure/Training", "--why", "x")
    assert itself.code == 2 and "into itself" in itself.err
    inner = mini("codebook", "merge", "Exposure", "--into", "Exposure/News", "--why", "x")
    assert inner.code == 2 and "its own codes" in inner.err
    theme = mini("codebook", "merge", "Exposure", "--into", "Risk", "--why", "x")
    assert theme.code == 2 and "Exposure/News" in theme.err and "merge them too" in theme.err
    whole = mini(
        "codebook", "merge", "Exposure", "Exposure/News", "Training", "--into", "Risk", "--why", "x"
    )
    assert whole.ok, whole.err


def test_split_keeps_codings_for_recoding(mini: Runner, db_url: str) -> None:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    out = _ok(mini, "codebook", "split", "Training", "--into", "Course, Self-study", "--why", "two")
    assert "split: Exposure/Training into Exposure/Course, Exposure/Self-study" in out
    assert "2 coding(s) to recode" in out
    codes = _codes(mini)
    assert codes["Exposure/Training"]["status"] == "retired"
    assert codes["Exposure/Course"]["status"] == "active"
    assert codes["Exposure/Course"]["kind"] == "inductive"
    assert sum(r["code"] == "Training" for r in _codings(mini)) == 2

    from qualcode.services.codebook_changes import codings_to_recode
    from qualcode.store.project import open_project

    project = open_project(db_url)
    try:
        with project.session() as session:
            rows = codings_to_recode(session)
    finally:
        project.close()
    assert [r[:3] for r in rows] == [("P01", 6, "bob"), ("P02", 6, "alice")]
    assert rows[0][4] == "Exposure/Course, Exposure/Self-study"
    listed = list(csv.DictReader(io.StringIO(_ok(mini, "codings", "recode", "--format", "csv"))))
    assert [(r["transcript"], r["segment"], r["coder"]) for r in listed] == [
        ("P01", "6", "bob"),
        ("P02", "6", "alice"),
    ]
    assert listed[0]["split_into"] == "Exposure/Course, Exposure/Self-study"
    assert _ok(mini, "codings", "recode", "--code", "Risk/News", "--format", "csv").strip() == (
        "transcript,segment,coder,code,split_into"
    )


def test_proposals_are_accepted_or_rejected(mini: Runner) -> None:
    assert "proposed: Risk/Tooling gap" in _ok(
        mini, "codebook", "add", "Tooling gap", "--parent", "Risk", "--by", "bob"
    )
    assert "proposed: Risk/Cost" in _ok(
        mini, "codebook", "add", "Cost", "--parent", "Risk", as_="carol"
    )
    assert "added: Exposure/Peers" in _ok(mini, "codebook", "add", "Peers", "--parent", "Exposure")
    codes = _codes(mini)
    assert codes["Risk/Tooling gap"]["status"] == "proposed"
    assert codes["Exposure/Peers"]["status"] == "active"
    assert codes["Exposure/Peers"]["kind"] == "inductive"
    bad = mini("codebook", "add", "A/B")
    assert bad.code == 2 and "'/'" in bad.err
    assert mini("codebook", "add", "News", "--parent", "Risk").code == 2
    assert "accepted: Risk/Tooling gap" in _ok(mini, "codebook", "accept", "Tooling gap")
    assert mini("codebook", "accept", "Tooling gap").code == 2  # not a proposal any more
    assert "rejected: Risk/Cost" in _ok(mini, "codebook", "reject", "Cost", "--why", "out of scope")
    codes = _codes(mini)
    assert codes["Risk/Tooling gap"]["status"] == "active"
    assert codes["Risk/Cost"]["status"] == "retired"
    actions = [
        r["action"] for r in json.loads(_ok(mini, "codebook", "history", "--format", "json"))
    ]
    assert actions[-5:] == ["propose", "propose", "create", "accept", "reject"]


def test_changes_need_the_lead_and_a_reason(mini: Runner) -> None:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    for args in (
        ("codebook", "rename", "Training", "Education", "--why", "x"),
        ("codebook", "merge", "Training", "--into", "Exposure/News", "--why", "x"),
        ("codebook", "edit", "Training", "--description", "x"),
        ("codebook", "accept", "Training"),
        ("codebook", "tag", "v1"),
    ):
        result = mini(*args, as_="bob")
        assert result.code == 2, args
        assert "needs the lead role (bob is not the project's lead)" in result.err
    missing = mini("codebook", "rename", "Training", "Education")
    assert missing.code == 2 and "--why" in missing.err
    empty = mini("codebook", "retire", "Training", "--why", " ")
    assert empty.code == 2 and "--why" in empty.err
    assert mini("codebook", "list").ok
    assert "Exposure/Training" in _codes(mini)


def test_tag_and_diff(mini: Runner) -> None:
    assert "tagged: v1" in _ok(mini, "codebook", "tag", "v1")
    assert mini("codebook", "tag", "v1").code == 2
    _ok(mini, "codebook", "rename", "Training", "Education", "--why", "broader")
    _ok(mini, "codebook", "merge", "Risk/News", "--into", "Exposure/News", "--why", "same idea")
    _ok(
        mini,
        "codebook",
        "edit",
        "Never seen an attack",
        "--description",
        "No attack seen.",
        "--include",
        "Says so.",
    )
    _ok(mini, "codebook", "split", "Exposure/News", "--into", "Press,Talks", "--why", "finer")
    _ok(mini, "codebook", "add", "Peers", "--parent", "Exposure")
    _ok(mini, "codebook", "tag", "v2")
    lines = _ok(mini, "codebook", "diff", "v1", "v2").splitlines()
    assert "renamed: Exposure/Training → Education" in lines
    assert "merged: Risk/News into Exposure/News" in lines
    assert "split: Exposure/News into Press, Talks" in lines
    assert "added: Exposure/Peers" in lines
    assert "definition changed: Risk/Never seen an attack (description, include)" in lines
    assert "no changes" in _ok(mini, "codebook", "diff", "v2", "current")
    unknown = mini("codebook", "diff", "v1", "v9")
    assert unknown.code == 2 and "v1, v2" in unknown.err


def test_replaying_all_events_gives_the_live_codebook(mini: Runner, db_url: str) -> None:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    _ok(mini, "codebook", "rename", "Training", "Education", "--why", "broader")
    _ok(mini, "codebook", "move", "Education", "--parent", "Risk", "--why", "risk")
    _ok(mini, "codebook", "merge", "Risk/News", "--into", "Exposure/News", "--why", "same")
    _ok(mini, "codebook", "split", "Never seen an attack", "--into", "Never,Not sure", "--why", "w")
    _ok(mini, "codebook", "add", "Cost", "--by", "bob")
    _ok(mini, "codebook", "edit", "Exposure/News", "--shortcut", "9", "--color", "#ff0000")
    assert mini("codebook", "edit", "Education", "--shortcut", "9").code == 2

    from qualcode.services.codebook_events import current_seq
    from qualcode.services.codebook_history import codebook_at, live_codebook
    from qualcode.store.project import open_project

    project = open_project(db_url)
    try:
        with project.session() as session:
            replay = codebook_at(session, current_seq(session))
            live = live_codebook(session)
            earlier = codebook_at(session, current_seq(session) - 1)
    finally:
        project.close()
    keys = ("name", "parent", "status", "merged_into", "description", "shortcut", "color")
    assert {g: {k: s[k] for k in keys} for g, s in replay.items()} == {
        g: {k: s[k] for k in keys} for g, s in live.items()
    }
    assert len(live) == 9  # 6 imported, 2 from the split, 1 proposal
    news = next(s for s in earlier.values() if s["name"] == "News" and s["status"] == "active")
    assert news["shortcut"] == "1"  # before the last edit


def test_stale_codings_were_made_before_an_edit(mini: Runner) -> None:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    assert _ok(mini, "codings", "stale", "--format", "csv").splitlines()[1:] == []
    _ok(mini, "codebook", "edit", "Training", "--description", "Courses and workshops.")
    assert "nothing changed" in _ok(
        mini, "codebook", "edit", "Training", "--description", "Courses and workshops."
    )
    _ok(
        mini,
        "apply",
        "--coder",
        "bob",
        "--transcript",
        "P02",
        "--segment",
        "6",
        "--code",
        "Training",
    )
    rows = list(csv.DictReader(io.StringIO(_ok(mini, "codings", "stale", "--format", "csv"))))
    assert list(rows[0]) == [
        "coder",
        "transcript",
        "segment",
        "code",
        "coded_at_seq",
        "changed_at_seq",
    ]
    assert [(r["coder"], r["transcript"], r["segment"], r["code"]) for r in rows] == [
        ("alice", "P02", "6", "Training"),
        ("bob", "P01", "6", "Training"),
    ]
    assert all(int(r["coded_at_seq"]) < int(r["changed_at_seq"]) for r in rows)
    assert (
        _ok(mini, "codings", "stale", "--code", "Exposure/News", "--format", "csv").count("\n") == 1
    )
