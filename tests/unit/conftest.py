from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_run import Runner, runner_for

DATA = Path(__file__).resolve().parent.parent / "data"
MINI = DATA / "mini"
MINI_CODEBOOK = DATA / "mini_codebook.yaml"


@pytest.fixture
def qc(db_url: str, capsys: pytest.CaptureFixture[str]) -> Runner:
    """The CLI on a fresh, not yet created project (SQLite file or PostgreSQL database)."""
    return runner_for(db_url, capsys)


@pytest.fixture
def mini(qc: Runner) -> Runner:
    """A project with the two mini interviews, their participants and the mini codebook."""
    assert qc("init", "--lead", "alice").ok
    result = qc("import", "--spacy-model", "blank", str(MINI))
    assert result.ok, result.err
    assert qc("participants", "import", str(MINI / "participants.csv")).ok
    assert qc("codebook", "import", str(MINI_CODEBOOK)).ok
    return qc
