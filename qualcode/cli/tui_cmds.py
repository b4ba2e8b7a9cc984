"""``qualcode code``: the coding TUI."""

from __future__ import annotations

import click

from qualcode.cli.context import Context, pass_context


def run_tui(context: Context, coder: str | None, transcript: str | None) -> None:
    from qualcode.tui.app import make_app

    project = context.project()
    make_app(project, coder or context.actor, transcript).run()


@click.command()
@click.option("--coder", default=None, help="Code as this coder (default: --as or the OS user).")
@click.option("--transcript", default=None, help="Open this transcript first.")
@pass_context
def code(context: Context, coder: str | None, transcript: str | None) -> None:
    """Open the coding TUI (keyboard-first; ? lists the keys)."""
    run_tui(context, coder, transcript)


COMMANDS = [code]
