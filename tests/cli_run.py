"""Run the real ``qualcode`` entry point in-process and capture what it prints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from qualcode.cli.main import main


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def ok(self) -> bool:
        return self.code == 0


def run_cli(capsys: pytest.CaptureFixture[str], args: list[str]) -> Result:
    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


Runner = Callable[..., Result]


def runner_for(db: str, capsys: pytest.CaptureFixture[str], actor: str = "alice") -> Runner:
    def qc(*args: str, as_: str | None = None) -> Result:
        return run_cli(capsys, ["--db", db, "--as", as_ or actor, *args])

    return qc
