"""Who acts (issue 13): the TUI's --coder follows the rule of apply --coder, and plain
``qualcode`` never registers the OS user as a new coder."""

from __future__ import annotations

import pytest

from qualcode.cli.context import Context
from qualcode.cli.tui_cmds import run_tui
from qualcode.errors import QualcodeError
from tests.cli_run import Runner


def test_code_as_another_coder_follows_the_rule_of_apply(mini: Runner, db_url: str) -> None:
    assert mini("coders", "add", "bob", "--role", "coder").ok
    assert mini("coders", "add", "carol", "--role", "coder").ok
    apply = mini("apply", "--coder", "carol", "--transcript", "P01", "--segment", "1",
                 "--code", "Training", as_="bob")  # fmt: skip
    assert apply.code == 2 and "may change only their own codings" in apply.err
    tui = mini("code", "--coder", "carol", as_="bob")
    assert tui.code == 2 and "bob may change only their own codings, not carol's" in tui.err


def test_plain_qualcode_says_who_it_would_act_as(mini: Runner, db_url: str) -> None:
    context = Context(db=db_url, requested="stranger")
    try:
        with pytest.raises(QualcodeError, match=r"you would act as stranger \(--as.*QUALCODE_AS"):
            run_tui(context, None, None, plain=True)
    finally:
        context.close()
    status = mini(as_="stranger")
    assert status.ok and "note: acting as stranger (--as" in status.err
    assert "choose with --as NAME or QUALCODE_AS=NAME" in status.err
    assert "stranger" not in mini("coders", "list").out
