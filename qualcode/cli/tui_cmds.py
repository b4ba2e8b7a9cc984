"""``qualcode code``: the coding TUI."""

from __future__ import annotations

import click

from qualcode.cli.context import Context, pass_context
from qualcode.errors import QualcodeError


def run_tui(context: Context, coder: str | None, transcript: str | None) -> None:
    """Start the TUI at once: the project is opened in its database thread, so the first
    frame does not wait for SQLAlchemy. A missing SQLite file is reported before."""
    import sys

    from qualcode.store.location import locate, missing_project
    from qualcode.tui.app import make_app

    location = locate(context.db)
    if location.path is not None and not location.path.exists():
        raise missing_project(location.path)
    app = make_app(context.db, coder or context.actor, transcript)
    app.run()
    if app.failure:
        raise QualcodeError(app.failure)
    if app.return_code:
        sys.exit(app.return_code)


@click.command()
@click.option("--coder", default=None, help="Code as this coder (default: --as or the OS user).")
@click.option("--transcript", default=None, help="Open this transcript first.")
@pass_context
def code(context: Context, coder: str | None, transcript: str | None) -> None:
    """Open the coding TUI (keyboard-first; ? lists the keys)."""
    run_tui(context, coder, transcript)


COMMANDS = [code]
