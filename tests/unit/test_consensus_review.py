"""The lead's review data: each disagreement on a code, every coder's codes side by side."""

from __future__ import annotations

import pytest

from qualcode.errors import QualcodeError
from qualcode.services.codebook_changes import merge_codes
from qualcode.services.consensus import set_consensus
from qualcode.services.consensus_review import ReviewItem, ReviewView, review_items
from qualcode.store.project import open_project
from tests.cli_run import Runner
from tests.unit.conftest import MINI


def _ok(qc: Runner, *args: str) -> None:
    result = qc(*args)
    assert result.ok, result.err


@pytest.fixture
def coded(mini: Runner, db_url: str) -> str:
    """alice and bob finished P01 and P02; carol finished P01 only, with one code."""
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    _ok(mini, "apply", "--coder", "carol", "--transcript", "P01", "--segment", "6",
        "--code", "Training")  # fmt: skip
    _ok(mini, "done", "--coder", "alice", "P01", "P02")
    _ok(mini, "done", "--coder", "bob", "P01", "P02")
    _ok(mini, "done", "--coder", "carol", "P01")
    return db_url


def test_each_disagreement_with_every_coders_codes_and_the_consensus(coded: str) -> None:
    project = open_project(coded)
    try:
        with project.session() as session:
            view = review_items(session, "alice", "Training")
        assert view.code == "Exposure/Training" and view.coders == ("alice", "bob", "carol")
        assert [(i.transcript, i.ordinal, i.applied_by) for i in view.items] == [
            ("P01", 6, ("bob", "carol")),
            ("P02", 6, ("alice",)),
        ]
        first, second = view.items
        assert dict(first.codes_by_coder) == {
            "alice": (),
            "bob": ("Exposure/Training",),
            "carol": ("Exposure/Training",),
        }
        assert "carol" not in second.codes_by_coder  # carol did not finish P02
        assert first.text and first.speaker and not first.is_decided and view.undecided == 2

        with project.transaction() as session:
            set_consensus(session, "alice", "P02", 6, codes=["Training", "Exposure/News"],
                          note="both")  # fmt: skip
        with project.session() as session:
            view = review_items(session, "alice", "Exposure/Training", ["alice", "bob"])
        assert view.coders == ("alice", "bob")
        decided = view.items[1]
        assert (decided.decided, decided.decided_by, decided.note) == ("edit", "alice", "both")
        assert decided.consensus == ("Exposure/News", "Exposure/Training")  # codebook order
        assert view.undecided == 1
        # every code of a coder on the segment, not only the one reviewed
        with project.session() as session:
            news = review_items(session, "alice", "Exposure/News", ["alice", "bob"])
        assert [(i.transcript, i.ordinal) for i in news.items] == [("P02", 7)]
        assert dict(news.items[0].codes_by_coder) == {"alice": ("Exposure/News",), "bob": ()}
    finally:
        project.close()


def test_a_merged_code_shows_as_its_target_and_no_disagreement_is_empty(
    mini: Runner, coded: str
) -> None:
    _ok(mini, "apply", "--coder", "bob", "--transcript", "P01", "--segment", "9",
        "--code", "Risk/News")  # fmt: skip
    project = open_project(coded)
    try:
        with project.transaction() as session:
            merge_codes(session, "alice", ["Risk/News"], "Exposure/News", "one News")
        with project.session() as session:
            view = review_items(session, "alice", "Risk/Never seen an attack", ["alice", "bob"])
            assert dict(view.items[0].codes_by_coder) == {
                "alice": ("Risk/Never seen an attack",),
                "bob": ("Exposure/News",),
            }
            nothing = review_items(session, "alice", "Risk/News", ["alice", "bob"])
            assert nothing.items == () and nothing.undecided == 0
    finally:
        project.close()


def test_only_the_lead_sees_other_coders_codes(coded: str) -> None:
    project = open_project(coded)
    try:
        with project.session() as session, pytest.raises(QualcodeError, match="lead role"):
            review_items(session, "bob", "Training")
    finally:
        project.close()


def test_next_undecided_wraps_around() -> None:
    def item(decided: str) -> ReviewItem:
        return ReviewItem("P01", 1, 1, "", "", {}, (), (), decided)

    view = ReviewView("T/a", ("a", "b"), tuple(item(d) for d in ("", "edit", "", "union")))
    assert view.next_undecided(0) == 2
    assert view.next_undecided(2) == 0
    assert view.next_undecided(3) == 0
    done = ReviewView("T/a", (), tuple(item("edit") for _ in range(2)))
    assert done.next_undecided(0) is None
    assert view.index_of("P01", 1) == 0 and view.index_of("P09", 1) is None
